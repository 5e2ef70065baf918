"""Side by side on the dev set's saved web pages: Difang against trafilatura and gne alone.

Not pass/fail. For each `.html` page of `../shared/corpus/dev/html/` (its gold is keyed by
the page's text rendering, `dNN.txt`) it prints the title, date and authors that Difang's
pipeline gives, that trafilatura gives on its own (default settings, with metadata) and
that gne (GeneralNewsExtractor) gives on its own, next to the gold; then a table per
system: titles ok (a gold key in the title and none of the page's site-name spam), dates
ok (of the pages whose gold has a date) and authors recall.

    .venv/bin/python tests/bench/html_side_by_side.py [--dev PATH]

Without the dev corpus it prints a note and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "corpus" / "dev"
SYSTEMS = ("difang", "trafilatura", "gne")


def difang(data: bytes, name: str) -> dict:
    from archive.extraction.pipeline import parse

    record = parse(data, name, entities=False)
    if not record.articles:
        return {"title": None, "date": None, "authors": [], "articles": 0}
    # The page's article: the longest one (a page of one story normally gives one).
    art = max(record.articles, key=lambda a: len(a.body))
    return {
        "title": art.title,
        "date": art.published,
        "authors": list(art.authors),
        "articles": len(record.articles),
    }


def trafilatura_alone(html: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True)
    d = doc.as_dict() if doc is not None else {}
    author = d.get("author") or ""
    return {"title": d.get("title"), "date": d.get("date"), "authors": [author] if author else []}


def gne_alone(html: str) -> dict:
    from gne import GeneralNewsExtractor

    try:
        d = GeneralNewsExtractor().extract(html)
    except Exception as exc:  # noqa: BLE001 - gne raises when it finds no body
        return {"title": None, "date": None, "authors": [], "error": str(exc)}
    author = d.get("author") or ""
    return {
        "title": d.get("title"),
        "date": d.get("publish_time"),
        "authors": [author] if author else [],
    }


def _flat(values: list[str]) -> str:
    return re.sub(r"\s+", "", " ".join(values))


def judge(got: dict, gold: dict) -> dict:
    title = got.get("title") or ""
    spam = [bad for bad in gold.get("title_must_not_contain", []) if bad in title]
    title_ok = any(k in title for k in gold["keys"]) and not spam
    date = (got.get("date") or "")[:10]
    date_ok = None if not gold.get("date") else date == gold["date"]
    authors = _flat(got.get("authors") or [])
    found = [a for a in gold.get("authors", []) if a in authors]
    return {
        "title": title_ok,
        "date": date_ok,
        "authors": (len(found), len(gold.get("authors", []))),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev", type=Path, default=DEV, help="the dev corpus folder")
    args = ap.parse_args()
    gold_path = args.dev / "gold.json"
    pages = sorted((args.dev / "html").glob("*.html")) if (args.dev / "html").is_dir() else []
    if not gold_path.exists() or not pages:
        print(f"note: no dev corpus of web pages at {args.dev}; nothing to compare")
        return 0
    gold = json.loads(gold_path.read_text(encoding="utf-8"))["files"]
    totals = {
        s: {"title": 0, "pages": 0, "date": 0, "dated": 0, "found": 0, "authors": 0}
        for s in SYSTEMS
    }
    for path in pages:
        arts = gold.get(path.stem + ".txt")
        if not arts:
            continue
        g = arts[0]
        data = path.read_bytes()
        html = data.decode("utf-8-sig", errors="replace")
        results = {
            "difang": difang(data, path.name),
            "trafilatura": trafilatura_alone(html),
            "gne": gne_alone(html),
        }
        print(f"== {path.name}")
        print(
            f"   gold         title~{g['keys'][0]} | date {g.get('date')} | authors {g.get('authors')}"
        )
        for system, got in results.items():
            j = judge(got, g)
            t = totals[system]
            t["pages"] += 1
            t["title"] += j["title"]
            if j["date"] is not None:
                t["dated"] += 1
                t["date"] += j["date"]
            t["found"] += j["authors"][0]
            t["authors"] += j["authors"][1]
            marks = "".join(
                [
                    "T" if j["title"] else "t",
                    "D" if j["date"] else ("-" if j["date"] is None else "d"),
                ]
            )
            print(
                f"   {system:12s} [{marks}] title {got.get('title')!r} | date {got.get('date')} "
                f"| authors {got.get('authors')} ({j['authors'][0]}/{j['authors'][1]})"
            )
    print()
    print(f"{'system':12s} {'titles ok':>10s} {'dates ok':>10s} {'authors recall':>15s}")
    for system in SYSTEMS:
        t = totals[system]
        titles = t["title"] / t["pages"] if t["pages"] else 0.0
        dates = t["date"] / t["dated"] if t["dated"] else 1.0
        authors = t["found"] / t["authors"] if t["authors"] else 1.0
        print(
            f"{system:12s} {titles:6.2f} ({t['title']}/{t['pages']}) {dates:5.2f} ({t['date']}/"
            f"{t['dated']}) {authors:9.2f} ({t['found']}/{t['authors']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
