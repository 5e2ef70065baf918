"""Chinese full-text search over ``Article.search_text``.

``search_text`` holds the title, subtitle and body in simplified Chinese, cut by jieba's
``cut_for_search`` into words separated by spaces (see ``archive.importer.search_text``).
The query goes through the same steps, so a traditional query (作風建設) finds a simplified
article and the reverse.

Backends (chosen by ``connection.vendor``; the index itself is built by migration 0003):

- SQLite: an FTS5 external-content table ``archive_article_fts`` over ``search_text``,
  kept in sync by triggers on ``archive_article``; ranked by FTS5's bm25 ``rank``.
- PostgreSQL: a side table ``archive_article_search`` (article id, date, whether public,
  ``to_tsvector('simple', search_text)``) kept in sync by triggers on ``archive_article``
  (migration 0006), with one GIN index over the words, the date and the filter keys
  (regions, source, tags, officials) of public rows (btree_gin, migrations 0007 and 0010);
  ranked by ``ts_rank_cd``. Its rows hold no title or body, so it is about a sixth of the
  article table's size in the benchmark; a search with any of the list's filters is
  answered from it alone (``public_ids``, ``rank_order``), and the
  planner's estimate of its size (``estimate``) stands in for a count of a large set.

The user's text never reaches the engine's query syntax: each word becomes a quoted
literal (FTS5) or goes through ``plainto_tsquery``/``phraseto_tsquery`` (PostgreSQL).
Words are AND-combined; text in double quotes ("…", “…”, 「…」) is a phrase.
"""

from __future__ import annotations

import bisect
import datetime
import json
import re
from dataclasses import dataclass, field

import jieba
from django.db import connection, transaction
from django.db.models import Expression, F, FloatField, Func, Value
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from archive.extraction.entities import simplified
from archive.facet_rows import LINKS, id_array, linked_trigger_function

MAX_QUERY_CHARS = 200
MAX_TERMS = 16
PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
WORD = re.compile(r"\w+")

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

PG_SETUP = [
    "ALTER TABLE archive_article ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin "
    "ON archive_article USING gin (search_vector)",
]
PG_TEARDOWN = [
    "DROP INDEX IF EXISTS article_search_vector_gin",
    "ALTER TABLE archive_article DROP COLUMN IF EXISTS search_vector",
]

PG_TABLE = "archive_article_search"
# Public rows only, and the date beside the words (btree_gin): a search within a date
# range is answered inside the index, and so are the newest matches (``public_ids``),
# found from a cutoff date on instead of by reading the vector of every row passed. This is
# the index migrations 0006 and 0007 build; 0010 adds the filter keys to it.
PG_WORD_DATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS article_search_gin ON {PG_TABLE} "
    "USING gin (search_vector, published) WHERE public"
)
PG_TABLE_INDEXES = {
    # The index as it is now: the words, the date and the filter keys (migration 0010), so
    # that a search within a region, source, tag or official is one index scan.
    "article_search_gin": f"CREATE INDEX IF NOT EXISTS article_search_gin ON {PG_TABLE} "
    "USING gin (search_vector, published, filter_keys) WHERE public",
}
PG_VECTOR = "to_tsvector('simple'::regconfig, coalesce(NEW.search_text, ''))"
# btree_gin is a trusted contrib extension: the database's owner may create it.
PG_EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gin"
# Most-common-word statistics for 10,000 words (the default keeps 1,000): the planner's
# estimate of a search's matches is then close for any word in more than ~0.05% of
# articles, and large sets are counted from it (``estimate``).
PG_STATISTICS = f"ALTER TABLE {PG_TABLE} ALTER COLUMN search_vector SET STATISTICS 1000"
# A histogram of 1,000 dates (the default keeps 100): the date ranges the newest matches are
# looked for in (``public_ids``) are then a tenth as coarse. ANALYZE already samples enough
# rows for it (the sample follows the largest statistics target).
PG_DATE_STATISTICS = f"ALTER TABLE {PG_TABLE} ALTER COLUMN published SET STATISTICS 1000"


