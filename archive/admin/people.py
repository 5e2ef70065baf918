"""People and their positions, quotes and mentions: the person's page (positions
editable, articles and quotes listed), confirming, rejecting and merging people.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from archive import curation
from archive.admin.common import CurationAdmin, count_of, merge_view
from archive.models import Mention, Person, Position, Quote
from archive.resources import PersonResource


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fk_name = "person"
    autocomplete_fields = ["region", "article"]
    fields = ["title", "organization", "region", "first_seen", "last_seen", "article"]


class PersonMentionInline(admin.TabularInline):
    model = Mention
    verbose_name = "文章"
    verbose_name_plural = "见于文章"
    extra = 0
    fields = ["article_link", "published", "position"]
    readonly_fields = ["article_link", "published", "position"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "position")

    @admin.display(description="文章")
    def article_link(self, mention):
        url = reverse("admin:archive_article_change", args=[mention.article_id])
        return format_html('<a href="{}">{}</a>', url, mention.article.title)

    @admin.display(description="日期")
    def published(self, mention):
        return mention.article.published


class PersonQuoteInline(admin.TabularInline):
    model = Quote
    verbose_name_plural = "引语"
    extra = 0
    fields = ["text", "article_link"]
    readonly_fields = ["text", "article_link"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="文章")
    def article_link(self, quote):
        url = reverse("admin:archive_article_change", args=[quote.article_id])
        return format_html('<a href="{}">{}</a>', url, quote.article.title)


@admin.register(Person)
class PersonAdmin(CurationAdmin):
    resource_classes = [PersonResource]
    list_display = [
        "name",
        "normalized_name",
        "alias_list",
        "curation",
        "article_count",
        "quote_count",
    ]
    list_filter = ["curation"]
    search_fields = ["name", "normalized_name"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["merge", "confirm", "reject"]
    inlines = [PositionInline, PersonMentionInline, PersonQuoteInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                article_count=count_of(Mention, "person"), quote_count=count_of(Quote, "person")
            )
        )

    @admin.display(description="别名")
    def alias_list(self, person):
        return "、".join(person.aliases or []) or "—"

    @admin.display(description="文章数", ordering="article_count")
    def article_count(self, person):
        return person.article_count

    @admin.display(description="引语数", ordering="quote_count")
    def quote_count(self, person):
        return person.quote_count

    def _set_curation(self, request, queryset, status):
        n = curation.set_person_curation(queryset, status, user=request.user)
        label = Person.Curation(status).label
        self.message_user(request, f"{n} 个人物设为“{label}”。", messages.SUCCESS)

    @admin.action(description="确认所选人物（今后导入时识别）", permissions=["change"])
    def confirm(self, request, queryset):
        self._set_curation(request, queryset, Person.Curation.CONFIRMED)

    @admin.action(description="标为非人名（今后不再抽取）", permissions=["change"])
    def reject(self, request, queryset):
        self._set_curation(request, queryset, Person.Curation.REJECTED)

    @admin.action(description="合并所选人物", permissions=["change", "delete"])
    def merge(self, request, queryset):
        def merge_all(keep, others):
            for other in others:
                curation.merge_people(keep, other)

        return merge_view(self, request, queryset, merge_all)


@admin.register(Position)
class PositionAdmin(SimpleHistoryAdmin):
    list_display = ["person", "title", "organization", "region", "first_seen", "last_seen"]
    search_fields = ["person__name", "title", "organization"]
    list_filter = ["region__level"]
    autocomplete_fields = ["person", "region", "article"]
    list_select_related = ["person", "region"]


# --- the rest: quotes, mentions, links, occurrences ----------------------------------------


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    list_display = ["speaker_name", "person", "article", "start"]
    search_fields = ["speaker_name", "text", "person__name"]
    autocomplete_fields = ["person", "article"]
    list_select_related = ["person", "article"]
    show_full_result_count = False


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["person", "position", "article"]
    search_fields = ["person__name", "article__title"]
    autocomplete_fields = ["article", "person", "position"]
    list_select_related = ["person", "position", "article"]
    show_full_result_count = False
