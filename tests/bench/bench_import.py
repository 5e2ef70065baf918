"""Import throughput benchmark: the extraction pipeline against plain jieba, in one run.

    .venv/bin/python tests/bench/bench_import.py [--mb 20]

Builds a corpus of at least --mb megabytes from the seed pages in fixtures/raw (each copy
gets its own header line, so every file has its own sha256), then measures on that corpus:

  a. jieba.lcut over the decoded text of every file (the baseline);
  b. parse(..., entities=False): reading, segmentation and metadata only;
  c. parse(...): the full pipeline with regions, officials, quotes and tags;
  d. manage.py import_raw --dry-run --json with --workers 1 and --workers 2 (wall time);
  e. the import into a fresh SQLite database (parse + write, one file at a time, in a
     child process each) of the first --db-mb megabytes, with and without the entity
     extraction: the extraction's cost as a share of the import. Without it the importer
     still segments each article for its search text; with it that segmentation is shared.
  f. the same into a fresh PostgreSQL database (with the entities);
  g. manage.py import_raw of those files into fresh databases, as the command reports its
     time: --workers 0 (parse and write in one process, the sum of e/f) and the default
     --workers 1 (a parser process parses the next files while the command writes).

and prints throughput, the ratios against their targets, and the peak RSS of the parse
loops after half and all of the corpus (files are parsed one at a time, so it should stay
flat). Not part of the test suite: pytest only collects test_*.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from archive.extraction.pipeline import parse  # noqa: E402
from archive.extraction.reader import read  # noqa: E402

SEEDS = sorted((ROOT / "fixtures" / "raw").glob("*.txt"))
OUTLETS = ["聊城日报", "辽宁日报", "半岛都市报", "汉中日报", "张家口新闻网", "东营日报"]


def build_corpus(directory: Path, megabytes: float, seed: int = 2023) -> list[Path]:
    """Write copies of the seed pages (one or two per file) until the corpus is big enough."""
    rng = random.Random(seed)
    pages = [p.read_bytes() for p in SEEDS]
    target = int(megabytes * 1_000_000)
    files: list[Path] = []
    total = n = 0
    while total < target:
        picked = rng.sample(pages, rng.choice((1, 1, 2)))
        header = (
            f"{rng.choice(OUTLETS)} 镜像存档 第{n}份 "
            f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n\n"
        )
        data = header.encode("utf-8") + b"\n\n\n".join(picked)
        path = directory / f"{n // 100:03d}" / f"page_{n:05d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        files.append(path)
        total += len(data)
        n += 1
    return files


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_loop(files: list[Path], entities: bool) -> tuple[float, int, float, float]:
    """Parse files one at a time; return seconds, articles, peak RSS at half and at the end."""
    half_bytes = sum(f.stat().st_size for f in files) / 2
    done = 0
    articles = 0
    rss_half = 0.0
    seconds = 0.0
    for path in files:
        data = path.read_bytes()
        started = time.perf_counter()
        record = parse(data, str(path), entities=entities)
        seconds += time.perf_counter() - started
        articles += len(record.articles)
        done += len(data)
        if not rss_half and done >= half_bytes:
            rss_half = peak_rss_mb()
    return seconds, articles, rss_half, peak_rss_mb()


def paired_loop(files: list[Path]) -> tuple[float, float]:
    """jieba.lcut and parse() of each file one right after the other: (jieba s, parse s).
    On a shared machine the load changes from minute to minute; paired, it hits both."""
    j = p = 0.0
    for path in files:
        data = path.read_bytes()
        text = read(data, str(path)).text
        started = time.perf_counter()
        jieba.lcut(text)
        j += time.perf_counter() - started
        started = time.perf_counter()
        parse(data, str(path))
        p += time.perf_counter() - started
    return j, p


def jieba_loop(files: list[Path]) -> float:
    seconds = 0.0
    for path in files:
        text = read(path.read_bytes(), str(path)).text
        started = time.perf_counter()
        jieba.lcut(text)
        seconds += time.perf_counter() - started
    return seconds


def dry_run(corpus: Path, workers: int, scratch: Path) -> tuple[float, dict, str]:
    """Wall time of the command on the corpus; a scratch SQLite file keeps real data away."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIFANG_SQLITE_PATH"] = str(scratch / "bench.sqlite3")
    cmd = [sys.executable, "manage.py", "import_raw", str(corpus), "--dry-run", "--json"]
    started = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--workers", str(workers)], cwd=ROOT, env=env, capture_output=True, timeout=900
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"import_raw --workers {workers} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    summary = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
    return seconds, json.loads(proc.stdout), summary


