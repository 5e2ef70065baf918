"""Import queue benchmark: one worker against two over the same files, in one run.

    .venv/bin/python tests/bench/bench_queue.py [--files 60] [--pg-db difang_bench_queue]

Writes --files unique copies of the seed pages (as bench_import.py does), then for 1 and
2 workers (`celery -A archive worker --pool solo`, one process each): a new PostgreSQL
database (migrated, gazetteer loaded), the workers started and ready, `import_raw
--enqueue` of the files, and the wall time until nothing is queued or running. Prints
both times, MB/s and the ratio. Needs Redis at 127.0.0.1:6379 (`make redis`). Not part of
the test suite.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_import import build_corpus, fresh_postgres, unique_copies  # noqa: E402


def manage(env, *args) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:2])} failed: {done.stderr[-800:]}")


def pending(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        sql = "SELECT count(*) FROM archive_rawfile WHERE status IN ('queued', 'running')"
        return conn.execute(sql).fetchone()[0]


def run(files: list[Path], workers: int, db: str, scratch: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIFANG_")}
    env.update(DEBUG="1", DATABASE_URL=fresh_postgres(db))
    env["DIFANG_QUEUE"] = f"difang-bench-{os.getpid()}-{workers}"
    manage(env, "migrate", "-v0")
    manage(env, "load_regions", "-v0")
    procs, logs = [], []
    for n in range(workers):
        log = scratch / f"worker-{workers}-{n}.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "archive", "worker", "--pool", "solo"]
                + ["-Q", env["DIFANG_QUEUE"], "-n", f"bench{n}-{os.getpid()}@%h"]
                + ["--without-gossip", "--without-mingle", "-l", "INFO"],
                cwd=ROOT,
                env=env,
                stdout=open(log, "wb"),  # noqa: SIM115 - closed with the process
                stderr=subprocess.STDOUT,
            )
        )
    try:
        deadline = time.monotonic() + 120
        while not all("ready." in log.read_text(errors="replace") for log in logs):
            if time.monotonic() > deadline:
                sys.exit("the workers did not start: " + logs[0].read_text()[-800:])
            time.sleep(0.2)
        started = time.perf_counter()
        manage(env, "import_raw", "--enqueue", *map(str, files))
        while pending(env["DATABASE_URL"]):
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=60, help="files in the batch")
    ap.add_argument("--pg-db", default="difang_bench_queue", help="PostgreSQL database to make")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="difang-bench-queue-") as tmp:
        scratch = Path(tmp)
        (scratch / "corpus").mkdir()
        seeds = build_corpus(scratch / "corpus", 0.04 * args.files)[: args.files]
        files = unique_copies(seeds, 1e9, scratch / "unique")
        mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"{len(files)} files, {mb:.2f} MB, {os.cpu_count()} CPUs, PostgreSQL, Redis")
        one = run(files, 1, args.pg_db, scratch)
        two = run(files, 2, args.pg_db, scratch)
    print(f"1 worker   {one:6.1f} s  {mb / one:5.2f} MB/s")
    print(f"2 workers  {two:6.1f} s  {mb / two:5.2f} MB/s")
    print(f"two workers / one (speed-up)  {one / two:5.2f}")


if __name__ == "__main__":
    main()
