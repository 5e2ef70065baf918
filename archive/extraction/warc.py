"""WARC web archives -> pages: each response (or resource) record holding an HTML or text
payload is one page, read as an .html file (main content, page metadata) or a .txt file
would be.

Each page carries its record's URL and fetch date (WARC-Target-URI, WARC-Date). Records
of other kinds (requests, metadata, images, redirects, errors) are not pages: they are
skipped and counted in a note. A record that cannot be read is reported by its number and
address, and the others are kept; a truncated archive (a plain or a gzipped WARC cut off
mid-record) keeps every record before the cut and says at which record and byte it stopped.
"""

from __future__ import annotations

import io
import re

from warcio.archiveiterator import ArchiveIterator

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


def read_warc(
    data: bytes, name: str, encoding: str | None = None, cut: str | None = None
) -> Decoded:
    """Decode a (decompressed) WARC file: one page per HTML or text response record.
    ``cut``: why the decompression of a .warc.gz stopped early (so ``data`` ends there)."""
    chunks: list[str] = []
    pages: list[Page] = []
    warnings: list[str] = []
    encodings: list[str] = []
    skipped: dict[str, int] = {}
    pos = 0
    number = 0
    records = ArchiveIterator(io.BytesIO(data))
    try:
        for record in records:
            number += 1
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            where = f"record {number}" + (f" ({uri[:80]})" if uri else "")
            status = record.http_headers.get_statuscode() if record.http_headers else "200"
            content_type = _content_type(record)
            kind = _skip_kind(record.rec_type, status, content_type)
            if kind:
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            try:
                payload = record.content_stream().read()
                if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than declared
                    offset = records.get_record_offset()
                    warnings.append(
                        f"{where}: the archive is truncated inside this record (it starts at "
                        f"byte {offset} of the {'decompressed ' if cut else ''}archive"
                        f" and lacks {record.raw_stream.limit} of its bytes); reading stopped "
                        f"here, the {len(pages)} page(s) before it are kept"
                    )
                    break
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
            info["fetched"] = record.rec_headers.get_header("WARC-Date") or None
            pages.append(Page(pos, pos + len(text), line=number, **info))
            encodings.append(enc)
            pos += len(text)
    except Exception as exc:  # noqa: BLE001 - warcio fails on a cut-off header in many ways
        if not number and not cut:
            raise ReadError(f"not a WARC file ({one_line(exc)})") from exc
        if not cut:
            warnings.append(
                f"record {number + 1}: the archive is broken after here ({one_line(exc)}); "
                f"the {len(pages)} page(s) before it are kept"
            )
    if cut and not any("truncated" in w for w in warnings):
        warnings.append(
            f"record {number + 1}: the archive is truncated ({cut}); reading stopped after "
            f"record {number}, the {len(pages)} page(s) before it are kept"
        )
    notes = []
    if skipped:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        notes.append(
            f"{sum(skipped.values())} WARC record(s) skipped, not HTML or text pages: {kinds}"
        )
    if not pages:
        detail = "; ".join(warnings[:3]) or f"{number} record(s), none an HTML or text response"
        raise ReadError(f"no readable page in this WARC file ({detail})")
    encoding_used = encodings[0] if len(set(encodings)) == 1 else "mixed"
    return Decoded("".join(chunks), encoding_used, "warc", pages, warnings, notes=notes)


def _skip_kind(rec_type: str, status, content_type: str) -> str | None:
    """Why a record is no page (its kind, for the count), or None for a page."""
    if rec_type not in ("response", "resource"):
        return rec_type
    if not str(status).startswith("2"):
        return f"HTTP {status}"
    if not content_type.lower().startswith(TEXT_TYPES):
        return content_type.split(";")[0].strip().lower() or "no content type"
    return None


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
