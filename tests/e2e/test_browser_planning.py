"""Simulator, Scenarios and Staffing in a real browser: run a simulation and read its results,
send the simulated log to the KPI pages, compare two scenarios and download the workbook,
size a line; a screenshot of each."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHART = '[data-testid="stPlotlyChart"] .main-svg'


def open_page(page: Page, app_url: str, path: str, heading: str) -> None:
    page.goto(app_url)  # the frame first: a fresh server sends a deep link to the default page
    page.wait_for_selector(IDLE, timeout=90_000)
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_selector(IDLE, timeout=90_000)


def set_number(page: Page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")
    page.wait_for_selector(IDLE, timeout=90_000)


def capture(page: Page, path: Path) -> None:
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 40, 1000), 12000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)


def test_simulator_runs_and_sends_its_log_to_the_kpi_pages(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url, "simulator", "Simulator")
    choose(page, "Example scenario", "mmc_validation")
    page.get_by_role("button", name="Run simulation").click()
    expect(page.get_by_text("Bottleneck: ", exact=False)).to_be_visible(timeout=300_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("utilisation (% of available hours)", exact=True)).to_be_visible()  # axis with unit
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 3
    capture(page, screenshots / "simulator.png")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_role("button", name="Send the simulated log to the KPI pages").click()
    expect(page.get_by_text("simulated events written", exact=False)).to_be_visible(timeout=300_000)
    # The sidebar now offers (and shows) the simulated store; the Overview reads it.
    page.get_by_role("link", name="Overview").click()
    page.wait_for_selector(IDLE, timeout=90_000)
    # The sidebar names the simulated store's folder, and the Overview counts its sources.
    expect(page.get_by_text(re.compile(r"store-simulated/mmc_validation")).first).to_be_visible()
    expect(page.get_by_text("sim:mmc_validation/0", exact=True).first).to_be_attached()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_scenarios_compare_two_and_download_the_workbook(page: Page, app_url: str, screenshots: Path,
                                                         tmp_path: Path) -> None:
    open_page(page, app_url, "scenarios", "Scenarios")
    set_number(page, "Simulate the first N days (0 = each scenario's horizon)", "2")
    page.get_by_role("button", name="Compare", exact=True).click()
    button = page.get_by_role("button", name="Download the comparison (XLSX)")
    expect(button).to_be_visible(timeout=600_000)  # the last element the comparison draws
    page.wait_for_selector(IDLE, timeout=90_000)
    expect(page.get_by_role("heading", name="Against baseline")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("vendor_overflow", exact=False).first).to_be_visible()
    page.wait_for_timeout(1000)  # a click on an element still being replaced is lost
    with page.expect_download(timeout=60_000) as download:
        button.click()
    path = tmp_path / "comparison.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert {"side_by_side", "differences", "Inputs"} <= set(book.sheetnames)
    capture(page, screenshots / "scenarios.png")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_role("tab", name="In-house vs vendor vs crowd").click()
    expect(page.get_by_text("cheapest per label is", exact=False)).to_be_visible(timeout=60_000)
    expect(page.locator(CHART).first).to_be_attached(timeout=60_000)
    capture(page, screenshots / "scenarios-breakeven.png")


def test_staffing_recommends_a_mix(page: Page, app_url: str, screenshots: Path) -> None:
    open_page(page, app_url, "staffing", "Staffing")
    page.get_by_role("button", name="Find the cheapest staffing").click()
    expect(page.get_by_role("heading", name="Recommendation")).to_be_visible(timeout=600_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    expect(page.locator(CHART).first).to_be_attached(timeout=90_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Why it is the cheapest:", exact=False)).to_be_visible()
    capture(page, screenshots / "staffing.png")
