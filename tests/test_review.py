"""Curating the parse through the admin (test client): split, merge, un-discard,
boilerplate, title pick, people, quotes, places, reverting a fix, re-extraction and
re-import keeping the curator's work, the review queue and a curator's day.
Run on SQLite and on PostgreSQL; the seed pages are the suite's own fixtures."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from archive import curation, importer
from archive.models import (
    Article,
    ArticleRegion,
    ContentHashAlias,
    Correction,
    Mention,
    Occurrence,
    Person,
    Quote,
    RawFile,
)
from archive.review_cuts import paragraphs

pytestmark = pytest.mark.django_db

RAW = Path(__file__).resolve().parent.parent / "fixtures" / "raw"


@pytest.fixture
def seeds(gazetteer):
    call_command("import_raw", str(RAW), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def curator(db):
    call_command("setup_roles", stdout=io.StringIO())
    user = User.objects.create_user("curator", password="pw-curator", is_staff=True)
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def client(curator):
    client = Client()
    client.force_login(curator)
    return client


def fix(client, op, pk, **data):
    """POST one fix the way its button does; returns the page it redirects to."""
    data.setdefault("next", "/admin/")
    response = client.post(reverse("admin:archive_review_fix", args=[op, pk]), data)
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    return page.content.decode()


def file_of(name_part: str) -> RawFile:
    return RawFile.objects.get(path__contains=name_part)


def articles_of(raw: RawFile) -> list[Article]:
    spans = Occurrence.objects.filter(raw_file=raw).order_by("span_start")
    return [o.article for o in spans.select_related("article")]


def long_article() -> Article:
    """A seed article with many paragraphs and people."""
    return max(
        Article.objects.exclude(raw_file=None),
        key=lambda a: (len(paragraphs(a.body)) >= 6, a.people.count(), len(a.body)),
    )


def reasons(article: Article) -> list[str]:
    return [h.history_change_reason or "" for h in article.history.all()]


def test_review_page_shows_cuts_discarded_pieces_and_articles(seeds, client):
    raw = file_of("000_")
    page = client.get(reverse("admin:archive_review_file", args=[raw.pk])).content.decode()
    for article in articles_of(raw):
        assert f"《{article.title}》" in page
        assert f'id="article-{article.pk}"' in page
    for piece in raw.discarded:
        assert f"舍弃：{piece['reason']}" in page
    assert page.count('class="fix fix-split"') > 10
    assert 'name="piece"' in page


def test_split_makes_two_articles_with_their_spans_and_entities(seeds, client, curator):
    article = long_article()
    before = paragraphs(article.body)
    start, end = article.span_start, article.span_end
    n = Article.objects.count()
    fix(client, "split", article.pk, index=3)
    assert Article.objects.count() == n + 1
    article.refresh_from_db()
    second = Article.objects.get(pk=Correction.objects.get().created[0])
    assert paragraphs(article.body) == before[:3]
    rest = before[3:]
    assert second.title in rest[0] and rest[-1] in second.body
    # provenance: the file's span is cut in two where paragraph 4 opens
    assert article.span_start == start and article.span_end == second.span_start
    assert second.span_end == end and start < second.span_start < end
    raw_text = client.get(reverse("admin:archive_rawfile_text", args=[article.raw_file_id]))
    text = raw_text.content.decode()
    assert text[second.span_start :].startswith(rest[0][:10])
    assert Occurrence.objects.get(article=second).span_start == second.span_start
    assert Occurrence.objects.get(article=article, raw_file=article.raw_file).span_end == (
        second.span_start
    )
    # entities re-extracted in each part's own text
    for part in (article, second):
        for quote in part.quotes.all():
            assert part.body[quote.start : quote.end] == quote.text
        assert part.search_text
    assert {"body"} <= set(article.curated_fields) and {"title", "body"} <= set(
        second.curated_fields
    )
    correction = Correction.objects.get()
    assert correction.kind == "split" and correction.user == curator
    assert any("拆分" in r for r in reasons(article))


def test_split_survives_reextraction_and_reimport(seeds, client):
    article = long_article()
    fix(client, "split", article.pk, index=2)
    second = Article.objects.get(pk=Correction.objects.get().created[0])
    first_body, second_body = Article.objects.get(pk=article.pk).body, second.body
    n = Article.objects.count()
    curation.reextract(Article.objects.filter(pk__in=[article.pk, second.pk]))
    assert importer.reimport(article.raw_file) == "imported"
    assert Article.objects.count() == n  # the parser's unsplit article did not come back
    assert Article.objects.get(pk=article.pk).body == first_body
    assert Article.objects.get(pk=second.pk).body == second_body


def test_merge_joins_the_next_article_and_reimport_does_not_bring_it_back(seeds, client):
    raw = file_of("001_")
    first, second = articles_of(raw)[1:3]
    n = Article.objects.count()
    fix(client, "merge", first.pk)
    assert Article.objects.count() == n - 1
    assert not Article.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert second.title in paragraphs(first.body)
    assert paragraphs(second.body)[-1] in first.body
    assert first.span_end == second.span_end
    spans = sorted(Occurrence.objects.filter(article=first).values_list("span_start", flat=True))
    assert spans == [first.span_start, second.span_start]
    assert ContentHashAlias.objects.get(content_hash=second.content_hash).article_id == first.pk
    importer.reimport(raw)
    curation.reextract(Article.objects.filter(pk=first.pk))
    assert Article.objects.count() == n - 1
    assert Occurrence.objects.filter(raw_file=raw).count() == len(articles_of(raw))


def test_revert_of_a_merge_brings_the_second_article_back_as_it_was(seeds, client):
    raw = file_of("001_")
    first, second = articles_of(raw)[0:2]
    people = set(second.people.values_list("name", flat=True))
    quotes = list(second.quotes.values_list("text", "speaker_name"))
    body = first.body
    fix(client, "merge", first.pk)
    correction = Correction.objects.get()
    fix(client, "revert", correction.pk)
    restored = Article.objects.get(pk=second.pk)
    assert restored.title == second.title and restored.body == second.body
    assert set(restored.people.values_list("name", flat=True)) == people
    assert list(restored.quotes.values_list("text", "speaker_name")) == quotes
    assert Article.objects.get(pk=first.pk).body == body
    assert not ContentHashAlias.objects.exists()
    correction.refresh_from_db()
    assert correction.reverted_at is not None
    assert any("撤销" in r for r in reasons(restored))


def test_revert_of_a_split_deletes_the_new_article(seeds, client):
    article = long_article()
    body, span_end = article.body, article.span_end
    n = Article.objects.count()
    fix(client, "split", article.pk, index=2)
    page = fix(client, "revert", Correction.objects.get().pk)
    assert "已撤销" in page
    assert Article.objects.count() == n
    article.refresh_from_db()
    assert article.body == body and article.span_end == span_end
    assert "body" not in article.curated_fields


def test_a_later_fix_must_be_undone_first(seeds, client):
    article = long_article()
    fix(client, "split", article.pk, index=2)
    fix(client, "title", article.pk, line=paragraphs(article.body)[1][:20])
    split_fix = Correction.objects.get(kind="split")
    page = fix(client, "revert", split_fix.pk)
    assert "未能修改" in page and "undo the later fix first" in page
    assert Correction.objects.get(pk=split_fix.pk).reverted_at is None


def test_undiscard_puts_a_piece_back_where_it_stood(seeds, client):
    raw = file_of("000_")
    pieces = list(raw.discarded)
    piece = pieces[0]
    at = piece["span"][0]
    host = [a for a in articles_of(raw) if a.span_start <= at][-1]
    fix(client, "undiscard", raw.pk, piece=0)
    host.refresh_from_db()
    raw.refresh_from_db()
    assert piece["text"].strip() in paragraphs(host.body)
    assert raw.discarded == pieces[1:]
    assert raw.discarded_chars == sum(p["chars"] for p in pieces[1:])
    assert "body" in host.curated_fields
    importer.reimport(raw)
    raw.refresh_from_db()
    assert raw.discarded == pieces[1:]


def test_boilerplate_paragraph_leaves_the_body_for_the_discarded_list(seeds, client):
    article = long_article()
    paras = paragraphs(article.body)
    fix(client, "boilerplate", article.pk, index=1)
    article.refresh_from_db()
    assert paragraphs(article.body) == paras[:1] + paras[2:]
    raw = article.raw_file
    raw.refresh_from_db()
    piece = next(p for p in raw.discarded if p["reason"] == "curator: boilerplate")
    assert piece["text"] == paras[1] and piece["chars"] == len(paras[1])
    assert article.span_start <= piece["span"][0] < article.span_end


def test_title_pick_takes_a_body_line_and_survives_reextraction(seeds, client):
    article = long_article()
    old = article.title
    line = paragraphs(article.body)[0]
    fix(client, "title", article.pk, line=line)
    article.refresh_from_db()
    assert article.title == line and line not in paragraphs(article.body)
    assert {"title", "body"} <= set(article.curated_fields)
    curation.reextract(Article.objects.filter(pk=article.pk))
    importer.reimport(article.raw_file)
    article.refresh_from_db()
    assert article.title == line
    assert not Article.objects.filter(title=old).exists()
    assert any("标题" in r for r in reasons(article))


def person_mention() -> Mention:
    return Mention.objects.filter(position__isnull=False).select_related("person").first()


def test_change_page_panel_lists_people_quotes_places_and_no_json(seeds, client):
    article = Article.objects.filter(quotes__isnull=False).distinct().first()
    page = client.get(reverse("admin:archive_article_change", args=[article.pk])).content.decode()
    assert 'id="review-panel"' in page
    for mention in article.mention_set.select_related("person"):
        assert f'id="mention-{mention.pk}"' in page
    for quote in article.quotes.all():
        assert f'id="quote-{quote.pk}"' in page
    # authors are names typed one a line; curated_fields is shown, not typed
    authors = re.search(r'<textarea name="authors"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "[" not in authors and '"' not in authors
    assert 'name="curated_fields"' not in page


def test_authors_are_typed_as_names(seeds, client):
    from tests.test_admin import read_form, single

    article = Article.objects.first()
    url = reverse("admin:archive_article_change", args=[article.pk])
    data = single(read_form(client.get(url), "article_form"))
    data["authors"] = "王小明\n李华、张三"
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.authors == ["王小明", "李华", "张三"]
    assert "authors" in article.curated_fields
    assert article.reviewed_at is None


def test_reviewed_in_the_form_or_by_the_bulk_action_is_gold(seeds, client, curator):
    from tests.test_admin import read_form, single

    article, other = Article.objects.order_by("pk")[:2]
    url = reverse("admin:archive_article_change", args=[article.pk])
    data = single(read_form(client.get(url), "article_form"))
    data["review_status"] = "reviewed"
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.reviewed_at is not None and article.reviewed_by == curator
    curation.set_status(Article.objects.filter(pk=other.pk), "reviewed", user=curator)
    other.refresh_from_db()
    assert other.reviewed_at is not None and other.reviewed_by == curator


def test_person_confirm_and_reject_in_place(seeds, client):
    mention = person_mention()
    article, person = mention.article, mention.person
    fix(client, "person", article.pk, mention=mention.pk, verdict="confirm")
    person.refresh_from_db()
    assert person.curation == Person.Curation.CONFIRMED
    assert person.name in [k.name for k in importer.known_officials().officials]
    other = Mention.objects.filter(article=article).exclude(pk=mention.pk).first()
    quotes = list(Quote.objects.filter(article=article, person=other.person))
    fix(client, "person", article.pk, mention=other.pk, verdict="reject")
    assert other.person.__class__.objects.get(pk=other.person_id).curation == "rejected"
    assert not Mention.objects.filter(pk=other.pk).exists()
    for quote in quotes:
        quote.refresh_from_db()
        assert quote.person is None and quote.speaker_name == ""
    curation.reextract(Article.objects.filter(pk=article.pk))
    assert not Mention.objects.filter(article=article, person_id=other.person_id).exists()
    assert Mention.objects.filter(article=article, person=person).exists()


def test_title_chain_edit(seeds, client):
    mention = person_mention()
    fix(
        client,
        "position",
        mention.article_id,
        mention=mention.pk,
        title="副县长",
        organization="某县",
    )
    mention.refresh_from_db()
    assert (mention.position.title, mention.position.organization) == ("副县长", "某县")
    curation.reextract(Article.objects.filter(pk=mention.article_id))
    mention.refresh_from_db()
    assert mention.position.title == "副县长"


def test_speaker_change_and_new_quote_survive_reextraction(seeds, client):
    quote = Quote.objects.exclude(speaker_name="").select_related("article").first()
    article = quote.article
    other = (
        Mention.objects.filter(article=article)
        .exclude(person__name=quote.speaker_name)
        .select_related("person")
        .first()
    )
    fix(client, "speaker", article.pk, quote=quote.pk, speaker=other.person.name)
    quote.refresh_from_db()
    assert quote.speaker_name == other.person.name and quote.person_id == other.person_id
    # a quotation the parser missed, selected in the body (with its quotation marks)
    body = article.body
    taken = {(q.start, q.end) for q in article.quotes.all()}
    start = next(
        i for i in range(len(body) - 20) if not any(s <= i < e for s, e in taken) and i > 10
    )
    fix(client, "quote", article.pk, start=start, end=start + 15, speaker="王小明")
    new = Quote.objects.get(article=article, start=start)
    assert new.text == body[start : start + 15].strip() and new.speaker_name == "王小明"
    assert Mention.objects.filter(article=article, person__name="王小明").exists()
    curation.reextract(Article.objects.filter(pk=article.pk))
    quote.refresh_from_db()
    assert quote.speaker_name == other.person.name
    assert Quote.objects.filter(article=article, start=start, speaker_name="王小明").exists()
    assert any("说话人" in (h.history_change_reason or "") for h in quote.history.all())


def test_place_primary_and_mention(seeds, client):
    link = ArticleRegion.objects.filter(primary=False).select_related("region").first()
    fix(client, "place", link.article_id, link=link.pk, role="primary")
    link.refresh_from_db()
    assert link.primary
    curation.reextract(Article.objects.filter(pk=link.article_id))
    assert ArticleRegion.objects.get(article_id=link.article_id, region=link.region).primary
    fix(client, "place", link.article_id, link=link.pk, role="mention")
    assert not ArticleRegion.objects.get(pk=link.pk).primary


def test_bad_fixes_are_refused_with_a_message(seeds, client):
    article = Article.objects.first()
    page = fix(client, "split", article.pk, index=0)
    assert "未能修改" in page
    page = fix(client, "split", article.pk, index="x")
    assert "未能修改" in page
    last = articles_of(file_of("004_"))[-1]
    assert "last article of its file" in fix(client, "merge", last.pk)
    assert (
        client.get(reverse("admin:archive_review_fix", args=["split", article.pk])).status_code
        == 405
    )
    assert not Correction.objects.exists()


def test_reader_cannot_fix(seeds, curator):
    reader = User.objects.create_user("reader", password="pw", is_staff=True)
    reader.groups.add(Group.objects.get(name="Readers"))
    client = Client()
    client.force_login(reader)
    article = long_article()
    url = reverse("admin:archive_review_fix", args=["split", article.pk])
    assert client.post(url, {"index": 2}).status_code == 403
    assert (
        client.get(reverse("admin:archive_review_file", args=[article.raw_file_id])).status_code
        == 200
    )


def test_review_queue_orders_by_need_with_counts(seeds, client):
    Article.objects.update(review_status="new")
    undated = Article.objects.order_by("pk")[3]
    Article.objects.filter(pk=undated.pk).update(published=None, confidence=0.3)
    page = client.get(reverse("admin:archive_review_queue")).content.decode()
    rows = re.findall(r"/admin/archive/article/(\d+)/change/", page)
    assert rows[0] == str(undated.pk)
    assert "无日期" in page and "抽取置信度低" in page
    low = Article.objects.filter(confidence__lt=0.6).count()
    assert re.search(rf"抽取置信度低</span> {low}\b", page)


def test_admin_index_shows_the_curators_day(seeds, client):
    article = long_article()
    fix(client, "reviewed", article.pk)
    fix(client, "split", article.pk, index=2)
    page = client.get("/admin/").content.decode()
    assert re.search(r'class="n-reviewed">1<', page)
    assert re.search(r'class="n-corrected">1<', page)


def test_a_split_and_a_merge_keep_the_speakers_a_curator_gave(seeds, client):
    article = max(
        Article.objects.filter(quotes__isnull=False).distinct(),
        key=lambda a: (a.quotes.count(), len(paragraphs(a.body))),
    )
    quotes = list(article.quotes.order_by("start"))
    last = quotes[-1]
    fix(client, "speaker", article.pk, quote=last.pk, speaker="王小明")
    at = next(i for i, p in enumerate(paragraphs(article.body)) if last.text[:8] in p)
    assert at >= 1, "the quote is not in the first paragraph"
    fix(client, "split", article.pk, index=at)
    second = Article.objects.get(pk=Correction.objects.get(kind="split").created[0])
    holder = second if last.text in second.body else Article.objects.get(pk=article.pk)
    kept = Quote.objects.get(article=holder, text=last.text)
    assert kept.speaker_name == "王小明"
    assert holder.body[kept.start : kept.end] == kept.text
    assert "quotes" in Article.objects.get(pk=holder.pk).curated_fields
    fix(client, "merge", article.pk)
    merged = Article.objects.get(pk=article.pk)
    kept = Quote.objects.get(article=merged, text=last.text)
    assert kept.speaker_name == "王小明"
    assert merged.body[kept.start : kept.end] == kept.text