def unique_copies(files: list[Path], megabytes: float, directory: Path) -> list[Path]:
    """Copies whose articles are all different: the corpus repeats five seed pages, and
    an importer skips an article it already has, so without this the import without
    entities would segment almost nothing (the parse does it for every article)."""
    directory.mkdir(exist_ok=True)
    out, total = [], 0
    for n, f in enumerate(files):
        if total >= megabytes * 1e6:
            break
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"。(?=[\u4e00-\u9fff])", f"。第{n}份", text)
        path = directory / f.name
        path.write_text(text, encoding="utf-8")
        out.append(path)
        total += path.stat().st_size
    return out


def fresh_postgres(name: str) -> str:
    """The URL of a new, empty PostgreSQL database of that name (dropped first)."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def db_import(files: list[Path], entities: bool, scratch: Path, pg: str | None = None) -> float:
    """Seconds a child process spends importing files into its own new database: SQLite,
    or the PostgreSQL database named ``pg`` (created anew)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    db = scratch / f"import-{int(entities)}.sqlite3"
    db.unlink(missing_ok=True)  # every run starts from an empty database
    env["DIFANG_SQLITE_PATH"] = str(db)
    if pg:
        env["DATABASE_URL"] = fresh_postgres(pg)
    # As a worker runs: DEBUG off (with it on, Django keeps every statement it sends).
    env.pop("DEBUG", None)
    env["SECRET_KEY"] = secrets.token_urlsafe(32)
    listing = scratch / "import-files.txt"
    listing.write_text("\n".join(map(str, files)), encoding="utf-8")
    cmd = [sys.executable, __file__, "--child-import", str(listing)]
    cmd += ["--entities", str(int(entities))]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"import child failed: {proc.stderr[-800:]!r}")
    timing = json.loads(proc.stdout)
    PAIRED_RATIOS.setdefault((entities, pg), []).append(timing["jieba"] / timing["seconds"])
    return timing["seconds"]


