"""Officials' careers and what they said: the queries behind /people/, /quotes/ and the
career timeline on a person's page. Plain querysets and rows; the pages are in ``views``."""

from __future__ import annotations

import datetime

from django.db.models import F, OuterRef, Q, Subquery

from archive.models import ArticleRegion, Mention, Position, Quote, Region

POSITION_COLUMNS = [
    "person_id",
    "name",
    "post",
    "organisation",
    "region_code",
    "first_seen",
    "last_seen",
    "source_article_url",
]
MAX_WORDS = 8
# The timeline is drawn in a 1000-unit-wide box scaled to the page (text scales with it).
WIDTH = 1000
ROW = 56


def words(text: str | None) -> list[str]:
    """Post or quote words typed by a reader: split on spaces, at most ``MAX_WORDS``."""
    return [w for w in (text or "").replace("\x00", "").split() if w][:MAX_WORDS]


def subtree(region: Region) -> Q:
    """Regions inside ``region`` (itself included), as a condition on Region."""
    from archive.listing.places import code_prefix

    if not region.code:
        return Q(pk=region.pk)
    prefix = code_prefix(region.code)
    return Q(code__startswith=prefix) | Q(code__isnull=True, parent__code__startswith=prefix)


def positions(post_words=(), region=None, person=None):
    """Positions whose title or organisation holds every word, in ``region``'s subtree,
    of one ``person`` if given: newest seen first."""
    qs = Position.objects.select_related("person", "region", "article")
    for word in post_words:
        qs = qs.filter(Q(title__contains=word) | Q(organization__contains=word))
    if region is not None:
        qs = qs.filter(region__in=Region.objects.filter(subtree(region)))
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by(F("last_seen").desc(nulls_last=True), F("first_seen").desc(), "pk")


def position_row(p: Position, absolute) -> list:
    """One CPED-style line; ``absolute`` turns a path into a full URL."""
    return [
        p.person_id,
        p.person.name,
        p.title,
        p.organization,
        p.region.code if p.region and p.region.code else "",
        p.first_seen.isoformat() if p.first_seen else "",
        p.last_seen.isoformat() if p.last_seen else "",
        absolute(p.article.get_absolute_url()) if p.article_id else "",
    ]


def timeline(person) -> dict:
    """A person's posts as bars over years, for an SVG drawn by the server (no script):
    each bar's x and width in units of ``WIDTH`` over the years from the first to the last."""
    posts = sorted(
        person.positions.select_related("region", "article"),
        key=lambda p: (p.first_seen or p.last_seen or datetime.date.max, p.pk),
    )
    days = [d for p in posts for d in (p.first_seen, p.last_seen) if d]
    if not days:
        return {"posts": posts, "bars": [], "years": []}
    start = datetime.date(min(days).year, 1, 1)
    end = datetime.date(max(days).year + 1, 1, 1)
    width = (end - start).days
    bars = []
    for i, p in enumerate(posts):
        first = p.first_seen or p.last_seen
        last = p.last_seen or p.first_seen
        if first is None:
            continue
        x = (first - start).days / width * WIDTH
        w = max((last - first).days / width * WIDTH, 6)
        y = 40 + i * ROW
        w = min(w, WIDTH - x)
        # A label past the middle ends at its bar's end, so it stays inside the box.
        late = x > WIDTH / 2
        bar = {"post": p, "y": y, "label_y": y - 6, "x": round(x, 1), "w": round(w, 1)}
        bar["label_x"] = round(x + w, 1) if late else bar["x"]
        bar["anchor"] = "end" if late else "start"
        bars.append(bar)
    years = [
        {"year": y, "x": round((datetime.date(y, 1, 1) - start).days / width * WIDTH, 1)}
        for y in range(start.year, end.year)
    ]
    height = 40 + len(posts) * ROW
    return {"posts": posts, "bars": bars, "years": years, "height": height, "width": WIDTH}


def post_at_time(quote_qs):
    """Each quote annotated with its speaker's post in that article (the mention's
    position), or else the post seen nearest before the article's date."""
    mention = Mention.objects.filter(
        article=OuterRef("article_id"), person=OuterRef("person_id"), position__isnull=False
    )
    before = Position.objects.filter(
        person=OuterRef("person_id"), first_seen__lte=OuterRef("article__published")
    ).order_by("-first_seen", "-pk")
    return quote_qs.annotate(
        post_title=Subquery(mention.values("position__title")[:1]),
        post_org=Subquery(mention.values("position__organization")[:1]),
        earlier_title=Subquery(before.values("title")[:1]),
        earlier_org=Subquery(before.values("organization")[:1]),
    )


def quotes(articles, text_words=(), post_words=(), region=None):
    """Quotes in ``articles`` (a queryset of public articles) holding every word, said by a
    speaker whose post holds every post word, in articles about ``region``: newest first."""
    qs = Quote.objects.filter(article__in=articles.order_by().values("pk"))
    for word in text_words:
        qs = qs.filter(text__contains=word)
    if post_words:
        held = Position.objects.all()
        for word in post_words:
            held = held.filter(Q(title__contains=word) | Q(organization__contains=word))
        qs = qs.filter(person__in=held.values("person_id"))
    if region is not None:
        inside = ArticleRegion.objects.filter(region__in=Region.objects.filter(subtree(region)))
        qs = qs.filter(article__in=inside.values("article_id"))
    qs = qs.select_related("person", "article", "article__source")
    return post_at_time(qs).order_by(
        F("article__published").desc(nulls_last=True), "-article_id", "start"
    )
