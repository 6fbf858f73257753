"""Soak: `labelline sync label-studio --every 2s` for minutes while people annotate and the dashboard reads.

A real Label Studio server, two users annotating, editing and deleting all the while; the sync
running as its own long-lived process; the dashboard served on 127.0.0.1 with its Overview open
in Chromium, refreshing every 10 s. Checked: the sync never reports an error, the store never
holds a duplicate event, the sync's memory stays flat, no page shows an exception, the Overview
shows new events within one refresh interval of their landing, and at the end the store holds
exactly the server's annotations (compared with an ingest of the server's own export).

Length: LABELLINE_SOAK_S seconds of annotating (default 180).
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from browser_support import CHROMIUM, serve
from factories import rows_of
from labelline.store import EventStore
from live.conftest import ANNOTATOR, OWNER
from live.label_studio_server import LabelStudio
from live.test_sync_label_studio import _events, _export_store, _import

pytestmark = [pytest.mark.live, pytest.mark.slow]

SOAK_S = float(os.environ.get("LABELLINE_SOAK_S", "180"))
REFRESH_S = 10


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _annotate_for(ls: LabelStudio, project_id: int, tasks: list[int], seconds: float, stop: threading.Event,
                  errors: list[str]) -> None:
    """Two people at work: new annotations mostly, some edits, a few deletions."""
    rng = random.Random(7)
    owner, annotator = ls.client(OWNER), ls.client(ANNOTATOR)
    done: list[tuple[object, int]] = []  # (client, annotation id)
    todo = list(tasks)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop.is_set():
        try:
            roll = rng.random()
            if todo and (roll < 0.7 or not done):
                who = owner if rng.random() < 0.5 else annotator
                task_id = todo.pop(0)
                ann = who.annotate(task_id, rng.choice(["Positive", "Negative", "Neutral"]), lead_time=0.4)
                done.append((who, ann["id"]))
            elif done and roll < 0.9:
                who, ann_id = rng.choice(done)
                who.update_annotation(ann_id, rng.choice(["Positive", "Negative", "Neutral"]), lead_time=0.9)
            elif done:
                who, ann_id = done.pop(rng.randrange(len(done)))
                who.delete_annotation(ann_id)
        except Exception as exc:  # noqa: BLE001 - reported by the test, not swallowed
            errors.append(repr(exc))
            return
        time.sleep(rng.uniform(0.3, 1.2))


def _events_tile(page) -> int | None:  # noqa: ANN001
    text = page.evaluate("""() => {
        for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            const label = m.querySelector('[data-testid="stMetricLabel"]');
            if (label && label.innerText.trim() === 'Events') {
                return m.querySelector('[data-testid="stMetricValue"]').innerText;
            }
        }
        return null;
    }""")
    return int(text.replace(",", "")) if text else None


@pytest.fixture
def soak_browser(request: pytest.FixtureRequest):  # noqa: ANN201
    """pytest-playwright's session browser (one event loop per session), or a skip that says why."""
    pytest.importorskip("pytest_playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): the soak test needs a browser")
    return request.getfixturevalue("browser")


def test_sync_soak_while_the_dashboard_reads(label_studio: LabelStudio, soak_browser, tmp_path: Path) -> None:  # noqa: ANN001
    owner = label_studio.client(OWNER)
    project = owner.create_project("Soak")
    tasks = _import(owner, project["id"], 400)
    owner.annotate(tasks.pop(0), "Positive", lead_time=0.4)
    store_dir = tmp_path / "store"
    cmd = [str(Path(sys.executable).parent / "labelline"), "sync", "label-studio", "--url", label_studio.url,
           "--project", str(project["id"]), "--store", str(store_dir), "--json"]
    env = dict(os.environ, LABEL_STUDIO_TOKEN=label_studio.users[OWNER].token)
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert first.returncode == 0, first.stderr
    store = EventStore(store_dir)

    log, problems = (tmp_path / "sync.jsonl").open("w"), (tmp_path / "sync.err").open("w")
    sync = subprocess.Popen([*cmd, "--every", "2s"], stdout=log, stderr=problems, text=True, env=env)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("# no accounts: single-user demo mode\n")
    stop, errors = threading.Event(), []
    worker = threading.Thread(target=_annotate_for,
                              args=(label_studio, project["id"], tasks, SOAK_S, stop, errors), daemon=True)
    rss: list[float] = []
    seen_on_page: list[int] = []
    try:
        with serve(store_dir, secrets) as url:
            context = soak_browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
            box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Refresh every")
            box.locator("input").click()
            page.get_by_role("option", name="10 s", exact=True).click()
            worker.start()
            started = time.monotonic()
            while worker.is_alive():
                rss.append(_rss_mb(sync.pid))
                shown = _events_tile(page)
                if shown is not None:
                    seen_on_page.append(shown)
                assert page.locator('[data-testid="stException"]').count() == 0
                assert sync.poll() is None, (tmp_path / "sync.err").read_text()
                duplicates = rows_of(store, "select count(*) - count(distinct event_id) as d from events")[0]["d"]
                assert duplicates == 0
                time.sleep(5)
            assert not errors, errors
            assert time.monotonic() - started >= SOAK_S * 0.9

            # The last work lands with the next sync; the Overview shows it within one interval.
            version = store.snapshot().events.version
            deadline = time.monotonic() + 30
            while store.snapshot().events.version == version and time.monotonic() < deadline:
                time.sleep(0.5)
            time.sleep(3)  # one more sync round: nothing left behind
            final = rows_of(store, "select count(*) as n from events")[0]["n"]
            landed = time.monotonic()
            while _events_tile(page) != final and time.monotonic() - landed < REFRESH_S + 10:
                time.sleep(0.5)
            assert _events_tile(page) == final, f"the Overview shows {_events_tile(page)}, the store holds {final}"
            assert page.locator('[data-testid="stException"]').count() == 0
            context.close()
    finally:
        stop.set()
        sync.send_signal(signal.SIGTERM)
        try:
            sync.wait(30)
        finally:
            if sync.poll() is None:
                sync.kill()
        log.close()
        problems.close()

    assert sync.returncode == 0, (tmp_path / "sync.err").read_text()
    assert "syncing" in (tmp_path / "sync.err").read_text()  # its start line; nothing else expected
    assert "labelline sync:" not in (tmp_path / "sync.err").read_text()
    rounds = [json.loads(chunk) for chunk in _json_objects((tmp_path / "sync.jsonl").read_text())]
    assert len(rounds) >= SOAK_S / 4, f"only {len(rounds)} syncs in {SOAK_S:g} s"
    assert [r["error"] for r in rounds if r["error"]] == []
    assert len(set(seen_on_page)) >= 3, f"the Overview never moved: {sorted(set(seen_on_page))}"
    # Memory: flat once warm (the middle third against the last third of the samples).
    third = len(rss) // 3
    middle, last = statistics.median(rss[third:2 * third]), statistics.median(rss[2 * third:])
    assert last < middle * 1.15 + 20, f"sync RSS grew: {middle:.0f} MB -> {last:.0f} MB"
    assert _events(store) == _events(_export_store(owner, project, tmp_path / "export"))
    print(f"soak: {len(rounds)} syncs, {rows_of(store, 'select count(*) as n from events')[0]['n']} events, "
          f"sync RSS {min(rss):.0f}-{max(rss):.0f} MB (middle {middle:.0f}, last {last:.0f})")


def _json_objects(text: str):  # noqa: ANN202
    """The --json output: one indented JSON object per round, one after another."""
    decoder = json.JSONDecoder()
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        obj, pos = decoder.raw_decode(text, pos)
        yield json.dumps(obj)
