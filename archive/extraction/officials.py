"""People named with a role: names, title chains and organisations (quotations and their
speakers are in ``quotes.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import jieba
import jieba.posseg

from .datafiles import lines
from .records import PersonRecord, QuoteRecord
from .words import dictionary_cut, hmm_cut

CJK = re.compile(r"^[\u4e00-\u9fff]+$")
CLAUSE_BREAK = "，,。；;：:！？!?“”「」()（）《》\n 　"
# Characters that never end a Chinese given name here: verbs and particles right after it.
NOT_IN_NAME = set("的了在是和与及说表称等对向从把被让为将就也还都又所之其着过到")
ORG_LEAD = re.compile(
    r"^(?:作为|由|让|使|令|被|把|给|在|据|曾任|现任|担任|时任|原任|原|前|今年|近日|随后|对此|其中|以及|和|与|及|同时|还有|包括|听取|邀请|聘请|陪同|会见|看望|慰问|走进|来到|采访|找到|见到)+"
)
PRONOUNS = ("他", "她")


@cache
def _titles() -> re.Pattern:
    """Title words and role descriptors that can stand right before a name."""
    roles = {w for row in lines("person_roles.txt") for w in row.split()}
    words = sorted(set(lines("titles.txt")) | roles, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@cache
def _organisation_ends() -> tuple[str, ...]:
    return tuple(w for row in lines("organisation_ends.txt") for w in row.split())


@cache
def _address_terms() -> frozenset[str]:
    return frozenset(w for row in lines("address_terms.txt") for w in row.split())


@cache
def _official_titles() -> re.Pattern:
    """Title words only: a role written after a name (李德明，镇党委书记) is a post."""
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


def name_at(text: str, pos: int, strong: bool = False) -> str | None:
    """The Chinese personal name starting at text[pos], or None.

    ``strong``: a title or role word ends right before pos (村民罗建国), so a name is
    expected there and weaker evidence of where it ends is enough.
    """
    single, compound = _surnames()
    if text[pos : pos + 2] in compound:
        lengths = (3, 4)
    elif text[pos : pos + 1] in single:
        lengths = (2, 3)
    else:
        return None
    # The word jieba starts at pos (its HMM joins unknown names: 徐振涛). A dictionary
    # word keeps its dictionary tag; posseg's own HMM tagging is ten times slower.
    token = next(iter(hmm_cut(text[pos : pos + 8])), "")
    flag = _word_tags().get(token, "x")
    # The tagger (jieba's posseg HMM) is slow: it is asked only where the rules need it.
    asked: list[str | None] = []

    def tagged() -> str | None:
        if not asked:
            # Nor where an everyday word starts (高度重视, 同时): no name begins there.
            ask = strong and not _everyday_word(token)
            asked.append(_tagged_name(text, pos) if ask else None)
        return asked[0]

    best = None
    valid = []
    for n in lengths:
        cand = text[pos : pos + n]
        if len(cand) < n or not CJK.match(cand) or ANONYMISED in cand or _titles().search(cand):
            continue  # 罗某, 张某某: anonymised; or a title word inside
        if cand[1:] in _address_terms() or cand[2:] in _address_terms():
            continue  # 王先生, 杜大叔: a surname and a form of address name nobody
        after = text[pos + n : pos + n + 4]
        spoken = bool(_verbs().match(after))
        if any(c in NOT_IN_NAME for c in cand[1:]) and not (
            n == 3
            and cand[2] not in NOT_IN_NAME
            and (spoken or strong and (_one_word(cand[1:]) or tagged() == cand))
        ):
            # A particle ends the name, unless the tagger reads it whole (阙志远), a speech
            # verb follows a three-character name (刘为国说) or the given name is one word.
            continue
        everyday = token == cand and not flag.startswith("nr") and jieba.dt.FREQ.get(cand)
        if everyday and not (strong and flag in PLACE_LIKE_TAGS):
            continue  # an everyday word (平均, 齐聚), not a name
        if not everyday:
            valid.append(cand)
        score = 0
        if after.startswith(_followers()) or re.match(r"^[\u4e00-\u9fff]{1,3}地", after):
            # After a title, a follower that jieba reads inside a longer word (应引以为戒:
            # 为 of 引以为戒) ends no name, unless it is a speech verb (王某学说 -> 说).
            if not strong or spoken or _ends_word(text, pos, n) or tagged() == cand:
                score += 2
        elif (not after or after[0] in CLAUSE_BREAK + "、") and not everyday:
            score += 2 if n >= 3 else 1
        if strong and score and not (spoken or _ends_word(text, pos, n) or tagged() == cand):
            score = 0  # 大学生全覆盖: a verb read inside the given name, no name
        if score == 0:
            continue  # nothing after it that can follow a name
        if token == cand:
            score += 2  # jieba (with its HMM for unknown names) ends a word here too
        if score >= 2 and (
            best is None or score > best[0] or (score == best[0] and n > len(best[1]))
        ):
            best = (score, cand)
    if best is None and strong and _rare_name_word(text, pos, token):
        return token  # 村党支部书记扎西拉住: a rare place word after a title, then a verb
    if best is None and strong and valid and token == valid[-1] and _given(token):
        return token  # jieba's HMM reads the whole name as one word (杨某华), no tagger
    name = tagged() if best is None and strong and valid else None
    if name in valid:
        # After a title, the tagger's reading of a name decides its end; a two-character
        # reading (齐聚) only when the text names it again.
        if len(name) >= 3 or text.count(name) >= 2:
            return name
        if name not in jieba.dt.FREQ and _ends_word(text, pos, 2):
            return name  # no word of the dictionary, nor the start of one (齐聚一堂)
    if best is None and strong and valid and name is None and not _everyday_word(token):
        # After a title a name is expected; without other evidence take the commonest
        # length (three characters; four with a compound surname) if it ends a word.
        cand = valid[-1]
        if len(cand) == lengths[-1] and _ends_word(text, pos, len(cand)) and _given(cand):
            return cand
    return best[1] if best else None


def _rare_name_word(text: str, pos: int, token: str) -> bool:
    """Whether the word at pos is a rare place name of the dictionary that is also a name
    (扎西), followed by a verb: after a title that is a person doing something."""
    if not 2 <= len(token) <= 3 or _word_tags().get(token, "x") != "ns":
        return False
    if jieba.dt.FREQ.get(token, 0) >= RARE_WORD_FREQ or not text.startswith(token, pos):
        return False
    after = next(iter(hmm_cut(text[pos + len(token) : pos + len(token) + 4])), "")
    return _word_tags().get(after, "x") == "v"


# Below this jieba frequency a place-like word after a title may be a name (a word seen 130 times).
RARE_WORD_FREQ = 300


def _given(cand: str) -> bool:
    """Whether what follows the surname can be a given name: no common word of the
    dictionary other than a name or a place (应牢固: 牢固; 何通海: 通海 is a place)."""
    for word in dictionary_cut(cand[1:]):
        tag = _word_tags().get(word, "x")
        if len(word) > 1 and jieba.dt.FREQ.get(word, 0) >= 300 and tag[:2] not in NAME_TAGS:
            return False
    return True


NAME_TAGS = frozenset({"nr", "ns", "nz"})


def _one_word(given: str) -> bool:
    """Whether jieba reads a given name as one word (向东, 为民: a particle inside a word)."""
    return next(iter(dictionary_cut(given)), "") == given


def _ends_word(text: str, pos: int, n: int) -> bool:
    """Whether jieba cuts text at pos + n and reads no everyday verb or adjective in the
    given name (常聚集, 应引以为戒, 把准方向 are no names)."""
    at = pos
    for word in hmm_cut(text[pos : pos + n + 6]):
        if at > pos and at < pos + n and len(word) > 1:
            common = jieba.dt.FREQ.get(word, 0) >= COMMON_WORD_FREQ
            if common and _word_tags().get(word, "x")[:1] in EVERYDAY_TAGS:
                return False  # 覆盖, 聚集; a rarer word is a given name too (立新, 为民)
        at += len(word)
        if at >= pos + n:
            return at == pos + n
    return False


ANONYMISED = "某"
ADDRESSEE_MARKS = set("跟对向给和与同替")
PLACE_ENDS = tuple("村镇乡县区市州省庄屯寨湖山河")
# jieba's frequency above which a verb or adjective is an everyday word, not a given name.
COMMON_WORD_FREQ = 1000
# Tags of such words (first letter): verb, adjective, adverb, conjunction, preposition,
# particle, numeral, pronoun.
EVERYDAY_TAGS = "vadcpumr"
# Dictionary tags of words that are also people's names (黄海, 扎西) after a title.
PLACE_LIKE_TAGS = frozenset({"ns", "nz", "nt"})


def _everyday_word(token: str) -> bool:
    """Whether a word is an everyday dictionary word (于是, 同时), where no name is guessed."""
    tag = _word_tags().get(token, "x")
    return len(token) >= 2 and bool(jieba.dt.FREQ.get(token)) and not tag.startswith("nr")


def _tagged_name(text: str, pos: int) -> str | None:
    """The personal name (nr) jieba's part-of-speech tagger reads at text[pos], if any."""
    return _tagged_window(text[pos : pos + 6])


