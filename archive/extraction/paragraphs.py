"""A page's lines as paragraphs, and what each line is.

``split_lines`` cuts a page into ``Para`` (one or more physical lines, with offsets; a
Markdown page's headings, quotes and front matter are read as such) and ``classify`` gives
each a kind: boilerplate, caption, byline, header, column label, headline-like, body, with
the reason. ``segment.py`` then finds the articles among them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import metadata
from .chinese import simplified
from .datafiles import fullmatch_any, patterns

WS = " \t\u3000\u00a0\u200b\ufeff"
CAPTION = re.compile(r"^[◥◤▲△▼▽]")
BULLET_ITEM = re.compile(r"^[•·‧・●○◆◇▪►▸▶◦]\s*\S")
BULLET = re.compile(r"^[•·‧・●○◆◇▪■□►▸▶◦\-\*\d]{1,3}[\.、\s]?")
WEIBO_HEAD = re.compile(r"^(?:#[^#\n]{1,30}#\s*)*【([^】]{2,120})】(.*)$")
TOPIC_PREFIX = re.compile(r"^(?:#[^#\n]{1,30}#\s*)+")
NEWS_FLASH = re.compile(
    r"^(?:本报讯|本台讯|本网讯|本刊讯|[（(]?(?:记者|通讯员)\s*[\u4e00-\u9fff·]{2,4}\s*(?:报道)?[)）]?"
    r"|(?:新华社|中新社|人民网|新华网|央视网)[^，,。]{0,12}(?:电|讯)"
    # 兰考县融媒体中心讯（记者 X）, 【大公文汇网讯】, 某某网5月16日电（记者 X）
    r"|【[^】]{2,20}讯】|[\u4e00-\u9fff]{2,16}讯\s*[（(]|[\u4e00-\u9fff]{2,12}\d{1,2}月\d{1,2}日电)"
)
# The heading of a day's digest: a name and a date in brackets.
DIGEST_HEAD = re.compile(
    r"^(?:【[^】]{1,12}】)?[^，。,]{0,12}[（(](?:19|20)\d{2}年\d{1,2}月\d{1,2}日[）)]$"
)
# A link text cut short by the site: …, ... (an author's own ellipsis is ……).
TEASER = re.compile(r"(?<!…)…$|(?<!\.)\.{3}$")
SPACES = re.compile(r"\s+")
MENU_RUN = 12  # lines in a row, each at most MENU_LINE_CHARS long
MENU_LINE_CHARS = 20
MENU_STOPS = set("，,。！？!?；;：:、")
WECHAT_ID = re.compile(r"^微信号\s")
COMMENT_LINES = 3  # lines of one comment under its author-and-time line
DATE_ONLY = re.compile(
    r"^(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)


@dataclass
class Para:
    """One or more physical lines that form a paragraph, with their offsets."""

    pieces: list[tuple[int, int]]
    text: str
    kind: str = "body"
    reason: str = ""
    gap: int = 0  # blank lines before it
    level: int = 0  # a Markdown heading's level (# = 1), 0 for any other line
    quoted: bool = False  # a Markdown "> " line
    front: dict | None = None  # the fields of a front-matter block that starts here

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]


# ---------------------------------------------------------------- line classes


MD_HEADING = re.compile(r"^(#{1,6})[ \t]+")
MD_QUOTE = re.compile(r"^>[ \t]?")
MD_STRONG = re.compile(r"^\*\*(.+?)\*\*$")
FRONT_FIELD = re.compile(r"^([A-Za-z_][\w-]*):\s*(.*)$")
FRONT_ITEM = re.compile(r"^-\s+\S")  # a YAML list item under a key (authors:\n- X\n- Y)


def split_lines(text: str, start: int, end: int, markdown: bool = False) -> list[Para]:
    """The page's non-blank lines; on a Markdown page the markers (#, >, **) are taken off
    the text (its offsets move past them) and kept as the line's level or quote flag."""
    out: list[Para] = []
    gap = 0
    pos = start
    for raw in text[start:end].split("\n"):
        s = raw.strip(WS)
        if s:
            a = pos + len(raw) - len(raw.lstrip(WS))
            level, quoted = 0, False
            if markdown:
                m = MD_HEADING.match(s) or MD_QUOTE.match(s)
                if m:
                    level = len(m.group(1)) if m.re is MD_HEADING else 0
                    quoted = m.re is MD_QUOTE
                    rest = s[m.end() :]
                    a += m.end() + len(rest) - len(rest.lstrip(WS))
                    s = rest.strip(WS).rstrip("#").strip(WS)
                strong = MD_STRONG.match(s)
                if strong:
                    a += 2
                    s = strong.group(1)
            if s:
                out.append(Para([(a, a + len(s))], s, gap=gap, level=level, quoted=quoted))
            gap = 0
        else:
            gap += 1
        pos += len(raw) + 1
    if markdown:
        _front_matter(out)
    return out


