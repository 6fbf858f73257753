"""`labelline sync label-studio` against a real Label Studio server.

The store must hold exactly the server's annotations, mapped as the file adapter maps an
export of the same project: the check ingests the server's own export into a second store
and compares the two event by event (ids, annotators, lead times, rework, labels).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from factories import rows_of
from labelline.ingest.pipeline import ingest_file
from labelline.ingest.records import ReadOptions
from labelline.live.label_studio import KIND, LabelStudioApi, sync_once
from labelline.live.state import LiveState, list_states
from labelline.store import EventStore
from live.conftest import ANNOTATOR, OWNER
from live.fault_proxy import Fault, FaultProxy
from live.label_studio_server import LabelStudio, LabelStudioClient, free_port

pytestmark = pytest.mark.live

COMPARED = ("event_id", "item_id", "stage", "attempt", "worker_id", "outcome", "label", "gold_label",
            "submitted_at", "started_at", "queued_at", "active_s", "reviews_event_id")


def _events(store: EventStore) -> list[tuple[Any, ...]]:
    return sorted(tuple(r[c] for c in COMPARED) for r in rows_of(store))


def _export_store(client: LabelStudioClient, project: dict[str, Any], folder: Path) -> EventStore:
    """What ingesting the server's own export of the project gives (the file path)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"project-{project['id']}-export.json"
    path.write_text(json.dumps(client.export(project["id"])))
    store = EventStore(folder / "store")
    summary = ingest_file(path, store, fmt="label-studio", options=ReadOptions(project=project["title"]))
    assert summary.quarantined == 0, summary.problems
    return store


def _import(client: LabelStudioClient, project_id: int, n: int) -> list[int]:
    ids = client.import_tasks(project_id, [{"text": f"message {i}"} for i in range(n)])
    time.sleep(1.2)  # the server stamps created_at; a lead time longer than the task's age is refused on ingest
    return ids


def test_sync_matches_the_server_through_edits_and_deletions(label_studio: LabelStudio, tmp_path: Path) -> None:
    owner, annotator = label_studio.client(OWNER), label_studio.client(ANNOTATOR)
    project = owner.create_project("Sync support intents")
    t = _import(owner, project["id"], 6)
    a1 = owner.annotate(t[0], "Positive", lead_time=0.8)
    owner.annotate(t[1], "Negative", lead_time=0.6)
    b1 = annotator.annotate(t[0], "Negative", lead_time=0.9)
    b3 = annotator.annotate(t[2], "Neutral", lead_time=0.7)
    annotator.skip(t[3])

    store = EventStore(tmp_path / "store")
    api = LabelStudioApi(label_studio.url, owner.user.token)
    state = LiveState.open(store.root, KIND, api.url)
    first = sync_once(api, store, state, [project["id"]])
    assert first.error is None
    [p] = first.projects
    assert (p.title, p.tasks_changed, p.ingested, p.quarantined) == ("Sync support intents", 6, 5, 0)
    assert _events(store) == _events(_export_store(owner, project, tmp_path / "export-1"))
    workers = {r["worker_id"] for r in rows_of(store)}
    assert len(workers) == 2  # one per Label Studio user
    by_task = {}
    for r in rows_of(store):
        by_task.setdefault(r["item_id"], []).append(r)
    assert {r["active_s"] for r in by_task[str(t[0])]} == {0.8, 0.9}
    assert [r["outcome"] for r in by_task[str(t[3])]] == ["skipped"]

    # Nothing changed: nothing ingested, no new version of the store.
    version = store.snapshot().key
    quiet = sync_once(api, store, state, [project["id"]])
    assert (quiet.projects[0].tasks_changed, quiet.changed) == (0, False)
    assert store.snapshot().key == version

    # More work, edits, deletions.
    annotator.annotate(t[4], "Positive", lead_time=0.5)
    # Rework by the annotator: Label Studio only moves updated_at, and a save within a second of
    # the first counts as the same submission (the adapter's rule), so make the gap plain.
    time.sleep(1.2)
    annotator.update_annotation(b1["id"], "Positive", lead_time=1.5)
    owner.update_annotation(b3["id"], "Negative")  # corrected by someone else
    owner.set_ground_truth(a1["id"])
    owner.delete_annotation(next(a["id"] for a in owner.task(t[1])["annotations"]))  # t[1] now has none
    gone = _import(owner, project["id"], 1)[0]
    owner.annotate(gone, "Neutral", lead_time=0.5)
    second = sync_once(api, store, state, [project["id"]])
    assert second.error is None and second.changed
    owner.delete_task(gone)  # annotated, synced, then deleted
    third = sync_once(api, store, state, [project["id"]])
    assert third.projects[0].tasks_deleted == 1 and third.projects[0].retired == 1

    expected = _export_store(owner, project, tmp_path / "export-2")
    assert _events(store) == _events(expected)
    items = {r["item_id"] for r in rows_of(store)}
    assert str(t[1]) not in items and str(gone) not in items
    rework = [r for r in rows_of(store) if r["attempt"] == 2]
    assert rework, f"an annotation edited after submission is rework, as in a file export: {owner.annotation(b1['id'])}"
    counts = rows_of(store, "select count(*) as n, count(distinct event_id) as d from events")[0]
    assert counts["n"] == counts["d"]

    # The saved state has the cursor and no token.
    saved = Path(next((store.root / "live").glob("label-studio-*.json"))).read_text()
    assert owner.user.token not in saved
    [st] = list_states(store.root)
    assert st.last_error is None and st.lag_s() is not None and st.runs == 4


