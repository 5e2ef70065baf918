"""Facets: the counts of a list's articles by region, source, tag and official.

The listing engine (``archive.views.Listing`` for now) counts them; this module holds what
facets need apart from a listing: the names of counted items in one query, and the key
under which a filter's exact counts are stored (``FacetCounts``, ``refresh_facets``).
"""

import hashlib
import json

from django.db.models import CharField, F, Value

from archive.models import Person, Region, Source, Tag

FACET_MODELS = (("region", Region), ("source", Source), ("tag", Tag), ("official", Person))


def facet_names(counts) -> dict:
    """``(param, pk) → (name, value)`` for every facet item (value: a region's code, else the
    primary key), in one query (a UNION) instead of one per facet."""
    parts = []
    for param, model in FACET_MODELS:
        pks = [pk for pk, _n in counts[param]]
        if not pks:
            continue
        code = F("code") if model is Region else Value(None, output_field=CharField())
        # Every column an annotation, so that each part lists them in the same order.
        part = (
            model.objects.filter(pk__in=pks)
            .order_by()
            .annotate(facet=Value(param), ident=F("pk"), label=F("name"), value_code=code)
            .values_list("facet", "ident", "label", "value_code")
        )
        parts.append(part)
    if not parts:
        return {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {(facet, pk): (name, code or pk) for facet, pk, name, code in rows}


def stored_key(filters: dict) -> str:
    """The key of a filter's stored counts (``FacetCounts.key``)."""
    raw = json.dumps(sorted(filters.items()), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()
