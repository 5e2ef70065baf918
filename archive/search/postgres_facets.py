"""PostgreSQL: one narrow row per article with what its facets count, kept by triggers.

A list's facets count the sources, years, regions, tags and officials of a set of up to a
couple of thousand articles (all of a small set, else the newest ``FACET_SAMPLE``). Asked
of the article and link tables, that is five queries of a thousand index probes each (some
30 ms at a million articles). ``archive_article_facets`` holds, per article, its source,
date and the sorted ids of its regions, tags and officials, so one query of one probe per
article gives every facet, and ``tally`` counts them here.

The triggers (migration 0008):

- on ``archive_article``, per row: a new article gets its row (with whatever links already
  exist: Django's foreign keys are deferred, so links may come first), a changed source or
  date is copied, a deleted article loses its row; TRUNCATE empties the table;
- on the three link tables, per statement (with transition tables, so a bulk insert of a
  file's links is one update): the arrays of every article a statement touched are read
  again from the link tables; TRUNCATE reads them all again.

SQLite has no such table: facets are counted with the ORM there (``archive/facets.py``).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain

TABLE = "archive_article_facets"
# (link table, the column it links to, the array column here)
LINKS = (
    ("archive_articleregion", "region_id", "region_ids"),
    ("archive_articletag", "tag_id", "tag_ids"),
    ("archive_mention", "person_id", "person_ids"),
)


def _array(link: str, key: str, article: str) -> str:
    """The sorted ids an article links to in ``link``."""
    return f"ARRAY(SELECT l.{key} FROM {link} l WHERE l.article_id = {article} ORDER BY 1)"


def linked_arrays(article: str) -> str:
    """The three arrays of an article, in the table's column order (for an INSERT)."""
    return ", ".join(_array(link, key, article) for link, key, _column in LINKS)


def _arrays(alias: str) -> str:
    """``SET`` clauses that read an article's arrays again from the link tables."""
    return ", ".join(
        f"{column} = {_array(link, key, alias + '.article_id')}" for link, key, column in LINKS
    )


# An importer writes a file's articles and links with the rows' triggers at rest and then
# each article's search and facet rows once (``archive_article_rows_refresh``, migration
# 0019), instead of rewriting them after every link table: it sets this, local to its
# transaction, and nothing else does (see ``importer._write``).
DEFERRED = "current_setting('difang.defer_rows', true) = 'on'"
SKIP_DEFERRED_INSERT = f"IF TG_OP = 'INSERT' AND {DEFERRED} THEN RETURN NULL; END IF;"


