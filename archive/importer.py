"""The only bridge from extraction records to the ORM: one short transaction per file.

Natural keys make re-import a no-op: a raw file is known by its sha256, an article by the
hash of its simplified, whitespace-free title and body. The same article found in another
file gains an Occurrence, nothing else.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q, Value
from simple_history.utils import bulk_update_with_history

from archive.extraction.entities import simplified
from archive.extraction.known import KnownOfficial, KnownOfficials
from archive.extraction.records import ArticleRecord, FileRecord
from archive.extraction.words import search_terms
from archive.history import bulk_create_with_history
from archive.locks import lock_keys, name_lock_key
from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
    ContentHashAlias,
    Mention,
    Occurrence,
    Person,
    Position,
    Quote,
    RawFile,
    Region,
    Source,
    Tag,
)

CAMPAIGN_HINT = re.compile(
    r"(年|行动|活动|工程|计划|攻坚战|大讨论|[一二三四五六七八九十两].[一二三四五六七八九十两].)$"
)


def content_hash(title: str, body: str) -> str:
    key = re.sub(r"\s+", "", simplified(f"{title}\n{body}"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def search_text(title: str, subtitle: str, body: str) -> str:
    """Simplified, jieba-segmented text for full-text search (words separated by spaces);
    the parser fills the same text while it extracts entities (one segmentation)."""
    return " ".join(search_terms(simplified(f"{title} {subtitle}\n{body}")))


# Tries of one file's transaction: another importer wrote the same natural key at the same
# moment, or PostgreSQL broke a deadlock between two importers by rolling this one back.
WRITE_TRIES = 4


def import_file(record: FileRecord, data: bytes, source_name: str | None = None) -> str:
    """Write one parsed file; return its status: imported, unchanged or failed."""
    for attempt in range(1, WRITE_TRIES + 1):
        try:
            with transaction.atomic():
                return _write(record, data, source_name)
        except (IntegrityError, OperationalError) as exc:
            # Try again: the other transaction's rows are visible now and become no-ops.
            if attempt == WRITE_TRIES or not _lost_a_race(exc):
                raise
    raise AssertionError("unreachable")


def _lost_a_race(exc: Exception) -> bool:
    """A unique key another importer took first, or a deadlock PostgreSQL broke (40P01)."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def _write(record: FileRecord, data: bytes, source_name: str | None) -> str:
    # The stored bytes are not read back: they are replaced, or the file is unchanged.
    existing = RawFile.objects.filter(sha256=record.sha256).defer("content").first()
    if existing is not None and existing.status == RawFile.Status.IMPORTED:
        return "unchanged"
    failed = not record.articles
    fields = dict(
        path=record.path[:1000],
        size=record.size,
        content=RawFile.compress(data),
        encoding=record.encoding or "",
        status=RawFile.Status.FAILED if failed else RawFile.Status.IMPORTED,
        error="\n".join(record.errors),
        text_chars=record.text_chars,
        discarded=[d.as_contract() | {"text": d.text} for d in record.discarded],
        discarded_chars=sum(d.chars for d in record.discarded),
    )
    if existing is not None:
        if failed:
            return "failed"
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        raw = existing
    else:
        raw = RawFile.objects.create(sha256=record.sha256, **fields)
    if failed:
        return "failed"
    write_articles(raw, record.articles, source_name)
    return "imported"


