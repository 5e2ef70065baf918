"""Advisory locks that let concurrent importers write side by side on PostgreSQL.

Importers used to take turns at one global lock while linking an article's entities and
clustering its reprints; since writes cost more than parsing, two workers then ran slower
than one. Now each takes only the locks of what it may create without a natural key: a new
person's name (``importer.person_for``) and an article's reprint band keys
(``reprints.store.cluster_article``). Everything else a file writes has a unique key, and
PostgreSQL makes the second writer of a key wait for the first.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def name_lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for a name (``person:张三``): its BLAKE2b hash."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_keys(keys) -> bool:
    """Take PostgreSQL transaction-scoped advisory locks on these keys, in ascending order
    (two importers that want some of the same keys queue instead of deadlocking over
    them), held until commit. Returns whether it locked: SQLite lets one writer in at a
    time anyway, so there nothing is taken and nothing can race."""
    if connection.vendor != "postgresql":
        return False
    keys = sorted(set(keys))
    if keys:
        with connection.cursor() as cursor:
            # unnest keeps the array's order, so the locks are taken in ascending order
            cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])
    return True
