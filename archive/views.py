"""The public, read-only site: its pages.

Each view reads its parameters, asks the listing engine (``archive/listing/``) for the
articles and builds one dict of plain data, which ``archive/formats.py`` answers as HTML,
JSON, CSV or Atom. ``public_view`` (``archive/web.py``) makes every page GET-only, cached by
the data version, with bad parameters a 400 in the format asked for.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db.models import Count, F
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from archive import search
from archive.formats import as_json, atom_response, list_response, summary
from archive.listing import BadParameter, Listing
from archive.listing.places import find_region, subtree_ids
from archive.models import Article, ArticleRegion, Person, Quote, Source, Tag
from archive.reprints.store import appearances
from archive.web import error, public_view


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
        data["also_published"] = [
            {
                "id": a["article"].pk,
                "title": a["article"].title,
                "url": a["article"].get_absolute_url(),
                "source": a["source"].name if a["source"] else None,
                "published": a["published"].isoformat() if a["published"] else None,
                "lag_days": a["lag_days"],
                "original": a["is_original"],
            }
            for a in appearances(obj)
        ]
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
