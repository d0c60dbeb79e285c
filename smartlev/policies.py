"""Leverage policies for :class:`smartlev.SmartLeverage`.

A policy looks at the market as it unfolds and proposes a *target* leverage for each
path at each step. The product clips that proposal to its own limits, applies its risk
controls and decides whether to trade. None of these policies is a claim about one
exchange: the exchanges that sell dynamically managed leverage do not publish their
rules, so each policy here is a documented, textbook model of one way to do it.

Every policy is a frozen dataclass; its mutable per-path state lives in a small object
created for each simulation, so one policy can be reused on many markets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import check_real
from .market import DAYS_PER_YEAR

__all__ = ["BandPolicy", "VolatilityTarget", "TrendPolicy", "CPPIPolicy", "Policy"]


def _decay(halflife_days: float, steps_per_day: int) -> float:
    """Per-step EWMA weight on the old value for a half-life given in days."""
    return 0.5 ** (1.0 / (halflife_days * steps_per_day))


class _State:
    """Per-simulation state of a policy (arrays of one value per path).

    The kernel works on blocks of steps (rows) for many paths (columns). A policy is one
    of three kinds:

    - ``"band"``: a fixed target, traded back to when leverage leaves ``band``;
    - ``"market"``: the target depends on prices only; :meth:`block` turns a block of
      step returns into a block of targets and carries the state to the block's end (a
      state with ``monotone = True`` also splits it in two: ``block_pre`` keeps an
      estimate per row and ``target`` maps estimates to targets, a non-increasing map,
      so that the controller can bound a block's targets by the extreme estimates);
    - ``"nav"``: the target depends on the product's NAV; :meth:`nav_target` gives the
      targets along a trial NAV path and :meth:`commit` keeps the state of the rows that
      turned out final.
    """

    kind = "market"
    initial = 1.0

    def block(self, r: np.ndarray, out: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def nav_target(self, cols, active, nav: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def commit(self, cols, last_row: np.ndarray) -> None:
        """Keep the state as of ``last_row`` (one row per column) of the last trial."""


@dataclass(frozen=True)
class BandPolicy:
    """Keep leverage free inside a band; trade back to a target only when it leaves.

    This is the Binance BLVT / Bybit leveraged-token style of "need-based" rebalancing:
    between trades the realised leverage drifts with the price, so it is never fixed.

    Parameters
    ----------
    target : float
        Leverage restored when the band is left (magnitude, > 0).
    band : tuple of float
        ``(low, high)`` magnitudes of realised leverage that trigger a trade;
        ``low < target < high``.

    Notes
    -----
    With notional :math:`n` and NAV :math:`V`, a price return :math:`r` moves leverage
    :math:`\\ell = n / V` to :math:`\\ell' = \\ell (1 + r) / (1 + \\ell r)`; a trade happens
    when :math:`\\ell' \\notin [\\ell_{low}, \\ell_{high}]`.

    Examples
    --------
    >>> BandPolicy(target=2.5, band=(1.5, 3.5))
    BandPolicy(target=2.5, band=(1.5, 3.5))
    """

    target: float = 2.5
    band: tuple[float, float] = (1.5, 3.5)

    def __post_init__(self) -> None:
        t = check_real("target", self.target, low=0.0, high=20.0, low_open=True)
        if not isinstance(self.band, (tuple, list)) or len(self.band) != 2:
            raise TypeError(f"band must be a (low, high) pair, got {self.band!r}")
        lo = check_real("band low", self.band[0], low=0.0)
        hi = check_real("band high", self.band[1], low=0.0)
        if not lo < t < hi:
            raise ValueError(
                f"band must contain the target: need low < {t:g} < high, got {self.band!r}"
            )
        object.__setattr__(self, "band", (lo, hi))

    def _start(self, paths: int, steps_per_day: int, side: float) -> _State:
        st = _State()
        st.kind = "band"
        st.band = tuple(float(b) for b in self.band)
        st.initial = self.target
        return st


@dataclass(frozen=True)
class VolatilityTarget:
    """Leverage inversely proportional to recent volatility (Moreira & Muir, 2017).

    Parameters
    ----------
    target_vol : float
        Annualised volatility the position aims for (e.g. 1.5 = 150 %/year).
    halflife_days : float
        Half-life of the exponentially weighted variance estimate, in days.
    initial_vol : float
        Annualised volatility assumed before any data is seen.

    Notes
    -----
    The variance estimate is an EWMA of squared step returns, annualised:
    :math:`\\hat\\sigma^2_t = \\lambda \\hat\\sigma^2_{t-1} + (1 - \\lambda) r_t^2 / \\Delta t`
    with :math:`\\lambda = 2^{-1/(h\\,n)}` for half-life :math:`h` days and :math:`n` steps a day.
    The proposed leverage is :math:`\\sigma^* / \\hat\\sigma_t`, clipped by the product.

    References
    ----------
    Moreira, A. and Muir, T. (2017), "Volatility-Managed Portfolios", Journal of Finance 72(4).

    Examples
    --------
    >>> VolatilityTarget(target_vol=1.6).halflife_days
    7.0
    """

    target_vol: float = 1.6
    halflife_days: float = 7.0
    initial_vol: float = 0.7

    def __post_init__(self) -> None:
        for name in ("target_vol", "halflife_days", "initial_vol"):
            v = check_real(name, getattr(self, name), low=0.0, high=100.0, low_open=True)
            object.__setattr__(self, name, v)

    def _start(self, paths: int, steps_per_day: int, side: float) -> _State:
        return _VolState(self, paths, steps_per_day)


class _VolState(_State):
    def __init__(self, p: VolatilityTarget, paths: int, steps_per_day: int) -> None:
        self.lam = _decay(p.halflife_days, steps_per_day)
        w = (1.0 - self.lam) * DAYS_PER_YEAR * steps_per_day
        # the recursion runs on var / w (one multiplication less per step); the target
        # is then sigma* / sqrt(var) = (sigma* / sqrt(w)) / sqrt(var / w)
        self.var = np.full(paths, p.initial_vol**2 / w)
        self.tmp = np.empty(paths)
        self.tv = p.target_vol / np.sqrt(w)
        self.initial = p.target_vol / p.initial_vol

    #: targets are ``target(x)`` of the window :meth:`block_pre` returns, a non-increasing
    #: function of ``x`` (also after rounding), so a block's extreme targets come from the
    #: extremes of ``x``
    monotone = True

    def block_pre(self, r: np.ndarray, out: np.ndarray) -> np.ndarray:
        """The variance estimates ``var / w`` of a block of step returns, written to ``out``."""
        # var_j / w = lam var_{j-1} / w + r_j^2, row by row (a recursion in time)
        np.multiply(r, r, out=out)
        prev, tmp = self.var, self.tmp
        for j in range(out.shape[0]):
            np.multiply(prev, self.lam, out=tmp)
            np.add(tmp, out[j], out=out[j])
            prev = out[j]
        self.var = prev.copy()
        return out

    def target(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Targets ``sigma* / sigma_hat`` from estimates ``x = var / w`` (unclipped)."""
        out = np.sqrt(x, out=out)
        return np.divide(self.tv, out, out=out)

    def block(self, r: np.ndarray, out: np.ndarray) -> np.ndarray:
        return self.target(self.block_pre(r, out), out)