def command_import(
    directory: Path, scratch: Path, workers: int, pg: str | None = None
) -> tuple[float, str]:
    """``manage.py import_raw DIRECTORY --workers N`` into a new database (SQLite, or the
    PostgreSQL database named ``pg``), migrated and given the gazetteer first: the seconds
    the command reports (from its start, after Django's) and its summary line."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    db = scratch / "command.sqlite3"
    db.unlink(missing_ok=True)
    env["DIFANG_SQLITE_PATH"] = str(db)
    if pg:
        env["DATABASE_URL"] = fresh_postgres(pg)
    env.pop("DEBUG", None)
    env["SECRET_KEY"] = secrets.token_urlsafe(32)
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "-v0"], ["load_regions"]):
        subprocess.run([*manage, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    cmd = [*manage, "import_raw", str(directory), "--workers", str(workers)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=1800)
    summary = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1]
    if proc.returncode != 0:
        sys.exit(f"import_raw exited {proc.returncode}: {summary}")
    return float(re.search(r" in ([\d.]+) s ", summary).group(1)), summary


# Each import child's jieba.lcut seconds over its files / its import seconds, by (entities,
# pg): the ratio within one run, where the machine's load hit both alike.
PAIRED_RATIOS: dict = {}


def child_import(listing: Path, entities: bool) -> None:
    """In a child process: migrate and load the gazetteer (untimed), then time the import."""
    import io

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    django.setup()
    from django.core.management import call_command

    from archive.importer import import_file

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    files = [Path(p) for p in listing.read_text(encoding="utf-8").splitlines()]
    parse(files[0].read_bytes(), "warm-up", entities=entities)
    jieba.initialize()
    seconds = jieba_seconds = 0.0
    for path in files:
        data = path.read_bytes()
        # jieba.lcut of the same file just before: the machine's load hits both alike.
        text = read(data, str(path)).text
        started = time.perf_counter()
        jieba.lcut(text)
        jieba_seconds += time.perf_counter() - started
        started = time.perf_counter()
        status = import_file(parse(data, str(path), entities=entities), data)
        seconds += time.perf_counter() - started
        assert status == "imported", (path, status)
    print(json.dumps({"seconds": seconds, "jieba": jieba_seconds}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=20, help="corpus size in megabytes (>= 20)")
    ap.add_argument("--db-mb", type=float, default=4, help="megabytes imported into a database")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each database import")
    ap.add_argument(
        "--pg-db", default="difang_bench_import", help="PostgreSQL database made for (f); '' skips"
    )
    ap.add_argument("--skip-dry-run", action="store_true", help="leave out (d)")
    ap.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--entities", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_import:
        child_import(args.child_import, bool(args.entities))
        return
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    parse(SEEDS[0].read_bytes(), SEEDS[0].name)  # load data files and models before timing

    with tempfile.TemporaryDirectory(prefix="difang-bench-") as tmp:
        scratch = Path(tmp)
        corpus = scratch / "corpus"
        corpus.mkdir()
        files = build_corpus(corpus, args.mb)
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"corpus: {len(files)} files, {size_mb:.1f} MB from {len(SEEDS)} seed pages")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, RSS before loops ", end="")
        print(f"{peak_rss_mb():.0f} MB")
        print()

        # b and c run before a so their peak RSS is not the baseline's.
        b_s, b_articles, b_rss_half, b_rss_end = parse_loop(files, entities=False)
        c_s, c_articles, c_rss_half, c_rss_end = parse_loop(files, entities=True)
        a_s = jieba_loop(files)
        pj_s, pp_s = paired_loop(files)
        if args.skip_dry_run:
            d1_s = d2_s = 1.0
            d1_doc = d2_doc = {"files": []}
            d1_summary = d2_summary = "(skipped)"
        else:
            d1_s, d1_doc, d1_summary = dry_run(corpus, 1, scratch)
            d2_s, d2_doc, d2_summary = dry_run(corpus, 2, scratch)
        db_files = unique_copies(files, args.db_mb, scratch / "unique")
        db_bytes = sum(f.stat().st_size for f in db_files)
        # Alternate the two and keep each one's best run: the machine is shared and noisy.
        e0_runs, e1_runs = [], []
        for _ in range(args.repeat):
            e0_runs.append(db_import(db_files, False, scratch))
            e1_runs.append(db_import(db_files, True, scratch))
        e0_s, e1_s = min(e0_runs), min(e1_runs)
        f_runs = [
            db_import(db_files, True, scratch, args.pg_db)
            for _ in range(args.repeat if args.pg_db else 0)
        ]
        f_s = min(f_runs) if args.pg_db else None
        # g: the command, parsing in this process (--workers 0) and in one parser process
        # beside the writes (the default); each run paired with jieba.lcut of its files.
        g_runs: dict = {}
        for _ in range(args.repeat):
            for db in ("SQLite", "PostgreSQL") if args.pg_db else ("SQLite",):
                for workers in (0, 1):
                    jieba_s = jieba_loop(db_files)
                    seconds, summary = command_import(
                        db_files[0].parent,
                        scratch,
                        workers,
                        args.pg_db if db == "PostgreSQL" else None,
                    )
                    g_runs.setdefault((db, workers), []).append((jieba_s / seconds, seconds))

    def rate(seconds: float) -> str:
        return f"{seconds:7.1f} s  {size_mb / seconds:6.2f} MB/s"

    print(f"a. jieba.lcut baseline            {rate(a_s)}")
    print(f"b. parse(entities=False)          {rate(b_s)}  {b_articles} articles")
    print(f"c. parse() with entities          {rate(c_s)}  {c_articles} articles")
    print(f"d. import_raw --dry-run -w 1      {rate(d1_s)}  (wall, incl. start-up)")
    print(f"   import_raw --dry-run -w 2      {rate(d2_s)}  (wall, incl. start-up)")
    print(f"   command says (w1): {d1_summary}")
    print(f"   command says (w2): {d2_summary}")
    db_mb = db_bytes / 1e6
    print(
        f"e. import into SQLite, no entities {e0_s:6.1f} s  {db_mb / e0_s:6.2f} MB/s  ({db_mb:.1f} MB)"
    )
    print(f"   import into SQLite, entities    {e1_s:6.1f} s  {db_mb / e1_s:6.2f} MB/s")
    if f_s:
        print(f"f. import into PostgreSQL, entities {f_s:5.1f} s  {db_mb / f_s:6.2f} MB/s")
    print()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    full_ratio = a_s / c_s
    overhead = c_s / b_s - 1
    speedup = d1_s / d2_s
    same = [f["articles"] for f in d1_doc["files"]] == [f["articles"] for f in d2_doc["files"]]
    print(f"pipeline (c) / jieba throughput     {full_ratio:6.2f}   target >= 0.5   ", end="")
    print(verdict(full_ratio >= 0.5))
    print(f"pipeline w/o entities (b) / jieba   {a_s / b_s:6.2f}")
    print(f"parse (c) / jieba.lcut              {full_ratio:6.2f}   target >= 1.0   ", end="")
    print(verdict(full_ratio >= 1.0))
    paired = pj_s / pp_s
    print(f"parse / jieba.lcut, paired per file {paired:6.2f}   target >= 1.0   ", end="")
    print(verdict(paired >= 1.0))
    for label, seconds, key in (
        ("SQLite", e1_s, (True, None)),
        ("PostgreSQL", f_s, (True, args.pg_db)),
    ):
        if seconds:
            ratios = sorted(PAIRED_RATIOS[key])  # each run paired in its child
            spread = f"{ratios[0]:.2f}–{ratios[-1]:.2f}" if len(ratios) > 1 else ""
            print(
                f"import into {label:<10} / jieba.lcut (paired) {ratios[-1]:6.2f}   "
                f"target >= 0.5   {verdict(ratios[-1] >= 0.5)}  runs {spread}"
            )
    for (db, workers), runs in g_runs.items():
        ratios = sorted(r for r, _s in runs)
        best = min(s for _r, s in runs)
        print(
            f"g. import_raw --workers {workers} into {db:<10} {best:5.1f} s "
            f"{db_mb / best:5.2f} MB/s  / jieba.lcut (paired) {ratios[-1]:5.2f}  "
            f"target >= 0.5  {verdict(ratios[-1] >= 0.5)}  runs {ratios[0]:.2f}–{ratios[-1]:.2f}"
        )
    print(f"entities + search text vs parse (c / b - 1)  {overhead:6.0%}")
    import_overhead = e1_s / e0_s - 1
    print(f"entities' share of the import (e)   {import_overhead:6.0%}   target <= 30%   ", end="")
    print(verdict(import_overhead <= 0.30))
    print(f"workers 2 speed-up (wall)           {speedup:6.2f}   target >= 1.7   ", end="")
    print(verdict(speedup >= 1.7))
    print(f"workers 1 and 2 give the same articles: {same}")
    print(
        f"peak RSS parse(entities=False)  at {size_mb / 2:.0f} MB: {b_rss_half:.0f} MB, "
        f"at {size_mb:.0f} MB: {b_rss_end:.0f} MB  ({b_rss_end - b_rss_half:+.0f} MB)"
    )
    print(
        f"peak RSS parse() with entities  at {size_mb / 2:.0f} MB: {c_rss_half:.0f} MB, "
        f"at {size_mb:.0f} MB: {c_rss_end:.0f} MB  ({c_rss_end - c_rss_half:+.0f} MB)"
    )


if __name__ == "__main__":
    main()
