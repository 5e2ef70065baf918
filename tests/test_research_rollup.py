"""The monthly counts behind the coverage heat map and a trend's denominator
(archive/research/rollup_schema.py on PostgreSQL, the ORM elsewhere) equal a count made
here from the articles themselves, for any dates, after every kind of curation edit."""

import datetime
from collections import Counter

import pytest
from test_site_data import *  # noqa: F403  (the archive_data and fresh_cache fixtures)
from test_site_data import make_article

from archive import curation
from archive.models import Article, ArticleRegion, Region, Tag
from archive.research import months, series

pytestmark = pytest.mark.django_db
D = datetime.date


# --- pure: the whole months inside a date filter ----------------------------------------


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({}, (None, None)),
        ({"from": D(2023, 1, 1)}, (D(2023, 1, 1), None)),
        ({"from": D(2023, 1, 2)}, (D(2023, 2, 1), None)),
        ({"from": D(2023, 12, 31)}, (D(2024, 1, 1), None)),
        ({"to": D(2023, 2, 28)}, (None, D(2023, 2, 1))),
        ({"to": D(2023, 2, 27)}, (None, D(2023, 1, 1))),
        ({"to": D(2024, 1, 30)}, (None, D(2023, 12, 1))),
        ({"from": D(2023, 1, 15), "to": D(2023, 3, 10)}, (D(2023, 2, 1), D(2023, 2, 1))),
        ({"from": D(2023, 1, 15), "to": D(2023, 2, 10)}, None),
        ({"from": D(2023, 1, 1), "to": D(2023, 1, 31)}, (D(2023, 1, 1), D(2023, 1, 1))),
        ({"date": D(2023, 1, 1)}, None),
    ],
)
def test_whole_months_inside_a_date_filter(dates, expected):
    assert months.whole_months(dates) == expected


# --- the counts against the articles ----------------------------------------------------


def reference(dates):
    """Public dated articles per source and per province by month, counted in Python."""
    by_source, by_province = Counter(), Counter()
    for article in Article.objects.public().filter(published__isnull=False):
        day = article.published
        if dates.get("from") and day < dates["from"] or dates.get("to") and day > dates["to"]:
            continue
        month = months.month_of(day)
        if article.source_id:
            by_source[(article.source_id, month)] += 1
        provinces = set()
        for link in ArticleRegion.objects.filter(article=article).select_related("region"):
            code = link.region.code or (link.region.parent.code if link.region.parent else None)
            if code:
                provinces.add(code[:2])
        for province in provinces:
            by_province[(province, month)] += 1
    return by_source, by_province


def flat(counts):
    return Counter({(key, month): n for key, by in counts.items() for month, n in by.items() if n})


DATE_FILTERS = [
    {},
    {"from": D(2023, 1, 15)},
    {"to": D(2023, 3, 5)},
    {"from": D(2022, 4, 1), "to": D(2023, 2, 28)},
    {"from": D(2023, 1, 10), "to": D(2023, 1, 20)},
]


def assert_coverage_is_exact():
    for dates in DATE_FILTERS:
        got = series.coverage(dates)
        by_source, by_province = reference(dates)
        assert flat(got["source"]) == by_source, dates
        assert flat(got["province"]) == by_province, dates


def spread_over_months(d):
    """More articles over several months and sources, some cut by the date filters."""
    for i, day in enumerate([D(2022, 4, 30), D(2023, 1, 9), D(2023, 1, 15), D(2023, 3, 6)]):
        make_article(
            f"第{i}篇月度统计测试稿件",
            f"东昌府区第{i}次会议正文。",
            published=day,
            source=d["daily"] if i % 2 else d["dazhong"],
            regions=["371502"] if i % 2 else ["370100", "371522"],
            tags=[d["tag"]],
        )


def test_coverage_counts_equal_the_articles_for_any_dates(archive_data):
    spread_over_months(archive_data)
    assert_coverage_is_exact()


def test_coverage_follows_every_curation_edit(archive_data):
    d = archive_data
    spread_over_months(d)
    series.coverage({})  # counted once before the edits
    article = Article.objects.public().filter(published__isnull=False).order_by("pk").first()
    # unpublished, republished, redated, moved to another source
    curation.set_status(Article.objects.filter(pk=article.pk), Article.ReviewStatus.HIDDEN)
    assert_coverage_is_exact()
    curation.set_status(Article.objects.filter(pk=article.pk), Article.ReviewStatus.PUBLISHED)
    Article.objects.filter(pk=article.pk).update(published=D(2021, 7, 1), source=d["dazhong"])
    assert_coverage_is_exact()
    # a region linked, another unlinked; a region's code changed
    ArticleRegion.objects.create(article=article, region=Region.objects.get(code="110101"))
    ArticleRegion.objects.filter(article=article, region__code="371502").delete()
    assert_coverage_is_exact()
    # an article deleted, a tag removed (no count of coverage moves; the totals below do)
    Article.objects.filter(pk=article.pk).delete()
    curation.remove_tags(Article.objects.all(), ["作风建设"])
    assert_coverage_is_exact()


def test_a_trend_share_counts_the_months_articles_under_the_same_filter(client, archive_data):
    d = archive_data
    spread_over_months(d)
    tag = Tag.objects.get(name="作风建设")
    for params, keep in (
        ("", lambda a: True),
        (f"&tag={tag.pk}", lambda a: a.articletag_set.filter(tag=tag).exists()),
        (f"&source={d['daily'].pk}", lambda a: a.source_id == d["daily"].pk),
        ("&region=371500&from=2023-01-12", lambda a: a.published >= D(2023, 1, 12)),
    ):
        data = client.get(f"/trends/?q=作风建设&format=json{params}").json()
        expected = Counter()
        for a in Article.objects.public().filter(published__isnull=False):
            if (
                "region" in params
                and not a.articleregion_set.filter(region__code__startswith="3715").exists()
            ):
                continue
            if keep(a):
                expected[months.month_of(a.published)] += 1
        got = {mo: n for mo, n in zip(data["months"], data["totals"], strict=True) if n}
        assert got == {mo: n for mo, n in expected.items() if mo in data["months"]}, params
