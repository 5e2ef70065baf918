"""The ORM edge of reprint clustering: signature and band rows, stories, collapse.

``cluster_articles`` runs inside the importer's transaction for a file's new articles: one
indexed lookup of their band keys finds the candidates, ``core.is_reprint`` verifies them,
and each article joins (or founds, or merges) a story. On PostgreSQL it first takes an
advisory lock on each of their band keys (``archive.locks``, held until commit), so two
reprints imported at the same moment, which share a band key, take turns and the second
finds the first; importers of unrelated articles do not wait for each other. SQLite has
one writer anyway.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from archive.locks import lock_keys
from archive.models import Article
from archive.reprints import core
from archive.reprints.models import ReprintBand, ReprintSignature, Story, StoryMember
from archive.sqlin import in_values


def candidate_signatures(keys: list[int]) -> dict[int, core.Signature | None]:
    """The stored signatures of the articles sharing at least one of these band keys, by
    primary key: one statement (``_candidates_sql``)."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*_candidates_sql(keys))
        rows = cursor.fetchall()
    return {pk: core.Signature.from_bytes(bytes(data)) for pk, data in rows}


def _candidates_sql(keys: list[int]) -> tuple[str, list]:
    """The candidates come first, through the band index (its key and article columns;
    a story reprinted by 300 outlets has 300 rows under each of its keys), and their
    signatures by primary key after. On PostgreSQL as ``ANY(ARRAY(...))``, one probe per
    candidate: as a join or ``IN (subquery)`` the planner may hash-join a sequential scan
    of all signatures instead."""
    bands, signatures = ReprintBand._meta.db_table, ReprintSignature._meta.db_table
    keyed, params = in_values("key", sorted(keys))
    if connection.vendor == "postgresql":
        sql = (
            f'SELECT article_id, "values" FROM {signatures} WHERE article_id = ANY(ARRAY('
            f"SELECT DISTINCT article_id FROM {bands} WHERE {keyed}))"
        )
    else:
        sql = (
            f'SELECT article_id, "values" FROM {signatures} WHERE article_id IN ('
            f"SELECT article_id FROM {bands} WHERE {keyed})"
        )
    return sql, params


def explain_candidates(keys: list[int]) -> str:
    """The database's plan of the candidate lookup (to show that it uses the indexes)."""
    sql, params = _candidates_sql(keys)
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {sql}", params)
        return "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())


def cluster_article(article: Article) -> Story | None:
    """Sign an article that has no signature yet and put it in its story (the backfill
    calls it for each unsigned one), inside a transaction: the band-key locks it takes
    last until that commits. Returns the article's story, if it has one."""
    return cluster_articles([article])[0]


def cluster_articles(articles: list[Article]) -> list[Story | None]:
    """``cluster_article`` of each article in turn, as the importer calls it for a file's
    new ones: the locks on all their band keys at once, one lookup of the articles that
    share any (an article also matches one before it in the list), one insert of their
    signatures and band keys; then each joins its story. Returns each one's story."""
    signed = []
    for article in articles:
        grams = core.shingles(article.body)
        sig = core.signature_of_shingles(grams)
        signed.append((article, grams, sig, sig.band_keys() if sig is not None else []))
    keys = sorted({key for *_rest, article_keys in signed for key in article_keys})
    lock_keys(keys)
    # The candidates of any of the file's articles, then the file's own as they are seen;
    # which of them an article's candidates are is told by their signatures (``shares_band``).
    signatures = candidate_signatures(keys)
    bodies: dict[int, frozenset[int]] = {}
    matches = []
    for article, grams, sig, _keys in signed:
        matched: dict[int, float] = {}
        for other_id, other in sorted(signatures.items()) if sig is not None else ():
            if other is None or other_id == article.pk or not sig.shares_band(other):
                continue

            def exact(other_id=other_id, grams=grams):
                if other_id not in bodies:
                    body = Article.objects.values_list("body", flat=True).get(pk=other_id)
                    bodies[other_id] = core.shingles(body)
                return core.jaccard(grams, bodies[other_id])

            ok, value = core.is_reprint(sig, other, exact)
            if ok:
                matched[other_id] = value
        matches.append(matched)
        signatures[article.pk], bodies[article.pk] = sig, grams
    save_signatures([(article.pk, sig, len(grams), ks) for article, grams, sig, ks in signed])
    stories = Joins({other for matched in matches for other in matched})
    found = [
        stories.join(article.pk, article.published_date, matched) if matched else None
        for (article, *_rest), matched in zip(signed, matches, strict=True)
    ]
    stories.write()
    return found


