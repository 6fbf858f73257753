"""Staffing theory: the targets, the search space and the analytic estimate of every candidate.

What ``labelline.plan.staffing`` prunes and orders with before it simulates anything: each
candidate's cost (exact for salaried pools), the load on each pool, an accuracy estimate and a
cycle-time estimate (Erlang C for a pure M/M/c line, where it is exact; otherwise a fluid model
of the label stage over the horizon plus Allen-Cunneen waits downstream). The search itself,
and why a candidate wins, is in staffing.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from labelline.sim.model import shift_hours
from labelline.sim.queueing import mmc
from labelline.sim.scenario import Handling, Pool, Scenario

__all__ = [
    "Targets", "SearchSpace", "Config", "Estimate", "Candidate", "varied_pools", "is_pure_mmc", "mmc_cycle_quantile_h",
    "estimate_candidates", "salaried_cost",
]

_QUANTILE = 0.95  # the SLA percentile: "95 % of items within H hours"
_MC_DRAWS = 20_000  # quality Monte Carlo: standard error about 0.003 on an accuracy
_MC_SEED = 20261202  # fixed: the analytic layer is deterministic
_COST_FLOOR_SHARE = 0.9  # an estimated (not salaried) cost can come out this much lower when simulated
_ACCURACY_SLACK = 0.01  # prune on accuracy only this far below the target (Monte Carlo and mixing error)

# Figures a simulated candidate reports (money, hours, shares, items/h).
REPORTED = ("cost", "cost_per_accepted_label", "cost_per_correct_label", "cycle_time_p95_h", "wait_p95_h",
            "final_accuracy", "backlog_drain_h", "throughput_per_hour", "sla_attainment")

def finite_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Targets:
    """What the line must achieve; each None is not a target. Hours, shares, money."""

    cycle_p95_h: float | None = None  # 95 % of items finished within this many hours of arriving
    wait_p95_h: float | None = None  # 95 % of labels picked up within this many hours of arriving
    deadline_h: float | None = None  # the backlog drained by then (hours from the start)
    min_accuracy: float | None = None  # final label accuracy, share
    min_throughput_per_h: float | None = None  # items finished per hour
    budget: float | None = None  # spend over the measured window, money
    confidence: float = 0.95  # two-sided interval level; its bound on the right side decides

    def __post_init__(self) -> None:
        if self.cycle_p95_h is None and self.wait_p95_h is None and self.deadline_h is None:
            raise ValueError("give a deadline or an SLA (cycle_p95_h or wait_p95_h)")
        for name in ("cycle_p95_h", "wait_p95_h", "deadline_h", "min_throughput_per_h", "budget"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if self.min_accuracy is not None and not 0 < self.min_accuracy <= 1:
            raise ValueError(f"min_accuracy must be in (0, 1], got {self.min_accuracy!r}")
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence must be in [0.5, 1), got {self.confidence!r}")


@dataclass(frozen=True, slots=True)
class Config:
    """The line's settings besides headcounts that a candidate may change."""

    overlap: int
    review_share: float | None  # None: no review stage
    overflow_queue: int | None  # None: no overflow pool


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """Which pools vary and how far; which line settings may vary (empty: keep the scenario's)."""

    pools: tuple[str, ...] = ()  # empty: every pool with a headcount paid by the hour
    max_extra: int = 6  # headcounts from each pool's lower bound to this many above it
    overlap: tuple[int, ...] = ()
    review_share: tuple[float, ...] = ()
    overflow_queue: tuple[int, ...] = ()
    max_candidates: int = 50_000  # refuse a space larger than this (name fewer pools or values)


# --- the analytic layer ---------------------------------------------------------------------


def varied_pools(scenario: Scenario, names: Sequence[str] = ()) -> tuple[str, ...]:
    """The pools whose headcount the search varies: those named, else every pool with a headcount and an hourly rate."""
    if names:
        by_name = {p.name: p for p in scenario.pool}
        for name in names:
            if name not in by_name:
                raise ValueError(f"no pool named {name!r}")
            pool = by_name[name]
            if pool.unlimited:
                raise ValueError(f"pool {name!r} is unlimited: it has no headcount to vary")
            if pool.hourly_rate is None:
                raise ValueError(f"pool {name!r} has no hourly_rate: a salaried headcount needs one")
        return tuple(dict.fromkeys(names))
    return tuple(p.name for p in scenario.pool if p.headcount is not None and p.hourly_rate is not None
                 and p.per_item_price is None)


