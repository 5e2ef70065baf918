"""The public site in a real browser: search, a facet, an article, a region page, a phone.

Screenshots go to test-output/screenshots/site-*.png."""

from pathlib import Path

from archive.models import Article, ArticleRegion


def test_search_facet_article_and_region(seeded, live_server, page, screenshot):
    assert Article.objects.public().count() > 0
    page.goto(live_server.url + "/")
    assert "地方档案" in page.title()
    assert page.locator("ol.items li").count() > 0
    screenshot("site-home")

    # Search from the box.
    page.fill("form.search input[name=q]", "聊城")
    page.click("form.search button")
    page.wait_for_url("**/?q=*")
    hits = page.locator("ol.items li")
    assert hits.count() > 0
    assert page.locator("ol.items mark").first.inner_text() == "聊城"
    screenshot("site-search")

    # The other order: newest first, every match.
    ranked = page.locator("ol.items li a.title").all_inner_texts()
    page.click(".summary .sort a")
    page.wait_for_url("**sort=new*")
    assert page.locator(".summary .sort strong").inner_text() == "最新"
    newest = page.locator("ol.items li a.title").all_inner_texts()
    assert sorted(newest) == sorted(ranked)
    dates = page.locator("ol.items li .meta").all_inner_texts()
    assert dates == sorted(dates, reverse=True)
    screenshot("site-search-newest")
    page.go_back()
    page.wait_for_url("**/?q=*")

    # Narrow with the first region facet: a chip appears, and the results shrink or stay.
    before = page.locator(".summary").inner_text()
    region_link = page.locator(".facet-region li a").first
    region_name = region_link.inner_text()
    region_link.click()
    page.wait_for_url("**region=*")
    chips = page.locator(".chips .chip")
    assert chips.count() == 2
    assert region_name in chips.nth(1).inner_text() or region_name in chips.nth(0).inner_text()
    assert page.locator("ol.items li a.title").count() > 0
    screenshot("site-facet")
    assert before  # summary was shown

    # Open the first article.
    title = page.locator("ol.items li a.title").first.inner_text()
    page.locator("ol.items li a.title").first.click()
    page.wait_for_url("**/article/*/")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".article .body p").count() > 0
    screenshot("site-article")

    # And a region page from the article's place links.
    link = ArticleRegion.objects.filter(article__review_status="published").select_related("region")
    code = link.filter(region__code__isnull=False).first().region.code
    page.goto(f"{live_server.url}/region/{code}/")
    assert page.locator("nav.crumbs a").count() >= 1
    assert page.locator("ol.items li a.title").count() > 0
    screenshot("site-region")

    # Prefecture page of 聊城 with its counties.
    page.goto(live_server.url + "/region/371500/")
    assert "聊城市" in page.locator("h1").inner_text()
    assert page.locator("section.children li").count() > 5
    screenshot("site-region-liaocheng")


def test_phone_width_and_english(seeded, live_server, browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        # Nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        page.screenshot(path=str(_shot("site-phone-home")), full_page=False)
        article = Article.objects.public().order_by("-published").first()
        page.goto(live_server.url + article.get_absolute_url())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(_shot("site-phone-article")), full_page=False)
        # Switch the interface to English with the header link.
        page.goto(live_server.url + "/")
        page.click("nav.lang a")
        page.wait_for_load_state()
        assert "Latest articles" in page.locator("h1").inner_text()
        page.screenshot(path=str(_shot("site-phone-english")), full_page=False)
    finally:
        context.close()


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _shot(name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
