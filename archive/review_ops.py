"""Curators' fixes of the parse, each one transaction, kept and revertible.

Split an article at a paragraph, merge it with the next one of its file, turn a
discarded piece back into text or a paragraph into boilerplate, pick a line as the title,
confirm or reject a person in an article, edit a title chain, reassign or add a quote,
make a place primary or a mention. Each call:

- snapshots what it touches (articles with their links, raw files' discarded pieces,
  people's verdicts) into a ``Correction`` row, with who and when;
- saves through the ORM with a change reason, so each object's history shows it;
- lists what the curator decided in ``Article.curated_fields``, so re-extraction
  (``importer.reextract``) keeps it, and re-extracts the rest of the article's entities.

``revert(correction)`` (``archive/review_log.py``, with the snapshots) restores the
snapshot and deletes the articles the fix made. The text-level work (paragraphs,
offsets) is in ``archive/review_cuts.py``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from archive import curation, importer
from archive import review_cuts as cuts
from archive.extraction.entities import simplified
from archive.models import (
    Article,
    ArticleRegion,
    ContentHashAlias,
    Correction,
    Mention,
    Occurrence,
    Person,
    Position,
    Quote,
    RawFile,
)
from archive.review_log import Fix, ReviewError, revert  # noqa: F401 (revert: the admin's)


def _reason(kind: str, summary: str) -> str:
    return f"{Correction.Kind(kind).label}：{summary}"[:100]


def _save(article: Article, curated: list[str], reason: str) -> None:
    curation.mark_curated(article, curated)
    article._change_reason = reason
    article.save()


def _reextract(*articles: Article) -> None:
    known = importer.known_officials_or_none()
    for article in articles:
        importer.reextract(article, known=known)


def _curated_quotes(*articles: Article) -> list[dict]:
    """Quotes a curator attributed (``quotes`` curated) in these articles."""
    out: list[dict] = []
    for article in articles:
        if "quotes" in (article.curated_fields or []):
            out += Quote.objects.filter(article=article).values("text", "person_id", "speaker_name")
    return out


def _keep_quotes(quotes: list[dict], parts: list[Article], reason: str) -> None:
    """After a split or merge re-extracted the parts: each curated quote again, found by
    its text in the part that now holds it, with the curator's speaker."""
    for q in quotes:
        for part in parts:
            at = part.body.find(q["text"]) if q["text"] else -1
            if at == -1:
                continue
            quote = Quote.objects.filter(article=part, start=at).first() or Quote(
                article=part, start=at
            )
            quote.end, quote.text = at + len(q["text"]), q["text"]
            quote.person_id, quote.speaker_name = q["person_id"], q["speaker_name"]
            quote._change_reason = reason
            quote.save()
            if q["person_id"]:
                Mention.objects.get_or_create(article=part, person_id=q["person_id"])
            part.refresh_from_db()
            _save(part, ["quotes"], reason)
            break


def _text_of(raw: RawFile) -> str:
    from archive.extraction.reader import ReadError, read

    try:
        return read(raw.data, raw.path).text
    except ReadError:
        return raw.data.decode(raw.encoding or "utf-8", errors="replace")


def _span(article: Article) -> tuple[int, int]:
    return article.span_start or 0, article.span_end or 0


def _set_discarded(raw: RawFile, pieces: list[dict]) -> None:
    raw.discarded = sorted(pieces, key=lambda d: (d.get("span") or [0])[0])
    raw.discarded_chars = sum(int(d.get("chars") or 0) for d in raw.discarded)
    raw.save(update_fields=["discarded", "discarded_chars"])


# --- the parse: split, merge, discarded pieces, title -------------------------------------


