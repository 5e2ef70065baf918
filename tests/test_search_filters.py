"""A search within a region, source, tag or official: on PostgreSQL answered from the
search table's filter keys (archive/search/postgres_schema.py), which must find exactly what the article
table's links find, and stay true as links, regions and articles change."""

import datetime

import pytest
from test_site_data import make_article

from archive import search
from archive.listing import Listing, limits
from archive.listing.places import region_key, subtree_ids
from archive.models import Article, ArticleRegion, ArticleTag, Mention, Person, Region, Source, Tag
from archive.search import postgres_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(db, gazetteer):
    """防汛 and 植树 articles in a county, a prefecture, a township without a code (below 莘县)
    and a province elsewhere; one article in two regions; one without a region; two
    sources, a tag and an official on some of them."""
    town = Region.objects.create(
        name="大王寨镇", level="township", parent=Region.objects.get(code="371522")
    )
    daily = Source.objects.create(name="聊城日报")
    other = Source.objects.create(name="大众日报")
    tag = Tag.objects.create(name="防汛抗旱")
    official = Person.objects.create(name="徐振涛", normalized_name="徐振涛")
    day = datetime.date(2026, 5, 1)
    made = []
    places = [["371522"], ["371500"], ["370100"], ["440100"], ["371522", "440100"], []]
    for i, codes in enumerate(places * 2):
        word = "防汛" if i < len(places) else "植树"
        made.append(
            make_article(
                f"{word}简报第{i}期",
                f"{word}工作简报。",
                published=day + datetime.timedelta(days=i),
                regions=codes,
                source=(daily, other, None)[i % 3],
                tags=[tag] if i % 2 else [],
                people=[official] if i % 4 == 1 else [],
            )
        )
    in_town = make_article("防汛简报镇里", "防汛工作简报。", published=day, source=daily)
    ArticleRegion.objects.create(article=in_town, region=town, primary=True)
    return made, town, in_town, (daily, other, tag, official)


def by_links(word, region=None, source=None, tag=None, official=None):
    """The public articles with ``word`` in all the filters given: the article table."""
    qs = Article.objects.public()
    if region is not None:
        linked = ArticleRegion.objects.filter(region_id__in=subtree_ids(region))
        qs = qs.filter(pk__in=linked.values("article_id"))
    if source is not None:
        qs = qs.filter(source=source)
    if tag is not None:
        qs = qs.filter(pk__in=ArticleTag.objects.filter(tag=tag).values("article_id"))
    if official is not None:
        qs = qs.filter(pk__in=Mention.objects.filter(person=official).values("article_id"))
    return set(search.restrict(qs, search.parse(word)).values_list("title", flat=True))


def listed(client, **params):
    data = client.get("/", {"format": "json", **params}).json()
    return {r["title"] for r in data["results"]}, data


@pytest.mark.parametrize("code", ["370000", "371500", "371522", "370100", "440000", "110000"])
def test_a_search_within_a_region_finds_what_its_links_find(client, spread, code):
    region = Region.objects.get(code=code)
    for word in ("防汛", "植树", "简报"):
        found, data = listed(client, q=word, region=code)
        assert found == by_links(word, region), (code, word)
        assert data["count"] == len(found)


def test_a_search_with_a_source_tag_or_official_finds_what_their_links_find(client, spread):
    _made, _town, _in_town, (daily, other, tag, official) = spread
    shandong = Region.objects.get(code="370000")
    combos = [
        {"source": daily},
        {"source": other},
        {"tag": tag},
        {"official": official},
        {"region": shandong, "tag": tag},
        {"region": shandong, "source": daily, "tag": tag},
        {"source": other, "official": official},
    ]
    for combo in combos:
        params = {k: (v.code if k == "region" else v.pk) for k, v in combo.items()}
        for word in ("防汛", "简报"):
            found, data = listed(client, q=word, **params)
            assert found == by_links(word, **combo), (params, word)
            assert data["count"] == len(found)
    # A source's page with a search: the same filter, fixed by the page.
    page = client.get(f"/source/{daily.pk}/", {"q": "防汛", "format": "json"}).json()
    assert {r["title"] for r in page["results"]} == by_links("防汛", source=daily)


def test_a_township_without_a_code_is_searched_by_its_own_key(client, spread):
    _made, town, _in_town, _objects = spread
    found, _data = listed(client, q="防汛", region=str(town.pk))
    assert found == by_links("防汛", town) == {"防汛简报镇里"}
    # …and it counts towards the county above it.
    assert "防汛简报镇里" in listed(client, q="防汛", region="371522")[0]


def keys():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT article_id, filter_keys FROM {postgres_schema.PG_TABLE}")
        return {pk: sorted(k) for pk, k in cur.fetchall()}


