"""The stored exact facet counts of large filters (``manage.py refresh_facets``):
read-only, with an action that counts the selected filters again.
"""

from __future__ import annotations

from django.contrib import admin, messages

from archive.models import FacetCounts


@admin.register(FacetCounts)
class FacetCountsAdmin(admin.ModelAdmin):
    """Stored exact facet counts of large filters (see ``refresh_facets``): read-only, with
    an action that counts the selected filters again."""

    list_display = ["__str__", "total", "computed_at"]
    ordering = ["-total"]
    readonly_fields = ["key", "params", "counts", "total", "computed_at"]
    actions = ["recount"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_recount_permission(self, request):
        """Curators (who may change articles) may recount; readers only look."""
        return request.user.has_perm("archive.change_article")

    @admin.action(description="重新统计所选筛选条件的分面计数", permissions=["recount"])
    def recount(self, request, queryset):
        from archive.listing import store_facet_counts

        rows = list(queryset)
        for row in rows:
            store_facet_counts(row.params)
        self.message_user(request, f"已重新统计 {len(rows)} 项。", messages.SUCCESS)
