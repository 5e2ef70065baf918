"""How much one input may hold, so that no file can take the machine's memory.

Read from the environment at each call (this package never imports Django; the settings
table in the README lists them): a compressed file may expand to at most
``DIFANG_MAX_EXPANDED_BYTES``; one text page (a .txt, .html or .md file, or one JSON
record's text) may be at most ``DIFANG_MAX_PAGE_BYTES``.
"""

from __future__ import annotations

import os

DEFAULT_MAX_EXPANDED_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def max_expanded_bytes() -> int:
    """The most bytes one file may hold once decompressed (and one JSON dump in all)."""
    return _setting("DIFANG_MAX_EXPANDED_BYTES", DEFAULT_MAX_EXPANDED_BYTES)


def max_page_bytes() -> int:
    """The most bytes one text page may hold: a news page, even an e-paper's, is far less."""
    return _setting("DIFANG_MAX_PAGE_BYTES", DEFAULT_MAX_PAGE_BYTES)


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
