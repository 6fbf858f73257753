"""Drift alerts: hand-worked CUSUMs, seeded false-alarm rates, label-mix runs, empty inputs."""

from __future__ import annotations

import math
import re
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from labelline.kpis.drift import (
    ACCURACY_COLUMNS,
    ALERT_COLUMNS,
    LABEL_MIX_COLUMNS,
    SPEED_COLUMNS,
    _cusum,
    _homogeneity_tests,
    accuracy_drift,
    drift_alerts,
    label_mix_drift,
    speed_drift,
)
from scipy import stats

START = date(2025, 4, 1)


def day(i: int) -> date:
    """Day i of the series, 1-based (day(1) == START)."""
    return START + timedelta(days=i - 1)


# --------------------------------------------------------------------------- CUSUM core


def test_cusum_five_day_toy_worked_by_hand() -> None:
    # z = [0.2, 1.5, 2.0, -0.5, 3.0], slack k = 0.5, decision h = 3.
    # Upper side S_t = max(0, S_{t-1} + z_t - k):
    #   day 1: max(0, 0   + 0.2 - 0.5) = 0     (still zero)
    #   day 2: max(0, 0   + 1.5 - 0.5) = 1.0   (leaves zero: change-point estimate = day 2)
    #   day 3: max(0, 1.0 + 2.0 - 0.5) = 2.5
    #   day 4: max(0, 2.5 - 0.5 - 0.5) = 1.5   (dips, but not back to zero)
    #   day 5: max(0, 1.5 + 3.0 - 0.5) = 4.0   > 3: detected on day 5, began day 2
    # Lower side S_t = max(0, S_{t-1} - z_t - k): -0.7, -2.0, -2.5, 0.0, -3.5 -> all 0.
    z = np.array([[0.2, 1.5, 2.0, -0.5, 3.0]])
    up = _cusum(z - 0.5, 3.0)
    np.testing.assert_allclose(up.path[0], [0.0, 1.0, 2.5, 1.5, 4.0])
    assert (up.began[0], up.detected[0]) == (1, 4)  # 0-based positions: day 2, day 5
    down = _cusum(-z - 0.5, 3.0)
    np.testing.assert_allclose(down.path[0], [0.0, 0.0, 0.0, 0.0, 0.0])
    assert down.detected[0] == -1


def test_cusum_gaps_leave_the_statistic_unchanged() -> None:
    x = np.array([[2.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])
    res = _cusum(x, 3.5)
    np.testing.assert_allclose(res.path[0], [2.0, np.nan, 4.0])
    assert (res.began[0], res.detected[0]) == (0, 2)
    assert res.detected[1] == -1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=40),
    st.floats(0.5, 6.0),
)
def test_cusum_matches_a_plain_python_recursion(xs: list[float], h: float) -> None:
    s, last_zero, began, detected, path = 0.0, -1, -1, -1, []
    for t, x in enumerate(xs):
        s = max(0.0, s + x)
        path.append(s)
        if s == 0.0:
            last_zero = t
        if s > h and detected < 0:
            began, detected = last_zero + 1, t
    res = _cusum(np.array([xs]), h)
    np.testing.assert_allclose(res.path[0], path)
    assert (res.began[0], res.detected[0]) == (began, detected)


# --------------------------------------------------------------------------- speed


def steady_then(
    factor: float, worker: str = "w07", days: int = 40, change_day: int = 31
):
    """A worker with 20 events a day, typical 10 s, var(ln s) = 0.25, then x factor."""
    return pd.DataFrame(
        {
            "worker_id": worker,
            "day": [day(i) for i in range(1, days + 1)],
            "events": 20,
            "mean_log_active_s": [
                math.log(10.0 * (factor if i >= change_day else 1.0))
                for i in range(1, days + 1)
            ],
            "var_log_active_s": 0.25,
        }
    )


def test_speed_fifty_percent_slower_from_day_31_hand_checkable() -> None:
    # Baseline = days 1-28, all with mean ln 10 and within-day variance 0.25, 20 events:
    #   sigma0^2 = 28 * 19 * 0.25 / (560 - 1) = 0.237925 -> sigma0 = 0.48777,
    #   standard error of a 20-event day = 0.48777 / sqrt(20) = 0.109077.
    # Days 29-30: z = 0, so S stays 0. Day 31 on: z = ln(1.5) / 0.109077 = 3.7173.
    # With k = 1, h = 5: S_31 = 2.7173, S_32 = 5.4346 > 5 -> detected day 32, began day 31.
    df = pd.concat(
        [steady_then(1.5), steady_then(1.0, worker="w08")], ignore_index=True
    )
    out = speed_drift(df)
    assert list(out.columns) == SPEED_COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert row.worker_id == "w07"
    assert row.metric == "speed" and row.direction == "slower"
    assert row.began == day(31)
    assert row.detected == day(32)
    assert row.baseline == pytest.approx(10.0)
    assert row.recent == pytest.approx(15.0)
    assert row.change_pct == pytest.approx(50.0)


