"""The simulator against queueing theory, its own invariants, and the event log contract."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from labelline.sim.model import run_replication
from labelline.sim.runs import simulate, summarise
from labelline.sim.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def _inside(summary, figure: str, expected: float) -> None:
    row = summary.loc[figure]
    assert row["low"] <= expected <= row["high"], f"{figure}: {expected} not in [{row['low']:.4f}, {row['high']:.4f}]"


def test_mmc_matches_erlang_c() -> None:
    """M/M/10 at rho = 0.9: mean wait 0.6687 h (Erlang C), utilisation 0.9, inside the 95 % interval."""
    from labelline.sim.queueing import mmc

    theory = mmc(arrival_rate_per_h=9.0, service_rate_per_h=1.0, servers=10)
    assert round(theory.wait_mean_h, 4) == 0.6687
    result = simulate(load_scenario(SCENARIOS / "mmc_validation.toml"), replications=8, seed=3, processes=2)
    _inside(result.summary, "wait_mean_h.label", theory.wait_mean_h)
    _inside(result.summary, "utilisation.annotators", 0.9)
    _inside(result.summary, "throughput_per_hour", 9.0)
    assert result.summary.loc["wait_mean_h.label", "half_width"] < 0.2  # tight enough to mean something


def test_rework_line_matches_the_jackson_network() -> None:
    """Throughput 20/h, mean cycle time 1.1462 h, mean WIP 22.92, annotate utilisation (20/0.85)/28."""
    from labelline.sim.queueing import Station, jackson_network

    stations = [Station("prelabel", 1, 40.0), Station("annotate", 14, 2.0), Station("review", 5, 6.0),
                Station("qa", 3, 12.0)]
    routing = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0.15, 0, 0.85], [0, 0, 0, 0]]
    theory = jackson_network(stations, 20.0, routing)
    result = simulate(load_scenario(SCENARIOS / "rework_line.toml"), replications=6, seed=5, processes=2)
    s = result.summary
    _inside(s, "throughput_per_hour", 20.0)
    _inside(s, "cycle_time_mean_h", theory.cycle_time_mean_h)  # 1.1462 h
    _inside(s, "wip_mean", theory.wip_mean)  # 22.92
    _inside(s, "utilisation.annotators", 20 / 0.85 / 28)
    _inside(s, "utilisation.reviewers", 20 / 0.85 / 30)


def test_littles_law_on_every_replication() -> None:
    scenario = load_scenario(SCENARIOS / "rework_line.toml")
    for replication in range(3):
        figures = summarise(run_replication(scenario, replication, seed=9))
        predicted = figures["throughput_per_hour"] * figures["cycle_time_mean_h"]
        assert figures["wip_mean"] == pytest.approx(predicted, rel=0.03)


def test_same_seed_same_log_and_parallel_equals_sequential() -> None:
    scenario = load_scenario(SCENARIOS / "mmc_validation.toml").model_copy(update={"horizon_h": 300.0})
    a = run_replication(scenario, 0, seed=1).event_table()
    b = run_replication(scenario, 0, seed=1).event_table()
    c = run_replication(scenario, 0, seed=2).event_table()
    assert a.equals(b) and not a.equals(c)
    seq = simulate(scenario, replications=3, seed=4, processes=1).per_replication
    par = simulate(scenario, replications=3, seed=4, processes=2).per_replication
    assert seq.equals(par)


def test_more_staff_shorter_waits_with_common_random_numbers() -> None:
    base = load_scenario(SCENARIOS / "mmc_validation.toml").model_copy(update={"horizon_h": 600.0, "warmup_h": 50.0})
    pool = base.pool[0]
    bigger = base.model_copy(update={"pool": [pool.model_copy(update={"headcount": 11})]})
    small = simulate(base, replications=3, seed=8, processes=1).per_replication["wait_mean_h.label"]
    large = simulate(bigger, replications=3, seed=8, processes=1).per_replication["wait_mean_h.label"]
    assert (large < small).all()  # the same arrivals and times: every replication improves


def test_sloppier_annotators_mean_more_rework_and_dearer_accepted_labels() -> None:
    line = load_scenario(SCENARIOS / "rework_line.toml").model_copy(update={"horizon_h": 400.0, "warmup_h": 50.0})
    review = line.stages.review.model_copy(update={"false_reject_rate": 0.0, "catch_rate": 0.9})
    # No QA here: it would fix every wrong label and hide the difference in final accuracy.
    stages = line.stages.model_copy(update={"review": review, "qa": None})
    careful = _with_accuracy(line.model_copy(update={"stages": stages}), 0.95)
    sloppy = _with_accuracy(careful, 0.75)
    a = simulate(careful, replications=3, seed=2, processes=1).summary
    b = simulate(sloppy, replications=3, seed=2, processes=1).summary
    assert b.loc["cost.label", "mean"] > a.loc["cost.label", "mean"]
    assert b.loc["cost_per_accepted_label", "mean"] > a.loc["cost_per_accepted_label", "mean"]
    assert b.loc["final_accuracy", "mean"] < a.loc["final_accuracy", "mean"]


def _with_accuracy(scenario, accuracy: float):
    pools = []
    for pool in scenario.pool:
        if pool.name == "annotators":
            handling = {k: h.model_copy(update={"accuracy": accuracy}) for k, h in pool.handling.items()}
            pool = pool.model_copy(update={"handling": handling})
        pools.append(pool)
    return scenario.model_copy(update={"pool": pools})


def test_simulated_log_lands_in_a_store_and_the_kpis_read_it(tmp_path: Path) -> None:
    from labelline.ingest.pipeline import ingest_paths
    from labelline.kpis.headline import headline
    from labelline.kpis.session import open_kpis
    from labelline.store import EventStore

    scenario = load_scenario(SCENARIOS / "rework_line.toml").model_copy(update={"horizon_h": 60.0, "warmup_h": 0.0})
    rep = run_replication(scenario, 0, seed=1)
    pq.write_table(rep.event_table(), tmp_path / "sim.parquet")
    store = EventStore(tmp_path / "store")
    summary = ingest_paths([tmp_path / "sim.parquet"], store, fmt="events")
    assert summary.files[0].quarantined == 0 and summary.files[0].ingested == rep.event_table().num_rows
    with open_kpis(store) as s:
        h = headline(s)
    assert h["events"] == rep.event_table().num_rows
    # The log says an item is finished once review accepted it; the simulator also waits for its QA,
    # so items still in QA at the horizon differ by a few.
    assert h["finished_items"] == pytest.approx(sum(r.finished_h is not None for r in rep.items), abs=5)
    assert h["cost_total"] == pytest.approx(sum(rep.cols["cost"]), rel=1e-6)
    # Every label is right and 15 % of reviews send it back: first-pass acceptance near 0.85.
    assert h["first_pass_acceptance"] == pytest.approx(0.85, abs=0.05)


def test_invalid_scenario_lists_every_problem_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("""
name = "bad"
horizon_h = -5
[arrivals]
rate_per_h = 2
[[pool]]
name = "crowd"
tier = "crowd"
headcount = 0
[pool.handling.classification]
distribution = "lognormal"
mean_s = -3
[stages.label]
pools = ["crowd"]
""")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(bad)
    message = str(exc.value)
    assert "horizon_h: Input should be greater than 0" in message
    assert "pool[1].headcount" in message
    assert "pool[1].handling.classification.mean_s" in message
    assert all(line.startswith(str(bad)) for line in message.splitlines())
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(bad.read_text().replace("-5", "10").replace("headcount = 0", "headcount = 2")
                       .replace("-3", "30").replace('pools = ["crowd"]', 'pools = ["vendor"]'))
    with pytest.raises(ScenarioError, match="no pool named 'vendor'"):
        load_scenario(unknown)
    with pytest.raises(ScenarioError, match="not valid TOML"):
        (tmp_path / "broken.toml").write_text("name = ")
        load_scenario(tmp_path / "broken.toml")


def test_overloaded_line_runs_at_the_bottleneck_capacity() -> None:
    """At 26 items/h the rework line is overloaded: it finishes 14 x 2 x 0.85 = 23.8/h, set by annotate."""
    line = load_scenario(SCENARIOS / "rework_line.toml")
    overloaded = line.model_copy(update={"arrivals": line.arrivals.model_copy(update={"rate_per_h": 26.0})})
    result = simulate(overloaded, replications=4, seed=6, processes=2)
    _inside(result.summary, "throughput_per_hour", 23.8)
    assert result.bottleneck["pool"] == "annotators" and result.bottleneck["agrees"]
    assert result.summary.loc["utilisation.annotators", "mean"] > 0.99
    stable = simulate(line, replications=2, seed=6, processes=2)
    assert stable.bottleneck["pool"] == "annotators"
    assert stable.bottleneck["capacity_items_per_h"] == pytest.approx(23.8, rel=0.03)


def _overflow_line(with_vendor: bool):
    from labelline.sim.scenario import Scenario

    pools = [{"name": "inhouse", "tier": "crowd", "headcount": 4, "hourly_rate": 20.0,
              "handling": {"*": {"distribution": "lognormal", "mean_s": 600.0, "cv": 0.5, "accuracy": 0.9}}},
             {"name": "vendor", "tier": "vendor", "org": "acme", "unlimited": True, "per_item_price": 6.0,
              "platform_fee_pct": 10.0, "monthly_fee": 500.0,
              "handling": {"*": {"distribution": "lognormal", "mean_s": 900.0, "cv": 0.5, "accuracy": 0.85}}}]
    label = {"pools": ["inhouse"]}
    if with_vendor:
        label |= {"overflow_pool": "vendor", "overflow_queue": 20}
    return Scenario.model_validate({
        "name": "overflow" if with_vendor else "no_overflow", "horizon_h": 200.0,
        "arrivals": {"backlog_items": 300, "rate_per_h": 10.0}, "pool": pools, "stages": {"label": label},
    })


def test_overflow_to_a_vendor_drains_the_backlog_sooner_at_a_higher_unit_cost() -> None:
    alone = simulate(_overflow_line(False), replications=2, seed=1, processes=1).summary["mean"]
    helped = simulate(_overflow_line(True), replications=2, seed=1, processes=1).summary["mean"]
    assert helped["wip_mean"] < alone["wip_mean"]  # a smaller backlog on the line
    assert helped["cycle_time_mean_h"] < alone["cycle_time_mean_h"]
    assert helped["backlog_drain_h"] < alone["backlog_drain_h"]
    assert helped["cost_per_accepted_label"] > alone["cost_per_accepted_label"]
    assert helped["cost_fixed"] == pytest.approx(500.0 * 200 / 720)  # the vendor's monthly fee, pro rata
    assert helped["cost_tier.vendor"] > 0 and "cost_tier.vendor" not in alone


def test_cost_by_stage_tier_and_org_add_up() -> None:
    figures = summarise(run_replication(load_scenario(SCENARIOS / "rework_line.toml")
                                        .model_copy(update={"horizon_h": 150.0, "warmup_h": 20.0}), 0, seed=3))
    for prefix in ("cost.", "cost_tier.", "cost_org."):
        parts = sum(v for k, v in figures.items() if k.startswith(prefix))
        total = sum(v for k, v in figures.items() if k.startswith("cost."))
        assert parts == pytest.approx(total)
    assert figures["wip_mean.label"] > 0 and figures["wip_mean.review"] > 0


def test_overlapping_labels_come_from_different_people() -> None:
    from labelline.sim.scenario import Scenario

    scenario = Scenario.model_validate({
        "name": "overlap", "horizon_h": 40.0, "arrivals": {"rate_per_h": 6.0},
        "pool": [{"name": "crowd", "tier": "crowd", "headcount": 4, "hourly_rate": 10.0,
                  "handling": {"*": {"mean_s": 900.0, "accuracy": 0.8}}},
                 {"name": "market", "tier": "crowd", "org": "mturk", "unlimited": True, "per_item_price": 0.1,
                  "handling": {"*": {"mean_s": 900.0, "accuracy": 0.8}}}],
        "stages": {"label": {"pools": ["crowd"], "overlap": 3, "overflow_pool": "market", "overflow_queue": 5}},
    })
    events = run_replication(scenario, 0, seed=4).event_table().to_pandas()
    first = events[(events["stage"] == "label") & (events["attempt"] == 1)]
    per_item = first.groupby("item_id")["worker_id"].agg(["size", "nunique"])
    assert (per_item["size"] == per_item["nunique"]).all()
    assert first["worker_id"].str.startswith("market-").any()  # the overflow took some, by distinct people