def write_articles(raw: RawFile, records: list[ArticleRecord], source_name: str | None = None):
    """The articles of a parsed file, inside its transaction: a new one created with its
    links and clustered with its reprints, a known one given an occurrence. Returns the new
    ones.

    A file's writes go in batches, one insert per table (articles, their history, links,
    occurrences) and one lookup per kind of row they link to (places, people, positions,
    tags): the ORM's cost is per statement, and it was most of an import's time when every
    article wrote its own rows. On PostgreSQL the triggers leave the new articles' search
    and facet rows until their links are in (``defer_rows``)."""
    digests = [content_hash(rec.title, rec.body) for rec in records]
    known = existing_article_ids(digests)  # one query: hashes and merged-away hashes
    publish = getattr(settings, "DIFANG_PUBLISH_ON_IMPORT", True)
    sources: dict[str, Source | None] = {}
    made: dict[str, Article] = {}  # a file may hold one article twice: the first makes it
    new: list[tuple[Article, ArticleRecord]] = []
    for rec, digest in zip(records, digests, strict=True):
        if digest in known or digest in made:
            continue
        article = made[digest] = Article(
            title=rec.title[:500],
            subtitle=rec.subtitle[:500],
            body=rec.body,
            published=rec.published,
            source=source_for(source_name or rec.source, sources),
            authors=rec.authors,
            url=rec.url,
            raw_file=raw,
            span_start=rec.span[0],
            span_end=rec.span[1],
            content_hash=digest,
            review_status=Article.ReviewStatus.PUBLISHED if publish else Article.ReviewStatus.NEW,
            search_text=rec.search_text or search_text(rec.title, rec.subtitle, rec.body),
            confidence=rec.confidence,
            repairs=rec.repairs,
        )
        new.append((article, rec))
    defer_rows()
    if new:
        bulk_create_with_history([a for a, _rec in new], Article)  # ids come back (RETURNING)
        link_articles(new)
    known |= {digest: article.pk for digest, article in made.items()}  # ids from RETURNING
    spans = {
        (known[digest], rec.span[0]): rec.span[1]
        for rec, digest in zip(records, digests, strict=True)
    }
    # A known article may already have this occurrence (a re-import of a stored file).
    Occurrence.objects.bulk_create(
        [
            Occurrence(article_id=pk, raw_file=raw, span_start=start, span_end=end)
            for (pk, start), end in spans.items()
        ],
        ignore_conflicts=True,
    )
    write_deferred_rows([a.pk for a, _rec in new])
    cluster_reprints([a for a, _rec in new])
    return [a for a, _rec in new]


def defer_rows() -> None:
    """PostgreSQL: from here to ``write_deferred_rows`` (local to the transaction), the
    article and link triggers leave new articles' search and facet rows alone (migration
    0019). Only new articles may be linked in between."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('difang.defer_rows', 'on', true)")


def write_deferred_rows(ids: list[int]) -> None:
    """Switch ``defer_rows`` off and write the rows of these new articles, once each with
    all their links: one row version apiece, where each link table's trigger rewrote the
    row and its words' index entries."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT archive_article_rows_refresh(%s::bigint[])", [ids])


def cluster_reprints(articles: list[Article]) -> None:
    """Put new articles in their stories, last in a file's transaction: the band-key locks
    clustering takes (``reprints.store``) then wait only for this and the commit, not for
    the linking of the file's articles, so importers of one story's reprints overlap."""
    if not getattr(settings, "DIFANG_CLUSTER_REPRINTS", True):
        return
    from archive.reprints.store import cluster_articles

    cluster_articles(articles)  # one indexed lookup of their MinHash band keys


def existing_article_ids(digests: list[str]) -> dict[str, int]:
    """The ids of the archived articles with these content hashes, by hash, including
    articles a curator merged another into (whose hash is now an alias of theirs): one
    query of both tables' unique hash indexes."""
    digests = sorted(set(digests))
    articles = Article.objects.filter(content_hash__in=digests).annotate(alias=Value(False))
    aliases = ContentHashAlias.objects.filter(content_hash__in=digests).annotate(alias=Value(True))
    rows = (
        articles.values_list("content_hash", "pk", "alias")
        .order_by()
        .union(aliases.values_list("content_hash", "article_id", "alias").order_by(), all=True)
    )
    # an article's own hash before an alias of it, should a hash ever be both
    return {digest: pk for digest, pk, _alias in sorted(rows, key=lambda row: -row[2])}


def source_for(name: str | None, seen: dict[str, Source | None] | None = None) -> Source | None:
    """The outlet by its name (created on first sight); curators merge aliases later.
    ``seen``: outlets already looked up in this transaction, by name."""
    if not name or not name.strip():
        return None
    name = name.strip()[:200]
    if seen is None:
        seen = {}
    if name not in seen:
        seen[name] = Source.objects.get_or_create(name=name)[0]
    return seen[name]


