"""The annotation line as a SimPy model: one replication of a scenario.

Each item is a SimPy process that walks the stages of the scenario: optional model
pre-labeling, k independent labels, review of a sampled share with rework on rejection,
adjudication when labels disagree, QA on a share. Workers are tokens in a pool per pool
(so each event names the worker who did it), waited for first come first served, or highest
task-type priority first when priorities differ; an unlimited pool has no queue. Quality is
simulated: a label is right with the worker's accuracy, review catches a wrong one with its
catch rate, the final label is the majority or the adjudicator's. A label rejected often
enough is escalated to an expert pool; new hires work slower while they ramp up.

The run writes the product's event log (so every KPI works on simulated data) and one
record per item for the summary. Randomness comes from named streams seeded by (seed,
replication, stream name): the same stream feeds the same decision in every scenario
(common random numbers), which makes scenario differences far less noisy.
"""

from __future__ import annotations

import heapq
import math
import zlib
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import simpy

from labelline.schema import EVENT_COLUMNS, EVENT_SCHEMA
from labelline.sim.scenario import Handling, Pool, Scenario, Shift

__all__ = ["Replication", "run_replication", "shift_hours", "SIM_EPOCH"]

# Simulated hour 0 is a Monday 00:00 UTC, so shifts and weekends fall on real weekdays.
SIM_EPOCH = datetime(2026, 1, 5, tzinfo=timezone.utc)
_BLOCK = 4096  # draws per refill: numpy is fast per block and slow per call
_CROWD_SIZE = 1000  # distinct people behind an unlimited (marketplace) pool


class Stream:
    """A named random stream: uniform and standard-normal draws in blocks."""

    def __init__(self, seed: int, replication: int, name: str) -> None:
        self.rng = np.random.default_rng([seed, replication, zlib.crc32(name.encode())])
        # A list of Python floats: indexing a numpy array and float() cost more than the draw.
        self._u = self.rng.random(_BLOCK).tolist()
        self._i = 0

    def random(self) -> float:
        i = self._i
        if i == _BLOCK:
            self._u = self.rng.random(_BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._u[i]


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
        self._buf = self._draw(_BLOCK).tolist()
        self._i = 0

    def seconds(self) -> float:
        i = self._i
        if i == _BLOCK:
            self._buf = self._draw(_BLOCK).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]


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


def shift_hours(shift: Shift | None, start_h: float, end_h: float) -> float:
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


class Workers:
    """A pool's workers: the free ones and the units of work waiting for one, both first come first served.

    Does what a simpy.FilterStore did (a waiting unit may refuse some workers) without its
    put and get events: a free worker is taken at once, and a worker coming back goes
    straight to the first waiting unit that accepts them. Those events were most of the
    scheduler's work per item.
    """

    __slots__ = ("env", "free", "waiting")

    def __init__(self, env: simpy.Environment, names: list[str]) -> None:
        self.env = env
        self.free: deque[str] = deque(names)
        self.waiting: deque[tuple[simpy.Event, set[str] | None]] = deque()

    def take(self, exclude: set[str] | None) -> str | None:
        """A free worker not in `exclude` (the one free longest), or None."""
        free = self.free
        if exclude is None:
            return free.popleft() if free else None
        for i, worker in enumerate(free):
            if worker not in exclude:
                del free[i]
                return worker
        return None

    def wait(self, exclude: set[str] | None, priority: int = 0) -> simpy.Event:
        """An event that fires with a worker; `priority` is ignored here (see PriorityWorkers)."""
        event = simpy.Event(self.env)
        self.waiting.append((event, exclude))
        return event

    def give_back(self, worker: str) -> None:
        # Exclusion sets only grow while a unit waits, so the returning worker is the only
        # one a waiting unit might newly accept.
        waiting = self.waiting
        for i, (event, exclude) in enumerate(waiting):
            if exclude is None or worker not in exclude:
                del waiting[i]
                event.succeed(worker)
                return
        self.free.append(worker)


