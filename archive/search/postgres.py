"""PostgreSQL's search backend: queries against the side table ``archive_article_search``.

The table, its triggers and its GIN index over words, date and filter keys are built by
the migrations from ``archive.search.postgres_schema``. Its rows hold no title or body, so
it is about a sixth of the article table's size; a search with any of the list's filters
is answered from it alone (``public_ids``, ``rank_order``), and the planner's estimate of
its size (``estimate``) stands in for a count of a large set. Facet counts come from the
facet rows (``archive.search.postgres_facets``). Ranked by ``ts_rank_cd``.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from archive.search.postgres_facets import id_array
from archive.search.postgres_schema import PG_TABLE
from archive.search.query import Query

# Ids, ranks, estimates and facet counts of a page can be read from the side table and the
# facet rows without touching the article table (``archive.listing`` asks this).
SIDE_TABLE = True


def _tsquery(query: Query) -> tuple[str, list]:
    """PostgreSQL tsquery SQL and its parameters: the user's words only as parameters."""
    parts, params = [], []
    for term in query.terms:
        parts.append("plainto_tsquery('simple'::regconfig, %s)")
        params.append(term)
    for phrase in query.phrases:
        parts.append("phraseto_tsquery('simple'::regconfig, %s)")
        params.append(" ".join(phrase))
    return "(" + " && ".join(parts) + ")", params


def _side_table_where(query: Query | None, dates=None, keys=None) -> tuple[str, list]:
    """The side table's condition for public matches of ``query`` (any public row if it is
    empty) within ``dates`` (a dict of ``date``, ``from``, ``to``) that have every filter
    key in ``keys`` (if given; see "filter keys" above), and its parameters."""
    where, params = "public", []
    if query:
        tsquery, params = _tsquery(query)
        where += f" AND search_vector @@ {tsquery}"
    if keys:
        where += " AND filter_keys @> %s::text[]"
        params.append(list(keys))
    for key, op in (("date", "="), ("from", ">="), ("to", "<=")):
        if dates and dates.get(key):
            where += f" AND published {op} %s"
            params.append(dates[key])
    return where, params


@contextlib.contextmanager
def through_index():
    """A transaction in which a count over a word's matches reads them through the GIN
    index (``monthly``, ``first_use`` in archive/research/series.py). The vectors are out of
    line (migration 0020), so a scan of the table would fetch and test all of them (seconds
    at a million rows) while the planner costs it by the narrow heap alone; the bitmap gets
    the memory to stay exact (a lossy page's rows would be tested, vector and all)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute(f"SET LOCAL work_mem = '{RANGE_WORK_MEM}'")
        yield cur


def _fetch_ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def plan_rows(sql: str, params: list) -> int:
    """PostgreSQL's estimate of the rows ``sql`` returns (EXPLAIN: statistics, no scan)."""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def estimate(query: Query, dates=None, keys=None) -> int:
    """PostgreSQL only: the planner's estimate of the public articles matching ``query``
    (within ``dates``, with the filter ``keys``), from the side table's statistics; close
    for common words, which are the sets too large to count as a page is asked for."""
    where, params = _side_table_where(query, dates, keys)
    return plan_rows(f"SELECT 1 FROM {PG_TABLE} WHERE {where}", params)


