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
    """Per-simulation state of a policy (arrays of one value per path)."""

    needs_tolerance = True  # rebalance when |leverage - target| exceeds the tolerance

    def target(self, r: np.ndarray, nav: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


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
        st.needs_tolerance = False
        tgt = np.full(paths, self.target)
        lo, hi = self.band

        def target(r, nav, lev_abs):
            st.need = (lev_abs < lo) | (lev_abs > hi)
            return tgt

        st.target = target
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
        st = _State()
        lam = _decay(self.halflife_days, steps_per_day)
        w = (1.0 - lam) * DAYS_PER_YEAR * steps_per_day
        st.var = np.full(paths, self.initial_vol**2)
        st.tgt = np.empty(paths)
        st.tmp = np.empty(paths)
        tv = self.target_vol

        def target(r, nav, lev_abs):
            np.multiply(r, r, out=st.tmp)
            np.multiply(st.tmp, w, out=st.tmp)
            np.multiply(st.var, lam, out=st.var)
            np.add(st.var, st.tmp, out=st.var)
            np.sqrt(st.var, out=st.tgt)
            np.divide(tv, st.tgt, out=st.tgt)
            return st.tgt

        st.target = target
        st.initial = tv / self.initial_vol
        return st


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
        st = _State()
        lf = _decay(self.fast_days, steps_per_day)
        ls = _decay(self.slow_days, steps_per_day)
        lv = _decay(self.vol_halflife_days, steps_per_day)
        per_year = DAYS_PER_YEAR * steps_per_day
        scale = math.sqrt(self.slow_days / DAYS_PER_YEAR)
        st.logp = np.zeros(paths)
        st.fast = np.zeros(paths)
        st.slow = np.zeros(paths)
        st.var = np.full(paths, 0.7**2)
        k = self.strength

        def target(r, nav, lev_abs):
            st.logp = st.logp + np.log1p(r)
            st.fast = lf * st.fast + (1 - lf) * st.logp
            st.slow = ls * st.slow + (1 - ls) * st.logp
            st.var = lv * st.var + (1 - lv) * r * r * per_year
            z = side * (st.fast - st.slow) / (np.sqrt(st.var) * scale)
            frac = np.clip(0.5 + z / (2 * k), 0.0, 1.0)
            return st.lo + (st.hi - st.lo) * frac

        st.lo, st.hi = lo, hi
        st.target = target
        st.initial = 0.5 * (lo + hi)
        return st


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
        st = _State()
        m, f = self.multiplier, self.floor
        peak = np.ones(paths)
        tgt = np.empty(paths)
        ratchet = self.ratchet

        def target(r, nav, lev_abs):
            if ratchet:
                np.maximum(peak, nav, out=peak)
                floor = f * peak
            else:
                floor = f
            with np.errstate(divide="ignore", invalid="ignore"):
                np.divide(floor, nav, out=tgt, where=nav > 0)
            tgt[nav <= 0] = 1.0
            np.subtract(1.0, tgt, out=tgt)
            np.multiply(tgt, m, out=tgt)
            np.maximum(tgt, 0.0, out=tgt)
            return tgt

        st.target = target
        st.initial = m * (1.0 - f)
        return st


Policy = BandPolicy | VolatilityTarget | TrendPolicy | CPPIPolicy
