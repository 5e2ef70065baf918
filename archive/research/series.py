"""One place that counts a filter's articles by month, by place of first use and by
source and province: trends, spread and coverage all ask here.

A filter is a ``Listing`` (archive/listing/) (the lists' own parameters: ``q``, ``region``,
``source``, ``tag``, ``official``, dates), so a trend line counts exactly the articles the
list of the same URL shows.

On PostgreSQL the counts with search words are read from the search side table
(archive/search/): the GIN index over words, date and filter keys finds the matches, and
the month or the place is aggregated from the side table's own columns (date, filter
keys); no article row is read. The counts without search words (the coverage heat map, a
trend's denominator) are read from the monthly counts per filter key that a trigger keeps
(archive/research/rollup_schema.py). Elsewhere (SQLite) the same numbers come from the ORM.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest

from archive import search
from archive.listing import Listing
from archive.models import ArticleRegion, Region, Source
from archive.research.months import code_keys, month_bounds, month_of, whole_months
from archive.research.rollup_schema import ALL_KEY, ROLLUP_TABLE
from archive.search.postgres import _side_table_where, through_index
from archive.search.postgres_schema import PG_TABLE
from archive.web import data_version

MONTH_SQL = "to_char(published, 'YYYY-MM')"


def _pg(listing=None) -> bool:
    """Whether the series are counted from PostgreSQL's side table without reading article
    rows (archive/search/postgres.py): the backend keeps one and the listing does not
    collapse reprints (stories are not in the side table)."""
    return search.backend().SIDE_TABLE and not (listing is not None and listing.collapse)


def _where(listing) -> tuple[str, list]:
    """The side table's condition for a listing's public, dated matches."""
    where, params = _side_table_where(listing.query or None, listing.dates, listing.filter_keys)
    return where + " AND published IS NOT NULL", params


def monthly(listing) -> dict[str, int]:
    """Articles of ``listing`` per month (``"YYYY-MM"`` → count); undated ones are left out."""
    if _pg(listing):
        where, params = _where(listing)
        # Per day (a few thousand groups, a hash of a date each), folded into months here:
        # formatting every matching row's month cost a third of the count.
        with through_index() as cur:
            cur.execute(
                f"SELECT published, count(*) FROM {PG_TABLE} WHERE {where} GROUP BY 1", params
            )
            out: dict[str, int] = defaultdict(int)
            for day, n in cur.fetchall():
                out[month_of(day)] += n
            return dict(out)
    rows = (
        listing.queryset.filter(published__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("published"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    return {month_of(month): n for month, n in rows}


def cached(name: str, parts, compute, request=None):
    """``compute()`` remembered for DIFANG_FACET_CACHE_SECONDS under the data version (so
    never stale): an archive's volume per month changes only when articles do."""
    seconds = getattr(settings, "DIFANG_FACET_CACHE_SECONDS", 300)
    if not seconds:
        return compute()
    raw = repr((connection.vendor, name, data_version(request), parts))
    key = "difang-research:" + hashlib.sha256(raw.encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def monthly_totals(listing) -> dict[str, int]:
    """Every article of a filter per month (``listing`` has no search words): the
    denominator of a trend's share. On PostgreSQL a filter of at most one key (a region, a
    source, a tag or an official) is read from the monthly counts (``rolled_up``);
    elsewhere, and for several keys at once, counted and cached under the data version."""
    if _pg(listing) and len(listing.filter_keys) <= 1:
        key = listing.filter_keys[0] if listing.filter_keys else ALL_KEY
        return rolled_up([key], listing.dates).get(key, {})
    parts = (sorted(listing.filter_keys), sorted((k, str(v)) for k, v in listing.dates.items()))
    return cached("totals", parts, lambda: monthly(listing), listing.request)


def rolled_up(keys: list[str], dates) -> dict[str, dict[str, int]]:
    """PostgreSQL only: public dated articles per month for each filter key in ``keys``
    (``ALL_KEY``: every article) within the list's ``dates``, ``{key: {month: n}}``. The
    months wholly inside the dates are read from the monthly counts (archive/research/
    rollup_schema.py: a few rows per key and month); a month the dates cut is counted from
    the side table, within the dates."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    whole = whole_months(dates)
    rest = []  # the side table's condition for the days outside the whole months
    with connection.cursor() as cur:
        if whole is not None:
            first, last = whole
            sql = f"SELECT key, to_char(month, 'YYYY-MM'), sum(n) FROM {ROLLUP_TABLE} "
            sql += "WHERE key = ANY(%s)"
            params: list = [list(keys)]
            if first:
                sql += " AND month >= %s"
                params.append(first)
                rest.append(("published < %s", first))
            if last:
                sql += " AND month <= %s"
                params.append(last)
                rest.append(("published > %s", month_bounds(month_of(last))[1]))
            cur.execute(sql + " GROUP BY 1, 2 HAVING sum(n) <> 0", params)
            for key, month, n in cur.fetchall():
                out[key][month] = int(n)
        if whole is None or rest:
            where, params = _side_table_where(None, dates, None)
            if rest:
                where += " AND (" + " OR ".join(cond for cond, _day in rest) + ")"
                params += [day for _cond, day in rest]
            cur.execute(
                f"SELECT k, {MONTH_SQL}, count(*) FROM {PG_TABLE}, "
                "unnest(array_append(filter_keys, ''::text)) k "
                f"WHERE {where} AND published IS NOT NULL AND k = ANY(%s) GROUP BY 1, 2",
                [*params, list(keys)],
            )
            for key, month, n in cur.fetchall():
                out[key][month] = out[key].get(month, 0) + n
    return dict(out)


def listing_for(request, q: str | None, drop=()):
    """The list filter of ``request`` with its search replaced by ``q`` (None: no search),
    without the parameters in ``drop`` (a page that reads them itself)."""
    copy = HttpRequest()
    copy.GET = request.GET.copy()
    for name in ("q", "page", *drop):
        copy.GET.pop(name, None)
    if q:
        copy.GET["q"] = q
    copy.META = request.META
    copy._difang_data_version = getattr(request, "_difang_data_version", None)
    return Listing(copy)


def first_use(listing) -> dict[str, tuple]:
    """Per region key (a code prefix: ``37``, ``3715``, ``371522``): ``(first date, id of
    the first article, articles)`` over ``listing``'s dated matches. A county's article
    counts for its prefecture and province too, as the lists' region filter does."""
    if _pg(listing):
        where, params = _where(listing)
        # min() of day number * 2^32 + article id picks the first article and its date in
        # one pass over one bigint a row (an array's min() built and compared an array for
        # each of the matches' region keys).
        sql = (
            "SELECT substr(k, 2), count(*), "
            "min((published - DATE '1970-01-01')::bigint * 4294967296 + article_id) "
            f"FROM {PG_TABLE}, unnest(filter_keys) k WHERE {where} "
            "AND k LIKE 'r%%' AND k NOT LIKE 'r#%%' GROUP BY 1"
        )
        epoch = datetime.date(1970, 1, 1)
        with through_index() as cur:
            cur.execute(sql, params)
            return {
                key: (epoch + datetime.timedelta(days=first >> 32), first & 0xFFFFFFFF, n)
                for key, n, first in cur.fetchall()
            }
    codes = dict(Region.objects.values_list("pk", "code"))
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    matches = listing.queryset.filter(published__isnull=False).values("pk")
    links = ArticleRegion.objects.filter(article__in=matches).values_list(
        "article_id", "article__published", "region_id"
    )
    seen = defaultdict(set)  # key -> article ids
    first = {}
    for article_id, day, region_id in links:
        code = codes.get(region_id) or codes.get(parents.get(region_id))
        for key in code_keys(code):
            seen[key].add(article_id)
            if key not in first or (day, article_id) < first[key]:
                first[key] = (day, article_id)
    return {key: (*first[key], len(ids)) for key, ids in seen.items()}


def coverage(dates) -> dict[str, dict]:
    """The public dated articles per source and per province, by month:
    ``{"source": {source id: {month: n}}, "province": {"37": {month: n}}}``."""
    from archive.models import Article

    out = {"source": defaultdict(dict), "province": defaultdict(dict)}
    if _pg():
        sources = ["s" + str(pk) for pk in Source.objects.values_list("pk", flat=True)]
        provinces = [
            "r" + code[:2]
            for code in Region.objects.filter(level="province", code__isnull=False)
            .exclude(code="")
            .values_list("code", flat=True)
        ]
        for key, by_month in rolled_up(sources + provinces, dates).items():
            if key[0] == "s":
                out["source"][int(key[1:])] = by_month
            else:
                out["province"][key[1:]] = by_month
        return {k: dict(v) for k, v in out.items()}
    qs = Article.objects.public().filter(published__isnull=False)
    if dates.get("from"):
        qs = qs.filter(published__gte=dates["from"])
    if dates.get("to"):
        qs = qs.filter(published__lte=dates["to"])
    by_source = (
        qs.filter(source__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("published"))
        .values_list("source_id", "month")
        .annotate(n=Count("pk"))
    )
    for source_id, month, n in by_source:
        out["source"][source_id][month_of(month)] = n
    codes = dict(Region.objects.values_list("pk", "code"))
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    seen = defaultdict(set)
    links = ArticleRegion.objects.filter(article__in=qs.values("pk")).values_list(
        "article_id", "article__published", "region_id"
    )
    for article_id, day, region_id in links:
        code = codes.get(region_id) or codes.get(parents.get(region_id))
        if code:
            seen[(code[:2], month_of(day))].add(article_id)
    for (province, month), ids in seen.items():
        out["province"][province][month] = len(ids)
    return {k: dict(v) for k, v in out.items()}
