"""Load test of the public site under gunicorn, on loopback only (not part of the suite).

    .venv/bin/python tests/bench/load_site.py [--clients 100] [--seconds 20] [--workers 2]

Makes its own SQLite database in a temporary directory (migrate, load_regions, import
fixtures/raw), starts `gunicorn archive.wsgi:application -w 2 -b 127.0.0.1:<free port>`
with production settings (DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1; the
HTTPS redirect is switched off because the test speaks plain http), waits until it
answers, then runs N client threads for a bounded time over the list (/), search
(/?q=作风), article detail (/article/<id>/) and JSON (?format=json) pages. Prints
requests/s, p50/p95/max latency and the error count, per page kind and overall, then
stops gunicorn. Target: 0 errors and p95 < 200 ms with 2 workers on the seed data.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Host": HOST, "Accept-Language": "zh-hans"})
    response = conn.getresponse()
    return response.status, response.read()


def wait_ready(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("gunicorn exited before it answered")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            status, _ = get(conn, "/")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer in time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="difang_load_"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DIFANG_SQLITE_PATH=str(tmp / "load.sqlite3"),
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="archive.settings",
    )
    print(f"database {env['DIFANG_SQLITE_PATH']}: migrate, load_regions, import fixtures/raw")
    manage(env, "migrate", "-v0")
    manage(env, "load_regions", "-v0")
    manage(env, "import_raw", "fixtures/raw")
    ids = [
        int(x)
        for x in manage(
            env,
            "shell",
            "-v0",
            "-c",
            "from archive.models import Article; "
            "print(*Article.objects.order_by('pk').values_list('pk', flat=True))",
        ).split()
        if x.isdigit()
    ]
    paths = {
        "list": ["/", "/?page=2"],
        "search": [f"/?q={quote('作风')}", f"/?q={quote('聊城')}"],
        "detail": [f"/article/{pk}/" for pk in ids],
        "json": ["/?format=json", f"/?q={quote('作风')}&format=json"]
        + [f"/article/{pk}/?format=json" for pk in ids[:5]],
    }

    port = free_port()
    serve_env = env | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DIFANG_SECURE_SSL_REDIRECT": "0",  # plain http on loopback
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "archive.wsgi:application", "-w", str(args.workers), "-b", f"{HOST}:{port}"]
        + ["--log-level", "warning", "--timeout", "60"],
        cwd=ROOT,
        env=serve_env,
    )
    try:
        wait_ready(port, proc)
        # Each page kind once, to check it works before measuring.
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        for kind, urls in paths.items():
            status, body = get(conn, urls[0])
            print(f"  {kind:6} {urls[0]} -> {status}, {len(body)} bytes")
        conn.close()

        results: dict[str, list[float]] = {k: [] for k in paths}
        errors: dict[str, int] = {k: 0 for k in paths}
        samples: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        kinds = list(paths)

        def client(n: int) -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            i = n
            while time.monotonic() < stop:
                kind = kinds[i % len(kinds)]
                urls = paths[kind]
                url = urls[(i // len(kinds)) % len(urls)]
                i += 1
                started = time.perf_counter()
                try:
                    status, _ = get(conn, url)
                    ok = status == 200
                except (OSError, http.client.HTTPException) as exc:
                    ok, status = False, type(exc).__name__
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                elapsed = time.perf_counter() - started
                with lock:
                    results[kind].append(elapsed)
                    if not ok:
                        errors[kind] += 1
                        if len(samples) < 5:
                            samples.append(f"{url} -> {status}")
            conn.close()

        print(f"{args.clients} clients for {args.seconds:.0f} s, {args.workers} gunicorn workers")
        began = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        duration = time.monotonic() - began

        def line(name: str, times: list[float], errs: int) -> str:
            if not times:
                return f"{name:8} no requests"
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            return (
                f"{name:8} {len(times):7d} req {len(times) / duration:8.1f} req/s  "
                f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                f"max {ordered[-1] * 1000:7.1f} ms  errors {errs}"
            )

        for kind in kinds:
            print(line(kind, results[kind], errors[kind]))
        everything = [t for times in results.values() for t in times]
        print(line("all", everything, sum(errors.values())))
        print(f"duration {duration:.1f} s")
        for s in samples:
            print(f"  error: {s}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
