"""The outcome of a simulation: NAV and leverage histories, events, costs and metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._scratch import Scratch
from .market import DAYS_PER_YEAR

__all__ = ["Result", "METRICS"]

_FLUSH = 32  # steps of NAV kept before they are folded into the statistics

#: Columns of :meth:`Result.summary` and :func:`smartlev.compare`, with their meaning.
METRICS: dict[str, str] = {
    "paths": "number of simulated paths",
    "days": "length of the simulation in days",
    "mean_return": "mean total return over paths (final NAV - 1)",
    "median_return": "median total return",
    "p05_return": "5th percentile of total return (a bad outcome)",
    "p95_return": "95th percentile of total return (a good outcome)",
    "prob_loss": "share of paths that end below the starting NAV",
    "volatility": "median over paths of the annualised volatility of NAV step returns",
    "max_drawdown": "median over paths of the largest peak-to-trough fall of NAV",
    "worst_drawdown": "largest drawdown on any path",
    "leverage_mean": "mean realised leverage (|notional| / NAV) over steps and paths",
    "leverage_min": "smallest realised leverage seen on any path",
    "leverage_max": "largest realised leverage seen on any path",
    "rebalances": "mean number of trades per path",
    "costs": "mean fees + funding + interest + trading costs paid per path (fraction of start NAV)",
    "liquidated": "share of paths liquidated (margin products)",
    "wiped_out": "share of paths whose NAV reached zero without liquidation",
}


@dataclass
class Result:
    """What happened to one product on every path of a market.

    Attributes
    ----------
    product : object
        The product simulated.
    market_name : str
    steps_per_day : int
    days : float
    nav : ndarray or None
        NAV after each step, shape ``(paths, steps + 1)``, starting at 1.0; never NaN and
        never negative. ``None`` when the simulation kept no history.
    leverage : ndarray or None
        Signed effective leverage (notional / NAV) after each step's trading, same shape;
        0 once NAV is 0.
    reason : ndarray or None
        Why the position traded at each step (codes in :data:`smartlev.REASONS`), int8.
    final_nav : ndarray
        NAV at the end, shape ``(paths,)``.
    rebalances : ndarray
        Number of trades per path (the entry trade not counted).
    liquidated, wiped_out : ndarray of bool
        Whether the path was liquidated (perpetuals) or its NAV reached zero (others).
    event_step : ndarray of int
        Step of the liquidation or wipe-out, -1 when none.
    fees_paid, funding_paid, trading_costs : ndarray
        Totals per path in units of the starting NAV (funding can be negative: received).
        Fees include a perpetual's taker fees and a token's subscription and redemption.
    interest_paid : ndarray or None
        Interest paid on borrowed cash less interest earned on cash held, per path.
    max_drawdown : ndarray
        Largest peak-to-trough fall of NAV per path, a fraction in [0, 1].
    volatility : ndarray
        Annualised standard deviation of NAV step returns per path.
    leverage_mean, leverage_min, leverage_max : ndarray
        Realised-leverage statistics (magnitudes) per path over the steps with NAV > 0.
    """

    product: object
    market_name: str
    steps_per_day: int
    days: float
    final_nav: np.ndarray
    rebalances: np.ndarray
    liquidated: np.ndarray
    wiped_out: np.ndarray
    event_step: np.ndarray
    fees_paid: np.ndarray
    funding_paid: np.ndarray
    trading_costs: np.ndarray
    max_drawdown: np.ndarray
    volatility: np.ndarray
    leverage_mean: np.ndarray
    leverage_min: np.ndarray
    leverage_max: np.ndarray
    interest_paid: np.ndarray | None = None
    nav: np.ndarray | None = None
    leverage: np.ndarray | None = None
    reason: np.ndarray | None = None

    @property
    def name(self) -> str:
        """The product's label."""
        return getattr(self.product, "name", type(self.product).__name__)

    @property
    def paths(self) -> int:
        return int(self.final_nav.shape[0])

    @property
    def total_return(self) -> np.ndarray:
        """Final NAV minus 1, per path."""
        return self.final_nav - 1.0

    @property
    def costs(self) -> np.ndarray:
        """Fees + funding + interest + trading costs per path."""
        interest = 0.0 if self.interest_paid is None else self.interest_paid
        return self.fees_paid + self.funding_paid + interest + self.trading_costs

    @property
    def time_days(self) -> np.ndarray:
        """Time of each NAV column in days."""
        n = self.nav.shape[1] if self.nav is not None else int(self.days * self.steps_per_day) + 1
        return np.arange(n) / self.steps_per_day

    def summary(self) -> pd.DataFrame:
        """One-row table of the metrics in :data:`METRICS`, indexed by product name.

        Examples
        --------
        >>> import smartlev as sl
        >>> r = sl.simulate(sl.Spot(), sl.Market.from_prices([100, 150, 120]))
        >>> r.summary().loc["Spot", ["median_return", "max_drawdown"]].round(3).tolist()
        [0.2, 0.2]
        """
        ret = self.total_return
        p05, p50, p95 = np.percentile(ret, [5, 50, 95])
        row = {
            "paths": self.paths,
            "days": self.days,
            "mean_return": float(ret.mean()),
            "median_return": float(p50),
            "p05_return": float(p05),
            "p95_return": float(p95),
            "prob_loss": float((ret < 0).mean()),
            "volatility": float(np.median(self.volatility)),
            "max_drawdown": float(np.median(self.max_drawdown)),
            "worst_drawdown": float(self.max_drawdown.max()),
            "leverage_mean": float(np.mean(self.leverage_mean)),
            "leverage_min": float(self.leverage_min.min()),
            "leverage_max": float(self.leverage_max.max()),
            "rebalances": float(self.rebalances.mean()),
            "costs": float(self.costs.mean()),
            "liquidated": float(self.liquidated.mean()),
            "wiped_out": float(self.wiped_out.mean()),
        }
        df = pd.DataFrame([row], index=pd.Index([self.name], name="product"))
        return df

    def __repr__(self) -> str:
        hist = "with history" if self.nav is not None else "final values only"
        return (
            f"Result({self.name!r} on {self.market_name!r}: {self.paths} paths, "
            f"{self.days:g} days, {hist}; median final NAV {np.median(self.final_nav):.4f})"
        )


