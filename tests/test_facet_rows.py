"""Facet rows (PostgreSQL's per-article facet keys, archive/search/postgres_facets.py): the counting is
plain Python, tested without a database; the rows themselves must follow every edit of
the article and link tables, and counting from them must give the same facets as asking
the link tables (which SQLite does)."""

import datetime
import random

import pytest
from django.test import RequestFactory
from test_site_data import *  # noqa: F403  (the fresh_cache fixture)
from test_site_data import make_article

from archive import facets
from archive.listing import Listing
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    Mention,
    Person,
    Region,
    Source,
    Tag,
)
from archive.search import postgres_facets as facet_rows
from archive.search.postgres_facets import Regions, Row, tally

# --- counting, no database ---------------------------------------------------------------

PROVINCES = Regions(
    prefixes={2: {"37": 1, "41": 2}},
    uncoded=set(),
    # 10 莘县, 11 聊城, 12 郑州, 13 a township of 莘县 (its county's code), 14 no code at all
    code={10: "371522", 11: "371500", 12: "410100", 13: "371522", 14: None},
)


def test_an_article_counts_once_per_child_however_many_of_its_places_lie_there():
    rows = [
        Row(5, datetime.date(2022, 4, 1), [10, 11, 13], [7], [3]),
        Row(5, datetime.date(2021, 1, 1), [12], [7, 8], []),
        Row(6, None, [11, 12, 14], [], [3]),
    ]
    counts = tally(rows, PROVINCES, size=12)
    assert counts["region"] == [(1, 2), (2, 2)]  # 山东: articles 1 and 3; 河南: 2 and 3
    assert counts["source"] == [(5, 2), (6, 1)]
    assert counts["year"] == [(2022, 1), (2021, 1)]  # the undated one has no year
    assert counts["tag"] == [(7, 2), (8, 1)]
    assert counts["official"] == [(3, 2)]


def test_largest_first_ties_by_id_and_cut_to_size():
    rows = [Row(None, None, [], [9, 4, 2], []), Row(None, None, [], [9, 4], [])]
    assert tally(rows, PROVINCES, size=2)["tag"] == [(4, 2), (9, 2)]
    assert tally(rows, PROVINCES, size=12)["source"] == []


def test_uncoded_children_count_their_own_links_and_the_subtree_bounds_links():
    def county(within):
        return Regions(
            prefixes={},
            uncoded={13, 15},
            code={13: "371522", 15: "371522", 12: "410100"},
            within=within,
        )

    rows = [Row(None, None, [13], [], []), Row(None, None, [13, 15], [], [])]
    assert tally(rows, county({10, 13, 15}), 12)["region"] == [(13, 2), (15, 1)]
    # A link outside the subtree is not counted even when its id is a child's.
    assert tally(rows, county({10, 15}), 12)["region"] == [(15, 1)]


# --- the rows follow the tables (PostgreSQL) ---------------------------------------------


def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the facet rows exist on PostgreSQL only")


def stored():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT article_id, source_id, published, region_ids, tag_ids, person_ids "
            f"FROM {facet_rows.TABLE}"
        )
        return {r[0]: tuple(r[1:]) for r in cur.fetchall()}


def expected():
    """What the rows should hold, read from the article and link tables with the ORM."""
    out = {}
    for a in Article.objects.all():
        out[a.pk] = (
            a.source_id,
            a.published,
            sorted(ArticleRegion.objects.filter(article=a).values_list("region_id", flat=True)),
            sorted(ArticleTag.objects.filter(article=a).values_list("tag_id", flat=True)),
            sorted(Mention.objects.filter(article=a).values_list("person_id", flat=True)),
        )
    return out


@pytest.fixture
def world(db, gazetteer):
    """Two sources, three tags, three people, a township of 莘县 without a code and 30
    articles spread over them at random (seeded), some undated, some hidden."""
    rnd = random.Random(7)
    sources = [Source.objects.create(name=n) for n in ("聊城日报", "大众日报")]
    tags = [Tag.objects.create(name=n) for n in ("作风建设", "招商引资", "防汛")]
    people = [Person.objects.create(name=n, normalized_name=n) for n in ("张三", "李四", "王五")]
    county = Region.objects.get(code="371522")
    township = Region.objects.create(
        name="燕店镇", level=Region.Level.TOWNSHIP, parent=county, short_name="燕店"
    )
    codes = ["371522", "371500", "370100", "370000", "410100", "110000"]
    made = []
    for i in range(30):
        day = None if i % 7 == 0 else datetime.date(2019 + i % 5, 1 + i % 12, 1 + i % 28)
        article = make_article(
            f"第{i}篇",
            f"第{i}篇正文，作风建设。",
            published=day,
            source=rnd.choice([*sources, None]),
            status="hidden" if i % 9 == 4 else "published",
            regions=rnd.sample(codes, rnd.randint(0, 3)),
            tags=rnd.sample(tags, rnd.randint(0, 2)),
            people=rnd.sample(people, rnd.randint(0, 2)),
        )
        if i % 4 == 0:
            ArticleRegion.objects.create(article=article, region=township)
        made.append(article)
    return {"articles": made, "sources": sources, "tags": tags, "people": people}


def test_postgres_facet_rows_follow_every_edit(world):
    from django.db import connection

    postgres_only()
    made, tags, people = world["articles"], world["tags"], world["people"]
    assert stored() == expected()

    # Links in bulk (one statement, as an import writes them), moved and deleted.
    ArticleTag.objects.filter(article=made[0]).delete()
    ArticleTag.objects.bulk_create(
        [ArticleTag(article=a, tag=tags[2]) for a in made[:10] if not a.tags.filter(pk=tags[2].pk)]
    )
    both = Mention.objects.filter(person=people[2]).values("article_id")
    Mention.objects.filter(person=people[0]).exclude(article_id__in=both).update(person=people[2])
    held = ArticleRegion.objects.filter(article=made[2]).values("region_id")
    ArticleRegion.objects.filter(article=made[1]).exclude(region_id__in=held).update(
        article=made[2]
    )
    assert stored() == expected()

    # The article's own fields, its deletion (links cascade), a tag's deletion.
    made[3].source = world["sources"][1]
    made[3].published = datetime.date(2001, 2, 3)
    made[3].save()
    made[4].delete()
    tags[0].delete()
    people[1].delete()
    assert stored() == expected()

    # A new article whose links come first (Django's foreign keys are deferred).
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) + 1000 FROM archive_article")
        new_id = cur.fetchone()[0]
    ArticleTag.objects.create(article_id=new_id, tag=tags[1])
    Article.objects.filter(pk=make_article("后来的", "正文").pk).update(id=new_id)
    assert stored() == expected()

    # Emptied link tables and an emptied article table.
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("TRUNCATE archive_articletag")
    assert stored() == expected()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE archive_article CASCADE")
    assert stored() == {}


@pytest.mark.parametrize(
    "params",
    [{}, {"region": "370000"}, {"region": "371500"}, {"region": "371522"}, {"q": "作风"}],
)
def test_postgres_counts_from_facet_rows_equal_the_link_tables(world, params):
    postgres_only()
    listing = Listing(RequestFactory().get("/", params))
    ids = list(listing.queryset.values_list("pk", flat=True))
    assert len(ids) > 5
    from_rows = facets.facet_counts(listing, ids)  # a list of ids: the facet rows
    from_links = facets.facet_counts(listing, listing.queryset.order_by().values("pk"))
    assert from_rows == from_links
    assert from_rows["region"]  # the comparison is not of empty facets
