"""JSON and JSON-lines files from news apps and APIs -> pages.

A `.json` file holds one record, an array of records, or a wrapper around a list of them
(`{"code": 0, "data": {"list": [...]}}`); a `.jsonl` file holds one such value per line.
A record's text is rarely in a field called `text`: news apps use `details`, `body`,
`article`, `news_content`, `html` …, often holding HTML. So the text is the first field of
the `text` names in `data/json_fields.tsv` that holds real text, else the record's longest
text or HTML string, searched through nested objects; title, date, URL, outlet and author
come from the name lists of the same file. A user can name any of them
(`fields={"text": "details", "title": "headline"}`, dotted paths allowed). A record
without text is reported by its number and title and skipped; the others are read.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from functools import cache

from .datafiles import lines

ROLES = ("text", "title", "published", "url", "source", "author")
ROLE_ALIASES = {"date": "published", "body": "text", "content": "text", "authors": "author"}
# A record's text has at least this many visible characters; less is a caption or a label.
MIN_TEXT = 20
# Chinese news apps give epoch times in China's time zone.
CHINA_TIME = timezone(timedelta(hours=8))
HTML_TAG = re.compile(
    r"<(?:p|div|br|span|img|section|article|h[1-6]|strong|b|em|a|ul|ol|li|table|font)\b[^>]*>",
    re.I,
)
ANY_TAG = re.compile(r"<[^>]{1,400}>")
URL_LIKE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//\S*\s*$|^\s*/\S*\s*$", re.I)
CJK = re.compile(r"[\u3400-\u9fff]")
EPOCH = re.compile(r"^\d{10}(?:\d{3})?(?:\.\d+)?$")
NESTING = 6  # how deep records and fields are looked for


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


@cache
def field_names() -> dict[str, tuple[str, ...]]:
    """role -> normalised field names in order of preference (data/json_fields.tsv)."""
    names: dict[str, list[str]] = {role: [] for role in ROLES}
    for row in lines("json_fields.tsv"):
        role, _, name = row.partition("\t")
        names.setdefault(role.strip(), []).append(_key(name))
    return {role: tuple(dict.fromkeys(v)) for role, v in names.items()}


def normalise_fields(fields: dict[str, str] | None) -> dict[str, str]:
    """User-named fields by role; raises ValueError for a role that does not exist."""
    out: dict[str, str] = {}
    for role, name in (fields or {}).items():
        role = ROLE_ALIASES.get(role.strip().lower(), role.strip().lower())
        if role not in ROLES:
            raise ValueError(f"unknown field role {role!r}; use one of {', '.join(ROLES)}")
        out[role] = name.strip()
    return out


@cache
def _known_keys() -> frozenset[str]:
    names = field_names()
    return frozenset(k for role in ROLES if role != "text" for k in names[role])


def looks_like_html(value: str) -> bool:
    return bool(HTML_TAG.search(value))


def visible_length(value: str) -> int:
    return len(ANY_TAG.sub("", value).strip()) if "<" in value else len(value.strip())


def _texty(value: str) -> bool:
    """Prose (or HTML holding prose), not a URL, an id or an encoded blob."""
    if URL_LIKE.match(value):
        return False
    return bool(CJK.search(value)) or len(value.split()) >= 4


def _as_text(value, blocks: bool = False) -> str | None:
    """A string field's value; a list of strings (paragraphs) joined; with `blocks`, a list
    of content blocks too (`[{"type": "text", "text": "…"}, {"type": "image", …}]`), for a
    field whose name says it is the text (other lists of objects are comments, related
    articles …)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    if blocks and isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        parts = []
        for block in value:
            texts = [v for v in block.values() if isinstance(v, str) and _texty(v)]
            if texts:
                parts.append(max(texts, key=len))
        return "\n\n".join(parts) or None
    return None


def _dicts(record: dict, depth: int = NESTING):
    """The record and the objects nested in it, breadth first (not into lists of objects,
    which are other records: comments, related articles)."""
    level = [record]
    for _ in range(depth):
        nxt = []
        for obj in level:
            yield obj
            nxt.extend(v for v in obj.values() if isinstance(v, dict))
        if not nxt:
            return
        level = nxt


def _leaves(record: dict):
    """(normalised key, text) of every string field of the record and its nested objects."""
    text_names = field_names()["text"]
    for obj in _dicts(record):
        for k, v in obj.items():
            key = _key(str(k))
            text = _as_text(v, blocks=key in text_names)
            if text is not None:
                yield key, text


def _by_path(record: dict, path: str):
    """A user-named field: a dotted path from the top (data.content), or a plain name
    looked for at any depth."""
    if "." in path:
        obj = record
        for part in path.split("."):
            if isinstance(obj, dict) and part in obj:
                obj = obj[part]
            elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
                obj = obj[int(part)]
            else:
                return None
        return obj
    want = _key(path)
    for obj in _dicts(record):
        for k, v in obj.items():
            if _key(str(k)) == want:
                return v
    return None


