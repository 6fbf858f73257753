"""Scenarios: a labeling line described as a validated TOML file.

A scenario says what arrives (a backlog, batches, a Poisson stream, by task type), which
stages each item goes through (model pre-labeling, labeling with overlap k, review of a
sampled share with rework on rejection, adjudication on disagreement, QA), and who does the
work (pools: headcount or unlimited, shifts, handling time and accuracy per task type,
cost). Loading checks everything at once and names every bad field by its path
(``pool[2].handling.ner.mean_s: must be greater than 0``). Every field and unit is
documented in docs/scenarios.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from labelline.tomlfile import load_toml_model

__all__ = [
    "Scenario", "Pool", "Shift", "Handling", "TaskType", "Arrivals", "Batch", "Stages", "LabelStage",
    "ReviewStage", "PrelabelStage", "AdjudicateStage", "QaStage", "ScenarioError", "load_scenario", "scenario_toml",
]

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message lists every problem, one per line."""


class Handling(_Model):
    """How long one unit of work takes (seconds) and how often it is right."""

    distribution: Literal["lognormal", "gamma", "exponential", "deterministic", "empirical"] = "lognormal"
    mean_s: Positive | None = None  # mean handling time, seconds (not for empirical)
    cv: NonNegative = 0.5  # coefficient of variation (sd / mean): lognormal and gamma
    samples_s: list[Positive] | None = None  # observed times to resample (empirical)
    accuracy: Share = 0.9  # probability a label (or verdict) is right

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.distribution == "empirical":
            if not self.samples_s:
                raise ValueError("empirical handling needs samples_s")
        elif self.mean_s is None:
            raise ValueError(f"{self.distribution} handling needs mean_s")
        if self.distribution in ("lognormal", "gamma") and self.cv == 0:
            raise ValueError("cv must be positive for lognormal and gamma (use deterministic for fixed times)")
        return self


class Shift(_Model):
    """When a pool works, in its own time zone (all simulated time is UTC hours from t=0, a Monday 00:00)."""

    start_hour: Annotated[float, Field(ge=0, lt=24)] = 9.0
    hours_per_day: Annotated[float, Field(gt=0, le=24)] = 8.0
    days_per_week: Annotated[int, Field(ge=1, le=7)] = 5  # Monday onwards
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = None  # or exactly these (0 = Monday)
    utc_offset_h: Annotated[float, Field(ge=-12, le=14)] = 0.0

    def works_on(self, weekday: int) -> bool:
        return weekday in self.weekdays if self.weekdays else weekday < self.days_per_week


