"""manage.py import_status [--json] [--wait SECONDS] — the import queue's files by status:
queued, running, done and failed, with counts, and the failed files' first error line."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand

from archive import queue
from archive.models import RawFile

FAILED_LISTED = 20


class Command(BaseCommand):
    help = "Show the import queue: queued, running, done and failed files with counts."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument(
            "--wait",
            type=float,
            metavar="SECONDS",
            help="wait until nothing is queued or running (at most SECONDS; exit 1 if not)",
        )

    def handle(self, *args, **opts):
        counts = queue.status_counts()
        if opts["wait"] is not None:
            deadline = time.monotonic() + opts["wait"]
            while counts["queued"] + counts["running"] and time.monotonic() < deadline:
                time.sleep(0.5)
                counts = queue.status_counts()
        failed = list(
            RawFile.objects.filter(status=RawFile.Status.FAILED)
            .order_by("-imported_at")
            .values_list("path", "error")[:FAILED_LISTED]
        )
        if opts["json"]:
            doc = {
                "counts": counts,
                "failed": [{"path": p, "error": (e.splitlines() or [""])[0]} for p, e in failed],
            }
            self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1))
        else:
            for name, n in counts.items():
                self.stdout.write(f"{name:>8}  {n}")
            for path, error in failed:
                self.stdout.write(f"  failed  {path}: {(error.splitlines() or [''])[0][:200]}")
        self.stderr.write(queue.summary_line(counts))
        if opts["wait"] is not None and counts["queued"] + counts["running"]:
            sys.exit(1)
