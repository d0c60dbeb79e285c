"""Closed forms in smartlev.theory checked against independent methods.

Each check uses a different route to the same number: a finely rebalanced portfolio
simulated here with plain numpy (not the engine), numerical integration of a payoff
against the lognormal density, algebraic identities (put-call parity, the option
representation of the structured product), and the exchanges' worked examples.
Monte Carlo checks use fixed seeds and tolerances derived from their standard errors.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from smartlev import theory as th

# the same commit runs the same property-test cases; HYPOTHESIS_PROFILE=explore draws new ones
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

SETTINGS = settings(max_examples=60, deadline=None)


def _simpson(y: np.ndarray, h: float) -> float:
    """Composite Simpson rule on an odd number of equally spaced points."""
    assert len(y) % 2 == 1
    return h / 3 * float(y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())


def _gbm_log_returns(
    paths: int, steps: int, years: float, mu: float, sigma: float, seed: int
) -> np.ndarray:
    """Exact GBM log returns, shape (paths, steps)."""
    rng = np.random.default_rng(seed)
    dt = years / steps
    z = rng.standard_normal((paths, steps))
    return (mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z


def _rebalanced_log_nav(
    log_returns: np.ndarray, leverage: float, years: float, fee: float, rate: float
) -> np.ndarray:
    """log(V_T/V_0) of a portfolio reset to `leverage` x NAV at every step.

    Over one step the exposure L*V earns the price return R and the rest, (1 - L)*V,
    earns (or pays) interest; the fee is charged continuously.
    """
    steps = log_returns.shape[1]
    dt = years / steps
    growth = 1.0 + leverage * np.expm1(log_returns) + (1.0 - leverage) * math.expm1(rate * dt)
    assert (growth > 0).all()
    return np.log(growth).sum(axis=1) - fee * years


# ------------------------------------------------------------------ letf_ratio
MC_PATHS, MC_STEPS, MC_YEARS, MC_MU, MC_SIGMA = 64, 20_000, 0.5, 0.1, 0.8


@pytest.fixture(scope="module")
def fine_paths() -> np.ndarray:
    return _gbm_log_returns(MC_PATHS, MC_STEPS, MC_YEARS, MC_MU, MC_SIGMA, seed=20240601)


@pytest.mark.parametrize("leverage", [-1.0, 2.0, 3.0])
def test_letf_ratio_matches_finely_rebalanced_portfolio(fine_paths, leverage):
    fee, rate = 0.02, 0.05
    lr = fine_paths
    price_ratio = np.exp(lr.sum(axis=1))
    nav = np.exp(_rebalanced_log_nav(lr, leverage, MC_YEARS, fee, rate))

    # Path by path, with each path's own realised variance: the formula drops terms of
    # third order in the step log returns l, c_L * sum(l^3) with
    # c_L = L (2L - 1)(L - 1) / 6, whose standard deviation is
    # |c_L| sqrt(15) sigma^3 T^1.5 / n (about 3.5e-5 |c_L| here). Allow 10 of those.
    realised_sigma = np.sqrt((lr**2).sum(axis=1) / MC_YEARS)
    closed = th.letf_ratio(price_ratio, leverage, realised_sigma, MC_YEARS, fee, rate)
    c3 = abs(leverage * (2 * leverage - 1) * (leverage - 1) / 6)
    sd3 = c3 * math.sqrt(15) * MC_SIGMA**3 * MC_YEARS**1.5 / MC_STEPS
    assert_allclose(nav, closed, rtol=10 * sd3 + 1e-5)

    # With the model volatility the gap is -(L^2 - L)/2 (QV - sigma^2 T): mean ~ 0,
    # standard deviation (L^2 - L)/2 sigma^2 T sqrt(2/n) per path. Allow 4 standard
    # errors of the mean over paths.
    model = th.letf_ratio(price_ratio, leverage, MC_SIGMA, MC_YEARS, fee, rate)
    gap = np.log(nav / model)
    sd = 0.5 * (leverage**2 - leverage) * MC_SIGMA**2 * MC_YEARS * math.sqrt(2 / MC_STEPS)
    assert abs(gap.mean()) < 4 * sd / math.sqrt(MC_PATHS) + 10 * sd3


def test_letf_ratio_leverage_one_is_the_price_ratio():
    x = np.array([0.2, 0.9, 1.0, 1.7, 40.0])
    assert_allclose(th.letf_ratio(x, 1.0, 0.9, 2.0, rate=0.07), x, rtol=1e-15)
    assert th.letf_ratio(1.25, 1.0, 0.8, 1.0) == 1.25
    # a fee is the only drag left at 1x
    assert_allclose(th.letf_ratio(x, 1.0, 0.9, 2.0, fee=0.0365), x * math.exp(-0.073))


@SETTINGS
@given(
    x=st.floats(0.01, 100.0),
    lev=st.floats(-5.0, 5.0),
    sigma=st.floats(0.0, 3.0),
    years=st.floats(0.0, 3.0),
)
def test_letf_ratio_factorises_into_price_power_and_decay(x, lev, sigma, years):
    assert_allclose(
        th.letf_ratio(x, lev, sigma, years),
        x**lev * th.volatility_decay(lev, sigma, years),
        rtol=1e-12,
    )


def test_volatility_decay_values():
    assert th.volatility_decay(3.0, 0.8, 1.0) == pytest.approx(math.exp(-1.92), rel=1e-15)
    assert th.volatility_decay(1.0, 2.0, 5.0) == 1.0
    assert th.volatility_decay(0.0, 2.0, 5.0) == 1.0
    assert th.volatility_decay(0.5, 0.8, 1.0) > 1.0  # under-leverage gains from rebalancing
    assert th.volatility_decay(-1.0, 0.8, 1.0) < th.volatility_decay(2.0, 0.8, 1.0) + 1e-15


def test_fee_per_day_converts_to_annual_rate():
    # 0.01%/day for a year, charged daily, vs the continuous annual rate -365 log(1 - d)
    d = 0.0001
    assert_allclose(
        th.letf_ratio(1.0, 1.0, 0.0, 1.0, fee=-365 * math.log1p(-d)), (1 - d) ** 365, rtol=1e-14
    )


# ------------------------------------------------------- median / mean / Kelly
@pytest.fixture(scope="module")
def year_paths() -> np.ndarray:
    return _gbm_log_returns(4000, 500, 1.0, 0.3, 0.6, seed=7)


@pytest.mark.parametrize("leverage", [0.5, 1.0, 2.0, 3.0])
def test_median_growth_matches_simulated_median(year_paths, leverage):
    mu, sigma, rate, fee = 0.3, 0.6, 0.03, 0.01
    log_nav = _rebalanced_log_nav(year_paths, leverage, 1.0, fee, rate)
    g = th.median_growth_rate(leverage, mu, sigma, rate, fee)
    # log NAV is normal with sd L sigma sqrt(T); the sample median's standard error is
    # sqrt(pi/2) sd / sqrt(n). Daily-ish steps (500) add a bias below 0.01.
    se = math.sqrt(math.pi / 2) * leverage * sigma / math.sqrt(len(log_nav))
    assert abs(np.median(log_nav) - g) < 4 * se + 0.01
    # and the sample mean of log NAV estimates the same number
    assert abs(log_nav.mean() - g) < 4 * leverage * sigma / math.sqrt(len(log_nav)) + 0.01


@pytest.mark.parametrize("leverage", [0.5, 1.0, 2.0, 3.0])
def test_mean_growth_matches_simulated_mean_nav(year_paths, leverage):
    mu, sigma, rate, fee = 0.3, 0.6, 0.03, 0.01
    nav = np.exp(_rebalanced_log_nav(year_paths, leverage, 1.0, fee, rate))
    expected = math.exp(th.mean_growth_rate(leverage, mu, sigma, rate, fee))
    se = nav.std(ddof=1) / math.sqrt(len(nav))
    assert abs(nav.mean() - expected) < 4 * se + 0.005 * expected


def test_mean_minus_median_is_half_the_variance():
    lev = np.linspace(-3, 5, 17)
    gap = th.mean_growth_rate(lev, 0.2, 0.7, 0.04, 0.01) - th.median_growth_rate(
        lev, 0.2, 0.7, 0.04, 0.01
    )
    assert_allclose(gap, 0.5 * lev**2 * 0.49, rtol=1e-13, atol=1e-15)


@SETTINGS
@given(mu=st.floats(-0.5, 1.5), sigma=st.floats(0.1, 2.0), rate=st.floats(-0.02, 0.1))
def test_kelly_maximises_median_growth_on_a_grid(mu, sigma, rate):
    k = th.kelly_leverage(mu, sigma, rate)
    grid = np.linspace(k - 3.0, k + 3.0, 6001)  # step 0.001
    g = th.median_growth_rate(grid, mu, sigma, rate, fee=0.01)
    assert abs(grid[np.argmax(g)] - k) <= 0.001
    # twice the Kelly leverage grows like cash
    assert_allclose(
        th.median_growth_rate(2 * k, mu, sigma, rate, 0.01),
        th.median_growth_rate(0.0, mu, sigma, rate, 0.01),
        atol=1e-12,
    )


def test_kelly_maximises_simulated_growth(year_paths):
    # same paths for every leverage (common random numbers); sample estimate of the
    # optimum has standard error about sigma / sqrt(n) / sigma^2 = 0.026 here, and the
    # grid step is 0.1.
    lev = np.arange(0.4, 2.0001, 0.1)
    growth = [_rebalanced_log_nav(year_paths, x, 1.0, 0.0, 0.0).mean() for x in lev]
    best = lev[int(np.argmax(growth))]
    assert abs(best - th.kelly_leverage(0.3, 0.6)) < 0.15


# ---------------------------------------------------------- liquidation prices
@pytest.mark.parametrize("leverage", [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 125.0])
@pytest.mark.parametrize("mmr", [0.0, 0.004, 0.005])
@pytest.mark.parametrize("side", ["long", "short"])
def test_equity_equals_maintenance_margin_at_liquidation(leverage, mmr, side):
    entry, qty = 43_210.0, 0.37
    margin = qty * entry / leverage
    sign = 1.0 if side == "long" else -1.0

    p = th.liquidation_price(entry, leverage, side, mmr)  # Binance: mmr on mark value
    equity = margin + sign * qty * (p - entry)
    assert_allclose(equity, mmr * qty * p, rtol=1e-12, atol=1e-9 * margin)

    p = th.bybit_liquidation_price(entry, leverage, side, mmr)  # Bybit: mmr on entry value
    equity = margin + sign * qty * (p - entry)
    assert_allclose(equity, mmr * qty * entry, rtol=1e-12, atol=1e-9 * margin)


def test_liquidation_worked_examples():
    # BTC at 50,000, 10x, first-tier maintenance 0.4% (Binance) / 0.5% (Bybit):
    # 50000 * 0.9 / 0.996, 50000 * 1.1 / 1.004, 50000 * (1 - 0.1 + 0.005), ...
    assert th.liquidation_price(50_000, 10, "long", 0.004) == pytest.approx(45180.7228915663)
    assert th.liquidation_price(50_000, 10, "short", 0.004) == pytest.approx(54780.8764940239)
    assert th.bybit_liquidation_price(50_000, 10, "long", 0.005) == pytest.approx(45250.0)
    assert th.bybit_liquidation_price(50_000, 10, "short", 0.005) == pytest.approx(54750.0)
    # without maintenance margin a 1x long is never liquidated and 100x dies at -1%
    assert th.liquidation_price(100.0, 1.0, "long", 0.0) == 0.0
    assert th.liquidation_price(100.0, 100.0, "long", 0.0) == pytest.approx(99.0)


def test_liquidation_gets_closer_with_leverage():
    lev = np.array([2.0, 5.0, 10.0, 50.0, 125.0])
    long = th.liquidation_price(1.0, lev, "long")
    short = th.liquidation_price(1.0, lev, "short")
    assert (np.diff(long) > 0).all() and (long < 1).all()
    assert (np.diff(short) < 0).all() and (short > 1).all()


@pytest.mark.parametrize("fn", [th.liquidation_price, th.bybit_liquidation_price])
@pytest.mark.parametrize(
    ("kwargs", "exc", "pattern"),
    [
        ({"leverage": 0.0}, ValueError, r"leverage must be in \(0, 125\], got 0.0"),
        ({"leverage": -5.0}, ValueError, r"leverage must be in \(0, 125\], got -5.0"),
        ({"leverage": 150.0}, ValueError, r"leverage must be in \(0, 125\], got 150.0"),
        ({"maintenance_margin": 0.1}, ValueError, r"maintenance_margin must be < 1/leverage"),
        ({"maintenance_margin": 0.25}, ValueError, r"maintenance_margin.*got 0.25"),
        ({"maintenance_margin": -0.01}, ValueError, r"maintenance_margin must be in \[0, 1\)"),
        ({"side": "buy"}, ValueError, r"side must be one of 'long', 'short', got 'buy'"),
        ({"entry": float("nan")}, ValueError, r"entry must be a finite number, got nan"),
        ({"entry": -1.0}, ValueError, r"entry must be in \(0, inf\], got -1.0"),
        ({"entry": "50000"}, TypeError, r"entry must be a real number"),
        ({"leverage": True}, TypeError, r"leverage must be a real number"),
        ({"entry": [1.0, np.nan]}, ValueError, r"entry must be finite, got nan at index \(1,\)"),
    ],
)
def test_liquidation_bad_inputs_name_the_parameter(fn, kwargs, exc, pattern):
    args = {"entry": 50_000.0, "leverage": 10.0, "side": "long", "maintenance_margin": 0.004}
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        fn(**args)


def test_liquidation_array_maintenance_check_reports_the_offender():
    with pytest.raises(ValueError, match=r"leverage 50 at index \(2,\)"):
        th.liquidation_price(100.0, [2.0, 10.0, 50.0], "long", 0.02)


# --------------------------------------------------------------- Black-Scholes
def _lognormal_expectation(payoff, spot, sigma, years, rate, z_lo, z_hi, n=200_001):
    """e^{-rT} E[payoff(S_T)] by Simpson's rule over the normal variable z.

    The payoff must be smooth on [z_lo, z_hi] (put the kink at an end); Simpson's
    error is then O(h^4), about 1e-12 relative with 200,001 points.
    """
    z, h = np.linspace(z_lo, z_hi, n, retstep=True)
    s_t = spot * np.exp((rate - 0.5 * sigma**2) * years + sigma * math.sqrt(years) * z)
    density = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return math.exp(-rate * years) * _simpson(payoff(s_t) * density, h)


BS_CASES = [
    # spot, strike, sigma, years, rate
    (100.0, 100.0, 0.2, 1.0, 0.05),
    (1.0, 0.7, 0.8, 7 / 365, 0.0),
    (1.0, 1.3, 1.2, 0.25, 0.02),
    (50_000.0, 45_000.0, 0.6, 30 / 365, -0.01),
    (3.0, 2.0, 0.05, 2.0, 0.1),
    (1.0, 0.99, 0.8, 1 / 365, 0.0),
]


@pytest.mark.parametrize(("spot", "strike", "sigma", "years", "rate"), BS_CASES)
def test_black_scholes_matches_numerical_integration(spot, strike, sigma, years, rate):
    sd = sigma * math.sqrt(years)
    # the payoff's kink sits at z*; integrate each smooth side separately
    z_star = (math.log(strike / spot) - (rate - 0.5 * sigma**2) * years) / sd
    call = _lognormal_expectation(
        lambda s: np.maximum(s - strike, 0.0), spot, sigma, years, rate, z_star, z_star + 40
    )
    put = _lognormal_expectation(
        lambda s: np.maximum(strike - s, 0.0), spot, sigma, years, rate, z_star - 40, z_star
    )
    assert_allclose(th.black_scholes_call(spot, strike, sigma, years, rate), call, rtol=1e-9)
    assert_allclose(th.black_scholes_put(spot, strike, sigma, years, rate), put, rtol=1e-9)


@SETTINGS
@given(
    spot=st.floats(0.01, 1e5),
    moneyness=st.floats(0.2, 5.0),
    sigma=st.floats(0.0, 3.0),
    years=st.floats(0.0, 5.0),
    rate=st.floats(-0.05, 0.2),
)
def test_put_call_parity(spot, moneyness, sigma, years, rate):
    strike = spot * moneyness
    call = th.black_scholes_call(spot, strike, sigma, years, rate)
    put = th.black_scholes_put(spot, strike, sigma, years, rate)
    assert call >= 0 and put >= 0
    assert_allclose(
        call - put, spot - strike * math.exp(-rate * years), atol=1e-12 * (spot + strike)
    )


def test_black_scholes_limits_are_intrinsic_value():
    k = np.array([80.0, 100.0, 120.0])
    assert_allclose(th.black_scholes_call(100.0, k, 0.5, 0.0), [20.0, 0.0, 0.0])
    assert_allclose(th.black_scholes_put(100.0, k, 0.0, 1.0), [0.0, 0.0, 20.0])
    disc = math.exp(-0.05)
    assert_allclose(th.black_scholes_call(100.0, k, 0.0, 1.0, 0.05), np.maximum(100 - k * disc, 0))


def test_black_scholes_reference_value():
    # Hull's textbook example family: S = K = 100, sigma 20%, 1 year, r 5%
    assert th.black_scholes_call(100.0, 100.0, 0.2, 1.0, 0.05) == pytest.approx(
        10.450583572185565, rel=1e-13
    )


# -------------------------------------------------- fixed-term structured product
@SETTINGS
@given(
    s=st.floats(0.01, 10.0),
    gap=st.floats(0.0, 0.5),
    lev=st.floats(1.0, 200.0),
    principal=st.floats(0.01, 1e6),
    side=st.sampled_from(["long", "short"]),
)
def test_structured_payoff_is_an_option(s, gap, lev, principal, side):
    entry = 1.0
    b = entry * (1 + gap) if side == "long" else entry / (1 + gap)
    pay = th.structured_payoff(s, entry, b, lev, principal, side)
    if side == "long":
        as_option = principal * lev / b * max(s - b * (1 - 1 / lev), 0.0)
    else:
        as_option = principal * lev / b * max(b * (1 + 1 / lev) - s, 0.0)
    assert_allclose(pay, as_option, rtol=1e-12, atol=1e-12 * principal * lev)
    assert pay >= 0.0
    # at the breakeven you get your principal back
    assert_allclose(th.structured_payoff(b, entry, b, lev, principal, side), principal)


@SETTINGS
@given(
    s=st.floats(0.01, 10.0),
    b=st.floats(0.5, 2.0),
    lev=st.floats(1.0, 200.0),
    side=st.sampled_from(["long", "short"]),
)
def test_structured_value_at_expiry_is_the_payoff(s, b, lev, side):
    entry = min(b, 1.0) if side == "long" else max(b, 1.0)
    assert_allclose(
        th.structured_value(s, b, lev, 0.8, 0.0, principal=2.0, side=side),
        th.structured_payoff(s, entry, b, lev, 2.0, side),
        rtol=1e-12,
        atol=1e-12 * lev,
    )


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize(("lev", "b"), [(3.0, 1.01), (20.0, 1.04), (100.0, 1.12)])
def test_structured_value_matches_integrated_payoff(side, lev, b):
    b = b if side == "long" else 1 / b
    sigma, years, rate = 0.8, 7 / 365, 0.03
    k = b * (1 - 1 / lev) if side == "long" else b * (1 + 1 / lev)
    sd = sigma * math.sqrt(years)
    z_star = (math.log(k) - (rate - 0.5 * sigma**2) * years) / sd
    lo, hi = (z_star, z_star + 40) if side == "long" else (z_star - 40, z_star)
    entry = 1.0

    def payoff(s):
        return th.structured_payoff(s, entry, b, lev, 1.0, side)

    direct = _lognormal_expectation(payoff, 1.0, sigma, years, rate, lo, hi)
    value = th.structured_value(1.0, b, lev, sigma, years, side=side, rate=rate)
    assert_allclose(value, direct, rtol=1e-9)


@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize(
    ("lev", "sigma", "days", "rate"),
    [(3.0, 0.8, 7.0, 0.0), (10.0, 0.6, 30.0, 0.04), (100.0, 0.8, 1.0, 0.0), (1.5, 1.5, 90, 0)],
)
def test_structured_breakeven_solves_its_equation(side, lev, sigma, days, rate):
    b = th.structured_breakeven(lev, sigma, days, side, rate)
    years = days / 365
    if side == "long":
        assert b > 1.0
        opt = th.black_scholes_call(1.0, b * (1 - 1 / lev), sigma, years, rate)
    else:
        assert b < 1.0
        opt = th.black_scholes_put(1.0, b * (1 + 1 / lev), sigma, years, rate)
    assert_allclose(b / lev, opt, rtol=1e-12)
    assert_allclose(th.structured_value(1.0, b, lev, sigma, years, side=side, rate=rate), 1.0)


@SETTINGS
@given(
    lev=st.floats(1.0, 200.0),
    sigma=st.floats(0.0, 3.0),
    days=st.floats(0.0, 365.0),
    rate=st.floats(0.0, 0.1),
    side=st.sampled_from(["long", "short"]),
)
def test_structured_breakeven_fair_for_random_terms(lev, sigma, days, rate, side):
    b = th.structured_breakeven(lev, sigma, days, side, rate)
    assert b >= 1.0 if side == "long" else 0.0 < b
    value = th.structured_value(1.0, b, lev, sigma, days / 365, side=side, rate=rate)
    assert_allclose(value, 1.0, atol=1e-10)


@pytest.mark.parametrize("side", ["long", "short"])
def test_fair_breakeven_makes_expected_payoff_equal_principal(side):
    # independent of Black-Scholes: risk-neutral Monte Carlo of the payoff itself
    lev, sigma, days = 20.0, 0.8, 7.0
    b = th.structured_breakeven(lev, sigma, days, side)
    years = days / 365
    z = np.random.default_rng(3).standard_normal(400_000)
    s_t = np.exp(-0.5 * sigma**2 * years + sigma * math.sqrt(years) * z)
    pay = th.structured_payoff(s_t, 1.0, b, lev, 1.0, side)
    se = pay.std(ddof=1) / math.sqrt(len(pay))
    assert abs(pay.mean() - 1.0) < 4 * se


def test_structured_breakeven_monotone_and_plausible():
    sigmas = np.linspace(0.2, 1.5, 14)
    days = np.array([1.0, 3.0, 7.0, 14.0, 30.0, 90.0])
    assert (np.diff(th.structured_breakeven(20.0, sigmas, 7.0)) > 0).all()
    assert (np.diff(th.structured_breakeven(20.0, 0.8, days)) > 0).all()
    assert (np.diff(th.structured_breakeven(20.0, sigmas, 7.0, "short")) < 0).all()
    assert (np.diff(th.structured_breakeven(20.0, 0.8, days, "short")) < 0).all()
    lev = np.array([2.0, 3.0, 5.0, 10.0, 50.0, 200.0])
    assert (np.diff(th.structured_breakeven(lev, 0.8, 7.0)) > 0).all()
    # magnitudes at 80% volatility: a 3x week barely costs anything (ruin needs -33%),
    # 3x for a month costs ~0.3%, 100x for a week needs a ~12% rally
    assert 0 < th.structured_breakeven(3.0, 0.8, 7.0) - 1 < 1e-4
    assert 0.002 < th.structured_breakeven(3.0, 0.8, 30.0) - 1 < 0.005
    assert 0.10 < th.structured_breakeven(100.0, 0.8, 7.0) - 1 < 0.14
    # no volatility, no interest: no premium
    assert th.structured_breakeven(10.0, 0.0, 7.0) == 1.0
    assert th.structured_breakeven(10.0, 0.8, 0.0, "short") == 1.0


def test_structured_breakeven_vectorised_equals_scalar_calls():
    lev = np.array([[2.0], [10.0], [100.0]])
    sig = np.array([0.4, 0.8])
    grid = th.structured_breakeven(lev, sig, 7.0)
    assert grid.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            assert grid[i, j] == pytest.approx(
                th.structured_breakeven(float(lev[i, 0]), float(sig[j]), 7.0), rel=1e-13
            )


def test_structured_breakeven_short_without_solution_raises():
    with pytest.raises(ValueError, match="rate"):
        th.structured_breakeven(1.0, 0.5, 3650.0, "short", rate=0.2)


@pytest.mark.parametrize("side", ["long", "short"])
def test_effective_leverage_is_the_elasticity(side):
    lev, sigma, years = 10.0, 0.8, 7 / 365
    b = th.structured_breakeven(lev, sigma, 7.0, side)
    spots = np.array([0.9, 0.95, 1.0, 1.05, 1.1])
    h = 1e-5
    up = th.structured_value(spots * (1 + h), b, lev, sigma, years, side=side)
    down = th.structured_value(spots * (1 - h), b, lev, sigma, years, side=side)
    mid = th.structured_value(spots, b, lev, sigma, years, side=side)
    numeric = (up - down) / (2 * h * mid)
    eff = th.structured_effective_leverage(spots, b, lev, sigma, years, side)
    assert_allclose(eff, numeric, rtol=1e-6)
    if side == "long":
        assert (np.diff(eff) < 0).all() and (eff > 1).all()
    else:
        assert (eff < 0).all()


def test_effective_leverage_deep_out_of_the_money_is_infinite():
    assert th.structured_effective_leverage(0.01, 1.0, 100.0, 0.1, 1 / 365) == math.inf
    assert th.structured_effective_leverage(100.0, 1.0, 100.0, 0.1, 1 / 365, "short") == -math.inf


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: th.structured_payoff(1.0, 1.0, 0.98, 3.0), "breakeven must be >= entry_price"),
        (lambda: th.structured_payoff(1.0, 1.0, 1.02, 3.0, side="short"), "breakeven must be <="),
        (lambda: th.structured_payoff(1.0, 1.0, 1.02, 0.5), r"leverage must be in \[1, inf\]"),
        (lambda: th.structured_payoff(-1.0, 1.0, 1.02, 3.0), "settlement_price"),
        (lambda: th.structured_value(1.0, 1.02, 3.0, -0.1, 0.1), "sigma"),
        (lambda: th.structured_value(1.0, 1.02, 3.0, 0.8, 0.1, principal=0), "principal"),
        (lambda: th.structured_breakeven(3.0, 0.8, -1.0), "days"),
        (lambda: th.structured_breakeven(3.0, 11.0, 7.0), r"sigma must be in \[0, 10\]"),
        (lambda: th.structured_breakeven(3.0, 0.8, 7.0, side="up"), "side"),
        (lambda: th.structured_effective_leverage(1.0, 1.0, 3.0, 0.8, 0.0), "years"),
    ],
)
def test_structured_bad_inputs(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


# ------------------------------------------------------------------------ CPPI
def test_cppi_exposure_and_gap():
    assert th.cppi_exposure(1.0, 0.75, 4.0) == 1.0
    assert th.cppi_exposure(0.7, 0.75, 4.0) == 0.0
    assert_allclose(th.cppi_exposure([1.2, 0.9], 0.8, 3.0), [1.2, 0.3])
    assert th.cppi_gap_breaks_floor(4.0) == 0.25

    # one rebalanced step with a drop just beyond / just within 1/m
    nav, floor, m = 1.0, 0.8, 5.0
    gap = th.cppi_gap_breaks_floor(m)
    exposure = th.cppi_exposure(nav, floor, m)
    assert nav - exposure * (gap + 1e-9) < floor
    assert nav - exposure * (gap - 1e-9) > floor


def test_cppi_cushion_is_a_leveraged_token(fine_paths):
    # rebalanced to m x cushion at every step, the cushion behaves like L = m
    m, floor = 3.0, 0.7
    lr, years = fine_paths[:8, :5000], MC_YEARS / 4
    growth = np.expm1(lr)
    nav = np.ones(lr.shape[0])
    for k in range(lr.shape[1]):
        nav = nav + th.cppi_exposure(nav, floor, m) * growth[:, k]
    realised_sigma = np.sqrt((lr**2).sum(axis=1) / years)
    cushion = th.letf_ratio(np.exp(lr.sum(axis=1)), m, realised_sigma, years)
    assert_allclose((nav - floor) / (1.0 - floor), cushion, rtol=3e-3)


def test_cppi_bad_inputs():
    with pytest.raises(ValueError, match=r"multiplier must be in \(0, inf\], got 0"):
        th.cppi_gap_breaks_floor(0)
    with pytest.raises(ValueError, match="floor"):
        th.cppi_exposure(1.0, -0.1, 3.0)


# ---------------------------------------------------------- realised volatility
def test_realised_volatility_recovers_gbm_sigma():
    lr = _gbm_log_returns(4, 24 * 365, 1.0, 0.0, 0.7, seed=11)
    prices = 100 * np.exp(np.concatenate([np.zeros((4, 1)), lr.cumsum(axis=1)], axis=1))
    est = th.realised_volatility(prices, steps_per_day=24)
    assert est.shape == (4,)
    # relative standard error of a variance-based estimate: sqrt(1/(2n)) ~ 0.0076
    assert_allclose(est, 0.7, rtol=4 * math.sqrt(1 / (2 * lr.shape[1])))


def test_realised_volatility_matches_hand_formula_and_types():
    p = [100.0, 105.0, 99.0, 102.0, 101.0]
    x = np.diff(np.log(p))
    hand = math.sqrt(((x - x.mean()) ** 2).sum() / (len(x) - 1) * 365)
    assert isinstance(th.realised_volatility(p), float)
    assert th.realised_volatility(p) == pytest.approx(hand, rel=1e-14)
    assert th.realised_volatility(pd.Series(p)) == pytest.approx(hand, rel=1e-14)
    frame = pd.DataFrame({"a": p, "b": p})
    assert_allclose(th.realised_volatility(frame), [hand, hand], rtol=1e-14)
    assert th.realised_volatility(p, steps_per_day=4) == pytest.approx(2 * hand)
    pop = math.sqrt(((x - x.mean()) ** 2).mean() * 365)
    assert th.realised_volatility(p, ddof=0) == pytest.approx(pop, rel=1e-14)


@pytest.mark.parametrize(
    ("args", "exc", "pattern"),
    [
        (([100.0, 101.0],), ValueError, "at least 3 points"),
        (([100.0, -1.0, 100.0],), ValueError, "prices must be finite and > 0"),
        (([100.0, 101.0, 100.0], 0), ValueError, "steps_per_day"),
        (([100.0, 101.0, 100.0], 1.5), TypeError, "steps_per_day must be an integer"),
        (("prices",), TypeError, "prices"),
    ],
)
def test_realised_volatility_bad_inputs(args, exc, pattern):
    with pytest.raises(exc, match=pattern):
        th.realised_volatility(*args)


# ------------------------------------------------------ shapes and return types
SCALAR_CALLS = [
    (th.letf_ratio, (1.1, 3.0, 0.8, 1.0, 0.01, 0.02)),
    (th.volatility_decay, (3.0, 0.8, 1.0)),
    (th.median_growth_rate, (3.0, 0.2, 0.8, 0.02, 0.01)),
    (th.mean_growth_rate, (3.0, 0.2, 0.8, 0.02, 0.01)),
    (th.kelly_leverage, (0.2, 0.8, 0.02)),
    (th.liquidation_price, (50_000.0, 10.0)),
    (th.bybit_liquidation_price, (50_000.0, 10.0)),
    (th.black_scholes_call, (1.0, 1.1, 0.8, 0.1, 0.01)),
    (th.black_scholes_put, (1.0, 1.1, 0.8, 0.1, 0.01)),
    (th.structured_payoff, (1.1, 1.0, 1.02, 5.0)),
    (th.structured_value, (1.0, 1.02, 5.0, 0.8, 0.02)),
    (th.structured_breakeven, (5.0, 0.8, 7.0)),
    (th.structured_effective_leverage, (1.0, 1.02, 5.0, 0.8, 0.02)),
    (th.cppi_exposure, (1.0, 0.8, 4.0)),
    (th.cppi_gap_breaks_floor, (4.0,)),
]


@pytest.mark.parametrize(("fn", "args"), SCALAR_CALLS, ids=lambda v: getattr(v, "__name__", ""))
def test_scalar_in_float_out_array_in_array_out(fn, args):
    out = fn(*args)
    assert type(out) is float and math.isfinite(out)
    assert type(fn(*[np.float64(a) for a in args])) is float
    # first argument as a (2, 3) array: same shape back, each entry the scalar answer
    first = np.full((2, 3), args[0])
    arr = fn(first, *args[1:])
    assert isinstance(arr, np.ndarray) and arr.shape == (2, 3)
    assert_allclose(arr, out, rtol=1e-14)
    # a list broadcasts too
    assert fn([args[0]] * 4, *args[1:]).shape == (4,)


def test_shapes_that_do_not_broadcast_name_the_arguments():
    with pytest.raises(ValueError, match=r"price_ratio \(2,\), leverage \(3,\)"):
        th.letf_ratio([1.0, 2.0], [1.0, 2.0, 3.0], 0.5, 1.0)


def test_public_names():
    assert sorted(th.__all__) == sorted(
        name
        for name in dir(th)
        if callable(getattr(th, name))
        and not name.startswith("_")
        and getattr(th, name).__module__ == th.__name__
    )
    for name in th.__all__:
        doc = getattr(th, name).__doc__
        for section in ("Parameters", "Returns", "Notes", "References", "Examples"):
            assert section in doc, (name, section)
