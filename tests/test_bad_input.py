"""Bad input through `manage.py import_raw` (issue #8): the corpus in tests/bad_input plus
inputs made at test time (a 50 MB page without a newline, a directory no one may read, a
path that does not exist, the same file twice in one run).

Each file gets a clean import or one clear line naming the file and the problem; the run
exits 1 when something failed, the other files still go in, no traceback is printed, and
the raw bytes of every readable file are kept. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from procdb import base_env, fresh_database, manage, migrate

from archive.importer import content_hash
from archive.models import Article, Occurrence, RawFile

CORPUS = Path(__file__).resolve().parent / "bad_input"
BIG = "no_newline_50mb.txt"
LOCKED = "locked"
MISSING = "missing/page.txt"
TWICE = "flood.txt"  # given again on the command line after the directory that holds it

# name: (status on import, a fragment of its one error line or None for no error)
EXPECTED = {
    "empty.txt": ("failed", "empty file: there is no text to import"),
    "whitespace.txt": ("failed", "empty file: there is no text to import"),
    "random_binary.txt": ("failed", "binary or undecodable data"),
    "png_renamed.txt": ("failed", "a PNG image, not a text page"),
    "corrupt.txt.gz": ("failed", "corrupt gzip data"),
    BIG: ("failed", "a text page of 50,000,000 bytes, more than one page may be"),
    "nul_in_chinese.txt": ("imported", None),
    "truncated_utf8.txt": ("imported", None),
    "page_utf8.txt": ("imported", None),
    "page_gb18030.txt": ("imported", None),
    "page_utf16.txt": ("imported", None),
    "page_traditional_utf8.txt": ("imported", None),
    "page_traditional_big5.txt": ("imported", None),
    "scripts_iframes.html": ("imported", None),
    "one_broken_line.jsonl": ("imported", "line 2: not valid JSON"),
    TWICE: ("imported", None),
    LOCKED: ("failed", "directory is not readable (permission denied)"),
    MISSING: ("failed", "path does not exist; check the spelling"),
}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def tree():
    """corpus/ (the committed files and the 50 MB one), locked/ (mode 000)."""
    root = Path(tempfile.mkdtemp(prefix="difang_bad_"))
    root.chmod(0o755)
    corpus = root / "corpus"
    corpus.mkdir(mode=0o755)
    for path in CORPUS.iterdir():
        if path.name in EXPECTED:
            shutil.copyfile(path, corpus / path.name)
    sentence = "聊城市政协召开文史资料征集工作推进会，总结去年文史工作，部署今年重点任务。"
    unit = sentence.encode("utf-8")
    # 50,000,000 bytes: 450,450 sentences of 37 characters and 50 digits, no newline
    (corpus / BIG).write_bytes(unit * 450_450 + b"2023" * 12 + b"12")
    for path in corpus.iterdir():
        path.chmod(0o644)
    locked = root / LOCKED
    locked.mkdir()
    shutil.copyfile(CORPUS / TWICE, locked / "page.txt")
    locked.chmod(0)
    yield root
    locked.chmod(0o755)
    shutil.rmtree(root)


def arguments(root: Path, locked: bool = True) -> list[str]:
    args = [str(root / "corpus"), str(root / "corpus" / TWICE)]
    if locked:
        args.append(str(root / LOCKED))
    return [*args, str(root / MISSING)]


def run(*args: str) -> tuple[int, str, str]:
    """import_raw in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_raw", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def key(entry: dict, root: Path) -> str:
    path = Path(entry["path"])
    if path.parent == root / "corpus":
        return path.name
    return str(path.relative_to(root))


