"""The listing engine's limits: what a page may cost, whatever the archive's size.

Read as ``limits.NAME`` at call time, so a test may lower one with ``monkeypatch``.
"""

PAGE_SIZE = 20
COUNT_CAP = 10_000
MAX_SEARCH_PAGE = 50
RANK_WINDOW = MAX_SEARCH_PAGE * PAGE_SIZE  # the newest matches a ranked search orders
FACET_SAMPLE = RANK_WINDOW  # facets of a large set with no stored counts: its newest articles
FACET_EXACT = 2_000  # sets up to this size have their facets counted as they are asked for
# PostgreSQL: a set the planner puts above this many articles is not counted (counting
# reads every match) but shown as "about N" from the statistics, unless a page already
# fetched shows all of it.
ESTIMATE_ABOVE = FACET_EXACT
FEED_SIZE = 50
FACET_SIZE = 12
# Below this share of the articles a filter is browsed from the search index (measured at a
# million articles: a prefecture of 0.3% took 8 ms there, warm, against 45–65 ms in date
# order; a tag of 0.6% took 26 ms there against 6 ms).
SPARSE_SHARE = 0.004
