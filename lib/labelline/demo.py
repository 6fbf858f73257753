"""The embedded demo: six months of a realistic labeling operation, from a seed.

Five projects, each with its own line: a model pre-labels some items, crowd, vendor or
expert annotators label them (some items by 2-3 people for agreement), experts review a
share, rejected labels are reworked by their author and reviewed again, disagreements are
adjudicated, 5 % of items are gold. In-house and vendor work carries no cost (the rate
card prices it); marketplace work carries what it was paid. One annotator's accuracy
slides in the last four weeks (a drift to find), and work still under way at the end is
left open (a backlog). The simulator issue will later produce this from a calibrated line.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
import pyarrow as pa

from labelline.schema import EVENT_COLUMNS, EVENT_SCHEMA

__all__ = ["generate_demo_events", "PROJECTS"]

_HOUR_S = 3600.0
_DAY_S = 86400.0


@dataclass(frozen=True)
class Project:
    name: str
    task_type: str
    classes: tuple[str, ...]
    items_per_week: int  # at the start; volumes grow over the period
    mean_label_s: float  # median handling time of a label, seconds
    pool: tuple[tuple[str, str, int], ...]  # (tier, org, headcount) of the labelers
    overlap_share: float  # share of items labeled by several people
    overlap_k: int
    review_share: float  # share of label events an expert reviews
    prelabel_share: float  # share of items a model pre-labels first (saves ~40 % of time)


PROJECTS: tuple[Project, ...] = (
    Project("support-intent", "classification", ("billing", "refund", "shipping", "account", "other"),
            900, 25.0, (("crowd", "in_house", 14),), 0.15, 2, 0.25, 0.6),
    Project("contracts-ner", "ner", ("PARTY", "DATE", "AMOUNT", "CLAUSE"),
            250, 140.0, (("crowd", "in_house", 6), ("vendor", "acme-annotation", 8)), 0.10, 2, 0.35, 0.0),
    Project("retail-shelves", "bbox", ("product", "price_tag", "gap"),
            500, 75.0, (("vendor", "acme-annotation", 12),), 0.05, 2, 0.20, 0.5),
    Project("rlhf-helpfulness", "pairwise_preference", ("A", "B"),
            700, 60.0, (("crowd", "in_house", 10), ("crowd", "mturk", 25)), 0.40, 3, 0.10, 0.0),
    Project("agent-trajectories", "agent_trajectory", ("pass", "fail_tool_use", "fail_reasoning", "fail_safety"),
            120, 420.0, (("expert", "in_house", 5),), 0.10, 2, 0.60, 0.0),
)

_ACCURACY_BY_TIER = {"crowd": (0.86, 0.05), "vendor": (0.83, 0.06), "expert": (0.95, 0.02)}
_SPEED_SPREAD = 0.25  # sd of a worker's log speed factor
_HANDLING_SIGMA = 0.5  # lognormal sigma of one label's handling time
_MTURK_PRICE = {"pairwise_preference": 0.12}  # reward per comparison, fee on top
_MTURK_FEE = 0.20
_REVIEWERS = 6
_MODEL = "gpt-prelabel-v2"


def _working_time(t: float) -> float:
    """The next working moment at or after epoch second t: weekdays 08:00-18:00 UTC."""
    day, seconds = divmod(t, _DAY_S)
    weekday = (int(day) + 3) % 7  # 1970-01-01 was a Thursday (3)
    if seconds >= 18 * _HOUR_S:
        day, weekday, seconds = day + 1, (weekday + 1) % 7, 0.0
    if weekday >= 5:
        day, seconds = day + (7 - weekday), 0.0
    return day * _DAY_S + max(seconds, 8 * _HOUR_S)


class _Events:
    """Column lists growing event by event (a few hundred thousand: lists are fine)."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {c: [] for c in EVENT_COLUMNS}

    def add(self, **values) -> str:
        event_id = f"demo-{len(self.cols['event_id']):07d}"
        values["event_id"] = event_id
        for c in EVENT_COLUMNS:
            self.cols[c].append(values.get(c))
        return event_id