def save_signatures(rows: list[tuple[int, core.Signature | None, int, list[int]]]) -> None:
    """The signature rows of (article id, signature, shingles, band keys) and their band
    keys, in one statement on PostgreSQL, two on SQLite."""
    if not rows:
        return
    ids = [article_id for article_id, *_rest in rows]
    values = [sig.to_bytes() if sig is not None else b"" for _id, sig, *_rest in rows]
    counts = [shingles for _id, _sig, shingles, _keys in rows]
    band_rows = [(key, article_id) for article_id, _sig, _n, keys in rows for key in keys]
    signatures, bands = ReprintSignature._meta.db_table, ReprintBand._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'WITH s AS (INSERT INTO {signatures} (article_id, "values", shingles) '
                f"SELECT * FROM unnest(%s::bigint[], %s::bytea[], %s::integer[])) "
                f"INSERT INTO {bands} (key, article_id) "
                f"SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                [ids, values, counts, [k for k, _ in band_rows], [a for _, a in band_rows]],
            )
            return
        cursor.executemany(
            f'INSERT INTO {signatures} (article_id, "values", shingles) VALUES (%s, %s, %s)',
            list(zip(ids, values, counts, strict=True)),
        )
        cursor.executemany(f"INSERT INTO {bands} (key, article_id) VALUES (%s, %s)", band_rows)