def _sync_function(filter_keys: bool) -> str:
    """The article table's trigger function for the search table (migration 0006 made it
    without filter keys, 0010 with them: a new row gets its keys, a changed source its key)."""
    columns = values = keep = rekey = ""
    if filter_keys:
        columns = ", filter_keys"
        values = ", archive_article_filter_keys(NEW.id)"
        keep = ", filter_keys = EXCLUDED.filter_keys"
        rekey = """,
                    filter_keys = CASE WHEN NEW.source_id IS DISTINCT FROM OLD.source_id
                        THEN archive_article_filter_keys(NEW.id) ELSE filter_keys END"""
    return f"""CREATE OR REPLACE FUNCTION archive_article_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {PG_TABLE} WHERE article_id = OLD.id;
        ELSIF TG_OP = 'UPDATE' AND NEW.id = OLD.id
                AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
            UPDATE {PG_TABLE}
                SET published = NEW.published, public = NEW.review_status = 'published'{rekey}
                WHERE article_id = NEW.id;
        ELSE
            IF TG_OP = 'UPDATE' AND NEW.id <> OLD.id THEN
                DELETE FROM {PG_TABLE} WHERE article_id = OLD.id;
            END IF;
            INSERT INTO {PG_TABLE} (article_id, published, public, search_vector{columns})
                VALUES (NEW.id, NEW.published, NEW.review_status = 'published', {PG_VECTOR}{values})
                ON CONFLICT (article_id) DO UPDATE SET published = EXCLUDED.published,
                    public = EXCLUDED.public, search_vector = EXCLUDED.search_vector{keep};
        END IF;
        RETURN NULL;
    END $$"""


def _sync_trigger(columns: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS archive_article_search_rows ON archive_article",
        "CREATE TRIGGER archive_article_search_rows "
        f"AFTER INSERT OR DELETE OR UPDATE OF {columns} "
        "ON archive_article FOR EACH ROW EXECUTE FUNCTION archive_article_search_sync()",
    ]


SYNC_COLUMNS = "id, search_text, published, review_status"


# Table, triggers, then the rows already there (the triggers keep up from here on), then
# the indexes.
PG_TABLE_SETUP = [
    PG_EXTENSION,
    f"""CREATE TABLE IF NOT EXISTS {PG_TABLE} (
        article_id integer PRIMARY KEY,
        published date,
        public boolean NOT NULL,
        search_vector tsvector NOT NULL
    )""",
    _sync_function(filter_keys=False),
    f"""CREATE OR REPLACE FUNCTION archive_article_search_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {PG_TABLE};
        RETURN NULL;
    END $$""",
    *_sync_trigger(SYNC_COLUMNS),
    "DROP TRIGGER IF EXISTS archive_article_search_truncate ON archive_article",
    "CREATE TRIGGER archive_article_search_truncate AFTER TRUNCATE ON archive_article "
    "FOR EACH STATEMENT EXECUTE FUNCTION archive_article_search_truncate()",
    f"""INSERT INTO {PG_TABLE} (article_id, published, public, search_vector)
        SELECT id, published, review_status = 'published',
               to_tsvector('simple'::regconfig, search_text)
        FROM archive_article ON CONFLICT (article_id) DO NOTHING""",
    # After the backfill: building an index once is far cheaper than growing it row by row.
    PG_WORD_DATE_INDEX,
    PG_STATISTICS,
]
PG_TABLE_TEARDOWN = [
    "DROP TRIGGER IF EXISTS archive_article_search_rows ON archive_article",
    "DROP TRIGGER IF EXISTS archive_article_search_truncate ON archive_article",
    "DROP FUNCTION IF EXISTS archive_article_search_sync()",
    "DROP FUNCTION IF EXISTS archive_article_search_truncate()",
    f"DROP TABLE IF EXISTS {PG_TABLE}",
]


# --- filter keys (migration 0010) -----------------------------------------------------
# A search within a region, a source, a tag or an official is answered in the search table
# too: each row keeps its article's filter keys, ``r`` + the key of every region it is
# linked to and of each region above (``region_key`` in archive/views.py: the GB/T 2260
# code prefix a region's subtree shares, or ``#<id>`` for a township without a code),
# ``s`` + its source, ``t`` + each tag, ``p`` + each official mentioned, in the GIN index
# beside the words and the date. The word's matches and the filter's articles are then
# intersected in one index scan. The article table's date order tested the words of every
# article of the filter it passed (130–320 ms for a common word in a province, a source or
# a tag at a million articles); with a separate index for the keys the planner still took
# the filter's rows and tested each.
#
# The keys of a code: its province's prefix, its prefecture's, its own (as ``code_prefix``
# in archive/views.py cuts them: 370000 → 37; 371500 → 37, 3715; 371522 → 37, 3715, 371522).
PG_CODE_KEYS = """CREATE OR REPLACE FUNCTION archive_code_keys(c text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c IS NULL OR c = '' THEN '{}'::text[]
                WHEN left(c, 6) LIKE '__0000' THEN ARRAY[left(c, 2)]
                WHEN left(c, 6) LIKE '____00' THEN ARRAY[left(c, 2), left(c, 4)]
                ELSE ARRAY[left(c, 2), left(c, 4), left(c, 6)] END $$"""