def _named(record: dict, role: str):
    """The first field of the role's names, nearest the top of the record first."""
    names = field_names().get(role, ())
    for obj in _dicts(record):
        keyed = {_key(str(k)): v for k, v in obj.items()}
        for name in names:
            v = keyed.get(name)
            if v not in (None, "", [], {}):
                return v
    return None


def longest_text(record: dict) -> str | None:
    """The record's longest prose or HTML string (not a title, URL, date or name field)."""
    best, size = None, 0
    known = _known_keys()
    for key, text in _leaves(record):
        if key in known or not _texty(text):
            continue
        n = visible_length(text)
        if n > size:
            best, size = text, n
    return best


def text_of(record: dict, fields: dict[str, str]) -> str | None:
    if "text" in fields:
        return _as_text(_by_path(record, fields["text"]), blocks=True)
    longest = longest_text(record)
    named = _as_text(_named(record, "text"), blocks=True)
    # A named field is trusted unless another field is much longer (`content` a summary,
    # `details` the article).
    if named and _texty(named):
        if not longest or visible_length(named) * 2 >= visible_length(longest):
            return named
    return longest


def _plain(value) -> str | None:
    """A metadata value as one line of text: names of objects, lists joined."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("title") or value.get("nickname")
    if isinstance(value, list):
        parts = [_plain(v) for v in value]
        value = "、".join(p for p in parts if p)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    if "<" in value:
        value = ANY_TAG.sub("", value)
    value = " ".join(value.split())
    return value or None


def published_of(value) -> str | None:
    """A date as text; epoch seconds or milliseconds (number or digits) -> ISO date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and EPOCH.match(value.strip()):
        value = float(value)
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, CHINA_TIME).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return _plain(value)


def meta_of(record: dict, role: str, fields: dict[str, str]):
    value = _by_path(record, fields[role]) if role in fields else _named(record, role)
    return published_of(value) if role == "published" else _plain(value)


def records_of(value) -> list:
    """The records in one JSON value: itself, the items of an array, or the items of the
    list a wrapper holds (the list whose items hold the most text)."""
    if isinstance(value, list):
        return [item for item in value]
    if not isinstance(value, dict):
        return [value]
    own = max((visible_length(t) for k, t in _leaves(value) if _texty(t)), default=0)
    best: list | None = None
    best_size = 0
    for obj in _dicts(value):
        for v in obj.values():
            if isinstance(v, list) and any(isinstance(x, dict) for x in v):
                size = max(
                    (
                        visible_length(t)
                        for x in v
                        if isinstance(x, dict)
                        for _, t in _leaves(x)
                        if _texty(t)
                    ),
                    default=0,
                )
                if size > best_size:
                    best, best_size = v, size
    if best is not None and best_size > own:
        return list(best)
    return [value]


def page_of(record, fields: dict[str, str], html_to_text) -> tuple[dict | None, str | None]:
    """(page fields with its text, None) or (None, why the record has no page)."""
    if not isinstance(record, dict):
        return None, "a JSON object was expected"
    body = text_of(record, fields)
    if body is not None and "&lt;" in body and looks_like_html(html.unescape(body)):
        body = html.unescape(body)  # HTML escaped once more by the API
    info: dict = {}
    if body is not None and looks_like_html(body):
        body, info = html_to_text(body)
    if not body or len(re.sub(r"\s", "", body)) < MIN_TEXT:
        named = f"the field {fields['text']!r}" if "text" in fields else "a text field"
        return None, f"no text ({named} is missing or empty)"
    page = {role: meta_of(record, role, fields) for role in ROLES if role != "text"}
    page["titled"] = bool(page["title"])  # by the record itself, not by a page it holds
    for role, value in info.items():  # a whole web page in the field: its own metadata
        if role in page and not page[role] and isinstance(value, str) and value.strip():
            page[role] = value.strip()
    page["text"] = body
    return page, None