class Joins:
    """Articles joining their stories, in turn: the stories of the articles they matched
    are read once (their members with dates and ranks), each join is worked out in
    memory as the next one will see it, and ``write`` stores the outcome in one update of
    the stories and one insert and one update of their members. Only a new story (its id)
    and a merge of two are written as they happen.

    A join puts an article in one story with the articles it matched (id -> similarity):
    their stories merge, unless a curator made them (then it joins the best such one)."""

    def __init__(self, matched_ids: set[int]):
        rows = Article.objects.filter(pk__in=matched_ids).values_list(
            "pk", "published", "story_member__story_id", "story_member__story__curated"
        )
        self.published: dict[int, datetime.date | None] = {}
        self.story_of: dict[int, int] = {}
        self.curated: dict[int, bool] = {}
        for pk, published, story, curated in rows:
            self.published[pk] = published
            if story:
                self.story_of[pk], self.curated[story] = story, curated
        # Each story's members: (rank, lag) as stored, and as the joins leave them.
        self.members: dict[int, dict[int, tuple[int, int | None]]] = defaultdict(dict)
        self.stored: dict[int, tuple[int, int | None]] = {}
        members = StoryMember.objects.filter(story_id__in=set(self.curated)).values_list(
            "article_id", "article__published", "rank", "lag_days", "story_id"
        )
        for pk, published, rank, lag, story in members:
            self.published[pk] = published
            self.story_of[pk] = story
            self.members[story][pk] = self.stored[pk] = (rank, lag)
        self.similarity: dict[int, float] = {}  # of the members that are new
        self.fields: dict[int, dict] = {}  # the stories' new original, size, first date

    def join(self, article_id: int, published, matched: dict[int, float]) -> Story:
        self.published[article_id] = published
        involved = [*matched, article_id]
        stories = {self.story_of[pk] for pk in involved if pk in self.story_of}
        curated = {story for story in stories if self.curated[story]}
        if curated:
            best = max((pk for pk in matched if self.story_of.get(pk) in curated), key=matched.get)
            target, merged = self.story_of[best], set()
        elif stories:
            target = min(stories)
            merged = stories - {target}
        else:
            target, merged = None, set()
        if merged:
            StoryMember.objects.filter(story_id__in=merged).update(story_id=target)
            Story.objects.filter(pk__in=merged).delete()
            for story in merged:
                for pk, place in self.members.pop(story, {}).items():
                    self.story_of[pk] = target
                    self.members[target][pk] = place
                self.fields.pop(story, None)
        members = self.members[target] if target is not None else {}
        joining = [pk for pk in involved if pk not in self.story_of]
        order = core.story_order(
            core.Appearance(pk, self.published[pk]) for pk in [*members, *joining]
        )
        first = order[0][0]
        fields = {
            "original_id": first.article_id,
            "size": len(order),
            "first_published": first.published,
        }
        if target is None:
            # bulk_create: an automatic story has no history row; curators' changes do
            story = Story.objects.bulk_create([Story(**fields)])[0]
            target, self.curated[story.pk] = story.pk, False
        else:
            self.fields[target] = fields
            story = Story(pk=target, **fields)
        best_similarity = max(matched.values())
        for appearance, rank, lag in order:
            pk = appearance.article_id
            if pk not in self.story_of:
                self.similarity[pk] = matched.get(pk, best_similarity)
                self.story_of[pk] = target
            self.members[target][pk] = (rank, lag)
        return story

    def write(self) -> None:
        """The stories' new fields, their new members, the members whose rank changed:
        prepared statements for the updates (Django's bulk_update builds a CASE of every
        row for each column, which was most of a file's clustering time)."""
        now = timezone.now()
        stories = [
            (f["original_id"], f["size"], f["first_published"], now, pk)
            for pk, f in self.fields.items()
        ]
        created, changed = [], []
        for story, members in self.members.items():
            for pk, (rank, lag) in members.items():
                if pk in self.similarity:
                    created.append(
                        StoryMember(
                            article_id=pk,
                            story_id=story,
                            rank=rank,
                            is_original=rank == 0,
                            lag_days=lag,
                            similarity=self.similarity[pk],
                        )
                    )
                elif self.stored[pk] != (rank, lag):
                    changed.append((rank, rank == 0, lag, pk))
        with connection.cursor() as cursor:
            if stories:
                cursor.executemany(
                    f"UPDATE {Story._meta.db_table} SET original_id = %s, size = %s, "
                    "first_published = %s, updated_at = %s WHERE id = %s",
                    stories,
                )
            if changed:
                cursor.executemany(
                    f"UPDATE {StoryMember._meta.db_table} SET rank = %s, is_original = %s, "
                    "lag_days = %s WHERE article_id = %s",
                    changed,
                )
        StoryMember.objects.bulk_create(created)


def recompute(story: Story, record: bool = False) -> None:
    """Order a story's members again: its original, each one's rank and lag, its size.
    A story left without members is deleted. ``record``: save the story with a history
    row (a curator's change); automatic clustering updates it in place."""
    rows = list(
        StoryMember.objects.filter(story=story).values_list(
            "article_id", "article__published", "rank", "is_original", "lag_days"
        )
    )
    if not rows:
        story.delete()
        return
    stored = {r[0]: r[2:] for r in rows}
    order = core.story_order(core.Appearance(pk, published) for pk, published, *_ in rows)
    changed = []
    for appearance, rank, lag in order:
        value = (rank, rank == 0, lag)
        if stored[appearance.article_id] != value:
            changed.append(
                StoryMember(
                    article_id=appearance.article_id,
                    story=story,
                    rank=rank,
                    is_original=rank == 0,
                    lag_days=lag,
                )
            )
    if changed:
        StoryMember.objects.bulk_update(changed, ["rank", "is_original", "lag_days"])
    first = order[0][0]
    story.original_id = first.article_id
    story.size = len(order)
    story.first_published = first.published
    if record:
        story.save()
    else:
        Story.objects.filter(pk=story.pk).update(
            original_id=story.original_id,
            size=story.size,
            first_published=story.first_published,
            updated_at=timezone.now(),
        )


# --- Reading: what pages and the listing engine need ------------------------------------