# PL/pgSQL, not SQL: it keeps its plan for the session, where a SQL function's body is
# planned at every call (a third of a millisecond, which tripled the time to COPY a
# million articles).
PG_FILTER_KEYS = """CREATE OR REPLACE FUNCTION archive_article_filter_keys(article_pk bigint)
    RETURNS text[] LANGUAGE plpgsql STABLE AS $$
    BEGIN
        RETURN (SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}') FROM (
            -- Each region by its key (LATERAL): a join may hash the whole region table
            -- at every call while its statistics are missing.
            SELECT 'r' || rk FROM archive_articleregion l,
                LATERAL (SELECT r.id, r.code, (SELECT p.code FROM archive_region p
                                               WHERE p.id = r.parent_id) AS parent_code
                         FROM archive_region r WHERE r.id = l.region_id) r,
                LATERAL unnest(CASE WHEN r.code IS NULL OR r.code = ''
                                    THEN ARRAY['#' || r.id] || archive_code_keys(r.parent_code)
                                    ELSE archive_code_keys(r.code) END) AS rk
                WHERE l.article_id = article_pk
            UNION ALL SELECT 's' || a.source_id FROM archive_article a
                WHERE a.id = article_pk AND a.source_id IS NOT NULL
            UNION ALL SELECT 't' || t.tag_id FROM archive_articletag t
                WHERE t.article_id = article_pk
            UNION ALL SELECT 'p' || m.person_id FROM archive_mention m
                WHERE m.article_id = article_pk
        ) keys(k));
    END $$"""
# Every row's keys at once (the migration, and the site bench after its COPY).
PG_FILTER_BACKFILL = f"""UPDATE {PG_TABLE} s SET filter_keys = k.keys
    FROM (SELECT article_id, archive_article_filter_keys(article_id) AS keys FROM {PG_TABLE}) k
    WHERE k.article_id = s.article_id AND s.filter_keys IS DISTINCT FROM k.keys"""
