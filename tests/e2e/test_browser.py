"""Every page in a real browser: it renders, shows no exception, and is captured for a look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page: Page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_overview(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(app_url)
    settle(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(5)
    expect(page.get_by_text("events per day", exact=True)).to_be_visible()  # the y axis says its unit
    expect(page.get_by_text("items finished per day", exact=True)).to_be_visible()
    expect(page.get_by_text("Cost per accepted label")).to_be_visible()  # a headline KPI from the KPI engine
    expect(page.get_by_text("Operations", exact=True)).to_be_visible()  # navigation sections, not a file list
    page.screenshot(path=str(screenshots / "overview.png"), full_page=True)


def test_data_page_by_navigation_and_by_url(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(app_url)
    settle(page)
    page.get_by_role("link", name="Ingests & quarantine").click()
    expect(page.get_by_role("heading", name="Quarantine", exact=True)).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.get_by_role("heading", name="Ingested files")).to_be_visible()
    expect(page.get_by_text(re.compile(r"1 record could not be ingested"))).to_be_visible()
    page.screenshot(path=str(screenshots / "data.png"), full_page=True)
    page.goto(app_url + "/data")
    settle(page)
    expect(page.get_by_role("heading", name="Quarantine", exact=True)).to_be_visible()