def test_speed_faster_worker_and_timestamp_days() -> None:
    df = steady_then(0.5)
    df["day"] = pd.to_datetime(df["day"])
    out = speed_drift(df)
    assert list(out["direction"]) == ["faster"]
    assert pd.Timestamp(out.iloc[0].began) == pd.Timestamp(day(31))
    assert out.iloc[0].change_pct == pytest.approx(-50.0)


def simulate_speed(
    rng: np.random.Generator, workers: int, days: int, shift_at=None, factor=1.0
):
    """Daily summaries of lognormal times: per-worker typical time and spread, 5-59 events a day."""
    n = workers * days
    events = rng.integers(5, 60, n)
    mu = np.repeat(rng.normal(2.5, 0.4, workers), days)
    sd = np.repeat(rng.uniform(0.3, 0.8, workers), days)
    t = np.tile(np.arange(1, days + 1), workers)
    if shift_at is not None:
        mu = mu + np.where(t >= shift_at, math.log(factor), 0.0)
    return pd.DataFrame(
        {
            "worker_id": np.repeat([f"w{i:04d}" for i in range(workers)], days),
            "day": [day(int(i)) for i in t],
            "events": events,
            "mean_log_active_s": mu + rng.normal(0.0, 1.0, n) * sd / np.sqrt(events),
            "var_log_active_s": sd**2 * rng.chisquare(events - 1) / (events - 1),
        }
    )


def test_speed_stable_workers_rarely_alert() -> None:
    df = simulate_speed(np.random.default_rng(20250401), 200, 120)
    out = speed_drift(df)
    assert out["worker_id"].nunique() / 200 < 0.02


def test_speed_noisy_random_slowdown_dated_close_to_the_change() -> None:
    df = simulate_speed(np.random.default_rng(7), 50, 90, shift_at=41, factor=1.5)
    out = speed_drift(df)
    slower = out[out["direction"] == "slower"].set_index("worker_id")
    assert len(slower) == 50  # every worker caught
    began = np.array([(b - day(41)).days for b in slower["began"]])
    delay = np.array([(d - day(41)).days for d in slower["detected"]])
    assert np.mean(np.abs(began) <= 2) >= 0.9
    assert np.median(delay) <= 3
    assert slower["change_pct"].median() == pytest.approx(50.0, abs=10.0)


def test_speed_skips_workers_with_too_little_baseline() -> None:
    few_days = steady_then(1.5, worker="short", days=20)  # no day after the baseline
    thin = steady_then(1.5, worker="thin")
    thin["events"] = 1  # 28 baseline events but min_events raised below
    thin["var_log_active_s"] = np.nan
    out = speed_drift(pd.concat([few_days, thin], ignore_index=True), min_events=30)
    assert out.empty
    assert list(out.columns) == SPEED_COLUMNS


def test_speed_overdispersed_baseline_is_not_drift() -> None:
    # Daily means wobble +-0.15 around ln 10 (task mix), far more than 20 events explain;
    # a later day at +0.15 is ordinary for this worker and must not alarm.
    wobble = np.tile([0.15, -0.15], 20)
    df = steady_then(1.0, days=40)
    df["mean_log_active_s"] = math.log(10.0) + wobble
    assert speed_drift(df).empty


def test_speed_is_fast_for_thousands_of_workers() -> None:
    df = simulate_speed(np.random.default_rng(3), 3000, 180)
    started = time.perf_counter()
    speed_drift(df)
    assert time.perf_counter() - started < 1.5  # typically ~0.2 s


# --------------------------------------------------------------------------- accuracy


def accuracy_frame(worker: str, per_day: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "worker_id": worker,
            "day": [day(i) for i in range(1, len(per_day) + 1)],
            "trials": [t for t, _ in per_day],
            "correct": [c for _, c in per_day],
        }
    )


def test_accuracy_drop_hand_checkable() -> None:
    # 30 days of 46/50 correct (92%), then 35/50 (70%) from day 31.
    # p0 = (1288 + 0.5) / (1400 + 1) = 0.919700 (28 baseline days), p1 = p0 - 0.10.
    # Right answer adds ln(p1/p0) = -0.1152, wrong adds ln((1-p1)/(1-p0)) = +0.8090.
    # Baseline-like day: 46 * -0.1152 + 4 * 0.8090 = -2.06 -> S stays 0 on days 29-30.
    # Changed day: 35 * -0.1152 + 15 * 0.8090 = +8.10: S_31 = 8.10, S_32 = 16.2 > 10.
    df = accuracy_frame("w07", [(50, 46)] * 30 + [(50, 35)] * 10)
    out = accuracy_drift(df)
    assert list(out.columns) == ACCURACY_COLUMNS
    row = out.iloc[0]
    assert (row.metric, row.direction) == ("accuracy", "worse")
    assert (row.began, row.detected) == (day(31), day(32))
    assert row.baseline == pytest.approx(0.92)
    assert row.recent == pytest.approx(0.70)
    assert row.change_pts == pytest.approx(-22.0)
    assert row.change_pct == pytest.approx(100 * (0.70 / 0.92 - 1))


