"""Bounded memory on any input (issue #18): bombs built at test time go through the real
`manage.py import_raw` in a child process, whose peak RSS (resource.getrusage) stays
under 400 MB while each gets a clear result or an error that names the limit.

Measured against a database of the test's own (procdb.py): a SQLite file on the SQLite
pass, a database created for the test on the PostgreSQL pass.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from procdb import ROOT, fresh_database, migrate, query

from archive.extraction import reader
from archive.extraction.pipeline import parse
from archive.extraction.reader import ReadError, gunzip, read

PEAK_MB = 400
SEED = next((ROOT / "fixtures" / "raw").glob("004_*.txt"))
LINE = "莘县召开乡村振兴工作推进会，部署下一阶段重点任务，要求各乡镇压实责任、抓好落实。\n"
# What each bomb's child process peaked at, printed at the end of the module (-s shows it).
PEAKS: dict[str, float] = {}


def gzip_stream(pieces, level: int = 6) -> bytes:
    """One gzip member made of many pieces, compressed as they come (never all in memory)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, 31)
    out = [packer.compress(piece) for piece in pieces]
    out.append(packer.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    with fresh_database(tmp, "i18_bombs") as env:
        migrate(env)
        yield env, tmp
    if PEAKS:
        print(
            "\npeak RSS of import_raw per bomb: "
            + ", ".join(f"{k} {v:.0f} MB" for k, v in PEAKS.items())
        )


# A small launcher between pytest and the importer: Linux starts a forked child's peak RSS
# at its parent's, so the importer is forked from this small process, not from pytest,
# and the launcher reports its child's peak (resource.getrusage of RUSAGE_CHILDREN).
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1] + ".out", "wb"), stderr=open(sys.argv[1] + ".err", "wb"))
open(sys.argv[1] + ".rss", "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def import_measured(env: dict, *paths: Path) -> tuple[int, dict, float]:
    """Run import_raw --json on paths; return (exit code, its JSON, its peak RSS in MB)."""
    base = str(paths[0].with_suffix(""))
    command = [sys.executable, str(ROOT / "manage.py"), "import_raw", "--json", *map(str, paths)]
    code = subprocess.run(
        [sys.executable, "-c", LAUNCHER, base, *command], cwd=ROOT, env=env, timeout=600
    ).returncode
    text = Path(base + ".err").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-2000:]
    peak = int(Path(base + ".rss").read_text()) / 1024
    return code, json.loads(Path(base + ".out").read_text(encoding="utf-8")), peak


def only(doc: dict) -> dict:
    [entry] = doc["files"]
    return entry


def test_a_gzip_of_two_gigabytes_of_zeros_is_refused_naming_its_cap(db):
    env, tmp = db
    bomb = tmp / "zeros.txt.gz"
    bomb.write_bytes(gzip_stream(bytes(1 << 20) for _ in range(2048)))
    assert bomb.stat().st_size < 3_000_000
    code, doc, peak = import_measured(env, bomb)
    PEAKS["zeros.txt.gz (2 GB of zeros)"] = peak
    entry = only(doc)
    assert code == 1 and entry["status"] == "failed"
    assert "decompresses to more than 4 MB (DIFANG_MAX_PAGE_BYTES" in entry["errors"][0]
    assert peak < PEAK_MB
    # Nothing is lost: the raw bytes are kept as a failed file with its one-line error.
    kept = query(
        env,
        "from archive.models import RawFile as R; r = R.objects.get(path__endswith='zeros.txt.gz'); print(json.dumps([r.status, r.size, r.error]))",
    )
    status, size, error = json.loads(kept)
    assert status == "failed" and size == bomb.stat().st_size and "\n" not in error


