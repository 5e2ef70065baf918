"""Pure helpers for monthly series: month keys, filling gaps, shares, first use.

No Django here: the database side (``series``) returns plain dicts and these turn them
into the rows a page shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping


def month_of(day: datetime.date) -> str:
    """``2022-04-22`` → ``"2022-04"``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (``"YYYY-MM"``)."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def month_bounds(month: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``"YYYY-MM"``."""
    year, mon = int(month[:4]), int(month[5:7])
    first = datetime.date(year, mon, 1)
    nxt = datetime.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def span(series: Iterable[Mapping[str, int]]) -> list[str]:
    """The months from the earliest to the latest that any series has, gaps filled."""
    keys = sorted({m for s in series for m in s})
    return month_range(keys[0], keys[-1]) if keys else []


def trend_rows(months: list[str], counts: Mapping[str, int], totals: Mapping[str, int]):
    """One row per month: articles with the phrase, all articles, and the share (0–1,
    None for a month without articles)."""
    rows = []
    for month in months:
        n, total = counts.get(month, 0), totals.get(month, 0)
        rows.append(
            {
                "month": month,
                "count": n,
                "total": total,
                "share": round(n / total, 6) if total else None,
                "percent": round(100 * n / total, 2) if total else None,
            }
        )
    return rows


def first_use_order(rows: list[dict]) -> list[dict]:
    """Places sorted by the date the phrase was first seen there, then by code."""
    return sorted(rows, key=lambda r: (r["first_date"], r["region_code"]))


def code_keys(code: str | None) -> list[str]:
    """The code prefixes the search table keeps for a linked region (``archive_code_keys``
    in archive/search.py): 371522 → 37, 3715, 371522; 371500 → 37, 3715; 370000 → 37."""
    if not code:
        return []
    code = code[:6]
    if code.endswith("0000"):
        return [code[:2]]
    if code.endswith("00"):
        return [code[:2], code[:4]]
    return [code[:2], code[:4], code]


def as_phrase(text: str) -> str:
    """A 提法 is searched as one phrase (作风建设, not 作风 and 建设 anywhere), unless the
    reader already quoted parts of it."""
    text = text.strip()
    if any(mark in text for mark in '"“”「」『』'):
        return text
    return f'"{text}"'


def whole_months(dates: Mapping[str, datetime.date]) -> tuple[datetime.date | None, ...] | None:
    """The whole months inside a list's date filter (``from``/``to``, either open): the
    first day of the first and of the last, ``None`` for an open end; ``None`` when no
    month lies wholly inside (a single ``date``, or both ends in one month). The months
    outside them (the cut months at the ends) are counted from the articles."""
    if dates.get("date"):
        return None
    first = last = None
    if dates.get("from"):
        start = dates["from"]
        first = start.replace(day=1)
        if start.day != 1:
            first = month_bounds(month_of(first))[1] + datetime.timedelta(days=1)
    if dates.get("to"):
        end = dates["to"]
        last = end.replace(day=1)
        if end != month_bounds(month_of(end))[1]:
            last = (last - datetime.timedelta(days=1)).replace(day=1)
    if first and last and first > last:
        return None
    return first, last
