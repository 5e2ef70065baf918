"""Bytes -> text: gzip, encodings, HTML and JSON-lines pages.

`read()` turns one file's bytes into a `Decoded` document: the text every later step and
every character span refers to, the encoding it was decoded with, and its pages (a .txt or
.html file is one page, a .jsonl file one page per good line).
"""

from __future__ import annotations

import codecs
import itertools
import json
import re
import zlib
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from . import jsondoc, limits, webpage
from .htmltext import html_to_text


class ReadError(Exception):
    """The file cannot be turned into text; the message says what is wrong."""


@dataclass
class Page:
    start: int
    end: int
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    line: int | None = None
    author: str | None = None  # a JSON record's author field, as written
    # A structured record (JSON, or JSON values saved as text): its title field is the title.
    record: bool = False
    # Markdown structure (# headings, > quote lines, --- front matter) carries meaning.
    markdown: bool = False
    fetched: str | None = None  # a WARC record's WARC-Date: when the page was fetched


@dataclass
class Decoded:
    text: str
    encoding: str
    kind: str  # txt | html | jsonl
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (start, end, reason) of text the reader used as metadata, in no page.
    discarded: list[tuple[int, int, str]] = field(default_factory=list)
    # What the reader passed over that is no text, e.g. a WARC's non-HTML records, counted.
    notes: list[str] = field(default_factory=list)


MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (or Office document)",
}
TEXT_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".json", ".text", ".md", ".warc")


def kind_of(name: str) -> str:
    base = name.lower()
    if base.endswith(".gz"):
        base = base[:-3]
    if base.endswith((".html", ".htm")):
        return "html"
    if base.endswith((".jsonl", ".json")):
        return "jsonl"
    if base.endswith((".md", ".markdown")):
        return "md"
    if base.endswith(".warc"):
        return "warc"
    return "txt"


# A Markdown heading (a space after the hashes, unlike a #topic#) or front matter at the top.
MD_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S", re.M)
MD_QUOTE_LINE = re.compile(r"^>[ \t]?\S", re.M)
FRONT_MATTER_START = re.compile(
    r"^\ufeff?---[ \t]*\n(?:[A-Za-z_][\w-]*:.*\n){1,40}---[ \t]*$", re.M
)


def looks_like_markdown(text: str) -> bool:
    """A crawl saved as Markdown, whatever its file name says: front matter at the top
    or headings written with hashes."""
    head = text[:4000].lstrip("\n\ufeff \t")
    if FRONT_MATTER_START.match(head):
        return True
    # One stray "# " line in a plain page is no structure: two headings, or a heading with
    # a "> " line, or a heading opening the file, are.
    headings = len(MD_HEADING_LINE.findall(text, 0, 200_000))
    return headings >= 2 or (
        headings == 1
        and (MD_QUOTE_LINE.search(text) is not None or MD_HEADING_LINE.match(head) is not None)
    )


# Decompressed in pieces of this size, so a bomb is stopped at its cap, not at the end.
GZIP_CHUNK = 1024 * 1024


def gunzip_stream(data: bytes):
    """The decompressed bytes of gzip data, piece by piece (several members too)."""
    decompressor = zlib.decompressobj(wbits=31)
    pending = data
    try:
        while True:
            piece = decompressor.decompress(pending, GZIP_CHUNK)
            if piece:
                yield piece
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                rest = decompressor.unused_data
                if rest[:2] != b"\x1f\x8b":
                    return  # the end (padding after the last member is ignored, as gzip does)
                decompressor, pending = zlib.decompressobj(wbits=31), rest
            elif not pending and not piece:
                raise ReadError(
                    "corrupt gzip data (the compressed stream ends early); "
                    "re-download or re-compress the file"
                )
    except zlib.error as exc:
        raise ReadError(f"corrupt gzip data ({exc}); re-download or re-compress the file") from exc


