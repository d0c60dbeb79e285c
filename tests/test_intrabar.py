"""Decisions where real products take them: inside the bar (triggers, wicks, gaps), and
the costs real products charge (interest, funding per step, calendar time, fees of
entering and leaving). Every registered product is also held to the per-path loop on
random bars with gaps."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from test_engine import PRODUCTS

import smartlev as sl
from smartlev.reference import simulate_path

BAND = sl.LeveragedToken(3.0, rebalance_every_days=None, band=(2.0, 4.0))


def bars(close, open_, high, low, spd=1):
    return sl.Market.from_prices(close, steps_per_day=spd, open=open_, high=high, low=low)


# ------------------------------------------------------------------- hand examples
def test_band_token_rebalances_where_the_price_reaches_the_band():
    assert sl.simulate(BAND, sl.Market.from_prices([100.0, 80.0])).final_nav[0] == pytest.approx(
        0.466667, abs=5e-7)  # fill at 88.889, then -10 % at 3x  # fmt: skip
    close = sl.simulate(BAND, sl.Market.from_prices([100.0, 80.0]), triggers="close")
    assert close.final_nav[0] == pytest.approx(0.4)


def test_a_fall_that_keeps_going_rebalances_at_every_trigger():
    r = sl.simulate(BAND, sl.Market.from_prices([100.0, 60.0]))
    fills = 100 * (8 / 9) ** np.arange(1, 5)  # leverage 4x each time the price loses 1/9
    assert_allclose(fills, [88.89, 79.01, 70.23, 62.43], atol=0.005)
    assert r.rebalances[0] == 4
    expected = (2 / 3) ** 4 * (1 + 3 * (60 / fills[-1] - 1))
    assert r.final_nav[0] == pytest.approx(expected, rel=1e-12)


def test_a_wick_liquidates_a_perpetual_whose_close_looks_harmless():
    m = bars([100.0, 95.0], [100.0, 100.0], [100.0, 100.0], [100.0, 89.0])
    p = sl.Perpetual(10.0, maintenance_margin=0.004)
    r = sl.simulate(p, m)
    assert r.liquidated[0] and r.final_nav[0] == 0.0 and r.reason[0, 1] == 6
    c = sl.simulate(p, m, triggers="close")
    assert not c.liquidated[0] and c.final_nav[0] == pytest.approx(0.5)


def test_a_gap_fills_at_the_open():
    m = bars([100.0, 72.0], [100.0, 70.0], [100.0, 72.0], [100.0, 70.0])
    r = sl.simulate(BAND, m)
    assert r.rebalances[0] == 1
    assert r.final_nav[0] == pytest.approx(0.1 * (1 + 3 * (72 / 70 - 1)), rel=1e-12)
    assert r.final_nav[0] == pytest.approx(0.108571, abs=5e-7)
    assert sl.simulate(BAND, m, triggers="close").final_nav[0] == pytest.approx(0.16)


def test_a_gap_past_zero_wipes_out_whatever_the_band():
    m = bars([100.0, 70.0], [100.0, 60.0], [100.0, 70.0], [100.0, 60.0])
    r = sl.simulate(BAND, m)
    assert r.wiped_out[0] and r.final_nav[0] == 0.0 and r.reason[0, 1] == 7


def test_ftx_token_survives_bitcoins_2020_03_12_by_rebalancing_on_the_way_down():
    m = sl.data.market("btc-usd-daily", start="2020-03-11", end="2020-03-12")
    day = sl.simulate(sl.LeveragedToken.ftx(3), m)
    assert day.final_nav[0] / day.nav[0, 0] == pytest.approx(0.20, abs=0.02)  # about -80 %
    assert day.rebalances[0] >= 5
    closes = sl.simulate(sl.LeveragedToken.ftx(3), m, triggers="close")
    assert closes.wiped_out[0]  # decided at the close: a -37 % day takes it all


def test_circuit_breaker_fires_at_its_price_and_a_gap_past_it_at_the_open():
    p = sl.SmartLeverage(policy=sl.BandPolicy(3.0, (2.0, 4.0)), circuit_breaker=0.05)
    r = sl.simulate(p, bars([100.0, 92.0], [100.0, 99.0], [100.0, 99.0], [100.0, 91.0]))
    assert r.reason[0, 1] == 5
    # 3x to the breaker's price (95), 1x from there to 92
    assert r.final_nav[0] == pytest.approx((1 + 3 * (95 / 100 - 1)) * 92 / 95, rel=1e-9)
    g = sl.simulate(p, bars([100.0, 92.0], [100.0, 90.0], [100.0, 93.0], [100.0, 90.0]))
    assert g.final_nav[0] == pytest.approx((1 + 3 * (90 / 100 - 1)) * 92 / 90, rel=1e-9)


# ---------------------------------------------------------------------- costs
def test_interest_is_paid_on_borrowed_cash_and_earned_on_cash_held():
    flat = sl.Market.from_prices(np.full(366, 100.0))
    long3 = sl.simulate(sl.LeveragedToken(3.0, interest_rate=0.05), flat)
    assert long3.final_nav[0] == pytest.approx((1 - 2 * 0.05 / 365) ** 365, rel=1e-12)
    assert long3.interest_paid[0] == pytest.approx(1 - long3.final_nav[0], rel=1e-12)
    inv3 = sl.simulate(sl.LeveragedToken(-3.0, interest_rate=0.05), flat)
    assert inv3.final_nav[0] == pytest.approx((1 + 4 * 0.05 / 365) ** 365, rel=1e-12)
    smart = sl.simulate(sl.SmartLeverage(interest_rate=0.05), flat)
    assert smart.interest_paid[0] > 0 and smart.costs[0] == pytest.approx(
        smart.interest_paid[0])  # fmt: skip


def test_rates_may_change_every_step():
    flat = sl.Market.from_prices(np.full(4, 100.0), steps_per_day=3)  # one funding time a step
    p = sl.Perpetual(10.0, funding_rate=[0.0001, -0.0002, 0.0003])
    r = sl.simulate(p, flat)
    assert r.funding_paid[0] == pytest.approx(10 * (0.0001 - 0.0002 + 0.0003))
    with pytest.raises(ValueError, match=r"funding_rate must be one number or one value per"):
        sl.simulate(p, sl.Market.from_prices(np.full(6, 100.0), steps_per_day=3))


def test_costs_accrue_by_calendar_time_between_bars():
    # a stock's Friday-to-Monday bar lasts three days
    ts = ["2024-01-04", "2024-01-05", "2024-01-08"]  # Thursday, Friday, Monday
    m = sl.Market.from_prices([100.0, 100.0, 100.0], timestamps=ts)
    r = sl.simulate(sl.LeveragedToken(3.0, management_fee=0.001), m)
    assert r.fees_paid[0] == pytest.approx(1 - (1 - 0.001) * (1 - 0.003), rel=1e-12)
    i = sl.simulate(sl.LeveragedToken(3.0, interest_rate=0.0365), m)
    assert i.final_nav[0] == pytest.approx((1 - 2 * 0.0001) * (1 - 2 * 0.0003), rel=1e-12)


def test_token_subscription_and_redemption_fees():
    flat = sl.Market.from_prices([100.0, 100.0])
    r = sl.simulate(sl.LeveragedToken(3.0, subscription_fee=0.001, redemption_fee=0.001), flat)
    assert r.final_nav[0] == pytest.approx((1 - 0.001) * (1 - 0.001))


def test_presets_pass_funding_where_the_exchange_does():
    for preset in (sl.LeveragedToken.bybit, sl.LeveragedToken.blvt, sl.LeveragedToken.ftx,
                   sl.LeveragedToken.kucoin):  # fmt: skip
        assert preset(3).funding_rate == 0.0001
    assert sl.LeveragedToken.gate(3).funding_rate == 0.0  # Gate's 0.1 %/day is all-in


# ---------------------------------------------------------------- kernel vs loop
def random_bars(paths, steps, sigma, seed):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(np.c_[np.zeros(paths), rng.normal(0, sigma, (paths, steps))],
                                   axis=1))  # fmt: skip
    prev = np.c_[close[:, :1], close[:, :-1]]
    gap = np.where(rng.random(close.shape) < 0.1, np.exp(rng.normal(0, 3 * sigma, close.shape)), 1)
    open_ = prev * gap
    lo = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, sigma, close.shape)))
    hi = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, sigma, close.shape)))
    for a in (open_, lo, hi):
        a[:, 0] = close[:, 0]
    return close, open_, hi, lo


@pytest.mark.parametrize("product", PRODUCTS, ids=lambda p: p.name)
@pytest.mark.parametrize("spd", [1, 24])
def test_kernel_matches_the_loop_on_random_bars_with_gaps(product, spd):
    close, open_, high, low = random_bars(5, 120, 0.05 if spd == 1 else 0.012, seed=spd)
    m = bars(close, open_, high, low, spd)
    r = sl.simulate(product, m)
    for i in range(m.paths):
        ref = simulate_path(product, close[i], spd, open=open_[i], high=high[i], low=low[i])
        assert_allclose(r.nav[i], ref["nav"], rtol=1e-9, atol=1e-12, err_msg=product.name)
        assert_allclose(r.leverage[i], ref["leverage"], rtol=1e-9, atol=1e-9)
        assert r.rebalances[i] == ref["rebalances"], product.name
        assert r.event_step[i] == ref["event_step"]
        assert r.reason[i].tolist() == ref["reason"]
        for key, ref_key in (("fees_paid", "fees"), ("funding_paid", "funding"),
                             ("interest_paid", "interest"), ("trading_costs", "trading_costs")):
            assert getattr(r, key)[i] == pytest.approx(ref[ref_key], rel=1e-9, abs=1e-12)


def test_bad_trigger_and_rate_input():
    m = sl.Market.from_prices([1.0, 2.0])
    with pytest.raises(ValueError, match="triggers must be one of 'intrabar', 'close', got 'bar'"):
        sl.simulate(sl.Spot(), m, triggers="bar")
    with pytest.raises(ValueError, match="interest_rate must be in"):
        sl.LeveragedToken(3, interest_rate=-0.01)
    with pytest.raises(ValueError, match="interest_rate must be a finite number"):
        sl.LeveragedToken(3, interest_rate=float("nan"))
    with pytest.raises(ValueError, match="funding_rate must be finite and in .* at step 2"):
        sl.Perpetual(10, funding_rate=[0.0001, float("inf")])


@pytest.mark.parametrize(
    "product",
    [
        sl.LeveragedToken(3.0, rebalance_every_days=None, band=(2.0, 4.0)),
        sl.LeveragedToken(-2.0, rebalance_every_days=None, band=(1.5, 2.5)),
        sl.LeveragedToken.gate(-3),
        sl.SmartLeverage(),
        sl.Spot(),
    ],
    ids=lambda p: getattr(p, "name", type(p).__name__),
)
def test_table_of_nearest_levels_equals_the_level_by_level_search(product):
    # paths with the same leverage levels read their nearest levels from a table worked
    # out once; the same levels searched level by level for each path must agree, on
    # units and cash of both signs (q = c/u above and below zero), zero and dead paths
    from types import SimpleNamespace

    from smartlev._inside_bar import Levels

    rng = np.random.default_rng(5)
    P = 400
    u = rng.normal(0.0, 0.05, P)
    c = rng.normal(0.0, 2.0, P)
    u[:5], c[:5] = 0.0, 0.0  # dead
    c[5:10] = 0.0  # no cash: leverage exactly 1
    rules = product.rules(P, 24, True)
    book = SimpleNamespace(u=u, c=c, margin=rules.margin)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = Levels(rules, book)
        assert table.static
        search = Levels(rules, book)
        search.static = False
        search.update(slice(None))
    assert_allclose(table.fall, search.fall, rtol=0, atol=0)
    assert_allclose(table.rise, search.rise, rtol=0, atol=0)
    down, up = np.isfinite(search.fall), np.isfinite(search.rise)
    assert np.array_equal(table.fall_kind[down], search.fall_kind[down])
    assert np.array_equal(table.rise_kind[up], search.rise_kind[up])
    assert down.sum() > P // 4  # the comparison is not empty
