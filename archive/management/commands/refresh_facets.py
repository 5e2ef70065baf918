"""manage.py refresh_facets [--root-only]

Counts the facets of every large filter exactly and stores them (``FacetCounts``): the whole
archive, then each region with more than ``FACET_EXACT`` public articles, level by level
(provinces, prefectures, counties), and each of the largest sources, tags and officials with
that many. Pages of small sets count their facets themselves; a large set shows these
counts, dated. ``import_raw`` refreshes the whole archive's counts after an import; run this
from cron (say hourly) to refresh the rest.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from archive.listing import limits, store_facet_counts
from archive.models import FacetCounts, Region


class Command(BaseCommand):
    help = "Store exact facet counts for the archive and its large regions, sources and tags."

    def add_arguments(self, parser):
        parser.add_argument(
            "--root-only", action="store_true", help="only the whole archive's counts"
        )

    def handle(self, *args, **opts):
        self.verbosity = opts["verbosity"]
        started = time.monotonic()
        stored = [self._store({})]
        if not opts["root_only"]:
            root = stored[0]
            for param in ("source", "tag", "official"):
                for pk, n in root.counts[param]:
                    if n > limits.FACET_EXACT:
                        stored.append(self._store({param: str(pk)}))
            # Regions level by level: a region's stored counts list its children's sizes.
            level = [root]
            while level:
                large = [
                    pk for row in level for pk, n in row.counts["region"] if n > limits.FACET_EXACT
                ]
                regions = Region.objects.in_bulk(large)
                level = [
                    self._store({"region": str(regions[pk].code or pk)})
                    for pk in large
                    if pk in regions
                ]
                stored.extend(level)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"stored facet counts for {len(stored)} filters in {seconds:.1f} s "
            f"({FacetCounts.objects.count()} in all)"
        )

    def _store(self, params):
        t = time.monotonic()
        row = store_facet_counts(params)
        if self.verbosity > 1:
            self.stdout.write(
                f"  {params or 'archive'}: {row.total} articles, {time.monotonic() - t:.1f} s"
            )
        return row
