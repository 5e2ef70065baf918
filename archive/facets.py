"""Facets: the counts of a list's articles by region, year, source, tag and official.

A listing (``archive.listing.Listing``) asks ``facet_data`` for its counts and
``facet_links`` for the links a page shows. What they cost does not grow with the archive:

- the facets of a set of up to ``FACET_EXACT`` articles are counted exactly, as asked for;
- a larger set (the whole archive, a province, a common word) shows the exact counts
  ``refresh_facets`` stored for that filter (``FacetCounts``, under ``stored_key``), dated,
  or, if none are stored, counts over its newest ``FACET_SAMPLE`` articles (a search's
  ranked window); the basis says which (``facet_basis``);
- counts are cached for ``DIFANG_FACET_CACHE_SECONDS`` (default 300) under a key that
  changes whenever articles or their links change (``data_version``).

Counting is the backend's: with a side table (PostgreSQL) one query over the facet rows
(``archive/search/postgres_facets.py``), else ORM queries over the link tables.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Count, F, Value
from django.db.models.functions import Coalesce, ExtractYear, Substr
from django.utils.translation import gettext as _

from archive.listing import limits
from archive.listing.ids import id_set
from archive.listing.params import url_with
from archive.listing.places import code_prefix, subtree_ids
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    FacetCounts,
    Mention,
    Person,
    Region,
    Source,
    Tag,
)
from archive.search import postgres_facets
from archive.web import data_version

FACET_MODELS = (("region", Region), ("source", Source), ("tag", Tag), ("official", Person))


def facet_names(counts) -> dict:
    """``(param, pk) → (name, value)`` for every facet item (value: a region's code, else the
    primary key), in one query (a UNION) instead of one per facet."""
    parts = []
    for param, model in FACET_MODELS:
        pks = [pk for pk, _n in counts[param]]
        if not pks:
            continue
        code = F("code") if model is Region else Value(None, output_field=CharField())
        # Every column an annotation, so that each part lists them in the same order.
        part = (
            model.objects.filter(pk__in=pks)
            .order_by()
            .annotate(facet=Value(param), ident=F("pk"), label=F("name"), value_code=code)
            .values_list("facet", "ident", "label", "value_code")
        )
        parts.append(part)
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {(facet, pk): (name, code or pk) for facet, pk, name, code in rows}


def stored_key(filters: dict) -> str:
    """The key of a filter's stored counts (``FacetCounts.key``)."""
    raw = json.dumps(sorted(filters.items()), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def facet_key(listing):
    version = data_version(listing.request)
    raw = repr((connection.vendor, version, sorted(listing.filters().items())))
    return "difang-facets:" + hashlib.sha256(raw.encode()).hexdigest()


def facet_data(listing):
    """(counts, basis): exact for up to limits.FACET_EXACT articles, else stored or sampled."""
    seconds = getattr(settings, "DIFANG_FACET_CACHE_SECONDS", 300)
    key = facet_key(listing) if seconds else None
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    n, exact = listing.count()
    if exact and n <= limits.FACET_EXACT:
        result = (facet_counts(listing, listing.match_ids()), {"kind": "exact", "articles": n})
    else:
        stored = FacetCounts.objects.filter(key=stored_key(listing.filters())).first()
        if stored is not None:
            basis = {
                "kind": "stored",
                "articles": stored.total,
                "as_of": stored.computed_at.isoformat(timespec="minutes"),
            }
            result = (stored.counts, basis)
        else:
            sample = listing.newest(limits.FACET_SAMPLE)
            # An estimated set whose newest limits.FACET_SAMPLE are all of it: counted exactly.
            kind = "exact" if len(sample) < limits.FACET_SAMPLE else "newest"
            result = (facet_counts(listing, sample), {"kind": kind, "articles": len(sample)})
    if key:
        cache.set(key, result, seconds)
    return result


def facet_counts(listing, ids):
    """Counts per region, source, tag, official and year over the articles ``ids``
    (a list of primary keys or a ``values("pk")`` queryset)."""
    if isinstance(ids, list) and listing.backend.SIDE_TABLE:
        return facet_counts_from_rows(listing, ids)
    counts = {"region": region_counts(listing, ids)}
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
    counts["source"] = postgres_facets.top(by_source, limits.FACET_SIZE)
    counts["year"] = sorted(by_year.items(), reverse=True)[:30]
    counts["tag"] = list(
        ArticleTag.objects.filter(article__in=id_set(ids))
        .values_list("tag_id")
        .annotate(n=Count("article_id"))
        .order_by("-n", "tag_id")[: limits.FACET_SIZE]
    )
    counts["official"] = list(
        Mention.objects.filter(article__in=id_set(ids))
        .values_list("person_id")
        .annotate(n=Count("article_id"))
        .order_by("-n", "person_id")[: limits.FACET_SIZE]
    )
    return counts


def facet_counts_from_rows(listing, ids):
    """PostgreSQL: the same counts from each article's row of facet keys (one query
    of one probe per article, and one for the codes of the regions linked; see
    ``archive/postgres_facets.py``) instead of five queries over the link tables."""
    within = set(subtree_ids(listing.region)) if listing.region is not None else None
    with connection.cursor() as cur:
        rows = postgres_facets.fetch(cur, ids)
        linked = {rid for row in rows for rid in row.region_ids}
        codes = postgres_facets.codes(cur, linked if within is None else linked & within)
    prefixes, uncoded = region_children(listing)
    regions = postgres_facets.Regions(prefixes, set(uncoded), codes, within)
    return postgres_facets.tally(rows, regions, limits.FACET_SIZE)


def region_children(listing):
    """The region facet's children (provinces at the top): ``({prefix length: {code
    prefix: child pk}}, [pks of children without a code])``."""
    parent = listing.region
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


def region_counts(listing, ids):
    """Articles per child of the current region (provinces at the top)."""
    parent = listing.region
    links = ArticleRegion.objects.filter(article__in=id_set(ids))
    if parent is not None:
        links = links.filter(region_id__in=subtree_ids(parent))
    by_length, uncoded = region_children(listing)
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


def facet_links(listing, counts):
    req = listing.request
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
