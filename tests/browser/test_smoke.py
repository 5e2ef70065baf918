"""The browser can reach the live site and render Chinese text."""


def test_home_page_renders_chinese(seeded, live_server, page, screenshot):
    page.goto(live_server.url + "/")
    assert "地方" in page.title() or "地方" in page.content()
    path = screenshot("smoke-home")
    assert path.stat().st_size > 5_000
