"""A web process is readied before its first request (archive/wsgi.py calls warm_up)."""

import gc

import jieba

from archive.warm import warm_up


def test_warm_up_loads_the_dictionary_and_freezes_what_lives_at_start():
    try:
        warm_up()
        assert jieba.dt.initialized
        assert gc.get_freeze_count() > 0
        # What requests make afterwards is collected as before.
        garbage = []
        garbage.append(garbage)  # a cycle only the collector can free
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()


def test_the_wsgi_module_warms_the_process_up(monkeypatch, settings):
    import importlib
    import sys

    calls = []
    monkeypatch.setattr("archive.warm.warm_up", lambda: calls.append(1))
    settings.DEBUG = True  # no SECRET_KEY needed
    sys.modules.pop("archive.wsgi", None)
    module = importlib.import_module("archive.wsgi")
    assert module.application is not None
    assert calls == [1]
