"""The research pages in a real browser, on the demo archive (the seed pages): the trend
chart is drawn, the spread map plays, a career timeline opens, quotes are searched, the
coverage heat map is drawn, and a phone and a browser without JavaScript get the tables.

Screenshots: test-output/screenshots/research-*.png."""

import datetime

from archive.models import Article, Person, Position, Region


def test_trend_chart_is_drawn_and_a_month_opens_its_list(seeded, live_server, page, screenshot):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/trends/?q=高质量&q=绿色")
    page.wait_for_selector("#trend-chart.drawn svg path", state="attached")
    assert page.locator("#trend-chart svg text", has_text="高质量").count() > 0  # the legend
    rows = page.locator("table.research tbody tr")
    assert rows.count() >= 2
    screenshot("research-trends")
    # A month's count opens the list of that month's articles.
    link = page.locator("table.research tbody td.num a").first
    expected = int(link.inner_text())
    link.click()
    page.wait_for_url("**/?q=*from=*")
    assert page.locator("ol.items li").count() == expected
    assert errors == []


def test_spread_map_plays_month_by_month(seeded, live_server, page, screenshot):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/trends/spread/?q=发展")
    page.wait_for_selector("#spread-map.drawn svg path", state="attached")
    months = page.evaluate("JSON.parse(document.getElementById('spread-data').textContent).months")
    assert len(months) >= 2
    assert page.locator("#spread-month").inner_text() == months[-1]
    page.click("#spread-play")
    page.wait_for_function(
        "m => document.getElementById('spread-month').textContent === m", arg=months[0]
    )
    screenshot("research-spread-playing")
    page.wait_for_function(
        "m => document.getElementById('spread-month').textContent === m",
        arg=months[-1],
        timeout=2_000 + 700 * len(months),
    )
    # The slider moves the map too.
    page.locator("#spread-slider").fill("0")
    assert page.locator("#spread-month").inner_text() == months[0]
    page.locator("#spread-slider").fill(str(len(months) - 1))
    first_row = page.locator("table.research tbody tr").first.inner_text()
    assert months[0] in first_row  # the table is sorted by first date
    screenshot("research-spread")
    assert errors == []


def test_career_timeline_opens_on_the_officials_page(seeded, live_server, page, screenshot):
    # An invented official with three posts over six years, each stated by a seed article.
    articles = list(Article.objects.public().exclude(published=None).order_by("published")[:3])
    person = Person.objects.create(name="周明远", normalized_name="周明远")
    posts = [
        ("副县长", "莘县人民政府", "371522", (2018, 3, 1), (2020, 5, 9)),
        ("县长", "莘县人民政府", "371522", (2020, 6, 2), (2022, 1, 20)),
        ("县委书记", "中共莘县县委", "371522", (2022, 2, 11), (2023, 9, 30)),
    ]
    for (title, org, code, first, last), article in zip(posts, articles, strict=True):
        Position.objects.create(
            person=person,
            title=title,
            organization=org,
            region=Region.objects.get(code=code),
            first_seen=datetime.date(*first),
            last_seen=datetime.date(*last),
            article=article,
        )
    page.goto(live_server.url + "/people/?post=县&region=3715")
    names = page.locator("table.research tbody tr td:first-child").all_inner_texts()
    assert names[0] == "周明远"  # newest seen first
    page.locator("table.research tbody td a", has_text="周明远").first.click()
    page.wait_for_url(f"**/person/{person.pk}/")
    bars = page.locator("svg.career-bars rect.post-bar")
    assert bars.count() == 3
    boxes = [bars.nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]  # posts in time order
    assert all(b["width"] > 20 for b in boxes)
    screenshot("research-career")
    # A bar opens the article that states the post.
    bars.nth(2).click()
    page.wait_for_url(f"**{articles[2].get_absolute_url()}")


def test_quotes_are_searched_with_a_post_facet(seeded, live_server, page, screenshot):
    page.goto(live_server.url + "/quotes/")
    page.fill("form.research-form input[name=q]", "发展")
    page.click("form.research-form button")
    page.wait_for_url("**/quotes/?q=*")
    results = page.locator("ol.quote-results li blockquote")
    assert results.count() >= 1
    for text in results.all_inner_texts():
        assert "发展" in text
    screenshot("research-quotes")


def test_coverage_heat_map_and_phone_and_no_script(seeded, live_server, browser, page, screenshot):
    page.goto(live_server.url + "/coverage/")
    page.wait_for_selector("#coverage-sources.drawn svg path", state="attached")
    page.wait_for_selector("#coverage-provinces.drawn svg path", state="attached")
    screenshot("research-coverage")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    small = phone.new_page()
    small.goto(live_server.url + "/trends/?q=高质量")
    small.wait_for_selector("#trend-chart.drawn svg path", state="attached")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    small.screenshot(path=str(_path("research-trends-phone")), full_page=True)
    phone.close()

    plain = browser.new_context(java_script_enabled=False, locale="zh-CN")
    bare = plain.new_page()
    bare.goto(live_server.url + "/trends/spread/?q=发展")
    assert bare.locator("table.research tbody tr").count() >= 1
    assert not bare.locator("#spread-map").is_visible()  # no empty box where the map would be
    assert not bare.locator("#spread-play").is_visible()  # nor a player that cannot play
    bare.screenshot(path=str(_path("research-spread-noscript")), full_page=True)
    plain.close()


def _path(name):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def test_charts_draw_under_a_strict_content_security_policy(seeded, live_server, page):
    """No inline script anywhere: with script-src 'self' the pages still draw."""
    refused = []
    page.on(
        "console", lambda msg: "Content Security Policy" in msg.text and refused.append(msg.text)
    )

    def with_csp(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", with_csp)
    for url, chart in (
        ("/trends/?q=高质量", "#trend-chart"),
        ("/trends/spread/?q=发展", "#spread-map"),
        ("/coverage/", "#coverage-sources"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_selector(f"{chart}.drawn svg path", state="attached")
    assert refused == [], refused
