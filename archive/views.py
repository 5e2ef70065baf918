"""The public, read-only site.

Every page builds plain data and answers in the format asked for: HTML (default), JSON
(``?format=json`` or ``Accept: application/json``), and for lists also CSV
(``?format=csv``, streamed, every row) and Atom (``?format=atom`` or ``/feed/``).

Lists share one engine, ``Listing``: filters are plain query parameters (``q``, ``region``,
``source``, ``tag``, ``official``, ``date``, ``from``, ``to``), so each view is a shareable
URL. Only ``Article.objects.public()`` is ever shown. Browsing pages newest first with a
keyset cursor (``after=<date>.<id>``), so deep pages cost no OFFSET; ranked search results
use page numbers up to ``MAX_SEARCH_PAGE``. Counts stop at ``COUNT_CAP`` ("10000+"); on
PostgreSQL a set the planner estimates above ``ESTIMATE_ABOVE`` is shown as "about N"
instead of being counted (``count_basis``).

What a page may cost does not grow with the archive:

- A search ranks (``sort=rank``, the default) the newest ``RANK_WINDOW`` matches by
  relevance, all of them reachable by page number; ``sort=new`` lists every match newest
  first with the keyset cursor. The page says when the ranked window is smaller than the
  set of matches.
- Facet counts of a set of up to ``FACET_EXACT`` articles are counted exactly. A larger set
  (the whole archive, a province, a common word) shows the exact counts ``refresh_facets``
  stored for that filter, dated, or, if none are stored, counts over its newest
  ``FACET_SAMPLE`` articles (a search's ranked window); the page says which
  (``facet_basis``).
- Facet counts are cached for ``DIFANG_FACET_CACHE_SECONDS`` (default 300) under a key that
  changes whenever articles or their links change.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
from collections import defaultdict
from contextlib import contextmanager
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from archive import facet_rows, search
from archive.facets import facet_names, stored_key
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    FacetCounts,
    Mention,
    Person,
    Quote,
    Region,
    Source,
    Tag,
)

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
FORMATS = ("html", "json", "csv", "atom")
FILTERS = ("q", "region", "source", "tag", "official", "date", "from", "to")
FILTER_KEY_PREFIX = {"source": "s", "tag": "t", "official": "p"}  # regions: "r"
# Below this share of the articles a filter is browsed from the search index (measured at a
# million articles: a prefecture of 0.3% took 8 ms there, warm, against 45–65 ms in date
# order; a tag of 0.6% took 26 ms there against 6 ms).
SPARSE_SHARE = 0.004
CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")
CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2}|~)\.(\d{1,19})$")


class BadParameter(Exception):
    """A query parameter that cannot be understood: answered with 400."""


# --- request plumbing -------------------------------------------------------------------


def wanted_format(request) -> str:
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise BadParameter(_("未知的格式：%(value)s") % {"value": fmt})
        return fmt
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return "json"
    if "application/atom+xml" in accept and "text/html" not in accept:
        return "atom"
    return "html"


def public_view(view):
    """GET/HEAD only (405 otherwise); bad parameters → 400 and missing objects → 404,
    both in the format asked for; responses vary on Accept."""

    # Exempt from CSRF only so that a POST meets require_safe's 405 rather than the CSRF
    # 403: these views accept GET and HEAD alone and never write.
    @csrf_exempt
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            fmt = wanted_format(request)
        except BadParameter as exc:
            accept = request.headers.get("Accept", "")
            return error(request, "json" if "json" in accept else "html", 400, str(exc))
        key = page_key(request, fmt)
        cached = cache.get(key) if key else None
        if cached is not None:
            return cached
        try:
            response = view(request, fmt, *args, **kwargs)
        except BadParameter as exc:
            response = error(request, fmt, 400, str(exc))
        except Http404 as exc:
            message = str(exc) if exc.args else _("没有找到这个页面。")
            response = error(request, fmt, 404, message)
        patch_vary_headers(response, ["Accept", "Accept-Language", "Cookie"])
        if key and response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response, page_cache_seconds())
        return response

    return wrapper


HISTORY_MODELS = ("article", "person", "position", "quote", "region", "source", "tag")


def page_cache_seconds() -> int:
    return int(getattr(settings, "DIFANG_PAGE_CACHE_SECONDS", 0) or 0)


# Every ORM save or delete of these writes a history row (django-simple-history), and
# new links get new ids: the largest ids move whenever anything a page shows changes.
VERSION_SQL = "SELECT " + ", ".join(
    [f"(SELECT MAX(history_id) FROM archive_historical{m})" for m in HISTORY_MODELS]
    + [f"(SELECT MAX(id) FROM archive_{t})" for t in ("articleregion", "articletag", "mention")]
)


def data_version(request=None) -> tuple:
    """Changes whenever an article, a person, a tag … or a link between them is added,
    edited or deleted: the key under which pages and facet counts are cached, so a cached
    page is never stale (an article a curator hides disappears at once). One query of
    primary-key maxima, asked once per request (the page key and the facet key share it)."""
    version = getattr(request, "_difang_data_version", None)
    if version is None:
        with connection.cursor() as cur:
            cur.execute(VERSION_SQL)
            version = tuple(cur.fetchone())
        if request is not None:
            request._difang_data_version = version
    return version


def page_key(request, fmt: str) -> str | None:
    """Cache key of a whole public page: its URL, format, language and the data version.
    CSV streams every row and is never cached."""
    if fmt == "csv" or not page_cache_seconds():
        return None
    raw = repr(
        (
            connection.vendor,
            request.get_full_path(),
            fmt,
            translation.get_language(),
            data_version(request),
        )
    )
    return "difang-page:" + hashlib.sha256(raw.encode()).hexdigest()


def error(request, fmt, status, message):
    if fmt == "json":
        return JsonResponse({"error": message, "status": status}, status=status)
    if fmt in ("csv", "atom"):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def as_json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def url_with(request, path=None, **changes):
    """The current URL with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.GET.items() if k not in ("format",)}
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return (path or request.path) + (f"?{query}" if query else "")


