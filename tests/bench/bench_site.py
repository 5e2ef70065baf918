"""Public-site benchmark on PostgreSQL with a million generated articles.

    .venv/bin/python tests/bench/bench_site.py [--articles 1000000] [--runs 40] [--keep]
                                               [--reuse]

Creates its own database (difang_bench on the server of $DATABASE_URL, default
postgres://postgres@127.0.0.1:5432), migrates it, loads the gazetteer, then fills it with
COPY via psycopg: sources, tags, people, N articles (5% hidden) of 80-240 words drawn from
jieba's dictionary by its word counts (a realistic long tail: 60,000 words, function words
included) plus newsroom words, search_text space-separated as the importer writes it, 1–2
region links per article (a county and its prefecture), tags and mentions for some. It then
times the views in-process with Django's test client (DEBUG off) and prints p50/p95 for

  - the home list with and without stored facet counts (it runs refresh_facets and times
    it), the whole-page cache, a deep keyset page, a region page,
  - a prefecture's page, faceted lists (a province + a tag; a prefecture + a source),
  - searches: words matching 0.6% to 20% of articles, two words, a phrase, words within a
    province, a prefecture, a tag or a source, sort=new and a sort=new page ten pages down,

with the facet and page caches off unless a row says otherwise, and the time of the list's
own search queries (first ranked page + count, which is the planner's estimate for a set
above 2,000) against a LIKE '%…%' scan finding the newest 20 and counting up to 10,001 over
the same rows (a LIKE has no estimate), and the time of two CSV exports (a common word, a
province) against iterating the same query with Django's default plan for a server-side
cursor. The database is dropped at the end unless --keep; --reuse runs the timings on a
kept one. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BENCH_DB = "difang_bench"
WORD_CHARS = re.compile(r"[\u4e00-\u9fff]+")
WORDS = (
    "作风 建设 会议 召开 推进 工作 发展 经济 项目 企业 服务 群众 党建 乡村 振兴 "
    "环境 整治 安全 生产 疫情 防控 教育 医疗 卫生 健康 交通 道路 水利 农业 旅游 文化 "
    "招商 引资 改革 创新 科技 人才 干部 基层 社区 治理 生态 保护 绿色 低碳 高质量 "
    "营商 优化 民生 实事 就业 养老 住房 扶贫 脱贫 攻坚 巩固 成果 产业 园区 开工 签约 "
    "调研 检查 督导 部署 落实 培训 座谈 表彰 先进 典型 志愿 活动 宣传 学习 贯彻 精神 "
    "廉政 纪律 监督 巡察 整改 问题 清单 责任 考核 目标 任务 计划 方案 政策 资金 投资 "
    "市场 监管 质量 标准 品牌 消费 电商 物流 港口 铁路 机场 能源 电力 燃气 供暖 城市 "
    "更新 改造 老旧 小区 公园 绿化 垃圾 分类 污水 处理 河长 林长 耕地 粮食 种植 养殖 "
    "黄河 大运河 阿胶 棉花 蔬菜 果园 茶叶 渔业 森林 防火 防汛 抗旱 应急 救援 消防 演练"
).split()
QUERIES = [
    "阿胶",
    "大运河",
    "茶叶",
    "防汛",
    "作风",
    "工作",
    "消防 演练",
    "垃圾 分类",
    "营商 优化",
    '"乡村 振兴"',
]
DICT_WORDS = 60_000  # jieba's most frequent words that make up the rest of the text


def vocabulary():
    """Words and weights for generated text: jieba's dictionary, whose counts follow real
    Chinese usage (a Zipf-like long tail of some 60,000 words, function words included), plus
    the newsroom words above, each as common as a frequent dictionary word, so that some
    queries match most articles, some a few percent and some a handful, as on a real archive."""
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word, freq, _tag = line.split(" ")
            if WORD_CHARS.fullmatch(word):
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    rows = rows[:DICT_WORDS]
    words = [w for _f, w in rows]
    weights = [float(f) for f, _w in rows]
    domain_weight = weights[300]
    for i, word in enumerate(WORDS):
        words.append(word)
        weights.append(domain_weight / (1 + i / 20))
    return words, weights


def database_urls():
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/difang")
    parsed = urlparse(base)
    if parsed.scheme not in ("postgres", "postgresql"):
        base = "postgres://postgres@127.0.0.1:5432/difang"
        parsed = urlparse(base)
    server = parsed._replace(path="/postgres").geturl()
    return server, parsed._replace(path=f"/{BENCH_DB}").geturl()


def recreate(server_url, drop_only=False):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {BENCH_DB} ENCODING 'UTF8' TEMPLATE template0")


def copy_rows(cur, table, columns, lines):
    """COPY tab-separated lines (the generated text has no tabs, newlines or backslashes)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        buf = io.StringIO()
        for n, line in enumerate(lines, 1):
            buf.write(line)
            buf.write("\n")
            if n % 20000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


