"""The research pages: /trends/, /trends/spread/, /coverage/, /people/, /quotes/.

Each builds one dict and answers it as HTML (a table; the chart or map is drawn over it by
a static script from the same data, put in the page with ``json_script``), JSON or CSV
(UTF-8 with BOM). Filters are the lists' own parameters, parsed by the lists' code.
"""

from __future__ import annotations

import csv
from html import escape as html_escape

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.formats import _Echo, csv_cell
from archive.listing.params import BadParameter, parse_day, url_with
from archive.listing.places import find_region
from archive.models import Person, Source
from archive.research import months as m
from archive.research import people as careers
from archive.research import series
from archive.search import highlight
from archive.web import as_json, public_view

MAX_QUERIES = 5
PAGE = 50
MAX_PAGE = 200


def _paging(request, data: dict, number: int) -> dict:
    """A paged table's links: next, previous, and the whole result as CSV and JSON."""
    previous = url_with(request, page=number - 1 if number > 2 else None) if number > 1 else None
    return {
        "next_url": data["next"],
        "previous_url": previous,
        "csv_url": url_with(request, format="csv", page=None),
        "json_url": url_with(request, format="json"),
    }


def _formats(fmt: str) -> str:
    if fmt == "atom":
        raise BadParameter(_("这个页面没有 Atom 格式。"))
    return fmt


def csv_download(name: str, header: list[str], rows) -> HttpResponse:
    """A whole table as CSV: UTF-8 with BOM (Excel reads it), formula-like cells quoted."""
    writer = csv.writer(_Echo())
    body = "\ufeff" + writer.writerow(header)
    body += "".join(writer.writerow([csv_cell(v) for v in row]) for row in rows)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _queries(request, required: bool, limit: int = MAX_QUERIES) -> list[str]:
    found = []
    for raw in request.GET.getlist("q"):
        text = raw.replace("\x00", "").strip()
        if text and text not in found:
            found.append(text)
    if len(found) > limit:
        raise BadParameter(_("最多比较 %(n)s 个词。") % {"n": limit})
    if required and not found:
        raise BadParameter(_("请给出要查的词：q"))
    return found


def _page_number(request) -> int:
    raw = request.GET.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadParameter(
            _("参数 %(name)s 的值无法识别：%(value)s") % {"name": "page", "value": raw[:20]}
        )
    return int(raw)


def _region_param(request):
    """``region`` as a GB/T 2260 code or its prefix (3715 = 371500), or a township id."""
    key = (request.GET.get("region") or "").strip()
    if not key:
        return None
    if not key.isdigit() or len(key) > 12:
        raise BadParameter(
            _("参数 %(name)s 的值无法识别：%(value)s") % {"name": "region", "value": key[:20]}
        )
    if len(key) in (2, 4):
        key = key.ljust(6, "0")
    return find_region(key)


def _month_list_url(request, q, month):
    first, last = m.month_bounds(month)
    return url_with(
        request, path=reverse("archive:home"), q=q, from_=first.isoformat(), to=last.isoformat()
    )


# --- trends -----------------------------------------------------------------------------


@public_view
def trends(request, fmt):
    fmt = _formats(fmt)
    queries = _queries(request, required=fmt != "html")
    base = series.listing_for(request, None)  # validates the filters (400 / 404)
    listings = []
    for q in queries:
        listing = series.listing_for(request, m.as_phrase(q))
        if not listing.query:
            raise BadParameter(_("这个词里没有可查的字：%(q)s") % {"q": q[:50]})
        listings.append(listing)
    totals = series.monthly_totals(base) if listings else {}
    counts = [series.monthly(listing) for listing in listings]
    months = m.span(counts)
    if months:
        months = m.month_range(months[0], months[-1])
    lines = []
    for q, listing, count in zip(queries, listings, counts, strict=True):
        rows = m.trend_rows(months, count, totals)
        for row in rows:
            row["list_url"] = _month_list_url(request, m.as_phrase(q), row["month"])
        lines.append(
            {"q": q, "words": listing.query.text, "articles": sum(count.values()), "rows": rows}
        )
    filters = {c["param"]: c["value"] for c in base.chips()}
    if fmt == "csv":
        out = [
            [
                line["q"],
                r["month"],
                r["count"],
                r["total"],
                r["share"],
                request.build_absolute_uri(r["list_url"]),
            ]
            for line in lines
            for r in line["rows"]
        ]
        header = ["q", "month", "articles", "all_articles", "share", "list_url"]
        return csv_download("trends", header, out)
    data = {
        "queries": queries,
        "filters": filters,
        "months": months,
        "totals": [totals.get(mo, 0) for mo in months],
        "series": [
            {
                "q": line["q"],
                "articles": line["articles"],
                "counts": [r["count"] for r in line["rows"]],
                "shares": [r["share"] for r in line["rows"]],
                "list_urls": [r["list_url"] for r in line["rows"]],
            }
            for line in lines
        ],
    }
    if fmt == "json":
        return as_json(data)
    table = [
        {"month": mo, "total": totals.get(mo, 0), "cells": [line["rows"][i] for line in lines]}
        for i, mo in enumerate(months)
    ]
    context = {
        "title": _("提法趋势"),
        "queries": queries,
        "lines": lines,
        "table": table,
        "chart": data,
        "chips": base.chips(),
        "inputs": queries + [""] * max(0, min(3, MAX_QUERIES) - len(queries)),
        "keep": _kept(request, ("q",)),
        "csv_url": url_with(request, format="csv"),
        "json_url": url_with(request, format="json"),
        "spread_urls": [
            (q, url_with(request, path=reverse("archive:spread"), q=q)) for q in queries
        ],
    }
    return render(request, "research/trends.html", context)


