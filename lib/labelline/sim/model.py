"""The annotation line as a SimPy model: one replication of a scenario.

Each item is a SimPy process that walks the stages of the scenario: optional model
pre-labeling, k independent labels, review of a sampled share with rework on rejection,
adjudication when labels disagree, QA on a share. Workers are tokens in a SimPy Store per
pool (so each event names the worker who did it); an unlimited pool has no queue. Quality is
simulated: a label is right with the worker's accuracy, review catches a wrong one with its
catch rate, the final label is the majority or the adjudicator's.

The run writes the product's event log (so every KPI works on simulated data) and one
record per item for the summary. Randomness comes from named streams seeded by (seed,
replication, stream name): the same stream feeds the same decision in every scenario
(common random numbers), which makes scenario differences far less noisy.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import simpy

from labelline.schema import EVENT_COLUMNS, EVENT_SCHEMA
from labelline.sim.scenario import Handling, Pool, Scenario, Shift

__all__ = ["Replication", "run_replication", "SIM_EPOCH"]

# Simulated hour 0 is a Monday 00:00 UTC, so shifts and weekends fall on real weekdays.
SIM_EPOCH = datetime(2026, 1, 5, tzinfo=timezone.utc)
_BLOCK = 4096  # draws per refill: numpy is fast per block and slow per call
_CROWD_SIZE = 1000  # distinct people behind an unlimited (marketplace) pool


class Stream:
    """A named random stream: uniform and standard-normal draws in blocks."""

    def __init__(self, seed: int, replication: int, name: str) -> None:
        self.rng = np.random.default_rng([seed, replication, zlib.crc32(name.encode())])
        self._u = self.rng.random(_BLOCK)
        self._i = 0

    def random(self) -> float:
        if self._i == _BLOCK:
            self._u = self.rng.random(_BLOCK)
            self._i = 0
        value = self._u[self._i]
        self._i += 1
        return float(value)


class Sampler:
    """Handling times (seconds) from one pool's distribution for one task type."""

    def __init__(self, handling: Handling, stream: Stream) -> None:
        self.h = handling
        self.stream = stream
        d = handling.distribution
        if d == "lognormal":
            sigma2 = math.log(1 + handling.cv**2)
            mu = math.log(handling.mean_s) - sigma2 / 2
            self._draw = lambda n: stream.rng.lognormal(mu, math.sqrt(sigma2), n)
        elif d == "gamma":
            shape = 1 / handling.cv**2
            self._draw = lambda n: stream.rng.gamma(shape, handling.mean_s / shape, n)
        elif d == "exponential":
            self._draw = lambda n: stream.rng.exponential(handling.mean_s, n)
        elif d == "deterministic":
            self._draw = lambda n: np.full(n, handling.mean_s)
        else:
            samples = np.asarray(handling.samples_s, dtype=float)
            self._draw = lambda n: stream.rng.choice(samples, n)
        self._buf = self._draw(_BLOCK)
        self._i = 0

    def seconds(self) -> float:
        if self._i == _BLOCK:
            self._buf = self._draw(_BLOCK)
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return float(value)


def _on_shift_from(shift: Shift | None, t_h: float) -> float:
    """The earliest time >= t_h (hours) at which a worker on this shift can start work."""
    if shift is None:
        return t_h
    local = t_h + shift.utc_offset_h
    for _ in range(15):  # two weeks ahead always finds a working day
        day = math.floor(local / 24)
        weekday = day % 7  # 0 = Monday
        start = day * 24 + shift.start_hour
        end = start + shift.hours_per_day
        if shift.works_on(weekday):
            if local < start:
                return start - shift.utc_offset_h
            if local < end:
                return local - shift.utc_offset_h
        local = (day + 1) * 24
    raise AssertionError("no working day in two weeks")


def _after_working_hours(shift: Shift | None, t_h: float, hours: float) -> float:
    """The time at which `hours` of this shift's working time have passed after t_h."""
    t = _on_shift_from(shift, t_h)
    if shift is None:
        return t + hours
    while True:
        local = t + shift.utc_offset_h
        day_end = math.floor(local / 24) * 24 + shift.start_hour + shift.hours_per_day - shift.utc_offset_h
        if t + hours <= day_end:
            return t + hours
        hours -= day_end - t
        t = _on_shift_from(shift, day_end + 1e-9)


def _shift_hours(shift: Shift | None, start_h: float, end_h: float) -> float:
    """Working hours of one worker on this shift between two times."""
    if shift is None:
        return max(end_h - start_h, 0.0)
    total = 0.0
    first_day = math.floor((start_h + shift.utc_offset_h) / 24) - 1
    last_day = math.floor((end_h + shift.utc_offset_h) / 24) + 1
    for day in range(first_day, last_day + 1):
        if not shift.works_on(day % 7):
            continue
        s = day * 24 + shift.start_hour - shift.utc_offset_h
        e = s + shift.hours_per_day
        total += max(0.0, min(e, end_h) - max(s, start_h))
    return total


