"""Scorecards: one row per annotator, the table managers sort and export.

Volume, speed, first-pass acceptance, rework, gold accuracy (with its Wilson interval),
agreement with the other annotators (mean Cohen's kappa over the pairs they share items
with), Dawid-Skene skill, and cost. Export to CSV or XLSX (a sheet with the rows and one
with what the numbers cover), for people who take them into their own reports.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from labelline.kpis.filters import KpiFilter
from labelline.kpis.quality import pairwise_agreement, skill, with_wilson
from labelline.kpis.session import DEFAULT_TOUCH_CAP_S, KpiSession

__all__ = ["scorecards", "export_scorecards", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = (
    "worker_id", "tier", "org", "projects", "events", "label_events", "items", "active_h",
    "label_p50_s", "label_mean_s", "first_pass_acceptance", "rework_rate",
    "gold_trials", "gold_accuracy", "gold_ci_low", "gold_ci_high",
    "agreement_pairs", "mean_cohen_kappa", "mean_percent_agreement", "skill",
    "cost", "cost_per_label", "first_at", "last_at",
)


def scorecards(s: KpiSession, flt: KpiFilter | None = None, cap_s: float = DEFAULT_TOUCH_CAP_S,
               with_skill: bool = True, min_shared_items: int = 5, max_skill_items: int | None = None) -> pd.DataFrame:
    """One row per worker in the filter, columns SCORECARD_COLUMNS (rates are shares 0-1).

    Unfiltered, at the default cap, a large store reads the rows prepared with its KPI tables
    (the same query, run once per snapshot). ``max_skill_items`` bounds Dawid-Skene's items
    (labelline.kpis.quality.skill).
    """
    whole = (flt or KpiFilter()) == KpiFilter() and float(cap_s) == DEFAULT_TOUCH_CAP_S and s.use_rollups(flt)
    base = s.frame("scorecards_all", flt) if whole else s.frame("scorecards", flt, cap_s=float(cap_s))
    base = with_wilson(base, "gold_right", "gold_trials").rename(
        columns={"ci_low": "gold_ci_low", "ci_high": "gold_ci_high"})
    pairs = pairwise_agreement(s, flt, min_items=min_shared_items)
    if len(pairs):
        # Each pair counts once for each of its two workers.
        both = pd.concat([
            pairs.rename(columns={"worker_a": "worker_id"}).drop(columns="worker_b"),
            pairs.rename(columns={"worker_b": "worker_id"}).drop(columns="worker_a"),
        ])
        per_worker = both.groupby("worker_id").agg(
            agreement_pairs=("items", "size"),
            mean_cohen_kappa=("cohen_kappa", "mean"),
            mean_percent_agreement=("percent_agreement", "mean"),
        )
        base = base.merge(per_worker, left_on="worker_id", right_index=True, how="left")
    else:
        base = base.assign(agreement_pairs=0, mean_cohen_kappa=np.nan, mean_percent_agreement=np.nan)
    base["agreement_pairs"] = base["agreement_pairs"].fillna(0).astype(int)
    if with_skill:
        workers = skill(s, flt, max_items=max_skill_items).workers[["worker_id", "skill"]]
        base = base.merge(workers, on="worker_id", how="left")
    else:
        base["skill"] = np.nan
    return base[list(SCORECARD_COLUMNS)].reset_index(drop=True)


def export_scorecards(frame: pd.DataFrame, path: str | Path, flt: KpiFilter | None = None) -> Path:
    """Write scorecards to .csv or .xlsx (chosen by the suffix); return the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        about = pd.DataFrame({
            "field": ["covers", "generated_at", "rates", "times"],
            "value": [
                (flt or KpiFilter()).describe(),
                datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "shares from 0 to 1; cost in the rate card's currency",
                "seconds (_s), hours (_h), timestamps in UTC",
            ],
        })
        # Excel has no time zones: timestamps go in as naive UTC, as the header says.
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="scorecards", index=False)
            about.to_excel(xl, sheet_name="about", index=False)
    else:
        raise ValueError(f"{path}: choose a .csv or .xlsx file")
    return path
