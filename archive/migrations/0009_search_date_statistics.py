"""PostgreSQL: the search table's date histogram keeps 1,000 bounds instead of 100, so the
date ranges in which a search's newest matches are looked for are ten times finer. See
``archive/search/postgres_schema.py`` (``public_ids``). SQLite is untouched.
"""

from django.db import migrations

from archive.search import postgres_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(postgres_schema.PG_DATE_STATISTICS)
        schema_editor.execute(f"ANALYZE {postgres_schema.PG_TABLE}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {postgres_schema.PG_TABLE} ALTER COLUMN published SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0008_facet_rows")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
