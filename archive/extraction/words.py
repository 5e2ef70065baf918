"""Word segmentation, done once per article and shared.

jieba is the slowest step of an import, so each article is segmented once: the word
boundaries serve gazetteer matching (a place name must start on a boundary) and the
same words, with jieba's HMM for unknown words and its search-engine sub-words, become
the article's search text. That text equals jieba's own ``cut_for_search`` without
punctuation (a test checks it on every seed article), which is how the search box cuts
queries, so what is indexed and what is asked for are cut alike.

The dictionary segmentation (jieba's DAG and max-probability route, no HMM) is done by
rjieba, jieba-rs's binding: the same dictionary and algorithm in Rust, an order of magnitude
faster, and word for word the same as ``jieba.cut(HMM=False)`` on the seeds and the dev
corpus (tests/test_extraction_segmenter.py). Its HMM mode is not used: it cuts ASCII runs
(2025-05-13, people.cn) differently, so unknown words still go through jieba's own HMM
(``jieba.finalseg``), and jieba stays the reference and the part-of-speech tagger.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import jieba
import jieba.finalseg
import rjieba

jieba.setLogLevel(60)


def reference_cut(text: str) -> list[str]:
    """jieba's own dictionary segmentation (no HMM): the reference rjieba is checked against."""
    return list(jieba.cut(text, HMM=False))


def dictionary_cut(text: str) -> list[str]:
    """jieba's dictionary segmentation (no HMM) of text, computed by rjieba."""
    return rjieba.cut(text, False)


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
        self.words = dictionary_cut(text)
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
        freq, hmm, in_block, ascii_run = _freq(), unknown_words, IN_BLOCK.match, ASCII_RUN.match
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


# jieba's range of Chinese characters (its re_han); jieba-rs's is wider, so only these go
# to rjieba's HMM.
HAN_RUN = re.compile(r"[\u4E00-\u9FD5]+")


@lru_cache(maxsize=65_536)
def unknown_words(run: str) -> tuple[str, ...]:
    """jieba's HMM (``jieba.finalseg.cut``) over a run of characters that no dictionary
    word covers: how unknown words such as names (徐振涛) are joined.

    A run of Chinese characters that rjieba's dictionary also leaves as single characters
    goes through rjieba's HMM mode, which then applies jieba's model to the whole run (the
    same Viterbi; checked against jieba.finalseg in tests/test_extraction_segmenter.py). Runs
    with ASCII in them (2025-05-13, people.cn), which jieba-rs groups differently, stay
    with jieba. Names repeat, so runs are remembered."""
    if HAN_RUN.fullmatch(run) and all(len(w) == 1 for w in rjieba.cut(run, False)):
        return tuple(rjieba.cut(run, True))
    return tuple(jieba.finalseg.cut(run))


def reference_unknown_words(run: str) -> list[str]:
    """jieba's own HMM over a run: the reference of ``unknown_words``."""
    return list(jieba.finalseg.cut(run))


def hmm_cut(text: str) -> list[str]:
    """``jieba.cut(text)`` (dictionary words, the HMM for unknown words), computed faster."""
    return Words(text).hmm_words()


def _flush(run: list[str], out: list[str], freq: dict, hmm) -> None:
    joined = "".join(run)
    if len(run) > 1 and not freq.get(joined):
        out.extend(hmm(joined))
    else:
        out.extend(run)


def _for_search(words: list[str]) -> list[str]:
    freq, not_a_word = _freq(), NOT_A_WORD.match
    out: list[str] = []
    for w in words:
        n = len(w)
        if n > 2:
            if not_a_word(w):  # a run of punctuation (---, ———) is no word either
                continue
            out.extend(w[i : i + 2] for i in range(n - 1) if freq.get(w[i : i + 2]))
            if n > 3:
                out.extend(w[i : i + 3] for i in range(n - 2) if freq.get(w[i : i + 3]))
        elif not_a_word(w):
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
    for word in dictionary_cut(text[a:b]):
        pos += len(word)
        cuts.add(pos)
    return cuts


def matches_longest_first(automaton, text: str) -> list[tuple[int, int, str]]:
    """Every match of an Aho-Corasick automaton (whose values are its keys) in text as
    (start, end, key), by start and longest first: the order of a leftmost-longest scan."""
    found = [(end + 1 - len(key), end + 1, key) for end, key in automaton.iter(text)]
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    return found