class PoolState:
    def __init__(self, env: simpy.Environment, pool: Pool, line: Replication) -> None:
        self.pool = pool
        self.env = env
        self.busy_h = 0.0  # handling time inside the measured window
        self.jobs = 0  # units of work started inside the measured window
        self.service_h = 0.0  # their total handling time (for the mean service time)
        self.samplers: dict[str, Sampler] = {}
        self.quality = line.stream(f"quality:{pool.name}")
        self.line = line
        if pool.unlimited:
            self.workers = None
        else:
            # A FilterStore so an item's k labels go to k different people.
            self.workers = simpy.FilterStore(env, capacity=pool.headcount)
            self.workers.items.extend(f"{pool.name}-{i:03d}" for i in range(pool.headcount))

    def sampler(self, task_type: str, stage: str) -> Sampler:
        key = f"{stage}:{task_type}"
        if key not in self.samplers:
            handling = self.pool.handling_for(task_type, stage)
            self.samplers[key] = Sampler(handling, self.line.stream(f"time:{self.pool.name}:{key}"))
        return self.samplers[key]

    def accuracy(self, task_type: str, stage: str) -> float:
        return self.pool.handling_for(task_type, stage).accuracy

    def crowd_member(self, exclude: set[str] | None) -> str:
        """A worker id for an unlimited pool: one of a large crowd, not one of `exclude`."""
        draw = self.line.stream(f"crowd:{self.pool.name}")
        for _ in range(20):
            worker = f"{self.pool.name}-{int(draw.random() * _CROWD_SIZE):04d}"
            if not exclude or worker not in exclude:
                return worker
        return worker

    def queue_length(self) -> int:
        return 0 if self.workers is None else len(self.workers.get_queue)

    def free(self) -> bool:
        return self.workers is None or bool(self.workers.items)

    def cost(self, seconds: float) -> float:
        p = self.pool
        base = p.per_item_price if p.per_item_price is not None else seconds / 3600 * (p.hourly_rate or 0.0)
        return base * (1 + p.platform_fee_pct / 100)


@dataclass
class ItemRecord:
    created_h: float
    finished_h: float | None
    correct: bool | None
    cost: float
    from_backlog: bool


