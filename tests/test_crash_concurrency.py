"""Crashes and concurrency (issue #8): an import killed with SIGKILL in the middle of a
large run leaves only whole files and finishes on the next run; two importers on
overlapping inputs at the same time write no duplicate and fail nothing; re-importing
everything changes no count.

The importers are real `manage.py import_raw` processes against a database of their own
(a SQLite file on the SQLite pass, a database created for the test on the PostgreSQL
pass, see procdb.py). The reference is a clean, single import of the same files into the
test database.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from procdb import ROOT, fresh_database, manage, migrate, on_postgres, query

from archive import models

N_FILES = 90
SEED = next((ROOT / "fixtures" / "raw").glob("004_*.txt")).read_text(encoding="utf-8")
PLACES = [
    ("聊城市", "莘县"),
    ("聊城市", "东阿县"),
    ("东营市", "垦利区"),
    ("张家口市", "宣化区"),
    ("青岛市", "黄岛区"),
    ("铁岭市", "开原市"),
    ("汉中市", "南郑区"),
    ("锦州市", "凌海市"),
]
PEOPLE = [
    ("王建国", "党组书记、局长", "{county}住房和城乡建设局"),
    ("李红梅", "副县长", "{county}人民政府"),
    ("赵德明", "局长", "{county}应急管理局"),
]
COUNTED = (
    "RawFile",
    "Article",
    "Occurrence",
    "Source",
    "Person",
    "Position",
    "Mention",
    "Quote",
    "Region",
    "ArticleRegion",
    "Tag",
    "ArticleTag",
)


def article(i: int) -> str:
    """A short county news item; the same three officials recur across the corpus."""
    city, county = PLACES[i % len(PLACES)]
    name, title, org = PEOPLE[i % len(PEOPLE)]
    org = org.format(county=county)
    return (
        f"{city}{county}召开第{i + 1}次重点项目建设推进会\n\n"
        f"2023-{i % 12 + 1:02d}-{i % 28 + 1:02d} 08:30 聊城日报\n\n"
        f"本报讯 记者孙宁报道 {i % 12 + 1}月{i % 28 + 1}日，{city}{county}召开第{i + 1}次重点项目"
        f"建设推进会，听取{i % 17 + 3}个重点项目进展情况汇报，研究解决项目建设中遇到的"
        f"{i % 9 + 2}个困难和问题。\n\n"
        f"{org}{title}{name}表示：“要倒排工期、挂图作战，确保第{i + 1}批项目按期开工。”\n\n"
        f"会议要求，各部门要强化要素保障，全力推动项目早落地、早投产、早见效，"
        f"今年计划完成投资{(i * 37) % 90 + 10}亿元。\n"
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    """N_FILES files, each unique; every fourth also carries the same seed article."""
    directory = tmp_path_factory.mktemp("large_run")
    files = []
    for i in range(N_FILES):
        text = article(i) + ("\n\n\n" + SEED if i % 4 == 0 else "")
        path = directory / f"page_{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def reference_counts(paths: list[Path]) -> dict[str, int]:
    """Counts after a clean single import into the (empty) test database."""
    assert models.RawFile.objects.count() == 0
    out, err = io.StringIO(), io.StringIO()
    # A transactional test before this one may have flushed the session's gazetteer.
    call_command("load_regions", verbosity=0, stdout=out)
    call_command("import_raw", *map(str, paths), stdout=out, stderr=err)
    return {name: getattr(models, name).objects.count() for name in COUNTED}


COUNTS = f"""
from archive import models
print(json.dumps({{n: getattr(models, n).objects.count() for n in {COUNTED!r}}}))
"""

# Whole files only: every article has its raw file and an occurrence; every raw file
# marked imported holds an occurrence of each article its re-parse yields, and no other.
INVARIANTS = """
from archive.extraction.pipeline import parse
from archive.importer import content_hash
from archive.models import Article, Occurrence, RawFile
report = {
    "orphan_articles": Article.objects.filter(raw_file__isnull=True).count(),
    "articles_without_occurrence": Article.objects.filter(occurrence__isnull=True).count(),
    "statuses": sorted(set(RawFile.objects.values_list("status", flat=True))),
    "partial_files": [],
}
for raw in RawFile.objects.all():
    want = set()
    if raw.status == RawFile.Status.IMPORTED:
        record = parse(raw.data, raw.path, entities=False)
        want = {(content_hash(a.title, a.body), a.span[0]) for a in record.articles}
        assert want, raw.path
    have = set(
        Occurrence.objects.filter(raw_file=raw).values_list("article__content_hash", "span_start")
    )
    if want != have:
        report["partial_files"].append(raw.path)
