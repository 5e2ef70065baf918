"""Word segmentation, done once per article and shared.

jieba is the slowest step of an import, so each article is segmented once: the word
boundaries serve gazetteer matching (a place name must start on a boundary) and the
same words, with jieba's HMM for unknown words and its search-engine sub-words, become
the article's search text. That text equals jieba's own ``cut_for_search`` without
punctuation (a test checks it on every seed article), which is how the search box cuts
queries, so what is indexed and what is asked for are cut alike.
"""

from __future__ import annotations

import re
from functools import cache

import jieba
import jieba.finalseg

jieba.setLogLevel(60)

# A character jieba segments by dictionary (its re_han_default); others split blocks.
IN_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]$")
# Without HMM jieba glues single letters and digits together (63, 5T): undo that first.
ASCII_RUN = re.compile(r"[a-zA-Z0-9]+$")
# Whitespace and punctuation are not search words (jieba yields them as words of 1-2 chars).
NOT_A_WORD = re.compile(r"^[\W_]+$")


@cache
def _freq() -> dict[str, int]:
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


class Words:
    """The dictionary segmentation (no HMM) of ``text``, with each word's offset."""

    __slots__ = ("text", "words", "cuts")

    def __init__(self, text: str):
        self.text = text
        self.words = list(jieba.cut(text, HMM=False))
        self.cuts: set[int] = {0}
        pos = 0
        for w in self.words:
            pos += len(w)
            self.cuts.add(pos)
        if pos != len(text):
            # jieba yields every character; should it ever not, offsets would be wrong,
            # so every position counts as a boundary (matching loses only its guard).
            self.cuts = set(range(len(text) + 1))

    def hmm_words(self) -> list[str]:
        """The words jieba.cut(HMM=True) gives: runs of single characters that are not a
        dictionary word go through the HMM, which joins unknown words such as names."""
        freq, hmm, in_block, ascii_run = (
            _freq(),
            jieba.finalseg.cut,
            IN_BLOCK.match,
            ASCII_RUN.match,
        )
        out: list[str] = []
        run: list[str] = []
        for w in self.words:
            if len(w) == 1 and in_block(w):
                run.append(w)
                continue
            if ascii_run(w) and not freq.get(w):
                run.extend(w)
                continue
            if run:
                _flush(run, out, freq, hmm)
                run = []
            out.append(w)
        if run:
            _flush(run, out, freq, hmm)
        return out

    def search_terms(self) -> list[str]:
        """Search-engine words: each word plus its dictionary sub-words (as
        jieba.cut_for_search), whitespace and punctuation left out."""
        return _for_search(self.hmm_words())


def _flush(run: list[str], out: list[str], freq: dict, hmm) -> None:
    joined = "".join(run)
    if len(run) > 1 and not freq.get(joined):
        out.extend(hmm(joined))
    else:
        out.extend(run)


def _for_search(words: list[str]) -> list[str]:
    freq = _freq()
    out: list[str] = []
    for w in words:
        n = len(w)
        if n > 2:
            out.extend(w[i : i + 2] for i in range(n - 1) if freq.get(w[i : i + 2]))
            if n > 3:
                out.extend(w[i : i + 3] for i in range(n - 2) if freq.get(w[i : i + 3]))
        elif NOT_A_WORD.match(w):
            continue
        out.append(w)
    return out


def search_terms(text: str) -> list[str]:
    """Search words of already simplified text (for documents and queries alike)."""
    return Words(text).search_terms()


def boundaries_around(text: str, start: int, end: int) -> set[int]:
    """Word boundaries (absolute offsets) of jieba's segmentation around text[start:end],
    for a dictionary match when the whole text has not been segmented."""
    a, b = max(0, start - 6), min(len(text), end + 6)
    cuts, pos = {a, b}, a
    for word in jieba.cut(text[a:b], HMM=False):
        pos += len(word)
        cuts.add(pos)
    return cuts


def matches_longest_first(automaton, text: str) -> list[tuple[int, int, str]]:
    """Every match of an Aho-Corasick automaton (whose values are its keys) in text as
    (start, end, key), by start and longest first: the order of a leftmost-longest scan."""
    found = [(end + 1 - len(key), end + 1, key) for end, key in automaton.iter(text)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    return found