@dataclass
class Replication:
    """One run of a scenario: its event log (columns) and item records."""

    scenario: Scenario
    replication: int
    seed: int
    key: str = "scenario"
    env: simpy.Environment = field(default_factory=simpy.Environment)
    epoch: datetime = SIM_EPOCH  # the moment simulated hour 0 stands for (a Monday 00:00 UTC by default)

    def __post_init__(self) -> None:
        self.streams: dict[str, Stream] = {}
        self.pools = {p.name: PoolState(self.env, p, self) for p in self.scenario.pool}
        self.cols: dict[str, list] = {c: [] for c in EVENT_COLUMNS}
        self.items: list[ItemRecord] = []
        self.window = (self.scenario.warmup_h, self.scenario.horizon_h - self.scenario.cooldown_h)
        self.source = f"sim:{self.key}/{self.replication}"
        self._n_events = 0
        self._n_items = 0

    def stream(self, name: str) -> Stream:
        if name not in self.streams:
            self.streams[name] = Stream(self.seed, self.replication, name)
        return self.streams[name]

    # ----------------------------------------------------------------- recording
    def record(self, item_id: str, task_type: str, stage: str, attempt: int, worker: str, pool: Pool,
               queued_h: float, started_h: float, submitted_h: float, outcome: str, label: str | None,
               reviews: str | None, cost: float) -> str:
        self._n_events += 1
        event_id = f"{self.source}/{self._n_events}"
        c = self.cols
        c["event_id"].append(event_id)
        c["item_id"].append(item_id)
        c["task_type"].append(task_type)
        c["stage"].append(stage)
        c["attempt"].append(attempt)
        c["worker_id"].append(worker)
        c["tier"].append(pool.tier)
        c["org"].append(pool.org)
        c["queued_at"].append(queued_h)
        c["started_at"].append(started_h)
        c["submitted_at"].append(submitted_h)
        c["active_s"].append(round((submitted_h - started_h) * 3600, 3))
        c["outcome"].append(outcome)
        c["label"].append(label)
        c["reviews_event_id"].append(reviews)
        c["cost"].append(round(cost, 6))
        return event_id

    def event_table(self, start: int = 0) -> pa.Table:
        """The replication's events in the store's schema (from event number `start` on)."""
        n = self._n_events - start
        c = {name: values[start:] for name, values in self.cols.items()}
        epoch_us = int(self.epoch.timestamp() * 1_000_000)
        for name in ("queued_at", "started_at", "submitted_at"):
            hours = np.asarray(c[name], dtype=float)
            c[name] = pa.array(epoch_us + np.round(hours * 3.6e9).astype(np.int64), type=pa.timestamp("us", tz="UTC"))
        c["source"] = [self.source] * n
        c["source_ref"] = [self.scenario.name] * n
        c["project"] = [self.scenario.project] * n
        for name in ("batch", "gold_label", "meta"):
            c[name] = pa.nulls(n, pa.string())
        return pa.table({name: c[name] for name in EVENT_COLUMNS},
                        schema=pa.schema([EVENT_SCHEMA.field(x) for x in EVENT_COLUMNS]))

    # ----------------------------------------------------------------- work
    def work(self, state: PoolState, item_id: str, task_type: str, stage: str, attempt: int,
             speedup: float = 1.0, queued_h: float | None = None, exclude: set[str] | None = None,
             claim: set[str] | None = None):
        """Queue for a worker of the pool (not one in `exclude`), wait for their shift, do the work.

        Yields (worker, queued, start, end) in simulated hours.
        """
        env = self.env
        queued = env.now if queued_h is None else queued_h
        if state.workers is None:
            worker = state.crowd_member(exclude)
        elif exclude is not None and (state.pool.headcount or 0) >= self.scenario.stages.label.overlap:
            # The set is read when a worker frees up, so labels of the item started meanwhile count.
            worker = yield state.workers.get(lambda w: w not in exclude)
        else:
            worker = yield state.workers.get()
        if claim is not None:
            claim.add(worker)  # at once: the item's other labels, running alongside, must not get them
        start = _on_shift_from(state.pool.shift, env.now)
        if start > env.now:
            yield env.timeout(start - env.now)
        hours = state.sampler(task_type, stage).seconds() * speedup / 3600
        yield env.timeout(hours)
        if state.workers is not None:
            state.workers.put(worker)
        lo, hi = self.window
        state.busy_h += max(0.0, min(env.now, hi) - max(start, lo))
        if lo <= start < hi:
            state.jobs += 1
            state.service_h += hours
        return worker, queued, start, env.now

    def choose(self, names: list[str], overflow: str | None = None, threshold: int | None = None) -> PoolState:
        pools = [self.pools[n] for n in names]
        if overflow is not None and pools[0].queue_length() >= threshold:
            return self.pools[overflow]
        for state in pools:
            if state.free():
                return state
        return min(pools, key=lambda s: s.queue_length() / (s.pool.headcount or 1))

    def item(self, task_type: str, classes: int, from_backlog: bool):
        env, st = self.env, self.scenario.stages
        self._n_items += 1
        item_id = f"{self.source}/item-{self._n_items}"
        created = env.now
        draw = self.stream(f"item:{task_type}")
        truth = int(draw.random() * classes)
        record = ItemRecord(created_h=created, finished_h=None, correct=None, cost=0.0, from_backlog=from_backlog)
        self.items.append(record)
        pre_right: bool | None = None
        pre_label = None
        if st.prelabel and draw.random() < st.prelabel.share:
            state = self.pools[st.prelabel.pool]
            worker, q, s, e = yield from self.work(state, item_id, task_type, "prelabel", 1)
            pre_right = state.quality.random() < state.accuracy(task_type, "prelabel")
            pre_label = truth if pre_right else (truth + 1 + int(draw.random() * (classes - 1))) % classes
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            self.record(item_id, task_type, "prelabel", 1, worker, state.pool, q, s, e, "submitted",
                        f"c{pre_label}", None, cost)
        k = st.label.overlap if draw.random() < st.label.overlap_share else 1
        answers: list[int] = [0] * k
        labelers: set[str] = set()
        procs = [env.process(self.label(item_id, task_type, classes, truth, pre_right, pre_label, answers, i, record,
                                        labelers))
                 for i in range(k)]
        yield simpy.AllOf(env, procs)
        votes = np.bincount(answers, minlength=classes)
        # Majority; a tie goes to the first answer among the tied (not to the lowest class).
        top = votes.max()
        final = next(a for a in answers if votes[a] == top)
        if k > 1 and votes.max() < k and st.adjudicate:
            state = self.choose(st.adjudicate.pools)
            worker, q, s, e = yield from self.work(state, item_id, task_type, "adjudicate", 1)
            right = state.quality.random() < state.accuracy(task_type, "adjudicate")
            final = truth if right else final
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            self.record(item_id, task_type, "adjudicate", 1, worker, state.pool, q, s, e, "resolved",
                        f"c{final}", None, cost)
        if st.qa and draw.random() < st.qa.share:
            state = self.choose(st.qa.pools)
            worker, q, s, e = yield from self.work(state, item_id, task_type, "qa", 1)
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            # QA corrects a wrong final label when it spots it (with the QA pool's accuracy).
            fixed = final != truth and state.quality.random() < state.accuracy(task_type, "qa")
            if fixed:
                final = truth
            self.record(item_id, task_type, "qa", 1, worker, state.pool, q, s, e,
                        "fixed" if fixed else "accepted", f"c{final}" if fixed else None, None, cost)
        record.finished_h = env.now
        record.correct = final == truth

    def label(self, item_id: str, task_type: str, classes: int, truth: int, pre_right: bool | None,
              pre_label: int | None, answers: list[int], slot: int, record: ItemRecord, labelers: set[str]):
        st = self.scenario.stages
        lab = st.label
        available = self.env.now
        if lab.pickup_delay_h > 0:
            delay = -math.log(1 - self.stream("label:pickup").random()) * lab.pickup_delay_h
            ready = _after_working_hours(self.pools[lab.pools[0]].pool.shift, self.env.now, delay)
            yield self.env.timeout(ready - self.env.now)
        state = self.choose(lab.pools, lab.overflow_pool, lab.overflow_queue)
        attempt = 1
        mine = ""
        while True:
            speedup = 1 - st.prelabel.time_saving if (pre_right and st.prelabel) else 1.0
            first = attempt == 1
            worker, q, s, e = yield from self.work(state, item_id, task_type, "label", attempt, speedup,
                                                   available if first else None,
                                                   labelers if first else labelers - {mine},
                                                   labelers if first else None)
            if first:
                mine = worker
            right = state.quality.random() < state.accuracy(task_type, "label")
            if pre_right is False and st.prelabel and state.quality.random() < st.prelabel.anchoring:
                answer = pre_label  # anchored on the model's wrong answer
            elif right:
                answer = truth
            else:
                answer = (truth + 1 + int(state.quality.random() * (classes - 1))) % classes
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            label_id = self.record(item_id, task_type, "label", attempt, worker, state.pool, q, s, e, "submitted",
                                   f"c{answer}", None, cost)
            answers[slot] = answer
            review = st.review
            if review is None or self.stream("review:sample").random() >= review.share:
                return
            rstate = self.choose(review.pools)
            rworker, rq, rs, re_ = yield from self.work(rstate, item_id, task_type, "review", attempt)
            verdict = rstate.quality.random()
            reject = verdict < review.catch_rate if answer != truth else verdict < review.false_reject_rate
            if attempt >= review.max_attempts:
                reject = False  # accepted as is: the line stops sending it back
            rcost = rstate.cost((re_ - rs) * 3600)
            record.cost += rcost
            self.record(item_id, task_type, "review", attempt, rworker, rstate.pool, e, rs, re_,
                        "rejected" if reject else "accepted", None, label_id, rcost)
            if not reject:
                return
            attempt += 1

    # ----------------------------------------------------------------- arrivals
    def arrivals(self):
        sc = self.scenario
        types = sc.task_type
        weights = np.cumsum([t.share for t in types])
        weights = weights / weights[-1]
        pick = self.stream("arrivals:type")

        def start(from_backlog: bool) -> None:
            t = types[int(np.searchsorted(weights, pick.random(), side="right"))]
            self.env.process(self.item(t.name, t.classes, from_backlog))

        for _ in range(sc.arrivals.backlog_items):
            start(True)
        for batch in sc.arrivals.batch:
            self.env.process(self._batch(batch, start))
        if sc.arrivals.rate_per_h > 0:
            gaps = self.stream("arrivals:gaps")
            while True:
                yield self.env.timeout(-math.log(1 - gaps.random()) / sc.arrivals.rate_per_h)
                if self.env.now >= sc.horizon_h:
                    return
                start(False)

    def _batch(self, batch, start):
        at = batch.at_h
        while at < self.scenario.horizon_h:
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            for _ in range(batch.items):
                start(False)
            if batch.every_h is None:
                return
            at += batch.every_h

    def run(self) -> Replication:
        self.start()
        self.env.run(until=self.scenario.horizon_h)
        return self

    def start(self) -> None:
        """Schedule the arrivals; then advance with `advance` (or `run` to the horizon)."""
        self.env.process(self.arrivals())

    def advance(self, until_h: float) -> int:
        """Simulate up to `until_h` hours; return how many events exist so far."""
        self.env.run(until=min(until_h, self.scenario.horizon_h))
        return self._n_events

    def available_h(self, state: PoolState) -> float | None:
        """Worker-hours the pool offered inside the measured window (None: unlimited)."""
        if state.pool.unlimited:
            return None
        lo, hi = self.window
        return state.pool.headcount * _shift_hours(state.pool.shift, lo, hi)


def run_replication(scenario: Scenario, replication: int, seed: int = 0, key: str | None = None) -> Replication:
    """Simulate one replication to the horizon."""
    return Replication(scenario, replication, seed, key or scenario.name).run()
