"""Admin configuration: where curators spend their day.

Django's own admin features first (list_display, filters, search, inlines, actions,
autocomplete), django-import-export for files in and out, django-simple-history for who
changed what. Custom views only where configuration cannot do it: the merge
confirmation, the raw text of a file, and uploading new raw files. The operations
themselves live in ``archive.curation`` and ``archive.importer``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from import_export.forms import SelectableFieldsExportForm
from simple_history.admin import SimpleHistoryAdmin

from archive import curation, importer
from archive.models import (
    Article,
    ArticleQuerySet,
    ArticleRegion,
    ArticleTag,
    FacetCounts,
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
from archive.resources import (
    ArticleResource,
    PersonResource,
    RegionResource,
    SourceResource,
    TagResource,
)

admin.site.site_header = "地方档案 管理"
admin.site.site_title = "地方档案"
admin.site.index_title = "档案管理"

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


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


def next_month(day: date) -> date:
    """The first day of the month after day's."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class IndexedDatesQuerySet(ArticleQuerySet):
    """The article list's queryset: the date hierarchy's queries walk the index on
    ``published`` instead of truncating the date of every row.

    Django's date_hierarchy asks for MIN and MAX of the date, then for the distinct
    years (months, days) with ``dates()``: at 100,000 rows that is a full scan with a
    function call per row (seconds on SQLite). Here MIN and MAX are two index lookups,
    and each candidate year (month, day) between them is one EXISTS on an index range.
    """

    def _date_bounds(self):
        # asked twice by the date hierarchy (MIN/MAX, then dates()) of the same queryset
        if not hasattr(self, "_bounds"):
            dated = self.filter(published__isnull=False).values_list("published", flat=True)
            self._bounds = dated.order_by("published").first(), dated.order_by("-published").first()
        return self._bounds

    def aggregate(self, *args, **kwargs):
        wanted = {name: (type(agg), agg.source_expressions) for name, agg in kwargs.items()}
        date_range = {
            "first": (Min, [F("published")]),
            "last": (Max, [F("published")]),
        }
        if not args and wanted == date_range:
            first, last = self._date_bounds()
            return {"first": first, "last": last}
        return super().aggregate(*args, **kwargs)

    def dates(self, field_name, kind, order="ASC"):
        if field_name != "published" or kind not in ("year", "month", "day"):
            return super().dates(field_name, kind, order)
        first, last = self._date_bounds()
        if first is None:
            return []
        starts: list[date] = []
        if kind == "year":
            starts = [date(y, 1, 1) for y in range(first.year, last.year + 2)]
        elif kind == "month":
            month, stop = date(first.year, first.month, 1), next_month(last)
            while month <= stop:
                starts.append(month)
                month = next_month(month)
        else:
            day = first
            while day <= last + timedelta(days=1):
                starts.append(day)
                day += timedelta(days=1)
        found = [
            start
            for start, end in zip(starts, starts[1:], strict=False)
            if self.filter(published__gte=start, published__lt=end).order_by().exists()
        ]
        return found if order == "ASC" else found[::-1]


class LargeTablePaginator(Paginator):
    """Exact counts, except for the unfiltered list of a big PostgreSQL table: there the
    planner's row estimate (``pg_class.reltuples``) stands in for a COUNT(*) that reads
    every row. SQLite counts a table from its smallest index quickly and always counts."""

    ESTIMATE_FROM = 50_000

    @cached_property
    def count(self):
        qs = self.object_list
        conn = connections[getattr(qs, "db", "default")]
        if isinstance(qs, QuerySet) and conn.vendor == "postgresql" and not qs.query.where:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] and row[0] >= self.ESTIMATE_FROM:
                return int(row[0])
        return super().count


