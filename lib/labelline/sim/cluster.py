"""Replications on a Dask cluster, for sweeps that outgrow one machine.

Labelline has no cluster code of its own: it hands the replications to an existing Dask
distributed scheduler by address (``tcp://host:8786``), whose workers need Labelline
installed. Results come back in replication order whatever order they finish in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["map_on_cluster"]

T = TypeVar("T")


def map_on_cluster(address: str, fn: Callable[[Any], T], jobs: Sequence[Any],
                   progress: Callable[[int, int], None] | None = None, timeout_s: float = 30.0) -> list[T]:
    """fn(job) for every job on the Dask cluster at `address`, in job order."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # an optional extra: say how to get it
        raise RuntimeError("running on a cluster needs Dask: pip install 'labelline[cluster]'") from exc
    try:
        client = Client(address, timeout=f"{timeout_s}s")
    except OSError as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        # pure=False: two identical jobs are still two replications, never one cached result.
        futures = client.map(fn, list(jobs), pure=False)
        order = {future.key: i for i, future in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for done, future in enumerate(as_completed(futures), start=1):
            results[order[future.key]] = future.result()
            if progress:
                progress(done, len(futures))
    return results
