"""What keeps a page's cost flat as the archive grows: a ranked search orders only its
newest RANK_WINDOW matches (sort=new reaches all of them), and facets of sets larger than
FACET_EXACT come from refresh_facets' stored counts or, failing those, from the newest
FACET_SAMPLE articles, and the page says which. The limits are lowered here so that a handful
of articles is "large"."""

import datetime
import io

import pytest
from django.core.management import call_command
from test_site_data import *  # noqa: F403  (the archive_data and fresh_cache fixtures)
from test_site_data import make_article

from archive.listing import limits, store_facet_counts
from archive.models import FacetCounts, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(db, gazetteer):
    """Six public 防汛 articles, one a day: the oldest says 防汛 most often; four are in
    莘县 (Shandong), two in 济南; the two oldest carry a tag."""
    tag = Tag.objects.create(name="防汛抗旱")
    made = []
    for i in range(6):
        text = "防汛 " * (6 - i) + f"第{i}篇消息，部署工作。"
        regions = ["371522"] if i < 4 else ["370100"]
        made.append(
            make_article(
                f"防汛工作第{i}报",
                text,
                published=datetime.date(2026, 6, 1) + datetime.timedelta(days=i),
                regions=regions,
                tags=[tag] if i < 2 else [],
            )
        )
    return made, tag


def results(client, **params):
    data = client.get("/", {"format": "json", **params}).json()
    return data, [r["title"] for r in data["results"]]


def test_ranked_search_orders_only_its_newest_matches(client, many, monkeypatch):
    monkeypatch.setattr(limits, "RANK_WINDOW", 3)
    data, titles = results(client, q="防汛")
    assert data["sort"] == "rank"
    # The three newest (days 3, 4, 5), most 防汛 first: 3 beats 4 beats 5.
    assert titles == ["防汛工作第3报", "防汛工作第4报", "防汛工作第5报"]
    page = client.get("/", {"q": "防汛"}).content.decode()
    assert "按相关度排列的是最新的 3 条结果" in page
    assert "sort=new" in page


def test_small_searches_rank_every_match(client, many):
    data, titles = results(client, q="防汛")
    assert titles[0] == "防汛工作第0报"  # the one that says it six times, though oldest
    assert len(titles) == 6
    assert "按相关度排列的是最新的" not in client.get("/", {"q": "防汛"}).content.decode()


def test_sort_new_pages_through_every_match_with_a_cursor(client, many, monkeypatch):
    monkeypatch.setattr(limits, "RANK_WINDOW", 3)
    monkeypatch.setattr(limits, "PAGE_SIZE", 4)
    data, first = results(client, q="防汛", sort="new")
    assert data["sort"] == "new"
    assert first == [f"防汛工作第{i}报" for i in (5, 4, 3, 2)]
    assert "after=" in data["next"]
    rest = [r["title"] for r in client.get(data["next"]).json()["results"]]
    assert rest == ["防汛工作第1报", "防汛工作第0报"]


def test_bad_sort_is_a_400(client, many):
    assert client.get("/", {"q": "防汛", "sort": "random"}).status_code == 400


def test_small_sets_count_facets_exactly(client, many):
    data, _titles = results(client)
    assert data["facet_basis"] == {"kind": "exact", "articles": 6}
    regions = {i["name"]: i["count"] for i in data["facets"][0]["items"]}
    assert regions == {"山东省": 6}


def facet(data, param):
    found = next(f for f in data["facets"] if f["param"] == param)
    return {item["name"]: item["count"] for item in found["items"]}


