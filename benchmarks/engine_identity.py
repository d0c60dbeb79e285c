"""Every result of the engine on a fixed catalogue, saved, then compared to the last bit,
to show that a change to the engine keeps the numbers.

    python benchmarks/engine_identity.py save before.npz   # with the code as it was
    python benchmarks/engine_identity.py check before.npz  # after the change

The catalogue is the one the tests hold against the per-path loop (every registered
product's examples, and Smart Leverage with every registered policy's examples, long and
short), each simulated with both triggers on five markets: daily and hourly GBM, jump
diffusion (gaps at the opens), a crash, and closes only. NAV, leverage and reason
histories, final values, events, costs and statistics are kept: about 3,500 arrays.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import smartlev as sl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_engine import catalogue  # noqa: E402

FIELDS = (
    "nav", "leverage", "reason", "final_nav", "rebalances", "event_step", "fees_paid",
    "funding_paid", "interest_paid", "trading_costs", "volatility", "max_drawdown",
)  # fmt: skip


def results() -> dict[str, np.ndarray]:
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
                        out[f"{i} {product.name}|{label}|{triggers}|{field}"] = np.asarray(value)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["save", "check"])
    ap.add_argument("file")
    args = ap.parse_args()
    now = results()
    if args.action == "save":
        np.savez_compressed(args.file, **now)
        print(f"{len(now)} arrays saved to {args.file}")
        return
    before = np.load(args.file)
    differ = [
        k for k, v in now.items()
        if k not in before or not np.array_equal(v, before[k], equal_nan=v.dtype.kind == "f")
    ]  # fmt: skip
    missing = [k for k in before.files if k not in now]
    for k in differ[:20]:
        print("differs:", k)
    print(f"{len(now)} compared, {len(differ)} differ, {len(missing)} missing")
    sys.exit(1 if differ or missing else 0)


if __name__ == "__main__":
    main()