def simulate_accuracy(rng, workers, days, p_before, p_after=None, change_day=None):
    n = workers * days
    trials = rng.integers(10, 60, n)
    t = np.tile(np.arange(1, days + 1), workers)
    p = np.full(n, p_before) if np.isscalar(p_before) else np.repeat(p_before, days)
    if change_day is not None:
        p = np.where(t >= change_day, p_after, p)
    return pd.DataFrame(
        {
            "worker_id": np.repeat([f"w{i:04d}" for i in range(workers)], days),
            "day": [day(int(i)) for i in t],
            "trials": trials,
            "correct": rng.binomial(trials, p),
        }
    )


def test_accuracy_random_drop_092_to_070_detected_near_the_change() -> None:
    df = simulate_accuracy(np.random.default_rng(11), 40, 80, 0.92, 0.70, change_day=45)
    out = accuracy_drift(df)
    assert out["worker_id"].nunique() == 40
    began = np.array([(b - day(45)).days for b in out["began"]])
    delay = np.array([(d - day(45)).days for d in out["detected"]])
    # The estimate is the day after the CUSUM last sat at zero; a run of unlucky days
    # just before the change can pull it a little earlier, hence "most", not "all".
    assert np.median(np.abs(began)) <= 1
    assert np.mean(np.abs(began) <= 3) >= 0.85
    assert np.all((delay >= 0) & (delay <= 5))
    assert out["change_pts"].median() == pytest.approx(-22.0, abs=3.0)


def test_accuracy_stable_workers_rarely_alert() -> None:
    rng = np.random.default_rng(20250402)
    df = simulate_accuracy(rng, 200, 120, rng.uniform(0.75, 0.98, 200))
    out = accuracy_drift(df)
    assert out["worker_id"].nunique() / 200 < 0.02


def test_accuracy_improvement_and_thin_baselines_do_not_alert() -> None:
    better = accuracy_frame("better", [(50, 40)] * 30 + [(50, 50)] * 10)
    perfect = accuracy_frame(
        "perfect", [(20, 20)] * 40
    )  # p0 = 1 must not divide by zero
    thin = accuracy_frame("thin", [(1, 1)] * 28 + [(50, 10)] * 10)  # 28 < min_trials
    out = accuracy_drift(pd.concat([better, perfect, thin], ignore_index=True))
    assert out.empty
    assert list(out.columns) == ACCURACY_COLUMNS


def test_accuracy_perfect_baseline_still_catches_a_collapse() -> None:
    df = accuracy_frame("w1", [(20, 20)] * 30 + [(20, 12)] * 5)
    out = accuracy_drift(df)
    assert (out.iloc[0].began, out.iloc[0].detected) == (day(31), day(31))


# --------------------------------------------------------------------------- label mix


def weekly_counts(
    project: str, rng, shares_by_week: list[dict[str, float]], n: int = 500
):
    rows = []
    for i, shares in enumerate(shares_by_week):
        labels = list(shares)
        counts = rng.multinomial(n, [shares[x] for x in labels])
        week = START + timedelta(weeks=i)
        rows += [
            {"project": project, "week": week, "label": lab, "n": int(c)}
            for lab, c in zip(labels, counts)
        ]
    return pd.DataFrame(rows)


BASE_MIX = {"cat": 0.5, "dog": 0.3, "bird": 0.2}


def test_vectorised_chi_square_matches_scipy() -> None:
    rng = np.random.default_rng(12)
    base = np.array([400.0, 250.0, 150.0, 0.0])
    weeks = rng.multinomial(300, [0.45, 0.3, 0.15, 0.1], size=6).astype(float)
    weeks[2, 3] = 0  # a label seen in neither row that week: dropped, not a zero cell
    stat, p = _homogeneity_tests(base, weeks)
    for i, wk in enumerate(weeks):
        keep = (base + wk) > 0
        ref = stats.chi2_contingency(
            np.vstack([base[keep], wk[keep]]), correction=False
        )
        assert stat[i] == pytest.approx(ref.statistic)
        assert p[i] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    # Nothing to compare (an empty week, or a single label) -> statistic 0, p 1.
    stat, p = _homogeneity_tests(
        np.array([5.0, 0.0]), np.array([[0.0, 0.0], [7.0, 0.0]])
    )
    assert list(stat) == [0.0, 0.0] and list(p) == [1.0, 1.0]


