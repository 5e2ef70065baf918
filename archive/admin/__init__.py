"""Admin configuration: where curators spend their day.

Django's own admin features first (list_display, filters, search, inlines, actions,
autocomplete), django-import-export for files in and out, django-simple-history for who
changed what. Custom views only where configuration cannot do it: the merge
confirmation, the raw text of a file, and uploading new raw files. The operations
themselves live in ``archive.curation`` and ``archive.importer``.

One module per area; importing them here registers every model's admin:

- ``common``: the site's titles and what several areas share (``CurationAdmin``, link
  counts, region prefixes, the merge confirmation, plain-text fields)
- ``articles``: articles, their inlines, filters, bulk actions and the changelist's count
  shortcuts
- ``people``: people, positions, quotes and mentions
- ``places``: regions and article-region links
- ``sources``: sources, tags and article-tag links
- ``rawfiles``: raw files, the upload page and occurrences (where an article came from)
- ``facet_counts``: the stored facet counts of large filters
- ``review``: a raw file's parse reviewed beside its articles, the fixes (split, merge,
  discarded pieces, title, people, quotes, places; ``archive.review_ops``), the review
  queue, the log of fixes (revertible) and a curator's numbers of the day
- ``reprints``: stories of reprints, their members, split and merge
"""

from archive.admin import (  # noqa: F401 (imported to register the admins)
    articles,
    common,
    facet_counts,
    people,
    places,
    rawfiles,
    reprints,
    review,
    sources,
)
