"""The curation admin, driven through Django's test client on the five seed pages.

Every action a curator has is exercised the way a browser would: GET the page, read the
form it renders, POST it back. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    Mention,
    Person,
    Position,
    Quote,
    RawFile,
    Region,
    Source,
    Tag,
)

pytestmark = pytest.mark.django_db

RAW = Path(__file__).resolve().parent.parent / "fixtures" / "raw"
CHANGELIST = "/admin/archive/article/"

NEWS = """东阿县召开乡村振兴工作推进会

本报讯 记者李明报道 3月15日，东阿县召开乡村振兴工作推进会，总结去年工作，部署今年重点任务。

东阿县委书记赵志强表示，要坚持农业农村优先发展，扎实推进乡村振兴各项工作，确保取得实效。

会议要求，各乡镇要建立健全工作机制，充实工作力量，推动乡村振兴工作高质量发展。
"""


class FormReader(HTMLParser):
    """The fields a browser would submit from one <form> (id matching a regex), as pairs."""

    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id = form_id
        self.inside = form_id is None
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = re.fullmatch(self.form_id, a.get("id") or "") is not None
            return
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            text = text[1:] if text.startswith("\n") else text
            # browsers submit textarea line ends as CRLF
            self.fields.append((self._textarea, text.replace("\n", "\r\n")))
            self._textarea = None


def read_form(response, form_id: str | None = None) -> dict[str, list[str]]:
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return data


def single(data: dict[str, list[str]]) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


@pytest.fixture
def seeds(gazetteer):
    call_command("import_raw", str(RAW), stdout=io.StringIO(), stderr=io.StringIO())
    return Article.objects.count()


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=io.StringIO())


def user_in(group: str, name: str) -> User:
    user = User.objects.create_user(name, password="pw-" + name, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(roles):
    return user_in("Curators", "curator")


@pytest.fixture
def reader(roles):
    return user_in("Readers", "reader")


@pytest.fixture
def curator_client(curator):
    client = Client()
    client.force_login(curator)
    return client


def action(client, name, pks, url=CHANGELIST, **extra):
    data = {"action": name, "_selected_action": [str(pk) for pk in pks], "index": 0}
    data.update(extra)
    return client.post(url, data)


def county_with_articles() -> Region:
    link = (
        ArticleRegion.objects.filter(region__level=Region.Level.COUNTY, primary=True)
        .select_related("region")
        .order_by("region__code")
        .first()
    )
    return link.region


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(seeds):
    client = Client()
    article = Article.objects.first()
    urls = [
        "/admin/",
        CHANGELIST,
        f"{CHANGELIST}{article.pk}/change/",
        f"{CHANGELIST}{article.pk}/history/",
        f"{CHANGELIST}export/",
        f"{CHANGELIST}import/",
        "/admin/archive/person/",
        "/admin/archive/rawfile/upload/",
        f"/admin/archive/rawfile/{article.raw_file_id}/text/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    response = client.post(CHANGELIST, {"action": "mark_hidden", "_selected_action": [article.pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    article.refresh_from_db()
    assert article.review_status == Article.ReviewStatus.PUBLISHED


def test_non_staff_user_cannot_enter(seeds):
    user = User.objects.create_user("visitor", password="x")
    client = Client()
    client.force_login(user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_csrf_is_enforced_on_admin_posts(seeds, curator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    article = Article.objects.first()
    data = {"action": "mark_hidden", "_selected_action": [article.pk], "index": 0}
    assert client.post(CHANGELIST, data).status_code == 403
    article.refresh_from_db()
    assert article.review_status == Article.ReviewStatus.PUBLISHED
    # the same POST with the token from the page goes through
    page = client.get(CHANGELIST)
    token = read_form(page, "changelist-form")["csrfmiddlewaretoken"][0]
    response = client.post(CHANGELIST, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.review_status == Article.ReviewStatus.HIDDEN


def test_a_migrated_archive_has_both_roles_without_setup_roles(db):
    # The test database was made by a plain migrate; setup_roles has not run.
    perms = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert {"Curators", "Readers"} <= set(perms)
    assert {"change_article", "view_article", "delete_person", "add_rawfile"} <= perms["Curators"]
    assert "view_article" in perms["Readers"]
    assert all(c.startswith("view_") for c in perms["Readers"])
    assert perms["Readers"] < perms["Curators"]


def test_setup_roles_is_idempotent(db):
    out = io.StringIO()
    call_command("setup_roles", stdout=out)
    first = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    call_command("setup_roles", stdout=io.StringIO())
    again = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert first == again
    assert Group.objects.filter(name__in=["Curators", "Readers"]).count() == 2
    assert all(c.startswith("view_") for c in first["Readers"])
    assert {"change_article", "view_article", "delete_person", "add_rawfile"} <= first["Curators"]
    assert "change_article" not in first["Readers"]


def test_reader_can_view_but_not_change(seeds, reader):
    client = Client()
    client.force_login(reader)
    article = Article.objects.first()
    assert client.get(CHANGELIST).status_code == 200
    page = client.get(f"{CHANGELIST}{article.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    # no bulk actions offered, and posting one does nothing
    assert "mark_hidden" not in client.get(CHANGELIST).content.decode()
    action(client, "mark_hidden", [article.pk])
    # posting the change form is refused
    response = client.post(f"{CHANGELIST}{article.pk}/change/", {"title": "读者改的标题"})
    assert response.status_code == 403
    assert client.post(f"{CHANGELIST}{article.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/archive/rawfile/upload/").status_code == 403
    # nor import files (export is allowed: it only reads)
    assert client.get(f"{CHANGELIST}import/").status_code == 403
    upload = SimpleUploadedFile("a.csv", b"content_hash,title\nx,y\n")
    assert (
        client.post(f"{CHANGELIST}import/", {"import_file": upload, "format": "0"}).status_code
        == 403
    )
    assert client.get(f"{CHANGELIST}export/").status_code == 200
    article.refresh_from_db()
    assert article.review_status == Article.ReviewStatus.PUBLISHED
    assert article.title != "读者改的标题"


# --- the article list ---------------------------------------------------------------------


def test_changelist_columns_search_and_no_full_count(seeds, curator_client):
    with CaptureQueriesContext(connection) as queries:
        page = curator_client.get(CHANGELIST)
    html = page.content.decode()
    for column in (
        "column-title",
        "column-published",
        "column-source",
        "column-primary_region_list",
        "column-people_count",
        "column-review_status",
        "column-tag_list",
    ):
        assert column in html
    counts = [q["sql"] for q in queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert len(counts) <= 1  # the paginator's only; show_full_result_count is off
    # Chinese substring search in title and body
    title_hit = Article.objects.order_by("pk").first()
    needle = max(title_hit.title.split(), key=len)[1:5]
    found = curator_client.get(CHANGELIST, {"q": needle}).context["cl"].result_list
    assert title_hit in found
    assert all(needle in a.title or needle in a.body for a in found)
    body_needle = "施工人员"
    found = curator_client.get(CHANGELIST, {"q": body_needle}).context["cl"].result_list
    expected = set(Article.objects.filter(body__contains=body_needle).values_list("pk", flat=True))
    assert expected and {a.pk for a in found} == expected


def test_changelist_queries_do_not_grow_with_rows(seeds, curator_client):
    def list_queries(params):
        with CaptureQueriesContext(connection) as ctx:
            page = curator_client.get(CHANGELIST, params)
        # the date hierarchy probes one range per year with articles; the rest is fixed
        sql = [q["sql"] for q in ctx if '"published" IS NOT NULL' not in q["sql"]]
        sql = [q for q in sql if '"published" >= ' not in q]
        # on PostgreSQL the unfiltered list first asks the planner how big the table is
        sql = [q for q in sql if "pg_class" not in q]
        return len(page.context["cl"].result_list), len(sql)

    one = Article.objects.filter(articletag__isnull=False).first()
    rows_one, queries_one = list_queries({"q": one.content_hash})
    rows_all, queries_all = list_queries({})
    assert rows_one == 1 and rows_all == Article.objects.count() > 15
    # tags and primary regions are prefetched, people counted in the same query
    assert queries_all == queries_one


def test_region_filter_follows_the_hierarchy(seeds, curator_client):
    county = county_with_articles()
    prefecture = county.parent
    province = prefecture.parent if prefecture.level == Region.Level.PREFECTURE else prefecture
    top = curator_client.get(CHANGELIST)
    assert f"?region={province.code}" in top.content.decode()
    # choosing the province lists its prefectures; choosing one of them, its counties
    page = curator_client.get(CHANGELIST, {"region": province.code}).content.decode()
    assert f"region={prefecture.code}" in page
    page = curator_client.get(CHANGELIST, {"region": prefecture.code}).content.decode()
    assert f"region={county.code}" in page
    for region in (county, prefecture, province):
        shown = {
            a.pk
            for a in curator_client.get(CHANGELIST, {"region": region.code})
            .context["cl"]
            .result_list
        }
        below = Region.objects.filter(
            code__startswith=region.code[: {"province": 2, "prefecture": 4}.get(region.level, 6)]
        )
        expected = set(
            ArticleRegion.objects.filter(region__in=below).values_list("article_id", flat=True)
        ) | set(
            ArticleRegion.objects.filter(region__parent__in=below).values_list(
                "article_id", flat=True
            )
        )
        assert shown == expected, region
    county_articles = {
        a.pk
        for a in curator_client.get(CHANGELIST, {"region": county.code}).context["cl"].result_list
    }
    province_articles = {
        a.pk
        for a in curator_client.get(CHANGELIST, {"region": province.code}).context["cl"].result_list
    }
    assert county_articles and county_articles <= province_articles


def test_township_links_count_for_their_county(seeds, curator_client):
    township = Region.objects.filter(level=Region.Level.TOWNSHIP, articles__isnull=False).first()
    assert township is not None and township.code is None
    shown = (
        curator_client.get(CHANGELIST, {"region": township.parent.code}).context["cl"].result_list
    )
    assert set(township.articles.all()) <= set(shown)


def test_has_quotes_tag_and_status_filters(seeds, curator_client):
    with_quotes = set(Quote.objects.values_list("article_id", flat=True))
    shown = {
        a.pk
        for a in curator_client.get(CHANGELIST, {"has_quotes": "yes"}).context["cl"].result_list
    }
    assert shown == with_quotes
    shown = {
        a.pk for a in curator_client.get(CHANGELIST, {"has_quotes": "no"}).context["cl"].result_list
    }
    assert shown == set(Article.objects.exclude(pk__in=with_quotes).values_list("pk", flat=True))
    tag = Tag.objects.filter(articles__isnull=False).first()
    shown = {
        a.pk
        for a in curator_client.get(CHANGELIST, {"tags__id__exact": tag.pk})
        .context["cl"]
        .result_list
    }
    assert shown == set(tag.articles.values_list("pk", flat=True))
    shown = (
        curator_client.get(CHANGELIST, {"review_status__exact": "hidden"}).context["cl"].result_list
    )
    assert list(shown) == []


def test_review_queue_lowest_confidence_first(seeds, curator_client):
    Article.objects.update(review_status=Article.ReviewStatus.NEW)
    low = Article.objects.order_by("pk")[3]
    low.confidence = 0.05
    low.save()
    Article.objects.filter(pk=Article.objects.order_by("pk")[0].pk).update(
        review_status=Article.ReviewStatus.REVIEWED
    )
    shown = list(curator_client.get(CHANGELIST, {"queue": "new"}).context["cl"].result_list)
    assert shown[0] == low
    confidences = [a.confidence for a in shown]
    assert confidences == sorted(confidences)
    assert all(a.review_status == Article.ReviewStatus.NEW for a in shown)
    assert len(shown) == Article.objects.count() - 1


# --- the change page ----------------------------------------------------------------------


def test_change_page_highlights_people_quotes_places_and_shows_provenance(seeds, curator_client):
    article = Article.objects.filter(quotes__isnull=False, people__isnull=False).first()
    html = curator_client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    person = article.people.first()
    region = article.regions.exclude(level=Region.Level.TOWNSHIP).first()
    assert f'<mark class="hl hl-person" title="{person.name}">{person.name}</mark>' in html
    assert 'class="hl hl-quote"' in html
    assert 'class="hl hl-region"' in html and region.name in html
    raw = article.raw_file
    assert raw.path in html and raw.encoding in html
    assert f"{article.span_start} – {article.span_end}" in html
    text_url = f"/admin/archive/rawfile/{raw.pk}/text/?start={article.span_start}&amp;end={article.span_end}"
    assert text_url in html
    raw_text = curator_client.get(text_url.replace("&amp;", "&"))
    assert raw_text["Content-Type"].startswith("text/plain")
    assert article.title in raw_text.content.decode()


def test_highlighted_body_is_escaped(seeds, curator_client):
    article = Article.objects.filter(people__isnull=False).first()
    name = article.people.first().name
    article.body = f"<script>alert(1)</script>{name}说：“<b>好</b>”"
    article.save()
    html = curator_client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'<mark class="hl hl-person" title="{name}">{name}</mark>' in html


def test_saving_an_unedited_article_curates_nothing(seeds, curator_client):
    article = Article.objects.filter(quotes__isnull=False).first()
    quote = article.quotes.first()
    Quote.objects.filter(pk=quote.pk).update(text=quote.text + " ")  # as the parser may leave it
    url = f"{CHANGELIST}{article.pk}/change/"
    data = read_form(curator_client.get(url), "article_form")
    assert any("\r\n" in v for v in data["body"])  # a browser's line ends
    assert curator_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.curated_fields == []
    assert "\r" not in article.body
    assert Quote.objects.get(pk=quote.pk).text == quote.text + " "


def test_editing_in_the_form_records_curated_fields(seeds, curator_client):
    article = Article.objects.filter(articleregion__isnull=False).first()
    url = f"{CHANGELIST}{article.pk}/change/"
    data = read_form(curator_client.get(url), "article_form")
    data["title"] = ["馆员改过的标题"]
    data["_save"] = ["保存"]
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.title == "馆员改过的标题"
    assert article.curated_fields == ["title"]
    # deleting a region link in the inline marks the regions as curated
    data = read_form(curator_client.get(url), "article_form")
    data["articleregion_set-0-DELETE"] = ["on"]
    curator_client.post(url, data)
    article.refresh_from_db()
    assert set(article.curated_fields) == {"title", "regions"}
    # and the change is in the history, with who made it
    record = article.history.order_by("-history_date").first()
    assert record.history_user.username == "curator"


# --- bulk actions -------------------------------------------------------------------------


def test_bulk_status_actions(seeds, curator_client, curator):
    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:4])
    for name, status in [
        ("mark_reviewed", "reviewed"),
        ("mark_hidden", "hidden"),
        ("mark_new", "new"),
        ("mark_published", "published"),
    ]:
        response = action(curator_client, name, pks)
        assert response.status_code == 302
        assert set(Article.objects.filter(pk__in=pks).values_list("review_status", flat=True)) == {
            status
        }
    others = Article.objects.exclude(pk__in=pks)
    assert set(others.values_list("review_status", flat=True)) == {"published"}
    # each change is one history record per article, made by the curator
    article = Article.objects.get(pk=pks[0])
    statuses = [h.review_status for h in article.history.order_by("history_date")]
    assert statuses[-4:] == ["reviewed", "hidden", "new", "published"]
    assert article.history.latest().history_user == curator
    # hidden articles are not public
    action(curator_client, "mark_hidden", pks[:1])
    assert not Article.objects.public().filter(pk=pks[0]).exists()


def test_bulk_add_and_remove_tags(seeds, curator_client):
    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:3])
    action(curator_client, "add_tags", pks, tags="待核实，专题：营商环境")
    for name in ("待核实", "专题：营商环境"):
        tag = Tag.objects.get(name=name)
        assert tag.kind == Tag.Kind.CURATOR
        assert set(tag.articles.values_list("pk", flat=True)) == set(pks)
        assert all(
            link.confirmed and not link.machine for link in ArticleTag.objects.filter(tag=tag)
        )
    action(curator_client, "add_tags", pks, tags="待核实")  # twice: still one link each
    assert ArticleTag.objects.filter(tag__name="待核实").count() == 3
    action(curator_client, "remove_tags", pks[:2], tags="待核实")
    assert list(Tag.objects.get(name="待核实").articles.values_list("pk", flat=True)) == pks[2:]
    # no tag name: a warning, nothing changes
    before = ArticleTag.objects.count()
    response = action(curator_client, "add_tags", pks, tags="  ")
    assert ArticleTag.objects.count() == before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("标签" in m for m in messages)


def test_confirm_machine_tags(seeds, curator_client):
    article = Article.objects.filter(articletag__machine=True).first()
    assert ArticleTag.objects.filter(article=article, confirmed=False).exists()
    action(curator_client, "confirm_machine_tags", [article.pk])
    assert not ArticleTag.objects.filter(article=article, confirmed=False).exists()


def test_reextract_restores_machine_links_and_keeps_curated_fields(seeds, curator_client):
    article = (
        Article.objects.filter(quotes__isnull=False, articleregion__isnull=False).distinct().first()
    )
    regions = set(article.regions.values_list("pk", flat=True))
    people = set(article.people.values_list("pk", flat=True))
    quotes = set(article.quotes.values_list("start", "text"))
    machine_tags = set(
        ArticleTag.objects.filter(article=article, machine=True).values_list("tag__name", flat=True)
    )
    title, confidence = article.title, article.confidence
    # A curator changed the date and removed one place (recorded as curated) ...
    url = f"{CHANGELIST}{article.pk}/change/"
    data = read_form(curator_client.get(url), "article_form")
    data["published"] = ["2001-02-03"]
    data["articleregion_set-0-DELETE"] = ["on"]
    assert curator_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert set(article.curated_fields) == {"published", "regions"}
    kept_regions = set(article.regions.values_list("pk", flat=True))
    assert kept_regions < regions
    # ... added a tag of their own; meanwhile the machine data went stale.
    action(curator_client, "add_tags", [article.pk], tags="馆员标签")
    Article.objects.filter(pk=article.pk).update(title="乱码标题", confidence=0.0)
    Mention.objects.filter(article=article).delete()
    Quote.objects.filter(article=article).delete()
    stale = Tag.objects.create(name="过时机器标签")
    ArticleTag.objects.create(article=article, tag=stale, machine=True)

    response = action(curator_client, "reextract", [article.pk])
    assert response.status_code == 302
    article.refresh_from_db()
    # curated: untouched
    assert str(article.published) == "2001-02-03"
    assert set(article.regions.values_list("pk", flat=True)) == kept_regions
    assert ArticleTag.objects.filter(article=article, tag__name="馆员标签", confirmed=True).exists()
    # machine: extracted again from the raw file
    assert article.title == title
    assert article.confidence == confidence
    assert set(article.people.values_list("pk", flat=True)) == people
    assert set(article.quotes.values_list("start", "text")) == quotes
    now = set(
        ArticleTag.objects.filter(article=article, machine=True).values_list("tag__name", flat=True)
    )
    assert now == machine_tags
    assert not ArticleTag.objects.filter(article=article, tag=stale).exists()
    assert Person.objects.filter(pk__in=people).count() == len(people)  # no duplicate people


def test_reextract_of_a_curated_body_uses_the_curated_text(seeds, curator_client):
    article = Article.objects.filter(people__isnull=False).first()
    url = f"{CHANGELIST}{article.pk}/change/"
    data = read_form(curator_client.get(url), "article_form")
    data["body"] = ["淄博市委书记张三表示：“要把工作做实做细。”会议在张店区召开。"]
    data["title"] = ["张店区召开会议"]
    assert curator_client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert {"body", "title"} <= set(article.curated_fields)
    action(curator_client, "reextract", [article.pk])
    article.refresh_from_db()
    assert article.title == "张店区召开会议"
    assert article.body.startswith("淄博市委书记张三")
    assert "张店区" in set(article.regions.values_list("name", flat=True))
    assert "张三" in set(article.people.values_list("name", flat=True))
    for quote in article.quotes.all():
        assert (
            article.body[quote.start : quote.end].strip("“”") in quote.text
            or quote.text in article.body
        )


# --- people, sources, tags, regions -------------------------------------------------------


def test_merge_people_moves_everything_and_keeps_an_alias(seeds, curator_client):
    keep = Person.objects.filter(positions__isnull=False).first()
    other = Person.objects.filter(quotes__isnull=False).exclude(pk=keep.pk).first()
    quotes = set(Quote.objects.filter(person__in=[keep, other]).values_list("pk", flat=True))
    mentions = set(
        Mention.objects.filter(person__in=[keep, other]).values_list("article_id", flat=True)
    )
    positions = set(
        Position.objects.filter(person__in=[keep, other]).values_list("title", "organization")
    )
    url = "/admin/archive/person/"
    # the first POST asks which one to keep and changes nothing
    page = action(curator_client, "merge", [keep.pk, other.pk], url=url)
    assert page.status_code == 200
    assert Person.objects.filter(pk=other.pk).exists()
    data = read_form(page, "merge-form")
    data["keep"] = [str(keep.pk)]
    response = curator_client.post(url, data)
    assert response.status_code == 302
    assert not Person.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert other.name in keep.aliases or other.name == keep.name
    assert set(keep.quotes.values_list("pk", flat=True)) == quotes
    assert set(Mention.objects.filter(person=keep).values_list("article_id", flat=True)) == mentions
    assert set(keep.positions.values_list("title", "organization")) == positions
    # the person's page lists the articles and the quotes
    html = curator_client.get(f"{url}{keep.pk}/change/").content.decode()
    article = Article.objects.get(pk=next(iter(mentions)))
    assert article.title in html
    assert Quote.objects.get(pk=next(iter(quotes))).text[:10] in html


def test_merge_people_with_the_same_position_and_article(db):
    from archive import curation

    article = Article.objects.create(title="t", body="b", content_hash="h1")
    a = Person.objects.create(name="王建国", normalized_name="王建国")
    b = Person.objects.create(name="王建國", normalized_name="王建国", aliases=["老王"])
    pa = Position.objects.create(
        person=a, title="副主席", organization="市政协", first_seen="2024-03-01"
    )
    pb = Position.objects.create(
        person=b, title="副主席", organization="市政协", last_seen="2024-05-01"
    )
    Mention.objects.create(article=article, person=a)
    Mention.objects.create(article=article, person=b, position=pb)
    curation.merge_people(a, b)
    a.refresh_from_db()
    assert a.aliases == ["王建國", "老王"]
    assert list(a.positions.all()) == [pa]
    pa.refresh_from_db()
    assert (str(pa.first_seen), str(pa.last_seen)) == ("2024-03-01", "2024-05-01")
    assert Mention.objects.get(article=article).position == pa
    with pytest.raises(ValueError):
        curation.merge_people(a, a)


def test_merge_sources_and_tags(seeds, curator_client):
    keep = Source.objects.create(name="聊城日报")
    dup = Source.objects.create(name="聊城日报社", aliases=["聊城晚报"])
    moved = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:2])
    Article.objects.filter(pk__in=moved).update(source=dup)
    page = action(curator_client, "merge", [keep.pk, dup.pk], url="/admin/archive/source/")
    data = read_form(page, "merge-form")
    data["keep"] = [str(keep.pk)]
    curator_client.post("/admin/archive/source/", data)
    keep.refresh_from_db()
    assert not Source.objects.filter(pk=dup.pk).exists()
    assert set(keep.articles.values_list("pk", flat=True)) == set(moved)
    assert keep.aliases == ["聊城日报社", "聊城晚报"]

    t1 = Tag.objects.create(name="合并测试甲", kind=Tag.Kind.CAMPAIGN)
    t2 = Tag.objects.create(name="合并测试乙", kind=Tag.Kind.TOPIC)
    ArticleTag.objects.create(article_id=moved[0], tag=t1, machine=True)
    ArticleTag.objects.create(article_id=moved[0], tag=t2, confirmed=True)
    ArticleTag.objects.create(article_id=moved[1], tag=t2, machine=True)
    page = action(curator_client, "merge", [t1.pk, t2.pk], url="/admin/archive/tag/")
    data = read_form(page, "merge-form")
    data["keep"] = [str(t1.pk)]
    curator_client.post("/admin/archive/tag/", data)
    assert not Tag.objects.filter(pk=t2.pk).exists()
    links = {
        a: c for a, c in ArticleTag.objects.filter(tag=t1).values_list("article_id", "confirmed")
    }
    assert links == {moved[0]: True, moved[1]: False}


def test_rename_source_keeps_the_old_name_and_tag_kind_edit(seeds, curator_client):
    source = Source.objects.first()
    old = source.name
    url = f"/admin/archive/source/{source.pk}/change/"
    data = read_form(curator_client.get(url), "source_form")
    data["name"] = ["新名称日报"]
    assert curator_client.post(url, data).status_code == 302
    source.refresh_from_db()
    assert source.name == "新名称日报" and old in source.aliases
    tag = Tag.objects.filter(kind=Tag.Kind.TOPIC).first()
    url = f"/admin/archive/tag/{tag.pk}/change/"
    data = read_form(curator_client.get(url), "tag_form")
    data["kind"] = ["curator"]
    curator_client.post(url, data)
    tag.refresh_from_db()
    assert tag.kind == Tag.Kind.CURATOR


def test_confirm_machine_tag_in_articletag_list(seeds, curator_client):
    link = ArticleTag.objects.filter(machine=True, confirmed=False).first()
    action(curator_client, "confirm", [link.pk], url="/admin/archive/articletag/")
    link.refresh_from_db()
    assert link.confirmed


def test_region_admin_browses_the_hierarchy_with_counts(seeds, curator_client):
    url = "/admin/archive/region/"
    provinces = curator_client.get(url, {"within": "top"}).context["cl"].result_list
    assert {r.level for r in provinces} == {"province"} and len(provinces) == 34
    county = county_with_articles()
    children = list(curator_client.get(url, {"within": county.parent.pk}).context["cl"].result_list)
    assert county in children
    row = next(r for r in children if r.pk == county.pk)
    assert row.article_count == ArticleRegion.objects.filter(region=county).count() > 0
    parent_row = next(
        r
        for r in curator_client.get(url, {"within": county.parent.parent_id or "top"})
        .context["cl"]
        .result_list
        if r.pk == county.parent.pk
    )
    assert parent_row.child_count == county.parent.children.count()


# --- raw files ----------------------------------------------------------------------------


def test_rawfile_list_and_reimport(seeds, curator_client):
    page = curator_client.get("/admin/archive/rawfile/")
    rows = {r.pk: r for r in page.context["cl"].result_list}
    raw = RawFile.objects.first()
    assert rows[raw.pk].article_count == raw.occurrence_set.count() > 0
    # a file that failed (here: its articles were never written) is imported again
    broken = RawFile.objects.create(
        sha256=hashlib.sha256(NEWS.encode()).hexdigest(),
        path="late.txt",
        size=len(NEWS.encode()),
        content=RawFile.compress(NEWS.encode()),
        status=RawFile.Status.FAILED,
        error="late.txt: could not be written to the database",
    )
    html = curator_client.get("/admin/archive/rawfile/").content.decode()
    assert "could not be written" in html
    action(curator_client, "reimport", [broken.pk, raw.pk], url="/admin/archive/rawfile/")
    broken.refresh_from_db()
    assert broken.status == RawFile.Status.IMPORTED and broken.error == ""
    assert Article.objects.filter(title__contains="东阿县召开乡村振兴").count() == 1
    before = Article.objects.count()
    action(curator_client, "reimport", [broken.pk, raw.pk], url="/admin/archive/rawfile/")
    assert Article.objects.count() == before  # re-importing twice changes nothing


def test_upload_runs_the_import_pipeline(seeds, curator_client):
    url = "/admin/archive/rawfile/upload/"
    assert "上传原始文件" in curator_client.get("/admin/archive/rawfile/").content.decode()
    upload = SimpleUploadedFile("donge.txt", NEWS.encode("gb18030"), "text/plain")
    response = curator_client.post(url, {"files": upload, "source": "聊城日报"})
    assert response.status_code == 302
    raw = RawFile.objects.get(path="donge.txt")
    assert raw.status == RawFile.Status.IMPORTED and raw.encoding.lower() in ("gb18030", "gbk")
    article = Article.objects.get(raw_file=raw)
    assert article.source.name == "聊城日报"
    assert article.regions.filter(name="东阿县").exists()
    # the same bytes again: unchanged, no duplicates
    upload = SimpleUploadedFile("again.txt", NEWS.encode("gb18030"), "text/plain")
    curator_client.post(url, {"files": upload})
    assert Article.objects.filter(title=article.title).count() == 1
    # an unreadable file is kept as failed, with its error shown
    png = SimpleUploadedFile("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    page = curator_client.post(url, {"files": png})
    assert page.status_code == 200
    failed = RawFile.objects.get(path="photo.txt")
    assert failed.status == RawFile.Status.FAILED and failed.error
    assert "failed" in page.content.decode()


def test_upload_over_the_size_limit_is_refused_clearly(seeds, curator_client, settings):
    settings.DIFANG_MAX_UPLOAD_BYTES = 100
    before = RawFile.objects.count()
    upload = SimpleUploadedFile("big.txt", NEWS.encode(), "text/plain")
    page = curator_client.post("/admin/archive/rawfile/upload/", {"files": upload})
    assert page.status_code == 200
    html = page.content.decode()
    assert "文件太大" in html and "big.txt" in html and "DIFANG_MAX_UPLOAD_BYTES" in html
    assert RawFile.objects.count() == before


# --- import / export ----------------------------------------------------------------------


def export(client, query: dict, fmt: str = "CSV", **extra) -> bytes:
    url = f"{CHANGELIST}export/"
    page = client.get(url, query)
    form = read_form(page)
    formats = {
        label.upper(): value for value, label in page.context["form"].fields["format"].choices
    }
    form["format"] = [formats[fmt]]
    form.pop("csrfmiddlewaretoken", None)
    for key, value in extra.items():
        form[key] = [value]
    response = client.post(url + "?" + "&".join(f"{k}={v}" for k, v in query.items()), form)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return response.content


def test_export_contains_exactly_the_filtered_rows(seeds, curator_client):
    county = county_with_articles()
    data = export(curator_client, {"region": county.code})
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    shown = curator_client.get(CHANGELIST, {"region": county.code}).context["cl"].result_list
    assert {r["content_hash"] for r in rows} == {a.content_hash for a in shown}
    assert 0 < len(rows) < Article.objects.count()
    row = rows[0]
    article = Article.objects.get(content_hash=row["content_hash"])
    assert row["regions"].split("|") == [r.code or "" for r in article.regions.all()]
    assert set(filter(None, row["people"].split("|"))) == set(
        article.people.values_list("name", flat=True)
    )
    assert set(filter(None, row["tags"].split("|"))) == set(
        article.tags.values_list("name", flat=True)
    )
    assert row["source"] == (article.source.name if article.source else "")


def test_export_published_only_json_and_xlsx(seeds, curator_client):
    hidden = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:5])
    Article.objects.filter(pk__in=hidden).update(review_status="hidden")
    everything = json.loads(export(curator_client, {}, "JSON"))
    assert len(everything) == Article.objects.count()
    published = json.loads(export(curator_client, {}, "JSON", published_only="on"))
    assert len(published) == Article.objects.count() - 5
    assert {r["review_status"] for r in published} == {"published"}
    xlsx = export(curator_client, {}, "XLSX")
    assert xlsx[:2] == b"PK"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet.max_row == Article.objects.count() + 1


def test_export_selected_rows_by_action(seeds, curator_client):
    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:3])
    page = action(curator_client, "export_admin_action", pks)
    assert page.status_code == 200
    form = read_form(page)
    form.pop("csrfmiddlewaretoken", None)
    formats = {
        label.upper(): value for value, label in page.context["form"].fields["format"].choices
    }
    form["format"] = [formats["CSV"]]
    response = curator_client.post(f"{CHANGELIST}export/", form)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["content_hash"] for r in rows} == set(
        Article.objects.filter(pk__in=pks).values_list("content_hash", flat=True)
    )


def import_file(client, model: str, name: str, content: bytes):
    url = f"/admin/archive/{model}/import/"
    page = client.get(url)
    formats = {
        label.upper(): value for value, label in page.context["form"].fields["format"].choices
    }
    upload = SimpleUploadedFile(name, content)
    fmt = formats[name.rsplit(".", 1)[1].upper()]
    return client.post(url, {"import_file": upload, "format": fmt, "resource": "0"})


def confirm_import(client, model: str, preview):
    data = single(read_form(preview, None))
    keys = ("import_file_name", "original_file_name", "format", "resource")
    data = {k: data[k] for k in keys if k in data}
    return client.post(f"/admin/archive/{model}/process_import/", data)


def test_article_import_dry_run_creates_nothing_then_updates_by_content_hash(seeds, curator_client):
    exported = export(curator_client, {}, "CSV")
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    # one changed row, one new row without a hash (it is computed from title and body)
    rows[0]["title"] = "导入时改过的标题"
    rows[0]["review_status"] = "reviewed"
    new = dict(rows[1])
    new.update(
        content_hash="",
        title="东阿县召开乡村振兴工作推进会",
        body=NEWS.split("\n", 2)[2],
        tags="导入标签",
    )
    Tag.objects.create(name="导入标签", kind=Tag.Kind.CURATOR)
    rows.append(new)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
    content = buffer.getvalue().encode("utf-8")
    count = Article.objects.count()
    history = Article.history.count()

    preview = import_file(curator_client, "article", "articles.csv", content)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "导入时改过的标题" in html  # shown in the preview ...
    assert Article.objects.count() == count  # ... but nothing written
    assert not Article.objects.filter(title="导入时改过的标题").exists()
    assert Article.history.count() == history

    done = confirm_import(curator_client, "article", preview)
    assert done.status_code == 302
    assert Article.objects.count() == count + 1
    changed = Article.objects.get(content_hash=rows[0]["content_hash"])
    assert changed.title == "导入时改过的标题" and changed.review_status == "reviewed"
    added = Article.objects.get(title="东阿县召开乡村振兴工作推进会")
    assert added.search_text and list(added.tags.values_list("name", flat=True)) == ["导入标签"]

    # the same file again: no duplicates
    preview = import_file(curator_client, "article", "articles.csv", content)
    confirm_import(curator_client, "article", preview)
    assert Article.objects.count() == count + 1


@pytest.mark.parametrize(
    ("model", "key", "rows"),
    [
        (
            "source",
            "name",
            "name,kind,homepage,region,aliases\n半岛都市报,metro,,370200,半岛\n新来源,daily,,,\n",
        ),
        ("tag", "name", "name,kind\n新标签,campaign\n"),
    ],
)
def test_import_sources_and_tags_by_natural_key(seeds, curator_client, model, key, rows):
    Model = {"source": Source, "tag": Tag}[model]
    Model.objects.get_or_create(**{key: rows.splitlines()[1].split(",")[0]})
    count = Model.objects.count()
    preview = import_file(curator_client, model, f"{model}.csv", rows.encode())
    assert Model.objects.count() == count
    confirm_import(curator_client, model, preview)
    added = len(rows.strip().splitlines()) - 2
    assert Model.objects.count() == count + added
    preview = import_file(curator_client, model, f"{model}.csv", rows.encode())
    confirm_import(curator_client, model, preview)
    assert Model.objects.count() == count + added
    if model == "source":
        source = Source.objects.get(name="半岛都市报")
        assert (
            source.kind == "metro" and source.region.code == "370200" and source.aliases == ["半岛"]
        )


def test_people_export(seeds, curator_client):
    url = "/admin/archive/person/export/"
    page = curator_client.get(url)
    form = read_form(page)
    form.pop("csrfmiddlewaretoken", None)
    formats = {
        label.upper(): value for value, label in page.context["form"].fields["format"].choices
    }
    form["format"] = [formats["CSV"]]
    rows = list(
        csv.DictReader(io.StringIO(curator_client.post(url, form).content.decode("utf-8-sig")))
    )
    assert len(rows) == Person.objects.count()
    person = Person.objects.filter(positions__isnull=False).first()
    row = next(r for r in rows if r["id"] == str(person.pk))
    assert person.positions.first().title in row["positions"]


# --- history ------------------------------------------------------------------------------


def test_history_is_viewable_and_revertible_with_who_and_when(seeds, curator_client):
    article = Article.objects.first()
    original = article.title
    url = f"{CHANGELIST}{article.pk}/change/"
    data = read_form(curator_client.get(url), "article_form")
    data["title"] = ["改坏了的标题"]
    curator_client.post(url, data)
    history = curator_client.get(f"{CHANGELIST}{article.pk}/history/").content.decode()
    assert "curator" in history and "改坏了的标题" not in original
    first = article.history.order_by("history_date").first()
    revert_url = f"{CHANGELIST}{article.pk}/history/{first.history_id}/"
    page = curator_client.get(revert_url)
    assert page.status_code == 200
    data = read_form(page, r"\w+_form")
    assert data["title"] == [original]
    assert curator_client.post(revert_url, data).status_code == 302
    article.refresh_from_db()
    assert article.title == original
    latest = article.history.latest()
    assert latest.history_user.username == "curator" and latest.history_date


@pytest.mark.parametrize("model", ["person", "source", "tag", "region", "position", "quote"])
def test_history_pages_exist_for_curated_models(seeds, curator_client, model):
    obj = {
        "person": Person,
        "source": Source,
        "tag": Tag,
        "region": Region,
        "position": Position,
        "quote": Quote,
    }[model].objects.first()
    response = curator_client.get(reverse(f"admin:archive_{model}_history", args=[obj.pk]))
    assert response.status_code == 200


def test_date_hierarchy_queries_match_djangos(seeds, curator_client):
    from archive.admin.articles import IndexedDatesQuerySet

    Article.objects.filter(pk=Article.objects.order_by("pk").first().pk).update(
        published="2019-12-31"
    )
    Article.objects.filter(pk=Article.objects.order_by("pk")[1].pk).update(published="2020-01-01")
    fast = IndexedDatesQuerySet(model=Article)
    for qs_fast, qs_slow in [
        (fast, Article.objects.all()),
        (fast.filter(review_status="published"), Article.objects.filter(review_status="published")),
        (fast.filter(published__year=2023), Article.objects.filter(published__year=2023)),
        (fast.none(), Article.objects.none()),
    ]:
        for kind in ("year", "month", "day"):
            assert list(qs_fast.dates("published", kind)) == list(qs_slow.dates("published", kind))
            assert list(qs_fast.dates("published", kind, "DESC")) == list(
                qs_slow.dates("published", kind, "DESC")
            )
        from django.db.models import Max, Min

        assert qs_fast.aggregate(
            first=Min("published"), last=Max("published")
        ) == qs_slow.aggregate(first=Min("published"), last=Max("published"))
    # the hierarchy links on the page: every year that has articles, and drilling down
    page = curator_client.get(CHANGELIST).content.decode()
    for day in Article.objects.dates("published", "year"):
        assert f"published__year={day.year}" in page
    page = curator_client.get(CHANGELIST, {"published__year": 2019}).content.decode()
    assert "published__month=12" in page


def test_people_count_column_and_sorting_by_it(seeds, curator_client):
    expected = {a.pk: a.people.count() for a in Article.objects.all()}
    shown = curator_client.get(CHANGELIST).context["cl"].result_list
    assert {a.pk: a.people_count for a in shown} == expected
    columns = curator_client.get(CHANGELIST).context["cl"].list_display
    assert columns[0] == "action_checkbox"
    column = columns.index("people_count")
    for order, descending in ((f"{column}", False), (f"-{column}", True)):
        shown = list(curator_client.get(CHANGELIST, {"o": order}).context["cl"].result_list)
        counts = [a.people_count for a in shown]
        assert counts == sorted(counts, reverse=descending) and counts == [
            expected[a.pk] for a in shown
        ]


def test_large_table_paginator_estimates_only_unfiltered_postgres_lists(seeds, settings):
    from archive.admin.articles import LargeTablePaginator

    everything = Article.objects.all()
    assert LargeTablePaginator(everything, 50).count == Article.objects.count()
    filtered = Article.objects.filter(review_status="published")
    assert LargeTablePaginator(filtered, 50).count == filtered.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE archive_article")
        LargeTablePaginator.ESTIMATE_FROM = 1
        try:
            estimate = LargeTablePaginator(everything, 50).count
            assert abs(estimate - Article.objects.count()) <= 2
            assert LargeTablePaginator(filtered, 50).count == filtered.count()
        finally:
            LargeTablePaginator.ESTIMATE_FROM = 50_000
