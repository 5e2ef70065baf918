"""Shared fixtures. The gazetteer is loaded once per test session, outside the
per-test transactions, so every DB test that asks for it sees all 3,212 regions."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def gazetteer(django_db_setup, django_db_blocker):
    """The test database with fixtures/regions.csv and region_aliases.csv loaded."""
    with django_db_blocker.unblock():
        call_command("load_regions", verbosity=0, stdout=io.StringIO())


def pytest_collection_modifyitems(config, items):
    """Run browser tests last: their live server empties the database after each test,
    which would take the session-wide gazetteer away from the tests after them."""
    items.sort(
        key=lambda item: (
            "/tests/browser/" in str(item.path).replace("\\", "/")
            or "live_server" in getattr(item, "fixturenames", ())
        )
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Pages and facet counts are cached under a data version; a rolled-back test can
    leave the same ids to the next one, so every test starts with an empty cache."""
    from django.core.cache import cache

    cache.clear()
