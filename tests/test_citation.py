"""Citations on article pages (issue #22): citation_* meta tags as Zotero reads them,
schema.org NewsArticle JSON-LD (processed by pyld, a JSON-LD library), and the "cite
this" block in GB/T 7714-2015 and APA with the permanent URL."""

import datetime
import json

import lxml.html
import pytest
from pyld import jsonld
from test_site_data import *  # noqa: F403  (the archive_data fixture)

from archive.models import Article
from archive.templatetags.citation import apa, gbt7714

pytestmark = pytest.mark.django_db
SCHEMA = "http://schema.org/"
# Offline stand-in for the remote context https://schema.org (whose core is this @vocab);
# pyld does the expansion itself, so the test reads the page as any JSON-LD consumer does.
SCHEMA_CONTEXT = {"@context": {"@vocab": SCHEMA, "schema": SCHEMA}}


def offline_loader(url, options=None):
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": SCHEMA_CONTEXT,
        }
    raise jsonld.JsonLdError("no network in tests", "loading document failed", {"url": url})


def page_of(client, article):
    article.authors = ["王小明", "陈红"]
    article.save()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def meta(doc, name):
    return [m.get("content") for m in doc.xpath(f"//head/meta[@name='{name}']")]


def test_citation_meta_tags_name_title_authors_date_and_source(client, archive_data):
    doc = page_of(client, archive_data["shen"])
    assert meta(doc, "citation_title") == ["莘县召开作风建设推进会议"]
    assert meta(doc, "citation_author") == ["王小明", "陈红"]
    assert meta(doc, "citation_publication_date") == ["2022/04/22"]
    assert meta(doc, "citation_journal_title") == ["聊城日报"]
    pk = archive_data["shen"].pk
    assert meta(doc, "citation_public_url") == [f"http://testserver/article/{pk}/"]


def test_json_ld_is_a_news_article_with_places_and_original(client, archive_data):
    doc = page_of(client, archive_data["shen"])
    blocks = doc.xpath("//script[@type='application/ld+json']")
    assert len(blocks) == 1
    expanded = jsonld.expand(json.loads(blocks[0].text), {"documentLoader": offline_loader})
    (node,) = [n for n in expanded if SCHEMA + "NewsArticle" in n.get("@type", [])]

    def values(n, prop):
        return [v.get("@value", v.get("@id")) for v in n.get(SCHEMA + prop, [])]

    pk = archive_data["shen"].pk
    assert node["@id"] == f"http://testserver/article/{pk}/"
    assert values(node, "headline") == ["莘县召开作风建设推进会议"]
    assert values(node, "datePublished") == ["2022-04-22"]
    authors = node[SCHEMA + "author"]
    assert [values(a, "name")[0] for a in authors] == ["王小明", "陈红"]
    assert all(a["@type"] == [SCHEMA + "Person"] for a in authors)
    (publisher,) = node[SCHEMA + "publisher"]
    assert values(publisher, "name") == ["聊城日报"]
    places = node[SCHEMA + "contentLocation"]
    names = [values(p, "name")[0] for p in places]
    codes = [values(p[SCHEMA + "identifier"][0], "value")[0] for p in places]
    assert names == ["莘县", "聊城市"] and codes == ["371522", "371500"]
    assert values(node, "isBasedOn") == ["https://example.org/shen.html"]


def test_the_page_has_no_inline_script_but_its_json_ld(client, archive_data):
    doc = page_of(client, archive_data["shen"])
    scripts = doc.xpath("//script")
    assert scripts and all(s.get("type") == "application/ld+json" for s in scripts)


def test_json_ld_cannot_close_its_script(client, archive_data):
    article = archive_data["shen"]
    article.title = "标题</script><script>alert(1)</script>"
    article.save()
    response = client.get(article.get_absolute_url())
    text = response.content.decode()
    block = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["headline"] == article.title


def test_cite_this_block_gives_gbt7714_and_apa_with_the_permanent_url(client, archive_data):
    doc = page_of(client, archive_data["shen"])
    pk = archive_data["shen"].pk
    url = f"http://testserver/article/{pk}/"
    texts = [p.text_content() for p in doc.xpath("//section[@class='cite']//p[@class='citation']")]
    today = datetime.date.today().isoformat()
    assert texts == [
        f"王小明, 陈红. 莘县召开作风建设推进会议[N/OL]. 聊城日报, 2022-04-22 [{today}]. {url}.",
        f"王小明, & 陈红. (2022, April 22). 莘县召开作风建设推进会议. 聊城日报. {url}",
    ]


def test_citations_without_author_date_or_source():
    accessed = datetime.date(2026, 12, 1)
    url = "https://difang.example.org/article/7/"
    fields = {"authors": [], "title": "日期不详的稿件", "source": "", "published": None, "url": url}
    assert gbt7714(**fields, accessed=accessed) == f"日期不详的稿件[N/OL]. [2026-12-01]. {url}."
    assert apa(**fields) == f"日期不详的稿件. (n.d.). {url}"
    many = {**fields, "authors": ["甲一", "乙二", "丙三", "丁四"], "source": "某某日报"}
    assert gbt7714(**many, accessed=accessed).startswith("甲一, 乙二, 丙三, 等. ")
    assert apa(**many).startswith("甲一, 乙二, 丙三, & 丁四. (n.d.). ")


def test_hidden_articles_have_no_citation_page(client, archive_data):
    assert client.get(archive_data["hidden"].get_absolute_url()).status_code == 404
    assert Article.objects.filter(pk=archive_data["hidden"].pk).exists()
