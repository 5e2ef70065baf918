"""Gazetteer matching: administrative places in an article, resolved to GB/T 2260 codes.

Names (full, short, aliases, retired names) are found with one Aho-Corasick pass. A match
must sit on jieba word boundaries (上海城市 is not 海城市, 示范县 is not 范县); a short
name that is also an everyday word (合作, 安康, 石门) needs a related place in the same
article; a name shared by several places (鼓楼区, 朝阳区) is resolved only by evidence (a
parent or child named in the article, the outlet's home region), otherwise left out.
Township names are taken when written after their county (莘县燕店镇).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import ahocorasick
import jieba
import jieba.posseg

from .datafiles import DATA, csv_rows, lines, word_set
from .records import RegionRef
from .words import boundaries_around, matches_longest_first

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TOWNSHIP = re.compile(r"([\u4e00-\u9fff]{2,4}?(?:镇|乡|街道))")
TOWNSHIP_STOP = re.compile(
    r"(城乡|下乡|家乡|回乡|老乡|返乡|故乡|城镇|乡镇|市镇|重镇|强镇|名镇|小镇|古镇|街道办"
    r"|各乡|全乡|该乡|本乡|各镇|全镇|该镇|本镇|集镇|新镇|村镇|特色小镇|异乡|他乡)$"
)
jieba.setLogLevel(60)
# Words that start with 乡/村/镇 after a county's short name without making it a town:
# 江孜乡村振兴, 临海乡镇干部, 江口村民.
RURAL_WORDS = frozenset({"乡村", "乡镇", "乡亲", "乡土", "乡贤", "村民", "村级", "村庄", "村落"})


@dataclass
class Place:
    code: str
    name: str
    short_name: str
    level: str
    parent: str | None
    ancestors: tuple[str, ...] = ()


@dataclass(eq=False)
class Gazetteer:
    places: dict[str, Place] = field(default_factory=dict)
    names: dict[str, set[str]] = field(default_factory=dict)  # name -> codes
    full: set[str] = field(default_factory=set)  # names that carry an administrative suffix
    automaton: ahocorasick.Automaton | None = None

    def add_name(self, name: str, code: str, full: bool) -> None:
        if len(name) < 2:
            return
        self.names.setdefault(name, set()).add(code)
        if full:
            self.full.add(name)

    def build(self) -> Gazetteer:
        for place in self.places.values():
            chain, parent = [], place.parent
            while parent and parent in self.places:
                chain.append(parent)
                parent = self.places[parent].parent
            place.ancestors = tuple(chain)
        auto = ahocorasick.Automaton()
        for name in self.names:
            auto.add_word(name, name)
        auto.make_automaton()
        self.automaton = auto
        return self


@cache
def gazetteer(directory: Path = FIXTURES) -> Gazetteer:
    """The national gazetteer from fixtures/regions.csv plus fixtures/region_aliases.csv."""
    g = Gazetteer()
    for row in csv_rows(directory / "regions.csv"):
        p = Place(
            row["code"],
            row["name"],
            row.get("short_name") or "",
            row["level"],
            row.get("parent_code") or None,
        )
        g.places[p.code] = p
    for p in g.places.values():
        g.add_name(p.name, p.code, full=True)
        if p.short_name and p.short_name != p.name:
            g.add_name(p.short_name, p.code, full=False)
    alias_file = directory / "region_aliases.csv"
    if alias_file.exists():
        for row in csv_rows(alias_file):
            code = (row.get("code") or "").strip()
            if code in g.places:
                g.add_name(row["alias"].strip(), code, full=True)
    _add_customary_names(g)
    _add_places_without_code(g)
    return g.build()


# Autonomous areas are named in the news by their short name and the kind of division:
# 大理州 (大理白族自治州), 巍山县 (巍山彝族回族自治县), 鄂温克旗 (鄂温克族自治旗).
CUSTOMARY_SUFFIX = {"自治州": "州", "自治县": "县", "自治旗": "旗"}


def _add_customary_names(g: Gazetteer) -> None:
    derived: dict[str, set[str]] = {}
    for p in g.places.values():
        for ending, suffix in CUSTOMARY_SUFFIX.items():
            if p.short_name and p.name.endswith(ending):
                derived.setdefault(p.short_name + suffix, set()).add(p.code)
    for name, codes in derived.items():
        if name not in g.names and len(codes) == 1:
            g.add_name(name, next(iter(codes)), full=True)


def _add_places_without_code(g: Gazetteer) -> None:
    """Taiwan's cities and counties (data/places_without_code.csv): places with no code,
    keyed `parent:name` like towns, reported with code None."""
    for row in csv_rows(DATA / "places_without_code.csv"):
        parent = row["parent_code"].strip()
        if parent not in g.places:
            continue
        key = f"{parent}:{row['name'].strip()}"
        g.places[key] = Place(key, row["name"].strip(), "", row["level"].strip(), parent)
        g.add_name(row["name"].strip(), key, full=True)
        for alias in filter(None, (a.strip() for a in (row.get("aliases") or "").split("|"))):
            if any(c.isdigit() for c in g.names.get(alias, ())):
                continue  # 新北 is 常州市新北区 too: a coded place keeps its name
            full = alias[-1] in "市縣县"
            g.add_name(alias, key, full=full)


def _word_tags() -> dict[str, str]:
    tags = jieba.posseg.dt.word_tag_tab if hasattr(jieba.posseg.dt, "word_tag_tab") else {}
    if not tags:
        jieba.posseg.dt.tokenizer.initialize()
        tags = jieba.posseg.dt.word_tag_tab
    return tags


@cache
def common_word_names(g: Gazetteer) -> frozenset[str]:
    """Short names that jieba's dictionary knows as everyday words (资源, 振兴, 友好, 比如)."""
    tags = _word_tags()
    out = set()
    for name, codes in g.names.items():
        if name in g.full or any(g.places[c].level != "county" for c in codes):
            continue  # province and city short names are well known; only counties
        tag = tags.get(name)
        if tag is not None and not tag.startswith("ns"):
            out.add(name)
    return frozenset(out)


