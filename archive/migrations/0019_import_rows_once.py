"""PostgreSQL: an importer writes a new article's search and facet rows once, after its
links, instead of after every link table (``postgres_schema.PG_DEFER_SETUP``): the article
and link triggers skip what ``difang.defer_rows`` (set by the importer, local to its
transaction) leaves to ``archive_article_rows_refresh``. SQLite is untouched. Going back
drops the refresh; the triggers' check stays, and does nothing while no one sets it.
"""

from django.db import migrations

from archive.search import postgres_schema


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in postgres_schema.PG_DEFER_SETUP:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in postgres_schema.PG_DEFER_TEARDOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("archive", "0018_month_counts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