def test_a_gzip_of_a_gigabyte_of_chinese_text_is_refused_as_page_and_as_dump(db):
    env, tmp = db
    block = LINE.encode() * (1_000_000 // len(LINE.encode()))
    text = tmp / "huge.txt.gz"
    text.write_bytes(gzip_stream(block for _ in range(1000)))
    record = json.dumps({"title": "县里开会", "content": LINE * 4}, ensure_ascii=False)
    lines = (record + "\n").encode() * (1_000_000 // len(record.encode()))
    dump = tmp / "huge.jsonl.gz"
    dump.write_bytes(gzip_stream(lines for _ in range(1000)))
    code, doc, peak = import_measured(env, text)
    PEAKS["huge.txt.gz (1 GB of text)"] = peak
    assert code == 1 and only(doc)["status"] == "failed" and peak < PEAK_MB
    assert "DIFANG_MAX_PAGE_BYTES" in only(doc)["errors"][0]
    code, doc, peak = import_measured(env, dump)
    PEAKS["huge.jsonl.gz (1 GB of JSON lines)"] = peak
    assert code == 1 and only(doc)["status"] == "failed" and peak < PEAK_MB
    assert "holds more than 64 MB (DIFANG_MAX_EXPANDED_BYTES" in only(doc)["errors"][0]


def test_a_jsonl_of_200000_lines_is_read_a_line_at_a_time(db):
    """Most records of a news-app dump carry no text (skipped, counted); the ones that do
    are imported, one too large to be a page is refused while the others go on."""
    env, tmp = db
    dump = tmp / "app_dump.jsonl"
    with open(dump, "w", encoding="utf-8") as fh:
        for n in range(200_000):
            if n % 1000 == 0:
                body = f"本报讯 第{n}号通报：莘县第{n}次召开乡村振兴工作推进会。" + LINE * 3
                record = {"id": n, "title": f"莘县召开第{n}次推进会", "content": body}
            elif n == 777:
                record = {"id": n, "title": "一份误存的全文", "content": LINE * 120_000}
            else:
                record = {"id": n, "title": f"第{n}条", "likes": n % 97}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    code, doc, peak = import_measured(env, dump)
    PEAKS["app_dump.jsonl (200,000 lines)"] = peak
    entry = only(doc)
    assert entry["status"] == "imported"
    assert len(entry["articles"]) == 200
    assert any(
        "line 778: a text page of" in e and "DIFANG_MAX_PAGE_BYTES" in e for e in entry["errors"]
    )
    assert len(entry["errors"]) <= reader.WARNINGS_LISTED + 3
    assert "more skipped as above" in entry["errors"][-1]
    assert peak < PEAK_MB


def test_deeply_nested_html_gives_its_text_and_a_huge_one_is_refused(db):
    env, tmp = db
    words = "<p>莘县召开乡村振兴工作推进会，部署下一阶段重点任务，要求各乡镇压实责任。</p>"
    page = tmp / "nested.html"
    page.write_text(
        f"<html><head><title>莘县召开推进会</title></head><body>{'<div>' * 200_000}{words * 3}{'</div>' * 200_000}</body></html>",
        encoding="utf-8",
    )
    huge = tmp / "nested_huge.html"
    huge.write_text(
        f"<html><body>{'<div><span>' * 400_000}{words}{'</span></div>' * 400_000}</body></html>",
        encoding="utf-8",
    )
    code, doc, peak = import_measured(env, page, huge, SEED)
    PEAKS["nested.html (200,000 divs) + nested_huge.html (800,000 tags)"] = peak
    by_name = {Path(e["path"]).name: e for e in doc["files"]}
    assert by_name["nested.html"]["status"] == "imported"
    assert "莘县" in by_name["nested.html"]["articles"][0]["body"]
    assert by_name["nested_huge.html"]["status"] == "failed"
    assert "DIFANG_MAX_PAGE_BYTES" in by_name["nested_huge.html"]["errors"][0]
    assert by_name[SEED.name]["status"] in ("imported", "unchanged")  # the others go on
    assert code == 1 and peak < PEAK_MB


# --- The reader's caps, in process (pure: no database) ----------------------------------


def test_the_caps_are_settings_and_the_error_names_them(monkeypatch):
    monkeypatch.setenv("DIFANG_MAX_PAGE_BYTES", "10000")
    page = (LINE * 400).encode()
    with pytest.raises(ReadError, match=r"DIFANG_MAX_PAGE_BYTES = 10,000 bytes"):
        read(page, "page.txt")
    with pytest.raises(ReadError, match=r"DIFANG_MAX_PAGE_BYTES"):
        read(gzip.compress(page), "page.txt.gz")
    monkeypatch.setenv("DIFANG_MAX_PAGE_BYTES", str(len(page)))
    assert read(gzip.compress(page), "page.txt.gz").text.startswith("莘县")
    monkeypatch.setenv("DIFANG_MAX_EXPANDED_BYTES", "50000")
    with pytest.raises(ReadError, match=r"more than 50,000 bytes \(DIFANG_MAX_EXPANDED_BYTES"):
        gunzip(gzip.compress(bytes(60_000)), "zeros.gz")


def test_gzip_of_several_members_is_read_whole_and_a_cut_one_is_corrupt():
    data = gzip.compress(SEED.read_bytes()[:3000]) + gzip.compress(SEED.read_bytes()[3000:])
    assert gunzip(data, "two.gz") == SEED.read_bytes()
    with pytest.raises(ReadError, match="corrupt gzip data"):
        gunzip(data[: len(data) // 3], "cut.gz")


def test_json_lines_read_line_by_line_equal_the_file_read_whole():
    records = [
        {"title": f"莘县召开第{n}次推进会", "content": LINE * 3, "pubtime": 1650585600 + n}
        for n in range(30)
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[7] = "{not json"
    data = ("\r\n".join(lines) + "\n").encode("utf-8")
    streamed = read(data, "dump.jsonl")
    whole = reader._read_json(data.decode().replace("\r\n", "\n"), "dump.jsonl", "utf-8", [], None)
    assert streamed == whole
    assert read(gzip.compress(data), "dump.jsonl.gz") == whole
    assert [a.title for a in parse(data, "dump.jsonl").articles] == [
        r["title"] for i, r in enumerate(records) if i != 7
    ]


def test_a_pretty_printed_json_document_is_still_read_whole():
    doc = {"data": {"list": [{"title": "莘县召开推进会", "details": LINE * 3}]}}
    data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
    for name, raw in (("api.json", data), ("api.json.gz", gzip.compress(data))):
        assert [p.title for p in read(raw, name).pages] == ["莘县召开推进会"]


@pytest.mark.django_db
def test_an_admin_upload_obeys_the_same_caps(admin_client):
    bomb = gzip_stream(bytes(1 << 20) for _ in range(256))  # 256 MB of zeros
    upload = SimpleUploadedFile("zeros.txt.gz", bomb, "application/gzip")
    page = admin_client.post("/admin/archive/rawfile/upload/", {"files": upload})
    assert page.status_code == 200
    assert "DIFANG_MAX_PAGE_BYTES" in page.content.decode()
    from archive.models import RawFile

    assert RawFile.objects.get(path="zeros.txt.gz").status == RawFile.Status.FAILED