@cache
def safe_short(g: Gazetteer) -> frozenset[str]:
    """Short names that can stand alone: not everyday words."""
    return frozenset(n for n in g.names if n not in g.full and n not in common_word_names(g))


@dataclass
class Hit:
    name: str
    start: int
    end: int
    codes: set[str]


def find(text: str, g: Gazetteer | None = None, cuts: set[int] | None = None) -> list[Hit]:
    """Every gazetteer name in text that sits on word boundaries (longest match wins).

    ``cuts`` are the word boundaries of the whole text when the caller has segmented it
    already; without them each match's neighbourhood is segmented on its own."""
    g = g or gazetteer()
    hits: list[Hit] = []
    taken_until = -1
    for start, end, name in matches_longest_first(g.automaton, text):
        if start < taken_until:
            continue
        here = cuts if cuts is not None else boundaries_around(text, start, end)
        if start not in here:
            continue
        if (name not in g.full or len(name) == 2) and end not in here:
            continue  # a short name, or 代县 in 代县长 and 随县 in 随县委书记
        if (
            name not in g.full
            and text[end : end + 1] in ("镇", "乡", "村")
            and text[end : end + 2] not in RURAL_WORDS
        ):
            continue  # 兴隆镇, 海北镇: a town or village that shares a county's short name
        hits.append(Hit(name, start, end, set(g.names[name])))
        taken_until = end
    return hits


def _ends_a_word(text: str, end: int, cuts: set[int] | None) -> bool:
    """积极探索乡 in 积极探索乡村 is no town: a town's name ends where a word ends."""
    here = cuts if cuts is not None else boundaries_around(text, max(0, end - 2), end)
    return end in here


