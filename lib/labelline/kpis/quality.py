"""Quality: review outcomes, gold accuracy, agreement, skill without gold, hotspots, drift.

SQL gathers the counts; the statistics that need more than a ratio come from well-kept
libraries (statsmodels' Wilson interval, crowd-kit's Dawid-Skene) or from
:mod:`labelline.kpis.agreement`, whose count-based formulas are tested against scikit-learn,
statsmodels and the ``krippendorff`` package (those take dense rater x item matrices that
do not fit at millions of items, which is why we compute from counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelline.kpis import agreement as agr
from labelline.kpis import drift as drf
from labelline.kpis.filters import KpiFilter
from labelline.kpis.session import KpiSession

__all__ = [
    "review_rates", "gold_accuracy", "agreement", "pairwise_agreement", "agreement_matrix", "skill",
    "confusion_hotspots", "drift_alerts", "with_wilson", "model_sample", "SEP", "MAX_MODEL_ITEMS",
]

SEP = chr(31)  # joins project and item id into one item key in the SQL
# Dawid-Skene models a confusion matrix per worker over a fixed set of classes; beyond a
# few dozen distinct answers they are structured (spans, boxes) and the model is meaningless.
MAX_SKILL_CLASSES = 50
# Dawid-Skene's EM costs about 10 s per million answers; the dashboard fits it on at most this
# many items (a fixed pseudo-random sample: the same items every time) and says so.
MAX_MODEL_ITEMS = 50_000


def review_rates(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """First-pass acceptance, rework and rejection rates, overall and by project, tier, worker."""
    return s.frame("review_rates_rollup" if s.use_rollups(flt) else "review_rates", flt)


def with_wilson(frame: pd.DataFrame, successes: str, trials: str, confidence: float = 0.95) -> pd.DataFrame:
    """Add ``ci_low`` / ``ci_high``: Wilson score interval, right for the small counts gold gives."""
    # Imported here: statsmodels takes a second or two to import, and the Overview never needs it.
    from statsmodels.stats.proportion import proportion_confint

    out = frame.copy()
    n = out[trials].to_numpy(dtype=float)
    k = out[successes].to_numpy(dtype=float)
    low = np.full(len(out), np.nan)
    high = np.full(len(out), np.nan)
    ok = n > 0
    if ok.any():
        low[ok], high[ok] = proportion_confint(k[ok], n[ok], alpha=1 - confidence, method="wilson")
    out["ci_low"], out["ci_high"] = low, high
    return out


def gold_accuracy(s: KpiSession, flt: KpiFilter | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Accuracy on gold items with a Wilson interval, overall and by project, task type, tier, worker."""
    name = "gold_accuracy_rollup" if s.use_rollups(flt) else "gold_accuracy"
    return with_wilson(s.frame(name, flt), "correct", "trials", confidence)


def agreement(s: KpiSession, flt: KpiFilter | None = None) -> agr.AgreementSummary:
    """Percent agreement, Fleiss' kappa and Krippendorff's alpha over items with 2+ first-pass answers.

    Items count when their first answer is in the date range, with all their answers. On a
    filter of dates, projects and task types only, the statistics come from the per-item
    table prepared at ingest (a few ms at 10M events); a filter on people or tiers recounts
    the answers those people gave (kpi/label_counts). Both give the same numbers
    (tests/test_kpis.py checks them against each other and against the reference libraries).
    """
    flt = flt or KpiFilter()
    by_people = flt.tiers or flt.orgs or flt.workers or (flt.stages and "label" not in flt.stages)
    if by_people:
        return agr.agreement_from_counts(s.frame("label_counts", flt).rename(columns={"item": "item_id"}))
    row = s.row("agreement", flt)
    nan = float("nan")
    return agr.AgreementSummary(
        items=int(row["items"] or 0), labels=int(row["labels"] or 0),
        percent_agreement=nan if row["percent_agreement"] is None else float(row["percent_agreement"]),
        fleiss_kappa=nan if row["fleiss_kappa"] is None else float(row["fleiss_kappa"]),
        krippendorff_alpha=nan if row["krippendorff_alpha"] is None else float(row["krippendorff_alpha"]),
    )


def _answers(s: KpiSession, flt: KpiFilter | None, min_answers: int = 2,
             max_items: int | None = None) -> pd.DataFrame:
    if max_items is None:
        frame = s.frame("first_pass_labels", flt, min_answers=min_answers)
    else:
        frame = s.frame("first_pass_labels_sample", flt, min_answers=min_answers, max_items=int(max_items))
    return frame.rename(columns={"item": "item_id"})


def model_sample(s: KpiSession, flt: KpiFilter | None = None,
                 max_items: int | None = MAX_MODEL_ITEMS) -> tuple[int, int] | None:
    """(items modelled, items with 2+ answers) when Dawid-Skene with ``max_items`` sees a sample; else None."""
    if max_items is None:
        return None
    items = agreement(s, flt).items
    return (int(max_items), items) if items > max_items else None


def pairwise_agreement(s: KpiSession, flt: KpiFilter | None = None, min_items: int = 5) -> pd.DataFrame:
    """Cohen's kappa and percent agreement for every pair of annotators sharing min_items items.

    Large stores add up the counted answer pairs prepared at ingest (kpi/pair_agreement):
    the same numbers, in milliseconds instead of pairing millions of answers.
    """
    if s.use_rollups(flt):
        return s.frame("pair_agreement", flt, min_items=int(min_items))
    return agr.pairwise_agreement(_answers(s, flt)[["item_id", "worker_id", "label"]], min_items=min_items)


