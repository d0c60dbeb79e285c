"""Fingerprints of every result of the engine on a fixed catalogue, to check that a change
to the engine keeps the numbers to the last bit.

    python benchmarks/engine_identity.py save before.json   # with the code as it was
    python benchmarks/engine_identity.py check before.json  # after the change

The catalogue is the one the tests hold against the per-path loop (every registered
product's examples, and Smart Leverage with every registered policy's examples, long and
short), each simulated with both triggers on five markets: daily and hourly GBM, jump
diffusion (gaps at the opens), a crash, and closes only. NAV, leverage and reason
histories, final values, events, costs and statistics are hashed as
``benchmarks/bit_identity.py`` hashes generated prices: about 3,500 arrays.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from bit_identity import fingerprint, main

import smartlev as sl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_engine import catalogue  # noqa: E402

FIELDS = (
    "nav", "leverage", "reason", "final_nav", "rebalances", "event_step", "fees_paid",
    "funding_paid", "interest_paid", "trading_costs", "volatility", "max_drawdown",
)  # fmt: skip


def fingerprints() -> dict[str, str]:
    sc = sl.scenarios
    markets = {
        "daily": sc.gbm(sigma=0.9, days=200, steps_per_day=1, paths=300, seed=4),
        "hourly": sc.gbm(sigma=0.8, days=20, steps_per_day=24, paths=200, seed=5),
        "jumps": sc.jump_diffusion(days=120, paths=200, seed=6),
        "crash": sc.crash(days=60, paths=100, seed=7),
        "closes": sl.Market.from_prices(sc.gbm(sigma=1.0, days=100, paths=100, seed=8).prices),
    }
    out = {}
    for i, product in enumerate(catalogue()):
        for label, market in markets.items():
            for triggers in ("intrabar", "close"):
                r = sl.simulate(product, market, triggers=triggers)
                for field in FIELDS:
                    value = getattr(r, field, None)
                    if value is not None:
                        out[f"{i} {product.name}|{label}|{triggers}|{field}"] = fingerprint(
                            np.asarray(value)
                        )
    return out


if __name__ == "__main__":
    main(fingerprints, __doc__)