def is_township(name: str, g: Gazetteer) -> bool:
    """新城镇 and 北滘镇 are towns; 农村城镇, 返乡 and gazetteer names are not."""
    if name in g.names:
        return False
    stop = TOWNSHIP_STOP.search(name)
    return stop is None or (stop.group(1) == "城镇" and len(name) == 3)


# A town named on its own: 在千灯镇一家企业, 位于佛堂镇的, 北滘镇是…, 在托克扎克镇，
STANDALONE_TOWNSHIP = re.compile(
    r"(?:^|(?<=[在到于是入赴从自，。；：、\n“]))((?![在到于是入赴从自位])[\u4e00-\u9fff]{2,4}?(?:镇|乡))"
    r"(?=[，。；、的是一和与\s]|党委|政府|人民政府|境内|辖区|企业|群众|村)"
)


def _standalone_townships(
    text: str,
    cuts: set[int] | None,
    g: Gazetteer,
    refs: dict[str, RegionRef],
    scores: dict[str, float],
) -> None:
    """Towns named without their county belong to the article's one county, if it has
    exactly one (otherwise the town is left out: its county is not known)."""
    counties = [k for k, r in refs.items() if r.level == "county" and r.code]
    if len(counties) != 1:
        return
    (county,) = counties
    known = {r.name for r in refs.values() if r.level == "township"}
    for m in STANDALONE_TOWNSHIP.finditer(text):
        name = m.group(1)
        if name in known or not is_township(name, g) or name[:-1] in g.names:
            continue
        here = cuts if cuts is not None else boundaries_around(text, m.start(1), m.end(1))
        if m.start(1) not in here or m.end(1) not in here:
            continue
        key = f"{county}:{name}"
        if key in refs:
            refs[key].mentions += 1
            continue
        refs[key] = RegionRef(name, None, "township", parent_code=county)
        scores[key] = 1.0


# 人民网遵义5月16日电, 本报讯, 兰考县融媒体中心讯: the place the report was filed from
# (for a national paper its bureau, not the story's place: weak evidence).
DATELINE_PLACE = re.compile(r"[^，。,\n（(]{0,24}?(?:\d{1,2}月\d{1,2}日电|讯(?!员))")
# （作者为青海省某市公安局民警）, （作者系某县委书记）: an op-ed's author and their place.
AUTHOR_NOTE = re.compile(r"[（(]作者(?:为|系|是)[^）)]{2,60}[）)]")
LEAD_CHARS = 120  # the lead: the first paragraph of substance, up to this many characters
# Evidence for a place: each mention counts 1 (one in the dateline too: for a national
# paper that is its bureau); being in the headline (title, kicker, subtitle) brings it to
# 6 and being in the lead or an author's note to 2, once each: the headline says what the
# article is about, however often the body names somewhere else.
WEIGHT_HEADLINE, WEIGHT_LEAD, WEIGHT_DATELINE, WEIGHT_BODY = 6.0, 2.0, 1.0, 1.0
# A place inside the chosen one takes over when it holds more than this share of its evidence
# (无锡至江阴大桥 in a headline: the city, not the county-level city, is the story's place).
DESCEND_SHARE = 0.5


def _lead_end(text: str, start: int) -> int:
    end = start
    while end < len(text):
        nl = text.find("\n", end)
        end = len(text) if nl < 0 else nl
        if len(text[start:end].strip()) >= 40:
            break
        end += 1
    return min(end, start + LEAD_CHARS)