print(json.dumps(report))
"""


def raw_files_in(env: dict[str, str]) -> int:
    """RawFile rows committed so far, read without Django (the importer is running)."""
    try:
        if "DATABASE_URL" in env:
            import psycopg

            with psycopg.connect(env["DATABASE_URL"]) as conn:
                return conn.execute("SELECT count(*) FROM archive_rawfile").fetchone()[0]
        # Closed at once: a reader that keeps its shared lock would stall the writer.
        with contextlib.closing(sqlite3.connect(env["DIFANG_SQLITE_PATH"], timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM archive_rawfile").fetchall()[0][0]
    except (sqlite3.OperationalError, ImportError):
        return 0


def importer(env: dict[str, str], *paths: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "import_raw", *map(str, paths), "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def statuses(stdout: str) -> dict[str, str]:
    return {Path(f["path"]).name: f["status"] for f in json.loads(stdout)["files"]}


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_midway_keeps_whole_files_and_the_next_run_finishes_it(
    corpus, tmp_path, gazetteer
):
    with fresh_database(tmp_path, "crash") as env:
        migrate(env)
        proc = importer(env, corpus[0].parent)
        deadline = time.monotonic() + 240
        while raw_files_in(env) < N_FILES // 4:
            assert proc.poll() is None, f"the import ended before it was killed: {proc.stderr}"
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL

        after_kill = json.loads(query(env, INVARIANTS))
        kept = json.loads(query(env, COUNTS))
        assert N_FILES // 4 <= kept["RawFile"] < N_FILES, "not killed in the middle"
        assert after_kill == {
            "orphan_articles": 0,
            "articles_without_occurrence": 0,
            "statuses": ["imported"],
            "partial_files": [],
        }

        done = manage(env, "import_raw", corpus[0].parent, "--json")
        assert done.returncode == 0, done.stderr
        seen = statuses(done.stdout)
        assert len(seen) == N_FILES
        assert list(seen.values()).count("unchanged") == kept["RawFile"]
        assert list(seen.values()).count("imported") == N_FILES - kept["RawFile"]

        finished = json.loads(query(env, COUNTS))
        assert json.loads(query(env, INVARIANTS))["partial_files"] == []

        # Re-importing everything is a no-op.
        again = manage(env, "import_raw", corpus[0].parent, "--json")
        assert again.returncode == 0, again.stderr
        assert set(statuses(again.stdout).values()) == {"unchanged"}
        assert json.loads(query(env, COUNTS)) == finished

    assert finished == reference_counts(corpus)


def run_two_importers(env: dict[str, str], first: list[Path], second: list[Path]):
    a, b = importer(env, *first), importer(env, *second)
    out_a, err_a = a.communicate(timeout=300)
    out_b, err_b = b.communicate(timeout=300)
    return (a.returncode, out_a, err_a), (b.returncode, out_b, err_b)


@pytest.mark.django_db(transaction=True)
def test_two_importers_on_overlapping_inputs_at_once_write_no_duplicate(
    corpus, tmp_path, gazetteer
):
    # Two thirds each, the middle third in both; the second importer walks its files in
    # reverse, so both reach the shared files at the same time.
    first, second = corpus[: 2 * N_FILES // 3], corpus[N_FILES // 3 :][::-1]
    with fresh_database(tmp_path, "race") as env:
        migrate(env)
        (code_a, out_a, err_a), (code_b, out_b, err_b) = run_two_importers(env, first, second)

        for code, out, err in ((code_a, out_a, err_a), (code_b, out_b, err_b)):
            assert "Traceback" not in err
            assert code == 0, err
            assert set(statuses(out).values()) <= {"imported", "unchanged"}
        seen_a, seen_b = statuses(out_a), statuses(out_b)
        # Each file was imported by exactly one of the two; the other found it done.
        imported = [n for n, s in (*seen_a.items(), *seen_b.items()) if s == "imported"]
        assert sorted(imported) == sorted(p.name for p in corpus)
        both = set(seen_a) & set(seen_b)
        assert len(both) == N_FILES // 3 + N_FILES % 3
        assert all({seen_a[n], seen_b[n]} == {"imported", "unchanged"} for n in both)

        raced = json.loads(query(env, COUNTS))
        assert json.loads(query(env, INVARIANTS))["partial_files"] == []

    assert raced == reference_counts(corpus)


def test_the_concurrency_test_runs_against_postgresql_in_the_postgresql_pass():
    # Guard: the race above is only meaningful with real concurrent writers; the
    # PostgreSQL pass of `make test` must not fall back to SQLite by accident.
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert on_postgres()
        from django.db import connection

        assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_the_same_official_in_two_dated_articles_imports_both(tmp_path, gazetteer):
    # Found by the crash test: the second article naming 王建国 as 党组书记、局长 of the same
    # bureau compared the new article's date (still a string) with the stored one.
    for i in (0, 24):  # the same county and official, on 1月1日 and 1月25日
        (tmp_path / f"page_{i}.txt").write_text(article(i), encoding="utf-8")

    out, err = io.StringIO(), io.StringIO()
    call_command("import_raw", str(tmp_path), "--json", stdout=out, stderr=err)

    assert [f["status"] for f in json.loads(out.getvalue())["files"]] == ["imported"] * 2
    position = models.Position.objects.get(person__name="王建国")
    seen = (position.first_seen, position.last_seen)
    assert [(d.month, d.day) for d in seen] == [(1, 1), (1, 25)]