def region_for(
    ref, by_code: dict[str, Region] | None = None, towns: dict | None = None
) -> Region | None:
    """The Region of a parsed place; a town (or a place without code) is created under its
    parent on first sight.
    ``by_code``: regions already fetched, by code; ``towns``: towns, by parent and name."""
    by_code = by_code if by_code is not None else {}
    towns = towns if towns is not None else {}

    def coded(code: str | None) -> Region | None:
        if code and code not in by_code:
            by_code[code] = Region.objects.filter(code=code).first()
        return by_code.get(code) if code else None

    if ref.code:
        return coded(ref.code)
    parent = coded(ref.parent_code)
    if parent is None:
        return None
    if (parent.pk, ref.name) not in towns:
        towns[parent.pk, ref.name] = Region.objects.get_or_create(
            parent=parent,
            name=ref.name,
            # a town, or a place with no code at its own level (臺南市 under 台湾省)
            defaults={"level": ref.level if ref.level in Region.Level.values else "township"},
        )[0]
    return towns[parent.pk, ref.name]


def link_entities(article: Article, rec: ArticleRecord) -> None:
    """Regions, people with positions, quotes and machine tags of one new article (or of
    one whose links were cleared for a re-extraction): ``link_articles`` of it alone."""
    link_articles([(article, rec)])


def link_articles(pairs: list[tuple[Article, ArticleRecord]]) -> None:
    """Regions, people with positions, quotes and machine tags of new articles (saved,
    with their records): one lookup per kind of row for all of them, one bulk insert per
    link table (ignore_conflicts keeps links a curator confirmed when extraction runs
    again).

    Concurrent importers do not take turns here: towns, positions, tags and sources have
    natural keys (a unique constraint makes the second writer wait for the first; this one
    then fails on it, and ``import_file`` tries the file again, finding the row), and a new
    person is created under a lock on its name (``people_for``)."""
    codes: set[str | None] = set()
    for _article, rec in pairs:
        codes |= {r.code for r in rec.regions} | {r.parent_code for r in rec.regions}
        codes |= {getattr(p, "region_code", None) for p in rec.people}
    codes -= {None, ""}
    by_code: dict[str, Region | None] = dict.fromkeys(codes)  # a code not in the gazetteer: None
    by_code |= {r.code: r for r in Region.objects.filter(code__in=codes)}
    towns: dict = {}
    region_links: list[ArticleRegion] = []
    counties: dict[int, Region | None] = {}
    for article, rec in pairs:
        links: dict[int, ArticleRegion] = {}
        county = None
        for ref in rec.regions:
            region = region_for(ref, by_code, towns)
            if region is None or region.pk in links:
                continue
            links[region.pk] = ArticleRegion(
                article=article, region=region, primary=ref.primary, mentions=ref.mentions
            )
            if ref.primary and county is None and region.level != Region.Level.TOWNSHIP:
                county = region
        region_links += links.values()
        counties[article.pk] = county
    ArticleRegion.objects.bulk_create(region_links, ignore_conflicts=True)

    people = people_for((p.name, p.organization) for _a, rec in pairs for p in rec.people)
    positions = _positions_for(pairs, people, by_code, counties)
    mentions: dict[tuple[int, int], Mention] = {}
    quotes: list[Quote] = []
    for article, rec in pairs:
        persons: dict[str, Person] = {}
        for p in rec.people:
            person = persons[p.name] = people[p.name, p.organization]
            position = positions.get(_position_key(person, p)) if p.title else None
            mentions.setdefault(
                (article.pk, person.pk), Mention(article=article, person=person, position=position)
            )
        by_start = {
            q.start: Quote(
                article=article,
                start=q.start,
                end=q.end,
                text=q.text,
                speaker_name=(q.speaker or "")[:20],
                person=persons.get(q.speaker or ""),
            )
            for q in rec.quotes
        }
        quotes += by_start.values()
    Mention.objects.bulk_create(mentions.values(), ignore_conflicts=True)
    Quote.objects.bulk_create(quotes, ignore_conflicts=True)

    names = {article.pk: list(dict.fromkeys(n[:100] for n in rec.tags)) for article, rec in pairs}
    tags = tags_for([n for file_names in names.values() for n in file_names])
    ArticleTag.objects.bulk_create(
        [
            ArticleTag(article=article, tag=tags[name], machine=True)
            for article, _rec in pairs
            for name in names[article.pk]
        ],
        ignore_conflicts=True,
    )