@lru_cache(maxsize=4096)
def _tagged_window(window: str) -> str | None:
    # posseg's HMM costs about a millisecond a call (jieba.cut: a twentieth of that), so it
    # reads six characters: a name of up to four and what follows it.
    for word, tag in jieba.posseg.cut(window):
        return word if tag.startswith("nr") and 2 <= len(word) <= 4 else None
    return None


@dataclass
class Found:
    name: str
    title: str | None
    organization: str | None
    start: int


class _Span:
    """A title's place in the text (the part of re.Match that find_people reads)."""

    def __init__(self, start: int, end: int):
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def _title_spans(text: str) -> list:
    """Title words of the lists, and roles the lists lack that jieba reads as one word
    ending in 员 or 师 right before a surname (专管员, 护林员, 总工艺师)."""
    spans = list(_titles().finditer(text))
    taken = {m.end() for m in spans}
    single, compound = _surnames()
    for m in ROLE_SUFFIX.finditer(text):
        end = m.end()
        if end in taken or not (text[end : end + 1] in single or text[end : end + 2] in compound):
            continue
        at, window, prev = max(0, end - 6), None, ""
        for word in hmm_cut(text[at : end + 4]):
            if at + len(word) == end:
                # 副总/师: a lone 师 or 员 ends the word before it
                window = prev + word if len(word) == 1 and len(prev) <= 3 else word
            prev = word
            at += len(word)
            if at >= end:
                break
        if window and len(window) >= 2 and CJK.match(window):
            spans.append(_Span(end - len(window), end))
    return sorted(spans, key=lambda m: m.start())


