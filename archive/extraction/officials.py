"""People named with a role (title chains, organisations) and the quotations they speak."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import jieba
import jieba.posseg

from .datafiles import lines
from .records import PersonRecord, QuoteRecord

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
CLAUSE_BREAK = "，,。；;：:！？!?“”「」()（）《》\n 　"
# Characters that never end a Chinese given name here: verbs and particles right after it.
NOT_IN_NAME = set("的了在是和与及说表称等对向从把被让为将就也还都又所之其着过到")
ORG_LEAD = re.compile(
    r"^(?:作为|由|在|据|曾任|现任|担任|时任|原任|原|前|今年|近日|随后|对此|其中|以及|和|与|及|同时|还有|包括|听取|邀请|聘请|陪同|会见|看望|慰问|走进|来到|采访|找到|见到)+"
)
PRONOUNS = ("他", "她")


@cache
def _titles() -> re.Pattern:
    words = sorted(lines("titles.txt"), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@cache
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    single, compound = set(), set()
    for row in lines("surnames.txt"):
        for s in row.split():
            (compound if len(s) == 2 else single).add(s)
    return frozenset(single), frozenset(compound)


@cache
def _verbs() -> re.Pattern:
    words = sorted(lines("speech_verbs.txt"), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@cache
def _word_tags() -> dict[str, str]:
    """jieba's part-of-speech tag of each dictionary word."""
    jieba.posseg.dt.tokenizer.check_initialized()
    return jieba.posseg.dt.word_tag_tab


@cache
def _followers() -> tuple[str, ...]:
    return tuple(sorted(lines("person_followers.txt"), key=len, reverse=True))


def name_at(text: str, pos: int) -> str | None:
    """The Chinese personal name starting at text[pos], or None."""
    single, compound = _surnames()
    if text[pos : pos + 2] in compound:
        lengths = (3, 4)
    elif text[pos : pos + 1] in single:
        lengths = (2, 3)
    else:
        return None
    # The word jieba starts at pos (its HMM joins unknown names: 徐振涛). A dictionary
    # word keeps its dictionary tag; posseg's own HMM tagging is ten times slower.
    token = next(iter(jieba.cut(text[pos : pos + 8])), "")
    flag = _word_tags().get(token, "x")
    best = None
    for n in lengths:
        cand = text[pos : pos + n]
        if len(cand) < n or not CJK.match(cand) or any(c in NOT_IN_NAME for c in cand[1:]):
            continue
        if token == cand and not flag.startswith("nr") and jieba.dt.FREQ.get(cand):
            continue  # an everyday word (平均, 齐聚), not a name
        after = text[pos + n : pos + n + 4]
        score = 0
        if after.startswith(_followers()) or re.match(r"^[\u4e00-\u9fff]{1,3}地", after):
            score += 2
        elif not after or after[0] in CLAUSE_BREAK + "、":
            score += 2 if n >= 3 else 1
        if score == 0 or _titles().search(cand):
            continue  # nothing after it that can follow a name, or a title word inside
        if token == cand:
            score += 2  # jieba (with its HMM for unknown names) ends a word here too
        if score >= 2 and (
            best is None or score > best[0] or (score == best[0] and n > len(best[1]))
        ):
            best = (score, cand)
    return best[1] if best else None


@dataclass
class Found:
    name: str
    title: str | None
    organization: str | None
    start: int


def find_people(text: str, exclude: set[str] = frozenset()) -> list[Found]:
    """Persons named after a title chain (莘县卫生健康局党组书记、局长徐振涛)."""
    found: list[Found] = []
    titles = _titles()
    for m in titles.finditer(text):
        pos = m.end()
        if text[pos : pos + 1] == "的":
            pos += 1
        name = name_at(text, pos)
        if not name or name in exclude:
            continue
        # A chain never reaches back over the previous person (县委书记张三、县长李四).
        floor = max((f.start + len(f.name) for f in found if f.start < m.start()), default=0)
        title, org = split_chain(text, m.start(), m.end(), floor=floor)
        found.append(Found(name, title, org, pos))
        # 副主席刘玉芳、司马建国、何志强: the names listed after one title share it
        pos += len(name)
        while text[pos : pos + 1] == "、":
            more = name_at(text, pos + 1)
            if not more or more in exclude:
                break
            found.append(Found(more, title, org, pos + 1))
            pos += 1 + len(more)
    # 张三(某某公司董事长) / 张三，某某局局长，
    for m in ROLE_AFTER_NAME.finditer(text):
        inner = m.group(1) or m.group(2)
        t = _role_ending(inner)
        if t is None:
            continue
        for n in (4, 3, 2):
            p = m.start() - n
            cand = text[p : m.start()]
            if p < 0 or name_at(text, p) != cand or cand in exclude:
                continue
            opens_clause = p == 0 or not CJK.match(text[p - 1]) or text[p - 1] in "了对向与和据"
            if m.group(2) and not opens_clause:
                continue  # after a comma the name must open its clause: 李德明，镇党委书记
            title, org = split_chain(inner, t.start(), t.end(), whole=True)
            found.append(Found(cand, title, org, p))
            break
    return found


