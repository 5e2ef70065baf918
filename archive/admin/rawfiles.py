"""Raw files as they came in: status, errors, encoding, the raw text, re-importing,
the upload page (the same pipeline as ``import_raw``) and occurrences (which span of which
file an article came from).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from archive import importer, queue
from archive.admin.common import count_of
from archive.models import Occurrence, RawFile

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


# --- raw files ----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "DIFANG_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(d, initial) for d in data]
        return [clean_one(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label="原始文件", help_text=".txt .html .jsonl，可为 .gz；可多选")
    source = forms.CharField(
        label="来源", required=False, help_text="optional: outlet name for every article"
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = max_upload_bytes()
        too_big = [f for f in files if f.size > limit]
        if too_big:
            names = "、".join(f"{f.name}（{f.size / 1048576:.1f} MB）" for f in too_big)
            raise forms.ValidationError(
                f"文件太大：{names}。每个文件最多 {limit / 1048576:.0f} MB "
                f"(DIFANG_MAX_UPLOAD_BYTES = {limit} bytes); "
                "大文件请用 manage.py import_raw 导入。"
            )
        return files


@admin.register(RawFile)
class RawFileAdmin(admin.ModelAdmin):
    list_display = [
        "path",
        "status",
        "short_error",
        "encoding",
        "size",
        "article_count",
        "imported_at",
    ]
    list_filter = ["status", "encoding"]
    search_fields = ["path", "sha256"]
    date_hierarchy = "imported_at"
    show_full_result_count = False
    actions = ["reimport"]
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
        "text_link",
    ]
    exclude = ["content"]

    def get_queryset(self, request):
        # never load the compressed bytes for a list
        return (
            super()
            .get_queryset(request)
            .defer("content", "discarded")
            .annotate(article_count=count_of(Occurrence, "raw_file"))
        )

    def has_add_permission(self, request):
        return False  # new files come in through the upload page

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="archive_rawfile_upload"),
            path("<path:object_id>/text/", view(self.text_view), name="archive_rawfile_text"),
            *super().get_urls(),
        ]

    @admin.display(description="错误")
    def short_error(self, raw):
        return (raw.error.splitlines() or ["—"])[0][:80]

    @admin.display(description="文章数", ordering="article_count")
    def article_count(self, raw):
        return raw.article_count

    @admin.display(description="原文")
    def text_link(self, raw):
        url = reverse("admin:archive_rawfile_text", args=[raw.pk])
        review = reverse("admin:archive_review_file", args=[raw.pk])
        return format_html(
            '<a href="{}">以纯文本查看</a> · <a href="{}">审核解析（切分与舍弃部分）</a>',
            url,
            review,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_upload"] = self.has_upload_permission(request)
        # The import queue at a glance (import_raw --enqueue): files by status, with counts.
        counts = queue.status_counts()
        extra_context["queue_counts"] = [
            (status, label, counts[queue.SHOWN[status]]) for status, label in RawFile.Status.choices
        ]
        return super().changelist_view(request, extra_context)

    def has_upload_permission(self, request):
        return request.user.has_perm("archive.add_rawfile") and request.user.has_perm(
            "archive.add_article"
        )

    @admin.action(description="重新导入所选文件", permissions=["change"])
    def reimport(self, request, queryset):
        results: dict[str, int] = {}
        for raw in queryset.defer(None):
            status = importer.reimport(raw)
            results[status] = results.get(status, 0) + 1
        summary = "，".join(f"{k} {v}" for k, v in sorted(results.items()))
        self.message_user(request, f"重新导入：{summary}。", messages.SUCCESS)

    def text_view(self, request, object_id):
        """The file's decoded text as text/plain (optionally ?start=&end=), staff only."""
        raw = get_object_or_404(RawFile, pk=object_id)
        if not self.has_view_permission(request, raw):
            raise PermissionDenied
        from archive.extraction.reader import ReadError, read

        data = raw.data
        try:
            text = read(data, raw.path).text
        except ReadError:
            text = data.decode(raw.encoding or "utf-8", errors="replace")
        try:
            start = int(request.GET.get("start") or 0)
            end = int(request.GET["end"]) if request.GET.get("end") else len(text)
        except ValueError:
            start, end = 0, len(text)
        response = HttpResponse(text[start:end], content_type="text/plain; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def upload_view(self, request):
        """Upload raw files; each runs through parse() and import_file() like import_raw."""
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        results = []
        if request.method == "POST" and form.is_valid():
            source = form.cleaned_data["source"].strip() or None
            for upload in form.cleaned_data["files"]:
                data = upload.read()
                status, record = importer.import_upload(upload.name, data, source)
                results.append(
                    {
                        "name": upload.name,
                        "status": status,
                        "articles": len(record.articles),
                        "encoding": record.encoding,
                        "errors": record.errors,
                    }
                )
                level = messages.ERROR if status == "failed" else messages.SUCCESS
                self.message_user(
                    request,
                    f"{upload.name}: {status}，{len(record.articles)} 篇文章"
                    + (f"；{record.errors[0]}" if record.errors else ""),
                    level,
                )
            if all(r["status"] != "failed" for r in results):
                return HttpResponseRedirect(reverse("admin:archive_rawfile_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "上传原始文件",
            "form": form,
            "opts": self.opts,
            "results": results,
            "max_mb": max_upload_bytes() / 1048576,
        }
        return TemplateResponse(request, "admin/archive/rawfile/upload.html", context)


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["article", "raw_file", "span_start", "span_end"]
    search_fields = ["article__title", "raw_file__path"]
    autocomplete_fields = ["article", "raw_file"]
    list_select_related = ["article", "raw_file"]
    show_full_result_count = False
