"""Loads the data files under extraction/data/ (patterns, stop lists, name lists)."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file."""
    out = []
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        raw = raw.strip()
        if raw and not raw.startswith("#"):
            out.append(raw)
    return out


@cache
def patterns(name: str) -> tuple[tuple[str, re.Pattern], ...]:
    """`reason<TAB>regex` rows of a .tsv data file, compiled."""
    rows = []
    for row in lines(name):
        reason, _, rx = row.partition("\t")
        rows.append((reason.strip(), re.compile(rx.strip())))
    return tuple(rows)


@cache
def word_set(name: str) -> frozenset[str]:
    return frozenset(lines(name))


@cache
def fullmatch_any(name: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{rx})" for rx in lines(name)))


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(row for row in fh if not row.startswith("#")))
