"""The before/after comparison of the engine rebuild.

``python tests/engine_baseline.py`` ran the first kernel on the markets and products
below and stored every output in ``tests/data/engine_v1_baseline.npz``;
``tests/test_engine_baseline.py`` checks that the rebuilt kernel, deciding at closes
(``triggers="close"``), gives the same numbers to 1e-12.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import smartlev as sl

FILE = Path(__file__).with_name("data") / "engine_v1_baseline.npz"
FIELDS = (
    "nav", "leverage", "reason", "final_nav", "rebalances", "liquidated", "wiped_out",
    "event_step", "fees_paid", "funding_paid", "trading_costs", "max_drawdown", "volatility",
    "leverage_mean", "leverage_min", "leverage_max",
)  # fmt: skip


def products() -> dict[str, object]:
    return {
        "spot": sl.Spot(),
        "token3": sl.LeveragedToken(3.0),
        "inverse_costs": sl.LeveragedToken(
            -2.0, management_fee=0.001, funding_rate=0.0002, trading_cost=0.001
        ),
        "bybit3": sl.LeveragedToken.bybit(3.0),
        "ftx3": sl.LeveragedToken.ftx(3.0),
        "kucoin-3": sl.LeveragedToken.kucoin(-3.0),
        "gate3": sl.LeveragedToken.gate(3.0),
        "blvt3": sl.LeveragedToken.blvt(3.0),
        "band_only": sl.LeveragedToken(
            2.0, rebalance_every_days=None, band=(1.5, 2.5), trading_cost=0.002
        ),
        "weekly5": sl.LeveragedToken(5.0, rebalance_every_days=7, management_fee=0.0003),
        "perp20": sl.Perpetual(20.0),
        "perp5_short_costs": sl.Perpetual(5.0, side="short", fee=0.0005, funding_rate=0.0001),
        "perp10_tiers": sl.Perpetual(10.0, tiers=sl.BINANCE_BTCUSDT_TIERS, margin=500_000.0),
        "smart": sl.SmartLeverage(),
        "smart_short_costs": sl.SmartLeverage(
            side="short", tolerance=0.1, trading_cost=0.001, management_fee=0.0002
        ),
        "smart_band": sl.SmartLeverage(policy=sl.BandPolicy(2.0, (1.5, 3.0)), circuit_breaker=None),
        "smart_cppi": sl.SmartLeverage(
            policy=sl.CPPIPolicy(4.0, 0.7, ratchet=True), min_leverage=0.0
        ),
        "smart_cppi_plain": sl.SmartLeverage(
            policy=sl.CPPIPolicy(3.0, 0.8), min_leverage=0.0, trading_cost=0.0005
        ),
        "smart_schedule": sl.SmartLeverage(
            rebalance_every_days=1.0, circuit_breaker=0.05, cooldown_days=2
        ),
        "smart_trend": sl.SmartLeverage(policy=sl.TrendPolicy(), funding_rate=0.0001),
        "smart_trend_short": sl.SmartLeverage(
            policy=sl.TrendPolicy(fast_days=2, slow_days=10), side="short", tolerance=0.0
        ),
        "smart_fee_breaker": sl.SmartLeverage(
            tolerance=0.05, circuit_breaker=0.03, breaker_leverage=0.5, management_fee=0.0005
        ),
    }


def markets() -> dict[str, sl.Market]:
    rng = np.random.default_rng(20261129)
    lr = rng.standard_normal((8, 160)) * 0.04
    walk = 100 * np.exp(np.concatenate([np.zeros((8, 1)), np.cumsum(lr, axis=1)], axis=1))
    return {
        "walk_daily": sl.Market.from_prices(walk, steps_per_day=1),
        "walk_hourly": sl.Market.from_prices(walk, steps_per_day=24),
        "gbm_hourly": sl.scenarios.gbm(sigma=0.9, days=10, steps_per_day=24, paths=8, seed=3),
        "jumps_daily": sl.scenarios.jump_diffusion(days=200, steps_per_day=1, paths=8, seed=5),
        "garch_4h": sl.scenarios.garch(days=40, steps_per_day=6, paths=8, seed=8),
        "crash_daily": sl.scenarios.crash(days=120, steps_per_day=1, paths=8, seed=2),
    }


def run_all(simulate) -> dict[str, np.ndarray]:
    out = {}
    for mname, m in markets().items():
        out[f"{mname}/prices"] = m.prices
        for pname, p in products().items():
            r = simulate(p, m)
            for f in FIELDS:
                v = getattr(r, f)
                if v is not None:
                    out[f"{mname}/{pname}/{f}"] = np.asarray(v)
    return out


if __name__ == "__main__":
    data = run_all(sl.simulate)
    FILE.parent.mkdir(exist_ok=True)
    np.savez_compressed(FILE, **data)
    print(f"{len(data)} arrays -> {FILE} ({FILE.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
