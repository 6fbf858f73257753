"""Simulated event logs into a store, through the same ingest path as any export.

Going through ingest (not a direct write) means simulated events are checked, deduplicated
and published exactly like real ones, so every KPI page reads them the same way.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from labelline.ingest.pipeline import ingest_paths
from labelline.store import EventStore

__all__ = ["Landed", "write_simulated_events", "simulated_store_path"]


@dataclass
class Landed:
    path: str
    events: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int | str]:
        return {"path": self.path, "events": self.events, "ingested": self.ingested, "updated": self.updated,
                "unchanged": self.unchanged, "quarantined": self.quarantined}


def write_simulated_events(tables: list[pa.Table], store: EventStore, name: str, seed: int) -> Landed:
    """Each replication's events ingested into `store`; what landed, per the ingest summaries."""
    landed = Landed(path=str(store.root))
    safe = _file_safe(name)
    with tempfile.TemporaryDirectory() as tmp:
        for i, table in enumerate(tables):
            path = Path(tmp) / f"sim-{safe}-seed-{seed}-replication-{i}.parquet"
            pq.write_table(table, path)
            summary = ingest_paths([path], store, fmt="events")
            for f in summary.files:
                landed.events += f.landed
                landed.ingested += f.ingested
                landed.updated += f.updated
                landed.unchanged += f.unchanged
                landed.quarantined += f.quarantined
                landed.problems += f.problems
    return landed


def simulated_store_path(actual_root: Path, scenario_name: str) -> Path:
    """Where the dashboard keeps a scenario's simulated log: beside the actual store, never inside
    it (the store's compaction removes files it does not know)."""
    return actual_root.parent / f"{actual_root.name}-simulated" / _file_safe(scenario_name)


def _file_safe(name: str) -> str:
    """A scenario name as a file or folder name: letters, digits, '-', '_' and '.' kept."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