def check_report(report: dict, root: Path, dry_run: bool, locked: bool) -> dict[str, dict]:
    """Every input got its expected status and one clear error line naming it."""
    entries: dict[str, dict] = {}
    for entry in report["files"]:
        name = key(entry, root)
        if name in entries:
            assert name == TWICE, f"{name} reported twice"
            assert entry["status"] == ("parsed" if dry_run else "unchanged")
            assert entry["articles"] == entries[name]["articles"]
            continue
        entries[name] = entry
    expected = {n: e for n, e in EXPECTED.items() if locked or n != LOCKED}
    assert set(entries) == set(expected)
    for name, (status, message) in expected.items():
        entry = entries[name]
        if dry_run and status == "imported":
            status = "parsed"
        assert entry["status"] == status, (name, entry["errors"])
        if message is None:
            assert entry["errors"] == [], name
            assert entry["articles"], name
        else:
            [error] = entry["errors"]
            assert error.startswith(f"{entry['path']}: "), error
            assert message in error, error
            assert "\n" not in error and "Traceback" not in error
        if status == "failed":
            assert entry["articles"] == []
    return entries


def check_same_articles(entries: dict[str, dict]) -> None:
    """Other encodings of a page give the articles of its UTF-8 version."""

    def articles(name: str) -> list[tuple]:
        return [
            (a["title"], a["body"], a["published"], a["authors"], a["span"])
            for a in entries[name]["articles"]
        ]

    utf8, traditional = articles("page_utf8.txt"), articles("page_traditional_utf8.txt")
    assert len(utf8) == 7
    assert articles("page_gb18030.txt") == utf8
    assert articles("page_utf16.txt") == utf8
    assert articles("page_traditional_big5.txt") == traditional
    assert entries["page_gb18030.txt"]["encoding"] == "gb18030"
    assert entries["page_utf16.txt"]["encoding"] == "utf-16"
    assert entries["page_traditional_big5.txt"]["encoding"] in ("big5", "big5hkscs", "cp950")
    assert entries["page_utf8.txt"]["encoding"] == "utf-8"


def check_content(entries: dict[str, dict]) -> None:
    [html] = entries["scripts_iframes.html"]["articles"]
    assert html["title"] == "东营市垦利区开展汛期安全隐患排查"
    assert "排查组共检查点位46处" in html["body"]
    for injected in ("alert", "document.write", "注入的脚本文字", "追踪代码", "广告位", "嵌入页面"):
        assert injected not in html["body"] and injected not in html["title"]
    [nul] = entries["nul_in_chinese.txt"]["articles"]
    assert "\x00" not in nul["body"] and "文史资料是政协履职的重要成果" in nul["body"]
    [cut] = entries["truncated_utf8.txt"]["articles"]
    assert "听取企业负责人的意见建议" in cut["body"]
    feed = entries["one_broken_line.jsonl"]
    assert [a["title"] for a in feed["articles"]] == [
        "聊城市政协召开文史资料征集工作推进会",
        "聊城市政协开展民营企业发展专题调研",
    ]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (RawFile, Article, Occurrence)}


@pytest.mark.django_db
def test_bad_input_import_keeps_every_readable_file_and_reports_the_rest(tree, gazetteer):
    # As root a mode-000 directory is readable anyway; the subprocess test below runs that
    # case without root's override.
    args = arguments(tree, locked=not IS_ROOT)

    code, out, err = run(*args, "--json")

    assert code == 1
    assert "Traceback" not in out + err
    entries = check_report(json.loads(out), tree, dry_run=False, locked=not IS_ROOT)
    check_same_articles(entries)
    check_content(entries)
    # Raw bytes of every readable file are kept, failed or not.
    for path in (tree / "corpus").iterdir():
        data = path.read_bytes()
        raw = RawFile.objects.get(sha256=hashlib.sha256(data).hexdigest())
        assert raw.data == data, path.name
        status, message = EXPECTED[path.name]
        assert raw.status == status
        if message:
            assert message in raw.error
    # Whole files only: each article has its raw file and an occurrence in every file
    # whose report lists it.
    # (an article's natural key is its simplified text: the traditional copies of a page's
    # articles may be the same articles)
    hashes = {content_hash(a["title"], a["body"]) for e in entries.values() for a in e["articles"]}
    assert Article.objects.count() == len(hashes)
    assert not Article.objects.filter(raw_file__isnull=True).exists()
    assert not Article.objects.filter(occurrence__isnull=True).exists()
    listed = sum(len(e["articles"]) for e in entries.values())
    assert Occurrence.objects.count() == listed
    big = RawFile.objects.get(path__endswith=BIG)
    assert big.size == 50_000_000

    # Re-importing everything is a no-op.
    before = counts()
    code, out, err = run(*args, "--json")
    assert code == 1 and "Traceback" not in out + err
    assert counts() == before
    for entry in json.loads(out)["files"]:
        assert entry["status"] in ("unchanged", "failed")
        assert (entry["status"] == "failed") == (EXPECTED[key(entry, tree)][0] == "failed")


