"""Analytic queueing theory: what the simulator is checked against, and where staffing starts.

Every rate is per hour and every time is in hours; the names say so (``arrival_rate_per_h``,
``service_rate_per_h``, ``wait_mean_h``). ``servers`` is the number of annotators (or
reviewers, or machines) working one queue in parallel. All functions are pure.

What each formula means, for an ops planner:

**Offered load** ``a = λ / μ``: how many people the work would keep busy full time if it
arrived perfectly evenly. 9 items an hour at 1 item an hour per person is 9 people's worth of
work. **Utilisation** ``ρ = a / c`` is the share of the time each of the ``c`` people is busy.
If ``a >= c`` the team cannot keep up: the queue grows without end, and the waits reported
here are infinite (``math.inf``) rather than an error, so a what-if slider can cross the line.

**Erlang B** (``erlang_b``): with ``c`` people and *no* queue (work that finds everybody busy
is turned away), the share of work turned away. Computed by the standard recursion
``B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1))``, which never forms factorials and stays
accurate for thousands of servers.

**Erlang C** (``erlang_c``): with a queue, the probability that an item has to wait at all
before someone picks it up: ``C = c·B / (c − a·(1 − B))``. It is 1 when the team is
overloaded.

**M/M/c** (``mmc``): items arrive at random (Poisson, rate ``λ``), each takes a random,
exponentially distributed time (mean ``1/μ``), ``c`` people take them first come first
served. The mean wait in the queue is ``Wq = C / (c·μ − λ)``: the chance of waiting times the
mean wait of those who do, which is one over the team's spare capacity. The mean time from
arrival to done is ``W = Wq + 1/μ``. Little's law turns times into counts: on average
``Lq = λ·Wq`` items are queued and ``L = λ·W`` are in the stage (queued or being worked on).
The waiting time itself has a simple distribution: ``P(wait <= t) = 1 − C·exp(−(c·μ − λ)·t)``
(``service_level``), so "80 % picked up within 6 minutes" and the 95th-percentile wait
(``wait_quantile_h``) follow directly. Waits grow sharply as utilisation nears 1: with 10
people, going from 80 % to 95 % busy multiplies the mean wait by eight.

**Allen–Cunneen** (``allen_cunneen``): real arrivals and task times are rarely exponential.
The approximation scales the M/M/c wait by ``(ca² + cs²) / 2``, where ``ca²`` and ``cs²`` are
the squared coefficients of variation (variance ÷ mean²) of the gaps between arrivals and
of the task times. Exponential times have cv² = 1 (no change); steadier work waits less,
burstier work more. Task times are often lognormal; ``lognormal_cv2(σ) = exp(σ²) − 1`` gives
their cv² from the σ of the log of the time.

**Staffing** (``min_servers``): the fewest people meeting the targets given: a mean-wait
ceiling, a service level (a share of items picked up within a time), a utilisation ceiling.
The search starts at the smallest stable team, ``floor(a) + 1``, and adds one at a time.

**Open Jackson network** (``jackson_network``): a line of stages, each an M/M/c queue, with
routing probabilities between them: after review, 15 % go back to annotation and 85 % on to
QA. The *traffic equations* ``λ = λ0 + Pᵀλ`` say each stage receives its external arrivals
plus its share of everything leaving every stage; rework makes a stage see more than the
line's input (annotation sees 20 / 0.85 = 23.5 items an hour for 20 entering). Jackson's
theorem says each stage then behaves like an independent M/M/c queue at its own ``λ_i``. The
**visit ratio** ``v_i = λ_i / λ_external`` is how many times an average item passes stage
``i``; the mean **cycle time** (entry to exit) is ``Σ v_i·W_i`` and the mean **WIP** is
``Σ L_i`` (the two agree by Little's law). Each stage can pass at most ``c_i·μ_i / v_i``
items an hour of line input (its **capacity**); the line's maximum throughput is the least of
these, at the **bottleneck**, which is also the stage with the highest utilisation.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "MMcResult",
    "NetworkResult",
    "Station",
    "StationResult",
    "allen_cunneen",
    "erlang_b",
    "erlang_c",
    "jackson_network",
    "lognormal_cv2",
    "min_servers",
    "mmc",
]


# --- validation -----------------------------------------------------------------------------


def _count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def _nonneg(value: float, name: str) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return x


def _positive(value: float, name: str) -> float:
    x = float(value)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return x


# --- Erlang formulas ------------------------------------------------------------------------


def _erlang_b_step(k: int, offered_load: float, b_prev: float) -> float:
    """B(k) from B(k-1)."""
    ab = offered_load * b_prev
    return ab / (k + ab)


def _erlang_c_from_b(servers: int, offered_load: float, b: float) -> float:
    if offered_load >= servers:
        return 1.0
    c = servers * b / (servers - offered_load * (1.0 - b))
    return min(1.0, max(0.0, c))


def erlang_b(servers: int, offered_load: float) -> float:
    """Probability that work is turned away with ``servers`` busy and no queue (Erlang B)."""
    c = _count(servers, "servers", 0)
    a = _nonneg(offered_load, "offered_load")
    b = 1.0
    for k in range(1, c + 1):
        b = _erlang_b_step(k, a, b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arriving item waits (Erlang C); 1.0 when ``offered_load >= servers``."""
    c = _count(servers, "servers", 1)
    a = _nonneg(offered_load, "offered_load")
    if a >= c:
        return 1.0
    return _erlang_c_from_b(c, a, erlang_b(c, a))


