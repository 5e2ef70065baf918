"""News-app and API JSON, JSON lines and WARC input: pure tests, no database.

The records are invented, shaped like the feeds of county news apps and government
portals: the text in `details`/`body`/`html` fields, often as HTML, inside wrappers.
"""

from __future__ import annotations

import json

import pytest

from archive.extraction import jsondoc
from archive.extraction.pipeline import parse

MEETING = (
    "<p>6月12日，青山县召开乡村振兴工作推进会。县委书记王建国出席会议并讲话。</p>"
    "<p>王建国强调：“要把产业发展放在首位，让群众的钱袋子鼓起来。”会议还部署了下一阶段重点任务。</p>"
)
CLEANUP = (
    "连日来，临河镇组织干部群众开展人居环境整治行动，清理垃圾杂物，整治乱堆乱放。\n"
    "镇党委书记李红梅介绍说：“我们要让每个村庄都干净整洁，让群众住得舒心。”"
)


def as_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def test_app_feed_wrapping_a_list_gives_one_article_per_record_with_its_html_stripped():
    feed = {
        "code": 0,
        "msg": "success",
        "data": {
            "total": 2,
            "list": [
                {"id": 7, "newsTitle": "青山县召开乡村振兴推进会", "details": MEETING},
                {"id": 8, "newsTitle": "临河镇开展人居环境整治", "details": CLEANUP},
            ],
        },
    }
    record = parse(as_bytes(feed), "feed.json")
    assert [a.title for a in record.articles] == [
        "青山县召开乡村振兴推进会",
        "临河镇开展人居环境整治",
    ]
    first = record.articles[0]
    assert "<p>" not in first.body and "钱袋子" in first.body
    assert [q.speaker for q in first.quotes] == ["王建国"]
    assert not record.errors


def test_an_array_of_records_is_read_record_by_record():
    records = [
        {"title": "青山县召开乡村振兴推进会", "body": MEETING},
        {"title": "临河镇开展人居环境整治", "body": CLEANUP},
    ]
    record = parse(as_bytes(records), "export.json")
    assert len(record.articles) == 2
    assert "人居环境整治行动" in record.articles[1].body


def test_epoch_milliseconds_and_seconds_are_the_published_date_in_china_time():
    # 1718121600 is 2024-06-11 16:00 UTC, already 2024-06-12 in China.
    records = [
        {"title": "青山县召开乡村振兴推进会", "content": MEETING, "publishTime": 1718121600000},
        {"title": "临河镇开展人居环境整治", "content": CLEANUP, "pubtime": "1718121600"},
    ]
    record = parse(as_bytes(records), "dates.json")
    assert [a.published for a in record.articles] == ["2024-06-12", "2024-06-12"]


def test_record_without_text_is_reported_by_number_and_title_and_the_others_import():
    records = [
        {"title": "青山县召开乡村振兴推进会", "details": MEETING},
        {"title": "图集：临河夏日风光", "details": "", "cover": "https://example.org/1.jpg"},
        {"title": "临河镇开展人居环境整治", "details": CLEANUP},
    ]
    record = parse(as_bytes(records), "mixed.json")
    assert len(record.articles) == 2
    (error,) = record.errors
    assert "record 2" in error and "图集：临河夏日风光" in error


def test_named_text_field_is_used_even_when_another_field_is_longer():
    summary = "青山县乡村振兴推进会要点汇总：" + "产业、人才、文化、生态、组织五个方面。" * 12
    rec = {"headline": "青山县召开乡村振兴推进会", "summary": summary, "正文": MEETING}
    by_default = parse(as_bytes(rec), "one.json").articles[0]
    assert "五个方面" in by_default.body  # the longest text wins when no field is named
    named = parse(as_bytes(rec), "one.json", fields={"text": "正文", "title": "headline"})
    (article,) = named.articles
    assert article.title == "青山县召开乡村振兴推进会"
    assert "五个方面" not in article.body and "钱袋子" in article.body


