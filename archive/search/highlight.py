"""Highlighting: a text escaped for HTML with a query's words in ``<mark>``, and the
snippet around the first match. Pure: no database, the same on every backend."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from archive.extraction.entities import simplified
from archive.search.query import Query


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``words`` in ``text`` (compared in simplified, lower case)."""
    if not words or not text:
        return []
    plain = simplified(text).lower()
    if len(plain) != len(text):
        plain = text.lower()
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(plain)]


def mark(text: str, spans: list[tuple[int, int]], tag: str = "mark") -> SafeString:
    """Escape ``text`` and wrap each span in ``<tag>``."""
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<{tag}>{escape(text[start:end])}</{tag}>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def highlight(text: str, query: Query) -> SafeString:
    """``text`` escaped, with the query's words in ``<mark>``."""
    return mark(text, _spans(text, query.marks))


def snippet(text: str, query: Query, width: int = 120) -> SafeString:
    """A window of ``text`` around the first match, escaped and highlighted."""
    text = re.sub(r"\s+", " ", text or "").strip()
    spans = _spans(text, query.marks)
    if not spans:
        short = text[:width]
        return mark(short + ("…" if len(text) > width else ""), [])
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    piece = mark(text[start:end], window)
    return mark_safe(("…" if start else "") + piece + ("…" if end < len(text) else ""))