class PriorityWorkers(Workers):
    """Workers whose waiting units are served highest priority first, first come first served within one.

    A heap keyed by (-priority, order of joining the queue): used only when a scenario's task
    types have different priorities, since the plain FIFO deque is faster and, with equal
    priorities, serves the units in the same order.
    """

    __slots__ = ("_joined",)

    def __init__(self, env: simpy.Environment, names: list[str]) -> None:
        super().__init__(env, names)
        self.waiting: list[tuple[int, int, simpy.Event, set[str] | None]] = []  # a heap
        self._joined = 0

    def wait(self, exclude: set[str] | None, priority: int = 0) -> simpy.Event:
        event = simpy.Event(self.env)
        self._joined += 1
        heapq.heappush(self.waiting, (-priority, self._joined, event, exclude))
        return event

    def give_back(self, worker: str) -> None:
        # The first unit in (priority, joining) order that accepts the worker gets them; the
        # ones that refuse (the worker already labeled the item) keep their places.
        waiting = self.waiting
        refused = []
        while waiting:
            entry = heapq.heappop(waiting)
            if entry[3] is None or worker not in entry[3]:
                for other in refused:
                    heapq.heappush(waiting, other)
                entry[2].succeed(worker)
                return
            refused.append(entry)
        for other in refused:
            heapq.heappush(waiting, other)
        self.free.append(worker)


class PoolState:
    def __init__(self, env: simpy.Environment, pool: Pool, line: Replication) -> None:
        self.pool = pool
        self.env = env
        self.shift = pool.shift
        self.busy_h = 0.0  # handling time inside the measured window
        self.jobs = 0  # units of work started inside the measured window
        self.service_h = 0.0  # their total handling time (for the mean service time)
        self.samplers: dict[tuple[str, str], Sampler] = {}
        self._accuracy: dict[tuple[str, str], float] = {}
        self.quality = line.stream(f"quality:{pool.name}")
        self._crowd: Stream | None = None
        self.line = line
        fee = 1 + pool.platform_fee_pct / 100
        self._price = None if pool.per_item_price is None else pool.per_item_price * fee
        self._per_second = (pool.hourly_rate or 0.0) / 3600 * fee
        # Ramp-up: the newest `new_hires` workers (the last names) take ramp_factor(start) x their
        # handling time until ramp_end_h; None when nobody ramps, so the common case costs one test.
        self.new_hires: frozenset[str] | None = None
        self.ramp_end_h = pool.ramp_up_weeks * 168.0
        self._ramp_start = pool.ramp_up_start_factor
        if pool.unlimited:
            self.workers = None
            self.filtered = False
        else:
            names = [f"{pool.name}-{i:03d}" for i in range(pool.headcount)]
            # Filtered so an item's k labels go to k different people (when there are k people).
            self.workers = (PriorityWorkers if line.prioritised else Workers)(env, names)
            self.filtered = pool.headcount >= line.scenario.stages.label.overlap > 1
            if pool.new_hires and self.ramp_end_h > 0 and pool.ramp_up_start_factor > 1:
                self.new_hires = frozenset(names[len(names) - pool.new_hires:])

    def ramp_factor(self, start_h: float) -> float:
        """A new hire's handling-time factor at a unit's start: start factor at t=0, 1 at ramp_end_h."""
        if start_h >= self.ramp_end_h:
            return 1.0
        return self._ramp_start - (self._ramp_start - 1.0) * start_h / self.ramp_end_h

    def sampler(self, task_type: str, stage: str) -> Sampler:
        sampler = self.samplers.get((task_type, stage))
        if sampler is None:
            handling = self.pool.handling_for(task_type, stage)
            key = f"{stage}:{task_type}"
            sampler = self.samplers[task_type, stage] = Sampler(handling,
                                                                self.line.stream(f"time:{self.pool.name}:{key}"))
        return sampler

    def accuracy(self, task_type: str, stage: str) -> float:
        accuracy = self._accuracy.get((task_type, stage))
        if accuracy is None:
            accuracy = self._accuracy[task_type, stage] = self.pool.handling_for(task_type, stage).accuracy
        return accuracy

    def crowd_member(self, exclude: set[str] | None) -> str:
        """A worker id for an unlimited pool: one of a large crowd, not one of `exclude`."""
        draw = self._crowd
        if draw is None:
            draw = self._crowd = self.line.stream(f"crowd:{self.pool.name}")
        for _ in range(20):
            worker = f"{self.pool.name}-{int(draw.random() * _CROWD_SIZE):04d}"
            if not exclude or worker not in exclude:
                return worker
        return worker

    def queue_length(self) -> int:
        return 0 if self.workers is None else len(self.workers.waiting)

    def free(self) -> bool:
        return self.workers is None or bool(self.workers.free)

    def cost(self, seconds: float) -> float:
        return self._price if self._price is not None else seconds * self._per_second


@dataclass(slots=True)
class ItemRecord:
    created_h: float
    finished_h: float | None
    correct: bool | None
    cost: float
    from_backlog: bool


# Fields of one recorded event, in the order `record` stores them.
_ROW = ("item", "task_type", "stage", "attempt", "worker_id", "pool", "queued_at", "started_at", "submitted_at",
        "outcome", "label", "reviews", "cost")


