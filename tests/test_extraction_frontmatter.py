"""Markdown crawls' YAML front matter as the article's metadata (issue #22; pure, no
database): lists, quoted values, dates and the outlet, read by a YAML parser."""

from test_extraction_markdown import BODY_ONE, md

from archive.extraction.pipeline import parse


def test_yaml_front_matter_lists_dates_and_outlet_are_metadata():
    page = md(
        "---\ntitle: 柚子熟了订单来了\npublished: 2025-11-20\nauthors:\n- 王林\n- 李明\n"
        "source: 某某日报\nlink: https://paper.example.cn/2025/11/20/content_1.html\n"
        "tags: [县域经济, 柚子]\n---",
        "# 柚子熟了订单来了",
        BODY_ONE,
    )
    (art,) = parse(page, "crawl.md", entities=False).articles
    assert art.title == "柚子熟了订单来了"
    assert art.published == "2025-11-20"
    assert art.authors == ["王林", "李明"]
    assert art.source == "某某日报"
    assert art.url == "https://paper.example.cn/2025/11/20/content_1.html"
    assert "authors" not in art.body and "- 王林" not in art.body and "tags" not in art.body


def test_front_matter_that_is_no_yaml_is_still_read_line_by_line():
    page = md(
        "---\ntitle: 柚子熟了: 订单来了\ndate: 2025-11-20\n---",  # two colons: no YAML mapping
        "# 柚子熟了: 订单来了",
        BODY_ONE,
    )
    (art,) = parse(page, "crawl.md", entities=False).articles
    assert art.published == "2025-11-20"
    assert "date:" not in art.body


def test_a_url_given_as_source_is_the_url_not_the_outlet():
    page = md(
        "---\ntitle: 柚子熟了订单来了\nsource: https://paper.example.cn/1.html\n---",
        "# 柚子熟了订单来了",
        BODY_ONE,
    )
    (art,) = parse(page, "crawl.md", entities=False).articles
    assert (
        art.url == "https://paper.example.cn/1.html"
        and art.source != "https://paper.example.cn/1.html"
    )
