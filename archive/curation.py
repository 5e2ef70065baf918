"""Curators' operations on the archive: plain functions on models, each one transaction.

The admin calls these; so can a shell or a management command. Nothing here knows about
requests or forms, except that a ``user`` may be passed on so history records who did it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from archive.models import (
    Article,
    ArticleTag,
    Mention,
    Person,
    Position,
    Quote,
    Source,
    Tag,
)

# Names a curator may list in Article.curated_fields: the article's own machine fields
# plus the four kinds of links the extraction makes.
MACHINE_FIELDS = (
    "title",
    "subtitle",
    "body",
    "published",
    "source",
    "authors",
    "url",
    "confidence",
    "repairs",
)
LINK_FIELDS = ("regions", "people", "quotes", "tags")


def mark_curated(article: Article, names: Iterable[str]) -> bool:
    """Add names to article.curated_fields (not saved); True when something was added."""
    known = set(MACHINE_FIELDS) | set(LINK_FIELDS)
    added = [n for n in names if n in known and n not in article.curated_fields]
    if added:
        article.curated_fields = sorted({*article.curated_fields, *added})
    return bool(added)


def set_status(articles: QuerySet[Article], status: str, user=None) -> int:
    """Set the review status of many articles, with a history record for each change."""
    if status not in Article.ReviewStatus.values:
        raise ValueError(f"unknown review status: {status}")
    with transaction.atomic():
        pks = list(articles.exclude(review_status=status).values_list("pk", flat=True))
        changed = list(Article.objects.filter(pk__in=pks).select_for_update())
        now = timezone.now()
        fields = ["review_status", "updated_at"]
        for article in changed:
            article.review_status, article.updated_at = status, now
            if status == Article.ReviewStatus.REVIEWED:  # gold from now on (export_gold)
                article.reviewed_at = now
                article.reviewed_by = user if getattr(user, "pk", None) else None
        if status == Article.ReviewStatus.REVIEWED:
            fields += ["reviewed_at", "reviewed_by"]
        if changed:
            bulk_update_with_history(
                changed,
                Article,
                fields,
                batch_size=500,
                default_user=user,
                default_change_reason=f"review status → {status}",
            )
    return len(changed)


def set_person_curation(people: QuerySet[Person], status: str, user=None) -> int:
    """Confirm people (later imports know them, with their aliases and latest position)
    or reject names that are no person (never extracted again); with history."""
    if status not in Person.Curation.values:
        raise ValueError(f"unknown curation status: {status}")
    with transaction.atomic():
        changed = list(people.exclude(curation=status).select_for_update())
        for person in changed:
            person.curation = status
        if changed:
            bulk_update_with_history(
                changed,
                Person,
                ["curation"],
                batch_size=500,
                default_user=user,
                default_change_reason=f"curation → {status}",
            )
    return len(changed)


def parse_tag_names(text: str) -> list[str]:
    """Tag names from a curator's input: separated by commas (，,), semicolons or newlines."""
    for sep in "，,;；\n、":
        text = text.replace(sep, ",")
    names: list[str] = []
    for part in text.split(","):
        name = part.strip()[:100]
        if name and name not in names:
            names.append(name)
    return names


def add_tags(articles: QuerySet[Article], names: Iterable[str]) -> int:
    """Put curator tags on articles (creating tags of kind curator); returns links added.

    A machine tag the article already has becomes confirmed.
    """
    names = list(names)
    added = 0
    with transaction.atomic():
        tags = []
        for name in names:
            tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": Tag.Kind.CURATOR})
            tags.append(tag)
        ids = list(articles.values_list("pk", flat=True))
        for tag in tags:
            ArticleTag.objects.filter(article_id__in=ids, tag=tag, confirmed=False).update(
                confirmed=True
            )
            have = set(
                ArticleTag.objects.filter(article_id__in=ids, tag=tag).values_list(
                    "article_id", flat=True
                )
            )
            new = [
                ArticleTag(article_id=pk, tag=tag, machine=False, confirmed=True)
                for pk in ids
                if pk not in have
            ]
            ArticleTag.objects.bulk_create(new)
            added += len(new)
    return added


