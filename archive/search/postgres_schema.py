"""PostgreSQL's search schema: the DDL that migrations 0003, 0006, 0007, 0009, 0010, 0019
and 0020 run.

- ``archive_article.search_vector`` (0003, dropped by 0006): a generated tsvector column.
- ``archive_article_search`` (``PG_TABLE``, 0006): a side table of one narrow row per
  article (id, date, whether public, ``to_tsvector('simple', search_text)``), kept in sync
  by triggers on ``archive_article``, with one GIN index over the words, the date
  (btree_gin, 0007) and the filter keys (regions, source, tags, officials; 0010) of public
  rows. Its statistics targets are raised for the planner's estimates (0007, 0009).

What the queries against it are is in ``archive.search.postgres``; SQLite's FTS5 schema is
in ``archive.search.sqlite``. Nothing here runs a query: these are strings.
"""

from __future__ import annotations

from archive.search.postgres_facets import LINKED_FUNCTION as FACETS_LINKED
from archive.search.postgres_facets import (
    LINKS,
    SKIP_DEFERRED_INSERT,
    drop_statement_triggers,
    linked_trigger_function,
    statement_triggers,
)
from archive.search.postgres_facets import SYNC_FUNCTION as FACETS_SYNC
from archive.search.postgres_facets import row as facets_row
from archive.search.postgres_facets import upsert as facets_upsert

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


def _search_row(article: str, filter_keys: bool) -> str:
    """An article's search row, in ``_search_upsert``'s column order, ``article`` naming it
    in the query (``NEW`` in a trigger, an alias of the article table)."""
    keys = f", archive_article_filter_keys({article}.id)" if filter_keys else ""
    return (
        f"{article}.id, {article}.published, {article}.review_status = 'published', "
        f"to_tsvector('simple'::regconfig, coalesce({article}.search_text, '')){keys}"
    )


def _search_upsert(rows: str, filter_keys: bool) -> str:
    """Write the search rows of ``rows`` (a ``VALUES`` or ``SELECT`` of ``_search_row``),
    over one already there."""
    columns = ", filter_keys" if filter_keys else ""
    keep = ", filter_keys = EXCLUDED.filter_keys" if filter_keys else ""
    return f"""INSERT INTO {PG_TABLE} (article_id, published, public, search_vector{columns})
                {rows}
                ON CONFLICT (article_id) DO UPDATE SET published = EXCLUDED.published,
                    public = EXCLUDED.public, search_vector = EXCLUDED.search_vector{keep};"""