def _kept(request, drop) -> list[tuple[str, str]]:
    """The query parameters a form resubmits as hidden fields (all but ``drop``)."""
    return [(k, v) for k, v in request.GET.items() if k not in (*drop, "format", "page")]


# --- spread -----------------------------------------------------------------------------

LEVELS = ("province", "prefecture", "county")


LEVEL_NAMES = {
    "prefecture": gettext_lazy("地级"),
    "county": gettext_lazy("县级"),
    "province": gettext_lazy("省级"),
}


def _code_of_key(key: str) -> str:
    """A region key (code prefix) back to its 6-digit code: 37 → 370000, 3715 → 371500."""
    return key.ljust(6, "0")


def _places(first, request):
    """Rows of the event-history table for the region keys in ``first``."""
    from archive.models import Region

    codes = {_code_of_key(key): key for key in first}
    # Every coded division at once (3,200 rows) costs less than binding 3,000 codes.
    regions = Region.objects.filter(code__isnull=False, level__in=LEVELS).values_list(
        "pk", "code", "name", "level", "parent__code"
    )
    article_url = request.build_absolute_uri(reverse("archive:article", args=[987654321]))
    region_url = reverse("archive:region", args=["000000"])
    level_names = {k: str(v) for k, v in LEVEL_NAMES.items()}
    rows = []
    for _pk, code, name, level, parent_code in regions:
        if code not in codes:
            continue
        day, article_id, n = first[codes[code]]
        rows.append(
            {
                "region_code": code,
                "region_name": name,
                "level": level,
                "level_name": level_names[level],
                "parent_code": parent_code or "",
                "first_date": day.isoformat(),
                "first_month": day.isoformat()[:7],
                "first_article_url": article_url.replace("987654321", str(article_id)),
                "articles": n,
                "url": region_url.replace("000000", code),
            }
        )
    return m.first_use_order(rows)


def spread_table_rows(rows) -> str:
    """The event-history table's body rows (a county-level table has up to 3,000; built
    here with the standard library's escape, as a template loop over them, or Django's
    lazy-aware escape per cell, took most of a page's time)."""
    link = html_escape(_("原文"))
    out = [
        f"<tr><td>{r['first_date']}</td>"
        f'<td><a href="{html_escape(r["url"])}">{html_escape(r["region_name"])}</a></td>'
        f"<td>{html_escape(r['level_name'])}</td><td>{html_escape(r['region_code'])}</td>"
        f'<td class="num">{r["articles"]}</td>'
        f'<td><a href="{html_escape(r["first_article_url"])}">{link}</a></td></tr>'
        for r in rows
    ]
    return mark_safe("".join(out))  # noqa: S308  (every value is escaped)


SPREAD_COLUMNS = [
    "region_code",
    "region_name",
    "level",
    "parent_code",
    "first_date",
    "first_article_url",
    "articles",
]


