"""Sources and tags: renaming and merging them (old names kept as aliases), tag kinds,
and the article-tag links.
"""

from __future__ import annotations

from django.contrib import admin, messages

from archive import curation
from archive.admin.common import CurationAdmin, count_of, merge_view
from archive.models import Article, ArticleTag, Source, Tag
from archive.resources import SourceResource, TagResource


@admin.register(Source)
class SourceAdmin(CurationAdmin):
    resource_classes = [SourceResource]
    list_display = ["name", "kind", "region", "alias_list", "article_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=count_of(Article, "source"))

    @admin.display(description="别名")
    def alias_list(self, source):
        return "、".join(source.aliases or []) or "—"

    @admin.display(description="文章数", ordering="article_count")
    def article_count(self, source):
        return source.article_count

    def save_model(self, request, obj, form, change):
        # A rename keeps the old name as an alias, so later imports still find the outlet.
        if change and "name" in form.changed_data:
            old = form.initial.get("name")
            if old and old not in obj.aliases:
                obj.aliases = [*obj.aliases, old]
        super().save_model(request, obj, form, change)

    @admin.action(description="合并所选来源", permissions=["change", "delete"])
    def merge(self, request, queryset):
        return merge_view(self, request, queryset, curation.merge_sources)


@admin.register(Tag)
class TagAdmin(CurationAdmin):
    resource_classes = [TagResource]
    list_display = ["name", "kind", "article_count", "unconfirmed_count", "created_at"]
    list_editable = ["kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    actions = ["merge", "confirm"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_count=count_of(ArticleTag, "tag"),
                unconfirmed_count=count_of(ArticleTag, "tag", machine=True, confirmed=False),
            )
        )

    @admin.display(description="文章数", ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    @admin.display(description="待确认机器标注", ordering="unconfirmed_count")
    def unconfirmed_count(self, tag):
        return tag.unconfirmed_count

    @admin.action(description="合并所选标签", permissions=["change", "delete"])
    def merge(self, request, queryset):
        return merge_view(self, request, queryset, curation.merge_tags)

    @admin.action(description="确认这些标签的全部机器标注", permissions=["change"])
    def confirm(self, request, queryset):
        n = ArticleTag.objects.filter(tag__in=queryset, machine=True, confirmed=False).update(
            confirmed=True
        )
        self.message_user(request, f"确认了 {n} 个机器标注。", messages.SUCCESS)


@admin.register(ArticleTag)
class ArticleTagAdmin(admin.ModelAdmin):
    list_display = ["article", "tag", "machine", "confirmed"]
    list_editable = ["confirmed"]
    list_filter = ["machine", "confirmed", "tag__kind"]
    search_fields = ["article__title", "tag__name"]
    autocomplete_fields = ["article", "tag"]
    list_select_related = ["article", "tag"]
    show_full_result_count = False
    actions = ["confirm"]

    @admin.action(description="确认所选机器标注", permissions=["change"])
    def confirm(self, request, queryset):
        n = queryset.filter(confirmed=False).update(confirmed=True)
        self.message_user(request, f"确认了 {n} 个标注。", messages.SUCCESS)