def salaried_cost(pool: Pool, headcount: int, start_h: float, end_h: float) -> float:
    """Spend on a salaried pool over a window: every shift hour at the loaded rate (the simulator's paid_for = "shift").

    Overhead is charged on the labour; a minimum commitment (pro rata to the window) tops the
    labour up, without overhead, as runs.summarise does.
    """
    hour = (pool.hourly_rate or 0.0) * (1 + pool.platform_fee_pct / 100)
    labour = headcount * shift_hours(pool.shift, start_h, end_h) * hour
    topup = max(0.0, pool.minimum_monthly * (end_h - start_h) / 720.0 - labour)
    return labour * (1 + pool.overhead_pct / 100) + topup


def _mean_h(h: Handling) -> float:
    return (h.mean_s if h.mean_s is not None else float(np.mean(h.samples_s))) / 3600.0


def _cv2(h: Handling) -> float:
    if h.distribution in ("lognormal", "gamma"):
        return h.cv**2
    if h.distribution == "exponential":
        return 1.0
    if h.distribution == "deterministic":
        return 0.0
    s = np.asarray(h.samples_s, dtype=float)
    return float(s.var() / s.mean() ** 2)


def shift_share(pool: Pool) -> float:
    """Share of the week a worker of the pool is on shift."""
    s = pool.shift
    if s is None:
        return 1.0
    days = len(set(s.weekdays)) if s.weekdays else s.days_per_week
    return s.hours_per_day * days / 168.0


def is_pure_mmc(scenario: Scenario) -> bool:
    """One queue, Poisson arrivals, exponential handling of one mean, around the clock: Erlang C is then exact."""
    st = scenario.stages
    if st.prelabel or st.review or st.adjudicate or st.qa or len(st.label.pools) != 1 or st.label.overflow_pool:
        return False
    if st.label.overlap != 1 or st.label.pickup_delay_h or st.label.escalate_pool:
        return False
    a = scenario.arrivals
    if a.backlog_items or a.batch or a.rate_per_h <= 0:
        return False
    pool = scenario.pool_named(st.label.pools[0])
    if pool.unlimited or pool.shift is not None or pool.new_hires:
        return False
    handlings = [pool.handling_for(t.name, "label") for t in scenario.task_type]
    return all(h.distribution == "exponential" for h in handlings) and len({h.mean_s for h in handlings}) == 1


def mmc_cycle_quantile_h(arrival_rate_per_h: float, service_rate_per_h: float, servers: int,
                         q: float = _QUANTILE) -> float:
    """The q-quantile of the time in an M/M/c queue (wait + service), hours; inf when unstable.

    The wait is 0 with probability 1 - C and exponential at rate θ = cμ − λ otherwise, the
    service exponential at rate μ, so P(T > t) = (1 − C)·e^(−μt) + C·P(Exp(θ) + Exp(μ) > t).
    """
    r = mmc(arrival_rate_per_h, service_rate_per_h, servers)
    if not r.stable:
        return math.inf
    mu, theta, c_wait = service_rate_per_h, servers * service_rate_per_h - arrival_rate_per_h, r.p_wait

    def tail(t: float) -> float:
        if abs(theta - mu) < 1e-9 * mu:
            both = (1 + mu * t) * math.exp(-mu * t)  # Erlang-2 when the two rates coincide
        else:
            both = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
        return (1 - c_wait) * math.exp(-mu * t) + c_wait * both - (1 - q)

    hi = 1.0 / min(mu, theta)
    while tail(hi) > 0:
        hi *= 2
    return float(optimize.brentq(tail, 0.0, hi, xtol=1e-10))


@dataclass(frozen=True, slots=True)
class _Stage:
    """One stage's work per arriving item, and per pool the mean hours and cv² of a unit."""

    name: str
    units_per_item: float
    pools: tuple[str, ...]
    mean_h: Mapping[str, float]
    cv2: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class _Line:
    """The line under one Config: its stages, the label stage's split, accuracy by label pool."""

    config: Config
    stages: tuple[_Stage, ...]
    label_pools: tuple[str, ...]  # primary label pools (the overflow pool apart)
    accuracy_primary: float
    accuracy_overflow: float | None
    slots: float  # label slots per item (overlap), which run side by side