def fill(n_articles, seed=7):
    from django.db import connection

    from archive.models import Region
    from archive.research import rollup_schema as rollup
    from archive.search import postgres_schema as search

    rng = random.Random(seed)
    counties = list(
        Region.objects.filter(level="county", parent__isnull=False).values_list("pk", "parent_id")
    )
    words_, weights = vocabulary()
    cum = list(itertools.accumulate(weights))
    now = "2026-01-01 00:00:00+00"
    t0 = time.perf_counter()
    with connection.cursor() as c:
        cur = c.cursor  # the psycopg cursor
        copy_rows(
            cur,
            "archive_source",
            ["name", "aliases", "homepage", "kind", "created_at"],
            (f"来源{i:03d}日报\t[]\t\tdaily\t{now}" for i in range(200)),
        )
        copy_rows(
            cur,
            "archive_tag",
            ["name", "kind", "created_at"],
            (f"标签{i:02d}\ttopic\t{now}" for i in range(50)),
        )
        copy_rows(
            cur,
            "archive_person",
            ["name", "normalized_name", "aliases", "created_at", "curation"],
            (f"人物{i:04d}\t人物{i:04d}\t[]\t{now}\tmachine" for i in range(5000)),
        )
        cur.execute("SELECT min(id) FROM archive_source")
        s0 = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM archive_tag")
        t_0 = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM archive_person")
        p0 = cur.fetchone()[0]
        for name in search.PG_TABLE_INDEXES:  # built once after the COPY, not row by row
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        # The monthly counts too (migration 0018): counted once at the end, as the migration
        # does, instead of by a million statements that update the same months' rows in one
        # transaction (each walking a longer chain of its own dead versions: quadratic).
        for name in rollup.ROLLUP_TRIGGERS:
            cur.execute(f"ALTER TABLE {search.PG_TABLE} DISABLE TRIGGER {name}")
        cur.execute("ANALYZE")  # the triggers' plans then know the regions table

        def articles():
            for i in range(n_articles):
                # 80-240 words: a short news item of 200-600 characters.
                words = rng.choices(words_, cum_weights=cum, k=rng.randint(80, 240))
                title = "".join(words[:8])
                body = "".join(words[8:]) + "。"
                text = " ".join(words)
                day = 18000 + rng.randrange(3000)  # 2019 … 2027
                status = "hidden" if rng.random() < 0.05 else "published"
                published = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
                yield (
                    f"{title}\t\t{body}\t{published}\t{s0 + rng.randrange(200)}\t[]\t\\N\t"
                    f"{i:064x}\t{status}\t{text}\t1.0\t[]\t[]\t{now}\t{now}"
                )

        copy_rows(
            cur,
            "archive_article",
            [
                "title",
                "subtitle",
                "body",
                "published",
                "source_id",
                "authors",
                "url",
                "content_hash",
                "review_status",
                "search_text",
                "confidence",
                "repairs",
                "curated_fields",
                "created_at",
                "updated_at",
            ],
            articles(),
        )
        cur.execute("SELECT min(id) FROM archive_article")
        a0 = cur.fetchone()[0]
        print(f"  articles copied in {time.perf_counter() - t0:.0f} s", flush=True)
        # The search rows' filter keys are written once after the links, as migration 0010
        # does, instead of once per link table by the triggers.
        for link in search.KEYED_LINKS:
            cur.execute(f"ALTER TABLE {link} DISABLE TRIGGER {link}_search_insert")

        def links():
            for i in range(n_articles):
                county, prefecture = counties[rng.randrange(len(counties))]
                yield f"{a0 + i}\t{county}\tt\t1"
                if rng.random() < 0.5:
                    yield f"{a0 + i}\t{prefecture}\tf\t1"

        copy_rows(
            cur,
            "archive_articleregion",
            ["article_id", "region_id", "primary", "mentions"],
            links(),
        )
        copy_rows(
            cur,
            "archive_articletag",
            ["article_id", "tag_id", "machine", "confirmed"],
            (
                f"{a0 + i}\t{t_0 + rng.randrange(50)}\tt\tf"
                for i in range(n_articles)
                if rng.random() < 0.3
            ),
        )
        copy_rows(
            cur,
            "archive_mention",
            ["article_id", "person_id"],
            (
                f"{a0 + i}\t{p0 + rng.randrange(5000)}"
                for i in range(n_articles)
                if rng.random() < 0.3
            ),
        )
        for link in search.KEYED_LINKS:
            cur.execute(f"ALTER TABLE {link} ENABLE TRIGGER {link}_search_insert")
        print(f"  links copied after {time.perf_counter() - t0:.0f} s", flush=True)
        cur.execute("ANALYZE")  # the keys' function plans with the tables' statistics
        cur.execute(search.PG_FILTER_BACKFILL)
        print(f"  filter keys written after {time.perf_counter() - t0:.0f} s", flush=True)
        cur.execute("SET maintenance_work_mem = '1GB'")
        for sql in search.PG_TABLE_INDEXES.values():
            cur.execute(sql)
        for sql in rollup.ROLLUP_BACKFILL:
            cur.execute(sql)
        for name in rollup.ROLLUP_TRIGGERS:
            cur.execute(f"ALTER TABLE {search.PG_TABLE} ENABLE TRIGGER {name}")
    connection.close()
    print(f"  search indexes built after {time.perf_counter() - t0:.0f} s", flush=True)
    return s0, t_0