@pytest.mark.django_db
def test_bad_input_dry_run_reports_the_same_and_writes_nothing(tree, gazetteer):
    code, out, err = run(*arguments(tree, locked=not IS_ROOT), "--dry-run", "--json")

    assert code == 1
    assert "Traceback" not in out + err
    entries = check_report(json.loads(out), tree, dry_run=True, locked=not IS_ROOT)
    check_same_articles(entries)
    check_content(entries)
    assert counts() == {"RawFile": 0, "Article": 0, "Occurrence": 0}


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_is_reported_and_the_rest_go_in(tmp_path, gazetteer):
    page = tmp_path / "page.txt"
    shutil.copyfile(CORPUS / TWICE, page)
    fifo_or_dir = tmp_path / "not_a_file.txt"
    fifo_or_dir.mkdir()  # a directory named like a page: walked, holds nothing
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x")
    secret.chmod(0)

    code, out, _ = run(str(page), str(secret), "--json")

    files = {Path(e["path"]).name: e for e in json.loads(out)["files"]}
    assert files["page.txt"]["status"] == "imported"
    if IS_ROOT:  # root reads a mode-000 file; the one byte is not a page
        assert files["secret.txt"]["status"] == "failed"
    else:
        [error] = files["secret.txt"]["errors"]
        assert error == f"{secret}: cannot read the file (Permission denied)"
    assert code == 1


def without_root_override():  # pragma: no cover - runs in the child process
    """Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so root obeys file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop the file-permission override")


def cli(env: dict[str, str], tree: Path, *extra: str):
    return manage(
        env,
        "import_raw",
        *arguments(tree),
        *extra,
        preexec_fn=without_root_override if IS_ROOT else None,
    )


def test_the_command_line_dry_run_never_prints_a_traceback(tree, tmp_path):
    """The real `manage.py import_raw` process, with the unreadable directory included:
    when the suite runs as root, without the capabilities that let root read a mode-000
    directory. A dry run needs no database at all."""
    env = base_env() | {"DIFANG_SQLITE_PATH": str(tmp_path / "never-created.sqlite3")}
    done = cli(env, tree, "--dry-run", "--json")

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    entries = check_report(json.loads(done.stdout), tree, dry_run=True, locked=True)
    check_same_articles(entries)
    check_content(entries)
    # stderr holds the one-line summary only
    [summary] = done.stderr.strip().splitlines()
    assert summary.startswith(f"{len(EXPECTED) + 1} files")
    assert "0 imported, 11 parsed, 0 unchanged, 8 failed" in summary

    # Text mode: one status line per file, then its error lines, each naming the file.
    done = cli(env, tree, "--dry-run")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name, (_, message) in EXPECTED.items():
        if message:
            assert any(f"{name}: {message}" in ln for ln in lines), name
    assert not (tmp_path / "never-created.sqlite3").exists()


def test_the_command_line_import_never_prints_a_traceback(tree, tmp_path):
    with fresh_database(tmp_path, "bad") as env:
        migrate(env, gazetteer=False)
        done = cli(env, tree, "--json")

        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        entries = check_report(json.loads(done.stdout), tree, dry_run=False, locked=True)
        check_same_articles(entries)
        [summary] = done.stderr.strip().splitlines()
        assert "10 imported, 0 parsed, 1 unchanged, 8 failed" in summary
