"""Reprint clustering at import (issue 21), on both databases: stories across two import
runs, re-import and re-extraction, collapse on plain querysets, a source's relations, the
network exports and the query plan of the candidate lookup.

Articles are the generated corpus of tests/reprint_corpus.py, written as JSON records
(one file per appearance) and imported by the real `import_raw`.
"""

from __future__ import annotations

import io
import itertools
import json
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from reprint_corpus import make_corpus

from archive.models import Article, ReprintBand, ReprintSignature, Story, StoryMember
from archive.reprints import core, store

pytestmark = pytest.mark.django_db


def write_docs(folder, docs):
    folder.mkdir(parents=True, exist_ok=True)
    for d in docs:
        record = {
            "title": d.title,
            "content": d.body,
            "source": d.outlet,
            "date": d.published.isoformat(),
        }
        (folder / f"{d.key:04d}.json").write_text(json.dumps(record, ensure_ascii=False))
    return folder


def import_raw(*paths):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_raw", *[str(p) for p in paths], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def article_of(doc) -> Article:
    """The article a generated appearance became, found by its file: an exact copy of
    another (e.g. only turned traditional, or punctuation the parser repairs) is that one
    article, with one more occurrence."""
    return Article.objects.get(occurrence__raw_file__path__endswith=f"{doc.key:04d}.json")


def distinct(docs) -> int:
    return len({article_of(d).pk for d in docs})


def clusters() -> set[frozenset[int]]:
    by: dict[int, set[int]] = defaultdict(set)
    for article_id, story_id in StoryMember.objects.values_list("article_id", "story_id"):
        by[story_id].add(article_id)
    return {frozenset(v) for v in by.values()}


def expected_clusters(docs) -> set[frozenset[int]]:
    """The stories at the threshold: groups of imported articles joined by chains of exact
    Jaccard similarity at or above it (computed for every pair), each within one
    generated story."""
    bodies = dict(Article.objects.values_list("pk", "body"))
    grams = {pk: core.shingles(body) for pk, body in bodies.items()}
    parent = {pk: pk for pk in bodies}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in itertools.combinations(sorted(bodies), 2):
        if grams[a] and grams[b] and core.jaccard(grams[a], grams[b]) >= core.THRESHOLD:
            parent[find(b)] = find(a)
    by: dict[int, set[int]] = defaultdict(set)
    for pk in bodies:
        by[find(pk)].add(pk)
    groups = {frozenset(v) for v in by.values() if len(v) > 1}
    story_of = {article_of(d).pk: d.story for d in docs}
    assert all(len({story_of[pk] for pk in g}) == 1 for g in groups)
    return groups


@pytest.fixture(scope="module")
def corpus():
    return make_corpus(24, seed=5, seeds=False)


def test_reprints_imported_in_two_runs_form_the_generated_stories(tmp_path, corpus):
    half = len(corpus) // 2
    import_raw(write_docs(tmp_path / "first", corpus[:half]))
    import_raw(write_docs(tmp_path / "second", corpus[half:]))
    assert Article.objects.count() == distinct(corpus) < len(corpus)
    assert clusters() == expected_clusters(corpus)
    for story in Story.objects.all():
        members = list(story.members.select_related("article").order_by("rank"))
        first = members[0].article
        assert story.original_id == first.pk and members[0].is_original
        assert story.size == len(members)
        assert all(m.article.published >= first.published for m in members)
        assert [m.lag_days for m in members] == [
            (m.article.published - first.published).days for m in members
        ]
        assert sum(m.is_original for m in members) == 1


def test_reimport_and_reextraction_keep_stories(tmp_path, corpus):
    folder = write_docs(tmp_path / "all", corpus)
    import_raw(folder)
    before = (clusters(), ReprintBand.objects.count(), ReprintSignature.objects.count())
    import_raw(folder)
    assert (clusters(), ReprintBand.objects.count(), ReprintSignature.objects.count()) == before
    from archive.importer import reextract

    member = StoryMember.objects.filter(is_original=False).select_related("article").first()
    reextract(member.article)
    assert clusters() == before[0]


def test_an_exact_copy_stays_one_article(tmp_path, corpus):
    doc = corpus[0]
    write_docs(tmp_path / "a", [doc])
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "copy.json").write_text(
        (tmp_path / "a" / f"{doc.key:04d}.json").read_text() + "\n"
    )
    import_raw(tmp_path / "a", tmp_path / "b")
    assert Article.objects.count() == 1
    assert StoryMember.objects.count() == 0


