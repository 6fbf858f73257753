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
import multiprocessing
import os
import sys
import types
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar
from threading import Lock

import streamlit as st

from labelline.sim.runs import SimResult, simulate
from labelline.sim.scenario import Scenario

__all__ = ["executor", "shutdown", "result_key", "scenario_key", "run_simulation", "cached_result", "keep_result",
           "with_pool"]

T = TypeVar("T")

_KEEP = 16  # results kept per server (each holds its event log: a few MB)
_pools: list[ProcessPoolExecutor] = []  # the pools executor() made, for shutdown()


def _usable(pool: ProcessPoolExecutor) -> bool:
    # A worker that died (killed, out of memory) breaks the whole pool for good; the
    # executor's own flag is the only way to know without submitting work.
    return not getattr(pool, "_broken", False) and not getattr(pool, "_shutdown_thread", False)


@st.cache_resource(show_spinner=False, validate=_usable)
def executor() -> ProcessPoolExecutor:
    """The server's process pool for simulations (one per server, shared by every session).

    Workers come from a fork server, not a fork of this process: a forked worker would
    inherit the server's open sockets and pipes and keep them open for its whole life (a
    browser driver waiting for its pipe to close then never exits), and forking a process
    that runs threads can copy a lock in its held state.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["labelline.sim.runs"])  # each worker starts with the simulator imported
    workers = max(1, (os.cpu_count() or 2) - 1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    # A new worker re-runs the parent's __main__ file, and while a page runs Streamlit makes
    # that page's script __main__: the worker would run the page. Start every worker (and the
    # fork server) now, with a neutral __main__, so none is ever started from a page.
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        for future in [pool.submit(int) for _ in range(workers)]:
            future.result()
    finally:
        sys.modules["__main__"] = main
    _pools.append(pool)
    return pool


def shutdown() -> None:
    """Stop the pool's workers (a test session's end; a server's pool lives as long as it does)."""
    for pool in _pools:
        pool.shutdown(wait=True, cancel_futures=True)
    _pools.clear()
    executor.clear()


@st.cache_resource(show_spinner=False)
def _results() -> tuple[OrderedDict[str, Any], Lock]:
    return OrderedDict(), Lock()


def result_key(kind: str, *inputs: object, digits: int = 16) -> str:
    """A key for a result from everything that decides it: same inputs, same key (and numbers)."""
    text = "|".join(i.model_dump_json() if hasattr(i, "model_dump_json") else str(i) for i in inputs)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:digits]}"


def scenario_key(scenario: Scenario, replications: int, seed: int) -> str:
    """Same scenario content, replications and seed -> same key (and the same numbers)."""
    return result_key(scenario.name, scenario, replications, seed, digits=12)


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


def with_pool(work: Callable[[Executor], T]) -> T:
    """``work(pool)`` on the server's pool; if a worker dies under it, once more on a new pool.

    Without this, one worker killed by the kernel (out of memory) would leave every later
    simulation on the server failing with BrokenProcessPool until a restart.
    """
    try:
        return work(executor())
    except BrokenProcessPool:
        executor.clear()
        return work(executor())


def run_simulation(scenario: Scenario, replications: int, seed: int,
                   progress: Callable[[int, int], None] | None = None) -> tuple[str, SimResult]:
    """Run (or fetch) a simulation with its event log; returns its key and result."""
    key = scenario_key(scenario, replications, seed)
    done = cached_result(key)
    if done is not None:
        if progress:
            progress(replications, replications)
        return key, done
    result = with_pool(lambda pool: simulate(scenario, replications=replications, seed=seed, key=scenario.name,
                                             keep_events=True, progress=progress, executor=pool))
    keep_result(key, result)
    return key, result