ROLE_SUFFIX = re.compile(r"[员师]")


def find_people(text: str, exclude: set[str] = frozenset()) -> list[Found]:
    """Persons named with a role: after a title chain or a descriptor (莘县卫生健康局党组书记、
    局长徐振涛, 种茶大户杨某), before a title (习近平总书记), or with the role after the name
    (李德明，镇党委书记; 王某（某公司总经理）; 赵某当选业委会主任)."""
    found: list[Found] = []
    for m in _title_spans(text):
        pos = m.end()
        if text[pos : pos + 1] in TITLE_OF_BODY:
            continue  # 常委会, 主席台, 主席团: a body or a place, not the title
        if text[pos : pos + 1] in ("的", "”", "」"):
            pos += 1  # 负责的李某, “一村一名大学生”余某
        note = NOTE_AFTER_TITLE.match(text, pos)
        if note:
            pos = note.end()  # 副局长（挂职）胡某
        name = name_at(text, pos, strong=True)
        if not name or name in exclude:
            continue
        # A chain never reaches back over the previous person (县委书记张三、县长李四).
        floor = max((f.start + len(f.name) for f in found if f.start < m.start()), default=0)
        title, org = split_chain(text, m.start(), m.end(), floor=floor)
        found.append(Found(name, title, org, pos))
        # 副主席刘玉芳、司马建国、何志强: the names listed after one title share it
        pos += len(name)
        while text[pos : pos + 1] == "、":
            more = name_at(text, pos + 1, strong=True)
            if not more or more in exclude:
                break
            found.append(Found(more, title, org, pos + 1))
            pos += 1 + len(more)
    # 习近平总书记指出, 对此，黄某某市长: a name opening its clause, a title right after it
    for m in _official_titles().finditer(text):
        for n in (4, 3, 2):
            p = m.start() - n
            cand = text[p : m.start()]
            if p < 0 or cand in exclude or (p > 0 and CJK.match(text[p - 1])):
                continue
            if cand.endswith(_organisation_ends() + PLACE_ENDS):
                continue  # 骆象村党支部书记, 宣传部部长: a body before its title
            if name_at(text[: m.start()], p) == cand and _tagged_name(text, p) == cand:
                found.append(Found(cand, m.group(), None, p))
                break
    # 张三(某某公司董事长) / 张三，某某局局长，
    after_name = list(ROLE_AFTER_NAME.finditer(text)) + list(ROLE_VERB_AFTER_NAME.finditer(text))
    for m in after_name:
        inner = m.group(1) or m.group(2)
        # X作为老党员, X当选业委会主任: a descriptor counts after these verbs too
        t = _role_ending(inner, descriptors=m.re is ROLE_VERB_AFTER_NAME)
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
    return [_whole_name(text, f) for f in found]


