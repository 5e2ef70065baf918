"""Web pages: the main content of an .html page, with its title, date and author.

Two maintained extractors read the page: trafilatura (set to favour recall, since Difang's
own line classes clean up after it) and gne (GeneralNewsExtractor) as a second opinion.
Neither one's text is used as it comes. Both are mapped back onto the page's plain
rendering (one line per block element, `htmltext.html_to_text`), and what is kept is one
stretch of that rendering, line for line:

- the window: the densest run of lines that either extractor kept (a line one of them
  kept far away from the rest, a teaser or a footer, does not widen it);
- inside the window, every line one of them kept, and the page's own byline and
  date/source lines (trafilatura moves those to its metadata and drops them from its text);
- just before the window, the headline and the byline/date lines under it; just after it,
  credit lines (责编：…, 编辑|…, 来源：…).

So menus, breadcrumbs, sidebars, 相关新闻 and 热点推荐 lists, comment threads and footers
never reach the line classifier, and every kept line is verbatim page text. The page's
metadata (its `<title>`, og:title, article:published_time, name=author) and each
extractor's own title, date and author are kept for the page record; a visible line in the
text wins over them downstream.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from . import metadata

# Below this much visible text there is no chrome worth separating (a fragment, a stub).
MIN_PAGE_CHARS = 400
# Past this much HTML the extractors' DOM work costs too much; the rendering is parsed whole.
MAX_HTML_CHARS = 3_000_000
# Lines an extractor kept that lie further apart than this belong to different blocks.
MAX_GAP = 12
HEADER_LINES = 16  # how far above the main text the headline and byline may sit
FOOTER_LINES = 8  # how far below it the credit lines may sit
SPACE = re.compile(r"\s+")
CREDIT = re.compile(
    r"^[（(【\[]?\s*(?:责任编辑|责编|编辑|审核|审校|校对|监制|作者|来源|文|图|摄影|记者|通讯员)"
    r"\s*[:：|｜/]"
)
NOT_A_NAME = re.compile(r"[\d@<>/=]|https?:")


@dataclass
class MainContent:
    """What an .html page holds: its main text (verbatim lines of the page) and metadata."""

    text: str
    title: str | None = None
    published: str | None = None
    author: str | None = None
    source: str | None = None
    extractors: str = ""  # which extractors the kept lines came from
    dropped_chars: int = 0  # visible text left out as page chrome
    dropped: list[str] = field(default_factory=list)  # those lines, verbatim, in page order


def _norm(s: str) -> str:
    return SPACE.sub("", s)


def _trafilatura(html: str) -> dict | None:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return None
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        doc = trafilatura.bare_extraction(
            html,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            with_metadata=True,
            deduplicate=False,
            # The fast search (meta tags, structured data, the URL); the extensive one
            # loads every language of dateparser on first use, ~9 s: see _late_date.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # noqa: BLE001 - a third-party parser's failure is "no opinion"
        return None
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {
        "lines": (d.get("text") or "").split("\n"),
        "title": d.get("title"),
        "published": d.get("date"),
        "author": d.get("author"),
        "source": d.get("sitename"),
    }


def _gne(html: str) -> dict | None:
    try:
        from gne import GeneralNewsExtractor
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return None
    try:
        d = GeneralNewsExtractor().extract(html)
    except Exception:  # noqa: BLE001 - gne raises when it finds no body
        return None
    return {
        "lines": (d.get("content") or "").split("\n"),
        "title": d.get("title"),
        "published": d.get("publish_time"),
        "author": d.get("author"),
        "source": None,
    }


def _locate(lines: list[str], keys: list[str]) -> dict[int, int]:
    """Map an extractor's paragraphs onto rendering line indices; {index: characters}.

    A paragraph is found in the rendering's text with the spaces taken out, in page order,
    so one the extractor joined from several lines (or split from one) still maps onto
    all of them; one it changed is found by its opening characters."""
    flat = "".join(keys)
    ends = list(accumulate(len(k) for k in keys))  # where each line ends in `flat`
    found: dict[int, int] = {}
    pos = 0
    for raw in lines:
        p = _norm(raw)
        if len(p) < 2:
            continue
        at = flat.find(p, pos)
        if at < 0 and len(p) >= 8:
            at = flat.find(p)  # the extractor moved it (a standfirst, a caption)
        if at < 0 and len(p) >= 16:
            at = flat.find(p[:16], pos)
            p = p[:16] if at >= 0 else p
        if at < 0:
            continue
        first = bisect_right(ends, at)
        last = bisect_right(ends, at + len(p) - 1)
        for i in range(first, min(last, len(keys) - 1) + 1):
            found[i] = found.get(i, 0) + len(keys[i])
        pos = at + len(p)
    return found


def _window(found: dict[int, int]) -> tuple[int, int] | None:
    """The densest run of located lines (by characters), gaps of up to MAX_GAP allowed."""
    if not found:
        return None
    idx = sorted(found)
    best, best_weight = None, 0
    start = prev = idx[0]
    weight = 0
    for i in [*idx, None]:
        if i is not None and i - prev <= MAX_GAP:
            weight += found[i]
            prev = i
            continue
        if weight > best_weight:
            best, best_weight = (start, prev), weight
        if i is None:
            break
        start = prev = i
        weight = found[i]
    return best


def _is_header_line(s: str) -> bool:
    return bool(
        metadata.is_byline(s) or metadata.parse_meta_line(s) or (len(s) <= 60 and CREDIT.match(s))
    )


def _title_like(s: str, titles: list[str]) -> bool:
    k = _norm(s)
    if len(k) < 4 or len(k) > 80:
        return False
    return any(k in t or (t in k and len(k) <= len(t) + 12) for t in titles if len(t) >= 4)


def _name_like(value: str | None) -> str | None:
    """An author field that names people (not a user id, an address, a URL)."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if not value or NOT_A_NAME.search(value) or not re.search(r"[\u4e00-\u9fff]", value):
        return None
    return value


