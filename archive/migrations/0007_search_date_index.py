"""PostgreSQL search index: public rows only, with the date beside the words.

The GIN index of ``archive_article_search`` becomes ``(search_vector, published) WHERE
public`` (btree_gin) and the newest-first date index goes, so the newest matches of a common word and searches within dates
are found inside the index instead of by reading each row's vector, and the vector's
statistics keep 10,000 common words so that the planner's estimate of a search's size
is close (large sets are shown as "about N"). See ``archive/search/postgres_schema.py``. SQLite is
untouched.
"""

from django.db import migrations

from archive.search import postgres_schema

OLD_INDEX = f"CREATE INDEX IF NOT EXISTS article_search_gin ON {postgres_schema.PG_TABLE} USING gin (search_vector)"
# Walked newest first to find a word's newest matches; the new index does that better.
OLD_NEWEST_INDEX = (
    f"CREATE INDEX IF NOT EXISTS article_search_newest ON {postgres_schema.PG_TABLE} "
    "(published DESC NULLS LAST, article_id DESC) WHERE public"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        schema_editor.execute(postgres_schema.PG_EXTENSION)
        schema_editor.execute("DROP INDEX IF EXISTS article_search_gin")
        schema_editor.execute("DROP INDEX IF EXISTS article_search_newest")
        schema_editor.execute(postgres_schema.PG_WORD_DATE_INDEX)
        schema_editor.execute(postgres_schema.PG_STATISTICS)
        schema_editor.execute(f"ANALYZE {postgres_schema.PG_TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS article_search_gin")
        schema_editor.execute(OLD_INDEX)
        schema_editor.execute(OLD_NEWEST_INDEX)
        schema_editor.execute(
            f"ALTER TABLE {postgres_schema.PG_TABLE} ALTER COLUMN search_vector SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_search_table")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
