"""Variants of a scenario: the same line with one input changed.

Every planning tool (staffing, sensitivity, Monte Carlo) asks "what if this input were
different"; these functions return a new, re-validated Scenario and never mutate the one
given, so a variant is as trustworthy as a scenario loaded from a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labelline.sim.scenario import Scenario

__all__ = ["with_changes", "with_headcounts", "scaled", "shortened", "SCALABLE_INPUTS"]

# Inputs a sensitivity analysis can scale, with what "x factor" means for each.
SCALABLE_INPUTS = {
    "handling_time": "every pool's mean handling time (and empirical samples)",
    "accuracy": "every pool's accuracy, capped at 1",
    "hourly_rate": "every hourly rate",
    "per_item_price": "every per-item price",
    "arrival_volume": "arrival rate, backlog and batch sizes",
    "rejection_rate": "review's false-reject rate, capped at 1 (rework from rejecting right labels)",
}


def with_changes(scenario: Scenario, **fields: Any) -> Scenario:
    """The scenario with top-level fields replaced, validated again."""
    data = scenario.model_dump()
    data.update(fields)
    return Scenario.model_validate(data)


def shortened(scenario: Scenario, horizon_h: float) -> Scenario:
    """The first `horizon_h` hours only, for a quick answer; warm-up and cool-down each keep at
    most a quarter of the new horizon so something is left to measure."""
    return with_changes(scenario, horizon_h=horizon_h, warmup_h=min(scenario.warmup_h, horizon_h / 4),
                        cooldown_h=min(scenario.cooldown_h, horizon_h / 4))


def _rebuild(scenario: Scenario, data: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(data)


def with_headcounts(scenario: Scenario, headcounts: Mapping[str, int]) -> Scenario:
    """The scenario with these pools' headcounts (pools not named keep theirs)."""
    unknown = set(headcounts) - {p.name for p in scenario.pool}
    if unknown:
        raise ValueError(f"no pool named {', '.join(sorted(unknown))}")
    data = scenario.model_dump()
    for pool in data["pool"]:
        if pool["name"] in headcounts:
            if pool["unlimited"]:
                raise ValueError(f"pool {pool['name']!r} is unlimited: it has no headcount to change")
            pool["headcount"] = int(headcounts[pool["name"]])
            pool["new_hires"] = min(pool.get("new_hires", 0), pool["headcount"])
    return _rebuild(scenario, data)


def scaled(scenario: Scenario, input_name: str, factor: float) -> Scenario:
    """The scenario with one input (a key of SCALABLE_INPUTS) multiplied by factor."""
    if input_name not in SCALABLE_INPUTS:
        raise ValueError(f"unknown input {input_name!r}; one of {', '.join(SCALABLE_INPUTS)}")
    if factor <= 0:
        raise ValueError("factor must be positive")
    data = scenario.model_dump()
    if input_name in ("handling_time", "accuracy"):
        for pool in data["pool"]:
            for handling in pool["handling"].values():
                if input_name == "accuracy":
                    handling["accuracy"] = min(1.0, handling["accuracy"] * factor)
                elif handling["samples_s"]:
                    handling["samples_s"] = [s * factor for s in handling["samples_s"]]
                else:
                    handling["mean_s"] *= factor
    elif input_name in ("hourly_rate", "per_item_price"):
        for pool in data["pool"]:
            if pool[input_name] is not None:
                pool[input_name] *= factor
    elif input_name == "arrival_volume":
        arrivals = data["arrivals"]
        arrivals["rate_per_h"] *= factor
        arrivals["backlog_items"] = round(arrivals["backlog_items"] * factor)
        for batch in arrivals["batch"]:
            batch["items"] = max(1, round(batch["items"] * factor))
    elif input_name == "rejection_rate":
        review = data["stages"].get("review")
        if review:
            review["false_reject_rate"] = min(1.0, review["false_reject_rate"] * factor)
    return _rebuild(scenario, data)