def linked_trigger_function(name: str, apply: str) -> str:
    """A trigger function for the three statements of a link table that calls ``apply``
    (a function of ``ids bigint[]``) with the articles the statement touched; each branch
    names only the transition tables its statement has. An importer's links (``DEFERRED``)
    are read with its rows at the end instead."""
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF {DEFERRED} THEN
            RETURN NULL;
        END IF;
        IF TG_OP = 'INSERT' THEN
            PERFORM {apply}(ARRAY(SELECT DISTINCT article_id FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM {apply}(ARRAY(SELECT DISTINCT article_id FROM old_rows));
        ELSE
            PERFORM {apply}(ARRAY(
                SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows));
        END IF;
        RETURN NULL;
    END $$"""


# A statement's transition tables, by event: what a per-statement trigger may read.
TRANSITION_TABLES = (
    ("insert", "REFERENCING NEW TABLE AS new_rows"),
    ("update", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("delete", "REFERENCING OLD TABLE AS old_rows"),
)


def statement_triggers(name: str, table: str, function: str, truncate: str) -> list[str]:
    """(Re)create the per-statement triggers ``{name}_insert``, ``_update`` and ``_delete``
    on ``table``, which call ``function()`` with their transition tables, and
    ``{name}_truncate``, which calls ``truncate()``."""
    ddl = []
    for event, tables in TRANSITION_TABLES:
        ddl += [
            f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}",
            f"CREATE TRIGGER {name}_{event} AFTER {event.upper()} ON {table} {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    return [
        *ddl,
        f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
        f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {truncate}()",
    ]


def drop_statement_triggers(name: str, table: str) -> list[str]:
    """The DROPs of what ``statement_triggers`` made."""
    return [
        f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}"
        for event in ("insert", "update", "delete", "truncate")
    ]


def row(article: str) -> str:
    """An article's facet row, in the table's column order, ``article`` naming it in the
    query (``NEW`` in a trigger, an alias of the article table)."""
    return f"{article}.id, {article}.source_id, {article}.published, " + linked_arrays(
        f"{article}.id"
    )


def upsert(rows: str) -> str:
    """Write the facet rows of ``rows`` (a ``VALUES`` or ``SELECT`` of ``row``), read again
    if one is already there."""
    return f"""INSERT INTO {TABLE} (article_id, source_id, published, region_ids, tag_ids,
                                    person_ids)
            {rows}
            ON CONFLICT (article_id) DO UPDATE SET
                source_id = EXCLUDED.source_id, published = EXCLUDED.published,
                region_ids = EXCLUDED.region_ids, tag_ids = EXCLUDED.tag_ids,
                person_ids = EXCLUDED.person_ids;"""


# The arrays are read with the row (three index probes, no links yet for a new
# article as a rule) instead of by an update after it: one row version per article.
SYNC_FUNCTION = f"""CREATE OR REPLACE FUNCTION archive_article_facets_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {SKIP_DEFERRED_INSERT}
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN
            DELETE FROM {TABLE} WHERE article_id = OLD.id;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN NULL;
        END IF;
        {upsert(f"VALUES ({row('NEW')})")}
        RETURN NULL;
    END $$"""
LINKED_FUNCTION = linked_trigger_function(
    "archive_article_facets_linked", "archive_article_facets_links"
)

SETUP = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        article_id bigint PRIMARY KEY,
        source_id bigint,
        published date,
        region_ids bigint[] NOT NULL DEFAULT '{{}}',
        tag_ids bigint[] NOT NULL DEFAULT '{{}}',
        person_ids bigint[] NOT NULL DEFAULT '{{}}'
    )""",
    f"""CREATE OR REPLACE FUNCTION archive_article_facets_links(ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
        UPDATE {TABLE} f SET
        {_arrays("f")}
        WHERE f.article_id = ANY(ids)
    $$""",
    SYNC_FUNCTION,
    f"""CREATE OR REPLACE FUNCTION archive_article_facets_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE {TABLE};
        RETURN NULL;
    END $$""",
    LINKED_FUNCTION,
    f"""CREATE OR REPLACE FUNCTION archive_article_facets_relinked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} f SET
        {_arrays("f")};
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS archive_article_facets_rows ON archive_article",
    "CREATE TRIGGER archive_article_facets_rows "
    "AFTER INSERT OR DELETE OR UPDATE OF id, source_id, published "
    "ON archive_article FOR EACH ROW EXECUTE FUNCTION archive_article_facets_sync()",
    "DROP TRIGGER IF EXISTS archive_article_facets_truncate ON archive_article",
    "CREATE TRIGGER archive_article_facets_truncate AFTER TRUNCATE ON archive_article "
    "FOR EACH STATEMENT EXECUTE FUNCTION archive_article_facets_truncate()",
]
for _link, _key, _column in LINKS:
    SETUP += statement_triggers(
        f"{_link}_facets", _link, "archive_article_facets_linked", "archive_article_facets_relinked"
    )
# The rows already there, once the triggers keep up (same transaction: nothing slips by).
SETUP.append(
    f"""INSERT INTO {TABLE} (article_id, source_id, published, region_ids, tag_ids, person_ids)
        SELECT a.id, a.source_id, a.published, {linked_arrays("a.id")}
        FROM archive_article a
        ON CONFLICT (article_id) DO NOTHING"""
)

TEARDOWN = [
    "DROP TRIGGER IF EXISTS archive_article_facets_rows ON archive_article",
    "DROP TRIGGER IF EXISTS archive_article_facets_truncate ON archive_article",
]
for _link, _key, _column in LINKS:
    TEARDOWN += drop_statement_triggers(f"{_link}_facets", _link)
TEARDOWN += [
    f"DROP FUNCTION IF EXISTS {name}()"
    for name in (
        "archive_article_facets_sync",
        "archive_article_facets_truncate",
        "archive_article_facets_linked",
        "archive_article_facets_relinked",
    )
]
TEARDOWN += [
    "DROP FUNCTION IF EXISTS archive_article_facets_links(bigint[])",
    f"DROP TABLE IF EXISTS {TABLE}",
]

FETCH = (
    f"SELECT f.source_id, f.published, f.region_ids, f.tag_ids, f.person_ids "
    f"FROM unnest(%s::bigint[]) AS i(id) JOIN {TABLE} f ON f.article_id = i.id"
)


def id_array(ids: Iterable[int]) -> str:
    """Integer ids as one PostgreSQL array literal (``{1,2,3}``), for a ``%s::bigint[]``
    parameter: a thousand ids bound as a text are sent at once, where the driver would
    quote each element of a list on its own (some 2 ms per thousand here)."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


@dataclass
class Row:
    """What one article's facets count."""

    source_id: int | None
    published: datetime.date | None
    region_ids: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)


def fetch(cursor, ids: list[int]) -> list[Row]:
    """The rows of the articles ``ids`` (one query)."""
    cursor.execute(FETCH, [id_array(ids)])
    return [Row(*r) for r in cursor.fetchall()]


CODES = (
    "SELECT r.id, COALESCE(r.code, p.code) FROM archive_region r "
    "LEFT JOIN archive_region p ON p.id = r.parent_id WHERE r.id = ANY(%s::bigint[])"
)


def codes(cursor, region_ids: Iterable[int]) -> dict[int, str | None]:
    """Each region's code, its parent's for one without (a township counts where its
    county does)."""
    cursor.execute(CODES, [id_array(sorted(region_ids))])
    return dict(cursor.fetchall())


def top(counter: Counter, size: int) -> list[tuple[int, int]]:
    """The ``size`` largest counts, most first, ties by smaller key (as the SQL path)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:size]


@dataclass
class Regions:
    """How a region id counts in the region facet: ``prefixes`` maps a code prefix length
    to {prefix: child region}; ``uncoded`` children count their own links; ``code`` gives
    a linked region's code (its parent's when it has none); ``within``, if set, is the
    subtree a link must lie in."""

    prefixes: dict[int, dict[str, int]]
    uncoded: set[int]
    code: dict[int, str | None]
    within: set[int] | None = None

    def __post_init__(self):
        self._of = {}

    def children_of(self, rid: int) -> tuple[int, ...]:
        """The facet's children a link to region ``rid`` counts for (remembered)."""
        hit = self._of.get(rid)
        if hit is None:
            found = set()
            if self.within is None or rid in self.within:
                if rid in self.uncoded:
                    found.add(rid)
                code = self.code.get(rid)
                for length, children in self.prefixes.items() if code else ():
                    child = children.get(code[:length])
                    if child is not None:
                        found.add(child)
            hit = self._of[rid] = tuple(found)
        return hit

    def children(self, region_ids: Iterable[int]) -> set[int]:
        """The children an article linked to ``region_ids`` counts for, each once."""
        hit = set()
        for rid in region_ids:
            hit.update(self.children_of(rid))
        return hit


def tally(rows: list[Row], regions: Regions, size: int) -> dict:
    """Facet counts over ``rows``: the ``size`` largest sources, tags and officials, every
    region child (most first) and up to 30 years (newest first); the same numbers as
    ``Listing.facet_counts`` asks the link tables for."""
    sources = Counter(row.source_id for row in rows if row.source_id is not None)
    years = Counter(row.published.year for row in rows if row.published is not None)
    tags = Counter(chain.from_iterable(row.tag_ids for row in rows))
    people = Counter(chain.from_iterable(row.person_ids for row in rows))
    places = Counter(chain.from_iterable(regions.children(row.region_ids) for row in rows))
    return {
        "region": top(places, len(places)),
        "source": top(sources, size),
        "year": sorted(years.items(), reverse=True)[:30],
        "tag": top(tags, size),
        "official": top(people, size),
    }
