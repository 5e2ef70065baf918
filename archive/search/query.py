"""A reader's search text as a ``Query``: AND-combined terms and phrases in simplified
Chinese, cut by jieba as ``Article.search_text`` is (see ``archive.importer.search_text``),
so a traditional query (作風建設) finds a simplified article and the reverse.

Pure: no database. Each backend turns a ``Query`` into its own syntax (FTS5 string literals
in ``archive.search.sqlite``, ``plainto_tsquery``/``phraseto_tsquery`` parameters in
``archive.search.postgres``), so the user's text never reaches an engine's query syntax.
Words are AND-combined; text in double quotes ("…", “…”, 「…」) is a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import jieba

from archive.extraction.entities import simplified

MAX_QUERY_CHARS = 200
MAX_TERMS = 16
PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    """Word characters only: operators, quotes and punctuation fall away."""
    return [w for w in WORD.findall(text) if w.strip("_")]


@dataclass
class Query:
    """A parsed search: AND-combined terms and phrases, in simplified Chinese."""

    text: str
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms or self.phrases)

    @property
    def marks(self) -> list[str]:
        """Words to highlight in results, longest first."""
        words = set(self.terms)
        for phrase in self.phrases:
            words.add("".join(_phrase_surface(phrase)))
        return sorted((w for w in words if w), key=len, reverse=True)


def _phrase_surface(tokens: list[str]) -> list[str]:
    """The phrase as written: cut_for_search repeats sub-words before their word."""
    out: list[str] = []
    for tok in tokens:
        while out and out[-1] in tok and len(out[-1]) < len(tok):
            out.pop()
        out.append(tok)
    return out


def parse(text: str | None) -> Query:
    """Turn what a reader typed into a ``Query``; never raises."""
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    query = Query(text=text)
    if not text:
        return query
    plain = simplified(text)
    rest = []
    pos = 0
    for m in PHRASE.finditer(plain):
        rest.append(plain[pos : m.start()])
        pos = m.end()
        inner = next(g for g in m.groups() if g is not None)
        tokens = [t for w in jieba.cut_for_search(inner) for t in _words(w)]
        tokens = [t.lower() for t in tokens]
        if len(tokens) == 1:
            query.terms.append(tokens[0])
        elif tokens:
            query.phrases.append(tokens)
    rest.append(plain[pos:])
    for chunk in rest:
        # An unmatched quote is just a character.
        for word in jieba.cut(chunk.replace('"', " ")):
            for token in _words(word):
                token = token.lower()
                if token not in query.terms:
                    query.terms.append(token)
    query.terms = query.terms[:MAX_TERMS]
    query.phrases = query.phrases[:MAX_TERMS]
    return query


# --- database side ----------------------------------------------------------------------
