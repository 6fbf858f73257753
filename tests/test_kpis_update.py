"""Updating the KPI tables after an ingest gives the same tables as building them afresh.

Each test changes a store the way live use does (new days of work, edited answers, deleted
tasks, several ingests in a row), lets build_kpi_tables update the previous snapshot's file,
and compares every table, row for row, with a full build of a copy of the same store. It
also checks that the update really was one (``build_info``), and that it steps aside for a
full build where an update cannot be trusted.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from factories import event
from labelline.ingest.pipeline import ingest_paths
from labelline.ingest.retire import retire_items
from labelline.kpis import update
from labelline.kpis.tables import BUILD_STEPS, build_kpi_tables
from labelline.store import EventStore


@pytest.fixture(scope="module")
def demo_events() -> pa.Table:
    from labelline.demo import generate_demo_events

    return generate_demo_events(seed=3, days=42)


def _before(events: pa.Table, days: float) -> pa.Table:
    """The events submitted more than ``days`` before the last one."""
    end = pc.max(events["submitted_at"]).as_py() - timedelta(days=days)
    return events.filter(pc.less(events["submitted_at"], pa.scalar(end, events.schema.field("submitted_at").type)))


def _edited(events: pa.Table, every: int) -> pa.Table:
    """Every ``every``-th label changed: an annotator corrected their answer."""
    labels = events["label"].to_pylist()
    for i in range(0, len(labels), every):
        if labels[i] is not None:
            labels[i] += "-corrected"
    return events.set_column(events.schema.get_field_index("label"), "label",
                             pa.array(labels, events.schema.field("label").type))


def _ingest(store: EventStore, table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)
    ingest_paths([path], store, fmt="events")


def _info(path: Path) -> update.UpdateInfo:
    with duckdb.connect(str(path), read_only=True) as con:
        return update.UpdateInfo(*con.execute("select * from build_info").fetchone())


def _same_as_full_build(store: EventStore, built: Path, tmp_path: Path) -> None:
    """Every table of ``built`` equals a full build of the same store (floats: sums in another order)."""
    copy = EventStore(tmp_path / f"full-{built.stem}")
    shutil.copytree(store.root, copy.root, ignore=shutil.ignore_patterns("derived"))
    full = build_kpi_tables(copy)
    assert _info(full).updates_since_full == 0
    with duckdb.connect(str(built), read_only=True) as a, duckdb.connect(str(full), read_only=True) as b:
        for table in BUILD_STEPS:
            left = a.execute(f"select * from {table} order by all").df()
            right = b.execute(f"select * from {table} order by all").df()
            pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9, obj=table)
        assert a.execute("select count(*) from facts").fetchone()[0] > 0


def test_new_days_and_corrected_answers_are_updated_in_place(tmp_path, demo_events) -> None:
    store = EventStore(tmp_path / "store")
    _ingest(store, _before(demo_events, 2), tmp_path / "a.parquet")
    first = build_kpi_tables(store)
    assert _info(first).updates_since_full == 0
    _ingest(store, _edited(demo_events, 997), tmp_path / "b.parquet")  # two more days, some answers edited
    second = build_kpi_tables(store)
    info = _info(second)
    assert info.updates_since_full == 1 and info.full_build_version == _info(first).events_version
    assert 0 < info.changed_items < 1000  # the new days' items and the edited ones, not all 18k
    _same_as_full_build(store, second, tmp_path)


def test_deleted_tasks_and_a_chain_of_updates(tmp_path, demo_events) -> None:
    store = EventStore(tmp_path / "store")
    _ingest(store, _before(demo_events, 3), tmp_path / "a.parquet")
    build_kpi_tables(store)
    _ingest(store, _before(demo_events, 1), tmp_path / "b.parquet")
    build_kpi_tables(store)
    first = demo_events.slice(0, 1).to_pylist()[0]
    items = pc.unique(demo_events.filter(pc.equal(demo_events["project"], first["project"]))["item_id"])
    retired = retire_items(store, first["source"], first["project"], items.to_pylist()[:25], "test: deleted")
    assert retired.retired > 0
    third = build_kpi_tables(store)
    assert _info(third).updates_since_full == 2
    _same_as_full_build(store, third, tmp_path)


def test_a_project_crossing_full_review_is_built_afresh(tmp_path, csv_file) -> None:
    """Nine of ten items judged is 'fully reviewed': every unjudged item's status moves, so no update."""
    store = EventStore(tmp_path / "store")
    labels = [event(2 * i, item_id=f"item-{i}") for i in range(10)]

    def review(i: int) -> dict:
        return event(1000 + i, item_id=f"item-{i}", stage="review", outcome="accepted", label=None,
                     reviews_event_id=f"e{2 * i}", submitted_at="2025-03-02T10:00:00Z", worker_id="lead")

    ingest_paths([csv_file(labels + [review(i) for i in range(8)], name="a.csv")], store, fmt="events")
    build_kpi_tables(store)
    ingest_paths([csv_file([review(8)], name="b.csv")], store, fmt="events")
    after = build_kpi_tables(store)
    assert _info(after).updates_since_full == 0
    with duckdb.connect(str(after), read_only=True) as con:
        assert con.execute("select status from items where item_id = 'item-9'").fetchone()[0] == "awaiting_review"
    _same_as_full_build(store, after, tmp_path)


