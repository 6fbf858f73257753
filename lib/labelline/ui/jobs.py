"""Long work (simulations) in a process pool shared by every session.

Streamlit runs each session's script in its own thread; a simulation run in that thread
would hold the GIL and slow every other session's page. Replications go to one process
pool per server instead (sized to leave a core for the pages on small machines), and the
script thread only waits on futures, which leaves the GIL free. Results are kept per
scenario key (the scenario's content, replications and seed), so a second user asking
for the same run gets it at once.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from concurrent.futures import ProcessPoolExecutor
from threading import Lock

import streamlit as st

from labelline.sim.runs import SimResult, simulate
from labelline.sim.scenario import Scenario

__all__ = ["executor", "scenario_key", "run_simulation", "cached_result", "keep_result"]

_KEEP = 16  # results kept per server (each holds its event log: a few MB)


@st.cache_resource(show_spinner=False)
def executor() -> ProcessPoolExecutor:
    """The server's process pool for simulations (one per server, shared by every session)."""
    return ProcessPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1))


@st.cache_resource(show_spinner=False)
def _results() -> tuple[OrderedDict[str, Any], Lock]:
    return OrderedDict(), Lock()


def scenario_key(scenario: Scenario, replications: int, seed: int) -> str:
    """Same scenario content, replications and seed -> same key (and the same numbers)."""
    text = f"{scenario.model_dump_json()}|{replications}|{seed}"
    return f"{scenario.name}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def cached_result(key: str) -> Any:
    results, lock = _results()
    with lock:
        return results.get(key)


def keep_result(key: str, result: Any) -> None:
    """Keep a result (a simulation, a comparison, a staffing search) for anyone asking the same."""
    results, lock = _results()
    with lock:
        results[key] = result
        results.move_to_end(key)
        while len(results) > _KEEP:
            results.popitem(last=False)


def run_simulation(scenario: Scenario, replications: int, seed: int,
                   progress: Callable[[int, int], None] | None = None) -> tuple[str, SimResult]:
    """Run (or fetch) a simulation with its event log; returns its key and result."""
    key = scenario_key(scenario, replications, seed)
    done = cached_result(key)
    if done is not None:
        if progress:
            progress(replications, replications)
        return key, done
    result = simulate(scenario, replications=replications, seed=seed, key=scenario.name, keep_events=True,
                      progress=progress, executor=executor())
    keep_result(key, result)
    return key, result
