"""The listing engine: public articles filtered by a request's parameters, in order, a
page at a time, counted or estimated.

Filters are plain query parameters (``q``, ``region``, ``source``, ``tag``, ``official``,
``date``, ``from``, ``to``; see ``params.py``), plus fixed ones a page sets (a region's
page is ``/?region=<code>``). Only ``Article.objects.public()`` is ever listed. Browsing
pages newest first with a keyset cursor (``after=<date>.<id>``), so deep pages cost no
OFFSET; ranked search results use page numbers up to ``MAX_SEARCH_PAGE``. Counts stop at
``COUNT_CAP`` ("10000+"); where the search backend keeps a side table (PostgreSQL), a set
the planner estimates above ``ESTIMATE_ABOVE`` is shown as "about N" instead of being
counted (``count_basis``).

What a page may cost does not grow with the archive (the limits are in ``limits.py``):

- A search ranks (``sort=rank``, the default) the newest ``RANK_WINDOW`` matches by
  relevance, all of them reachable by page number; ``sort=new`` lists every match newest
  first with the keyset cursor. The page says when the ranked window is smaller than the
  set of matches.
- With a side table, a search is answered from it alone whatever the filters, and so is
  browsing a filter under ``SPARSE_SHARE`` of the archive (``from_search_table``).
- Facets are counted by ``archive/facets.py`` (exact, stored or sampled; ``facet_basis``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import F, Q
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import facets as facet_counting
from archive import search
from archive.listing import limits
from archive.listing.ids import articles_in_order, id_set, newest_first
from archive.listing.params import CURSOR, FILTERS, PARAM_NAMES, parse_day, read_params, url_with
from archive.listing.places import find_region, region_key, subtree_ids
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    FacetCounts,
    Mention,
    Person,
    Source,
    Tag,
)
from archive.reprints import store as reprints

FILTER_KEY_PREFIX = {"source": "s", "tag": "t", "official": "p"}  # regions: "r"


class Listing:
    """Public articles filtered by the request's parameters (plus fixed ones a page sets)."""

    def __init__(self, request, fixed=None):
        self.request = request
        self.fixed = fixed or {}
        self.params = read_params(request)
        self.query = search.parse(self.params["q"])
        self.backend = search.backend()
        self.active = {}  # param -> (label, object)
        qs = Article.objects.public()
        p = self.params
        region = self.fixed.get("region")
        if p["region"]:
            region = find_region(p["region"])
            self.active["region"] = (region.name, region)
        self.region = region
        # The search table's keys of these filters (see "filter keys" in
        # archive/search/postgres_schema.py).
        self.filter_keys = ["r" + region_key(region)] if region is not None else []
        linked = []  # article ids of the tag and official filters
        for name, model in (("source", Source), ("tag", Tag), ("official", Person)):
            obj = self.fixed.get(name)
            if p[name]:
                obj = model.objects.filter(pk=p[name]).first()
                if obj is None:
                    raise Http404(_("没有这个%(what)s。") % {"what": PARAM_NAMES[name]})
                self.active[name] = (obj.name, obj)
            if obj is None:
                continue
            self.filter_keys.append(FILTER_KEY_PREFIX[name] + str(obj.pk))
            if name == "source":
                qs = qs.filter(source=obj)
            elif name == "tag":
                linked.append(ArticleTag.objects.filter(tag=obj).values("article_id"))
            else:
                linked.append(Mention.objects.filter(person=obj).values("article_id"))
        if region is not None:
            links = ArticleRegion.objects.filter(region_id__in=subtree_ids(region))
            # A province has tens of thousands of links; narrowed by a tag's or an
            # official's articles first, the planner no longer de-duplicates all of them.
            for ids in linked:
                links = links.filter(article_id__in=ids)
            qs = qs.filter(pk__in=links.values("article_id"))
        else:
            for ids in linked:
                qs = qs.filter(pk__in=ids)
        if p["date"]:
            qs = qs.filter(published=p["date"])
            self.active["date"] = (p["date"].isoformat(), None)
        if p["from"]:
            qs = qs.filter(published__gte=p["from"])
            self.active["from"] = ("≥ " + p["from"].isoformat(), None)
        if p["to"]:
            qs = qs.filter(published__lte=p["to"])
            self.active["to"] = ("≤ " + p["to"].isoformat(), None)
        if self.query:
            qs = search.restrict(qs, self.query)
            self.active["q"] = (self.query.text, None)
        # Each story of reprints once: its earliest member among the matches (the last
        # filter, so that "earliest" is within everything else the list asks for).
        self.collapse = bool(p["collapse"])
        if self.collapse:
            qs = reprints.collapse(qs, within=True)
            self.active["collapse"] = (_("每个稿件只计一次"), None)
        self.queryset = qs
        self.dates = {"date": p["date"], "from": p["from"], "to": p["to"]}
        self._ids = None
        self._count = None
        self._known_total = None
        self._estimate = None
        self._date_shares = None
        self.count_basis = None  # "exact", "capped" (more than the count) or "estimate"
        self._newest = {}
        self._facets = None
        self.facet_basis = None
        # A search is answered from PostgreSQL's narrow search table alone, whatever the
        # filters (see archive/search/postgres.py), and so is browsing a filter sparse enough.
        # The side table knows no stories: a collapsed list is asked of the article table.
        self.from_search_table = (
            self.backend.SIDE_TABLE
            and not self.collapse
            and (bool(self.query) or self.sparse_filter())
        )

    # ordering and pages

    @property
    def ranked(self):
        """Whether results are ordered by relevance (a search not asking for ``sort=new``)."""
        return bool(self.query) and self.params["sort"] != "new"

    def newest(self, limit):
        """Primary keys of the newest ``limit`` matching articles (fetched once per limit:
        the ranked window and the facet sample are the same ids)."""
        if limit not in self._newest:
            if self.from_search_table:
                ids = self.newest_in_search_table(limit)
            else:
                qs = self.queryset.order_by(*newest_first()).values_list("pk", flat=True)
                ids = list(qs[:limit])
            self._newest[limit] = ids
        return self._newest[limit]

    def newest_in_search_table(self, limit, after=None):
        """PostgreSQL: the newest ``limit`` matches (after the keyset cursor ``after``)."""
        return self.backend.public_ids(
            self.query,
            limit=limit,
            newest=True,
            dates=self.dates,
            keys=self.filter_keys,
            expected=self.estimate(),
            after=after,
            shares=self.date_shares,
        )

    def ordered(self):
        qs = self.queryset
        few = None if self.ranked else self.few_ids()
        if few is not None:
            # The count fetched them anyway: sort those instead of joining again.
            qs = Article.objects.filter(pk__in=id_set(few))
        if self.ranked:
            # Ranking every match of a common word reads them all; rank the newest ones
            # (not on PostgreSQL, which ranks them in the side table: ``top_rows``).
            window = Article.objects.filter(pk__in=self.newest(limits.RANK_WINDOW))
            qs = search.rank(window, self.query)
        qs = qs.select_related("source").defer("search_text", "repairs", "curated_fields")
        if self.ranked:
            return qs.order_by(F("search_rank").desc(), *newest_first())
        return qs.order_by(*newest_first())

    @property
    def rank_limited(self):
        """A ranked search with more matches than it ranks."""
        return self.ranked and self.count()[0] > limits.RANK_WINDOW

    def sort_links(self):
        """The two orders of a search, each with its URL (empty when not searching)."""
        if not self.query:
            return []
        here = "new" if not self.ranked else "rank"
        return [
            {
                "value": value,
                "label": label,
                "current": value == here,
                "url": url_with(
                    self.request, sort=None if value == "rank" else value, page=None, after=None
                ),
            }
            for value, label in (("rank", _("相关度")), ("new", _("最新")))
        ]

    def top_rows(self, limit, *, start=0, cursor=None):
        """``limit`` articles in the listing's order, what a page or a feed shows: from
        position ``start`` when ranked, else newest first after the keyset ``cursor``
        (``(date or None, id)``)."""
        if self.ranked:
            if self.backend.SIDE_TABLE:
                # Ranked in the side table alone: no article row is read but these.
                ranked = self.backend.rank_order(self.query, self.newest(limits.RANK_WINDOW))
                return articles_in_order(ranked[start : start + limit])
            return list(self.ordered()[start : start + limit])
        if self.from_search_table and self.few_ids() is None:
            # A large search newest first: the ids from the side table (the article
            # table's date order would test the words of every row it passes).
            return articles_in_order(self.newest_in_search_table(limit, after=cursor))
        qs = self.ordered()
        if cursor is not None:
            day, pk = cursor
            if day is None:
                qs = qs.filter(published__isnull=True, pk__lt=pk)
            else:
                qs = qs.filter(
                    Q(published__lt=day) | Q(published=day, pk__lt=pk) | Q(published__isnull=True)
                )
        # The ids first, then their rows: the date order then walks the narrow keyset index
        # and tests the filter there, not on whole article rows (a prefecture's page at a
        # million articles read 18,000 of them to show 21).
        return articles_in_order(list(qs.values_list("pk", flat=True)[:limit]))

    def page(self):
        """The rows of the current page and the URL of the next one (or None)."""
        p = self.params
        if self.ranked:
            number = p["page"] or 1
            rows = self.top_rows(limits.PAGE_SIZE + 1, start=(number - 1) * limits.PAGE_SIZE)
            more = len(rows) > limits.PAGE_SIZE and number < limits.MAX_SEARCH_PAGE
            rows = rows[: limits.PAGE_SIZE]
            self.page_number = number
            nxt = url_with(self.request, page=number + 1, after=None) if more else None
            prev = url_with(self.request, page=number - 1 if number > 2 else None)
            self.previous = prev if number > 1 else None
        else:
            cursor = None
            if p["after"]:
                day, pk = CURSOR.match(p["after"]).groups()
                cursor = (None if day == "~" else parse_day(day), int(pk))
            rows = self.top_rows(limits.PAGE_SIZE + 1, cursor=cursor)
            more = len(rows) > limits.PAGE_SIZE
            if not more and not p["after"]:
                self._known_total = len(rows)  # the first page is all there is
            rows = rows[: limits.PAGE_SIZE]
            nxt = None
            if more:
                last = rows[-1]
                after = f"{last.published.isoformat() if last.published else '~'}.{last.pk}"
                nxt = url_with(self.request, after=after, page=None)
            self.page_number = None
            self.previous = url_with(self.request, after=None) if p["after"] else None
        self.rows = rows
        self.next_url = nxt
        return rows, nxt

    def few_ids(self):
        """PostgreSQL: all matching ids when the planner expects few enough to count them
        (the count fetches them), else None."""
        if not self.backend.SIDE_TABLE or self.estimate() > limits.ESTIMATE_ABOVE:
            return None
        ids = self.match_ids()  # up to limits.COUNT_CAP + 1: all of them only if no more
        return ids if len(ids) <= min(limits.FACET_EXACT, limits.COUNT_CAP) else None

    def count(self):
        """Matching articles: (count, whether exact). Counted up to limits.COUNT_CAP (beyond it
        the count is COUNT_CAP, not exact); on PostgreSQL a set estimated above
        limits.ESTIMATE_ABOVE is not counted but estimated. ``count_basis`` says which."""
        if self._count is None:
            self._count = self._counted()
        return self._count

    def _counted(self):
        known = self.known_total()
        if known is not None:
            self.count_basis = "exact"
            return known, True
        if self.backend.SIDE_TABLE:
            guess = self.estimate()
            if guess > limits.ESTIMATE_ABOVE:
                self.count_basis = "estimate"
                return round_estimate(guess), False
        ids = self.match_ids()
        self.count_basis = "exact" if len(ids) <= limits.COUNT_CAP else "capped"
        return min(len(ids), limits.COUNT_CAP), len(ids) <= limits.COUNT_CAP

    def known_total(self):
        """The exact count when a fetch already holds every match (a first page with no
        next one, a newest-N window with fewer than N), else None."""
        if self._ids is not None and len(self._ids) <= limits.COUNT_CAP:
            return len(self._ids)
        for limit, ids in self._newest.items():
            if len(ids) < limit:
                return len(ids)
        return self._known_total

    def estimate(self) -> int:
        """PostgreSQL's estimate of the matching articles (statistics only, no scan)."""
        if self._estimate is None:
            if self.from_search_table:
                self._estimate = self.backend.estimate(self.query, self.dates, self.filter_keys)
            else:
                sql, params = self.queryset.order_by().values("pk").query.sql_with_params()
                self._estimate = self.backend.plan_rows(sql, list(params))
        return self._estimate

    def sparse_filter(self) -> bool:
        """PostgreSQL, browsing: whether the filter keys hold under SPARSE_SHARE of the
        articles (by the planner's estimate). Newest first, the article table's date order
        then tests hundreds of articles for each one it shows (a prefecture's page tested
        15,000 at a million articles), where the search index finds all of the filter's
        articles at once and they are few enough to sort."""
        if not self.filter_keys:
            return False
        rows = self.date_shares().rows
        guess = self.backend.estimate(None, self.dates, self.filter_keys)
        sparse = bool(rows) and guess < limits.SPARSE_SHARE * rows
        if sparse:
            self._estimate = guess  # what ``estimate`` asks the search table for then
        return sparse

    def date_shares(self):
        """The search table's date statistics, read once for the page and its facet sample
        (a deep ``sort=new`` page finds the newest matches twice)."""
        if self._date_shares is None:
            self._date_shares = self.backend.date_shares()
        return self._date_shares

    def match_ids(self):
        """Ids of up to limits.COUNT_CAP + 1 matching articles, in no order: fetched once, they
        give the count and, for a set that small, the facets (each facet query then reads
        the link tables by id instead of repeating the search)."""
        if self._ids is None and self.from_search_table:
            self._ids = self.backend.public_ids(
                self.query, limit=limits.COUNT_CAP + 1, dates=self.dates, keys=self.filter_keys
            )
        elif self._ids is None:
            qs = self.queryset.order_by().values_list("pk", flat=True)
            self._ids = list(qs[: limits.COUNT_CAP + 1])
        return self._ids

    # facets

    def filters(self) -> dict:
        """The filter as plain strings, whether it came from the URL or the page (a region
        page and ``/?region=<code>`` are the same filter)."""
        out = {k: str(self.params.get(k) or "") for k in FILTERS}
        out["collapse"] = "1" if self.collapse else ""
        for name, obj in self.fixed.items():
            value = (obj.code or obj.pk) if name == "region" else obj.pk
            out[name] = str(value)
        if self.query:
            out["q"] = self.query.text
        return {k: v for k, v in out.items() if v}

    def facets(self):
        if self._facets is None:
            self.count()  # sets count_basis, which a facet count that saw every match corrects
            counts, self.facet_basis = facet_counting.facet_data(self)
            if self.facet_basis["kind"] == "exact" and self.count_basis == "estimate":
                self._count = (self.facet_basis["articles"], True)  # facets saw all of it
                self.count_basis = "exact"
            self._facets = facet_counting.facet_links(self, counts)
        return self._facets

    def chips(self):
        """Active filters, each with the URL that removes it."""
        out = []
        for param, (label, _obj) in self.active.items():
            out.append(
                {
                    "param": param,
                    "label": PARAM_NAMES[param],
                    "value": label,
                    "remove": url_with(self.request, **{param: None, "page": None, "after": None}),
                }
            )
        return out

    def region_trail(self):
        """Breadcrumbs for the region facet: the chosen region's ancestors and itself."""
        if "region" not in self.active:
            return []
        region = self.region
        trail = [*region.ancestors(), region]
        return [
            {"name": r.name, "url": url_with(self.request, region=r.code or r.pk, after=None)}
            for r in trail
        ]


def round_estimate(n: int) -> int:
    """An estimate to two significant digits (61,066 → 61,000): no false precision."""
    digits = max(len(str(n)) - 2, 0)
    return round(n, -digits)


def store_facet_counts(params: dict) -> FacetCounts:
    """Count the facets of the public articles matching ``params`` (list parameters, e.g.
    ``{"region": "370000"}``; ``{}`` is the whole archive) exactly, and store them."""
    request = HttpRequest()
    request.GET = QueryDict(urlencode(params))
    listing = Listing(request)
    counts = facet_counting.facet_counts(listing, listing.queryset.order_by().values("pk"))
    total = listing.queryset.order_by().count()
    filters = listing.filters()
    row, _created = FacetCounts.objects.update_or_create(
        key=facet_counting.stored_key(filters),
        defaults={
            "params": filters,
            "counts": counts,
            "total": total,
            "computed_at": timezone.now(),
        },
    )
    return row