class _Stats:
    """Per-path statistics folded in span by span from time-major NAV and notional rows."""

    def __init__(self, paths: int, steps_per_day: int, sign: float = 0.0) -> None:
        self.sign = sign  # +1 or -1 when every notional has that sign (no abs() needed)
        self.s1 = np.zeros(paths)  # sum of NAV step returns
        self.s2 = np.zeros(paths)  # sum of their squares
        self.count_r = np.zeros(paths)
        self.lev_sum = np.zeros(paths)
        self.lev_count = np.zeros(paths)
        self.lev_min = np.full(paths, np.inf)
        self.lev_max = np.zeros(paths)
        self.per_year = DAYS_PER_YEAR * steps_per_day
        self.first = True
        self._scratch = Scratch()

    def add(self, nav: np.ndarray, notional: np.ndarray, some_dead: bool) -> None:
        """Fold rows ``(k + 1, paths)`` in; row 0 overlaps the previous span's last row."""
        k = nav.shape[0] - 1
        if self.first:  # the first span's row 0 (the start) counts for leverage too
            cur_nav, cur_n = nav, notional
        else:
            cur_nav, cur_n = nav[1:], notional[1:]
        # scratch in the input's layout: a transposed path-major history is read and
        # written along its paths' rows
        order = "F" if nav.flags.f_contiguous and not nav.flags.c_contiguous else "C"
        g = self._scratch.get("g", (k, nav.shape[1]), order)
        lev = self._scratch.get("lev", cur_nav.shape, order)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(nav[1:], nav[:-1], out=g)
            g -= 1.0  # net returns: their variance loses nothing to cancellation
            np.divide(cur_n, cur_nav, out=lev)
        if not self.sign:
            np.abs(lev, out=lev)
        self.first = False
        if some_dead:
            ok = np.isfinite(g)
            g[~ok] = 0.0
            self.count_r += ok.sum(axis=0)
            live = np.isfinite(lev)
            self.lev_count += live.sum(axis=0)
            lev[~live] = 0.0
            lev_for_min = np.where(live, lev, np.inf)
        else:
            self.count_r += k
            self.lev_count += lev.shape[0]
            lev_for_min = lev
        self.s1 += g.sum(axis=0)
        self.s2 += np.einsum("ij,ij->j", g, g)
        if self.sign < 0:  # magnitudes of negative leverage: -sum, -max, -min
            self.lev_sum -= lev.sum(axis=0)
            if some_dead:
                lev_for_min = np.where(live, lev, -np.inf)
            np.minimum(self.lev_min, -lev_for_min.max(axis=0), out=self.lev_min)
            np.maximum(self.lev_max, -lev.min(axis=0), out=self.lev_max)
            return
        self.lev_sum += lev.sum(axis=0)
        np.minimum(self.lev_min, lev_for_min.min(axis=0), out=self.lev_min)
        np.maximum(self.lev_max, lev.max(axis=0), out=self.lev_max)

    def finish(self) -> dict[str, np.ndarray]:
        n = np.maximum(self.count_r, 1)
        mean = self.s1 / n
        var = np.maximum(self.s2 / n - mean * mean, 0.0) * n / np.maximum(n - 1, 1)
        lev_min = np.where(np.isfinite(self.lev_min), self.lev_min, 0.0)
        return {
            "volatility": np.sqrt(var * self.per_year),
            "leverage_mean": self.lev_sum / np.maximum(self.lev_count, 1),
            "leverage_min": lev_min,
            "leverage_max": self.lev_max,
        }