KEYED_LINKS = tuple(link for link, _key, _column in LINKS)  # the facet rows' link tables
PG_FILTER_SETUP = [
    PG_CODE_KEYS,
    f"ALTER TABLE {PG_TABLE} ADD COLUMN IF NOT EXISTS filter_keys text[] NOT NULL DEFAULT '{{}}'",
    PG_FILTER_KEYS,
    f"""CREATE OR REPLACE FUNCTION archive_article_search_rekey(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
        UPDATE {PG_TABLE} s SET filter_keys = k.keys
        FROM (SELECT i AS id, archive_article_filter_keys(i) AS keys FROM unnest(ids) i) k
        WHERE s.article_id = k.id AND s.filter_keys IS DISTINCT FROM k.keys
    $$""",
    _sync_function(filter_keys=True),
    *_sync_trigger(SYNC_COLUMNS + ", source_id"),
    # Per statement, with transition tables (a file's links are one update), as the facet
    # rows are kept (archive/facet_rows.py).
    linked_trigger_function("archive_article_search_linked", "archive_article_search_rekey"),
    f"""CREATE OR REPLACE FUNCTION archive_article_search_relinked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM archive_article_search_rekey(ARRAY(SELECT article_id FROM {PG_TABLE}));
        RETURN NULL;
    END $$""",
    # A region whose code or parent changes changes the keys of the articles linked to it
    # and to the townships below it (whose keys include their parent's code); a new name
    # changes nothing.
    """CREATE OR REPLACE FUNCTION archive_region_search_keys() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM archive_article_search_rekey(ARRAY(
            WITH changed AS (
                SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE n.code IS DISTINCT FROM o.code OR n.parent_id IS DISTINCT FROM o.parent_id)
            SELECT DISTINCT l.article_id FROM archive_articleregion l
            JOIN archive_region r ON r.id = l.region_id
            WHERE r.id IN (SELECT id FROM changed) OR r.parent_id IN (SELECT id FROM changed)));
        RETURN NULL;
    END $$""",
]
for _link in KEYED_LINKS:
    for _event, _refs in (
        ("insert", "REFERENCING NEW TABLE AS new_rows"),
        ("update", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("delete", "REFERENCING OLD TABLE AS old_rows"),
    ):
        PG_FILTER_SETUP += [
            f"DROP TRIGGER IF EXISTS {_link}_search_{_event} ON {_link}",
            f"CREATE TRIGGER {_link}_search_{_event} AFTER {_event.upper()} ON {_link} {_refs} "
            "FOR EACH STATEMENT EXECUTE FUNCTION archive_article_search_linked()",
        ]
    PG_FILTER_SETUP += [
        f"DROP TRIGGER IF EXISTS {_link}_search_truncate ON {_link}",
        f"CREATE TRIGGER {_link}_search_truncate AFTER TRUNCATE ON {_link} "
        "FOR EACH STATEMENT EXECUTE FUNCTION archive_article_search_relinked()",
    ]
PG_FILTER_SETUP += [
    "DROP TRIGGER IF EXISTS archive_region_search_keys ON archive_region",
    "CREATE TRIGGER archive_region_search_keys AFTER UPDATE ON archive_region "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION archive_region_search_keys()",
    # The rows already there (same transaction as the triggers: nothing slips by). Every
    # row is written again, and a GIN index of 150 words a row built anew is far cheaper
    # than one grown by a million rows (minutes): the index goes, and comes back with the
    # filter keys in it.
    "DROP INDEX IF EXISTS article_search_gin",
    PG_FILTER_BACKFILL,
    PG_TABLE_INDEXES["article_search_gin"],
    f"ANALYZE {PG_TABLE}",
]
PG_FILTER_TEARDOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {link}_search_{event} ON {link}"
        for link in KEYED_LINKS
        for event in ("insert", "update", "delete", "truncate")
    ),
    "DROP TRIGGER IF EXISTS archive_region_search_keys ON archive_region",
    _sync_function(filter_keys=False),
    *_sync_trigger(SYNC_COLUMNS),
    "DROP INDEX IF EXISTS article_search_gin",
    PG_WORD_DATE_INDEX,
    f"ALTER TABLE {PG_TABLE} DROP COLUMN IF EXISTS filter_keys",
    *(
        f"DROP FUNCTION IF EXISTS {name}"
        for name in (
            "archive_region_search_keys()",
            "archive_article_search_relinked()",
            "archive_article_search_linked()",
            "archive_article_search_rekey(bigint[])",
            "archive_article_filter_keys(bigint)",
            "archive_code_keys(text)",
        )
    ),
]


def _words(text: str) -> list[str]:
    """Word characters only: operators, quotes and punctuation fall away."""
    return [w for w in WORD.findall(text) if w.strip("_")]


@dataclass
class Query:
    """A parsed search: AND-combined terms and phrases, in simplified Chinese."""

    text: str
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms or self.phrases)

    @property
    def marks(self) -> list[str]:
        """Words to highlight in results, longest first."""
        words = set(self.terms)
        for phrase in self.phrases:
            words.add("".join(_phrase_surface(phrase)))
        return sorted((w for w in words if w), key=len, reverse=True)

    def fts5(self) -> str:
        """An FTS5 MATCH expression made only of quoted literals."""
        parts = [_fts_string(t) for t in self.terms]
        parts += [_fts_string(" ".join(p)) for p in self.phrases]
        return " AND ".join(parts)


def _phrase_surface(tokens: list[str]) -> list[str]:
    """The phrase as written: cut_for_search repeats sub-words before their word."""
    out: list[str] = []
    for tok in tokens:
        while out and out[-1] in tok and len(out[-1]) < len(tok):
            out.pop()
        out.append(tok)
    return out


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def parse(text: str | None) -> Query:
    """Turn what a reader typed into a ``Query``; never raises."""
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    query = Query(text=text)
    if not text:
        return query
    plain = simplified(text)
    rest = []
    pos = 0
    for m in PHRASE.finditer(plain):
        rest.append(plain[pos : m.start()])
        pos = m.end()
        inner = next(g for g in m.groups() if g is not None)
        tokens = [t for w in jieba.cut_for_search(inner) for t in _words(w)]
        tokens = [t.lower() for t in tokens]
        if len(tokens) == 1:
            query.terms.append(tokens[0])
        elif tokens:
            query.phrases.append(tokens)
    rest.append(plain[pos:])
    for chunk in rest:
        # An unmatched quote is just a character.
        for word in jieba.cut(chunk.replace('"', " ")):
            for token in _words(word):
                token = token.lower()
                if token not in query.terms:
                    query.terms.append(token)
    query.terms = query.terms[:MAX_TERMS]
    query.phrases = query.phrases[:MAX_TERMS]
    return query


