"""Any other database Django supports: a slow but correct search with no index.

Matches are found by containment in ``search_text`` and ranked by the parser's confidence.
A backend for another engine (MySQL's FULLTEXT, say) would sit beside this module with the
same ``SIDE_TABLE``, ``restrict`` and ``rank``.
"""

from __future__ import annotations

from django.db.models import F

from archive.search.query import Query

SIDE_TABLE = False


def restrict(queryset, query: Query):
    """Filter ``queryset`` to articles whose search text holds every term and phrase."""
    for term in query.terms:
        queryset = queryset.filter(search_text__contains=term)
    for phrase in query.phrases:
        queryset = queryset.filter(search_text__contains=" ".join(phrase))
    return queryset


def rank(queryset, query: Query):
    return queryset.annotate(search_rank=F("confidence"))
