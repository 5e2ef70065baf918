"""Entity extraction over parsed articles: regions, people, quotes, tags."""

from __future__ import annotations

import re

from . import officials, regions
from . import quotes as quoting
from .chinese import simplified
from .datafiles import fullmatch_any, lines
from .known import KnownOfficials
from .records import ArticleRecord
from .words import Words

QUOTED = re.compile(r"[“「]([^“”「」，,。！？!?；;、\s]{3,12})[”」]")


def enrich(
    articles: list[ArticleRecord],
    text: str = "",
    home: set[str] | None = None,
    known: KnownOfficials | None = None,
) -> None:
    """Fill regions, people, quotes and tags of each article in place; ``known``: the
    officials curators confirmed (found where the text gives them a role; aliases
    reported under their canonical names; rejected names dropped)."""
    for art in articles:
        title = simplified(f"{art.title} {art.subtitle}".strip())
        body = simplified(art.body)
        text = f"{title}\n{body}"
        # One segmentation per article: place-name boundaries and the search text.
        words = Words(text)
        art.search_text = " ".join(words.search_terms())
        # Reporters' names are no places (通讯员 龙金华 is not 金华).
        located = text
        for name in art.authors:
            located = located.replace(simplified(name), " " * len(name))
        # The outlet's own place (聊城日报, 掌上绥德) is context, and the place of 我县/本市.
        outlet = (home or set()) | regions.outlet_home(simplified(art.source or ""))
        art.regions = regions.resolve(
            located, title_len=len(title) + 1, home=outlet or None, cuts=words.cuts
        )
        exclude = set(art.authors)
        found = officials.find_people(text, exclude)
        people = officials.merge_people(found)
        speakers = quoting.find_speakers(body, exclude | {p.name for p in people})
        quotes = quoting.find_quotes(body, found + speakers)
        quoted_speakers = {q.speaker for q in quotes}
        people += [
            officials.PersonRecord(s.name, None, None)
            for s in officials.merge_people(speakers)
            if s.name in quoted_speakers
        ]
        if known:
            people, quotes = known.apply(text, people, quotes, cuts=words.cuts, exclude=exclude)
        printed = f"{art.title} {art.subtitle}".strip() + "\n" + art.body
        officials.as_printed(people, quotes, text, printed, body_at=len(title) + 1)
        places = {r.code for r in art.regions if r.code}
        for person in people:
            person.region_code = organisation_region(person.organization, places)
        art.people = people
        art.quotes = quotes
        art.tags = tags_for(title, body)
    _recurring_phrases(articles)


LEVEL_RANK = {"county": 0, "prefecture": 1, "province": 2}


def organisation_region(organization: str | None, places: set[str]) -> str | None:
    """The most specific place an organisation's name holds (莘县卫生健康局 -> 莘县), read
    with the article's places as context (so 鼓楼区 resolves through the article's city)."""
    if not organization:
        return None
    refs = [r for r in regions.resolve(simplified(organization), home=places) if r.code]
    refs.sort(key=lambda r: LEVEL_RANK.get(r.level, 3))
    return refs[0].code if refs else None


def tags_for(title: str, body: str) -> list[str]:
    tags = [t for t in lines("topics.txt") if t in title or t in body]
    campaign = fullmatch_any("campaign_patterns.txt")
    for m in QUOTED.finditer(f"{title}\n{body}"):
        phrase = m.group(1)
        if campaign.fullmatch(phrase) and phrase not in tags:
            tags.append(phrase)
    return tags


def _recurring_phrases(articles: list[ArticleRecord]) -> None:
    """A quoted short phrase used in two or more articles of a file is a campaign tag too."""
    seen: dict[str, set[int]] = {}
    for i, art in enumerate(articles):
        for m in QUOTED.finditer(art.body):
            seen.setdefault(m.group(1), set()).add(i)
    for phrase, idx in seen.items():
        if len(idx) >= 2:
            for i in idx:
                if phrase not in articles[i].tags:
                    articles[i].tags.append(phrase)
