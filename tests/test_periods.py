"""Reporting periods and the Overview's deltas: hand-checked dates and a page that shows them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from labelline.ingest.pipeline import ingest_paths
from labelline.kpis.filters import KpiFilter
from labelline.kpis.periods import period_filters, relative_change
from labelline.store import EventStore

from factories import event, write_csv

ROOT = Path(__file__).resolve().parents[1]


def test_last_seven_days_and_the_seven_before() -> None:
    p = period_filters(KpiFilter(projects=["a"]), date(2026, 5, 1), date(2026, 11, 6), 7)
    assert (p.current.since, p.current.until) == (date(2026, 10, 31), date(2026, 11, 6))
    assert (p.previous.since, p.previous.until) == (date(2026, 10, 24), date(2026, 10, 30))
    assert p.current.projects == ("a",) and p.previous.projects == ("a",)  # other filters carried over
    assert p.label == "7 days to 2026-11-06" and p.previous_label == "previous 7 days"


def test_no_previous_period_when_the_data_is_shorter() -> None:
    p = period_filters(KpiFilter(), date(2026, 11, 3), date(2026, 11, 6), 7)
    assert (p.current.since, p.current.until) == (date(2026, 11, 3), date(2026, 11, 6))
    assert p.previous is None and p.previous_label is None


def test_sidebar_range_gives_the_previous_range_of_equal_length() -> None:
    flt = KpiFilter(since=date(2026, 10, 1), until=date(2026, 10, 31))
    p = period_filters(flt, date(2026, 5, 1), date(2026, 11, 6), None)
    assert p.current == flt
    assert (p.previous.since, p.previous.until) == (date(2026, 8, 31), date(2026, 9, 30))  # 31 days
    whole = period_filters(KpiFilter(), date(2026, 5, 1), date(2026, 11, 6), None)
    assert whole.previous is None and whole.current == KpiFilter()


def test_relative_change() -> None:
    assert relative_change(110, 100) == pytest.approx(0.10)
    assert relative_change(90, -100) == pytest.approx(1.9)
    assert relative_change(5, 0) is None and relative_change(None, 3) is None


def test_overview_shows_deltas_against_the_previous_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Week 1 (Mar 1-7): 2 items finished; week 2 (Mar 8-14): 4 items. Each item is one label on one day.
    rows = []
    for n, day in enumerate([1, 5, 8, 9, 12, 14]):
        stamp = f"2025-03-{day:02d}T10:00:00Z"
        rows.append(event(2 * n, item_id=f"item-{n}", queued_at=stamp, started_at=stamp,
                          submitted_at=f"2025-03-{day:02d}T10:00:30Z"))
    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "two-weeks.csv", rows)], store)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["overview_period"] = "Last 7 days"
    at.run()
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    # 4 items over the 7 days to Mar 14 against 2 over the 7 before: +100 %.
    assert tiles["Throughput"].value == "1 items/day"  # 4 / 7 = 0.57, shown rounded
    assert tiles["Throughput"].proto.delta == "+100.0%"
    assert any("7 days to 2025-03-14" in h.value for h in at.subheader)


def test_overview_without_a_store_says_how_to_get_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "nowhere"))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    text = " ".join(i.value for i in at.info)
    assert "There is no event store at" in text and "labelline ingest" in text and "make run" in text
    assert not at.metric  # no tiles of zeros pretending to be data
