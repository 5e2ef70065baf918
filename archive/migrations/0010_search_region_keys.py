"""PostgreSQL: the search table keeps each article's region keys (the code prefixes of its
regions and of every region above them) in a GIN index of their own, kept by triggers on
the region links and the regions, so that a search within a region is answered in the
search table's indexes. See ``archive/search.py`` (region keys). SQLite is untouched.
"""

from django.db import migrations

from archive import search


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in search.PG_REGION_SETUP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_REGION_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0009_search_date_statistics")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
