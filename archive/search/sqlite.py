"""SQLite's search backend: an FTS5 external-content table over ``search_text``.

``archive_article_fts`` (migration 0003) indexes ``archive_article.search_text``, kept in
sync by triggers on ``archive_article``; matches are found by ``MATCH`` with every word a
quoted literal and ranked by FTS5's bm25 ``rank``. Lists, counts and facets are then
ordinary ORM queries over the matching ids (``archive.listing``); unlike PostgreSQL there
is no side table to answer a page from, and no planner estimate to stand in for a count.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Expression, F, FloatField, Func, Value
from django.db.models.expressions import RawSQL

from archive.search.query import Query

# A page is answered from the article table with the matches as a subquery (see
# ``archive.search.postgres.SIDE_TABLE`` for what PostgreSQL does instead).
SIDE_TABLE = False

FTS_TABLE = "archive_article_fts"
SQLITE_TRIGGERS = {
    "archive_article_fts_ai": f"""
        CREATE TRIGGER IF NOT EXISTS archive_article_fts_ai AFTER INSERT ON archive_article
        BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "archive_article_fts_ad": f"""
        CREATE TRIGGER IF NOT EXISTS archive_article_fts_ad AFTER DELETE ON archive_article
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
                VALUES ('delete', old.id, old.search_text);
        END""",
    "archive_article_fts_au": f"""
        CREATE TRIGGER IF NOT EXISTS archive_article_fts_au
        AFTER UPDATE OF search_text ON archive_article
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
                VALUES ('delete', old.id, old.search_text);
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='archive_article', content_rowid='id', tokenize='unicode61')"
)
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: Query) -> str:
    """An FTS5 MATCH expression made only of quoted literals."""
    parts = [_fts_string(t) for t in query.terms]
    parts += [_fts_string(" ".join(p)) for p in query.phrases]
    return " AND ".join(parts)


_sqlite_checked: set[int] = set()


def ensure_sqlite_index(conn=connection) -> None:
    """Recreate the FTS5 triggers (and rebuild the index) if a table rebuild dropped them.

    Django's SQLite schema editor remakes a table to alter it, which drops its triggers;
    a later migration on ``archive_article`` would silently stop index updates otherwise.
    Checked once per connection.
    """
    key = id(conn.connection) if conn.connection is not None else None
    if key is not None and key in _sqlite_checked:
        return
    with conn.cursor() as cur:
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            [FTS_TABLE + "%"],
        )
        present = {row[0] for row in cur.fetchall()}
        missing = set(SQLITE_TRIGGERS) - present
        if FTS_TABLE not in present or missing:
            cur.execute(SQLITE_CREATE)
            for sql in SQLITE_TRIGGERS.values():
                cur.execute(sql)
            cur.execute(SQLITE_REBUILD)
    if conn.connection is not None:
        _sqlite_checked.add(id(conn.connection))


class ColumnOf(Expression):
    """Another column of the row a queryset selects, under whatever alias the table has
    (the filter may end up in a subquery, where Django renames tables U0, V0 …)."""

    def __init__(self, column, output_field=None):
        super().__init__(output_field=output_field or FloatField())
        self.column = column
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.pk.alias)
        return f"{table}.{connection.ops.quote_name(self.column)}", []


def restrict(queryset, query: Query):
    """Filter ``queryset`` to articles matching ``query``."""
    ensure_sqlite_index()
    hits = RawSQL(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match_expression(query)]
    )
    return queryset.filter(pk__in=hits)


def rank(queryset, query: Query):
    """Annotate ``queryset`` with ``search_rank`` (bm25, negated: higher is better)."""
    ensure_sqlite_index()
    # bm25 (FTS5's rank) is negative, better matches more so.
    score = Func(
        Value(match_expression(query)),
        ColumnOf("id"),
        template=f"(SELECT -rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %(expressions)s)",
        arg_joiner=" AND rowid = ",
        output_field=FloatField(),
    )
    return queryset.annotate(search_rank=score)