# --- parameters -------------------------------------------------------------------------


def _date_field():
    return forms.DateField(required=False, input_formats=["%Y-%m-%d"])


ListParams = type(
    "ListParams",
    (forms.Form,),
    {
        "q": forms.CharField(required=False, strip=True),
        "region": forms.CharField(required=False, max_length=20),
        "source": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "tag": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "official": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "date": _date_field(),
        "from": _date_field(),
        "to": _date_field(),
        "page": forms.IntegerField(required=False, min_value=1, max_value=MAX_SEARCH_PAGE),
        "after": forms.RegexField(CURSOR, required=False),
        "sort": forms.ChoiceField(required=False, choices=[("rank", "rank"), ("new", "new")]),
    },
)

PARAM_NAMES = {  # lazy: translated when shown
    "q": gettext_lazy("搜索"),
    "region": gettext_lazy("地区"),
    "source": gettext_lazy("来源"),
    "tag": gettext_lazy("标签"),
    "official": gettext_lazy("人物"),
    "date": gettext_lazy("日期"),
    "from": gettext_lazy("起始日期"),
    "to": gettext_lazy("截止日期"),
    "page": gettext_lazy("页码"),
    "after": gettext_lazy("翻页位置"),
    "sort": gettext_lazy("排序"),
}


def read_params(request):
    data = request.GET.copy()
    if "q" in data:
        data["q"] = data["q"].replace("\x00", "")  # a NUL in a search box is not worth a 400
    form = ListParams(data)
    if not form.is_valid():
        name = next(iter(form.errors))
        raise BadParameter(
            _("参数 %(name)s 的值无法识别：%(value)s")
            % {"name": name, "value": request.GET.get(name, "")[:50]}
        )
    return form.cleaned_data


def find_region(key: str) -> Region:
    """A division by code, or a township without one by primary key."""
    key = (key or "").strip()
    obj = Region.objects.filter(code=key).select_related("parent").first() if key else None
    if obj is None and key.isdigit() and len(key) < 19:
        obj = Region.objects.filter(pk=int(key), code__isnull=True).first()
    if obj is None:
        raise Http404(_("没有这个地区：%(key)s") % {"key": key[:20]})
    return obj


def code_prefix(code: str) -> str:
    """The prefix every division inside a GB/T 2260 code shares: 370000 → 37, 371500 → 3715."""
    code = code[:6]
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_key(region: Region) -> str:
    """The key the search table keeps for every article in ``region``'s subtree (see
    ``archive/search.py``): its code prefix, or ``#<id>`` for a township without a code."""
    return code_prefix(region.code) if region.code else f"#{region.pk}"


def subtree_ids(region: Region) -> list[int]:
    """The region and every division below it (coded ones by prefix, townships by their
    coded parent); one query, remembered on the instance (a page asks up to three times)."""
    if not region.code:
        return [region.pk]
    cached = getattr(region, "_subtree_ids", None)
    if cached is None:
        prefix = code_prefix(region.code)
        below = Q(code__startswith=prefix) | Q(code__isnull=True, parent__code__startswith=prefix)
        cached = list(Region.objects.filter(below).order_by().values_list("pk", flat=True))
        region._subtree_ids = cached
    return cached


