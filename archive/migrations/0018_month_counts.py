"""PostgreSQL: public dated articles per month and filter key, kept by a trigger on the
search side table, for the coverage heat map and a trend's denominator. See
``archive/research/rollup_schema.py``. SQLite is untouched (it counts from the ORM).
"""

from django.db import migrations

from archive.research import rollup_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in rollup_schema.ROLLUP_SETUP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in rollup_schema.ROLLUP_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0016_oai_datestamp_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