@public_view
def spread(request, fmt):
    fmt = _formats(fmt)
    queries = _queries(request, required=fmt != "html", limit=1)
    q = queries[0] if queries else ""
    series.listing_for(request, None)  # validates the filters
    rows = []
    if q:
        listing = series.listing_for(request, m.as_phrase(q))
        if not listing.query:
            raise BadParameter(_("这个词里没有可查的字：%(q)s") % {"q": q[:50]})
        rows = _places(series.first_use(listing), request)
    local = [r for r in rows if r["level"] != "province"]
    if fmt == "csv":
        return csv_download(
            "spread", SPREAD_COLUMNS, [[r[c] for c in SPREAD_COLUMNS] for r in local]
        )
    provinces = [r for r in rows if r["level"] == "province"]
    month_keys = sorted({r["first_month"] for r in rows})
    months = m.month_range(month_keys[0], month_keys[-1]) if month_keys else []
    data = {"q": q, "months": months, "places": local, "provinces": provinces}
    if fmt == "json":
        return as_json(data)
    context = {
        "title": _("提法扩散"),
        "q": q,
        "rows": local,
        "table_rows": spread_table_rows(local),
        "provinces": provinces,
        "map": data,
        "keep": _kept(request, ("q",)),
        "csv_url": url_with(request, format="csv"),
        "json_url": url_with(request, format="json"),
        "trend_url": url_with(request, path=reverse("archive:trends")),
    }
    return render(request, "research/spread.html", context)


# --- coverage ---------------------------------------------------------------------------


def _dates(request):
    out = {}
    for key in ("from", "to"):
        raw = request.GET.get(key)
        if raw:
            out[key] = parse_day(raw)
    return out


@public_view
def coverage(request, fmt):
    from archive.models import Region

    fmt = _formats(fmt)
    dates = _dates(request)
    counts = series.cached(
        "coverage",
        sorted((k, str(v)) for k, v in dates.items()),
        lambda: series.coverage(dates),
        request,
    )
    all_months = m.span([*counts["source"].values(), *counts["province"].values()])
    names = dict(Source.objects.filter(pk__in=counts["source"]).values_list("pk", "name"))
    provinces = {r.code[:2]: r for r in Region.objects.filter(level="province", code__isnull=False)}
    home = reverse("archive:home")

    # Each cell links to its month's list. A heat map of 200 sources over eight years has
    # 19,000 cells: their links are one prefix per month plus the row's parameter, and the
    # cells' HTML is built by ``heat_cells`` (a template loop over them took a second).
    base = url_with(request, path=home, from_=None, to=None)
    joiner = "&" if "?" in base else "?"
    month_links = []
    for month in all_months:
        first, last = m.month_bounds(month)
        month_links.append(f"{base}{joiner}from={first.isoformat()}&to={last.isoformat()}&")

    def block(kind, key, name, param, value, by_month):
        return {
            "kind": kind,
            "key": key,
            "name": name,
            "total": sum(by_month.values()),
            "counts": [by_month.get(month, 0) for month in all_months],
            "param": f"{param}={value}",
        }

    sources = [
        block("source", str(pk), names.get(pk, str(pk)), "source", pk, by)
        for pk, by in counts["source"].items()
    ]
    sources.sort(key=lambda b: (-b["total"], b["name"]))
    regions = []
    for prefix, by in counts["province"].items():
        region = provinces.get(prefix)
        if region is not None:
            regions.append(block("province", region.code, region.name, "region", region.code, by))
    regions.sort(key=lambda b: b["key"])
    if fmt == "csv":
        out = [
            [b["kind"], b["key"], b["name"], month, n]
            for b in sources + regions
            for month, n in zip(all_months, b["counts"], strict=True)
        ]
        return csv_download("coverage", ["kind", "key", "name", "month", "articles"], out)

    def compact(b):
        return {"key": b["key"], "name": b["name"], "total": b["total"], "counts": b["counts"]}

    data = {
        "months": all_months,
        "sources": [compact(b) for b in sources],
        "provinces": [compact(b) for b in regions],
        "list_url": home,
    }
    if fmt == "json":
        return as_json(data)
    peak = max([n for b in sources + regions for n in b["counts"]] or [0])
    for b in sources + regions:
        b["html"] = heat_cells(b["counts"], month_links, b["param"], peak)
    context = {
        "title": _("收录情况"),
        "months": all_months,
        "sources": sources,
        "regions": regions,
        "heat": data,
        "csv_url": url_with(request, format="csv"),
        "json_url": url_with(request, format="json"),
    }
    return render(request, "research/coverage.html", context)


