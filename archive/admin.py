"""Admin configuration: declarative list views, filters, search and inlines."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

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

admin.site.site_header = "地方档案 管理"
admin.site.site_title = "地方档案"
admin.site.index_title = "档案管理"


@admin.register(Region)
class RegionAdmin(ImportExportModelAdmin):
    list_display = ["name", "code", "short_name", "level", "parent", "valid_until"]
    list_filter = ["level"]
    search_fields = ["name", "code", "short_name"]
    autocomplete_fields = ["parent", "successor"]
    list_select_related = ["parent"]


@admin.register(Source)
class SourceAdmin(ImportExportModelAdmin):
    list_display = ["name", "kind", "region", "homepage", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]


@admin.register(RawFile)
class RawFileAdmin(admin.ModelAdmin):
    list_display = ["path", "status", "encoding", "size", "text_chars", "imported_at"]
    list_filter = ["status", "encoding"]
    search_fields = ["path", "sha256"]
    date_hierarchy = "imported_at"
    # The bytes themselves are not editable; everything here is provenance.
    readonly_fields = [
        "sha256",
        "path",
        "size",
        "encoding",
        "status",
        "error",
        "text_chars",
        "discarded",
        "imported_at",
    ]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "normalized_name", "created_at"]
    search_fields = ["name", "normalized_name"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["person", "title", "organization", "region", "first_seen", "last_seen"]
    search_fields = ["person__name", "title", "organization"]
    list_filter = ["region__level"]
    autocomplete_fields = ["person", "region", "article"]


@admin.register(Tag)
class TagAdmin(ImportExportModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


class OccurrenceInline(admin.TabularInline):
    model = Occurrence
    extra = 0
    autocomplete_fields = ["raw_file"]


class ArticleRegionInline(admin.TabularInline):
    model = ArticleRegion
    extra = 0
    autocomplete_fields = ["region"]


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["person", "position"]


class ArticleTagInline(admin.TabularInline):
    model = ArticleTag
    extra = 0
    autocomplete_fields = ["tag"]


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "published", "source", "review_status", "confidence"]
    list_filter = ["review_status", "source__kind", "published"]
    search_fields = ["title", "search_text", "content_hash"]
    date_hierarchy = "published"
    autocomplete_fields = ["source", "raw_file"]
    readonly_fields = ["content_hash", "created_at", "updated_at"]
    list_select_related = ["source"]
    inlines = [
        ArticleRegionInline,
        MentionInline,
        QuoteInline,
        ArticleTagInline,
        OccurrenceInline,
    ]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["speaker_name", "person", "article", "start"]
    search_fields = ["speaker_name", "text", "person__name"]
    autocomplete_fields = ["person", "article"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["person", "position", "article"]
    search_fields = ["person__name", "article__title"]
    autocomplete_fields = ["article", "person", "position"]


@admin.register(ArticleRegion)
class ArticleRegionAdmin(admin.ModelAdmin):
    list_display = ["article", "region", "primary", "mentions"]
    list_filter = ["primary", "region__level"]
    search_fields = ["article__title", "region__name"]
    autocomplete_fields = ["article", "region"]


@admin.register(ArticleTag)
class ArticleTagAdmin(admin.ModelAdmin):
    list_display = ["article", "tag", "machine", "confirmed"]
    list_filter = ["machine", "confirmed", "tag__kind"]
    search_fields = ["article__title", "tag__name"]
    autocomplete_fields = ["article", "tag"]


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["article", "raw_file", "span_start", "span_end"]
    search_fields = ["article__title", "raw_file__path"]
    autocomplete_fields = ["article", "raw_file"]
