"""The archive as OAI-PMH sees it (the ORM side): items, datestamps, sets, deletions.

An item is an article that is or once was published (its history, kept by
django-simple-history, says so). A published article is a record; one hidden, sent back
to review or deleted since is reported as deleted, and stays so as long as the history
is kept (``deletedRecord`` persistent). A datestamp is the article's ``updated_at`` (the
moment of deletion for a deleted row); lists run in (datestamp, id) order, so a
resumption token holds the last (datestamp, id) given and needs no server state.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Min, Q

from archive.models import Article, ArticleRegion, ArticleTag, Region, Source
from archive.oai.protocol import Header, OAIError, Record

PUBLISHED = Article.ReviewStatus.PUBLISHED
History = Article.history.model


def repository_id():
    return getattr(settings, "DIFANG_OAI_REPOSITORY_ID", "difang")


def page_size():
    return int(getattr(settings, "DIFANG_OAI_PAGE_SIZE", 100))


def identifier(pk):
    return f"oai:{repository_id()}:{pk}"


def article_pk(oai_identifier):
    """The article id an identifier names, or idDoesNotExist."""
    prefix = f"oai:{repository_id()}:"
    rest = oai_identifier[len(prefix) :] if oai_identifier.startswith(prefix) else ""
    if not rest.isdigit():
        raise OAIError("idDoesNotExist", f"{oai_identifier!r} is not an identifier here")
    return int(rest)


def once_published():
    return History.objects.filter(review_status=PUBLISHED).values("id")


def items():
    """Articles that are items: published now, or published once (deleted records)."""
    return Article.objects.filter(Q(review_status=PUBLISHED) | Q(pk__in=once_published()))


def purged():
    """History rows of once-published articles deleted from the table."""
    return History.objects.filter(history_type="-", id__in=once_published()).exclude(
        id__in=Article.objects.values("id")
    )


def earliest_datestamp():
    found = [
        items().aggregate(m=Min("updated_at"))["m"],
        purged().aggregate(m=Min("history_date"))["m"],
    ]
    found = [moment for moment in found if moment is not None]
    return min(found) if found else dt.datetime.now(dt.UTC)


def provinces():
    return Region.objects.filter(level=Region.Level.PROVINCE).exclude(code=None).order_by("code")


def all_sets():
    """(setSpec, setName): the two parents, every province, every source."""
    sets = [("province", "按省级行政区 By province"), ("source", "按来源 By source")]
    sets += [(f"province:{r.code}", r.name) for r in provinces()]
    sets += [(f"source:{s.pk}", s.name) for s in Source.objects.order_by("pk")]
    return sets


def in_set(queryset, spec, field="pk"):
    """Narrow ``queryset`` to the articles of one set; an unknown set is badArgument."""
    kind, _, key = spec.partition(":")
    if spec == "province":
        return queryset.filter(**{f"{field}__in": ArticleRegion.objects.values("article_id")})
    if spec == "source":
        return queryset.filter(
            **{f"{field}__in": Article.objects.exclude(source=None).values("pk")}
        )
    if kind == "province" and provinces().filter(code=key).exists():
        linked = ArticleRegion.objects.filter(region__code__startswith=key[:2])
        return queryset.filter(**{f"{field}__in": linked.values("article_id")})
    if kind == "source" and key.isdigit() and Source.objects.filter(pk=key).exists():
        return queryset.filter(
            **{f"{field}__in": Article.objects.filter(source_id=key).values("pk")}
        )
    raise OAIError("badArgument", f"set {spec!r} does not exist")


def _window(queryset, field, request_or_state):
    start, end = request_or_state
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def page(state):
    """One page of a list: (headers-or-records source rows, next state or None).

    ``state`` holds ``from``/``until`` (ISO, inclusive), ``set``, ``phase`` (0: rows of
    the article table, 1: deleted rows) and ``after`` ((datestamp ISO, id) last given).
    """
    size = page_size()
    bounds = tuple(
        dt.datetime.fromisoformat(v) if v else None for v in (state["from"], state["until"])
    )
    rows = []
    phase = state.get("phase", 0)
    after = state.get("after")
    if phase == 0:
        qs = _window(items(), "updated_at", bounds)
        if state.get("set"):
            qs = in_set(qs, state["set"])
        if after:
            moment = dt.datetime.fromisoformat(after[0])
            qs = qs.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=after[1]))
        found = list(qs.select_related("source").order_by("updated_at", "pk")[: size + 1])
        rows = [("article", a) for a in found[:size]]
        if len(found) > size:
            last = found[size - 1]
            return rows, {**state, "after": [last.updated_at.isoformat(), last.pk]}
        phase, after = 1, None
    if state.get("set"):  # deleted rows have no links left, so belong to no set
        return rows, None
    qs = _window(purged(), "history_date", bounds)
    if after:
        moment = dt.datetime.fromisoformat(after[0])
        qs = qs.filter(Q(history_date__gt=moment) | Q(history_date=moment, id__gt=after[1]))
    found = list(qs.order_by("history_date", "id")[: size - len(rows) + 1])
    room = size - len(rows)
    rows += [("purged", h) for h in found[:room]]
    if len(found) > room and room > 0:
        last = found[room - 1]
        return rows, {**state, "phase": 1, "after": [last.history_date.isoformat(), last.id]}
    if len(found) > room:  # the page filled up with table rows exactly
        return rows, {**state, "phase": 1, "after": None}
    return rows, None


def one(pk):
    """The one item ``pk`` as a source row, or idDoesNotExist."""
    article = items().select_related("source").filter(pk=pk).first()
    if article is not None:
        return ("article", article)
    deleted = purged().filter(id=pk).order_by("-history_date").first()
    if deleted is not None:
        return ("purged", deleted)
    raise OAIError("idDoesNotExist", f"no item {identifier(pk)}")


def records(rows, absolute, with_metadata=True):
    """``Record`` values of source rows; ``absolute(path)`` makes a permanent URL."""
    ids = [row.pk for kind, row in rows if kind == "article"]
    places, tags = {}, {}
    for link in ArticleRegion.objects.filter(article_id__in=ids).select_related("region"):
        places.setdefault(link.article_id, []).append(link)
    if with_metadata:
        for link in ArticleTag.objects.filter(article_id__in=ids).select_related("tag"):
            tags.setdefault(link.article_id, []).append(link.tag.name)
    province_codes = {r.code[:2]: r.code for r in provinces()}
    out = []
    for kind, row in rows:
        if kind == "purged":
            out.append(Record(Header(identifier(row.id), row.history_date, [], deleted=True)))
            continue
        links = sorted(places.get(row.pk, []), key=lambda k: (not k.primary, k.region.code or "~"))
        sets = sorted(
            {
                f"province:{province_codes[k.region.code[:2]]}"
                for k in links
                if k.region.code and k.region.code[:2] in province_codes
            }
        )
        if row.source_id:
            sets.append(f"source:{row.source_id}")
        head = Header(identifier(row.pk), row.updated_at, sets, row.review_status != PUBLISHED)
        if head.deleted or not with_metadata:
            out.append(Record(head))
            continue
        out.append(Record(head, dublin_core(row, links, sorted(tags.get(row.pk, [])), absolute)))
    return out


def dublin_core(article, links, tag_names, absolute):
    """The oai_dc elements of a published article."""
    coverage = [
        f"{k.region.name} (GB/T 2260: {k.region.code})" if k.region.code else k.region.name
        for k in links
    ]
    return {
        "title": [article.title],
        "creator": list(article.authors or []),
        "subject": tag_names,
        "description": [article.subtitle] if article.subtitle else [],
        "publisher": [article.source.name] if article.source else [],
        "date": [article.published.isoformat()] if article.published else [],
        "type": ["Text"],
        "format": ["text/html"],
        "identifier": [absolute(article.get_absolute_url())],
        "source": [article.url] if article.url else [],
        "language": ["zh"],
        "coverage": coverage,
    }
