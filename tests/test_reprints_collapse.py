"""collapse=1 on the lists (issue 21 wired into the listing engine), on both databases:
each story of reprints is listed and counted once, as its earliest member with "and N
reprints", in HTML, JSON, CSV and Atom, in search results, in facets and in a trend line.

Articles are the generated corpus of tests/reprint_corpus.py imported by `import_raw`.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from reprint_corpus import make_corpus
from test_reprints import import_raw, write_docs

from archive.models import Article, Story, StoryMember
from archive.reprints import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path, settings):
    settings.DIFANG_PAGE_CACHE_SECONDS = 0
    settings.DIFANG_FACET_CACHE_SECONDS = 0
    import_raw(write_docs(tmp_path / "all", make_corpus(12, seed=11, seeds=False)))
    public = Article.objects.public()
    stories = Story.objects.filter(members__article__in=public).distinct().count()
    alone = public.filter(story_member__isnull=True).count()
    assert stories and public.count() > stories + alone  # there are reprints to fold
    return public, stories + alone


def test_json_lists_each_story_once_with_its_reprints(client, imported):
    public, once = imported
    full = client.get("/?format=json").json()
    folded = client.get("/?format=json&collapse=1").json()
    assert full["count"] == public.count() and full["collapse"] is False
    assert folded["count"] == once and folded["collapse"] is True
    assert folded["filters"]["collapse"]
    for row in folded["results"]:
        member = StoryMember.objects.filter(article_id=row["id"]).first()
        if member is None:
            assert row["reprints"] == 0
        else:
            assert member.is_original  # the earliest appearance stands for its story
            others = member.story.members.exclude(article_id=row["id"])
            assert row["reprints"] == others.filter(article__in=public).count() > 0
    # Facets count stories too: the sources' counts add up to the folded list.
    sources = next(f for f in folded["facets"] if f["param"] == "source")
    assert sum(item["count"] for item in sources["items"]) == once


def test_html_shows_the_toggle_and_the_reprint_count(client, imported):
    _public, once = imported
    page = client.get("/?collapse=1").content.decode()
    assert "篇转载" in page and "#also-published" in page
    assert "显示每次刊载" in page  # the way back to every appearance
    assert "每个稿件只计一次" in client.get("/").content.decode()


def test_csv_and_atom_carry_the_folded_list(client, imported):
    _public, once = imported
    body = b"".join(client.get("/?format=csv&collapse=1").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) - 1 == once
    ids = {int(r[0]) for r in rows[1:]}
    assert ids == set(store.collapse(Article.objects.public()).values_list("pk", flat=True))
    feed = ET.fromstring(client.get("/?format=atom&collapse=1").content)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert 0 < len(entries) <= once


def test_search_and_a_trend_line_count_stories_once(client, imported):
    public, _once = imported
    # A word of a story with reprints, as the search index cut it.
    member = StoryMember.objects.filter(is_original=False, article__in=public).first()
    words = member.article.search_text.split()
    word = next(w for w in words if len(w) >= 2 and "\u4e00" <= w[0] <= "\u9fff")
    phrase = f'"{word}"'
    hits = client.get("/", {"q": phrase, "format": "json"}).json()["count"]
    folded = client.get("/", {"q": phrase, "format": "json", "collapse": "1"}).json()
    assert 0 < folded["count"] < hits
    # The trend of the same phrase, folded, counts what the folded list counts (all the
    # generated articles are dated), and its shares are over the folded months.
    trend = client.get("/trends/", {"q": word, "format": "json", "collapse": "1"}).json()
    assert trend["series"][0]["articles"] == folded["count"]
    unfolded = client.get("/trends/", {"q": word, "format": "json"}).json()
    assert unfolded["series"][0]["articles"] == hits
    assert sum(trend["totals"]) < sum(unfolded["totals"])


def test_a_bad_collapse_value_is_a_400(client, imported):
    assert client.get("/?collapse=yes").status_code == 400


def test_an_article_as_json_lists_where_else_it_was_published(client, imported):
    public, _once = imported
    member = StoryMember.objects.filter(is_original=False, article__in=public).first()
    data = client.get(f"/article/{member.article_id}/?format=json").json()["article"]
    others = member.story.members.exclude(article_id=member.article_id)
    listed = data["also_published"]
    assert {a["id"] for a in listed} == set(
        others.filter(article__in=public).values_list("article_id", flat=True)
    )
    original = next(a for a in listed if a["original"])
    assert original["lag_days"] == 0 and original["source"]
    assert [a["id"] for a in listed] == sorted(
        (a["id"] for a in listed), key=lambda pk: others.get(article_id=pk).rank
    )
    alone = public.filter(story_member__isnull=True).first()
    if alone is not None:
        assert (
            client.get(f"/article/{alone.pk}/?format=json").json()["article"]["also_published"]
            == []
        )
