"""Regions as a list filters by them: a GB/T 2260 code's prefix stands for its subtree."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from archive.models import Region


def find_region(key: str) -> Region:
    """A division by code, or a township without one by primary key."""
    key = (key or "").strip()
    obj = Region.objects.filter(code=key).select_related("parent").first() if key else None
    if obj is None and key.isdigit() and len(key) < 19:
        obj = Region.objects.filter(pk=int(key), code__isnull=True).first()
    if obj is None:
        raise Http404(_("没有这个地区：%(key)s") % {"key": key[:20]})
    return obj


def code_prefix(code: str) -> str:
    """The prefix every division inside a GB/T 2260 code shares: 370000 → 37, 371500 → 3715."""
    code = code[:6]
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_key(region: Region) -> str:
    """The key the search table keeps for every article in ``region``'s subtree (see
    ``archive/search/postgres_schema.py``): its code prefix, or ``#<id>`` for a township
    without a code."""
    return code_prefix(region.code) if region.code else f"#{region.pk}"


def subtree_ids(region: Region) -> list[int]:
    """The region and every division below it (coded ones by prefix, townships by their
    coded parent); one query, remembered on the instance (a page asks up to three times)."""
    if not region.code:
        return [region.pk]
    cached = getattr(region, "_subtree_ids", None)
    if cached is None:
        prefix = code_prefix(region.code)
        below = Q(code__startswith=prefix) | Q(code__isnull=True, parent__code__startswith=prefix)
        cached = list(Region.objects.filter(below).order_by().values_list("pk", flat=True))
        region._subtree_ids = cached
    return cached
