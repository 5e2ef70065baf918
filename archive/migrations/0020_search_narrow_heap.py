"""PostgreSQL: the search table's vectors are kept out of line (TOAST) for every row, so its
heap is narrow (112 MB instead of 1.5 GB at a million articles) and a count of a common
word's matches by month or place reads a fourteenth of the pages. See
``archive/search/postgres_schema.py`` (a narrow heap). SQLite is untouched.
"""

from django.db import migrations

from archive.search import postgres_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The table is rewritten and its indexes rebuilt (3-4 minutes at a million rows).
        schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in postgres_schema.PG_NARROW_SETUP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in postgres_schema.PG_NARROW_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0019_import_rows_once")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
