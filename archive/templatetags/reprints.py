"""Reprint boxes of the article and source pages (issue 21): inclusion tags, so the
pages' views need not change."""

from django import template

from archive.reprints import store

register = template.Library()


@register.inclusion_tag("reprints/_also_published.html")
def also_published(article):
    """The other outlets that ran this article's story: outlet, date, lag."""
    return {"appearances": store.appearances(article)}


@register.inclusion_tag("reprints/_source_relations.html")
def source_reprints(source):
    """Whom a source reprints and who reprints it, with counts and median lags."""
    return {"relations": store.source_relations(source.pk), "source": source}
