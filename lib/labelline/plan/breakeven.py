"""In-house vs vendor vs crowd: monthly cost curves, break-even volumes and the cheapest option per volume.

Each sourcing option prices a month of finished labels (one delivered label per item, whatever
the overlap behind it) from its own cost structure: an in-house team is paid by the head (heads
rounded up to whole people, overhead, fixed costs, hiring and ramp-up amortised over a planning
horizon); a vendor bills per label with a monthly minimum and fees; a crowd marketplace bills
per judgement with a platform fee. Quality is compared on the same footing: the accuracy of
the delivered label (majority vote over the overlap), so cost per *correct* label = cost per
label / accuracy. Every curve is piecewise linear in volume (flat between head-count steps, a
kink at a vendor's minimum), so the break-even volumes are exact: solved segment by segment.
The arithmetic is in docs/planning/economics.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import stats

from labelline.sim.calibrate import MARKETPLACES
from labelline.sim.scenario import Pool, Scenario
from labelline.tomlfile import load_toml_model

__all__ = [
    "InHouseOption", "VendorOption", "CrowdOption", "SourcingOption", "SourcingPlan", "SourcingError",
    "BreakEven", "BASES", "majority_vote_accuracy", "records", "load_sourcing", "sourcing_from_scenario", "cost_curves",
    "breakeven",
]

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]

# The two figures options are compared on: money per delivered label, and per correct one.
BASES = ("cost_per_label", "cost_per_correct_label")
_WEEKS_PER_MONTH = 52 / 12
_EPS = 1e-9  # float slack when volume lands exactly on a head-count step


class SourcingError(ValueError):
    """A sourcing file that cannot be used; the message lists every problem, one per line."""


def majority_vote_accuracy(accuracy: float, overlap: int) -> float:
    """Chance that the majority of `overlap` independent labels is right, ties broken at random.

    Assumes every wrong label is the same wrong answer (a binary task): the worst case for a
    vote, so the figure never flatters overlap. With k = 2 a tie is a coin flip and the vote
    is no better than one label.
    """
    if overlap == 1:
        return accuracy
    votes = stats.binom(overlap, accuracy)
    right = votes.sf(overlap // 2)  # P(more than half of the labels right)
    if overlap % 2 == 0:
        right += 0.5 * votes.pmf(overlap // 2)  # a tie is won half the time
    return float(right)


class _Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    accuracy: Share = 0.9  # chance one label is right
    overlap: Annotated[int, Field(ge=1, le=9)] = 1  # independent labels per item, majority vote
    overlap_share: Share = 1.0  # share of items that get `overlap` labels; the others get one
    fixed_monthly: NonNegative = 0.0  # money per month whatever the volume: tooling, account, a manager's share

    @property
    def labels_per_item(self) -> float:
        return 1 + (self.overlap - 1) * self.overlap_share

    @property
    def final_accuracy(self) -> float:
        """Accuracy of the delivered label (the vote, on the share of items that have one)."""
        voted = majority_vote_accuracy(self.accuracy, self.overlap)
        return self.overlap_share * voted + (1 - self.overlap_share) * self.accuracy

    def breakpoints(self, low: float, high: float) -> np.ndarray:
        """Volumes in (low, high) where the monthly cost changes slope or jumps."""
        return np.empty(0)


class InHouseOption(_Option):
    """Salaried (or hourly) staff: whole heads, overhead, fixed costs, hiring and ramp-up."""

    kind: Literal["in_house"] = "in_house"
    handling_s: Positive  # mean handling time of one label, seconds
    hourly_rate: NonNegative  # money per paid hour, before overhead
    # "shift": every paid hour costs (salaried staff, idle time included); "handling": only
    # hours of handling are paid (contractors), heads still sized for hiring and ramp-up.
    paid_for: Literal["shift", "handling"] = "shift"
    paid_hours_per_month: Positive = 160.0  # per head (8 h x 20 days)
    productive_hours_per_month: Positive = 136.0  # per head, at the labeling tool (after meetings, training, breaks)
    target_utilisation: Annotated[float, Field(gt=0, le=1)] = 0.85  # slack a queue needs to keep cycle times short
    overhead_pct: Percent = 0.0  # management, QA leads, HR and tooling on top of labour, %
    hiring_cost_per_head: NonNegative = 0.0  # recruiting and onboarding, money per new head
    ramp_up_weeks: NonNegative = 0.0  # weeks a new hire takes to reach full speed
    ramp_up_start_factor: Annotated[float, Field(ge=1, le=10)] = 1.5  # their handling time on day one, x normal
    attrition_pct_per_year: Percent = 0.0  # heads replaced per year (each a new hire), %
    horizon_months: Positive = 12.0  # one-off hiring and ramp-up costs are spread over this

    @model_validator(mode="after")
    def _hours(self) -> Self:
        if self.productive_hours_per_month > self.paid_hours_per_month:
            raise ValueError("productive_hours_per_month cannot exceed paid_hours_per_month")
        return self

    @property
    def items_per_head_per_month(self) -> float:
        """Items one head finishes a month at the target utilisation."""
        return self.productive_hours_per_month * self.target_utilisation * 3600 / (
            self.handling_s * self.labels_per_item)

    @property
    def loaded_hourly_rate(self) -> float:
        return self.hourly_rate * (1 + self.overhead_pct / 100)

    @property
    def ramp_up_lost_hours(self) -> float:
        """Productive hours a new hire loses while ramping up.

        Handling time falls linearly from start_factor x to 1 x over the ramp-up; speed is its
        inverse, whose mean over the ramp is ln(f) / (f - 1); the rest of the hours are lost.
        """
        f = self.ramp_up_start_factor
        mean_speed = 1.0 if f == 1 else math.log(f) / (f - 1)
        weekly = self.productive_hours_per_month / _WEEKS_PER_MONTH
        return self.ramp_up_weeks * weekly * (1 - mean_speed)

    @property
    def one_off_per_head(self) -> float:
        """Hiring cost plus the wages of the hours lost to ramp-up, per new head."""
        return self.hiring_cost_per_head + self.ramp_up_lost_hours * self.loaded_hourly_rate

    def heads(self, volume: np.ndarray) -> np.ndarray:
        return np.ceil(np.asarray(volume, dtype=float) / self.items_per_head_per_month - _EPS).clip(min=0)

    def monthly_cost(self, volume: np.ndarray) -> np.ndarray:
        volume = np.asarray(volume, dtype=float)
        heads = self.heads(volume)
        if self.paid_for == "shift":
            labour = heads * self.paid_hours_per_month * self.loaded_hourly_rate
        else:
            labour = volume * self.labels_per_item * self.handling_s / 3600 * self.loaded_hourly_rate
        hires = heads * (1 + self.attrition_pct_per_year / 100 * self.horizon_months / 12)
        return labour + hires * self.one_off_per_head / self.horizon_months + self.fixed_monthly

    def breakpoints(self, low: float, high: float) -> np.ndarray:
        step = self.items_per_head_per_month
        first, last = math.floor(low / step) + 1, math.ceil(high / step) - 1
        return np.arange(first, last + 1, dtype=float) * step if last >= first else np.empty(0)


class VendorOption(_Option):
    """A labeling vendor: a price per label, a monthly minimum, fees."""

    kind: Literal["vendor"] = "vendor"
    price_per_label: NonNegative  # money per label delivered (each overlapping label is billed)
    minimum_monthly: NonNegative = 0.0  # billed per month even when the labels priced less
    fee_pct: Percent = 0.0  # account management or platform fee on the bill, %

    def monthly_cost(self, volume: np.ndarray) -> np.ndarray:
        work = np.asarray(volume, dtype=float) * self.labels_per_item * self.price_per_label
        return np.maximum(self.minimum_monthly, work) * (1 + self.fee_pct / 100) + self.fixed_monthly

    def breakpoints(self, low: float, high: float) -> np.ndarray:
        if self.price_per_label == 0 or self.minimum_monthly == 0:
            return np.empty(0)
        kink = self.minimum_monthly / (self.price_per_label * self.labels_per_item)
        return np.array([kink]) if low < kink < high else np.empty(0)


class CrowdOption(_Option):
    """A crowd marketplace: a price per judgement and a platform fee, no minimum."""

    kind: Literal["crowd"] = "crowd"
    price_per_label: NonNegative  # money per judgement paid to the worker
    platform_fee_pct: Percent = 20.0  # the marketplace's fee on top, % (Mechanical Turk: 20, 40 for 10+ assignments)

    def monthly_cost(self, volume: np.ndarray) -> np.ndarray:
        work = np.asarray(volume, dtype=float) * self.labels_per_item * self.price_per_label
        return work * (1 + self.platform_fee_pct / 100) + self.fixed_monthly


SourcingOption = Annotated[InHouseOption | VendorOption | CrowdOption, Field(discriminator="kind")]


class SourcingPlan(BaseModel):
    """The options to compare and the volumes to compare them over (items per month)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: str = "USD"  # a label for money figures; nothing is converted
    volume_min_per_month: Positive = 1_000.0
    volume_max_per_month: Positive = 200_000.0
    option: list[SourcingOption]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.option:
            raise ValueError("option: at least one sourcing option is needed")
        names = [o.name for o in self.option]
        if len(set(names)) != len(names):
            raise ValueError("option names must be unique")
        if self.volume_min_per_month >= self.volume_max_per_month:
            raise ValueError("volume_min_per_month must be below volume_max_per_month")
        return self


