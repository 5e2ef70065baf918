"""django-import-export resources: what CSV, XLSX and JSON files hold, and how rows
find their records again (natural keys, so importing a file twice creates nothing new).

Articles are keyed by ``content_hash`` (computed from title and body when a row has
none), sources and tags by ``name``, regions by ``code``. Links are flattened into one
cell each, names separated by "|": regions as codes, people and tags as names.
"""

from __future__ import annotations

from import_export import fields, resources, widgets

from archive.importer import content_hash, search_text
from archive.models import Article, Person, Region, Source, Tag

SEP = "|"


class NamesWidget(widgets.ManyToManyWidget):
    """Related rows as "a|b|c"; unknown names are ignored on import."""

    def __init__(self, model, field):
        super().__init__(model, separator=SEP, field=field)


class JSONListWidget(widgets.Widget):
    """A JSON list field (authors, aliases) as "a|b|c"."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(SEP) if part.strip()]

    def render(self, value, obj=None, **kwargs):
        return SEP.join(str(v) for v in value or [])


class ArticleResource(resources.ModelResource):
    source = fields.Field(
        attribute="source", column_name="source", widget=widgets.ForeignKeyWidget(Source, "name")
    )
    authors = fields.Field(attribute="authors", column_name="authors", widget=JSONListWidget())
    regions = fields.Field(
        attribute="regions", column_name="regions", widget=NamesWidget(Region, "code")
    )
    region_names = fields.Field(column_name="region_names", readonly=True)
    people = fields.Field(column_name="people", readonly=True)
    tags = fields.Field(attribute="tags", column_name="tags", widget=NamesWidget(Tag, "name"))

    class Meta:
        model = Article
        import_id_fields = ["content_hash"]
        fields = [
            "content_hash",
            "title",
            "subtitle",
            "published",
            "source",
            "authors",
            "url",
            "review_status",
            "confidence",
            "regions",
            "region_names",
            "people",
            "tags",
            "body",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def dehydrate_region_names(self, article):
        return SEP.join(r.name for r in article.regions.all())

    def dehydrate_people(self, article):
        return SEP.join(p.name for p in article.people.all())

    def before_import_row(self, row, **kwargs):
        if not row.get("content_hash") and row.get("title") and row.get("body"):
            row["content_hash"] = content_hash(row["title"], row["body"])

    def before_save_instance(self, instance, row, **kwargs):
        instance.search_text = search_text(instance.title, instance.subtitle, instance.body)

    def get_queryset(self):
        return (
            Article.objects.select_related("source")
            .prefetch_related("regions", "people", "tags")
            .order_by("pk")
        )


class PersonResource(resources.ModelResource):
    aliases = fields.Field(attribute="aliases", column_name="aliases", widget=JSONListWidget())
    positions = fields.Field(column_name="positions", readonly=True)
    articles = fields.Field(column_name="articles", readonly=True)

    class Meta:
        model = Person
        fields = ["id", "name", "normalized_name", "aliases", "positions", "articles"]
        export_order = fields
        skip_unchanged = True

    def dehydrate_positions(self, person):
        return SEP.join(f"{p.organization}{p.title}" for p in person.positions.all())

    def dehydrate_articles(self, person):
        return len(person.articles.all())

    def get_queryset(self):
        return Person.objects.prefetch_related("positions", "articles").order_by("pk")


class SourceResource(resources.ModelResource):
    aliases = fields.Field(attribute="aliases", column_name="aliases", widget=JSONListWidget())
    region = fields.Field(
        attribute="region", column_name="region", widget=widgets.ForeignKeyWidget(Region, "code")
    )

    class Meta:
        model = Source
        import_id_fields = ["name"]
        fields = ["name", "kind", "homepage", "region", "aliases"]
        export_order = fields
        skip_unchanged = True


class TagResource(resources.ModelResource):
    class Meta:
        model = Tag
        import_id_fields = ["name"]
        fields = ["name", "kind"]
        export_order = fields
        skip_unchanged = True


class RegionResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent", column_name="parent", widget=widgets.ForeignKeyWidget(Region, "code")
    )
    aliases = fields.Field(attribute="aliases", column_name="aliases", widget=JSONListWidget())

    class Meta:
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "name", "short_name", "level", "parent", "aliases", "valid_until"]
        export_order = fields
        skip_unchanged = True
