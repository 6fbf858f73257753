"""Replications on a Dask cluster (a local one, started and stopped by the test on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelline.sim.runs import simulate
from labelline.sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "data" / "scenarios"

distributed = pytest.importorskip("distributed", reason="Dask distributed is a test dependency (make test installs it)")


@pytest.fixture(scope="module")
def cluster_address():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:
        yield cluster.scheduler_address


def test_cluster_replications_equal_local_ones(cluster_address: str) -> None:
    scenario = load_scenario(SCENARIOS / "rework_line.toml").model_copy(update={"horizon_h": 80.0, "warmup_h": 10.0})
    seen: list[int] = []
    remote = simulate(scenario, replications=4, seed=3, cluster=cluster_address,
                      progress=lambda done, total: seen.append(done))
    local = simulate(scenario, replications=4, seed=3, processes=1)
    assert remote.per_replication.equals(local.per_replication)  # same streams, same order
    assert seen == [1, 2, 3, 4]


def test_unreachable_cluster_says_so() -> None:
    scenario = load_scenario(SCENARIOS / "mmc_validation.toml")
    with pytest.raises(RuntimeError, match="cannot reach the Dask scheduler"):
        simulate(scenario, replications=1, cluster="tcp://127.0.0.1:9", cluster_timeout_s=2)


def test_cli_reports_an_unreachable_cluster(tmp_path) -> None:
    from typer.testing import CliRunner

    from labelline.cli import app

    result = CliRunner().invoke(app, ["simulate", str(SCENARIOS / "mmc_validation.toml"), "--reps", "1",
                                      "--cluster", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
