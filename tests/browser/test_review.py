"""Curating the parse in a real browser: split an article and merge two on a raw file's
review page, change a quote's speaker and add a missed quote on the change page.
Screenshots: test-output/screenshots/review-*.png."""

from archive.models import Article, Correction, Occurrence, Quote, RawFile
from archive.review_cuts import paragraphs
from tests.browser.conftest import SCREENSHOTS


def closeup(page, name, selector):
    """A screenshot of the window with ``selector`` in view (the full pages are long)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def file_articles(raw):
    spans = Occurrence.objects.filter(raw_file=raw).order_by("span_start")
    return [o.article for o in spans.select_related("article")]


def test_split_and_merge_on_the_review_page(logged_in, live_server, screenshot):
    page = logged_in
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    raw = RawFile.objects.get(path__contains="001_")
    first = file_articles(raw)[0]
    paras = paragraphs(first.body)
    n = Article.objects.count()
    page.goto(f"{live_server.url}/admin/archive/correction/file/{raw.pk}/")
    page.click("#toggle-nav-sidebar")
    screenshot("review-file-before")
    closeup(page, "review-file-before-closeup", "h1")
    # keyboard: focus the article's third paragraph with j, split before it with s
    page.locator(f"#article-{first.pk} .para").first.focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("s")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.count() == n + 1
    second = Article.objects.get(pk=Correction.objects.get(kind="split").created[0])
    assert paragraphs(Article.objects.get(pk=first.pk).body) == paras[:2]
    assert page.locator(f"#article-{second.pk}").count() == 1
    screenshot("review-file-after-split")
    closeup(page, "review-file-after-split-closeup", f"#article-{second.pk}")

    # merge them back with the button of the first article
    page.locator(f"#article-{first.pk} .fix-merge button").click()
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.count() == n
    assert not Article.objects.filter(pk=second.pk).exists()
    assert Correction.objects.filter(kind="merge").count() == 1
    screenshot("review-file-after-merge")
    # the curator's day on the index, and the queue
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("#curator-today .n-corrected").inner_text() == "1"
    closeup(page, "review-admin-index", "#curator-today")
    page.goto(f"{live_server.url}/admin/archive/correction/queue/")
    screenshot("review-queue")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_speaker_change_and_new_quote_on_the_change_page(logged_in, live_server, screenshot):
    page = logged_in
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    quote = Quote.objects.exclude(speaker_name="").select_related("article").first()
    article = quote.article
    page.goto(f"{live_server.url}/admin/archive/article/{article.pk}/change/")
    row = page.locator(f"#quote-{quote.pk}")
    row.locator("input[name=speaker]").fill("王小明")
    row.locator("button").click()
    page.wait_for_selector(".messagelist .success")
    quote.refresh_from_db()
    assert quote.speaker_name == "王小明"
    assert page.locator(f"#quote-{quote.pk} input[name=speaker]").input_value() == "王小明"
    screenshot("review-change-page-speaker")
    closeup(page, "review-change-page-speaker-closeup", "#review-panel .panel-quotes")

    # a missed quotation: select its text in the body, the offsets fill themselves
    page.locator(".add-quote summary").click()
    body = article.body
    taken = set(article.quotes.values_list("start", flat=True))
    start = next(i for i in range(25, len(body)) if i not in taken and not body[i].isspace())
    page.evaluate(
        """([start, end]) => {
            const node = document.getElementById("quote-source").firstChild;
            const range = document.createRange();
            range.setStart(node, start); range.setEnd(node, end);
            const selection = document.getSelection();
            selection.removeAllRanges(); selection.addRange(range);
        }""",
        [start, start + 12],
    )
    page.wait_for_function("document.getElementById('quote-start').value !== ''")
    assert page.locator("#quote-end").input_value() == str(start + 12)
    page.fill("#quote-speaker", "李华")
    closeup(page, "review-change-page-select-quote", "#add-quote-form")
    page.locator("#add-quote-form button").click()
    page.wait_for_selector(".messagelist .success")
    added = Quote.objects.get(article=article, speaker_name="李华")
    assert added.text == body[start : start + 12].strip()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_public_filters_fold_on_a_phone_under_the_policy(seeded, live_server, browser):
    """The script that folds the filters on a phone runs from a static file, so the
    Content-Security-Policy lets it run (it was an inline script)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        response = page.goto(live_server.url + "/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert page.evaluate("document.querySelector('aside.facets > details').open") is False
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
