"""Places: regions browsed by hierarchy with their subdivisions and articles, and the
article-region links.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from archive.admin.common import CurationAdmin, count_of
from archive.models import ArticleRegion, Region
from archive.resources import RegionResource


class RegionWithinFilter(admin.SimpleListFilter):
    """Browse the gazetteer by hierarchy: the provinces, then the children of one."""

    title = "层级浏览"
    parameter_name = "within"

    def lookups(self, request, model_admin):
        choices = [("top", "省级")]
        value = self.value()
        if value and value != "top":
            region = Region.objects.filter(pk=value).first()
            if region is not None:
                choices += [(str(r.pk), f"↑ {r.name}") for r in region.ancestors()]
                choices.append((str(region.pk), f"▸ {region.name} 的下级"))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "top":
            return queryset.filter(parent=None, level=Region.Level.PROVINCE)
        if value:
            return queryset.filter(parent_id=value)
        return queryset


@admin.register(Region)
class RegionAdmin(CurationAdmin):
    resource_classes = [RegionResource]
    list_display = [
        "name",
        "code",
        "short_name",
        "level",
        "parent",
        "children_link",
        "article_count",
        "articles_link",
    ]
    list_filter = [RegionWithinFilter, "level"]
    search_fields = ["name", "code", "short_name"]
    autocomplete_fields = ["parent", "successor"]
    list_select_related = ["parent"]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                child_count=count_of(Region, "parent"),
                article_count=count_of(ArticleRegion, "region"),
            )
        )

    @admin.display(description="下级", ordering="child_count")
    def children_link(self, region):
        if not region.child_count:
            return "—"
        url = reverse("admin:archive_region_changelist")
        return format_html(
            '<a href="{}?within={}">{} 个下级</a>', url, region.pk, region.child_count
        )

    @admin.display(description="文章数（本级）", ordering="article_count")
    def article_count(self, region):
        return region.article_count

    @admin.display(description="文章（含下级）")
    def articles_link(self, region):
        if not region.code:
            return "—"
        url = reverse("admin:archive_article_changelist")
        return format_html('<a href="{}?region={}">文章</a>', url, region.code)


@admin.register(ArticleRegion)
class ArticleRegionAdmin(admin.ModelAdmin):
    list_display = ["article", "region", "primary", "mentions"]
    list_filter = ["primary", "region__level"]
    search_fields = ["article__title", "region__name"]
    autocomplete_fields = ["article", "region"]
    list_select_related = ["article", "region"]
    show_full_result_count = False