def _evidence(text: str, title_len: int, counts: dict[str, list[Hit]], g: Gazetteer):
    """Each place's own evidence, and whether the headline, lead or an author's note names it.

    A place written as the qualifier of the next one (湖北宜昌西陵区, 江苏省南通市通州区)
    gives its evidence to that one: the story is the district's, not the province's."""
    dateline = DATELINE_PLACE.match(text, title_len)
    date_end = dateline.end() if dateline else title_len
    lead_end = _lead_end(text, date_end)
    notes = [(m.start(), m.end()) for m in AUTHOR_NOTE.finditer(text, title_len)]
    by_start = {h.start: code for code, hs in counts.items() for h in hs}
    evidence: dict[str, float] = {}
    front: dict[str, bool] = {}
    for code, hs in counts.items():
        weight, headline, lead = 0.0, False, False
        for h in hs:
            nxt = h.end
            while nxt < len(text) and text[nxt] in " \u3000\u00a0":
                nxt += 1
            after = by_start.get(nxt)
            if after and after != code and code in g.places[after].ancestors:
                continue  # a qualifier
            if h.start < title_len:
                headline = True
            elif h.start < date_end:
                weight += WEIGHT_DATELINE
                continue
            elif h.start < lead_end or any(a <= h.start < b for a, b in notes):
                lead = True
            weight += WEIGHT_BODY
        # Being in the headline or the lead counts once, however often it is repeated there.
        weight += (WEIGHT_HEADLINE - WEIGHT_BODY) * headline + (WEIGHT_LEAD - WEIGHT_BODY) * lead
        evidence[code] = weight
        front[code] = headline or lead
    return evidence, front


def _primary(text: str, title_len: int, counts: dict[str, list[Hit]], g: Gazetteer) -> str | None:
    """The one county, city or province an article reports on, or None.

    Places are grouped by province; of the provinces the headline or lead names, the one
    whose places carry the most evidence wins (a national paper's bureau city or a partner
    province loses), then the
    choice moves down to the place inside it that holds more than half of the evidence:
    the most specific place that the headline, the lead and the body agree on (a city
    whose story names several of its districts stays the city)."""
    evidence, front = _evidence(text, title_len, counts, g)
    if not evidence:
        return None

    def chain(code: str) -> tuple[str, ...]:
        return (code, *g.places[code].ancestors)

    def support(node: str) -> float:
        return sum(w for code, w in evidence.items() if node in chain(code))

    def first_named(node: str) -> int:
        return min(h.start for code, hs in counts.items() if node in chain(code) for h in hs)

    def up_front(top: str) -> bool:
        return any(front[c] for c in evidence if top in chain(c))

    # A province the headline or lead names beats one only the body names, however often.
    tops = {chain(code)[-1] for code in evidence}
    ranked = sorted(tops, key=lambda t: (not up_front(t), -support(t), first_named(t)))
    best = ranked[0]
    if not up_front(best):
        # Only the body names it: take it when it is named twice and nothing rivals it.
        hits = sum(len(counts[c]) for c in evidence if best in chain(c))
        rival = len(ranked) > 1 and support(ranked[1]) >= support(best)
        if hits < 2 or rival:
            return None
    node = best
    while True:
        kids = {
            chain(code)[chain(code).index(node) - 1]
            for code in evidence
            if node in chain(code) and code != node
        }
        if not kids:
            break
        kid = min(kids, key=lambda k: (-support(k), first_named(k)))
        own = evidence.get(node, 0.0)
        if support(kid) <= DESCEND_SHARE * support(node) and (
            own > 0 or g.places[node].level != "province"
        ):
            break  # no place inside holds most of it: the place they share (a city of
            # three counties named alike), but not a province nobody wrote of in its own
            # right (山东莘县考察团赴寿光: the story is one of the counties)
        node = kid
    return node


# 我县, 本市, 全区: the outlet speaks of its own place; the character names its kind.
OWN_PLACE = re.compile(r"(?:我|本|全)(县|区|旗|市|州|盟|省)(?!场|域|级|县)")
OWN_LEVELS = {
    "县": ("county",),
    "区": ("county",),
    "旗": ("county",),
    "市": ("county", "prefecture"),
    "州": ("prefecture",),
    "盟": ("prefecture",),
    "省": ("province",),
}


@cache
def _outlet_words() -> dict[str, tuple[str, ...]]:
    rows: dict[str, tuple[str, ...]] = {}
    for row in lines("outlet_words.txt"):
        kind, *words = row.split()
        rows[kind] = tuple(sorted(words, key=len, reverse=True))
    return rows