class Pool(_Model):
    """A workforce pool: one tier of one organisation."""

    name: str
    tier: str  # crowd, expert, vendor, model, llm_judge, ...
    org: str = "in_house"
    headcount: Annotated[int, Field(ge=1)] | None = None  # None with unlimited = true
    unlimited: bool = False  # a marketplace or a model: no queue for a worker
    shift: Shift | None = None  # None: works around the clock
    handling: dict[str, Handling]  # by task type ("*" any), or "stage:task type" (e.g. "review:*")
    hourly_rate: NonNegative | None = None  # money per hour of handling time
    per_item_price: NonNegative | None = None  # money per unit of work
    platform_fee_pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    monthly_fee: NonNegative = 0.0  # fixed money per 30 days of the horizon
    # A vendor's minimum commitment: money billed per 30 days even when the work priced less.
    minimum_monthly: NonNegative = 0.0
    # "handling": paid per hour of handling time (a contractor); "shift": paid for every shift
    # hour, idle time included (salaried staff; needs a headcount).
    paid_for: Literal["handling", "shift"] = "handling"
    overhead_pct: NonNegative = 0.0  # management and tooling overhead on this pool's labour cost, %
    # Ramp-up of new hires: `new_hires` of the headcount start at `ramp_up_start_factor` times the
    # handling time, falling linearly to 1 over `ramp_up_weeks` weeks of the horizon.
    new_hires: Annotated[int, Field(ge=0)] = 0
    ramp_up_weeks: NonNegative = 0.0
    ramp_up_start_factor: Annotated[float, Field(ge=1, le=10, allow_inf_nan=False)] = 1.5

    @model_validator(mode="after")
    def _sized(self) -> Self:
        if self.unlimited == (self.headcount is not None):
            raise ValueError("set either headcount or unlimited = true")
        if not self.handling:
            raise ValueError("handling needs at least one task type (or '*')")
        if self.paid_for == "shift" and self.headcount is None:
            raise ValueError("paid_for = 'shift' needs a headcount (an unlimited pool has no shift to pay)")
        if self.paid_for == "shift" and (self.hourly_rate is None or self.per_item_price is not None):
            raise ValueError("paid_for = 'shift' needs hourly_rate and no per_item_price (salaried staff are paid "
                             "by the hour)")
        if self.new_hires and (self.headcount is None or self.new_hires > self.headcount):
            raise ValueError("new_hires must not exceed headcount")
        if self.new_hires and self.ramp_up_weeks == 0:
            raise ValueError("new_hires needs ramp_up_weeks > 0 (otherwise they would never be slower)")
        return self

    def handling_for(self, task_type: str, stage: str | None = None) -> Handling | None:
        """The most specific entry: "stage:task", "stage:*", "task", then "*"."""
        keys = ([f"{stage}:{task_type}", f"{stage}:*"] if stage else []) + [task_type, "*"]
        return next((self.handling[k] for k in keys if k in self.handling), None)


class TaskType(_Model):
    name: str
    share: Positive = 1.0  # relative share of arriving items
    classes: Annotated[int, Field(ge=2)] = 2  # answer classes: wrong answers spread over the others
    priority: int = 0  # higher is served first at every stage; equal priorities in arrival order


class Batch(_Model):
    at_h: NonNegative  # when the batch lands, hours from t=0
    items: Annotated[int, Field(ge=1)]
    every_h: Positive | None = None  # repeats every so many hours while the horizon lasts


class Arrivals(_Model):
    backlog_items: Annotated[int, Field(ge=0)] = 0  # waiting at t=0
    rate_per_h: NonNegative = 0.0  # Poisson stream, items per hour
    batch: list[Batch] = Field(default_factory=list)


class PrelabelStage(_Model):
    pool: str
    share: Share = 1.0  # items the model pre-labels
    time_saving: Share = 0.4  # cut in human labeling time on a right pre-label
    anchoring: Share = 0.0  # chance a human copies a wrong pre-label instead of answering


class LabelStage(_Model):
    pools: list[str]  # in order of preference: the first with a free worker takes the item
    overlap: Annotated[int, Field(ge=1, le=9)] = 1  # independent labels per item
    overlap_share: Share = 1.0  # share of items that get `overlap` labels; the others get one
    # Mean working hours (exponential) before an annotator picks a waiting item up even when
    # someone is free: people pull work in sessions, not the instant it lands.
    pickup_delay_h: NonNegative = 0.0
    overflow_pool: str | None = None  # takes new work when the queue passes overflow_queue
    overflow_queue: Annotated[int, Field(ge=1)] | None = None
    # Escalation: an item whose label was rejected this many times is relabeled by escalate_pool
    # (experts) instead of going back to the first pools.
    escalate_pool: str | None = None
    escalate_after_rejections: Annotated[int, Field(ge=1, le=9)] = 2


class ReviewStage(_Model):
    pools: list[str]
    share: Share = 1.0  # of label events reviewed
    catch_rate: Share = 0.8  # chance a wrong label is rejected
    false_reject_rate: Share = 0.02  # chance a right label is rejected
    max_attempts: Annotated[int, Field(ge=1, le=9)] = 3  # a label is accepted as is after this many


class AdjudicateStage(_Model):
    pools: list[str]  # resolves items whose labels disagree (overlap > 1)


