"""``column IN (values)`` for raw SQL, with one parameter however many values there are.

A list of ``%s`` marks, one per value, fails on SQLite past its 32,766 parameters (a
``.jsonl`` file may hold that many articles) and makes every length a new statement on
PostgreSQL. Here the values are one array (PostgreSQL: ``= ANY(%s::type[])``) or one JSON
array read by ``json_each`` (SQLite), and either uses the column's index.
"""

from __future__ import annotations

import json

from django.db import connection


def in_values(column: str, values: list, pg_type: str = "bigint") -> tuple[str, list]:
    """The condition and its one parameter; ``values`` are integers or strings."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::{pg_type}[])", [list(values)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]
