"""Browser tests: a real Streamlit server on 127.0.0.1 and Debian's chromium through Playwright.

`make test` installs chromium; elsewhere these tests skip and say why. Never
`playwright install`: it downloads a browser, which cannot work offline.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("pytest_playwright")

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
if not os.path.exists(CHROMIUM):
    pytest.skip("Debian chromium is not installed (make test installs it): browser tests skipped",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    from labelline.demo import generate_demo_events
    from labelline.ingest.pipeline import ingest_paths
    from labelline.store import EventStore

    tmp = tmp_path_factory.mktemp("e2e")
    pq.write_table(generate_demo_events(seed=11, days=21), tmp / "demo.parquet")
    store = EventStore(tmp / "store")
    ingest_paths([tmp / "demo.parquet"], store)
    bad = tmp / "late-export.csv"
    bad.write_text("event_id,project,item_id,task_type,stage,worker_id,tier,submitted_at,outcome\n"
                   "x1,p,i1,classification,label,w1,crowd,yesterday,submitted\n")
    ingest_paths([bad], store)
    return store.root


@pytest.fixture(scope="session")
def app_url(demo_store: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "LABELLINE_STORE": str(demo_store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
