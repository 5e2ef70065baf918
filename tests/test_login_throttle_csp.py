"""The admin under attack: login throttling (django-axes) and the Content-Security-Policy
(django-csp) on the public site and the admin, with no inline script or style left that
would need the policy weakened. Both databases."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from archive.models import Article

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def seeds(gazetteer):
    call_command(
        "import_raw", str(ROOT / "fixtures" / "raw"), stdout=io.StringIO(), stderr=io.StringIO()
    )


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("archivist", email="", password="right-password-42")


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_is_locked_after_repeated_failures_and_logged(staff, settings, caplog):
    client = Client(REMOTE_ADDR="203.0.113.9")
    caplog.set_level(logging.WARNING, logger="axes")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "archivist", "guess").status_code == 200  # the form again
    locked = login(client, "archivist", "guess")
    assert locked.status_code == 429
    # now even the right password is refused, from that address, for that name
    assert login(client, "archivist", "right-password-42").status_code == 429
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="archivist")
    assert attempt.ip_address == "203.0.113.9"
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "login failure" in logged and "Locking out" in logged
    # another address is not locked out, and logs in
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert login(other, "archivist", "right-password-42").status_code == 302
    # clearing the lockout (manage.py axes_reset) lets the first address in again
    call_command("axes_reset", stdout=io.StringIO())
    assert login(client, "archivist", "right-password-42").status_code == 302


def test_a_success_before_the_limit_resets_the_count(staff, settings):
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "archivist", "guess")
    assert login(client, "archivist", "right-password-42").status_code == 302
    client.logout()
    assert login(client, "archivist", "guess").status_code == 200  # counting from zero


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_public_pages_and_admin_carry_a_strict_policy(seeds, staff):
    article = Article.objects.public().first()
    admin = Client()
    admin.force_login(staff)
    responses = [
        Client().get("/"),
        Client().get(f"/article/{article.pk}/"),
        Client().get("/?format=json"),
        Client().get(LOGIN),
        admin.get("/admin/"),
        admin.get(f"/admin/archive/article/{article.pk}/change/"),
        admin.get(f"/admin/archive/correction/file/{article.raw_file_id}/"),
    ]
    for response in responses:
        assert response.status_code == 200
        rules = policy(response)
        assert rules["script-src"] == ["'self'"] and rules["style-src"] == ["'self'"]
        assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


# A script element the browser runs: not one with a src, nor a data block (JSON-LD, or
# json_script's application/json), which is never executed and so needs no CSP source.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>", re.I
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
HANDLER = re.compile(r"\son[a-z]+=\"", re.I)


def test_no_inline_script_style_or_handler_in_our_templates():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        # a JSON data block is data, not script; none of ours need one
        assert not INLINE_SCRIPT.search(text), template
        assert not INLINE_STYLE.search(text), template
        assert not HANDLER.search(text), template


def test_rendered_pages_have_no_inline_script(seeds, staff):
    article = Article.objects.public().first()
    admin = Client()
    admin.force_login(staff)
    for response in (
        Client().get("/"),
        Client().get(f"/article/{article.pk}/"),
        admin.get(f"/admin/archive/article/{article.pk}/change/"),
        admin.get(f"/admin/archive/correction/file/{article.raw_file_id}/"),
        admin.get("/admin/archive/correction/queue/"),
    ):
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html)
        assert not HANDLER.search(html)
