"""The labeling event log: the one table every source and the simulator write.

One row is one unit of work on one item at one stage. The columns follow
`docs/event-log.md`; this module is the single place their names, types and
allowed values are written down in code.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_SCHEMA",
    "HASHED_COLUMNS",
    "OUTCOMES_BY_STAGE",
    "QUARANTINE_SCHEMA",
    "INGEST_LOG_SCHEMA",
    "REQUIRED_COLUMNS",
    "SCHEMA_VERSION",
    "STAGES",
]

SCHEMA_VERSION = 1

STAGES = ("prelabel", "label", "review", "adjudicate", "qa")

# Which outcomes make sense at which stage; anything else is quarantined.
OUTCOMES_BY_STAGE: dict[str, tuple[str, ...]] = {
    "prelabel": ("submitted", "skipped"),
    "label": ("submitted", "skipped"),
    "review": ("accepted", "rejected", "fixed"),
    # An adjudicator may pass on an item (Prodigy's "ignore" in review).
    "adjudicate": ("resolved", "skipped"),
    "qa": ("accepted", "rejected", "fixed"),
}

_UTC = pa.timestamp("us", tz="UTC")

# (name, arrow type, required). Order is the column order of the table.
_COLUMNS: tuple[tuple[str, pa.DataType, bool], ...] = (
    ("event_id", pa.string(), True),
    ("source", pa.string(), True),
    ("source_ref", pa.string(), False),
    ("project", pa.string(), True),
    ("batch", pa.string(), False),
    ("item_id", pa.string(), True),
    ("task_type", pa.string(), True),
    ("stage", pa.string(), True),
    ("attempt", pa.int32(), True),
    ("worker_id", pa.string(), True),
    ("tier", pa.string(), True),
    ("org", pa.string(), False),
    ("queued_at", _UTC, False),
    ("started_at", _UTC, False),
    ("submitted_at", _UTC, True),
    ("active_s", pa.float64(), False),
    ("outcome", pa.string(), True),
    ("label", pa.string(), False),
    ("gold_label", pa.string(), False),
    ("reviews_event_id", pa.string(), False),
    ("cost", pa.float64(), False),
    ("meta", pa.string(), False),
)

EVENT_COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in _COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(name for name, _, req in _COLUMNS if req)

# Bookkeeping columns the store adds: which ingest wrote the row, and a hash of its
# content so a re-ingest can tell "unchanged" from "updated" without comparing columns.
_STORE_COLUMNS: tuple[tuple[str, pa.DataType, bool], ...] = (
    ("content_hash", pa.int64(), True),
    ("ingest_id", pa.string(), True),
    ("ingested_at", _UTC, True),
)

# The content hash covers what the work *was*, not where the file happened to live:
# the same export saved under another name is unchanged, not updated.
HASHED_COLUMNS: tuple[str, ...] = tuple(c for c in EVENT_COLUMNS if c not in ("event_id", "source_ref"))

EVENT_SCHEMA = pa.schema(
    [pa.field(n, t, nullable=not req) for n, t, req in _COLUMNS + _STORE_COLUMNS]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("quarantine_id", pa.string(), nullable=False),
        pa.field("ingest_id", pa.string(), nullable=False),
        pa.field("quarantined_at", _UTC, nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("format", pa.string(), nullable=False),
        pa.field("record", pa.int64()),
        pa.field("position", pa.string()),
        pa.field("field", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string()),
    ]
)

INGEST_LOG_SCHEMA = pa.schema(
    [
        pa.field("ingest_id", pa.string(), nullable=False),
        pa.field("started_at", _UTC, nullable=False),
        pa.field("finished_at", _UTC, nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("file_sha256", pa.string()),
        pa.field("format", pa.string(), nullable=False),
        pa.field("records", pa.int64(), nullable=False),
        pa.field("ingested", pa.int64(), nullable=False),
        pa.field("updated", pa.int64(), nullable=False),
        pa.field("unchanged", pa.int64(), nullable=False),
        pa.field("quarantined", pa.int64(), nullable=False),
        pa.field("events_version", pa.int64()),
    ]
)


def arrow_type(column: str) -> pa.DataType:
    """The Arrow type of an event column."""
    return EVENT_SCHEMA.field(column).type
