"""Near-duplicate detection of article bodies, without Django.

A body is simplified (traditional characters become simplified ones), stripped of
everything that is not a letter or digit (punctuation and whitespace changes vanish),
and cut into overlapping character shingles of ``SHINGLE`` characters. Its MinHash
(datasketch, ``NUM_PERM`` permutations, fixed seed, so every importer on every machine
computes the same signature) is cut into ``BANDS`` bands of ``ROWS`` values; each band
hashes to one signed 64-bit key. Two bodies that share a band key are candidates; a
candidate is a reprint when its Jaccard similarity is at least ``THRESHOLD``: the
MinHash estimate decides when it is far from the threshold, the exact Jaccard of the
two shingle sets when it is within ``EXACT_MARGIN`` of it.

The constants were chosen by measurement (tests/bench/bench_reprints.py): see
``THRESHOLD``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from datasketch import LeanMinHash, MinHash

from archive.extraction.chinese import simplified

SHINGLE = 5  # characters per shingle: 3 or 4 are shared by unrelated texts on one topic
NUM_PERM = 128
BANDS = 32
ROWS = 4  # BANDS * ROWS == NUM_PERM; a pair at Jaccard 0.5 collides in some band 87% of
# the time, at 0.6 98.5%, at 0.2 5%
SEED = 1  # datasketch's permutations depend on it: never change it with stored rows
# Jaccard of the two bodies' shingle sets at or above which one is a reprint of the other.
# Reprints in the generated corpus (new title, a paragraph dropped or added, another
# byline, punctuation, traditional characters, and combinations) measure 0.62-1.0;
# unrelated articles on the same topic 0.0-0.12 (bench_reprints.py prints both).
THRESHOLD = 0.5
EXACT_MARGIN = 0.15  # estimates within this of THRESHOLD are checked exactly
MIN_CHARS = 50  # bodies shorter than this (after normalising) get no signature

_NOT_WORD = re.compile(r"[\W_]+")
SCHEME = "affine32"  # datasketch 2.0's default; stored signatures depend on it
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def normalise(body: str) -> str:
    """The body as compared: simplified, letters and digits only, lower case."""
    return _NOT_WORD.sub("", simplified(body)).lower()


def shingles(body: str) -> frozenset[int]:
    """The body's character shingles, each as a stable 64-bit hash (empty when the body is
    shorter than MIN_CHARS). Hashed with numpy in one pass: the same text gives the same
    numbers in every process (Python's own hash() is salted per process)."""
    text = normalise(body)
    if len(text) < MIN_CHARS:
        return frozenset()
    points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    n = len(points) - SHINGLE + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(SHINGLE):
            h = h * np.uint64(0x100000001B3) + points[j : j + n]
        # splitmix64's finaliser spreads the bits
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return frozenset(np.unique(h).tolist())


def _low32(value: int) -> int:
    return value & 0xFFFFFFFF


def jaccard(a: frozenset, b: frozenset) -> float:
    """Exact Jaccard similarity of two shingle sets (0 when both are empty); exact up to
    64-bit hash collisions, which are vanishingly rare among a few thousand shingles."""
    if not a and not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Signature:
    """A body's MinHash values (NUM_PERM unsigned 32-bit integers)."""

    values: np.ndarray

    def to_bytes(self) -> bytes:
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature | None:
        if not data:
            return None
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint64))

    def estimate(self, other: Signature) -> float:
        """The MinHash estimate of the two bodies' Jaccard similarity."""
        return float(np.count_nonzero(self.values == other.values)) / len(self.values)

    def shares_band(self, other: Signature) -> bool:
        """Whether the two have a band key in common: the same values in all rows of one
        band (a key is a hash of the band's number and values)."""
        mine, theirs = self.values.reshape(BANDS, ROWS), other.values.reshape(BANDS, ROWS)
        return bool((mine == theirs).all(axis=1).any())

    def band_keys(self) -> list[int]:
        """One signed 64-bit key per band: the band's number and values, hashed."""
        raw = self.values.astype("<u4")
        keys = []
        for band in range(BANDS):
            chunk = bytes([band]) + raw[band * ROWS : (band + 1) * ROWS].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=8).digest()
            keys.append(int.from_bytes(digest, "big", signed=True))
        return keys


def signature_of_shingles(grams: frozenset[int]) -> Signature | None:
    """The MinHash of shingle hashes (datasketch, fed their low 32 bits)."""
    if not grams:
        return None
    m = MinHash(
        num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS, scheme=SCHEME, hashfunc=_low32
    )
    m.update_batch(grams)
    return Signature(np.asarray(LeanMinHash(m).hashvalues, dtype=np.uint64))


def signature(body: str) -> Signature | None:
    """The body's signature, or None when it is too short to compare."""
    return signature_of_shingles(shingles(body))


def is_reprint(
    sig: Signature,
    other: Signature,
    exact: callable | None = None,
    threshold: float = THRESHOLD,
) -> tuple[bool, float]:
    """Whether two signed bodies are the same story, and the similarity that decided.

    ``exact``: a function returning the exact Jaccard, called only when the estimate is
    within EXACT_MARGIN of the threshold (without it the estimate decides)."""
    estimate = sig.estimate(other)
    if exact is not None and abs(estimate - threshold) <= EXACT_MARGIN:
        value = exact()
        return value >= threshold, value
    return estimate >= threshold, estimate


@dataclass(frozen=True)
class Appearance:
    """One member of a story, as needed to order it: the article, its date, its outlet."""

    article_id: int
    published: date | None
    source_id: int | None = None


def order_key(a: Appearance):
    """Earliest first: dated before undated, then by date, then by article id."""
    return (a.published is None, a.published or date.min, a.article_id)


def story_order(members: Iterable[Appearance]) -> list[tuple[Appearance, int, int | None]]:
    """The members earliest first, each with its rank (0 = the original) and its lag in
    days from the original (None when either is undated)."""
    ordered = sorted(members, key=order_key)
    if not ordered:
        return []
    first = ordered[0].published
    out = []
    for rank, a in enumerate(ordered):
        lag = (a.published - first).days if a.published and first else None
        out.append((a, rank, lag))
    return out


def median(values: Sequence[float]) -> float | None:
    data = sorted(values)
    if not data:
        return None
    mid = len(data) // 2
    return float(data[mid]) if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


class MemoryIndex:
    """An in-memory band index with the database's semantics, for the benchmark and the
    pure tests: add signatures, then ask for an article's candidates."""

    def __init__(self):
        self.by_key: dict[int, list[int]] = {}
        self.signatures: dict[int, Signature] = {}

    def candidates(self, sig: Signature) -> set[int]:
        found: set[int] = set()
        for key in sig.band_keys():
            found.update(self.by_key.get(key, ()))
        return found

    def add(self, article_id: int, sig: Signature) -> None:
        self.signatures[article_id] = sig
        for key in sig.band_keys():
            self.by_key.setdefault(key, []).append(article_id)
