"""Importers side by side (issue 18): no global lock, only the locks of what has no key.

A new person is created under an advisory lock on its name, so a second importer that
wants the same new name waits for the first to commit and then finds its row; an importer
of another name does not wait. A deadlock PostgreSQL breaks between two importers is
retried like a lost unique key.
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from archive.importer import Namesakes, _lost_a_race, person_for
from archive.locks import lock_keys, name_lock_key
from archive.models import Person

ON_POSTGRES = connection.vendor == "postgresql"


def test_a_name_has_one_signed_64_bit_key():
    key = name_lock_key("person:张三")
    assert key == name_lock_key("person:张三") != name_lock_key("person:李四")
    assert -(2**63) <= key < 2**63


def test_a_deadlock_is_retried_and_other_database_errors_are_not():
    class Deadlock(Exception):
        sqlstate = "40P01"

    class Gone(Exception):
        sqlstate = "08006"

    for cause, retried in ((Deadlock(), True), (Gone(), False), (None, False)):
        error = OperationalError("boom")
        error.__cause__ = cause
        assert _lost_a_race(error) is retried


def test_a_files_names_are_found_by_organisation_then_curation_then_alone():
    # The rules person_for applies, over the people of a file's names read at once.
    def person(pk, curation=Person.Curation.MACHINE):
        return Person(pk=pk, name="王小明", normalized_name="王小明", curation=curation)

    at_school, confirmed, other = person(1), person(2, Person.Curation.CONFIRMED), person(3)
    names = Namesakes([at_school, confirmed, other], {1: {"实验小学"}, 3: {"县教育局"}})
    assert names.find("王小明", "实验小学") is at_school
    assert names.find("王小明", "县卫健委") is confirmed  # no such post: the confirmed one
    assert names.find("王小明", None) is confirmed
    assert Namesakes([other], {}).find("王小明", None) is other  # the only one of the name
    assert Namesakes([other], {}).find("王小明", "县卫健委") is None  # another post: new
    alone = Namesakes([], {})
    made = Person(name="赵大海", normalized_name="赵大海")
    alone.add(made)  # made earlier in the same file
    assert alone.find("赵大海", None) is made


@pytest.mark.django_db
def test_on_sqlite_nothing_is_locked():
    assert lock_keys([1, 2]) is ON_POSTGRES


def _in_thread(target, results, key):
    """Run target() on a connection of its own in a transaction; store what it returns."""

    def run():
        try:
            with transaction.atomic():
                results[key] = target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite lets one writer in; nothing races there")
@pytest.mark.django_db(transaction=True)
def test_two_importers_creating_one_new_name_make_one_person():
    created, commit = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first():
        person = person_for("王小明", None)
        created.set()
        commit.wait(10)  # hold the transaction (and the name's lock) open
        return person.pk

    a = _in_thread(first, results, "a")
    assert created.wait(10)
    b = _in_thread(lambda: person_for("王小明", None).pk, results, "b")
    other = _in_thread(lambda: person_for("赵大海", None).pk, results, "other")
    other.join(10)
    # Another name does not wait for the first importer; the same name does.
    assert "other" in results and not other.is_alive()
    b.join(0.5)
    assert b.is_alive() and "b" not in results
    commit.set()
    a.join(10)
    b.join(10)
    assert results["b"] == results["a"]
    assert Person.objects.filter(normalized_name="王小明").count() == 1
