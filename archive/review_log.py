"""The log of curators' fixes: what a fix touched as it was before (a snapshot of each
article with its links, raw files' discarded pieces, people's verdicts), what it made, and
undoing it (``revert``). ``archive/review_ops.py`` makes the fixes.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from archive import curation
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    ContentHashAlias,
    Correction,
    Mention,
    Occurrence,
    Person,
    Quote,
    RawFile,
)

ARTICLE_FIELDS = (
    "title",
    "subtitle",
    "body",
    "published",
    "source_id",
    "authors",
    "url",
    "raw_file_id",
    "span_start",
    "span_end",
    "content_hash",
    "review_status",
    "search_text",
    "confidence",
    "repairs",
    "curated_fields",
)


class ReviewError(ValueError):
    """A fix that cannot be made as asked (the message says why, for the curator)."""


# --- snapshots ----------------------------------------------------------------------------


def snapshot_article(article: Article) -> dict:
    fields = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    if isinstance(fields["published"], date):
        fields["published"] = fields["published"].isoformat()
    return {
        "fields": fields,
        "regions": list(
            ArticleRegion.objects.filter(article=article).values("region_id", "primary", "mentions")
        ),
        "mentions": list(
            Mention.objects.filter(article=article).values("person_id", "position_id")
        ),
        "quotes": list(
            Quote.objects.filter(article=article).values(
                "person_id", "speaker_name", "text", "start", "end"
            )
        ),
        "tags": list(
            ArticleTag.objects.filter(article=article).values("tag_id", "machine", "confirmed")
        ),
        "occurrences": list(
            Occurrence.objects.filter(article=article).values(
                "raw_file_id", "span_start", "span_end"
            )
        ),
        "aliases": list(
            ContentHashAlias.objects.filter(article=article).values_list("content_hash", flat=True)
        ),
    }


def restore_article(pk: int, snap: dict, reason: str) -> Article:
    fields = dict(snap["fields"])
    article = Article.objects.filter(pk=pk).first() or Article(pk=pk)
    for name, value in fields.items():
        setattr(article, name, value)
    article._change_reason = reason
    article.save()
    ArticleRegion.objects.filter(article=article).delete()
    ArticleRegion.objects.bulk_create(ArticleRegion(article=article, **r) for r in snap["regions"])
    Mention.objects.filter(article=article).delete()
    Mention.objects.bulk_create(Mention(article=article, **m) for m in snap["mentions"])
    for quote in Quote.objects.filter(article=article):
        quote._change_reason = reason
        quote.delete()
    for q in snap["quotes"]:
        quote = Quote(article=article, **q)
        quote._change_reason = reason
        quote.save()
    ArticleTag.objects.filter(article=article).delete()
    ArticleTag.objects.bulk_create(ArticleTag(article=article, **t) for t in snap["tags"])
    Occurrence.objects.filter(article=article).delete()
    Occurrence.objects.bulk_create(Occurrence(article=article, **o) for o in snap["occurrences"])
    ContentHashAlias.objects.filter(article=article).delete()
    ContentHashAlias.objects.bulk_create(
        ContentHashAlias(article=article, content_hash=h) for h in snap["aliases"]
    )
    return article


class Fix:
    """The bookkeeping of one fix: what it touched before, what it made."""

    def __init__(self, kind: str, user, article: Article | None = None, raw: RawFile | None = None):
        self.kind, self.user = kind, user
        self.article, self.raw = article, raw
        self.before: dict = {"articles": {}, "raw_files": {}, "people": {}, "positions": {}}
        self.created: list[int] = []

    def touch(self, article: Article) -> None:
        key = str(article.pk)
        if key not in self.before["articles"]:
            self.before["articles"][key] = snapshot_article(article)

    def touch_raw(self, raw: RawFile) -> None:
        self.before["raw_files"].setdefault(
            str(raw.pk), {"discarded": raw.discarded, "discarded_chars": raw.discarded_chars}
        )

    def touch_person(self, person: Person) -> None:
        self.before["people"].setdefault(str(person.pk), person.curation)

    def save(self, summary: str) -> Correction:
        return Correction.objects.create(
            kind=self.kind,
            summary=summary[:300],
            user=self.user if getattr(self.user, "pk", None) else None,
            article=self.article,
            raw_file=self.raw,
            before=self.before,
            created=self.created,
        )


# --- revert -------------------------------------------------------------------------------


def revert(correction: Correction, user=None) -> None:
    """Undo a fix: its articles, raw files and people as they were before, the articles
    it made deleted. A later fix of the same articles has to be undone first."""
    with transaction.atomic():
        correction = Correction.objects.select_for_update().get(pk=correction.pk)
        if correction.reverted_at is not None:
            raise ReviewError("this fix is already undone")
        touched = {int(pk) for pk in correction.before.get("articles", {})} | set(
            correction.created
        )
        later = Correction.objects.filter(pk__gt=correction.pk, reverted_at=None)
        for other in later:
            theirs = {int(pk) for pk in other.before.get("articles", {})} | set(other.created)
            if theirs & touched:
                raise ReviewError(f"undo the later fix first: {other}")
        reason = f"撤销：{correction.summary}"[:100]
        for pk in correction.created:
            for article in Article.objects.filter(pk=pk):
                article._change_reason = reason
                article.delete()
        for pk, snap in correction.before.get("articles", {}).items():
            restore_article(int(pk), snap, reason)
        for pk, saved in correction.before.get("raw_files", {}).items():
            RawFile.objects.filter(pk=int(pk)).update(
                discarded=saved["discarded"], discarded_chars=saved["discarded_chars"]
            )
        for pk, status in correction.before.get("people", {}).items():
            curation.set_person_curation(Person.objects.filter(pk=int(pk)), status, user=user)
        correction.reverted_at = timezone.now()
        correction.save(update_fields=["reverted_at"])
