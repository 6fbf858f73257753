"""Browser tests: a real Streamlit server on 127.0.0.1 and Debian's chromium through Playwright.

`make test` installs chromium; elsewhere these tests skip and say why. Never
`playwright install`: it downloads a browser, which cannot work offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("pytest_playwright")

from browser_support import CHROMIUM, launch_args, serve  # noqa: E402

if not os.path.exists(CHROMIUM):
    pytest.skip("Debian chromium is not installed (make test installs it): browser tests skipped",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


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