def load_sourcing(path: str | Path) -> SourcingPlan:
    """Read and validate a sourcing file; raise SourcingError naming the file and every problem."""
    return load_toml_model(path, SourcingPlan, SourcingError)


def _weighted_label_handling(scenario: Scenario, pool: Pool) -> tuple[float, float]:
    """(mean handling s, accuracy) of a pool's label work, weighted by the task types' shares."""
    weights, means, accs = [], [], []
    for t in scenario.task_type:
        h = pool.handling_for(t.name, "label")
        if h is None:
            continue
        mean_s = h.mean_s if h.mean_s is not None else float(np.mean(h.samples_s))
        weights.append(t.share)
        means.append(mean_s)
        accs.append(h.accuracy)
    if not weights:
        raise ValueError(f"pool {pool.name!r} has no label handling for the scenario's task types")
    return float(np.average(means, weights=weights)), float(np.average(accs, weights=weights))


def sourcing_from_scenario(scenario: Scenario, horizon_months: float = 12.0,
                           volume_min_per_month: float | None = None,
                           volume_max_per_month: float | None = None) -> SourcingPlan:
    """One option per pool that labels in the scenario (label pools and the overflow pool).

    A pool priced per hour becomes an in-house team (its shift gives the paid hours, the
    whole shift is productive as in the simulator), an unlimited pool priced per item (or a
    marketplace org) without a minimum commitment a crowd, any other pool priced per item a
    vendor. Every option gets the
    line's overlap. The volume range defaults to a tenth to three times the scenario's
    arrivals per month.
    """
    label = scenario.stages.label
    names = list(dict.fromkeys(label.pools + ([label.overflow_pool] if label.overflow_pool else [])))
    options: list[dict] = []
    for name in names:
        pool = scenario.pool_named(name)
        handling_s, accuracy = _weighted_label_handling(scenario, pool)
        common = {"name": pool.name, "accuracy": accuracy, "overlap": label.overlap,
                  "overlap_share": label.overlap_share, "fixed_monthly": pool.monthly_fee}
        # A minimum commitment makes a per-item pool a vendor whatever its size; a marketplace has none.
        if pool.per_item_price is not None and (pool.unlimited or pool.org in MARKETPLACES) \
                and not pool.minimum_monthly:
            options.append({**common, "kind": "crowd", "price_per_label": pool.per_item_price,
                            "platform_fee_pct": pool.platform_fee_pct})
        elif pool.per_item_price is not None:
            options.append({**common, "kind": "vendor", "price_per_label": pool.per_item_price,
                            "minimum_monthly": pool.minimum_monthly, "fee_pct": pool.platform_fee_pct})
        elif pool.hourly_rate is not None and pool.unlimited:
            # A marketplace paid by the hour of work: its price per label is the rate x the handling time.
            options.append({**common, "kind": "crowd", "price_per_label": pool.hourly_rate * handling_s / 3600,
                            "platform_fee_pct": pool.platform_fee_pct})
        elif pool.hourly_rate is not None:
            shift = pool.shift
            weekly_h = 168.0 if shift is None else shift.hours_per_day * (
                len(shift.weekdays) if shift.weekdays else shift.days_per_week)
            monthly_h = weekly_h * _WEEKS_PER_MONTH
            # A platform fee on an hourly pool (an agency's margin) is one more overhead.
            overhead = ((1 + pool.overhead_pct / 100) * (1 + pool.platform_fee_pct / 100) - 1) * 100
            options.append({**common, "kind": "in_house", "handling_s": handling_s,
                            "hourly_rate": pool.hourly_rate, "paid_for": pool.paid_for,
                            "paid_hours_per_month": monthly_h, "productive_hours_per_month": monthly_h,
                            "overhead_pct": overhead, "ramp_up_weeks": pool.ramp_up_weeks,
                            "ramp_up_start_factor": pool.ramp_up_start_factor,
                            "horizon_months": horizon_months})
        else:
            raise ValueError(f"pool {pool.name!r} has neither an hourly rate nor a per-item price: nothing to cost")
    a = scenario.arrivals
    per_h = a.rate_per_h + sum(b.items / b.every_h for b in a.batch if b.every_h) + (
        (a.backlog_items + sum(b.items for b in a.batch if not b.every_h)) / scenario.horizon_h)
    monthly = per_h * 720
    return SourcingPlan.model_validate({
        "volume_min_per_month": volume_min_per_month or max(1.0, round(monthly / 10)),
        "volume_max_per_month": volume_max_per_month or max(10.0, round(monthly * 3)),
        "option": options,
    })


