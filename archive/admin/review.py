"""Reviewing the parse: a raw file's text with the parser's cuts beside its articles, the
fixes curators make there and on an article's change page, the review queue, the log of
fixes (each revertible) and a curator's numbers of the day.

Every fix is a POST to ``/admin/archive/correction/fix/<op>/<id>/`` that calls one
function of ``archive.review_ops`` and redirects back (to ``next`` when it is a page of
this site). No logic here beyond reading the form.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from archive import review_ops as ops
from archive.models import (
    Article,
    ArticleRegion,
    Correction,
    Mention,
    Occurrence,
    Quote,
    RawFile,
)
from archive.review_cuts import (
    LOW_CONFIDENCE,
    MANY_DISCARDED_SHARE,
    REASON_LABELS,
    REASON_WEIGHTS,
    layout,
    paragraphs,
    queue_reasons,
)

QUEUE_SIZE = 100


def _int(request, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise ops.ReviewError(f"{name}: a number is needed") from None


# --- the fixes ----------------------------------------------------------------------------


def _article(pk):
    return get_object_or_404(Article, pk=pk)


def do_split(request, pk):
    second = ops.split(_article(pk), _int(request, "index"), user=request.user)
    return f"已拆分：新文章《{second.title}》"


def do_merge(request, pk):
    merged = ops.merge_next(_article(pk), user=request.user)
    return f"已合并为《{merged.title}》"


def do_undiscard(request, pk):
    raw = get_object_or_404(RawFile, pk=pk)
    article = ops.undiscard(raw, _int(request, "piece"), user=request.user)
    return f"已放回《{article.title}》"


def do_boilerplate(request, pk):
    article = ops.mark_boilerplate(_article(pk), _int(request, "index"), user=request.user)
    return f"已从《{article.title}》移出"


def do_title(request, pk):
    article = ops.pick_title(_article(pk), request.POST.get("line", ""), user=request.user)
    return f"标题已改为《{article.title}》"


def do_person(request, pk):
    article = _article(pk)
    mention = get_object_or_404(Mention, pk=_int(request, "mention"), article=article)
    verdict = request.POST.get("verdict")
    if verdict not in ("confirm", "reject"):
        raise ops.ReviewError("verdict: confirm or reject")
    ops.person_verdict(article, mention.person, verdict == "confirm", user=request.user)
    return f"{mention.person.name}：{'已确认' if verdict == 'confirm' else '非人名'}"


def do_position(request, pk):
    mention = get_object_or_404(Mention, pk=_int(request, "mention"), article_id=pk)
    ops.set_position(
        mention,
        request.POST.get("title", ""),
        request.POST.get("organization", ""),
        user=request.user,
    )
    return f"{mention.person.name} 的职务已更新"


def do_speaker(request, pk):
    quote = get_object_or_404(Quote, pk=_int(request, "quote"), article_id=pk)
    ops.set_speaker(quote, request.POST.get("speaker", ""), user=request.user)
    return f"引语的说话人已改为 {quote.speaker_name or '—'}"


def do_quote(request, pk):
    quote = ops.add_quote(
        _article(pk),
        _int(request, "start"),
        _int(request, "end"),
        request.POST.get("speaker", ""),
        user=request.user,
    )
    return f"已添加引语“{quote.text[:20]}”（{quote.speaker_name or '—'}）"


def do_place(request, pk):
    link = get_object_or_404(ArticleRegion, pk=_int(request, "link"), article_id=pk)
    ops.set_place(link, request.POST.get("role", ""), user=request.user)
    return f"{link.region.name}：已更新"


def do_reviewed(request, pk):
    article = ops.mark_reviewed(_article(pk), user=request.user)
    return f"《{article.title}》已审核"


def do_revert(request, pk):
    correction = get_object_or_404(Correction, pk=pk)
    ops.revert(correction, user=request.user)
    return f"已撤销：{correction.summary}"


FIXES = {
    "split": do_split,
    "merge": do_merge,
    "undiscard": do_undiscard,
    "boilerplate": do_boilerplate,
    "title": do_title,
    "person": do_person,
    "position": do_position,
    "speaker": do_speaker,
    "quote": do_quote,
    "place": do_place,
    "reviewed": do_reviewed,
    "revert": do_revert,
}


# --- the pages ----------------------------------------------------------------------------


def file_context(raw: RawFile) -> dict:
    """The review page of a raw file: its text cut into the parser's pieces, and the
    articles made from it with their numbered paragraphs."""
    from archive.review_ops import _text_of

    text = _text_of(raw)
    spans = list(
        Occurrence.objects.filter(raw_file=raw).select_related("article").order_by("span_start")
    )
    articles = []
    for number, occurrence in enumerate(spans, 1):
        article = occurrence.article
        article.number = number
        article.paragraph_list = list(enumerate(paragraphs(article.body)))
        article.occurrence = occurrence
        articles.append(article)
    numbers = {a.pk: a.number for a in articles}
    pieces = [
        (a.pk, a.occurrence.span_start or 0, a.occurrence.span_end or 0, a.title) for a in articles
    ]
    discarded = [
        (i, *(d.get("span") or [0, 0])[:2], d.get("reason") or "")
        for i, d in enumerate(raw.discarded or [])
    ]
    segments = []
    for seg in layout(len(text), pieces, discarded):
        segments.append(
            {
                "kind": seg.kind,
                "ref": seg.ref,
                "label": seg.label,
                "number": numbers.get(seg.ref) if seg.kind == "article" else None,
                "text": text[seg.start : seg.end],
                "start": seg.start,
                "end": seg.end,
            }
        )
    return {
        "raw": raw,
        "segments": segments,
        "articles": articles,
        "discarded": list(enumerate(raw.discarded or [])),
        "corrections": Correction.objects.filter(raw_file=raw).select_related("user")[:20],
    }


def article_panel(article: Article) -> dict:
    """What the change page shows to fix people, quotes and places in place."""
    mentions = list(
        Mention.objects.filter(article=article)
        .select_related("person", "position")
        .order_by("person__name")
    )
    return {
        "article": article,
        "mentions": mentions,
        "quotes": list(Quote.objects.filter(article=article).order_by("start")),
        "places": list(
            ArticleRegion.objects.filter(article=article)
            .select_related("region")
            .order_by("-primary", "region__code")
        ),
        "corrections": list(article.corrections.select_related("user")[:10]),
    }


def queue(limit: int = QUEUE_SIZE) -> dict:
    """Unreviewed, visible articles, ordered by how much they need a curator: low
    confidence, many discarded characters in their file, no date, no place."""
    placed = Exists(ArticleRegion.objects.filter(article=OuterRef("pk")))
    low = Q(confidence__lt=LOW_CONFIDENCE)
    pending = Article.objects.filter(reviewed_at__isnull=True).exclude(
        review_status=Article.ReviewStatus.HIDDEN
    )
    many = Q(raw_file__discarded_chars__gt=F("raw_file__text_chars") * MANY_DISCARDED_SHARE)
    conditions = {
        "low_confidence": low,
        "many_discarded": many,
        "no_date": Q(published__isnull=True),
        "no_place": ~placed,
    }
    score = sum(
        Case(When(cond, then=Value(REASON_WEIGHTS[key])), default=Value(0))
        for key, cond in conditions.items()
    )
    rows = (
        pending.annotate(need=score, placed=placed)
        .filter(need__gt=0)
        .select_related("raw_file", "source")
        .order_by("-need", "confidence", "pk")[:limit]
    )
    items = []
    for article in rows:
        raw = article.raw_file
        reasons = queue_reasons(
            article.confidence,
            raw.discarded_chars if raw else 0,
            raw.text_chars if raw else 0,
            article.published is not None,
            article.placed,
        )
        items.append({"article": article, "reasons": [REASON_LABELS[r] for r in reasons]})
    counts = [
        {"key": key, "label": REASON_LABELS[key], "count": pending.filter(cond).count()}
        for key, cond in conditions.items()
    ]
    return {"items": items, "counts": counts, "pending": pending.count()}


def todays_numbers(user) -> dict:
    """A curator's day: articles reviewed, articles corrected and fixes made (undone
    fixes not counted), since local midnight."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    fixes = Correction.objects.filter(user=user, created_at__gte=start, reverted_at=None)
    return {
        "reviewed": Article.objects.filter(reviewed_by=user, reviewed_at__gte=start).count(),
        "corrected": fixes.exclude(article=None).values("article").distinct().count(),
        "fixes": fixes.count(),
    }


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "summary", "user", "article_link", "reverted_at"]
    list_filter = ["kind", "user", ("reverted_at", admin.EmptyFieldListFilter)]
    search_fields = ["summary"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [
        "kind",
        "summary",
        "user",
        "created_at",
        "raw_file",
        "article",
        "reverted_at",
        "revert_button",
    ]
    exclude = ["before", "created"]
    change_form_template = "admin/archive/correction/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="文章")
    def article_link(self, correction):
        if correction.article_id is None:
            return "—"
        url = reverse("admin:archive_article_change", args=[correction.article_id])
        return format_html('<a href="{}">{}</a>', url, correction.article)

    @admin.display(description="撤销")
    def revert_button(self, correction):
        return "已撤销" if correction.reverted_at else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("file/<int:raw_id>/", view(self.file_view), name="archive_review_file"),
            path("queue/", view(self.queue_view), name="archive_review_queue"),
            path("fix/<str:op>/<int:pk>/", view(self.fix_view), name="archive_review_fix"),
            *super().get_urls(),
        ]

    def file_view(self, request, raw_id):
        raw = get_object_or_404(RawFile, pk=raw_id)
        if not request.user.has_perm("archive.view_article"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **file_context(raw),
            "title": f"审核解析：{raw.path}",
            "opts": RawFile._meta,
            "can_fix": request.user.has_perm("archive.change_article"),
        }
        return TemplateResponse(request, "admin/archive/review/file.html", context)

    def queue_view(self, request):
        if not request.user.has_perm("archive.view_article"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **queue(),
            "title": "审核队列",
            "opts": Article._meta,
        }
        return TemplateResponse(request, "admin/archive/review/queue.html", context)

    def fix_view(self, request, op, pk):
        return fix(request, op, pk)


@require_POST
def fix(request, op, pk):
    """Apply one fix and go back where the curator was."""
    handler = FIXES.get(op)
    if handler is None:
        raise Http404(f"unknown fix: {op}")
    if not request.user.has_perm("archive.change_article"):
        raise PermissionDenied
    try:
        messages.success(request, handler(request, pk))
    except ops.ReviewError as exc:
        messages.error(request, f"未能修改：{exc}")
    target = request.POST.get("next") or reverse("admin:archive_correction_changelist")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("admin:index")
    return HttpResponseRedirect(target)