def _whole_name(text: str, f: Found) -> Found:
    """陈箐 -> 陈箐怡: a two-character name that the text always writes with the same third
    character after it (twice or more) is that three-character name cut short."""
    if len(f.name) != 2:
        return f
    ends = [m.end() for m in re.finditer(re.escape(f.name), text)]
    nexts = {text[e : e + 1] for e in ends}
    if len(ends) < 2 or len(nexts) != 1 or text.startswith(_followers(), ends[0]):
        return f
    longer = f.name + nexts.pop()
    if not CJK.match(longer) or longer[-1] in NOT_IN_NAME or _titles().search(longer):
        return f
    return Found(longer, f.title, f.organization, f.start)


ROLE_AFTER_NAME = re.compile(
    r"[（(]([^)）]{2,40})[)）]|(?:[，,]|是)([^，,。；;！？!?\n“”「」()（）]{2,40})(?=[，,。；;])"
)
ROLE_VERB_AFTER_NAME = re.compile(
    r"(?:作为|身为|担任|出任|(?:全票|高票)?当选为?)()([^，,。；;！？!?\n“”「」()（）]{2,30})(?=[，,。；;])"
)


def _role_ending(inner: str, descriptors: bool = False) -> re.Match | None:
    """The first title word of a role that ends the text (某某公司董事长), else None."""
    found = list((_titles() if descriptors else _official_titles()).finditer(inner))
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
    # The chain starts at its first post; a descriptor inside a body's name (退役军人事务局)
    # starts it only when the chain holds no post (种茶大户).
    m = None
    for rx in (_official_titles(), _titles()):
        m = next(
            (t for t in rx.finditer(first) if first[t.end() : t.end() + 1] not in TITLE_OF_BODY),
            None,
        )
        if m:
            break
    if m is None:
        # A role the lists lack (工作人员): the body named before it is the organisation.
        cut = _last_body_end(first)
        org = ORG_LEAD.sub("", first[:cut])
        return "、".join([first[cut:]] + parts[1:]), (org or None)
    org = ORG_LEAD.sub("", first[: m.start()])
    if "的" in org:
        # 的 as a particle ends a phrase before the organisation (来自…的); inside a word
        # (美的集团) it is part of the name.
        cut = pos = 0
        for word in dictionary_cut(org):
            pos += len(word)
            if word == "的":
                cut = pos
        org = org[cut:]
    title = "、".join([first[m.start() :]] + parts[1:])
    if org and not org.endswith(_organisation_ends()):
        # 种茶大户, 行政院长, 南光中学体卫组长: what follows the last body named is part of
        # the title as written; a long run with no body in it is no organisation.
        cut = _last_body_end(org)
        rest = org[cut:]
        if len(rest) <= 4 and not any(
            tag[:1] in "rupc" for _, tag in jieba.posseg.cut(rest, HMM=False)
        ):
            title, org = rest + title, org[:cut]  # not 他请教了 + 专家: a clause, no title
        else:
            org = org[:cut]
    organ = PARTY_ORGAN.search(org)
    if organ and organ.start() > 0:
        # 小岗村党支部副书记: the party branch's post, in the village
        org, title = org[: organ.start()], organ.group(0) + title
    if org in _generic_units():
        org, title = "", org + title  # 社区党委书记: no body named, the unit is the title's
    party = PARTY_COMMITTEE.search(org)
    if party:
        # 湄潭县委副书记、县长, 江口县委书记: posts in the county's party committee, so the
        # place is the organisation and 县委 belongs to the chain as written.
        place = org[: party.end() - 1]  # 湄潭县委 -> 湄潭县; a bare 市委 names no place
        org, title = (place if len(place) > 1 else ""), party.group(0) + title
    elif len(org) == 1 and org in LEVEL_WORDS:
        org, title = "", org + title  # 镇党委书记, 村主任: a level, not a body
    return title, (org or None)


