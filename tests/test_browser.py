"""The web page in a real headless browser: Debian's chromium driven by Playwright.

Marked `browser`; skipped where /usr/bin/chromium is not installed (.ci/run installs it)."""

import pytest
from livebrowser import MARKS, launch_browser, mini_server
from pdfgen import write_pdf

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    with mini_server(root) as base:
        yield base, root


def _worker_ready(base: str) -> None:
    """Wait until the server's classification worker has started, by classifying a short text
    through the page's own form, as the first user would. The worker loads the index and the trend
    model once per server, niced below the searches (scan.webjobs): about 5 s on a quiet machine,
    40 s with two busy processes on 2 cores, which used to eat the 30 s the upload test gives the
    page. The wait ends when the job does; it fails when the job fails or the worker cannot start
    within the server's own START_LIMIT."""
    import json
    import time
    import urllib.parse
    import urllib.request

    from scan.webjobs import START_LIMIT

    form = urllib.parse.urlencode({"text": "Kommunen måste rekrytera fler undersköterskor och lärare."}).encode()
    with urllib.request.urlopen(base + "/klassificera", data=form, timeout=60) as r:  # follows the 303 to the job
        job = urllib.parse.urlparse(r.url).path
    deadline = time.monotonic() + START_LIMIT
    state = "done" if "/jobb/" not in job else "queued"  # answered on the request itself: the worker is ready
    while state in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        with urllib.request.urlopen(f"{base}{job}/status", timeout=60) as r:
            state = json.load(r)["state"]
    assert state == "done", f"the warm-up classification ended {state}"


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def page(browser, server):
    base, _ = server
    context = browser.new_context(
        base_url=base, permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1280, "height": 800}
    )
    pg = context.new_page()
    yield pg
    context.close()


def test_search_by_typing_and_pressing_enter(page):
    page.goto("/sok")
    page.fill("#q", "rekrytera undersköterskor")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    first = page.locator(".hit").first
    assert "s. 4" in first.locator(".cite").inner_text()
    assert first.locator("mark").count() >= 1


def test_upload_a_file_and_see_the_trend_chart(page, server, tmp_path):
    _worker_ready(server[0])  # the page is timed on the classification, not on the worker's start
    path = write_pdf(tmp_path / "rapport.pdf", [["Kommunen måste rekrytera fler undersköterskor och lärare."]])
    page.goto("/klassificera")
    page.set_input_files("#file", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#trendprofil")
    bars = page.locator("#trendprofil rect.bar")
    assert bars.count() == 2
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(2)]
    assert widths[0] > widths[1]  # trend 1 is the profile's peak
    assert "Kompetensförsörjning" in page.locator(".notice").first.inner_text()
    page.screenshot(path=str(server[1] / "klassificera.png"))


def test_copy_quotes_as_markdown(page):
    from playwright.sync_api import expect

    page.goto("/citat")
    page.fill("#claim", "kommunen har svårt att rekrytera undersköterskor")
    page.click("button[type=submit]")
    page.wait_for_selector(".quote")
    page.click("#copy-md")
    expect(page.locator("#copy-status")).not_to_be_empty()  # (no wait_for_function: the CSP forbids eval)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("## kommunen har svårt att rekrytera undersköterskor")
    assert "[^1]: *Omvärldsanalys för Testby*. Testby kommun, 2024," in copied


def test_the_menu_works_from_the_keyboard(page):
    page.goto("/sok")
    for _ in range(20):  # from the search field (focused on load) through the form and round to the menu
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Källor":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/kallor")
    assert page.locator("h1").inner_text() == "Källor"


def test_errors_are_shown_on_the_page(page):
    page.goto("/citat")
    page.fill("#claim", "tillit")
    page.click("button[type=submit]")
    assert "påståendet är för kort" in page.locator("[role=alert]").inner_text()


def test_no_content_security_policy_violations(page):
    from playwright.sync_api import expect

    problems = []
    page.on(  # everything but the 404 of /finns-inte (and of a favicon)
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/citat")
    page.fill("#claim", "kommunen har svårt att rekrytera undersköterskor")
    page.click("button[type=submit]")
    page.wait_for_selector(".quote")
    page.click("#copy-md")
    expect(page.locator("#copy-status")).to_have_text("Kopierat.")
    for path in ("/sok?q=tillit", "/klassificera", "/kallor", "/finns-inte"):
        page.goto(path)
    page.evaluate("console.error('probe')")  # the listener does see console errors
    assert problems == ["probe"]


def test_a_long_classification_shows_a_busy_state_then_its_progress_and_is_sent_once(page):
    import re

    from playwright.sync_api import expect

    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto("/klassificera")
    page.fill("#text", "LÅNGSAM. Kommunen måste rekrytera fler undersköterskor och lärare.")
    # press the button twice; read the page right after, before the answer replaces it
    status, disabled = page.evaluate(
        """() => {
          const form = document.querySelector("form[data-busy]");
          const button = form.querySelector("button[type=submit]");
          button.click();
          button.click();
          form.requestSubmit();
          return [form.querySelector("[data-busy-status]").textContent, button.disabled];
        }"""
    )
    assert status == "Laddar upp och klassificerar …" and disabled  # a busy state at once
    page.wait_for_selector("#job", timeout=120_000)
    expect(page.locator("#job-progress")).to_have_text(re.compile(r"sida \d+ av 24"), timeout=120_000)
    expect(page.locator("button[type=submit]")).to_be_disabled()
    page.wait_for_selector("#trendprofil", timeout=120_000)  # the page shows the result by itself
    assert "Kompetensförsörjning" in page.locator(".notice").first.inner_text()
    assert len(posts) == 1


def test_a_long_classification_without_javascript_refreshes_to_its_result(browser, server):
    base, _ = server
    context = browser.new_context(base_url=base, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto("/klassificera")
        pg.fill("#text", "LÅNGSAM. Kommunen måste rekrytera fler undersköterskor och lärare.")
        pg.click("button[type=submit]")
        pg.wait_for_selector("#job", timeout=120_000)
        assert "Klassificerar Inklistrad text" in pg.locator("#job").inner_text()
        pg.wait_for_selector("#trendprofil", timeout=120_000)  # <noscript> meta refresh until it is done
    finally:
        context.close()
