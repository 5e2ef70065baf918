"""Articles by id: the list order, rows fetched in a given order, and id sets for ``__in``."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.db.models.expressions import RawSQL

from archive.models import Article
from archive.search.postgres_facets import id_array


def newest_first():
    return [F("published").desc(nulls_last=True), F("pk").desc()]


def articles_in_order(ids: list[int]) -> list:
    """The public-page rows of the articles ``ids``, in that order (one query)."""
    found = Article.objects.filter(pk__in=ids).select_related("source")
    by_id = found.defer("search_text", "repairs", "curated_fields").in_bulk()
    return [by_id[pk] for pk in ids if pk in by_id]


def id_set(ids):
    """Primary keys for an ``__in`` filter: on PostgreSQL a list goes as one array
    parameter (binding and planning a thousand placeholders costs more than the lookups)."""
    if isinstance(ids, list) and connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [id_array(ids)])
    return ids
