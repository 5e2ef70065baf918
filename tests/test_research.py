"""The research pages (archive/research): trends, spread, coverage, people, quotes and the
career timeline, in every format, with filters and bad parameters. Both databases: on
PostgreSQL the counts come from the search side table, elsewhere from the ORM."""

import csv
import datetime
import io

import pytest
from test_site_data import *  # noqa: F403  (the archive_data and fresh_cache fixtures)
from test_site_data import make_article

from archive.models import Quote
from archive.research import months

pytestmark = pytest.mark.django_db


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response):
    assert response.status_code == 200, body(response)[:300]
    assert response["Content-Type"].startswith("text/csv")
    raw = body(response)
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def page(response):
    assert response.status_code == 200, body(response)[:500]
    return response.content.decode()


# --- pure helpers -----------------------------------------------------------------------


def test_month_range_crosses_years_and_fills_gaps():
    assert months.month_range("2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert months.span([{"2022-03": 1}, {"2021-12": 4}]) == [
        "2021-12",
        "2022-01",
        "2022-02",
        "2022-03",
    ]
    assert months.span([{}]) == []


def test_month_bounds_are_its_first_and_last_day():
    assert months.month_bounds("2024-02") == (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    assert months.month_bounds("2021-12") == (
        datetime.date(2021, 12, 1),
        datetime.date(2021, 12, 31),
    )


def test_trend_rows_give_share_of_the_months_articles():
    rows = months.trend_rows(["2022-01", "2022-02"], {"2022-01": 2}, {"2022-01": 8})
    assert rows[0]["share"] == 0.25 and rows[0]["percent"] == 25.0
    assert rows[1] == {"month": "2022-02", "count": 0, "total": 0, "share": None, "percent": None}


def test_code_keys_follow_the_search_tables_region_keys():
    assert months.code_keys("371522") == ["37", "3715", "371522"]
    assert months.code_keys("371500") == ["37", "3715"]
    assert months.code_keys("370000") == ["37"]
    assert months.code_keys(None) == []


# --- trends -----------------------------------------------------------------------------


def test_trend_counts_a_phrase_per_month_with_its_share(client, archive_data):
    data = client.get("/trends/?q=作风建设&format=json").json()
    line = data["series"][0]
    by_month = dict(zip(data["months"], line["counts"], strict=True))
    # The traditional article counts too; hidden and unreviewed ones never.
    assert by_month["2021-03"] == 1 and by_month["2022-04"] == 1
    assert line["articles"] == 2
    assert data["months"][0] == "2021-03" and data["months"][-1] == "2022-04"
    totals = dict(zip(data["months"], data["totals"], strict=True))
    assert totals["2021-03"] == 1
    shares = dict(zip(data["months"], line["shares"], strict=True))
    assert shares["2021-03"] == 1.0 and shares["2021-06"] is None


def test_trend_compares_several_phrases_on_one_chart(client, archive_data):
    data = client.get("/trends/?q=作风建设&q=营商环境&format=json").json()
    assert [s["q"] for s in data["series"]] == ["作风建设", "营商环境"]
    assert data["months"][0] == "2020-01"  # 营商环境 starts earlier: the span covers both
    second = dict(zip(data["months"], data["series"][1]["counts"], strict=True))
    assert second["2020-01"] == 1


def test_trend_share_is_of_the_filtered_articles(client, archive_data):
    extra = make_article(
        "聊城市部署春耕生产", "聊城市各地抓紧春耕。", published=datetime.date(2021, 3, 9)
    )
    assert extra.pk
    everywhere = client.get("/trends/?q=作风建设&format=json").json()
    march = everywhere["months"].index("2021-03")
    assert everywhere["totals"][march] == 2 and everywhere["series"][0]["shares"][march] == 0.5
    shandong = client.get("/trends/?q=作风建设&region=371500&format=json").json()
    assert shandong["filters"]["region"] == "聊城市"
    march = shandong["months"].index("2021-03")
    assert shandong["totals"][march] == 1  # the new article names no place
    by_source = client.get(
        f"/trends/?q=作风建设&source={archive_data['daily'].pk}&format=json"
    ).json()
    assert by_source["months"] == ["2022-04"]
    dated = client.get("/trends/?q=作风建设&from=2022-01-01&format=json").json()
    assert dated["months"] == ["2022-04"]
    tagged = client.get(f"/trends/?q=作风建设&tag={archive_data['other_tag'].pk}&format=json")
    assert tagged.json()["series"][0]["articles"] == 0


def test_trend_page_is_a_table_with_a_chart_over_it(client, archive_data):
    html = page(client.get("/trends/?q=作风建设&region=371500"))
    assert '<table class="research">' in html and "2021-03" in html
    assert 'id="trend-data" type="application/json"' in html
    assert "echarts.min.js" in html and "<script>" not in html  # no inline script
    assert "100%" in html  # March 2021: the only article of the month
    # A month links to the list of those articles.
    assert (
        "/?q=%22%E4%BD%9C%E9%A3%8E%E5%BB%BA%E8%AE%BE%22&amp;region=371500&amp;from=2022-04-01&amp;to=2022-04-30"
        in html
    )


def test_trend_month_link_lists_that_months_articles(client, archive_data):
    data = client.get("/trends/?q=作风建设&format=json").json()
    i = data["months"].index("2022-04")
    url = data["series"][0]["list_urls"][i]
    listed = client.get(url + "&format=json").json()
    assert [r["title"] for r in listed["results"]] == ["莘县召开作风建设推进会议"]


def test_trend_csv_has_one_row_per_phrase_and_month(client, archive_data):
    rows = csv_rows(client.get("/trends/?q=作风建设&format=csv"))
    assert rows[0] == ["q", "month", "articles", "all_articles", "share", "list_url"]
    april = next(r for r in rows if r[1] == "2022-04")
    assert april[:5] == ["作风建设", "2022-04", "1", "1", "1.0"]
    assert april[5].startswith("http://testserver/?q=")


def test_trend_without_a_phrase_shows_the_form(client, archive_data):
    html = page(client.get("/trends/"))
    assert 'name="q"' in html and "trend-data" not in html


@pytest.mark.parametrize(
    "query",
    [
        "format=json",  # JSON and CSV need a phrase
        "format=csv",
        "q=作风建设&format=atom",
        "q=a&q=b&q=c&q=d&q=e&q=f&format=json",
        "q=，。！&format=json",
        "q=作风建设&from=2022-13-01",
        "q=作风建设&source=abc",
        "q=作风建设&format=xml",
    ],
)
def test_trend_bad_parameters_answer_400(client, archive_data, query):
    assert client.get("/trends/?" + query).status_code == 400


def test_trend_unknown_region_is_404(client, archive_data):
    assert client.get("/trends/?q=作风建设&region=999999").status_code == 404


# --- spread -----------------------------------------------------------------------------


def test_spread_gives_first_date_and_articles_per_place(client, archive_data):
    data = client.get("/trends/spread/?q=作风建设&format=json").json()
    places = {p["region_code"]: p for p in data["places"]}
    liaocheng, shen = places["371500"], places["371522"]
    assert (liaocheng["level"], liaocheng["first_date"], liaocheng["articles"]) == (
        "prefecture",
        "2021-03-01",
        2,
    )
    assert liaocheng["first_article_url"].endswith(archive_data["trad"].get_absolute_url())
    assert (shen["level"], shen["parent_code"], shen["first_date"], shen["articles"]) == (
        "county",
        "371500",
        "2022-04-22",
        1,
    )
    assert [p["first_date"] for p in data["places"]] == sorted(
        p["first_date"] for p in data["places"]
    )
    assert [p["region_code"] for p in data["provinces"]] == ["370000"]
    assert data["months"][0] == "2021-03" and data["months"][-1] == "2022-04"


def test_spread_csv_is_an_event_history(client, archive_data):
    rows = csv_rows(client.get("/trends/spread/?q=作风建设&format=csv"))
    assert rows[0] == [
        "region_code",
        "region_name",
        "level",
        "parent_code",
        "first_date",
        "first_article_url",
        "articles",
    ]
    assert rows[1][:5] == ["371500", "聊城市", "prefecture", "370000", "2021-03-01"]
    assert rows[2][:5] == ["371522", "莘县", "county", "371500", "2022-04-22"]
    assert len(rows) == 3  # no province rows, no hidden article's places


def test_spread_honours_the_list_filters(client, archive_data):
    data = client.get("/trends/spread/?q=作风建设&from=2022-01-01&format=json").json()
    assert {p["region_code"]: p["first_date"] for p in data["places"]} == {
        "371500": "2022-04-22",
        "371522": "2022-04-22",
    }


def test_spread_page_has_table_map_and_player(client, archive_data):
    html = page(client.get("/trends/spread/?q=作风建设"))
    assert html.index("聊城市") < html.index("莘县")  # by first date
    assert 'id="spread-data"' in html and "china.js" in html and 'id="spread-play"' in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    "query",
    ["format=csv", "format=json", "q=a&q=b", "q=作风建设&to=yesterday", "q=作风建设&format=atom"],
)
def test_spread_bad_parameters_answer_400(client, archive_data, query):
    assert client.get("/trends/spread/?" + query).status_code == 400


