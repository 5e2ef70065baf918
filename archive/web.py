"""Request plumbing of the public site: format negotiation, the ``public_view`` decorator
(GET/HEAD only, bad parameters → 400 and missing objects → 404 in the format asked for),
the page cache keyed by the data version, and error and JSON responses.

Every page builds plain data and answers in the format asked for: HTML (default), JSON
(``?format=json`` or ``Accept: application/json``), and for lists also CSV
(``?format=csv``, streamed, every row) and Atom (``?format=atom`` or ``/feed/``); the
list formats are written by ``archive/formats.py``.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from archive.listing.params import BadParameter

FORMATS = ("html", "json", "csv", "atom")


def wanted_format(request) -> str:
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise BadParameter(_("未知的格式：%(value)s") % {"value": fmt})
        return fmt
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return "json"
    if "application/atom+xml" in accept and "text/html" not in accept:
        return "atom"
    return "html"


def public_view(view):
    """GET/HEAD only (405 otherwise); bad parameters → 400 and missing objects → 404,
    both in the format asked for; responses vary on Accept."""

    # Exempt from CSRF only so that a POST meets require_safe's 405 rather than the CSRF
    # 403: these views accept GET and HEAD alone and never write.
    @csrf_exempt
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            fmt = wanted_format(request)
        except BadParameter as exc:
            accept = request.headers.get("Accept", "")
            return error(request, "json" if "json" in accept else "html", 400, str(exc))
        key = page_key(request, fmt)
        cached = cache.get(key) if key else None
        if cached is not None:
            return cached
        try:
            response = view(request, fmt, *args, **kwargs)
        except BadParameter as exc:
            response = error(request, fmt, 400, str(exc))
        except Http404 as exc:
            message = str(exc) if exc.args else _("没有找到这个页面。")
            response = error(request, fmt, 404, message)
        patch_vary_headers(response, ["Accept", "Accept-Language", "Cookie"])
        if key and response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response, page_cache_seconds())
        return response

    return wrapper


HISTORY_MODELS = ("article", "person", "position", "quote", "region", "source", "tag")


def page_cache_seconds() -> int:
    return int(getattr(settings, "DIFANG_PAGE_CACHE_SECONDS", 0) or 0)


# Every ORM save or delete of these writes a history row (django-simple-history), and
# new links get new ids: the largest ids move whenever anything a page shows changes.
VERSION_SQL = "SELECT " + ", ".join(
    [f"(SELECT MAX(history_id) FROM archive_historical{m})" for m in HISTORY_MODELS]
    + [f"(SELECT MAX(id) FROM archive_{t})" for t in ("articleregion", "articletag", "mention")]
)


def data_version(request=None) -> tuple:
    """Changes whenever an article, a person, a tag … or a link between them is added,
    edited or deleted: the key under which pages and facet counts are cached, so a cached
    page is never stale (an article a curator hides disappears at once). One query of
    primary-key maxima, asked once per request (the page key and the facet key share it)."""
    version = getattr(request, "_difang_data_version", None)
    if version is None:
        with connection.cursor() as cur:
            cur.execute(VERSION_SQL)
            version = tuple(cur.fetchone())
        if request is not None:
            request._difang_data_version = version
    return version


def page_key(request, fmt: str) -> str | None:
    """Cache key of a whole public page: its URL, format, language and the data version.
    CSV streams every row and is never cached."""
    if fmt == "csv" or not page_cache_seconds():
        return None
    raw = repr(
        (
            connection.vendor,
            request.get_full_path(),
            fmt,
            translation.get_language(),
            data_version(request),
        )
    )
    return "difang-page:" + hashlib.sha256(raw.encode()).hexdigest()


def error(request, fmt, status, message):
    if fmt == "json":
        return JsonResponse({"error": message, "status": status}, status=status)
    if fmt in ("csv", "atom"):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def as_json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