@dataclass(frozen=True)
class TrendPolicy:
    """More leverage in a clear trend in the position's direction, less without one.

    Parameters
    ----------
    fast_days, slow_days : float
        Half-lives (days) of the fast and slow exponential averages of log price.
    vol_halflife_days : float
        Half-life of the volatility estimate that scales the signal.
    strength : float
        How many units of the normalised signal move leverage from the middle of the
        product's range to its top.

    Notes
    -----
    With fast and slow EWMAs :math:`f_t, s_t` of :math:`\\log S_t` and the EWMA
    volatility :math:`\\hat\\sigma_t`, the signal is
    :math:`z_t = (f_t - s_t) / (\\hat\\sigma_t \\sqrt{D_{slow} / 365})` (signed by the
    side), and the policy proposes
    :math:`\\ell_t = \\ell_{min} + (\\ell_{max} - \\ell_{min})\\,c_t` with
    :math:`c_t = \\mathrm{clip}(1/2 + z_t / (2k), 0, 1)`.

    Examples
    --------
    >>> TrendPolicy().slow_days
    20.0
    """

    fast_days: float = 3.0
    slow_days: float = 20.0
    vol_halflife_days: float = 10.0
    strength: float = 1.0

    def __post_init__(self) -> None:
        for name in ("fast_days", "slow_days", "vol_halflife_days", "strength"):
            v = check_real(name, getattr(self, name), low=0.0, high=10_000.0, low_open=True)
            object.__setattr__(self, name, v)
        if self.fast_days >= self.slow_days:
            raise ValueError(
                f"fast_days must be shorter than slow_days, got {self.fast_days:g} "
                f">= {self.slow_days:g}"
            )

    def _start(self, paths: int, steps_per_day: int, side: float, lo=1.0, hi=4.0) -> _State:
        return _TrendState(self, paths, steps_per_day, side, lo, hi)


