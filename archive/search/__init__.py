"""Chinese full-text search over ``Article.search_text``: one interface, one backend per
database.

``search_text`` holds the title, subtitle and body in simplified Chinese, cut by jieba's
``cut_for_search`` into words separated by spaces (see ``archive.importer.search_text``);
a reader's text is parsed the same way into a ``Query`` (``query.py``, pure).

What every backend module provides (chosen by ``connection.vendor``, see ``backend``):

- ``restrict(queryset, query)``: the articles of ``queryset`` matching ``query``;
- ``rank(queryset, query)``: the same annotated with ``search_rank`` (higher is better),
  meant for a bounded set of rows;
- ``SIDE_TABLE``: whether the backend can also answer a page's ids, ranks, estimates and
  facet counts from its own tables without the article table (``archive.listing`` then
  calls the backend's ``public_ids``, ``rank_order``, ``estimate``, ``date_shares`` and
  ``postgres_facets``).

The backends:

- ``sqlite.py``: an FTS5 external-content table ``archive_article_fts`` kept by triggers;
  ranked by bm25.
- ``postgres.py`` (queries), ``postgres_schema.py`` (the side table, its triggers, filter
  keys and GIN index, as the migrations build them) and ``postgres_facets.py`` (one row of
  facet keys per article): ranked by ``ts_rank_cd``.
- ``generic.py``: any other database, by containment; correct and slow.

Highlighting (``highlight.py``) is the same everywhere.
"""

from __future__ import annotations

from django.db import connection

from archive.extraction.entities import simplified
from archive.search import generic, postgres, sqlite
from archive.search.highlight import highlight, mark, snippet
from archive.search.query import Query, parse

BACKENDS = {"sqlite": sqlite, "postgresql": postgres}

__all__ = [
    "Query",
    "backend",
    "highlight",
    "mark",
    "parse",
    "rank",
    "restrict",
    "simplified",
    "snippet",
]


def backend(conn=connection):
    """The search backend module of ``conn``'s database."""
    return BACKENDS.get(conn.vendor, generic)


def restrict(queryset, query: Query):
    """Filter ``queryset`` to articles matching ``query`` (unchanged if it is empty)."""
    return backend().restrict(queryset, query) if query else queryset


def rank(queryset, query: Query):
    """Annotate ``queryset`` (articles known to match ``query``) with ``search_rank``,
    higher is better; computed per row, so meant for a bounded set of rows. PostgreSQL
    ranks ids in the side table instead (``postgres.rank_order``)."""
    return backend().rank(queryset, query) if query else queryset
