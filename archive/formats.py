"""The formats a list answers in: HTML (a page of rows with facets), JSON (the same as
data), CSV (every row, streamed, safe to open in a spreadsheet) and Atom (the newest
``limits.FEED_SIZE``); and the plain data of one article row (``summary``, ``row_view``).

Views build a ``Listing`` and a context and hand them to ``list_response``.
"""

from __future__ import annotations

import csv
import datetime
import re
from contextlib import contextmanager

from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from archive import search
from archive.listing import limits
from archive.listing.ids import newest_first
from archive.listing.params import url_with
from archive.reprints.store import reprint_counts
from archive.web import as_json

CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")


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
    # collapse=1: each row is a story's earliest member, "and N reprints".
    reprints = reprint_counts([a.pk for a in rows]) if listing.collapse else {}
    facets = listing.facets()  # before the count: it may learn the exact size
    count, exact = listing.count()
    query = listing.query if listing.query else None
    if fmt == "json":
        if nxt and request.GET.get("format") == "json":
            nxt += ("&" if "?" in nxt else "?") + "format=json"
        data = {
            "results": [
                summary(a, request, query)
                | ({"reprints": reprints.get(a.pk, 0)} if listing.collapse else {})
                for a in rows
            ],
            "count": count,
            "count_exact": exact,
            "count_basis": listing.count_basis,
            "next": request.build_absolute_uri(nxt) if nxt else None,
            "facets": facets,
            "facet_basis": listing.facet_basis,
            "sort": ("rank" if listing.ranked else "new") if listing.query else None,
            "filters": {c["param"]: c["value"] for c in listing.chips()},
            "collapse": listing.collapse,
        }
        data.update(extra_json or {})
        return as_json(data)
    context.update(
        listing=listing,
        rows=[row_view(a, query) | {"reprints": reprints.get(a.pk, 0)} for a in rows],
        collapse=listing.collapse,
        collapse_url=url_with(
            request, collapse=None if listing.collapse else 1, page=None, after=None
        ),
        count=count,
        count_exact=exact,
        count_basis=listing.count_basis,
        next_url=nxt,
        previous_url=listing.previous,
        facets=facets,
        facet_basis=listing.facet_basis,
        sort_links=listing.sort_links(),
        rank_window=limits.RANK_WINDOW,
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
    for article in listing.top_rows(limits.FEED_SIZE):
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
