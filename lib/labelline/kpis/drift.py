"""Drift alerts: a worker's speed or accuracy, or a project's label mix, leaving its own baseline.

Every alert compares a subject with *its own* past, not with other people, and says when
the change began (``began``) as well as when the evidence became strong enough to tell
you (``detected``). The three checks, in plain words for an annotation manager:

Speed (``speed_drift``)
    Each worker's first weeks of work (by default the first 28 days on which they did
    any work) are their baseline: their typical time per item, on a log scale so that
    "twice as slow" and "twice as fast" weigh the same. Every later day is scored by how
    far its average sits from that baseline, in standard errors (a busy day's average is
    more reliable than a day with three items, so it counts more). A running total, the
    CUSUM, adds up those scores minus a small allowance ("slack") and never goes below
    zero: ordinary wobble keeps draining it back to zero, a real change keeps it climbing.
    When it passes the threshold an alert fires; the change is dated to the day after the
    total last sat at zero, which is the best single guess of when the change started.
    Two totals run side by side, one for slower and one for faster.

Accuracy (``accuracy_drift``)
    Same idea on gold answers (or agreement with the aggregated label). The baseline is
    the worker's accuracy over their first weeks. Each later answer adds evidence: a wrong
    answer pushes the total up, a right one pulls it down, weighed so that the total is
    the log of "how much more likely is this run of answers if the worker had become
    clearly worse than if they were still at baseline". The alert fires when that odds
    ratio passes e**threshold. Only drops are flagged (they are what needs action).

Label mix (``label_mix_drift``)
    For each project the first weeks set the usual share of each label. Each later week's
    label counts are tested against that mix (a chi-square test). Because many weeks are
    tested, the significance level is divided by the number of weeks (Bonferroni), and an
    alert needs two significant weeks in a row, so a single odd batch does not fire it.

``drift_alerts`` gathers all three into one table with a readable sentence per alert.

All functions are pure (DataFrames in, DataFrames out) and vectorised across workers:
the CUSUM recursion loops over day positions (at most a few hundred) with numpy across
all workers at once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACCURACY_COLUMNS",
    "ALERT_COLUMNS",
    "LABEL_MIX_COLUMNS",
    "SPEED_COLUMNS",
    "accuracy_drift",
    "drift_alerts",
    "label_mix_drift",
    "speed_drift",
]

SPEED_COLUMNS = [
    "worker_id",
    "metric",
    "direction",
    "began",
    "detected",
    "baseline",
    "recent",
    "change_pct",
]
ACCURACY_COLUMNS = [
    "worker_id",
    "metric",
    "direction",
    "began",
    "detected",
    "baseline",
    "recent",
    "change_pct",
    "change_pts",
]
LABEL_MIX_COLUMNS = [
    "project",
    "metric",
    "began",
    "detected",
    "statistic",
    "p_value",
    "biggest_shift_label",
    "baseline_share",
    "recent_share",
]
ALERT_COLUMNS = [
    "subject",
    "metric",
    "direction",
    "began",
    "detected",
    "baseline",
    "recent",
    "change",
    "message",
]

_FLOAT_COLUMNS = {
    "baseline",
    "recent",
    "change_pct",
    "change_pts",
    "change",
    "statistic",
    "p_value",
    "baseline_share",
    "recent_share",
}


def _empty(columns: list[str]) -> pd.DataFrame:
    """An empty alert frame whose numeric columns are already float (concat-friendly)."""
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in _FLOAT_COLUMNS else "object")
            for c in columns
        }
    )


def _require(df: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")


# --------------------------------------------------------------------------- CUSUM core


@dataclass(frozen=True)
class _Cusum:
    """Result of the one-sided CUSUM recursion over a (subjects × positions) array.

    ``path`` holds the statistic after each position (NaN where there was no data);
    ``began``/``detected`` are positions (``-1`` = no alarm) of the first crossing.
    """

    path: np.ndarray
    began: np.ndarray
    detected: np.ndarray


def _cusum(increments: np.ndarray, h: float) -> _Cusum:
    """One-sided CUSUM S_t = max(0, S_{t-1} + x_t), alarm at the first S_t > h.

    ``increments`` is 2-D (one row per subject, positions left to right, NaN = no data,
    which leaves S unchanged). For Page's tabular CUSUM x_t = z_t - k (upper side) or
    -z_t - k (lower side); for a likelihood-ratio CUSUM x_t is the log-likelihood ratio.
    The change-point estimate is the position after S was last zero before the alarm
    (the maximum-likelihood change point for a step change); S starts at zero "before"
    position 0, so a change from the very first position is dated to position 0.
    Only the first alarm per row is reported: after it the baseline no longer describes
    the subject, and repeating the alarm every few days would only be noise.
    """
    x = np.atleast_2d(np.asarray(increments, dtype="float64"))
    n_rows, n_pos = x.shape
    s = np.zeros(n_rows)
    last_zero = np.full(n_rows, -1, dtype=np.int64)
    began = np.full(n_rows, -1, dtype=np.int64)
    detected = np.full(n_rows, -1, dtype=np.int64)
    path = np.full(x.shape, np.nan)
    for t in range(n_pos):
        xt = x[:, t]
        ok = ~np.isnan(xt)
        s = np.where(ok, np.maximum(0.0, s + np.where(ok, xt, 0.0)), s)
        path[ok, t] = s[ok]
        last_zero[ok & (s == 0.0)] = t
        hit = ok & (s > h) & (detected < 0)
        detected[hit] = t
        began[hit] = last_zero[hit] + 1
    return _Cusum(path=path, began=began, detected=detected)


def _to_grid(
    codes: np.ndarray, pos: np.ndarray, values: np.ndarray, n_rows: int
) -> np.ndarray:
    """Scatter values into a (subjects × positions) float grid padded with NaN."""
    n_pos = int(pos.max()) + 1 if len(pos) else 0
    grid = np.full((n_rows, n_pos), np.nan)
    grid[codes, pos] = values
    return grid


def _since(
    grid_w: np.ndarray, grid_wx: np.ndarray, rows: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Weighted mean of x from position ``start`` to the end, for each (row, start) pair."""
    w = np.nan_to_num(grid_w)
    wx = np.nan_to_num(grid_wx)
    # Reverse cumulative sums: tail[r, t] = sum over positions >= t.
    tail_w = np.cumsum(w[:, ::-1], axis=1)[:, ::-1]
    tail_wx = np.cumsum(wx[:, ::-1], axis=1)[:, ::-1]
    return tail_wx[rows, start] / tail_w[rows, start]


