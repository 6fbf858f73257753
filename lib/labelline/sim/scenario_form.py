"""A scenario as editable tables (for the dashboard's form) and back, with a help text per field.

The Simulator page edits a scenario as a few tables (task types, pools, handling times,
batches) and a handful of numbers; this module turns a Scenario into those pieces and the
edited pieces back into a Scenario, validated exactly like a TOML file, so a form can never
produce a scenario that a file could not. Fields the form does not show (a shift's explicit
weekdays, empirical samples) are carried over from the scenario being edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from labelline.sim.scenario import Scenario, ScenarioError
from labelline.tomlfile import validate_model

__all__ = ["ScenarioTables", "to_tables", "from_tables", "HELP"]

# Every field the form shows, with its unit: the page uses these as widget and column help.
HELP: dict[str, str] = {
    # general
    "name": "Short name of the scenario; results and simulated logs are keyed by it.",
    "description": "What the scenario models, in a sentence.",
    "project": "Project name written on the simulated events.",
    "horizon_h": "Simulated time, hours from Monday 00:00 UTC (720 h is 30 days).",
    "warmup_h": "Hours at the start left out of the summary (the line filling up), hours.",
    "cooldown_h": "Hours at the end left out of the summary, hours.",
    "sla_cycle_h": "Cycle-time target for SLA attainment, hours from arrival to finished (blank: none).",
    "backlog_items": "Items waiting at the start, items.",
    "rate_per_h": "Poisson stream of new items, items per hour (0: none).",
    # task types
    "task_type.name": "Task type (classification, ner, preference, ...).",
    "task_type.share": "Relative share of arriving items (any positive numbers; they are normalised).",
    "task_type.classes": "Answer classes: a wrong answer is one of the other classes at random.",
    "task_type.priority": "Higher is served first at every stage; equal priorities in arrival order.",
    # pools
    "pool.name": "Pool name (unique); stages refer to pools by it.",
    "pool.tier": "Workforce tier: crowd, expert, vendor, model, llm_judge, ...",
    "pool.org": "Organisation: in_house, a vendor's name or a marketplace.",
    "pool.headcount": "People in the pool (blank for an unlimited pool), people.",
    "pool.unlimited": "A marketplace or a model: work never waits for a free worker.",
    "pool.hourly_rate": "Money per hour of handling time (or per shift hour when paid for shifts), per hour.",
    "pool.per_item_price": "Money per unit of work (a label, a review), per unit.",
    "pool.platform_fee_pct": "Platform fee on top of the price, per cent.",
    "pool.monthly_fee": "Fixed money per 30 days (a vendor's fee, tooling), per 30 days.",
    "pool.minimum_monthly": "Minimum commitment billed per 30 days even when the work priced less, per 30 days.",
    "pool.paid_for": "handling: paid per hour of handling (a contractor); shift: every shift hour, idle included.",
    "pool.overhead_pct": "Management and tooling overhead on the pool's labour cost, per cent.",
    "pool.new_hires": "People of the headcount who are new at the start and ramp up, people.",
    "pool.ramp_up_weeks": "Weeks until a new hire works at full speed, weeks.",
    "pool.shift_start_hour": "Shift start in the pool's local time, hour of day (blank: works around the clock).",
    "pool.shift_hours_per_day": "Shift length, hours per day.",
    "pool.shift_days_per_week": "Working days per week from Monday, days.",
    "pool.shift_utc_offset_h": "The pool's time zone, hours from UTC (Berlin in winter is 1).",
    # handling
    "handling.pool": "Pool this handling time belongs to.",
    "handling.applies_to": "Task type, '*' for any, or 'stage:task type' (e.g. review:*) for one stage.",
    "handling.distribution": "lognormal (default), gamma, exponential or deterministic.",
    "handling.mean_s": "Mean handling time of one unit of work, seconds.",
    "handling.cv": "Coefficient of variation (standard deviation / mean) of the handling time.",
    "handling.accuracy": "Probability a label or verdict is right, 0 to 1.",
    # batches
    "batch.at_h": "When the batch lands, hours from the start.",
    "batch.items": "Items in the batch, items.",
    "batch.every_h": "Repeats every so many hours (blank: once), hours.",
    # stages
    "label.pools": "Pools that label, in order of preference: the first with a free worker takes the item.",
    "label.overlap": "Independent labels per item (k); disagreement goes to adjudication when there is one.",
    "label.overlap_share": "Share of items that get k labels; the others get one, 0 to 1.",
    "label.pickup_delay_h": "Mean working hours before someone picks a waiting item up, hours.",
    "label.overflow_pool": "Pool that takes new work when the label queue passes the threshold (a vendor).",
    "label.overflow_queue": "Queue length, in items, past which new work overflows.",
    "label.escalate_pool": "Pool (experts) that relabels an item after repeated rejections.",
    "label.escalate_after_rejections": "Rejections of an item's label before it escalates.",
    "review.pools": "Pools that review labels.",
    "review.share": "Share of label events reviewed, 0 to 1.",
    "review.catch_rate": "Chance a reviewer rejects a wrong label, 0 to 1.",
    "review.false_reject_rate": "Chance a reviewer rejects a right label, 0 to 1.",
    "review.max_attempts": "Attempts after which a label is accepted as it is.",
    "prelabel.pool": "Pool (a model) that pre-labels items.",
    "prelabel.share": "Share of items pre-labeled, 0 to 1.",
    "prelabel.time_saving": "Cut in human labeling time on a right pre-label, 0 to 1.",
    "prelabel.anchoring": "Chance a human copies a wrong pre-label instead of answering, 0 to 1.",
    "adjudicate.pools": "Pools that resolve items whose labels disagree.",
    "qa.pools": "Pools that check finished items.",
    "qa.share": "Share of finished items checked, 0 to 1.",
}

_GENERAL = ("name", "description", "project", "horizon_h", "warmup_h", "cooldown_h", "sla_cycle_h")
_POOL_COLUMNS = ("name", "tier", "org", "headcount", "unlimited", "hourly_rate", "per_item_price",
                 "platform_fee_pct", "monthly_fee", "minimum_monthly", "paid_for", "overhead_pct", "new_hires",
                 "ramp_up_weeks")
_SHIFT_COLUMNS = {"shift_start_hour": "start_hour", "shift_hours_per_day": "hours_per_day",
                  "shift_days_per_week": "days_per_week", "shift_utc_offset_h": "utc_offset_h"}


@dataclass
class ScenarioTables:
    general: dict[str, Any]  # the fields of _GENERAL plus backlog_items and rate_per_h
    task_types: pd.DataFrame
    pools: pd.DataFrame
    handling: pd.DataFrame
    batches: pd.DataFrame
    stages: dict[str, Any]  # as in the TOML: {"label": {...}, "review": {...} or None, ...}


def to_tables(scenario: Scenario) -> ScenarioTables:
    """The scenario as the form's pieces."""
    data = scenario.model_dump(mode="json")
    general = {k: data[k] for k in _GENERAL}
    general["backlog_items"] = data["arrivals"]["backlog_items"]
    general["rate_per_h"] = data["arrivals"]["rate_per_h"]
    pools, handling = [], []
    for pool in data["pool"]:
        row = {k: pool[k] for k in _POOL_COLUMNS}
        shift = pool["shift"] or {}
        for column, key in _SHIFT_COLUMNS.items():
            row[column] = shift.get(key)
        pools.append(row)
        for applies_to, h in pool["handling"].items():
            handling.append({"pool": pool["name"], "applies_to": applies_to, "distribution": h["distribution"],
                             "mean_s": h["mean_s"], "cv": h["cv"], "accuracy": h["accuracy"]})
    return ScenarioTables(
        general=general,
        task_types=pd.DataFrame(data["task_type"], columns=["name", "share", "classes", "priority"]),
        pools=pd.DataFrame(pools, columns=[*_POOL_COLUMNS, *_SHIFT_COLUMNS]),
        handling=pd.DataFrame(handling, columns=["pool", "applies_to", "distribution", "mean_s", "cv", "accuracy"]),
        batches=pd.DataFrame(data["arrivals"]["batch"], columns=["at_h", "items", "every_h"]),
        stages=data["stages"],
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with blanks as None, skipping rows the user left entirely empty."""
    rows = []
    for row in frame.to_dict("records"):
        clean = {k: (None if _blank(v) else v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        if any(v is not None for v in clean.values()):
            rows.append(clean)
    return rows


def from_tables(base: Scenario, tables: ScenarioTables) -> Scenario:
    """The edited pieces as a validated Scenario; ScenarioError lists every problem by field path."""
    old = base.model_dump(mode="json")
    data: dict[str, Any] = {k: tables.general.get(k) for k in _GENERAL}
    data = {k: v for k, v in data.items() if not _blank(v)}
    data["arrivals"] = {
        "backlog_items": int(tables.general.get("backlog_items") or 0),
        "rate_per_h": float(tables.general.get("rate_per_h") or 0.0),
        "batch": [{k: v for k, v in b.items() if v is not None} for b in _records(tables.batches)],
    }
    data["task_type"] = [{k: v for k, v in t.items() if v is not None} for t in _records(tables.task_types)]
    old_pools = {p["name"]: p for p in old["pool"]}
    handling_by_pool: dict[str, dict[str, Any]] = {}
    for h in _records(tables.handling):
        pool_name, applies_to = h.pop("pool"), h.pop("applies_to")
        if pool_name is None or applies_to is None:
            raise ScenarioError("form: handling: every row needs a pool and what it applies to")
        previous = old_pools.get(pool_name, {}).get("handling", {}).get(applies_to, {})
        entry = {k: v for k, v in h.items() if v is not None}
        if previous.get("samples_s"):
            entry.setdefault("samples_s", previous["samples_s"])  # empirical samples are not in the form
        handling_by_pool.setdefault(pool_name, {})[applies_to] = entry
    pools = []
    for row in _records(tables.pools):
        pool = {k: row[k] for k in _POOL_COLUMNS if row.get(k) is not None}
        pool["unlimited"] = bool(row.get("unlimited"))
        if pool.get("headcount") is not None:
            pool["headcount"] = int(pool["headcount"])
        if row.get("shift_start_hour") is not None:
            shift = {key: row[column] for column, key in _SHIFT_COLUMNS.items() if row.get(column) is not None}
            weekdays = (old_pools.get(row.get("name"), {}).get("shift") or {}).get("weekdays")
            if weekdays:
                shift["weekdays"] = weekdays  # explicit weekdays are not in the form
            pool["shift"] = shift
        pool["handling"] = handling_by_pool.get(row.get("name"), {})
        pools.append(pool)
    data["pool"] = pools
    data["stages"] = {k: v for k, v in tables.stages.items() if v is not None}
    return validate_model(data, Scenario, ScenarioError, "form")
