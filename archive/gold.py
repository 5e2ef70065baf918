"""Curated articles as gold: the format of ``../shared/corpus/dev/gold.json``.

``manage.py export_gold OUT.json`` writes every article a curator marked reviewed
(``Article.reviewed_at``), grouped by the raw file it came from, keyed by that file's
name as it is (its base name; a second file of the same name is keyed
``<sha256[:8]>-<name>``), in file order. ``--raw-dir DIR`` also writes each file's bytes
under its key, so ``../shared/tools/score_extraction.py OUT.json DIR`` scores the parser
against the archive's own curated records. ``records(raw, articles)`` gives the same
articles in the import contract's shape (what ``import_raw --json`` prints), which is how
a test scores the gold against the records it came from.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import PurePath

from archive.models import Article, ArticleRegion, Mention, Person, Quote, RawFile
from archive.review_cuts import gold_article

ABOUT = (
    "Difang's curated articles (review status set by a curator), exported by "
    "manage.py export_gold; conventions as in the dev corpus's README."
)


def file_keys(raws: list[RawFile]) -> dict[int, str]:
    """Each raw file's key: its base name, made unique by its hash where two share one."""
    keys: dict[int, str] = {}
    taken: set[str] = set()
    for raw in sorted(raws, key=lambda r: r.pk):
        name = PurePath(raw.path.replace("\\", "/")).name or raw.sha256[:8]
        key = name if name not in taken else f"{raw.sha256[:8]}-{name}"
        taken.add(key)
        keys[raw.pk] = key
    return keys


def _iso(day) -> str | None:
    return day.isoformat() if isinstance(day, date) else (day or None)


def _entities(articles: list[Article]):
    ids = [a.pk for a in articles]
    people, quotes, places = defaultdict(list), defaultdict(list), defaultdict(list)
    for m in Mention.objects.filter(article_id__in=ids).select_related("person", "position"):
        if m.person.curation == Person.Curation.REJECTED:
            continue
        pos = m.position
        people[m.article_id].append(
            (m.person.name, pos.title if pos else "", pos.organization if pos else "")
        )
    for q in Quote.objects.filter(article_id__in=ids).select_related("person").order_by("start"):
        quotes[q.article_id].append((q.speaker_name or (q.person.name if q.person else ""), q.text))
    for link in ArticleRegion.objects.filter(article_id__in=ids).select_related("region"):
        places[link.article_id].append((link.region, link.primary))
    return people, quotes, places


def reviewed() -> list[Article]:
    return list(
        Article.objects.filter(reviewed_at__isnull=False, raw_file__isnull=False)
        .exclude(review_status=Article.ReviewStatus.HIDDEN)
        .select_related("raw_file")
        .order_by("raw_file_id", "span_start", "pk")
    )


def export(articles: list[Article] | None = None) -> dict:
    """The gold document for ``articles`` (default: every reviewed article)."""
    articles = reviewed() if articles is None else articles
    keys = file_keys(list({a.raw_file_id: a.raw_file for a in articles}.values()))
    people, quotes, places = _entities(articles)
    files: dict[str, list[dict]] = {}
    for article in sorted(articles, key=lambda a: (keys[a.raw_file_id], a.span_start or 0)):
        files.setdefault(keys[article.raw_file_id], []).append(
            gold_article(
                title=article.title,
                people=people[article.pk],
                quotes=quotes[article.pk],
                primary_places=[r.name for r, primary in places[article.pk] if primary],
                authors=list(article.authors or []),
                published=_iso(article.published),
            )
        )
    junk = sorted(set(Person.objects.filter(curation="rejected").values_list("name", flat=True)))
    return {"about": ABOUT, "files": files, "junk_people": junk, "region_aliases": {}}


def records(articles: list[Article]) -> dict:
    """The articles in the import contract's ``--json`` shape (one file entry)."""
    people, quotes, places = _entities(articles)
    out = []
    for article in sorted(articles, key=lambda a: a.span_start or 0):
        out.append(
            {
                "title": article.title,
                "published": _iso(article.published),
                "authors": list(article.authors or []),
                "regions": [
                    {"name": r.name, "code": r.code, "level": r.level, "primary": primary}
                    for r, primary in places[article.pk]
                ],
                "people": [
                    {"name": n, "title": t or None, "organization": o or None}
                    for n, t, o in people[article.pk]
                ],
                "quotes": [{"speaker": s or None, "text": t} for s, t in quotes[article.pk]],
                "span": [article.span_start, article.span_end],
            }
        )
    return {"files": [{"articles": out}]}