def _sync_function(filter_keys: bool) -> str:
    """The article table's trigger function for the search table (migration 0006 made it
    without filter keys, 0010 with them: a new row gets its keys, a changed source its key)."""
    rekey = ""
    if filter_keys:
        rekey = """,
                    filter_keys = CASE WHEN NEW.source_id IS DISTINCT FROM OLD.source_id
                        THEN archive_article_filter_keys(NEW.id) ELSE filter_keys END"""
    new_row = f"VALUES ({_search_row('NEW', filter_keys)})"
    return f"""CREATE OR REPLACE FUNCTION archive_article_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {SKIP_DEFERRED_INSERT}
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
            {_search_upsert(new_row, filter_keys)}
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
# linked to and of each region above (``region_key`` in archive/listing/places.py: the GB/T 2260
# code prefix a region's subtree shares, or ``#<id>`` for a township without a code),
# ``s`` + its source, ``t`` + each tag, ``p`` + each official mentioned, in the GIN index
# beside the words and the date. The word's matches and the filter's articles are then
# intersected in one index scan. The article table's date order tested the words of every
# article of the filter it passed (130–320 ms for a common word in a province, a source or
# a tag at a million articles); with a separate index for the keys the planner still took
# the filter's rows and tested each.
#
# The keys of a code: its province's prefix, its prefecture's, its own (as ``code_prefix``
# in archive/listing/places.py cuts them: 370000 → 37; 371500 → 37, 3715; 371522 → 37,
# 3715, 371522).
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
SEARCH_SYNC = _sync_function(filter_keys=True)
SEARCH_LINKED = linked_trigger_function(
    "archive_article_search_linked", "archive_article_search_rekey"
)
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
    SEARCH_SYNC,
    *_sync_trigger(SYNC_COLUMNS + ", source_id"),
    # Per statement, with transition tables (a file's links are one update), as the facet
    # rows are kept (archive/search/postgres_facets.py).
    SEARCH_LINKED,
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
    PG_FILTER_SETUP += statement_triggers(
        f"{_link}_search", _link, "archive_article_search_linked", "archive_article_search_relinked"
    )
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
    *(sql for link in KEYED_LINKS for sql in drop_statement_triggers(f"{link}_search", link)),
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


# --- an importer's rows, written once per file (migration 0019) ------------------------
# With ``difang.defer_rows`` on (``postgres_facets.DEFERRED``) the article and link
# triggers leave a new article's search and facet rows alone; the importer then calls this
# once for the file's new articles, after their links: one row version each, where the
# link tables' triggers rewrote a row (its words' GIN entries included) once per table.
# It switches the setting off first (to the end of the transaction), so the triggers keep
# whatever follows.
_NEW_ROWS = "FROM archive_article a WHERE a.id = ANY(ids)"
PG_ROWS_REFRESH = f"""CREATE OR REPLACE FUNCTION archive_article_rows_refresh(ids bigint[])
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('difang.defer_rows', 'off', true);
        {_search_upsert(f"SELECT {_search_row('a', True)} {_NEW_ROWS}", True)}
        {facets_upsert(f"SELECT {facets_row('a')} {_NEW_ROWS}")}
    END $$"""
# The four trigger functions again (they check ``DEFERRED`` now), then the refresh.
PG_DEFER_SETUP = [SEARCH_SYNC, SEARCH_LINKED, FACETS_SYNC, FACETS_LINKED, PG_ROWS_REFRESH]
PG_DEFER_TEARDOWN = ["DROP FUNCTION IF EXISTS archive_article_rows_refresh(bigint[])"]


# --- a narrow heap (migration 0020) -------------------------------------------------------
# A count of a word's matches by month or by place reads each match's row (its date and
# keys) from the heap. With the vectors inline the heap was 1.5 GB at a million articles (5
# rows a page), and a word in a fifth of the articles read most of it. PostgreSQL moves a
# value out of line only when the whole row is over TOAST_TUPLE_THRESHOLD (2 kB, a compiled
# constant; toast_tuple_target alone changes nothing for a smaller row), and 44% of the
# generated articles' rows are under it. ``toast_pad``, 2 kB of spaces (35 bytes once
# compressed), puts every row over it; the toaster then compresses the pad and, down to
# toast_tuple_target, moves the vector out. The heap is then ~110 bytes a row (112 MB), and
# the vector is read only where it is needed (ranking, a phrase's positions).
PG_NARROW_SETUP = [
    f"ALTER TABLE {PG_TABLE} SET (toast_tuple_target = 128)",
    # Not compressed: a tsvector of Chinese words seldom shrinks by the quarter pglz needs.
    f"ALTER TABLE {PG_TABLE} ALTER COLUMN search_vector SET STORAGE EXTERNAL",
    # The keys stay in the row (MAIN: out of line only past 8 kB): a spread unnests every
    # match's keys, and fetching them from the TOAST table tripled its time.
    f"ALTER TABLE {PG_TABLE} ALTER COLUMN filter_keys SET STORAGE MAIN",
    # A stored generated column: the table is rewritten, every row through the toaster.
    f"ALTER TABLE {PG_TABLE} ADD COLUMN IF NOT EXISTS toast_pad text "
    "GENERATED ALWAYS AS (repeat(' ', 2048)) STORED",
    f"ANALYZE {PG_TABLE}",
]
PG_NARROW_TEARDOWN = [
    f"ALTER TABLE {PG_TABLE} DROP COLUMN IF EXISTS toast_pad",
    f"ALTER TABLE {PG_TABLE} ALTER COLUMN search_vector SET STORAGE EXTENDED",
    f"ALTER TABLE {PG_TABLE} ALTER COLUMN filter_keys SET STORAGE EXTENDED",
    f"ALTER TABLE {PG_TABLE} RESET (toast_tuple_target)",
]
