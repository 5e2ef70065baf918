"""Reprint clustering (issue 21): quality on the generated corpus, and cost at import.

    .venv/bin/python tests/bench/bench_reprints.py [--stories 400] [--sizes 10000,100000]
        [--window 400] [--sqlite] [--quality-only] [--cost-only]

1. Quality. tests/reprint_corpus.py makes --stories stories (the seed articles and
   invented ones on three topics) with 0-5 reprints each (a new title, a paragraph dropped
   or added, another byline, punctuation, traditional characters; 1-3 edits each). The
   matcher (band lookup, then verification) runs over them in order; its pairs are scored
   against the exact Jaccard of every pair at several thresholds, and its clusters
   against the generated stories. The exact Jaccard of same-story and other pairs is
   printed as percentiles: the threshold goes in the gap.

2. Cost. A database of its own (PostgreSQL difang_i21_bench, or a SQLite file with
   --sqlite) is filled in bulk to each size with generated articles (jieba's dictionary
   words by frequency, a quarter of them edited copies of earlier ones) and their
   signatures and band keys. Then --window new articles (a quarter reprints of archived
   ones) are imported through importer.import_file, one file each, alternating with and
   without clustering, and the medians per article are compared: the added share of the
   database write. The full pipeline's parse time per article (measured on the seed
   pages) gives the share of a whole import. The candidate lookup's plan is printed.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

BENCH_DB = "difang_i21_bench"


def percentiles(values, points=(0, 1, 5, 50, 95, 99, 100)):
    data = sorted(values)
    if not data:
        return "-"
    return " ".join(
        f"p{p}={data[min(len(data) - 1, int(p / 100 * len(data)))]:.2f}" for p in points
    )


def quality(stories: int) -> None:
    from reprint_corpus import evaluate, make_corpus

    from archive.reprints import core

    docs = make_corpus(stories)
    print(f"== quality: {stories} stories, {len(docs)} appearances ==")
    grams = [core.shingles(d.body) for d in docs]
    same, other = [], []
    for i, j in itertools.combinations(range(len(docs)), 2):
        if grams[i] and grams[j]:
            value = core.jaccard(grams[i], grams[j])
            (same if docs[i].story == docs[j].story else other).append(value)
    print(f"exact Jaccard, same story ({len(same)} pairs): {percentiles(same)}")
    print(f"exact Jaccard, other stories ({len(other)} pairs): {percentiles(other)}")
    print(f"other pairs at or above 0.35: {sum(v >= 0.35 for v in other)}")
    print(
        f"shingle {core.SHINGLE} chars, {core.NUM_PERM} permutations, "
        f"{core.BANDS} bands x {core.ROWS} rows"
    )
    print("threshold  pairs  found  precision  recall  | stories precision recall  candidates")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7):
        t0 = time.perf_counter()
        s = evaluate(docs, threshold)
        mark = "  <- chosen" if threshold == core.THRESHOLD else ""
        print(
            f"{threshold:9.2f} {s['pairs']['true']:6d} {s['pairs']['found']:6d}"
            f" {s['pairs']['precision']:10.4f} {s['pairs']['recall']:7.4f}"
            f"  | {s['stories']['precision']:17.4f} {s['stories']['recall']:6.4f}"
            f" {s['candidates']:11d}{mark}  ({time.perf_counter() - t0:.0f} s)"
        )


# --- cost -------------------------------------------------------------------------------


def vocabulary():
    import jieba

    rows = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq, _ = line.split(" ")
            if len(word) > 1 or "\u4e00" <= word <= "\u9fff":
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    rows = rows[:60000]
    return [w for _, w in rows], list(itertools.accumulate(float(f) for f, _ in rows))


class Texts:
    """Generated bodies: words by frequency in sentences; a share are edited copies."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words, self.cum = vocabulary()
        self.made: list[str] = []

    def fresh(self) -> str:
        rng = self.rng
        paragraphs = []
        for _ in range(rng.randint(4, 10)):
            sentences = []
            for _ in range(rng.randint(3, 5)):
                n = rng.randint(10, 25)
                sentences.append("".join(rng.choices(self.words, cum_weights=self.cum, k=n)) + "。")
            paragraphs.append("，".join(s.rstrip("。") for s in sentences) + "。")
        return "\n".join(paragraphs)

    def reprint(self) -> str:
        base = self.rng.choice(self.made).split("\n")
        if len(base) > 3 and self.rng.random() < 0.5:
            del base[self.rng.randrange(1, len(base))]
        if self.rng.random() < 0.5:
            base.append("（来源：" + self.rng.choice(self.words) + "日报）")
        return "\n".join(base).replace("，", ",") if self.rng.random() < 0.3 else "\n".join(base)

    def next(self, reprint_share: float = 0.25) -> str:
        text = self.reprint() if self.made and self.rng.random() < reprint_share else self.fresh()
        self.made.append(text)
        if len(self.made) > 5000:
            self.made = self.made[-5000:]
        return text