class ArticleChangeList(ChangeList):
    """Counts the people of the articles on the page in one query after the page is
    read, so a deep page (OFFSET) does not count them for every row it skips."""

    def get_results(self, request):
        super().get_results(request)
        articles = list(self.result_list)
        if articles and not hasattr(articles[0], "people_count"):
            counts = dict(
                Mention.objects.filter(article__in=articles)
                .order_by()
                .values("article")
                .annotate(n=Count("pk"))
                .values_list("article", "n")
            )
            for article in articles:
                article.people_count = counts.get(article.pk, 0)


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


# --- filters ------------------------------------------------------------------------------


class RegionHierarchyFilter(admin.SimpleListFilter):
    """Province → prefecture → county: pick a province, then one of its children, …

    Matches articles linked to the chosen region or to any region below it.
    """

    title = "地区（省 › 市 › 县）"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        code = self.value()
        selected = Region.objects.filter(code=code).first() if code else None
        if selected is None:
            provinces = Region.objects.filter(level=Region.Level.PROVINCE).exclude(code=None)
            return [(r.code, r.name) for r in provinces.order_by("code")]
        choices = [(r.code, f"↑ {r.name}") for r in selected.ancestors() if r.code]
        choices.append((selected.code, f"▸ {selected.name}"))
        children = selected.children.exclude(code=None).order_by("code")
        choices += [(r.code, f"　{r.name}") for r in children]
        return choices

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        region = Region.objects.filter(code=code).first()
        if region is None:
            return queryset.none()
        links = ArticleRegion.objects.filter(region_id__in=region_and_descendants(region))
        return queryset.filter(pk__in=links.values("article_id"))