def _basis_cost(option: _Option, volume: np.ndarray, basis: str) -> np.ndarray:
    """Monthly cost, divided by accuracy for the per-correct-label basis (the same ratio per volume)."""
    cost = option.monthly_cost(volume)
    return cost / option.final_accuracy if basis == "cost_per_correct_label" else cost


def cost_curves(plan: SourcingPlan, volumes: Sequence[float] | np.ndarray | None = None,
                points: int = 200) -> pd.DataFrame:
    """One row per option and volume: monthly_cost, cost_per_label, cost_per_correct_label, heads.

    Default volumes: `points` log-spaced over the plan's range, plus every option's break points
    on both sides (so a step in head count shows as a step, not a slope).
    """
    if volumes is None:
        lo, hi = plan.volume_min_per_month, plan.volume_max_per_month
        grid = [np.geomspace(lo, hi, points)]
        for o in plan.option:
            bps = o.breakpoints(lo, hi)
            if len(bps) <= 4 * points:  # too many steps to draw each: the grid shows the saw-tooth
                grid += [bps, np.minimum(bps * (1 + 1e-6), hi)]
        volumes = np.unique(np.concatenate(grid))
    volumes = np.asarray(volumes, dtype=float)
    frames = []
    for o in plan.option:
        cost = o.monthly_cost(volumes)
        frames.append(pd.DataFrame({
            "option": o.name, "kind": o.kind, "volume_per_month": volumes, "monthly_cost": cost,
            "cost_per_label": cost / volumes, "cost_per_correct_label": cost / volumes / o.final_accuracy,
            "heads": o.heads(volumes) if isinstance(o, InHouseOption) else np.nan,
        }))
    return pd.concat(frames, ignore_index=True)