class Recorder:
    """NAV and notional rows of a chunk, folded into per-path statistics every
    ``_FLUSH`` steps (all rows are kept with history, a short buffer otherwise)."""

    def __init__(self, P: int, T: int, history: bool, steps_per_day: int, initial: float):
        rows = T + 1 if history else _FLUSH + 1
        self.nav, self.n = np.empty((rows, P)), np.empty((rows, P))
        self.nav[0], self.n[0] = 1.0, initial
        self.row = self.f0 = 0
        self.history = history
        self.stats = _Stats(P, steps_per_day, sign=float(np.sign(initial)))
        self.peak, self.dd = np.ones(P), np.ones(P)  # running peak; smallest NAV / peak
        self._ratio = np.empty(P)

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The NAV and notional rows of the next step (views, written in place)."""
        self.row += 1
        return self.nav[self.row], self.n[self.row]

    def add(self, some_dead: bool) -> None:
        if self.row - self.f0 == _FLUSH:
            self.flush(some_dead)

    def flush(self, some_dead: bool) -> None:
        f0, row = self.f0, self.row
        self.stats.add(self.nav[f0 : row + 1], self.n[f0 : row + 1], some_dead)
        peak, dd, ratio = self.peak, self.dd, self._ratio
        for nav in self.nav[f0 + 1 : row + 1]:  # row by row: faster than accumulate on rows
            np.maximum(peak, nav, out=peak)
            np.divide(nav, peak, out=ratio)
            np.minimum(dd, ratio, out=dd)
        if self.history:
            self.f0 = row
        else:  # the span's last row becomes row 0 of the next
            self.nav[0], self.n[0] = self.nav[row], self.n[row]
            self.row = 0

    def finish(self, book, history: bool) -> dict:
        if self.row > self.f0:
            self.flush(book.any_dead)
        final = self.nav[self.row if history else 0].copy()
        none = np.zeros(book.dead.size, dtype=bool)
        out = {
            "final_nav": final,
            "rebalances": book.rebal,
            "liquidated": book.dead.copy() if book.margin else none,
            "wiped_out": none if book.margin else book.dead.copy(),
            "event_step": book.event,
            "fees_paid": book.fees,
            "funding_paid": book.fund,
            "interest_paid": book.interest,
            "trading_costs": book.tcost,
            **self.stats.finish(),
            "max_drawdown": np.clip(1.0 - self.dd, 0.0, 1.0),
        }
        if history:
            nav, n = self.nav, self.n
            out["nav"] = np.ascontiguousarray(nav.T)
            lev = np.divide(n, nav, out=np.zeros_like(n), where=nav > 0)
            out["leverage"] = np.ascontiguousarray(lev.T)
            out["reason"] = np.ascontiguousarray(book.reason.T)
        return out
