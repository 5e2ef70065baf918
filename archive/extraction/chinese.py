"""Traditional → simplified conversion, character for character (offsets stay valid)."""

from __future__ import annotations

from functools import cache, lru_cache

import opencc


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Simplified-Chinese form of text (same length for character-level conversion)."""
    # A line is simplified by several rules in turn (its class, byline, header labels):
    # short texts are remembered, within a bounded cache.
    return _simplified_short(text) if len(text) <= 200 else _convert(text)


@lru_cache(maxsize=16384)
def _simplified_short(text: str) -> str:
    return _convert(text)


def _convert(text: str) -> str:
    out = _t2s().convert(text)
    return out if len(out) == len(text) else text
