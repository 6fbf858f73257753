"""The headline numbers: what `labelline kpis` prints and the Overview tiles show.

The keys of :func:`headline` are a stable interface (README, "labelline kpis --json").
"""

from __future__ import annotations

import math
from typing import Any

from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import cycle_time
from labelline.kpis.money import cost_per_correct_label
from labelline.kpis.quality import agreement
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S, KpiSession

__all__ = ["headline", "HEADLINE_KEYS"]

HEADLINE_KEYS = (
    "events", "items", "workers", "first_event_at", "last_event_at", "days",
    "finished_items", "throughput_per_day", "backlog_items",
    "touch_p50_s", "touch_p90_s", "touch_p95_s", "touch_mean_s", "touch_cap_s", "touch_capped_events",
    "cycle_p50_h", "cycle_p95_h",
    "currency", "cost_total", "cost_per_label", "cost_per_accepted_label", "cost_per_correct_label", "unpriced_events",
    "first_pass_acceptance", "rework_rate", "rejection_rate", "gold_accuracy", "gold_trials",
    "percent_agreement", "fleiss_kappa", "krippendorff_alpha", "agreement_items", "percentiles_approximate",
)


def _ratio(num: Any, den: Any) -> float | None:
    return float(num) / float(den) if den else None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def headline(s: KpiSession, flt: KpiFilter | None = None, cap_s: float = DEFAULT_TOUCH_CAP_S) -> dict[str, Any]:
    """Every headline KPI for the filter, as a flat dict with the keys of HEADLINE_KEYS.

    Ratios whose denominator is zero (no reviews, no gold, no overlap) are None, not 0:
    "no data" and "zero" mean different things to a manager. On large stores the
    percentiles come from histograms, within 1 % (``percentiles_approximate`` says so).
    """
    rollups = s.use_rollups(flt)
    h = s.row("headline_rollup" if rollups else "headline", flt, cap_s=float(cap_s))
    if h["items"] is None:
        h["items"] = s.row("items_touched", flt)["items"]
    done = cycle_time(s, flt)
    agree = agreement(s, flt)
    q = h["touch_quantiles_s"] or [None, None, None]
    gold = _ratio(h["gold_correct"], h["gold_trials"])
    cpa = done.cost / done.finished if done.finished else None
    out = {
        "events": int(h["events"]),
        "items": int(h["items"]),
        "workers": int(h["workers"]),
        "first_event_at": h["first_at"].isoformat() + "Z" if h["first_at"] else None,
        "last_event_at": h["last_at"].isoformat() + "Z" if h["last_at"] else None,
        "days": done.days,
        "finished_items": done.finished,
        "throughput_per_day": done.throughput_per_day,
        "backlog_items": done.backlog,
        "touch_p50_s": q[0],
        "touch_p90_s": q[1],
        "touch_p95_s": q[2],
        "touch_mean_s": h["touch_mean_s"],
        "touch_cap_s": float(cap_s),
        "touch_capped_events": int(h["touch_capped"]),
        "cycle_p50_h": done.p50_h,
        "cycle_p95_h": done.p95_h,
        "currency": s.currency,
        "cost_total": float(h["cost"]),
        "cost_per_label": _ratio(h["cost"], h["label_events"]),
        "cost_per_accepted_label": cpa,
        "cost_per_correct_label": cost_per_correct_label(cpa, gold),
        "unpriced_events": int(h["unpriced"]),
        "first_pass_acceptance": _ratio(h["accepted_first_pass"], h["reviewed_first_pass"]),
        "rework_rate": _ratio(h["rework_labels"], h["label_submitted"]),
        "rejection_rate": _ratio(h["rejected_reviews"], h["reviews"]),
        "gold_accuracy": gold,
        "gold_trials": int(h["gold_trials"]),
        "percent_agreement": agree.percent_agreement,
        "fleiss_kappa": agree.fleiss_kappa,
        "krippendorff_alpha": agree.krippendorff_alpha,
        "agreement_items": agree.items,
        "percentiles_approximate": rollups,
    }
    return {k: _clean(out[k]) for k in HEADLINE_KEYS}
