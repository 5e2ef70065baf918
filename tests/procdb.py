"""A database of its own for tests that run `manage.py` in subprocesses.

pytest-django's test database lives inside one process's transaction; a subprocess
importer (killed with SIGKILL, or racing another one) needs a real database it can
commit to. On the SQLite pass that is a file in tmp_path; on the PostgreSQL pass (when
DATABASE_URL is postgres) a database created for the test and dropped after it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIFANG_")}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="archive.settings", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    return env


def _admin_connect(url: str):
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True)


@contextlib.contextmanager
def fresh_database(tmp_path: Path, label: str) -> Iterator[dict[str, str]]:
    """Yield the environment of manage.py processes that use a new, empty database."""
    env = base_env()
    if not on_postgres():
        env["DIFANG_SQLITE_PATH"] = str(tmp_path / f"{label}.sqlite3")
        yield env
        return
    url = os.environ["DATABASE_URL"]
    name = f"difang_{label}_{os.getpid()}"
    with _admin_connect(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        with _admin_connect(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str, timeout: float = 300, **kw):
    """Run manage.py with this interpreter; return the CompletedProcess (text mode)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def migrate(env: dict[str, str], gazetteer: bool = True) -> None:
    done = manage(env, "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    if gazetteer:
        done = manage(env, "load_regions", "-v0")
        assert done.returncode == 0, done.stderr


def query(env: dict[str, str], code: str) -> str:
    """Run Python with Django set up against env's database; return its stdout."""
    prelude = "import django, json; django.setup()\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
