"""PostgreSQL: the search table keeps each article's filter keys (its regions and every
region above them, its source, tags and officials) in its GIN index beside the words and
the date, kept by triggers on the articles, the three link tables and the regions, so that
a search within any of the list's filters is answered in one index scan. See
``archive/search/postgres_schema.py`` (filter keys). SQLite is untouched.
"""

from django.db import migrations

from archive.search import postgres_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in postgres_schema.PG_FILTER_SETUP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in postgres_schema.PG_FILTER_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0009_search_date_statistics")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