def _quality(scenario: Scenario, config: Config, label_pool: str, rng: np.random.Generator) -> tuple[float, float]:
    """(final accuracy, share of overlapped items not unanimous) by Monte Carlo of the quality path of model.py."""
    st = scenario.stages
    pool = scenario.pool_named(label_pool)
    types = scenario.task_type
    weights = np.array([t.share for t in types]) / sum(t.share for t in types)
    accuracy = split = 0.0
    for t, w in zip(types, weights, strict=True):
        n, k_max, classes = _MC_DRAWS, config.overlap, t.classes
        wrong = lambda: 1 + (rng.random(n) * (classes - 1)).astype(int)  # noqa: E731 - truth is class 0
        pre_label = np.zeros(n, dtype=int)
        pre_wrong = np.zeros(n, dtype=bool)
        if st.prelabel:
            model = scenario.pool_named(st.prelabel.pool)
            pre = rng.random(n) < st.prelabel.share
            pre_wrong = pre & (rng.random(n) >= model.handling_for(t.name, "prelabel").accuracy)
            pre_label = np.where(pre_wrong, wrong(), 0)
        k = np.where(rng.random(n) < st.label.overlap_share, k_max, 1)
        p = pool.handling_for(t.name, "label").accuracy
        answers = np.full((n, k_max), -1)
        for slot in range(k_max):
            active = k > slot
            answer = np.zeros(n, dtype=int)
            attempt, going = 1, active.copy()
            review = st.review
            while going.any():
                right = rng.random(n) < p
                anchored = pre_wrong & (rng.random(n) < (st.prelabel.anchoring if st.prelabel else 0.0))
                now = np.where(anchored, pre_label, np.where(right, 0, wrong()))
                answer = np.where(going, now, answer)
                if review is None or config.review_share is None or attempt >= review.max_attempts:
                    break
                reviewed = rng.random(n) < config.review_share
                verdict = rng.random(n)
                reject = reviewed & np.where(now != 0, verdict < review.catch_rate, verdict < review.false_reject_rate)
                going &= reject
                attempt += 1
            answers[:, slot] = np.where(active, answer, -1)
        votes = np.stack([(answers == answers[:, [i]]).sum(axis=1) for i in range(k_max)], axis=1)
        votes = np.where(answers >= 0, votes, 0)
        top = votes.max(axis=1)
        final = answers[np.arange(n), (votes == top[:, None]).argmax(axis=1)]
        split_votes = top < k
        if st.adjudicate and k_max > 1:
            judge = scenario.pool_named(st.adjudicate.pools[0]).handling_for(t.name, "adjudicate").accuracy
            final = np.where(split_votes & (rng.random(n) < judge), 0, final)
        if st.qa:
            checker = scenario.pool_named(st.qa.pools[0]).handling_for(t.name, "qa").accuracy
            fixed = (rng.random(n) < st.qa.share) & (final != 0) & (rng.random(n) < checker)
            final = np.where(fixed, 0, final)
        accuracy += w * float((final == 0).mean())
        split += w * float(split_votes[k > 1].mean()) if (k > 1).any() else 0.0
    return accuracy, split