def collapse(articles, within: bool = True):
    """Each story once. ``within``: keep, per story, the earliest member that is in the
    queryset itself (a filter on a reprinting outlet still shows its reprints); else keep
    only the stories' originals. Articles in no story always stay. Both are one anti-join
    on the primary key and the (story, rank) index."""
    if not within:
        return articles.filter(Q(story_member__isnull=True) | Q(story_member__is_original=True))
    earlier = articles.order_by().filter(
        story_member__story=OuterRef("story_member__story"),
        story_member__rank__lt=OuterRef("story_member__rank"),
    )
    return articles.exclude(Exists(earlier))


def with_reprint_counts(articles, public: bool = True):
    """Annotate ``reprints``: the other members of each article's story (public ones only
    by default), 0 for an article in no story."""
    others = StoryMember.objects.filter(story=OuterRef("story_member__story")).exclude(
        article=OuterRef("pk")
    )
    if public:
        others = others.filter(article__review_status=Article.ReviewStatus.PUBLISHED)
    count = others.order_by().values("story").annotate(n=Count("pk")).values("n")
    return articles.annotate(
        reprints=Coalesce(Subquery(count, output_field=IntegerField()), Value(0))
    )


def reprint_counts(ids: list[int]) -> dict[int, int]:
    """``{article id: its story's other public members}`` for a page of rows (one query);
    articles in no story are left out."""
    rows = with_reprint_counts(Article.objects.filter(pk__in=ids)).values_list("pk", "reprints")
    return {pk: n for pk, n in rows if n}


def appearances(article: Article) -> list[dict]:
    """The other public appearances of an article's story, earliest first: outlet, date,
    lag from the original, whether it is the original."""
    member = StoryMember.objects.filter(article_id=article.pk).first()
    if member is None:
        return []
    rows = (
        StoryMember.objects.filter(
            story_id=member.story_id, article__review_status=Article.ReviewStatus.PUBLISHED
        )
        .exclude(article_id=article.pk)
        .select_related("article__source")
        .order_by("rank")
    )
    return [
        {
            "article": m.article,
            "source": m.article.source,
            "published": m.article.published,
            "lag_days": m.lag_days,
            "is_original": m.is_original,
        }
        for m in rows
    ]


def source_relations(source_id: int) -> dict:
    """Whom a source reprints and who reprints it: per other outlet, stories and the
    median lag in days (public articles only)."""
    public = Article.ReviewStatus.PUBLISHED
    reprints = StoryMember.objects.filter(
        article__source_id=source_id, is_original=False, article__review_status=public
    ).exclude(story__original__source_id=source_id)
    reprinted = StoryMember.objects.filter(
        story__original__source_id=source_id,
        story__original__review_status=public,
        is_original=False,
        article__review_status=public,
        article__source__isnull=False,
    ).exclude(article__source_id=source_id)

    def table(rows):
        by: dict[tuple[int, str], list] = defaultdict(list)
        for pk, name, lag in rows:
            by[(pk, name)].append(lag)
        out = [
            {
                "source_id": pk,
                "source": name,
                "stories": len(lags),
                "median_lag_days": core.median([x for x in lags if x is not None]),
            }
            for (pk, name), lags in by.items()
        ]
        return sorted(out, key=lambda r: (-r["stories"], r["source"]))

    return {
        "reprints": table(
            reprints.filter(story__original__source__isnull=False).values_list(
                "story__original__source_id", "story__original__source__name", "lag_days"
            )
        ),
        "reprinted_by": table(
            reprinted.values_list("article__source_id", "article__source__name", "lag_days")
        ),
    }


def network_rows():
    """(story, source id, source name, lag) of every public member with an outlet, in
    story and rank order, for network.build."""
    return (
        StoryMember.objects.filter(
            article__review_status=Article.ReviewStatus.PUBLISHED, article__source__isnull=False
        )
        .order_by("story_id", "rank")
        .values_list("story_id", "article__source_id", "article__source__name", "lag_days")
        .iterator(chunk_size=5000)
    )
