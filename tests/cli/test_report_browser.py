"""The transparency report as a person sees it: opened from disk in headless Chromium (Debian's
`chromium`, driven by the `playwright` package; Playwright's own browsers are never
downloaded), every chart drawn, nothing fetched, no console error, and a screenshot kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from civicledger import report
from tests.integration.test_report import tell_story

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",  # root in a container has no user namespace to sandbox in
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium is not installed: run `sudo apt-get install -y chromium` (or `make install` "
        "as root) for the report's browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture(scope="module")
def report_page(w3, signer, city, treasurer, registrar, alice, grocer, pharmacy, tmp_path_factory):
    actors = {
        "city": city,
        "treasurer": treasurer,
        "registrar": registrar,
        "alice": alice,
        "grocer": grocer,
        "pharmacy": pharmacy,
    }
    suite = tell_story(w3, signer, actors, tmp_path_factory.mktemp("deployments"))["suite"]
    return report.write(
        w3,
        suite.benefits,
        suite.registry,
        report.deployment_blocks(suite.manifest.contracts),
        tmp_path_factory.mktemp("report"),
    )


def test_report_opens_from_disk_with_every_chart_drawn_and_no_console_error(report_page, tmp_path):
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report_page.resolve().as_uri(), wait_until="load")

            assert page.title().startswith("CivicLedger transparency report")
            charts = page.locator("svg.chart")
            names = [charts.nth(i).get_attribute("data-chart") for i in range(charts.count())]
            assert set(names) >= {"programs", "escrow", "over-time", "by-cell", "land"}, names
            for i, name in enumerate(names):
                chart = charts.nth(i)
                chart.scroll_into_view_if_needed()
                box = chart.bounding_box()
                assert box and box["width"] > 100 and box["height"] > 50, (name, box)
                # matplotlib drew into it: bars or lines, and text, not an empty frame
                assert chart.locator("path").count() > 3, name
                assert chart.locator("text").count() > 2, name
            assert page.locator("text=every outstanding token is backed").is_visible()

            screenshot = tmp_path / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 50_000
    assert problems == []
    assert requests == [report_page.resolve().as_uri()]  # the page fetched nothing else
