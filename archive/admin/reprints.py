"""Stories of reprints: their members in order, split members out, merge stories; the
history of every change is kept (django-simple-history)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from archive.reprints import curation
from archive.reprints.models import Story, StoryMember

MEMBER_FIELDS = [
    "article_link",
    "source",
    "published",
    "rank",
    "is_original",
    "lag_days",
    "similarity",
]


def article_link(member):
    url = reverse("admin:archive_article_change", args=[member.article_id])
    return format_html('<a href="{}">{}</a>', url, member.article.title)


class StoryMemberInline(admin.TabularInline):
    model = StoryMember
    fields = MEMBER_FIELDS
    readonly_fields = MEMBER_FIELDS
    ordering = ["rank"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="文章")
    def article_link(self, member):
        return article_link(member)

    @admin.display(description="来源")
    def source(self, member):
        return member.article.source or "—"

    @admin.display(description="日期")
    def published(self, member):
        return member.article.published or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article__source")


@admin.register(Story)
class StoryAdmin(SimpleHistoryAdmin):
    list_display = ["pk", "original", "size", "first_published", "curated", "updated_at"]
    list_filter = ["curated"]
    search_fields = ["original__title", "members__article__title"]
    readonly_fields = ["original", "size", "first_published", "created_at", "updated_at"]
    fields = ["original", "size", "first_published", "curated", "created_at", "updated_at"]
    list_select_related = ["original"]
    inlines = [StoryMemberInline]
    actions = ["merge_stories"]

    @admin.action(description="合并所选转载组", permissions=["change"])
    def merge_stories(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, "请至少选择两个转载组。", messages.WARNING)
            return
        kept = curation.merge(queryset)
        self.message_user(request, f"已合并到转载组 #{kept.pk}（{kept.size} 篇）。")


@admin.register(StoryMember)
class StoryMemberAdmin(SimpleHistoryAdmin):
    list_display = ["article", "story", "rank", "is_original", "lag_days", "similarity"]
    list_filter = ["is_original"]
    search_fields = ["article__title"]
    raw_id_fields = ["article", "story"]
    list_select_related = ["article", "story"]
    readonly_fields = ["rank", "is_original", "lag_days", "similarity"]
    actions = ["split_out"]

    @admin.action(description="拆出所选文章，另成一组", permissions=["change"])
    def split_out(self, request, queryset):
        story = curation.split(queryset.select_related("story"))
        self.message_user(request, f"已拆出到新转载组 #{story.pk}（{story.size} 篇）。")