# --- coverage ---------------------------------------------------------------------------


def test_coverage_counts_articles_per_source_and_province_per_month(client, archive_data):
    data = client.get("/coverage/?format=json").json()
    assert data["months"][0] == "2020-01" and data["months"][-1] == "2022-04"
    sources = {
        s["name"]: dict(zip(data["months"], s["counts"], strict=True)) for s in data["sources"]
    }
    assert sources["大众日报"]["2020-01"] == 1 and sources["大众日报"]["2021-03"] == 1
    assert sources["聊城日报"]["2022-04"] == 1 and sum(sources["聊城日报"].values()) == 1
    provinces = {p["key"]: p for p in data["provinces"]}
    assert set(provinces) == {"370000"}  # the Beijing article is undated
    assert provinces["370000"]["total"] == 3


def test_coverage_page_links_each_cell_to_the_list(client, archive_data):
    html = page(client.get("/coverage/"))
    source = archive_data["daily"].pk
    assert f"/?from=2022-04-01&amp;to=2022-04-30&amp;source={source}" in html
    assert "/?from=2021-03-01&amp;to=2021-03-31&amp;region=370000" in html
    assert "coverage-data" in html and "<script>" not in html


def test_coverage_csv_and_date_filter(client, archive_data):
    rows = csv_rows(client.get("/coverage/?format=csv&from=2021-01-01"))
    assert rows[0] == ["kind", "key", "name", "month", "articles"]
    assert ["source", str(archive_data["dazhong"].pk), "大众日报", "2021-03", "1"] in rows
    assert not any(r[3] < "2021-01" for r in rows[1:])
    assert client.get("/coverage/?from=2021-02-30").status_code == 400
    assert client.get("/coverage/?format=atom").status_code == 400


