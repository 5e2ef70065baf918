"""Browser tests: Playwright (Python) driving Debian's Chromium against a live server.

They run after every other test (see ``pytest_collection_modifyitems`` in the root
conftest) because the live server needs a transactional database, which is emptied after
each test; each browser test loads what it needs itself. Screenshots go to
``test-output/screenshots/`` so a person can look at them after the run.
"""

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "raw"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are still plain synchronous calls. Set only while the
    # browser runs (browser tests come last): it must not leak into earlier tests'
    # subprocesses, where check --deploy rightly rejects it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot as test-output/screenshots/<name>.png; returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def seeded(transactional_db):
    """The gazetteer plus the five seed pages imported (the demo archive)."""
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    call_command("import_raw", str(SEEDS), stdout=io.StringIO(), stderr=io.StringIO())


PASSWORD = "curate-all-day-42"


@pytest.fixture
def logged_in(seeded, live_server, page):
    """The admin, logged in as a superuser, on the demo archive."""
    User.objects.create_superuser("boss", email="", password=PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page