def _front_matter(paras: list[Para]) -> None:
    """Mark each YAML front-matter block (--- key: value … ---): its fields are the next
    article's metadata, not text. Files that join several crawled pages hold several."""
    i = 0
    while i < len(paras):
        if paras[i].text != "---":
            i += 1
            continue
        fields: dict[str, str] = {}
        j = i + 1
        while j < len(paras) and j - i <= 40:
            if m := FRONT_FIELD.match(paras[j].text):
                fields[m.group(1).lower()] = m.group(2).strip().strip("\"'")
            elif not (fields and FRONT_ITEM.match(paras[j].text)):
                break
            j += 1
        if fields and j < len(paras) and paras[j].text == "---":
            fields = _yaml_fields("\n".join(p.text for p in paras[i + 1 : j])) or fields
            for p in paras[i : j + 1]:
                p.kind, p.reason = "front", "front matter"
            paras[i].front = fields
            i = j + 1
        else:
            i += 1


def _yaml_fields(block: str) -> dict[str, str] | None:
    """A front-matter block read as YAML: each field as text (lists joined by 、, dates
    ISO); None when it is no YAML mapping (the plain key: value reading stands)."""
    import yaml  # PyYAML; only Markdown front matter needs it

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value if v is not None)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[str(key).lower()] = str(value).strip()
    return out


def headline_like(s: str) -> bool:
    if NEWS_FLASH.match(s):
        return False  # a dateline opens the text: 【某某网讯】记者从…获悉
    s, _ = metadata.spam_tail(s)  # a headline may carry a long SEO tail
    if WEIBO_HEAD.match(s):
        return True
    core = TOPIC_PREFIX.sub("", s)
    cjk = len(re.findall(r"[\u4e00-\u9fff]", core))
    if cjk < 4 or len(core) > 50:
        return False
    if core[-1] in "。，,、；;：:" or "。" in core:
        return False
    commas = sum(core.count(c) for c in "，,")
    return commas <= 1 and core.count("、") <= 2


def is_label(s: str) -> bool:
    if len(s) > 30:
        return False
    if DIGEST_HEAD.match(s):
        return True  # 【兰考新闻】今日要闻（2024年1月9日）: an edition, not a headline
    if re.match(r"^[■●◆▌]", s) and not metadata.is_byline(s):
        return True
    return len(s) <= 10 and bool(fullmatch_any("column_labels.txt").fullmatch(s))


def classify(lines: list[Para]) -> None:
    boiler = patterns("boilerplate.tsv")
    blocks = patterns("block_headers.tsv")
    in_block = ""
    for i, p in enumerate(lines):
        if p.kind == "front":
            continue
        s = simplified(p.text)  # one set of rules for traditional pages too
        if in_block:
            if (
                BULLET.match(s)
                or TEASER.search(s)
                or (
                    len(s) <= 60
                    and p.gap == 0
                    and (not headline_like(s) or _list_goes_on(lines, i))
                )
            ):
                p.kind, p.reason = "boiler", in_block
                continue
            in_block = ""
        hit = next((r for r, rx in blocks if rx.search(s)), None)
        if hit:
            p.kind, p.reason = "boiler", hit
            in_block = hit
            continue
        hit = next((r for r, rx in boiler if rx.search(s)), None)
        if hit:
            p.kind, p.reason = "boiler", hit
        elif p.level and len(s) <= 80:
            p.kind = "head"  # a Markdown heading says what it is
        elif metadata.press_line(s) or metadata.paren_credit(s):
            p.kind = "byline"
        elif CAPTION.match(s):
            p.kind, p.reason = "caption", "image caption"
        elif metadata.parse_meta_line(s):
            p.kind = "meta"
        elif metadata.is_byline(s):
            p.kind = "byline"
        elif metadata.header_fields(s):
            p.kind = "meta"  # 发稿时间：…, 来源：…, 发稿人：…, a bare URL
        elif is_label(s):
            p.kind, p.reason = "label", "column label"
        elif headline_like(s):
            p.kind = "head"
    _link_lists(lines)
    _menu_runs(lines)


def _list_goes_on(lines: list[Para], i: int) -> bool:
    """Inside a list block a headline-like line is one more item, unless what follows it
    opens an article (a byline, a date line, a paragraph of text)."""
    if i + 1 >= len(lines):
        return True
    nxt = lines[i + 1]
    s = simplified(nxt.text)
    if nxt.gap or metadata.is_byline(s) or metadata.parse_meta_line(s):
        return False
    return len(s) <= 60 or bool(TEASER.search(s))


