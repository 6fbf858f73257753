"""Analytic queueing theory: reference figures from the design doc, closed forms, invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from labelline.sim.queueing import (
    Station,
    allen_cunneen,
    erlang_b,
    erlang_c,
    jackson_network,
    lognormal_cv2,
    min_servers,
    mmc,
)
from scipy import stats

# --- Erlang B / C ---------------------------------------------------------------------------


def _erlang_b_factorial(c: int, a: float) -> float:
    return (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))


def _erlang_c_factorial(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize("c", range(13))
@pytest.mark.parametrize("a", [0.0, 0.3, 1.0, 2.5, 7.0, 15.0])
def test_erlang_b_matches_factorial_formula(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(_erlang_b_factorial(c, a), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("c", range(1, 13))
@pytest.mark.parametrize("load_share", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_matches_factorial_formula(c: int, load_share: float) -> None:
    a = c * load_share
    assert erlang_c(c, a) == pytest.approx(_erlang_c_factorial(c, a), rel=1e-10)


def test_erlang_b_is_stable_for_large_teams() -> None:
    # B(c, a) = Poisson pmf(c) / cdf(c): an independent route that never forms a^c / c!.
    for c, a in [(500, 480.0), (5000, 4900.0), (20000, 19000.0)]:
        expected = stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a)
        assert erlang_b(c, a) == pytest.approx(expected, rel=1e-8)
    assert 0.0 < erlang_c(5000, 4990.0) < 1.0


def test_erlang_c_is_one_when_overloaded() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c(3, 0.0) == 0.0


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda: erlang_b(-1, 1.0), ValueError),
        (lambda: erlang_b(2, -0.1), ValueError),
        (lambda: erlang_b(2, math.nan), ValueError),
        (lambda: erlang_b(2.0, 1.0), TypeError),
        (lambda: erlang_c(0, 1.0), ValueError),
        (lambda: mmc(1.0, 0.0, 1), ValueError),
        (lambda: mmc(-1.0, 1.0, 1), ValueError),
        (lambda: mmc(1.0, 1.0, 0), ValueError),
    ],
)
def test_bad_parameters_are_rejected(call, exc) -> None:
    with pytest.raises(exc):
        call()


# --- M/M/c ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival_rate_per_h", "wait_mean_h", "p_wait"),
    [(8.0, 0.2046, 0.4092), (9.0, 0.6687, 0.6687), (9.5, 1.6512, 0.8256)],
)
def test_mmc_design_doc_figures(arrival_rate_per_h: float, wait_mean_h: float, p_wait: float) -> None:
    """c = 10 annotators at 1 item/h each, 80 / 90 / 95 % busy."""
    r = mmc(arrival_rate_per_h, 1.0, 10)
    assert r.utilisation == pytest.approx(arrival_rate_per_h / 10)
    assert r.stable
    assert round(r.wait_mean_h, 4) == wait_mean_h
    assert round(r.p_wait, 4) == p_wait
    assert r.time_in_system_mean_h == pytest.approx(r.wait_mean_h + 1.0)
    assert r.queue_mean == pytest.approx(arrival_rate_per_h * r.wait_mean_h)
    assert r.in_system_mean == pytest.approx(arrival_rate_per_h * r.time_in_system_mean_h)


@pytest.mark.parametrize("rho", [0.05, 0.3, 0.5, 0.8, 0.95, 0.999])
@pytest.mark.parametrize("mu", [1.0, 6.0])
def test_mm1_closed_forms(rho: float, mu: float) -> None:
    lam = rho * mu
    r = mmc(lam, mu, 1)
    assert r.p_wait == pytest.approx(rho, rel=1e-12)
    assert r.wait_mean_h == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert r.time_in_system_mean_h == pytest.approx(1 / (mu - lam), rel=1e-12)
    assert r.in_system_mean == pytest.approx(rho / (1 - rho), rel=1e-12)
    assert r.queue_mean == pytest.approx(rho**2 / (1 - rho), rel=1e-12)
    # Waiting time: atom 1−ρ at zero, then exponential with rate μ − λ.
    assert r.service_level(0.0) == pytest.approx(1 - rho)
    assert r.service_level(0.5) == pytest.approx(1 - rho * math.exp(-(mu - lam) * 0.5))
    q = 1 - rho / 4
    assert r.wait_quantile_h(q) == pytest.approx(math.log(4) / (mu - lam))


def test_service_level_and_wait_quantile_are_inverse() -> None:
    r = mmc(9.0, 1.0, 10)
    assert r.wait_quantile_h(0.0) == 0.0
    assert r.wait_quantile_h(1 - r.p_wait) == 0.0
    assert r.wait_quantile_h(1.0) == math.inf
    for q in (0.4, 0.8, 0.95, 0.999):
        t = r.wait_quantile_h(q)
        assert t > 0
        assert r.service_level(t) == pytest.approx(q)
    assert r.service_level(math.inf) == 1.0
    with pytest.raises(ValueError):
        r.wait_quantile_h(1.5)
    with pytest.raises(ValueError):
        r.service_level(-1.0)


def test_mmc_with_no_arrivals_never_waits() -> None:
    r = mmc(0.0, 2.0, 3)
    assert r.stable and r.p_wait == 0.0 and r.wait_mean_h == 0.0
    assert r.time_in_system_mean_h == 0.5 and r.in_system_mean == 0.0
    assert r.service_level(0.0) == 1.0 and r.wait_quantile_h(0.99) == 0.0


@pytest.mark.parametrize("lam", [10.0, 10.5, 100.0])
def test_unstable_mmc_gives_infinite_waits_not_errors(lam: float) -> None:
    r = mmc(lam, 1.0, 10)
    assert not r.stable
    assert r.utilisation == pytest.approx(lam / 10)
    assert r.p_wait == 1.0
    assert r.wait_mean_h == math.inf and r.time_in_system_mean_h == math.inf
    assert r.queue_mean == math.inf and r.in_system_mean == math.inf
    assert r.service_level(0.25) == 0.0
    assert r.wait_quantile_h(0.5) == math.inf
    assert allen_cunneen(lam, 1.0, 10, 0.0, 0.0) == math.inf


loads = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
rates = st.floats(min_value=0.01, max_value=100.0, allow_nan=False)
teams = st.integers(min_value=1, max_value=250)


@given(lam=loads, mu=rates, c=teams)
def test_p_wait_is_a_probability(lam: float, mu: float, c: int) -> None:
    r = mmc(lam, mu, c)
    assert 0.0 <= r.p_wait <= 1.0
    assert 0.0 <= erlang_b(c, lam / mu) <= 1.0
    assert r.stable == (lam < c * mu) or math.isclose(lam, c * mu)
    if r.stable:
        assert r.wait_mean_h >= 0 and math.isfinite(r.wait_mean_h)


@given(lam=loads, mu=rates, c=teams)
def test_more_servers_never_wait_more(lam: float, mu: float, c: int) -> None:
    fewer, more = mmc(lam, mu, c), mmc(lam, mu, c + 1)
    assert more.p_wait <= fewer.p_wait + 1e-12
    assert more.wait_mean_h <= fewer.wait_mean_h * (1 + 1e-9) + 1e-12
    assert erlang_b(c + 1, lam / mu) <= erlang_b(c, lam / mu) + 1e-12


@given(lam=loads, extra=st.floats(min_value=0.0, max_value=50.0), mu=rates, c=teams)
def test_more_arrivals_never_wait_less(lam: float, extra: float, mu: float, c: int) -> None:
    low, high = mmc(lam, mu, c), mmc(lam + extra, mu, c)
    assert high.wait_mean_h >= low.wait_mean_h * (1 - 1e-9)
    assert high.p_wait >= low.p_wait - 1e-12


# --- Allen-Cunneen --------------------------------------------------------------------------


@pytest.mark.parametrize(("lam", "mu", "c"), [(8.0, 1.0, 10), (0.5, 1.0, 1), (23.0, 2.0, 14), (0.0, 1.0, 2)])
def test_allen_cunneen_equals_mmc_for_exponential_times(lam: float, mu: float, c: int) -> None:
    assert allen_cunneen(lam, mu, c, 1.0, 1.0) == pytest.approx(mmc(lam, mu, c).wait_mean_h, rel=1e-15)


def test_allen_cunneen_scales_with_variability() -> None:
    base = mmc(9.0, 1.0, 10).wait_mean_h
    assert allen_cunneen(9.0, 1.0, 10, 1.0, 0.0) == pytest.approx(base / 2)  # M/D/c ≈ half
    assert allen_cunneen(9.0, 1.0, 10, 0.0, 0.0) == 0.0
    assert allen_cunneen(9.0, 1.0, 10, 1.0, lognormal_cv2(1.0)) == pytest.approx(base * math.e / 2)
    with pytest.raises(ValueError):
        allen_cunneen(9.0, 1.0, 10, -1.0, 1.0)


@pytest.mark.parametrize("sigma", [0.01, 0.25, 0.8, 1.5])
def test_lognormal_cv2_matches_the_distribution(sigma: float) -> None:
    dist = stats.lognorm(s=sigma, scale=3.0)
    assert lognormal_cv2(sigma) == pytest.approx(dist.var() / dist.mean() ** 2, rel=1e-9)
    assert lognormal_cv2(0.0) == 0.0  # a fixed task time


# --- staffing -------------------------------------------------------------------------------


def _first_c(ok) -> int:
    return next(c for c in range(1, 10_000) if ok(c))


def test_min_servers_for_a_mean_wait_target() -> None:
    expected = _first_c(lambda c: mmc(9.0, 1.0, c).wait_mean_h <= 0.25)
    assert min_servers(9.0, 1.0, target_wait_h=0.25) == expected
    assert expected == 11  # c = 10 waits 0.67 h; c = 11 is within 0.25 h


def test_min_servers_for_a_service_level() -> None:
    """80 % of items picked up within 0.1 h (6 minutes)."""
    expected = _first_c(lambda c: mmc(9.0, 1.0, c).service_level(0.1) >= 0.8)
    assert min_servers(9.0, 1.0, service_level=0.8, max_wait_h=0.1) == expected
    assert mmc(9.0, 1.0, expected - 1).service_level(0.1) < 0.8


def test_min_servers_combines_targets() -> None:
    wait_only = min_servers(9.0, 1.0, target_wait_h=0.25)
    assert min_servers(9.0, 1.0, target_wait_h=0.25, max_utilisation=0.75) == 12  # ceil(9 / 0.75)
    assert min_servers(9.0, 1.0, max_utilisation=0.75) == 12
    both = min_servers(9.0, 1.0, target_wait_h=0.25, service_level=0.99, max_wait_h=0.1)
    assert both == max(wait_only, min_servers(9.0, 1.0, service_level=0.99, max_wait_h=0.1))
    assert min_servers(0.0, 1.0, target_wait_h=0.1) == 1


def test_min_servers_needs_a_target() -> None:
    with pytest.raises(ValueError, match="target"):
        min_servers(9.0, 1.0)
    with pytest.raises(ValueError, match="together"):
        min_servers(9.0, 1.0, service_level=0.8)
    with pytest.raises(ValueError):
        min_servers(9.0, 1.0, service_level=1.0, max_wait_h=0.1)


def test_min_servers_is_fast_for_large_teams() -> None:
    lam = 50_000.0
    c = min_servers(lam, 1.0, service_level=0.8, max_wait_h=1 / 60)
    assert mmc(lam, 1.0, c).service_level(1 / 60) >= 0.8
    assert mmc(lam, 1.0, c - 1).service_level(1 / 60) < 0.8
    assert lam < c < lam + 3 * math.sqrt(lam)  # square-root staffing


@settings(max_examples=60)
@given(
    lam=st.floats(min_value=0.0, max_value=80.0),
    mu=st.floats(min_value=0.1, max_value=10.0),
    wait=st.floats(min_value=1e-3, max_value=5.0),
    tighter=st.floats(min_value=0.01, max_value=1.0),
    sl=st.floats(min_value=0.05, max_value=0.99),
    sl_up=st.floats(min_value=0.0, max_value=1.0),
)
def test_tighter_targets_never_need_fewer_servers(
    lam: float, mu: float, wait: float, tighter: float, sl: float, sl_up: float
) -> None:
    assert min_servers(lam, mu, target_wait_h=wait * tighter) >= min_servers(lam, mu, target_wait_h=wait)
    sl_tight = sl + (0.995 - sl) * sl_up
    loose = min_servers(lam, mu, service_level=sl, max_wait_h=wait)
    assert min_servers(lam, mu, service_level=sl_tight, max_wait_h=wait) >= loose
    assert min_servers(lam, mu, service_level=sl, max_wait_h=wait * tighter) >= loose


# --- open Jackson network: the rework line --------------------------------------------------

LINE = [
    Station("prelabel", servers=1, service_rate_per_h=40.0),
    Station("annotate", servers=14, service_rate_per_h=2.0),
    Station("review", servers=5, service_rate_per_h=6.0),
    Station("qa", servers=3, service_rate_per_h=12.0),
]
# prelabel → annotate → review; review sends 15 % back to annotate and 85 % on to QA; QA exits.
ROUTING = [
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.15, 0.0, 0.85],
    [0.0, 0.0, 0.0, 0.0],
]


def test_rework_line_design_doc_figures() -> None:
    net = jackson_network(LINE, 20.0, ROUTING)
    assert net.stable
    assert net.throughput_per_h == 20.0
    assert round(net.cycle_time_mean_h, 4) == 1.1462
    assert round(net.wip_mean, 2) == 22.92
    assert net.wip_mean == pytest.approx(20.0 * net.cycle_time_mean_h)  # Little's law

    ratios = {s.name: s.visit_ratio for s in net.stations}
    assert ratios == pytest.approx({"prelabel": 1.0, "annotate": 1 / 0.85, "review": 1 / 0.85, "qa": 1.0})
    annotate = net.station("annotate")
    assert annotate.arrival_rate_per_h == pytest.approx(20 / 0.85)
    assert annotate.utilisation == pytest.approx(20 / 0.85 / 28)
    assert net.bottleneck.name == "annotate"
    assert net.max_throughput_per_h == pytest.approx(23.8)
    assert net.bottleneck.utilisation == max(s.utilisation for s in net.stations)
    for s in net.stations:  # each station is an M/M/c queue at its own rate
        alone = mmc(s.arrival_rate_per_h, s.service_rate_per_h, s.servers)
        assert s.wait_mean_h == pytest.approx(alone.wait_mean_h)
        assert s.in_system_mean == pytest.approx(alone.in_system_mean)


def test_rework_line_overloaded_at_26_per_hour() -> None:
    net = jackson_network(LINE, 26.0, np.array(ROUTING))
    assert not net.stable
    assert net.bottleneck.name == "annotate"
    assert net.bottleneck.capacity_per_h == pytest.approx(14 * 2 / (1 / 0.85))
    assert net.max_throughput_per_h == pytest.approx(23.8)
    assert net.throughput_per_h == pytest.approx(23.8)
    assert net.cycle_time_mean_h == math.inf and net.wip_mean == math.inf
    assert not net.station("annotate").stable and net.station("prelabel").stable


def test_rework_line_capacity_is_where_it_tips_over() -> None:
    assert jackson_network(LINE, 23.79, ROUTING).stable
    assert not jackson_network(LINE, 23.81, ROUTING).stable


def test_single_station_network_is_mmc() -> None:
    net = jackson_network([Station("annotate", 10, 1.0)], 9.0, [[0.0]])
    assert net.cycle_time_mean_h == pytest.approx(mmc(9.0, 1.0, 10).time_in_system_mean_h)
    assert net.max_throughput_per_h == pytest.approx(10.0)


def test_per_station_external_arrivals() -> None:
    stations = [Station("a", 2, 5.0), Station("b", 3, 4.0)]
    net = jackson_network(stations, [4.0, 2.0], [[0.0, 0.5], [0.0, 0.0]])
    assert net.external_arrival_rate_per_h == 6.0
    assert net.station("a").arrival_rate_per_h == pytest.approx(4.0)
    assert net.station("b").arrival_rate_per_h == pytest.approx(4.0)  # 2 external + half of a
    assert net.station("b").visit_ratio == pytest.approx(4.0 / 6.0)
    assert net.wip_mean == pytest.approx(6.0 * net.cycle_time_mean_h)


def test_rows_short_of_one_leave_the_line() -> None:
    net = jackson_network(LINE[:2], 20.0, [[0.0, 0.7], [0.0, 0.0]])
    assert net.station("annotate").arrival_rate_per_h == pytest.approx(14.0)
    assert net.throughput_per_h == 20.0


def test_unvisited_station_does_not_limit_the_line() -> None:
    stations = [Station("a", 1, 5.0), Station("spare", 1, 0.1)]
    net = jackson_network(stations, 3.0, [[0.0, 0.0], [0.0, 0.0]])
    assert net.stable
    assert net.station("spare").capacity_per_h == math.inf
    assert net.bottleneck.name == "a"


@pytest.mark.parametrize(
    ("stations", "arrivals", "routing", "match"),
    [
        (LINE, 20.0, [[0.0] * 3] * 3, "4x4"),
        (LINE[:2], 20.0, [[0.0, 1.2], [0.0, 0.0]], r"\[0, 1\]"),
        (LINE[:2], 20.0, [[0.6, 0.6], [0.0, 0.0]], "sum"),
        (LINE[:2], 20.0, [[0.0, 1.0], [1.0, 0.0]], "never leave"),
        (LINE[:2], [1.0], [[0.0, 1.0], [0.0, 0.0]], "one rate per station"),
        (LINE[:2], [0.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], "external arrivals"),
        ([LINE[0], LINE[0]], 1.0, [[0.0, 0.0], [0.0, 0.0]], "unique"),
        ([], 1.0, [], "at least one"),
    ],
)
def test_bad_networks_are_rejected(stations, arrivals, routing, match) -> None:
    with pytest.raises(ValueError, match=match):
        jackson_network(stations, arrivals, routing)


def test_station_validates_itself() -> None:
    with pytest.raises(ValueError):
        Station("x", 0, 1.0)
    with pytest.raises(ValueError):
        Station("x", 1, 0.0)