@dataclass(frozen=True)
class _Order:
    """Rows sorted by subject then time, with each subject's rows numbered from 0.

    Done with numpy (factorize + lexsort) rather than DataFrame.sort_values/groupby:
    days usually arrive as Python ``date`` objects, and sorting half a million of those
    through pandas costs more than all the statistics put together.
    """

    index: np.ndarray  # row positions of the input, in sorted order
    codes: np.ndarray  # subject code of each sorted row
    subjects: np.ndarray  # subject value of each code
    pos: np.ndarray  # 0-based position of the row within its subject
    time_rank: np.ndarray  # dense rank of each sorted row's time value


def _order(subject: pd.Series, when: pd.Series) -> _Order:
    codes, subjects = pd.factorize(subject, sort=False)
    t_codes, t_uniques = pd.factorize(when, sort=False)
    # Only the distinct times (a few hundred) go through a Python-level sort.
    rank_of = np.empty(len(t_uniques), dtype=np.int64)
    rank_of[pd.Index(t_uniques).argsort()] = np.arange(len(t_uniques))
    t_rank = rank_of[t_codes]
    index = np.lexsort((t_rank, codes))
    codes = codes[index]
    n = len(index)
    first = np.ones(n, dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return _Order(
        index=index,
        codes=codes,
        subjects=np.asarray(subjects, dtype=object),
        pos=np.arange(n) - start,
        time_rank=t_rank[index],
    )


# --------------------------------------------------------------------------- speed


def speed_drift(
    daily: pd.DataFrame,
    baseline_days: int = 28,
    threshold_sd: float = 5.0,
    slack_sd: float = 1.0,
    min_events: int = 20,
) -> pd.DataFrame:
    """Workers whose time per item left their own baseline (two-sided tabular CUSUM).

    ``daily``: one row per worker and day with ``worker_id, day, events,
    mean_log_active_s`` (mean of ln(active seconds) that day) and ``var_log_active_s``
    (sample variance of the same; NaN when there was one event).

    Baseline: the worker's first ``baseline_days`` days *with data* (so a part-timer's
    baseline is 28 working days, not 28 calendar days), needing ``min_events`` events in
    total; otherwise the worker is skipped. mu0 is the event-weighted mean of the daily
    means, sigma0 the standard deviation of all baseline events (pooled from the daily
    means and variances). A later day scores z = (mean - mu0) / (sigma0 / sqrt(events)).
    If the baseline days scatter more than their event counts explain (day-to-day task
    mix, tiredness), z is divided by sqrt(that overdispersion), so a worker's normal
    wobble does not count as drift; it is never scaled up.

    ``slack_sd`` (k) and ``threshold_sd`` (h) are in those standard units. Why k = 1 and
    not the textbook 0.5: with k = 0.5, h = 5 a two-sided CUSUM on a perfectly stable
    worker raises a false alarm about every 470 monitored days even with a known
    baseline, and with mu0 estimated from 28 days far more often: in simulation one stable
    worker in four alerted within 92 days. k = 1 tunes the chart to a shift of two
    standard errors a day (about 20% slower or faster for a 30-item day), which is what
    is worth a manager's attention, and cuts false alarms to under 1% of stable workers
    over 180 days while catching a 50% slowdown in a day or two and a 20% one within
    about a week (h = 9 at k = 0.5 was slower to detect and still alarmed on ~5%).

    Returns one row per alert (first per worker and direction): ``worker_id, metric
    ('speed'), direction ('slower'|'faster'), began, detected, baseline`` (seconds,
    exp(mu0): the typical, geometric-mean time), ``recent`` (same, from ``began`` to the
    worker's last day) and ``change_pct`` (recent vs baseline, %).
    """
    need = ["worker_id", "day", "events", "mean_log_active_s", "var_log_active_s"]
    _require(daily, need, "speed_drift")
    d = daily[need].copy()
    d["events"] = pd.to_numeric(d["events"], errors="coerce")
    d["mean_log_active_s"] = pd.to_numeric(d["mean_log_active_s"], errors="coerce")
    d["var_log_active_s"] = pd.to_numeric(d["var_log_active_s"], errors="coerce")
    d = d[
        (d["events"] > 0)
        & np.isfinite(d["mean_log_active_s"])
        & d["worker_id"].notna()
        & d["day"].notna()
    ]
    if d.empty:
        return _empty(SPEED_COLUMNS)
    o = _order(d["worker_id"], d["day"])
    n = d["events"].to_numpy("float64")[o.index]
    m = d["mean_log_active_s"].to_numpy("float64")[o.index]
    v = d["var_log_active_s"].to_numpy("float64")[o.index]
    days = d["day"].to_numpy()[o.index]
    # Within-day sum of squares; a one-event day (NaN variance) contributes none.
    within = np.where((n > 1) & np.isfinite(v), (n - 1) * v, 0.0)
    codes, workers, all_pos = o.codes, o.subjects, o.pos
    base = all_pos < baseline_days
    n_w = len(workers)

    def per_worker(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes[base], weights=values[base], minlength=n_w)

    n0 = per_worker(n)
    days0 = per_worker(np.ones_like(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        mu0 = per_worker(n * m) / n0
        between = per_worker(n * (m - mu0[codes]) ** 2)
        var0 = (per_worker(within) + between) / (n0 - 1)
        sd0 = np.sqrt(var0)
        # Overdispersion of the baseline days: between-day chi-square over its df
        # (~1 if days differ only by sampling noise). Only ever widens the error bar.
        phi = np.where(days0 > 1, between / var0 / (days0 - 1), 1.0)
    scale = np.sqrt(np.maximum(1.0, np.nan_to_num(phi, nan=1.0)))
    valid = (n0 >= max(min_events, 2)) & np.isfinite(sd0) & (sd0 > 0)

    mon = ~base & valid[codes]
    if not mon.any():
        return _empty(SPEED_COLUMNS)
    c, pos = codes[mon], all_pos[mon] - baseline_days
    z = (m[mon] - mu0[c]) / (sd0[c] / np.sqrt(n[mon])) / scale[c]
    z_grid = _to_grid(c, pos, z, n_w)
    n_grid = _to_grid(c, pos, n[mon], n_w)
    nm_grid = _to_grid(c, pos, n[mon] * m[mon], n_w)
    day_grid = _to_grid(c, pos, np.flatnonzero(mon).astype("float64"), n_w)

    parts = []
    for direction, incr in (
        ("slower", z_grid - slack_sd),
        ("faster", -z_grid - slack_sd),
    ):
        res = _cusum(incr, threshold_sd)
        rows = np.flatnonzero(res.detected >= 0)
        if not len(rows):
            continue
        b, t = res.began[rows], res.detected[rows]
        baseline_s = np.exp(mu0[rows])
        recent_s = np.exp(_since(n_grid, nm_grid, rows, b))
        parts.append(
            pd.DataFrame(
                {
                    "worker_id": workers[rows],
                    "metric": "speed",
                    "direction": direction,
                    "began": days[day_grid[rows, b].astype(np.int64)],
                    "detected": days[day_grid[rows, t].astype(np.int64)],
                    "baseline": baseline_s,
                    "recent": recent_s,
                    "change_pct": 100.0 * (recent_s / baseline_s - 1.0),
                }
            )
        )
    return _finish(parts, SPEED_COLUMNS, "worker_id")


def _finish(parts: list[pd.DataFrame], columns: list[str], key: str) -> pd.DataFrame:
    if not parts:
        return _empty(columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    out[key] = out[key].astype("object")
    for col in ("began", "detected"):
        out[col] = out[col].astype("object")
    # Ids may be ints or strings; sort on their text so mixed types cannot fail.
    out = out.assign(_k=out[key].astype(str))
    return (
        out.sort_values(["detected", "_k"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- accuracy


def accuracy_drift(
    daily: pd.DataFrame,
    baseline_days: int = 28,
    threshold: float = 10.0,
    min_trials: int = 30,
) -> pd.DataFrame:
    """Workers whose accuracy dropped below their own baseline (Bernoulli CUSUM).

    ``daily``: ``worker_id, day, trials, correct`` (gold answers, or agreement with the
    aggregated label).

    Baseline: the first ``baseline_days`` days with trials, needing ``min_trials``
    trials; p0 is their accuracy (for the test, shrunk by half a trial towards 50% so a
    perfect baseline does not make one mistake infinitely surprising).

    Method, and why: a Bernoulli log-likelihood-ratio CUSUM (Reynolds & Stoumbos), rather
    than a CUSUM of standardised daily z-scores. Gold checks are few per day and accuracy
    is near 1, so a day's error count is small and skewed; the normal approximation
    behind a z-score then overstates rare bad days and gives false alarms. The
    likelihood ratio uses each answer exactly. It tests p0 against p1 = p0 - max(0.10,
    (1 - p0) / 2), i.e. "at least 10 points worse, or half as many errors again" (a
    weaker worker must slip further to matter), floored at p0 / 2. A wrong answer adds
    ln((1-p1)/(1-p0)) (> 0), a right one ln(p1/p0) (< 0); days are summed, then the
    running total is floored at zero as usual.

    ``threshold`` is h on the log-likelihood scale: alarm when the recent run is e**h
    times likelier under p1 than under p0. Why 10 and not 5: a likelihood CUSUM's
    false-alarm rate is set per answer (roughly one per e**h / KL answers, KL ~ 0.04 at
    p0 = 0.92), so busy workers would alarm often; in simulation h = 5 flagged 13% of
    stable workers within 92 days, h = 8 about 2% within 180, h = 10 0.2%. A drop from
    92% to 70% is still caught within a day or two at 5-80 gold answers a day, and a
    10-point drop within about a week. The margin also absorbs real day-to-day swings in
    task difficulty, which the independent-answers model does not know about.

    Returns one row per alert: ``worker_id, metric ('accuracy'), direction ('worse'),
    began, detected, baseline`` (share correct in the baseline), ``recent`` (share correct
    from ``began`` to the last day), ``change_pct`` (relative, %) and ``change_pts``
    (percentage points).
    """
    need = ["worker_id", "day", "trials", "correct"]
    _require(daily, need, "accuracy_drift")
    d = daily[need].copy()
    d["trials"] = pd.to_numeric(d["trials"], errors="coerce")
    d["correct"] = pd.to_numeric(d["correct"], errors="coerce")
    d = d[
        (d["trials"] > 0)
        & d["correct"].notna()
        & d["worker_id"].notna()
        & d["day"].notna()
    ]
    if d.empty:
        return _empty(ACCURACY_COLUMNS)
    o = _order(d["worker_id"], d["day"])
    n = d["trials"].to_numpy("float64")[o.index]
    k = np.clip(d["correct"].to_numpy("float64")[o.index], 0.0, n)
    days = d["day"].to_numpy()[o.index]
    codes, workers, all_pos = o.codes, o.subjects, o.pos
    base = all_pos < baseline_days
    n_w = len(workers)
    n0 = np.bincount(codes[base], weights=n[base], minlength=n_w)
    k0 = np.bincount(codes[base], weights=k[base], minlength=n_w)
    valid = n0 >= max(min_trials, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share0 = k0 / n0
        p0 = (k0 + 0.5) / (n0 + 1.0)
    p1 = np.maximum(p0 - np.maximum(0.10, (1.0 - p0) / 2.0), p0 / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        llr_right = np.log(p1 / p0)
        llr_wrong = np.log((1.0 - p1) / (1.0 - p0))

    mon = ~base & valid[codes]
    if not mon.any():
        return _empty(ACCURACY_COLUMNS)
    c, pos = codes[mon], all_pos[mon] - baseline_days
    llr = k[mon] * llr_right[c] + (n[mon] - k[mon]) * llr_wrong[c]
    res = _cusum(_to_grid(c, pos, llr, n_w), threshold)
    rows = np.flatnonzero(res.detected >= 0)
    if not len(rows):
        return _empty(ACCURACY_COLUMNS)
    day_grid = _to_grid(c, pos, np.flatnonzero(mon).astype("float64"), n_w)
    b, t = res.began[rows], res.detected[rows]
    recent = _since(
        _to_grid(c, pos, n[mon], n_w), _to_grid(c, pos, k[mon], n_w), rows, b
    )
    out = pd.DataFrame(
        {
            "worker_id": workers[rows],
            "metric": "accuracy",
            "direction": "worse",
            "began": days[day_grid[rows, b].astype(np.int64)],
            "detected": days[day_grid[rows, t].astype(np.int64)],
            "baseline": share0[rows],
            "recent": recent,
            "change_pct": 100.0 * (recent / share0[rows] - 1.0),
            "change_pts": 100.0 * (recent - share0[rows]),
        }
    )
    return _finish([out], ACCURACY_COLUMNS, "worker_id")


# --------------------------------------------------------------------------- label mix


def _homogeneity_tests(
    base: np.ndarray, weeks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Chi-square test, for each row of ``weeks``, that it has the same label mix as ``base``.

    ``base`` is the baseline's count per label, ``weeks`` a (weeks × labels) count matrix.
    Each week is a 2 × labels test of homogeneity (what ``scipy.stats.chi2_contingency``
    computes, here for all weeks at once) rather than a goodness-of-fit test against
    fixed baseline shares: the baseline is itself a sample, and a label unseen in the
    baseline still gets a positive expected count, so new labels need no invented
    pseudo-counts. Labels seen in neither row are dropped; when two or more labels have
    an expected count below 5 in the week (Cochran's rule) they are pooled into one
    column, so a few rare labels cannot produce a large statistic from noise.
    Returns (statistic, p value) per week; a week with nothing to compare gets (0, 1).
    """
    b = base[None, :].astype("float64")
    x = weeks.astype("float64")
    col = b + x
    tot_b, tot_x = b.sum(), x.sum(axis=1, keepdims=True)
    total = tot_b + tot_x
    keep = col > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        e_x = col * tot_x / total
        e_b = col * tot_b / total
        rare = keep & (e_x < 5)
        pool = rare.sum(axis=1) >= 2
        single = keep & ~(rare & pool[:, None])
        cells = np.where(single, (x - e_x) ** 2 / e_x + (b - e_b) ** 2 / e_b, 0.0)
        r = rare & pool[:, None]
        px, pb = (x * r).sum(1), (b * r).sum(1)
        pex, peb = (e_x * r).sum(1), (e_b * r).sum(1)
        pooled = np.where(pool, (px - pex) ** 2 / pex + (pb - peb) ** 2 / peb, 0.0)
    stat = cells.sum(axis=1) + pooled
    dof = single.sum(axis=1) + pool - 1
    ok = (dof >= 1) & (tot_x[:, 0] > 0) & (tot_b > 0)
    stat = np.where(ok, stat, 0.0)
    # Imported here: scipy takes seconds to import, and every page that reads a headline
    # imports this module without ever testing a label mix.
    from scipy import stats

    p = np.where(ok, stats.chi2.sf(stat, np.maximum(dof, 1)), 1.0)
    return stat, p


def label_mix_drift(
    weekly: pd.DataFrame,
    baseline_weeks: int = 4,
    alpha: float = 0.001,
) -> pd.DataFrame:
    """Projects whose label mix moved away from their first weeks (chi-square per week).

    ``weekly``: ``project, week`` (week start), ``label, n``. The baseline is the pooled
    counts of the project's first ``baseline_weeks`` weeks with data. Each later week is
    tested (see ``_homogeneity_test``) at alpha / (number of weeks tested for that
    project), Bonferroni, so a long history does not raise the false-alarm rate. An alert
    needs a run of at least two consecutive significant weeks (consecutive weeks *with
    data*); it is dated to the run's first week (``began``) and raised on its second
    (``detected``). A later, separate run gives another alert.

    Returns ``project, metric ('label_mix'), began, detected, statistic`` (chi-square of
    the ``began`` week), ``p_value`` (its Bonferroni-adjusted p, comparable to alpha),
    ``biggest_shift_label`` (the label whose share moved most between the baseline and
    the weeks from ``began`` to the end), ``baseline_share`` and ``recent_share`` of it.
    """
    need = ["project", "week", "label", "n"]
    _require(weekly, need, "label_mix_drift")
    w = weekly[need].copy()
    w["n"] = pd.to_numeric(w["n"], errors="coerce").fillna(0)
    w = w[(w["n"] > 0) & w["project"].notna() & w["week"].notna() & w["label"].notna()]
    if w.empty:
        return _empty(LABEL_MIX_COLUMNS)
    o = _order(w["project"], w["week"])
    l_codes, labels = pd.factorize(w["label"].to_numpy()[o.index], sort=False)
    labels = np.asarray(labels, dtype=object)
    counts = w["n"].to_numpy("float64")[o.index]
    weeks_sorted = w["week"].to_numpy()[o.index]
    # Week number within each project (0 = its first week with data).
    first = o.pos == 0
    new_week = first.copy()
    new_week[1:] |= o.time_rank[1:] != o.time_rank[:-1]
    week_no = np.cumsum(new_week) - 1
    week_no = week_no - np.maximum.accumulate(np.where(first, week_no, 0))
    bounds = np.flatnonzero(np.r_[first, True])

    rows: list[dict[str, Any]] = []
    for start, stop in itertools.pairwise(bounds):
        wk = week_no[start:stop]
        n_weeks = int(wk.max()) + 1
        if n_weeks <= baseline_weeks:
            continue
        lab_codes, lab_idx = np.unique(l_codes[start:stop], return_inverse=True)
        table = np.zeros((n_weeks, len(lab_codes)))
        np.add.at(table, (wk, lab_idx), counts[start:stop])
        week_start = np.empty(n_weeks, dtype=object)
        week_start[wk] = weeks_sorted[start:stop]
        base = table[:baseline_weeks].sum(axis=0)
        tested = table[baseline_weeks:]
        m = len(tested)
        stat, p = _homogeneity_tests(base, tested)
        p_adj = np.minimum(1.0, p * m)
        sig = p_adj < alpha
        i = 0
        while i < m - 1:
            if sig[i] and sig[i + 1]:
                recent = tested[i:].sum(axis=0)
                base_share = base / base.sum()
                recent_share = recent / recent.sum()
                j = int(np.argmax(np.abs(recent_share - base_share)))
                rows.append(
                    {
                        "project": o.subjects[o.codes[start]],
                        "metric": "label_mix",
                        "began": week_start[baseline_weeks + i],
                        "detected": week_start[baseline_weeks + i + 1],
                        "statistic": float(stat[i]),
                        "p_value": float(p_adj[i]),
                        "biggest_shift_label": labels[lab_codes[j]],
                        "baseline_share": float(base_share[j]),
                        "recent_share": float(recent_share[j]),
                    }
                )
                # Skip to the end of this run: one alert per run of significant weeks.
                while i < m and sig[i]:
                    i += 1
            else:
                i += 1
    if not rows:
        return _empty(LABEL_MIX_COLUMNS)
    return _finish([pd.DataFrame(rows)], LABEL_MIX_COLUMNS, "project")


# --------------------------------------------------------------------------- all together


def _iso(value: Any) -> str:
    if isinstance(value, (date, datetime, pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    return str(value)


def _alerts(frame: pd.DataFrame, subject: str, direction: Any, baseline: str, recent: str, change: Any,
            messages: list[str]) -> pd.DataFrame:
    """One check's alerts in the common columns (empty in, empty out)."""
    if not len(frame):
        return _empty(ALERT_COLUMNS)
    return pd.DataFrame({
        "subject": frame[subject], "metric": frame["metric"], "direction": direction, "began": frame["began"],
        "detected": frame["detected"], "baseline": frame[baseline], "recent": frame[recent], "change": change,
        "message": messages,
    })


def drift_alerts(
    speed_daily: pd.DataFrame | None = None,
    accuracy_daily: pd.DataFrame | None = None,
    label_weekly: pd.DataFrame | None = None,
    *,
    speed_kwargs: dict[str, Any] | None = None,
    accuracy_kwargs: dict[str, Any] | None = None,
    label_kwargs: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """All drift alerts in one frame, newest detection first, each with a sentence.

    Columns: ``subject`` (worker or project), ``metric`` ('speed'|'accuracy'|'label_mix'),
    ``direction`` ('slower'|'faster'|'worse'|'shift'), ``began, detected, baseline,
    recent`` (seconds per item for speed, share for accuracy and for the label that
    moved most), ``change`` (% for speed, percentage points for accuracy and label mix)
    and ``message``. Any input may be None or empty; no alerts gives an empty frame with
    these columns. ``*_kwargs`` are passed to the individual checks.
    """
    parts: list[pd.DataFrame] = []
    if speed_daily is not None and len(speed_daily):
        s = speed_drift(speed_daily, **(speed_kwargs or {}))
        parts.append(_alerts(s, "worker_id", s["direction"] if len(s) else "", "baseline", "recent",
                             s["change_pct"] if len(s) else 0.0, [
            f"worker {r.worker_id}: typical time per item went from {r.baseline:.1f} s to "
            f"{r.recent:.1f} s ({r.change_pct:+.0f}%, {r.direction}) since {_iso(r.began)} "
            f"(detected {_iso(r.detected)})"
            for r in s.itertuples()
        ]))
    if accuracy_daily is not None and len(accuracy_daily):
        a = accuracy_drift(accuracy_daily, **(accuracy_kwargs or {}))
        parts.append(_alerts(a, "worker_id", a["direction"] if len(a) else "", "baseline", "recent",
                             a["change_pts"] if len(a) else 0.0, [
            f"worker {r.worker_id}: accuracy fell from {r.baseline:.0%} to {r.recent:.0%} "
            f"since {_iso(r.began)} (detected {_iso(r.detected)})"
            for r in a.itertuples()
        ]))
    if label_weekly is not None and len(label_weekly):
        lm = label_mix_drift(label_weekly, **(label_kwargs or {}))
        parts.append(_alerts(lm, "project", "shift", "baseline_share", "recent_share",
                             100.0 * (lm["recent_share"] - lm["baseline_share"]) if len(lm) else 0.0, [
            f"project {r.project}: label mix shifted since the week of {_iso(r.began)} "
            f"(detected {_iso(r.detected)}); '{r.biggest_shift_label}' went from "
            f"{r.baseline_share:.0%} to {r.recent_share:.0%} of labels"
            for r in lm.itertuples()
        ]))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty(ALERT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[ALERT_COLUMNS]
    for col in ("subject", "began", "detected"):
        out[col] = out[col].astype("object")
    # Newest detection first; dates may arrive as date objects or timestamps, so sort on
    # a normalised copy rather than the values themselves.
    key = pd.to_datetime(out["detected"].map(_iso))
    out = out.assign(_key=key, _subj=out["subject"].astype(str))
    return (
        out.sort_values(["_key", "_subj"], ascending=[False, True], kind="stable")
        .drop(columns=["_key", "_subj"])
        .reset_index(drop=True)
    )
