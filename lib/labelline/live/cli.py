"""``labelline watch`` and ``labelline sync label-studio``: the long-lived live sources.

Each prints one line per step that changed something (and each problem on stderr), keeps
its state in ``<store>/live/`` for the Data page, prepares the KPI tables after a change so
the dashboard's next refresh is quick, and stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from labelline.cli_options import (
    FormatOption, JsonOption, OrgNameOption, ProjectNameOption, StoreOption, TaskTypeNameOption, TierNameOption,
)
from labelline.console import err, out, print_json
from labelline.ingest.detect import FORMATS
from labelline.ingest.records import ReadOptions

__all__ = ["parse_duration_s", "sync_app", "sync_label_studio", "watch"]

sync_app = typer.Typer(help="Keep the store in step with a running annotation tool.", no_args_is_help=True)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_S = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration_s(text: str) -> float:
    """'60s', '5m', '1h', '500ms' or a plain number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration (e.g. 30s, 5m, 1h)")
    return float(match.group(1)) * _UNIT_S[(match.group(2) or "").lower() or None]


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C, so a loop ends between steps, never inside a commit."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:  # noqa: ARG001
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def watch(
    folder: Annotated[Path, typer.Argument(help="The folder to watch (recursively).")],
    every: Annotated[str, typer.Option("--every", help="How often to look, e.g. 5s or 1m.")] = "5s",
    settle: Annotated[str, typer.Option(
        "--settle", help="A file is taken once unchanged this long (files still being written wait).")] = "2s",
    once: Annotated[bool, typer.Option("--once", help="Ingest what is there now and stop.")] = False,
    format: FormatOption = "auto",
    project: ProjectNameOption = None,
    task_type: TaskTypeNameOption = None,
    tier: TierNameOption = None,
    org: OrgNameOption = None,
    store: StoreOption = None,
) -> None:
    """Ingest export files as they appear in a folder, once each (any supported format)."""
    from labelline.cli import prepare_kpi_tables
    from labelline.live.watch import FolderWatcher
    from labelline.store import EventStore, default_store_path

    if format not in FORMATS:
        err.print(f"labelline watch: unknown --format {format!r}; choose one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    if not folder.is_dir():
        err.print(f"labelline watch: {folder}: no such folder")
        raise typer.Exit(2)
    every_s, settle_s = parse_duration_s(every), parse_duration_s(settle)
    event_store = EventStore(store or default_store_path())
    options = ReadOptions(project=project, task_type=task_type, tier=tier, org=org)
    watcher = FolderWatcher(event_store, folder, fmt=format, options=options, settle_s=0.0 if once else settle_s)

    def report(result) -> None:  # noqa: ANN001
        for f in result.ingested:
            out.print(f"{Path(f.path).name}: {f.detected}: {f.records} records: {f.ingested} new, {f.updated} "
                      f"updated, {f.unchanged} unchanged, {f.quarantined} quarantined", markup=False)
            for line in f.problems:
                err.print(line, markup=False)
        for line in result.skipped:
            out.print(f"{line}: skipped", markup=False)
        for line in result.errors:
            err.print(f"labelline watch: {line}", markup=False)

    if not once:
        err.print(f"watching {watcher.folder} every {every_s:g} s (Ctrl-C stops)", markup=False)
    watcher.run(every_s=every_s, stop=stop_on_signals(), polls=1 if once else None, on_poll=report,
                after_change=lambda: prepare_kpi_tables(event_store))


@sync_app.command("label-studio")
def sync_label_studio(
    url: Annotated[str, typer.Option("--url", help="The Label Studio server, e.g. http://localhost:8080.")],
    token: Annotated[str, typer.Option(
        "--token", envvar="LABEL_STUDIO_TOKEN", show_envvar=True,
        help="An API token (Account & Settings): a legacy token or a personal access token. Prefer the "
             "environment variable: a command line is visible to other users of the machine.")],
    project_ids: Annotated[Optional[list[int]], typer.Option(
        "--project", help="A project id to sync (repeatable). Default: every project the token can see.")] = None,
    every: Annotated[Optional[str], typer.Option(
        "--every", help="Keep syncing at this interval (e.g. 60s); without it, sync once and stop.")] = None,
    timeout: Annotated[str, typer.Option("--timeout", help="Give up on one request after this long.")] = "60s",
    task_type: TaskTypeNameOption = None,
    tier: TierNameOption = None,
    org: OrgNameOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pull new and changed annotations from a running Label Studio (only what changed since the last sync)."""
    from labelline.cli import prepare_kpi_tables
    from labelline.live.label_studio import KIND, LabelStudioApi, SyncResult, sync_once, token_fingerprint
    from labelline.live.state import LiveState, iso, now_utc
    from labelline.store import EventStore, default_store_path

    every_s = parse_duration_s(every) if every else None
    event_store = EventStore(store or default_store_path())
    with event_store.tables.writer():
        event_store.tables.ensure()
    options = ReadOptions(task_type=task_type, tier=tier, org=org)
    api = LabelStudioApi(url, token, timeout_s=parse_duration_s(timeout))
    state = LiveState.open(event_store.root, KIND, api.url)
    state.cursor["_token"] = token_fingerprint(token)
    state.running, state.interval_s, state.pid = every_s is not None, every_s, os.getpid()
    state.started_at = iso(now_utc())
    stop = stop_on_signals()

    def report(result: SyncResult) -> None:
        if result.error:
            err.print(f"labelline sync: {result.error}", markup=False)
        if as_json:
            doc = {"at": iso(now_utc()), "url": api.url, "error": result.error,
                   "seconds": result.seconds, "projects": [asdict(p) for p in result.projects]}
            if every_s is None:
                print_json(doc)
            else:  # one line per round (JSON lines), flushed so a reader sees each as it happens
                sys.stdout.write(json.dumps(doc, default=str) + "\n")
                sys.stdout.flush()
            return
        for p in result.projects:
            if p.tasks_changed or p.tasks_deleted or every_s is None:
                out.print(f"project {p.project_id} ({p.title}): {p.tasks_changed} tasks changed, {p.tasks_deleted} "
                          f"deleted: {p.ingested} new, {p.updated} updated, {p.unchanged} unchanged, {p.retired} "
                          f"retired, {p.quarantined} quarantined", markup=False)
            for line in p.problems:
                err.print(line, markup=False)

    if every_s is not None:
        err.print(f"syncing {api.url} every {every_s:g} s (Ctrl-C stops)", markup=False)
    try:
        while True:
            started = time.monotonic()
            result = sync_once(api, event_store, state, project_ids or (), options)
            report(result)
            if result.changed:
                prepare_kpi_tables(event_store)
            if result.auth_failed:
                raise typer.Exit(2)
            if every_s is None:
                if result.error:
                    raise typer.Exit(1)
                break
            if stop.wait(max(every_s - (time.monotonic() - started), 0.0)):
                break
    finally:
        api.close()
        state.running = False
        state.save(event_store.root)
