"""WARC input as issue #22 words it (pure, no database): WARCs written at test time by
warcio with several records (a request, HTML responses, an image, a metadata record) and
one cut off mid-record; each HTML response is a page with its URL and fetch date, the
other records are skipped with a count, and a truncated archive keeps what it could read
and says where it stopped."""

import gzip
import io

import pytest
from test_extraction_json import CLEANUP, MEETING, news_page
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.extraction.pipeline import parse

PAGES = [
    (
        "https://news.example.org/qs/1.html",
        "青山县召开乡村振兴推进会",
        MEETING,
        "2024-06-12T02:30:00Z",
    ),
    (
        "https://news.example.org/lh/2.html",
        "临河镇开展人居环境整治",
        f"<p>{CLEANUP}</p>",
        "2024-06-13T08:00:05Z",
    ),
    (
        "https://news.example.org/lh/3.html",
        "城关镇人居环境整治再推进",
        f"<p>{CLEANUP}城关镇也在行动。</p>",
        "2024-06-14T09:10:00Z",
    ),
]


def crawl(gz=False):
    """request + response for each page, an image response and a metadata record."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for i, (uri, title, body, date) in enumerate(PAGES):
        request = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                uri, "request", http_headers=request, warc_headers_dict={"WARC-Date": date}
            )
        )
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(news_page(title, body).encode()),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": date},
            )
        )
        if i == 0:
            image = StatusAndHeaders(
                "200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    "https://news.example.org/img/1.jpg",
                    "response",
                    payload=io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 300),
                    http_headers=image,
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "metadata",
                    payload=io.BytesIO(b"outlinks: 3\n"),
                    warc_content_type="text/plain",
                )
            )
    return buf.getvalue()


def test_each_html_response_is_a_page_with_its_url_and_fetch_date():
    record = parse(crawl(), "crawl.warc", entities=False)
    assert not record.errors
    got = [(a.title, a.url, a.fetched) for a in record.articles]
    assert got == [(title, uri, date) for uri, title, _, date in PAGES]
    contract = record.as_contract("parsed")
    assert contract["articles"][0]["fetched"] == "2024-06-12T02:30:00Z"


def test_other_records_are_skipped_with_a_count():
    record = parse(crawl(), "crawl.warc", entities=False)
    (note,) = record.notes
    assert note.startswith("5 WARC record(s) skipped")
    assert "3 request" in note and "1 image/jpeg" in note and "1 metadata" in note
    assert record.as_contract("parsed")["notes"] == [note]


@pytest.mark.parametrize("gz", [False, True, "whole"], ids=["warc", "warc.gz", "gzip-of-warc"])
def test_a_truncated_warc_keeps_what_it_read_and_says_where_it_stopped(gz):
    data = gzip.compress(crawl()) if gz == "whole" else crawl(gz)
    cut = data[: len(data) - 120]  # inside the last response record
    record = parse(cut, "crawl.warc.gz" if gz else "crawl.warc", entities=False)
    assert [a.title for a in record.articles] == [PAGES[0][1], PAGES[1][1]]
    (error,) = record.errors
    assert "record 8" in error and "truncated" in error
    if gz != "whole":  # a cut inside a gzip stream may leave the record's header unread
        assert PAGES[2][0] in error
    assert "byte" in error and "2 page(s) before it are kept" in error


def test_a_whole_file_gzipped_warc_reads_like_the_plain_one():
    plain = parse(crawl(), "crawl.warc", entities=False)
    packed = parse(gzip.compress(crawl()), "crawl.warc.gz", entities=False)
    assert [a.body for a in packed.articles] == [a.body for a in plain.articles]
    assert packed.notes == plain.notes and not packed.errors
