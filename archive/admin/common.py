"""What the admin's areas share: the site's titles, the base admin of curated models
(import/export and history), link counts as subqueries, region prefixes, plain-text form
fields and the merge confirmation used by people, sources and tags.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from simple_history.admin import SimpleHistoryAdmin

from archive.models import Region

admin.site.site_header = "地方档案 管理"
admin.site.site_title = "地方档案"
admin.site.index_title = "档案管理"


def count_of(model, field: str, **filters) -> Coalesce:
    """A correlated COUNT of ``model`` rows whose ``field`` is the outer row (0 if none).

    Computed only for the rows on the page, unlike a JOIN + GROUP BY over the table.
    """
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def region_prefix(region: Region) -> str:
    """The GB/T 2260 code prefix shared by a division and everything under it."""
    code = region.code or ""
    if region.level == Region.Level.PROVINCE:
        return code[:2]
    if region.level == Region.Level.PREFECTURE:
        return code[:4]
    return code


def region_and_descendants(region: Region) -> list[int]:
    """Primary keys of a region and every region below it (townships have no code)."""
    prefix = region_prefix(region)
    coded = Q(code__startswith=prefix) | Q(parent__code__startswith=prefix)
    return list(Region.objects.filter(coded | Q(pk=region.pk)).values_list("pk", flat=True))


class CurationAdmin(ImportMixin, ExportActionMixin, SimpleHistoryAdmin):
    """History (view, revert, who and when), import with a dry-run preview, export of
    the filtered list (the Export button) or of selected rows (the action)."""

    formats = [CSV, XLSX, JSON]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def has_import_permission(self, request):
        # Importing adds and changes rows: not for view-only users (the package's default
        # lets every staff user import).
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_valid_export_item_pks(self, request):
        # Only the rows posted by the "export selected" action (the package's default
        # lists the primary keys of the whole table).
        posted = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return self.model.objects.filter(pk__in=posted).values_list("pk", flat=True)


# --- articles -----------------------------------------------------------------------------


class PlainTextField(forms.CharField):
    """Text as it was typed: browsers send CRLF line ends (kept as LF) and outer spaces stay,
    so re-saving an unedited text is not a change."""

    def __init__(self, *args, **kwargs):
        kwargs["strip"] = False
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


TEXT_AS_TYPED = {models.TextField: {"form_class": PlainTextField}}


class NamesField(forms.CharField):
    """A list of names (authors) typed as text: one a line, or separated by 、，,;."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2, "cols": 30}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        from archive.curation import parse_tag_names  # the same separators as tag names

        if isinstance(value, list):
            return value
        return parse_tag_names(value or "")


# --- merging (people, sources, tags) -------------------------------------------------------


def merge_view(modeladmin, request, queryset, merge):
    """Ask which record to keep, then merge the other selected ones into it."""
    objects = list(queryset)
    if len(objects) < 2:
        modeladmin.message_user(request, "请至少选择两条记录来合并。", messages.WARNING)
        return None
    if request.POST.get("apply"):
        keep_pk = request.POST.get("keep")
        keep = next((o for o in objects if str(o.pk) == keep_pk), None)
        if keep is None:
            modeladmin.message_user(request, "请选择要保留的记录。", messages.ERROR)
        else:
            others = [o for o in objects if o.pk != keep.pk]
            merge(keep, others)
            names = "、".join(str(o) for o in others)
            modeladmin.message_user(
                request, f"已将 {names} 合并到 {keep}（旧名保留为别名）。", messages.SUCCESS
            )
            return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"合并{opts.verbose_name}",
        "objects": objects,
        "opts": opts,
        "action": request.POST.get("action"),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/archive/merge.html", context)