def test_a_new_article_joining_two_stories_merges_them(tmp_path):
    # A (paragraphs 1-6) and B (paragraphs 5-10) share too little; C (1-10) is close to both.
    import random

    from reprint_corpus import invented_story

    rng = random.Random(3)
    _, ps = invented_story(rng, "民生")
    while len(ps) < 10:
        ps = ps + invented_story(rng, "招商")[1]
    ps = ps[:10]
    a, b, c = "\n".join(ps[:7]), "\n".join(ps[3:]), "\n".join(ps)
    sa, sb, sc = (core.shingles(x) for x in (a, b, c))
    assert core.jaccard(sa, sb) < core.THRESHOLD <= min(core.jaccard(sa, sc), core.jaccard(sb, sc))
    docs = []
    for i, (title, body, day) in enumerate(
        [("甲", a, "2024-03-01"), ("乙", b, "2024-03-02"), ("丙", c, "2024-03-05")]
    ):
        record = {"title": f"{title}稿", "content": body, "source": f"{title}报", "date": day}
        docs.append(record)
        (tmp_path / f"{i}.json").write_text(json.dumps(record, ensure_ascii=False))
        import_raw(tmp_path / f"{i}.json")
        if i == 1:
            assert Story.objects.count() == 0
    assert Story.objects.count() == 1
    story = Story.objects.get()
    assert story.size == 3 and story.original.title == "甲稿"


def test_collapse_keeps_each_storys_earliest_member_and_counts_its_reprints(tmp_path, corpus):
    import_raw(write_docs(tmp_path / "all", corpus))
    everything = Article.objects.all()
    collapsed = store.with_reprint_counts(store.collapse(everything))
    expected = Article.objects.filter(story_member__isnull=True).count() + Story.objects.count()
    assert collapsed.count() == expected
    for article in collapsed.filter(story_member__isnull=False):
        assert article.story_member.is_original
        assert article.reprints == article.story_member.story.size - 1
    assert store.collapse(everything, within=False).count() == expected
    # Within one outlet's articles, its earliest member of each story stays.
    outlet = StoryMember.objects.filter(is_original=False).first().article.source
    mine = Article.objects.filter(source=outlet)
    kept = store.collapse(mine)
    assert set(kept) == set(mine)  # one outlet runs a story once
    assert store.collapse(mine, within=False).count() < mine.count()


def test_source_relations_and_the_network_exports(client, tmp_path, corpus):
    import_raw(write_docs(tmp_path / "all", corpus))
    member = StoryMember.objects.filter(is_original=False).select_related("article").first()
    reprinter, original = member.article.source, member.story.original.source
    relations = store.source_relations(reprinter.pk)
    assert any(r["source_id"] == original.pk for r in relations["reprints"])
    assert any(
        r["source_id"] == reprinter.pk for r in store.source_relations(original.pk)["reprinted_by"]
    )
    data = client.get("/reprints/?format=json").json()
    assert data["nodes"] and data["edges"]
    total = sum(e["shared_stories"] for e in data["edges"])
    assert total >= Story.objects.count()
    csv_text = client.get("/reprints/network.csv").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("source,target,source_name")
    assert len(lines) == len(data["edges"]) + 1
    gexf = client.get("/reprints/network.gexf")
    assert gexf["Content-Type"].startswith("application/gexf+xml")
    root = ET.fromstring(gexf.content)
    ns = {"g": "http://gexf.net/1.3"}
    assert len(root.findall(".//g:node", ns)) == len(data["nodes"])
    assert len(root.findall(".//g:edge", ns)) == len(data["edges"])
    page = client.get(member.article.get_absolute_url()).content.decode()
    assert "also-published" in page and original.name in page
    source_page = client.get(reprinter.get_absolute_url()).content.decode()
    assert "reprint-relations" in source_page and original.name in source_page


def test_the_candidate_lookup_uses_the_band_index(tmp_path, corpus):
    import_raw(write_docs(tmp_path / "all", corpus))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE archive_reprintband")
            cursor.execute("SET enable_seqscan = off")  # a table this small is read whole
    sig = core.signature(corpus[0].body)
    plan = store.explain_candidates(sig.band_keys())
    assert "reprint_band_key_idx" in plan, plan
    assert "Seq Scan" not in plan and "SCAN archive_reprint" not in plan, plan
    assert "archive_reprintsignature_pkey" in plan or "SEARCH archive_reprintsignature" in plan


def test_backfill_clusters_an_archive_imported_without_clustering(tmp_path, corpus, settings):
    settings.DIFANG_CLUSTER_REPRINTS = False
    import_raw(write_docs(tmp_path / "all", corpus))
    assert ReprintSignature.objects.count() == 0
    err = io.StringIO()
    call_command("cluster_reprints", "--limit", "10", stdout=io.StringIO(), stderr=err)
    assert ReprintSignature.objects.count() == 10
    call_command("cluster_reprints", stdout=io.StringIO(), stderr=err)
    assert ReprintSignature.objects.count() == distinct(corpus)
    assert clusters() == expected_clusters(corpus)
    call_command("cluster_reprints", stdout=io.StringIO(), stderr=err)
    assert clusters() == expected_clusters(corpus)


def stored_stories() -> tuple[set, set]:
    """Every member's place (by its story's original, as ids differ between runs) and
    every story's original, size and first date."""
    members = {
        (pk, original, rank, is_original, lag, round(similarity or 0, 9))
        for pk, original, rank, is_original, lag, similarity in StoryMember.objects.values_list(
            "article_id", "story__original_id", "rank", "is_original", "lag_days", "similarity"
        )
    }
    return members, set(Story.objects.values_list("original_id", "size", "first_published"))