def generate_demo_events(seed: int = 7, start: date = date(2026, 5, 1), days: int = 190) -> pa.Table:
    """The demo event log (canonical columns, UTC), identical for the same arguments."""
    rng = np.random.default_rng(seed)
    t0 = datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc).timestamp()
    end = t0 + days * _DAY_S
    ev = _Events()
    source_ref = f"demo-seed-{seed}"
    reviewers = [f"expert-r{i:02d}" for i in range(_REVIEWERS)]

    for p_index, project in enumerate(PROJECTS):
        workers = []  # (worker_id, tier, org, speed factor, accuracy)
        for tier, org, headcount in project.pool:
            mean, sd = _ACCURACY_BY_TIER[tier]
            for w in range(headcount):
                prefix = {"in_house": "ih", "mturk": "mt"}.get(org, "ac")
                workers.append((f"{prefix}-{project.name[:4]}-{tier[0]}{w:02d}", tier, org,
                                float(np.exp(rng.normal(0, _SPEED_SPREAD))),
                                float(np.clip(rng.normal(mean, sd), 0.55, 0.99))))
        drifter = 0 if p_index == 0 else None  # support-intent's first annotator drifts
        weeks = days // 7 + 1
        for week in range(weeks):
            growth = 1.0 + 0.8 * week / weeks
            n_items = int(rng.poisson(project.items_per_week * growth))
            batch = f"{project.name}-w{week:02d}"
            created = t0 + week * 7 * _DAY_S + rng.uniform(0, 2 * _DAY_S, n_items)  # batches land Mon-Tue
            truth = rng.integers(0, len(project.classes), n_items)
            is_gold = rng.random(n_items) < 0.05
            overlap = np.where(rng.random(n_items) < project.overlap_share, project.overlap_k, 1)
            prelabel = rng.random(n_items) < project.prelabel_share
            for i in range(n_items):
                if created[i] >= end:
                    continue
                item_id = f"{project.name[:4]}-{week:02d}-{i:05d}"
                gold = _answer(project, truth[i], item_id) if is_gold[i] else None
                queued = float(created[i])
                speedup = 1.0
                common = {"source": "demo", "source_ref": source_ref, "project": project.name, "batch": batch,
                          "item_id": item_id, "task_type": project.task_type, "gold_label": gold}
                if prelabel[i]:
                    done = queued + float(rng.uniform(30, 900))
                    if done < end:
                        model_right = rng.random() < 0.8
                        guess = truth[i] if model_right else rng.integers(0, len(project.classes))
                        ev.add(**common, stage="prelabel", attempt=1, worker_id=_MODEL, tier="model", org="model",
                               queued_at=_ts(queued), started_at=_ts(done - 2), submitted_at=_ts(done), active_s=2.0,
                               outcome="submitted", label=_answer(project, guess, item_id), cost=None,
                               meta=json.dumps({"model_confidence": round(float(rng.uniform(0.5, 1)), 2)}))
                        queued, speedup = done, 0.6
                chosen = rng.choice(len(workers), size=min(int(overlap[i]), len(workers)), replace=False)
                labels_for_item = []
                for w_index in chosen:
                    worker_id, tier, org, speed, accuracy = workers[w_index]
                    start_t = _working_time(queued + rng.exponential(6 * _HOUR_S))
                    if drifter is not None and w_index == drifter and start_t > end - 28 * _DAY_S:
                        accuracy = 0.5
                    label_id, label, finished = _label(ev, rng, common, project, truth[i], worker_id, tier, org,
                                                       speed * speedup, accuracy, queued, start_t, 1, end)
                    if label_id is None:
                        continue
                    labels_for_item.append(label)
                    if rng.random() < project.review_share:
                        _review_cycle(ev, rng, common, project, truth[i], reviewers, label_id, label, finished,
                                      worker_id, tier, org, speed * speedup, end)
                if len(set(labels_for_item)) > 1:
                    t_adj = _working_time(max(queued, start_t) + rng.exponential(_DAY_S))
                    act = float(rng.lognormal(np.log(project.mean_label_s * 1.5), _HANDLING_SIGMA))
                    if t_adj + act < end:
                        ev.add(**common, stage="adjudicate", attempt=1, worker_id=str(rng.choice(reviewers)),
                               tier="expert", org="in_house", queued_at=_ts(t_adj - 60), started_at=_ts(t_adj),
                               submitted_at=_ts(t_adj + act), active_s=round(act, 1), outcome="resolved",
                               label=_answer(project, truth[i], item_id) if rng.random() < 0.93 else labels_for_item[0],
                               cost=None, meta=None)
    table = pa.table({c: ev.cols[c] for c in EVENT_COLUMNS})
    return table.cast(pa.schema([EVENT_SCHEMA.field(c) for c in EVENT_COLUMNS]))


