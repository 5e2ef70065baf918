"""Chinese full-text search: words, phrases, traditional/simplified, ranking, highlighting,
hostile input, and the index kept in sync by the database itself."""

import datetime

import pytest
from test_site_data import *  # noqa: F403  (the archive_data and fresh_cache fixtures)
from test_site_data import make_article

from archive import search
from archive.models import Article
from archive.search import postgres, sqlite

pytestmark = pytest.mark.django_db


def titles(client, q, **params):
    data = client.get("/", {"q": q, "format": "json", **params}).json()
    return [r["title"] for r in data["results"]]


def test_two_character_words(client, archive_data):
    assert set(titles(client, "作风")) == {
        "莘县召开作风建设推进会议",
        "聊城市推進作風建設年活動",
        "济南优化营商环境",
    }
    assert titles(client, "聊城") == ["聊城市推進作風建設年活動"]
    assert titles(client, "济南") == ["济南优化营商环境"]
    assert titles(client, "莘县") == ["莘县召开作风建设推进会议"]


def test_hidden_and_unreviewed_articles_never_match(client, archive_data):
    assert "已隐藏的作风建设稿件" not in titles(client, "隐藏")
    assert titles(client, "待审") == []


def test_words_are_and_combined(client, archive_data):
    assert titles(client, "聊城 作风") == titles(client, "作风 聊城")
    assert titles(client, "聊城 作风") == ["聊城市推進作風建設年活動"]
    assert titles(client, "莘县 作风") == ["莘县召开作风建设推进会议"]
    assert titles(client, "聊城 济南") == []


def test_phrase_search(client, archive_data):
    # Unquoted, 作风建设 is 作风 AND 建设: the 济南 article has both words apart.
    assert "济南优化营商环境" in titles(client, "作风建设")
    # Quoted, it is a phrase.
    assert set(titles(client, '"作风建设"')) == {
        "莘县召开作风建设推进会议",
        "聊城市推進作風建設年活動",
    }
    assert set(titles(client, "“作风建设”")) == set(titles(client, '"作风建设"'))
    assert titles(client, '"建设作风"') == []
    assert titles(client, '"召开作风建设推进会议"') == ["莘县召开作风建设推进会议"]


def test_traditional_and_simplified_queries_find_both(client, archive_data):
    both = {"莘县召开作风建设推进会议", "聊城市推進作風建設年活動"}
    assert set(titles(client, '"作風建設"')) == both
    assert set(titles(client, '"作风建设"')) == both
    assert titles(client, "聊城市推進") == titles(client, "聊城市推进")
    assert "聊城市推進作風建設年活動" in titles(client, "推进")


def test_results_are_ranked_and_highlighted(client, db, gazetteer):
    make_article(
        "一般新闻", "会议提到一次招商。" + "其他内容。" * 30, published=datetime.date(2023, 1, 1)
    )
    make_article(
        "招商引资招商招商", "招商招商招商，招商引资。", published=datetime.date(2020, 1, 1)
    )
    found = titles(client, "招商")
    assert found == ["招商引资招商招商", "一般新闻"]  # relevance beats recency
    page = client.get("/", {"q": "招商"}).content.decode()
    assert "<mark>招商</mark>" in page
    data = client.get("/", {"q": "招商", "format": "json"}).json()
    assert "招商" in data["results"][0]["snippet"]


def test_highlight_in_traditional_text(client, archive_data):
    page = client.get("/", {"q": "作风建设"}).content.decode()
    # The traditional title keeps its characters; the query's words are marked in it.
    assert "<mark>作風</mark>" in page and "<mark>建設</mark>" in page


