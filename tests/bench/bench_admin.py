"""Admin changelist benchmark: the article list with 100,000 articles.

    .venv/bin/python tests/bench/bench_admin.py [--articles 100000] [--runs 30]
                                                [--database-url postgres://…/difang_admin_bench]
                                                [--sqlite-path FILE] [--reuse]

Builds its own database (a temporary SQLite file unless --database-url is given; that
database is dropped and created), loads the gazetteer, bulk-creates sources, tags, people
and the articles with their region, tag and people links and some quotes, then times
the admin's article changelist with a logged-in test client: the default list, the
review queue, a province, a prefecture and a county filter, a tag filter, has-quotes and
a Chinese substring search. Prints p50/p95 in milliseconds, the number of SQL queries
(and how many of them are COUNT(*)) and their total time for each; the rest of a
request's time is Django rendering the page, which does not depend on the table size.
The target is < 300 ms for the list. --sqlite-path keeps (and on the next run reuses)
the SQLite file; --reuse times a PostgreSQL database built by an earlier run.
Not part of the test suite: pytest only collects test_*.py.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PHRASES = [
    "扎实推进乡村振兴，持续优化营商环境。",
    "会议强调，要坚持以人民为中心的发展思想，把群众满意作为工作标准。",
    "项目总投资5.1亿元，建成后将带动就业两千余人。",
    "各级各部门要压实责任，确保各项任务落地见效。",
    "全面加强基层治理，推动文明实践走深走实。",
    "县委书记在调研时表示，要抢抓机遇，加快推进重点项目建设。",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国志强明华伟芳军丽强磊洋艳勇杰娟涛超"


def setup_database(url: str | None, sqlite_path: str | None) -> str:
    if url:
        os.environ["DATABASE_URL"] = url
        return url
    path = Path(sqlite_path or Path(tempfile.mkdtemp(prefix="difang-bench-admin-")) / "b.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DIFANG_SQLITE_PATH"] = str(path)
    return f"sqlite:///{path}"


def recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate() -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("migrate", verbosity=0)
    except CommandError as exc:
        # Two 0003 migrations before their merge: build the tables from the models.
        print(f"migrate: {exc}; creating the tables from the models instead", file=sys.stderr)
        settings.MIGRATION_MODULES = {"archive": None}
        call_command("migrate", verbosity=0, run_syncdb=True)
    call_command("load_regions", verbosity=0, stdout=io.StringIO())


def populate(n: int, rng: random.Random) -> None:
    from django.db import transaction

    from archive.models import (
        Article,
        ArticleRegion,
        ArticleTag,
        Mention,
        Person,
        Quote,
        Region,
        Source,
        Tag,
    )

    counties = list(Region.objects.filter(level="county").values_list("pk", "parent_id"))
    sources = Source.objects.bulk_create(Source(name=f"测试日报{i}") for i in range(200))
    tags = Tag.objects.bulk_create(
        Tag(name=f"专题{i}", kind=rng.choice(["campaign", "topic", "curator"])) for i in range(300)
    )
    people = Person.objects.bulk_create(
        Person(name=name, normalized_name=name)
        for name in (
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(10_000)
        )
    )
    statuses = ["new"] * 2 + ["reviewed"] + ["published"] * 6 + ["hidden"]
    start = date(2015, 1, 1)
    batch = 5_000
    for offset in range(0, n, batch):
        with transaction.atomic():
            articles = []
            for i in range(offset, min(offset + batch, n)):
                body = "".join(rng.choice(PHRASES) for _ in range(rng.randint(6, 20)))
                articles.append(
                    Article(
                        title=f"第{i}号 {rng.choice(PHRASES)[:14]}",
                        body=body,
                        published=start + timedelta(days=rng.randint(0, 3650))
                        if rng.random() > 0.05
                        else None,
                        source=rng.choice(sources),
                        content_hash=f"{i:064x}",
                        review_status=rng.choice(statuses),
                        confidence=round(rng.random(), 3),
                    )
                )
            articles = Article.objects.bulk_create(articles)
            regions, links, mentions, quotes = [], [], [], []
            for article in articles:
                for k, (county, _parent) in enumerate(rng.sample(counties, rng.randint(1, 3))):
                    regions.append(ArticleRegion(article=article, region_id=county, primary=k == 0))
                for tag in rng.sample(tags, rng.randint(0, 3)):
                    links.append(ArticleTag(article=article, tag=tag, machine=rng.random() < 0.7))
                for person in rng.sample(people, rng.randint(0, 3)):
                    mentions.append(Mention(article=article, person=person))
                if rng.random() < 0.3:
                    quotes.append(Quote(article=article, text="要抓好落实", start=3, end=8))
            ArticleRegion.objects.bulk_create(regions)
            ArticleTag.objects.bulk_create(links)
            Mention.objects.bulk_create(mentions)
            Quote.objects.bulk_create(quotes)
        print(f"  {offset + len(articles):>7} articles", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, secure=True)  # warm up (and check it works)
    assert response.status_code == 200, (url, response.status_code)
    rows = len(response.context["cl"].result_list)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, secure=True)
    sql = [q["sql"] for q in ctx.captured_queries]
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))],
        "queries": len(sql),
        "counts": sum(1 for s in sql if s.upper().startswith("SELECT COUNT(")),
        "rows": rows,
        "sql_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", help="a PostgreSQL database to (re)create and use")
    parser.add_argument(
        "--sqlite-path", help="keep the SQLite database here; reuse it when it is already built"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: time the database built by a last run"
    )
    args = parser.parse_args()

    url = setup_database(args.database_url, args.sqlite_path)
    reuse = bool(args.sqlite_path) and Path(args.sqlite_path).exists() or args.reuse
    if args.database_url and not reuse:
        recreate_postgres(args.database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from archive.models import Article, ArticleRegion, Region, Tag

    setup_test_environment()  # the test client records templates and context
    print(f"database: {url}", file=sys.stderr)
    started = time.perf_counter()
    if not reuse:
        migrate()
        populate(args.articles, random.Random(2026))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", password="bench"
    )
    client = Client()
    client.force_login(user)
    link = ArticleRegion.objects.select_related("region__parent__parent").first()
    county = link.region
    prefecture = county.parent
    province = prefecture.parent or prefecture
    tag = Tag.objects.first()
    base = "/admin/archive/article/"
    scenarios = [
        ("list (default)", base),
        ("list page 500", base + "?p=500"),
        ("review queue", base + "?queue=new"),
        (f"province {province.code}", f"{base}?region={province.code}"),
        (f"prefecture {prefecture.code}", f"{base}?region={prefecture.code}"),
        (f"county {county.code}", f"{base}?region={county.code}"),
        ("tag", f"{base}?tags__id__exact={tag.pk}"),
        ("has quotes", base + "?has_quotes=yes"),
        ("status published", base + "?review_status__exact=published"),
        ("search 乡村振兴", base + "?q=乡村振兴"),
    ]
    assert Region.objects.filter(code=county.code).exists()
    total = Article.objects.count()
    print(f"\n{total:,} articles, {connection.vendor}, {args.runs} runs each")
    print(
        f"{'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'COUNT':>6} "
        f"{'SQL ms':>7} {'rows':>5}"
    )
    for name, path in scenarios:
        m = measure(client, path, args.runs)
        print(
            f"{name:<24} {m['p50']:>8.1f} {m['p95']:>8.1f} {m['queries']:>8} "
            f"{m['counts']:>6} {m['sql_ms']:>7.1f} {m['rows']:>5}"
        )


if __name__ == "__main__":
    main()
