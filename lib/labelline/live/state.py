"""What each live source last did, for the Data page and ``labelline status``.

One small JSON file per source in ``<store>/live/``, replaced atomically (written to a
temporary name, then renamed) so a reader never sees half of one. A source's file holds
its cursor too, so a restarted sync carries on where the last one stopped. Secrets never
go here: a Label Studio token is kept only as a short fingerprint, to tell a changed
token from the same one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["LiveState", "iso", "list_states", "now_utc", "state_path"]

LIVE_DIR = "live"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second: how every time in the state is written."""
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if when else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def state_path(store_root: Path, kind: str, target: str) -> Path:
    """``<store>/live/<kind>-<readable part>-<digest>.json``: one file per source."""
    readable = re.sub(r"[^A-Za-z0-9]+", "-", target).strip("-")[-40:] or "source"
    digest = hashlib.sha256(f"{kind}\x1f{target}".encode()).hexdigest()[:10]
    return Path(store_root) / LIVE_DIR / f"{kind}-{readable}-{digest}.json"


@dataclass
class LiveState:
    """One live source: identity, last outcome, running totals and its cursor."""

    kind: str  # "label-studio" or "watch"
    target: str  # the server URL or the folder
    interval_s: float | None = None
    pid: int | None = None
    running: bool = False
    started_at: str | None = None
    last_attempt_at: str | None = None
    last_success_at: str | None = None
    last_change_at: str | None = None  # the last time something landed in the store
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_errors: int = 0
    runs: int = 0
    ingested: int = 0
    updated: int = 0
    retired: int = 0
    quarantined: int = 0
    files: int = 0  # watch: files ingested
    last_problems: list[str] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> LiveState | None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def open(cls, store_root: Path, kind: str, target: str) -> LiveState:
        """The saved state of this source, or a fresh one."""
        return cls.load(state_path(store_root, kind, target)) or cls(kind=kind, target=target)

    def save(self, store_root: Path) -> Path:
        path = state_path(store_root, self.kind, self.target)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, default=str), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def attempt(self, when: datetime | None = None) -> None:
        self.last_attempt_at = iso(when or now_utc())
        self.runs += 1

    def succeeded(self, changed: bool, when: datetime | None = None) -> None:
        stamp = iso(when or now_utc())
        self.last_success_at = stamp
        if changed:
            self.last_change_at = stamp
        self.consecutive_errors = 0

    def failed(self, message: str, when: datetime | None = None) -> None:
        self.last_error = message
        self.last_error_at = iso(when or now_utc())
        self.consecutive_errors += 1

    def lag_s(self, now: datetime | None = None) -> float | None:
        """Seconds since the source was last read successfully: how stale the store may be."""
        last = _parse(self.last_success_at)
        return None if last is None else max(((now or now_utc()) - last).total_seconds(), 0.0)

    def summary(self, now: datetime | None = None) -> dict[str, Any]:
        """A flat row for tables (no cursor)."""
        row = {k: v for k, v in asdict(self).items() if k not in ("cursor", "last_problems")}
        row["lag_s"] = self.lag_s(now)
        row["alive"] = self.running and _pid_alive(self.pid)
        return row


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def list_states(store_root: Path) -> list[LiveState]:
    """Every live source that has run against this store, oldest file first."""
    folder = Path(store_root) / LIVE_DIR
    if not folder.is_dir():
        return []
    states = (LiveState.load(p) for p in sorted(folder.glob("*.json")))
    return [s for s in states if s is not None]