def _crossings(a: _Option, b: _Option, basis: str, low: float, high: float) -> list[dict]:
    """Volumes in [low, high] where a and b swap places, exactly.

    Between consecutive break points of either curve both costs are linear (a head-count step
    holds on (k-1)c, kc], closed on the right), so their difference d is linear there: a sign
    change inside a segment is solved from two points, and a sign change across a break point
    (a step) is the break point itself.
    """
    def diff(v: np.ndarray | float) -> np.ndarray:
        v = np.atleast_1d(np.asarray(v, dtype=float))
        return _basis_cost(a, v, basis) - _basis_cost(b, v, basis)

    points = np.unique(np.concatenate([[low, high], a.breakpoints(low, high), b.breakpoints(low, high)]))
    found: list[tuple[float, str]] = []
    previous_end: float | None = None  # d at the right end of the previous segment (= at its break point)
    for left, right in zip(points[:-1], points[1:], strict=True):
        mid = (left + right) / 2
        d_mid, d_right = diff([mid, right])
        slope = (d_right - d_mid) / (right - mid)
        d_left = d_right - slope * (right - left)  # the limit from inside the segment
        if previous_end is not None and previous_end * d_left < 0:
            found.append((float(left), "step"))
        if d_left * d_right < 0:
            found.append((float(left + (right - left) * d_left / (d_left - d_right)), "slope"))
        elif d_right == 0 and right < high:
            after = diff(min(right * (1 + 1e-6), high))[0]
            if d_left * after < 0:
                found.append((float(right), "slope"))
        previous_end = d_right
    rows = []
    for volume, how in found:
        below, above = diff(volume * (1 - 1e-6))[0], diff(volume * (1 + 1e-6))[0]
        at = np.array([volume])
        rows.append({
            "basis": basis, "option_a": a.name, "option_b": b.name, "volume_per_month": volume, "how": how,
            "cheaper_below": a.name if below < 0 else b.name, "cheaper_above": a.name if above < 0 else b.name,
            # Per item on the basis, at the crossing (equal for a slope; either side of a step).
            "cost_a": float(_basis_cost(a, at, basis)[0] / volume),
            "cost_b": float(_basis_cost(b, at, basis)[0] / volume),
        })
    return rows