def line_model(scenario: Scenario, config: Config) -> _Line:
    """Units of work per arriving item at each stage (visit ratios), from overlap, review, rework and escalation."""
    st = scenario.stages
    types = scenario.task_type
    weights = np.array([t.share for t in types]) / sum(t.share for t in types)
    slots = 1 + (config.overlap - 1) * st.label.overlap_share
    primary = tuple(st.label.pools)
    rng = np.random.default_rng(_MC_SEED)
    accuracy, split = _quality(scenario, config, primary[0], rng)
    accuracy_overflow = None
    if st.label.overflow_pool:
        accuracy_overflow = _quality(scenario, config, st.label.overflow_pool, rng)[0]
    review = st.review if config.review_share is not None else None
    units: dict[str, float] = {}
    work: dict[tuple[str, str], list[tuple[float, float, float]]] = {}  # (stage, pool) -> (weight, mean_h, cv2)

    def add(stage: str, pools: Sequence[str], type_name: str, weight: float, per_item: float, speedup: float = 1.0,
            lookup: str | None = None) -> None:
        units[stage] = units.get(stage, 0.0) + weight * per_item
        for name in pools:
            h = scenario.pool_named(name).handling_for(type_name, lookup or stage)
            work.setdefault((stage, name), []).append((weight * per_item, _mean_h(h) * speedup, _cv2(h)))

    for t, w in zip(types, weights, strict=True):
        speedup = 1.0
        if st.prelabel:
            model_right = scenario.pool_named(st.prelabel.pool).handling_for(t.name, "prelabel").accuracy
            add("prelabel", [st.prelabel.pool], t.name, w, st.prelabel.share)
            speedup = 1 - st.prelabel.time_saving * st.prelabel.share * model_right
        p = scenario.pool_named(primary[0]).handling_for(t.name, "label").accuracy
        attempts = [1.0]  # P(an attempt with this number happens), per label slot
        if review is not None:
            reject = config.review_share * ((1 - p) * review.catch_rate + p * review.false_reject_rate)
            attempts = [reject**a for a in range(review.max_attempts)]
        escalate_from = st.label.escalate_after_rejections if st.label.escalate_pool else len(attempts)
        own, escalated = sum(attempts[:escalate_from]), sum(attempts[escalate_from:])
        label_pools = list(primary) + ([st.label.overflow_pool] if st.label.overflow_pool else [])
        add("label", label_pools, t.name, w, slots * own, speedup)
        if escalated:  # relabels after enough rejections go to the escalation pool (experts)
            add("escalate", [st.label.escalate_pool], t.name, w, slots * escalated, lookup="label")
        if review is not None:
            add("review", review.pools, t.name, w, slots * sum(attempts) * config.review_share)
        if st.adjudicate and config.overlap > 1:
            add("adjudicate", st.adjudicate.pools, t.name, w, st.label.overlap_share * split)
        if st.qa:
            add("qa", st.qa.pools, t.name, w, st.qa.share)
    stages = []
    for name in ("prelabel", "label", "escalate", "review", "adjudicate", "qa"):
        if name not in units or units[name] <= 0:
            continue
        pools = tuple(dict.fromkeys(pool for (stage, pool) in work if stage == name))
        mean_h, cv2 = {}, {}
        for pool in pools:
            rows = work[name, pool]
            total = sum(r[0] for r in rows)
            m1 = sum(r[0] * r[1] for r in rows) / total
            m2 = sum(r[0] * r[1] ** 2 * (1 + r[2]) for r in rows) / total
            mean_h[pool], cv2[pool] = m1, max(m2 / m1**2 - 1, 0.0)
        stages.append(_Stage(name, units[name], pools, mean_h, cv2))
    return _Line(config, tuple(stages), primary, accuracy, accuracy_overflow, slots)


def line_arrival_rate_per_h(scenario: Scenario, deadline_h: float | None) -> float:
    """Average items an hour over the horizon: the stream, repeating batches, and one-off work spread over it."""
    a = scenario.arrivals
    horizon = deadline_h or scenario.horizon_h
    once = a.backlog_items + sum(b.items for b in a.batch if b.every_h is None)
    return a.rate_per_h + sum(b.items / b.every_h for b in a.batch if b.every_h) + once / horizon


@dataclass(frozen=True, slots=True)
class Estimate:
    """What theory says of a candidate before any simulation (hours, money, shares)."""

    cost: float  # spend over the window: salaried pools exactly, the rest estimated
    cost_floor: float  # the least it can plausibly cost once simulated (used to stop the search)
    utilisation: Mapping[str, float]  # offered load ÷ headcount on shift, per pool with a headcount
    accuracy: float
    cycle_p95_h: float  # an estimate to order by; exact for a pure M/M/c line
    wait_p95_h: float
    drain_h: float | None  # when the backlog is done (deadline mode), fluid estimate
    fluid_cycle_p95_h: float  # the part of cycle_p95_h from the fluid model alone (no randomness)
    overflow_share: float  # share of labels the overflow pool takes
    exact: bool  # the line is pure M/M/c: the estimates are exact


