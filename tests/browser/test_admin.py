"""The curation admin in a real browser: log in, filter by county, read the highlighted
article, tag articles in bulk. Screenshots: test-output/screenshots/admin-*.png."""

from archive.models import Article, ArticleRegion, Region


def test_filter_by_county_open_article_and_bulk_tag(logged_in, live_server, screenshot):
    page = logged_in
    link = (
        ArticleRegion.objects.filter(
            region__level=Region.Level.COUNTY, region__parent__level="prefecture"
        )
        .select_related("region__parent__parent")
        .order_by("region__code")
        .first()
    )
    county = link.region
    prefecture = county.parent
    province = prefecture.parent
    expected = set(
        ArticleRegion.objects.filter(region__code=county.code).values_list("article_id", flat=True)
    ) | set(
        ArticleRegion.objects.filter(region__parent=county).values_list("article_id", flat=True)
    )

    page.goto(f"{live_server.url}/admin/archive/article/")
    page.click("#toggle-nav-sidebar")  # more room for the list (the admin remembers this)
    assert page.locator("#result_list tbody tr").count() == Article.objects.count()
    region_filter = page.locator('details[data-filter-title^="地区"]')
    for region in (province, prefecture, county):
        region_filter.get_by_role("link", name=region.name, exact=False).first.click()
        page.wait_for_url(f"**region={region.code}**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == len(expected)
    assert region_filter.locator("li.selected").inner_text().strip().endswith(county.name)
    screenshot("admin-changelist-county")

    # open the first article: people, quotes and places are marked in the body
    article = Article.objects.filter(
        pk__in=expected, people__isnull=False
    ).first() or Article.objects.get(pk=min(expected))
    page.locator("#result_list a", has_text=article.title[:10]).first.click()
    page.wait_for_url(f"**/admin/archive/article/{article.pk}/change/**")
    body = page.locator(".highlighted-body")
    assert body.is_visible()
    assert body.locator("mark.hl-region").count() > 0
    if article.people.exists():
        person = article.people.first().name
        assert body.locator("mark.hl-person", has_text=person).count() > 0
    assert page.locator("table.provenance").inner_text().count(article.raw_file.path) == 1
    full = screenshot("admin-article-highlight")
    body.screenshot(path=str(full.parent / "admin-article-body.png"))

    # back to the list; tag the two first articles in one action
    page.goto(f"{live_server.url}/admin/archive/article/")
    boxes = page.locator("#result_list input.action-select")
    boxes.nth(0).check()
    boxes.nth(1).check()
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in (0, 1)]
    page.select_option('select[name="action"]', "add_tags")
    page.fill('input[name="tags"]', "浏览器标签")
    screenshot("admin-bulk-tag-form")
    page.click('button[name="index"]')
    page.wait_for_selector("ul.messagelist li.success")
    assert "浏览器标签" in page.locator("ul.messagelist").inner_text()
    tagged = set(Article.objects.filter(tags__name="浏览器标签").values_list("pk", flat=True))
    assert tagged == set(chosen)
    assert page.locator("#result_list td.field-tag_list", has_text="浏览器标签").count() == 2
    screenshot("admin-bulk-tag-done")
