"""Reprints: the same story published by several outlets (issue 21).

``core`` is pure Python (shingles, MinHash, LSH band keys, verification, story order);
``network`` turns story members into an outlet network with GEXF/CSV writers (pure);
``store`` is the ORM edge (signature and band rows, clustering at import, collapse);
``models``, ``views`` and ``admin`` are the Django pieces.
"""