def vacuum(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(fn, runs):
    fn()  # warm the connection and caches once
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95


def get(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep difang_bench afterwards")
    ap.add_argument("--reuse", action="store_true", help="reuse a kept difang_bench")
    args = ap.parse_args()

    server, bench_url = database_urls()
    if not args.reuse:
        recreate(server)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    # In-process over plain HTTP: no HTTPS redirect (DEBUG stays off: no query logging).
    os.environ["DIFANG_SECURE_SSL_REDIRECT"] = "0"
    import django

    django.setup()
    from archive.warm import warm_up

    warm_up()  # as archive/wsgi.py readies a web process
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpRequest, QueryDict
    from django.test import Client

    from archive.listing import Listing, limits
    from archive.listing.ids import newest_first
    from archive.models import Article, FacetCounts, Source, Tag

    try:
        call_command("migrate", verbosity=0)  # a kept database may lack new tables
        if not args.reuse:
            print(f"migrated {BENCH_DB}; loading the gazetteer …", flush=True)
            call_command("load_regions", verbosity=0, stdout=io.StringIO())
            print(f"generating {args.articles:,} articles with COPY …", flush=True)
            fill(args.articles)
            t = time.perf_counter()
            vacuum(bench_url)
            print(f"  VACUUM ANALYZE in {time.perf_counter() - t:.0f} s", flush=True)
        total = Article.objects.count()
        public = Article.objects.public().count()
        source = Source.objects.order_by("pk")[3]
        tag = Tag.objects.order_by("pk")[5]
        client = Client()
        response = client.get("/?format=json")
        assert response.status_code == 200, response.content[:2000]
        first = response.json()
        deep = first["next"]
        for _ in range(30):  # walk 30 pages down with the keyset cursor
            deep = client.get(deep).json()["next"]
        print(f"\nrows: {total:,} articles ({public:,} public); {args.runs} runs each\n")
        print(f"{'page':52} {'p50 ms':>8} {'p95 ms':>8}")

        def row(label, url, **setting):
            old = {k: getattr(settings, k, None) for k in setting}
            for k, v in setting.items():
                setattr(settings, k, v)
            try:
                p50, p95 = timed(get(client, url), args.runs)
            finally:
                for k, v in old.items():
                    setattr(settings, k, v)
            print(f"{label:52} {p50:8.1f} {p95:8.1f}", flush=True)
            return p50, p95

        # Whole-page caching is off in these rows (each request renders the page) and so is
        # the facet cache unless a row says "cached"; the last list row shows a page served
        # from the page cache (one query).
        cold = {"DIFANG_FACET_CACHE_SECONDS": 0, "DIFANG_PAGE_CACHE_SECONDS": 0}
        warm = {"DIFANG_FACET_CACHE_SECONDS": 300, "DIFANG_PAGE_CACHE_SECONDS": 0}
        results = {}
        FacetCounts.objects.all().delete()
        row("list / (no stored counts: newest 1,000 counted)", "/", **cold)
        t = time.perf_counter()
        out = io.StringIO()
        call_command("refresh_facets", stdout=out)
        print(f"  refresh_facets: {out.getvalue().strip()} ({time.perf_counter() - t:.0f} s)")
        results["list"] = row("list / (stored counts)", "/", **cold)
        row("list / (whole page cached)", "/", DIFANG_PAGE_CACHE_SECONDS=60)
        row("list, keyset page 31", deep.replace("format=json", "x=1"), **cold)
        row("list / ?format=json", "/?format=json", **cold)
        row("region page /region/370000/ (stored counts)", "/region/370000/", **cold)
        row("prefecture page /region/371500/", "/region/371500/", **cold)
        url = f"/?region=370000&tag={tag.pk}"
        results["facet"] = row(f"faceted {url}", url, **cold)
        url = f"/?region=371500&source={source.pk}"
        row(f"faceted {url}", url, **cold)
        search_p = []
        for q in QUERIES:
            data = client.get("/", {"q": q, "format": "json"}).json()
            n, basis = data["count"], data["count_basis"]
            hits = {"estimate": f"~{n:,}", "capped": f"{n:,}+"}.get(basis, f"{n:,}")
            p = row(f"search q={q} ({hits} hits)", "/?q=" + q, **cold)
            search_p.append(p)
        results["search"] = (
            statistics.median(p[0] for p in search_p),
            max(p[1] for p in search_p),
        )
        # Searches within a filter, answered from the search index's filter keys.
        for q, extra in (
            ("作风", "region=370000"),
            ("工作", "region=370000"),
            ("茶叶", "region=371500"),
            ("作风", f"tag={tag.pk}"),
            ("工作", f"source={source.pk}"),
        ):
            url = f"/?q={q}&{extra}"
            data = client.get(url + "&format=json").json()
            hits = f"~{data['count']:,}" if data["count_basis"] == "estimate" else data["count"]
            row(f"search {url[2:]} ({hits} hits)", url, **cold)
        row("search q=工作&sort=new (newest first, all matches)", "/?q=工作&sort=new", **cold)
        deep_search = "/?q=茶叶&sort=new&format=json"
        for _ in range(10):  # ten pages down with the keyset cursor
            deep_search = client.get(deep_search).json()["next"]
        row(
            "search q=茶叶&sort=new, keyset page 11",
            deep_search.replace("format=json", "x=1"),
            **cold,
        )
        row("search q=工作 (facets cached)", "/?q=工作", **warm)

        # The same search as SQL, against a LIKE scan over the same rows.
        def sql_timer(sql, params):
            def run():
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    cur.fetchall()

            return run

        print(f"\n{'search vs LIKE (first page + count)':52} {'p50 ms':>8} {'p95 ms':>8}")
        ratios = []
        for q in ["阿胶", "大运河", "茶叶", "作风"]:
            # The list's own queries: the first page, ranked, and the count (an estimate
            # for a set above ESTIMATE_ABOVE on PostgreSQL; LIKE has none, it counts).
            def fts_run(q=q):
                request = HttpRequest()
                request.GET = QueryDict(urlencode({"q": q}))
                listing = Listing(request)
                listing.page()
                listing.count()

            fts = timed(fts_run, args.runs)
            like_sql = (
                "SELECT (SELECT count(*) FROM (SELECT 1 FROM archive_article "
                "WHERE review_status = 'published' AND search_text LIKE %s LIMIT %s) c), "
                "ARRAY(SELECT id FROM archive_article WHERE "
                "review_status = 'published' AND search_text LIKE %s "
                "ORDER BY published DESC NULLS LAST, id DESC LIMIT 20)"
            )
            like_params = [f"%{q}%", limits.COUNT_CAP + 1, f"%{q}%"]
            like = timed(sql_timer(like_sql, like_params), max(5, args.runs // 4))
            ratios.append(fts[0] / like[0])
            print(f"{'  tsvector/GIN  q=' + q:52} {fts[0]:8.1f} {fts[1]:8.1f}")
            print(f"{'  LIKE scan     q=' + q:52} {like[0]:8.1f} {like[1]:8.1f}")
        # CSV exports stream every row: the export against iterating the same query with
        # the plan PostgreSQL makes by default for a server-side cursor (read in part).
        print(f"\n{'CSV export, every row (seconds, once)':52} {'export':>8} {'default':>8}")
        for label, params in (("q=作风", {"q": "作风"}), ("region=370000", {"region": "370000"})):
            t = time.perf_counter()
            response = client.get("/", {**params, "format": "csv"})
            lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
            export = time.perf_counter() - t
            request = HttpRequest()
            request.GET = QueryDict(urlencode(params))
            rows = Listing(request).queryset.order_by(*newest_first())
            t = time.perf_counter()
            plain = sum(1 for _ in rows.values_list("pk", "title").iterator(chunk_size=2000))
            plain_s = time.perf_counter() - t
            assert plain == lines, (plain, lines)
            print(f"  {label + f' ({lines:,} rows)':50} {export:8.1f} {plain_s:8.1f}", flush=True)
        print("\nsummary (targets: list p95 < 50 ms, search p95 < 100 ms)")
        print(f"  rows                   {total:,}")
        for key in ("list", "facet", "search"):
            p50, p95 = results[key]
            print(f"  {key:22} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
        print(f"  search/LIKE time ratio {statistics.median(ratios):.3f} (median of 4 words)")
    finally:
        connection.close()
        if not args.keep:
            recreate(server, drop_only=True)
            print(f"dropped {BENCH_DB}")


if __name__ == "__main__":
    main()
