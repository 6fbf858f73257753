"""The Simulator page under AppTest: pick, edit, run, read intervals, send the log to the KPI pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from labelline.store import EventStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    st.cache_data.clear()
    monkeypatch.setenv("LABELLINE_STORE", str(tmp_path / "store"))


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "simulator.py"), default_timeout=240)


def test_an_example_is_shown_and_invites_a_run() -> None:
    at = page().run()
    assert not at.exception
    assert at.selectbox(key="sim_example").value == "baseline"
    assert any("Run the simulation" in i.value for i in at.info)
    assert any(b.label == "Download this scenario (TOML)" for b in at.get("download_button"))


def test_a_run_shows_intervals_charts_and_the_bottleneck(tmp_path: Path) -> None:
    at = page().run()
    at.selectbox(key="sim_example").select("mmc_validation").run()
    at.slider(key="sim_reps").set_value(3).run()
    at.button[[b.label for b in at.button].index("Run simulation")].click().run()
    assert not at.exception
    tiles = {m.label: m for m in at.metric}
    # M/M/10 at 9 items/h: throughput is the arrival rate.
    assert float(tiles["Throughput"].value.split()[0]) == pytest.approx(9.0, rel=0.05)
    assert tiles["Throughput"].proto.delta.startswith("± ")
    assert any("Bottleneck: " in m.value for m in at.markdown)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 3
    assert charts[0]["layout"]["yaxis"]["title"]["text"] == "utilisation (% of available hours)"
    utilisation = charts[0]["data"][0]["y"]
    assert utilisation[0] == pytest.approx(90.0, abs=3.0)  # ρ = λ / (c μ) = 9 / 10
    # The simulated log goes to a store of its own and becomes the sidebar's source.
    at.button[[b.label for b in at.button].index("Send the simulated log to the KPI pages")].click().run()
    assert not at.exception
    assert any("simulated events written" in s.value for s in at.success)
    simulated = Path(at.session_state["data_sources_extra"]["simulated: mmc_validation"])
    assert simulated.parent.name == "store-simulated"
    assert EventStore(simulated).status()["events"] > 3 * 15_000


def test_a_bad_edit_is_refused_with_the_field_named() -> None:
    at = page().run()
    form_inputs = {n.label: n for n in at.number_input}
    form_inputs["Horizon (h)"].set_value(1.0)  # shorter than nothing: warm-up 0 + cool-down 0 is fine, so also:
    form_inputs["Warm-up (h)"].set_value(5.0)
    at.button[[b.label for b in at.button].index("Apply changes")].click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Not applied" in errors and "warmup_h + cooldown_h must leave part of the horizon" in errors


def test_the_form_switches_stages_and_sets_escalation() -> None:
    at = page().run()  # baseline: review on, no QA, no escalation
    at.checkbox(key="sim_stage_qa").check()
    selects = {s.label: s for s in at.selectbox}
    selects["Escalate to"].select("experts")
    at.button[[b.label for b in at.button].index("Apply changes")].click().run()
    assert not at.exception and not at.error
    edited = at.session_state["sim_scenario"]
    assert edited.stages.qa is not None and edited.stages.qa.share == pytest.approx(0.05)
    assert edited.stages.label.escalate_pool == "experts" and edited.stages.review is not None
    at.checkbox(key="sim_stage_review").uncheck()
    at.button[[b.label for b in at.button].index("Apply changes")].click().run()
    # Escalation needs a review stage to reject labels: the form says so by field, nothing changes.
    errors = " ".join(e.value for e in at.error)
    assert "Not applied" in errors and "escalat" in errors
    assert at.session_state["sim_scenario"].stages.review is not None
