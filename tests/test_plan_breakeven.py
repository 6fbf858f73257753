"""Break-even of in-house vs vendor vs crowd: arithmetic checked by hand, quality, monotonicity, files, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from labelline.cli import app
from labelline.plan.breakeven import (
    SourcingError, SourcingPlan, breakeven, cost_curves, load_sourcing,
    majority_vote_accuracy, sourcing_from_scenario,
)
from labelline.sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]

# The small case, by hand (money in USD, volume in items per month):
#
# in-house: 30 s a label, 100 productive h a head a month at utilisation 1.0
#   -> 100 * 3600 / 30 = 12,000 items per head; a head costs 160 paid h * 20 USD * 1.25 (overhead)
#   = 4,000 a month; plus 1,000 fixed.  cost(V) = 4,000 * ceil(V / 12,000) + 1,000.
# vendor: 0.50 a label, 2,000 minimum, 10 % fee, 500 a month.
#   cost(V) = max(2,000, 0.5 V) * 1.1 + 500 -> 2,700 flat up to V = 4,000, then 0.55 V + 500.
# crowd: 3 judgements of 0.20 with a 20 % fee -> cost(V) = 3 * 0.2 * 1.2 V = 0.72 V.
#
# Crossings per label:
#   crowd = vendor:    0.72 V = 2,700           -> V = 3,750 (under the 4,000 kink)
#   in-house = crowd:  0.72 V = 5,000 (1 head)  -> V = 6,944.4;
#                      at 12,000 in-house steps from 5,000 to 9,000 while crowd is 8,640 -> a step at 12,000;
#                      0.72 V = 9,000 (2 heads) -> V = 12,500;  3 heads (13,000) stay below crowd (17,280+).
#   in-house = vendor: 0.55 V + 500 = 5,000     -> V = 8,181.8;
#                      at 12,000 vendor is 7,100 < 9,000 -> a step at 12,000;
#                      0.55 V + 500 = 9,000     -> V = 15,454.5;  3 heads (13,000) stay below vendor (13,700+).
# Cheapest per label: crowd to 3,750, vendor to 8,181.8, in-house to 12,000, vendor to 15,454.5,
# in-house to 40,000.
# Accuracy: in-house 0.95, vendor 0.90, crowd 0.8 with a vote of 3 = 0.8^3 + 3 * 0.8^2 * 0.2 = 0.896.
# Per correct label, crowd = vendor below 4,000: 0.72 V / 0.896 = 2,700 / 0.9 -> V = 3,000 * 0.896 / 0.72 = 3,733.3.
SMALL = SourcingPlan.model_validate({
    "volume_min_per_month": 1000, "volume_max_per_month": 40000,
    "option": [
        {"kind": "in_house", "name": "team", "handling_s": 30, "hourly_rate": 20, "overhead_pct": 25,
         "paid_hours_per_month": 160, "productive_hours_per_month": 100, "target_utilisation": 1.0,
         "fixed_monthly": 1000, "accuracy": 0.95},
        {"kind": "vendor", "name": "vendor", "price_per_label": 0.5, "minimum_monthly": 2000, "fee_pct": 10,
         "fixed_monthly": 500, "accuracy": 0.9},
        {"kind": "crowd", "name": "crowd", "price_per_label": 0.2, "overlap": 3, "platform_fee_pct": 20,
         "accuracy": 0.8},
    ],
})


def _crossings(result, a: str, b: str, basis: str = "cost_per_label") -> list[float]:
    c = result.crossings
    mine = c[(c["basis"] == basis) & (c["option_a"] == a) & (c["option_b"] == b)]
    return mine["volume_per_month"].tolist()


def test_monthly_costs_by_hand() -> None:
    team, vendor, crowd = SMALL.option
    volumes = np.array([3000, 12000, 12001, 30000])
    assert team.monthly_cost(volumes) == pytest.approx([5000, 5000, 9000, 13000])
    assert vendor.monthly_cost(volumes) == pytest.approx([2700, 7100, 0.55 * 12001 + 500, 17000])
    assert crowd.monthly_cost(volumes) == pytest.approx(0.72 * volumes)


def test_break_even_volumes_by_hand() -> None:
    result = breakeven(SMALL)
    assert _crossings(result, "vendor", "crowd") == pytest.approx([3750])
    assert _crossings(result, "team", "crowd") == pytest.approx([6944.444, 12000, 12500])
    assert _crossings(result, "team", "vendor") == pytest.approx([8181.818, 12000, 15454.545])
    steps = result.crossings[result.crossings["how"] == "step"]
    assert set(steps["volume_per_month"].round(6)) == {12000.0}
    per_label = result.bands[result.bands["basis"] == "cost_per_label"]
    assert per_label["option"].tolist() == ["crowd", "vendor", "team", "vendor", "team"]
    assert per_label["volume_to"].tolist() == pytest.approx([3750, 8181.818, 12000, 15454.545, 40000])
    # At a slope crossing both options cost the same: vendor = crowd = 2,700 / 3,750 = 0.72 a label.
    row = result.crossings[(result.crossings["option_a"] == "vendor") & (result.crossings["basis"] == "cost_per_label")]
    assert row["cost_a"].iloc[0] == pytest.approx(0.72) and row["cost_b"].iloc[0] == pytest.approx(0.72)
    assert row["cheaper_below"].iloc[0] == "crowd" and row["cheaper_above"].iloc[0] == "vendor"


def test_cost_per_correct_label_uses_the_vote() -> None:
    result = breakeven(SMALL)
    options = result.options.set_index("option")
    assert options.loc["crowd", "final_accuracy"] == pytest.approx(0.896)
    assert options.loc["crowd", "labels_per_item"] == 3
    assert _crossings(result, "vendor", "crowd", "cost_per_correct_label")[0] == pytest.approx(3733.333, abs=1e-3)
    curves = result.curves[result.curves["option"] == "crowd"]
    assert curves["cost_per_correct_label"].to_numpy() == pytest.approx(curves["cost_per_label"].to_numpy() / 0.896)
    assert result.cheapest(3740, "cost_per_label") == "crowd"  # under 3,750 per label
    assert result.cheapest(3740, "cost_per_correct_label") == "vendor"  # over 3,733.3 per correct label


def test_majority_vote_accuracy() -> None:
    assert majority_vote_accuracy(0.8, 1) == pytest.approx(0.8)
    assert majority_vote_accuracy(0.8, 2) == pytest.approx(0.8)  # a tie is a coin flip: no better than one label
    assert majority_vote_accuracy(0.8, 3) == pytest.approx(0.896)
    # 5 votes: P(3) + P(4) + P(5) = 10 p^3 q^2 + 5 p^4 q + p^5 with p = 0.8, q = 0.2
    assert majority_vote_accuracy(0.8, 5) == pytest.approx(10 * 0.512 * 0.04 + 5 * 0.4096 * 0.2 + 0.32768)
    assert majority_vote_accuracy(0.4, 3) < 0.4  # a vote of weak workers is worse than one of them


def test_ramp_up_and_hiring_by_hand() -> None:
    # One head (12,000 items at most). Hiring 3,000; ramp-up 4 weeks from 2x the handling time:
    # mean speed over the ramp = ln 2 / (2 - 1) = 0.6931, so 30.69 % of the hours are lost;
    # productive hours a week = 100 * 12 / 52 = 23.077; lost = 4 * 23.077 * 0.30685 = 28.325 h,
    # at the loaded rate 20 * 1.25 = 25 -> 708.1. One-off per head 3,708.1, over 12 months 309.0 a month.
    # With 50 % attrition a year, 1.5 hires per head over the year: 463.5 a month.
    base = SMALL.option[0]
    ramped = base.model_copy(update={"hiring_cost_per_head": 3000, "ramp_up_weeks": 4, "ramp_up_start_factor": 2.0})
    lost_h = 4 * 100 * 12 / 52 * (1 - math.log(2))
    assert ramped.ramp_up_lost_hours == pytest.approx(lost_h)
    assert ramped.monthly_cost(np.array([12000]))[0] == pytest.approx(5000 + (3000 + lost_h * 25) / 12)
    churn = ramped.model_copy(update={"attrition_pct_per_year": 50})
    assert churn.monthly_cost(np.array([12000]))[0] == pytest.approx(5000 + 1.5 * (3000 + lost_h * 25) / 12)
    # Two heads pay two hires.
    assert ramped.monthly_cost(np.array([24000]))[0] == pytest.approx(9000 + 2 * (3000 + lost_h * 25) / 12)


def test_contractors_are_paid_for_handling_only() -> None:
    # paid_for = handling: 20,000 labels * 30 s = 166.7 h * 25 USD loaded = 4,166.7 + 1,000 fixed.
    contractors = SMALL.option[0].model_copy(update={"paid_for": "handling"})
    assert contractors.monthly_cost(np.array([20000]))[0] == pytest.approx(20000 * 30 / 3600 * 25 + 1000)


@pytest.mark.parametrize("field", ["hourly_rate", "price_per_label", "overhead_pct", "fee_pct", "platform_fee_pct",
                                   "minimum_monthly", "handling_s"])
def test_higher_rates_cost_more(field: str) -> None:
    volumes = np.geomspace(1000, 40000, 50)
    for option in SMALL.option:
        if field not in type(option).model_fields:
            continue
        value = getattr(option, field)
        dearer = option.model_copy(update={field: value * 1.5 + 1})
        assert (dearer.monthly_cost(volumes) >= option.monthly_cost(volumes) - 1e-9).all(), (option.name, field)
        assert (dearer.monthly_cost(volumes) > option.monthly_cost(volumes)).any(), (option.name, field)


def test_cost_grows_with_volume_and_per_label_falls_with_fixed_costs() -> None:
    curves = cost_curves(SMALL, np.linspace(1000, 40000, 200))
    for _, part in curves.groupby("option"):
        assert part["monthly_cost"].is_monotonic_increasing
    vendor = curves[curves["option"] == "vendor"]
    assert vendor["cost_per_label"].is_monotonic_decreasing  # the minimum and the fee spread over more labels


def test_higher_accuracy_lowers_cost_per_correct_label_only() -> None:
    better = SMALL.model_copy(update={"option": [SMALL.option[0], SMALL.option[1].model_copy(update={"accuracy": 0.99}),
                                                 SMALL.option[2]]})
    a, b = breakeven(SMALL).curves, breakeven(better).curves
    va, vb = a[a["option"] == "vendor"], b[b["option"] == "vendor"]
    assert vb["cost_per_label"].to_numpy() == pytest.approx(va["cost_per_label"].to_numpy())
    assert (vb["cost_per_correct_label"].to_numpy() < va["cost_per_correct_label"].to_numpy()).all()


def test_saw_tooth_is_outlined_and_pairs_summarised() -> None:
    result = breakeven(load_sourcing(ROOT / "data" / "sourcing" / "example.toml"))
    outline = result.outline[result.outline["basis"] == "cost_per_label"]
    assert outline["alternating"].sum() == 1  # the in-house / vendor zone as one band
    assert len(outline) < len(result.bands[result.bands["basis"] == "cost_per_label"])
    assert outline["volume_from"].iloc[0] == result.plan.volume_min_per_month
    assert outline["volume_to"].iloc[-1] == result.plan.volume_max_per_month
    assert (outline["volume_to"].to_numpy()[:-1] == outline["volume_from"].to_numpy()[1:]).all()  # contiguous
    pairs = result.pairs.set_index(["basis", "option_a", "option_b"])
    crowd_vendor = pairs.loc[("cost_per_label", "managed vendor", "crowd x3")]
    assert crowd_vendor["crossings"] == 1
    assert crowd_vendor["cheaper_at_min"] == "crowd x3" and crowd_vendor["cheaper_at_max"] == "managed vendor"
    # The example's story: in-house wins at high volume, and sooner per correct label (it is more accurate).
    per_label = pairs.loc[("cost_per_label", "in-house team", "managed vendor"), "last_volume"]
    per_correct = pairs.loc[("cost_per_correct_label", "in-house team", "managed vendor"), "last_volume"]
    assert per_correct < per_label
    assert result.cheapest(400000) == "in-house team"


def test_bad_sourcing_file_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('volume_min_per_month = 100\nvolume_max_per_month = 50\n[[option]]\nkind = "vendor"\n'
                   'name = "v"\nprice_per_label = -1\n[[option]]\nkind = "robot"\nname = "r"\n')
    with pytest.raises(SourcingError) as exc:
        load_sourcing(bad)
    text = str(exc.value)
    assert "option[1].vendor.price_per_label" in text and "option[2]" in text


def test_options_from_a_scenario() -> None:
    plan = sourcing_from_scenario(load_scenario(ROOT / "data" / "scenarios" / "vendor_overflow.toml"))
    kinds = {o.name: o.kind for o in plan.option}
    assert kinds == {"annotators": "in_house", "vendor": "vendor"}
    team = next(o for o in plan.option if o.name == "annotators")
    # 70 % classification at 40 s and 30 % NER at 180 s -> 82 s; 8 h x 5 days x 52 / 12 = 173.3 h a month.
    assert team.handling_s == pytest.approx(0.7 * 40 + 0.3 * 180)
    assert team.paid_hours_per_month == pytest.approx(40 * 52 / 12)
    # 100 an hour plus 15,000 over 720 h -> 120.8 an hour, 87,000 a month: the range is a tenth to three times it.
    assert plan.volume_min_per_month == pytest.approx(8700) and plan.volume_max_per_month == pytest.approx(261000)
    assert len(breakeven(plan).bands)


def test_cli_breakeven_json_and_out(tmp_path: Path) -> None:
    runner = CliRunner()
    example = str(ROOT / "data" / "sourcing" / "example.toml")
    result = runner.invoke(app, ["plan", "breakeven", example, "--at", "100000", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_constant=_not_finite)
    assert set(data) == {"currency", "volume_min_per_month", "volume_max_per_month", "options", "outline", "pairs",
                         "bands", "crossings", "at", "files"}
    assert data["at"]["cheapest"] == {"cost_per_label": "managed vendor", "cost_per_correct_label": "managed vendor"}
    assert {o["option"] for o in data["options"]} == {"in-house team", "managed vendor", "crowd x3"}
    xlsx = tmp_path / "breakeven.xlsx"
    result = runner.invoke(app, ["plan", "breakeven", example, "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "cheapest per correct label" in result.stdout
    from openpyxl import load_workbook

    assert {"options", "outline", "crossings", "curves", "Inputs"} <= set(load_workbook(xlsx).sheetnames)
    csv = tmp_path / "be.csv"
    assert runner.invoke(app, ["plan", "breakeven", example, "--out", str(csv)]).exit_code == 0
    assert (tmp_path / "be-crossings.csv").exists()


def test_cli_breakeven_problems_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["plan", "breakeven"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[[option]]\nkind = 'crowd'\nname = 'c'\n")
    result = runner.invoke(app, ["plan", "breakeven", str(bad)])
    assert result.exit_code == 2 and "price_per_label" in result.stderr and "Traceback" not in result.output


def test_breakeven_chart() -> None:
    from labelline.plan.charts_economics import fig_breakeven

    result = breakeven(SMALL)
    fig = fig_breakeven(result.curves, result.crossings, "USD")
    names = {t.name for t in fig.data}
    assert {"team", "vendor", "crowd", "break-even"} <= names
    marks = [t for t in fig.data if t.name == "break-even"]
    assert sum(len(t.x) for t in marks) == len(result.crossings)  # every crossing marked, on both panels
    assert fig.layout.xaxis2.title.text.startswith("volume (items per month")
    assert fig.layout.yaxis.title.text.startswith("USD per label")
    assert fig.layout.yaxis2.title.text.startswith("USD per correct label")


def _not_finite(name: str) -> None:
    raise AssertionError(f"JSON output holds {name}: no data must be null")