@dataclass
class Candidate:
    """One pool mix the search considered, what theory said and, if simulated, what the simulator measured."""

    headcounts: dict[str, int]
    config: Config
    estimate: Estimate
    status: str = "not reached"  # recommended | met | missed | not confirmed | pruned | dominated | costlier
    reason: str = ""
    replications: int = 0
    figures: dict[str, dict[str, float | None]] = field(default_factory=dict)  # figure -> mean, low, high

    @property
    def simulated(self) -> bool:
        return self.replications > 0

    @property
    def cost(self) -> float:
        return self.figures["cost"]["mean"] if self.simulated else self.estimate.cost

    def label(self) -> str:
        heads = ", ".join(f"{k} {v}" for k, v in self.headcounts.items())
        return heads + _config_words(self.config)

    def to_dict(self) -> dict:
        """Plain data with stable keys (None where nothing was measured or nothing is defined)."""
        e = self.estimate
        return {
            "headcount": dict(self.headcounts), "overlap": self.config.overlap,
            "review_share": self.config.review_share, "overflow_queue": self.config.overflow_queue,
            "status": self.status, "reason": self.reason, "replications": self.replications,
            "cost": finite_or_none(self.cost),
            "estimate": {"cost": finite_or_none(e.cost), "cost_floor": finite_or_none(e.cost_floor),
                         "cycle_p95_h": finite_or_none(e.cycle_p95_h), "wait_p95_h": finite_or_none(e.wait_p95_h),
                         "drain_h": None if e.drain_h is None else finite_or_none(e.drain_h),
                         "accuracy": finite_or_none(e.accuracy), "overflow_share": finite_or_none(e.overflow_share),
                         "utilisation": {k: finite_or_none(v) for k, v in sorted(e.utilisation.items())},
                         "exact": e.exact},
            "figures": {f: self.figures[f] for f in REPORTED if f in self.figures},
        }


def _config_words(config: Config) -> str:
    return f"; overlap {config.overlap}" + (
        f"; review {config.review_share:.0%}" if config.review_share is not None else "") + (
        f"; overflow at {config.overflow_queue}" if config.overflow_queue is not None else "")


def _grid(horizon_h: float) -> tuple[np.ndarray, float]:
    dt = max(0.1, horizon_h / 4000)  # at most 4,000 steps: the fluid model stays a fraction of a second
    steps = max(1, math.ceil(horizon_h / dt))
    return np.arange(steps) * (horizon_h / steps), horizon_h / steps


def _on_shift(pool: Pool, times: np.ndarray, dt: float) -> np.ndarray:
    """Share of each grid step a worker of the pool is on shift."""
    if pool.shift is None:
        return np.ones(len(times))
    return np.array([shift_hours(pool.shift, t, t + dt) / dt for t in times])


