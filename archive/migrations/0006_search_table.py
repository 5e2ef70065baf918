"""PostgreSQL search moves from a column of ``archive_article`` to a narrow side table.

The generated ``search_vector`` column made every row of the article table wider, and a
search had to visit one article page per match. ``archive_article_search`` holds only the
id, date, public flag and the vector (out of line), kept in sync by triggers; see
``archive/search/postgres_schema.py``. SQLite keeps its FTS5 table and is untouched.
"""

from django.db import migrations

from archive.search import postgres_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A GIN index over a million articles builds several times faster with more memory.
        schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in postgres_schema.PG_TABLE_SETUP + postgres_schema.PG_TEARDOWN:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in postgres_schema.PG_SETUP + postgres_schema.PG_TABLE_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0005_facet_counts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
