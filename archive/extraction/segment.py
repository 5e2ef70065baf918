"""Page -> articles: line classes, column-break repair, article boundaries, clean-up.

A page is cut into lines; each line gets a class (boilerplate, caption, byline, header,
column label, headline-like, body). Print-column breaks are joined, article starts are
found from the evidence around headline-like lines, and each article's paragraphs are
cleaned (repeated sentences dropped, an out-of-place fragment moved back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import metadata
from .chinese import simplified
from .datafiles import fullmatch_any, patterns, word_set

WS = " \t\u3000\u00a0\u200b\ufeff"
TERMINAL = "。！？!?…；;"
CLOSERS = '”」』’"）)】》'
SENTENCE_PUNCT = set("，,、。；;：:！？!?")
CAPTION = re.compile(r"^[◥◤▲△▼▽]")
BULLET_ITEM = re.compile(r"^[•·‧・●○◆◇▪►▸▶◦]\s*\S")
BULLET = re.compile(r"^[•·‧・●○◆◇▪■□►▸▶◦\-\*\d]{1,3}[\.、\s]?")
WEIBO_HEAD = re.compile(r"^(?:#[^#\n]{1,30}#\s*)*【([^】]{2,120})】(.*)$")
TOPIC_PREFIX = re.compile(r"^(?:#[^#\n]{1,30}#\s*)+")
SUBTITLE = re.compile(r"^[-—－─]{2,}\s*")
# The pause inside a two-phrase crosshead: 闻令而动,吹响“战疫”集结号.
CROSSHEAD_BREAK = re.compile(r"\S[，,、：:\s]+\S")
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
DASHES = re.compile(r"[—－─]\s+[—－─]")
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


@dataclass
class Draft:
    heads: list[Para] = field(default_factory=list)
    labels: list[Para] = field(default_factory=list)
    metas: list[Para] = field(default_factory=list)
    bylines: list[Para] = field(default_factory=list)
    captions: list[Para] = field(default_factory=list)
    body: list[Para] = field(default_factory=list)
    front: list[Para] = field(default_factory=list)  # front-matter lines (metadata, no text)
    moved: list[Para] = field(default_factory=list)
    removed: list[Para] = field(default_factory=list)  # repeated paragraphs, dropped from the text
    repairs: list[str] = field(default_factory=list)
    ended: bool = False  # an end marker (link line, trailing byline, editor) was seen

    def paras(self) -> list[Para]:
        parts = self.front + self.labels + self.heads + self.metas + self.bylines + self.captions
        return parts + self.body + self.removed

    @property
    def fields(self) -> dict:
        """The front matter's fields (title, date, author, source_url …), if it had any."""
        return (self.front[0].front or {}) if self.front else {}

    @property
    def span(self) -> tuple[int, int]:
        moved = {piece for p in self.moved for piece in p.pieces}
        own = [pc for p in self.paras() for pc in p.pieces if pc not in moved]
        return (min(a for a, _ in own), max(b for _, b in own))


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


# ---------------------------------------------------------------- column breaks


def ends_sentence(s: str) -> bool:
    s = s.rstrip()
    if not s:
        return True
    if s[-1] in TERMINAL:
        return True
    return s[-1] in CLOSERS and len(s) > 1 and s[-2] in TERMINAL


def body_like(s: str) -> bool:
    return len(s) >= 20 or any(c in SENTENCE_PUNCT for c in s) or "“" in s


def join_breaks(paras: list[Para], repairs: list[str]) -> list[Para]:
    """Join a paragraph cut by a print-column break (中\\n\\n国交通) to its continuation."""
    out: list[Para] = []
    for p in paras:
        prev = out[-1] if out else None
        tail_only = re.match(r"^[^。！？\s“”]{1,8}[。！？]", p.text) is not None
        if (
            prev is not None
            and prev.kind in ("body", "head")
            and (prev.kind == "body" or tail_only)
            and p.kind in ("body", "head")
            and not ends_sentence(prev.text)
            and body_like(prev.text)
            and (p.kind == "body" or body_like(p.text))
            and not starts_paragraph(p.text)
        ):
            repairs.append(f"joined a column break: …{prev.text[-6:]}|{p.text[:6]}…")
            prev.pieces.extend(p.pieces)
            prev.text += p.text
            prev.kind = "body"
            continue
        if p.kind == "head" and body_like(p.text) and not headline_like(p.text):
            p.kind = "body"
        out.append(p)
    return out


