"""The import queue's task, run by ``celery -A archive worker`` (see archive/queue.py).

Acknowledged late (settings.CELERY_TASK_ACKS_LATE): a worker killed in the middle of a file
leaves its task on the broker, and the file, written in one transaction, either is whole
in the database or not at all; the redo finds it by its natural keys.
"""

from __future__ import annotations

import random

from celery import shared_task
from django.db import close_old_connections, connection

from archive import queue

MAX_RETRIES = 6


def backoff(retries: int) -> float:
    """Seconds before the next try: 1, 2, 4 … up to a minute, with jitter so that workers
    that lost the database together do not come back together."""
    return min(60.0, 2.0**retries) * random.uniform(0.75, 1.25)


@shared_task(bind=True, name="archive.import_raw_file", max_retries=MAX_RETRIES)
def import_raw_file(self, raw_id, source=None, encoding=None, fields=None):
    """Import one queued raw file; return its status (imported, unchanged, failed)."""
    try:
        return queue.import_queued(raw_id, source, encoding, fields)
    except queue.TRANSIENT as exc:
        if not connection.in_atomic_block:  # (a test's transaction keeps its connection)
            close_old_connections()  # a broken connection is replaced on the next query
        if self.request.retries >= self.max_retries:
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            try:
                queue.mark_failed(
                    raw_id, [f"the database failed {self.max_retries + 1} times ({error})"]
                )
            except queue.TRANSIENT:
                pass  # the database is gone; the file stays queued and can be queued again
            return "failed"
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