def pages_of(raw: str, name: str, fields: dict[str, str] | None, html_to_text):
    """(pages, warnings) of a JSON or JSON-lines file's text; each page a dict with its
    text and metadata and the line it came from. Raises ValueError when no value parses."""
    warnings: list[str] = []
    values: list[tuple[str, int | None, object]] = []  # (label prefix, line, value)
    try:
        whole = json.loads(raw)
    except ValueError as exc:
        whole = exc
    except RecursionError:
        raise ValueError("JSON nested too deeply to be a news record") from None
    jsonl = name.lower().removesuffix(".gz").endswith(".jsonl")
    if not isinstance(whole, ValueError):
        first = next((i for i, ln in enumerate(raw.split("\n"), start=1) if ln.strip()), 1)
        values.append(("line", first, whole) if jsonl else ("record", None, whole))
    else:
        # A .json file of several values, one a line, is JSON lines; any other error in a
        # .json file is the file's.
        if not jsonl and whole.msg != "Extra data":
            raise ValueError(f"not valid JSON ({whole.msg} at line {whole.lineno})")
        values = line_values(enumerate(raw.split("\n"), start=1), warnings)
    return list(pages_from(values, fields, html_to_text, warnings)), warnings


def line_values(lines, warnings: list[str]):
    """("line", number, value) of each (number, text) line holding JSON, lazily; a line that
    is not JSON is named in ``warnings`` and skipped."""
    for lineno, line in lines:
        if not line.strip():
            continue
        try:
            yield ("line", lineno, json.loads(line))
        except ValueError as exc:
            warnings.append(f"line {lineno}: not valid JSON ({exc.msg}); line skipped")
        except RecursionError:
            warnings.append(f"line {lineno}: JSON nested too deeply; line skipped")


def pages_from(values, fields: dict[str, str] | None, html_to_text, warnings: list[str]):
    """The pages of (label prefix, line, value) JSON values, one at a time (see pages_of)."""
    fields = normalise_fields(fields)
    for prefix, lineno, value in values:
        records = records_of(value)
        for i, record in enumerate(records, start=1):
            page, why = page_of(record, fields, html_to_text)
            if page is None:
                if prefix == "line":
                    where = f"line {lineno}" + (f", record {i}" if len(records) > 1 else "")
                else:
                    where = f"record {i}"
                title = meta_of(record, "title", fields) if isinstance(record, dict) else None
                if title:
                    where += f" ({title[:30]})"
                warnings.append(f"{where}: {why}; skipped")
                continue
            page["line"] = lineno
            page["where"] = f"line {lineno}" if prefix == "line" else f"record {i}"
            yield page


# A JSON record saved as text, one field value a line (date, title, unit, URL, then the
# content): a few short value lines at the top, among them a line that is only a date and
# a line that is only a URL. Such a file is one article whose title is the title line.
DATE_ONLY = re.compile(
    r"^(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{10}(?:\d{3})?)$"
)
URL_ONLY = re.compile(r"^https?://\S+$")
TAGS_ONLY = re.compile(r"^#[^#\s]+(?:\s+#[^#\s]+)*$")
SENTENCE_END = re.compile(r"[。！？]")
LABEL = re.compile(r"^[^：:]{1,6}[：:]")
VALUE_LINE_MAX = 100
HEAD_LINES = 6


def record_rendering(text: str) -> dict | None:
    """The field values at the top of a JSON record saved as text, or None.

    Returns {"title", "published", "url", "source", "start", "end", "discarded"}: the
    content runs from start to end; the value lines above it and a closing line of #tags
    are (start, end, reason) pieces that go into no article.
    """
    head: list[tuple[int, int, str]] = []
    pos = 0
    for line in text[:4000].split("\n"):  # the value lines are short and at the top
        start, pos = pos, pos + len(line) + 1
        value = line.strip().lstrip("\ufeff")
        if not value:
            if head:
                break
            continue
        is_url = bool(URL_ONLY.match(value))
        if len(head) == HEAD_LINES or len(value) > VALUE_LINE_MAX:
            break
        if not is_url and SENTENCE_END.search(value):
            break  # a sentence belongs to the content
        if not is_url and LABEL.match(value) and any(CJK.search(v) for _, _, v in head):
            break  # so does a `发稿单位：…` line after the title
        head.append((start, start + len(line), value))
    dates = [v for _, _, v in head if DATE_ONLY.match(v)]
    urls = [v for _, _, v in head if URL_ONLY.match(v)]
    names = [v for _, _, v in head if CJK.search(v) and v not in dates and v not in urls]
    if not dates or not urls or not names:
        return None
    start = head[-1][1]
    end = len(text.rstrip())
    tail_start = text.rfind("\n", 0, end) + 1
    discarded = [(head[0][0], head[-1][1], "record fields: the article's title, date, URL")]
    if tail_start > start and TAGS_ONLY.match(text[tail_start:end].strip()):
        discarded.append((tail_start, end, "record fields: tags"))
        end = tail_start
    if len(re.sub(r"\s", "", text[start:end])) < MIN_TEXT:
        return None
    source = names[1] if len(names) > 1 and len(names[1]) <= 30 else None
    return {
        "title": names[0],
        "published": published_of(dates[0]),
        "url": urls[0],
        "source": source,
        "start": start,
        "end": end,
        "discarded": discarded,
    }
