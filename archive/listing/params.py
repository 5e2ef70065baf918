"""A list's query parameters: read, checked (a bad one is a 400, never a 500) and written
back into URLs. Every list is a shareable URL: the filters are plain parameters."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.listing.limits import MAX_SEARCH_PAGE

FILTERS = ("q", "region", "source", "tag", "official", "date", "from", "to", "collapse")
CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2}|~)\.(\d{1,19})$")


class BadParameter(Exception):
    """A query parameter that cannot be understood: answered with 400."""


def url_with(request, path=None, **changes):
    """The current URL with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.GET.items() if k not in ("format",)}
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return (path or request.path) + (f"?{query}" if query else "")


def _date_field():
    return forms.DateField(required=False, input_formats=["%Y-%m-%d"])


ListParams = type(
    "ListParams",
    (forms.Form,),
    {
        "q": forms.CharField(required=False, strip=True),
        "region": forms.CharField(required=False, max_length=20),
        "source": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "tag": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "official": forms.IntegerField(required=False, min_value=1, max_value=2**62),
        "date": _date_field(),
        "from": _date_field(),
        "to": _date_field(),
        "page": forms.IntegerField(required=False, min_value=1, max_value=MAX_SEARCH_PAGE),
        "after": forms.RegexField(CURSOR, required=False),
        "sort": forms.ChoiceField(required=False, choices=[("rank", "rank"), ("new", "new")]),
        # collapse=1: each story of reprints once (archive/reprints/), its earliest member.
        "collapse": forms.TypedChoiceField(
            required=False,
            choices=[("0", "0"), ("1", "1")],
            coerce=lambda value: value == "1",
            empty_value=False,
        ),
    },
)

PARAM_NAMES = {  # lazy: translated when shown
    "q": gettext_lazy("搜索"),
    "region": gettext_lazy("地区"),
    "source": gettext_lazy("来源"),
    "tag": gettext_lazy("标签"),
    "official": gettext_lazy("人物"),
    "date": gettext_lazy("日期"),
    "from": gettext_lazy("起始日期"),
    "to": gettext_lazy("截止日期"),
    "page": gettext_lazy("页码"),
    "after": gettext_lazy("翻页位置"),
    "sort": gettext_lazy("排序"),
    "collapse": gettext_lazy("转载"),
}


def read_params(request):
    data = request.GET.copy()
    if "q" in data:
        data["q"] = data["q"].replace("\x00", "")  # a NUL in a search box is not worth a 400
    form = ListParams(data)
    if not form.is_valid():
        name = next(iter(form.errors))
        raise BadParameter(
            _("参数 %(name)s 的值无法识别：%(value)s")
            % {"name": name, "value": request.GET.get(name, "")[:50]}
        )
    return form.cleaned_data


def parse_day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise BadParameter(_("日期无法识别：%(value)s") % {"value": text}) from exc
