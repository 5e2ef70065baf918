"""Read-only public pages. Each view builds one dict, rendered as HTML or, with
``?format=json``, as JSON. These are placeholders; the public site comes later."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from archive.models import Article, Person, Region, Source, Tag

LIST_LIMIT = 50


def respond(request, template, data):
    """Render ``data`` with ``template``, or as JSON when ``?format=json`` is asked for."""
    if request.GET.get("format") == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, template, data)


def article_summary(article):
    return {
        "id": article.pk,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "source": article.source.name if article.source else None,
        "url": article.get_absolute_url(),
    }


def article_list(articles):
    articles = articles.public().select_related("source").order_by("-published", "-pk")
    return [article_summary(a) for a in articles[:LIST_LIMIT]]


def region_summary(region):
    return {
        "name": region.name,
        "code": region.code,
        "level": region.level,
        "url": region.get_absolute_url(),
    }


def home(request):
    return respond(request, "home.html", {"articles": article_list(Article.objects.all())})


def article(request, pk):
    obj = get_object_or_404(Article.objects.public().select_related("source"), pk=pk)
    data = article_summary(obj)
    data.update(
        subtitle=obj.subtitle,
        authors=obj.authors,
        body=obj.body,
        original_url=obj.url,
        source_url=obj.source.get_absolute_url() if obj.source else None,
        regions=[region_summary(r) for r in obj.regions.order_by("code")],
        people=[{"name": p.name, "url": p.get_absolute_url()} for p in obj.people.all()],
        tags=[{"name": t.name, "url": t.get_absolute_url()} for t in obj.tags.all()],
    )
    return respond(request, "article.html", {"article": data})


def region(request, key):
    # Divisions are addressed by code; townships without one by primary key.
    obj = Region.objects.filter(code=key).first()
    if obj is None and key.isdigit():
        obj = Region.objects.filter(pk=int(key), code__isnull=True).first()
    if obj is None:
        raise Http404("No such region")
    data = region_summary(obj)
    data.update(
        path=obj.path(),
        ancestors=[region_summary(r) for r in obj.ancestors()],
        children=[region_summary(r) for r in obj.children.order_by("code", "name")],
        articles=article_list(obj.articles.all()),
    )
    return respond(request, "region.html", {"region": data})


def person(request, pk):
    obj = get_object_or_404(Person, pk=pk)
    data = {
        "name": obj.name,
        "positions": [
            {
                "title": p.title,
                "organization": p.organization,
                "first_seen": p.first_seen.isoformat() if p.first_seen else None,
                "last_seen": p.last_seen.isoformat() if p.last_seen else None,
            }
            for p in obj.positions.all()
        ],
        "articles": article_list(obj.articles.all()),
    }
    return respond(request, "person.html", {"person": data})


def source(request, pk):
    obj = get_object_or_404(Source, pk=pk)
    data = {
        "name": obj.name,
        "kind": obj.get_kind_display(),
        "homepage": obj.homepage,
        "articles": article_list(obj.articles.all()),
    }
    return respond(request, "source.html", {"source": data})


def tag(request, pk):
    obj = get_object_or_404(Tag, pk=pk)
    data = {
        "name": obj.name,
        "kind": obj.get_kind_display(),
        "articles": article_list(obj.articles.all()),
    }
    return respond(request, "tag.html", {"tag": data})
