"""Runs the steps; one function: parse(bytes, name) -> FileRecord."""

from __future__ import annotations

import hashlib
import re

from . import metadata, paragraphs, segment
from .known import KnownOfficials
from .reader import Decoded, Page, ReadError, read
from .records import ArticleRecord, Discard, FileRecord


def parse(
    data: bytes,
    name: str,
    encoding: str | None = None,
    entities: bool = True,
    fields: dict[str, str] | None = None,
    known: KnownOfficials | None = None,
) -> FileRecord:
    """Parse one file's bytes into articles, discarded pieces and errors.

    Never raises for bad input: a file that cannot be read gets an error message instead.
    `fields` names JSON records' fields by role (`{"text": "details"}`, see jsondoc).
    `known`: the officials curators confirmed (see known.py), loaded by the importer.
    """
    record = FileRecord(
        path=name, sha256=hashlib.sha256(data).hexdigest(), encoding=None, size=len(data)
    )
    try:
        doc = read(data, name, encoding, fields=fields)
    except ReadError as exc:
        record.errors.append(f"{name}: {exc}")
        return record
    record.encoding = doc.encoding
    record.text_chars = len(doc.text)
    # A JSON file's skipped lines and records are reported; the others import.
    record.errors.extend(f"{name}: {w}" for w in doc.warnings if w.startswith(("line ", "record ")))
    record.discarded.extend(Discard(why, s, e, doc.text[s:e][:80]) for s, e, why in doc.discarded)
    record.notes.extend(doc.notes)
    for page in doc.pages:
        articles, discarded = parse_page(doc, page)
        record.articles.extend(articles)
        record.discarded.extend(discarded)
    if entities:
        from .entities import enrich

        enrich(record.articles, doc.text, known=known)
    if not record.articles and not record.errors:
        record.errors.append(f"{name}: no article text found (everything was boilerplate)")
    return record


def parse_page(doc: Decoded, page: Page) -> tuple[list[ArticleRecord], list[Discard]]:
    text = doc.text
    paras = paragraphs.split_lines(text, page.start, page.end, markdown=page.markdown)
    paragraphs.classify(paras)
    page_repairs: list[str] = []
    paras = segment.join_breaks(paras, page_repairs)
    drafts, dropped = segment.segment_page(paras, markdown=page.markdown)
    segment.trim_heading_groups(drafts)
    segment.fold_textless_drafts(drafts)
    segment.reattach_fragments(drafts)
    discarded = [Discard(p.reason or "dropped", p.start, p.end, p.text[:80]) for p in dropped]
    page_text = text[page.start : page.end]
    year = metadata.page_year(page_text)
    articles: list[ArticleRecord] = []
    for d in drafts:
        segment.drop_repeats(d)
        art = build_article(d, page, page_text, year)
        if art is None:
            for p in d.paras():
                discarded.append(
                    Discard("headline without article text", p.start, p.end, p.text[:80])
                )
            continue
        joins = [
            r
            for r in page_repairs
            if any(r.endswith(f"{p.text[:6]}…") or p.text[:6] in r for p in d.body)
        ]
        art.repairs = joins + d.repairs + art.repairs
        articles.append(art)
    # On a newspaper page (本报讯 datelines) articles without their own date share the
    # page's latest dateline; unrelated posts on an aggregator page do not.
    dated = sorted(a.published for a in articles if a.published)
    newspaper = any(paragraphs.NEWS_FLASH.match(a.body) for a in articles)
    for a in articles if newspaper else []:
        if not a.published and dated:
            a.published = dated[-1]
            a.confidence -= 0.1
    # A JSON record's title field names its one article; lines of its text that look like
    # headings (a unit, a release time) do not.
    if page.record and page.title and page.title.strip() and len(articles) == 1:
        articles[0].title = page.title.strip()
    return articles, discarded


