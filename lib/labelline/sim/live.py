"""A simulated line streamed into a store in accelerated real time: a live demo without a tool.

The simulation advances `speedup` simulated seconds per wall-clock second; every
`interval_s` the events finished since the last flush are ingested through the normal
pipeline (one atomic commit each), so a dashboard reading the store sees the line grow as it
would with a real tool syncing. The simulated period is placed so that it ends now: simulated
time runs faster than the clock, and an event stamped in the future would be rejected on
ingest (as it would be from a real tool).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq

from labelline.ingest.pipeline import ingest_paths
from labelline.sim.model import Replication
from labelline.sim.scenario import Scenario
from labelline.store import EventStore

__all__ = ["stream_to_store"]


def stream_to_store(scenario: Scenario, store: EventStore, speedup: float = 600.0, interval_s: float = 5.0,
                    duration_s: float | None = None, seed: int = 0, stop: threading.Event | None = None,
                    on_flush: Callable[[int, float], None] | None = None) -> int:
    """Stream until the horizon, `duration_s` of wall time, or `stop` is set; return events that landed.

    on_flush(events_so_far, simulated_hours) is called after each commit.
    """
    if speedup <= 0 or interval_s <= 0:
        raise ValueError("speedup and interval_s must be positive")
    started = time.monotonic()
    rep = Replication(scenario, replication=0, seed=seed, key=f"{scenario.name}-live",
                      epoch=datetime.now(timezone.utc) - timedelta(hours=scenario.horizon_h))
    rep.start()
    written = 0  # events simulated and handed to ingest
    landed = 0  # of those, in the store (the rest quarantined, with the reason in the store)
    with tempfile.TemporaryDirectory(prefix="labelline-live-") as tmp:
        chunk = 0
        while True:
            elapsed = time.monotonic() - started
            sim_h = elapsed * speedup / 3600
            total = rep.advance(sim_h)
            if total > written:
                chunk += 1
                path = Path(tmp) / f"live-{chunk:06d}.parquet"
                pq.write_table(rep.event_table(start=written), path)
                summary = ingest_paths([path], store, fmt="events")
                path.unlink()
                landed += summary.files[0].landed
                written = total
                if on_flush:
                    on_flush(written, sim_h)
            done = sim_h >= scenario.horizon_h or (duration_s is not None and elapsed >= duration_s)
            if done or (stop is not None and stop.is_set()):
                return landed
            wait = interval_s - (time.monotonic() - started - elapsed)
            if stop is not None:
                stop.wait(max(wait, 0.0))
            else:
                time.sleep(max(wait, 0.0))