@dataclass
class Replication:
    """One run of a scenario: its event log (rows, see `cols` and `event_table`) and item records."""

    scenario: Scenario
    replication: int
    seed: int
    key: str = "scenario"
    env: simpy.Environment = field(default_factory=simpy.Environment)
    epoch: datetime = SIM_EPOCH  # the moment simulated hour 0 stands for (a Monday 00:00 UTC by default)

    def __post_init__(self) -> None:
        self.streams: dict[str, Stream] = {}
        # Priority queues only when some task type's priority differs: FIFO is then the same order, faster.
        self.prioritised = _priorities_differ(self.scenario)
        self.pools = {p.name: PoolState(self.env, p, self) for p in self.scenario.pool}
        # One tuple per event: a single append while simulating; ids, labels, rounding and
        # columns are made in one pass when a table or the summary asks for them.
        self.rows: list[tuple] = []
        self.items: list[ItemRecord] = []
        self.window = (self.scenario.warmup_h, self.scenario.horizon_h - self.scenario.cooldown_h)
        self.source = f"sim:{self.key}/{self.replication}"
        self._n_items = 0
        self._item_streams: dict[str, Stream] = {}
        st = self.scenario.stages
        self._label_pools = [self.pools[n] for n in st.label.pools]
        self._overflow = None if st.label.overflow_pool is None else self.pools[st.label.overflow_pool]
        self._escalate = None if st.label.escalate_pool is None else self.pools[st.label.escalate_pool]
        self._review_pools = [self.pools[n] for n in st.review.pools] if st.review else []
        self._adjudicate_pools = [self.pools[n] for n in st.adjudicate.pools] if st.adjudicate else []
        self._qa_pools = [self.pools[n] for n in st.qa.pools] if st.qa else []

    @property
    def _n_events(self) -> int:
        return len(self.rows)

    def stream(self, name: str) -> Stream:
        if name not in self.streams:
            self.streams[name] = Stream(self.seed, self.replication, name)
        return self.streams[name]

    # ----------------------------------------------------------------- recording
    def record(self, item: int, task_type: str, stage: str, attempt: int, worker: str, pool: Pool,
               queued_h: float, started_h: float, submitted_h: float, outcome: str, label: int | None,
               reviews: int | None, cost: float) -> int:
        """Log one event; return its number (1-based), which `reviews` of a later event refers to."""
        rows = self.rows
        rows.append((item, task_type, stage, attempt, worker, pool, queued_h, started_h, submitted_h, outcome,
                     label, reviews, cost))
        return len(rows)

    def columns(self, start: int = 0) -> dict[str, list]:
        """The raw event columns from event number `start` on (times in simulated hours, costs unrounded)."""
        rows = self.rows[start:] if start else self.rows
        if not rows:
            return {name: [] for name in _ROW}
        return dict(zip(_ROW, (list(c) for c in zip(*rows))))

    @property
    def cols(self) -> dict[str, list]:
        """The event log as lists per column of the store's schema (times in simulated hours)."""
        c = self._table_columns(0)
        c["active_s"] = c["active_s"].tolist()
        c["cost"] = c["cost"].tolist()
        return c

    def _table_columns(self, start: int) -> dict:
        c = self.columns(start)
        n = len(c["item"])
        src = self.source
        pools = c.pop("pool")
        started = np.asarray(c["started_at"], dtype=float)
        submitted = np.asarray(c["submitted_at"], dtype=float)
        return {
            "event_id": [f"{src}/{i}" for i in range(start + 1, start + n + 1)],
            "item_id": [f"{src}/item-{i}" for i in c["item"]],
            "task_type": c["task_type"],
            "stage": c["stage"],
            "attempt": c["attempt"],
            "worker_id": c["worker_id"],
            "tier": [p.tier for p in pools],
            "org": [p.org for p in pools],
            "queued_at": c["queued_at"],
            "started_at": c["started_at"],
            "submitted_at": c["submitted_at"],
            "active_s": np.round((submitted - started) * 3600, 3),
            "outcome": c["outcome"],
            "label": [None if x is None else f"c{x}" for x in c["label"]],
            "reviews_event_id": [None if x is None else f"{src}/{x}" for x in c["reviews"]],
            "cost": np.round(np.asarray(c["cost"], dtype=float), 6),
        }

    def event_table(self, start: int = 0) -> pa.Table:
        """The replication's events in the store's schema (from event number `start` on)."""
        c = self._table_columns(start)
        n = len(c["event_id"])
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
    def work(self, state: PoolState, task_type: str, stage: str, priority: int, speedup: float = 1.0,
             queued_h: float | None = None, exclude: set[str] | None = None, claim: set[str] | None = None):
        """Queue for a worker of the pool (not one in `exclude`), wait for their shift, do the work.

        `priority` is the item's task-type priority (higher waits less when priorities differ).
        Yields (worker, queued, start, end) in simulated hours.
        """
        env = self.env
        now = env.now
        queued = now if queued_h is None else queued_h
        workers = state.workers
        if workers is None:
            worker = state.crowd_member(exclude)
        else:
            if not state.filtered:
                exclude = None
            # The set is read when a worker frees up, so labels of the item started meanwhile count.
            worker = workers.take(exclude)
            if worker is None:
                worker = yield workers.wait(exclude, priority)
                now = env.now
        if claim is not None:
            claim.add(worker)  # at once: the item's other labels, running alongside, must not get them
        start = now
        if state.shift is not None:
            start = _on_shift_from(state.shift, now)
            if start > now:
                yield env.timeout(start - now)
        hours = state.sampler(task_type, stage).seconds() * speedup / 3600
        if state.new_hires is not None and worker in state.new_hires:
            hours *= state.ramp_factor(start)  # the same draw, stretched: common random numbers hold
        yield env.timeout(hours)
        end = env.now
        if workers is not None:
            workers.give_back(worker)
        lo, hi = self.window
        state.busy_h += max(0.0, min(end, hi) - max(start, lo))
        if lo <= start < hi:
            state.jobs += 1
            state.service_h += hours
        return worker, queued, start, end

    def choose(self, pools: list[PoolState], overflow: PoolState | None = None,
               threshold: int | None = None) -> PoolState:
        if overflow is not None and pools[0].queue_length() >= threshold:
            return overflow
        if len(pools) == 1:
            return pools[0]
        for state in pools:
            if state.free():
                return state
        return min(pools, key=lambda s: s.queue_length() / (s.pool.headcount or 1))

    def item(self, task_type: str, classes: int, priority: int, from_backlog: bool):
        env, st = self.env, self.scenario.stages
        self._n_items += 1
        item = self._n_items  # the id string is made when a table asks for it
        created = env.now
        draw = self._item_streams.get(task_type)
        if draw is None:
            draw = self._item_streams[task_type] = self.stream(f"item:{task_type}")
        truth = int(draw.random() * classes)
        record = ItemRecord(created, None, None, 0.0, from_backlog)
        self.items.append(record)
        pre_right: bool | None = None
        pre_label = None
        if st.prelabel and draw.random() < st.prelabel.share:
            state = self.pools[st.prelabel.pool]
            worker, q, s, e = yield from self.work(state, task_type, "prelabel", priority)
            pre_right = state.quality.random() < state.accuracy(task_type, "prelabel")
            pre_label = truth if pre_right else (truth + 1 + int(draw.random() * (classes - 1))) % classes
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            self.record(item, task_type, "prelabel", 1, worker, state.pool, q, s, e, "submitted", pre_label, None,
                        cost)
        k = st.label.overlap if draw.random() < st.label.overlap_share else 1
        answers: list[int] = [0] * k
        labelers: set[str] = set()
        if k == 1:
            # One label needs no process of its own (nor the AllOf that waits for them).
            yield from self.label(item, task_type, classes, priority, truth, pre_right, pre_label, answers, 0, record,
                                  labelers)
            final = answers[0]
        else:
            procs = [env.process(self.label(item, task_type, classes, priority, truth, pre_right, pre_label, answers, i,
                                            record, labelers))
                     for i in range(k)]
            yield simpy.AllOf(env, procs)
            votes: dict[int, int] = {}
            for a in answers:
                votes[a] = votes.get(a, 0) + 1
            # Majority; a tie goes to the first answer among the tied (not to the lowest class).
            top = max(votes.values())
            final = next(a for a in answers if votes[a] == top)
            if top < k and st.adjudicate:
                state = self.choose(self._adjudicate_pools)
                worker, q, s, e = yield from self.work(state, task_type, "adjudicate", priority)
                right = state.quality.random() < state.accuracy(task_type, "adjudicate")
                final = truth if right else final
                cost = state.cost((e - s) * 3600)
                record.cost += cost
                self.record(item, task_type, "adjudicate", 1, worker, state.pool, q, s, e, "resolved", final, None,
                            cost)
        if st.qa and draw.random() < st.qa.share:
            state = self.choose(self._qa_pools)
            worker, q, s, e = yield from self.work(state, task_type, "qa", priority)
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            # QA corrects a wrong final label when it spots it (with the QA pool's accuracy).
            fixed = final != truth and state.quality.random() < state.accuracy(task_type, "qa")
            if fixed:
                final = truth
            self.record(item, task_type, "qa", 1, worker, state.pool, q, s, e,
                        "fixed" if fixed else "accepted", final if fixed else None, None, cost)
        record.finished_h = env.now
        record.correct = final == truth

    def label(self, item: int, task_type: str, classes: int, priority: int, truth: int, pre_right: bool | None,
              pre_label: int | None, answers: list[int], slot: int, record: ItemRecord, labelers: set[str]):
        st = self.scenario.stages
        lab = st.label
        available = self.env.now
        if lab.pickup_delay_h > 0:
            delay = -math.log(1 - self.stream("label:pickup").random()) * lab.pickup_delay_h
            ready = _after_working_hours(self._label_pools[0].shift, self.env.now, delay)
            yield self.env.timeout(ready - self.env.now)
        state = self.choose(self._label_pools, self._overflow, lab.overflow_queue)
        speedup = 1 - st.prelabel.time_saving if (pre_right and st.prelabel) else 1.0
        anchoring = st.prelabel.anchoring if (pre_right is False and st.prelabel) else None
        review = st.review
        attempt = 1
        mine = ""
        new_pool = True  # the slot's first unit at this pool: its worker must differ from the other slots'
        while True:
            first = attempt == 1
            worker, q, s, e = yield from self.work(state, task_type, "label", priority, speedup,
                                                   available if first else None,
                                                   labelers if new_pool else labelers - {mine},
                                                   labelers if new_pool else None)
            if new_pool:
                mine = worker
                new_pool = False
            quality = state.quality
            right = quality.random() < state.accuracy(task_type, "label")
            if anchoring is not None and quality.random() < anchoring:
                answer = pre_label  # anchored on the model's wrong answer
            elif right:
                answer = truth
            else:
                answer = (truth + 1 + int(quality.random() * (classes - 1))) % classes
            cost = state.cost((e - s) * 3600)
            record.cost += cost
            label_id = self.record(item, task_type, "label", attempt, worker, state.pool, q, s, e, "submitted",
                                   answer, None, cost)
            answers[slot] = answer
            if review is None or self.stream("review:sample").random() >= review.share:
                return
            rstate = self.choose(self._review_pools)
            rworker, rq, rs, re_ = yield from self.work(rstate, task_type, "review", priority)
            verdict = rstate.quality.random()
            reject = verdict < review.catch_rate if answer != truth else verdict < review.false_reject_rate
            if attempt >= review.max_attempts:
                reject = False  # accepted as is: the line stops sending it back
            rcost = rstate.cost((re_ - rs) * 3600)
            record.cost += rcost
            self.record(item, task_type, "review", attempt, rworker, rstate.pool, e, rs, re_,
                        "rejected" if reject else "accepted", None, label_id, rcost)
            if not reject:
                return
            attempt += 1
            if self._escalate is not None and attempt > lab.escalate_after_rejections and state is not self._escalate:
                # Rejected escalate_after_rejections times: the experts relabel it from now on.
                state = self._escalate
                new_pool = True

    # ----------------------------------------------------------------- arrivals
    def arrivals(self):
        sc = self.scenario
        types = sc.task_type
        weights = np.cumsum([t.share for t in types])
        weights = (weights / weights[-1]).tolist()
        pick = self.stream("arrivals:type")
        env = self.env

        def start(from_backlog: bool) -> None:
            t = types[bisect_right(weights, pick.random())]
            env.process(self.item(t.name, t.classes, t.priority, from_backlog))

        for _ in range(sc.arrivals.backlog_items):
            start(True)
        for batch in sc.arrivals.batch:
            env.process(self._batch(batch, start))
        if sc.arrivals.rate_per_h > 0:
            gaps = self.stream("arrivals:gaps")
            rate, horizon = sc.arrivals.rate_per_h, sc.horizon_h
            while True:
                yield env.timeout(-math.log(1 - gaps.random()) / rate)
                if env.now >= horizon:
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
        return state.pool.headcount * shift_hours(state.pool.shift, lo, hi)


def _priorities_differ(scenario: Scenario) -> bool:
    return len({t.priority for t in scenario.task_type}) > 1


def run_replication(scenario: Scenario, replication: int, seed: int = 0, key: str | None = None) -> Replication:
    """Simulate one replication to the horizon."""
    return Replication(scenario, replication, seed, key or scenario.name).run()
