"""Shared fixtures: a fresh store per test and a writer of small canonical event files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

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