def tags_for(names: list[str]) -> dict[str, Tag]:
    """The tags of these names (a new one is a campaign if its name reads like one)."""
    names = list(dict.fromkeys(names))
    tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [
        Tag(name=n, kind=Tag.Kind.CAMPAIGN if CAMPAIGN_HINT.search(n) else Tag.Kind.TOPIC)
        for n in names
        if n not in tags
    ]
    if missing:
        bulk_create_with_history(missing, Tag)
        tags |= {t.name: t for t in missing}
    return tags


def _position_key(person: Person, p) -> tuple[int, str, str]:
    return (person.pk, p.title[:200], (p.organization or "")[:200])


def _positions_for(pairs, people, by_code, counties) -> dict[tuple[int, str, str], Position]:
    """The positions the articles' people hold (``_position_key``), created on first sight
    (with the organisation's own place, 莘县卫生健康局 -> 莘县, else the article's county,
    and the article), each's first and last dates widened to the articles' dates: one
    query for those already there, one insert of the new, one update of the widened."""
    wanted: dict[tuple[int, str, str], tuple[Article, object]] = {}
    for article, rec in pairs:  # the first article that names it makes it
        for p in rec.people:
            if p.title:
                wanted.setdefault(_position_key(people[p.name, p.organization], p), (article, p))
    if not wanted:
        return {}
    found = Position.objects.filter(
        person_id__in={k[0] for k in wanted}, title__in={k[1] for k in wanted}
    )
    positions = {(x.person_id, x.title, x.organization): x for x in found}
    stored = {key for key in positions if key in wanted}
    created = []
    for key, (article, p) in wanted.items():
        if key not in positions:
            published = article.published_date
            positions[key] = Position(
                person_id=key[0],
                title=key[1],
                organization=key[2],
                region=by_code.get(getattr(p, "region_code", None)) or counties[article.pk],
                first_seen=published,
                last_seen=published,
                article=article,
            )
            created.append(positions[key])
    widened = set()
    for article, rec in pairs:
        published = article.published_date
        if not published:
            continue
        for p in rec.people:
            if not p.title:
                continue
            key = _position_key(people[p.name, p.organization], p)
            position = positions[key]
            if not position.first_seen or published < position.first_seen:
                position.first_seen = published
                widened.add(key)
            if not position.last_seen or published > position.last_seen:
                position.last_seen = published
                widened.add(key)
    if created:
        bulk_create_with_history(created, Position)
    changed = [positions[key] for key in widened & stored]
    if changed:
        bulk_update_with_history(changed, Position, ["first_seen", "last_seen"])
    return positions


def person_for(name: str, organization: str | None) -> Person:
    """The same name with the same organisation is the same person; else the one person of
    that name a curator confirmed; otherwise a new one (``people_for`` of one name)."""
    return people_for([(name, organization)])[name, organization]


def people_for(keys) -> dict[tuple[str, str | None], Person]:
    """The person of each (name, organisation), as ``person_for`` finds them: one query of
    the people of those names and one of their organisations, the file's new people
    created in one insert.

    A person has no natural key, so on PostgreSQL the missing ones are created under locks
    on their names (taken at once, in key order, so two importers queue instead of
    deadlocking), and looked for once more when the locks are ours: another importer that
    created one meanwhile has committed by then, and its row is found instead of a twin."""
    normalized = {key: simplified(key[0]) for key in keys}  # in first-seen order
    if not normalized:
        return {}
    names = Namesakes.of(set(normalized.values()))
    missing = {n for (_name, org), n in normalized.items() if names.find(n, org) is None}
    if missing and lock_keys([name_lock_key("person:" + n) for n in missing]):
        names = Namesakes.of(set(normalized.values()))
    found: dict[tuple[str, str | None], Person] = {}
    new: list[Person] = []
    for (name, organization), normalized_name in normalized.items():
        person = names.find(normalized_name, organization)
        if person is None:
            person = Person(name=name, normalized_name=normalized_name)
            names.add(person)
            new.append(person)
        found[name, organization] = person
    if new:
        bulk_create_with_history(new, Person)
    return found