def test_articles_clustered_in_one_batch_end_as_clustered_one_at_a_time(tmp_path, corpus, settings):
    # The importer clusters a file's new articles together (one lookup, joins worked out in
    # memory, one write): over the whole corpus at once (stories founded, grown, reordered
    # and merged within the batch) that must end as article after article does.
    settings.DIFANG_CLUSTER_REPRINTS = False
    import_raw(write_docs(tmp_path / "all", corpus))
    articles = list(Article.objects.order_by("pk"))
    with transaction.atomic():
        joined = [store.cluster_article(article) is not None for article in articles]
    one_at_a_time = stored_stories()
    for model in (StoryMember, Story, ReprintBand, ReprintSignature):
        model.objects.all().delete()

    with transaction.atomic():
        found = store.cluster_articles(articles)

    assert stored_stories() == one_at_a_time
    assert clusters() == expected_clusters(corpus)
    assert [story is not None for story in found] == joined


def test_a_batch_that_founds_two_stories_and_then_bridges_them_merges_them(tmp_path, settings):
    # A and B (as in the test above) each with a reprint, then C, close to both: one at a
    # time, A' founds a story with A, B' one with B, and C merges them; in one batch the
    # two stories exist only in memory and in new rows when C arrives.
    import random

    from reprint_corpus import invented_story

    rng = random.Random(3)
    _, ps = invented_story(rng, "民生")
    while len(ps) < 10:
        ps = ps + invented_story(rng, "招商")[1]
    a, b, c = "\n".join(ps[:7]), "\n".join(ps[3:10]), "\n".join(ps[:10])
    bodies = [a, a + "\n（本报记者整理）", b, b + "\n（来源：县融媒体中心）", c]
    settings.DIFANG_CLUSTER_REPRINTS = False
    for i, body in enumerate(bodies):
        day = f"2024-03-{i + 1:02d}"
        record = {"title": f"第{i}稿", "content": body, "source": f"{i}报", "date": day}
        (tmp_path / f"{i}.json").write_text(json.dumps(record, ensure_ascii=False))
    import_raw(tmp_path)
    articles = list(Article.objects.order_by("pk"))
    assert len(articles) == 5
    with transaction.atomic():
        for n, article in enumerate(articles):
            store.cluster_article(article)
            if n == 3:
                assert Story.objects.count() == 2
    one_at_a_time = stored_stories()
    for model in (StoryMember, Story, ReprintBand, ReprintSignature):
        model.objects.all().delete()

    with transaction.atomic():
        store.cluster_articles(articles)

    assert stored_stories() == one_at_a_time
    story = Story.objects.get()
    assert story.size == 5 and story.original.title == "第0稿"
    assert list(story.members.order_by("rank").values_list("article__title", flat=True)) == [
        f"第{i}稿" for i in range(5)
    ]


def test_a_curator_splits_a_member_out_and_merges_stories_back_with_history(
    admin_client, tmp_path, corpus
):
    import_raw(write_docs(tmp_path / "all", corpus))
    story = Story.objects.filter(size__gte=3).first()
    page = admin_client.get(f"/admin/archive/story/{story.pk}/change/").content.decode()
    for member in story.members.select_related("article"):
        assert member.article.title in page
    moved = story.members.exclude(is_original=True).first()
    response = admin_client.post(
        "/admin/archive/storymember/",
        {"action": "split_out", "_selected_action": [moved.pk], "index": 0},
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.story_id != story.pk and moved.is_original and moved.lag_days == 0
    story.refresh_from_db()
    assert story.curated and story.size == story.members.count()
    # The move is in the member's history, with the curator who made it.
    history = list(moved.history.order_by("history_date"))
    assert history[-1].story_id == moved.story_id and history[-1].history_user is not None
    response = admin_client.post(
        "/admin/archive/story/",
        {"action": "merge_stories", "_selected_action": [story.pk, moved.story_id], "index": 0},
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    story.refresh_from_db()
    assert moved.story_id == story.pk and not moved.is_original
    assert story.size == story.members.count() >= 3
    assert Story.history.filter(id=story.pk).exists()


def test_a_story_a_curator_split_is_not_merged_again_by_the_next_import(tmp_path, corpus):
    from archive.reprints import curation

    docs = sorted(corpus, key=lambda d: d.key)
    story_docs = {}
    for d in docs:
        story_docs.setdefault(d.story, []).append(d)
    big = next(v for v in story_docs.values() if len(v) >= 4)
    import_raw(write_docs(tmp_path / "one", big[:-1]))
    story = Story.objects.get()
    curation.split(story.members.exclude(is_original=True)[:1])
    before = clusters()
    import_raw(write_docs(tmp_path / "two", big[-1:]))
    after = clusters()
    # The new reprint joined one of the two stories; the two stayed apart.
    assert len(after) == len(before) == 2