def _bands(plan: SourcingPlan, crossings: pd.DataFrame, basis: str) -> list[dict]:
    """The cheapest option on each volume interval between crossings, adjacent equal ones merged."""
    lo, hi = plan.volume_min_per_month, plan.volume_max_per_month
    cuts = sorted({lo, hi, *crossings.loc[crossings["basis"] == basis, "volume_per_month"]})
    bands: list[dict] = []
    for left, right in zip(cuts[:-1], cuts[1:], strict=True):
        mid = np.array([(left + right) / 2])
        costs = {o.name: _basis_cost(o, mid, basis)[0] / mid[0] for o in plan.option}
        best = min(costs, key=costs.get)
        if bands and bands[-1]["option"] == best:
            bands[-1]["volume_to"] = right
        else:
            bands.append({"basis": basis, "volume_from": left, "volume_to": right, "option": best})
    for band in bands:
        o = next(o for o in plan.option if o.name == band["option"])
        ends = np.array([band["volume_from"], band["volume_to"]])
        per = _basis_cost(o, ends, basis) / ends
        band["cost_at_from"], band["cost_at_to"] = float(per[0]), float(per[1])
    return bands


def _cheaper(a: _Option, b: _Option, volume: np.ndarray, basis: str) -> str:
    return a.name if _basis_cost(a, volume, basis)[0] <= _basis_cost(b, volume, basis)[0] else b.name


def _pairs(plan: SourcingPlan, crossings: pd.DataFrame, bases: list[str]) -> pd.DataFrame:
    """Per basis and pair of options: how often they swap, the first and last swap, who wins at each end.

    Head-count steps make an in-house curve a saw-tooth, so two options can swap many times
    over a narrow range; `last_volume` is the break-even a plan can rely on: from there on the
    order holds to the top of the range.
    """
    lo, hi = np.array([plan.volume_min_per_month]), np.array([plan.volume_max_per_month])
    rows = []
    for basis in bases:
        for i, a in enumerate(plan.option):
            for b in plan.option[i + 1:]:
                mine = crossings[(crossings["basis"] == basis) & (crossings["option_a"] == a.name)
                                 & (crossings["option_b"] == b.name)]
                rows.append({
                    "basis": basis, "option_a": a.name, "option_b": b.name, "crossings": len(mine),
                    "first_volume": float(mine["volume_per_month"].min()) if len(mine) else None,
                    "last_volume": float(mine["volume_per_month"].max()) if len(mine) else None,
                    "cheaper_at_min": _cheaper(a, b, lo, basis), "cheaper_at_max": _cheaper(a, b, hi, basis),
                })
    return pd.DataFrame(rows, columns=["basis", "option_a", "option_b", "crossings", "first_volume", "last_volume",
                                       "cheaper_at_min", "cheaper_at_max"])


def _outline(bands: pd.DataFrame) -> pd.DataFrame:
    """The bands with each saw-tooth zone merged: a run of four or more bands alternating between the
    same two options keeps its first and last band and becomes one "A / B" band in between."""
    rows: list[dict] = []
    for basis, part in bands.groupby("basis", sort=False):
        part = part.to_dict(orient="records")
        names = [r["option"] for r in part]
        i = 0
        while i < len(part):
            j = min(i + 2, len(part))  # the run from i alternates names[i], names[i + 1], names[i], ...
            while j < len(part) and names[j] == names[i + (j - i) % 2]:
                j += 1
            run = part[i:j]
            if len(run) >= 4:
                first, last = run[0], run[-1]
                rows += [{**first, "alternating": False},
                         {"basis": basis, "volume_from": first["volume_to"], "volume_to": last["volume_from"],
                          "option": " / ".join(dict.fromkeys(r["option"] for r in run[1:-1])),
                          "cost_at_from": run[1]["cost_at_from"], "cost_at_to": run[-2]["cost_at_to"],
                          "alternating": True},
                         {**last, "alternating": False}]
                i = j
            else:
                rows.append({**part[i], "alternating": False})
                i += 1
    return pd.DataFrame(rows, columns=[*bands.columns, "alternating"])