def gunzip_partial(data: bytes, limit: int | None = None) -> tuple[bytes, str | None]:
    """Every byte the gzip members give (one stream or one per record), and what stopped
    the decompression early, if anything (a cut-off or corrupt end); a ReadError naming
    DIFANG_MAX_EXPANDED_BYTES as soon as they expand past ``limit``."""
    limit = limit or limits.max_expanded_bytes()
    out, rest, total = [], data, 0
    while rest[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=31)
        try:
            piece = inflater.decompress(rest, limit - total + 1)
        except zlib.error as exc:
            return b"".join(out), f"{exc} at compressed byte {len(data) - len(rest)}"
        total += len(piece)
        if total > limit:
            raise ReadError(
                f"decompresses to more than {limits.mb(limit)} (DIFANG_MAX_EXPANDED_BYTES, the "
                "most one file may expand to); split the crawl into smaller WARC files"
            )
        out.append(piece)
        if not inflater.eof:
            return b"".join(out), f"the gzip data ends at byte {len(data)} inside a member"
        rest = inflater.unused_data
    return b"".join(out), None


def gunzip(data: bytes, name: str, limit: int | None = None, what: str = "") -> bytes:
    """Decompress gzip data, stopping with a ReadError that names the limit as soon as it
    expands past ``limit`` bytes (DIFANG_MAX_EXPANDED_BYTES by default): a 2 MB file of
    zeros would otherwise become gigabytes. ``what``: the limit's name and why."""
    limit = limit or limits.max_expanded_bytes()
    what = what or "DIFANG_MAX_EXPANDED_BYTES, the most one file may expand to"
    pieces, total = [], 0
    for piece in gunzip_stream(data):
        total += len(piece)
        if total > limit:
            raise ReadError(
                f"decompresses to more than {limits.mb(limit)} ({what}); a gzip bomb or a "
                "dump: split it into smaller files"
            )
        pieces.append(piece)
    return b"".join(pieces)


def check_page_size(size: int) -> None:
    """Refuse one text page larger than DIFANG_MAX_PAGE_BYTES before parsing it."""
    limit = limits.max_page_bytes()
    if size > limit:
        raise ReadError(
            f"a text page of {size:,} bytes, more than one page may be "
            f"(DIFANG_MAX_PAGE_BYTES = {limits.mb(limit)}); this is a dump, not a page: "
            "split it into pages"
        )


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, list[str]]:
    """Return (text, encoding, warnings). Raises ReadError for binary or undecodable data."""
    warnings: list[str] = []
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise ReadError(f"unknown encoding {encoding!r} given with --encoding") from exc
        try:
            return data.decode(encoding), encoding, warnings
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"not valid {encoding} at byte {exc.start}; try without --encoding"
            ) from exc
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"{what}, not a text page")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", warnings
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", warnings
        except UnicodeDecodeError as exc:
            raise ReadError(f"broken UTF-16 text at byte {exc.start}") from exc
    utf16 = _bomless_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16, warnings
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data",):
            warnings.append("a multibyte character was cut off at the end of the file")
            return data.decode("utf-8", errors="replace"), "utf-8", warnings
        utf8_error = exc
    sample = data[:65536]
    for candidate in _candidates(sample):
        try:
            return data.decode(candidate), candidate, warnings
        except UnicodeDecodeError:
            continue
    # Mostly UTF-8 with a few broken bytes: keep the text, say so.
    bad = data.decode("utf-8", errors="replace").count("\ufffd")
    if bad and bad < len(data) / 200:
        warnings.append(
            f"{bad} undecodable byte sequence(s) replaced (first at byte {utf8_error.start})"
        )
        return data.decode("utf-8", errors="replace"), "utf-8", warnings
    raise ReadError("binary or undecodable data, not a text page in any known encoding")


def _bomless_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _candidates(sample: bytes) -> list[str]:
    names: list[str] = []
    best = from_bytes(sample).best()
    if best is not None:
        names.append(best.encoding)
    # Chinese pages in the wild: GB18030 is a superset of GBK/GB2312; Big5 for traditional.
    for name in ("gb18030", "big5"):
        if name not in names:
            names.append(name)
    return [_canonical(n) for n in names]