def _ts(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(round(epoch_s, 3), tz=timezone.utc)


def _label(ev, rng, common, project, truth, worker_id, tier, org, speed, accuracy, queued, start_t, attempt, end):
    """One label event; returns (event id, label, finish time), or None when past the end."""
    act = float(rng.lognormal(np.log(project.mean_label_s * speed), _HANDLING_SIGMA))
    if start_t + act >= end:
        return None, None, None
    right = rng.random() < accuracy
    answer = truth if right else (truth + rng.integers(1, len(project.classes))) % len(project.classes)
    label = _answer(project, answer, common["item_id"])
    cost = None
    if org == "mturk":
        cost = round(_MTURK_PRICE.get(project.task_type, 0.05) * (1 + _MTURK_FEE), 4)
    event_id = ev.add(**common, stage="label", attempt=attempt, worker_id=worker_id, tier=tier, org=org,
                      queued_at=_ts(queued), started_at=_ts(start_t), submitted_at=_ts(start_t + act),
                      active_s=round(act, 1), outcome="submitted", label=label, cost=cost, meta=None)
    return event_id, label, start_t + act


def _answer(project: Project, class_index: int, item_id: str) -> str:
    """An answer as the log holds it: the class name, or JSON text for span and box tasks.

    A span or box sits where the item puts it (same offset for everyone who finds it), so
    two right answers are the same text, as a tool's canonical export makes them.
    """
    name = project.classes[class_index]
    if project.task_type in ("ner", "bbox"):
        return json.dumps([{"label": name, "start": zlib.crc32(item_id.encode()) % 400}], sort_keys=True)
    return name


def _review_cycle(ev, rng, common, project, truth, reviewers, label_id, label, finished, worker_id, tier, org,
                  speed, end) -> None:
    """Review a label; a rejection sends it back to its author once, then to review again."""
    correct = label == _answer(project, truth, common["item_id"])
    for attempt in (1, 2):
        t_rev = _working_time(finished + rng.exponential(10 * _HOUR_S))
        act = float(rng.lognormal(np.log(max(project.mean_label_s * 0.4, 10)), _HANDLING_SIGMA))
        if t_rev + act >= end:
            return  # still waiting for review at the end: the open backlog
        # Reviewers catch 80 % of wrong labels and wrongly reject 3 % of right ones.
        reject = (not correct and rng.random() < 0.8) or (correct and rng.random() < 0.03)
        outcome = "rejected" if reject and attempt == 1 else "accepted"  # one rework round at most
        ev.add(**common, stage="review", attempt=attempt, worker_id=str(rng.choice(reviewers)), tier="expert",
               org="in_house", queued_at=_ts(finished), started_at=_ts(t_rev), submitted_at=_ts(t_rev + act),
               active_s=round(act, 1), outcome=outcome, label=None, reviews_event_id=label_id, cost=None,
               meta=json.dumps({"feedback": "wrong class"}) if outcome == "rejected" else None)
        if outcome != "rejected":
            return
        start_t = _working_time(t_rev + act + rng.exponential(8 * _HOUR_S))
        label_id, label, finished = _label(ev, rng, common, project, truth, worker_id, tier, org, speed, 0.95,
                                           t_rev + act, start_t, 2, end)
        if label_id is None:
            return
        correct = True
