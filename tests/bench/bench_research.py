"""Research pages benchmark on PostgreSQL with a million generated articles.

    .venv/bin/python tests/bench/bench_research.py [--articles 1000000] [--runs 40] [--keep]
                                                   [--reuse] [--search]

Fills its own database (difang_bench_research) with bench_site.py's filler (COPY of
generated articles, region links, tags, mentions) plus one quote for every third article
(its words drawn like the text, said by the article's mentioned official, who holds a
post), then times in-process with Django's test client (DEBUG off, whole-page cache off)
and prints p50/p95 for

  - a trend line of a word in about 1% and one in about 20% of the articles (counts per
    month from the search index, and the share of the month's articles), and of a phrase,
  - the spread table (first date and count per prefecture and county) of a word in ~5%,
  - the coverage heat map (per source and per province per month),
  - a quote search (quoted words within the article search, plus a post facet),

each with the research cache off (every request counts everything) and on (the archive's
monthly totals and the coverage counts remembered under the data version, as served), and
with ``--search`` the site's searches (bench_site.py's words, a phrase, within a province,
newest first), which read the same side table.
The words are chosen by their measured share. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_site  # noqa: E402  (the filler and timer)

bench_site.BENCH_DB = "difang_bench_research"  # its own database, beside the site bench's


def add_quotes_and_posts(seed=11):
    """One quote for every third mentioned article, and a post for every person."""
    from django.db import connection

    words, weights = bench_site.vocabulary()
    import itertools

    cum = list(itertools.accumulate(weights))
    rng = random.Random(seed)
    posts = ["县委书记", "县长", "市委书记", "市长", "副县长", "局长", "镇党委书记"]
    with connection.cursor() as c:
        cur = c.cursor
        cur.execute(
            "SELECT p.id, (SELECT r.id FROM archive_region r WHERE r.level = 'county' "
            "ORDER BY r.id OFFSET (p.id % 2800) LIMIT 1) FROM archive_person p"
        )
        people = cur.fetchall()
        bench_site.copy_rows(
            cur,
            "archive_position",
            ["person_id", "title", "organization", "region_id", "first_seen", "last_seen"],
            (
                f"{pid}\t{rng.choice(posts)}\t\t{region}\t2019-0{1 + pid % 9}-01\t2026-0{1 + pid % 9}-01"
                for pid, region in people
            ),
        )
        cur.execute("SELECT article_id, person_id FROM archive_mention WHERE article_id % 3 = 0")
        mentions = cur.fetchall()
        bench_site.copy_rows(
            cur,
            "archive_quote",
            ["article_id", "person_id", "speaker_name", "text", "start", "end"],
            (
                f"{a}\t{p}\t人物\t{''.join(rng.choices(words, cum_weights=cum, k=12))}\t10\t40"
                for a, p in mentions
            ),
        )
        cur.execute("ANALYZE archive_quote")
        cur.execute("ANALYZE archive_position")
    return len(mentions)


def word_shares():
    """Each newsroom word's share of public articles, counted in the search table."""
    from django.db import connection

    shares = {}
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM archive_article_search WHERE public")
        total = cur.fetchone()[0]
        for word in bench_site.WORDS:
            cur.execute(
                "SELECT count(*) FROM archive_article_search WHERE public AND "
                "search_vector @@ plainto_tsquery('simple'::regconfig, %s)",
                [word],
            )
            shares[word] = cur.fetchone()[0] / total
    return shares


def nearest(shares, target):
    return min(shares, key=lambda w: abs(shares[w] - target))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument(
        "--search",
        action="store_true",
        help="also time the site's search pages (bench_site.py's searches) on this database",
    )
    args = ap.parse_args()

    server, bench_url = bench_site.database_urls()
    if not args.reuse:
        bench_site.recreate(server)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    os.environ["DIFANG_SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()
    from archive.warm import warm_up

    warm_up()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    try:
        call_command("migrate", verbosity=0)
        if not args.reuse:
            call_command("load_regions", verbosity=0, stdout=io.StringIO())
            print(f"generating {args.articles:,} articles with COPY …", flush=True)
            from django.db import connection

            with connection.cursor() as cur:
                # bench_site's COPY of people predates Person.curation (migration 0011).
                cur.execute(
                    "ALTER TABLE archive_person ALTER COLUMN curation SET DEFAULT 'machine'"
                )
            bench_site.fill(args.articles)
            n = add_quotes_and_posts()
            print(f"  {n:,} quotes added", flush=True)
            t = time.perf_counter()
            bench_site.vacuum(bench_url)
            print(f"  VACUUM ANALYZE in {time.perf_counter() - t:.0f} s", flush=True)
        shares = word_shares()
        rare, common, middle = nearest(shares, 0.01), nearest(shares, 0.20), nearest(shares, 0.05)
        client = Client()
        print(f"\n{args.runs} runs each; page cache off\n")
        print(f"{'page':64} {'p50 ms':>8} {'p95 ms':>8}")

        def row(label, url, cache_seconds):
            old = (
                getattr(settings, "DIFANG_FACET_CACHE_SECONDS", 300),
                settings.DIFANG_PAGE_CACHE_SECONDS,
            )
            settings.DIFANG_FACET_CACHE_SECONDS, settings.DIFANG_PAGE_CACHE_SECONDS = (
                cache_seconds,
                0,
            )
            cache.clear()
            try:
                p50, p95 = bench_site.timed(bench_site.get(client, url), args.runs)
            finally:
                settings.DIFANG_FACET_CACHE_SECONDS, settings.DIFANG_PAGE_CACHE_SECONDS = old
            mark = "ok" if p95 < 300 else "OVER 300"
            print(f"{label:64} {p50:8.1f} {p95:8.1f}  {mark}", flush=True)

        pages = [
            (f"trend q={rare} ({shares[rare]:.1%} of articles)", f"/trends/?q={rare}"),
            (f"trend q={common} ({shares[common]:.1%})", f"/trends/?q={common}"),
            (f"trend q={rare}&q={common} (two lines)", f"/trends/?q={rare}&q={common}"),
            (f"trend q={common}&region=370000", f"/trends/?q={common}&region=370000"),
            # A 提法 of several words is a phrase: each candidate's positions are checked.
            (
                f'trend q="{common} {middle}" (a phrase)',
                "/trends/?q=" + quote(f'"{common} {middle}"'),
            ),
            (f"spread q={middle} ({shares[middle]:.1%})", f"/trends/spread/?q={middle}"),
            (f"spread q={middle} CSV", f"/trends/spread/?q={middle}&format=csv"),
            ("coverage", "/coverage/"),
            (f"quotes q={rare}", f"/quotes/?q={rare}"),
            (f"quotes q={common}&post=书记", f"/quotes/?q={common}&post=书记"),
            ("people post=县委书记&region=37", "/people/?post=县委书记&region=37"),
        ]
        for label, url in pages:
            row(label + " [cache off]", url, 0)
        for label, url in pages:
            if "trend" in label or "coverage" in label:
                row(label + " [cached totals]", url, 300)
        if args.search:
            # The side table serves the lists' searches too: a change to it shows here.
            print()
            for q in bench_site.QUERIES:
                row(f"search q={q} [cache off]", "/?q=" + q, 0)
            for extra in ("q=作风&region=370000", "q=工作&region=370000", "q=工作&sort=new"):
                row(f"search {extra} [cache off]", "/?" + extra, 0)
    finally:
        from django.db import connection

        connection.close()
        if not args.keep:
            bench_site.recreate(server, drop_only=True)


if __name__ == "__main__":
    main()
