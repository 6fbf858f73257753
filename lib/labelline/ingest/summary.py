"""What an ingest reports: per file and in total, every record accounted for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FileSummary", "IngestSummary", "Progress"]

# (file, fraction done 0..1) — the command line turns this into a progress bar.
Progress = Callable[[Path, float], None]


@dataclass
class FileSummary:
    """What happened to one input file. ``records`` = ingested + updated + unchanged + quarantined."""

    path: str
    format: str
    detected: str
    records: int = 0
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    retired: int = 0  # stored events the source no longer has (replace_items); not records of this file
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ingest_id: str = ""
    events_version: int = -1
    seconds: float = 0.0

    @property
    def landed(self) -> int:
        return self.ingested + self.updated + self.unchanged


@dataclass
class IngestSummary:
    files: list[FileSummary] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(getattr(f, key) for f in self.files)

    @property
    def ok(self) -> bool:
        """False only when nothing at all could be ingested (the command's exit status)."""
        return any(f.landed for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        formats = sorted({f.format for f in self.files})
        return {
            "records": self.total("records"),
            "ingested": self.total("ingested"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "quarantined": self.total("quarantined"),
            "retired": self.total("retired"),
            "format": formats[0] if len(formats) == 1 else ",".join(formats) or None,
            "files": [asdict(f) for f in self.files],
        }