class QaStage(_Model):
    pools: list[str]
    share: Share = 0.05  # of finished items checked


class Stages(_Model):
    prelabel: PrelabelStage | None = None
    label: LabelStage
    review: ReviewStage | None = None
    adjudicate: AdjudicateStage | None = None
    qa: QaStage | None = None


class Scenario(_Model):
    name: str
    description: str = ""
    project: str = "simulated"
    horizon_h: Positive  # simulated hours
    warmup_h: NonNegative = 0.0  # records finished before this are left out of the summary
    cooldown_h: NonNegative = 0.0  # and those finished in the last cooldown_h hours
    sla_cycle_h: Positive | None = None  # cycle-time target for SLA attainment
    arrivals: Arrivals
    task_type: list[TaskType] = Field(default_factory=lambda: [TaskType(name="classification")])
    pool: list[Pool]
    stages: Stages

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [p.name for p in self.pool]
        if len(set(names)) != len(names):
            raise ValueError("pool names must be unique")
        s = self.stages
        referenced = [(f"stages.{where}", name) for where, name in _stage_pools(s, with_field=True)]
        unknown = [f"{where}: no pool named {name!r}" for where, name in referenced if name not in names]
        if unknown:
            raise ValueError("; ".join(unknown))
        if (s.label.overflow_pool is None) != (s.label.overflow_queue is None):
            raise ValueError("stages.label: set overflow_pool and overflow_queue together")
        if s.label.escalate_pool is not None:
            # Only review rejects labels, and attempt max_attempts is accepted as is: past that, no escalation.
            if s.review is None:
                raise ValueError("stages.label.escalate_pool needs a review stage (only review rejects labels)")
            if s.label.escalate_after_rejections >= s.review.max_attempts:
                raise ValueError("stages.label.escalate_after_rejections must be less than stages.review.max_attempts "
                                 "(attempt max_attempts is accepted as is, so it would never escalate)")
        if self.warmup_h + self.cooldown_h >= self.horizon_h:
            raise ValueError("warmup_h + cooldown_h must leave part of the horizon to measure")
        if self.arrivals.backlog_items == 0 and self.arrivals.rate_per_h == 0 and not self.arrivals.batch:
            raise ValueError("arrivals: nothing arrives (set backlog_items, rate_per_h or a batch)")
        types = [t.name for t in self.task_type]
        by_pool = {p.name: p for p in self.pool}
        missing = [
            f"pool {name!r} has no handling for task type {t!r} at {stage} (add it, or '*')"
            for stage, name in _stage_pools(s) for t in types
            if name in by_pool and by_pool[name].handling_for(t, stage) is None
        ]
        if missing:
            raise ValueError("; ".join(dict.fromkeys(missing)))
        return self

    def pool_named(self, name: str) -> Pool:
        return next(p for p in self.pool if p.name == name)


def _stage_pools(s: Stages, with_field: bool = False) -> list[tuple[str, str]]:
    """(stage, pool name) for every pool a stage may send work to; with_field: (field path, name)."""
    pairs = [("prelabel.pool" if with_field else "prelabel", s.prelabel.pool)] if s.prelabel else []
    pairs += [("label.pools" if with_field else "label", p) for p in s.label.pools]
    if s.label.overflow_pool:
        pairs.append(("label.overflow_pool" if with_field else "label", s.label.overflow_pool))
    if s.label.escalate_pool:
        pairs.append(("label.escalate_pool" if with_field else "label", s.label.escalate_pool))
    for stage in ("review", "adjudicate", "qa"):
        part = getattr(s, stage)
        if part:
            pairs += [(f"{stage}.pools" if with_field else stage, p) for p in part.pools]
    return pairs


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario; raise ScenarioError naming the file and every problem."""
    return load_toml_model(path, Scenario, ScenarioError)


def scenario_toml(scenario: Scenario) -> str:
    """The scenario as a TOML file (None fields left out, so defaults apply on reading)."""
    import tomli_w

    return tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))
