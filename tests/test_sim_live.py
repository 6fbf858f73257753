"""The live demo: a simulated line streamed into a store, read while it grows."""

from __future__ import annotations

import threading
from pathlib import Path

from labelline.sim.live import stream_to_store
from labelline.sim.scenario import load_scenario
from labelline.store import EventStore

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def test_stream_grows_the_store_without_duplicates(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "rework_line.toml").model_copy(update={"horizon_h": 8.0, "warmup_h": 0.0})
    store = EventStore(tmp_path / "store")
    seen: list[int] = []
    counts: list[int] = []

    def read_while_streaming(stop: threading.Event) -> None:
        while not stop.is_set():
            if store.exists():
                counts.append(store.status()["events"])
            stop.wait(0.2)

    stop = threading.Event()
    reader = threading.Thread(target=read_while_streaming, args=(stop,))
    reader.start()
    try:
        # 8 simulated hours at 4 h per second, flushed every half second: a few commits.
        written = stream_to_store(scenario, store, speedup=4 * 3600, interval_s=0.5,
                                  on_flush=lambda n, h: seen.append(n))
    finally:
        stop.set()
        reader.join()
    assert len(seen) >= 2 and seen == sorted(seen)  # several commits, each adding events
    assert counts == sorted(counts)  # a reader only ever sees the store grow
    status = store.status()
    assert status["events"] == written  # every event once: no duplicates, nothing lost
    con = store.connect()
    assert con.execute("select count(distinct event_id) from events").fetchone()[0] == written
    last = con.execute("select max(submitted_at) from events").fetchone()[0]
    assert last is not None  # timestamps anchored at the stream's start (today), in UTC


def test_stream_stops_on_request(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "mmc_validation.toml")
    stop = threading.Event()
    stop.set()
    written = stream_to_store(scenario, EventStore(tmp_path / "s"), speedup=3600, interval_s=0.1, stop=stop)
    assert written >= 0
