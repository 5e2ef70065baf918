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

from .datafiles import csv_rows, word_set
from .records import RegionRef

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TOWNSHIP = re.compile(r"([\u4e00-\u9fff]{2,4}?(?:镇|乡|街道))")
TOWNSHIP_STOP = re.compile(
    r"(城乡|下乡|家乡|回乡|老乡|返乡|故乡|城镇|乡镇|市镇|重镇|强镇|名镇|小镇|古镇|街道办"
    r"|各乡|全乡|该乡|本乡|各镇|全镇|该镇|本镇|集镇|新镇|村镇|特色小镇|异乡|他乡)$"
)
jieba.setLogLevel(60)


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
    return g.build()


@cache
def common_word_names(g: Gazetteer) -> frozenset[str]:
    """Short names that jieba's dictionary knows as everyday words (资源, 振兴, 友好, 比如)."""
    tags = jieba.posseg.dt.word_tag_tab if hasattr(jieba.posseg.dt, "word_tag_tab") else {}
    if not tags:
        jieba.posseg.dt.tokenizer.initialize()
        tags = jieba.posseg.dt.word_tag_tab
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


def _boundaries(text: str, start: int, end: int) -> set[int]:
    """Word boundaries (absolute offsets) of jieba's segmentation around text[start:end]."""
    a, b = max(0, start - 6), min(len(text), end + 6)
    cuts, pos = {a, b}, a
    for word in jieba.cut(text[a:b], HMM=False):
        pos += len(word)
        cuts.add(pos)
    return cuts


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
    raw = []
    for end_idx, name in g.automaton.iter(text):
        start = end_idx - len(name) + 1
        raw.append((start, end_idx + 1, name))
    raw.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    hits: list[Hit] = []
    taken_until = -1
    for start, end, name in raw:
        if start < taken_until:
            continue
        here = cuts if cuts is not None else _boundaries(text, start, end)
        if start not in here:
            continue
        if name not in g.full and end not in here:
            continue
        if name not in g.full and text[end : end + 1] in ("镇", "乡", "村"):
            continue  # 兴隆镇, 海北镇: a town or village that shares a county's short name
        hits.append(Hit(name, start, end, set(g.names[name])))
        taken_until = end
    return hits


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
        here = cuts if cuts is not None else _boundaries(text, m.start(1), m.end(1))
        if m.start(1) not in here or m.end(1) not in here:
            continue
        key = f"{county}:{name}"
        if key in refs:
            refs[key].mentions += 1
            continue
        refs[key] = RegionRef(name, None, "township", parent_code=county)
        scores[key] = 1.0


# 人民网遵义5月16日电, 本报讯, 兰考县融媒体中心讯: the place the report was filed from
DATELINE_PLACE = re.compile(r"[^，。,\n]{0,24}?(?:\d{1,2}月\d{1,2}日)?(?:电|讯)")


def _narrow_primary(
    text: str, title_len: int, counts: dict[str, list[Hit]], refs: dict[str, RegionRef], g
) -> None:
    """An article about 湄潭县 is not about 贵州省 as well: a primary place loses the
    flag to a primary place inside it, unless the headline or the dateline names it."""
    dateline = DATELINE_PLACE.match(text, title_len)
    for code, hs in counts.items():
        if dateline and any(title_len <= h.start < dateline.end() for h in hs):
            refs[code].primary = True
    primary = {k for k, r in refs.items() if r.primary and r.code}
    for code in primary:
        named_up_front = any(
            h.start < title_len or (dateline and h.start < dateline.end()) for h in counts[code]
        )
        inside = any(code in g.places[other].ancestors for other in primary if other != code)
        if inside and not named_up_front:
            refs[code].primary = False


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
    refs: dict[str, RegionRef] = {}
    scores: dict[str, float] = {}
    for code, hs in counts.items():
        p = g.places[code]
        refs[code] = RegionRef(p.name, code, p.level, mentions=len(hs), parent_code=p.parent)
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
            if m and is_township(m.group(1), g):
                key = f"{code}:{m.group(1)}"
                if key in refs:
                    refs[key].mentions += 1
                    continue
                refs[key] = RegionRef(m.group(1), None, "township", parent_code=code)
                scores[key] = 1.0 + (5 if h.start < title_len else 0)
    _standalone_townships(text, cuts, g, refs, scores)
    if scores:
        top = max(scores.values())
        for key, ref in refs.items():
            ref.primary = scores[key] >= max(3.0, top * 0.6)
        _narrow_primary(text, title_len, counts, refs, g)
    order = sorted(refs, key=lambda k: (-scores[k], refs[k].name))
    return [refs[k] for k in order]
