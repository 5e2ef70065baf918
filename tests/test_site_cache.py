"""Whole public pages are cached, and never stale: any change to what they show moves
the data version in the cache key."""

import pytest
from django.test import override_settings

from archive import curation
from archive.models import Article

pytestmark = pytest.mark.django_db


def make(title, **kw):
    return Article.objects.create(
        title=title,
        body=f"{title}的正文，记者从县里获悉。",
        content_hash=title,
        review_status=Article.ReviewStatus.PUBLISHED,
        search_text=title,
        **kw,
    )


def test_a_page_is_served_from_the_cache_until_the_data_changes(client, django_assert_num_queries):
    make("第一篇文章")
    first = client.get("/?format=json")
    assert first.status_code == 200
    # A cached page costs the one data-version query and nothing else.
    with django_assert_num_queries(1):
        again = client.get("/?format=json")
    assert again.content == first.content

    make("第二篇文章")
    titles = [r["title"] for r in client.get("/?format=json").json()["results"]]
    assert titles[0] == "第二篇文章"


def test_hiding_an_article_takes_it_off_cached_pages_at_once(client):
    art = make("将被隐藏的文章")
    assert "将被隐藏的文章" in client.get("/").content.decode()
    curation.set_status(Article.objects.filter(pk=art.pk), Article.ReviewStatus.HIDDEN)
    assert "将被隐藏的文章" not in client.get("/").content.decode()
    assert client.get(f"/article/{art.pk}/").status_code == 404


def test_languages_and_formats_are_cached_apart(client):
    make("语言测试文章")
    html = client.get("/")
    as_json = client.get("/", HTTP_ACCEPT="application/json")
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert html["Content-Type"].startswith("text/html")
    assert as_json["Content-Type"].startswith("application/json")
    assert english.content != html.content


@override_settings(DIFANG_PAGE_CACHE_SECONDS=0)
def test_the_page_cache_can_be_switched_off(client, django_assert_max_num_queries):
    make("不缓存的文章")
    client.get("/")
    with django_assert_max_num_queries(100) as ctx:
        client.get("/")
    assert len(ctx.captured_queries) > 1
