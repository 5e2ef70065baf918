"""History records copied inside the database (archive.history) equal simple-history's own.

The importer creates a file's articles, people, positions and tags with
``archive.history.bulk_create_with_history``: the rows by the ORM, their history records
by one ``INSERT ... SELECT``. Each record must hold what
``simple_history.utils.bulk_create_with_history`` would have written: every tracked field,
type ``+``, no change reason, the request's user (simple-history's middleware) or none.
"""

from __future__ import annotations

import datetime
import sqlite3

import pytest
from django.contrib.auth.models import User
from django.db import connection
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history as simple_history_bulk_create
from simple_history.utils import get_history_manager_for_model

from archive.history import bulk_create_with_history
from archive.models import Article, Person, Source, Tag

# Fields of a record that differ between any two records of the same row.
PER_RECORD = {"history_id", "history_date"}


def article(n: int, source: Source | None) -> Article:
    return Article(
        title=f"汉中市召开第{n}次作风建设推进会",
        subtitle="副题" if n % 2 else "",
        body=f"会议强调，要持续深化作风建设。第{n}段正文。" * 40,
        published=datetime.date(2023, 3, n) if n % 3 else None,
        source=source,
        authors=["记者 王明", "通讯员 李华"][: n % 3],
        url=f"https://example.org/{n}.html" if n % 2 else None,
        span_start=n * 10,
        span_end=n * 10 + 900,
        content_hash=f"{n:064x}",
        review_status=Article.ReviewStatus.PUBLISHED,
        search_text="汉中 作风 建设",
        confidence=0.5 + n / 100,
        repairs=["merged_lines"] if n % 2 else [],
    )


def as_recorded(row) -> dict:
    """What a record of the row holds, by simple-history's rule: its tracked fields as
    stored, type ``+``, no change reason, no user outside a request."""
    stored = type(row)._default_manager.get(pk=row.pk)
    tracked = get_history_manager_for_model(type(row)).model.tracked_fields
    values = {f.attname: getattr(stored, f.attname) for f in tracked}
    return values | {"history_type": "+", "history_change_reason": None, "history_user_id": None}


def record_fields(record) -> dict:
    return {
        f.attname: getattr(record, f.attname)
        for f in type(record)._meta.concrete_fields
        if f.attname not in PER_RECORD
    }


@pytest.mark.django_db
def test_copied_records_equal_simple_historys_for_every_tracked_field():
    source = Source.objects.create(name="汉中日报")
    ours = bulk_create_with_history([article(n, source) for n in range(1, 6)], Article)
    theirs = simple_history_bulk_create([article(n, source) for n in range(11, 16)], Article)
    assert all(a.pk for a in ours)
    for mine, other in zip(ours, theirs, strict=True):
        (record,) = mine.history.all()
        (reference,) = other.history.all()
        # simple-history's record follows the rule, and ours holds the same fields by it
        assert record_fields(reference) == as_recorded(other)
        assert record_fields(record) == as_recorded(mine)
        assert "search_text" not in record_fields(record)  # excluded from Article's history
    # one history date for the batch, the records in id order
    records = list(Article.history.filter(id__in=[a.pk for a in ours]).order_by("history_id"))
    assert [r.id for r in records] == sorted(a.pk for a in ours)
    assert len({r.history_date for r in records}) == 1


@pytest.mark.django_db
def test_copied_records_carry_the_requests_user_and_simple_history_can_revert_them():
    curator = User.objects.create_user("curator")

    class Request:  # what simple-history's middleware leaves for the thread
        user = curator

    HistoricalRecords.context.request = Request()
    try:
        tags = bulk_create_with_history([Tag(name="作风建设"), Tag(name="高质量发展")], Tag)
        people = bulk_create_with_history([Person(name="王明", normalized_name="王明")], Person)
    finally:
        del HistoricalRecords.context.request
    for row in [*tags, *people]:
        (record,) = row.history.all()
        assert record.history_user == curator
        assert record.instance == row  # simple-history reads its own record back
    assert [r.name for r in Tag.history.order_by("history_id")] == ["作风建设", "高质量发展"]


@pytest.mark.django_db
def test_no_records_when_simple_history_is_off(settings):
    settings.SIMPLE_HISTORY_ENABLED = False
    (tag,) = bulk_create_with_history([Tag(name="乡村振兴")], Tag)
    assert tag.pk and not tag.history.exists()
    assert bulk_create_with_history([], Tag) == []


@pytest.mark.django_db
def test_a_file_of_more_rows_than_a_statement_takes_parameters_gets_every_record():
    # A .jsonl file may hold more articles than a statement takes parameters: SQLite's
    # default limit is 32,766 (Debian's build raises it); a build with 999 is simulated.
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        limit = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        names = [f"乡村振兴第{n}批示范村" for n in range(2_500)]
        tags = bulk_create_with_history([Tag(name=name) for name in names], Tag)
    finally:
        if sqlite:  # setlimit returned the limit it replaced
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert Tag.history.count() == len(names) == len(tags)
    assert Tag.history.filter(id=tags[-1].pk, name=names[-1]).exists()
