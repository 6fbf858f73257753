"""The dashboard's process pool recovers when a worker dies (killed by the kernel, say)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from labelline.sim.runs import simulate
from labelline.sim.scenario import load_scenario
from labelline.ui import jobs

ROOT = Path(__file__).resolve().parents[1]


def _kill_a_worker() -> None:
    pool = jobs.executor()
    pid = next(iter(pool._processes))  # noqa: SLF001 - the test's way to play the OOM killer
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not getattr(pool, "_broken", False) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool._broken  # noqa: SLF001


def test_a_dead_worker_is_replaced_before_the_next_run() -> None:
    scenario = load_scenario(ROOT / "data" / "scenarios" / "baseline.toml")
    first = jobs.executor()
    _kill_a_worker()
    second = jobs.executor()  # the broken pool is not handed out again
    assert second is not first
    result = jobs.with_pool(lambda pool: simulate(scenario, replications=2, seed=1, executor=pool))
    assert len(result.per_replication) == 2


def test_a_worker_dying_during_a_run_retries_on_a_new_pool() -> None:
    calls = []

    def work(pool):  # noqa: ANN001, ANN202
        calls.append(pool)
        if len(calls) == 1:
            _kill_a_worker()
            return pool.submit(int).result()  # raises BrokenProcessPool
        return pool.submit(int, "7").result()

    assert jobs.with_pool(work) == 7
    assert len(calls) == 2 and calls[0] is not calls[1]