def build_article(
    d: segment.Draft, page: Page, page_text: str, year: int | None
) -> ArticleRecord | None:
    authors: list[str] = []
    published = source = None
    for b in d.bylines:
        press = metadata.press_line(b.text)
        if press:  # 本报记者 X《人民日报》（2025年05月13日第 01 版）: the edition's date
            authors += press["names"]
            published = published or press["published"]
            source = source or press["source"]
        else:
            authors += metadata.paren_credit(b.text) or metadata.byline_names(b.text)
    fields = d.fields
    credited = fields.get("author") or fields.get("authors")
    if credited:
        authors += metadata.byline_names(metadata.unpad_names(credited))
    body_paras = [p.text for p in d.body]
    if body_paras:
        authors += metadata.dateline_names(body_paras[0])
        tail = metadata.trailing_byline(body_paras[-1])
        if tail:
            byline, names = tail
            authors += names
            body_paras[-1] = body_paras[-1][: body_paras[-1].rfind(byline)].rstrip()
    for p in body_paras[1:-1]:
        t = metadata.trailing_byline(p)
        if t and "摄" in t[0]:
            authors += t[1]
    body = "\n\n".join(t for t in body_paras if t)
    if len(re.sub(r"\s", "", body)) < 20:
        return None
    title, subtitle = segment.clean_title(main_title_first(d.heads, page.title))
    confidence = 1.0
    if not title:
        title = fields.get("title") or page.title or segment.title_from_body(body)
        confidence -= 0.3 if not (page.title or fields.get("title")) else 0.0
    title, spam = metadata.strip_title_spam(title, body)
    repairs = [f"removed an SEO suffix from the title: {spam}"] if spam else []
    published = published or metadata.normalize_date(fields.get("date") or fields.get("published"))
    url = fields.get("source_url") or fields.get("url") or fields.get("link")
    outlet = fields.get("source") or fields.get("publisher") or fields.get("site_name") or ""
    if outlet.startswith(("http://", "https://")):
        url, outlet = url or outlet, ""
    source = source or outlet or None
    for m in d.metas:
        meta = metadata.parse_meta_line(m.text) or {}
        labelled = metadata.header_fields(m.text) or {}
        published = published or meta.get("published") or labelled.get("published")
        source = source or meta.get("source") or labelled.get("source")
        authors += labelled.get("authors", [])
        url = url or labelled.get("url")
    published = published or metadata.normalize_date(page.published)
    source = source or page.source
    if not published:
        own_year = metadata.page_year(body)
        published = metadata.infer_date(body[:60], page_text, own_year or year)
    if not d.bylines and not authors:
        confidence -= 0.1
    start, end = d.span
    art = ArticleRecord(
        title=title,
        subtitle=subtitle,
        body=body,
        span=(start, end),
        published=published,
        source=source,
        authors=metadata._unique(authors or page_authors(page)),
        url=url or page.url,
        confidence=max(confidence, 0.0),
        fetched=page.fetched,
    )
    art.repairs = repairs
    art.captions = [c.text for c in d.captions]
    art.segments = sorted(piece for p in d.paras() for piece in p.pieces)
    return art


def page_authors(page: Page) -> list[str]:
    """A JSON record's author field, when the text itself has no byline."""
    if not page.author:
        return []
    names = metadata.byline_names(page.author)
    return names or [n for n in re.split(r"[、，,;；/\s]+", page.author) if 2 <= len(n) <= 4]


def main_title_first(heads: list[paragraphs.Para], page_title: str | None) -> list[paragraphs.Para]:
    """A kicker above the main title (河南着力培育新动能 / 在新时代…争先出彩): where the page's
    own <title> names one heading line and not the first, that line is the title."""
    if len(heads) < 2 or not page_title or heads[0].level:
        return heads
    named = [h for h in heads if len(h.text) >= 4 and h.text in page_title]
    if named and heads[0] not in named:
        return [named[0]] + [h for h in heads if h is not named[0]]
    return heads