def setup_django(sqlite: bool, tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    os.environ["DEBUG"] = "1"
    if sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["DIFANG_SQLITE_PATH"] = str(tmp / "bench_reprints.sqlite3")
    else:
        import psycopg

        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + BENCH_DB
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(texts: Texts, start: int, stop: int) -> None:
    """Articles start..stop-1 in bulk, with their signatures and band keys (no stories:
    the window's articles find them through the bands like any later import)."""
    from django.db import transaction

    from archive.importer import content_hash
    from archive.models import Article, ReprintBand, ReprintSignature, Source
    from archive.reprints import core

    sources = [Source.objects.get_or_create(name=f"测试来源{i}")[0] for i in range(40)]
    chunk = 2000
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        arts, sigs = [], []
        for n in range(lo, hi):
            body = texts.next()
            title = f"第{n}号稿件"
            arts.append(
                Article(
                    title=title,
                    body=body,
                    content_hash=content_hash(title, body),
                    source=sources[n % len(sources)],
                    published=f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                    review_status="published",
                )
            )
            grams = core.shingles(body)
            sigs.append((core.signature_of_shingles(grams), len(grams)))
        with transaction.atomic():
            Article.objects.bulk_create(arts, batch_size=1000)
            ReprintSignature.objects.bulk_create(
                [
                    ReprintSignature(article=a, values=s.to_bytes() if s else b"", shingles=k)
                    for a, (s, k) in zip(arts, sigs, strict=True)
                ],
                batch_size=1000,
            )
            ReprintBand.objects.bulk_create(
                [
                    ReprintBand(key=key, article=a)
                    for a, (s, _) in zip(arts, sigs, strict=True)
                    if s
                    for key in s.band_keys()
                ],
                batch_size=5000,
            )
        print(f"  filled {hi:,}", end="\r", file=sys.stderr)
    print(file=sys.stderr)


def window(texts: Texts, size: int, label: str) -> dict:
    """Import ``size`` new articles one file each, alternating clustering on and off."""
    from django.conf import settings
    from django.db import connection

    from archive.extraction.records import ArticleRecord, FileRecord
    from archive.importer import import_file

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    times = {True: [], False: []}
    for n in range(size):
        body = texts.next()
        title = f"{label}窗口第{n}号"
        rec = ArticleRecord(
            title=title, body=body, span=(0, len(body)), published="2025-01-02", source="窗口来源"
        )
        data = f"{title}\n{body}".encode()
        frec = FileRecord(
            path=f"{label}/{n}.txt",
            sha256=hashlib.sha256(data).hexdigest(),
            encoding="utf-8",
            articles=[rec],
            size=len(data),
        )
        on = n % 2 == 0
        settings.DIFANG_CLUSTER_REPRINTS = on
        t0 = time.perf_counter()
        assert import_file(frec, data) == "imported"
        times[on].append(time.perf_counter() - t0)
    settings.DIFANG_CLUSTER_REPRINTS = True
    return {k: statistics.median(v) for k, v in times.items()} | {
        "mean_on": statistics.fmean(times[True]),
        "mean_off": statistics.fmean(times[False]),
    }


def parse_cost() -> float:
    """Seconds per article of the full pipeline on the seed pages."""
    from archive.extraction.pipeline import parse

    seeds = sorted((ROOT / "fixtures" / "raw").glob("*.txt"))
    for p in seeds:
        parse(p.read_bytes(), p.name)  # warm jieba and caches
    t0, articles = time.perf_counter(), 0
    for _ in range(3):
        for p in seeds:
            articles += len(parse(p.read_bytes(), p.name).articles)
    return (time.perf_counter() - t0) / articles


def cost(sizes: list[int], window_size: int, sqlite: bool) -> None:
    import tempfile

    from django.db import connection

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(sqlite, Path(tmp))
        from archive.models import ReprintBand, Story
        from archive.reprints import store

        print(f"== cost: {connection.vendor}, window of {window_size} articles per size ==")
        parse_s = parse_cost()
        print(f"full pipeline parse: {parse_s * 1000:.1f} ms per seed article")
        texts = Texts(seed=7)
        have = 0
        rows = []
        for size in sizes:
            t0 = time.perf_counter()
            fill(texts, have, size)
            have = size
            print(f"filled to {size:,} in {time.perf_counter() - t0:.0f} s")
            w = window(texts, window_size, f"w{size}")
            have += window_size
            added = w[True] - w[False]
            rows.append((size, w, added))
            print(
                f"  at {size:,}: write median {w[False] * 1000:.2f} ms without, "
                f"{w[True] * 1000:.2f} ms with clustering (means {w['mean_off'] * 1000:.2f} / "
                f"{w['mean_on'] * 1000:.2f}); added {added * 1000:.2f} ms = "
                f"{added / w[False]:.1%} of the write, "
                f"{added / (w[False] + parse_s):.1%} of a whole import (parse + write)"
            )
        sig = store.core.signature(texts.made[-1])
        print("lookup plan at", f"{have:,}", "articles:")
        print(store.explain_candidates(sig.band_keys()))
        print(f"band rows {ReprintBand.objects.count():,}, stories {Story.objects.count():,}")
        print("size      write_ms  +cluster_ms  share_of_write  share_of_import")
        for size, w, added in rows:
            print(
                f"{size:<9,} {w[False] * 1000:8.2f} {added * 1000:12.2f}"
                f" {added / w[False]:14.1%} {added / (w[False] + parse_s):16.1%}"
            )
        if not sqlite:
            connection.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, default=400)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--window", type=int, default=400)
    ap.add_argument("--sqlite", action="store_true")
    ap.add_argument("--quality-only", action="store_true")
    ap.add_argument("--cost-only", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    if not args.cost_only:
        import django

        django.setup() if args.quality_only else None
        quality(args.stories)
    if not args.quality_only:
        cost([int(s) for s in args.sizes.split(",")], args.window, args.sqlite)


if __name__ == "__main__":
    main()
