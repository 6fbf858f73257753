"""Bad input: one clear line per problem, good records land, every record accounted for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore

from factories import event, write_csv, write_jsonl

CLI = [sys.executable, "-m", "labelline.cli"]


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args, "--store", str(store)], capture_output=True, text=True, timeout=120)


def assert_accounted(summary) -> None:
    for f in summary.files:
        assert f.records == f.ingested + f.updated + f.unchanged + f.quarantined, f


def test_garbage_utf16_truncated_empty_and_mixed_folder(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "good.csv", [event(n) for n in range(5)])
    (folder / "garbage.bin").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.csv").write_bytes(b"")
    text = (folder / "good.csv").read_text()
    (folder / "utf16.csv").write_bytes(text.replace("e0,", "u0,").encode("utf-16"))
    write_jsonl(folder / "truncated.jsonl", [event(n) for n in range(10, 13)])
    with open(folder / "truncated.jsonl", "a") as f:
        f.write('{"event_id": "e13", "stage": "lab')  # the writer died mid-line
    result = run_cli("ingest", str(folder), "--json", store=tmp_path / "store")
    assert result.returncode == 0, result.stderr  # good records landed
    assert "Traceback" not in result.stderr + result.stdout
    summary = json.loads(result.stdout)
    by_name = {Path(f["path"]).name: f for f in summary["files"]}
    assert by_name["good.csv"]["ingested"] == 5
    assert by_name["truncated.jsonl"]["ingested"] == 3 and by_name["truncated.jsonl"]["quarantined"] == 1
    assert by_name["garbage.bin"]["quarantined"] == 1 and by_name["garbage.bin"]["format"] == "unknown"
    assert by_name["empty.csv"]["records"] == 0
    assert by_name["utf16.csv"]["ingested"] == 0 and by_name["utf16.csv"]["quarantined"] >= 1
    for f in summary["files"]:
        assert f["records"] == f["ingested"] + f["updated"] + f["unchanged"] + f["quarantined"]
    # Every problem is one line naming the file (and the record where there is one).
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert any(ln.startswith("truncated.jsonl: record 4 (line 4): invalid JSON") for ln in lines), lines
    assert any(ln.startswith("garbage.bin: file") for ln in lines), lines
    assert any(ln.startswith(str(folder / "empty.csv")) and "empty file" in ln for ln in lines), lines


def test_missing_required_columns_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "thin.csv", [event(1)], columns=["event_id", "project", "item_id", "stage",
                                                                  "submitted_at", "worker_id"])
    result = run_cli("ingest", str(path), store=tmp_path / "store")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[0] == (
        "thin.csv: record 0 (header): task_type, tier, outcome: missing required column(s): task_type, tier, outcome"
    )


def test_unknown_format_flag_and_missing_file(tmp_path: Path) -> None:
    result = run_cli("ingest", str(tmp_path / "nope.csv"), store=tmp_path / "store")
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("ingest", str(tmp_path), "--format", "excel", store=tmp_path / "store")
    assert result.returncode == 2 and "unknown --format" in result.stderr


def test_impossible_and_unparseable_values_each_named(store: EventStore, tmp_path: Path) -> None:
    rows = [
        event(1),
        event(2, submitted_at="2025-02-30T10:00:00Z"),
        event(3, active_s="fast"),
        event(4, attempt="two"),
        event(5, submitted_at="0099-01-01T00:00:00Z"),
        event(1),  # a repeated id
    ]
    summary = ingest_paths([write_csv(tmp_path / "e.csv", rows)], store)
    assert_accounted(summary)
    f = summary.files[0]
    assert (f.ingested, f.quarantined) == (1, 5)
    fields = [r[0] for r in store.connect().execute("select field from quarantine order by record").fetchall()]
    assert fields == ["submitted_at", "active_s", "attempt", "submitted_at", "event_id"]


def test_quarantine_is_idempotent_and_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [event(1), event(2, stage="oops")])
    store = tmp_path / "store"
    run_cli("ingest", str(path), store=store)
    run_cli("ingest", str(path), store=store)
    listed = json.loads(run_cli("quarantine", "--json", store=store).stdout)
    assert len(listed) == 1
    assert listed[0]["record"] == 2 and listed[0]["field"] == "stage" and "'oops'" in listed[0]["reason"]
    assert json.loads(run_cli("status", "--json", store=store).stdout)["quarantined"] == 1


_garbage = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.lists(st.text(max_size=12), max_size=8), max_size=12).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass")
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_garbage, suffix=st.sampled_from([".csv", ".jsonl", ".json", ".parquet", ".txt"]),
       header=st.booleans())
def test_generated_garbage_never_raises(tmp_path_factory, body: bytes, suffix: str, header: bool) -> None:
    tmp = tmp_path_factory.mktemp("garbage")
    prefix = b"event_id,project,item_id,task_type,stage,worker_id,tier,submitted_at,outcome\n" if header else b""
    path = tmp / f"input{suffix}"
    path.write_bytes(prefix + body)
    for fmt in ("auto", "events"):
        summary = ingest_paths([path], EventStore(tmp / f"store-{fmt}"), fmt=fmt)
        assert_accounted(summary)
