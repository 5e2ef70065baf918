"""PostgreSQL: public dated articles per month and filter key, kept by a trigger on the
search side table (migration 0018). Strings only; the queries are in ``series``.

A row of ``ROLLUP_TABLE`` is (key, month, shard, n): ``n`` public articles dated in
``month`` whose side-table row (archive/search/postgres_schema.py) has the filter key
``key`` (``s12`` a source, ``r37``/``r3715``/``r371522`` a region and the regions above it,
``t5`` a tag, ``p9`` an official), or ``''`` for every public dated article. The coverage
heat map and a trend's denominator (all articles of the month under the same filter) are
then read from a few thousand rows instead of by aggregating a million side-table rows
(1.4 s at 100k articles, so about 14 s at a million).

Why shards: a file's write transaction holds the rows it incremented until it commits, and
every article of a month increments that month's ``''`` row. Two importers writing the
same month at once would take turns for their whole transactions. Each connection adds to
the shard of its backend's process id (one of ``SHARDS``), so concurrent importers rarely
share a row; a reader sums the shards.

The trigger is per statement, with transition tables: the side table's rows that a
statement inserted, changed or deleted become one aggregate of +1/-1 per (key, month), and
a change that moves no key, date or public flag (new words) writes nothing.
"""

from __future__ import annotations

from archive.search.postgres_facets import drop_statement_triggers, statement_triggers
from archive.search.postgres_schema import PG_TABLE

ROLLUP_TABLE = "archive_month_count"
SHARDS = 8
ALL_KEY = ""  # the key of every public dated article

# (key, month) deltas of a statement's old and new side-table rows.
_DELTAS = """
    SELECT k, date_trunc('month', published)::date AS month, {sign} AS d
    FROM {rows}, unnest(array_append(filter_keys, ''::text)) k
    WHERE public AND published IS NOT NULL"""


def _apply(parts: list[str]) -> str:
    union = " UNION ALL ".join(parts)
    return f"""
        INSERT INTO {ROLLUP_TABLE} AS c (key, month, shard, n)
        SELECT k, month, mod(pg_backend_pid(), {SHARDS}), sum(d) FROM ({union}) deltas
        GROUP BY k, month HAVING sum(d) <> 0
        ON CONFLICT (key, month, shard) DO UPDATE SET n = c.n + EXCLUDED.n;"""


_NEW = _DELTAS.format(sign="1", rows="new_rows")
_OLD = _DELTAS.format(sign="-1", rows="old_rows")

ROLLUP_SETUP = [
    f"""CREATE TABLE IF NOT EXISTS {ROLLUP_TABLE} (
        key text COLLATE "C" NOT NULL,
        month date NOT NULL,
        shard smallint NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (key, month, shard)
    )""",
    f"""CREATE OR REPLACE FUNCTION archive_month_count_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {_apply([_NEW])}
        ELSIF TG_OP = 'DELETE' THEN {_apply([_OLD])}
        ELSE {_apply([_NEW, _OLD])}
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION archive_month_count_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {ROLLUP_TABLE};
        RETURN NULL;
    END $$""",
]
# The counts of the side table's rows as they are (the migration; the benches after a
# COPY, which would otherwise update each month's row once per article in one transaction).
ROLLUP_BACKFILL = [
    f"TRUNCATE {ROLLUP_TABLE}",
    f"""INSERT INTO {ROLLUP_TABLE} (key, month, shard, n)
        SELECT k, month, 0, sum(d) FROM ({_DELTAS.format(sign="1", rows=PG_TABLE)}) rows
        GROUP BY k, month""",
    f"ANALYZE {ROLLUP_TABLE}",
]
ROLLUP_TRIGGERS = tuple(
    f"archive_month_count_{event}" for event in ("insert", "update", "delete", "truncate")
)
ROLLUP_SETUP += [
    *statement_triggers(
        "archive_month_count", PG_TABLE, "archive_month_count_sync", "archive_month_count_truncate"
    ),
    # The rows already there, in the same transaction as the triggers (nothing slips by).
    *ROLLUP_BACKFILL,
]
ROLLUP_TEARDOWN = [
    *drop_statement_triggers("archive_month_count", PG_TABLE),
    "DROP FUNCTION IF EXISTS archive_month_count_sync()",
    "DROP FUNCTION IF EXISTS archive_month_count_truncate()",
    f"DROP TABLE IF EXISTS {ROLLUP_TABLE}",
]
