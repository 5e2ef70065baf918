"""Browser: an article with reprints lists the other outlets, and /reprints/ draws the
network of outlets (ECharts, from a static script and json_script data: no inline
script). Screenshots: reprints_article.png, reprints_network.png, reprints_source.png."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from reprint_corpus import make_corpus

from archive.models import Story

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reprinted(transactional_db, tmp_path):
    docs = make_corpus(24, seed=5, seeds=False)
    for d in docs:
        record = {"title": d.title, "content": d.body, "source": d.outlet, "date": str(d.published)}
        (tmp_path / f"{d.key:04d}.json").write_text(json.dumps(record, ensure_ascii=False))
    call_command("import_raw", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())


def test_an_article_lists_the_outlets_that_also_published_it(
    reprinted, live_server, page, screenshot
):
    story = Story.objects.order_by("-size", "pk").first()
    reprint = story.members.filter(is_original=False).order_by("-rank").first().article
    page.goto(live_server.url + reprint.get_absolute_url())
    box = page.locator("#also-published")
    box.wait_for()
    rows = box.locator("tbody tr")
    assert rows.count() == story.size - 1
    assert story.original.source.name in rows.first.inner_text()
    assert "原发" in rows.first.inner_text()
    box.scroll_into_view_if_needed()
    screenshot("reprints_article")
    page.goto(live_server.url + reprint.source.get_absolute_url())
    page.locator("#reprint-relations").wait_for()
    screenshot("reprints_source")


def test_the_network_page_draws_the_outlets(reprinted, live_server, page, screenshot):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + "/reprints/")
    canvas = page.locator("#reprint-network canvas")
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box["width"] > 600 and box["height"] > 400
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    page.wait_for_timeout(1500)
    screenshot("reprints_network")
    # Something was drawn: the canvas is not one flat colour.
    colours = page.evaluate(
        """() => {
        const c = document.querySelector('#reprint-network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
        return seen.size;
    }"""
    )
    assert colours > 5
    assert errors == []