def starts_paragraph(s: str) -> bool:
    """Text that opens a new paragraph rather than continuing a cut one."""
    return bool(
        re.match(
            r"^(?:本报讯|[（(]?\d{1,2}月\d{1,2}日|【|#|■|●|“[^”]{0,80}”[^，,。]{0,12}(?:说|表示|介绍))",
            simplified(s),
        )
    )


# ---------------------------------------------------------------- boundaries


def breaks_crossheads(p: Para, cur: Draft | None) -> bool:
    """A heading unlike the article's own crossheads starts the next article.

    Crossheads of one feature share a shape: two parallel phrases (闻令而动,吹响集结号;
    分秒必争,全面打响攻坚战). After two or more such, a plain headline without that
    break (精神文明之花绽放疫情防控一线) is the next article's title, not a section."""
    if cur is None:
        return False
    heads = [q.text for q in cur.body if q.kind == "head"]
    return (
        len(heads) >= 2
        and all(CROSSHEAD_BREAK.search(h) for h in heads)
        and not CROSSHEAD_BREAK.search(p.text)
        and len(p.text) >= 8
    )


PHOTO_CAPTION = re.compile(r"^(?:图为|图片为|照片为|[上下左右]图[为：:]|图[：:])|\S\s*摄\s*[)）]?$")


def photo_item(text: str) -> bool:
    """A photo's caption (图为……。 本报记者 X 摄): under its own headline it is a news
    item of its own, not a paragraph of the article before it."""
    s = simplified(text)
    return (
        len(s) <= 200
        and PHOTO_CAPTION.search(s) is not None
        and (s.startswith(("图", "照片", "上图", "下图", "左图", "右图")) or "摄" in s[-12:])
    )


PLACE_COLON = re.compile(r"^([\u4e00-\u9fff]{2,10})[：:]\s*\S{4,}")


def place_headline(text: str) -> bool:
    """'义乌：为企业“松绑”', '昭觉县：…': a headline led by a place and a colon opens a
    new article; a feature's crossheads are not written that way."""
    m = PLACE_COLON.match(simplified(text))
    if not m:
        return False
    from .regions import gazetteer

    return m.group(1) in gazetteer().names


def starts_article(
    paras: list[Para], i: int, first: bool, prev_ended: bool, cur: Draft | None = None
) -> int | None:
    """If an article starts at paras[i], return how many heading lines it has."""
    p = paras[i]
    if p.kind != "head" or simplified(p.text) in word_set("stop_titles.txt"):
        return None
    j = i
    while j < len(paras) and paras[j].kind == "head" and j - i < 3:
        j += 1
        if j - i > 1 and SUBTITLE.match(paras[j - 1].text):
            break  # a ——subtitle closes the heading group
    group = paras[i:j]
    nxt = paras[j] if j < len(paras) else None
    evidence = (
        first
        or prev_ended
        or WEIBO_HEAD.match(p.text) is not None  # brackets and dashes read alike in both scripts
        or any(SUBTITLE.match(g.text) for g in group[1:])
        or (nxt is not None and nxt.kind in ("meta", "byline", "caption"))
        or (nxt is not None and NEWS_FLASH.match(simplified(nxt.text)) is not None)
        or (nxt is not None and photo_item(nxt.text))
        or breaks_crossheads(p, cur)
        or place_headline(p.text)
    )
    if not evidence:
        return None
    # Heading lines are at most a kicker, a title and a subtitle.
    return len(group)


def md_heading_group(paras: list[Para], i: int, top: int) -> list[Para] | None:
    """On a Markdown page an article starts at a heading group (kicker ###, title #,
    subtitle ## ——) that holds a heading of the page's title level; lower headings
    alone are crossheads. Returns the group, title first, or None."""
    group = []
    for q in paras[i : i + 3]:
        if q.kind != "head" or not q.level:
            break
        if group and q.level == top and any(g.level == top for g in group):
            break  # the next article's title right after this one's
        group.append(q)
    titles = [q for q in group if q.level == top]
    if not titles:
        return None
    return [titles[0]] + [q for q in group if q is not titles[0]]


