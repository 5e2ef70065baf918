"""Direct quotations (“…”, 「…」) and who speaks them: the nearest speaker before the
quote, or after it with a speech verb, carried on by pronouns and continuing clauses;
slogans and terms in quotation marks are not speech."""

from __future__ import annotations

import re

from .officials import (
    ADDRESSEE_MARKS,
    CJK,
    PLACE_ENDS,
    PRONOUNS,
    Found,
    _organisation_ends,
    _tagged_name,
    _titles,
    _verbs,
    name_at,
)
from .records import QuoteRecord

QUOTE = re.compile(r"“([^“”]{2,1000})”|「([^「」]{2,1000})」")
# A clause that goes on with the previous subject (并强调, 随后表示).
CONTINUED = re.compile(r"^\s*(?:并|还|又|也|再|则|同时|随后|随即|接着|此外|进而|更)")
SHORT_QUOTED = re.compile(r"“[^“”。！？]{1,6}”|‘[^‘’]{1,6}’")
SPEECHY = re.compile(r"[，,。！？!?；;]")


def _speech(quoted: str, in_row: bool) -> bool:
    """Whether a quotation is speech, not a slogan or a term in quotation marks: speech has
    pauses or length, or is a short sentence with its own full stop (“监督无处不在。”);
    ``in_row``: it follows a speaker's quotation directly (“…”“…”)."""
    sentence = len(quoted) >= 4 and quoted[-1] in "。！？!?"
    if len(quoted) < 8 and not sentence:
        return False
    return len(quoted) >= 16 or bool(SPEECHY.search(quoted)) or in_row or sentence


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

    def subjects(fragment: str) -> list[str]:
        # 跟潘某说, 向李某表示: the person spoken to is no speaker
        return [
            n.group()
            for n in name_rx.finditer(fragment)
            if fragment[n.start() - 1 : n.start()] not in ADDRESSEE_MARKS or n.start() == 0
        ]

    def speaker_in(fragment: str, at: int) -> str | None:
        """Who speaks in fragment (ending at offset ``at``): the last person named, or
        referred to by pronoun or surname+title, right before a speech verb."""
        who = None
        for v in verbs.finditer(fragment):
            pre = fragment[max(0, v.start() - 20) : v.start()]
            pre = re.split(r"[，,；;：:“”「」]", pre)[-1]  # the verb's own clause
            named = subjects(pre)
            if named:
                who = named[-1]
            elif pre.startswith(PRONOUNS) or pre.endswith(PRONOUNS):
                who = last_named(at - len(fragment) + v.start()) or who
            else:
                who = by_title(pre) or who
        return who

    prev_quote: tuple[int, str | None] | None = None
    for m in QUOTE.finditer(body):
        text = m.group(1) or m.group(2)
        # “…”“…”: quotations written in a row (no space, no line between) share a speaker
        in_row = prev_quote and prev_quote[1] and prev_quote[0] == m.start()
        if not _speech(text, in_row):
            prev_quote = None
            continue  # a slogan or term in quotes, not speech (speech has pauses or length)
        speaker = None
        par_start = body.rfind("\n", 0, m.start()) + 1
        before = body[par_start : m.start()]
        sentences = re.split(r"(?<=[。！？!?])", before)
        clause = sentences[-1]
        if re.search(r"(?:" + verbs.pattern + r")\s*[：:]\s*$", clause):
            # X在签约仪式上说：“…”: the colon binds the quote to what comes before it
            speaker = speaker_in(clause, m.start())
        if re.search(r"[：:]\s*$", clause) and speaker is None:
            # 杨某淡定自若：“…”, 他却出言劝阻：“…”: a colon binds the quote to the clause's
            # subject even without a speech verb
            named = subjects(clause)
            if named:
                speaker = named[-1]
            elif re.search("|".join(PRONOUNS), clause):
                speaker = last_named(m.start())
        if speaker is None and in_row:
            speaker = prev_quote[1]
        # Short terms in quotation marks inside the tail (网名为“多多”的) do not end it.
        window = SHORT_QUOTED.sub(lambda q: "·" * len(q.group()), body[m.end() : m.end() + 80])
        tail = re.split(r"[。！？!?\n“]", window, maxsplit=1)[0]
        resumes = tail.rstrip().endswith(("，", ",")) and window[len(tail) : len(tail) + 1] == "“"
        if tail.lstrip("，,").startswith(PRONOUNS) and verbs.search(tail[:12]):
            speaker = last_named(m.start())
        if speaker is None:
            for nm in name_rx.finditer(tail):
                rest = tail[nm.end() : nm.end() + 12]
                if (
                    nm.start() <= 45
                    and (
                        verbs.search(rest)
                        or resumes  # “…”说起过去，X直摇头，“…”: the same speaker goes on
                        or nm.start() <= 30
                        and not re.search(r"[，,]", tail[: nm.start()])
                    )
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
            named = set(subjects(previous))
            if speaker is None and len(named) == 1:
                speaker = named.pop()  # X顿感轻松。“…”: the one person of the sentence before
        if speaker is None:
            head = body[max(0, m.start() - 80) : m.start()]
            head_clause = re.split(r"[。！？!?\n]", head)[-1]
            if re.search(r"(?:" + verbs.pattern + r")\s*[：:，,]?\s*$", head_clause):
                named = subjects(head_clause)
                if named:
                    speaker = named[-1]
                elif head_clause.strip().startswith(PRONOUNS) or by_title(head_clause.strip()):
                    speaker = by_title(head_clause.strip()) or last_named(m.start())
                elif CONTINUED.match(re.split(r"[，,；;]", head_clause)[-1]) and verbs.search(
                    re.split(r"[，,；;]", head_clause)[-1]
                ):
                    # 并强调「…」: the verb's subject is left out, so the person named
                    # last in the paragraph speaks on
                    speaker = last_named(m.start()) if subjects(before) else None
        if speaker is None and clause.strip():
            named = set(subjects(clause))
            if len(named) == 1:
                speaker = named.pop()  # X最看重的是，“…”: the one person of the sentence
        if speaker is None and not clause.strip():
            # “…”浙江省某地政务大厅里，前来办事的市民X刚刚…。: a quotation that opens its
            # sentence, then a sentence about one person (and no other) who said it
            after_quote = re.split(r"[。！？!?\n“]", window + body[m.end() + 80 : m.end() + 160])[0]
            named = set(subjects(after_quote))
            if len(named) == 1:
                speaker = named.pop()
        if speaker is None and m.start() > 0 and body[m.start() - 1] == "\n":
            prev_par = body[: m.start()].rstrip().rsplit("\n", 1)[-1]
            if re.search(r"(?:" + verbs.pattern + r")\s*[：:]\s*$", prev_par):
                named = subjects(prev_par)
                speaker = named[-1] if named else last_named(m.start())
        if speaker:
            quotes.append(
                QuoteRecord(speaker, text, m.start(1) if m.group(1) else m.start(2), m.end() - 1)
            )
        prev_quote = (m.end(), speaker)
    return quotes


def find_speakers(text: str, exclude: set[str]) -> list[Found]:
    """Names directly followed by a speech verb (李振峰说), or opening the sentence after a
    quotation (“……”邓某期待满满), for quotes without a title."""
    out = []
    for m in QUOTE.finditer(text):
        if not _speech(m.group(1) or m.group(2), False):
            continue  # a term or slogan in quotation marks (“放管服”改革)
        name = name_at(text, m.end(), strong=True)
        if not name or name in exclude or _tagged_name(text, m.end()) != name:
            continue  # here only a name the tagger reads too
        after = text[m.end() + len(name) : m.end() + len(name) + 1]
        rest = text[m.end() + len(name) : m.end() + len(name) + 3]
        if (
            name.endswith(PLACE_ENDS)
            or (after and after in PLACE_ENDS)
            or rest.startswith(_organisation_ends())
        ):
            continue  # 冷湖镇, 骆象村: a place opens the sentence
        out.append(Found(name, None, None, m.end()))
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