def test_named_field_missing_from_a_record_skips_that_record_only():
    records = [
        {"title": "青山县召开乡村振兴推进会", "article": {"html": MEETING}},
        {"title": "临河镇开展人居环境整治", "content": CLEANUP},
    ]
    record = parse(as_bytes(records), "partial.json", fields={"text": "article.html"})
    assert [a.title for a in record.articles] == ["青山县召开乡村振兴推进会"]
    assert any("record 2" in e and "article.html" in e for e in record.errors)


def test_text_nested_inside_the_record_is_found_without_naming_it():
    rec = {
        "result": {
            "info": {"title": "青山县召开乡村振兴推进会", "releaseDate": "2024-06-12 10:21"},
            "content": {"type": "html", "value": MEETING},
        }
    }
    (article,) = parse(as_bytes(rec), "nested.json").articles
    assert article.title == "青山县召开乡村振兴推进会"
    assert article.published == "2024-06-12"
    assert "钱袋子" in article.body


def test_comments_beside_an_article_do_not_become_articles():
    rec = {
        "title": "临河镇开展人居环境整治",
        "content": CLEANUP,
        "comments": [
            {"user": "河边人家", "content": "我们村现在确实干净多了，点赞！"},
            {"user": "老张", "content": "希望能坚持下去，不要一阵风。"},
        ],
    }
    record = parse(as_bytes(rec), "with_comments.json")
    assert [a.title for a in record.articles] == ["临河镇开展人居环境整治"]
    assert "一阵风" not in record.articles[0].body


def test_author_and_source_fields_fill_in_what_the_text_does_not_say():
    rec = {
        "title": "青山县召开乡村振兴推进会",
        "details": MEETING,
        "author": "周明远",
        "sourceName": "青山融媒",
    }
    (article,) = parse(as_bytes(rec), "byline.json").articles
    assert article.authors == ["周明远"]
    assert article.source == "青山融媒"


def test_jsonl_lines_use_the_same_field_finding():
    lines = [
        json.dumps(
            {"newsTitle": "青山县召开乡村振兴推进会", "news_content": MEETING}, ensure_ascii=False
        ),
        json.dumps(
            {"newsTitle": "临河镇开展人居环境整治", "news_content": CLEANUP}, ensure_ascii=False
        ),
        json.dumps({"newsTitle": "只有标题的一行"}, ensure_ascii=False),
    ]
    record = parse("\n".join(lines).encode(), "app.jsonl")
    assert len(record.articles) == 2
    assert any(e.split(": ", 1)[1].startswith("line 3") for e in record.errors)


def test_broken_json_file_fails_with_one_clear_line():
    record = parse(b'{"title": "\xe9\x9d\x92\xe5\xb1\xb1", "details": ', "broken.json")
    assert not record.articles
    (error,) = record.errors
    assert "not valid JSON" in error and "\n" not in error


def test_unknown_field_role_is_refused():
    with pytest.raises(ValueError, match="unknown field role"):
        jsondoc.normalise_fields({"headline": "title"})
    assert jsondoc.normalise_fields({"date": "pubtime", "body": "details"}) == {
        "published": "pubtime",
        "text": "details",
    }


