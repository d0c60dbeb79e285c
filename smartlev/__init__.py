"""smartlev: Smart Leverage, measured.

A small numpy engine that simulates, on the same price paths, spot, perpetual
contracts, leveraged ETF tokens, dynamically managed "Smart Leverage" and the
fixed-term structured products some exchanges sell under that name, with the closed
forms the simulations are checked against.

Examples
--------
>>> import smartlev as sl
>>> m = sl.scenarios.gbm(mu=0.0, sigma=0.8, days=30, steps_per_day=24, paths=100, seed=0)
>>> df = sl.compare({"Spot": sl.Spot(), "3x token": sl.LeveragedToken(3.0)}, m)
>>> df.shape[0]
2
"""

from __future__ import annotations

from importlib import import_module

from .engine import compare, simulate
from .market import DAYS_PER_YEAR, Market
from .policies import BandPolicy, CPPIPolicy, TrendPolicy, VolatilityTarget
from .products import (
    BINANCE_BTCUSDT_TIERS,
    REASONS,
    LeveragedToken,
    Perpetual,
    SmartLeverage,
    Spot,
    StructuredLeverage,
)
from .result import METRICS, Result

__all__ = [
    "Market",
    "DAYS_PER_YEAR",
    "simulate",
    "compare",
    "Result",
    "METRICS",
    "REASONS",
    "Spot",
    "LeveragedToken",
    "Perpetual",
    "SmartLeverage",
    "StructuredLeverage",
    "BINANCE_BTCUSDT_TIERS",
    "BandPolicy",
    "VolatilityTarget",
    "TrendPolicy",
    "CPPIPolicy",
    "theory",
    "scenarios",
    "data",
    "funds",
    "reference",
]

__version__ = "0.1.0"

_LAZY = {"theory", "scenarios", "data", "funds", "reference", "teach"}


def __getattr__(name: str):
    # submodules load on first use: `import smartlev` stays fast and loads no chart,
    # widget or Jupyter package (the teaching layer is `smartlev.teach`)
    if name in _LAZY:
        mod = import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'smartlev' has no attribute {name!r}")
