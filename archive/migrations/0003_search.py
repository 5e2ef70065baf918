"""Full-text search and list indexes for the public site (no model changes).

SQLite: an FTS5 external-content table over ``archive_article.search_text`` kept in sync
by insert/update/delete triggers. PostgreSQL: a stored ``search_vector`` column
(``to_tsvector('simple', search_text)``) with a GIN index. Both: indexes for the newest-
first keyset list, the facet joins and the facet cache key. See ``archive/search/``.
"""

from django.db import migrations

from archive.search import postgres_schema, sqlite

# Shared by both databases; partial indexes work on SQLite and PostgreSQL alike.
COMMON_INDEXES = {
    "article_public_keyset_idx": "ON archive_article (published DESC, id DESC) "
    "WHERE review_status = 'published'",
    "article_updated_idx": "ON archive_article (updated_at)",
    "articleregion_region_article_idx": "ON archive_articleregion (region_id, article_id)",
    "articletag_tag_article_idx": "ON archive_articletag (tag_id, article_id)",
    "mention_person_article_idx": "ON archive_mention (person_id, article_id)",
}
PG_ONLY = {
    # LIKE '37%' on region codes uses a text_pattern_ops index in a non-C locale.
    "region_code_prefix_idx": "ON archive_region (code text_pattern_ops)",
    # NULL dates sort last in the list (Django: nulls_last=True).
    "article_public_keyset_idx": "ON archive_article (published DESC NULLS LAST, id DESC) "
    "WHERE review_status = 'published'",
}


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    indexes = dict(COMMON_INDEXES)
    if vendor == "postgresql":
        indexes.update(PG_ONLY)
        for sql in postgres_schema.PG_SETUP:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite.SQLITE_CREATE)
        for sql in sqlite.SQLITE_TRIGGERS.values():
            schema_editor.execute(sql)
        schema_editor.execute(sqlite.SQLITE_REBUILD)
    for name, body in indexes.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {body}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name in {**COMMON_INDEXES, **PG_ONLY}:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if vendor == "postgresql":
        for sql in postgres_schema.PG_TEARDOWN:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        for name in sqlite.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {sqlite.FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_history")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
