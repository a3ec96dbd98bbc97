"""The built documentation site works in a real browser: pages load, the navigation and the
search work, and nothing logs a console error (a missing asset, a broken script).

Debian's `chromium` (apt-get install chromium) driven by Playwright (pip install playwright);
Playwright's own browser downloads are never used. Runs with the site build in
`make docs-test` (pytest -m docs); skipped, with the reason, where either piece is missing.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest
from test_docs_examples import built_site, require_docs_run

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    """Debian's chromium binary ($LAMINA_CHROMIUM overrides), or None."""
    configured = os.environ.get("LAMINA_CHROMIUM")
    if configured:
        return configured if os.path.isfile(configured) else None
    return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)


@pytest.fixture(scope="module")
def site_url(pytestconfig):
    """The freshly built site, served on 127.0.0.1 for the duration of the module."""
    require_docs_run(pytestconfig)
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                        "(pip install playwright; its browser downloads are not needed)")
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("mkdocstrings_handlers.python", reason="the docs extra is not installed")
    site, result = built_site()
    assert result.returncode == 0, result.stderr[-3000:]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest's output clean
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_page(site_url):
    """A headless chromium page that records console errors and uncaught exceptions."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.errors = []
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("requestfailed", lambda req: page.errors.append(f"failed: {req.url}"))
        try:
            yield page
        finally:
            browser.close()


def heading_of(page) -> str:
    """The page's title, without the permalink sign."""
    return page.locator("h1").first.inner_text().rstrip("\u00b6").strip()


@pytest.mark.docs
def test_pages_and_navigation_load_without_console_errors(browser_page, site_url):
    page = browser_page
    assert page.goto(site_url).ok
    assert heading_of(page) == "Getting started"
    for link, heading in (("Tutorial", "Tutorial: the Keras quickstart"),
                          ("Custom layers", "Custom layers"), ("Layers", "lamina.layers")):
        page.locator("nav.md-nav--primary").get_by_role("link", name=link, exact=True).click()
        page.wait_for_load_state("load")
        assert heading_of(page) == heading, page.url
    assert page.locator("h3#lamina\\.layers\\.core\\.Dense").count() == 1
    assert page.errors == []


@pytest.mark.docs
def test_search_finds_pages(browser_page, site_url):
    page = browser_page
    assert page.goto(site_url).ok
    page.locator("label.md-search__icon, .md-search__input").first.click()
    meta = page.locator(".md-search-result__meta")  # "Initializing search" until indexed
    meta.wait_for(state="attached")
    page.wait_for_function("!document.querySelector('.md-search-result__meta')"
                           ".textContent.includes('Initializing')", timeout=15000)
    page.locator("input.md-search__input").press_sequentially("train_step")
    hit = page.locator(".md-search-result__link[href*='guides/custom_training/']")
    hit.first.wait_for(timeout=15000)  # the guide that overrides train_step is among the hits
    assert page.locator(".md-search-result__item").count() >= 1
    assert page.errors == []