@dataclass(frozen=True)
class BreakEven:
    plan: SourcingPlan
    options: pd.DataFrame  # option, kind, accuracy, overlap, labels_per_item, final_accuracy, ...
    curves: pd.DataFrame  # option, kind, volume_per_month, monthly_cost, cost_per_label, cost_per_correct_label, heads
    # basis, option_a, option_b, volume_per_month, how ("slope" or "step"), cheaper_below, cheaper_above,
    # cost_a, cost_b (per item on the basis, at the crossing)
    crossings: pd.DataFrame
    bands: pd.DataFrame  # basis, volume_from, volume_to, option, cost_at_from, cost_at_to (per item, on the basis)
    outline: pd.DataFrame  # the bands with saw-tooth zones merged ("A / B", alternating = True)
    pairs: pd.DataFrame  # basis, option_a, option_b, crossings, first_volume, last_volume, cheaper_at_min/max

    def cheapest(self, volume_per_month: float, basis: str = "cost_per_label") -> str:
        """The cheapest option at this monthly volume on this basis."""
        v = np.array([float(volume_per_month)])
        return min(self.plan.option, key=lambda o: _basis_cost(o, v, basis)[0]).name

    def at(self, volume_per_month: float) -> pd.DataFrame:
        """Every option at one monthly volume: monthly_cost, cost_per_label, cost_per_correct_label, heads."""
        return cost_curves(self.plan, [float(volume_per_month)])

    def tables(self) -> dict[str, pd.DataFrame]:
        """What an export writes: options, bands, crossings and the curves."""
        return {"options": self.options, "outline": self.outline, "pairs": self.pairs, "bands": self.bands,
                "crossings": self.crossings, "curves": self.curves}

    def to_json(self) -> dict:
        """Stable keys: currency, volume_min_per_month, volume_max_per_month, options, outline, pairs, bands,
        crossings (lists of records with the tables' columns; no data is null, never NaN)."""
        return {"currency": self.plan.currency, "volume_min_per_month": self.plan.volume_min_per_month,
                "volume_max_per_month": self.plan.volume_max_per_month, "options": records(self.options),
                "outline": records(self.outline), "pairs": records(self.pairs), "bands": records(self.bands),
                "crossings": records(self.crossings)}


def records(df: pd.DataFrame) -> list[dict]:
    """A table as JSON-ready records: NaN and infinities become None, numpy scalars plain Python."""
    rows = df.astype(object).where(df.notna(), None).to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else
                 v.item() if isinstance(v, np.generic) else v) for k, v in row.items()} for row in rows]


def _options_table(plan: SourcingPlan) -> pd.DataFrame:
    rows = []
    for o in plan.option:
        row = {"option": o.name, "kind": o.kind, "accuracy": o.accuracy, "overlap": o.overlap,
               "overlap_share": o.overlap_share, "labels_per_item": o.labels_per_item,
               "final_accuracy": o.final_accuracy, "fixed_monthly": o.fixed_monthly,
               "items_per_head_per_month": None, "one_off_per_head": None}
        if isinstance(o, InHouseOption):
            row["items_per_head_per_month"] = o.items_per_head_per_month
            row["one_off_per_head"] = o.one_off_per_head
        rows.append(row)
    return pd.DataFrame(rows)


def breakeven(plan: SourcingPlan, bases: Iterable[str] = BASES, points: int = 200) -> BreakEven:
    """Cost curves, every pairwise break-even volume and the cheapest option per volume band."""
    bases = list(bases)
    unknown = set(bases) - set(BASES)
    if unknown:
        raise ValueError(f"unknown basis {', '.join(sorted(unknown))}; one of {', '.join(BASES)}")
    lo, hi = plan.volume_min_per_month, plan.volume_max_per_month
    rows = [row for basis in bases for i, a in enumerate(plan.option) for b in plan.option[i + 1:]
            for row in _crossings(a, b, basis, lo, hi)]
    columns = ["basis", "option_a", "option_b", "volume_per_month", "how", "cheaper_below", "cheaper_above",
               "cost_a", "cost_b"]
    crossings = pd.DataFrame(rows, columns=columns).sort_values(["basis", "volume_per_month"], ignore_index=True)
    bands = pd.DataFrame([band for basis in bases for band in _bands(plan, crossings, basis)])
    return BreakEven(plan=plan, options=_options_table(plan), curves=cost_curves(plan, points=points),
                     crossings=crossings, bands=bands, outline=_outline(bands), pairs=_pairs(plan, crossings, bases))
