"""The articles' admin: the list (review queue, region, quote and status filters; the
changelist's count shortcuts for a large table), the change page (the body with people,
quotes and places marked; inlines for places, people, quotes, tags and provenance) and
the bulk actions (status, tags, re-extraction, export).
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export.forms import SelectableFieldsExportForm

from archive import curation
from archive.admin.common import (
    TEXT_AS_TYPED,
    CurationAdmin,
    NamesField,
    PlainTextField,
    count_of,
    region_and_descendants,
)
from archive.models import (
    Article,
    ArticleQuerySet,
    ArticleRegion,
    ArticleTag,
    Mention,
    Occurrence,
    Quote,
    Region,
)
from archive.resources import ArticleResource


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
        "curated_fields",
        "repairs",
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

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "authors":  # names, not JSON
            return NamesField(label=db_field.verbose_name, help_text="一行一个，或用、分隔")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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
        if obj.review_status == Article.ReviewStatus.REVIEWED and obj.reviewed_at is None:
            obj.reviewed_at, obj.reviewed_by = timezone.now(), request.user  # gold from now on
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
