"""Entity extraction over parsed articles: regions, people, quotes, tags."""

from __future__ import annotations


def enrich(articles, text: str) -> None:
    return None
