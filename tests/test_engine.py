"""The kernel checked three ways: against closed forms, against a plain per-path loop,
and against multi-day examples computed by hand."""

from __future__ import annotations

import os

import numpy as np
import pytest
from numpy.testing import assert_allclose

import smartlev as sl
from smartlev.reference import simulate_path


def random_prices(paths=8, steps=200, sigma=0.05, seed=0, start=100.0):
    rng = np.random.default_rng(seed)
    lr = rng.standard_normal((paths, steps)) * sigma
    return start * np.exp(np.concatenate([np.zeros((paths, 1)), np.cumsum(lr, axis=1)], axis=1))


# ----------------------------------------------------------- hand-computed examples
def test_token_multi_day_hand_example():
    # +10 %, -10 %, +5 %: the 3x token compounds (1.3)(0.7)(1.15), not 1 + 3 x total
    m = sl.Market.from_prices([100.0, 110.0, 99.0, 103.95])
    r = sl.simulate(sl.LeveragedToken(3.0), m)
    assert_allclose(r.nav[0], [1.0, 1.3, 1.3 * 0.7, 1.3 * 0.7 * 1.15])
    underlying = 103.95 / 100 - 1
    assert r.final_nav[0] - 1 == pytest.approx(0.0465, abs=1e-12)
    assert 3 * underlying == pytest.approx(0.1185)


def test_inverse_token_hand_example():
    m = sl.Market.from_prices([100.0, 90.0, 99.0])
    r = sl.simulate(sl.LeveragedToken(-2.0), m)
    assert_allclose(r.nav[0], [1.0, 1.2, 1.2 * 0.8])
    assert_allclose(r.leverage[0], -2.0)


def test_token_within_one_rebalance_period_is_exactly_L_times():
    # hourly steps, daily rebalance: at each day's end NAV ratio = 1 + L x daily return
    p = random_prices(paths=3, steps=24 * 5, sigma=0.01, seed=4)
    m = sl.Market.from_prices(p, steps_per_day=24)
    r = sl.simulate(sl.LeveragedToken(3.0), m)
    days = p[:, ::24]
    expected = np.cumprod(1 + 3 * (days[:, 1:] / days[:, :-1] - 1), axis=1)
    assert_allclose(r.nav[:, 24::24], expected, rtol=1e-12)


def test_management_fee_per_day():
    m = sl.Market.from_prices(np.full(11, 100.0))
    r = sl.simulate(sl.LeveragedToken(3.0, management_fee=0.001), m)
    assert r.final_nav[0] == pytest.approx(0.999**10, rel=1e-12)
    assert r.fees_paid[0] == pytest.approx(1 - 0.999**10, rel=1e-12)


def test_funding_every_8_hours():
    # hourly steps over 2 days: 6 funding times; flat price -> notional stays 10
    m = sl.Market.from_prices(np.full(49, 100.0), steps_per_day=24)
    r = sl.simulate(sl.Perpetual(10.0, funding_rate=0.0001), m)
    assert r.funding_paid[0] == pytest.approx(6 * 10 * 0.0001)
    short = sl.simulate(sl.Perpetual(10.0, side="short", funding_rate=0.0001), m)
    assert short.funding_paid[0] == pytest.approx(-6 * 10 * 0.0001)
    daily = sl.simulate(sl.Perpetual(10.0, funding_rate=0.0001), sl.Market.from_prices([1, 1, 1]))
    assert daily.funding_paid[0] == pytest.approx(6 * 10 * 0.0001)


