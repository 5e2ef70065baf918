"""The public pages in brief: published articles only, HTML and JSON, regions by key.
(The full public-site suite is in tests/test_site_*.py.)"""

import datetime

import pytest

from archive.models import Article, Region, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_article():
    source = Source.objects.create(name="聊城日报", kind=Source.Kind.DAILY)
    return Article.objects.create(
        title="提标提速提能力 敢闯敢干敢争先",
        body="莘县卫生健康局召开作风建设会议。",
        published=datetime.date(2022, 4, 22),
        source=source,
        content_hash="c" * 64,
        review_status=Article.ReviewStatus.PUBLISHED,
        search_text="提标 提速 提 能力 敢闯 敢干 敢 争先 莘县 卫生 健康 局 召开 作风 建设 会议",
    )


def test_home_page_lists_newest_published_articles(client, published_article):
    Article.objects.create(title="尚未审核的稿件", body="……", content_hash="d" * 64)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "提标提速提能力" in html
    assert "尚未审核的稿件" not in html


def test_home_page_answers_as_json(client, published_article):
    data = client.get("/?format=json").json()
    assert data["results"][0]["title"] == "提标提速提能力 敢闯敢干敢争先"
    assert data["results"][0]["source"] == "聊城日报"
    assert data["count"] == 1 and data["next"] is None


def test_search_box_parameter_is_q(client, published_article):
    assert client.get("/?q=作风建设&format=json").json()["count"] == 1
    assert client.get("/?q=作風建設&format=json").json()["count"] == 1
    assert client.get("/?q=聊城&format=json").json()["count"] == 0


def test_unpublished_article_page_is_not_found(client):
    article = Article.objects.create(title="尚未审核的稿件", body="……", content_hash="e" * 64)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_region_page_shows_its_place_in_the_hierarchy(client, gazetteer):
    data = client.get("/region/371522/?format=json").json()["region"]
    assert data["path"] == "山东省 › 聊城市 › 莘县"
    assert client.get("/region/371522/").status_code == 200


def test_township_without_code_is_addressed_by_key(client, gazetteer):
    township = Region.objects.create(
        name="燕店镇", level=Region.Level.TOWNSHIP, parent=Region.objects.get(code="371522")
    )
    assert township.get_absolute_url() == f"/region/{township.pk}/"
    assert "燕店镇" in client.get(township.get_absolute_url()).content.decode()


def test_admin_lists_regions_for_a_superuser(admin_client, gazetteer):
    response = admin_client.get("/admin/archive/region/?level=prefecture&q=聊城")
    assert response.status_code == 200
    assert "聊城市" in response.content.decode()


def test_a_traditional_pages_people_are_linked_in_its_body_as_printed(client):
    from archive.models import Mention, Person

    article = Article.objects.create(
        title="市長視察排水工程",
        body="台南市長黃偉哲今日視察排水工程，議員余柷青陪同。",
        content_hash="e" * 64,
        review_status=Article.ReviewStatus.PUBLISHED,
    )
    for name in ("黃偉哲", "余柷青"):
        Mention.objects.create(article=article, person=Person.objects.create(name=name))
    html = client.get(f"/article/{article.pk}/").content.decode()
    assert '">黃偉哲</a>今日視察' in html  # in the body, not only in the list of people
    assert '">余柷青</a>陪同' in html
