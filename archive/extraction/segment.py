"""Page -> articles: column-break repair, article boundaries, clean-up.

The page's lines come classified from ``paragraphs.py``. Print-column breaks are joined,
article starts are found from the evidence around headline-like lines, and each article's
paragraphs are cleaned (repeated sentences dropped, an out-of-place fragment moved back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import metadata
from .chinese import simplified
from .datafiles import word_set
from .paragraphs import NEWS_FLASH, TOPIC_PREFIX, WEIBO_HEAD, Para, headline_like

TERMINAL = "。！？!?…；;"
CLOSERS = '”」』’"）)】》'
SENTENCE_PUNCT = set("，,、。；;：:！？!?")
SUBTITLE = re.compile(r"^[-—－─]{2,}\s*")
# The pause inside a two-phrase crosshead: 闻令而动,吹响“战疫”集结号.
CROSSHEAD_BREAK = re.compile(r"\S[，,、：:\s]+\S")
DASHES = re.compile(r"[—－─]\s+[—－─]")


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
