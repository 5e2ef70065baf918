"""An HTML page as plain text: one line per block element, script and style dropped, and
the head's title, date and author metadata read on the way (``html_to_text``). Pure."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "dd",
        "dt",
    }
    SKIP = {"script", "style", "iframe", "noscript", "template", "svg", "object", "embed"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            if key and attrs.get("content"):
                self.meta[key] = attrs["content"].strip()
        elif tag == "link" and (attrs.get("rel") or "").lower() == "canonical":
            self.meta.setdefault("canonical", attrs.get("href") or "")
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skip:
            return
        if self.in_title:
            self.title += data
            return
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str, dict]:
    """The page's plain rendering (a line per block element, scripts and styles dropped, all
    chrome kept) and what its head says: title, url, published, source, author."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    meta = parser.meta
    published = None
    for key in ("article:published_time", "pubdate", "publishdate", "date", "og:published_time"):
        if meta.get(key):
            published = meta[key]
            break
    info = {
        "title": (meta.get("og:title") or parser.title or "").strip() or None,
        "url": meta.get("og:url") or meta.get("canonical") or None,
        "published": published,
        "source": meta.get("og:site_name") or None,
        "author": meta.get("author") or meta.get("article:author") or None,
    }
    return text, info
