"""Score the extraction on real pages, per metric and per kind of page (issue 16).

    .venv/bin/python tests/bench/score_real.py [--corpus DIR] [--only d01,d27] [--no-html]
                                               [--save F] [--compare F] [--jobs N] [-q]

Reads the dev set in ``../shared/corpus/dev/`` (gold.json, raw/, html/) when it is there
and exits 0 with a note when it is not: the suite never needs it and its pages stay out of
the repository. The official scorer ``../shared/tools/score_extraction.py`` is not ours, so
it is run as it is, once per file, each time on a one-file gold written to a temporary
folder; its counts are then added up per kind of page. Metrics are ratios of summed counts,
so the "all" row equals one scorer run over the whole set.

A file's kinds come from its content, not from a list of names: YAML front matter kept
(Markdown whole), ``#`` headings or ``>`` bylines without front matter (Markdown body
only), a field record (an ISO date line, then title, unit and URL lines), a web page's
text rendering (no Markdown, many short menu lines, or an HTML original beside it),
traditional characters, a non-UTF-8 encoding, several gold articles in one file. A file
has every kind that fits. Two other forms of the same pages are scored as rows of their
own, outside the total: the HTML originals in ``html/``, and each field record turned back
into a JSON record (written to a temporary folder), which measures the JSON reader; with
``--md``, the Markdown files once more under a ``.md`` name; with ``--warc``, each HTML
original as the response record of a WARC file.

``--save F`` writes the per-file counts and per-kind metrics as JSON; ``--compare F``
prints before/after per metric against such a file (measured earlier, on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from archive.extraction.chinese import simplified  # noqa: E402
from archive.extraction.reader import ReadError, decode  # noqa: E402

SHARED = ROOT.parent / "shared"
METRICS = [
    ("articles_f1", "art F1"),
    ("people_f1", "ppl F1"),
    ("people_precision", "ppl P"),
    ("people_recall", "ppl R"),
    ("titles_ok", "titles"),
    ("quotes_attributed", "quotes"),
    ("regions_recall", "reg R"),
    ("primary_regions_precision", "prim P"),
    ("authors_recall", "authors"),
    ("dates_ok", "dates"),
]
KIND_ORDER = [
    "markdown, front matter kept",
    "markdown, body only",
    "several articles in a file",
    "web page, text rendering",
    "field record (JSON values)",
    "traditional characters",
    "non-UTF-8 encoding",
    "other",
]
HTML_KIND = "web page, original .html"
JSON_KIND = "field record, as .json"
MD_KIND = "markdown, as .md"
WARC_KIND = "web page, in a .warc"
# The counts a metric is a ratio of: with none, the scorer says 1.0, the table says "-".
BASIS = {
    "articles_f1": ("art_gold", "art_got"),
    "people_f1": ("ppl_gold", "ppl_got"),
    "people_precision": ("ppl_got",),
    "people_recall": ("ppl_gold",),
    "titles_ok": ("ppl_found",),
    "quotes_attributed": ("q_gold",),
    "regions_recall": ("reg_gold",),
    "primary_regions_precision": ("reg_primary_got",),
    "authors_recall": ("auth_gold",),
    "dates_ok": ("date_gold",),
}

FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(?:[\w-]+:.*\n)+?---[ \t]*\n")
MD_MARK = re.compile(r"^(?:#{1,6}\s|>\s)", re.M)
ISO_DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T][\d:]+)?$")
URL_LINE = re.compile(r"^https?://\S+$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def kinds_of(data: bytes, n_articles: int, has_html: bool) -> list[str]:
    """The kinds of page a file is, judged from its bytes (and its gold article count)."""
    try:
        text, encoding, _ = decode(data)
    except ReadError:
        return ["other"]
    kinds = []
    text = text.replace("\r\n", "\n")
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    markdown = bool(MD_MARK.search(text))
    record = (
        bool(lines)
        and ISO_DATE_LINE.match(lines[0]) is not None
        and any(URL_LINE.match(ln) for ln in lines[1:6])
    )
    if FRONT_MATTER.match(text):
        kinds.append("markdown, front matter kept")
    elif markdown:
        kinds.append("markdown, body only")
    if n_articles > 1:
        kinds.append("several articles in a file")
    if record:
        kinds.append("field record (JSON values)")
    elif not markdown:
        short = sum(1 for ln in lines if len(ln) <= 12)
        if has_html or (lines and short / len(lines) >= 0.3):
            kinds.append("web page, text rendering")
    cjk = CJK.findall(text)
    if cjk:
        plain = "".join(cjk)
        changed = sum(1 for a, b in zip(plain, simplified(plain), strict=False) if a != b)
        if changed / len(plain) >= 0.05:
            kinds.append("traditional characters")
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig", "ascii"):
        kinds.append("non-UTF-8 encoding")
    return kinds or ["other"]


def record_as_json(data: bytes) -> str | None:
    """A field record's text rendering (one field value a line: date, title, unit, URL,
    the content's lines, a last line of #tags) back into a JSON record, so that the JSON
    reader is measured on real records too. None when the lines do not have that shape."""
    try:
        text = decode(data)[0].replace("\r\n", "\n").strip("\n")
    except ReadError:
        return None
    lines = text.split("\n")
    if len(lines) < 6 or not ISO_DATE_LINE.match(lines[0].strip()):
        return None
    if not URL_LINE.match(lines[3].strip()):
        return None
    tags = lines[-1] if lines[-1].lstrip().startswith("#") else ""
    content = lines[4:-1] if tags else lines[4:]
    record = {
        "published": lines[0].strip(),
        "title": lines[1],
        "department": lines[2],
        "url": lines[3].strip(),
        "content": "\n".join(content),
        "tags": tags,
    }
    return json.dumps(record, ensure_ascii=False, indent=1)


def as_warc(html: bytes, stem: str) -> bytes:
    """One HTML page as the response record of a WARC file (written with warcio)."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    uri = f"https://dev.invalid/{stem}.html"
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(html), http_headers=headers
    )
    writer.write_record(record)
    return buf.getvalue()


