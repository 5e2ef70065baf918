"""The listing engine: which public articles a list shows, in what order, how many.

- ``params.py``: the query parameters (read, checked, written back into URLs);
- ``places.py``: regions as filters (a GB/T 2260 code prefix stands for its subtree);
- ``engine.py``: ``Listing`` (filters → query, order, keyset pages, counts and estimates)
  and ``store_facet_counts``;
- ``ids.py``: the list order and rows by id;
- ``limits.py``: what a page may cost.

Facets are counted in ``archive/facets.py``, the search backends live in
``archive/search/``, and the formats a list answers in in ``archive/formats.py``.
"""

from archive.listing.engine import Listing, round_estimate, store_facet_counts
from archive.listing.params import BadParameter

__all__ = ["BadParameter", "Listing", "round_estimate", "store_facet_counts"]
