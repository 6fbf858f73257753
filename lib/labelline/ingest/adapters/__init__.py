"""One adapter per supported tool; ``--format`` takes their names."""

from __future__ import annotations

from types import ModuleType

from labelline.ingest.adapters import events, label_studio, mturk, prodigy

__all__ = ["ADAPTERS"]

# Detection tries them in this order; the canonical format goes last because its
# signature (stage, submitted_at, worker_id, item_id columns) is the loosest.
ADAPTERS: dict[str, ModuleType] = {a.name: a for a in (label_studio, mturk, prodigy, events)}
