"""The pages on a 390 px phone, in headless chromium: no horizontal scrolling on any page (tables
scroll in their own box), a readable trend chart that is also a table for screen readers, Swedish
number formats, "s." for page, and no model jargon.

Marked `browser`; skipped where chromium is not installed."""

import re
from urllib.parse import quote

import pytest
from livebrowser import MARKS, launch_browser, mini_server

pytestmark = MARKS
PHONE = 390
JARGON = re.compile(
    r"\b(cosin\w*|embedding\w*|inbädd\w*|vektor\w*|vector\w*|faiss|bm25|logit\w*|encoder\w*|e5|hash-\d+|tokens?)\b",
    re.IGNORECASE,
)
LONG = "Bakgrundsanalys" * 12  # one word far wider than a phone


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def add(corpus):
        # a document whose title and id are one long word, and a table wider than a phone
        (corpus / f"{LONG}.md").write_text(
            f"# {LONG}\n\n| kommun | år | invånare | utsläpp | förändring | andel | kostnad | kommentar |\n"
            "|---|---|---|---|---|---|---|---|\n"
            + "| Testby | 2024 | 12 345 | 6 789 | -12,5 | 0,35 | 1 234 567 | en lång kommentar om tabellen |\n" * 4
            + "\nKommunen rekryterar fler undersköterskor till äldreomsorgen i Testby.\n",
            encoding="utf-8",
        )

    root = tmp_path_factory.mktemp("phone")
    with mini_server(root, add) as base:
        yield base, root


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(base_url=server[0], viewport={"width": PHONE, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def fits(page) -> int:
    """The page's scroll width (it fits when that is at most the phone's width)."""
    return page.evaluate("document.scrollingElement.scrollWidth")


def check_page(page, path: str) -> str:
    """Open `path` on the phone and check what every page must hold; returns the main text."""
    response = page.goto(path)
    assert response is not None and response.status < 500, path
    return check_shown(page, path)


def check_shown(page, path: str) -> str:
    """What every page must hold, checked on the page as shown."""
    assert fits(page) <= PHONE, f"{path} is {fits(page)} px wide on a {PHONE} px phone"
    text = page.locator("body").inner_text()
    assert not JARGON.search(text), f"{path}: model jargon {JARGON.search(text).group(0)!r}"
    for cite in page.locator(".cite, .cites, td").all_inner_texts():
        assert not re.search(r"\d\.\d", cite), f"{path}: a decimal point in {cite!r}"  # Swedish: decimal comma
        assert not re.search(r"\b(?:p\.|sida|page) ?\d", cite, re.IGNORECASE), f"{path}: page not as 's.' in {cite!r}"
    return text


def test_every_page_fits_a_phone_without_horizontal_scrolling(phone):
    phone.goto("/sok")
    menu = phone.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"/sok", "/klassificera", "/citat", "/kallor"} <= set(menu)  # and any page added to the menu later
    paths = [
        *menu,
        "/sok?q=" + quote("rekrytera undersköterskor"),
        "/sok?q=" + quote(LONG),  # a query that is one long word, repeated on the page
        "/sok?q=" + quote("kommun invånare utsläpp") + "&k=20",
        "/citat?claim=" + quote("kommunen har svårt att rekrytera undersköterskor"),
        "/citat?trend=1",
        "/sok?q=" + quote("avgift") + "&year=" + quote("förra året"),  # an error on the page
        "/finns-inte",
        "/klassificera/jobb/finns-inte",
    ]
    for path in paths:
        check_page(phone, path)
    # pages reached from the ones above (e.g. a document's own page), whoever added them
    phone.goto("/sok?q=" + quote("rekrytera undersköterskor"))
    linked = phone.locator("main a[href^='/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for path in sorted(set(linked) - set(paths))[:10]:
        check_page(phone, path)


def test_a_wide_table_scrolls_inside_its_own_box_on_a_phone(phone):
    check_page(phone, "/kallor")
    box = phone.locator("table").first.evaluate(
        """t => { let e = t; while (e && getComputedStyle(e).overflowX !== 'auto') e = e.parentElement;
                  return e ? [e.scrollWidth, e.clientWidth] : null; }"""
    )
    assert box is not None and box[1] <= PHONE  # the table's box is no wider than the phone …
    assert phone.get_by_text(LONG, exact=False).count() >= 1  # … and the long title is on the page


def test_search_hits_show_swedish_numbers_and_pages_as_s(phone):
    text = check_page(phone, "/sok?q=" + quote("rekrytera undersköterskor"))
    cites = phone.locator(".hit .cite").all_inner_texts()
    assert cites and any("s. 4" in c for c in cites)
    scores = re.findall(r"poäng (\S+)", " ".join(cites))  # the hash encoder has no relevance scale: scores
    assert scores and all(re.fullmatch(r"-?\d+,\d{3}", s) for s in scores), scores
    assert "träffar" in text


def test_the_trend_chart_is_readable_on_a_phone_and_a_table_for_screen_readers(phone):
    phone.goto("/klassificera")
    phone.fill("#text", "Kommunen måste rekrytera fler undersköterskor och lärare.")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#trendprofil", timeout=120_000)
    assert fits(phone) <= PHONE
    sizes = phone.locator("#trendprofil text").evaluate_all("texts => texts.map(t => t.getBoundingClientRect().height)")
    assert sizes and min(sizes) >= 11, sizes  # readable: at least 11 px on the phone (it was about 5)
    right = phone.locator("#trendprofil").evaluate("svg => svg.getBoundingClientRect().right")
    assert right <= PHONE
    table = phone.locator("figure table")
    assert "Trendprofil för" in table.locator("caption").inner_text()
    rows = table.locator("tbody tr").all_inner_texts()
    assert len(rows) == 3 and rows[0].startswith("1. Kompetensförsörjning")  # two trends and "no trend"
    assert all(re.search(r"\d+\s%$", r) for r in rows), rows  # "53 %": a space before the sign
    assert phone.locator("#trendprofil").get_attribute("aria-hidden") == "true"  # read once, as the table
    evidence = phone.locator("section .cite").all_inner_texts()
    assert evidence and all(re.search(r"sannolikhet \d+\s%", e) for e in evidence)
    check_shown(phone, "the classification result")


def test_a_running_job_page_fits_a_phone(phone):
    phone.goto("/klassificera")
    phone.fill("#text", "LÅNGSAM. Kommunen måste rekrytera fler undersköterskor och lärare.")
    phone.click("button[type=submit]")
    phone.wait_for_selector("#job", timeout=120_000)
    check_shown(phone, "a running job")
    phone.wait_for_selector("#trendprofil", timeout=120_000)
    check_shown(phone, "a finished job")