class Namesakes:
    """The people of some normalised names, with their positions' organisations: who a
    name with an organisation is (``find``), the people a file creates added as it goes."""

    def __init__(self, people: list[Person], organizations: dict[int, set[str]]):
        self.people: dict[str, list[Person]] = {}
        for person in people:  # in the table's order: normalised name, then id
            self.people.setdefault(person.normalized_name, []).append(person)
        self.organizations = organizations

    @classmethod
    def of(cls, normalized: set[str]) -> Namesakes:
        people = list(Person.objects.filter(normalized_name__in=normalized))
        organizations: dict[int, set[str]] = {}
        held = Position.objects.filter(person__in=[p.pk for p in people]).exclude(organization="")
        for pk, organization in held.values_list("person_id", "organization"):
            organizations.setdefault(pk, set()).add(organization)
        return cls(people, organizations)

    def add(self, person: Person) -> None:
        self.people.setdefault(person.normalized_name, []).append(person)

    def find(self, normalized: str, organization: str | None) -> Person | None:
        """The first of that name with a position at that organisation; else the one of
        that name a curator confirmed; else, without an organisation, the one of that name."""
        namesakes = self.people.get(normalized, [])
        if organization:
            for person in namesakes:
                if organization in self.organizations.get(person.pk, ()):
                    return person
        confirmed = [p for p in namesakes if p.curation == Person.Curation.CONFIRMED]
        if len(confirmed) == 1:
            return confirmed[0]
        if not organization and len(namesakes) == 1:
            return namesakes[0]
        return None


def known_officials() -> KnownOfficials:
    """The people curators confirmed, as a dictionary for the parser (extraction/known.py).

    Confirmed means: marked confirmed; given aliases by a merge; or named in an article a
    curator reviewed or whose people a curator edited (``people`` in its curated_fields).
    Each comes with the title and organisation of its latest position. Names marked
    rejected go along so that the parser drops them."""
    rejected = Person.objects.filter(curation=Person.Curation.REJECTED)
    curated = [
        pk
        for pk, names in Article.objects.exclude(curated_fields=[]).values_list(
            "pk", "curated_fields"
        )
        if "people" in names
    ]
    mentioned = Mention.objects.filter(
        Q(article__review_status=Article.ReviewStatus.REVIEWED) | Q(article_id__in=curated)
    )
    confirmed = Person.objects.filter(
        Q(curation=Person.Curation.CONFIRMED)
        | ~Q(aliases=[])
        | Q(pk__in=mentioned.values("person_id"))
    ).exclude(curation=Person.Curation.REJECTED)
    latest: dict[int, Position] = {}
    positions = Position.objects.filter(person__in=confirmed.values("pk"))
    for position in positions.order_by(F("last_seen").asc(nulls_first=True), "pk"):
        latest[position.person_id] = position  # the last one seen wins
    officials = []
    for person in confirmed:
        position = latest.get(person.pk)
        officials.append(
            KnownOfficial(
                name=person.name,
                title=position.title if position else None,
                organization=(position.organization or None) if position else None,
                aliases=tuple(a for a in person.aliases or [] if isinstance(a, str)),
            )
        )
    return KnownOfficials(officials, rejected=rejected.values_list("name", flat=True))


def known_officials_or_none() -> KnownOfficials | None:
    """known_officials(), or None when the database cannot be read (a dry run before
    migrate): parsing goes on with the rules alone."""
    from django.db import DatabaseError

    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and "memory" not in name and not Path(name).exists():
        return None  # connecting would create the file, and a dry run writes nothing
    try:
        return known_officials()
    except DatabaseError:
        return None