LEVEL_WORDS = set("省市县区州镇乡村街")


# A title word followed by one of these names a body or a place (常委会, 主席台, 主席团).
TITLE_OF_BODY = set("会台团")
NOTE_AFTER_TITLE = re.compile(r"[（(][\u4e00-\u9fff]{1,4}[)）]")


def _last_body_end(text: str) -> int:
    """Where the last body named in text ends, at a word's end (组 of 组织 ends none)."""
    bounds, at = set(), 0
    for word in hmm_cut(text):
        at += len(word)
        bounds.add(at)
    return max((e for e in bounds if text[:e].endswith(_organisation_ends())), default=0)


PARTY_COMMITTEE = re.compile(r"[省市县区州旗盟]委$")
PARTY_ORGAN = re.compile(r"(?:联合)?(?:党支部|党总支|党委|党工委|党组|支部|总支)$")


@cache
def _generic_units() -> frozenset[str]:
    return frozenset(w for row in lines("generic_units.txt") for w in row.split())


def as_printed(
    people: list[PersonRecord], quotes: list[QuoteRecord], text: str, printed: str, body_at: int
) -> None:
    """Names, chains and quotations as the page prints them (陳建華, not 陈建华): they were
    found in the simplified copy ``text`` of ``printed``, character for character, so the
    same offsets hold; ``body_at``: where the body (the quotes' offsets) starts in text."""
    if len(text) != len(printed) or text == printed:
        return

    def of(found: str | None) -> str | None:
        at = text.find(found) if found else -1
        return printed[at : at + len(found)] if at >= 0 else found

    for p in people:
        p.name, p.title, p.organization = of(p.name), of(p.title), of(p.organization)
    for q in quotes:
        at = body_at + q.start
        if text[at : at + len(q.text)] == q.text:
            q.text = printed[at : at + len(q.text)]
        q.speaker = of(q.speaker)


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
