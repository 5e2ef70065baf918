"""The pure part of curating a parse: paragraphs, cuts, where a piece of the file went,
the review queue's reasons and a gold record. Plain Python, no Django (tested without a
database); ``archive/review_ops.py`` applies these to the rows.

An article body is paragraphs joined by a blank line (what the parser writes). Offsets
into the decoded file are found by looking each paragraph's opening up in the file's
text, in order, within the article's span: a body is cleaned text (column breaks
joined, repeats dropped), so a paragraph is found by its first characters, not by
arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARAGRAPH_BREAK = "\n\n"
SENTENCE_END = "。！？!?；;…”"
QUOTE_MARKS = "“”「」『』\"'‘’"
HEADING_MAX = 40  # a longer line is body text, not a heading
PROBE = 10  # characters of a paragraph's opening looked up in the file

# The review queue: what makes an article need a curator's eyes, and how much.
LOW_CONFIDENCE = 0.6
MANY_DISCARDED_SHARE = 0.2  # of the file's characters
REASON_WEIGHTS = {"low_confidence": 4, "many_discarded": 3, "no_date": 2, "no_place": 1}
REASON_LABELS = {
    "low_confidence": "抽取置信度低",
    "many_discarded": "舍弃字符多",
    "no_date": "无日期",
    "no_place": "无地区",
}


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blank-line separated), without empty ones."""
    return [p.strip("\n") for p in re.split(r"\n[ \t\u3000]*\n", body or "") if p.strip()]


def join(paras: list[str]) -> str:
    return PARAGRAPH_BREAK.join(p for p in paras if p)


def is_heading(line: str) -> bool:
    """A line that reads as a headline: short and not ending a sentence."""
    line = line.strip()
    return 0 < len(line) <= HEADING_MAX and line[-1] not in SENTENCE_END


def first_sentence(text: str, limit: int = HEADING_MAX) -> str:
    """Text up to its first sentence end, at most ``limit`` characters."""
    match = re.search(f"[{re.escape(SENTENCE_END)}]", text)
    end = match.start() if match else len(text)
    return text[: min(end, limit)].strip()


@dataclass
class Split:
    first_body: str
    second_title: str
    second_body: str


def split_at(body: str, index: int) -> Split:
    """Cut a body before paragraph ``index`` (1 … n-1). When that paragraph reads as a
    headline it becomes the second article's title; otherwise the second article is
    titled by its first sentence and keeps the paragraph whole."""
    paras = paragraphs(body)
    if not 1 <= index < len(paras):
        raise ValueError(f"cannot split before paragraph {index}: the body has {len(paras)}")
    head, rest = paras[:index], paras[index:]
    if is_heading(rest[0]) and len(rest) > 1:
        title, rest = rest[0].strip(), rest[1:]
    else:
        title = first_sentence(rest[0])
    return Split(join(head), title, join(rest))


def merged_body(first_body: str, second_title: str, second_subtitle: str, second_body: str) -> str:
    """One body from two articles cut apart by mistake: the second's title (and
    subtitle) become paragraphs where the cut was."""
    return join([*paragraphs(first_body), second_title, second_subtitle, *paragraphs(second_body)])


def locate(text: str, start: int, end: int, paras: list[str]) -> list[int | None]:
    """Where each paragraph opens in ``text[start:end]``, in order (None if not found)."""
    found: list[int | None] = []
    cursor = start
    for para in paras:
        probe = para.strip()[:PROBE]
        at = text.find(probe, cursor, max(end, cursor)) if probe else -1
        if at == -1:
            found.append(None)
            continue
        found.append(at)
        cursor = at + len(probe)
    return found


def split_offset(text: str, start: int, end: int, body: str, index: int) -> int:
    """The file offset where paragraph ``index`` of the body opens; when it cannot be
    found, the offset of the nearest paragraph after it that can, else the span's end."""
    offsets = locate(text, start, end, paragraphs(body))
    for at in offsets[index:]:
        if at is not None:
            return at
    return end


def insertion_index(text: str, start: int, end: int, body: str, piece_start: int) -> int:
    """Where a piece of the file at ``piece_start`` goes into the body: after the last
    paragraph that opens before it in the file."""
    offsets = locate(text, start, end, paragraphs(body))
    index = 0
    for i, at in enumerate(offsets):
        if at is not None and at < piece_start:
            index = i + 1
    if piece_start >= end:
        return len(offsets)
    return index