def test_a_first_page_that_holds_every_match_is_its_exact_count(client, many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    data, titles = results(client)
    assert len(titles) == 6 and data["next"] is None
    assert data["count"] == 6 and data["count_exact"] is True and data["count_basis"] == "exact"


def test_large_sets_without_stored_counts_count_their_newest(client, many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "PAGE_SIZE", 2)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    monkeypatch.setattr(limits, "FACET_SAMPLE", 3)
    data, _titles = results(client)
    assert data["count"] == 3 and data["count_exact"] is False
    assert data["count_basis"] == "capped"
    assert data["facet_basis"] == {"kind": "newest", "articles": 3}
    # Days 3, 4, 5: one in 莘县, two in 济南; the tag is on days 0 and 1 only.
    region = {"region": "370000"}
    assert facet(results(client, **region)[0], "region") == {"聊城市": 1, "济南市": 2}
    assert facet(data, "tag") == {}
    assert "计数来自最新的 3 篇" in client.get("/").content.decode()


def test_a_counted_set_larger_than_facet_exact_samples_its_facets(client, many, monkeypatch):
    monkeypatch.setattr(limits, "FACET_EXACT", 4)
    monkeypatch.setattr(limits, "FACET_SAMPLE", 2)
    data, _titles = results(client)
    assert data["count"] == 6 and data["count_exact"] is True
    assert data["facet_basis"] == {"kind": "newest", "articles": 2}
    assert facet(data, "region") == {"山东省": 2}


def test_stored_counts_are_exact_and_dated(client, many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    row = store_facet_counts({})
    assert row.total == 6 and row.params == {}
    data, _titles = results(client)
    assert data["facet_basis"]["kind"] == "stored"
    assert data["facet_basis"]["articles"] == 6
    assert data["facet_basis"]["as_of"] == row.computed_at.isoformat(timespec="minutes")
    assert facet(data, "region") == {"山东省": 6}
    assert facet(data, "tag") == {"防汛抗旱": 2}
    assert "计数统计于" in client.get("/").content.decode()


def test_region_page_and_region_filter_share_stored_counts(client, many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    store_facet_counts({"region": "370000"})
    by_filter = results(client, region="370000")[0]
    page = client.get("/region/370000/", {"format": "json"}).json()
    assert by_filter["facet_basis"]["kind"] == page["facet_basis"]["kind"] == "stored"
    assert facet(by_filter, "region") == {"聊城市": 4, "济南市": 2}
    children = {c["name"]: c["count"] for c in page["region"]["children"]}
    assert children["聊城市"] == 4 and children["济南市"] == 2


def test_refresh_facets_stores_every_large_filter(many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    out = io.StringIO()
    call_command("refresh_facets", stdout=out)
    stored = {tuple(sorted(r.params.items())): r.total for r in FacetCounts.objects.all()}
    # The archive (6), Shandong (6), 聊城市 (4) and 莘县 (4): each more than 3. 济南 (2) and
    # the tag (2) are small enough to count as they are asked for.
    assert stored == {
        (): 6,
        (("region", "370000"),): 6,
        (("region", "371500"),): 4,
        (("region", "371522"),): 4,
    }
    assert "stored facet counts for 4 filters" in out.getvalue()
    # Run again: the same rows, refreshed, no duplicates.
    call_command("refresh_facets", stdout=io.StringIO())
    assert FacetCounts.objects.count() == 4


def test_refresh_facets_root_only(many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    call_command("refresh_facets", "--root-only", stdout=io.StringIO())
    assert [r.params for r in FacetCounts.objects.all()] == [{}]


def test_import_refreshes_the_archive_counts_when_large(gazetteer, monkeypatch, tmp_path):
    from archive.models import Article

    monkeypatch.setattr(limits, "COUNT_CAP", 2)
    monkeypatch.setattr(limits, "FACET_EXACT", 2)
    err = io.StringIO()
    call_command(
        "import_raw", "fixtures/raw/000_827381c3485d2fd9.txt", stdout=io.StringIO(), stderr=err
    )
    public = Article.objects.public().count()
    assert public > 2
    row = FacetCounts.objects.get()
    assert row.params == {} and row.total == public
    assert "facet counts of the whole archive refreshed" in err.getvalue()


def test_small_imports_store_nothing(gazetteer, db):
    call_command(
        "import_raw",
        "fixtures/raw/000_827381c3485d2fd9.txt",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert not FacetCounts.objects.exists()


def test_admin_lists_stored_counts_and_curators_recount_them(admin_client, many, monkeypatch):
    monkeypatch.setattr(limits, "COUNT_CAP", 3)
    monkeypatch.setattr(limits, "FACET_EXACT", 3)
    row = store_facet_counts({"region": "370000"})
    old = row.computed_at
    listing = admin_client.get("/admin/archive/facetcounts/")
    assert listing.status_code == 200 and "370000" in listing.content.decode()
    assert admin_client.get(f"/admin/archive/facetcounts/{row.pk}/change/").status_code == 200
    many[0][0].delete()  # the stored total is now one too many …
    response = admin_client.post(
        "/admin/archive/facetcounts/",
        {"action": "recount", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "已重新统计 1 项" in response.content.decode()
    row.refresh_from_db()
    assert row.total == 5 and row.computed_at >= old  # … until recounted


def test_search_alone_and_search_with_a_filter_agree(client, many):
    # Every article here is in Shandong, so both find the same (on PostgreSQL the second
    # through the search table's filter keys; tests/test_search_filters.py compares those
    # with the link tables).
    alone, titles_alone = results(client, q="防汛")
    filtered, titles_filtered = results(client, q="防汛", region="370000")
    assert titles_alone == titles_filtered and alone["count"] == filtered["count"] == 6
    dated, titles_dated = results(client, q="防汛", **{"from": "2026-06-03", "to": "2026-06-04"})
    assert sorted(titles_dated) == ["防汛工作第2报", "防汛工作第3报"]


def test_search_follows_edits_status_and_deletion(client, many):
    made, _tag = many
    first = made[0]
    first.review_status = "hidden"
    first.save()
    assert "防汛工作第0报" not in results(client, q="防汛")[1]
    first.review_status = "published"
    first.body = "抗旱保苗。"
    first.search_text = "抗旱 保苗"
    first.save()
    assert "防汛工作第0报" not in results(client, q="防汛")[1]
    assert results(client, q="保苗")[1] == ["防汛工作第0报"]
    made[1].delete()
    assert "防汛工作第1报" not in results(client, q="防汛")[1]


def test_postgres_search_table_mirrors_the_articles(many):
    from django.db import connection

    from archive.search import postgres_schema

    postgres_only()
    made, _tag = many

    def rows():
        with connection.cursor() as cur:
            cur.execute(f"SELECT article_id, published, public FROM {postgres_schema.PG_TABLE}")
            return {r[0]: (r[1], r[2]) for r in cur.fetchall()}

    assert rows() == {a.pk: (a.published, True) for a in made}
    made[2].review_status = "hidden"
    made[2].published = datetime.date(2020, 1, 1)
    made[2].save()
    assert rows()[made[2].pk] == (datetime.date(2020, 1, 1), False)
    made[3].delete()
    assert made[3].pk not in rows()
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's foreign keys are deferred
        cur.execute("TRUNCATE archive_article CASCADE")
    assert rows() == {}


def analyze():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the side table, its index and planner estimates exist on PostgreSQL only")


@pytest.fixture
def estimating(many, monkeypatch):
    """PostgreSQL, analysed, with limits so low that six articles are "estimated": more
    than ESTIMATE_ABOVE, more than a page, more than FACET_EXACT."""
    postgres_only()
    analyze()
    monkeypatch.setattr(limits, "ESTIMATE_ABOVE", 2)
    monkeypatch.setattr(limits, "PAGE_SIZE", 2)
    monkeypatch.setattr(limits, "FACET_EXACT", 2)
    return many


def test_postgres_shows_a_large_set_as_an_estimate(client, estimating, monkeypatch):
    monkeypatch.setattr(limits, "FACET_SAMPLE", 2)
    for params in ({"q": "防汛", "sort": "new"}, {"region": "370000"}):
        data, titles = results(client, **params)
        assert len(titles) == 2
        assert data["count_basis"] == "estimate" and data["count_exact"] is False
        assert 1 <= data["count"] <= 100  # the statistics of six rows: about six
        page = client.get("/", params).content.decode()
        assert f"约 {data['count']} 篇" in page


def test_postgres_estimate_gives_way_to_a_fetch_that_holds_every_match(client, estimating):
    # The ranked window (the newest 1,000) holds all six: counted, not estimated.
    data, _titles = results(client, q="防汛")
    assert (data["count"], data["count_exact"], data["count_basis"]) == (6, True, "exact")
    # Browsing: the facet sample (the newest 1,000) holds all six.
    data, _titles = results(client, region="370000")
    assert (data["count"], data["count_exact"]) == (6, True)
    assert data["facet_basis"] == {"kind": "exact", "articles": 6}


def test_a_deep_newest_first_search_page_reads_the_date_statistics_once(
    client, estimating, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DIFANG_FACET_CACHE_SECONDS = 0  # the page's facet sample is fetched too
    first, _titles = results(client, q="防汛", sort="new")
    with CaptureQueriesContext(connection) as seen:
        deep = client.get(first["next"])  # the page after a cursor, and its facet sample
    assert deep.status_code == 200 and len(deep.json()["results"]) == 2
    assert sum("pg_stats" in q["sql"] for q in seen.captured_queries) == 1


def test_postgres_newest_matches_are_the_same_whatever_the_estimate(db, monkeypatch):
    """The newest-first window tries date cutoffs from the histogram and the estimate;
    a wrong estimate costs time, never a wrong answer."""
    postgres_only()
    from archive import search
    from archive.search import postgres

    start = datetime.date(2025, 1, 1)
    for i in range(60):
        word = "防汛" if i % 3 == 0 else "植树"
        make_article(
            f"第{i}期",
            f"{word}工作简报第{i}期。",
            published=start + datetime.timedelta(days=i),
        )
    make_article("无日期", "防汛工作简报。")  # an undated match sorts last
    analyze()
    query = search.parse("防汛")
    expected_titles = [f"第{i}期" for i in range(57, -1, -3)]
    from archive.models import Article

    def titles(ids):
        by_id = dict(Article.objects.filter(pk__in=ids).values_list("pk", "title"))
        return [by_id[i] for i in ids]

    monkeypatch.setattr(postgres, "RANGE_ROW_COST", 0)  # try cutoffs even on so few rows
    for limit in (1, 5, 20, 21):
        for guess in (0, 1, 21, 1_000, 10**7):
            ids = postgres.public_ids(query, limit=limit, newest=True, expected=guess)
            want = (expected_titles + ["无日期"])[:limit]
            assert titles(ids) == want, (limit, guess)
    # After a keyset cursor (the date and id of the last row shown): the ones after it.
    dated = Article.objects.filter(title__in=expected_titles)
    by_title = {a.title: (a.published, a.pk) for a in dated}
    for shown in (1, 4, 19):
        cursor = by_title[expected_titles[shown - 1]]
        for guess in (1, 21, 10**7):
            ids = postgres.public_ids(query, limit=5, newest=True, expected=guess, after=cursor)
            want = (expected_titles + ["无日期"])[shown : shown + 5]
            assert titles(ids) == want, (shown, guess)
    since = {"from": start + datetime.timedelta(days=30)}
    ids = postgres.public_ids(query, limit=5, newest=True, dates=since, expected=10**7)
    assert titles(ids) == expected_titles[:5]
    assert postgres.estimate(query) > 0


def test_a_region_and_a_tag_together_page_through_exactly_their_articles(client, many, monkeypatch):
    _made, tag = many
    monkeypatch.setattr(limits, "PAGE_SIZE", 1)
    data, first = results(client, region="370000", tag=tag.pk)
    assert first == ["防汛工作第1报"] and data["count"] == 2 and data["count_exact"] is True
    rest = [r["title"] for r in client.get(data["next"]).json()["results"]]
    assert rest == ["防汛工作第0报"]
    # 济南 has none of the tagged articles.
    assert results(client, region="370100", tag=tag.pk)[0]["count"] == 0


def test_postgres_a_large_search_newest_first_pages_from_the_search_table(
    client, estimating, monkeypatch
):
    from archive.search import postgres

    monkeypatch.setattr(postgres, "RANGE_ROW_COST", 0)
    data, titles = results(client, q="防汛", sort="new")
    seen = list(titles)
    while data["next"]:
        data = client.get(data["next"]).json()
        seen += [r["title"] for r in data["results"]]
    assert seen == [f"防汛工作第{i}报" for i in range(5, -1, -1)]


def test_a_search_feed_lists_what_its_page_lists(client, many):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    for params in ({"q": "防汛"}, {"q": "防汛", "sort": "new"}):
        _data, page_titles = results(client, **params)
        feed = ET.fromstring(client.get("/", {**params, "format": "atom"}).content)
        feed_titles = [e.find(f"{atom}title").text for e in feed.findall(f"{atom}entry")]
        assert feed_titles == page_titles
    assert feed_titles[0] == "防汛工作第5报"  # newest first