def _credible(lines: list[str], text: str, site: str, *values: str | None) -> list[str]:
    """The authors an extractor found that are the article's: shown in the kept text, or on
    a byline of the page, or not shown at all (read from the page's structured data). A
    name the page shows elsewhere (an account name beside a follow button, a commenter)
    is not the article's author, nor is the site's own name (`site`: its names together)."""
    flat = _norm(text)
    out = []
    for v in map(_name_like, values):
        if not v or _norm(v) in site:
            continue
        first = v.split()[0]  # an author field may run names (or a name and a button) together
        shown = [ln for ln in lines if first in ln]
        if _norm(v) in flat or not shown or any(metadata.is_byline(ln) for ln in shown):
            out.append(v)
    return out


def _late_date(html: str, kept: list[str]) -> str | None:
    """A date from htmldate's extensive search of the page text, asked only when neither
    the page's head, the extractors nor a visible date line of the kept text gives one."""
    if any((metadata.parse_meta_line(ln) or {}).get("published") for ln in kept):
        return None
    try:
        from htmldate import find_date

        return find_date(html, extensive_search=True, original_date=True)
    except Exception:  # noqa: BLE001 - a third-party parser's failure is "no date"
        return None


def _first(*values: str | None) -> str | None:
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)


def main_content(html: str, rendering: str, info: dict) -> MainContent | None:
    """The main content of a web page, or None when the page is too small to need it or
    neither extractor finds a body (the caller then keeps the whole rendering).

    `rendering` is the page's plain text (one line per block element) and `info` the
    metadata that `htmltext.html_to_text` read from it. The returned text is a selection of
    the rendering's lines, in page order; character spans of articles refer to it.
    """
    lines = [ln.strip() for ln in rendering.split("\n") if ln.strip()]
    if sum(len(ln) for ln in lines) < MIN_PAGE_CHARS or len(html) > MAX_HTML_CHARS:
        return None
    keys = [_norm(ln) for ln in lines]
    opinions = {"trafilatura": _trafilatura(html), "gne": _gne(html)}
    located = {name: _locate(op["lines"], keys) for name, op in opinions.items() if op is not None}
    found: dict[int, int] = {}  # a line both extractors kept weighs twice
    for hits in located.values():
        for i, n in hits.items():
            found[i] = found.get(i, 0) + min(n, len(keys[i]))
    window = _window(found)
    if window is None:
        return None
    a, b = window
    traf = opinions["trafilatura"] or {}
    gne = opinions["gne"] or {}
    titles = [
        _norm(t)
        for t in (gne.get("title"), traf.get("title"), info.get("title"))
        if isinstance(t, str) and t.strip()
    ]
    keep = [i for i in range(a, b + 1) if i in found or _is_header_line(lines[i])]
    # The headline and the lines under it (byline, date, source) sit just above the text.
    above = range(max(0, a - HEADER_LINES), a)
    head = next((i for i in reversed(above) if _title_like(lines[i], titles)), None)
    if head is None:  # a headline further up, past a share bar or an advertisement
        head = next((i for i in reversed(range(a)) if keys[i] in titles), None)
    if head is not None:
        keep = [head] + [i for i in range(head + 1, a) if _is_header_line(lines[i])] + keep
    below = range(b + 1, min(len(lines), b + 1 + FOOTER_LINES))
    keep += [i for i in below if len(lines[i]) <= 60 and _is_header_line(lines[i])]
    text = "\n".join(lines[i] for i in keep)
    if not text.strip():
        return None
    title = _first(
        *(
            metadata.strip_title_spam(t, text)[0]
            for t in (gne.get("title"), info.get("title"), traf.get("title"))
            if isinstance(t, str) and t.strip()
        )
    )
    page_title = info.get("title") or ""
    site = _norm(
        "".join(
            [page_title[len(title or "") :] if title and page_title.startswith(title) else ""]
            + [v for v in (info.get("source"), traf.get("source")) if isinstance(v, str)]
        )
    )
    kept = set(keep)
    return MainContent(
        text=text,
        title=title,
        published=_first(info.get("published"), traf.get("published"), gne.get("published"))
        or _late_date(html, [lines[i] for i in keep]),
        author=_first(
            *(v for v in [_name_like(info.get("author"))] if v and _norm(v) not in site),
            *_credible(lines, text, site, traf.get("author"), gne.get("author")),
        ),
        source=_first(info.get("source"), traf.get("source")),
        extractors="+".join(name for name, hits in located.items() if hits),
        dropped_chars=sum(len(ln) for ln in lines) - sum(len(lines[i]) for i in keep),
        dropped=[ln for i, ln in enumerate(lines) if i not in kept],
    )