@dataclass
class DateShares:
    """The side table's dates as ANALYZE saw them: ``rows`` in all, ``common`` (the most
    common dates and the share of rows on each), ``bounds`` (equal-frequency bounds of the
    other dated rows, oldest first) and ``undated`` (the share without a date)."""

    rows: float
    bounds: list[datetime.date]
    common: list[tuple[datetime.date, float]] = field(default_factory=list)
    undated: float = 0.0

    def __post_init__(self):
        self.common = sorted(self.common)
        self._common_days = [d for d, _f in self.common]
        self._later = [0.0] * (len(self.common) + 1)  # share on common dates from i on
        for i in range(len(self.common) - 1, -1, -1):
            self._later[i] = self._later[i + 1] + self.common[i][1]
        self._spread = max(1.0 - self.undated - self._later[0], 0.0)

    def since(self, day: datetime.date) -> float:
        """The share of rows dated ``day`` or later (the dates between two bounds spread
        evenly over the days between them)."""
        share = self._later[bisect.bisect_left(self._common_days, day)]
        b = self.bounds
        if len(b) < 2 or not self._spread:
            return share
        if day <= b[0]:
            return share + self._spread
        i = bisect.bisect_right(b, day) - 1
        if i >= len(b) - 1:  # on or after the last bound
            return share
        width = (b[i + 1] - b[i]).days
        inside = (b[i + 1] - day).days / width if width else 0.0
        return share + self._spread * (len(b) - 2 - i + inside) / (len(b) - 1)

    def between(self, day: datetime.date, before: datetime.date | None) -> float:
        """The share of rows dated from ``day`` up to ``before`` (if given)."""
        later = self.since(before + datetime.timedelta(days=1)) if before else 0.0
        return max(self.since(day) - later, 0.0)

    def days(self, before: datetime.date | None) -> list[datetime.date]:
        """The dates a range may start at (bounds and common dates), newest first."""
        found = set(self.bounds) | {d for d, _f in self.common}
        return sorted((d for d in found if before is None or d <= before), reverse=True)