def fluid_label(scenario: Scenario, line: _Line, label_heads: np.ndarray, overflow_heads: np.ndarray | None,
                 deadline_h: float | None) -> dict[str, np.ndarray]:
    """A fluid (deterministic, no randomness) model of the label stage for many headcount mixes at once.

    `label_heads` has one row per mix and one column per primary label pool. Work arrives as
    the scenario says (backlog at t=0, batches, the stream as a steady flow) and is done at
    the rate the pools on shift allow; the overflow pool takes new items while the primary
    queue is past its threshold. The delays from cumulative arrivals and departures (first in,
    first out) are the shift closures, batches and backlog the line must absorb: a lower
    estimate of the real waits, which randomness only lengthens.
    """
    horizon = deadline_h or scenario.horizon_h
    times, dt = _grid(horizon)
    a = scenario.arrivals
    inflow = np.full(len(times), a.rate_per_h * dt)
    inflow[0] += a.backlog_items
    for b in a.batch:
        at = b.at_h
        while at < horizon:
            inflow[min(int(at / dt), len(times) - 1)] += b.items
            if b.every_h is None:
                break
            at += b.every_h
    label = next(s for s in line.stages if s.name == "label")
    per_item = label.units_per_item
    # Items an hour a worker on shift can carry: the item's label units at the pool's mean time.
    rate = [1.0 / (per_item * label.mean_h[p]) for p in line.label_pools]
    on = np.stack([_on_shift(scenario.pool_named(p), times, dt) for p in line.label_pools])  # pools x steps
    cap = (label_heads.astype(float) * np.array(rate))[:, :, None] * on[None, :, :] * dt  # mixes x pools x steps
    # An unlimited pool (a marketplace, a model) takes whatever arrives while it works.
    unlimited = np.array([scenario.pool_named(p).unlimited for p in line.label_pools])
    cap[:, unlimited, :] = np.where(on[unlimited] > 0, np.inf, 0.0)[None, :, :]
    cap = cap.sum(axis=1)
    n, steps = cap.shape
    over_cap = None
    threshold = math.inf
    st = scenario.stages.label
    if st.overflow_pool and line.config.overflow_queue is not None:
        vendor = scenario.pool_named(st.overflow_pool)
        threshold = line.config.overflow_queue / max(per_item, 1e-9)  # queued units -> items
        v_rate = 1.0 / (per_item * label.mean_h[st.overflow_pool])
        v_on = _on_shift(vendor, times, dt)
        if vendor.unlimited:
            over_cap = np.full((n, steps), np.inf) * v_on[None, :]
            over_cap[:, v_on == 0] = 0.0
        else:
            heads = overflow_heads if overflow_heads is not None else np.full(n, vendor.headcount)
            over_cap = heads[:, None].astype(float) * v_rate * v_on[None, :] * dt
    q = np.zeros(n)
    qv = np.zeros(n)
    done = np.zeros((n, steps))
    vendor_done = np.zeros(n)
    for i in range(steps):
        arriving = inflow[i]
        if over_cap is not None:
            to_vendor = np.clip(q + arriving - threshold, 0.0, arriving)
            qv += to_vendor
            arriving = arriving - to_vendor
            served_v = np.minimum(qv, over_cap[:, i])
            qv -= served_v
            vendor_done += served_v
        else:
            served_v = 0.0
        q += arriving
        served = np.minimum(q, cap[:, i])
        q -= served
        done[:, i] = served + served_v
    arrived = np.cumsum(inflow)
    departed = np.cumsum(done, axis=1)
    lo, hi = measured_window(scenario, deadline_h)
    window = (times >= lo) & (times < hi)
    p95 = np.empty(n)
    drain = np.full(n, np.nan)
    for j in range(n):
        # The items leaving in a step arrived when cumulative arrivals reached cumulative departures.
        came = times[np.minimum(np.searchsorted(arrived, departed[j] - 1e-9), steps - 1)]
        delay = times + dt - came
        w = done[j] * window
        p95[j] = _weighted_quantile(delay, w, _QUANTILE) if w.sum() > 0 else math.inf
        if a.backlog_items:
            k = np.searchsorted(departed[j], a.backlog_items - 1e-6)
            drain[j] = times[k] + dt if k < steps else math.inf
    total = departed[:, -1]
    share = np.where(total > 0, vendor_done / np.maximum(total, 1e-12), 0.0)
    return {"p95": p95, "drain": drain, "overflow_share": share}


def measured_window(scenario: Scenario, deadline_h: float | None) -> tuple[float, float]:
    """The measured window, hours: the whole run up to a deadline, else the scenario's (warm-up, cool-down)."""
    if deadline_h is not None:
        return 0.0, deadline_h
    return scenario.warmup_h, scenario.horizon_h - scenario.cooldown_h


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def estimate_candidates(scenario: Scenario, rows: Sequence[tuple[dict[str, int], Config]],
                        deadline_h: float | None = None) -> list[Estimate]:
    """Theory's view of each (headcounts, config): cost, utilisation, accuracy, p95 estimates."""
    out: list[Estimate | None] = [None] * len(rows)
    by_config: dict[Config, list[int]] = {}
    for i, (_, config) in enumerate(rows):
        by_config.setdefault(config, []).append(i)
    lo, hi = measured_window(scenario, deadline_h)
    lam = line_arrival_rate_per_h(scenario, deadline_h)
    pure = is_pure_mmc(scenario)
    for config, idx in by_config.items():
        line = line_model(scenario, config)
        st = scenario.stages.label
        label_heads = np.array([[_heads(scenario, rows[i][0], p) for p in line.label_pools] for i in idx])
        overflow_heads = None
        if st.overflow_pool and not scenario.pool_named(st.overflow_pool).unlimited:
            overflow_heads = np.array([_heads(scenario, rows[i][0], st.overflow_pool) for i in idx])
        # The fluid model depends only on the label pools' headcounts: solve each distinct mix once.
        keys = np.hstack([label_heads, overflow_heads[:, None]]) if overflow_heads is not None else label_heads
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        if pure:  # no backlog, batches or shifts: nothing for the fluid model to add to Erlang C
            zeros = np.zeros(len(unique))
            fluid = {"p95": zeros, "drain": np.full(len(unique), np.nan), "overflow_share": zeros}
        else:
            fluid = fluid_label(scenario, line, unique[:, :label_heads.shape[1]],
                                 unique[:, -1] if overflow_heads is not None else None, deadline_h)
        for j, i in enumerate(idx):
            heads = rows[i][0]
            f = {k: v[inverse[j]] for k, v in fluid.items()}
            out[i] = _estimate_one(scenario, line, heads, f, lam, lo, hi, pure, deadline_h)
    return out  # type: ignore[return-value]


