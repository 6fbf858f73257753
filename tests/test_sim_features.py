"""Priorities, escalation, ramp-up of new hires, minimum commitments, salaried pay and overhead.

Each feature against a figure worked out by hand (or by queueing theory), plus the promise
that a scenario which does not use a feature runs exactly as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from labelline.sim import model
from labelline.sim.model import run_replication
from labelline.sim.queueing import mmc
from labelline.sim.runs import summarise
from labelline.sim.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _scenario(pools: list[dict], stages: dict, **top) -> Scenario:
    return Scenario.model_validate({"name": "features", "horizon_h": 168.0, "arrivals": {"rate_per_h": 2.0},
                                    "pool": pools, "stages": stages} | top)


def _events(scenario: Scenario, replication: int = 0, seed: int = 1):
    rep = run_replication(scenario, replication, seed=seed)
    return rep, rep.event_table().to_pandas()


# ----------------------------------------------------------------------------- priorities
def _two_class_mmc(rate_per_h: float, high_share: float, priority_high: int, horizon_h: float = 1200.0) -> Scenario:
    """mmc_validation (10 workers, exponential 1 h) with two task types of the same service time."""
    base = load_scenario(SCENARIOS / "mmc_validation.toml")
    types = [{"name": "urgent", "share": high_share, "priority": priority_high},
             {"name": "routine", "share": 1 - high_share, "priority": 0}]
    data = base.model_dump() | {"horizon_h": horizon_h, "warmup_h": 100.0, "task_type": types}
    data["arrivals"]["rate_per_h"] = rate_per_h
    return Scenario.model_validate(data)


def _waits_by_type(scenario: Scenario, replications: int) -> dict[str, float]:
    """Mean label wait per task type, pooled over replications (events submitted in the window)."""
    waits: dict[str, list[float]] = {}
    for r in range(replications):
        _, ev = _events(scenario, r, seed=11)
        start_h = (ev["started_at"] - model.SIM_EPOCH).dt.total_seconds() / 3600
        ev = ev[start_h >= scenario.warmup_h]
        wait_h = (ev["started_at"] - ev["queued_at"]).dt.total_seconds() / 3600
        for name, group in wait_h.groupby(ev["task_type"]):
            waits.setdefault(name, []).append(float(group.mean()))
        waits.setdefault("all", []).append(float(wait_h.mean()))
    return {k: float(np.mean(v)) for k, v in waits.items()}


def test_priority_matches_cobham_and_conserves_the_mean_wait() -> None:
    """M/M/10 at rho 0.8, half the items urgent. Non-preemptive priority (Cobham):
    W_k = W0 / ((1 - s_(k-1)) (1 - s_k)) with s_1 = 0.4, s_2 = 0.8, against FIFO's W0 / (1 - 0.8):
    urgent items wait 0.2 / 0.6 = 1/3 of the FIFO mean, routine ones 1 / 0.6 = 5/3 of it, and the
    overall mean is FIFO's (conservation). Compared with the FIFO run of the same seed (common
    random numbers), which cancels most of the sampling noise of either run."""
    prioritised = _waits_by_type(_two_class_mmc(8.0, 0.5, 1), replications=3)
    fifo = _waits_by_type(_two_class_mmc(8.0, 0.5, 0), replications=3)
    assert prioritised["urgent"] / fifo["all"] == pytest.approx(1 / 3, rel=0.15)
    assert prioritised["routine"] / fifo["all"] == pytest.approx(5 / 3, rel=0.08)
    assert prioritised["all"] == pytest.approx(fifo["all"], rel=0.03)
    assert fifo["urgent"] == pytest.approx(fifo["routine"], rel=0.15)  # without priorities, the same wait
    # And FIFO is the M/M/10 of Erlang C (0.2046 h), up to the noise of three replications.
    assert fifo["all"] == pytest.approx(mmc(arrival_rate_per_h=8.0, service_rate_per_h=1.0, servers=10).wait_mean_h,
                                        rel=0.25)


def test_overloaded_line_still_serves_urgent_items_promptly() -> None:
    """12 items/h for 10 workers of 1/h: every worker is always busy, so an urgent item waits
    for the next of 10 workers to free up (1/10 h) stretched by the urgent items ahead of it:
    0.1 / (1 - 0.4 x 12 / 10) = 0.192 h. Routine items pile up behind them."""
    waits = _waits_by_type(_two_class_mmc(12.0, 0.4, 5, horizon_h=400.0), replications=2)
    assert waits["urgent"] == pytest.approx(0.1 / (1 - 0.48), rel=0.15)
    assert waits["routine"] > 20 * waits["urgent"]


def _overlap_rework_line(priority: int) -> Scenario:
    """Overlap 3 on a small pool (so units refuse workers who labeled the item) with rework and overflow."""
    types = [{"name": "a", "share": 0.5, "priority": priority, "classes": 3},
             {"name": "b", "share": 0.5, "priority": priority, "classes": 3}]
    pools = [{"name": "crowd", "tier": "crowd", "headcount": 4, "hourly_rate": 10.0,
              "handling": {"*": {"mean_s": 900.0, "accuracy": 0.7}}},
             {"name": "market", "tier": "crowd", "org": "mturk", "unlimited": True, "per_item_price": 0.1,
              "handling": {"*": {"mean_s": 900.0, "accuracy": 0.7}}},
             {"name": "experts", "tier": "expert", "headcount": 2, "hourly_rate": 50.0,
              "handling": {"*": {"mean_s": 200.0, "accuracy": 0.95}}}]
    stages = {"label": {"pools": ["crowd"], "overlap": 3, "overflow_pool": "market", "overflow_queue": 8},
              "review": {"pools": ["experts"], "share": 0.5}, "adjudicate": {"pools": ["experts"]}}
    return _scenario(pools, stages, horizon_h=60.0, arrivals={"rate_per_h": 4.0}, task_type=types)


def test_equal_priorities_change_nothing(monkeypatch) -> None:
    plain = run_replication(_overlap_rework_line(0), 0, seed=5).event_table()
    assert plain.num_rows > 500
    assert run_replication(_overlap_rework_line(7), 0, seed=5).event_table().equals(plain)
    # The priority queue itself, forced on with equal priorities, serves in the same order
    # as the FIFO queue, workers refused by a unit (they labeled the item) included.
    monkeypatch.setattr(model, "_priorities_differ", lambda scenario: True)
    forced = run_replication(_overlap_rework_line(0), 0, seed=5)
    assert isinstance(forced.pools["crowd"].workers, model.PriorityWorkers)
    assert forced.event_table().equals(plain)


# ----------------------------------------------------------------------------- escalation
def _escalating_line(escalate: bool, overlap: int = 1) -> Scenario:
    """Coin-flip annotators, a reviewer who catches every wrong label and never rejects a right one."""
    pools = [{"name": "crowd", "tier": "crowd", "headcount": 6, "hourly_rate": 15.0,
              "handling": {"*": {"mean_s": 300.0, "accuracy": 0.5}}},
             {"name": "experts", "tier": "expert", "headcount": 3, "hourly_rate": 60.0,
              "handling": {"label:*": {"mean_s": 400.0, "accuracy": 1.0}, "*": {"mean_s": 60.0}}}]
    label = {"pools": ["crowd"], "overlap": overlap}
    label |= {"escalate_pool": "experts", "escalate_after_rejections": 2} if escalate else {}
    stages = {"label": label, "review": {"pools": ["experts"], "catch_rate": 1.0, "false_reject_rate": 0.0,
                                         "max_attempts": 6}}
    return _scenario(pools, stages, horizon_h=300.0, arrivals={"rate_per_h": 6.0},
                     task_type=[{"name": "t", "classes": 2}])


def test_labels_rejected_twice_are_relabeled_by_the_experts() -> None:
    rep, ev = _events(_escalating_line(True))
    labels = ev[ev["stage"] == "label"]
    # Attempts 1 and 2 by the crowd; from attempt 3 (two rejections) on, by the experts.
    assert (labels.loc[labels["attempt"] <= 2, "tier"] == "crowd").all()
    escalated = labels[labels["attempt"] >= 3]
    assert (escalated["tier"] == "expert").all() and escalated["worker_id"].str.startswith("experts-").all()
    # Never more than two rejections before an expert label; the experts' perfect labels end the loop.
    assert set(escalated["attempt"]) == {3}
    reviews = ev[ev["stage"] == "review"]
    rejections = reviews[reviews["outcome"] == "rejected"].groupby("item_id").size()
    assert rejections.max() == 2
    assert set(escalated["item_id"]) == set(rejections[rejections == 2].index)
    # A coin-flip label is wrong and caught twice in a row a quarter of the time.
    first = labels[labels["attempt"] == 1]
    assert len(escalated) / len(first) == pytest.approx(0.25, abs=0.03)
    finished = [r for r in rep.items if r.finished_h is not None]
    assert all(r.correct for r in finished)
    # Without escalation the crowd keeps trying: attempts past 3, all by the crowd.
    _, plain = _events(_escalating_line(False))
    plain_labels = plain[plain["stage"] == "label"]
    assert plain_labels["attempt"].max() > 3 and (plain_labels["tier"] == "crowd").all()


def test_an_items_escalated_labels_go_to_different_experts() -> None:
    """With overlap 2, both labels of an item may escalate; they stay independent (two experts)."""
    _, ev = _events(_escalating_line(True, overlap=2))
    escalated = ev[(ev["stage"] == "label") & (ev["attempt"] == 3)]
    per_item = escalated.groupby("item_id")["worker_id"].agg(["size", "nunique"])
    assert (per_item["size"] == 2).sum() > 20  # a sixteenth of the items: both labels escalated
    assert (per_item["size"] == per_item["nunique"]).all()


# ----------------------------------------------------------------------------- ramp-up
def _ramping_pool(distribution: str, new_hires: int = 2) -> Scenario:
    ramp = {"new_hires": new_hires, "ramp_up_weeks": 1.0, "ramp_up_start_factor": 2.0} if new_hires else {}
    pools = [{"name": "team", "tier": "crowd", "headcount": 4, "hourly_rate": 20.0, **ramp,
              "handling": {"*": {"distribution": distribution, "mean_s": 600.0, "cv": 0.5}}}]
    return _scenario(pools, {"label": {"pools": ["team"]}}, horizon_h=336.0, arrivals={"rate_per_h": 12.0})


def _ramp_factor(started_h: np.ndarray) -> np.ndarray:
    return np.where(started_h < 168.0, 2.0 - started_h / 168.0, 1.0)


def test_new_hires_start_at_the_start_factor_and_reach_full_speed_after_the_ramp() -> None:
    _, ev = _events(_ramping_pool("deterministic"))
    started_h = ((ev["started_at"] - model.SIM_EPOCH).dt.total_seconds() / 3600).to_numpy()
    new = ev["worker_id"].isin(["team-002", "team-003"]).to_numpy()  # the newest two of four
    active = ev["active_s"].to_numpy()
    # Each unit: 600 s x (2 - t / 168 h) while ramping, 600 s after the first week; veterans always 600 s.
    assert active[new] == pytest.approx(600.0 * _ramp_factor(started_h[new]), abs=0.01)
    assert active[~new] == pytest.approx(np.full((~new).sum(), 600.0), abs=0.01)
    week1 = new & (started_h < 168.0)
    # The week's mean factor is 1.5 over time; a new hire starts fewer units while slow, which
    # weighs the average towards the end of the week: 1 / ln 2 = 1.443 for someone never idle.
    assert 1.44 * 600 <= active[week1].mean() <= 1.5 * 600
    assert (active[new & (started_h >= 168.0)] == 600.0).all() and (new & (started_h >= 168.0)).sum() > 100


def test_ramp_up_stretches_the_same_draws() -> None:
    """Lognormal times: the new hires' times divided by their factor are the pool's distribution."""
    _, ev = _events(_ramping_pool("lognormal"))
    started_h = ((ev["started_at"] - model.SIM_EPOCH).dt.total_seconds() / 3600).to_numpy()
    new = ev["worker_id"].isin(["team-002", "team-003"]).to_numpy()
    week1 = new & (started_h < 168.0)
    expected = 600.0 * _ramp_factor(started_h[week1]).mean()
    assert ev["active_s"].to_numpy()[week1].mean() == pytest.approx(expected, rel=0.06)
    assert (ev["active_s"].to_numpy()[week1] / _ramp_factor(started_h[week1])).mean() == pytest.approx(600, rel=0.06)


# ----------------------------------------------------------------------------- money
def _vendor(**extra) -> dict:
    return {"name": "vendor", "tier": "vendor", "org": "acme", "unlimited": True, "per_item_price": 1.0,
            "handling": {"*": {"distribution": "deterministic", "mean_s": 60.0}}} | extra


def test_a_minimum_commitment_tops_usage_up_to_the_minimum_pro_rata() -> None:
    # 200 h at 2 items/h: about 400 labels at 1.0 against a minimum of 7,200 per 30 days, 2,000 pro rata.
    figures = summarise(run_replication(_scenario([_vendor(minimum_monthly=7200.0)], {"label": {"pools": ["vendor"]}},
                                                  horizon_h=200.0), 0, seed=2))
    assert figures["cost.label"] < 500
    assert figures["cost.label"] + figures["cost_minimum_topup"] == pytest.approx(7200.0 * 200 / 720)
    assert figures["cost_total"] == pytest.approx(2000.0)
    # Above the minimum, no top-up.
    busy = summarise(run_replication(_scenario([_vendor(minimum_monthly=720.0)], {"label": {"pools": ["vendor"]}},
                                               horizon_h=200.0), 0, seed=2))
    assert busy["cost_minimum_topup"] == 0.0 and busy["cost_total"] == pytest.approx(busy["cost.label"])


def test_the_minimum_is_billed_per_30_days() -> None:
    """A 3,000-item backlog done in the first hour, then nothing: month 1 is over the minimum of
    2,000, month 2 is topped up in full (2,000), not the 1,000 a two-month average would give."""
    line = _scenario([_vendor(minimum_monthly=2000.0)], {"label": {"pools": ["vendor"]}},
                     horizon_h=1440.0, arrivals={"backlog_items": 3000})
    figures = summarise(run_replication(line, 0, seed=2))
    assert figures["cost.label"] == pytest.approx(3000.0)
    assert figures["cost_minimum_topup"] == pytest.approx(2000.0)
    assert figures["cost_per_accepted_label"] == pytest.approx(5000.0 / 3000)


def _salaried(**extra) -> dict:
    # Mon-Fri 09:00-17:00 UTC: 40 shift hours in the first week.
    return {"name": "staff", "tier": "crowd", "headcount": 3, "hourly_rate": 25.0, "paid_for": "shift",
            "shift": {"start_hour": 9.0, "hours_per_day": 8.0, "days_per_week": 5},
            "handling": {"*": {"distribution": "deterministic", "mean_s": 300.0}}} | extra


def test_salaried_staff_cost_every_shift_hour() -> None:
    rep = run_replication(_scenario([_salaried()], {"label": {"pools": ["staff"]}}), 0, seed=3)
    figures = summarise(rep)
    # 3 people x 40 h x 25 = 3,000 a week, however little they handle (2 items/h x 5 min each).
    assert figures["cost.label"] + figures["cost_idle.staff"] == pytest.approx(3 * 40 * 25.0)
    assert figures["cost_total"] == pytest.approx(3000.0)
    assert figures["cost_idle.staff"] == pytest.approx(3000.0 - 25.0 * figures["busy_h.staff"])
    # The event log still prices each unit at its handling time.
    assert sum(rep.cols["cost"]) == pytest.approx(25.0 * 300 / 3600 * len(rep.rows))
    contractor = summarise(run_replication(_scenario([_salaried(paid_for="handling")], {"label": {"pools": ["staff"]}}),
                                           0, seed=3))
    assert "cost_idle.staff" not in contractor and contractor["cost_total"] == pytest.approx(figures["cost.label"])


def test_overhead_adds_exactly_its_percentage_of_labour() -> None:
    salaried = summarise(run_replication(_scenario([_salaried(overhead_pct=12.5)], {"label": {"pools": ["staff"]}}),
                                         0, seed=3))
    assert salaried["cost_overhead"] == pytest.approx(0.125 * 3000.0)
    assert salaried["cost_total"] == pytest.approx(1.125 * 3000.0)
    priced = summarise(run_replication(_scenario([_vendor(overhead_pct=10.0)], {"label": {"pools": ["vendor"]}}),
                                       0, seed=3))
    assert priced["cost_overhead"] == pytest.approx(0.10 * priced["cost.label"])
    assert priced["cost_total"] == pytest.approx(1.10 * priced["cost.label"])


def _everything() -> Scenario:
    types = [{"name": "urgent", "share": 0.3, "priority": 2, "classes": 4}, {"name": "routine", "share": 0.7}]
    pools = [_salaried(headcount=4, new_hires=1, ramp_up_weeks=1.0, overhead_pct=15.0,
                       handling={"*": {"mean_s": 400.0, "accuracy": 0.7}}),
             {"name": "experts", "tier": "expert", "headcount": 2, "hourly_rate": 60.0, "minimum_monthly": 9000.0,
              "monthly_fee": 300.0, "handling": {"*": {"mean_s": 120.0, "accuracy": 0.97}}},
             _vendor(minimum_monthly=100.0, overhead_pct=5.0, platform_fee_pct=10.0)]
    stages = {"label": {"pools": ["staff"], "overflow_pool": "vendor", "overflow_queue": 30,
                        "escalate_pool": "experts", "escalate_after_rejections": 1},
              "review": {"pools": ["experts"], "share": 0.5}, "qa": {"pools": ["experts"], "share": 0.1}}
    return _scenario(pools, stages, horizon_h=200.0, warmup_h=20.0, cooldown_h=10.0,
                     arrivals={"backlog_items": 300, "rate_per_h": 4.0}, task_type=types)


def test_cost_total_reconciles_with_the_event_costs_and_the_pool_costs() -> None:
    rep = run_replication(_everything(), 0, seed=4)
    f = summarise(rep)
    stages = sum(v for k, v in f.items() if k.startswith("cost."))
    idle = sum(v for k, v in f.items() if k.startswith("cost_idle."))
    assert idle > 0 and f["cost_minimum_topup"] > 0 and f["cost_overhead"] > 0 and f["cost_fixed"] > 0
    assert f["cost_total"] == pytest.approx(stages + f["cost_fixed"] + f["cost_minimum_topup"] + idle
                                            + f["cost_overhead"])
    for prefix in ("cost_tier.", "cost_org."):
        assert sum(v for k, v in f.items() if k.startswith(prefix)) == pytest.approx(stages)
    # The per-label figures carry the same pool-level costs as cost_total.
    lo, hi = rep.window
    finished = [r for r in rep.items if r.finished_h is not None and lo <= r.finished_h < hi]
    pool_level = f["cost_fixed"] + f["cost_minimum_topup"] + idle + f["cost_overhead"]
    assert f["cost_per_accepted_label"] * len(finished) == pytest.approx(sum(r.cost for r in finished) + pool_level)


def test_summary_only_costs_leave_the_simulation_alone() -> None:
    """Minimum, shift pay and overhead are billing: the same seed gives the same event log."""
    line = _everything()
    plain_pools = [p.model_copy(update={"minimum_monthly": 0.0, "overhead_pct": 0.0, "paid_for": "handling"})
                   for p in line.pool]
    plain = line.model_copy(update={"pool": plain_pools})
    a, b = run_replication(line, 1, seed=6), run_replication(plain, 1, seed=6)
    assert a.event_table().equals(b.event_table())
    fa, fb = summarise(a), summarise(b)
    assert fa["cost_total"] > fb["cost_total"] and fa["throughput_per_hour"] == fb["throughput_per_hour"]
    assert not any(k.startswith(("cost_idle", "cost_minimum", "cost_overhead")) for k in fb)


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(("change", "message"), [
    ({"review": None}, "escalate_pool needs a review stage"),
    ({"max_attempts": 2}, "escalate_after_rejections must be less than stages.review.max_attempts"),
    ({"paid_for": "shift", "hourly_rate": None, "per_item_price": 1.0}, "paid_for = 'shift' needs hourly_rate"),
    ({"new_hires": 1, "ramp_up_weeks": 0.0}, "new_hires needs ramp_up_weeks > 0"),
])
def test_features_that_could_not_take_effect_are_errors(change: dict, message: str) -> None:
    pool = {"name": "crowd", "tier": "crowd", "headcount": 2, "hourly_rate": 10.0, "handling": {"*": {"mean_s": 60.0}}}
    stages = {"label": {"pools": ["crowd"], "escalate_pool": "crowd", "escalate_after_rejections": 2},
              "review": {"pools": ["crowd"], "max_attempts": change.get("max_attempts", 3)}}
    if "review" in change:
        del stages["review"]
    pool |= {k: v for k, v in change.items() if k not in ("review", "max_attempts")}
    with pytest.raises(ValueError, match=re.escape(message)):
        _scenario([pool], stages)