def segment_page(paras: list[Para], markdown: bool = False) -> tuple[list[Draft], list[Para]]:
    """Cut a page's paragraphs into article drafts; return them and the dropped paragraphs.

    On a Markdown page (``markdown``) articles start only at front matter and at title-level
    heading groups: the page's own structure, not the look of a line, marks them."""
    drafts: list[Draft] = []
    dropped: list[Para] = []
    cur: Draft | None = None
    pending_labels: list[Para] = []
    top = min((p.level for p in paras if p.kind == "head" and p.level), default=0)
    i = 0
    first = True
    while i < len(paras):
        p = paras[i]
        if markdown and p.kind == "front":
            j = i
            while j < len(paras) and paras[j].kind == "front":
                j += 1
            cur = Draft(front=paras[i:j], labels=pending_labels)
            pending_labels = []
            drafts.append(cur)
            i, first = j, False
            continue
        if markdown and p.kind == "head" and p.level:
            group = md_heading_group(paras, i, top)
            if group:
                fresh = cur is not None and not cur.heads and not cur.body and cur.front
                if not fresh:
                    cur = Draft(labels=pending_labels)
                    drafts.append(cur)
                else:
                    cur.labels += pending_labels
                pending_labels = []
                cur.heads = group
                i += len(group)
                first = False
                continue
        if p.kind == "boiler":
            dropped.append(p)
            if p.reason == "short link" and cur is not None:
                cur.ended = True
            i += 1
            continue
        if p.kind == "label":
            pending_labels.append(p)
            i += 1
            continue
        # Header lines seen, no headline or text yet (a date line above the title).
        fresh = cur is not None and not cur.heads and not cur.body
        n = None
        if not markdown:
            n = starts_article(paras, i, first or fresh, cur is None or cur.ended, cur)
        if n is None and not markdown and pending_labels and p.kind in ("head", "body"):
            # A column label opens a new slot on the page even without a byline.
            n = 1 if p.kind == "head" else 0
        if n is not None:
            if fresh and n:
                cur.labels += pending_labels
            else:
                cur = Draft(labels=pending_labels)
                drafts.append(cur)
            pending_labels = []
            cur.heads = paras[i : i + n]
            i += n
            first = False
            continue
        if pending_labels:
            if cur is None:
                dropped.extend(pending_labels)
            else:
                cur.body.extend(pending_labels)  # a label inside an article is a subhead
            pending_labels = []
        if cur is None:
            # Text before any recognisable headline: a headless article.
            cur = Draft()
            drafts.append(cur)
        first = False
        if p.kind == "meta":
            cur.metas.append(p)
        elif p.kind == "byline":
            cur.bylines.append(p)
            nxt = next((q for q in paras[i + 1 :] if q.kind != "boiler"), None)
            if cur.body and (nxt is None or nxt.kind != "body"):
                cur.ended = True  # a byline after the text closes the article
        elif p.kind == "caption":
            cur.captions.append(p)
        else:
            cur.body.append(p)
            if metadata.trailing_byline(p.text):
                cur.ended = True
        i += 1
    dropped.extend(pending_labels)
    return drafts, dropped


def trim_heading_groups(drafts: list[Draft]) -> None:
    """A heading group longer than kicker+title (+subtitle) hands its first lines back."""
    for k, d in enumerate(drafts):
        if d.heads and d.heads[0].level:
            continue  # a Markdown heading group is what its levels say
        while d.heads and len(d.heads) > (3 if SUBTITLE.match(d.heads[-1].text) else 2):
            extra = d.heads.pop(0)
            if len(extra.text) <= 6 or k == 0:
                extra.kind, extra.reason = "label", "column label"
                d.labels.append(extra)
            else:
                drafts[k - 1].body.append(extra)
        # A short first line above a longer title is the column, not the title.
        if len(d.heads) == 2 and len(d.heads[0].text) <= 6 < len(d.heads[1].text):
            lab = d.heads.pop(0)
            lab.kind, lab.reason = "label", "column label"
            d.labels.append(lab)