def insert_paragraph(body: str, index: int, text: str) -> str:
    paras = paragraphs(body)
    index = max(0, min(index, len(paras)))
    return join([*paras[:index], text.strip(), *paras[index:]])


def remove_paragraph(body: str, index: int) -> tuple[str, str]:
    """The body without paragraph ``index``, and that paragraph."""
    paras = paragraphs(body)
    if not 0 <= index < len(paras):
        raise ValueError(f"no paragraph {index}: the body has {len(paras)}")
    removed = paras.pop(index)
    return join(paras), removed


def quote_span(body: str, start: int, end: int) -> tuple[int, int]:
    """A curator's selection as a quotation: outer spaces and quotation marks dropped."""
    start, end = max(0, start), min(len(body), end)
    while start < end and (body[start].isspace() or body[start] in QUOTE_MARKS):
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in QUOTE_MARKS):
        end -= 1
    if start >= end:
        raise ValueError("the selection holds no text")
    return start, end


# --- the file's layout, for the review page ----------------------------------------------


@dataclass
class Segment:
    start: int
    end: int
    kind: str  # article | discarded | other
    ref: int | None = None  # article id, or index into the discarded list
    label: str = ""


def layout(
    length: int,
    articles: list[tuple[int, int, int, str]],
    discarded: list[tuple[int, int, int, str]],
) -> list[Segment]:
    """The file's text cut into labelled pieces, in order: each article's span (id,
    start, end, title), each discarded piece (index, start, end, reason) and what lies
    between (whitespace, mostly). Overlaps go to whichever starts first."""
    pieces = [Segment(s, e, "article", pk, title) for pk, s, e, title in articles]
    pieces += [Segment(s, e, "discarded", i, reason) for i, s, e, reason in discarded]
    pieces = sorted(
        (p for p in pieces if 0 <= p.start < p.end), key=lambda p: (p.start, p.kind != "article")
    )
    out: list[Segment] = []
    cursor = 0
    for piece in pieces:
        start, end = max(piece.start, cursor), min(piece.end, length)
        if start >= end:
            continue
        if start > cursor:
            out.append(Segment(cursor, start, "other"))
        out.append(Segment(start, end, piece.kind, piece.ref, piece.label))
        cursor = end
    if cursor < length:
        out.append(Segment(cursor, length, "other"))
    return out


# --- review queue -------------------------------------------------------------------------


def queue_reasons(
    confidence: float, discarded_chars: int, text_chars: int, dated: bool, placed: bool
) -> list[str]:
    """Why an article needs review (keys of REASON_LABELS), most pressing first."""
    reasons = []
    if confidence < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    if text_chars and discarded_chars > MANY_DISCARDED_SHARE * text_chars:
        reasons.append("many_discarded")
    if not dated:
        reasons.append("no_date")
    if not placed:
        reasons.append("no_place")
    return reasons


# --- gold ---------------------------------------------------------------------------------


def quote_prefix(text: str, length: int = 12) -> str:
    """The first characters inside a quotation, as gold.json gives them."""
    return text.strip().lstrip(QUOTE_MARKS)[:length]


def gold_article(
    title: str,
    people: list[tuple[str, str, str]],
    quotes: list[tuple[str, str]],
    primary_places: list[str],
    authors: list[str],
    published: str | None,
    rejected: list[str] = (),
) -> dict:
    """One article in the shape of ``../shared/corpus/dev/gold.json``.

    ``people``: (name, title chain, organisation); people without a title chain are
    optional (neither required nor penalised), as are the authors. ``quotes``: (speaker,
    text), unattributed ones left out. ``rejected`` names go to ``junk_people``."""
    required: dict[str, list[str]] = {}
    optional: list[str] = []
    for name, chain, organization in people:
        keywords = [k for k in (chain, organization) if k]
        if keywords and name not in required:
            required[name] = keywords[:1]
        elif not keywords and name not in optional:
            optional.append(name)
    entry = {
        "keys": [title],
        "people": required,
        "optional_people": [
            n for n in [*optional, *authors] if n not in required and n not in rejected
        ],
        "regions": list(dict.fromkeys(primary_places)),
        "quotes": [[speaker, quote_prefix(text)] for speaker, text in quotes if speaker and text],
        "authors": list(authors),
    }
    if published:
        entry["date"] = published
    return entry