def split(article: Article, index: int, user=None) -> Article:
    """Cut ``article`` before paragraph ``index``: two articles, each with the provenance
    span of its part, entities re-extracted for both. Returns the new (second) article."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        try:
            cut = cuts.split_at(article.body, index)
        except ValueError as exc:
            raise ReviewError(str(exc)) from exc
        start, end = _span(article)
        at = end
        raw = article.raw_file
        if raw is not None:
            at = cuts.split_offset(_text_of(raw), start, end, article.body, index)
        digest = importer.content_hash(cut.second_title, cut.second_body)
        if Article.objects.filter(content_hash=digest).exists():
            raise ReviewError("the second part is already an article of the archive")
        fix = Fix(Correction.Kind.SPLIT, user, article, raw)
        fix.touch(article)
        attributed = _curated_quotes(article)
        summary = f"《{article.title[:40]}》在第 {index + 1} 段前拆为两篇"
        reason = _reason(fix.kind, summary)
        second = Article(
            title=cut.second_title[:500],
            body=cut.second_body,
            published=article.published,
            source=article.source,
            authors=list(article.authors or []),
            url=article.url,
            raw_file=raw,
            span_start=at if raw else None,
            span_end=end if raw else None,
            content_hash=digest,
            review_status=article.review_status,
            search_text=importer.search_text(cut.second_title, "", cut.second_body),
            confidence=article.confidence,
            curated_fields=["body", "title"],
        )
        second._change_reason = reason
        second.save()
        fix.created.append(second.pk)
        article.body = cut.first_body
        if raw is not None:
            article.span_end = at
            Occurrence.objects.filter(article=article, raw_file=raw, span_start=start).update(
                span_end=at
            )
            Occurrence.objects.create(article=second, raw_file=raw, span_start=at, span_end=end)
        article.search_text = importer.search_text(article.title, article.subtitle, article.body)
        # the parts' people, quotes and places are found again in each part's text
        article.curated_fields = [
            n for n in article.curated_fields if n not in ("regions", "people", "quotes")
        ]
        _save(article, ["body"], reason)
        _reextract(article, second)
        _keep_quotes(attributed, [article, second], reason)
        fix.save(summary)
    return second


def next_in_file(article: Article) -> Article | None:
    """The article that follows this one in its raw file."""
    if article.raw_file_id is None:
        return None
    after = (
        Occurrence.objects.filter(
            raw_file_id=article.raw_file_id, span_start__gt=article.span_start or 0
        )
        .exclude(article=article)
        .order_by("span_start")
        .first()
    )
    return after.article if after else None


def merge_next(article: Article, user=None) -> Article:
    """Join ``article`` with the next article of its file (cut apart by mistake): one
    article, spanning both; the second's title becomes a paragraph; the second's content
    hash stays known, so re-importing the file does not bring it back."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        other = next_in_file(article)
        if other is None:
            raise ReviewError("this is the last article of its file")
        fix = Fix(Correction.Kind.MERGE, user, article, article.raw_file)
        fix.touch(article)
        fix.touch(other)
        attributed = _curated_quotes(article, other)
        summary = f"《{article.title[:30]}》与下一篇《{other.title[:30]}》合并"
        reason = _reason(fix.kind, summary)
        article.body = cuts.merged_body(article.body, other.title, other.subtitle, other.body)
        article.span_end = max(article.span_end or 0, other.span_end or 0) or None
        for occurrence in Occurrence.objects.filter(article=other):
            if not Occurrence.objects.filter(
                article=article, raw_file=occurrence.raw_file, span_start=occurrence.span_start
            ).exists():
                occurrence.article = article
                occurrence.save()
        ContentHashAlias.objects.filter(article=other).update(article=article)
        ContentHashAlias.objects.create(content_hash=other.content_hash, article=article)
        article.search_text = importer.search_text(article.title, article.subtitle, article.body)
        article.curated_fields = [
            n for n in article.curated_fields if n not in ("regions", "people", "quotes")
        ]
        other._change_reason = reason
        other.delete()
        _save(article, ["body"], reason)
        _reextract(article)
        _keep_quotes(attributed, [article], reason)
        fix.save(summary)
    return article


def _article_around(raw: RawFile, at: int) -> Article | None:
    """The article of ``raw`` whose span holds offset ``at``, else the one before it,
    else the first one."""
    spans = list(
        Occurrence.objects.filter(raw_file=raw).select_related("article").order_by("span_start")
    )
    if not spans:
        return None
    best = spans[0]
    for occurrence in spans:
        if (occurrence.span_start or 0) <= at:
            best = occurrence
    return best.article