HOSTILE = [
    '"',
    '""',
    '"作风',
    '作风"',
    "'",
    "%",
    "_",
    "%_%",
    "\\",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "作风 AND 建设",
    "作风 OR",
    "NOT 作风",
    "NEAR(作风 建设)",
    "NEAR(作风 建设, 2)",
    "作风*",
    "*",
    "^作风",
    "title:作风",
    "search_text:作风",
    "作风 & 建设",
    "作风 | 建设",
    "!作风",
    "(作风",
    "作风)",
    "():*&|!<->",
    "作风 <-> 建设",
    "作风:*",
    "'作风' & !",
    "-作风",
    "+作风",
    "{作风}",
    "[作风]",
    "\x00作风",
    "作风" * 200,
    "🙂",
    "SELECT * FROM archive_article; --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_error(client, archive_data, q):
    for fmt in ("html", "json", "csv", "atom"):
        response = client.get("/", {"q": q, "format": fmt})
        assert response.status_code == 200, (q, fmt)
    response = client.get("/region/370000/", {"q": q})
    assert response.status_code == 200


def test_operators_are_literals(client, archive_data):
    # Operators are dropped, never interpreted: NOT 作风 is not "everything without 作风".
    assert set(titles(client, "NOT 作风")) <= set(titles(client, "作风"))
    assert set(titles(client, "作风 OR 济南")) <= set(titles(client, "济南"))
    make_article(
        "AND OR NOT NEAR 英文词", "正文 and or not near", published=datetime.date(2022, 1, 1)
    )
    assert titles(client, "NEAR") == ["AND OR NOT NEAR 英文词"]


def test_search_with_facets_and_pages(client, archive_data):
    assert set(titles(client, "作风", region="371500")) == {
        "莘县召开作风建设推进会议",
        "聊城市推進作風建設年活動",
    }
    assert titles(client, "作风", region="370100") == ["济南优化营商环境"]
    data = client.get("/", {"q": "作风", "format": "json"}).json()
    facets = {f["param"]: {i["name"]: i["count"] for i in f["items"]} for f in data["facets"]}
    assert facets["region"] == {"山东省": 3}


def test_search_pages_by_number(client, db, gazetteer):
    for i in range(25):
        make_article(f"聊城新闻{i}", f"聊城第{i}条。", published=datetime.date(2022, 1, 1))
    first = client.get("/", {"q": "聊城", "format": "json"}).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 25


def test_index_follows_inserts_updates_and_deletes(client, db, gazetteer):
    """The importer is not the only writer: triggers / a generated column keep the index."""
    a = make_article("普通标题", "没有特别的词。", published=datetime.date(2022, 1, 1))
    assert titles(client, "普通") == ["普通标题"]
    a.search_text = "东阿 阿胶"
    a.save()
    assert titles(client, "阿胶") == ["普通标题"]
    assert titles(client, "普通") == []
    Article.objects.filter(pk=a.pk).update(search_text="黄河 大桥")
    assert titles(client, "大桥") == ["普通标题"]
    a.delete()
    assert titles(client, "大桥") == []


def test_parse_quotes_every_token():
    q = search.parse('聊城 "作风建设" NEAR(x) 作風')
    assert q.terms == ["聊城", "near", "x", "作风"]
    assert q.phrases == [["作风", "建设"]]
    fts = sqlite.match_expression(q)
    assert fts.startswith('"聊城" AND ') and '"作风 建设"' in fts
    assert not search.parse("\"'%_*^:&|!()")
    assert search.parse("  ").text == ""


@pytest.mark.parametrize(
    "limit, expected, ranged",
    [
        (1000, 190_000, True),  # 工作: a range of 1% of the table holds its newest 1,000
        (1000, 61_000, True),  # 作风: 3%
        (1000, 12_000, False),  # 茶叶: 13% of the table is dearer than its 12,000 matches
        (1000, 8_000, False),
        (21, 8_000, True),  # a page of 21: 0.4% of the table
        (21, 1_500, False),
        (21, 0, False),
    ],
)
def test_date_ranges_are_tried_only_when_cheaper_than_every_match(
    monkeypatch, limit, expected, ranged
):
    """No database: the histogram (1,000 equal-frequency dates over a million rows) is
    given, and the cost rule decides between a date range and fetching every match."""
    start = datetime.date(2020, 1, 1)
    bounds = [start + datetime.timedelta(days=2 * i) for i in range(1001)]
    stats = postgres.DateShares(rows=1_000_000.0, bounds=bounds)
    monkeypatch.setattr(postgres, "date_shares", lambda: stats)
    cutoffs = list(postgres._newest_cutoffs(limit, expected))
    assert bool(cutoffs) == ranged
    # Each wider range starts earlier; the first holds about 1.5 × limit matches.
    assert cutoffs == sorted(cutoffs, reverse=True)
    if cutoffs:
        share = (bounds[-1] - cutoffs[0]).days / (bounds[-1] - bounds[0]).days
        assert share == pytest.approx(1.5 * limit / expected, abs=0.001)


def test_date_shares_count_the_most_common_dates_and_the_undated():
    """No database: 10% of rows are undated, 20% fall on the newest day (a common date, not
    in the histogram), the other 70% spread evenly over 2020–2023."""
    day = datetime.date
    stats = postgres.DateShares(
        rows=1_000_000.0,
        bounds=[day(2020, 1, 1), day(2021, 1, 1), day(2022, 1, 1), day(2023, 1, 1)],
        common=[(day(2024, 6, 1), 0.2)],
        undated=0.1,
    )
    assert stats.since(day(2024, 6, 1)) == pytest.approx(0.2)
    assert stats.since(day(2023, 1, 2)) == pytest.approx(0.2)
    assert stats.since(day(2022, 1, 1)) == pytest.approx(0.2 + 0.7 / 3)
    assert stats.since(day(2019, 1, 1)) == pytest.approx(0.9)
    assert stats.between(day(2022, 1, 1), day(2023, 6, 1)) == pytest.approx(0.7 / 3)
    # A share of 10% is found on the common day itself, not a tenth back in the histogram.
    assert stats.days(None)[0] == day(2024, 6, 1)
    assert stats.between(day(2024, 6, 1), None) >= 0.1


def test_newest_cutoffs_follow_the_common_dates(monkeypatch):
    day = datetime.date
    stats = postgres.DateShares(
        rows=1_000_000.0,
        bounds=[day(2020, 1, 1) + datetime.timedelta(days=i) for i in range(0, 1461, 4)],
        common=[(day(2024, 6, 1), 0.2)],
    )
    monkeypatch.setattr(postgres, "date_shares", lambda: stats)
    monkeypatch.setattr(postgres, "RANGE_ROW_COST", 0)
    # 1,000 of 100,000 matches: 1.5% of rows, then 6%, both on the common day (asked
    # once); 24% reaches back into the histogram's dates; 96% ends the ladder.
    cutoffs = list(postgres._newest_cutoffs(1000, 100_000))
    assert cutoffs[0] == day(2024, 6, 1)
    assert len(cutoffs) == 2 and day(2023, 1, 1) < cutoffs[1] < day(2024, 1, 1)
    assert stats.between(cutoffs[1], None) == pytest.approx(0.24, abs=0.005)
    # Before that day (a cursor page), the histogram's own dates, each earlier.
    before = list(postgres._newest_cutoffs(1000, 100_000, before=day(2024, 5, 31)))
    assert before and all(d < day(2024, 5, 31) for d in before)
    assert before == sorted(before, reverse=True)
