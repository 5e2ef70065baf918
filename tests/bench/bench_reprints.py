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
   signatures and band keys. Then --window new files (appearances of generated stories,
   about two thirds of them reprints) are imported as import_raw does (parse, then
   importer.import_file), alternating with and without clustering, and the medians per
   file are compared: the added share of the import. The lookup's plan is printed.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
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


def window_files(size: int, seed: int) -> list[tuple[str, bytes]]:
    """``size`` appearances of generated stories (tests/reprint_corpus.py, invented ones:
    places, officials and quotes for the entity extraction; about two thirds are reprints
    of each other) as JSON records, the way a crawler's export arrives."""
    import json

    from reprint_corpus import make_corpus

    docs = make_corpus(size, seed=seed, seeds=False)[:size]
    return [
        (
            f"w{seed}/{d.key}.json",
            json.dumps(
                {"title": d.title, "content": d.body, "source": d.outlet, "date": str(d.published)},
                ensure_ascii=False,
            ).encode(),
        )
        for d in docs
    ]


def window(size: int, seed: int) -> dict:
    """Import ``size`` new files (parse + write, as import_raw does), alternating
    clustering on and off; medians of the seconds per file each way."""
    from django.conf import settings
    from django.db import connection

    from archive.extraction.pipeline import parse
    from archive.importer import import_file, known_officials_or_none

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from archive.reprints import store

    known = known_officials_or_none()
    times = {True: [], False: []}
    clustering: list[float] = []
    plain = store.cluster_articles

    def timed(articles):  # the clustering step's own time, inside the import
        t0 = time.perf_counter()
        try:
            return plain(articles)
        finally:
            clustering.append(time.perf_counter() - t0)

    store.cluster_articles = timed
    for n, (name, data) in enumerate(window_files(size, seed)):
        on = n % 2 == 0
        settings.DIFANG_CLUSTER_REPRINTS = on
        t0 = time.perf_counter()
        status = import_file(parse(data, name, known=known), data)
        times[on].append(time.perf_counter() - t0)
        assert status in ("imported", "unchanged"), (name, status)
    settings.DIFANG_CLUSTER_REPRINTS = True
    store.cluster_articles = plain
    return {k: statistics.median(v) for k, v in times.items()} | {
        "mean_on": statistics.fmean(times[True]),
        "mean_off": statistics.fmean(times[False]),
        "step_median": statistics.median(clustering),
        "step_mean": statistics.fmean(clustering),
    }


def cost(sizes: list[int], window_size: int, sqlite: bool) -> None:
    import tempfile

    from django.db import connection

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(sqlite, Path(tmp))
        from archive.models import ReprintBand, Story
        from archive.reprints import store

        print(f"== cost: {connection.vendor}, window of {window_size} articles per size ==")
        texts = Texts(seed=7)
        have = 0
        rows = []
        for size in sizes:
            t0 = time.perf_counter()
            fill(texts, have, size)
            have = size
            print(f"filled to {size:,} in {time.perf_counter() - t0:.0f} s")
            w = window(window_size, seed=size)
            have += window_size
            added = w[True] - w[False]
            rows.append((size, w, added))
            print(
                f"  at {size:,}: import median {w[False] * 1000:.2f} ms without, "
                f"{w[True] * 1000:.2f} ms with clustering (means {w['mean_off'] * 1000:.2f} / "
                f"{w['mean_on'] * 1000:.2f}); added {added * 1000:.2f} ms = "
                f"{added / w[False]:.1%} of the import"
            )
        sig = store.core.signature(texts.made[-1])
        print("lookup plan at", f"{have:,}", "articles:")
        print(store.explain_candidates(sig.band_keys()))
        print(f"band rows {ReprintBand.objects.count():,}, stories {Story.objects.count():,}")
        print("size      import_ms  step_ms  step_share  | on-off: median  share   mean  share")
        for size, w, added in rows:
            mean_added = w["mean_on"] - w["mean_off"]
            print(
                f"{size:<9,} {w[False] * 1000:9.2f} {w['step_median'] * 1000:8.2f}"
                f" {w['step_median'] / w[False]:11.1%}"
                f"  | {added * 1000:14.2f} {added / w[False]:6.1%}"
                f" {mean_added * 1000:6.2f} {mean_added / w['mean_off']:6.1%}"
            )
        print(
            "import_ms: median seconds per file without clustering (parse + write); step: the"
            " clustering step's own median inside the imports with it; on-off: the"
            " difference of the two alternating halves (noisier: other files)"
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