def undiscard(raw: RawFile, piece: int, user=None) -> Article:
    """Put discarded piece number ``piece`` of ``raw`` back into the text of the article
    around it (or before it), where it stood in the file."""
    with transaction.atomic():
        raw = RawFile.objects.select_for_update().get(pk=raw.pk)
        pieces = list(raw.discarded or [])
        if not 0 <= piece < len(pieces):
            raise ReviewError(f"{raw.path}: no discarded piece {piece}")
        chosen = pieces[piece]
        text = (chosen.get("text") or "").strip()
        if not text:
            raise ReviewError(f"{raw.path}: discarded piece {piece} kept no text")
        at = (chosen.get("span") or [0])[0]
        article = _article_around(raw, at)
        if article is None:
            raise ReviewError(f"{raw.path}: the file has no article to put it in")
        article = Article.objects.select_for_update().get(pk=article.pk)
        fix = Fix(Correction.Kind.UNDISCARD, user, article, raw)
        fix.touch(article)
        fix.touch_raw(raw)
        start, end = _span(article)
        index = cuts.insertion_index(_text_of(raw), start, end, article.body, at)
        article.body = cuts.insert_paragraph(article.body, index, text)
        article.search_text = importer.search_text(article.title, article.subtitle, article.body)
        summary = f"“{text[:30]}”（{chosen.get('reason')}）放回《{article.title[:30]}》"
        _save(article, ["body"], _reason(fix.kind, summary))
        del pieces[piece]
        _set_discarded(raw, pieces)
        _reextract(article)
        fix.save(summary)
    return article


def mark_boilerplate(article: Article, index: int, user=None) -> Article:
    """Take paragraph ``index`` out of the body: it is page furniture. It is listed in
    the raw file's discarded pieces (reason "curator: boilerplate")."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        try:
            body, removed = cuts.remove_paragraph(article.body, index)
        except ValueError as exc:
            raise ReviewError(str(exc)) from exc
        if not body.strip():
            raise ReviewError("that is the article's only paragraph")
        raw = article.raw_file
        fix = Fix(Correction.Kind.BOILERPLATE, user, article, raw)
        fix.touch(article)
        if raw is not None:
            raw = RawFile.objects.select_for_update().get(pk=raw.pk)
            fix.touch_raw(raw)
            start, end = _span(article)
            at = cuts.locate(_text_of(raw), start, end, [removed])[0]
            span = [at, at + len(removed)] if at is not None else [start, start]
            piece = {
                "reason": "curator: boilerplate",
                "chars": len(removed),
                "span": span,
                "text": removed,
            }
            _set_discarded(raw, [*raw.discarded, piece])
        article.body = body
        article.search_text = importer.search_text(article.title, article.subtitle, body)
        summary = f"“{removed[:30]}”从《{article.title[:30]}》移出（网页杂项）"
        _save(article, ["body"], _reason(fix.kind, summary))
        _reextract(article)
        fix.save(summary)
    return article


def pick_title(article: Article, line: str, user=None) -> Article:
    """Make ``line`` the title. A paragraph of the body picked as the title leaves the
    body; the old title is kept in the fix's record (and the history)."""
    line = " ".join(line.split())
    if not line:
        raise ReviewError("an empty line cannot be a title")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        fix = Fix(Correction.Kind.TITLE, user, article, article.raw_file)
        fix.touch(article)
        curated = ["title"]
        paras = cuts.paragraphs(article.body)
        same = [i for i, p in enumerate(paras) if " ".join(p.split()) == line]
        if same and len(paras) > 1:
            article.body = cuts.remove_paragraph(article.body, same[0])[0]
            curated.append("body")
        summary = f"标题《{article.title[:30]}》改为《{line[:30]}》"
        article.title = line[:500]
        article.search_text = importer.search_text(article.title, article.subtitle, article.body)
        _save(article, curated, _reason(fix.kind, summary))
        _reextract(article)
        fix.save(summary)
    return article


# --- people, quotes and places in an article ----------------------------------------------


def person_verdict(article: Article, person: Person, confirmed: bool, user=None) -> None:
    """Confirm a person named in ``article`` (known to every later import) or reject the
    name (no person: it leaves the article, its quotes lose their speaker, and it is
    never extracted again)."""
    status = Person.Curation.CONFIRMED if confirmed else Person.Curation.REJECTED
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        fix = Fix(Correction.Kind.PERSON, user, article, article.raw_file)
        fix.touch(article)
        fix.touch_person(person)
        summary = f"{person.name}：{Person.Curation(status).label}（《{article.title[:30]}》）"
        reason = _reason(fix.kind, summary)
        curation.set_person_curation(Person.objects.filter(pk=person.pk), status, user=user)
        curated = ["people"]
        if not confirmed:
            Mention.objects.filter(article=article, person=person).delete()
            for quote in Quote.objects.filter(article=article, person=person):
                quote.person, quote.speaker_name, quote._change_reason = None, "", reason
                quote.save()
            curated.append("quotes")
        _save(article, curated, reason)
        fix.save(summary)