# --- Curation (admin): upload, re-import and re-extraction -------------------------------


def import_upload(name: str, data: bytes, source_name: str | None = None):
    """Parse and import one uploaded file, exactly as ``import_raw`` does with a path.

    Returns (status, FileRecord); status is imported, unchanged or failed.
    """
    from archive.extraction.pipeline import parse

    record = parse(data, name, known=known_officials_or_none())
    try:
        return import_file(record, data, source_name), record
    except Exception as exc:  # noqa: BLE001 - the upload must report, not crash the admin
        record.errors.append(
            f"{name}: could not be written to the database ({type(exc).__name__}: {exc})"
        )
        return "failed", record


def reimport(raw: RawFile) -> str:
    """Run the pipeline again on a stored raw file.

    A failed file is imported anew (as by ``import_raw``); an imported one gains the
    articles the parser now finds in it, and existing articles are left as they are.
    """
    from archive.extraction.pipeline import parse

    data = raw.data
    record = parse(data, raw.path, known=known_officials_or_none())
    if raw.status != RawFile.Status.IMPORTED:
        return import_file(record, data)
    with transaction.atomic():
        write_articles(raw, record.articles)
    return "imported"


def reextract(article: Article, known: KnownOfficials | None = None) -> str:
    """Extract places, people, quotes and machine tags of one article again.

    The record comes from the article's raw file when its title and body are the
    machine's (the record with the same content hash); otherwise the entity extraction
    runs on the article's own text. Fields and links named in ``article.curated_fields``
    keep their curated values; confirmed and curator tags are always kept.
    Returns "raw" or "text": where the record came from. ``known``: the known officials
    (read from the database when not given; pass them when re-extracting many).
    """
    from dataclasses import replace

    from archive.extraction.entities import enrich
    from archive.extraction.pipeline import parse

    curated = set(article.curated_fields or [])
    known = known if known is not None else known_officials_or_none()
    rec, how = None, "text"
    if article.raw_file_id and not curated & {"title", "subtitle", "body"}:
        raw = article.raw_file
        for art in parse(raw.data, raw.path, known=known).articles:
            if content_hash(art.title, art.body) == article.content_hash:
                rec, how = art, "raw"
                break
    if rec is None:
        rec = ArticleRecord(
            title=article.title,
            subtitle=article.subtitle,
            body=article.body,
            span=(article.span_start or 0, article.span_end or 0),
            published=article.published,
            authors=list(article.authors or []),
            url=article.url,
            confidence=article.confidence,
            repairs=list(article.repairs or []),
        )
        enrich([rec], known=known)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if how == "raw":
            for name in ("title", "subtitle", "authors", "url", "confidence", "repairs"):
                if name not in curated:
                    value = getattr(rec, name)
                    setattr(article, name, value[:500] if isinstance(value, str) else value)
            if "published" not in curated and rec.published:
                article.published = rec.published
            if "source" not in curated and article.source_id is None and rec.source:
                article.source = source_for(rec.source)
            # Same title, subtitle and body as the record (its hash matched, none curated).
            article.search_text = rec.search_text or search_text(
                article.title, article.subtitle, article.body
            )
        article.save()
        article.refresh_from_db()
        if "regions" not in curated:
            ArticleRegion.objects.filter(article=article).delete()
        if "people" not in curated:
            Mention.objects.filter(article=article).delete()
        if "quotes" not in curated:
            for quote in Quote.objects.filter(article=article):
                quote.delete()  # one by one, so history records each
        if "tags" not in curated:
            ArticleTag.objects.filter(article=article, machine=True, confirmed=False).delete()
        link_entities(
            article,
            replace(
                rec,
                regions=[] if "regions" in curated else rec.regions,
                people=[] if "people" in curated else rec.people,
                quotes=[] if "quotes" in curated else rec.quotes,
                tags=[] if "tags" in curated else rec.tags,
            ),
        )
    return how