ROLE_AFTER_NAME = re.compile(
    r"[（(]([^)）]{2,40})[)）]|(?:[，,]|是)([^，,。；;！？!?\n“”「」()（）]{2,40})(?=[，,。；;])"
)


def _role_ending(inner: str) -> re.Match | None:
    """The first title word of a role that ends the text (某某公司董事长), else None."""
    found = list(_titles().finditer(inner))
    if not found or found[-1].end() != len(inner):
        return None
    return found[0]


def split_chain(
    text: str, t_start: int, t_end: int, whole: bool = False, floor: int = 0
) -> tuple[str, str | None]:
    """Split 'organisation + title chain' ending at t_end into (title, organisation)."""
    a = t_start
    limit = 0 if whole else max(floor, t_start - 45)
    while a > limit and text[a - 1] not in CLAUSE_BREAK:
        a -= 1
    segment = text[a:t_end].lstrip("、")
    parts = segment.split("、")
    first = parts[0]
    m = _titles().search(first)
    if m is None:
        return segment, None
    org = ORG_LEAD.sub("", first[: m.start()])
    if "的" in org:
        # 的 as a particle ends a phrase before the organisation (来自…的); inside a word
        # (美的集团) it is part of the name.
        cut = pos = 0
        for word in jieba.cut(org, HMM=False):
            pos += len(word)
            if word == "的":
                cut = pos
        org = org[cut:]
    title = "、".join([first[m.start() :]] + parts[1:])
    party = PARTY_COMMITTEE.search(org)
    if party and len(parts) > 1:
        # 湄潭县委副书记、县长: posts in the county's party committee and government, so
        # the place is the organisation and 县委 belongs to the chain.
        place = org[: party.end() - 1]  # 湄潭县委 -> 湄潭县; a bare 市委 names no place
        org, title = (place if len(place) > 1 else ""), party.group(0) + title
    return title, (org or None)


PARTY_COMMITTEE = re.compile(r"[省市县区州旗盟]委$")


def find_speakers(text: str, exclude: set[str]) -> list[Found]:
    """Names directly followed by a speech verb (李振峰说), for quotes without a title."""
    out = []
    verbs = _verbs()
    for m in verbs.finditer(text):
        for n in (4, 3, 2):
            p = m.start() - n
            if p < 0:
                continue
            cand = text[p : m.start()]
            if (
                name_at(text, p) == cand
                and cand not in exclude
                and p > 0
                and not CJK.match(text[p - 1])
            ):
                out.append(Found(cand, None, None, p))
                break
    return out


QUOTE = re.compile(r"“([^“”]{2,1000})”|「([^「」]{2,1000})」")
SPEECHY = re.compile(r"[，,。！？!?；;]")