def set_position(mention: Mention, title: str, organization: str, user=None) -> Position | None:
    """Edit the title chain an article gives a person (a blank title: none)."""
    title, organization = title.strip()[:200], organization.strip()[:200]
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=mention.article_id)
        fix = Fix(Correction.Kind.POSITION, user, article, article.raw_file)
        fix.touch(article)
        position = None
        if title:
            position, _ = Position.objects.get_or_create(
                person=mention.person,
                title=title,
                organization=organization,
                defaults={
                    "first_seen": article.published,
                    "last_seen": article.published,
                    "article": article,
                },
            )
        mention.position = position
        mention.save()
        summary = f"{mention.person.name}：{organization}{title or '（无职务）'}"
        _save(article, ["people"], _reason(fix.kind, summary))
        fix.save(summary)
    return position


def _speaker(article: Article, name: str) -> Person | None:
    """The person of that name in the article (added to it when missing)."""
    name = name.strip()[:20]
    if not name:
        return None
    normalized = simplified(name)
    person = Person.objects.filter(
        mention__article=article, normalized_name=normalized
    ).first() or importer.person_for(name, None)
    Mention.objects.get_or_create(article=article, person=person)
    return person


def set_speaker(quote: Quote, name: str, user=None) -> Quote:
    """Give a quotation to another speaker (a name; blank: nobody)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=quote.article_id)
        fix = Fix(Correction.Kind.SPEAKER, user, article, article.raw_file)
        fix.touch(article)
        person = _speaker(article, name)
        old = quote.speaker_name or "—"
        quote.person = person
        quote.speaker_name = person.name if person else ""
        summary = f"引语“{quote.text[:20]}”：{old} → {quote.speaker_name or '—'}"
        quote._change_reason = _reason(fix.kind, summary)
        quote.save()
        _save(article, ["quotes", "people"] if person else ["quotes"], quote._change_reason)
        fix.save(summary)
    return quote


def add_quote(article: Article, start: int, end: int, name: str, user=None) -> Quote:
    """A quotation the parser missed: the selected text of the body, and its speaker."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        try:
            start, end = cuts.quote_span(article.body, start, end)
        except ValueError as exc:
            raise ReviewError(str(exc)) from exc
        if Quote.objects.filter(article=article, start=start).exists():
            raise ReviewError("a quotation already starts there")
        fix = Fix(Correction.Kind.QUOTE, user, article, article.raw_file)
        fix.touch(article)
        person = _speaker(article, name)
        quote = Quote(
            article=article,
            start=start,
            end=end,
            text=article.body[start:end],
            person=person,
            speaker_name=person.name if person else "",
        )
        summary = f"新引语“{quote.text[:20]}”：{quote.speaker_name or '—'}"
        quote._change_reason = _reason(fix.kind, summary)
        quote.save()
        _save(article, ["quotes", "people"] if person else ["quotes"], quote._change_reason)
        fix.save(summary)
    return quote


ROLE_LABELS = {"primary": "主要", "mention": "提及", "remove": "删除"}


def set_place(link: ArticleRegion, role: str, user=None) -> None:
    """A place of an article: ``primary``, ``mention`` or ``remove``."""
    if role not in ROLE_LABELS:
        raise ReviewError(f"unknown place role: {role}")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=link.article_id)
        fix = Fix(Correction.Kind.PLACE, user, article, article.raw_file)
        fix.touch(article)
        summary = f"{link.region.name}：{ROLE_LABELS[role]}"
        if role == "remove":
            link.delete()
        else:
            link.primary = role == "primary"
            link.save()
        _save(article, ["regions"], _reason(fix.kind, summary))
        fix.save(summary)


def mark_reviewed(article: Article, user=None) -> Article:
    """The curator has checked this article: it counts as gold (``export_gold``)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.reviewed_at = timezone.now()
        article.reviewed_by = user if getattr(user, "pk", None) else None
        if article.review_status == Article.ReviewStatus.NEW:
            article.review_status = Article.ReviewStatus.REVIEWED
        article._change_reason = "已审核"
        article.save()
    return article