class _TrendState(_State):
    def __init__(self, p: TrendPolicy, paths, steps_per_day, side, lo, hi) -> None:
        self.lf = _decay(p.fast_days, steps_per_day)
        self.ls = _decay(p.slow_days, steps_per_day)
        self.lv = _decay(p.vol_halflife_days, steps_per_day)
        self.per_year = DAYS_PER_YEAR * steps_per_day
        self.scale = math.sqrt(p.slow_days / DAYS_PER_YEAR)
        self.k = p.strength
        self.side = side
        self.logp = np.zeros(paths)
        self.fast = np.zeros(paths)
        self.slow = np.zeros(paths)
        self.var = np.full(paths, 0.7**2)
        self.lo, self.hi = lo, hi
        self.initial = 0.5 * (lo + hi)

    def block(self, r: np.ndarray, out: np.ndarray) -> np.ndarray:
        lf, ls, lv = self.lf, self.ls, self.lv
        logr = np.log1p(r)
        r2 = r * r
        r2 *= (1 - lv) * self.per_year
        for j in range(r.shape[0]):
            self.logp = self.logp + logr[j]
            self.fast = lf * self.fast + (1 - lf) * self.logp
            self.slow = ls * self.slow + (1 - ls) * self.logp
            self.var = lv * self.var + r2[j]
            z = self.side * (self.fast - self.slow) / (np.sqrt(self.var) * self.scale)
            frac = np.clip(0.5 + z / (2 * self.k), 0.0, 1.0)
            np.multiply(frac, self.hi - self.lo, out=out[j])
            out[j] += self.lo
        return out


@dataclass(frozen=True)
class CPPIPolicy:
    """Constant-proportion portfolio insurance: exposure = multiplier x cushion.

    Parameters
    ----------
    multiplier : float
        :math:`m`, exposure per unit of cushion.
    floor : float
        Floor as a fraction of the starting NAV (or of the running peak NAV when
        ``ratchet`` is true, which turns the policy into a drawdown brake).
    ratchet : bool
        Raise the floor with new NAV highs (floor = ``floor`` x peak NAV).

    Notes
    -----
    Exposure is :math:`E_t = m (V_t - F_t)`, so leverage is
    :math:`\\ell_t = m (1 - F_t / V_t)`, clipped at 0 and by the product's maximum.
    With continuous trading the cushion :math:`V - F` is exactly a leveraged token with
    leverage :math:`m`; a single drop larger than :math:`1/m` between two trades goes
    through the floor (gap risk). Use it with ``min_leverage=0``.

    References
    ----------
    Perold, A. (1986), "Constant Proportion Portfolio Insurance", Harvard Business School.
    Black, F. and Jones, R. (1987), "Simplifying portfolio insurance", J. Portfolio Mgmt.

    Examples
    --------
    >>> CPPIPolicy(multiplier=4, floor=0.8).multiplier
    4.0
    """

    multiplier: float = 4.0
    floor: float = 0.7
    ratchet: bool = False

    def __post_init__(self) -> None:
        m = check_real("multiplier", self.multiplier, low=0.0, high=50.0, low_open=True)
        f = check_real("floor", self.floor, low=0.0, high=1.0, high_open=True)
        object.__setattr__(self, "multiplier", m)
        object.__setattr__(self, "floor", f)
        if not isinstance(self.ratchet, bool):
            raise TypeError(f"ratchet must be True or False, got {self.ratchet!r}")

    def _start(self, paths: int, steps_per_day: int, side: float) -> _State:
        return _CPPIState(self, paths)


class _CPPIState(_State):
    kind = "nav"

    def __init__(self, p: CPPIPolicy, paths: int) -> None:
        self.m, self.f, self.ratchet = p.multiplier, p.floor, p.ratchet
        self.peak = np.ones(paths)  # running peak of NAV (before trading)
        self.trial_peak = None
        self.initial = p.multiplier * (1.0 - p.floor)

    def nav_target(self, cols, active, nav: np.ndarray) -> np.ndarray:
        if self.ratchet:
            pk = self.trial_peak = np.empty_like(nav)
            seen = nav if active is None else np.where(active, nav, 0.0)
            prev = self.peak if cols is None else self.peak[cols]
            for j in range(nav.shape[0]):
                np.maximum(prev, seen[j], out=pk[j])
                prev = pk[j]
            floor = self.f * pk
        else:
            floor = self.f
        tgt = np.zeros_like(nav)
        live = nav > 0
        np.divide(floor, nav, out=tgt, where=live)
        np.subtract(1.0, tgt, out=tgt)
        tgt[~live] = 0.0
        np.multiply(tgt, self.m, out=tgt)
        np.maximum(tgt, 0.0, out=tgt)
        return tgt

    def commit(self, cols, last_row: np.ndarray) -> None:
        if self.ratchet:
            kept = self.trial_peak[last_row, np.arange(last_row.size)]
            if cols is None:
                self.peak = kept
            else:
                self.peak[cols] = kept


Policy = BandPolicy | VolatilityTarget | TrendPolicy | CPPIPolicy
