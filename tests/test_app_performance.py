"""What makes the dashboard fast on large stores, under AppTest (docs/performance.md).

Every KPI page drawn through the rollups (a store of a million events or more reads them;
here the threshold is lowered to zero), the warm-up computing exactly what each page reads
on its first run (afterwards nothing may compute: the pages render from the cache alone),
and the warm-up thread starting only on a real server.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from labelline.ingest.pipeline import ingest_paths
from labelline.kpis.tables import build_kpi_tables
from labelline.store import EventStore
from labelline.ui import kpis

ROOT = Path(__file__).resolve().parents[1]
KPI_PAGES = ["pages/overview.py", "pages/flow.py", "pages/quality.py", "pages/annotators.py", "pages/costs.py"]


def _demo_store(root: Path, days: int) -> EventStore:
    from labelline.demo import generate_demo_events

    pq.write_table(generate_demo_events(seed=5, days=days), root / "demo.parquet")
    store = EventStore(root / "store")
    ingest_paths([root / "demo.parquet"], store)
    build_kpi_tables(store)  # as `labelline ingest` does
    return store


def _open(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if path != "pages/overview.py":
        at.switch_page(path).run()
    return at


@pytest.mark.parametrize("path", KPI_PAGES)
def test_every_kpi_page_renders_through_the_rollups(path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _demo_store(tmp_path, days=10)
    monkeypatch.setattr("labelline.kpis.session.ROLLUP_MIN_EVENTS", 0)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    at = _open(path)
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    if path in ("pages/overview.py", "pages/flow.py"):
        assert "≈" in captions  # approximate percentiles are marked as such


def test_the_warm_up_computes_what_every_page_reads_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _demo_store(tmp_path, days=10)
    monkeypatch.setenv("LABELLINE_STORE", str(store.root))
    st.cache_data.clear()
    kpis.warm(store)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed on the page's first run instead of read from the warm-up's cache")

    monkeypatch.setattr("labelline.kpis.session.open_kpis", refuse)
    monkeypatch.setattr("labelline.kpis.store_summary.open_prepared", refuse)
    monkeypatch.setattr(EventStore, "status", refuse)
    for path in KPI_PAGES:
        at = _open(path)
        assert not at.exception, (path, [e.value for e in at.exception])
        assert at.title[0].value != "Sign in to Labelline"


def test_the_warm_up_thread_starts_only_on_a_real_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not kpis.start_warmup(str(tmp_path))  # no server at all
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "nowhere"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # app.py asks on every run
    assert not at.exception
    assert not any(t.name == "labelline-warmup" for t in threading.enumerate())


def test_the_warm_up_waits_for_the_kpi_tables_and_survives_a_failure(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """One round of the thread's loop: no KPI tables, nothing warmed (and none built); then warmed; errors logged."""
    from factories import event, write_csv

    store = EventStore(tmp_path / "store")
    ingest_paths([write_csv(tmp_path / "log.csv", [event(1), event(2)])], store)
    warmed: list[str] = []

    class Stop(Exception):
        pass

    def one_round(seconds: float) -> None:
        raise Stop

    monkeypatch.setattr(kpis.time, "sleep", one_round)
    monkeypatch.setattr(kpis, "warm", lambda s: warmed.append(str(s.root)))
    with pytest.raises(Stop):
        kpis._keep_warm(str(store.root))
    assert warmed == [] and not (store.root / "derived").exists()
    build_kpi_tables(store)
    with pytest.raises(Stop):
        kpis._keep_warm(str(store.root))
    assert warmed == [str(store.root)]

    def broken(s: EventStore) -> None:
        raise RuntimeError("a broken store")

    monkeypatch.setattr(kpis, "warm", broken)
    with pytest.raises(Stop):  # the error is logged, the loop goes on to its next check
        kpis._keep_warm(str(store.root))


def test_the_warm_up_gives_way_to_pages_being_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(kpis, "_QUIET_S", 0.5)
    kpis.note_page_run()  # a page run just started (or ended)
    t0 = time.monotonic()
    kpis._give_way()
    assert time.monotonic() - t0 >= 0.4
    monkeypatch.setattr(kpis, "_last_page_run", time.monotonic() - 10)
    t0 = time.monotonic()
    kpis._give_way()
    assert time.monotonic() - t0 < 0.1
