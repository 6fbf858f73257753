"""Page render times in a real browser on a large store: every page, cold and warm.

Builds (or reuses, with --store) a store of synthetic events (benchmarks/synth_log.py,
ingested through the CLI so the KPI tables are prepared as in production), starts the
dashboard on 127.0.0.1, and opens each page in headless Chromium (Debian's):

- cold: the first visit after the server started (every cache empty);
- warm: a second visit in a fresh browser context (the server's caches filled, the
  browser's not).

A page counts as rendered when its script has finished and every chart on it has drawn.
The baseline, measured in the same run on the same server, is a page with one line of text
and nothing else: what any Streamlit page costs in this browser on this machine, so the
ratio says what Labelline's own work adds. The machine is shared and noisy; read the ratio.

Targets (issue 6): each page under 1.5 s warm and under 4 s cold on a 10M-event store.
Ends with one line of key=value figures: ``<page>_cold=... <page>_warm=...`` for every page.

    python benchmarks/pages.py --events 1e7
    python benchmarks/pages.py --store /path/to/store   # an existing store
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_log import write_synthetic_log  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# url path -> name; "" is the default page (Overview).
PAGES = {"": "overview", "flow": "flow", "quality": "quality", "annotators": "annotators", "costs": "costs",
         "simulator": "simulator", "scenarios": "scenarios", "staffing": "staffing", "data": "data"}
BASELINE_SCRIPT = 'import streamlit as st\nst.write("baseline")\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, store: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, LABELLINE_STORE=str(store))
    proc = subprocess.Popen(
        [str(BIN / "streamlit"), "run", str(script), "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start on port {port}")


def _render_s(browser, url: str) -> float | None:  # noqa: ANN001
    """Seconds from navigation to script finished and every chart drawn; None if the page is missing."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(IDLE, timeout=120_000)
        if page.get_by_text("Page not found").count():
            return None
        charts = page.locator('[data-testid="stPlotlyChart"]').count()
        deadline = time.time() + 60
        while page.locator('[data-testid="stPlotlyChart"] .main-svg').count() < charts and time.time() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - t0
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"{url}: the page shows an exception")
        return elapsed
    finally:
        context.close()


def _build_store(events: int, tmp: Path) -> Path:
    log = tmp / "events.csv"
    write_synthetic_log(log, events)
    store = tmp / "store"
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "labelline"), "ingest", str(log), "--store", str(store)], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"store of {events:,} events built in {time.perf_counter() - t0:.0f} s (ingest + KPI tables)", flush=True)
    log.unlink()
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=float, default=1e7, help="synthetic events to generate (default 1e7)")
    parser.add_argument("--store", type=Path, help="use this existing store instead of generating one")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = args.store or _build_store(int(args.events), tmp)
        baseline_script = tmp / "baseline.py"
        baseline_script.write_text(BASELINE_SCRIPT)
        app_port, base_port = _free_port(), _free_port()
        app = _serve(ROOT / "app.py", store, app_port)
        base = _serve(baseline_script, store, base_port)
        figures: dict[str, float] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                base_url = f"http://127.0.0.1:{base_port}/"
                _render_s(browser, base_url)  # the first visit also pays the server's own start-up
                figures["baseline"] = min(_render_s(browser, base_url) for _ in range(3))
                for path, name in PAGES.items():
                    url = f"http://127.0.0.1:{app_port}/{path}"
                    cold = _render_s(browser, url)
                    if cold is None:
                        print(f"{name}: not in this app, skipped", flush=True)
                        continue
                    warm = _render_s(browser, url)
                    figures[f"{name}_cold"], figures[f"{name}_warm"] = cold, warm
                    print(f"{name:<11} cold {cold:6.2f} s   warm {warm:6.2f} s   "
                          f"(warm {warm / figures['baseline']:.1f}x the baseline page)", flush=True)
                browser.close()
        finally:
            for proc in (app, base):
                proc.terminate()
                proc.wait(timeout=30)
    worst_warm = max(v for k, v in figures.items() if k.endswith("_warm"))
    worst_cold = max(v for k, v in figures.items() if k.endswith("_cold"))
    print(f"baseline page {figures['baseline']:.2f} s; slowest page warm {worst_warm:.2f} s (target 1.5), "
          f"cold {worst_cold:.2f} s (target 4)")
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()) + f" warm_ratio={worst_warm / figures['baseline']:.2f}")


if __name__ == "__main__":
    main()
