"""Plain dataclasses the pipeline produces; their shape is the import contract's."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RegionRef:
    name: str
    code: str | None
    level: str  # province | prefecture | county | township
    primary: bool = False
    mentions: int = 1
    parent_code: str | None = None

    def as_contract(self) -> dict:
        return {"name": self.name, "code": self.code, "level": self.level, "primary": self.primary}


@dataclass
class PersonRecord:
    name: str
    title: str | None
    organization: str | None
    # The place the organisation belongs to (莘县卫生健康局 -> 莘县), when it names one.
    region_code: str | None = None

    def as_contract(self) -> dict:
        return {"name": self.name, "title": self.title, "organization": self.organization}


@dataclass
class QuoteRecord:
    speaker: str | None
    text: str
    start: int = 0  # offsets in the article body
    end: int = 0

    def as_contract(self) -> dict:
        return {"speaker": self.speaker, "text": self.text}


@dataclass
class Discard:
    reason: str
    start: int
    end: int
    text: str = ""

    @property
    def chars(self) -> int:
        return self.end - self.start

    def as_contract(self) -> dict:
        return {"reason": self.reason, "chars": self.chars, "span": [self.start, self.end]}


@dataclass
class ArticleRecord:
    title: str
    body: str
    span: tuple[int, int]
    subtitle: str = ""
    published: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    url: str | None = None
    regions: list[RegionRef] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    quotes: list[QuoteRecord] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    confidence: float = 1.0
    # Simplified, segmented words of title, subtitle and body for full-text search (filled
    # with the entities, which share its segmentation; None when entities are off).
    search_text: str | None = None
    captions: list[str] = field(default_factory=list)
    # Character ranges of the file this article was built from (its lines, bylines, a
    # fragment moved back into it); `span` is their hull without moved fragments.
    segments: list[tuple[int, int]] = field(default_factory=list)
    fetched: str | None = None  # a WARC page's fetch date (WARC-Date), else None

    def as_contract(self) -> dict:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "published": self.published,
            "source": self.source,
            "authors": list(self.authors),
            "url": self.url,
            "regions": [r.as_contract() for r in self.regions],
            "people": [p.as_contract() for p in self.people],
            "quotes": [q.as_contract() for q in self.quotes],
            "tags": list(self.tags),
            "body": self.body,
            "span": [self.span[0], self.span[1]],
            "repairs": list(self.repairs),
            "captions": list(self.captions),
            "confidence": round(self.confidence, 3),
        } | ({"fetched": self.fetched} if self.fetched else {})


@dataclass
class FileRecord:
    path: str
    sha256: str
    encoding: str | None
    articles: list[ArticleRecord] = field(default_factory=list)
    discarded: list[Discard] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text_chars: int = 0
    size: int = 0
    notes: list[str] = field(default_factory=list)  # e.g. a WARC's skipped records, counted

    @property
    def failed(self) -> bool:
        return bool(self.errors) and not self.articles

    def as_contract(self, status: str) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "status": status,
            "articles": [a.as_contract() for a in self.articles],
            "discarded": [d.as_contract() for d in self.discarded],
            "errors": list(self.errors),
        } | ({"notes": list(self.notes)} if self.notes else {})


__all__ = [
    "ArticleRecord",
    "Discard",
    "FileRecord",
    "PersonRecord",
    "QuoteRecord",
    "RegionRef",
]
