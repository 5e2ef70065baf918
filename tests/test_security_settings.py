"""Production settings, secrets and the admin's login wall (issue #8, security).

The deploy checks run `manage.py` in a subprocess with the environment a production host
would have: DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS from the environment. Under
pytest (and with DEBUG on) the same settings module keeps plain http.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]

# Every DIFANG_* switch is cleared so the defaults are what gets tested.
SWITCHES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DIFANG_SECURE_SSL_REDIRECT",
    "DIFANG_SECURE_COOKIES",
    "DIFANG_HSTS_SECONDS",
    "DIFANG_HSTS_INCLUDE_SUBDOMAINS",
    "DIFANG_HSTS_PRELOAD",
    "DIFANG_PROXY_SSL_HEADER",
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters, fresh for every run
        ALLOWED_HOSTS="difang.example.org,www.difang.example.org",
        DJANGO_SETTINGS_MODULE="archive.settings",
        PYTHONPATH=str(ROOT),
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting_values(env: dict[str, str], *names: str) -> dict[str, object]:
    """The values of some settings as a fresh production process would see them."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_under_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "override,warning",
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"DIFANG_SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"DIFANG_SECURE_COOKIES": "0"}, "security.W012"),
        ({"DIFANG_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_check_deploy_fails_when_a_safeguard_is_switched_off(override, warning):
    # The clean result above is not vacuous: each switch, turned off, is caught.
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**override))

    assert done.returncode != 0
    assert warning in done.stdout + done.stderr


def test_production_defaults_and_env_switches():
    prod = setting_values(
        production_env(),
        "DEBUG",
        "ALLOWED_HOSTS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert prod["DEBUG"] is False
    assert {"difang.example.org", "www.difang.example.org"} <= set(prod["ALLOWED_HOSTS"])
    assert "*" not in prod["ALLOWED_HOSTS"]
    assert prod["SECURE_SSL_REDIRECT"] and prod["SESSION_COOKIE_SECURE"]
    assert prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and prod["SECURE_HSTS_PRELOAD"]
    assert prod["SECURE_PROXY_SSL_HEADER"] is None

    tuned = setting_values(
        production_env(
            DIFANG_HSTS_SECONDS="3600",
            DIFANG_HSTS_PRELOAD="0",
            DIFANG_HSTS_INCLUDE_SUBDOMAINS="no",
            DIFANG_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            CSRF_TRUSTED_ORIGINS="https://difang.example.org",
        ),
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
    )
    assert tuned == {
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://difang.example.org"],
    }


def test_debug_runs_keep_plain_http():
    env = production_env(DEBUG="1")
    env.pop("SECRET_KEY")
    values = setting_values(env, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECRET_KEY")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False


def test_the_suite_runs_over_plain_http(client):
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200  # not a 301 to https://


def test_serving_without_a_secret_key_is_refused_in_production():
    env = production_env()
    env.pop("SECRET_KEY")
    done = subprocess.run(
        [sys.executable, "-c", "import archive.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "SECRET_KEY" in done.stderr

    # The development fallback key is never what a production process signs with.
    values = setting_values(env, "SECRET_KEY")
    assert not values["SECRET_KEY"].startswith("django-insecure")
    assert len(values["SECRET_KEY"]) >= 50


# --- no secret in the repository -----------------------------------------------------

SECRET_PATTERNS = {
    "a SECRET_KEY with a literal value": re.compile(
        r"""SECRET_KEY\s*(?:=|:|\?=)\s*(?:os\.environ\.get\([^)]*,\s*)?["']([^"'\s]{8,})["']"""
    ),
    "a private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "an AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "a password in a database URL": re.compile(
        r"\b(?:postgres(?:ql)?|mysql)://[^:/@\s]+:[^@/\s]+@"
    ),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
}
# The one literal allowed: settings.py's fallback, used only with DEBUG on or under pytest
# (test_serving_without_a_secret_key_is_refused_in_production proves production never uses it).
ALLOWED_LITERALS = {"django-insecure-difang-development-key-never-use-in-production"}


def tracked_files() -> list[Path]:
    if shutil.which("git") and (ROOT / ".git").exists():
        done = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=True
        )
        return [ROOT / name for name in done.stdout.decode().split("\0") if name]
    skip = {".venv", ".git", "node_modules", "staticfiles", "test-output"}
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
    ]


def secrets_in(text: str) -> list[str]:
    found = []
    for what, pattern in SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            literal = match.group(1) if match.groups() else match.group(0)
            if literal not in ALLOWED_LITERALS:
                found.append(f"{what}: {match.group(0)[:60]}")
    return found


def test_the_secret_scanner_finds_what_it_looks_for():
    planted = (
        'SECRET_KEY = "k8s$9x!vq0w1e2r3t4y5u6i7o8p9"\n'
        "SECRET_KEY: 'abcdefghijklmnop'\n"
        "DATABASE_URL=postgres://difang:hunter22@db.internal:5432/difang\n"
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "aws = AKIAIOSFODNN7EXAMPLE\n"
    )
    assert len(secrets_in(planted)) == 5
    harmless = (
        'SECRET_KEY = os.environ.get("SECRET_KEY", "")\n'
        "env.update(SECRET_KEY=secrets.token_urlsafe(48))\n"
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/difang\n"
    )
    assert secrets_in(harmless) == []


def test_no_secret_is_committed():
    files = tracked_files()
    assert any(p.name == "settings.py" for p in files)
    found = []
    for path in files:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        if path.name.startswith(".env") and path.name != ".env.example":
            found.append(f"{path.relative_to(ROOT)}: an environment file is tracked")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.resolve() == Path(__file__).resolve():
            continue  # this file plants fake secrets to test the scanner
        found += [f"{path.relative_to(ROOT)}: {hit}" for hit in secrets_in(text)]
    assert found == []


# --- the admin is behind its login ------------------------------------------------------


def admin_pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return pages


@pytest.mark.django_db
def test_anonymous_visitors_get_the_login_page_for_every_admin_page(client):
    pages = admin_pages()
    assert reverse("admin:archive_article_changelist") in pages
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        login = reverse("admin:login")
        assert response["Location"].startswith(f"{login}?next="), page


@pytest.mark.django_db
def test_anonymous_posts_to_the_admin_change_nothing(client):
    from archive.models import Source

    response = client.post(reverse("admin:archive_source_add"), {"name": "伪造来源"})
    assert response.status_code in (302, 403)
    assert not Source.objects.filter(name="伪造来源").exists()