# --- M/M/c ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MMcResult:
    """Steady state of an M/M/c queue. Unstable queues have infinite waits and counts."""

    arrival_rate_per_h: float
    service_rate_per_h: float
    servers: int
    offered_load: float
    utilisation: float
    stable: bool
    p_wait: float
    wait_mean_h: float
    time_in_system_mean_h: float
    queue_mean: float
    in_system_mean: float

    @property
    def _spare_capacity_per_h(self) -> float:
        return self.servers * self.service_rate_per_h - self.arrival_rate_per_h

    def service_level(self, target_wait_h: float) -> float:
        """P(wait <= target_wait_h) = 1 − C·exp(−(c·μ − λ)·t); 0.0 when unstable."""
        t = float(target_wait_h)
        if math.isnan(t) or t < 0:
            raise ValueError(f"target_wait_h must be >= 0, got {target_wait_h!r}")
        if not self.stable:
            return 0.0
        return 1.0 - self.p_wait * math.exp(-self._spare_capacity_per_h * t)

    def wait_quantile_h(self, q: float) -> float:
        """The ``q``-quantile of the waiting time (hours): 0 when q <= 1 − C, inf when unstable."""
        q = float(q)
        if math.isnan(q) or not 0.0 <= q <= 1.0:
            raise ValueError(f"q must be in [0, 1], got {q!r}")
        if q <= 1.0 - self.p_wait:
            return 0.0
        if not self.stable or q >= 1.0:
            return math.inf
        return math.log(self.p_wait / (1.0 - q)) / self._spare_capacity_per_h


def _mmc_from_b(lam: float, mu: float, c: int, a: float, b: float) -> MMcResult:
    spare = c * mu - lam
    stable = a < c and spare > 0
    if stable:
        p_wait = _erlang_c_from_b(c, a, b)
        wq = p_wait / spare
        w = wq + 1.0 / mu
        lq, l_sys = lam * wq, lam * w
    else:
        p_wait, wq, w, lq, l_sys = 1.0, math.inf, math.inf, math.inf, math.inf
    return MMcResult(
        arrival_rate_per_h=lam,
        service_rate_per_h=mu,
        servers=c,
        offered_load=a,
        utilisation=a / c,
        stable=stable,
        p_wait=p_wait,
        wait_mean_h=wq,
        time_in_system_mean_h=w,
        queue_mean=lq,
        in_system_mean=l_sys,
    )


def mmc(arrival_rate_per_h: float, service_rate_per_h: float, servers: int) -> MMcResult:
    """Steady-state figures of an M/M/c queue (Poisson arrivals, exponential service)."""
    lam = _nonneg(arrival_rate_per_h, "arrival_rate_per_h")
    mu = _positive(service_rate_per_h, "service_rate_per_h")
    c = _count(servers, "servers", 1)
    a = lam / mu
    return _mmc_from_b(lam, mu, c, a, erlang_b(c, a))


# --- Allen-Cunneen --------------------------------------------------------------------------


def lognormal_cv2(sigma: float) -> float:
    """Squared coefficient of variation of a lognormal time whose log has std ``sigma``."""
    s = _nonneg(sigma, "sigma")
    return math.expm1(s * s)