def warc_bytes(records: list[tuple[str, str, bytes, str]], compress: bool = False) -> bytes:
    """A WARC file written by warcio at test time: (uri, content type, payload, status)."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    for uri, content_type, payload, status in records:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                uri, "response", payload=io.BytesIO(payload), http_headers=headers
            )
        )
    return buf.getvalue()


def news_page(title: str, body_html: str) -> str:
    return (
        f"<html><head><title>{title}_青山新闻网</title>"
        f'<meta property="article:published_time" content="2024-06-12T10:21:00+08:00">'
        f"</head><body><h1>{title}</h1>{body_html}</body></html>"
    )


def test_each_html_response_in_a_warc_is_a_page_and_other_records_are_passed_over():
    data = warc_bytes(
        [
            (
                "https://news.example.org/qs/1.html",
                "text/html; charset=gbk",
                news_page("青山县召开乡村振兴推进会", MEETING).encode("gbk"),
                "200 OK",
            ),
            ("https://news.example.org/logo.png", "image/png", b"\x89PNG\r\n", "200 OK"),
            ("https://news.example.org/old", "text/html", b"<p>Moved</p>", "301 Moved"),
            (
                "https://news.example.org/lh/2.html",
                "text/html",
                news_page("临河镇开展人居环境整治", f"<p>{CLEANUP}</p>").encode("utf-8"),
                "200 OK",
            ),
        ]
    )
    record = parse(data, "crawl.warc")
    assert not record.errors
    titles = [a.title for a in record.articles]
    assert titles == ["青山县召开乡村振兴推进会", "临河镇开展人居环境整治"]
    first = record.articles[0]
    assert first.url == "https://news.example.org/qs/1.html"
    assert first.published == "2024-06-12"
    assert [q.speaker for q in first.quotes] == ["王建国"]


def test_a_gzipped_warc_reads_like_the_plain_one():
    pages = [
        (
            "https://news.example.org/lh/2.html",
            "text/html; charset=utf-8",
            news_page("临河镇开展人居环境整治", f"<p>{CLEANUP}</p>").encode(),
            "200 OK",
        )
    ]
    plain = parse(warc_bytes(pages), "crawl.warc")
    packed = parse(warc_bytes(pages, compress=True), "crawl.warc.gz")
    assert [a.body for a in packed.articles] == [a.body for a in plain.articles]
    assert len(packed.articles) == 1


def test_a_file_named_warc_that_is_not_one_fails_with_one_clear_line():
    record = parse("青山县召开乡村振兴推进会".encode(), "crawl.warc")
    assert not record.articles
    (error,) = record.errors
    assert "not a WARC file" in error


def test_an_unreadable_record_in_a_warc_is_named_and_the_other_pages_import():
    data = warc_bytes(
        [
            (
                "https://news.example.org/bad.html",
                "text/html",
                b"\x89PNG\r\n\x1a\n\x00\x00",
                "200 OK",
            ),
            (
                "https://news.example.org/lh/2.html",
                "text/html",
                news_page("临河镇开展人居环境整治", f"<p>{CLEANUP}</p>").encode(),
                "200 OK",
            ),
        ]
    )
    record = parse(data, "crawl.warc")
    assert [a.title for a in record.articles] == ["临河镇开展人居环境整治"]
    (error,) = record.errors
    assert "record 1" in error and "https://news.example.org/bad.html" in error


def test_record_title_wins_over_unit_and_time_lines_at_the_top_of_its_text():
    rec = {
        "title": "青山县召开乡村振兴推进会",
        "content": "发稿单位：县委宣传部\n发稿时间：2024年6月12日 11:48\n\n" + CLEANUP,
    }
    (article,) = parse(as_bytes(rec), "unit.json").articles
    assert article.title == "青山县召开乡村振兴推进会"


RECORD_AS_TEXT = "\n".join(
    [
        "2024-06-12",
        "青山县召开乡村振兴推进会  县委书记部署下一阶段任务",
        "县委宣传部新闻科",
        "https://www.example.gov.cn/news/content.aspx?id=8812",
        "发稿单位：县委宣传部",
        "发稿时间：2024年6月12日 11:48",
        "",
        "6月12日，青山县召开乡村振兴工作推进会。县委书记王建国出席会议并讲话。",
        "王建国强调：“要把产业发展放在首位，让群众的钱袋子鼓起来。”",
        "#乡村振兴 #推进会",
    ]
)


def test_json_values_saved_one_a_line_are_one_article_titled_by_the_title_line():
    record = parse(RECORD_AS_TEXT.encode(), "record.txt")
    (article,) = record.articles
    assert article.title.startswith("青山县召开乡村振兴推进会")
    assert article.published == "2024-06-12"
    assert article.url == "https://www.example.gov.cn/news/content.aspx?id=8812"
    assert "https://" not in article.body and "#乡村振兴" not in article.body
    assert [q.speaker for q in article.quotes] == ["王建国"]
    reasons = {d.reason for d in record.discarded}
    assert "record fields: tags" in reasons


def test_a_page_with_a_link_line_but_no_date_line_is_not_read_as_a_record():
    page = RECORD_AS_TEXT.replace("2024-06-12\n", "", 1)
    assert jsondoc.record_rendering(page) is None
    assert jsondoc.record_rendering(RECORD_AS_TEXT) is not None


def test_field_option_must_be_role_equals_name_with_a_known_role():
    from django.core.management.base import CommandError

    from archive.management.commands.import_raw import parse_fields

    assert parse_fields(["text=details", "date=data.pubTime"]) == {
        "text": "details",
        "published": "data.pubTime",
    }
    for bad in (["details"], ["text="], ["headline=title"]):
        with pytest.raises(CommandError) as caught:
            parse_fields(bad)
        assert caught.value.returncode == 2


def test_html_escaped_once_more_by_the_api_is_still_read_as_html():
    escaped = MEETING.replace("<", "&lt;").replace(">", "&gt;")
    (article,) = parse(
        as_bytes({"title": "青山县召开乡村振兴推进会", "body": escaped}), "e.json"
    ).articles
    assert "&lt;" not in article.body and "<p>" not in article.body
    assert "钱袋子" in article.body


def test_government_cms_export_with_upper_case_field_names_is_read():
    rec = {
        "DOCID": 8812,
        "DOCTITLE": "临河镇开展人居环境整治",
        "DOCRELTIME": "2024-06-13 09:30:00",
        "DOCSOURCENAME": "临河镇人民政府",
        "DOCHTMLCON": f"<div class='TRS_Editor'><p>{CLEANUP}</p></div>",
    }
    (article,) = parse(as_bytes({"datas": [rec]}), "cms.json").articles
    assert article.title == "临河镇开展人居环境整治"
    assert article.published == "2024-06-13"
    assert article.source == "临河镇人民政府"
    assert "TRS_Editor" not in article.body


def test_text_given_as_content_blocks_is_joined_and_image_blocks_are_left_out():
    rec = {
        "title": "临河镇开展人居环境整治",
        "content": [
            {
                "type": "text",
                "text": "连日来，临河镇组织干部群众开展人居环境整治行动，清理垃圾杂物。",
            },
            {"type": "image", "src": "https://img.example.org/lh/1.jpg"},
            {"type": "text", "text": "镇党委书记李红梅介绍说：“我们要让每个村庄都干净整洁。”"},
        ],
        "related": [{"title": "青山县召开乡村振兴推进会", "summary": "县委书记王建国出席会议。"}],
    }
    (article,) = parse(as_bytes(rec), "blocks.json").articles
    assert "清理垃圾杂物" in article.body and "干净整洁" in article.body
    assert "img.example.org" not in article.body and "王建国" not in article.body


def test_json_nested_without_end_fails_with_one_clear_line_instead_of_a_crash():
    record = parse(b"[" * 100_000 + b"]" * 100_000, "deep.json")
    assert not record.articles
    (error,) = record.errors
    assert "nested too deeply" in error


def test_api_response_saved_as_txt_is_read_as_json_and_bracketed_text_stays_text():
    feed = {"data": {"list": [{"newsTitle": "临河镇开展人居环境整治", "details": CLEANUP}]}}
    (article,) = parse(as_bytes(feed), "response.txt").articles
    assert article.title == "临河镇开展人居环境整治"
    page = "[图片新闻] 临河镇开展人居环境整治\n\n" + CLEANUP
    (plain,) = parse(page.encode(), "page.txt").articles
    assert "[图片新闻]" in plain.title + plain.body


def test_a_whole_web_page_in_a_crawler_record_is_read_by_its_main_content_and_metadata():
    menu = "".join(f"<li><a href='/c/{i}'>栏目{i}</a></li>" for i in range(12))
    page = (
        "<html><head><title>临河镇开展人居环境整治_青山新闻网</title>"
        '<meta property="article:published_time" content="2024-06-13T09:30:00+08:00">'
        f"</head><body><ul class='nav'>{menu}</ul><h1>临河镇开展人居环境整治</h1>"
        f"<div class='article'><p>{CLEANUP}</p></div>"
        "<div class='footer'>版权所有 青山新闻网</div></body></html>"
    )
    rec = {"url": "https://news.example.org/lh/2.html", "html": page}
    (article,) = parse(as_bytes([rec]), "crawl.json").articles
    assert article.title == "临河镇开展人居环境整治"
    assert article.published == "2024-06-13"
    assert article.url == "https://news.example.org/lh/2.html"
    assert "干净整洁" in article.body
