"""Which tool wrote a file: sniffed from its first 64 KiB, or forced with ``--format``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labelline.ingest.adapters import ADAPTERS, events

__all__ = ["Detection", "detect", "FORMATS"]

FORMATS = ("auto", *ADAPTERS)
_HEAD_BYTES = 65536


@dataclass(frozen=True)
class Detection:
    format: str  # an adapter name, or "unknown"
    description: str  # what we saw, for the summary ("Label Studio full JSON export")
    variant: str | None = None  # for the canonical format: csv, parquet or jsonl


def detect(path: Path, fmt: str = "auto") -> Detection:
    with open(path, "rb") as f:
        head = f.read(_HEAD_BYTES)
    if fmt != "auto":
        if fmt not in ADAPTERS:
            return Detection("unknown", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        adapter = ADAPTERS[fmt]
        description = adapter.sniff(path, head) or f"{fmt} (forced with --format)"
        return Detection(fmt, description, _variant(fmt, path))
    for name, adapter in ADAPTERS.items():
        if name == events.name:
            continue
        description = adapter.sniff(path, head)
        if description:
            return Detection(name, description, _variant(name, path))
    description = events.sniff(path, head)
    if description:
        return Detection(events.name, description, _variant(events.name, path))
    return Detection(
        "unknown",
        "unrecognised format: not a Label Studio, Mechanical Turk or Prodigy export, nor the canonical "
        "event log; pass --format to force one",
    )


def _variant(name: str, path: Path) -> str | None:
    return events.file_kind(path) if name == events.name else None
