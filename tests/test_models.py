"""Database tests for the archive models and the gazetteer."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from archive.models import (
    Article,
    ArticleRegion,
    Person,
    Position,
    RawFile,
    Region,
    Source,
)

pytestmark = pytest.mark.django_db

PAGE = (
    "提标提速提能力 敢闯敢干敢争先\n聊城日报 2022-04-22\n莘县卫生健康局党组书记、局长徐振涛说……"
).encode()


def make_raw_file(sha256="a" * 64, data=PAGE):
    return RawFile.objects.create(
        sha256=sha256,
        path="fixtures/raw/001.txt",
        size=len(data),
        content=RawFile.compress(data),
        encoding="utf-8",
        status=RawFile.Status.IMPORTED,
    )


def make_article(content_hash="b" * 64, **fields):
    defaults = {
        "title": "提标提速提能力 敢闯敢干敢争先",
        "body": "莘县卫生健康局党组书记、局长徐振涛说：“大家很多都是单位的一把手……”",
        "published": datetime.date(2022, 4, 22),
        "content_hash": content_hash,
    }
    return Article.objects.create(**{**defaults, **fields})


def test_raw_file_keeps_the_original_bytes_compressed():
    raw = make_raw_file()
    raw.refresh_from_db()
    assert raw.data == PAGE
    assert len(bytes(raw.content)) < len(PAGE) * 2


def test_duplicate_raw_file_sha256_is_rejected():
    make_raw_file()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_raw_file()


def test_article_content_hash_is_unique():
    make_article()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(title="同一篇文章的另一份副本")


def test_new_articles_wait_for_review_and_are_not_public():
    article = make_article()
    assert article.review_status == Article.ReviewStatus.NEW
    assert not Article.objects.public().exists()


def test_position_is_unique_per_person_title_and_organization():
    person = Person.objects.create(name="徐振涛", normalized_name="徐振涛")
    Position.objects.create(person=person, title="党组书记、局长", organization="莘县卫生健康局")
    Position.objects.create(person=person, title="党组书记、局长", organization="聊城市卫生健康委")
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(
            person=person, title="党组书记、局长", organization="莘县卫生健康局"
        )


def test_gazetteer_has_every_province_prefecture_and_county(gazetteer):
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() == 34
    assert Region.objects.filter(level=Region.Level.PREFECTURE).count() >= 330
    assert Region.objects.filter(level=Region.Level.COUNTY).count() >= 2800


def test_region_hierarchy_walks_from_county_to_province(gazetteer):
    shenxian = Region.objects.get(code="371522")
    assert shenxian.name == "莘县"
    assert [r.code for r in shenxian.ancestors()] == ["370000", "371500"]
    assert shenxian.path() == "山东省 › 聊城市 › 莘县"
    assert shenxian.get_absolute_url() == "/region/371522/"


def test_renamed_district_resolves_by_its_new_area_alias(gazetteer):
    huangdao = Region.resolve("青岛西海岸新区")
    assert huangdao.code == "370211"
    assert huangdao.name == "黄岛区"
    assert Region.resolve("胶南市") == huangdao


def test_short_names_resolve_and_prefer_the_higher_level(gazetteer):
    assert Region.resolve("聊城").code == "371500"
    assert Region.resolve("吉林").code == "220000"
    assert Region.resolve("恩施土家族苗族自治州").short_name == "恩施"


def test_a_name_shared_by_two_districts_is_ambiguous(gazetteer):
    assert {r.code for r in Region.candidates("朝阳区")} == {"110105", "220104"}
    assert Region.resolve("朝阳区") is None


def test_retired_division_resolves_to_its_successor(gazetteer):
    laiwu_district = Region.objects.get(code="370116")
    shandong = Region.objects.get(code="370000")
    Region.objects.create(
        name="莱芜市",
        level=Region.Level.PREFECTURE,
        parent=shandong,
        valid_until=datetime.date(2019, 1, 9),
        successor=laiwu_district,
    )
    assert Region.resolve("莱芜市") == laiwu_district


def test_loading_regions_twice_changes_nothing(gazetteer):
    def snapshot():
        return list(
            Region.objects.order_by("code").values_list(
                "code", "name", "short_name", "level", "parent__code", "aliases"
            )
        )

    before = snapshot()
    out = io.StringIO()
    call_command("load_regions", stdout=out)
    call_command("load_regions", stdout=out)
    assert snapshot() == before
    assert out.getvalue().count("0 created, 0 updated, 3212 unchanged") == 2
    assert out.getvalue().count("aliases: 0 added") == 2


def test_article_primary_regions_are_the_places_it_is_about(gazetteer):
    article = make_article()
    ArticleRegion.objects.create(
        article=article, region=Region.objects.get(code="371522"), primary=True, mentions=3
    )
    ArticleRegion.objects.create(article=article, region=Region.objects.get(code="371500"))
    assert [r.name for r in article.primary_regions] == ["莘县"]


def test_source_and_article_link_to_their_pages():
    source = Source.objects.create(name="聊城日报", kind=Source.Kind.DAILY)
    article = make_article(source=source)
    assert str(source) == "聊城日报"
    assert article.get_absolute_url() == f"/article/{article.pk}/"
    assert source.get_absolute_url() == f"/source/{source.pk}/"
