"""The frame in a real browser: demo notice, signing in through the form, roles, an upload.

The signed-in tests run against their own server (accounts in a secrets file, a store of
its own). The deep-link test comes first on purpose: it is then that server's first
request, when Streamlit may still serve pages/ files without app.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from labelline import audit

pytestmark = pytest.mark.e2e

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SIGN_IN = "Sign in to Labelline"


def settle(page: Page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url)
    settle(page)
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible(timeout=30_000)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_deep_link_to_data_before_anyone_signed_in_shows_no_data(page: Page, accounts_url: str,
                                                                   screenshots: Path) -> None:
    page.goto(accounts_url + "/data")
    settle(page)
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Ingested files")).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    expect(page.get_by_label("Username")).to_be_visible()
    page.screenshot(path=str(screenshots / "frame-deep-link.png"), full_page=True)


def test_demo_mode_says_so_in_the_sidebar(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(app_url)
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Single-user demo mode")).to_be_visible(timeout=30_000)
    expect(sidebar.get_by_text("Audit log")).to_be_visible()  # the single user is admin
    expect(sidebar.get_by_text("Project", exact=True)).to_be_visible()  # the shared filters
    page.screenshot(path=str(screenshots / "frame-demo.png"), full_page=True)


def test_sign_in_through_the_form(page: Page, accounts_url: str, accounts_store: Path, screenshots: Path) -> None:
    sign_in(page, accounts_url, "admin", "wrong password")
    expect(page.get_by_text("Wrong username or password.")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(screenshots / "frame-sign-in-failed.png"), full_page=True)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(re.compile(r"Signed in as admin · admin"))).to_be_visible()
    expect(sidebar.get_by_text("Audit log")).to_be_visible()
    page.screenshot(path=str(screenshots / "frame-signed-in-admin.png"), full_page=True)

    assert "admin" in set(audit.read(accounts_store, actions=["sign_in"])["who"])
    page.reload()  # the signed re-login cookie keeps the user signed in
    settle(page)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
    expect(sidebar.get_by_text(re.compile(r"Signed in as admin"))).to_be_visible()
    sidebar.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible(timeout=30_000)
    settle(page)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    page.screenshot(path=str(screenshots / "frame-audit.png"), full_page=True)

    sidebar.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible(timeout=30_000)
    settle(page)
    page.reload()  # signing out removed the cookie too
    settle(page)
    expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible(timeout=30_000)
    assert "sign_out" in set(audit.read(accounts_store)["action"])


def test_a_viewer_sees_fewer_pages_and_cannot_upload(page: Page, accounts_url: str) -> None:
    sign_in(page, accounts_url, "viewer")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
    settle(page)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Quality", exact=True).first).to_be_visible()
    expect(nav.get_by_text("Ingests & quarantine")).to_have_count(0)
    expect(nav.get_by_text("Audit log")).to_have_count(0)
    page.goto(accounts_url + "/audit")  # a URL is no way round it (a new session: sign in again)
    settle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)


def test_upload_a_file_and_see_it_counted(page: Page, accounts_url: str, accounts_store: Path, tmp_path: Path,
                                          screenshots: Path) -> None:
    upload = tmp_path / "vendor-week.csv"
    upload.write_text(
        "event_id,project,item_id,task_type,stage,worker_id,tier,submitted_at,outcome,active_s\n"
        "up1,uploads,i1,classification,label,w1,crowd,2026-03-02T10:00:00Z,submitted,31\n"
        "up2,uploads,i2,classification,label,w2,crowd,2026-03-02T10:01:00Z,submitted,28\n"
        "up3,uploads,i3,classification,label,w1,crowd,2026-03-02T10:02:00Z,submitted,-5\n")
    sign_in(page, accounts_url, "ops")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
    settle(page)
    page.get_by_role("link", name="Ingests & quarantine").click()
    expect(page.get_by_role("heading", name="Ingested files")).to_be_visible(timeout=30_000)
    settle(page)
    page.get_by_text("Upload exports").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("vendor-week.csv").first).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Ingest").click()

    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Ingested")).to_contain_text("2", timeout=120_000)
    expect(metrics.filter(has_text="Quarantined")).to_contain_text("1")
    settle(page)
    page.screenshot(path=str(screenshots / "frame-upload.png"), full_page=True)

    entries = audit.read(accounts_store, actions=["ingest"])
    assert list(entries["who"]) == ["ops"] and "vendor-week.csv" in entries["details"][0]