def test_a_vacuumed_file_means_a_full_build(tmp_path, demo_events) -> None:
    store = EventStore(tmp_path / "store")
    _ingest(store, _before(demo_events, 2), tmp_path / "a.parquet")
    build_kpi_tables(store)
    before = set(store.snapshot().events.files)
    _ingest(store, _edited(_before(demo_events, 2), 500), tmp_path / "b.parquet")  # rewrites files
    gone = before - set(store.snapshot().events.files)
    assert gone
    for f in gone:
        Path(f).unlink()  # as `labelline compact` does a week later
    after = build_kpi_tables(store)
    assert _info(after).updates_since_full == 0
    _same_as_full_build(store, after, tmp_path)


def test_a_large_change_means_a_full_build(tmp_path, demo_events) -> None:
    store = EventStore(tmp_path / "store")
    _ingest(store, _before(demo_events, 30), tmp_path / "a.parquet")
    build_kpi_tables(store)
    _ingest(store, demo_events, tmp_path / "b.parquet")  # most items are new
    assert _info(build_kpi_tables(store)).updates_since_full == 0


def test_a_long_chain_of_updates_ends_in_a_full_build(tmp_path, csv_file, monkeypatch) -> None:
    """Updates append rows out of time order; after MAX_UPDATES of them the tables are built afresh."""
    store = EventStore(tmp_path / "store")
    ingest_paths([csv_file([event(n) for n in range(40)], name="a.csv")], store, fmt="events")  # 20 items
    build_kpi_tables(store)
    ingest_paths([csv_file([event(41)], name="b.csv")], store, fmt="events")
    second = build_kpi_tables(store)
    assert _info(second).changed_items == 1 and _info(second).updates_since_full == 1
    monkeypatch.setattr(update, "MAX_UPDATES", 1)
    ingest_paths([csv_file([event(43)], name="c.csv")], store, fmt="events")
    assert _info(build_kpi_tables(store)).updates_since_full == 0  # the chain is long enough: afresh


def test_a_full_build_a_few_weeks_at_a_time_is_the_same(tmp_path, demo_events, monkeypatch) -> None:
    """`facts` written in runs of weeks (as at 100M events) equals one pass, and stays in time order."""
    from labelline.kpis import tables

    store = EventStore(tmp_path / "store")
    _ingest(store, demo_events, tmp_path / "a.parquet")
    monkeypatch.setattr(tables, "CHUNK_EVENTS", 4000)  # the demo's six weeks: about one week a run
    built = build_kpi_tables(store)
    with duckdb.connect(str(built), read_only=True) as con:
        times = [t for (t,) in con.execute("select submitted_at from facts").fetchall()]
        assert times == sorted(times)
    monkeypatch.setattr(tables, "CHUNK_EVENTS", 10**9)
    _same_as_full_build(store, built, tmp_path)