def outlet_home(source: str | None, g: Gazetteer | None = None) -> set[str]:
    """The place an outlet's name holds (聊城日报 -> 聊城市, 掌上绥德 -> 绥德县; 人民日报
    and 光明日报 none, data/outlet_words.txt): its home, which resolves ambiguous names and
    speaks as 我县 or 本市."""
    if not source:
        return set()
    g = g or gazetteer()
    words = _outlet_words()
    name = source.strip()
    if name in words.get("national", ()):
        return set()
    plain = word_set("region_needs_context.txt")
    for _ in range(3):  # 掌上湄潭发布: strip what surrounds the place, a few words deep
        name = next((name[len(w) :] for w in words.get("prefix", ()) if name.startswith(w)), name)
        name = next((name[: -len(w)] for w in words.get("suffix", ()) if name.endswith(w)), name)
    codes = g.names.get(name, set())
    # The rest is the place, unless it is an everyday word (解放日报, 华龙网); 绥德 is a name.
    proper = name in safe_short(g) or _word_tags().get(name, "n").startswith(("ns", "nr"))
    if len(codes) == 1 and name not in plain and (name in g.full or proper):
        return set(codes)
    return {
        next(iter(h.codes))
        for h in find(source, g)
        if len(h.codes) == 1
        and h.name not in plain
        and (h.name in g.full or h.name in safe_short(g))
    }


def _home_primary(text: str, home: set[str], g: Gazetteer) -> str | None:
    """An article that names no place of its own but says 我县 or 本市 is about the
    outlet's home place of that kind."""
    kinds = {m.group(1) for m in OWN_PLACE.finditer(text)}
    levels = {level for k in kinds for level in OWN_LEVELS[k]}
    fits = [c for c in home if c in g.places and g.places[c].level in levels]
    if not fits:
        return None
    rank = {"county": 0, "prefecture": 1, "province": 2}
    return min(fits, key=lambda c: (rank.get(g.places[c].level, 3), c))


def _unsupported_short_name(
    text: str,
    code: str,
    counts: dict[str, list[Hit]],
    title_len: int,
    g: Gazetteer,
    home: set[str] = frozenset(),
) -> bool:
    """A county or city named only by its short name, with no place above or below it in
    the article (or the outlet's home), is no place when it is written twice or more after
    the same character as part of a longer name: 江口 in a lookout called 南江口, 临海 or
    长春 in a person called 郭临海 or 张长春 (a place is written after words, 位于江口,
    在江口: data/place_before.txt). A county named once so is no place either. A short
    name in the headline stays."""
    place, hs = g.places[code], counts[code]
    if place.level not in ("county", "prefecture") or any(h.name in g.full for h in hs):
        return False
    if any(h.start < title_len for h in hs):
        return False
    if code in home or any(
        other != code and (code in g.places[other].ancestors or other in place.ancestors)
        for other in (*counts, *home)
        if other in g.places
    ):
        return False
    words, plain = _dictionary(), _place_before()
    before: dict[str, int] = {}
    for h in hs:
        c = text[h.start - 1 : h.start]
        if (
            "\u4e00" <= c <= "\u9fff"
            and c not in plain
            and text[h.start - 2 : h.start] not in words
        ):
            before[c] = before.get(c, 0) + 1
    if any(n >= 2 for n in before.values()):
        return True
    # A county named once, with nothing around it to say it is that county (南海 the sea):
    # too little to place the article there.
    return place.level == "county" and len(hs) == 1


@cache
def _place_before() -> frozenset[str]:
    return frozenset(w for row in lines("place_before.txt") for w in row.split())


