"""Curators' operations on stories: split members out, merge stories (plain functions,
called by the admin). Each member and story is saved one by one, so django-simple-history
records every move with who made it; both mark the stories curated, so that automatic
clustering never merges them again."""

from __future__ import annotations

from django.db import transaction

from archive.reprints.models import Story, StoryMember
from archive.reprints.store import recompute


@transaction.atomic
def split(members) -> Story:
    """Move the given members into a new story of their own (together)."""
    members = list(members)
    old = {m.story_id for m in members}
    story = Story.objects.create(curated=True)
    for member in members:
        member.story = story
        member.save()
    for pk in old:
        previous = Story.objects.filter(pk=pk).first()
        if previous is not None:
            previous.curated = True
            recompute(previous, record=True)
    recompute(story, record=True)
    return story


@transaction.atomic
def merge(stories) -> Story:
    """Merge stories into the one whose original appeared first; return it."""
    stories = list(stories)
    if not stories:
        raise ValueError("no story to merge")
    keep = min(stories, key=lambda s: (s.first_published is None, s.first_published, s.pk))
    for story in stories:
        if story.pk == keep.pk:
            continue
        for member in StoryMember.objects.filter(story=story):
            member.story = keep
            member.save()
        story.delete()
    keep.curated = True
    recompute(keep, record=True)
    return keep
