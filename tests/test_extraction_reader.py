"""Reading bytes: encodings, gzip, HTML, JSON lines and bad input (no database)."""

import gzip
import json
from pathlib import Path

import pytest

from archive.extraction.pipeline import parse

PAGE = (Path(__file__).resolve().parents[1] / "fixtures" / "raw").glob("003_*.txt")
PAGE_TEXT = next(PAGE).read_text(encoding="utf-8")


def summary(record):
    return [(a.title, a.published, a.authors, a.body) for a in record.articles]


UTF8 = summary(parse(PAGE_TEXT.encode("utf-8"), "page.txt"))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-8-sig"])
def test_other_encodings_give_the_same_articles_as_utf8(encoding):
    record = parse(PAGE_TEXT.encode(encoding), "page.txt")
    assert not record.errors
    assert summary(record) == UTF8


def test_big5_page_keeps_traditional_characters_and_finds_the_same_articles():
    text = "錦州今年計劃實施科技攻關項目\n\n本報訊 記者崔治報道 1月11日，記者獲悉，今年，錦州市實施“春芽計劃”，聚焦細分市場產業鏈條，推進關鍵核心技術攻關。"
    record = parse(text.encode("big5"), "big5.txt")
    assert record.encoding in ("big5", "big5hkscs", "cp950")
    (a,) = record.articles
    assert a.title == "錦州今年計劃實施科技攻關項目"
    assert "錦州市" in a.body
    assert any(r.code == "210700" for r in a.regions)  # matched on the simplified form


def test_encoding_can_be_forced():
    record = parse(PAGE_TEXT.encode("gb18030"), "page.txt", encoding="gb18030")
    assert record.encoding == "gb18030"
    assert summary(record) == UTF8


def test_gzip_file_is_decompressed():
    record = parse(gzip.compress(PAGE_TEXT.encode("utf-8")), "page.txt.gz")
    assert summary(record) == UTF8


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"", "empty.txt", "empty file"),
        (b"  \n\n \t \n", "blank.txt", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "photo.txt", "PNG image"),
        (bytes(range(256)) * 50, "random.txt", "binary"),
        (b"\x1f\x8b\x08\x00broken", "page.txt.gz", "corrupt gzip"),
        (b"plain text", "page.txt.gz", "not gzip"),
    ],
)
def test_unreadable_input_gets_one_clear_error_naming_the_file(data, name, message):
    record = parse(data, name)
    assert not record.articles
    (error,) = record.errors
    assert error.startswith(f"{name}: ") and message in error
    assert "\n" not in error and "Traceback" not in error


def test_nul_bytes_inside_chinese_text_are_removed():
    data = PAGE_TEXT.encode("utf-8").replace("锦州".encode(), "锦\x00州".encode(), 1)
    record = parse(data, "nul.txt")
    assert summary(record) == UTF8


def test_truncated_multibyte_character_at_the_end_still_imports():
    data = PAGE_TEXT.encode("utf-8") + "汉".encode()[:2]
    record = parse(data, "cut.txt")
    assert record.encoding == "utf-8"
    assert len(record.articles) == len(UTF8)


def test_html_page_loses_scripts_and_keeps_title_url_and_date():
    html = (
        "<html><head><title>鞍山招商-凯发k8官方旗舰厅</title>"
        '<meta property="og:url" content="https://example.org/a/1.html">'
        '<meta name="pubdate" content="2022-01-12 08:00">'
        "<script>alert('x')</script></head><body><iframe src=x></iframe>"
        "<p>本报讯 记者刘家伟报道 全力推进的西鞍山采选联合项目，建成后将成为世界规模最大的地下铁矿。</p>"
        "<p>鞍山市以招商引资项目不断积蓄着高质量发展的新动能。</p></body></html>"
    )
    (a,) = parse(html.encode(), "page.html").articles
    assert a.title == "鞍山招商"
    assert a.url == "https://example.org/a/1.html"
    assert a.published == "2022-01-12"
    assert "alert" not in a.body and "西鞍山" in a.body


def test_jsonl_good_lines_import_and_the_broken_line_is_reported_with_its_number():
    good = {
        "title": "铁岭党员干部结对帮扶困难群众",
        "text": "本报讯 记者李波报道 1月11日，记者从铁岭市委组织部了解到，铁岭市有3116名困难群众与党员干部精准结对。",
        "url": "https://example.org/2",
        "published": "2022-01-12",
        "source": "辽宁日报",
    }
    lines = [
        json.dumps(good, ensure_ascii=False),
        "{broken",
        json.dumps(good | {"title": "第二篇"}, ensure_ascii=False),
    ]
    record = parse("\n".join(lines).encode(), "pages.jsonl")
    assert [a.title for a in record.articles] == ["铁岭党员干部结对帮扶困难群众", "第二篇"]
    assert record.articles[0].source == "辽宁日报"
    assert record.articles[0].published == "2022-01-12"
    assert any("line 2" in e for e in record.errors)