# --- database side ----------------------------------------------------------------------

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


def _tsquery(query: Query) -> tuple[str, list]:
    """PostgreSQL tsquery SQL and its parameters: the user's words only as parameters."""
    parts, params = [], []
    for term in query.terms:
        parts.append("plainto_tsquery('simple'::regconfig, %s)")
        params.append(term)
    for phrase in query.phrases:
        parts.append("phraseto_tsquery('simple'::regconfig, %s)")
        params.append(" ".join(phrase))
    return "(" + " && ".join(parts) + ")", params


def _side_table_where(query: Query | None, dates=None, keys=None) -> tuple[str, list]:
    """The side table's condition for public matches of ``query`` (any public row if it is
    empty) within ``dates`` (a dict of ``date``, ``from``, ``to``) that have every filter
    key in ``keys`` (if given; see "filter keys" above), and its parameters."""
    where, params = "public", []
    if query:
        tsquery, params = _tsquery(query)
        where += f" AND search_vector @@ {tsquery}"
    if keys:
        where += " AND filter_keys @> %s::text[]"
        params.append(list(keys))
    for key, op in (("date", "="), ("from", ">="), ("to", "<=")):
        if dates and dates.get(key):
            where += f" AND published {op} %s"
            params.append(dates[key])
    return where, params


def _fetch_ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def plan_rows(sql: str, params: list) -> int:
    """PostgreSQL's estimate of the rows ``sql`` returns (EXPLAIN: statistics, no scan)."""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def estimate(query: Query, dates=None, keys=None) -> int:
    """PostgreSQL only: the planner's estimate of the public articles matching ``query``
    (within ``dates``, with the filter ``keys``), from the side table's statistics; close
    for common words, which are the sets too large to count as a page is asked for."""
    where, params = _side_table_where(query, dates, keys)
    return plan_rows(f"SELECT 1 FROM {PG_TABLE} WHERE {where}", params)


@dataclass
class DateShares:
    """The side table's dates as ANALYZE saw them: ``rows`` in all, ``common`` (the most
    common dates and the share of rows on each), ``bounds`` (equal-frequency bounds of the
    other dated rows, oldest first) and ``undated`` (the share without a date)."""

    rows: float
    bounds: list[datetime.date]
    common: list[tuple[datetime.date, float]] = field(default_factory=list)
    undated: float = 0.0

    def __post_init__(self):
        self.common = sorted(self.common)
        self._common_days = [d for d, _f in self.common]
        self._later = [0.0] * (len(self.common) + 1)  # share on common dates from i on
        for i in range(len(self.common) - 1, -1, -1):
            self._later[i] = self._later[i + 1] + self.common[i][1]
        self._spread = max(1.0 - self.undated - self._later[0], 0.0)

    def since(self, day: datetime.date) -> float:
        """The share of rows dated ``day`` or later (the dates between two bounds spread
        evenly over the days between them)."""
        share = self._later[bisect.bisect_left(self._common_days, day)]
        b = self.bounds
        if len(b) < 2 or not self._spread:
            return share
        if day <= b[0]:
            return share + self._spread
        i = bisect.bisect_right(b, day) - 1
        if i >= len(b) - 1:  # on or after the last bound
            return share
        width = (b[i + 1] - b[i]).days
        inside = (b[i + 1] - day).days / width if width else 0.0
        return share + self._spread * (len(b) - 2 - i + inside) / (len(b) - 1)

    def between(self, day: datetime.date, before: datetime.date | None) -> float:
        """The share of rows dated from ``day`` up to ``before`` (if given)."""
        later = self.since(before + datetime.timedelta(days=1)) if before else 0.0
        return max(self.since(day) - later, 0.0)

    def days(self, before: datetime.date | None) -> list[datetime.date]:
        """The dates a range may start at (bounds and common dates), newest first."""
        found = set(self.bounds) | {d for d, _f in self.common}
        return sorted((d for d in found if before is None or d <= before), reverse=True)