def score_file(
    scorer: Path, gold: dict, name: str, raw_dir: Path, gold_name: str | None = None
) -> dict:
    """Run the official scorer on one file; return its counts and misses."""
    one = {
        "about": gold.get("about", ""),
        "files": {name: gold["files"][gold_name or name]},
        "junk_people": gold.get("junk_people", []),
        "region_aliases": gold.get("region_aliases", {}),
    }
    with tempfile.TemporaryDirectory(prefix="score_real_") as tmp:
        gold_path = Path(tmp, "gold.json")
        out_path = Path(tmp, "out.json")
        gold_path.write_text(json.dumps(one, ensure_ascii=False), encoding="utf-8")
        cmd = [
            sys.executable,
            str(scorer),
            str(gold_path),
            str(raw_dir),
            "--project",
            str(ROOT),
            "--python",
            sys.executable,
            "--json-out",
            str(out_path),
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0 or not out_path.exists():
            tail = (proc.stderr or proc.stdout)[-300:].strip()
            return {"counts": None, "details": [f"{name}: SCORER FAILED {tail}"]}
        result = json.loads(out_path.read_text(encoding="utf-8"))
    return {"counts": result["counts"], "details": result["details"]}


def metrics(c: dict) -> dict:
    """The scorer's metrics from summed counts (the same ratios it prints)."""

    def ratio(n, d):
        return n / d if d else 1.0

    def f1(p, r):
        return 2 * p * r / (p + r) if p + r else 0.0

    art_r = ratio(c["art_found"], c["art_gold"])
    art_p = ratio(c["art_got"] - c["art_extra"], c["art_got"])
    ppl_r = ratio(c["ppl_found"], c["ppl_gold"])
    ppl_p = ratio(c["ppl_got"] - c["ppl_fp"], c["ppl_got"])
    return {
        "articles_f1": f1(art_p, art_r),
        "people_f1": f1(ppl_p, ppl_r),
        "people_precision": ppl_p,
        "people_recall": ppl_r,
        "titles_ok": ratio(c["ttl_ok"], c["ppl_found"]),
        "quotes_attributed": ratio(c["q_found"], c["q_gold"]),
        "regions_recall": ratio(c["reg_found"], c["reg_gold"]),
        "primary_regions_precision": ratio(
            c["reg_primary_got"] - c["reg_primary_fp"], c["reg_primary_got"]
        ),
        "authors_recall": ratio(c["auth_found"], c["auth_gold"]),
        "dates_ok": ratio(c["date_ok"], c["date_gold"]),
        "junk_people": c["junk_people"],
        "title_spam": c["title_bad"],
        "errors": c["errors"],
    }


def add(total: dict | None, counts: dict) -> dict:
    if total is None:
        return dict(counts)
    return {k: total.get(k, 0) + v for k, v in counts.items()}


def measured(c: dict, key: str) -> bool:
    return any(c.get(n) for n in BASIS[key])


def cell(m: dict, c: dict, key: str, width: int, none: str = "-") -> str:
    return f"{m[key]:>{width}.2f}" if measured(c, key) else f"{none:>{width}}"


def table(rows: list[tuple[str, int, int, dict, dict]]) -> str:
    head = f"{'kind':<30} {'files':>5} {'arts':>4} " + " ".join(f"{s:>7}" for _, s in METRICS)
    head += f" {'junk':>4} {'spam':>4} {'err':>3}"
    out = [head, "-" * len(head)]
    for label, files, arts, m, c in rows:
        cells = " ".join(cell(m, c, k, 7) for k, _ in METRICS)
        out.append(
            f"{label:<30} {files:>5} {arts:>4} {cells} "
            f"{m['junk_people']:>4} {m['title_spam']:>4} {m['errors']:>3}"
        )
    return "\n".join(out)


def by_kind(per_file: dict) -> dict[str, dict]:
    """kind -> {"files": n, "articles": n, "counts": summed, "metrics": ...}; "all" is the total
    over the text files, HTML originals apart."""
    groups: dict[str, dict] = {}
    for entry in per_file.values():
        if entry["counts"] is None:
            continue
        labels = entry["kinds"] if entry["other_form"] else entry["kinds"] + ["all"]
        for label in labels:
            g = groups.setdefault(label, {"files": 0, "articles": 0, "counts": None})
            g["files"] += 1
            g["articles"] += entry["counts"]["art_gold"]
            g["counts"] = add(g["counts"], entry["counts"])
    for g in groups.values():
        g["metrics"] = metrics(g["counts"])
    return groups


def ordered(groups: dict) -> list[str]:
    others = [HTML_KIND, WARC_KIND, JSON_KIND, MD_KIND]
    known = [k for k in KIND_ORDER + others if k in groups]
    return known + sorted(k for k in groups if k not in known and k != "all") + ["all"]


def trend(before: float, after: float) -> str:
    return "+" if after > before + 1e-9 else "-" if after < before - 1e-9 else " "


def compare(groups: dict, before_path: Path) -> str:
    before = json.loads(before_path.read_text(encoding="utf-8"))["kinds"]
    out = [f"before -> after (before: {before_path})"]
    head = f"{'kind':<30} " + " ".join(f"{s:>13}" for _, s in METRICS)
    out += [head, "-" * len(head)]
    for label in ordered(groups):
        if label not in before:
            continue
        b, a = before[label]["metrics"], groups[label]["metrics"]
        bc, ac = before[label]["counts"], groups[label]["counts"]
        cells = " ".join(
            f"{cell(b, bc, k, 5, 'n/a')}->{cell(a, ac, k, 5, 'n/a').strip():<5}"
            f"{trend(b[k], a[k]) if measured(bc, k) and measured(ac, k) else ' '}"
            for k, _ in METRICS
        )
        out.append(f"{label:<30} {cells}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "dev")
    ap.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score_extraction.py")
    ap.add_argument("--only", help="comma-separated file stems to score (d01,d27)")
    ap.add_argument("--no-html", action="store_true", help="skip the HTML originals")
    ap.add_argument("--no-json", action="store_true", help="skip field records as .json")
    ap.add_argument("--md", action="store_true", help="also score Markdown files named .md")
    ap.add_argument("--warc", action="store_true", help="also score the HTML pages in WARCs")
    ap.add_argument("--save", type=Path, help="write per-file counts and per-kind metrics here")
    ap.add_argument("--compare", type=Path, help="a file written by --save earlier")
    ap.add_argument("--jobs", type=int, default=1, help="files scored at once (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not print the misses")
    args = ap.parse_args(argv)
    gold_path = args.corpus / "gold.json"
    if not gold_path.exists() or not args.scorer.exists():
        print(f"note: no dev corpus at {args.corpus} or no scorer at {args.scorer}; nothing scored")
        return 0
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    raw_dir, html_dir = args.corpus / "raw", args.corpus / "html"
    only = {s.strip() for s in args.only.split(",")} if args.only else None
    json_dir = Path(tempfile.mkdtemp(prefix="score_real_json_"))
    jobs: list[tuple[str, Path, str, str | None, list[str]]] = []
    # (name scored, its folder, gold name, other form's row or None, kinds)
    for name in gold["files"]:
        stem = name.split(".")[0]
        if only and stem not in only:
            continue
        data = (raw_dir / name).read_bytes()
        html = html_dir / f"{stem}.html"
        kinds = kinds_of(data, len(gold["files"][name]), html.exists())
        jobs.append((name, raw_dir, name, None, kinds))
        if html.exists() and not args.no_html:
            jobs.append((html.name, html_dir, name, HTML_KIND, [HTML_KIND]))
        if html.exists() and args.warc:
            (json_dir / f"{stem}.warc").write_bytes(as_warc(html.read_bytes(), stem))
            jobs.append((f"{stem}.warc", json_dir, name, WARC_KIND, [WARC_KIND]))
        if "field record (JSON values)" in kinds and not args.no_json:
            record = record_as_json(data)
            if record:
                (json_dir / f"{stem}.json").write_text(record, encoding="utf-8")
                jobs.append((f"{stem}.json", json_dir, name, JSON_KIND, [JSON_KIND]))
        if args.md and kinds[0].startswith("markdown"):
            (json_dir / f"{stem}.md").write_bytes(data)
            jobs.append((f"{stem}.md", json_dir, name, MD_KIND, [MD_KIND]))

    def run(job):
        name, folder, gold_name = job[:3]
        result = score_file(args.scorer, gold, name, folder, gold_name)
        print(f"  scored {name}", file=sys.stderr, flush=True)
        return job, result

    per_file: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for (name, _, _, other, kinds), result in pool.map(run, jobs):
            per_file[name] = {**result, "other_form": other, "kinds": kinds}
    shutil.rmtree(json_dir, ignore_errors=True)
    groups = by_kind(per_file)
    if not args.quiet:
        print("misses, by file (kinds in brackets):")
        for name, entry in per_file.items():
            if entry["details"]:
                print(f" {name} [{', '.join(entry['kinds'])}]")
                for line in entry["details"]:
                    print(f"    {line}")
    print()
    print("files per kind:")
    for label in ordered(groups):
        if label != "all":
            names = [n for n, e in per_file.items() if label in e["kinds"]]
            print(f"  {label:<30} {' '.join(sorted(names))}")
    print()
    rows = [
        (label, g["files"], g["articles"], g["metrics"], g["counts"])
        for label, g in ((label, groups[label]) for label in ordered(groups))
    ]
    print(table(rows))
    failed = [n for n, e in per_file.items() if e["counts"] is None]
    if failed:
        print(f"scorer failed on: {' '.join(failed)}")
    if "all" in groups:
        m = groups["all"]["metrics"]
        print("SUMMARY " + " ".join(f"{k}={m[k]:.2f}" for k, _ in METRICS))
    if args.compare:
        if args.compare.exists():
            print()
            print(compare(groups, args.compare))
        else:
            print(f"note: --compare file {args.compare} does not exist")
    if args.save:
        doc = {"kinds": groups, "files": per_file}
        args.save.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"saved to {args.save}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
