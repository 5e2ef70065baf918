"""The gazetteer: administrative divisions from fixtures/regions.csv and curated aliases.

Parse first (``read_regions``, ``read_aliases`` return plain data), then write in one
transaction (``sync_regions``). Region codes are the natural key, so syncing the same
files twice changes nothing.

Aliases (new-area names such as 青岛西海岸新区, former names such as 莱芜市) are stored
in ``Region.aliases`` of the division that covers them today; ``Region.resolve`` finds
them. We do not create separate Region rows for retired divisions: their old codes are
not in the source data, and an alias resolves to the right current place.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from archive.models import Region

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
REGIONS_CSV = FIXTURES / "regions.csv"
ALIASES_CSV = FIXTURES / "region_aliases.csv"

# Parents are written before their children.
LEVEL_ORDER = ["province", "prefecture", "county", "township"]
SYNCED_FIELDS = ["name", "short_name", "level", "parent_id"]


class GazetteerError(ValueError):
    """The gazetteer files are inconsistent (unknown parent, unknown alias code …)."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    short_name: str
    level: str
    parent_code: str


@dataclass(frozen=True)
class AliasRow:
    alias: str
    code: str
    kind: str
    valid_until: str
    note: str


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases_added: int = 0
    by_level: dict = field(default_factory=dict)

    @property
    def changed(self):
        return bool(self.created or self.updated or self.aliases_added)


def read_regions(path=REGIONS_CSV):
    """Read regions.csv into RegionRow records, checking codes, levels and parents."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [
            RegionRow(
                code=r["code"].strip(),
                name=r["name"].strip(),
                short_name=r["short_name"].strip(),
                level=r["level"].strip(),
                parent_code=r["parent_code"].strip(),
            )
            for r in csv.DictReader(f)
        ]
    codes = {row.code for row in rows}
    if len(codes) != len(rows):
        raise GazetteerError(f"{path}: duplicate region codes")
    for row in rows:
        if row.level not in LEVEL_ORDER:
            raise GazetteerError(f"{path}: {row.code} has unknown level {row.level!r}")
        if row.parent_code and row.parent_code not in codes:
            raise GazetteerError(f"{path}: {row.code} has unknown parent {row.parent_code}")
    return rows


def read_aliases(path=ALIASES_CSV):
    """Read region_aliases.csv into AliasRow records."""
    with open(path, newline="", encoding="utf-8") as f:
        return [
            AliasRow(**{key: (value or "").strip() for key, value in r.items()})
            for r in csv.DictReader(f)
        ]


def sync_regions(rows, aliases=()):
    """Write regions and aliases to the database; return a SyncReport.

    Existing regions are matched by code and updated only where they differ; aliases
    are merged into ``Region.aliases`` (curators' own aliases are kept).
    """
    report = SyncReport()
    with transaction.atomic():
        by_code = {r.code: r for r in Region.objects.exclude(code=None)}
        for level in LEVEL_ORDER:
            level_rows = [row for row in rows if row.level == level]
            report.by_level[level] = len(level_rows)
            new, changed = [], []
            for row in level_rows:
                parent = by_code[row.parent_code] if row.parent_code else None
                wanted = {
                    "name": row.name,
                    "short_name": row.short_name,
                    "level": row.level,
                    "parent_id": parent.pk if parent else None,
                }
                region = by_code.get(row.code)
                if region is None:
                    new.append(Region(code=row.code, **wanted))
                elif any(getattr(region, key) != value for key, value in wanted.items()):
                    for key, value in wanted.items():
                        setattr(region, key, value)
                    changed.append(region)
                else:
                    report.unchanged += 1
            Region.objects.bulk_create(new, batch_size=500)
            Region.objects.bulk_update(changed, SYNCED_FIELDS, batch_size=500)
            report.created += len(new)
            report.updated += len(changed)
            if new:
                # Re-read rather than trust bulk_create to return keys on every backend.
                fresh = Region.objects.filter(code__in=[r.code for r in new])
                by_code.update((r.code, r) for r in fresh)

        wanted_aliases = {}
        for alias in aliases:
            if alias.code not in by_code:
                raise GazetteerError(f"alias {alias.alias!r} points to unknown code {alias.code}")
            wanted_aliases.setdefault(alias.code, []).append(alias.alias)
        for code, names in wanted_aliases.items():
            region = by_code[code]
            missing = [name for name in names if name not in region.aliases]
            if missing:
                region.aliases = [*region.aliases, *missing]
                region.save(update_fields=["aliases"])
                report.aliases_added += len(missing)
    if report.created and connection.vendor == "postgresql":
        # Statistics now, not when autovacuum next looks: without them the planner reads
        # the few thousand new regions in full for each import's lookup of a file's codes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Region._meta.db_table}")
    return report
