"""Inter-annotator agreement and gold-free worker skill.

What each number tells an annotation manager:

- **Percent agreement**: of all pairs of annotators who labeled the same item, the share
  that gave the same label (averaged over items). Easy to read, but flattered by skewed
  label sets: if 95% of items are "ok", two careless annotators agree ~90% of the time.
- **Fleiss' kappa**: agreement corrected for chance, for any number of annotators per
  item. 1 = perfect, 0 = no better than labeling at random with the observed label
  frequencies, < 0 = systematic disagreement. Rough guide: < 0.4 means the guidelines or
  the task need attention; > 0.8 is very good.
- **Krippendorff's alpha** (nominal): the same idea (1 - observed / expected
  disagreement), robust to missing labels and a varying number of annotators per item,
  with a small-sample correction. The usual number to report for a labeled data set.
- **Cohen's kappa per pair**: chance-corrected agreement between two named annotators
  on the items they both labeled; a low row in the pair matrix points at one annotator
  (or one pair that reads the guidelines differently).
- **Dawid-Skene skill**: without any gold, estimates each worker's accuracy (the
  probability that their label is the true one) from the pattern of agreements, and a
  better-than-majority-vote label per item with a confidence. Use it to rank workers and
  to decide which items need another look when there is little or no gold.
- **Confusion**: which wrong label is given for which right one (vs gold, or vs the
  aggregated label), to target guideline fixes at the commonest mix-ups.

Undefined statistics are NaN rather than errors: a dashboard showing a project with no
overlapping work, or where every label is the same, should show "n/a", not crash. Kappa
and alpha are undefined when only one category occurs (expected disagreement is 0: there
is nothing to correct for chance against).

All functions are pure, take pandas DataFrames produced by SQL elsewhere, and are
vectorised with numpy (no Python loops over items or pairs) so that they run on millions
of label rows in about a second. Dawid-Skene is the exception: it runs crowd-kit's EM.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "AgreementSummary",
    "SkillResult",
    "agreement_from_counts",
    "agreement_matrix",
    "confusion",
    "dawid_skene",
    "pairwise_agreement",
]

CONFUSION_COLUMNS = ["label", "reference", "n", "share_of_reference"]


@dataclass(frozen=True)
class AgreementSummary:
    """Agreement over all items labeled at least twice.

    ``items``: items with >= 2 labels; ``labels``: label events on those items;
    ``percent_agreement``, ``fleiss_kappa``, ``krippendorff_alpha``: see the module
    docstring. Each statistic is NaN when undefined (no items; kappa and alpha also when a
    single category occurs).
    """

    items: int
    labels: int
    percent_agreement: float
    fleiss_kappa: float
    krippendorff_alpha: float


@dataclass(frozen=True)
class SkillResult:
    """Dawid-Skene output.

    ``items``: ``item_id, label, confidence`` (aggregated label and its posterior).
    ``workers``: ``worker_id, skill, labels`` (estimated accuracy, labels given).
    """

    items: pd.DataFrame
    workers: pd.DataFrame


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")


# ---------------------------------------------------------------------------------------
# Whole-project agreement from per-item label counts
# ---------------------------------------------------------------------------------------


def agreement_from_counts(counts: pd.DataFrame) -> AgreementSummary:
    """Percent agreement, Fleiss' kappa and Krippendorff's alpha from label counts.

    ``counts`` has ``item_id, label, n``: how many first-pass labels item got with label.
    Repeated (item, label) rows are added up; rows with a missing item/label or n <= 0 are
    dropped. Items may have different numbers of raters; items with fewer than 2 labels
    in total are ignored (a lone label cannot agree or disagree with anything).

    - percent agreement = mean over items of sum_c n_c (n_c - 1) / (m (m - 1)).
    - Fleiss' kappa, generalised to varying raters: (P - Pe) / (1 - Pe) with P the mean
      of the per-item agreement above and Pe = sum_j p_j^2, p_j the share of all labels
      (on the counted items) in category j. With equal raters per item this is exactly
      statsmodels' ``fleiss_kappa``.
    - Krippendorff's alpha, nominal: 1 - (N - 1) * D_o / D_e from the coincidence matrix
      (each item's pairs weighted 1 / (m - 1)), which handles varying raters; equal to
      ``krippendorff.alpha(..., level_of_measurement="nominal")``.

    Undefined values are NaN, not exceptions: all three when no item has 2 labels; kappa
    and alpha when a single category occurs (expected disagreement is 0). The reference
    ``krippendorff`` package raises in that case; a dashboard prefers "n/a".
    """
    _require(counts, ("item_id", "label", "n"), "counts")
    n = pd.to_numeric(counts["n"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = counts["item_id"].notna().to_numpy() & counts["label"].notna().to_numpy() & (n > 0)
    item_code, _ = pd.factorize(counts["item_id"][ok])
    label_code, label_values = pd.factorize(counts["label"][ok])
    n = n[ok]
    n_labels = max(len(label_values), 1)

    # SQL normally hands one row per (item, label); summing duplicates makes a UNION of
    # two sources safe instead of silently undercounting n_c^2.
    cell, cells = pd.factorize(item_code.astype(np.int64) * n_labels + label_code)
    n_cell = np.bincount(cell, weights=n, minlength=len(cells))
    item_of_cell = cells // n_labels
    label_of_cell = cells % n_labels

    n_items = int(item_code.max()) + 1 if len(item_code) else 0
    m = np.bincount(item_of_cell, weights=n_cell, minlength=n_items)  # raters per item
    s2 = np.bincount(item_of_cell, weights=n_cell**2, minlength=n_items)  # sum_c n_c^2
    kept = m >= 2
    if not kept.any():
        return AgreementSummary(0, 0, np.nan, np.nan, np.nan)

    m, s2 = m[kept], s2[kept]
    in_kept = kept[item_of_cell]
    # Category totals only over counted items: single-label items must not shift the
    # chance baseline, or kappa would differ from the references on the same data.
    n_c = np.bincount(label_of_cell[in_kept], weights=n_cell[in_kept], minlength=n_labels)
    total = m.sum()

    agreeing_pairs = s2 - m  # sum_c n_c (n_c - 1): ordered pairs that agree
    per_item = agreeing_pairs / (m * (m - 1))
    percent = float(per_item.mean())

    # Decide "single category" on counts, not on 1 - Pe == 0 in floating point.
    if np.count_nonzero(n_c) < 2:
        return AgreementSummary(int(kept.sum()), int(total), percent, np.nan, np.nan)

    p = n_c / total
    pe = float((p**2).sum())
    fleiss = (percent - pe) / (1.0 - pe)

    # Coincidence matrix, nominal: its diagonal sums to sum_u agreeing_pairs_u / (m_u - 1);
    # the off-diagonal (observed disagreement) is everything else; the expected
    # disagreement comes from the category totals alone.
    observed_disagreement = total - (agreeing_pairs / (m - 1)).sum()
    expected_disagreement = total**2 - (n_c**2).sum()
    alpha = 1.0 - (total - 1.0) * observed_disagreement / expected_disagreement

    return AgreementSummary(int(kept.sum()), int(total), percent, float(fleiss), float(alpha))


# ---------------------------------------------------------------------------------------
# Pairs of workers
# ---------------------------------------------------------------------------------------


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "worker_a": pd.Series(dtype=object),
            "worker_b": pd.Series(dtype=object),
            "items": pd.Series(dtype=np.int64),
            "agreements": pd.Series(dtype=np.int64),
            "percent_agreement": pd.Series(dtype=float),
            "cohen_kappa": pd.Series(dtype=float),
        }
    )


def pairwise_agreement(labels: pd.DataFrame, min_items: int = 1) -> pd.DataFrame:
    """Agreement and Cohen's kappa for every pair of workers who labeled the same items.

    ``labels`` has ``item_id, worker_id, label``: one first-pass label per item and worker
    (a repeated (item, worker) keeps its last row: the worker's final answer). Rows with a
    missing value are dropped.

    Returns one row per unordered pair sharing at least ``min_items`` items, sorted by
    ``worker_a, worker_b`` (``worker_a < worker_b``): ``items`` (shared), ``agreements``,
    ``percent_agreement`` and ``cohen_kappa`` (equal to sklearn's ``cohen_kappa_score`` on
    the shared items; NaN when undefined, i.e. both workers gave one and the same label
    on every shared item, so chance agreement is already 1).

    Pairs are generated per item without a quadratic merge (an item with m workers gives
    m (m - 1) / 2 rows), and kappa's chance agreement comes from per-pair marginals.
    """
    _require(labels, ("item_id", "worker_id", "label"), "labels")
    frame = labels[["item_id", "worker_id", "label"]]
    frame = frame[frame.notna().all(axis=1).to_numpy()]
    if frame.empty:
        return _empty_pairs()

    item, _ = pd.factorize(frame["item_id"])
    # Sorted codes make "worker_a < worker_b" a comparison of integers.
    worker, workers = pd.factorize(frame["worker_id"], sort=True)
    label, label_values = pd.factorize(frame["label"])
    n_workers, n_labels = len(workers), len(label_values)

    # Sorting the (item, worker) key groups rows by item with workers ascending, so every
    # later row in an item's block is a partner with a larger worker code. The sort is
    # stable, so of a repeated (item, worker) the input's last row ends its run: keep it.
    key = item.astype(np.int64) * n_workers + worker
    order = np.argsort(key, kind="stable")
    key, label = key[order], label[order].astype(np.int64)
    last = np.r_[key[1:] != key[:-1], True]
    key, label = key[last], label[last]
    item, worker = key // n_workers, key % n_workers

    rows = len(key)
    starts = np.flatnonzero(np.r_[True, item[1:] != item[:-1]])
    sizes = np.diff(np.r_[starts, rows])
    position = np.arange(rows) - np.repeat(starts, sizes)
    partners = np.repeat(sizes, sizes) - 1 - position
    n_pair_rows = int(partners.sum())
    if n_pair_rows == 0:
        return _empty_pairs()
    left = np.repeat(np.arange(rows), partners)
    block_start = np.repeat(np.cumsum(partners) - partners, partners)
    right = left + 1 + (np.arange(n_pair_rows) - block_start)

    pair, pair_keys = pd.factorize(worker[left] * n_workers + worker[right], sort=True)
    pair = pair.astype(np.int64)
    n_pairs = len(pair_keys)
    label_a, label_b = label[left], label[right]
    shared = np.bincount(pair, minlength=n_pairs)
    agreements = np.bincount(pair, weights=(label_a == label_b), minlength=n_pairs)

    # Chance agreement S / N^2 with S = sum_c a_c b_c, a_c and b_c the pair's own label
    # counts on its shared items (Cohen's kappa uses each rater's marginals, not the pool).
    # One factorize over both sides lines up a_c and b_c for the same (pair, label).
    cell, cells = pd.factorize(np.concatenate([pair * n_labels + label_a, pair * n_labels + label_b]))
    count_a = np.bincount(cell[:n_pair_rows], minlength=len(cells)).astype(float)
    count_b = np.bincount(cell[n_pair_rows:], minlength=len(cells)).astype(float)
    chance = np.bincount(cells // n_labels, weights=count_a * count_b, minlength=n_pairs)

    n = shared.astype(float)
    # kappa = (po - pe) / (1 - pe) = (N A - S) / (N^2 - S): integer-valued terms, so the
    # undefined case (N^2 == S) is detected exactly.
    denominator = n**2 - chance
    kappa = np.full(n_pairs, np.nan)
    defined = denominator > 0
    kappa[defined] = (n[defined] * agreements[defined] - chance[defined]) / denominator[defined]

    keep = shared >= min_items
    pair_keys = np.asarray(pair_keys)[keep]
    return pd.DataFrame(
        {
            "worker_a": workers.take(pair_keys // n_workers),
            "worker_b": workers.take(pair_keys % n_workers),
            "items": shared[keep].astype(np.int64),
            "agreements": agreements[keep].astype(np.int64),
            "percent_agreement": agreements[keep] / n[keep],
            "cohen_kappa": kappa[keep],
        }
    )


def agreement_matrix(pairs: pd.DataFrame, value: str = "cohen_kappa") -> pd.DataFrame:
    """Worker x worker matrix of one column of ``pairwise_agreement`` (for a heatmap).

    Symmetric, rows and columns sorted by worker id, NaN on the diagonal and for pairs
    that share no items (or were filtered out by ``min_items``).
    """
    _require(pairs, ("worker_a", "worker_b", value), "pairs")
    workers = pd.Index(pd.concat([pairs["worker_a"], pairs["worker_b"]], ignore_index=True).unique())
    workers = workers.sort_values()
    a = workers.get_indexer(pairs["worker_a"])
    b = workers.get_indexer(pairs["worker_b"])
    matrix = np.full((len(workers), len(workers)), np.nan)
    values = pd.to_numeric(pairs[value], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    matrix[a, b] = values
    matrix[b, a] = values
    # A worker's agreement with themself is not information; keep it out of colour scales.
    np.fill_diagonal(matrix, np.nan)
    return pd.DataFrame(
        matrix,
        index=workers.rename("worker_a"),
        columns=workers.rename("worker_b"),
    )


# ---------------------------------------------------------------------------------------
# Gold-free skill: Dawid-Skene
# ---------------------------------------------------------------------------------------


def _empty_skill() -> SkillResult:
    items = pd.DataFrame(
        {
            "item_id": pd.Series(dtype=object),
            "label": pd.Series(dtype=object),
            "confidence": pd.Series(dtype=float),
        }
    )
    workers = pd.DataFrame(
        {
            "worker_id": pd.Series(dtype=object),
            "skill": pd.Series(dtype=float),
            "labels": pd.Series(dtype=np.int64),
        }
    )
    return SkillResult(items=items, workers=workers)


def dawid_skene(labels: pd.DataFrame, n_iter: int = 100, seed: int = 0) -> SkillResult:
    """Aggregated labels and worker accuracy without gold (crowd-kit's Dawid-Skene).

    ``labels`` has ``item_id, worker_id, label`` (first pass; a repeated (item, worker)
    keeps its last row; rows with missing values are dropped).

    Returns ``items`` (``item_id, label, confidence``: the most probable true label and
    its posterior probability) and ``workers`` (``worker_id, skill, labels``), both sorted
    by id. ``skill`` = sum_c prior_c * P(worker says c | truth is c): the probability that
    the worker's label equals the true label on a random item. It is an estimate — with
    few labels per worker, or few workers per item, treat it as a ranking, not a rate.

    ``seed`` does not change the result today: crowd-kit's EM starts from majority vote
    and is deterministic. It is accepted so callers can key caches on it and so a
    randomised initialisation can be added without changing the signature. Rows are
    put in a canonical order first so that the answer does not depend on the order the
    SQL returned them in (crowd-kit breaks ties by order of appearance).
    """
    del seed  # deterministic; see the docstring
    _require(labels, ("item_id", "worker_id", "label"), "labels")
    frame = labels[["item_id", "worker_id", "label"]]
    frame = frame[frame.notna().all(axis=1).to_numpy()]
    frame = frame.drop_duplicates(["item_id", "worker_id"], keep="last")
    if frame.empty:
        return _empty_skill()
    item_code, _ = pd.factorize(frame["item_id"], sort=True)
    worker_code, _ = pd.factorize(frame["worker_id"], sort=True)
    order = np.lexsort((worker_code, item_code))
    data = pd.DataFrame(
        {
            "task": frame["item_id"].to_numpy()[order],
            "worker": frame["worker_id"].to_numpy()[order],
            "label": frame["label"].to_numpy()[order],
        }
    )

    # Imported here: crowd-kit takes seconds to import and most pages never need it.
    from crowdkit.aggregation import DawidSkene

    with warnings.catch_warnings():
        # crowd-kit 1.4 uses pandas' inplace=/copy= keywords, deprecated in pandas 3.
        # Silence only warnings raised from crowd-kit's own code, so ours still surface.
        # (catch_warnings is process-wide: another thread may briefly share the filter.)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"crowdkit\b")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"crowdkit\b")
        model = DawidSkene(n_iter=n_iter)
        probas = model.fit_predict_proba(data)
    errors, priors = model.errors_, model.priors_

    posterior = probas.to_numpy(dtype=float)
    best = posterior.argmax(axis=1)
    items = pd.DataFrame(
        {
            "item_id": probas.index.to_numpy(),
            "label": probas.columns.take(best).to_numpy(),
            "confidence": posterior[np.arange(len(best)), best],
        }
    )
    items = items.sort_values("item_id", kind="stable", ignore_index=True)

    # errors_: rows (worker, observed label), columns true label, each column a
    # distribution per worker. The worker's accuracy is the diagonal weighted by the
    # prior; a worker who never said c has no (w, c) row, i.e. P(c | c) = 0.
    observed = errors.index.get_level_values(1)
    column = errors.columns.get_indexer(observed)
    values = errors.to_numpy(dtype=float)
    diagonal = np.where(column >= 0, values[np.arange(len(values)), np.maximum(column, 0)], 0.0)
    prior = priors.reindex(observed).to_numpy(dtype=float, na_value=0.0)
    skill = pd.Series(diagonal * prior).groupby(errors.index.get_level_values(0).to_numpy()).sum()
    given = data["worker"].value_counts()
    workers = pd.DataFrame(
        {
            "worker_id": given.index.to_numpy(),
            "skill": skill.reindex(given.index.to_numpy()).to_numpy(dtype=float),
            "labels": given.to_numpy(dtype=np.int64),
        }
    )
    workers = workers.sort_values("worker_id", kind="stable", ignore_index=True)
    return SkillResult(items=items, workers=workers)


# ---------------------------------------------------------------------------------------
# Confusion
# ---------------------------------------------------------------------------------------


def confusion(pairs_of_labels: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The commonest mix-ups: (label given, reference label) pairs that differ.

    ``pairs_of_labels`` has ``label, reference`` (a worker's label vs gold, or vs the
    aggregated label); rows with either missing are dropped. Returns ``label, reference,
    n, share_of_reference`` for off-diagonal pairs, sorted by ``n`` descending (ties by
    label, reference), at most ``top`` rows. ``share_of_reference`` is n over all rows
    with that reference (correct ones included): "12% of true cats were called dogs".
    """
    _require(pairs_of_labels, ("label", "reference"), "pairs_of_labels")
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    frame = pairs_of_labels[["label", "reference"]]
    frame = frame[frame.notna().all(axis=1).to_numpy()]
    counts = frame.groupby(["label", "reference"], sort=False, observed=True).size().rename("n").reset_index()
    per_reference = frame.groupby("reference", sort=False, observed=True).size()
    wrong = counts[(counts["label"] != counts["reference"]).to_numpy()]
    if wrong.empty:
        return pd.DataFrame(
            {
                "label": pd.Series(dtype=object),
                "reference": pd.Series(dtype=object),
                "n": pd.Series(dtype=np.int64),
                "share_of_reference": pd.Series(dtype=float),
            }
        )
    wrong = wrong.assign(
        n=wrong["n"].astype(np.int64),
        share_of_reference=wrong["n"].to_numpy() / per_reference.reindex(wrong["reference"]).to_numpy(),
    )
    wrong = wrong.sort_values(["n", "label", "reference"], ascending=[False, True, True], kind="stable")
    return wrong.head(top).reset_index(drop=True)[CONFUSION_COLUMNS]