def agreement_matrix(s: KpiSession, flt: KpiFilter | None = None, value: str = "cohen_kappa",
                     min_items: int = 5) -> pd.DataFrame:
    """Annotator x annotator matrix of Cohen's kappa (or percent_agreement)."""
    return agr.agreement_matrix(pairwise_agreement(s, flt, min_items), value=value)


def split_item(frame: pd.DataFrame, column: str = "item_id") -> pd.DataFrame:
    """Turn the joined item key back into project and item_id columns."""
    out = frame.copy()
    parts = out[column].str.split(SEP, n=1, expand=True)
    out.insert(0, "project", parts[0])
    out["item_id"] = parts[1]
    return out


@dataclass(frozen=True)
class Skill:
    items: pd.DataFrame  # project, item_id, label (aggregated), confidence
    workers: pd.DataFrame  # worker_id, skill (estimated accuracy), labels, tier
    accuracy: float | None  # label-weighted mean skill: an accuracy estimate without gold
    skipped_projects: tuple[str, ...] = ()  # structured answers: no class set to model


def skill(s: KpiSession, flt: KpiFilter | None = None, min_answers: int = 2, max_items: int | None = None) -> Skill:
    """Dawid-Skene worker skill and aggregated labels, from items with min_answers+ answers.

    ``max_items`` fits the model on at most that many of those items, the same pseudo-random
    sample every time (:func:`model_sample` says when that happens); None fits on all.

    Run per project: each project has its own label set, and one model over all of them
    would spread the class priors across labels a worker never sees (skills near zero).
    A worker active in several projects gets the label-weighted mean of their skills.
    Projects with more than MAX_SKILL_CLASSES distinct answers (spans, boxes, free text)
    have no fixed class set for the model and are left out (``Skill.skipped_projects``).
    """
    answers = _answers(s, flt, min_answers, max_items)
    answers["project"] = answers["item_id"].str.split(SEP, n=1).str[0]
    item_parts, worker_parts, skipped = [], [], []
    for project, group in answers.groupby("project", sort=True):
        if group["label"].nunique() > MAX_SKILL_CLASSES:
            skipped.append(str(project))
            continue
        result = agr.dawid_skene(group[["item_id", "worker_id", "label"]])
        item_parts.append(result.items)
        worker_parts.append(result.workers)
    if worker_parts:
        per_project = pd.concat(worker_parts, ignore_index=True)
        per_project["weighted"] = per_project["skill"] * per_project["labels"]
        workers = per_project.groupby("worker_id", as_index=False).agg(weighted=("weighted", "sum"),
                                                                       labels=("labels", "sum"))
        workers["skill"] = workers["weighted"] / workers["labels"]
        workers = workers[["worker_id", "skill", "labels"]]
        items = split_item(pd.concat(item_parts, ignore_index=True))
    else:
        empty = agr.dawid_skene(answers[["item_id", "worker_id", "label"]])
        workers = empty.workers
        items = empty.items.assign(project=pd.Series(dtype=str))[["project", "item_id", "label", "confidence"]]
    tiers = answers.drop_duplicates("worker_id").set_index("worker_id")["tier"]
    workers["tier"] = workers["worker_id"].map(tiers)
    acc = None
    if len(workers) and workers["labels"].sum() > 0:
        acc = float(np.average(workers["skill"], weights=workers["labels"]))
    return Skill(items=items, workers=workers, accuracy=acc, skipped_projects=tuple(skipped))


def confusion_hotspots(s: KpiSession, flt: KpiFilter | None = None, top: int = 10,
                       reference: str = "gold", max_items: int | None = None) -> pd.DataFrame:
    """The most frequent wrong answers: label vs gold ('gold') or vs the Dawid-Skene aggregate ('aggregate').

    Against the aggregate, ``max_items`` bounds the items the model sees (as :func:`skill`).
    """
    if reference == "gold":
        counts = s.frame("gold_confusion", flt)
        pairs = counts.loc[counts.index.repeat(counts["n"]), ["label", "reference"]]
    elif reference == "aggregate":
        answers = _answers(s, flt, max_items=max_items)
        agg = agr.dawid_skene(answers[["item_id", "worker_id", "label"]]).items
        pairs = answers.merge(agg.rename(columns={"label": "reference"})[["item_id", "reference"]], on="item_id")
        pairs = pairs[["label", "reference"]]
    else:
        raise ValueError("reference must be 'gold' or 'aggregate'")
    return agr.confusion(pairs.reset_index(drop=True), top=top)


def drift_alerts(s: KpiSession, flt: KpiFilter | None = None) -> pd.DataFrame:
    """Workers whose speed or gold accuracy, and projects whose label mix, left their own baseline."""
    daily = s.frame("worker_daily", flt)
    weekly = s.frame("label_mix_weekly", flt)
    for frame, col in ((daily, "day"), (weekly, "week")):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return drf.drift_alerts(
        speed_daily=daily[["worker_id", "day", "events", "mean_log_active_s", "var_log_active_s"]],
        accuracy_daily=daily[["worker_id", "day", "trials", "correct"]],
        label_weekly=weekly,
    )