def allen_cunneen(
    arrival_rate_per_h: float,
    service_rate_per_h: float,
    servers: int,
    arrival_cv2: float,
    service_cv2: float,
) -> float:
    """Approximate mean wait in queue (hours) of a G/G/c queue: Wq(M/M/c)·(ca² + cs²)/2."""
    ca2 = _nonneg(arrival_cv2, "arrival_cv2")
    cs2 = _nonneg(service_cv2, "service_cv2")
    base = mmc(arrival_rate_per_h, service_rate_per_h, servers)
    if not base.stable:
        return math.inf
    return base.wait_mean_h * (ca2 + cs2) / 2.0


# --- staffing -------------------------------------------------------------------------------


def min_servers(
    arrival_rate_per_h: float,
    service_rate_per_h: float,
    *,
    target_wait_h: float | None = None,
    service_level: float | None = None,
    max_wait_h: float | None = None,
    max_utilisation: float = 1.0,
) -> int:
    """The fewest servers meeting every target given.

    Targets: mean wait in queue <= ``target_wait_h``; P(wait <= ``max_wait_h``) >=
    ``service_level`` (give both or neither); utilisation <= ``max_utilisation``. At least
    one target is required (a ``max_utilisation`` below 1 counts as one). The answer is
    always a stable team. The search starts at ``floor(a) + 1`` and extends the Erlang B
    recursion one server at a time, so it costs O(answer) even for large teams.
    """
    lam = _nonneg(arrival_rate_per_h, "arrival_rate_per_h")
    mu = _positive(service_rate_per_h, "service_rate_per_h")
    if target_wait_h is not None:
        target_wait_h = _positive(target_wait_h, "target_wait_h")
    if (service_level is None) != (max_wait_h is None):
        raise ValueError("service_level and max_wait_h go together: give both or neither")
    if service_level is not None:
        service_level = float(service_level)
        if math.isnan(service_level) or not 0.0 < service_level < 1.0:
            raise ValueError(f"service_level must be in (0, 1), got {service_level!r}")
        assert max_wait_h is not None
        max_wait_h = _nonneg(max_wait_h, "max_wait_h")
    max_utilisation = float(max_utilisation)
    if math.isnan(max_utilisation) or not 0.0 < max_utilisation <= 1.0:
        raise ValueError(f"max_utilisation must be in (0, 1], got {max_utilisation!r}")
    if target_wait_h is None and service_level is None and max_utilisation >= 1.0:
        raise ValueError("give at least one target: target_wait_h, service_level with max_wait_h, or max_utilisation < 1")

    a = lam / mu
    start = math.floor(a) + 1
    b = 1.0
    for k in range(1, start):
        b = _erlang_b_step(k, a, b)
    # Waits fall super-exponentially once c passes a; this bound is never reached for
    # targets > 0 but keeps a pathological input from looping forever.
    limit = start + 10 * math.ceil(math.sqrt(a) + 10) + 10_000
    for c in range(start, limit):
        b = _erlang_b_step(c, a, b)
        if a / c > max_utilisation:
            continue
        r = _mmc_from_b(lam, mu, c, a, b)
        if not r.stable:
            continue
        if target_wait_h is not None and r.wait_mean_h > target_wait_h:
            continue
        if service_level is not None and r.service_level(max_wait_h) < service_level:  # type: ignore[arg-type]
            continue
        return c
    raise ValueError(f"no team size up to {limit - 1} meets the targets")


# --- open Jackson networks ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Station:
    """One stage of the line: ``servers`` people each finishing ``service_rate_per_h`` items/h."""

    name: str
    servers: int
    service_rate_per_h: float

    def __post_init__(self) -> None:
        _count(self.servers, "servers", 1)
        _positive(self.service_rate_per_h, "service_rate_per_h")


@dataclass(frozen=True, slots=True)
class StationResult:
    """A station's steady state inside the network (an M/M/c queue at its own arrival rate)."""

    name: str
    servers: int
    service_rate_per_h: float
    arrival_rate_per_h: float
    visit_ratio: float
    utilisation: float
    stable: bool
    p_wait: float
    wait_mean_h: float
    time_in_system_mean_h: float
    queue_mean: float
    in_system_mean: float
    capacity_per_h: float
    """Line input (items/h) this station can pass: servers·μ / visit_ratio (inf if unvisited)."""


@dataclass(frozen=True, slots=True)
class NetworkResult:
    """Steady state of an open Jackson network."""

    stations: tuple[StationResult, ...]
    external_arrival_rate_per_h: float
    throughput_per_h: float
    """Items/h leaving the line: the external rate when stable, else the bottleneck capacity."""
    max_throughput_per_h: float
    cycle_time_mean_h: float
    wip_mean: float
    stable: bool
    bottleneck: StationResult

    def station(self, name: str) -> StationResult:
        for s in self.stations:
            if s.name == name:
                return s
        raise KeyError(name)