# ---------------------------------------------------------------- clean-up

SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+[”」』’]?")


def drop_repeats(d: Draft) -> None:
    """Drop a sentence or paragraph that repeats text just before it verbatim."""
    seen = ""
    for p in d.body:
        if p.text in seen and len(p.text) >= 10:
            d.repairs.append(f"dropped a repeated paragraph: {p.text[:20]}…")
            d.removed.append(p)
            continue
        kept = []
        for s in SENTENCE.findall(p.text) + [SENTENCE.sub("", p.text)]:
            if len(s) >= 12 and s in seen:
                d.repairs.append(f"dropped a repeated sentence: {s[:20]}…")
                continue
            kept.append(s)
            seen += s
        p.text = "".join(kept)
    d.body = [p for p in d.body if p.text and p not in d.removed]


def opens_mid_sentence(s: str) -> bool:
    """A paragraph that starts inside a sentence: a closing quote before any opening one."""
    first_close = min((s.find(c) for c in "”」』" if c in s), default=-1)
    first_open = min((s.find(c) for c in "“「『" if c in s), default=len(s))
    return first_close != -1 and first_close < first_open and first_close < 20


def fold_textless_drafts(drafts: list[Draft]) -> None:
    """Short lines and credits after an article's text with no text of their own (a
    closing exclamation, then 编辑|X, 责编|Y) end that article; they start none."""
    for k in range(len(drafts) - 1, 0, -1):
        d, prev = drafts[k], drafts[k - 1]
        text = sum(len(p.text) for p in d.body)
        if text >= 20 or not prev.body or not (d.bylines or d.metas) or d.front:
            continue
        prev.body += d.labels + d.heads + d.body
        prev.bylines += d.bylines
        prev.metas += d.metas
        prev.captions += d.captions
        prev.ended = True
        del drafts[k]


def reattach_fragments(drafts: list[Draft]) -> None:
    """Move a block pasted out of place back after the unfinished paragraph it continues."""
    for d in drafts:
        for idx, p in enumerate(d.body):
            if idx == 0 or not opens_mid_sentence(p.text):
                continue
            for other in drafts:
                if other is d or not other.body:
                    continue
                last = other.body[-1]
                if ends_sentence(last.text) or last.text.count("“") <= last.text.count("”"):
                    continue
                block = d.body[idx:]
                d.body = d.body[:idx]
                last.pieces.extend(block[0].pieces)
                last.text += block[0].text
                other.moved.extend(block)
                other.body.extend(block[1:])
                other.repairs.append(
                    f"re-attached a fragment pasted out of place ({len(block)} paragraph(s) "
                    f"from chars {block[0].start}–{block[-1].end})"
                )
                break
            else:
                continue
            break


def clean_title(heads: list[Para]) -> tuple[str, str]:
    """(title, subtitle) from a heading group, weibo 【…】 and #topic# forms included."""
    if not heads:
        return "", ""
    first = heads[0].text
    rest = [h.text for h in heads[1:]]
    m = WEIBO_HEAD.match(first)
    if m:
        inside, after = m.group(1).strip(), m.group(2).strip()
        if len(inside) >= 10 or len(after) < 6:
            first = inside
        else:
            first = after
    first = TOPIC_PREFIX.sub("", first).strip()
    first = DASHES.sub("——", first)
    subtitle = ""
    if "——" in first:
        first, _, subtitle = first.partition("——")
        first = first.strip()
        subtitle = subtitle.strip("—－─ ")
    for r in rest:
        r = SUBTITLE.sub("", r).strip().rstrip("—－─ ")
        subtitle = f"{subtitle} {r}".strip() if subtitle else r
    return first, subtitle


def title_from_body(body: str) -> str:
    first = re.split(r"[。！？!?]", body, maxsplit=1)[0]
    first = re.sub(r"^\d{1,2}月\d{1,2}日[,，]?\s*", "", first).strip()
    return first[:30] or " ".join(body.split())[:30]
