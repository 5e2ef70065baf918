"""A search within a region: on PostgreSQL answered from the search table's region keys
(archive/search.py), which must find exactly what the article table's region links find,
and stay true as links, regions and articles change."""

import datetime

import pytest
from test_site_data import make_article

from archive import search, views
from archive.models import Article, ArticleRegion, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(db, gazetteer):
    """防汛 and 植树 articles in a county, a prefecture, a township without a code (below 莘县)
    and a province elsewhere; one article in two regions; one without a region."""
    town = Region.objects.create(
        name="大王寨镇", level="township", parent=Region.objects.get(code="371522")
    )
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
            )
        )
    in_town = make_article("防汛简报镇里", "防汛工作简报。", published=day)
    ArticleRegion.objects.create(article=in_town, region=town, primary=True)
    return made, town, in_town


def by_links(word, region):
    """The public articles with ``word`` linked to ``region`` or below: the article table."""
    linked = ArticleRegion.objects.filter(region_id__in=views.subtree_ids(region))
    qs = Article.objects.public().filter(pk__in=linked.values("article_id"))
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


def test_a_township_without_a_code_is_searched_by_its_own_key(client, spread):
    _made, town, _in_town = spread
    found, _data = listed(client, q="防汛", region=str(town.pk))
    assert found == by_links("防汛", town) == {"防汛简报镇里"}
    # …and it counts towards the county above it.
    assert "防汛简报镇里" in listed(client, q="防汛", region="371522")[0]


def keys():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT article_id, region_keys FROM {search.PG_TABLE}")
        return {pk: sorted(k) for pk, k in cur.fetchall()}


def expected_keys():
    """Every article's keys from its links: each linked region's key and its ancestors'."""
    want = {pk: set() for pk in Article.objects.values_list("pk", flat=True)}
    for link in ArticleRegion.objects.select_related("region"):
        region = link.region
        while region is not None:
            want[link.article_id].add(views.region_key(region))
            region = region.parent
    return {pk: sorted(k) for pk, k in want.items()}


def test_postgres_region_keys_follow_links_regions_and_articles(spread):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the search table's region keys exist on PostgreSQL only")
    made, town, in_town = spread
    assert keys() == expected_keys()
    assert keys()[in_town.pk] == ["#" + str(town.pk), "37", "3715", "371522"]
    # Links added in bulk, moved, deleted.
    ArticleRegion.objects.bulk_create(
        [ArticleRegion(article=a, region=Region.objects.get(code="130100")) for a in made[:3]]
    )
    moved = ArticleRegion.objects.filter(article=made[1], region__code="371500")
    moved.update(region=Region.objects.get(code="440100"))
    ArticleRegion.objects.filter(article=made[2], region__code="370100").delete()
    assert keys() == expected_keys()
    # A township moved to another county; a county's code changed.
    town.parent = Region.objects.get(code="371521")
    town.save()
    assert keys()[in_town.pk] == ["#" + str(town.pk), "37", "3715", "371521"]
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
    later = make_article("后来的稿件", "防汛。")
    Article.objects.filter(pk=later.pk).update(id=new_id)  # the row arrives under that id
    assert keys() == expected_keys()
    assert keys()[new_id] == ["37", "3701"]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE archive_articleregion")
    assert set(map(tuple, keys().values())) == {()}