def date_shares() -> DateShares:
    """What ANALYZE recorded of the side table's dates (nothing before it has run)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.reltuples, s.histogram_bounds::text, s.most_common_vals::text, "
            "s.most_common_freqs, s.null_frac FROM pg_class c "
            "LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'published' "
            "WHERE c.relname = %s",
            [PG_TABLE],
        )
        row = cur.fetchone()
    if not row or (row[1] is None and row[2] is None):
        return DateShares(rows=0.0, bounds=[])
    rows, bounds, common, freqs, undated = row

    def dates(text):
        return [datetime.date.fromisoformat(d) for d in (text or "").strip("{}").split(",") if d]

    return DateShares(
        rows=max(float(rows or 0), 0.0),
        bounds=dates(bounds),
        common=list(zip(dates(common), [float(f) for f in freqs or []], strict=False)),
        undated=float(undated or 0),
    )


# What a row of a date range costs the index, against what a match costs when every match
# is fetched and sorted (measured at a million articles, warm: ~0.45 µs a range row, ~1.8
# µs a match): a range is tried only while it holds fewer than 1 / RANGE_ROW_COST rows per
# expected match.
RANGE_ROW_COST = 0.25
RANGE_WORK_MEM = "32MB"


def _newest_cutoffs(limit: int, expected: int, before: datetime.date | None = None, shares=None):
    """Dates from which on, by the table's statistics (``shares()``), the newest rows (up to
    ``before``, if given) hold about 1.5 × ``limit`` matches of a query expected to match
    ``expected`` rows, then four times as many rows, and so on, while that is less than half
    the table and cheaper than fetching all ``expected`` matches."""
    if expected <= 0:
        return
    stats = (shares or date_shares)()
    days = stats.days(before)
    share = 1.5 * limit / expected
    last = None
    while share < 0.5:
        # The newest date from which on the rows hold that share (the share grows as the
        # dates, newest first, go back).
        i = bisect.bisect_left(days, share, key=lambda d: stats.between(d, before))
        at = days[i] if i < len(days) else None
        # The index collects every row of the range before it intersects them with the
        # word's matches: for a word with few matches per row of the range, fetching all
        # of its matches is cheaper.
        if at is None or RANGE_ROW_COST * stats.rows * stats.between(at, before) >= expected:
            return
        if at != last:  # a common date may hold the wider share too: ask once
            yield at
        last = at
        share *= 4


def public_ids(
    query: Query,
    *,
    limit: int,
    newest=False,
    dates=None,
    expected: int | None = None,
    after: tuple[datetime.date | None, int] | None = None,
    shares=None,
    keys=None,
) -> list[int]:
    """PostgreSQL only: ids of public articles matching ``query`` (and, if given, the date
    conditions ``dates``: a dict of ``date``, ``from``, ``to``, and the filter ``keys``), at
    most ``limit``, the newest first if ``newest`` (and then, given a keyset cursor
    ``after`` = (date or None, id), only those after it in that order); read from the side
    table alone.

    The newest matches of a common word are found by trying the newest dates first: the
    index gives the matches from a cutoff date on without reading other rows, and when
    they are ``limit`` or more they are the newest ones. The cutoffs come from the table's
    date statistics and the planner's estimate (``expected``, asked for if not given); if
    none yields enough, or a range would cost more than every match, all matches are
    sorted. ``shares`` reads the date statistics (``date_shares`` unless given: a page that
    asks twice passes a memo).
    """
    where, params = _side_table_where(query, dates, keys)
    before = None
    if after is not None:
        day, pk = after
        if day is None:  # undated rows come last, by id
            where += " AND published IS NULL AND article_id < %s"
            params.append(pk)
        else:
            where += (
                " AND (published < %s OR (published = %s AND article_id < %s) OR published IS NULL)"
            )
            params += [day, day, pk]
            before = day
    if not newest:
        return _fetch_ids(
            f"SELECT article_id FROM {PG_TABLE} WHERE {where} LIMIT %s", [*params, limit]
        )
    # OFFSET 0 keeps the planner from walking the date index and testing each row's vector
    # (reading thousands of vectors to find a page of a word's matches).
    sql = (
        f"SELECT article_id FROM (SELECT article_id, published FROM {PG_TABLE} "
        f"WHERE {where}{{cutoff}} OFFSET 0) s "
        "ORDER BY published DESC NULLS LAST, article_id DESC LIMIT %s"
    )
    if not (dates and (dates.get("date") or dates.get("to"))) and not (after and not before):
        since = dates.get("from") if dates else None
        if expected is None:
            expected = estimate(query, dates, keys)
        for cutoff in _newest_cutoffs(limit, expected, before, shares):
            if since and cutoff <= since:
                break
            with transaction.atomic():
                # A date range of a hundred thousand rows overflows the default 4 MB
                # bitmap, which then turns lossy and returns whole pages of candidates.
                with connection.cursor() as cur:
                    cur.execute(f"SET LOCAL work_mem = '{RANGE_WORK_MEM}'")
                ids = _fetch_ids(
                    sql.format(cutoff=" AND published >= %s"), [*params, cutoff, limit]
                )
            if len(ids) >= limit:
                return ids
    return _fetch_ids(sql.format(cutoff=""), [*params, limit])


def rank_order(query: Query, ids: list[int]) -> list[int]:
    """PostgreSQL only: ``ids`` (public matches of ``query``) by relevance, then newest,
    read from the side table alone."""
    if not ids:
        return []
    tsquery, params = _tsquery(query)
    return _fetch_ids(
        f"SELECT article_id FROM {PG_TABLE} WHERE article_id = ANY(%s::bigint[]) "
        f"ORDER BY ts_rank_cd(search_vector, {tsquery}) DESC, "
        "published DESC NULLS LAST, article_id DESC",
        [id_array(ids), *params],
    )


def restrict(queryset, query: Query):
    """Filter ``queryset`` to articles matching ``query``."""
    if not query:
        return queryset
    vendor = connection.vendor
    if vendor == "postgresql":
        tsquery, params = _tsquery(query)
        # Only public rows are indexed; the queryset is of public articles anyway.
        hits = RawSQL(
            f"SELECT article_id FROM {PG_TABLE} WHERE public AND search_vector @@ {tsquery}",
            params,
        )
        return queryset.filter(pk__in=hits)
    if vendor == "sqlite":
        ensure_sqlite_index()
        hits = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query.fts5()])
        return queryset.filter(pk__in=hits)
    # Other databases: a slow but correct containment scan over search_text.
    for term in query.terms:
        queryset = queryset.filter(search_text__contains=term)
    for phrase in query.phrases:
        queryset = queryset.filter(search_text__contains=" ".join(phrase))
    return queryset


def rank(queryset, query: Query):
    """Annotate ``queryset`` (articles known to match ``query``) with ``search_rank``,
    higher is better; computed per row, so meant for a bounded set of rows. PostgreSQL
    ranks ids in the side table instead (``rank_order``)."""
    if not query:
        return queryset
    vendor = connection.vendor
    if vendor == "postgresql":
        raise NotImplementedError("PostgreSQL ranks in the side table: use rank_order()")
    if vendor == "sqlite":
        ensure_sqlite_index()
        # bm25 (FTS5's rank) is negative, better matches more so.
        score = Func(
            Value(query.fts5()),
            ColumnOf("id"),
            template=f"(SELECT -rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %(expressions)s)",
            arg_joiner=" AND rowid = ",
            output_field=FloatField(),
        )
    else:
        score = F("confidence")
    return queryset.annotate(search_rank=score)


# --- highlighting -----------------------------------------------------------------------


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``words`` in ``text`` (compared in simplified, lower case)."""
    if not words or not text:
        return []
    plain = simplified(text).lower()
    if len(plain) != len(text):
        plain = text.lower()
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(plain)]


def mark(text: str, spans: list[tuple[int, int]], tag: str = "mark") -> SafeString:
    """Escape ``text`` and wrap each span in ``<tag>``."""
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<{tag}>{escape(text[start:end])}</{tag}>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def highlight(text: str, query: Query) -> SafeString:
    """``text`` escaped, with the query's words in ``<mark>``."""
    return mark(text, _spans(text, query.marks))


def snippet(text: str, query: Query, width: int = 120) -> SafeString:
    """A window of ``text`` around the first match, escaped and highlighted."""
    text = re.sub(r"\s+", " ", text or "").strip()
    spans = _spans(text, query.marks)
    if not spans:
        short = text[:width]
        return mark(short + ("…" if len(text) > width else ""), [])
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    piece = mark(text[start:end], window)
    return mark_safe(("…" if start else "") + piece + ("…" if end < len(text) else ""))
