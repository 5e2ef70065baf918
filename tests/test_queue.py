"""The import queue with real worker processes (issue #18): `import_raw --enqueue` and
`celery -A archive worker` on the machine's Redis, against a database of the test's own
(procdb.py: a SQLite file, or on the PostgreSQL pass a database made for the test).

A batch imported through the queue equals the same batch imported directly; a worker
killed with SIGKILL in the middle leaves only whole files and another worker completes the
batch; two workers on overlapping files write no duplicate. Each test has a queue name of
its own, so parallel runs on one Redis do not meet.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from procdb import ROOT, fresh_database, manage, migrate, query
from test_crash_concurrency import COUNTS, INVARIANTS, SEED, article

from archive import queue, tasks
from archive.models import Article, RawFile

N_FILES = 24
# An unacknowledged task of a killed worker goes back to the queue after this many seconds
# (kombu checks every 10 s); every file here takes well under it.
VISIBILITY = 4


def broker_is_up() -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as exc:  # make test starts it; say so rather than hang
        pytest.fail(f"Redis is not running at 127.0.0.1:6379 ({exc}); `make test` starts it")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    directory = tmp_path_factory.mktemp("queued")
    files = []
    for i in range(N_FILES):
        text = article(i) + ("\n\n\n" + SEED if i % 4 == 0 else "")
        path = directory / f"page_{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """Counts and articles of the batch imported directly (import_raw, no queue)."""
    with fresh_database(tmp_path_factory.mktemp("direct"), "i18_direct") as env:
        migrate(env)
        done = manage(env, "import_raw", corpus[0].parent)
        assert done.returncode == 0, done.stderr
        yield json.loads(query(env, COUNTS)), json.loads(query(env, ARTICLES))


# Each article with its links, by natural key: what "the same import" means.
ARTICLES = """
from archive.models import Article
print(json.dumps(sorted(
    [a.content_hash, a.title, a.published.isoformat() if a.published else None,
     sorted(r.region.code or r.region.name for r in a.articleregion_set.all()),
     sorted(m.person.name for m in a.mention_set.all()),
     sorted(a.occurrence_set.values_list("raw_file__sha256", "span_start"))]
    for a in Article.objects.all()
)))
"""


@pytest.fixture
def queued_env(tmp_path, request):
    broker_is_up()
    label = f"i18_{request.node.name[5:25]}"
    with fresh_database(tmp_path, label) as env:
        migrate(env)
        env["DIFANG_QUEUE"] = f"difang-test-{os.getpid()}-{request.node.name}"
        env["DIFANG_QUEUE_VISIBILITY_TIMEOUT"] = str(VISIBILITY)
        workers: list[subprocess.Popen] = []
        env_and_workers = (env, workers)
        yield env_and_workers
        for proc in workers:
            if proc.poll() is None:
                proc.terminate()
        for proc in workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(  # the queue of this test goes with it
            [sys.executable, "-c", f"import redis; redis.Redis().delete({env['DIFANG_QUEUE']!r})"],
            check=False,
        )


def start_worker(env_and_workers, name: str) -> subprocess.Popen:
    env, workers = env_and_workers
    log = open(Path(env.get("DIFANG_SQLITE_PATH", "/tmp/x")).parent / f"{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "archive", "worker", "--pool", "solo"]
        + ["-Q", env["DIFANG_QUEUE"], "-n", f"{name}-{os.getpid()}@%h", "-l", "INFO"]
        + ["--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers.append(proc)
    return proc


def statuses_in(env) -> dict[str, int]:
    """Raw files by stored status, read without Django (fast enough to catch a task)."""
    sql = "SELECT status, count(*) FROM archive_rawfile GROUP BY status"
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            return dict(conn.execute(sql).fetchall())
    # Closed at once: a reader that keeps its shared lock would stall the writer.
    with contextlib.closing(sqlite3.connect(env["DIFANG_SQLITE_PATH"], timeout=5)) as conn:
        return dict(conn.execute(sql).fetchall())


def status(env) -> dict[str, int]:
    done = manage(env, "import_status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["counts"]


def wait_until(env, done: int, timeout: float = 240) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = status(env)
        if counts["done"] + counts["failed"] >= done and not counts["queued"] + counts["running"]:
            return counts
        assert time.monotonic() < deadline, f"the queue did not drain: {counts}"
        time.sleep(0.5)


def enqueue(env, *paths: Path) -> dict[str, str]:
    done = manage(env, "import_raw", "--enqueue", "--json", *paths)
    assert done.returncode == 0, done.stderr
    return {Path(f["path"]).name: f["status"] for f in json.loads(done.stdout)["files"]}


def test_a_batch_through_the_queue_equals_the_same_batch_imported_directly(
    corpus, reference, queued_env
):
    env, _ = queued_env
    assert set(enqueue(env, corpus[0].parent).values()) == {"queued"}
    # Raw bytes first: every file is kept before any worker runs.
    assert status(env) == {"queued": N_FILES, "running": 0, "done": 0, "failed": 0}
    start_worker(queued_env, "one")
    start_worker(queued_env, "two")
    assert wait_until(env, N_FILES) == {"queued": 0, "running": 0, "done": N_FILES, "failed": 0}
    counts, articles = reference
    assert json.loads(query(env, COUNTS)) == counts
    assert json.loads(query(env, ARTICLES)) == articles
    # Queued again, the batch is unchanged (no task at all).
    assert set(enqueue(env, corpus[0].parent).values()) == {"unchanged"}
    assert json.loads(query(env, COUNTS)) == counts


def test_a_worker_killed_midway_leaves_whole_files_and_the_batch_completes(
    corpus, reference, queued_env
):
    env, _ = queued_env
    enqueue(env, corpus[0].parent)
    victim = start_worker(queued_env, "victim")
    deadline = time.monotonic() + 240
    while True:  # kill it with some files done and one in its hands
        counts = statuses_in(env)
        if counts.get("imported", 0) >= 3 and counts.get("running"):
            break
        assert counts.get("imported", 0) < N_FILES, "the worker finished before it was killed"
        assert time.monotonic() < deadline, f"the worker made no progress: {counts}"
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    after_kill = json.loads(query(env, INVARIANTS))
    assert after_kill["partial_files"] == [] and after_kill["orphan_articles"] == 0
    left = status(env)
    assert left["done"] < N_FILES and left["queued"] + left["running"] > 0
    # The killed worker's unacknowledged file comes back to the queue for the next one.
    start_worker(queued_env, "rescuer")
    assert wait_until(env, N_FILES) == {"queued": 0, "running": 0, "done": N_FILES, "failed": 0}
    counts, articles = reference
    assert json.loads(query(env, COUNTS)) == counts
    assert json.loads(query(env, ARTICLES)) == articles
    assert json.loads(query(env, INVARIANTS))["partial_files"] == []


def test_two_workers_on_overlapping_files_write_no_duplicate(corpus, reference, queued_env):
    env, _ = queued_env
    start_worker(queued_env, "left")
    start_worker(queued_env, "right")
    first, second = corpus[: N_FILES * 2 // 3], corpus[N_FILES // 3 :]
    # Two enqueuers at once; the middle third is queued twice, so runs on both workers.
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_raw", "--enqueue", *map(str, part)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for part in (first, second)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert wait_until(env, N_FILES) == {"queued": 0, "running": 0, "done": N_FILES, "failed": 0}
    counts, articles = reference
    assert json.loads(query(env, COUNTS)) == counts
    assert json.loads(query(env, ARTICLES)) == articles


def test_enqueue_without_a_broker_fails_clearly_before_storing_anything(tmp_path, corpus):
    with fresh_database(tmp_path, "i18_nobroker") as env:
        migrate(env, gazetteer=False)
        env["DIFANG_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        done = manage(env, "import_raw", "--enqueue", corpus[0])
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "broker (redis://127.0.0.1:1/0) cannot be reached" in done.stderr
        assert json.loads(query(env, COUNTS))["RawFile"] == 0


# --- The task itself, run in process (transient errors, failures) ------------------------


@pytest.mark.django_db
def test_a_transient_database_error_is_retried_and_the_file_goes_in(
    gazetteer, monkeypatch, settings
):
    from django.db import OperationalError

    from archive import importer

    settings.CELERY_TASK_ALWAYS_EAGER = True
    raw, state = queue.keep_queued("page.txt", SEED.encode("utf-8"))
    assert state == "queued" and raw.status == RawFile.Status.QUEUED
    real, calls = importer.import_file, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "import_file", flaky)
    monkeypatch.setattr(tasks, "backoff", lambda retries: 0)
    tasks.import_raw_file.apply(args=(raw.pk,))
    raw.refresh_from_db()
    assert len(calls) == 3 and raw.status == RawFile.Status.IMPORTED
    assert Article.objects.filter(raw_file=raw).exists()


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_stays_a_failed_raw_file_with_one_error_line(gazetteer):
    raw, _ = queue.keep_queued("picture.txt", b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert tasks.import_raw_file.apply(args=(raw.pk,)).get() == "failed"
    raw.refresh_from_db()
    assert raw.status == RawFile.Status.FAILED
    assert raw.error == "picture.txt: a PNG image, not a text page"
    assert queue.status_counts() == {"queued": 0, "running": 0, "done": 0, "failed": 1}


@pytest.mark.django_db
def test_the_admin_raw_file_list_shows_the_queue_counts(admin_client):
    queue.keep_queued("a.txt", "莘县召开推进会。".encode())
    queue.keep_queued("b.txt", "东阿县召开推进会。".encode())
    page = admin_client.get("/admin/archive/rawfile/").content.decode()
    assert "排队中 2" in page and "导入中 0" in page and "已导入 0" in page and "失败 0" in page
