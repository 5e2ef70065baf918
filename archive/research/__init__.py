"""Research pages: how a phrase rises and spreads, officials' careers, quotes by office,
and what the archive covers. Read-only; the aggregation lives in ``series`` (monthly
counts, first use per place, coverage), the careers and quotes queries in ``people``,
the pages in ``views``."""