def _heads(scenario: Scenario, headcounts: Mapping[str, int], pool: str) -> int:
    p = scenario.pool_named(pool)
    return headcounts.get(pool, p.headcount if p.headcount is not None else 0)


def _random_overflow(scenario: Scenario, line: _Line, heads: Mapping[str, int], lam: float) -> float:
    """Share of new labels that find the primary queue at the overflow threshold by chance.

    Overflow at K queued caps the queue, so the primary pools are an M/M/c/c+K system and the
    share sent away is its blocking probability: p(n) ∝ aⁿ/n! up to c, then ·ρ per place in
    the queue, and the share is p(c + K). Steadier handling than exponential shortens queues:
    K is stretched by 2 / (1 + cs²), the heavy-traffic rate at which queue tails decay. The
    fluid model's share (queues built by shifts, batches or overload) is taken when larger.
    """
    label = next(s for s in line.stages if s.name == "label")
    pools = [scenario.pool_named(p) for p in line.label_pools]
    if any(p.headcount is None for p in pools):
        return 0.0
    c = sum(_heads(scenario, heads, p.name) for p in pools)
    m, cs2 = label.mean_h[pools[0].name], label.cv2[pools[0].name]
    a = lam * label.units_per_item * m / shift_share(pools[0])
    if a <= 0:
        return 0.0
    k = line.config.overflow_queue * 2 / (1 + cs2)
    rho = a / c
    log_terms = np.concatenate([[0.0], np.cumsum(np.log(a) - np.log(np.arange(1, c + 1)))])  # log(aⁿ/n!)
    log_tc = log_terms[-1]
    geometric = k if abs(rho - 1) < 1e-12 else rho * (1 - rho**k) / (1 - rho)  # Σ ρʲ over the K places
    shift = log_terms.max()
    total = np.exp(log_terms - shift).sum() + np.exp(log_tc - shift) * geometric
    return float(np.exp(log_tc - shift + k * math.log(rho)) / total)