def expected_keys():
    """Every article's keys from its links: each linked region's key and its ancestors',
    its source, tags and officials."""
    want = {pk: set() for pk in Article.objects.values_list("pk", flat=True)}
    for link in ArticleRegion.objects.select_related("region"):
        region = link.region
        while region is not None:
            want[link.article_id].add("r" + region_key(region))
            region = region.parent
    for pk, source_id in Article.objects.exclude(source=None).values_list("pk", "source_id"):
        want[pk].add(f"s{source_id}")
    for article_id, tag_id in ArticleTag.objects.values_list("article_id", "tag_id"):
        want[article_id].add(f"t{tag_id}")
    for article_id, person_id in Mention.objects.values_list("article_id", "person_id"):
        want[article_id].add(f"p{person_id}")
    return {pk: sorted(k) for pk, k in want.items()}


def test_postgres_filter_keys_follow_links_regions_and_articles(spread):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search table's filter keys exist on PostgreSQL only")
    made, town, in_town, (daily, other, tag, official) = spread
    assert keys() == expected_keys()
    assert keys()[in_town.pk] == sorted(
        ["r#" + str(town.pk), "r37", "r3715", "r371522", f"s{daily.pk}"]
    )
    # Links added in bulk, moved, deleted.
    ArticleRegion.objects.bulk_create(
        [ArticleRegion(article=a, region=Region.objects.get(code="130100")) for a in made[:3]]
    )
    moved = ArticleRegion.objects.filter(article=made[1], region__code="371500")
    moved.update(region=Region.objects.get(code="440100"))
    ArticleRegion.objects.filter(article=made[2], region__code="370100").delete()
    ArticleTag.objects.bulk_create([ArticleTag(article=a, tag=tag) for a in made[6::2]])
    ArticleTag.objects.filter(article=made[1]).delete()
    Mention.objects.filter(article=made[5]).update(article=made[4])
    assert keys() == expected_keys()
    # A source changed, a source deleted (its articles keep no source).
    made[3].source = daily
    made[3].save()
    assert f"s{daily.pk}" in keys()[made[3].pk]
    other.delete()
    assert keys() == expected_keys()
    # A township moved to another county; a county's code changed.
    town.parent = Region.objects.get(code="371521")
    town.save()
    assert "r371521" in keys()[in_town.pk] and "r371522" not in keys()[in_town.pk]
    county = Region.objects.get(code="371522")
    county.code = "371599"
    county.save()
    assert keys() == expected_keys()
    # An article's words changed: the row is written again, its keys with it.
    article = made[0]
    article.search_text = "抗旱 保苗"
    article.save()
    assert keys() == expected_keys()
    # A new article whose links exist before it (Django's foreign keys are deferred).
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) + 100 FROM archive_article")
        new_id = cur.fetchone()[0]
    ArticleRegion.objects.create(article_id=new_id, region=Region.objects.get(code="370100"))
    ArticleTag.objects.create(article_id=new_id, tag=tag)
    later = make_article("后来的稿件", "防汛。")
    Article.objects.filter(pk=later.pk).update(id=new_id)  # the row arrives under that id
    assert keys() == expected_keys()
    assert keys()[new_id] == ["r37", "r3701", f"t{tag.pk}"]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for link in postgres_schema.KEYED_LINKS:
            cur.execute(f"TRUNCATE {link}")
    assert keys() == expected_keys()
    assert all(k == [] or k[0].startswith("s") for k in keys().values())


def test_browsing_a_sparse_filter_from_the_search_index_lists_what_its_links_list(
    client, spread, monkeypatch, settings
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search table exists on PostgreSQL only")
    from django.db import connection as conn

    with conn.cursor() as cur:
        cur.execute("ANALYZE")  # the share of a filter is the planner's estimate
    settings.DIFANG_FACET_CACHE_SECONDS = 0
    settings.DIFANG_PAGE_CACHE_SECONDS = 0  # each walk renders its pages
    monkeypatch.setattr(limits, "PAGE_SIZE", 2)
    _made, _town, _in_town, (daily, _other, tag, _official) = spread
    filters = [{"region": "371500"}, {"region": "370000", "tag": tag.pk}, {"source": daily.pk}]

    def walk(params):
        """Every title, page by page with the cursor, and the first page's count."""
        data = client.get("/", {"format": "json", **params}).json()
        titles, count = [r["title"] for r in data["results"]], data["count"]
        while data["next"]:
            data = client.get(data["next"]).json()
            titles += [r["title"] for r in data["results"]]
        return titles, count

    estimate_above = limits.ESTIMATE_ABOVE
    for params in filters:
        monkeypatch.setattr(limits, "SPARSE_SHARE", 0.0)  # date order on the article table
        titles, count = walk(params)
        assert len(titles) == count >= 2
        monkeypatch.setattr(limits, "SPARSE_SHARE", 2.0)  # every filter is "sparse"
        assert Listing(rf_get(params)).from_search_table
        # Counted (a small set's ids are fetched, then paged by the article table) …
        assert walk(params) == (titles, count), params
        # … and as a large one: pages of the newest from the search index, with the cursor.
        monkeypatch.setattr(limits, "ESTIMATE_ABOVE", 0)
        assert walk(params)[0] == titles, params
        monkeypatch.setattr(limits, "ESTIMATE_ABOVE", estimate_above)


def rf_get(params):
    from django.test import RequestFactory

    return RequestFactory().get("/", params)