def jackson_network(
    stations: Sequence[Station],
    arrival_rate_per_h: float | Sequence[float] | ArrayLike,
    routing: Sequence[Sequence[float]] | ArrayLike,
) -> NetworkResult:
    """Solve an open Jackson network of M/M/c stations.

    ``arrival_rate_per_h``: a number (all external arrivals enter at the first station) or
    one external rate per station. ``routing[i][j]``: probability that an item leaving
    station ``i`` goes to station ``j``; what a row leaves short of 1 exits the line. Every
    item must eventually leave (no closed loop without an exit).
    """
    stations = tuple(stations)
    n = len(stations)
    if n == 0:
        raise ValueError("a network needs at least one station")
    names = [s.name for s in stations]
    if len(set(names)) != n:
        raise ValueError(f"station names must be unique, got {names}")

    if np.ndim(arrival_rate_per_h) == 0:
        total = _nonneg(float(arrival_rate_per_h), "arrival_rate_per_h")  # type: ignore[arg-type]
        pattern = np.zeros(n)
        pattern[0] = 1.0
    else:
        lam0 = np.asarray(arrival_rate_per_h, dtype=float)
        if lam0.shape != (n,):
            raise ValueError(f"arrival_rate_per_h needs one rate per station ({n}), got shape {lam0.shape}")
        if not np.all(np.isfinite(lam0)) or np.any(lam0 < 0):
            raise ValueError("external arrival rates must be finite and >= 0")
        total = float(lam0.sum())
        if total <= 0:
            raise ValueError("at least one station needs external arrivals (visit ratios are undefined otherwise)")
        pattern = lam0 / total

    p = np.asarray(routing, dtype=float)
    if p.shape != (n, n):
        raise ValueError(f"routing must be a {n}x{n} matrix, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ValueError("routing probabilities must be in [0, 1]")
    row_sums = p.sum(axis=1)
    if np.any(row_sums > 1.0 + 1e-9):
        bad = [names[i] for i in np.flatnonzero(row_sums > 1.0 + 1e-9)]
        raise ValueError(f"routing rows must sum to <= 1, not for {bad}")
    if float(np.max(np.abs(np.linalg.eigvals(p)))) >= 1.0 - 1e-12:
        raise ValueError("routing has a loop that items never leave (spectral radius of routing >= 1)")

    # Traffic equations per unit of external input: v = pattern + Pᵀ v.
    visits = np.linalg.solve(np.eye(n) - p.T, pattern)
    visits = np.maximum(visits, 0.0)  # clear round-off below zero

    results: list[StationResult] = []
    for st, v in zip(stations, visits, strict=True):
        v = float(v)
        lam = total * v
        q = mmc(lam, st.service_rate_per_h, st.servers)
        capacity = st.servers * st.service_rate_per_h / v if v > 0 else math.inf
        results.append(
            StationResult(
                name=st.name,
                servers=st.servers,
                service_rate_per_h=q.service_rate_per_h,
                arrival_rate_per_h=lam,
                visit_ratio=v,
                utilisation=q.utilisation,
                stable=q.stable,
                p_wait=q.p_wait,
                wait_mean_h=q.wait_mean_h,
                time_in_system_mean_h=q.time_in_system_mean_h,
                queue_mean=q.queue_mean,
                in_system_mean=q.in_system_mean,
                capacity_per_h=capacity,
            )
        )

    bottleneck = min(results, key=lambda r: r.capacity_per_h)
    max_throughput = bottleneck.capacity_per_h
    stable = all(r.stable for r in results)
    if stable:
        cycle = math.fsum(r.visit_ratio * r.time_in_system_mean_h for r in results if r.visit_ratio > 0)
        wip = math.fsum(r.in_system_mean for r in results)
        throughput = total
    else:
        cycle, wip = math.inf, math.inf
        throughput = min(total, max_throughput)
    return NetworkResult(
        stations=tuple(results),
        external_arrival_rate_per_h=total,
        throughput_per_h=throughput,
        max_throughput_per_h=max_throughput,
        cycle_time_mean_h=cycle,
        wip_mean=wip,
        stable=stable,
        bottleneck=bottleneck,
    )