# --- people and careers -----------------------------------------------------------------


def test_people_lists_officials_by_post_and_place_newest_first(client, archive_data):
    data = client.get("/people/?post=县委书记&region=3715&format=json").json()
    assert [(r["name"], r["post"], r["region_code"]) for r in data["results"]] == [
        ("张三", "县委书记", "371522")
    ]
    assert data["results"][0]["source_article_url"].endswith(
        archive_data["shen"].get_absolute_url()
    )
    everyone = client.get("/people/?region=371500&format=json").json()["results"]
    assert [r["post"] for r in everyone] == ["县委书记", "副市长"]  # newest seen first
    assert client.get("/people/?post=局长&format=json").json()["results"] == []


def test_people_csv_is_cped_shaped_for_the_list_and_one_person(client, archive_data):
    header = [
        "person_id",
        "name",
        "post",
        "organisation",
        "region_code",
        "first_seen",
        "last_seen",
        "source_article_url",
    ]
    rows = csv_rows(client.get("/people/?post=书记&format=csv"))
    assert rows[0] == header and len(rows) == 2
    zhang = archive_data["zhang"].pk
    rows = csv_rows(client.get(f"/people/?person={zhang}&format=csv"))
    assert [r[2] for r in rows[1:]] == ["县委书记", "副市长"]
    assert rows[2][3:7] == ["聊城市", "371500", "2019-01-05", "2020-06-01"]


def test_people_page_is_a_table(client, archive_data):
    html = page(client.get("/people/?post=县委书记"))
    assert "张三" in html and archive_data["shen"].get_absolute_url() in html


@pytest.mark.parametrize(
    "query", ["region=abc", "region=37x", "person=x", "page=0", "page=abc", "format=atom"]
)
def test_people_bad_parameters_answer_400(client, archive_data, query):
    assert client.get("/people/?" + query).status_code == 400


def test_people_unknown_person_or_region_is_404(client, archive_data):
    assert client.get("/people/?person=999999").status_code == 404
    assert client.get("/people/?region=9999").status_code == 404


