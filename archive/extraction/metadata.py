"""Titles, dates, outlets and bylines: the metadata lines around an article."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from .chinese import simplified
from .datafiles import lines, word_set

CJK = "\u4e00-\u9fff"
NAME = rf"[{CJK}][{CJK}·]{{1,5}}"

# Role words in bylines: whoever follows them wrote, edited or photographed the piece.
ROLE = (
    r"(?:[^\s/／]{0,8}?(?:全媒体|融媒体|新媒体)|[\u4e00-\u9fff]{2,8}?(?:社|报|台|网|中心))?"
    r"(?:本报|本刊|本台|本网|特约|首席|实习|见习|特派)*"
    r"(?:记者|通讯员|实习生|责任编辑|值班编辑|编辑|责编|编审|审核|审校|校对|监制|主编|美编|摄影|摄像|撰文|撰稿|作者|视频|海报|制图|图文|文字|文/图|文图|图|文)"
)
BYLINE_LINE = [
    # ■ 本报记者 X / 本报记者 X 摄 / 文/图 半岛全媒体首席记者 X 通讯员 Y
    re.compile(rf"^[■□●◆▲▌]?\s*(?:{ROLE})\s*[/／|｜:：]?\s*.{{0,60}}$"),
    # 编辑 / X, (作者：X)
    re.compile(rf"^[（(]\s*(?:{ROLE})\s*[:：/／]?\s*.{{1,40}}[)）]$"),
    # ■ 鞠圣娇 / □ 严维佳: a bare name after a box marker
    re.compile(rf"^[■□]\s*{NAME}(?:\s+{NAME}){{0,2}}$"),
]
ROLE_TOKEN = re.compile(rf"^{ROLE}$")
NAME_TOKEN = re.compile(rf"^[{CJK}][{CJK}·]{{1,11}}$")
DATELINE = re.compile(
    rf"^(?:本报讯|本台讯|本网讯|【[^】]{{2,20}}讯】|[{CJK}]{{2,16}}讯|[{CJK}]{{2,12}}\d{{1,2}}月\d{{1,2}}日电)"
    rf"\s*(?:[（(]([^)）]{{2,50}})[)）]"
    rf"|((?:本报|本刊)?(?:记者|通讯员)[^，,。]{{2,40}}?报道))"
)
REPORTED = re.compile(rf"(?:本报)?(?:记者|通讯员)\s*({NAME}?)(?:\s+|、)?(?=报道|摄)")
TRAILING_BYLINE = re.compile(
    rf"(?<=[。！？!?”])\s*((?:本报|本刊)?(?:记者|通讯员|摄影)\s*{NAME}(?:[\s、]+{NAME}){{0,3}}\s*(?:摄|报道)?)\s*$"
)
TITLE_SPAM_SPLIT = re.compile(r"\s*(?:-|_|\||｜|–|—(?!—))\s*(?P<suffix>[^-_|｜–—]{2,24})\s*$")
META_LINE = re.compile(
    r"^(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<t>\d{1,2}:\d{2}(?::\d{2})?))?\s*(?P<rest>.*)$"
)
MONTH_DAY = re.compile(r"(?<![\d年])(?P<m>1[0-2]|0?[1-9])月(?P<d>3[01]|[12]\d|0?[1-9])日")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年|-\d{1,2}-)")
COMPLETED_YEAR = re.compile(r"去年|截至((?:19|20)\d{2})年(?:年底|底|末)|((?:19|20)\d{2})年全年")


# Print papers pad a two-character name to the width of three: 王  林, 李  明.
PADDED_NAME = re.compile(rf"(?<![{CJK}])([{CJK}])[ \u3000\u00a0]{{1,3}}([{CJK}])(?![{CJK}])")
# 本报记者  张建国  王  林《某某日报》（2025年05月13日第 01 版）: credit, paper and edition
# in one line.
PRESS_LINE = re.compile(
    r"^(?P<credit>[^《》。，]{0,60}?)\s*《\s*(?P<paper>[^《》]{2,24}?)\s*》\s*"
    r"[（(]\s*(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"\s*(?:第?\s*[0-9０-９A-Za-z]{1,4}\s*版)?\s*[）)]\s*$"
)
# A credit in brackets on a line of its own after the text: （刘海峰）, （本报记者X整理）,
# （张建国  李  明）.
PAREN_CREDIT = re.compile(r"^[（(]\s*([^()（）]{2,40}?)\s*[)）]$")
CREDIT_TAIL = re.compile(r"(?:整理|报道|采写|供稿|摄影?|撰文)$")


def unpad_names(text: str) -> str:
    """王  林 -> 王林: join the padding a print layout puts inside two-character names."""
    return PADDED_NAME.sub(r"\1\2", text)


def press_line(line: str) -> dict | None:
    """'本报记者  张建国  王  林《某某日报》（2025年05月13日第 01 版）' -> names, paper, date."""
    m = PRESS_LINE.match(simplified(line.strip()))
    if not m:
        return None
    published = _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if not published:
        return None
    credit = m.group("credit").strip()
    names = byline_names(unpad_names(credit)) if credit else []
    return {"names": names, "source": m.group("paper").strip(), "published": published}


def paren_credit(line: str) -> list[str]:
    """Names of a bracketed credit line (（刘海峰）, （本报记者陈立整理）), else []."""
    m = PAREN_CREDIT.match(simplified(line.strip()))
    if not m:
        return []
    inner = unpad_names(m.group(1))
    tokens = [CREDIT_TAIL.sub("", t) for t in re.split(r"[\s、，,]+", inner) if t]
    names: list[str] = []
    for token in tokens:
        role = re.match(rf"^(?:{ROLE})", token)
        if role and ROLE_TOKEN.match(token):
            continue
        name = token[role.end() :] if role else token
        if not (NAME_TOKEN.match(name) and len(name) <= 4 and name[0] in _surname_chars()):
            return []  # （点击看大图）, （完）, （作者为…）: not a list of names
        names.append(name)
    return names


def _name_like(token: str) -> bool:
    """A credited name is no outlet (新华社, 某某日报, 客户端); a transcribed name with a
    middle dot (阿依古丽·买买提) always counts."""
    return "·" in token or not re.search("[社报台网]$|^客户端|^融媒", token)


@cache
def _surname_chars() -> frozenset[str]:
    return frozenset(s[0] for row in word_set("surnames.txt") for s in row.split())


def is_byline(line: str) -> bool:
    s = simplified(line.strip())
    if len(s) > 70 or "。" in s or "，" in s:
        return False
    if not any(p.match(s) for p in BYLINE_LINE) and not _names_around_role(s):
        return False
    return bool(byline_names(s))


def _names_around_role(s: str) -> bool:
    """'王林 李明 本报记者 张建国': correspondents' names before the reporter's role."""
    tokens = unpad_names(s).split()
    if not 2 <= len(tokens) <= 8:
        return False
    roles = [t for t in tokens if ROLE_TOKEN.match(t)]
    names = [t for t in tokens if t not in roles]
    return bool(roles) and all(
        2 <= len(t) <= 4 and NAME_TOKEN.match(t) and t[0] in _surname_chars() for t in names
    )


def byline_names(text: str) -> list[str]:
    """Names of the people credited in a byline (reporters, editors, photographers)."""
    s = re.sub(r"[■□●◆▲▌()（）]", " ", unpad_names(simplified(text)))
    s = re.sub(r"\s*[/／|｜:：]\s*", " ", s)
    names: list[str] = []
    for m in REPORTED.finditer(s):
        if m.group(1):
            names.append(m.group(1))
    s = REPORTED.sub(" ", s)
    s = re.sub(r"(报道|摄)\s*$", "", s.strip())
    for token in re.split(r"[\s、，,]+", s):
        token = re.sub(r"(报道|摄)$", "", token)
        if not token:
            continue
        if ROLE_TOKEN.match(token):
            continue
        # "记者李波" written without a space
        m = re.match(rf"^(?:{ROLE})({NAME})$", token)
        if m and len(m.group(1)) <= 4:
            names.append(m.group(1))
            continue
        longest = 10 if "·" in token else 4
        if NAME_TOKEN.match(token) and len(token.replace("·", "")) <= longest and _name_like(token):
            names.append(token)
    return _unique(names)


def dateline_names(paragraph: str) -> list[str]:
    """Authors in a dateline such as 本报讯(记者 尹腾淑) or 本报讯 记者刘家伟报道."""
    m = DATELINE.match(simplified(paragraph))
    if not m:
        return []
    return byline_names(m.group(1) or m.group(2))


def trailing_byline(paragraph: str) -> tuple[str, list[str]] | None:
    """A byline glued to the end of a paragraph (…减排。本报记者 杨丽娟): (byline, names)."""
    m = TRAILING_BYLINE.search(simplified(paragraph))
    if not m:
        return None
    byline = paragraph[m.start(1) : m.end(1)]  # as written (simplified() keeps offsets)
    names = byline_names(byline)
    return (byline, names) if names else None


def parse_meta_line(line: str) -> dict | None:
    """A header line like '2022-12-31 08:19 大众报业·半岛网-半岛都市报阅读 (31357)'."""
    line = simplified(line)
    m = META_LINE.match(line.strip())
    if not m:
        return _labelled_meta_line(line.strip())
    rest = m.group("rest")
    if len(rest) > 60 or "。" in rest:
        return None
    published = _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if not published:
        return None
    source = re.sub(r"(阅读|浏览|点击|评论)\s*[:：]?\s*[(（]?\s*\d+\s*[)）]?", " ", rest)
    source = re.sub(r"(来源|来自|出处)\s*[:：]", " ", source)
    source = re.sub(r"(作者|编辑|责任编辑)\s*[:：].*$", "", source)
    source = source.strip(" |｜·-—")
    return {"published": published, "source": source or None}


META_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
META_KEYS = re.compile(r"来源|發布|发布|日期|时间|阅读|浏览|点击|点赞|评论|字体|字号|作者|编辑")
SOURCE_LABEL = re.compile(r"(?:信息)?(?:来源|出处)\s*[:：]\s*([^\s|｜【\[]{2,30})")


def _labelled_meta_line(line: str) -> dict | None:
    """'信息来源：义乌市融媒体中心  发布日期：2023-10-25  浏览次数：3287' or
    '兰考县融媒体中心 | 兰考新闻  2024-01-09  阅读 1.3万': a date among page labels."""
    m = META_DATE.search(line)
    if not m or len(line) > 100 or "。" in line or "，" in line or not META_KEYS.search(line):
        return None
    published = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not published:
        return None
    label = SOURCE_LABEL.search(line)
    if label:
        source = label.group(1)
    else:
        before = re.split(r"\s*[|｜]\s*|\s{2,}", line[: m.start()].strip())[0]
        source = re.sub(
            r"(?:(?:发布|发稿|更新|出版)?(?:日期|时间)|发布)\s*[:：]?$", "", before
        ).strip(" ·-—:：")
    return {"published": published, "source": source or None}


@cache
def _header_labels() -> tuple[re.Pattern, dict[str, str]]:
    roles: dict[str, list[str]] = {}
    for row in lines("header_labels.tsv"):
        role, rx = row.split("\t", 1)
        roles.setdefault(role, []).append(rx)
    groups = "|".join(f"(?P<{role}>{'|'.join(rxs)})" for role, rxs in roles.items())
    return re.compile(rf"(?:^|(?<=\s)|(?<=[|｜【\[]))(?:{groups})\s*([:：|｜])\s*"), roles


ROC_DATE = re.compile(r"(?<!\d)(1[0-4]\d|[4-9]\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$")


def header_fields(line: str) -> dict | None:
    """A header or footer line made of labelled values (发稿时间：114年6月12日 09:15,
    发稿人：X, 责任编辑：X 审核：Y, 来源：X): {published, source, authors}, or None when
    the line holds anything else. Dates of the Republic of China calendar (114年) count."""
    s = simplified(line.strip())
    if len(s) > 120 or "。" in s:
        return None
    if s[:1] in "(（[［【" and s[-1:] in ")）]］】":
        s = s[1:-1].strip()
    if URL_LINE.match(s):
        return {"published": None, "source": None, "authors": [], "url": s}
    rx, _ = _header_labels()
    # 编辑|X, 来源｜Y: a bar after a label reads as a colon at the start of a line only.
    found = [m for m in rx.finditer(s) if m.start() == 0 or m.group(m.lastindex) in ":："]
    if not found or s[: found[0].start()].strip(" 【[|｜"):
        return None  # the line must open with a label
    out: dict = {"published": None, "source": None, "authors": [], "url": None}
    for k, m in enumerate(found):
        value = s[m.end() : found[k + 1].start() if k + 1 < len(found) else len(s)]
        value = value.strip(" |｜】]　")
        role = _role_of(m)
        if role == "date":
            out["published"] = out["published"] or normalize_date(value) or _roc_date(value)
        elif role == "source" and value:
            out["source"] = out["source"] or re.split(r"\s{2,}|\s*[|｜]\s*", value)[0]
        elif role in ("author", "editor"):
            out["authors"] += byline_names(value)
    if not (out["published"] or out["source"] or out["authors"]):
        # Only unit and counter labels (发稿单位：…, 阅读：3287) say nothing of the text, but
        # are still header lines; a text line that opens with 文： is not.
        if not all(_role_of(m) in ("unit", "count") for m in found):
            return None
    return out


def _role_of(label: re.Match) -> str:
    return next(role for role, text in label.groupdict().items() if text)


def _roc_date(value: str) -> str | None:
    m = ROC_DATE.search(value)
    return _iso(int(m.group(1)) + 1911, int(m.group(2)), int(m.group(3))) if m else None


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def normalize_date(value: str | None) -> str | None:
    """Any of 2022-12-31, 2022/12/31, 2022年12月31日, 2022-12-31T08:00 -> ISO date or None."""
    if not value:
        return None
    m = re.search(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value)
    return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def page_year(text: str) -> int | None:
    """The year a page was most likely written in, from the years it mentions."""
    years = [int(y) for y in YEAR.findall(text) if 1990 <= int(y) <= date.today().year + 1]
    return max(years) if years else None


def infer_date(lead: str, page_text: str, year: int | None) -> str | None:
    """Date from 'X月X日' near the start of an article, with the year inferred from the page.

    A page written early in a year talks about the year before as finished ("去年",
    "截至2021年年底"), so a January–March date after such talk belongs to the next year.
    """
    full = META_DATE.search(lead)  # 本报讯 记者X报道 2023年1月1日，…: the year is given
    if full:
        found = _iso(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        if found:
            return found
    m = MONTH_DAY.search(lead)
    if not m or year is None:
        return None
    month, day = int(m.group("m")), int(m.group("d"))
    if month <= 3 and COMPLETED_YEAR.search(page_text):
        year += 1
    return _iso(year, month, day)


def strip_title_spam(title: str, body: str) -> tuple[str, str | None]:
    """Remove an SEO suffix glued to a headline after its last dash/bar.

    The suffix goes when it carries spam words (官方, 旗舰, 娱乐, app …) or shares no
    two-character word with the article body; a real subtitle always does.
    """
    removed: list[str] = []
    while True:
        m = TITLE_SPAM_SPLIT.search(title)
        if m and len(title[: m.start()].strip()) >= 4:
            suffix = m.group("suffix").strip()
            bigrams = {suffix[i : i + 2] for i in range(len(suffix) - 1)}
            related = any(bg in body for bg in bigrams if re.fullmatch(f"[{CJK}]{{2}}", bg))
            if is_spam(suffix) or not related or SITE_SUFFIX.match(simplified(suffix)):
                title = title[: m.start()].strip()
                removed.insert(0, suffix)
                continue
        title, tail = spam_tail(title)
        if not tail:
            break
        removed.insert(0, tail)
    return title, (" ".join(removed) or None)


def is_spam(text: str) -> bool:
    low = simplified(text).lower()
    return any(w.lower() in low for w in word_set("title_spam.txt"))


SEPARATOR = re.compile(r"[-_|｜–—]")
# An outlet's name after the last bar of a page title: … | 大公文汇网, … - 人民网
SITE_SUFFIX = re.compile(
    r"^[\u4e00-\u9fffA-Za-z]{2,12}(?:网|网站|日报|晚报|都市报|频道|客户端|在线|融媒)$"
)


def spam_tail(title: str) -> tuple[str, str | None]:
    """Space-separated spam words glued after a headline (… 批发网 一手货源 加微信)."""
    chunks = title.split()
    keep = len(chunks)
    while keep > 1 and is_spam(chunks[keep - 1]) and not SEPARATOR.search(chunks[keep - 1]):
        keep -= 1
    if keep == len(chunks) or len("".join(chunks[:keep])) < 6:
        return title, None
    cut = title.rfind(chunks[keep - 1]) + len(chunks[keep - 1])
    return title[:cut].rstrip(), title[cut:].strip()


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