# --- the list engine --------------------------------------------------------------------


def newest_first():
    return [F("published").desc(nulls_last=True), F("pk").desc()]


def articles_in_order(ids: list[int]) -> list:
    """The public-page rows of the articles ``ids``, in that order (one query)."""
    found = Article.objects.filter(pk__in=ids).select_related("source")
    by_id = found.defer("search_text", "repairs", "curated_fields").in_bulk()
    return [by_id[pk] for pk in ids if pk in by_id]


def id_set(ids):
    """Primary keys for an ``__in`` filter: on PostgreSQL a list goes as one array
    parameter (binding and planning a thousand placeholders costs more than the lookups)."""
    if isinstance(ids, list) and connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [facet_rows.id_array(ids)])
    return ids


class Listing:
    """Public articles filtered by the request's parameters (plus fixed ones a page sets)."""

    def __init__(self, request, fixed=None):
        self.request = request
        self.fixed = fixed or {}
        self.params = read_params(request)
        self.query = search.parse(self.params["q"])
        self.active = {}  # param -> (label, object)
        qs = Article.objects.public()
        p = self.params
        region = self.fixed.get("region")
        if p["region"]:
            region = find_region(p["region"])
            self.active["region"] = (region.name, region)
        self.region = region
        # The search table's keys of these filters (see "filter keys" in archive/search.py).
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
        # filters (see archive/search.py), and so is browsing a filter sparse enough there.
        self.from_search_table = connection.vendor == "postgresql" and (
            bool(self.query) or self.sparse_filter()
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
        return search.public_ids(
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
            window = Article.objects.filter(pk__in=self.newest(RANK_WINDOW))
            qs = search.rank(window, self.query)
        qs = qs.select_related("source").defer("search_text", "repairs", "curated_fields")
        if self.ranked:
            return qs.order_by(F("search_rank").desc(), *newest_first())
        return qs.order_by(*newest_first())

    @property
    def rank_limited(self):
        """A ranked search with more matches than it ranks."""
        return self.ranked and self.count()[0] > RANK_WINDOW

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
            if connection.vendor == "postgresql":
                # Ranked in the side table alone: no article row is read but these.
                ranked = search.rank_order(self.query, self.newest(RANK_WINDOW))
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
            rows = self.top_rows(PAGE_SIZE + 1, start=(number - 1) * PAGE_SIZE)
            more = len(rows) > PAGE_SIZE and number < MAX_SEARCH_PAGE
            rows = rows[:PAGE_SIZE]
            self.page_number = number
            nxt = url_with(self.request, page=number + 1, after=None) if more else None
            prev = url_with(self.request, page=number - 1 if number > 2 else None)
            self.previous = prev if number > 1 else None
        else:
            cursor = None
            if p["after"]:
                day, pk = CURSOR.match(p["after"]).groups()
                cursor = (None if day == "~" else parse_day(day), int(pk))
            rows = self.top_rows(PAGE_SIZE + 1, cursor=cursor)
            more = len(rows) > PAGE_SIZE
            if not more and not p["after"]:
                self._known_total = len(rows)  # the first page is all there is
            rows = rows[:PAGE_SIZE]
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
        if connection.vendor != "postgresql" or self.estimate() > ESTIMATE_ABOVE:
            return None
        ids = self.match_ids()  # up to COUNT_CAP + 1: all of them only if no more
        return ids if len(ids) <= min(FACET_EXACT, COUNT_CAP) else None

    def count(self):
        """Matching articles: (count, whether exact). Counted up to COUNT_CAP (beyond it
        the count is COUNT_CAP, not exact); on PostgreSQL a set estimated above
        ESTIMATE_ABOVE is not counted but estimated. ``count_basis`` says which."""
        if self._count is None:
            self._count = self._counted()
        return self._count

    def _counted(self):
        known = self.known_total()
        if known is not None:
            self.count_basis = "exact"
            return known, True
        if connection.vendor == "postgresql":
            guess = self.estimate()
            if guess > ESTIMATE_ABOVE:
                self.count_basis = "estimate"
                return round_estimate(guess), False
        ids = self.match_ids()
        self.count_basis = "exact" if len(ids) <= COUNT_CAP else "capped"
        return min(len(ids), COUNT_CAP), len(ids) <= COUNT_CAP

    def known_total(self):
        """The exact count when a fetch already holds every match (a first page with no
        next one, a newest-N window with fewer than N), else None."""
        if self._ids is not None and len(self._ids) <= COUNT_CAP:
            return len(self._ids)
        for limit, ids in self._newest.items():
            if len(ids) < limit:
                return len(ids)
        return self._known_total

    def estimate(self) -> int:
        """PostgreSQL's estimate of the matching articles (statistics only, no scan)."""
        if self._estimate is None:
            if self.from_search_table:
                self._estimate = search.estimate(self.query, self.dates, self.filter_keys)
            else:
                sql, params = self.queryset.order_by().values("pk").query.sql_with_params()
                self._estimate = search.plan_rows(sql, list(params))
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
        guess = search.estimate(None, self.dates, self.filter_keys)
        sparse = bool(rows) and guess < SPARSE_SHARE * rows
        if sparse:
            self._estimate = guess  # what ``estimate`` asks the search table for then
        return sparse

    def date_shares(self):
        """The search table's date statistics, read once for the page and its facet sample
        (a deep ``sort=new`` page finds the newest matches twice)."""
        if self._date_shares is None:
            self._date_shares = search.date_shares()
        return self._date_shares

    def match_ids(self):
        """Ids of up to COUNT_CAP + 1 matching articles, in no order: fetched once, they
        give the count and, for a set that small, the facets (each facet query then reads
        the link tables by id instead of repeating the search)."""
        if self._ids is None and self.from_search_table:
            self._ids = search.public_ids(
                self.query, limit=COUNT_CAP + 1, dates=self.dates, keys=self.filter_keys
            )
        elif self._ids is None:
            qs = self.queryset.order_by().values_list("pk", flat=True)
            self._ids = list(qs[: COUNT_CAP + 1])
        return self._ids

    # facets

    def filters(self) -> dict:
        """The filter as plain strings, whether it came from the URL or the page (a region
        page and ``/?region=<code>`` are the same filter)."""
        out = {k: str(self.params.get(k) or "") for k in FILTERS}
        for name, obj in self.fixed.items():
            value = (obj.code or obj.pk) if name == "region" else obj.pk
            out[name] = str(value)
        if self.query:
            out["q"] = self.query.text
        return {k: v for k, v in out.items() if v}

    def facet_key(self):
        version = data_version(self.request)
        raw = repr((connection.vendor, version, sorted(self.filters().items())))
        return "difang-facets:" + hashlib.sha256(raw.encode()).hexdigest()

    def facets(self):
        if self._facets is None:
            self.count()  # sets count_basis, which a facet count that saw every match corrects
            counts, self.facet_basis = self.facet_data()
            if self.facet_basis["kind"] == "exact" and self.count_basis == "estimate":
                self._count = (self.facet_basis["articles"], True)  # facets saw all of it
                self.count_basis = "exact"
            self._facets = self.facet_links(counts)
        return self._facets

    def facet_data(self):
        """(counts, basis): exact for up to FACET_EXACT articles, else stored or sampled."""
        seconds = getattr(settings, "DIFANG_FACET_CACHE_SECONDS", 300)
        key = self.facet_key() if seconds else None
        cached = cache.get(key) if key else None
        if cached is not None:
            return cached
        n, exact = self.count()
        if exact and n <= FACET_EXACT:
            result = (self.facet_counts(self.match_ids()), {"kind": "exact", "articles": n})
        else:
            stored = FacetCounts.objects.filter(key=stored_key(self.filters())).first()
            if stored is not None:
                basis = {
                    "kind": "stored",
                    "articles": stored.total,
                    "as_of": stored.computed_at.isoformat(timespec="minutes"),
                }
                result = (stored.counts, basis)
            else:
                sample = self.newest(FACET_SAMPLE)
                # An estimated set whose newest FACET_SAMPLE are all of it: counted exactly.
                kind = "exact" if len(sample) < FACET_SAMPLE else "newest"
                result = (self.facet_counts(sample), {"kind": kind, "articles": len(sample)})
        if key:
            cache.set(key, result, seconds)
        return result

    def facet_counts(self, ids):
        """Counts per region, source, tag, official and year over the articles ``ids``
        (a list of primary keys or a ``values("pk")`` queryset)."""
        if isinstance(ids, list) and connection.vendor == "postgresql":
            return self.facet_counts_from_rows(ids)
        counts = {"region": self.region_counts(ids)}
        # Sources and years in one pass over the articles.
        by_source, by_year = defaultdict(int), defaultdict(int)
        pairs = (
            Article.objects.filter(pk__in=id_set(ids))
            .order_by()
            .annotate(year=ExtractYear("published"))
            .values_list("source_id", "year")
            .annotate(n=Count("pk"))
        )
        for source_id, year, n in pairs:
            if source_id is not None:
                by_source[source_id] += n
            if year is not None:
                by_year[year] += n
        counts["source"] = facet_rows.top(by_source, FACET_SIZE)
        counts["year"] = sorted(by_year.items(), reverse=True)[:30]
        counts["tag"] = list(
            ArticleTag.objects.filter(article__in=id_set(ids))
            .values_list("tag_id")
            .annotate(n=Count("article_id"))
            .order_by("-n", "tag_id")[:FACET_SIZE]
        )
        counts["official"] = list(
            Mention.objects.filter(article__in=id_set(ids))
            .values_list("person_id")
            .annotate(n=Count("article_id"))
            .order_by("-n", "person_id")[:FACET_SIZE]
        )
        return counts

    def facet_counts_from_rows(self, ids):
        """PostgreSQL: the same counts from each article's row of facet keys (one query
        of one probe per article, and one for the codes of the regions linked; see
        ``archive/facet_rows.py``) instead of five queries over the link tables."""
        within = set(subtree_ids(self.region)) if self.region is not None else None
        with connection.cursor() as cur:
            rows = facet_rows.fetch(cur, ids)
            linked = {rid for row in rows for rid in row.region_ids}
            codes = facet_rows.codes(cur, linked if within is None else linked & within)
        prefixes, uncoded = self.region_children()
        regions = facet_rows.Regions(prefixes, set(uncoded), codes, within)
        return facet_rows.tally(rows, regions, FACET_SIZE)

    def region_children(self):
        """The region facet's children (provinces at the top): ``({prefix length: {code
        prefix: child pk}}, [pks of children without a code])``."""
        parent = self.region
        if parent is None:
            children = Region.objects.filter(parent__isnull=True, code__isnull=False)
        else:
            children = parent.children.all()
        by_length = defaultdict(dict)
        uncoded = []
        for pk, code in children.values_list("pk", "code"):
            if code:
                by_length[len(code_prefix(code))][code_prefix(code)] = pk
            else:
                uncoded.append(pk)
        return dict(by_length), uncoded

    def region_counts(self, ids):
        """Articles per child of the current region (provinces at the top)."""
        parent = self.region
        links = ArticleRegion.objects.filter(article__in=id_set(ids))
        if parent is not None:
            links = links.filter(region_id__in=subtree_ids(parent))
        by_length, uncoded = self.region_children()
        result = {}
        for length, prefixes in by_length.items():
            code = Coalesce("region__code", "region__parent__code")
            rows = (
                links.annotate(prefix=Substr(code, 1, length))
                .values_list("prefix")
                .annotate(n=Count("article_id", distinct=True))
            )
            for prefix, n in rows:
                if prefix in prefixes:
                    result[prefixes[prefix]] = n
        if uncoded:
            rows = (
                links.filter(region_id__in=uncoded)
                .values_list("region_id")
                .annotate(n=Count("article_id", distinct=True))
            )
            result.update(dict(rows))
        return sorted(result.items(), key=lambda item: (-item[1], item[0]))

    def facet_links(self, counts):
        req = self.request
        names = facet_names(counts)

        def items(pairs, param):
            out = []
            for pk, n in pairs:
                if (param, pk) not in names:
                    continue
                name, value = names[param, pk]
                out.append(
                    {
                        "name": name,
                        "value": str(value),
                        "count": n,
                        "url": url_with(req, **{param: value, "page": None, "after": None}),
                    }
                )
            return out

        years = [
            {
                "name": str(year),
                "value": str(year),
                "count": n,
                "url": url_with(
                    req, date=None, from_=f"{year}-01-01", to=f"{year}-12-31", page=None, after=None
                ),
            }
            for year, n in counts["year"]
            if year
        ]
        return [
            {
                "param": "region",
                "title": _("地区"),
                "items": items(counts["region"], "region"),
            },
            {"param": "date", "title": _("年份"), "items": years},
            {
                "param": "source",
                "title": _("来源"),
                "items": items(counts["source"], "source"),
            },
            {"param": "tag", "title": _("标签"), "items": items(counts["tag"], "tag")},
            {
                "param": "official",
                "title": _("人物"),
                "items": items(counts["official"], "official"),
            },
        ]

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
    counts = listing.facet_counts(listing.queryset.order_by().values("pk"))
    total = listing.queryset.order_by().count()
    filters = listing.filters()
    row, _created = FacetCounts.objects.update_or_create(
        key=stored_key(filters),
        defaults={
            "params": filters,
            "counts": counts,
            "total": total,
            "computed_at": timezone.now(),
        },
    )
    return row


def parse_day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise BadParameter(_("日期无法识别：%(value)s") % {"value": text}) from exc


# --- serialisation ----------------------------------------------------------------------


def summary(article, request=None, query=None):
    data = {
        "id": article.pk,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "source": article.source.name if article.source else None,
        "source_url": article.source.get_absolute_url() if article.source else None,
        "url": article.get_absolute_url(),
        "original_url": article.url,
    }
    if query:
        data["snippet"] = re.sub(r"<[^>]+>", "", str(search.snippet(article.body, query)))
    return data


def row_view(article, query):
    """What the list template shows for one article (HTML already escaped)."""
    if query:
        title = search.highlight(article.title, query)
        excerpt = search.snippet(article.body, query)
    else:
        title = article.title
        excerpt = search.snippet(article.body, search.Query(""), width=90)
    return {"article": article, "title": title, "excerpt": excerpt}


def list_response(request, fmt, listing, template, context, extra_json=None, feed_title=""):
    if fmt == "csv":
        return csv_response(listing, context.get("filename", "difang"))
    if fmt == "atom":
        return atom_response(request, listing, feed_title or _("地方档案"))
    rows, nxt = listing.page()
    facets = listing.facets()  # before the count: it may learn the exact size
    count, exact = listing.count()
    query = listing.query if listing.query else None
    if fmt == "json":
        if nxt and request.GET.get("format") == "json":
            nxt += ("&" if "?" in nxt else "?") + "format=json"
        data = {
            "results": [summary(a, request, query) for a in rows],
            "count": count,
            "count_exact": exact,
            "count_basis": listing.count_basis,
            "next": request.build_absolute_uri(nxt) if nxt else None,
            "facets": facets,
            "facet_basis": listing.facet_basis,
            "sort": ("rank" if listing.ranked else "new") if listing.query else None,
            "filters": {c["param"]: c["value"] for c in listing.chips()},
        }
        data.update(extra_json or {})
        return as_json(data)
    context.update(
        listing=listing,
        rows=[row_view(a, query) for a in rows],
        count=count,
        count_exact=exact,
        count_basis=listing.count_basis,
        next_url=nxt,
        previous_url=listing.previous,
        facets=facets,
        facet_basis=listing.facet_basis,
        sort_links=listing.sort_links(),
        rank_window=RANK_WINDOW,
        chips=listing.chips(),
        region_trail=listing.region_trail(),
        q=listing.query.text,
        csv_url=url_with(request, format="csv", page=None, after=None),
        atom_url=url_with(request, format="atom", page=None, after=None),
        json_url=url_with(request, format="json"),
    )
    return render(request, template, context)


def csv_cell(value):
    text = "" if value is None else str(value)
    if text.startswith(CSV_DANGER):
        text = "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


@contextmanager
def whole_result_plans():
    """A transaction in which PostgreSQL plans queries for reading every row.

    Django iterates with a server-side cursor, which the planner expects to be read only
    in part (``cursor_tuple_fraction`` 0.1): it then walks the date index and tests each
    article against the filter, which for an export of a search or a province takes 7 to
    14 times longer than finding the matches and sorting them (measured at a million
    articles). Inside a transaction the cursor also streams rather than being held."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield


CSV_LINES_PER_CHUNK = 500


def csv_response(listing, name):
    header = ["id", "published", "title", "subtitle", "source", "authors", "original_url", "page"]
    rows = (
        listing.queryset.order_by(*newest_first())
        .values_list("pk", "published", "title", "subtitle", "source__name", "authors", "url")
        .iterator(chunk_size=2000)
    )
    writer = csv.writer(_Echo())
    # Every row's page URL from one reverse() (one per row was a fifth of an export's time).
    marker = "987654321"
    page_head, page_tail = reverse("archive:article", args=[int(marker)]).split(marker)

    def stream():
        yield "\ufeff" + writer.writerow(header)
        lines = []
        with whole_result_plans():
            for pk, published, title, subtitle, source, authors, url in rows:
                page = f"{page_head}{pk}{page_tail}"
                line = [pk, published, title, subtitle, source, "、".join(authors or []), url, page]
                lines.append(writer.writerow([csv_cell(v) for v in line]))
                if len(lines) == CSV_LINES_PER_CHUNK:
                    yield "".join(lines)
                    lines = []
        yield "".join(lines)

    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in stream()), content_type="text/csv; charset=utf-8"
    )
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "difang"
    response["Content-Disposition"] = f'attachment; filename="{safe}.csv"'
    return response


def atom_response(request, listing, title):
    feed = Atom1Feed(
        title=title,
        link=request.build_absolute_uri(url_with(request, format=None)),
        description=_("地方政府新闻档案"),
        language=translation.get_language() or "zh-hans",
        feed_url=request.build_absolute_uri(),
    )
    query = listing.query if listing.query else search.Query("")
    for article in listing.top_rows(FEED_SIZE):
        link = request.build_absolute_uri(article.get_absolute_url())
        when = None
        if article.published:
            when = datetime.datetime.combine(article.published, datetime.time(), datetime.UTC)
        excerpt = re.sub(r"<[^>]+>", "", str(search.snippet(article.body, query, width=200)))
        feed.add_item(
            title=article.title,
            link=link,
            description=excerpt,
            unique_id=link,
            pubdate=when,
            updateddate=when,
            author_name="、".join(article.authors or []) or None,
            categories=[article.source.name] if article.source else None,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def region_data(region):
    return {
        "name": region.name,
        "code": region.code,
        "level": region.level,
        "url": region.get_absolute_url(),
    }


# --- pages ------------------------------------------------------------------------------


@public_view
def home(request, fmt):
    listing = Listing(request)
    title = _("搜索：%(q)s") % {"q": listing.query.text} if listing.query else _("最新文章")
    return list_response(
        request, fmt, listing, "home.html", {"title": title, "filename": "difang"}, feed_title=title
    )


@public_view
def feed(request, fmt):
    """/feed/: the Atom feed of the home list (same parameters)."""
    return atom_response(request, Listing(request), _("地方档案"))


def linked_body(body, places, people):
    """Paragraphs of the body with places and people linked (all text escaped)."""
    names = {}
    for region in places:
        for name in {region.name, region.short_name}:
            if name and len(name) >= 2:
                names.setdefault(name, ("place", region.get_absolute_url()))
    for person in people:
        if len(person.name) >= 2:  # a traditional page's names are kept as printed
            names[search.simplified(person.name)] = ("person", person.get_absolute_url())
    paragraphs = [p.strip() for p in re.split(r"\n+", body or "") if p.strip()]
    if not names:
        return [search.mark(p, []) for p in paragraphs]
    ordered = sorted(names, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in ordered))
    out = []
    for para in paragraphs:
        plain = search.simplified(para)
        if len(plain) != len(para):
            plain = para
        pieces, pos = [], 0
        for m in pattern.finditer(plain):
            kind, url = names[m.group(0)]
            pieces.append(escape(para[pos : m.start()]))
            pieces.append(
                f'<a class="{kind}" href="{escape(url)}">{escape(para[m.start() : m.end()])}</a>'
            )
            pos = m.end()
        pieces.append(escape(para[pos:]))
        out.append(mark_safe("".join(pieces)))
    return out


@public_view
def article(request, fmt, pk):
    obj = (
        Article.objects.public()
        .select_related("source", "raw_file")
        .defer("search_text")
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404(_("没有这篇文章。"))
    links = list(ArticleRegion.objects.filter(article=obj).select_related("region"))
    links.sort(key=lambda link: (not link.primary, link.region.code or "~", link.region.name))
    places = [link.region for link in links]
    people = list(obj.people.order_by("normalized_name", "pk"))
    quotes = list(obj.quotes.select_related("person").order_by("start"))
    tags = list(obj.tags.order_by("name"))
    occurrences = list(obj.occurrence_set.select_related("raw_file").order_by("pk"))
    data = summary(obj)
    data.update(
        subtitle=obj.subtitle,
        authors=obj.authors,
        body=obj.body,
        regions=[region_data(r) | {"path": r.path()} for r in places],
        people=[{"id": p.pk, "name": p.name, "url": p.get_absolute_url()} for p in people],
        quotes=[
            {
                "text": q.text,
                "speaker": q.person.name if q.person else q.speaker_name,
                "speaker_url": q.person.get_absolute_url() if q.person else None,
            }
            for q in quotes
        ],
        tags=[{"id": t.pk, "name": t.name, "url": t.get_absolute_url()} for t in tags],
        provenance={
            "raw_file": obj.raw_file.path if obj.raw_file else None,
            "sha256": obj.raw_file.sha256 if obj.raw_file else None,
            "span": [obj.span_start, obj.span_end],
            "occurrences": [
                {"raw_file": o.raw_file.path, "span": [o.span_start, o.span_end]}
                for o in occurrences
            ],
        },
    )
    if fmt == "json":
        return as_json({"article": data})
    if fmt in ("csv", "atom"):
        raise BadParameter(_("文章页只提供 HTML 和 JSON。"))
    context = {
        "article": obj,
        "data": data,
        "paragraphs": linked_body(obj.body, places, people),
        "places": places,
        "people": people,
        "quotes": data["quotes"],
        "tags": tags,
        "occurrences": occurrences,
    }
    return render(request, "article.html", context)


@public_view
def region(request, fmt, key):
    obj = find_region(key)
    listing = Listing(request, fixed={"region": obj})
    ancestors = obj.ancestors()
    subtree = subtree_ids(obj)
    officials = (
        Person.objects.filter(positions__region_id__in=subtree)
        .annotate(n=Count("positions", distinct=True))
        .order_by("-n", "normalized_name")[:30]
    )
    officials = [{"id": p.pk, "name": p.name, "url": p.get_absolute_url()} for p in officials]
    info = region_data(obj) | {
        "path": obj.path(),
        "ancestors": [region_data(r) for r in ancestors],
        "officials": officials,
    }
    # Child regions with article counts: the region facet of this page.
    children = []
    if fmt in ("html", "json"):
        facets = listing.facets()
        counted = {item["value"]: item["count"] for item in facets[0]["items"]}
        for child in obj.children.order_by("code", "name"):
            value = str(child.code or child.pk)
            children.append(region_data(child) | {"count": counted.get(value, 0)})
    info["children"] = children
    context = {"title": obj.name, "region": obj, "info": info, "filename": obj.code or "region"}
    return list_response(
        request, fmt, listing, "region.html", context, {"region": info}, feed_title=obj.name
    )


@public_view
def person(request, fmt, pk):
    obj = Person.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("没有这个人物。"))
    listing = Listing(request, fixed={"official": obj})
    positions = sorted(
        obj.positions.select_related("region"),
        key=lambda p: (p.first_seen or datetime.date.max, p.pk),
    )
    quotes = list(
        Quote.objects.filter(person=obj, article__in=Article.objects.public())
        .select_related("article")
        .order_by(F("article__published").desc(nulls_last=True), "start")[:50]
    )
    info = {
        "id": obj.pk,
        "name": obj.name,
        "aliases": obj.aliases,
        "positions": [
            {
                "title": p.title,
                "organization": p.organization,
                "region": region_data(p.region) if p.region else None,
                "first_seen": p.first_seen.isoformat() if p.first_seen else None,
                "last_seen": p.last_seen.isoformat() if p.last_seen else None,
            }
            for p in positions
        ],
        "quotes": [
            {
                "text": q.text,
                "article": q.article.title,
                "article_url": q.article.get_absolute_url(),
                "published": q.article.published.isoformat() if q.article.published else None,
            }
            for q in quotes
        ],
    }
    context = {
        "title": obj.name,
        "person": obj,
        "info": info,
        "positions": positions,
        "quotes": quotes,
        "filename": "person",
    }
    return list_response(
        request, fmt, listing, "person.html", context, {"person": info}, feed_title=obj.name
    )


@public_view
def source(request, fmt, pk):
    obj = Source.objects.filter(pk=pk).select_related("region").first()
    if obj is None:
        raise Http404(_("没有这个来源。"))
    listing = Listing(request, fixed={"source": obj})
    info = {
        "id": obj.pk,
        "name": obj.name,
        "kind": obj.get_kind_display(),
        "homepage": obj.homepage or None,
        "region": region_data(obj.region) if obj.region else None,
    }
    context = {"title": obj.name, "source": obj, "info": info, "filename": "source"}
    return list_response(
        request, fmt, listing, "source.html", context, {"source": info}, feed_title=obj.name
    )


@public_view
def tag(request, fmt, pk):
    obj = Tag.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404(_("没有这个标签。"))
    listing = Listing(request, fixed={"tag": obj})
    info = {"id": obj.pk, "name": obj.name, "kind": obj.get_kind_display()}
    context = {"title": obj.name, "tag": obj, "info": info, "filename": "tag"}
    return list_response(
        request, fmt, listing, "tag.html", context, {"tag": info}, feed_title=obj.name
    )


@csrf_exempt  # GET/HEAD only (see public_view); a POST gets 405, not 403
@require_safe
def set_language(request, code):
    """Switch the interface language by a plain link (a cookie; nothing is written)."""
    nxt = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        nxt = "/"
    if code not in dict(settings.LANGUAGES):
        raise Http404("unknown language")
    response = HttpResponseRedirect(nxt)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, max_age=365 * 24 * 3600)
    return response


# Django's error pages for URLs no view matched.
def not_found(request, exception=None):
    return error(request, "html", 404, _("没有找到这个页面。"))


def server_error(request):
    return HttpResponse(_("服务器出错了。"), status=500, content_type="text/plain; charset=utf-8")