def _canonical(name: str) -> str:
    name = name.lower().replace("_", "-")
    return {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030"}.get(name, name)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# No paragraph of a news page comes near this; a longer line is a dump, not a page, and
# parsing it would cost minutes and gigabytes for one useless "article".
MAX_LINE_CHARS = 100_000


def check_line_lengths(text: str) -> None:
    """Raise ReadError when one line of the text is longer than MAX_LINE_CHARS."""
    if len(text) <= MAX_LINE_CHARS:
        return
    longest = max(map(len, text.split("\n")))
    if longest > MAX_LINE_CHARS:
        raise ReadError(
            f"a line of {longest:,} characters without a line break (the limit is "
            f"{MAX_LINE_CHARS:,}); this is not a news page, split it into lines"
        )


def clean_text(text: str) -> tuple[str, list[str]]:
    """Normalise line ends, drop NULs and stray control characters; reject binary."""
    warnings = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = len(CONTROL.findall(text))
    if controls:
        if controls > max(8, len(text) // 20):
            raise ReadError(f"binary data: {controls} control characters in {len(text)} characters")
        warnings.append(f"{controls} NUL/control character(s) removed")
        text = CONTROL.sub("", text)
    if not text.strip():
        raise ReadError("empty file: there is no text to import")
    return text, warnings


def read(
    data: bytes, name: str, encoding: str | None = None, fields: dict[str, str] | None = None
) -> Decoded:
    """Decode one file. Raises ReadError with a one-line reason when it is not a text page.

    `fields` names the fields of JSON records by role (text, title, published, url,
    source, author), as `--field` does; other kinds of file ignore it."""
    if not data:
        raise ReadError("empty file: there is no text to import")
    kind = kind_of(name)
    gzipped = data[:2] == b"\x1f\x8b"
    if not gzipped and name.lower().endswith(".gz"):
        raise ReadError("named .gz but is not gzip data; rename or re-compress it")
    if not gzipped and len(data) > limits.max_expanded_bytes():
        raise ReadError(
            f"a file of {len(data):,} bytes, more than one file may hold "
            f"(DIFANG_MAX_EXPANDED_BYTES = {limits.mb(limits.max_expanded_bytes())}); "
            "split it into smaller files"
        )
    if gzipped and kind == "warc":
        from .warc import read_warc

        # A cut-off .warc.gz still gives the records before the cut.
        plain, problem = gunzip_partial(data)
        if not plain:
            raise ReadError(f"corrupt gzip data ({problem or 'empty'}); re-download the file")
        return read_warc(plain, name, encoding, cut=problem)
    if name.lower().removesuffix(".gz").endswith(".jsonl"):
        # One line at a time, decompressed as it is read: a dump never lies in memory whole.
        # (A .json file is one document, read whole within DIFANG_MAX_EXPANDED_BYTES.)
        return _read_json_lines(data, gzipped, name, encoding, fields)
    if gzipped:
        if kind in ("txt", "html", "md"):  # one page: no need to expand past a page's cap
            cap = min(limits.max_page_bytes(), limits.max_expanded_bytes())
            data = gunzip(data, name, cap, "DIFANG_MAX_PAGE_BYTES, the most one page may be")
        else:
            data = gunzip(data, name)
        if not data:
            raise ReadError("empty file inside gzip: there is no text to import")
    if kind == "warc" or data.startswith(b"WARC/"):
        from .warc import read_warc  # warc reads its pages with this module's functions

        return read_warc(data, name, encoding)
    if kind == "jsonl":
        text, enc, warnings = decode(data, encoding)
        text, more = clean_text(text)
        return _read_json(text, name, enc, warnings + more, fields)
    check_page_size(len(data))
    text, enc, warnings = decode(data, encoding)
    text, more = clean_text(text)
    warnings += more
    if kind == "html":
        return _read_html(text, enc, warnings)
    if kind == "txt" and text.lstrip("\ufeff \t\n")[:1] in ("{", "["):
        try:  # an API response saved as .txt is read as the JSON it is
            return _read_json(text, name, enc, list(warnings), fields)
        except ReadError:
            pass  # text that only starts with a bracket
    check_line_lengths(text)
    markdown = kind == "md" or looks_like_markdown(text)
    fields_at_top = None if markdown else jsondoc.record_rendering(text)
    if fields_at_top:  # a JSON record saved as text, one value a line
        r = fields_at_top
        page = Page(r["start"], r["end"], r["title"], r["url"], r["published"], r["source"])
        page.record = True
        return Decoded(text, enc, kind, [page], warnings, r["discarded"])
    return Decoded(text, enc, kind, [Page(0, len(text), markdown=markdown)], warnings)


CHROME = "web page chrome (outside the main content)"


def web_page_text(html: str, warnings: list[str] | None = None) -> tuple[str, dict, list[str]]:
    """An HTML page's text and metadata, as `html_to_text` gives them, but with only the
    page's main content (see webpage.py) when the page has chrome around it: the kept
    lines of its rendering, verbatim and in page order, and the lines left out. Raises
    ReadError for a page without visible text. A note on what was left out goes to
    `warnings`."""
    text, info = html_to_text(html)
    if not text.strip():
        raise ReadError("HTML page without any visible text")
    check_line_lengths(text)
    main = webpage.main_content(html, text, info)
    if main is None:
        return text, info, []
    if warnings is not None:
        warnings.append(
            f"web page: {main.dropped_chars:,} characters of page chrome left out "
            f"(main content by {main.extractors or 'neither extractor'})"
        )
    meta = {
        "title": main.title or info["title"],
        "url": info["url"],
        "published": main.published,
        "source": main.source,
        "author": main.author,
    }
    return main.text, meta, main.dropped


def _read_html(html: str, enc: str, warnings: list[str]) -> Decoded:
    """A web page. `Decoded.text` is the page's main content (see web_page_text), which is
    its one page and what article spans refer to, followed by the chrome lines left out,
    each listed as discarded with its reason, so nothing visible is lost. The HTML bytes
    themselves are the raw file the importer keeps."""
    main, info, dropped = web_page_text(html, warnings)
    text = main + ("\n\n" + "\n".join(dropped) if dropped else "")
    discarded, pos = [], len(main) + 2
    for line in dropped:
        discarded.append((pos, pos + len(line), CHROME))
        pos += len(line) + 1
    return Decoded(text, enc, "html", [Page(0, len(main), **info)], warnings, discarded)


def page_text(doc: Decoded) -> str:
    """The text of a one-page document without what was left out around its page."""
    page = doc.pages[0]
    return doc.text[page.start : page.end]


def _record_html(html: str) -> tuple[str, dict]:
    """A JSON record's HTML field as text: a whole web page (a crawler's `html` field) by
    its main content and metadata, as an .html file; a fragment (`<p>…</p>`) as it is."""
    if not re.search(r"<(?:html|body)\b", html[:4000], re.I):
        return html_to_text(html)
    try:
        doc = _read_html(html, "utf-8", [])
    except ReadError:
        return "", {}
    page = doc.pages[0]
    info = {"title": page.title, "url": page.url, "published": page.published}
    info |= {"source": page.source, "author": page.author}
    return page_text(doc), info


def _read_json(
    raw: str, name: str, enc: str, warnings: list[str], fields: dict[str, str] | None
) -> Decoded:
    """A JSON or JSON-lines file's text: one page per record with text (see jsondoc)."""
    try:
        found, more = jsondoc.pages_of(raw, name, fields, _record_html)
    except ValueError as exc:
        raise ReadError(str(exc)) from exc
    warnings += more
    return _json_document(found, enc, warnings)


def _byte_lines(pieces, limit: int):
    """(number, bytes) of each line of a stream of byte pieces; a ReadError naming the limit
    when the stream passes ``limit`` bytes."""
    total, lineno, head = 0, 0, []
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise ReadError(
                f"holds more than {limits.mb(limit)} (DIFANG_MAX_EXPANDED_BYTES, the most one "
                "file may expand to); split the dump into smaller files"
            )
        start = 0
        while (end := piece.find(b"\n", start)) >= 0:
            lineno += 1
            yield lineno, b"".join([*head, piece[start:end]])
            head, start = [], end + 1
        head.append(piece[start:])
    if any(head):
        yield lineno + 1, b"".join(head)


def _read_json_lines(
    data: bytes, gzipped: bool, name: str, encoding: str | None, fields: dict[str, str] | None
) -> Decoded:
    """A .json/.jsonl file read a line at a time, decompressed as it goes: each line's
    records become pages as soon as it is read, so a dump of any number of lines takes
    the memory of its pages' text, never that of the whole file or of all its values.
    A file whose first value spans several lines (one pretty-printed document) is read
    whole, within DIFANG_MAX_EXPANDED_BYTES."""
    limit = limits.max_expanded_bytes()
    if not data:
        raise ReadError("empty file: there is no text to import")
    pieces = gunzip_stream(data) if gzipped else iter((data,))
    lines = _byte_lines(pieces, limit)
    head = [(n, b) for n, b in _first_lines(lines)]
    first = head[-1][1] if head else b""
    utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _bomless_utf16(first)
    if not head or utf16 or not _one_value(first, encoding):
        whole = gunzip(data, name) if gzipped else data
        if not whole:
            raise ReadError("empty file inside gzip: there is no text to import")
        text, enc, warnings = decode(whole, encoding)
        text, more = clean_text(text)
        return _read_json(text, name, enc, warnings + more, fields)
    warnings: list[str] = []
    encodings: list[str] = []

    def text_lines():
        for lineno, raw in itertools.chain(head, lines):
            if not raw.strip():
                continue
            try:
                line, enc, _ = decode(raw.removesuffix(b"\r"), encoding)
            except ReadError as exc:
                warnings.append(f"line {lineno}: {exc}; line skipped")
                continue
            if enc != "utf-8" and not encodings:
                encodings.append(enc)  # the file's encoding is the first one not UTF-8
            yield lineno, line.lstrip("\ufeff")

    values = jsondoc.line_values(text_lines(), warnings)
    found = jsondoc.pages_from(values, fields, _record_html, warnings)
    return _json_document(found, encodings, warnings)


def _first_lines(lines):
    """The lines up to and with the first that is not blank."""
    for lineno, raw in lines:
        yield lineno, raw
        if raw.strip():
            return


def _one_value(line: bytes, encoding: str | None) -> bool:
    try:
        json.loads(decode(line.removesuffix(b"\r"), encoding)[0].lstrip("\ufeff"))
    except (ReadError, ValueError, RecursionError):
        return False
    return True


# A file's report names this many skipped records one by one, then counts the rest.
WARNINGS_LISTED = 50


def _summarised(warnings: list[str]) -> list[str]:
    """The first WARNINGS_LISTED warnings, then the first of each other kind, then a count:
    a dump of 200,000 records without text reports in a few lines, and the one record
    refused for its size is still named."""
    if len(warnings) <= WARNINGS_LISTED:
        return warnings
    kept = warnings[:WARNINGS_LISTED]
    seen = {_kind_of_warning(w) for w in kept}
    more = 0
    for warning in warnings[WARNINGS_LISTED:]:
        kind = _kind_of_warning(warning)
        if kind in seen:
            more += 1
        else:
            seen.add(kind)
            kept.append(warning)
    # Worded to start with "line " like the others, so the pipeline reports it with them.
    return [*kept, f"line and record warnings past these: {more:,} more skipped as above"]


def _kind_of_warning(warning: str) -> str:
    return re.sub(r"\d[\d,]*", "#", warning.split(": ", 1)[-1])


def _json_document(found, enc, warnings: list[str]) -> Decoded:
    """The document of JSON pages (an iterable, consumed once): their texts one after the
    other, each page too large to be one refused (the others go on)."""
    chunks: list[str] = []
    pages: list[Page] = []
    pos = 0
    for rec in found:
        try:
            check_page_size(len(rec["text"].encode("utf-8")))
            body, _ = clean_text(rec["text"])
            check_line_lengths(body)
        except ReadError as exc:
            warnings.append(f"{rec['where']}: {exc}; skipped")
            continue
        if chunks:
            chunks.append("\n\n\n")
            pos += 3
        title = rec["title"]
        page_text = (
            body
            if not title or body.lstrip().startswith(title.strip())
            else f"{title.strip()}\n\n{body}"
        )
        chunks.append(page_text)
        pages.append(
            Page(
                pos,
                pos + len(page_text),
                title=title,
                url=rec["url"],
                published=rec["published"],
                source=rec["source"],
                line=rec["line"],
                author=rec["author"],
                record=rec["titled"],
            )
        )
        pos += len(page_text)
    if isinstance(enc, list):  # read line by line: the encoding the lines had
        enc = enc[0] if enc else "utf-8"
    warnings[:] = _summarised(warnings)
    if not pages:
        detail = "; ".join(warnings[:3])
        raise ReadError(f"no readable page in this JSON file ({detail})")
    return Decoded("".join(chunks), enc, "jsonl", pages, warnings)