def test_person_page_draws_the_career_timeline(client, archive_data):
    zhang = archive_data["zhang"]
    html = page(client.get(zhang.get_absolute_url()))
    assert '<svg class="career-bars"' in html and html.count('class="post-bar"') == 2
    assert "2019" in html and "2022" in html
    assert html.index("副市长") < html.index("县委书记")  # oldest post first
    assert archive_data["shen"].get_absolute_url() in html  # the post's source article
    assert f"/people/?person={zhang.pk}&amp;format=csv" in html


def test_person_without_posts_has_no_timeline(client, archive_data):
    li = archive_data["li"]
    html = page(client.get(li.get_absolute_url()))
    assert "career-bars" not in html and "没有记录职务" in html


# --- quotes -----------------------------------------------------------------------------


def test_quotes_are_found_with_speaker_post_article_and_date(client, archive_data):
    data = client.get("/quotes/?q=抓实&format=json").json()
    assert data["results"] == [
        {
            "text": "要把作风建设抓实抓细",
            "speaker": "张三",
            "speaker_url": archive_data["zhang"].get_absolute_url(),
            "post": "县委书记",
            "article": "莘县召开作风建设推进会议",
            "article_url": archive_data["shen"].get_absolute_url(),
            "published": "2022-04-22",
            "source": "聊城日报",
        }
    ]
    # The quote in a hidden article is never shown.
    assert client.get("/quotes/?q=隐藏&format=json").json()["results"] == []


def test_quote_post_is_the_one_held_at_the_time(client, archive_data):
    zhang = archive_data["zhang"]
    older = make_article(
        "聊城市召开经济工作会议",
        "副市长张三说，“稳中求进抓实抓细经济工作”。",
        published=datetime.date(2019, 6, 1),
        regions=["371500"],
        people=[zhang],
    )
    Quote.objects.create(
        article=older,
        person=zhang,
        speaker_name="张三",
        text="稳中求进抓实抓细经济工作",
        start=8,
        end=20,
    )
    results = client.get("/quotes/?q=抓实抓细&format=json").json()["results"]
    assert [(r["published"], r["post"]) for r in results] == [
        ("2022-04-22", "县委书记"),
        ("2019-06-01", "聊城市副市长"),
    ]


def test_quote_facets_post_place_and_dates(client, archive_data):
    assert len(client.get("/quotes/?q=抓实&post=书记&format=json").json()["results"]) == 1
    assert client.get("/quotes/?q=抓实&post=局长&format=json").json()["results"] == []
    assert len(client.get("/quotes/?q=抓实&region=3715&format=json").json()["results"]) == 1
    assert client.get("/quotes/?q=抓实&region=370100&format=json").json()["results"] == []
    assert client.get("/quotes/?q=抓实&to=2021-12-31&format=json").json()["results"] == []
    everything = client.get("/quotes/?format=json").json()["results"]
    assert [r["text"] for r in everything] == ["要把作风建设抓实抓细"]


def test_quotes_page_and_csv(client, archive_data):
    html = page(client.get("/quotes/?q=抓实&post=书记"))
    assert "要把作风建设<mark>抓实</mark>抓细" in html and "县委书记" in html
    rows = csv_rows(client.get("/quotes/?q=抓实&format=csv"))
    assert rows[0] == ["text", "speaker", "post", "article", "article_url", "published", "source"]
    assert rows[1][4] == "http://testserver" + archive_data["shen"].get_absolute_url()


@pytest.mark.parametrize(
    "query", ["from=2022-02-31", "region=abc", "page=-1", "format=atom", "source=x", "page=9999"]
)
def test_quotes_bad_parameters_answer_400(client, archive_data, query):
    assert client.get("/quotes/?" + query).status_code == 400


# --- PostgreSQL: counted in the search index ----------------------------------------------


def test_trend_spread_and_coverage_read_no_article_row_on_postgresql(client, archive_data):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the search side table exists on PostgreSQL only")
    article_table = re.compile(r'"archive_article"|\barchive_article(?![_\w])')
    for url in (
        "/trends/?q=作风建设&region=371500&format=json",
        "/trends/spread/?q=作风建设&format=json",
        "/coverage/?format=json",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        assert any(re.search("archive_article_search|archive_month_count", s) for s in sql), url
        readers = [s for s in sql if article_table.search(s)]
        assert readers == [], (url, readers)
