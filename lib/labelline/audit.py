"""The audit log: who signed in, ingested data or ran a scenario, and when (UTC).

One JSON object per line in ``<store>/audit.jsonl``. Why JSON lines and not a table in the
store or SQLite: every dashboard process and the CLI may write at once, and a file opened
with O_APPEND and written with one ``write()`` per line needs no lock: the kernel places each
write at the end of the file, so lines from several processes never overwrite or split each
other on a local file system. The log stays readable with ``cat``, ``grep`` or DuckDB, and a
line cut short by a crash or a full disk is skipped on read rather than hiding the rest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["AUDIT_FILE", "ACTIONS", "record", "read"]

AUDIT_FILE = "audit.jsonl"

# The actions the app records; read() accepts others so that older or newer writers coexist.
ACTIONS = ("sign_in", "sign_out", "ingest", "scenario_run")

_COLUMNS = ["at", "who", "role", "action", "details"]


def _path(root: str | Path) -> Path:
    return Path(root) / AUDIT_FILE


def record(root: str | Path, who: str, action: str, details: dict[str, Any] | None = None, *,
           role: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Append one entry to the store's audit log and return it.

    ``details`` is free-form JSON (file names, counts, scenario name). The folder is created
    if needed, so a sign-in before the first ingest is recorded too.
    """
    when = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    entry = {"at": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "who": who, "role": role,
             "action": action, "details": details or {}}
    line = (json.dumps(entry, ensure_ascii=False, default=str, separators=(",", ":")) + "\n").encode("utf-8")
    path = _path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        written = os.write(fd, line)
        if written != len(line):  # only on a full disk or a quota: say so rather than leave half a line
            raise OSError(f"audit log {path}: wrote {written} of {len(line)} bytes")
    finally:
        os.close(fd)
    return entry


def read(root: str | Path, *, since: datetime | None = None, until: datetime | None = None,
         actions: Iterable[str] | None = None, who: Iterable[str] | None = None) -> pd.DataFrame:
    """The audit log as a DataFrame, newest first: at (UTC, tz-aware), who, role, action, details (JSON text).

    ``since`` is inclusive and ``until`` exclusive; naive datetimes are taken as UTC.
    """
    path = _path(root)
    rows: list[dict[str, Any]] = []
    if path.exists():
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:  # a torn line from a crash: skip it, keep the rest
                    continue
                if isinstance(entry, dict) and "at" in entry and "action" in entry:
                    rows.append(entry)
    # Newest first; entries written in the same millisecond keep their order of writing, reversed.
    df = pd.DataFrame(rows[::-1], columns=_COLUMNS)
    df["at"] = pd.to_datetime(df["at"], utc=True, format="ISO8601")
    df["details"] = [json.dumps(d, ensure_ascii=False, sort_keys=True) for d in df["details"]]
    for column in ("who", "role", "action"):
        df[column] = df[column].astype("string")

    def utc(moment: datetime) -> pd.Timestamp:
        ts = pd.Timestamp(moment)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")

    if since is not None:
        df = df[df["at"] >= utc(since)]
    if until is not None:
        df = df[df["at"] < utc(until)]
    if actions is not None:
        df = df[df["action"].isin(list(actions))]
    if who is not None:
        df = df[df["who"].isin(list(who))]
    return df.sort_values("at", ascending=False, kind="stable").reset_index(drop=True)