def _estimate_one(scenario: Scenario, line: _Line, heads: Mapping[str, int], fluid: Mapping[str, float], lam: float,
                  lo: float, hi: float, pure: bool, deadline_h: float | None) -> Estimate:
    span = hi - lo
    overflow = scenario.stages.label.overflow_pool
    v_share = float(fluid["overflow_share"]) if overflow else 0.0
    if overflow and line.config.overflow_queue is not None:
        v_share = max(v_share, _random_overflow(scenario, line, heads, lam))
    # Offered load per pool (worker-hours of work per hour on shift), work split between a stage's pools by capacity.
    load: dict[str, float] = {}
    variable = 0.0
    for stage in line.stages:
        pools = [p for p in stage.pools if p != overflow] if stage.name == "label" else list(stage.pools)
        demand = lam * stage.units_per_item
        shares = {}
        if stage.name == "label" and overflow:
            shares[overflow] = v_share
        caps = {p: (_heads(scenario, heads, p) or math.inf) * shift_share(scenario.pool_named(p)) / stage.mean_h[p]
                for p in pools}
        finite = {p: c for p, c in caps.items() if math.isfinite(c)}
        rest = 1.0 - sum(shares.values())
        if len(finite) < len(caps):  # an unlimited pool among them takes what it is offered first (free worker)
            shares.update({p: rest / len(caps) for p in caps})
        else:
            shares.update({p: rest * c / sum(finite.values()) for p, c in finite.items()})
        for p, share in shares.items():
            pool = scenario.pool_named(p)
            hours = demand * share * stage.mean_h[p]
            if pool.headcount is not None:
                load[p] = load.get(p, 0.0) + hours / shift_share(pool)
            if p not in heads and pool.paid_for != "shift":
                fee = 1 + pool.platform_fee_pct / 100
                per_unit = pool.per_item_price if pool.per_item_price is not None else \
                    (pool.hourly_rate or 0.0) * stage.mean_h[p]
                variable += demand * share * per_unit * fee * span * (1 + pool.overhead_pct / 100)
    # With an overflow pool, the primary labelers are busy all the time the queue is past the
    # threshold and the excess goes to the vendor: they are saturated, not overloaded.
    relieved = relieved_pools(scenario, line.config)
    utilisation = {p: load.get(p, 0.0) / _heads(scenario, heads, p)
                   for p in {q.name for q in scenario.pool if q.headcount is not None} if p in load}
    utilisation.update({p: min(u, 1.0) for p, u in utilisation.items() if p in relieved})
    salaried = sum(salaried_cost(scenario.pool_named(p), n, lo, hi) for p, n in heads.items())
    # Pools the search does not vary but the scenario already pays by the shift cost their salary.
    salaried += sum(salaried_cost(p, p.headcount, lo, hi) for p in scenario.pool
                    if p.paid_for == "shift" and p.name not in heads)
    fixed = sum(p.monthly_fee for p in scenario.pool) * span / 720.0
    minimum = sum(p.minimum_monthly * span / 720.0 for p in scenario.pool
                  if p.name not in heads and p.paid_for != "shift")
    variable = max(variable, minimum) if minimum else variable
    accuracy = line.accuracy_primary if line.accuracy_overflow is None else \
        (1 - v_share) * line.accuracy_primary + v_share * line.accuracy_overflow
    # Randomness on top of the fluid delays. Each stage is an M/M/c queue at its load while on
    # shift, its wait scaled by Allen-Cunneen (arrivals taken as Poisson, cv² = 1): the wait is
    # 0 with probability 1 - C, else exponential at rate cμ - λ. An item's time is the sum over
    # the stages it visits (a parallel label slot counts once); the sum's p95 is read off a
    # gamma with its mean and variance, which is closer than adding up per-stage p95s.
    mean = var = 0.0
    label_wait = 0.0
    for stage in line.stages:
        p = stage.pools[0]
        pool = scenario.pool_named(p)
        m, cs2 = stage.mean_h[p], stage.cv2[p]
        w1 = w2 = 0.0
        if pool.headcount is not None:
            c, a = _heads(scenario, heads, p), load.get(p, 0.0)
            if p in relieved:  # its queue is bounded by the threshold: the fluid model has that wait
                a = min(a, 0.999 * c)
            if a >= c:
                mean = var = math.inf
                break
            q = mmc(a / m, 1 / m, c)
            scale = (1 + cs2) / 2
            theta = c / m - a / m
            w1, w2 = scale * q.p_wait / theta, scale**2 * 2 * q.p_wait / theta**2
            if stage.name == "label":
                label_wait = q.wait_quantile_h(_QUANTILE) * scale
        t1, t2 = w1 + m, w2 + 2 * w1 * m + m * m * (1 + cs2)
        visits = stage.units_per_item / (line.slots if stage.name in ("label", "review", "escalate") else 1.0)
        mean += visits * t1
        var += visits * t2 - visits**2 * t1**2 if visits <= 1 else visits * (t2 - t1**2)
    if math.isfinite(mean) and mean > 0:
        spread = stats.gamma.ppf(_QUANTILE, mean**2 / max(var, 1e-12), scale=max(var, 1e-12) / mean)
    else:
        spread = math.inf
    fluid_p95 = float(fluid["p95"])
    if pure:
        label = line.stages[0]
        pool_name = label.pools[0]
        mu, c = 1 / label.mean_h[pool_name], _heads(scenario, heads, pool_name)
        cycle = mmc_cycle_quantile_h(lam, mu, c)
        wait = mmc(lam, mu, c).wait_quantile_h(_QUANTILE)
    else:
        cycle = fluid_p95 + float(spread)
        wait = fluid_p95 + label_wait + scenario.stages.label.pickup_delay_h
    drain = fluid["drain"]
    drain = None if (drain is None or math.isnan(drain)) else float(drain) + (mean if math.isfinite(mean) else 0.0)
    return Estimate(cost=salaried + fixed + variable, cost_floor=salaried + fixed + _COST_FLOOR_SHARE * variable,
                    utilisation=utilisation, accuracy=accuracy, cycle_p95_h=cycle, wait_p95_h=wait, drain_h=drain,
                    fluid_cycle_p95_h=fluid_p95, overflow_share=v_share, exact=pure)

def relieved_pools(scenario: Scenario, config: Config) -> frozenset[str]:
    """The primary label pools when an overflow pool takes their excess (they may run saturated)."""
    st = scenario.stages.label
    return frozenset(st.pools) if st.overflow_pool and config.overflow_queue is not None else frozenset()
