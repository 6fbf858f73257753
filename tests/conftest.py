"""Shared fixtures: a fresh store per test and a writer of small canonical event files."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager

from factories import write_csv
from labelline.store import EventStore


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed key: pseudonyms are then predictable across a test's ingests."""
    monkeypatch.setenv("LABELLINE_PSEUDONYM_KEY", "test-key")
    monkeypatch.delenv("LABELLINE_STORE_RAW_WORKER_IDS", raising=False)


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "store")


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: Iterable[dict[str, Any]], name: str = "events.csv", **kw: Any) -> Path:
        return write_csv(tmp_path / name, rows, **kw)

    return make



@pytest.fixture(autouse=True)
def served_navigation() -> Iterator[Callable[[], None]]:
    """Every run goes through app.py, as on a server once app.py has called st.navigation.

    AppTest re-detects the pages/ folder before each run and so runs a page file by itself
    (Streamlit's legacy multipage mode) from the second run on, skipping the frame under test.
    A server does that at most on its first run; test_a_deep_link_before_the_frame_ran covers it.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    def legacy_mode() -> None:  # for the test of a fresh server
        PagesManager.__init__ = original  # type: ignore[method-assign]

    PagesManager.__init__ = init  # type: ignore[method-assign]
    try:
        yield legacy_mode
    finally:
        PagesManager.__init__ = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True, scope="session")
def _stop_the_dashboards_process_pool() -> Iterator[None]:
    """AppTests of the planning pages start the dashboard's shared process pool in this process;
    stop its workers when the session ends rather than leaving them to interpreter exit."""
    yield
    from labelline.ui import jobs

    jobs.shutdown()
