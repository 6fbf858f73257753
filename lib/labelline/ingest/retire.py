"""Retiring whole items: work that no longer exists at its source (a deleted task).

A live sync sees a task vanish from Label Studio; its events must leave the store too,
or the dashboard keeps counting deleted work. The files holding them are rewritten
without them and swapped in by one Delta commit, as an update does, so readers see the
store before or after, never between. The ingest log records the step like a file.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from datetime import datetime, timezone

import duckdb

from labelline.ingest.checks import run_sql
from labelline.ingest.pipeline import new_ingest_id
from labelline.ingest.publish import log_ingest, retire_replaced
from labelline.ingest.summary import FileSummary
from labelline.sql import sql_text
from labelline.store import EventStore

__all__ = ["retire_items"]


def retire_items(store: EventStore, source: str, project: str, item_ids: Sequence[str], why: str) -> FileSummary:
    """Remove every event of these items (one source and project) in one commit.

    ``why`` names the step in the ingest log (e.g. ``"label-studio sync: 3 tasks deleted"``).
    Returns a summary whose ``retired`` is the number of events removed.
    """
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    ingest_id = new_ingest_id()
    summary = FileSummary(path=why, format="retire", detected="items deleted at the source", ingest_id=ingest_id)
    if not item_ids or not store.exists():
        return summary
    work_dir = store.root / "_work" / ingest_id
    con = duckdb.connect()
    try:
        run_sql(con, "SET TimeZone = 'UTC'")
        with store.tables.writer():
            files = store.tables.files("events").files
            if files:
                run_sql(con, f"CREATE TEMP TABLE replaced_ids AS {sql_text('ingest/events_of_items')}",
                        {"files": list(files), "source": source, "project": project, "items": list(item_ids)})
                summary.retired = run_sql(con, "SELECT count(*) FROM replaced_ids")[0][0]
            if summary.retired:
                out_dir = store.tables.path("events") / ingest_id
                removed, rewritten = retire_replaced(con, store, out_dir, files)
                summary.events_version = store.tables.commit_files(
                    "events", rewritten, removed, {"ingest_id": ingest_id, "source_file": why, "format": "retire"})
                summary.notes.append(f"{summary.retired} events of {len(item_ids)} deleted items retired")
                log_ingest(con, store, summary, started_at, None)
    finally:
        con.close()
        shutil.rmtree(work_dir, ignore_errors=True)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