class HasQuotesFilter(admin.SimpleListFilter):
    title = "引语"
    parameter_name = "has_quotes"

    def lookups(self, request, model_admin):
        return [("yes", "有引语"), ("no", "无引语")]

    def queryset(self, request, queryset):
        quotes = Exists(Quote.objects.filter(article=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(quotes)
        if self.value() == "no":
            return queryset.filter(~quotes)
        return queryset


class ReviewQueueFilter(admin.SimpleListFilter):
    """The review queue: new articles, lowest extraction confidence first."""

    title = "审核队列"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("new", "待审（置信度低者优先）")]

    def queryset(self, request, queryset):
        if self.value() == "new":
            return queryset.filter(review_status=Article.ReviewStatus.NEW)
        return queryset


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


class ArticleActionForm(ActionForm):
    tags = forms.CharField(
        label="标签",
        required=False,
        help_text="for the add/remove tag actions; several names separated by commas",
        widget=forms.TextInput(attrs={"placeholder": "标签名，逗号分隔", "size": 24}),
    )


class ArticleExportForm(SelectableFieldsExportForm):
    published_only = forms.BooleanField(
        label="只导出已发布的文章", required=False, help_text="leave out new, reviewed and hidden"
    )


class ArticleRegionInline(admin.TabularInline):
    model = ArticleRegion
    extra = 0
    autocomplete_fields = ["region"]
    fields = ["region", "primary", "mentions"]


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    autocomplete_fields = ["person", "position"]


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["speaker_name", "person", "text", "start", "end"]
    formfield_overrides = {
        models.TextField: {"form_class": PlainTextField, "widget": forms.Textarea({"rows": 2})}
    }


class ArticleTagInline(admin.TabularInline):
    model = ArticleTag
    extra = 0
    autocomplete_fields = ["tag"]
    fields = ["tag", "machine", "confirmed"]
    readonly_fields = ["machine"]


class OccurrenceInline(admin.TabularInline):
    model = Occurrence
    extra = 0
    fields = ["raw_file", "span_start", "span_end", "raw_text"]
    readonly_fields = ["raw_file", "span_start", "span_end", "raw_text"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="原文")
    def raw_text(self, occurrence):
        url = reverse("admin:archive_rawfile_text", args=[occurrence.raw_file_id])
        return format_html(
            '<a href="{}?start={}&amp;end={}">查看原文片段</a>',
            url,
            occurrence.span_start or 0,
            occurrence.span_end or "",
        )


def highlight(body: str, quotes, people, places) -> str:
    """The body as HTML with <mark> around quotes, people's names and place names.

    ``quotes`` are (start, end, speaker) offsets into the body; ``people`` and
    ``places`` are names looked up in the text (longest first, never overlapping).
    Everything is escaped; only the marks are HTML.
    """
    n = len(body)
    in_quote: list[str | None] = [None] * n
    for start, end, speaker in quotes:
        for i in range(max(start, 0), min(end, n)):
            in_quote[i] = speaker or ""
    entity: list[tuple[str, str] | None] = [None] * n
    for kind, names in (("person", people), ("region", places)):
        for name in sorted({x for x in names if x and len(x) >= 2}, key=len, reverse=True):
            start = body.find(name)
            while start != -1:
                end = start + len(name)
                if all(e is None for e in entity[start:end]):
                    entity[start:end] = [(kind, name)] * len(name)
                start = body.find(name, end)
    out: list[str] = []
    i = 0
    while i < n:
        j = i + 1
        while j < n and in_quote[j] == in_quote[i] and entity[j] == entity[i]:
            j += 1
        piece = escape(body[i:j])
        if entity[i] is not None:
            kind, name = entity[i]
            piece = f'<mark class="hl hl-{kind}" title="{escape(name)}">{piece}</mark>'
        if in_quote[i] is not None:
            who = escape(in_quote[i])
            piece = f'<mark class="hl hl-quote" title="引语 {who}">{piece}</mark>'
        out.append(piece)
        i = j
    return "".join(out)


@admin.register(Article)
class ArticleAdmin(CurationAdmin):
    resource_classes = [ArticleResource]
    export_form_class = ArticleExportForm
    change_form_template = "admin/archive/article/change_form.html"
    change_list_template = "admin/archive/article/change_list.html"  # under import-export's
    list_display = [
        "title",
        "published",
        "source",
        "primary_region_list",
        "people_count",
        "review_status",
        "tag_list",
    ]
    list_display_links = ["title"]
    list_filter = [
        ReviewQueueFilter,
        "review_status",
        "source",
        RegionHierarchyFilter,
        "tags",
        HasQuotesFilter,
    ]
    search_fields = ["title", "body", "=content_hash"]
    search_help_text = "标题或正文中的任意字串（如“乡村振兴”）"
    date_hierarchy = "published"
    autocomplete_fields = ["source", "raw_file"]
    list_select_related = ["source"]
    list_per_page = 50
    show_full_result_count = False
    paginator = LargeTablePaginator
    action_form = ArticleActionForm
    formfield_overrides = TEXT_AS_TYPED
    actions = [
        "mark_new",
        "mark_reviewed",
        "mark_published",
        "mark_hidden",
        "add_tags",
        "remove_tags",
        "confirm_machine_tags",
        "reextract",
    ]
    readonly_fields = [
        "highlighted_body",
        "provenance",
        "content_hash",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "published", "source", "authors", "url"]}),
        ("审核", {"fields": ["review_status", "curated_fields"]}),
        ("正文（人物、引语、地名已标出）", {"fields": ["highlighted_body"]}),
        ("出处", {"fields": ["provenance"]}),
        ("编辑正文", {"classes": ["collapse"], "fields": ["body"]}),
        (
            "抽取信息",
            {
                "classes": ["collapse"],
                "fields": [
                    "confidence",
                    "repairs",
                    "raw_file",
                    "span_start",
                    "span_end",
                    "content_hash",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]
    inlines = [
        ArticleRegionInline,
        MentionInline,
        QuoteInline,
        ArticleTagInline,
        OccurrenceInline,
    ]

    def get_queryset(self, request):
        primary = ArticleRegion.objects.filter(primary=True).select_related("region")
        qs = super().get_queryset(request)
        qs = IndexedDatesQuerySet(model=qs.model, query=qs.query, using=qs._db)
        if self._sorted_by_people(request):
            qs = qs.annotate(people_count=count_of(Mention, "article"))
        return qs.prefetch_related(
            "tags",
            Prefetch("articleregion_set", queryset=primary, to_attr="primary_links"),
        )

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def _sorted_by_people(self, request):
        """Whether the list is sorted by the people column (?o=5.-2 names columns)."""
        if ORDER_VAR not in request.GET:
            return False
        columns = list(self.get_list_display(request))
        if self.get_actions(request):
            columns.insert(0, "action_checkbox")  # as ChangeList numbers them
        wanted = {part.lstrip("-") for part in request.GET[ORDER_VAR].split(".")}
        return str(columns.index("people_count")) in wanted

    def get_list_display(self, request):
        # the review queue shows the confidence it is sorted by
        if request.GET.get(ReviewQueueFilter.parameter_name):
            return [*self.list_display, "confidence"]
        return self.list_display

    def get_ordering(self, request):
        if request.GET.get(ReviewQueueFilter.parameter_name):
            return ["confidence", "pk"]
        return super().get_ordering(request)

    # -- columns

    @admin.display(description="主要地区")
    def primary_region_list(self, article):
        return "、".join(link.region.name for link in article.primary_links) or "—"

    @admin.display(description="人物数", ordering="people_count")
    def people_count(self, article):
        return article.people_count

    @admin.display(description="标签")
    def tag_list(self, article):
        names = [tag.name for tag in article.tags.all()]
        if len(names) > 4:
            return f"{'、'.join(names[:3])} …（共 {len(names)} 个）"
        return "、".join(names) or "—"

    # -- change page

    @admin.display(description="正文")
    def highlighted_body(self, article):
        if article is None or not article.pk:
            return "—"
        quotes = [(q.start, q.end, q.speaker_name) for q in article.quotes.all()]
        people = []
        for person in article.people.all():
            people += [person.name, *(person.aliases or [])]
        places = []
        for region in article.regions.all():
            places += [region.name, region.short_name, *(region.aliases or [])]
        legend = mark_safe(
            '<p class="hl-legend"><mark class="hl hl-person">人物</mark> '
            '<mark class="hl hl-quote">引语</mark> <mark class="hl hl-region">地名</mark></p>'
        )
        text = mark_safe(highlight(article.body, quotes, people, places))  # escaped inside
        return format_html('{}<div class="highlighted-body">{}</div>', legend, text)

    @admin.display(description="原始文件")
    def provenance(self, article):
        if article is None or not article.pk or article.raw_file_id is None:
            return "—"
        raw = article.raw_file
        text_url = reverse("admin:archive_rawfile_text", args=[raw.pk])
        rows = [
            (
                "文件",
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:archive_rawfile_change", args=[raw.pk]),
                    raw.path,
                ),
            ),
            ("编码", raw.encoding or "—"),
            ("位置", f"{article.span_start} – {article.span_end}"),
            (
                "原文",
                format_html(
                    '<a class="raw-span" href="{}?start={}&amp;end={}">本文片段</a> · '
                    '<a class="raw-full" href="{}">全文</a>',
                    text_url,
                    article.span_start or 0,
                    article.span_end or "",
                    text_url,
                ),
            ),
        ]
        others = article.occurrence_set.exclude(raw_file=raw).count()
        if others:
            rows.append(("另见", f"{others} 个其他文件（见下方“出处”）"))
        return format_html(
            '<table class="provenance">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    # -- remember what curators changed

    def save_model(self, request, obj, form, change):
        if change:
            original = Article.objects.get(pk=obj.pk)
            changed = [
                name
                for name in form.changed_data
                if name in curation.MACHINE_FIELDS
                and Article._meta.get_field(name).value_from_object(original)
                != Article._meta.get_field(name).value_from_object(obj)
            ]
            curation.mark_curated(obj, changed)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        link = {ArticleRegion: "regions", Mention: "people", Quote: "quotes", ArticleTag: "tags"}
        name = link.get(formset.model)
        if change and name and formset.has_changed():
            article = form.instance
            if curation.mark_curated(article, [name]):
                Article.objects.filter(pk=article.pk).update(curated_fields=article.curated_fields)

    # -- bulk actions

    def _set_status(self, request, queryset, status):
        n = curation.set_status(queryset, status, user=request.user)
        label = Article.ReviewStatus(status).label
        self.message_user(request, f"{n} 篇文章设为“{label}”。", messages.SUCCESS)

    @admin.action(description="设为 新导入", permissions=["change"])
    def mark_new(self, request, queryset):
        self._set_status(request, queryset, Article.ReviewStatus.NEW)

    @admin.action(description="设为 已审核", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        self._set_status(request, queryset, Article.ReviewStatus.REVIEWED)

    @admin.action(description="设为 已发布", permissions=["change"])
    def mark_published(self, request, queryset):
        self._set_status(request, queryset, Article.ReviewStatus.PUBLISHED)

    @admin.action(description="设为 已隐藏（不公开）", permissions=["change"])
    def mark_hidden(self, request, queryset):
        self._set_status(request, queryset, Article.ReviewStatus.HIDDEN)

    def _tag_names(self, request):
        names = curation.parse_tag_names(request.POST.get("tags", ""))
        if not names:
            self.message_user(request, "请在“标签”框中填写标签名。", messages.WARNING)
        return names

    @admin.action(description="添加标签（填右侧框）", permissions=["change"])
    def add_tags(self, request, queryset):
        names = self._tag_names(request)
        if names:
            n = curation.add_tags(queryset, names)
            self.message_user(request, f"添加了 {n} 个标签：{'、'.join(names)}。", messages.SUCCESS)

    @admin.action(description="移除标签（填右侧框）", permissions=["change"])
    def remove_tags(self, request, queryset):
        names = self._tag_names(request)
        if names:
            n = curation.remove_tags(queryset, names)
            self.message_user(request, f"移除了 {n} 个标签：{'、'.join(names)}。", messages.SUCCESS)

    @admin.action(description="确认机器标签", permissions=["change"])
    def confirm_machine_tags(self, request, queryset):
        n = curation.confirm_machine_tags(queryset)
        self.message_user(request, f"确认了 {n} 个机器标签。", messages.SUCCESS)

    @admin.action(description="重新抽取（保留人工编辑）", permissions=["change"])
    def reextract(self, request, queryset):
        counts = curation.reextract(queryset)
        self.message_user(
            request,
            f"重新抽取了 {counts['articles']} 篇文章（{counts['from_raw_file']} 篇来自原始文件）；"
            "人工编辑的字段未改动。",
            messages.SUCCESS,
        )

    # -- export: "published only"

    def get_data_for_export(self, request, queryset, **kwargs):
        form = kwargs.get("export_form")
        if form is not None and getattr(form, "cleaned_data", {}).get("published_only"):
            queryset = queryset.filter(review_status=Article.ReviewStatus.PUBLISHED)
        return super().get_data_for_export(request, queryset, **kwargs)


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
        return format_html('<a href="{}">以纯文本查看</a>', url)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_upload"] = self.has_upload_permission(request)
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


@admin.register(ArticleRegion)
class ArticleRegionAdmin(admin.ModelAdmin):
    list_display = ["article", "region", "primary", "mentions"]
    list_filter = ["primary", "region__level"]
    search_fields = ["article__title", "region__name"]
    autocomplete_fields = ["article", "region"]
    list_select_related = ["article", "region"]
    show_full_result_count = False


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):
    list_display = ["article", "raw_file", "span_start", "span_end"]
    search_fields = ["article__title", "raw_file__path"]
    autocomplete_fields = ["article", "raw_file"]
    list_select_related = ["article", "raw_file"]
    show_full_result_count = False


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
        from archive.views import store_facet_counts

        rows = list(queryset)
        for row in rows:
            store_facet_counts(row.params)
        self.message_user(request, f"已重新统计 {len(rows)} 项。", messages.SUCCESS)
