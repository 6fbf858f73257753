"""Flow, Quality, Annotators and Costs in a real browser: opened by URL, drawn, captured for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART = '[data-testid="stPlotlyChart"] .main-svg'


_framed: set[str] = set()


def open_page(page: Page, url: str, heading: str) -> None:
    root = url.rsplit("/", 1)[0]
    if root not in _framed:
        # Until app.py has run once on a fresh server, Streamlit serves a page URL from the
        # pages/ folder without the frame (reported to the frame's owner); open the app first.
        page.goto(root)
        page.wait_for_selector(IDLE, timeout=90_000)
        _framed.add(root)
    page.goto(url)
    # The first visit of a page computes its KPIs (and imports statsmodels): give it time.
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_selector(CHART, timeout=90_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Operations", exact=True)).to_be_visible()  # inside the frame's navigation


def capture(page: Page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, not the document,
    so full_page alone stops at the viewport; grow the viewport to the content first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 40, 1000), 12000)})
    page.wait_for_timeout(500)  # let plotly re-lay out the charts at the new size
    page.screenshot(path=str(path), full_page=True)


def drawn_charts(page: Page) -> int:
    """Charts that have at least one trace drawn (bars, lines, markers or a heatmap image)."""
    return page.locator('[data-testid="stPlotlyChart"]').filter(
        has=page.locator("g.trace, g.hm")).count()


def test_flow(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url + "/flow", "Flow & bottlenecks")
    expect(page.get_by_text(re.compile(r"is the bottleneck: a finished item waited"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"were on the line \(L\)"))).to_be_visible()
    expect(page.get_by_text("hours per finished item", exact=True)).to_be_visible()  # x axis with its unit
    assert drawn_charts(page) == 5
    capture(page, screenshots / "flow.png")


def test_quality(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url + "/quality", "Quality")
    expect(page.get_by_text("Krippendorff's α")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Agreement between annotators \(Cohen"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"answered \d+ of the same items and disagreed on \d+"))).to_be_visible()
    assert drawn_charts(page) == 4
    capture(page, screenshots / "quality.png")


def test_annotators(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url + "/annotators", "Annotators")
    expect(page.get_by_role("button", name=re.compile("Download XLSX"))).to_be_visible()
    expect(page.get_by_text("seconds per label", exact=True)).to_be_visible()
    assert drawn_charts(page) == 2
    capture(page, screenshots / "annotators.png")


def test_costs_budget(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url + "/costs", "Costs")
    expect(page.get_by_text("Cost per accepted label")).to_be_visible()
    budget = page.get_by_label(re.compile(r"^Budget \("))
    budget.fill("5000")
    budget.press("Enter")
    expect(page.get_by_text(re.compile(r"the budget runs out in [\d,]+ days"))).to_be_visible(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    assert drawn_charts(page) == 3
    capture(page, screenshots / "costs.png")