def find_quotes(body: str, people: list[Found]) -> list[QuoteRecord]:
    """Direct quotations attributed to their speakers; slogans in quotes are skipped."""
    names = sorted({p.name for p in people}, key=len, reverse=True)
    if not names:
        return []
    name_rx = re.compile("|".join(map(re.escape, names)))
    verbs = _verbs()
    mentions = sorted((m.start(), m.group()) for m in name_rx.finditer(body))
    quotes: list[QuoteRecord] = []

    def last_named(before: int) -> str | None:
        prev = [n for s, n in mentions if s < before]
        return prev[-1] if prev else None

    def by_title(fragment: str) -> str | None:
        # 徐局长说: a surname plus a title word refers to a person already named.
        m = re.match(r"^([\u4e00-\u9fff]{1,2}?)(" + _titles().pattern + ")", fragment)
        if not m:
            return None
        for p in people:
            if p.name.startswith(m.group(1)) and p.title and m.group(2) in p.title:
                return p.name
        return None

    def speaker_in(fragment: str, at: int) -> str | None:
        """Who speaks in fragment (ending at offset ``at``): the last person named, or
        referred to by pronoun or surname+title, right before a speech verb."""
        who = None
        for v in verbs.finditer(fragment):
            pre = fragment[max(0, v.start() - 20) : v.start()]
            pre = re.split(r"[，,；;：:“”「」]", pre)[-1]  # the verb's own clause
            named = [n.group() for n in name_rx.finditer(pre)]
            if named:
                who = named[-1]
            elif pre.startswith(PRONOUNS) or pre.endswith(PRONOUNS):
                who = last_named(at - len(fragment) + v.start()) or who
            else:
                who = by_title(pre) or who
        return who

    for m in QUOTE.finditer(body):
        text = m.group(1) or m.group(2)
        if len(text) < 8 or (len(text) < 16 and not SPEECHY.search(text)):
            continue  # a slogan or term in quotes, not speech (speech has pauses or length)
        speaker = None
        par_start = body.rfind("\n", 0, m.start()) + 1
        before = body[par_start : m.start()]
        sentences = re.split(r"(?<=[。！？!?])", before)
        clause = sentences[-1]
        if re.search(r"(?:" + verbs.pattern + r")\s*[：:]\s*$", clause):
            # X在签约仪式上说：“…”: the colon binds the quote to what comes before it
            speaker = speaker_in(clause, m.start())
        tail = body[m.end() : m.end() + 80]
        tail = re.split(r"[。！？!?\n“]", tail, maxsplit=1)[0]
        if tail.lstrip("，,").startswith(PRONOUNS) and verbs.search(tail[:12]):
            speaker = last_named(m.start())
        if speaker is None:
            for nm in name_rx.finditer(tail):
                rest = tail[nm.end() : nm.end() + 12]
                if nm.start() <= 45 and (
                    verbs.search(rest)
                    or nm.start() <= 30
                    and not re.search(r"[，,]", tail[: nm.start()])
                ):
                    speaker = nm.group()
                    break
        if speaker is None:
            speaker = by_title(tail.lstrip("，, "))
        if speaker is None and clause.strip():
            # 韩立新表示，看中的是……，“项目投产后……”: the sentence's own speaker
            speaker = speaker_in(clause, m.start())
        if speaker is None and not clause.strip() and len(sentences) > 1:
            # 李国梁介绍，……。“我们希望……”: the previous sentence's speaker goes on
            previous = sentences[-2]
            speaker = speaker_in(previous, m.start() - len(clause))
        if speaker is None:
            head = body[max(0, m.start() - 80) : m.start()]
            head_clause = re.split(r"[。！？!?\n]", head)[-1]
            if re.search(r"(?:" + verbs.pattern + r")\s*[：:，,]?\s*$", head_clause):
                named = [n.group() for n in name_rx.finditer(head_clause)]
                if named:
                    speaker = named[-1]
                elif head_clause.strip().startswith(PRONOUNS) or by_title(head_clause.strip()):
                    speaker = by_title(head_clause.strip()) or last_named(m.start())
        if speaker is None and m.start() > 0 and body[m.start() - 1] == "\n":
            prev_par = body[: m.start()].rstrip().rsplit("\n", 1)[-1]
            if re.search(r"(?:" + verbs.pattern + r")\s*[：:]\s*$", prev_par):
                named = [n.group() for n in name_rx.finditer(prev_par)]
                speaker = named[-1] if named else last_named(m.start())
        if speaker:
            quotes.append(
                QuoteRecord(speaker, text, m.start(1) if m.group(1) else m.start(2), m.end() - 1)
            )
    return quotes


def merge_people(found: list[Found]) -> list[PersonRecord]:
    """One record per name: the longest title chain seen, with its organisation."""
    best: dict[str, Found] = {}
    for f in found:
        cur = best.get(f.name)
        if cur is None or (f.title and (not cur.title or len(f.title) > len(cur.title))):
            best[f.name] = Found(
                f.name,
                f.title,
                f.organization or (cur.organization if cur else None),
                min(f.start, cur.start) if cur else f.start,
            )
    return [
        PersonRecord(f.name, f.title, f.organization)
        for f in sorted(best.values(), key=lambda f: f.start)
    ]
