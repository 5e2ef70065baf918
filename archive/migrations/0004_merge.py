"""Joins the admin's changelist indexes and the public site's search index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0003_admin_indexes"),
        ("archive", "0003_search"),
    ]

    operations = []
