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
from contextlib import contextmanager
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


@contextmanager
def serve(store: Path, secrets: Path) -> Iterator[str]:
    """A Streamlit server for app.py on a free port of 127.0.0.1, reading only the given secrets file."""
    port = _free_port()
    env = {**os.environ, "LABELLINE_STORE": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--secrets.files", str(secrets)],
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
def app_url(demo_store: Path, tmp_path_factory) -> Iterator[str]:
    """The dashboard in single-user demo mode: a secrets file without accounts (a developer's own is not read)."""
    secrets = tmp_path_factory.mktemp("demo-secrets") / "secrets.toml"
    secrets.write_text("# no accounts: single-user demo mode\n")
    with serve(demo_store, secrets) as url:
        yield url


# Accounts of the signed-in server: one per role, all with this password.
PASSWORD = "e2e password 42"


@pytest.fixture(scope="session")
def accounts_store(tmp_path_factory) -> Path:
    """A small store of its own: the signed-in tests upload into it."""
    from labelline.demo import generate_demo_events
    from labelline.ingest.pipeline import ingest_paths
    from labelline.store import EventStore

    tmp = tmp_path_factory.mktemp("e2e-accounts")
    pq.write_table(generate_demo_events(seed=5, days=7), tmp / "demo.parquet")
    store = EventStore(tmp / "store")
    ingest_paths([tmp / "demo.parquet"], store)
    return store.root


@pytest.fixture(scope="session")
def accounts_url(accounts_store: Path, tmp_path_factory) -> Iterator[str]:
    """The dashboard with local accounts (admin, ops, viewer) in a secrets file, as .streamlit/secrets.toml.example."""
    from streamlit_authenticator.utilities.hasher import Hasher

    hashed = Hasher.hash(PASSWORD)
    lines = ['pseudonym_key = "' + "p" * 64 + '"', "", "[cookie]", 'name = "labelline_e2e"',
             'key = "' + "c" * 40 + '"', "expiry_days = 1", ""]
    for role in ("admin", "ops", "viewer"):
        lines += [f"[credentials.usernames.{role}]", f'name = "{role.title()} User"', f'email = "{role}@example.com"',
                  f'password = "{hashed}"', f'roles = ["{role}"]', ""]
    secrets = tmp_path_factory.mktemp("accounts-secrets") / "secrets.toml"
    secrets.write_text("\n".join(lines))
    with serve(accounts_store, secrets) as url:
        yield url


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
