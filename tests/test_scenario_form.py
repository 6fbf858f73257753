"""The Simulator page's form: a scenario as tables and back, validated like a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelline.sim.scenario import ScenarioError, load_scenario
from labelline.sim.scenario_form import HELP, from_tables, to_tables

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "data" / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_survives_the_form_unchanged(path: Path) -> None:
    scenario = load_scenario(path)
    assert from_tables(scenario, to_tables(scenario)) == scenario


def test_an_edit_lands_and_everything_else_stays() -> None:
    scenario = load_scenario(SCENARIOS[0].parent / "baseline.toml")
    tables = to_tables(scenario)
    tables.pools.loc[tables.pools["name"] == "annotators", "headcount"] = 15
    tables.general["rate_per_h"] = 120.0
    edited = from_tables(scenario, tables)
    assert edited.pool_named("annotators").headcount == 15 and edited.arrivals.rate_per_h == 120.0
    assert edited.pool_named("annotators").shift == scenario.pool_named("annotators").shift
    assert edited.stages == scenario.stages and edited.task_type == scenario.task_type


def test_bad_edits_are_all_reported_by_field_path() -> None:
    scenario = load_scenario(SCENARIOS[0].parent / "baseline.toml")
    tables = to_tables(scenario)
    tables.pools.loc[0, "headcount"] = -3
    tables.handling.loc[0, "mean_s"] = 0
    with pytest.raises(ScenarioError) as caught:
        from_tables(scenario, tables)
    lines = str(caught.value).splitlines()
    assert "form: pool[1].headcount: Input should be greater than or equal to 1" in lines
    assert any(line.startswith("form: pool[1].handling.") and "mean_s" in line for line in lines)


def test_a_pool_removed_from_the_form_is_reported_where_a_stage_uses_it() -> None:
    scenario = load_scenario(SCENARIOS[0].parent / "baseline.toml")
    tables = to_tables(scenario)
    tables.pools = tables.pools[tables.pools["name"] != "experts"]
    with pytest.raises(ScenarioError, match="stages.review.pools: no pool named 'experts'"):
        from_tables(scenario, tables)


def test_every_form_column_has_help_with_meaning() -> None:
    tables = to_tables(load_scenario(SCENARIOS[0].parent / "baseline.toml"))
    for prefix, frame in (("pool", tables.pools), ("handling", tables.handling), ("task_type", tables.task_types),
                          ("batch", tables.batches)):
        for column in frame.columns:
            assert len(HELP[f"{prefix}.{column}"]) > 20, column
    for key in tables.general:
        assert HELP[key]
