"""The import queue's edge: ``import_raw --enqueue`` keeps each file's raw bytes as a queued
raw file, then puts one task per file on the broker; a worker (archive/tasks.py) parses
and writes it exactly as ``import_raw`` does. Natural keys make a redo a no-op, so a task
delivered twice (a killed worker's, or the same file queued twice) changes nothing.
"""

from __future__ import annotations

import hashlib

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count

from archive.models import RawFile

# Database errors worth another try (a lost connection, a lock timeout, a failover).
TRANSIENT = (OperationalError, InterfaceError)
# How import_status and the admin name each status.
SHOWN = {
    RawFile.Status.QUEUED: "queued",
    RawFile.Status.RUNNING: "running",
    RawFile.Status.IMPORTED: "done",
    RawFile.Status.FAILED: "failed",
}


def keep_queued(path: str, data: bytes) -> tuple[RawFile, str]:
    """Store a file's raw bytes first (nothing is lost if no worker ever comes); return the
    raw file and "queued", or "unchanged" when the same bytes are already imported."""
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        raw, created = RawFile.objects.get_or_create(
            sha256=sha256,
            defaults={
                "path": path[:1000],
                "size": len(data),
                "content": RawFile.compress(data),
                "status": RawFile.Status.QUEUED,
            },
        )
    if created:
        return raw, "queued"
    if raw.status == RawFile.Status.IMPORTED:
        return raw, "unchanged"
    RawFile.objects.filter(pk=raw.pk).exclude(status=RawFile.Status.IMPORTED).update(
        status=RawFile.Status.QUEUED
    )
    return raw, "queued"


def import_queued(
    raw_id: int,
    source: str | None = None,
    encoding: str | None = None,
    fields: dict[str, str] | None = None,
) -> str:
    """Parse and write one queued raw file (a worker's task); return its status. Transient
    database errors propagate (the task retries them); any other failure leaves a failed
    raw file with its one-line error."""
    from archive.importer import known_officials_or_none
    from archive.management.commands.import_raw import parse_data, store

    raw = RawFile.objects.filter(pk=raw_id).first()
    if raw is None:
        return "missing"  # deleted by a curator after it was queued
    if raw.status == RawFile.Status.IMPORTED:
        return "unchanged"
    RawFile.objects.filter(pk=raw_id).exclude(status=RawFile.Status.IMPORTED).update(
        status=RawFile.Status.RUNNING
    )
    data = raw.data
    record = parse_data(data, raw.path, encoding, fields, known_officials_or_none())
    status = store(record, data, source, reraise=TRANSIENT)
    if status == "failed":
        mark_failed(raw_id, record.errors or [f"{raw.path}: no article could be read"])
    return status


def mark_failed(raw_id: int, errors: list[str]) -> None:
    """A queued file that could not be imported: a failed raw file with its error lines."""
    RawFile.objects.filter(pk=raw_id).exclude(status=RawFile.Status.IMPORTED).update(
        status=RawFile.Status.FAILED, error="\n".join(" ".join(e.split()) for e in errors)
    )


def status_counts() -> dict[str, int]:
    """Raw files by queue status: queued, running, done, failed (one query)."""
    counts = dict.fromkeys(SHOWN.values(), 0)
    rows = RawFile.objects.order_by().values_list("status").annotate(n=Count("pk"))
    for status, n in rows:
        counts[SHOWN.get(status, status)] = n
    return counts


def summary_line(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return f"{total} files: " + ", ".join(f"{n} {name}" for name, n in counts.items())
