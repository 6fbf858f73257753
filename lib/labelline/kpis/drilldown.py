"""Drill-downs behind the dashboard's tables: one pair of annotators, one annotator, one stage.

The KPI modules answer "how is the line doing"; these answer the manager's next question,
"show me": the items two annotators disagreed on, how one annotator's speed, accuracy and
agreement moved week by week, and how busy each stage's people were. Also the scorecard
export as bytes, for a download button that must not touch the disk of the server's caller.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.flow import _grain
from labelline.kpis.quality import with_wilson
from labelline.kpis.scorecards import export_scorecards
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S, KpiSession

__all__ = ["pair_items", "worker_trend", "utilisation_by_stage", "scorecards_bytes"]


def pair_items(s: KpiSession, worker_a: str, worker_b: str, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Items both annotators answered at first pass, disagreements first.

    Columns: project, item_id, task_type, label_a, label_b, gold_label, agree, answered_at.
    These are exactly the items the pair's Cohen's kappa is computed on (same first-pass
    answers, same filter), so the page can say "disagreed on 3 of 12".
    """
    if worker_a == worker_b:
        raise ValueError("choose two different annotators")
    return s.frame("pair_items", flt, worker_a=str(worker_a), worker_b=str(worker_b))


def worker_trend(s: KpiSession, worker: str, flt: KpiFilter | None = None, grain: str = "week",
                 cap_s: float = DEFAULT_TOUCH_CAP_S) -> pd.DataFrame:
    """One annotator per period: speed, gold accuracy (Wilson), first-pass acceptance, agreement.

    Columns: period, label_events, timed_events, p50_s, mean_s (seconds, capped at cap_s),
    gold_trials, gold_correct, gold_accuracy, gold_ci_low, gold_ci_high,
    reviewed_first_pass, accepted_first_pass, first_pass_acceptance, items, pairs,
    agreements, percent_agreement. Shares are 0-1 and NaN where a period had nothing to
    measure (no gold, no review, no shared items): "no data" is not zero.
    """
    if grain not in ("day", "week"):
        raise ValueError("grain must be 'day' or 'week'")
    work = s.frame("worker_trend", flt, worker=str(worker), grain=_grain(grain), cap_s=float(cap_s))
    agree = s.frame("worker_agreement_trend", flt, worker=str(worker), grain=_grain(grain))
    work = with_wilson(work, "gold_correct", "gold_trials").rename(
        columns={"ci_low": "gold_ci_low", "ci_high": "gold_ci_high"})
    trials = work["gold_trials"].where(work["gold_trials"] > 0)
    work["gold_accuracy"] = work["gold_correct"] / trials
    reviewed = work["reviewed_first_pass"].where(work["reviewed_first_pass"] > 0)
    work["first_pass_acceptance"] = work["accepted_first_pass"] / reviewed
    out = work.merge(agree, on="period", how="outer").sort_values("period", ignore_index=True)
    for column in ("label_events", "timed_events", "gold_trials", "gold_correct", "reviewed_first_pass",
                   "accepted_first_pass", "items", "pairs", "agreements"):
        out[column] = out[column].fillna(0).astype("int64")
    return out[["period", "label_events", "timed_events", "p50_s", "mean_s", "gold_trials", "gold_correct",
                "gold_accuracy", "gold_ci_low", "gold_ci_high", "reviewed_first_pass", "accepted_first_pass",
                "first_pass_acceptance", "items", "pairs", "agreements", "percent_agreement"]]


def utilisation_by_stage(s: KpiSession, flt: KpiFilter | None = None,
                         available_h_per_day: float = 8.0) -> pd.DataFrame:
    """Busy hours over available hours per stage (each person available that many hours a day worked).

    Columns: stage, workers, worker_days, busy_h, available_h, utilisation (share).
    """
    if available_h_per_day <= 0:
        raise ValueError("available_h_per_day must be positive")
    name = "utilisation_by_stage_rollup" if s.use_rollups(flt) else "utilisation_by_stage"
    return s.frame(name, flt, available_h_per_day=float(available_h_per_day))


def scorecards_bytes(frame: pd.DataFrame, fmt: str, flt: KpiFilter | None = None) -> bytes:
    """Scorecards as a .csv or .xlsx file's bytes, written by :func:`export_scorecards`.

    Going through the same writer as ``labelline scorecards --out`` keeps the download and
    the command line identical (the XLSX's "about" sheet says what the numbers cover).
    """
    if fmt not in ("csv", "xlsx"):
        raise ValueError("fmt must be 'csv' or 'xlsx'")
    with tempfile.TemporaryDirectory(prefix="labelline-export-") as tmp:
        path = export_scorecards(frame, Path(tmp) / f"scorecards.{fmt}", flt)
        return path.read_bytes()