def remove_tags(articles: QuerySet[Article], names: Iterable[str]) -> int:
    """Take tags (by name) off articles; returns the number of links removed."""
    with transaction.atomic():
        deleted, _ = ArticleTag.objects.filter(
            article__in=articles.values("pk"), tag__name__in=list(names)
        ).delete()
    return deleted


def confirm_machine_tags(articles: QuerySet[Article]) -> int:
    """Confirm every machine tag on the articles, so re-extraction keeps them."""
    with transaction.atomic():
        return ArticleTag.objects.filter(
            article__in=articles.values("pk"), machine=True, confirmed=False
        ).update(confirmed=True)


def _add_aliases(keep, *names: str) -> None:
    aliases = list(keep.aliases or [])
    for name in names:
        if name and name != keep.name and name not in aliases:
            aliases.append(name)
    keep.aliases = aliases


def merge_people(keep: Person, other: Person) -> Person:
    """Merge ``other`` into ``keep``: positions, quotes and mentions move; other's names
    become aliases of ``keep``; ``other`` is deleted."""
    if keep.pk == other.pk:
        raise ValueError("cannot merge a person with itself")
    with transaction.atomic():
        for position in Position.objects.filter(person=other):
            same = Position.objects.filter(
                person=keep, title=position.title, organization=position.organization
            ).first()
            if same is None:
                position.person = keep
                position.save()
                continue
            # keep already has this title: widen its dates and retarget the mentions.
            dates = [d for d in (same.first_seen, position.first_seen) if d]
            same.first_seen = min(dates) if dates else None
            dates = [d for d in (same.last_seen, position.last_seen) if d]
            same.last_seen = max(dates) if dates else None
            same.region = same.region or position.region
            same.article = same.article or position.article
            same.save()
            Mention.objects.filter(position=position).update(position=same)
            position.delete()
        for quote in Quote.objects.filter(person=other):
            quote.person = keep
            quote.save()
        kept_articles = set(
            Mention.objects.filter(person=keep).values_list("article_id", flat=True)
        )
        for mention in Mention.objects.filter(person=other):
            if mention.article_id in kept_articles:
                ours = Mention.objects.get(person=keep, article_id=mention.article_id)
                if ours.position_id is None and mention.position_id is not None:
                    ours.position_id = mention.position_id
                    ours.save()
                mention.delete()
            else:
                mention.person = keep
                mention.save()
        _add_aliases(keep, other.name, *(other.aliases or []))
        keep.save()
        other.delete()
    return keep


def merge_sources(keep: Source, others: Iterable[Source]) -> Source:
    """Merge outlets: the others' articles move to ``keep``, their names become aliases."""
    with transaction.atomic():
        for other in others:
            if other.pk == keep.pk:
                continue
            Article.objects.filter(source=other).update(source=keep)
            _add_aliases(keep, other.name, *(other.aliases or []))
            keep.homepage = keep.homepage or other.homepage
            keep.region = keep.region or other.region
            other.delete()
        keep.save()
    return keep


def merge_tags(keep: Tag, others: Iterable[Tag]) -> Tag:
    """Merge tags: the others' article links move to ``keep`` (confirmed wins)."""
    with transaction.atomic():
        for other in others:
            if other.pk == keep.pk:
                continue
            for link in ArticleTag.objects.filter(tag=other):
                ours = ArticleTag.objects.filter(tag=keep, article_id=link.article_id).first()
                if ours is None:
                    link.tag = keep
                    link.save()
                    continue
                if link.confirmed and not ours.confirmed:
                    ours.confirmed = True
                    ours.save()
                link.delete()
            other.delete()
    return keep


def rename_source(source: Source, name: str) -> Source:
    """Rename an outlet, keeping the old name as an alias so imports still find it."""
    with transaction.atomic():
        old = source.name
        source.name = name.strip()[:200]
        _add_aliases(source, old)
        source.save()
    return source


def reextract(articles: QuerySet[Article]) -> dict[str, int]:
    """Run extraction again on each article, keeping what curators changed."""
    from archive.importer import known_officials_or_none
    from archive.importer import reextract as reextract_one

    counts = {"articles": 0, "from_raw_file": 0}
    known = known_officials_or_none()  # read once for all the articles
    for article in articles:
        how = reextract_one(article, known=known)
        counts["articles"] += 1
        counts["from_raw_file"] += how == "raw"
    return counts
