"""Known officials: the people curators have confirmed, as a dictionary for later imports.

What the gazetteer is for places, this is for people. The importer reads the confirmed
people from the database (their names, the aliases merges gave them, the title chain and
organisation last confirmed) and passes the dictionary to the parse; here it is plain data
and one Aho-Corasick pass over an article's text. A known name counts only where the text
gives it a role, as the rules require of any name: a title word right before it (县委书记
王某), a role right after it (王某，县委书记；王某（县委书记）) or a speech verb after it
(王某说, 王某表示). An alias is reported under the canonical name; a name a curator
rejected (not a person) is never found, and is dropped when the rules find it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

import ahocorasick

from .chinese import simplified
from .datafiles import lines
from .records import PersonRecord, QuoteRecord
from .words import boundaries_around, matches_longest_first

# Where a title chain written before a name begins: the previous clause's end.
CLAUSE_BREAK = "，,。；;：:！？!?“”「」()（）《》\n 　"
ROLE_WINDOW = 24  # characters after a name that may hold its role (王某，县委书记，)


@dataclass(frozen=True)
class KnownOfficial:
    """A confirmed person: the canonical name, the title and organisation last confirmed."""

    name: str
    title: str | None = None
    organization: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sighting:
    """A known official named in a text with a role: where, as written, with which title."""

    official: KnownOfficial
    written: str
    start: int
    title: str | None
    organization: str | None


@cache
def _title_words() -> tuple[str, ...]:
    roles = {w for row in lines("person_roles.txt") for w in row.split()}
    return tuple(sorted(set(lines("titles.txt")) | roles, key=len, reverse=True))


@cache
def _title_before() -> re.Pattern:
    return re.compile("(?:" + "|".join(map(re.escape, _title_words())) + r")$")


@cache
def _title_in() -> re.Pattern:
    return re.compile("|".join(map(re.escape, _title_words())))


@cache
def _speech_verbs() -> tuple[str, ...]:
    return tuple(sorted(lines("speech_verbs.txt"), key=len, reverse=True))


class KnownOfficials:
    """Names and aliases of confirmed officials, and the names curators rejected."""

    def __init__(self, officials: Iterable[KnownOfficial] = (), rejected: Iterable[str] = ()):
        self.officials = tuple(officials)
        self.rejected = frozenset(simplified(n) for n in rejected if n)
        self._by_name: dict[str, list[KnownOfficial]] = {}
        # Canonical names first, so that someone's alias never shadows another's own name.
        for canonical in (True, False):
            for o in self.officials:
                for n in (o.name,) if canonical else o.aliases:
                    key = simplified(n or "")
                    if len(key) < 2 or key in self.rejected:
                        continue
                    owners = self._by_name.setdefault(key, [])
                    if o not in owners and (canonical or not owners):
                        owners.append(o)
        self._automaton = None

    def __len__(self) -> int:
        return len(self._by_name)

    def __bool__(self) -> bool:
        return bool(self._by_name) or bool(self.rejected)

    def __getstate__(self) -> dict:
        # Worker processes rebuild the automaton on first use instead of receiving it.
        return {k: v for k, v in self.__dict__.items() if k != "_automaton"} | {"_automaton": None}

    def is_rejected(self, name: str) -> bool:
        return simplified(name) in self.rejected

    def canonical(self, name: str, text: str = "") -> KnownOfficial | None:
        """The confirmed person a name (or alias) stands for; with several of one name, the
        one whose organisation the text names, else the first confirmed."""
        owners = self._by_name.get(simplified(name))
        if not owners:
            return None
        for o in owners:
            if o.organization and simplified(o.organization) in text:
                return o
        return owners[0]

    def _matcher(self) -> ahocorasick.Automaton:
        if self._automaton is None:
            auto = ahocorasick.Automaton()
            for key in self._by_name:
                auto.add_word(key, key)
            auto.make_automaton()
            self._automaton = auto
        return self._automaton

    def find(self, text: str, cuts: set[int] | None = None) -> list[Sighting]:
        """Every known name in (simplified) text that the text gives a role; ``cuts`` are
        the text's jieba word boundaries when the caller has them."""
        if not self._by_name:
            return []
        out: list[Sighting] = []
        taken = -1
        for start, end, key in matches_longest_first(self._matcher(), text):
            if start < taken:
                continue
            here = cuts if cuts is not None else boundaries_around(text, start, end)
            if start not in here or end not in here:
                continue  # 李明 inside 李明亮
            role = _role(text, start, end, here)
            if role is None:
                continue
            chain, org = role
            out.append(Sighting(self.canonical(key, text), text[start:end], start, chain, org))
            taken = end
        return out

    def apply(
        self,
        text: str,
        people: list[PersonRecord],
        quotes: list[QuoteRecord],
        cuts: set[int] | None = None,
        exclude: Iterable[str] = (),
    ) -> tuple[list[PersonRecord], list[QuoteRecord]]:
        """An article's people and quotes with the dictionary applied: aliases under their
        canonical names, rejected names dropped, known officials the rules missed added."""
        exclude = {simplified(n) for n in exclude}
        merged: dict[str, PersonRecord] = {}
        for p in people:
            if self.is_rejected(p.name):
                continue
            known = self.canonical(p.name, text)
            name = known.name if known else p.name
            _keep(merged, replace(p, name=name))
        for s in self.find(text, cuts):
            if simplified(s.written) in exclude or simplified(s.official.name) in exclude:
                continue
            title, org = s.title, s.organization
            if title is None and s.official.title and simplified(s.official.title) in text:
                title, org = s.official.title, s.official.organization
            _keep(merged, PersonRecord(s.official.name, title, org))
        out_quotes = []
        for q in quotes:
            speaker = q.speaker
            if speaker and self.is_rejected(speaker):
                speaker = None
            elif speaker:
                known = self.canonical(speaker, text)
                speaker = known.name if known else speaker
            out_quotes.append(replace(q, speaker=speaker))
        return list(merged.values()), out_quotes


def _keep(merged: dict[str, PersonRecord], p: PersonRecord) -> None:
    """One record per name: the longest title chain wins (as the rules merge people)."""
    cur = merged.get(p.name)
    if cur is None:
        merged[p.name] = p
    elif p.title and (not cur.title or len(p.title) > len(cur.title)):
        merged[p.name] = replace(p, organization=p.organization or cur.organization)


def _role(text: str, start: int, end: int, cuts: set[int]) -> tuple[str | None, str | None] | None:
    """The role the text gives the name at text[start:end]: (title chain, organisation)
    written before or after it, (None, None) after a speech verb (a word of its own: 说,
    not 说明), None for no role."""
    before = text[max(0, start - 40) : start]
    m = _title_before().search(before)
    if m:
        a = len(before)
        while a > 0 and before[a - 1] not in CLAUSE_BREAK:
            a -= 1
        chain = before[a:].lstrip("、")
        first = _title_in().search(chain)
        org = chain[: first.start()] if first else ""
        return (chain[first.start() :] if first else chain), (org or None)
    after = text[end : end + ROLE_WINDOW]
    verb = next((v for v in _speech_verbs() if after.startswith(v)), None)
    if verb and end + len(verb) in cuts:
        return None, None
    if after[:1] in "，,（(":
        inner = re.split(r"[，,。；;）)]", after[1:], maxsplit=1)[0]
        t = _title_in().search(inner)
        if t and t.end() == len(inner):
            return (inner[t.start() :], inner[: t.start()] or None)
    return None