def date_shares() -> DateShares:
    """What ANALYZE recorded of the side table's dates (nothing before it has run)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.reltuples, s.histogram_bounds::text, s.most_common_vals::text, "
            "s.most_common_freqs, s.null_frac FROM pg_class c "
            "LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'published' "
            "WHERE c.relname = %s",
            [PG_TABLE],
        )
        row = cur.fetchone()
    if not row or (row[1] is None and row[2] is None):
        return DateShares(rows=0.0, bounds=[])
    rows, bounds, common, freqs, undated = row

    def dates(text):
        return [datetime.date.fromisoformat(d) for d in (text or "").strip("{}").split(",") if d]

    return DateShares(
        rows=max(float(rows or 0), 0.0),
        bounds=dates(bounds),
        common=list(zip(dates(common), [float(f) for f in freqs or []], strict=False)),
        undated=float(undated or 0),
    )


# What a row of a date range costs the index, against what a match costs when every match
# is fetched and sorted (measured at a million articles, warm: ~0.45 µs a range row, ~1.8
# µs a match): a range is tried only while it holds fewer than 1 / RANGE_ROW_COST rows per
# expected match.
RANGE_ROW_COST = 0.25
RANGE_WORK_MEM = "32MB"


def _newest_cutoffs(limit: int, expected: int, before: datetime.date | None = None, shares=None):
    """Dates from which on, by the table's statistics (``shares()``), the newest rows (up to
    ``before``, if given) hold about 1.5 × ``limit`` matches of a query expected to match
    ``expected`` rows, then four times as many rows, and so on, while that is less than half
    the table and cheaper than fetching all ``expected`` matches."""
    if expected <= 0:
        return
    stats = (shares or date_shares)()
    days = stats.days(before)
    share = 1.5 * limit / expected
    last = None
    while share < 0.5:
        # The newest date from which on the rows hold that share (the share grows as the
        # dates, newest first, go back).
        i = bisect.bisect_left(days, share, key=lambda d: stats.between(d, before))
        at = days[i] if i < len(days) else None
        # The index collects every row of the range before it intersects them with the
        # word's matches: for a word with few matches per row of the range, fetching all
        # of its matches is cheaper.
        if at is None or RANGE_ROW_COST * stats.rows * stats.between(at, before) >= expected:
            return
        if at != last:  # a common date may hold the wider share too: ask once
            yield at
        last = at
        share *= 4


def public_ids(
    query: Query,
    *,
    limit: int,
    newest=False,
    dates=None,
    expected: int | None = None,
    after: tuple[datetime.date | None, int] | None = None,
    shares=None,
    keys=None,
) -> list[int]:
    """PostgreSQL only: ids of public articles matching ``query`` (and, if given, the date
    conditions ``dates``: a dict of ``date``, ``from``, ``to``, and the filter ``keys``), at
    most ``limit``, the newest first if ``newest`` (and then, given a keyset cursor
    ``after`` = (date or None, id), only those after it in that order); read from the side
    table alone.

    The newest matches of a common word are found by trying the newest dates first: the
    index gives the matches from a cutoff date on without reading other rows, and when
    they are ``limit`` or more they are the newest ones. The cutoffs come from the table's
    date statistics and the planner's estimate (``expected``, asked for if not given); if
    none yields enough, or a range would cost more than every match, all matches are
    sorted. ``shares`` reads the date statistics (``date_shares`` unless given: a page that
    asks twice passes a memo).
    """
    where, params = _side_table_where(query, dates, keys)
    before = None
    if after is not None:
        day, pk = after
        if day is None:  # undated rows come last, by id
            where += " AND published IS NULL AND article_id < %s"
            params.append(pk)
        else:
            where += (
                " AND (published < %s OR (published = %s AND article_id < %s) OR published IS NULL)"
            )
            params += [day, day, pk]
            before = day
    if not newest:
        return _fetch_ids(
            f"SELECT article_id FROM {PG_TABLE} WHERE {where} LIMIT %s", [*params, limit]
        )
    # OFFSET 0 keeps the planner from walking the date index and testing each row's vector
    # (reading thousands of vectors to find a page of a word's matches).
    sql = (
        f"SELECT article_id FROM (SELECT article_id, published FROM {PG_TABLE} "
        f"WHERE {where}{{cutoff}} OFFSET 0) s "
        "ORDER BY published DESC NULLS LAST, article_id DESC LIMIT %s"
    )
    if not (dates and (dates.get("date") or dates.get("to"))) and not (after and not before):
        since = dates.get("from") if dates else None
        if expected is None:
            expected = estimate(query, dates, keys)
        for cutoff in _newest_cutoffs(limit, expected, before, shares):
            if since and cutoff <= since:
                break
            with transaction.atomic():
                # A date range of a hundred thousand rows overflows the default 4 MB
                # bitmap, which then turns lossy and returns whole pages of candidates.
                with connection.cursor() as cur:
                    cur.execute(f"SET LOCAL work_mem = '{RANGE_WORK_MEM}'")
                ids = _fetch_ids(
                    sql.format(cutoff=" AND published >= %s"), [*params, cutoff, limit]
                )
            if len(ids) >= limit:
                return ids
    return _fetch_ids(sql.format(cutoff=""), [*params, limit])


def rank_order(query: Query, ids: list[int]) -> list[int]:
    """PostgreSQL only: ``ids`` (public matches of ``query``) by relevance, then newest,
    read from the side table alone."""
    if not ids:
        return []
    tsquery, params = _tsquery(query)
    return _fetch_ids(
        f"SELECT article_id FROM {PG_TABLE} WHERE article_id = ANY(%s::bigint[]) "
        f"ORDER BY ts_rank_cd(search_vector, {tsquery}) DESC, "
        "published DESC NULLS LAST, article_id DESC",
        [id_array(ids), *params],
    )


def restrict(queryset, query: Query):
    """Filter ``queryset`` to articles matching ``query``."""
    tsquery, params = _tsquery(query)
    # Only public rows are indexed; the queryset is of public articles anyway.
    hits = RawSQL(
        f"SELECT article_id FROM {PG_TABLE} WHERE public AND search_vector @@ {tsquery}",
        params,
    )
    return queryset.filter(pk__in=hits)


def rank(queryset, query: Query):
    raise NotImplementedError("PostgreSQL ranks in the side table: use rank_order()")
