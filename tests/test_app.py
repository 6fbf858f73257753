"""The dashboard under Streamlit's AppTest: every page renders the store it is pointed at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore

from factories import event, write_csv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    st.cache_data.clear()  # shared across AppTest instances in one process


@pytest.fixture
def small_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EventStore:
    store = EventStore(tmp_path / "store")
    # The review judges e1, a label of item-0 (a review is a stage of the item it judges).
    rows = [event(n) for n in range(6)] + [event(10, stage="review", outcome="accepted", reviews_event_id="e1",
                                                 item_id="item-0", worker_id="r1", tier="expert")]
    ingest_paths([write_csv(tmp_path / "good.csv", rows)], store)
    ingest_paths([write_csv(tmp_path / "bad.csv", [event(20), event(21, active_s=-4)])], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    return store


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["unrelated"] = "x"  # AppTest reads the real secrets file unless given some: demo mode here
    return at


def test_overview_tiles_and_charts(small_store: EventStore) -> None:
    at = app().run()
    assert not at.exception
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Events"] == "8" and tiles["Items"] == "4" and tiles["Workers"] == "4"
    assert tiles["Quarantined records"] == "1" and tiles["Projects"] == "1"
    # The headline KPIs come from the KPI engine: one of the six labels was reviewed and accepted.
    assert tiles["First-pass acceptance"] == "100.0%"
    assert tiles["Gold accuracy"] == "n/a"  # no gold items: no data, not zero
    assert all(m.help for m in at.metric)  # every tile says what it counts
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 5
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert titles[0].startswith("Throughput") and titles[1].startswith("Backlog")
    for chart in charts:
        assert chart["layout"]["xaxis"]["title"]["text"] and chart["layout"]["yaxis"]["title"]["text"]
    daily = charts[2]["layout"]
    assert daily["xaxis"]["title"]["text"] == "day (UTC)" and daily["yaxis"]["title"]["text"] == "events per day"
    assert {trace["name"] for trace in charts[2]["data"]} == {"label", "review"}


def test_data_page_lists_ingests_and_the_quarantined_record(small_store: EventStore) -> None:
    at = app().run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    log, bad = at.dataframe[0].value, at.dataframe[1].value
    assert list(log["source_file"].map(lambda p: Path(p).name)) == ["bad.csv", "good.csv"]
    assert list(log["records"]) == [2, 7]
    assert list(bad["field"]) == ["active_s"] and list(bad["record"]) == [2]


def test_empty_states_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "nowhere"))
    at = app().run()
    assert not at.exception
    assert "labelline demo" in at.info[0].value and "labelline ingest" in at.info[0].value
    at.switch_page("pages/data.py").run()
    assert not at.exception and "labelline ingest" in at.info[0].value


def test_a_new_ingest_shows_without_restarting(small_store: EventStore, tmp_path: Path) -> None:
    at = app().run()
    assert {m.label: m.value for m in at.metric}["Events"] == "8"
    ingest_paths([write_csv(tmp_path / "more.csv", [event(n) for n in range(30, 34)])], small_store)
    at.run()
    assert {m.label: m.value for m in at.metric}["Events"] == "12"
