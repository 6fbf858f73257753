"""The Data page shows each live source's state: last sync, lag, errors."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from factories import event, write_csv
from labelline.ingest.pipeline import ingest_paths
from labelline.live.state import LiveState
from labelline.store import EventStore
from labelline.ui.live import live_sources

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventStore:
    st.cache_data.clear()
    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "good.csv", [event(n) for n in range(4)])], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    return store


def _state(store: EventStore, kind: str, target: str, **fields) -> LiveState:
    state = LiveState.open(store.root, kind, target)
    for name, value in fields.items():
        setattr(state, name, value)
    state.save(store.root)
    return state


def _data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["unrelated"] = "x"
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def test_no_live_source_says_how_to_start_one(store: EventStore) -> None:
    at = _data_page()
    assert any("labelline sync label-studio" in i.value and "labelline watch" in i.value for i in at.info)


def test_live_sources_with_lag_and_errors(store: EventStore) -> None:
    now = datetime.now(timezone.utc)
    stamp = (now - timedelta(seconds=42)).isoformat()
    _state(store, "label-studio", "http://ls.example:8080", running=True, pid=os.getpid(), interval_s=60.0,
           last_success_at=stamp, last_change_at=stamp, ingested=120, updated=7, retired=2, runs=9)
    _state(store, "watch", "/srv/exports", running=True, pid=os.getpid(), interval_s=5.0, runs=3,
           consecutive_errors=2, last_error="/srv/exports: no such folder", last_error_at=now.isoformat())
    frame = live_sources(store, now)
    by_source = frame.set_index("source")
    assert by_source.loc["Label Studio sync", "state"] == "running"
    assert by_source.loc["Label Studio sync", "lag_s"] == pytest.approx(42, abs=1)
    assert by_source.loc["watched folder", "state"] == "failing"
    at = _data_page()
    assert any("/srv/exports: no such folder" in e.value for e in at.error)
    shown = next(d.value for d in at.dataframe if "lag_s" in d.value.columns)
    assert list(shown["new"]) == [120, 0] or list(shown["new"]) == [0, 120]


def test_a_stopped_or_late_source_is_called_so(store: EventStore) -> None:
    now = datetime.now(timezone.utc)
    old = (now - timedelta(minutes=10)).isoformat()
    _state(store, "label-studio", "http://late:8080", running=True, pid=os.getpid(), interval_s=60.0,
           last_success_at=old)
    _state(store, "label-studio", "http://gone:8080", running=True, pid=2**22 + 12345, interval_s=60.0,
           last_success_at=old)
    states = dict(zip(live_sources(store, now)["target"], live_sources(store, now)["state"]))
    assert states == {"http://late:8080": "late", "http://gone:8080": "stopped"}


def test_flow_page_shows_new_events_on_its_next_refresh(store: EventStore, tmp_path: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["unrelated"] = "x"
    at.run()
    at.switch_page("pages/flow.py").run()
    assert not at.exception
    assert at.selectbox(key="flow_refresh").value == "30 s"
    before = {m.label: m.value for m in at.metric}["Throughput (items/day)"]
    more = [event(n, item_id=f"new-{n}") for n in range(40, 46)]
    ingest_paths([write_csv(tmp_path / "more.csv", more)], store)
    at.run()  # what the fragment's timer does: the same script, the store's newest snapshot
    after = {m.label: m.value for m in at.metric}["Throughput (items/day)"]
    assert float(after) == float(before) + 6  # one day of data: six more items finished that day
