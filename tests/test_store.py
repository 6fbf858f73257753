"""The event store: atomic, idempotent, upserting, readable by other engines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from labelline.ingest.pipeline import ingest_paths
from labelline.schema import EVENT_COLUMNS
from labelline.store import EventStore

from factories import event, rows_of, write_csv, write_jsonl


def test_canonical_csv_lands_with_types_in_utc(store: EventStore, csv_file) -> None:
    path = csv_file([event(1), event(2, submitted_at="2025-03-01T12:02:30+02:00", active_s=12.5, cost=0.25)])
    summary = ingest_paths([path], store)
    assert summary.to_dict()["ingested"] == 2
    rows = {r["event_id"]: r for r in rows_of(store)}
    # +02:00 converted to UTC; the view shows naive UTC timestamps.
    assert rows["e2"]["submitted_at"] == datetime(2025, 3, 1, 10, 2, 30)
    assert rows["e2"]["active_s"] == 12.5 and rows["e2"]["cost"] == 0.25
    assert rows["e1"]["attempt"] == 1 and rows["e1"]["cost"] is None
    assert rows["e1"]["source_ref"] == "events.csv"


def test_reingest_changes_nothing(store: EventStore, csv_file) -> None:
    path = csv_file([event(n) for n in range(10)])
    first = ingest_paths([path], store).files[0]
    version = store.snapshot().events.version
    again = ingest_paths([path], store).files[0]
    assert (first.ingested, first.unchanged) == (10, 0)
    assert (again.ingested, again.updated, again.unchanged, again.quarantined) == (0, 0, 10, 0)
    assert store.snapshot().events.version == version  # no new table version at all
    assert store.status()["events"] == 10


def test_later_export_adds_new_and_updates_edited_without_duplicates(store: EventStore, csv_file) -> None:
    ingest_paths([csv_file([event(n) for n in range(6)], name="export-1.csv")], store)
    grown = [event(n) for n in range(9)]
    grown[2] = event(2, label="refund")  # edited after the first export
    grown[4] = event(4, outcome="skipped", label=None)
    summary = ingest_paths([csv_file(grown, name="export-2.csv")], store).files[0]
    assert (summary.ingested, summary.updated, summary.unchanged) == (3, 2, 4)
    rows = {r["event_id"]: r for r in rows_of(store)}
    assert len(rows) == 9 and store.status()["events"] == 9
    assert rows["e2"]["label"] == "refund" and rows["e4"]["outcome"] == "skipped"
    # Unchanged rows keep the file they were first ingested from.
    assert rows["e0"]["source_ref"] == "export-1.csv" and rows["e7"]["source_ref"] == "export-2.csv"


def test_same_export_under_another_name_is_unchanged(store: EventStore, csv_file) -> None:
    ingest_paths([csv_file([event(n) for n in range(3)], name="a.csv")], store)
    assert ingest_paths([csv_file([event(n) for n in range(3)], name="b.csv")], store).files[0].unchanged == 3


def test_update_through_the_full_path_too(store: EventStore, csv_file) -> None:
    """A file with one bad row takes the diagnostic path; its updates must land the same way."""
    ingest_paths([csv_file([event(n) for n in range(4)])], store)
    summary = ingest_paths([csv_file([event(0, label="other"), event(1), event(9, active_s=-1)])], store).files[0]
    assert (summary.updated, summary.unchanged, summary.quarantined) == (1, 1, 1)
    assert {r["event_id"]: r["label"] for r in rows_of(store)}["e0"] == "other"
    assert store.status()["events"] == 4


def test_fast_and_full_paths_store_identical_events(tmp_path: Path) -> None:
    good = [event(n, cost=0.1 * n, gold_label="billing" if n % 2 else None) for n in range(8)]
    clean, dirty = EventStore(tmp_path / "clean"), EventStore(tmp_path / "dirty")
    ingest_paths([write_csv(tmp_path / "clean.csv", good)], clean)
    ingest_paths([write_csv(tmp_path / "dirty.csv", [*good, event(99, stage="nonsense")])], dirty)
    columns = ", ".join(c for c in EVENT_COLUMNS if c != "source_ref") + ", content_hash"
    sql = f"select {columns} from events order by event_id"
    assert rows_of(clean, sql) == rows_of(dirty, sql)


def test_parquet_and_jsonl_canonical_files(store: EventStore, tmp_path: Path, csv_file) -> None:
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(csv_file([event(n) for n in range(3)]))
    pq.write_table(table, tmp_path / "events.parquet")
    write_jsonl(tmp_path / "events.jsonl", [event(n) for n in range(3, 6)])
    summary = ingest_paths([tmp_path / "events.parquet", tmp_path / "events.jsonl"], store)
    assert [f.detected for f in summary.files] == ["canonical event log (Parquet)", "canonical event log (JSONL)"]
    assert summary.to_dict()["ingested"] == 6


def test_store_is_a_delta_table_other_engines_read(store: EventStore, csv_file) -> None:
    ingest_paths([csv_file([event(n) for n in range(5)])], store)
    ingest_paths([csv_file([event(0, label="x"), *[event(n) for n in range(1, 7)]], name="b.csv")], store)
    table = DeltaTable(str(store.root / "events"))
    assert table.to_pyarrow_table().num_rows == 7  # deltalake's own reader, not our views
    protocol = table.protocol()
    assert (protocol.min_reader_version, protocol.min_writer_version) == (1, 2)
    assert table.to_pyarrow_table().schema.field("submitted_at").type.tz == "UTC"


def test_missing_derived_values_get_defaults(store: EventStore, csv_file) -> None:
    columns = ["item_id", "task_type", "stage", "worker_id", "tier", "submitted_at", "outcome"]
    path = csv_file([event(1)], columns=columns)
    summary = ingest_paths([path], store, options=__import__("labelline.ingest.records", fromlist=["x"]).ReadOptions(
        project="from-flag"))
    assert summary.files[0].ingested == 1
    row = rows_of(store)[0]
    assert row["project"] == "from-flag" and row["attempt"] == 1 and row["source"] == "csv"
    assert row["event_id"].startswith("derived-")
    # Derived ids are deterministic: the same file again is unchanged.
    assert ingest_paths([path], store, options=__import__("labelline.ingest.records", fromlist=["x"]).ReadOptions(
        project="from-flag")).files[0].unchanged == 1


def test_pseudonymises_emails_and_names_with_a_stable_keyed_hash(store: EventStore, csv_file) -> None:
    rows = [event(1, worker_id="Alice@Example.com"), event(2, worker_id="Jane Doe"), event(3, worker_id="A1B2C3"),
            event(4, worker_id="alice@example.com ", stage="label")]
    summary = ingest_paths([csv_file(rows)], store).files[0]
    assert summary.ingested == 4
    workers = {r["event_id"]: r["worker_id"] for r in rows_of(store)}
    assert workers["e3"] == "A1B2C3"  # opaque ids are kept
    assert workers["e1"].startswith("w-") and workers["e1"] == workers["e4"]  # case and blanks ignored
    assert workers["e2"].startswith("w-") and workers["e2"] != workers["e1"]
    con = store.connect()
    assert con.execute("select count(*) from events where worker_id like '%@%' or worker_id like '% %'").fetchone()[0] == 0
    # Re-ingesting pseudonymised data is idempotent.
    assert ingest_paths([csv_file(rows)], store).files[0].unchanged == 4


def test_quarantined_raw_records_hold_no_email(store: EventStore, csv_file) -> None:
    ingest_paths([csv_file([event(1, worker_id="bob@example.com", active_s=-3)])], store)
    raw = store.connect().execute("select raw from quarantine").fetchone()[0]
    assert "bob@example.com" not in raw and "w-" in raw


def test_status_keys_are_stable(store: EventStore, csv_file) -> None:
    assert store.status()["exists"] is False
    ingest_paths([csv_file([event(n) for n in range(4)])], store)
    status = store.status()
    for key in ("events", "items", "workers", "by_source", "by_project", "quarantined", "last_ingest"):
        assert key in status
    assert (status["events"], status["items"], status["workers"]) == (4, 2, 3)
    assert status["by_project"] == {"support-intent": 4}
    assert status["last_ingest"]["ingested"] == 4


def test_snapshot_key_moves_only_on_change(store: EventStore, csv_file) -> None:
    path = csv_file([event(1)])
    ingest_paths([path], store)
    key = store.snapshot().key
    assert store.snapshot().key == key
    ingest_paths([csv_file([event(2)], name="other.csv")], store)
    assert store.snapshot().key != key


@pytest.mark.parametrize("bad", [
    {"stage": "labelling"},
    {"outcome": "accepted"},  # not an outcome of the label stage
    {"attempt": 0},
    {"submitted_at": "1970-01-01T00:00:00Z"},
    {"submitted_at": "2199-01-01T00:00:00Z"},
    {"started_at": "2025-03-01T11:59:00Z"},  # after submitted_at
    {"queued_at": "2025-03-01T11:59:00Z"},  # after the work started
    {"active_s": -1},
    {"active_s": 10 * 24 * 3600},
    {"cost": -0.5},
    {"worker_id": None},
    {"meta": "{not json"},
])
def test_each_rule_quarantines_with_the_field_named(store: EventStore, csv_file, bad) -> None:
    summary = ingest_paths([csv_file([event(1), event(2, **bad)])], store).files[0]
    assert (summary.ingested, summary.quarantined, summary.records) == (1, 1, 2)
    record = store.connect().execute("select record, field, reason from quarantine").fetchone()
    assert record[0] == 2 and record[1] == next(iter(bad))
    assert summary.problems[0].startswith("events.csv: record 2")


def test_padded_blank_and_untyped_values_are_judged_alike_from_csv_and_jsonl(tmp_path: Path) -> None:
    """Validation builds text forms and trims only where needed (for speed): the results
    must not depend on whether values arrive typed (CSV) or as text (JSONL)."""
    rows = [
        event(0, worker_id="  w7 ", stage=" Label", outcome="SUBMITTED ", batch="   ", attempt=""),
        event(1, project=" p ", org=" ", cost="", active_s=""),
        event(2, started_at="soon"),
        event(3, cost="a lot"),
        event(4, attempt="twice"),
    ]
    from_csv, from_jsonl = EventStore(tmp_path / "csv"), EventStore(tmp_path / "jsonl")
    csv_summary = ingest_paths([write_csv(tmp_path / "events.csv", rows)], from_csv).files[0]
    jsonl_summary = ingest_paths([write_jsonl(tmp_path / "events.jsonl", rows)], from_jsonl).files[0]
    assert (csv_summary.ingested, csv_summary.quarantined) == (jsonl_summary.ingested, jsonl_summary.quarantined)
    assert (csv_summary.ingested, csv_summary.quarantined) == (2, 3)
    columns = ", ".join(c for c in EVENT_COLUMNS if c not in ("source", "source_ref")) + ", content_hash"
    sql = f"select {columns} from events order by event_id"
    assert rows_of(from_csv, sql) == rows_of(from_jsonl, sql)
    e0, e1 = ({r["event_id"]: r for r in rows_of(from_csv)}[k] for k in ("e0", "e1"))
    assert (e0["worker_id"], e0["stage"], e0["outcome"], e0["batch"], e0["attempt"]) == ("w7", "label", "submitted", None, 1)
    assert (e1["project"], e1["org"], e1["cost"], e1["active_s"]) == ("p", None, None, None)
    for store in (from_csv, from_jsonl):
        fields = store.connect().execute("select field from quarantine order by record").fetchall()
        assert [f for (f,) in fields] == ["started_at", "cost", "attempt"]
