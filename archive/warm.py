"""Ready a web process before its first request (called by ``archive/wsgi.py``).

Searching cuts the query with jieba, whose dictionary is a dict of some 350,000 words held
for the life of the process. Python's full garbage collection walks every object it
tracks, that dict included: at a million articles it paused a search page for 40–60 ms
about once in thirty requests, which was most of the pages' 95th percentile. So the
dictionary is loaded here, at start-up, and everything alive then is moved out of the
collector's reach with ``gc.freeze()`` (start-up objects live as long as the process;
objects made by requests are collected as before). Under a pre-forking server this
also keeps those pages shared between the workers.
"""

import gc

import jieba


def warm_up() -> None:
    jieba.setLogLevel(60)
    jieba.initialize()
    gc.collect()
    gc.freeze()
