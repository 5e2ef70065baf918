"""Score the entity extraction against hand-annotated pages (precision, recall, F1).

    .venv/bin/python tests/bench/score_extraction.py [tests/gold/pages] [-v]

Each page ``X.txt`` has a gold file ``X.json``: its articles with title, people (name,
title, organization), quotes (speaker, first characters) and regions (name, code,
primary). Articles are paired by title; a gold article the parser did not find counts
its people, quotes and places as missed. Names are compared in simplified Chinese.

Printed: people P/R/F1 (by name), title chains right among people found, quotes
attributed (gold quotes found with the right speaker), region P/R (by code, or by name
for townships), primary regions right. Not part of the pass/fail suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from archive.extraction.entities import simplified  # noqa: E402
from archive.extraction.pipeline import parse  # noqa: E402


class Tally:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, gold: set, found: set) -> tuple[set, set]:
        self.tp += len(gold & found)
        self.fp += len(found - gold)
        self.fn += len(gold - found)
        return gold - found, found - gold

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def region_key(name: str, code: str | None) -> str:
    return code or f"name:{simplified(name)}"


def pair(gold_articles: list[dict], found: list) -> list[tuple[dict, object | None]]:
    pairs = []
    for g in gold_articles:
        title = simplified(g["title"])
        best, score = None, 0.0
        for a in found:
            s = SequenceMatcher(None, title, simplified(a.title)).ratio()
            if s > score:
                best, score = a, s
        pairs.append((g, best if score >= 0.6 else None))
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("directory", nargs="?", type=Path, default=GOLD)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = ap.parse_args()
    score(args.directory, args.verbose, show=True)


GOLD = ROOT / "tests" / "gold" / "pages"


def score(directory: Path = GOLD, verbose: bool = False, show: bool = False) -> dict:
    """Score every annotated page in directory; returns the figures main() prints."""
    people, regions, primary = Tally(), Tally(), Tally()
    chains_right = chains_total = 0
    quotes_right = quotes_total = quotes_found_wrong = 0
    articles_found = articles_total = 0
    for gold_path in sorted(directory.glob("*.json")):
        page = gold_path.with_suffix(".txt")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        record = parse(page.read_bytes(), page.name)
        for g, a in pair(gold["articles"], record.articles):
            articles_total += 1
            articles_found += a is not None
            tag = f"{page.name} «{g['title'][:20]}»"
            if a is None and verbose:
                print(f"{tag}: article not found")
            g_people = {simplified(p["name"]): p for p in g.get("people", [])}
            f_people = {simplified(p.name): p for p in (a.people if a else [])}
            missed, extra = people.add(set(g_people), set(f_people))
            for name in set(g_people) & set(f_people):
                if g_people[name].get("title"):
                    chains_total += 1
                    got = simplified(f_people[name].title or "")
                    if got == simplified(g_people[name]["title"]):
                        chains_right += 1
                    elif verbose:
                        print(f"{tag}: {name} title {got!r} != {g_people[name]['title']!r}")
            g_quotes = g.get("quotes", [])
            quotes_total += len(g_quotes)
            for q in g_quotes:
                start = simplified(q["starts_with"])[:4]
                hit = [x for x in (a.quotes if a else []) if simplified(x.text).startswith(start)]
                speakers = {simplified(x.speaker or "") for x in hit}
                if simplified(q["speaker"]) in speakers:
                    quotes_right += 1
                else:
                    quotes_found_wrong += bool(hit)
                    if verbose:
                        print(f"{tag}: quote {q['starts_with']!r} by {q['speaker']} -> {speakers}")
            g_regions = {region_key(r["name"], r.get("code")): r for r in g.get("regions", [])}
            f_regions = {}
            for r in a.regions if a else []:
                f_regions[region_key(r.name, r.code)] = r
                f_regions.setdefault(f"name:{simplified(r.name)}", r)
            # A gold place without a code matches a found place of that name.
            found_keys = {k for k in f_regions if not k.startswith("name:")}
            found_keys |= {k for k in g_regions if k.startswith("name:") and k in f_regions}
            found_keys |= {
                region_key(r.name, None) for r in (a.regions if a else []) if r.code is None
            }
            r_missed, r_extra = regions.add(set(g_regions), found_keys)
            g_primary = {k for k, r in g_regions.items() if r.get("primary")}
            f_primary = {k for k in found_keys if k in f_regions and f_regions[k].primary}
            primary.add(g_primary, f_primary)
            if verbose:
                for name in missed:
                    print(f"{tag}: person missed {name}")
                for name in extra:
                    print(f"{tag}: person extra {name}")
                for k in r_missed:
                    print(f"{tag}: region missed {g_regions[k]['name']} {k}")
                for k in r_extra:
                    r = f_regions.get(k)
                    print(f"{tag}: region extra {r.name if r else k} {k}")

    result = {
        "articles": (articles_found, articles_total),
        "people": people.prf(),
        "chains": (chains_right, chains_total),
        "quotes": quotes_right / max(quotes_total, 1),
        "regions": regions.prf(),
        "primary": primary.prf(),
    }
    if not show:
        return result

    def line(label: str, t: Tally) -> None:
        p, r, f = t.prf()
        print(f"{label:<22} P {p:5.2f}  R {r:5.2f}  F1 {f:5.2f}  (tp {t.tp}, fp {t.fp}, fn {t.fn})")

    print(f"articles found        {articles_found}/{articles_total}")
    line("people (by name)", people)
    print(f"title chains right     {chains_right}/{chains_total}")
    print(
        f"quotes attributed      {quotes_right}/{quotes_total}"
        f" = {quotes_right / max(quotes_total, 1):.2f}  ({quotes_found_wrong} found, wrong speaker)"
    )
    line("regions", regions)
    line("primary regions", primary)
    return result


if __name__ == "__main__":
    main()