def test_a_revoked_token_and_a_server_down_give_clear_errors(label_studio: LabelStudio, tmp_path: Path) -> None:
    owner = label_studio.client(OWNER)
    project = owner.create_project("Sync token check")
    store = EventStore(tmp_path / "store")
    store.tables.ensure()
    revoked = owner.user.token
    owner.reset_token()
    api = LabelStudioApi(label_studio.url, revoked)
    state = LiveState.open(store.root, KIND, api.url)
    result = sync_once(api, store, state, [project["id"]])
    assert result.auth_failed
    assert "token was refused (401 Invalid token.)" in result.error and revoked not in result.error
    assert state.last_error == result.error and state.consecutive_errors == 1

    down = LabelStudioApi(f"http://127.0.0.1:{free_port()}", owner.user.token, retries=2, backoff_s=0.05)
    state = LiveState.open(store.root, KIND, down.url)
    started = time.monotonic()
    result = sync_once(down, store, state, [project["id"]])
    assert not result.auth_failed and "cannot connect (connection refused); will try again" in result.error
    assert time.monotonic() - started < 10
    assert store.snapshot().events.version == 0  # nothing half-written


def test_personal_access_token_and_the_command_line(label_studio: LabelStudio, tmp_path: Path) -> None:
    owner = label_studio.client(OWNER)
    project = owner.create_project("Sync from the command line")
    t = _import(owner, project["id"], 2)
    owner.annotate(t[0], "Positive", lead_time=0.5)
    pat = label_studio.personal_access_token(label_studio.users[OWNER])
    cmd = [str(Path(sys.executable).parent / "labelline"), "sync", "label-studio", "--url", label_studio.url,
           "--project", str(project["id"]), "--store", str(tmp_path / "store"), "--json"]
    env = dict(os.environ, LABEL_STUDIO_TOKEN=pat)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["error"] is None and report["projects"][0]["ingested"] == 1
    assert pat not in done.stdout + done.stderr
    # A revoked token ends the command with status 2 and one clear line.
    env["LABEL_STUDIO_TOKEN"] = "not-a-token"
    refused = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert refused.returncode == 2
    assert "token was refused" in refused.stderr and "Traceback" not in refused.stderr


def test_a_failing_or_slow_server_leaves_nothing_half_synced(label_studio: LabelStudio, tmp_path: Path) -> None:
    owner = label_studio.client(OWNER)
    project = owner.create_project("Sync through faults")
    t = _import(owner, project["id"], 5)
    for task_id in t:
        owner.annotate(task_id, "Positive", lead_time=0.5)
    proxy = FaultProxy(label_studio.url)
    store = EventStore(tmp_path / "store")
    store.tables.ensure()
    try:
        api = LabelStudioApi(proxy.url, owner.user.token, timeout_s=1.0, retries=2, backoff_s=0.05, page_size=2)
        state = LiveState.open(store.root, KIND, api.url)
        page_two = "page=2&"

        # The server fails on the second page, every time: nothing lands, the cursor stays.
        proxy.inject(Fault(page_two, status=503))
        result = sync_once(api, store, state, [project["id"]])
        assert "kept failing (503 injected fault, 3 tries); will try again" in result.error
        assert (store.snapshot().events.version, state.cursor.get(str(project["id"]))) == (0, {})
        # It answers too slowly: the same.
        proxy.clear()
        proxy.inject(Fault(page_two, delay_s=3.0))
        result = sync_once(api, store, state, [project["id"]])
        assert "no answer within 1 s; will try again" in result.error
        assert store.snapshot().events.version == 0
        # It drops the connection once, then recovers: the retry carries the sync through.
        proxy.clear()
        proxy.inject(Fault(page_two, drop=True, times=1))
        proxy.inject(Fault("/api/projects/", status=502, times=1))
        result = sync_once(api, store, state, [project["id"]])
        assert result.error is None and result.projects[0].ingested == 5
        assert state.consecutive_errors == 0
    finally:
        proxy.close()
    assert _events(store) == _events(_export_store(owner, project, tmp_path / "export"))
