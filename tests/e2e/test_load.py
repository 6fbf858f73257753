"""A load check: several sessions at once on 127.0.0.1, one of them running a long simulation.

The simulation runs in the server's shared process pool, so the health endpoint must keep
answering quickly and other sessions must keep rendering while it runs; no page may show an
exception.
"""

from __future__ import annotations

import time
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SESSIONS = ("", "flow", "quality", "costs")  # four readers besides the one simulating


def health_s(app_url: str) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as response:
        assert response.status == 200
    return time.perf_counter() - t0


def test_sessions_stay_responsive_while_a_simulation_runs(browser: Browser, app_url: str) -> None:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(len(SESSIONS) + 1)]
    try:
        pages = [c.new_page() for c in contexts]
        for page in pages:  # the frame first in every session (a fresh server's deep link goes to the default page)
            page.goto(app_url)
        for page in pages:
            page.wait_for_selector(IDLE, timeout=120_000)

        simulating = pages[0]
        simulating.goto(f"{app_url}/simulator")
        expect(simulating.get_by_role("heading", name="Simulator", exact=True)).to_be_visible(timeout=90_000)
        box = simulating.locator('[data-testid="stSelectbox"]').filter(has_text="Example scenario")
        box.locator("input").click()
        simulating.get_by_role("option", name="rework_line", exact=True).click()  # four stages: slower
        simulating.wait_for_selector(IDLE, timeout=90_000)
        simulating.get_by_role("slider").first.focus()
        simulating.keyboard.press("End")  # 30 replications: half a minute or more of work
        simulating.wait_for_selector(IDLE, timeout=90_000)
        simulating.get_by_role("button", name="Run simulation").click()
        expect(simulating.get_by_text("Replication ", exact=False).first).to_be_visible(timeout=60_000)

        # While it runs: every reader opens its page, and the health endpoint is polled.
        started = time.perf_counter()
        for page, path in zip(pages[1:], SESSIONS, strict=True):
            page.goto(f"{app_url}/{path}", wait_until="commit")
        latencies = []
        rendered: dict[str, float] = {}
        while len(rendered) < len(SESSIONS) and time.perf_counter() - started < 180:
            latencies.append(health_s(app_url))
            for page, path in zip(pages[1:], SESSIONS, strict=True):
                if path not in rendered and page.locator(IDLE).count() and page.locator("h1").count():
                    rendered[path] = time.perf_counter() - started
            time.sleep(0.25)
        still_simulating = simulating.get_by_text("Replication ", exact=False).count() > 0
        assert len(rendered) == len(SESSIONS), f"pages not rendered within 180 s: {set(SESSIONS) - set(rendered)}"
        assert max(latencies) < 5.0, f"health endpoint took {max(latencies):.2f} s"  # 0.5-1.2 s measured under load
        assert still_simulating, "the simulation ended before the readers were served: make it longer"
        for page in pages[1:]:
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        expect(simulating.get_by_text("Bottleneck: ", exact=False)).to_be_visible(timeout=600_000)
        expect(simulating.locator('[data-testid="stException"]')).to_have_count(0)
        print(f"health max {max(latencies):.3f} s over {len(latencies)} polls; pages rendered after "
              + ", ".join(f"{p or 'overview'} {s:.1f} s" for p, s in rendered.items()))
    finally:
        for c in contexts:
            c.close()
