"""Traditional → simplified conversion, character for character (offsets stay valid)."""

from __future__ import annotations

from functools import cache

import opencc


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Simplified-Chinese form of text (same length for character-level conversion)."""
    out = _t2s().convert(text)
    return out if len(out) == len(text) else text
