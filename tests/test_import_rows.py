"""An importer's search and facet rows on PostgreSQL (issue 18, migration 0019).

The importer writes a file's articles and links with the rows' triggers at rest
(``difang.defer_rows``, local to its transaction) and then each new article's search row
and facet row once. The rows must be exactly those the triggers would have written, and
the setting must not outlive the file: an edit right after, in the same transaction (a
test's), is kept by the triggers again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from test_facet_rows import expected, stored

from archive.extraction.pipeline import parse
from archive.importer import import_file
from archive.models import Article, ArticleTag, Tag
from archive.search.postgres_schema import PG_TABLE

RAW = Path(__file__).resolve().parent.parent / "fixtures" / "raw"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search and facet rows are PostgreSQL's"
)


def search_rows() -> dict[int, tuple]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT article_id, published, public, search_vector::text, filter_keys "
            f"FROM {PG_TABLE}"
        )
        return {r[0]: tuple(r[1:]) for r in cur.fetchall()}


def search_rows_from_scratch() -> dict[int, tuple]:
    """What the search rows should hold, computed from the article and link tables."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, published, review_status = 'published', "
            "to_tsvector('simple'::regconfig, coalesce(search_text, ''))::text, "
            "archive_article_filter_keys(id) FROM archive_article"
        )
        return {r[0]: tuple(r[1:]) for r in cur.fetchall()}


def deferred() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('difang.defer_rows', true)")
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_imported_rows_equal_rows_made_from_the_tables_and_edits_keep_them(gazetteer):
    for path in sorted(RAW.glob("*.txt")):
        data = path.read_bytes()
        assert import_file(parse(data, path.name), data) == "imported"
    articles = Article.objects.count()
    assert articles >= 20
    assert deferred() != "on"  # switched off at the end of every file
    rows = search_rows()
    assert len(rows) == articles
    assert rows == search_rows_from_scratch()
    assert any(keys for *_, keys in rows.values())  # regions, sources, tags, people
    assert stored() == expected()
    # An edit after the import, in the same transaction: the triggers keep up again.
    article = Article.objects.order_by("pk").first()
    tag = Tag.objects.create(name="防汛抗旱")
    ArticleTag.objects.create(article=article, tag=tag)
    assert f"t{tag.pk}" in search_rows()[article.pk][-1]
    assert search_rows() == search_rows_from_scratch()
    assert stored() == expected()


@pytest.mark.django_db
def test_a_file_that_fails_midway_leaves_no_deferred_setting_behind(gazetteer, monkeypatch):
    import archive.importer as importer

    path = sorted(RAW.glob("*.txt"))[0]
    data = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "link_articles", broken)  # while the rows wait
    with pytest.raises(RuntimeError):
        import_file(parse(data, path.name), data)
    assert deferred() != "on"  # rolled back with the file's savepoint
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_short_articles_words_are_kept_out_of_the_search_tables_rows():
    # Migration 0020: every row's words go out of line, also a short article's, which
    # PostgreSQL would keep in the row (it moves values out only for rows over 2 kB). 300
    # short articles' words fill more than twice the pages of the rows that point to them.
    words = [f"词{i}" for i in range(80)]
    Article.objects.bulk_create(
        Article(
            title=f"短讯{n}",
            body="正文",
            content_hash=f"{n:064d}",
            review_status=Article.ReviewStatus.PUBLISHED,
            search_text=" ".join(words[n % 7 :] + [f"号{n}"]),
        )
        for n in range(300)
    )
    with connection.cursor() as cur:
        # The pages the rows lie in (by their ctid), not the table's size: earlier tests'
        # rolled-back rows still take pages until a vacuum.
        cur.execute(
            f"SELECT count(DISTINCT (ctid::text::point)[0]) * 8192, "
            f"sum(pg_column_size(search_vector)), max(pg_column_size(search_vector)) "
            f"FROM {PG_TABLE}"
        )
        heap, size, largest = cur.fetchone()
    assert largest < 2000  # each row alone would have stayed in line
    assert size > 2 * heap, (heap, size)