def _menu_runs(lines: list[Para]) -> None:
    """A long run of very short lines that are not sentences is a menu, a channel list or an
    account card flattened to lines (a page's text rendering keeps them all); a poem-like
    run of short body lines ends its lines with commas and full stops."""
    start = 0
    while start < len(lines):
        end = start
        while (
            end < len(lines)
            and (
                _width(lines[end].text) <= MENU_LINE_CHARS
                or lines[end].kind == "boiler"  # a row of links or a footer line inside it
            )
            and (end == start or lines[end].gap == 0)
        ):
            end += 1
        run = [q for q in lines[start:end] if q.kind not in ("boiler", "front")]
        if len(run) >= MENU_RUN:
            sizes = sorted(_width(q.text) for q in run)
            stops = sum(1 for q in run if q.text[-1] in MENU_STOPS)
            if sizes[len(sizes) // 2] <= 10 and stops <= 0.2 * len(run):
                title = _title_after_menu(lines, start, end)
                for q in run:
                    if id(q) not in title:
                        q.kind, q.reason = "boiler", "navigation menu"
        start = max(end, start + 1)
    _dated_lists(lines)
    _comment_threads(lines)
    # Below the copyright line a page has only floating widgets and slogans.
    last = max((i for i, p in enumerate(lines) if p.reason == "footer"), default=None)
    if last is not None and all(len(p.text) <= 40 for p in lines[last + 1 :]):
        for q in lines[last + 1 :]:
            if q.kind not in ("boiler", "front"):
                q.kind, q.reason = "boiler", "after the footer"
    for i, p in enumerate(lines):
        # A WeChat account card: the account's name (often twice) above 微信号.
        if WECHAT_ID.match(p.text):
            for q in lines[max(0, i - 2) : i]:
                if len(q.text) <= 16 and q.kind != "front":
                    q.kind, q.reason = "boiler", "wechat chrome"
        # The options of a font-size tool (字号 超大 大 标准 小), one a line.
        if p.reason == "page tools":
            for q in lines[i + 1 : i + 5]:
                if len(q.text) <= 2 and q.kind not in ("boiler", "front"):
                    q.kind, q.reason = "boiler", "page tools"


def _title_after_menu(lines: list[Para], start: int, end: int) -> set[int]:
    """The last lines of a menu run that are the headline and byline of the article right
    after it (a short kicker or title above the main title, a byline or the text)."""
    if end >= len(lines):
        return set()
    s = simplified(lines[end].text)
    if not (
        lines[end].kind == "head"
        or metadata.is_byline(s)
        or metadata.parse_meta_line(s)
        or len(s) > 60
    ):
        return set()
    tail: list[Para] = []
    for q in reversed(lines[start:end]):
        if q.kind not in ("head", "byline", "meta") or len(tail) == 3:
            break
        tail.append(q)
    return {id(q) for q in tail}


def _dated_lists(lines: list[Para]) -> None:
    """A sidebar of an account's other posts: a date line, a title, a date line, a title …
    (three dates or more, each title short). An article's date line has text under it."""
    i = 0
    while i < len(lines):
        j = i
        while (
            j + 1 < len(lines)
            and DATE_ONLY.match(lines[j].text)
            and len(lines[j + 1].text) <= 40
            and not DATE_ONLY.match(lines[j + 1].text)
        ):
            j += 2
        if (j - i) // 2 >= 3:
            for q in lines[i:j]:
                if q.kind != "front":
                    q.kind, q.reason = "boiler", "dated link list"
        i = max(j, i + 1)


def _comment_threads(lines: list[Para]) -> None:
    """Under a comment section's heading (网友评论 …), each comment's author-and-time line
    and the few lines of the comment under it are chrome, until a line that is neither."""
    rows = patterns("comment_threads.tsv")
    section = [rx for kind, rx in rows if kind == "section"]
    by = [rx for kind, rx in rows if kind == "by"]
    on, under = False, 0
    for p in lines:
        if p.kind == "front":
            continue
        s = simplified(p.text)
        if any(rx.search(s) for rx in section):
            on, under = True, 0
        elif not on:
            continue
        elif any(rx.search(s) for rx in by):
            under = COMMENT_LINES
        elif p.kind == "boiler":
            continue  # 回复, 举报, +1顶 … between comments
        elif under:
            under -= 1
        else:
            on = False
            continue
        p.kind, p.reason = "boiler", "comment thread"


def _width(text: str) -> float:
    """A line's length as read: a Latin letter counts half a Chinese character."""
    text = SPACES.sub(" ", text)
    latin = sum(1 for c in text if c.isascii())
    return len(text) - latin / 2


def _link_lists(lines: list[Para]) -> None:
    """A short heading followed by two or more bulleted one-line items is a list of links
    (本版其他文章, 相关推荐 …), whatever its heading says."""
    for i, p in enumerate(lines):
        items = []
        for q in lines[i + 1 :]:
            if q.kind == "boiler" or not BULLET_ITEM.match(q.text) or len(q.text) > 40:
                break
            items.append(q)
        if len(items) >= 2 and p.kind in ("head", "label") and len(p.text) <= 12:
            for q in [p, *items]:
                q.kind, q.reason = "boiler", "link list"