# -------------------------------------------------------------------- perpetuals
@pytest.mark.parametrize("side", ["long", "short"])
@pytest.mark.parametrize("lev", [2.0, 10.0, 50.0, 125.0])
@pytest.mark.parametrize("mmr", [0.0, 0.004, 0.005])
def test_perpetual_liquidates_exactly_at_formula_price(side, lev, mmr):
    if mmr >= 1 / lev:
        pytest.skip("liquidated at entry")
    lp = sl.theory.liquidation_price(100.0, lev, side=side, maintenance_margin=mmr)
    eps = 1e-9 * 100
    toward = -1 if side == "long" else 1
    # a path that stops just short of the price, and one that just crosses it
    short_of = sl.Market.from_prices([100.0, lp - toward * eps, 100.0])
    crosses = sl.Market.from_prices([100.0, lp + toward * eps, 100.0])
    p = sl.Perpetual(lev, side=side, maintenance_margin=mmr)
    assert not sl.simulate(p, short_of).liquidated[0]
    r = sl.simulate(p, crosses)
    assert r.liquidated[0] and r.event_step[0] == 1
    assert r.nav[0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    # equity at the formula price equals maintenance margin
    x = lp / 100.0
    sgn = 1 if side == "long" else -1
    assert 1 + sgn * lev * (x - 1) == pytest.approx(mmr * lev * x, abs=1e-9)


def test_perpetual_tiers_raise_maintenance_for_big_positions():
    prices = [100.0, 91.5, 100.0]
    small = sl.Perpetual(10.0, tiers=sl.BINANCE_BTCUSDT_TIERS, margin=1_000)
    big = sl.Perpetual(10.0, tiers=sl.BINANCE_BTCUSDT_TIERS, margin=2_000_000)
    m = sl.Market.from_prices(prices)
    assert not sl.simulate(small, m).liquidated[0]
    assert sl.simulate(big, m).liquidated[0]  # 2.5 % maintenance on 20M notional


# ------------------------------------------------------------------ closed forms
def test_token_matches_avellaneda_zhang_closed_form():
    # fine rebalancing (every step, 96 a day): NAV ~ (S_T/S_0)^L exp(-(L^2-L)/2 sigma^2 T)
    sigma, days, spd = 0.8, 60, 96
    m = sl.scenarios.gbm(mu=0.0, sigma=sigma, days=days, steps_per_day=spd, paths=400, seed=11)
    lev = 3.0
    r = sl.simulate(sl.LeveragedToken(lev, rebalance_every_days=1 / spd), m, history=False)
    ratio = m.prices[:, -1] / m.prices[:, 0]
    # use the realised quadratic variation of each path in the closed form
    qv = (m.log_returns**2).sum(axis=1)
    expected = ratio**lev * np.exp(-(lev**2 - lev) / 2 * qv)
    # discretisation error per path is small; compare medians and each path loosely
    assert_allclose(r.final_nav, expected, rtol=0.03)
    assert np.median(r.final_nav / expected) == pytest.approx(1.0, abs=0.003)
    theory = sl.theory.letf_ratio(ratio, lev, sigma, days / 365)
    assert np.median(r.final_nav / theory) == pytest.approx(1.0, abs=0.02)


def test_volatility_decay_when_price_returns_to_start():
    m = sl.scenarios.bridge(end_price=100.0, sigma=0.8, days=90, steps_per_day=24, paths=300,
                            seed=2)
    r = sl.simulate(sl.LeveragedToken(3.0, rebalance_every_days=1 / 24), m, history=False)
    decay = sl.theory.volatility_decay(3.0, 0.8, 90 / 365)
    assert (r.final_nav < 1).mean() > 0.95
    assert np.median(r.final_nav) == pytest.approx(decay, rel=0.05)


def test_kelly_leverage_maximises_median_growth_in_simulation():
    mu, sigma = 0.5, 0.8
    k = sl.theory.kelly_leverage(mu, sigma)
    m = sl.scenarios.gbm(mu=mu, sigma=sigma, days=365, steps_per_day=4, paths=2000, seed=5)
    med = {
        lev: np.median(np.log(sl.simulate(sl.LeveragedToken(lev, rebalance_every_days=0.25), m,
                                          history=False).final_nav))
        for lev in (k / 3, k, 3 * k)
    }
    assert med[k] > med[k / 3] and med[k] > med[3 * k]


# ------------------------------------------------------- kernel vs plain per-path loop
def catalogue() -> list:
    """Every registered product's examples, and Smart Leverage with every registered
    policy's examples (long, and short with its controls): a product or policy added with
    ``register`` is checked against the per-path loop without a new test."""
    out = []
    for cls in sl.products.PRODUCTS.values():
        if hasattr(cls, "run"):  # settles instead of stepping (tested on its own)
            continue
        out += list(cls.examples() if hasattr(cls, "examples") else [cls()])
    for pol in sl.policies.POLICIES.values():
        for p in pol.examples() if hasattr(pol, "examples") else [pol()]:
            out.append(sl.SmartLeverage(policy=p, name=f"Smart {p}"))
            out.append(sl.SmartLeverage(policy=p, side="short", min_leverage=0.0,
                                        circuit_breaker=0.05, trading_cost=0.001,
                                        name=f"Smart short {p}"))  # fmt: skip
    return out


PRODUCTS = catalogue()


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.name)
@pytest.mark.parametrize("spd", [1, 24])
@pytest.mark.parametrize("layout", ["C", "F"])  # path-major or time-major storage
def test_kernel_matches_per_path_loop(product, spd, layout):
    prices = random_prices(paths=6, steps=150, sigma=0.06 if spd == 1 else 0.015, seed=spd)
    prices[2, 60] *= 0.55  # a gap
    m = sl.Market.from_prices(np.asarray(prices, order=layout), steps_per_day=spd)
    r = sl.simulate(product, m)
    for i in range(m.paths):
        ref = simulate_path(product, prices[i], steps_per_day=spd)
        assert_allclose(r.nav[i], ref["nav"], rtol=1e-9, atol=1e-12)
        assert_allclose(r.leverage[i], ref["leverage"], rtol=1e-9, atol=1e-9)
        assert r.rebalances[i] == ref["rebalances"]
        assert r.event_step[i] == ref["event_step"]


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.name)
def test_time_major_and_path_major_prices_give_the_same_numbers(product):
    m = sl.scenarios.gbm(sigma=0.9, days=10, steps_per_day=24, paths=300, seed=5)
    assert m.prices.flags.f_contiguous  # generated scenarios are stored time-major
    runs = []
    for prices in (m.prices, np.ascontiguousarray(m.prices)):
        market = sl.Market.from_prices(prices, steps_per_day=24)
        assert market.prices.flags.f_contiguous == (prices is m.prices)  # layout kept
        for chunk in (128, None):
            runs.append(sl.simulate(product, market, history=False, chunk_paths=chunk))
    for r in runs[1:]:
        for key in ("rebalances", "event_step", "liquidated", "wiped_out"):
            np.testing.assert_array_equal(getattr(r, key), getattr(runs[0], key))
        for key in ("final_nav", "volatility", "max_drawdown", "leverage_mean", "leverage_max"):
            assert_allclose(getattr(r, key), getattr(runs[0], key), rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize(
    "product",
    [
        sl.LeveragedToken.ftx(3.0),  # a schedule of 3 steps and a band
        sl.SmartLeverage(rebalance_every_days=1.0, circuit_breaker=0.04, cooldown_days=1),
        sl.SmartLeverage(policy=sl.CPPIPolicy(4.0, 0.7), min_leverage=0.0),
    ],
    ids=lambda p: p.name,
)
def test_short_schedules_and_market_windows_match_the_loop(product):
    # blocks of 3 steps: market windows of 30 steps, price windows of 60 (path-major)
    prices = random_prices(paths=40, steps=400, sigma=0.03, seed=12)
    m = sl.Market.from_prices(prices, steps_per_day=3)
    r = sl.simulate(product, m)
    for i in range(0, m.paths, 3):
        ref = simulate_path(product, prices[i], steps_per_day=3)
        assert_allclose(r.nav[i], ref["nav"], rtol=1e-9, atol=1e-12)
        assert r.rebalances[i] == ref["rebalances"]
        assert r.event_step[i] == ref["event_step"]


def test_chunking_and_history_do_not_change_results():
    m = sl.scenarios.gbm(sigma=0.9, days=20, steps_per_day=24, paths=700, seed=3)
    for product in (sl.LeveragedToken.bybit(3), sl.SmartLeverage(), sl.Perpetual(15)):
        full = sl.simulate(product, m)
        lean = sl.simulate(product, m, history=False, chunk_paths=97)
        assert_allclose(lean.final_nav, full.final_nav, rtol=1e-12)
        for key in ("max_drawdown", "volatility", "leverage_mean", "leverage_max"):
            assert_allclose(getattr(lean, key), getattr(full, key), rtol=1e-9, atol=1e-12)
        # drawdown from the stored history
        peak = np.maximum.accumulate(full.nav, axis=1)
        dd = np.where(peak > 0, 1 - full.nav / peak, 0).max(axis=1)
        assert_allclose(full.max_drawdown, dd, atol=1e-12)


def test_same_seed_same_numbers():
    a = sl.compare({"s": sl.SmartLeverage(), "t": sl.LeveragedToken(3)},
                   sl.scenarios.garch(days=60, paths=50, seed=9))
    b = sl.compare({"s": sl.SmartLeverage(), "t": sl.LeveragedToken(3)},
                   sl.scenarios.garch(days=60, paths=50, seed=9))
    assert a.equals(b)


# --------------------------------------------------------------- events and floors
def test_gap_wipes_out_a_product_without_margin():
    m = sl.Market.from_prices([100.0, 60.0, 80.0])  # -40 % beats 1/3
    r = sl.simulate(sl.LeveragedToken(3.0), m)
    assert r.wiped_out[0] and not r.liquidated[0] and r.event_step[0] == 1
    assert r.nav[0].tolist() == [1.0, 0.0, 0.0]
    assert r.reason[0, 1] == 7


def test_smart_leverage_circuit_breaker_cuts_leverage():
    m = sl.Market.from_prices([100.0, 100.0, 85.0, 86.0, 87.0, 88.0], steps_per_day=1)
    p = sl.SmartLeverage(policy=sl.BandPolicy(3.0, (2.0, 4.0)), circuit_breaker=0.1,
                         breaker_leverage=1.0, cooldown_days=2)
    r = sl.simulate(p, m)
    assert r.reason[0, 2] == 5
    assert r.leverage[0, 2] == pytest.approx(1.0)
    # the breaker fires where the price is 10 % down: 3x to 90, then 1x to 85
    assert r.nav[0, 2] == pytest.approx(0.7 * 85 / 90)
    assert r.reason[0, 3:5].tolist() == [0, 0]  # cut on purpose while it cools down
    assert r.reason[0, 5] == 3 and r.leverage[0, 5] == pytest.approx(3.0)  # back in the band
    # decided at the close: no liquidation, yet a 45 % loss in one step
    c = sl.simulate(p, m, triggers="close")
    assert c.reason[0, 2] == 5 and c.nav[0, 2] == pytest.approx(0.55)


def test_structured_product_payoff_and_cap():
    m = sl.Market.from_prices([[100.0, 90.0, 50.0], [100.0, 120.0, 130.0]])
    p = sl.StructuredLeverage(leverage=3, term_days=2, breakeven=1.05)
    r = sl.simulate(p, m)
    assert r.final_nav[0] == 0.0 and r.wiped_out[0]
    assert r.final_nav[1] == pytest.approx(1 + 3 * (130 - 105) / 105)
    assert (r.nav >= 0).all() and np.isfinite(r.nav).all()


# ---------------------------------------------------------- properties (hypothesis)
hyp = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# the same commit runs the same property-test cases; HYPOTHESIS_PROFILE=explore draws new ones
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

returns = st.lists(
    st.one_of(st.floats(-0.2, 0.2), st.sampled_from([-0.99, -0.5, 5.0, 0.0])),
    min_size=1,
    max_size=40,
)
products = st.sampled_from(PRODUCTS)


@settings(max_examples=150, deadline=None)
@given(rets=returns, product=products, spd=st.sampled_from([1, 3, 24]))
def test_nav_never_nan_never_negative(rets, product, spd):
    prices = 100.0 * np.cumprod([1.0] + [1.0 + x for x in rets])
    r = sl.simulate(product, sl.Market.from_prices(prices, steps_per_day=spd))
    assert np.isfinite(r.nav).all() and (r.nav >= 0).all()
    assert np.isfinite(r.leverage).all()
    assert r.nav[0, 0] == 1.0
    if r.wiped_out[0] or r.liquidated[0]:
        assert (r.nav[0, r.event_step[0]:] == 0).all()
    s = r.summary()
    assert np.isfinite(s.to_numpy(dtype=float)).all()


@settings(max_examples=60, deadline=None)
@given(rets=returns, product=products)
def test_property_kernel_equals_loop(rets, product):
    prices = 100.0 * np.cumprod([1.0] + [1.0 + x for x in rets])
    r = sl.simulate(product, sl.Market.from_prices(prices))
    ref = simulate_path(product, prices)
    assert_allclose(r.nav[0], ref["nav"], rtol=1e-9, atol=1e-12)


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: sl.LeveragedToken(0), "leverage must be non-zero"),
        (lambda: sl.LeveragedToken(50), r"leverage must be in \[-20, 20\]"),
        (lambda: sl.LeveragedToken(float("nan")), "leverage must be a finite number"),
        (lambda: sl.LeveragedToken("3"), "leverage must be a real number"),
        (lambda: sl.LeveragedToken(3, management_fee=-0.01), "management_fee must be in"),
        (lambda: sl.LeveragedToken(3, trading_cost=-1), "trading_cost must be in"),
        (lambda: sl.LeveragedToken(3, band=(3.5, 4)), "band must contain"),
        (lambda: sl.LeveragedToken(3, band=4), "band must be a"),
        (lambda: sl.LeveragedToken(3, rebalance_every_days=0), "rebalance_every_days"),
        (lambda: sl.LeveragedToken(3, rebalance_every_days=None), "needs a schedule or a band"),
        (lambda: sl.Perpetual(0), r"leverage must be in \(0, 125\]"),
        (lambda: sl.Perpetual(-10, side="short"), "the side, not the sign"),
        (lambda: sl.Perpetual(200), r"leverage must be in \(0, 125\]"),
        (lambda: sl.Perpetual(10, side="up"), "side must be one of"),
        (lambda: sl.Perpetual(10, maintenance_margin=0.2), "maintenance_margin must be below"),
        (lambda: sl.Perpetual(10, fee=-0.001), "fee must be in"),
        (lambda: sl.Perpetual(10, funding_rate=1.0), "funding_rate must be in"),
        (lambda: sl.SmartLeverage(min_leverage=5, max_leverage=2), "min_leverage must not"),
        (lambda: sl.SmartLeverage(max_leverage=0), "max_leverage must be in"),
        (lambda: sl.SmartLeverage(policy="vol"), "policy must be"),
        (lambda: sl.SmartLeverage(circuit_breaker=0), "circuit_breaker must be in"),
        (lambda: sl.SmartLeverage(policy=sl.BandPolicy(5, (4, 6))), "BandPolicy target"),
        (lambda: sl.VolatilityTarget(target_vol=-1), "target_vol must be in"),
        (lambda: sl.BandPolicy(2, (2.5, 3)), "band must contain the target"),
        (lambda: sl.TrendPolicy(fast_days=30, slow_days=10), "fast_days must be shorter"),
        (lambda: sl.CPPIPolicy(floor=1.2), "floor must be in"),
        (lambda: sl.StructuredLeverage(leverage=1), "leverage must be in"),
        (lambda: sl.StructuredLeverage(breakeven=0.9), "breakeven"),
    ],
)
def test_bad_product_parameters(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize(
    "prices, match",
    [
        ([100, -1, 100], "must be finite and > 0"),
        ([100, 0, 100], "must be finite and > 0"),
        ([100, float("nan")], "must be finite and > 0"),
        ([100, float("inf")], "must be finite and > 0"),
        ([], "at least one path of at least 2 points"),
        ([100.0], "at least one path of at least 2 points"),
        ([[100, 101], [100]], "prices must"),
        ("100,101", "prices must be an array"),
        (np.ones((2, 2, 2)), "1-D .* or 2-D"),
        ([100, "a"], "prices must contain only numbers"),
    ],
)
def test_bad_prices(prices, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sl.Market.from_prices(prices)


def test_bad_simulate_arguments():
    m = sl.Market.from_prices([1.0, 2.0])
    with pytest.raises(TypeError, match="product must be one of"):
        sl.simulate(3, m)
    with pytest.raises(TypeError, match="market must be a smartlev Market"):
        sl.simulate(sl.Spot(), [1.0, 2.0])
    with pytest.raises(TypeError, match="history must be True or False"):
        sl.simulate(sl.Spot(), m, history="yes")
    with pytest.raises(ValueError, match="chunk_paths must be"):
        sl.simulate(sl.Spot(), m, chunk_paths=0)
    with pytest.raises(ValueError, match="steps_per_day must be"):
        sl.Market.from_prices([1.0, 2.0], steps_per_day=0)
    with pytest.raises(ValueError, match="term_days x steps_per_day"):
        sl.simulate(sl.StructuredLeverage(term_days=30), m)
    with pytest.raises(TypeError, match="products must be a non-empty dict"):
        sl.compare([sl.Spot()], m)


def test_large_lazy_run_keeps_only_final_values():
    m = sl.scenarios.gbm(sigma=0.8, days=2, steps_per_day=24, paths=5000, seed=1)
    r = sl.simulate(sl.LeveragedToken(3), m, history=False, chunk_paths=1024)
    assert r.nav is None and r.final_nav.shape == (5000,)
    assert m.is_lazy  # the market was never materialised


@pytest.mark.parametrize("bars", [True, False])
def test_chunks_generated_in_the_background_give_the_serial_numbers(bars):
    # 1100 paths: chunks of 300 straddle the generator's block edge at path 1024, and the
    # last block (76 paths) is short; the next chunk is made in a thread during each run
    import threading

    from smartlev import _chunks

    m = sl.scenarios.gbm(sigma=0.8, days=3, steps_per_day=24, paths=1100, seed=2, bars=bars)
    assert _chunks.ahead_fits(m, 300)
    twin = sl.scenarios.gbm(sigma=0.8, days=3, steps_per_day=24, paths=1100, seed=2, bars=bars)
    close, o, h, lo = twin.bar_range(0, 1100)  # the same prices, held in memory (m stays lazy)
    held = sl.Market.from_prices(close, steps_per_day=24, open=o, high=h, low=lo)
    before = threading.active_count()
    band = sl.LeveragedToken(3.0, rebalance_every_days=None, band=(2.0, 4.0))
    for product in (band, sl.SmartLeverage(), sl.Perpetual(10.0, funding_rate=0.0001)):
        lazy = sl.simulate(product, m, history=False, chunk_paths=300, progress=False)
        serial = sl.simulate(product, held, history=False, chunk_paths=300, progress=False)
        for key in ("final_nav", "max_drawdown", "volatility", "leverage_mean", "rebalances",
                    "event_step", "fees_paid", "funding_paid"):
            assert np.array_equal(getattr(lazy, key), getattr(serial, key)), key
    assert threading.active_count() == before  # the background thread is gone
    assert m.is_lazy


def test_an_error_while_generating_ahead_reaches_the_caller():
    def block(b, n):
        if b == 1:
            raise RuntimeError("no prices for block 1")
        return np.full((n, 5), 100.0)

    m = sl.Market.lazy(block, paths=3000, steps=4, steps_per_day=1, name="broken")
    with pytest.raises(RuntimeError, match="no prices for block 1"):
        sl.simulate(sl.Spot(), m, history=False, chunk_paths=500, progress=False)


def test_band_policy_exits_are_recorded_as_band():
    m = sl.Market.from_prices([100.0, 100.0, 90.0, 80.0, 85.0])
    p = sl.SmartLeverage(policy=sl.BandPolicy(2.0, (1.5, 2.5)), circuit_breaker=None)
    r = sl.simulate(p, m)
    traded = r.reason[0, 1:][r.reason[0, 1:] > 0]
    assert traded.size and set(traded.tolist()) <= {3, 4}
    assert sl.REASONS[3] == "band"


def test_perpetual_fee_is_charged_on_opening_and_on_closing():
    r = sl.simulate(sl.Perpetual(10.0, fee=0.0005), sl.Market.from_prices([100.0, 96.0]))
    closing = 0.0005 * 10 * 0.96  # on the notional at the last price
    assert r.fees_paid[0] == pytest.approx(10 * 0.0005 + closing)
    assert r.final_nav[0] == pytest.approx(1 - 0.4 - 0.005 - closing)
    flat = sl.simulate(sl.Perpetual(10.0, fee=0.0005), sl.Market.from_prices([100.0, 100.0]))
    assert flat.final_nav[0] == pytest.approx(0.99)


def test_exact_ten_percent_fall_trips_a_ten_percent_breaker():
    p = sl.SmartLeverage(policy=sl.BandPolicy(3.0, (2.0, 4.0)), circuit_breaker=0.10)
    r = sl.simulate(p, sl.Market.from_prices([100.0, 90.0, 91.0]))
    assert r.reason[0, 1] == 5


def test_rebalancing_cost_that_takes_the_last_of_the_nav_wipes_out():
    # 3x daily token: a 33 % fall leaves 1 % of NAV, and the rebalancing trade costs more
    p = sl.LeveragedToken(3.0, trading_cost=0.01)
    prices = [100.0, 100.0, 67.0, 70.0]
    r = sl.simulate(p, sl.Market.from_prices(prices))
    ref = simulate_path(p, prices)
    assert_allclose(r.nav[0], ref["nav"], atol=1e-12)
    assert r.event_step[0] == ref["event_step"] == 2
    assert r.reason[0].tolist() == [8, 2, 7, 0]  # entry, scheduled, wiped out
    assert bool(r.wiped_out[0])


def _random_product(rng):
    kind = rng.integers(0, 4)
    if kind == 0:
        lev = float(rng.choice([-3, -2, -1, 0.5, 2, 3, 5]))
        band = None
        if rng.random() < 0.6:
            a = abs(lev)
            band = (float(rng.choice([0.0, 0.6 * a])), float(rng.choice([1.3 * a, 1.8 * a])))
        every = rng.choice([None, 0.5, 1.0, 2.0]) if band is not None else rng.choice([0.5, 1.0])
        return sl.LeveragedToken(
            lev, rebalance_every_days=None if every is None else float(every), band=band,
            management_fee=float(rng.choice([0, 0.001])),
            trading_cost=float(rng.choice([0, 0.002])),
            funding_rate=float(rng.choice([0, 0.0003])),
        )
    if kind == 1:
        return sl.Perpetual(
            float(rng.choice([2, 5, 20])), side=str(rng.choice(["long", "short"])),
            fee=float(rng.choice([0, 0.0005])), funding_rate=float(rng.choice([0, 0.0001])),
        )
    if kind == 2:
        policies = [
            sl.VolatilityTarget(),
            sl.BandPolicy(2.0, (1.5, 3.0)),
            sl.CPPIPolicy(4.0, 0.7, ratchet=bool(rng.random() < 0.5)),
        ]
        pol = policies[rng.integers(0, 3)]
        every = rng.choice([None, 1.0])
        return sl.SmartLeverage(
            policy=pol, side=str(rng.choice(["long", "short"])),
            min_leverage=0.0 if isinstance(pol, sl.CPPIPolicy) else 1.25,
            tolerance=float(rng.choice([0.05, 0.2])),
            rebalance_every_days=None if every is None else float(every),
            circuit_breaker=rng.choice([None, 0.05, 0.1]),
            cooldown_days=float(rng.choice([0.0, 1.0])),
            management_fee=float(rng.choice([0, 0.0005])),
            trading_cost=float(rng.choice([0, 0.001])),
            funding_rate=float(rng.choice([0, 0.0001])),
        )
    return sl.Spot()


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_loop_on_random_products_and_markets(seed):
    """Random products on random paths (with gaps), several clocks and lengths: every
    path of the kernel matches the per-path loop, and a lean run matches a full one."""
    rng = np.random.default_rng(seed)
    for _ in range(100):
        spd = int(rng.choice([1, 3, 24]))
        steps = int(rng.integers(1, 120))
        paths = int(rng.integers(1, 7))
        r = rng.normal(0.0, float(rng.choice([0.01, 0.05, 0.15])), (paths, steps))
        if rng.random() < 0.3:
            r[rng.integers(paths), rng.integers(steps)] = rng.choice([-0.9, -0.5, 2.0])
        prices = 100.0 * np.exp(np.concatenate([np.zeros((paths, 1)), np.cumsum(r, 1)], 1))
        product = _random_product(rng)
        m = sl.Market.from_prices(prices, steps_per_day=spd)
        full = sl.simulate(product, m)
        lean = sl.simulate(product, m, history=False, chunk_paths=int(rng.integers(1, 4)))
        for i in range(paths):
            ref = simulate_path(product, prices[i], steps_per_day=spd)
            assert_allclose(full.nav[i], ref["nav"], rtol=1e-8, atol=1e-11, err_msg=str(product))
            assert_allclose(full.leverage[i], ref["leverage"], rtol=1e-8, atol=1e-8)
            assert full.rebalances[i] == ref["rebalances"], product
            assert full.event_step[i] == ref["event_step"], product
        for key in ("final_nav", "max_drawdown", "volatility", "leverage_mean", "leverage_min",
                    "leverage_max", "fees_paid", "funding_paid", "trading_costs"):
            assert_allclose(getattr(lean, key), getattr(full, key), rtol=1e-8, atol=1e-11,
                            err_msg=f"{key} {product}")


def test_leverage_exactly_on_the_tolerance_edge_does_not_trade():
    # round numbers: after the breaker sets 1x, a new NAV peak makes the CPPI target exactly
    # 4 x (1 - 0.7) = 1.2, a gap of exactly the 0.2 tolerance; kernel and loop must agree
    p = sl.SmartLeverage(policy=sl.CPPIPolicy(4.0, 0.7, ratchet=True), min_leverage=0.0)
    prices = 100.0 * np.cumprod([1.0, 0.875, 1.171875, 6.0, 1.125])
    r = sl.simulate(p, sl.Market.from_prices(prices))
    ref = simulate_path(p, prices)
    assert_allclose(r.nav[0], ref["nav"], rtol=1e-12)
    assert r.rebalances[0] == ref["rebalances"]
