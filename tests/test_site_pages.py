"""The public site's pages, facets, pagination and formats (HTML, JSON, CSV, Atom)."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from test_site_data import *  # noqa: F403  (the archive_data and fresh_cache fixtures)
from test_site_data import make_article

from archive.models import Article, Region

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def html(response):
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def content(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- home list ------------------------------------------------------------------------


def test_home_lists_public_articles_newest_first(client, archive_data):
    page = html(client.get("/"))
    assert "莘县召开作风建设推进会议" in page
    assert "已隐藏的作风建设稿件" not in page
    assert "尚未审核的作风建设稿件" not in page
    titles = [r["title"] for r in client.get("/?format=json").json()["results"]]
    # Newest first; the undated article comes last.
    assert titles == [
        "莘县召开作风建设推进会议",
        "聊城市推進作風建設年活動",
        "济南优化营商环境",
        "日期不详的稿件",
    ]


def test_list_json_shape(client, archive_data):
    data = client.get("/?format=json").json()
    assert data["count"] == 4 and data["count_exact"] is True
    assert data["next"] is None
    first = data["results"][0]
    assert first["source"] == "聊城日报"
    assert first["url"] == archive_data["shen"].get_absolute_url()
    assert first["original_url"] == "https://example.org/shen.html"
    assert {f["param"] for f in data["facets"]} == {"region", "date", "source", "tag", "official"}


def test_json_by_accept_header(client, archive_data):
    response = client.get("/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["count"] == 4
    assert "Accept" in response["Vary"]
    # A browser's Accept header still gets HTML.
    browser = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser["Content-Type"].startswith("text/html")


def test_keyset_pagination_walks_every_article_once(client, db, gazetteer):
    for i in range(45):
        make_article(f"第{i}篇稿件", f"正文{i}", published=datetime.date(2022, 1, 1 + i % 28))
    make_article("无日期稿件甲", "正文甲")
    make_article("无日期稿件乙", "正文乙")
    seen, url, pages = [], "/?format=json", 0
    while url:
        data = client.get(url).json()
        assert data["count"] == 47
        seen += [r["id"] for r in data["results"]]
        url = data["next"]
        pages += 1
        assert pages < 10
    assert pages == 3
    expected = list(
        Article.objects.public().order_by("published", "pk").reverse().values_list("pk", flat=True)
    )
    # published DESC with NULLs last, then id DESC
    dated = [pk for pk in expected if Article.objects.get(pk=pk).published]
    undated = sorted(set(expected) - set(dated), reverse=True)
    dated = sorted(dated, key=lambda pk: (Article.objects.get(pk=pk).published, pk), reverse=True)
    assert seen == dated + undated
    assert "after=" in client.get("/?format=json").json()["next"]
    # The HTML page links to the next page too.
    assert 'rel="next"' in html(client.get("/"))


# --- facets ---------------------------------------------------------------------------


def facet(data, param):
    return {
        i["name"]: i["count"] for f in data["facets"] if f["param"] == param for i in f["items"]
    }


def test_region_facet_counts_drill_down(client, archive_data):
    top = client.get("/?format=json").json()
    # 山东: the 莘县 article (linked twice below 山东) counts once, plus 聊城 and 济南.
    assert facet(top, "region") == {"山东省": 3, "北京市": 1}
    shandong = client.get("/?format=json&region=370000").json()
    assert shandong["count"] == 3
    assert facet(shandong, "region") == {"聊城市": 2, "济南市": 1}
    liaocheng = client.get("/?format=json&region=371500").json()
    assert liaocheng["count"] == 2
    assert facet(liaocheng, "region") == {"莘县": 1}
    county = client.get("/?format=json&region=371522").json()
    assert [r["title"] for r in county["results"]] == ["莘县召开作风建设推进会议"]


def test_facets_for_source_tag_official_and_year(client, archive_data):
    data = client.get("/?format=json").json()
    assert facet(data, "source") == {"大众日报": 2, "聊城日报": 1}
    assert facet(data, "tag") == {"作风建设": 2, "招商引资": 1}
    # The hidden article's mention of 张三 does not count.
    assert facet(data, "official") == {"李四": 2, "张三": 1}
    assert facet(data, "date") == {"2022": 1, "2021": 1, "2020": 1}


def test_facets_combine(client, archive_data):
    d = archive_data
    data = client.get(f"/?format=json&region=370000&tag={d['tag'].pk}").json()
    assert data["count"] == 2
    data = client.get(
        f"/?format=json&region=370000&tag={d['tag'].pk}&source={d['dazhong'].pk}"
    ).json()
    assert [r["title"] for r in data["results"]] == ["聊城市推進作風建設年活動"]
    data = client.get(f"/?format=json&official={d['li'].pk}&from=2021-01-01").json()
    assert [r["title"] for r in data["results"]] == ["莘县召开作风建设推进会议"]
    data = client.get("/?format=json&from=2020-01-01&to=2021-12-31").json()
    assert data["count"] == 2
    data = client.get("/?format=json&date=2022-04-22").json()
    assert [r["title"] for r in data["results"]] == ["莘县召开作风建设推进会议"]


def test_active_facets_show_as_removable_chips(client, archive_data):
    d = archive_data
    page = html(client.get(f"/?region=371500&tag={d['tag'].pk}&q=作风"))
    assert 'class="chip"' in page
    assert "聊城市" in page and "作风建设" in page
    # Each chip's link drops exactly its own parameter.
    assert f'href="/?tag={d["tag"].pk}&amp;q=%E4%BD%9C%E9%A3%8E"' in page
    assert 'href="/?region=371500&amp;q=%E4%BD%9C%E9%A3%8E"' in page
    assert f'href="/?region=371500&amp;tag={d["tag"].pk}"' in page


def test_facet_links_are_shareable_urls(client, archive_data):
    data = client.get("/?format=json").json()
    shandong = next(
        i
        for f in data["facets"]
        if f["param"] == "region"
        for i in f["items"]
        if i["name"] == "山东省"
    )
    assert shandong["url"] == "/?region=370000"
    assert client.get(shandong["url"] + "&format=json").json()["count"] == 3


# --- CSV and Atom ---------------------------------------------------------------------


def test_csv_export_streams_every_row_with_bom(client, db, gazetteer, monkeypatch):
    from archive import formats

    monkeypatch.setattr(formats, "CSV_LINES_PER_CHUNK", 7)  # 60 rows: several chunks
    for i in range(60):
        make_article(f"稿件{i:02d}", f"正文{i}", published=datetime.date(2022, 5, 1))
    response = client.get("/?format=csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 9  # the header, then eight full chunks and the rest
    raw = b"".join(chunks)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "id", "published", "title", "subtitle", "source", "authors", "original_url", "page"
    ]  # fmt: skip
    assert len(rows) == 61
    # Newest first; on one date, the later article first.
    assert [r[2] for r in rows[1:]] == [f"稿件{i:02d}" for i in range(59, -1, -1)]
    assert all(r[7] == reverse("archive:article", args=[int(r[0])]) for r in rows[1:])
    assert client.get(rows[1][7]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_exports_are_planned_for_every_row_and_the_setting_ends_with_them(gazetteer):
    from django.db import connection

    from archive.formats import whole_result_plans

    if connection.vendor != "postgresql":
        pytest.skip("cursor_tuple_fraction is PostgreSQL's")

    def fraction():
        with connection.cursor() as cur:
            cur.execute("SHOW cursor_tuple_fraction")
            return float(cur.fetchone()[0])

    with whole_result_plans():
        assert fraction() == 1.0
    assert fraction() == 0.1


def test_csv_of_a_filtered_list(client, archive_data):
    rows = list(
        csv.reader(
            io.StringIO(content(client.get("/?format=csv&region=371500")).decode("utf-8-sig"))
        )
    )
    assert sorted(r[2] for r in rows[1:]) == sorted(
        ["莘县召开作风建设推进会议", "聊城市推進作風建設年活動"]
    )


def test_csv_neutralises_formulas(client, db, gazetteer):
    make_article(
        '=HYPERLINK("http://evil")', "正文", subtitle="+1", published=datetime.date(2022, 1, 2)
    )
    make_article("@SUM(A1)", "正文二", subtitle="-2")
    rows = list(csv.reader(io.StringIO(content(client.get("/?format=csv")).decode("utf-8-sig"))))
    cells = {c for r in rows[1:] for c in (r[2], r[3])}
    assert '\'=HYPERLINK("http://evil")' in cells
    assert {"'+1", "'@SUM(A1)", "'-2"} <= cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_atom_feed_of_the_current_list(client, archive_data):
    for url in ("/?format=atom", "/feed/"):
        response = client.get(url)
        assert response["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)
        titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
        assert titles[0] == "莘县召开作风建设推进会议"
        assert "已隐藏的作风建设稿件" not in titles
        assert len(titles) == 4
    root = ET.fromstring(client.get("/feed/?region=371522").content)
    assert len(root.findall(f"{ATOM}entry")) == 1
    region_feed = ET.fromstring(client.get("/region/371500/?format=atom").content)
    assert root.find(f"{ATOM}title") is not None
    assert len(region_feed.findall(f"{ATOM}entry")) == 2


# --- detail pages ---------------------------------------------------------------------


def test_article_page(client, archive_data):
    a = archive_data["shen"]
    page = html(client.get(a.get_absolute_url()))
    assert "<h1>莘县召开作风建设推进会议</h1>" in page
    assert "2022-04-22" in page and "聊城日报" in page
    # People and places in the body are linked.
    assert f'<a class="person" href="/person/{archive_data["zhang"].pk}/">张三</a>' in page
    assert '<a class="place" href="/region/371522/">莘县</a>' in page
    # Quotes with speakers, tags, the original URL and provenance.
    assert "要把作风建设抓实抓细" in page
    assert "— <a href" in page
    assert f'href="/tag/{archive_data["tag"].pk}/"' in page
    assert 'href="https://example.org/shen.html"' in page
    assert "fixtures/raw/000_seed.txt" in page and "120–480" in page


def test_article_json(client, archive_data):
    data = client.get(archive_data["shen"].get_absolute_url() + "?format=json").json()["article"]
    assert data["title"] == "莘县召开作风建设推进会议"
    assert data["quotes"] == [
        {
            "text": "要把作风建设抓实抓细",
            "speaker": "张三",
            "speaker_url": archive_data["zhang"].get_absolute_url(),
        }
    ]
    assert [r["code"] for r in data["regions"]] == ["371522", "371500"]
    assert data["regions"][0]["path"] == "山东省 › 聊城市 › 莘县"
    assert data["provenance"]["raw_file"] == "fixtures/raw/000_seed.txt"
    assert data["provenance"]["span"] == [120, 480]
    assert [t["name"] for t in data["tags"]] == ["作风建设"]


def test_hidden_and_unreviewed_articles_are_not_found(client, archive_data):
    for key in ("hidden", "new"):
        response = client.get(archive_data[key].get_absolute_url())
        assert response.status_code == 404
        assert "没有这篇文章" in response.content.decode()
    assert (
        client.get(archive_data["hidden"].get_absolute_url() + "?format=json").json()["status"]
        == 404
    )


def test_region_page(client, archive_data):
    page = html(client.get("/region/371500/"))
    assert '<a href="/region/370000/">山东省</a>' in page
    assert "<h1>聊城市</h1>" in page
    # Child regions with their article counts.
    assert '<a href="/region/371522/">莘县</a> <span class="count">1</span>' in page
    assert '<a href="/region/371502/">东昌府区</a> <span class="count">0</span>' in page
    # Officials seen there and the articles.
    assert f'href="/person/{archive_data["zhang"].pk}/"' in page
    assert "聊城市推進作風建設年活動" in page and "济南优化营商环境" not in page
    data = client.get("/region/371500/?format=json").json()
    assert data["region"]["path"] == "山东省 › 聊城市"
    assert data["count"] == 2
    assert [o["name"] for o in data["region"]["officials"]] == ["张三"]
    assert {c["name"]: c["count"] for c in data["region"]["children"]}["莘县"] == 1


def test_region_page_of_a_province_counts_descendants(client, archive_data):
    data = client.get("/region/370000/?format=json").json()
    assert data["count"] == 3
    children = {c["name"]: c["count"] for c in data["region"]["children"]}
    assert children["聊城市"] == 2 and children["济南市"] == 1 and children["青岛市"] == 0


def test_township_without_code_is_addressed_by_key(client, archive_data):
    county = Region.objects.get(code="371522")
    township = Region.objects.create(name="燕店镇", level=Region.Level.TOWNSHIP, parent=county)
    article = make_article("燕店镇修路", "燕店镇修路。", published=datetime.date(2022, 6, 1))
    article.articleregion_set.create(region=township, primary=True)
    page = html(client.get(f"/region/{township.pk}/"))
    assert "燕店镇修路" in page
    assert "莘县" in page
    # Its article counts for the county and the province above it.
    assert client.get("/region/371522/?format=json").json()["count"] == 2
    county_children = client.get("/region/371522/?format=json").json()["region"]["children"]
    assert county_children == [
        {
            "name": "燕店镇",
            "code": None,
            "level": "township",
            "url": f"/region/{township.pk}/",
            "count": 1,
        }
    ]


def test_person_page_is_a_career_timeline(client, archive_data):
    zhang = archive_data["zhang"]
    page = html(client.get(zhang.get_absolute_url()))
    assert page.index("聊城市副市长") < page.index("县委书记")
    assert "2019-01-05 – 2020-06-01" in page
    assert "要把作风建设抓实抓细" in page
    assert "隐藏文章里的话" not in page
    assert "已隐藏的作风建设稿件" not in page
    data = client.get(zhang.get_absolute_url() + "?format=json").json()
    assert [p["title"] for p in data["person"]["positions"]] == ["副市长", "县委书记"]
    assert [q["text"] for q in data["person"]["quotes"]] == ["要把作风建设抓实抓细"]
    assert [r["title"] for r in data["results"]] == ["莘县召开作风建设推进会议"]


def test_source_and_tag_pages(client, archive_data):
    d = archive_data
    page = html(client.get(d["dazhong"].get_absolute_url()))
    assert "<h1>大众日报</h1>" in page
    assert "济南优化营商环境" in page and "莘县召开作风建设推进会议" not in page
    data = client.get(d["tag"].get_absolute_url() + "?format=json").json()
    assert data["tag"]["name"] == "作风建设"
    assert sorted(r["title"] for r in data["results"]) == sorted(
        ["莘县召开作风建设推进会议", "聊城市推進作風建設年活動"]
    )
    # Facets still work on these pages.
    data = client.get(d["tag"].get_absolute_url() + "?format=json&region=371522").json()
    assert data["count"] == 1


# --- rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_and_head(client, archive_data, method):
    d = archive_data
    urls = [
        "/",
        "/feed/",
        d["shen"].get_absolute_url(),
        "/region/371500/",
        d["zhang"].get_absolute_url(),
        d["daily"].get_absolute_url(),
        d["tag"].get_absolute_url(),
        "/lang/en/",
    ]
    before = Article.objects.count()
    # As a real client meets them: with CSRF checks on, a POST still gets 405, not 403.
    strict = Client(enforce_csrf_checks=True)
    for url in urls:
        assert getattr(client, method)(url).status_code == 405, url
        assert getattr(strict, method)(url).status_code == 405, url
        assert client.head(url).status_code in (200, 302), url
    assert Article.objects.count() == before


XSS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>']


def test_user_text_is_escaped_everywhere(client, db, gazetteer):
    article = make_article(
        XSS[0] + "标题",
        "正文" + XSS[1] + "\n" + XSS[0],
        subtitle=XSS[1],
        published=datetime.date(2022, 3, 3),
        url='https://example.org/"><script>x</script>',
    )
    article.authors = [XSS[1]]
    article.save()
    for url in ("/", article.get_absolute_url(), "/?q=alert", "/?q=" + XSS[1]):
        page = html(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;" in page or "&quot;&gt;&lt;img" in page, url
    data = client.get(article.get_absolute_url() + "?format=json").json()["article"]
    assert data["title"] == XSS[0] + "标题"  # JSON keeps the text, served as JSON
    assert client.get("/?format=json")["Content-Type"].startswith("application/json")
    feed = client.get("/?format=atom").content.decode()
    assert "<script>" not in feed and "&lt;script&gt;" in feed
    rows = list(csv.reader(io.StringIO(content(client.get("/?format=csv")).decode("utf-8-sig"))))
    assert rows[1][2] == XSS[0] + "标题"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/?page=abc", 400),
        ("/?q=聊城&page=abc", 400),
        ("/?q=聊城&page=0", 400),
        ("/?q=聊城&page=100000", 400),
        ("/?date=2022-13-45", 400),
        ("/?from=yesterday", 400),
        ("/?to=2022-02-30", 400),
        ("/?after=garbage", 400),
        ("/?after=2022-13-45.5", 400),
        ("/?source=abc", 400),
        ("/?tag=-1", 400),
        ("/?official=99999999999999999999999", 400),
        ("/?format=xml", 400),
        ("/?region=999999", 404),
        ("/?region=" + "9" * 40, 400),
        ("/?region=<script>", 404),
        ("/?source=999999", 404),
        ("/?tag=999999", 404),
        ("/?official=999999", 404),
        ("/region/999999/", 404),
        ("/region/abc/", 404),
        ("/article/999999/", 404),
        ("/person/999999/", 404),
        ("/source/999999/", 404),
        ("/tag/999999/", 404),
        ("/no/such/page/", 404),
    ],
)
def test_bad_parameters_are_friendly(client, archive_data, url, status):
    response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert "<script>" not in body
    if url != "/no/such/page/":
        assert "回到首页" in body
        data = client.get(url, HTTP_ACCEPT="application/json").json()
        assert data["status"] == status and data["error"]


def test_publish_on_import_setting(client, gazetteer, settings):
    from pathlib import Path

    from django.core.management import call_command

    seeds = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
    settings.DIFANG_PUBLISH_ON_IMPORT = False
    call_command("import_raw", str(seeds / "004_a138ed16a2d7f8cc.txt"), stdout=io.StringIO())
    assert Article.objects.exists()
    assert client.get("/?format=json").json()["count"] == 0
    settings.DIFANG_PUBLISH_ON_IMPORT = True
    call_command("import_raw", str(seeds / "000_827381c3485d2fd9.txt"), stdout=io.StringIO())
    assert client.get("/?format=json").json()["count"] == Article.objects.public().count() > 0


# --- language -------------------------------------------------------------------------


def test_interface_in_chinese_by_default_and_english_on_request(client, archive_data):
    page = html(client.get("/"))
    assert "最新文章" in page and 'lang="zh-hans"' in page
    assert "/lang/en/?next=" in page
    response = client.get("/lang/en/?next=/region/371500/")
    assert response.status_code == 302 and response["Location"] == "/region/371500/"
    page = html(client.get("/"))
    assert "Latest articles" in page and 'lang="en"' in page
    assert "莘县召开作风建设推进会议" in page  # content stays as written
    assert "Search" in page
    client.get("/lang/zh-hans/")
    assert "最新文章" in html(client.get("/"))


def test_language_switch_never_redirects_off_site(client, db):
    assert client.get("/lang/en/?next=https://evil.example/")["Location"] == "/"
    assert client.get("/lang/xx/").status_code == 404


def test_static_files_are_served(client, db):
    page = html(client.get("/"))
    assert "/static/archive/site.css" in page
    response = client.get("/static/archive/site.css")
    assert response.status_code == 200
    assert b"font-family" in content(response)


def test_json_is_valid_utf8(client, archive_data):
    raw = client.get("/?format=json").content
    assert "莘县".encode() in raw
    json.loads(raw)