@cache
def _dictionary() -> dict[str, int]:
    """jieba's word list (位于, 来到): a character that ends a word is not a name's first."""
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def resolve(
    text: str,
    title_len: int = 0,
    home: set[str] | None = None,
    g: Gazetteer | None = None,
    cuts: set[int] | None = None,
) -> list[RegionRef]:
    """Resolve places in `title + body` text; `title_len` chars at the start are the title.
    ``cuts``: the text's word boundaries if already known (see :mod:`.words`)."""
    g = g or gazetteer()
    hits = find(text, g, cuts)
    needs_context = word_set("region_needs_context.txt") | common_word_names(g)
    # Evidence: places named unambiguously, with their ancestors, and the outlet's home.
    certain: set[str] = set()
    for h in hits:
        if (
            len(h.codes) == 1
            and h.name not in needs_context
            and (h.name in g.full or h.name in safe_short(g))
        ):
            (code,) = h.codes
            certain.add(code)
    context = set(home or ())
    for code in certain:
        context.add(code)
        context.update(g.places[code].ancestors)

    def related(code: str) -> bool:
        """A place in the article is this one's prefecture/parent, or lies inside it."""
        p = g.places[code]
        near = p.ancestors[:1] if p.level == "county" else p.ancestors
        if any(a in context and (g.places[a].level != "province" or a == p.parent) for a in near):
            return True
        return any(code in g.places[c].ancestors for c in certain)

    def closest(codes: set[str]) -> set[str]:
        """Keep the candidates whose nearest named ancestor is nearest (city beats province)."""
        dist = {}
        for c in codes:
            hops = [i for i, a in enumerate(g.places[c].ancestors) if a in context]
            if hops:
                dist[c] = hops[0]
            elif any(c in g.places[x].ancestors for x in certain):
                dist[c] = -1
        best = min(dist.values(), default=None)
        return {c for c, d in dist.items() if d == best}

    counts: dict[str, list[Hit]] = {}
    for h in hits:
        codes = set(h.codes)
        if len(codes) > 1:
            # A name shared by a city and its own county (辽阳市/辽阳县) means the city.
            tops = {c for c in codes if not any(a in codes for a in g.places[c].ancestors)}
            if len(tops) == 1 and h.name not in g.full:
                codes = tops
        if len(codes) > 1:
            codes = closest(codes)
        if len(codes) != 1:
            continue  # ambiguous without evidence: left unresolved, not guessed
        (code,) = codes
        if h.name in needs_context and not related(code):
            continue
        counts.setdefault(code, []).append(h)
    unsupported = [
        c for c in counts if _unsupported_short_name(text, c, counts, title_len, g, home or set())
    ]
    for code in unsupported:
        del counts[code]
    refs: dict[str, RegionRef] = {}
    scores: dict[str, float] = {}
    for code, hs in counts.items():
        p = g.places[code]
        refs[code] = RegionRef(
            p.name,
            code if code.isdigit() else None,
            p.level,
            mentions=len(hs),
            parent_code=p.parent,
        )
        score = float(len(hs))
        if any(h.start < title_len for h in hs):
            score += 5
        if any(h.start < title_len + 120 for h in hs):
            score += 2
        scores[code] = score
    for code, hs in counts.items():
        if g.places[code].level != "county":
            continue
        for h in hs:
            m = TOWNSHIP.match(text, h.end)
            if m and is_township(m.group(1), g) and _ends_a_word(text, m.end(1), cuts):
                key = f"{code}:{m.group(1)}"
                if key in refs:
                    refs[key].mentions += 1
                    continue
                refs[key] = RegionRef(m.group(1), None, "township", parent_code=code)
                scores[key] = 1.0 + (5 if h.start < title_len else 0)
    _standalone_townships(text, cuts, g, refs, scores)
    primary = _primary(text, title_len, counts, g)
    if primary is None and home:
        primary = _home_primary(text, home, g)
    if primary is not None and primary not in refs:
        p = g.places[primary]  # the outlet's place, or the city its named counties share
        refs[primary] = RegionRef(
            p.name,
            primary if primary.isdigit() else None,
            p.level,
            mentions=0,
            parent_code=p.parent,
        )
        scores[primary] = 0.0
    if primary is not None:
        refs[primary].primary = True
        scores[primary] += 100
    order = sorted(refs, key=lambda k: (-scores[k], refs[k].name))
    return [refs[k] for k in order]