def test_label_mix_shift_detected_on_its_first_week() -> None:
    rng = np.random.default_rng(5)
    shifted = {"cat": 0.45, "dog": 0.15, "bird": 0.40}
    df = weekly_counts("p1", rng, [BASE_MIX] * 10 + [shifted] * 5)
    out = label_mix_drift(df)
    assert list(out.columns) == LABEL_MIX_COLUMNS
    assert len(out) == 1
    row = out.iloc[0]
    assert row.metric == "label_mix"
    assert row.began == START + timedelta(weeks=10)
    assert row.detected == START + timedelta(weeks=11)
    assert row.biggest_shift_label == "bird"
    assert row.baseline_share == pytest.approx(0.2, abs=0.03)
    assert row.recent_share == pytest.approx(0.4, abs=0.03)
    assert row.p_value < 0.001


def test_label_mix_single_odd_week_is_not_flagged() -> None:
    rng = np.random.default_rng(6)
    odd = {"cat": 0.1, "dog": 0.1, "bird": 0.8}
    df = weekly_counts("p2", rng, [BASE_MIX] * 8 + [odd] + [BASE_MIX] * 6)
    assert label_mix_drift(df).empty


def test_label_mix_new_label_unseen_in_baseline() -> None:
    rng = np.random.default_rng(8)
    with_new = {"cat": 0.4, "dog": 0.2, "bird": 0.1, "fish": 0.3}
    df = weekly_counts("p3", rng, [BASE_MIX] * 6 + [with_new] * 3)
    out = label_mix_drift(df)
    assert len(out) == 1
    row = out.iloc[0]
    assert row.began == START + timedelta(weeks=6)
    assert row.biggest_shift_label == "fish"
    assert row.baseline_share == 0.0


def test_label_mix_stable_projects_do_not_alert() -> None:
    rng = np.random.default_rng(9)
    frames = [weekly_counts(f"p{i}", rng, [BASE_MIX] * 26) for i in range(50)]
    assert label_mix_drift(pd.concat(frames, ignore_index=True)).empty


def test_label_mix_needs_weeks_after_the_baseline() -> None:
    rng = np.random.default_rng(10)
    df = weekly_counts("p4", rng, [{"cat": 1.0}] * 2 + [{"cat": 0.2, "dog": 0.8}] * 2)
    assert label_mix_drift(df).empty  # all four weeks are baseline


# --------------------------------------------------------------------------- together


def test_drift_alerts_combines_with_sentences() -> None:
    speed = steady_then(1.5, worker="w07")
    accuracy = accuracy_frame("w07", [(50, 46)] * 30 + [(50, 35)] * 10)
    mix = weekly_counts(
        "p1",
        np.random.default_rng(5),
        [BASE_MIX] * 10 + [{"cat": 0.45, "dog": 0.15, "bird": 0.40}] * 5,
    )
    out = drift_alerts(speed, accuracy, mix)
    assert list(out.columns) == ALERT_COLUMNS
    assert sorted(out["metric"]) == ["accuracy", "label_mix", "speed"]
    acc = out[out["metric"] == "accuracy"].iloc[0]
    assert acc.message == (
        f"worker w07: accuracy fell from 92% to 70% since {day(31).isoformat()} "
        f"(detected {day(32).isoformat()})"
    )
    assert acc.change == pytest.approx(-22.0)
    spd = out[out["metric"] == "speed"].iloc[0]
    assert spd.direction == "slower" and spd.change == pytest.approx(50.0)
    assert "10.0 s to 15.0 s (+50%, slower)" in spd.message
    mixrow = out[out["metric"] == "label_mix"].iloc[0]
    assert mixrow.subject == "p1" and mixrow.direction == "shift"
    assert re.search(r"'bird' went from 1\d% to 4\d% of labels$", mixrow.message)
    # Newest detection first.
    detected = pd.to_datetime(out["detected"].map(str))
    assert detected.is_monotonic_decreasing


def test_empty_inputs_give_empty_frames_with_columns() -> None:
    speed = pd.DataFrame(
        columns=["worker_id", "day", "events", "mean_log_active_s", "var_log_active_s"]
    )
    acc = pd.DataFrame(columns=["worker_id", "day", "trials", "correct"])
    mix = pd.DataFrame(columns=["project", "week", "label", "n"])
    assert list(speed_drift(speed).columns) == SPEED_COLUMNS
    assert list(accuracy_drift(acc).columns) == ACCURACY_COLUMNS
    assert list(label_mix_drift(mix).columns) == LABEL_MIX_COLUMNS
    for out in (drift_alerts(), drift_alerts(speed, acc, mix)):
        assert out.empty
        assert list(out.columns) == ALERT_COLUMNS


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ValueError, match="mean_log_active_s"):
        speed_drift(pd.DataFrame({"worker_id": [], "day": [], "events": []}))
