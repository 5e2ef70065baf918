"""WARC web archives -> pages: each response (or resource) record holding an HTML or text
payload is one page, read as an .html file (main content, page metadata) or a .txt file
would be.

Records of other kinds (requests, metadata, images, redirects, errors) are not pages and
are passed over; a record that cannot be read is reported by its number and address, and
the others are kept.
"""

from __future__ import annotations

import io
import re

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from .reader import (
    Decoded,
    Page,
    ReadError,
    _canonical,
    _read_html,
    check_line_lengths,
    clean_text,
    decode,
    page_text,
)

TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
META_CHARSET = re.compile(rb"<meta[^>]{0,200}charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def _content_type(record) -> str:
    if record.http_headers is not None:
        return record.http_headers.get_header("Content-Type") or ""
    return record.rec_headers.get_header("Content-Type") or ""


def _charset(content_type: str, payload: bytes) -> str | None:
    m = CHARSET.search(content_type) or META_CHARSET.search(payload[:4096])
    if not m:
        return None
    found = m.group(1)
    return found.decode("ascii", "replace") if isinstance(found, bytes) else found


def _page_text(payload: bytes, content_type: str, encoding: str | None) -> tuple[str, dict, str]:
    """(text, page metadata, encoding) of one payload; raises ReadError."""
    declared = encoding or _charset(content_type, payload)
    if declared and not encoding:
        declared = _canonical(declared)  # gb2312/gbk pages hold GB18030 characters too
    try:
        text, enc, _ = decode(payload, declared)
    except ReadError:
        if encoding:
            raise
        text, enc, _ = decode(payload)  # a wrong declared charset: detect instead
    text, _ = clean_text(text)
    info: dict = {}
    if "html" in content_type.lower() or re.search(r"<(?:html|body|p|div)\b", text[:2000], re.I):
        # The .html path: the page's main content and its metadata (see webpage.py).
        page_doc = _read_html(text, enc, [])
        page = page_doc.pages[0]
        text = page_text(page_doc)
        info = {
            "title": page.title,
            "url": page.url,
            "published": page.published,
            "source": page.source,
            "author": page.author,
        }
    if not text.strip():
        raise ReadError("no visible text")
    check_line_lengths(text)
    return text, info, enc


def read_warc(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode a (decompressed) WARC file: one page per HTML or text response record."""
    chunks: list[str] = []
    pages: list[Page] = []
    warnings: list[str] = []
    encodings: list[str] = []
    pos = 0
    number = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            number += 1
            if record.rec_type not in ("response", "resource"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            where = f"record {number}" + (f" ({uri[:80]})" if uri else "")
            status = record.http_headers.get_statuscode() if record.http_headers else "200"
            content_type = _content_type(record)
            if not str(status).startswith("2") or not content_type.lower().startswith(TEXT_TYPES):
                continue
            try:
                payload = record.content_stream().read()
                text, info, enc = _page_text(payload, content_type, encoding)
            except ReadError as exc:
                warnings.append(f"{where}: {exc}; skipped")
                continue
            except Exception as exc:  # noqa: BLE001 - warcio's decoders raise many kinds
                warnings.append(f"{where}: unreadable payload ({type(exc).__name__}); skipped")
                continue
            if chunks:
                chunks.append("\n\n\n")
                pos += 3
            chunks.append(text)
            info = dict(info)
            info["url"] = info.get("url") or uri or None
            pages.append(Page(pos, pos + len(text), line=number, **info))
            encodings.append(enc)
            pos += len(text)
    except ArchiveLoadFailed as exc:
        if not number:
            raise ReadError(f"not a WARC file ({one_line(exc)})") from exc
        warnings.append(f"record {number + 1}: the archive is broken after here ({one_line(exc)})")
    if not pages:
        detail = "; ".join(warnings[:3]) or f"{number} record(s), none an HTML or text response"
        raise ReadError(f"no readable page in this WARC file ({detail})")
    encoding_used = encodings[0] if len(set(encodings)) == 1 else "mixed"
    return Decoded("".join(chunks), encoding_used, "warc", pages, warnings)


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