def heat_cells(counts, month_links, param, peak) -> str:
    """The table cells of one heat-map row, shaded in five steps of the largest count,
    each linking to its month's list (``month_links[i] + param``: our own URLs)."""
    out = []
    for n, link in zip(counts, month_links, strict=True):
        if not n:
            out.append('<td class="num shade0"></td>')
            continue
        shade = 1 + min(4, n * 5 // (peak + 1))
        url = html_escape(link + param)
        out.append(f'<td class="num shade{shade}"><a href="{url}">{n}</a></td>')
    return mark_safe("".join(out))  # noqa: S308  (the URL is escaped, the rest are numbers)


# --- people and quotes ------------------------------------------------------------------


@public_view
def people(request, fmt):
    fmt = _formats(fmt)
    post = careers.words(request.GET.get("post"))
    region = _region_param(request)
    person = None
    raw_person = request.GET.get("person")
    if raw_person:
        if not raw_person.isdigit() or len(raw_person) > 18:
            raise BadParameter(
                _("参数 %(name)s 的值无法识别：%(value)s")
                % {"name": "person", "value": raw_person[:20]}
            )
        person = Person.objects.filter(pk=int(raw_person)).first()
        if person is None:
            raise Http404(_("没有这个人物。"))
    qs = careers.positions(post, region, person)
    absolute = request.build_absolute_uri
    if fmt == "csv":
        name = f"positions-{person.pk}" if person else "positions"
        return csv_download(
            name,
            careers.POSITION_COLUMNS,
            (careers.position_row(p, absolute) for p in qs.iterator()),
        )
    number = _page_number(request)
    found = list(qs[(number - 1) * PAGE : number * PAGE + 1])
    more = len(found) > PAGE
    found = found[:PAGE]
    rows = [
        dict(zip(careers.POSITION_COLUMNS, careers.position_row(p, absolute), strict=True))
        for p in found
    ]
    for row, p in zip(rows, found, strict=True):
        row["person_url"] = p.person.get_absolute_url()
        row["region_name"] = p.region.name if p.region else ""
    data = {
        "filters": {
            "post": " ".join(post),
            "region": region.code if region else "",
            "person": person.pk if person else "",
        },
        "results": rows,
        "page": number,
        "next": url_with(request, page=number + 1) if more else None,
    }
    if fmt == "json":
        return as_json(data)
    context = {
        "title": _("官员与职务"),
        "rows": rows,
        "post": " ".join(post),
        "region": region,
        "person": person,
        "region_value": request.GET.get("region", ""),
        **_paging(request, data, number),
    }
    return render(request, "research/people.html", context)


@public_view
def quotes(request, fmt):
    fmt = _formats(fmt)
    text = (request.GET.get("q") or "").replace("\x00", "").strip()
    post = careers.words(request.GET.get("post"))
    region = _region_param(request)
    # The article filter of the lists (dates, source, tag, and q through the search index),
    # the region handled here so that a prefix such as 3715 works too.
    articles = series.listing_for(request, text or None, drop=("region",))
    said = articles.query.marks if text else []
    qs = careers.quotes(articles.queryset, said, post, region)
    number = _page_number(request)
    rows = []
    if fmt == "csv":
        found = list(qs[:5000])
    else:
        found = list(qs[(number - 1) * PAGE : number * PAGE + 1])
    more = fmt != "csv" and len(found) > PAGE
    for quote in found[: None if fmt == "csv" else PAGE]:
        a = quote.article
        title = quote.post_title if quote.post_title is not None else quote.earlier_title
        org = quote.post_org if quote.post_title is not None else quote.earlier_org
        rows.append(
            {
                "text": quote.text,
                "speaker": quote.person.name if quote.person else quote.speaker_name,
                "speaker_url": quote.person.get_absolute_url() if quote.person else None,
                "post": f"{org or ''}{title or ''}",
                "article": a.title,
                "article_url": a.get_absolute_url(),
                "published": a.published.isoformat() if a.published else None,
                "source": a.source.name if a.source else None,
            }
        )
    if fmt == "csv":
        header = ["text", "speaker", "post", "article", "article_url", "published", "source"]
        absolute = request.build_absolute_uri
        return csv_download(
            "quotes",
            header,
            ([r[c] if c != "article_url" else absolute(r[c]) for c in header] for r in rows),
        )
    data = {
        "filters": {"q": text, "post": " ".join(post), "region": region.code if region else ""},
        "results": rows,
        "page": number,
        "next": url_with(request, page=number + 1) if more else None,
    }
    if fmt == "json":
        return as_json(data)
    for row in rows:
        row["marked"] = highlight(row["text"], articles.query)
    context = {
        "title": _("引语检索"),
        "rows": rows,
        "q": text,
        "post": " ".join(post),
        "region": region,
        "region_value": request.GET.get("region", ""),
        "from_value": request.GET.get("from", ""),
        "to_value": request.GET.get("to", ""),
        **_paging(request, data, number),
    }
    return render(request, "research/quotes.html", context)
