"""How to cite an article: ``citation_*`` meta tags (read by Zotero and Google Scholar),
schema.org ``NewsArticle`` JSON-LD, and "cite this" texts in GB/T 7714-2015 and APA.

The formatters are plain functions of an article's fields; the two inclusion tags only
gather those fields (``{% citation_head article places %}`` in the page's head,
``{% cite_this article %}`` in its body).
"""

import datetime
import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

MONTHS = "January February March April May June July August September October November December"
MONTHS = MONTHS.split()


def gbt7714(*, authors, title, source, published, url, accessed):
    """GB/T 7714-2015, a newspaper article read online ([N/OL]):
    ``作者. 题名[N/OL]. 报纸名, 2022-04-22 [2026-12-01]. URL.`` (more than three
    authors: the first three and 等)."""
    parts = []
    if authors:
        names = ", ".join(authors[:3]) + (", 等" if len(authors) > 3 else "")
        parts.append(f"{names}. ")
    parts.append(f"{title}[N/OL]. ")
    where = [source] if source else []
    if published:
        where.append(published.isoformat())
    parts.append(
        ", ".join(where) + f" [{accessed.isoformat()}]. "
        if where
        else f"[{accessed.isoformat()}]. "
    )
    parts.append(f"{url}.")
    return "".join(parts)


def apa(*, authors, title, source, published, url):
    """APA (7th edition), a newspaper article online:
    ``作者, & 作者. (2022, April 22). 题名. 报纸名. URL`` (no author: the title leads)."""
    date = (
        f"{published.year}, {MONTHS[published.month - 1]} {published.day}" if published else "n.d."
    )
    if len(authors) == 1:
        who = authors[0]
    elif authors:
        who = ", ".join(authors[:-1]) + ", & " + authors[-1]
    else:
        who = ""
    title_part = title if title.endswith(("?", "？", "!", "！")) else f"{title}."
    lead = f"{who}. ({date}). {title_part}" if who else f"{title_part} ({date})."
    return f"{lead} {source}. {url}" if source else f"{lead} {url}"


def news_article(*, url, title, subtitle, authors, source, published, places, tags, original):
    """schema.org NewsArticle as a JSON-LD dict; ``places``: (name, GB/T 2260 code) pairs."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "headline": title,
        "inLanguage": "zh",
    }
    if subtitle:
        data["alternativeHeadline"] = subtitle
    if published:
        data["datePublished"] = published.isoformat()
    if authors:
        data["author"] = [{"@type": "Person", "name": name} for name in authors]
    if source:
        data["publisher"] = {"@type": "Organization", "name": source}
    if places:
        data["contentLocation"] = [place_node(name, code) for name, code in places]
    if tags:
        data["keywords"] = tags
    if original:
        data["isBasedOn"] = original
    return data


def place_node(name, code):
    node = {"@type": "AdministrativeArea", "name": name}
    if code:
        node["identifier"] = {"@type": "PropertyValue", "propertyID": "GB/T 2260", "value": code}
    return node


def script_json(data):
    """JSON safe inside <script>: no ``</script>`` or ``<!--`` can close or open anything."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return mark_safe(text)  # noqa: S308  (escaped above; a JSON data block, not HTML)


def _fields(context, article):
    request = context.get("request")
    path = article.get_absolute_url()
    return {
        "url": request.build_absolute_uri(path) if request is not None else path,
        "title": article.title,
        "authors": list(article.authors or []),
        "source": article.source.name if article.source_id else "",
        "published": article.published,
    }


@register.inclusion_tag("_citation_head.html", takes_context=True)
def citation_head(context, article, places=(), tags=()):
    fields = _fields(context, article)
    data = news_article(
        **fields,
        subtitle=article.subtitle,
        places=[(r.name, r.code) for r in places],
        tags=[t.name for t in tags],
        original=article.url,
    )
    date = fields["published"].strftime("%Y/%m/%d") if fields["published"] else ""
    return {**fields, "citation_date": date, "jsonld": script_json(data)}


@register.inclusion_tag("_cite_this.html", takes_context=True)
def cite_this(context, article):
    fields = _fields(context, article)
    today = datetime.date.today()
    return {
        "url": fields["url"],
        "gbt7714": gbt7714(**fields, accessed=today),
        "apa": apa(**fields),
    }
