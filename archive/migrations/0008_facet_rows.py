"""PostgreSQL: ``archive_article_facets``, one row of facet keys per article (its source,
date and the ids of its regions, tags and officials), kept by triggers on the article and
link tables, so that a list's facets over a thousand articles are one query instead of
five. See ``archive/search/postgres_facets.py``. SQLite is untouched.
"""

from django.db import migrations

from archive.search import postgres_facets as facet_rows


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in facet_rows.SETUP:
            schema_editor.execute(sql)
        schema_editor.execute(f"ANALYZE {facet_rows.TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in facet_rows.TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0007_search_date_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
