"""Leverage policies for :class:`smartlev.SmartLeverage`.

A policy looks at the market as it unfolds and proposes a *target* leverage for each
path after each closing price. The product clips that proposal to its own limits, applies
its risk controls and decides whether to trade. None of these policies is a claim about
one exchange: the exchanges that sell dynamically managed leverage do not publish their
rules, so each policy here is a documented, textbook model of one way to do it.

The protocol (one for every policy)
-----------------------------------
A policy is a frozen dataclass with one method,
``start(paths, steps_per_day, side, min_leverage, max_leverage) -> state``, called once per
simulation. The state holds one value per path and answers:

- ``state.initial``: the leverage (a magnitude) wanted at entry;
- ``state.band``: ``None``, or ``(low, high)`` when the product should trade only when its
  leverage leaves that band (instead of when it drifts ``tolerance`` away from the target);
- ``state.target(ret, nav)``: the leverage (magnitudes, one per path) wanted after a close,
  given that step's price return ``ret`` and the product's NAV ``nav``.

Adding a policy is one class here with :func:`register`; the tests pick it up from
:data:`POLICIES` and check it against the per-path loop in :mod:`smartlev.reference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_real
from .market import DAYS_PER_YEAR

__all__ = ["BandPolicy", "VolatilityTarget", "TrendPolicy", "CPPIPolicy", "Policy", "POLICIES"]

#: Every policy class, by name (filled by :func:`register`).
POLICIES: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a policy known to :class:`smartlev.SmartLeverage` and the tests."""
    POLICIES[cls.__name__] = cls
    return cls


def _decay(halflife_days: float, steps_per_day: int) -> float:
    """Per-step EWMA weight on the old value for a half-life given in days."""
    return 0.5 ** (1.0 / (halflife_days * steps_per_day))


@register
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

    @classmethod
    def examples(cls) -> tuple[BandPolicy, ...]:
        """Configurations the tests run against the per-path loop."""
        return (cls(2.0, (1.5, 3.0)),)

    def start(self, paths, steps_per_day, side, min_leverage, max_leverage) -> _BandState:
        return _BandState(self, paths)


class _BandState:
    def __init__(self, p: BandPolicy, paths: int) -> None:
        self.initial = p.target
        self.band = p.band
        self.want = np.full(paths, p.target)

    def target(self, ret: np.ndarray, nav: np.ndarray) -> np.ndarray:
        return self.want


@register
@dataclass(frozen=True)
class VolatilityTarget:
    """Leverage that shrinks when recent volatility rises: ordinary volatility targeting.

    Parameters
    ----------
    target_vol : float
        Annualised volatility the position aims for (e.g. 1.6 = 160 %/year).
    halflife_days : float
        Half-life of the exponentially weighted variance estimate, in days.
    initial_vol : float
        Annualised volatility assumed before any data is seen.
    scale : {"volatility", "variance"}
        ``"volatility"`` (default): leverage :math:`\\sigma^* / \\hat\\sigma_t`, the usual
        volatility target (a position whose volatility is about :math:`\\sigma^*`).
        ``"variance"``: leverage :math:`(\\sigma^* / \\hat\\sigma_t)^2`, the rule of Moreira
        and Muir (2017), who scale exposure by the inverse of the estimated *variance*.

    Notes
    -----
    The variance estimate is an EWMA of squared step returns, annualised:
    :math:`\\hat\\sigma^2_t = \\lambda \\hat\\sigma^2_{t-1} + (1 - \\lambda) r_t^2 / \\Delta t`
    with :math:`\\lambda = 2^{-1/(h\\,n)}` for half-life :math:`h` days and :math:`n` steps a day.
    The proposal is clipped by the product's leverage range.

    References
    ----------
    Moreira, A. and Muir, T. (2017), "Volatility-Managed Portfolios", Journal of Finance 72(4)
    (the ``"variance"`` rule).

    Examples
    --------
    >>> VolatilityTarget(target_vol=1.6).halflife_days
    7.0
    >>> VolatilityTarget(scale="log")
    Traceback (most recent call last):
    ...
    ValueError: scale must be one of 'volatility', 'variance', got 'log'
    """

    target_vol: float = 1.6
    halflife_days: float = 7.0
    initial_vol: float = 0.7
    scale: str = "volatility"

    def __post_init__(self) -> None:
        for name in ("target_vol", "halflife_days", "initial_vol"):
            v = check_real(name, getattr(self, name), low=0.0, high=100.0, low_open=True)
            object.__setattr__(self, name, v)
        check_choice("scale", self.scale, ("volatility", "variance"))

    @classmethod
    def examples(cls) -> tuple[VolatilityTarget, ...]:
        """Configurations the tests run against the per-path loop."""
        return (cls(), cls(target_vol=1.2, halflife_days=2.0, scale="variance"))

    def start(self, paths, steps_per_day, side, min_leverage, max_leverage) -> _VolState:
        return _VolState(self, paths, steps_per_day)


class _VolState:
    band = None

    def __init__(self, p: VolatilityTarget, paths: int, steps_per_day: int) -> None:
        self.lam = _decay(p.halflife_days, steps_per_day)
        w = (1.0 - self.lam) * DAYS_PER_YEAR * steps_per_day
        # the recursion runs on var / w (one multiplication less per step); the target
        # is then sigma* / sqrt(var) = (sigma* / sqrt(w)) / sqrt(var / w)
        self.var = np.full(paths, p.initial_vol**2 / w)
        self.tv = p.target_vol / math.sqrt(w)
        self.squared = p.scale == "variance"
        self.initial = (p.target_vol / p.initial_vol) ** (2 if self.squared else 1)
        self.want = np.empty(paths)

    def target(self, ret: np.ndarray, nav: np.ndarray) -> np.ndarray:
        var, want = self.var, self.want
        var *= self.lam
        np.multiply(ret, ret, out=want)
        var += want  # var / w  =  lam var / w + r^2
        np.sqrt(var, out=want)
        np.divide(self.tv, want, out=want)
        if self.squared:
            want *= want
        return want


@register
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

    @classmethod
    def examples(cls) -> tuple[TrendPolicy, ...]:
        """Configurations the tests run against the per-path loop."""
        return (cls(), cls(fast_days=2.0, slow_days=10.0, strength=0.5))

    def start(self, paths, steps_per_day, side, min_leverage, max_leverage) -> _TrendState:
        return _TrendState(self, paths, steps_per_day, side, min_leverage, max_leverage)


class _TrendState:
    band = None

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

    def target(self, ret: np.ndarray, nav: np.ndarray) -> np.ndarray:
        lf, ls, lv = self.lf, self.ls, self.lv
        self.logp = self.logp + np.log1p(ret)
        self.fast = lf * self.fast + (1 - lf) * self.logp
        self.slow = ls * self.slow + (1 - ls) * self.logp
        self.var = lv * self.var + ret * ret * ((1 - lv) * self.per_year)
        z = self.side * (self.fast - self.slow) / (np.sqrt(self.var) * self.scale)
        frac = np.clip(0.5 + z / (2 * self.k), 0.0, 1.0)
        return frac * (self.hi - self.lo) + self.lo


@register
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

    @classmethod
    def examples(cls) -> tuple[CPPIPolicy, ...]:
        """Configurations the tests run against the per-path loop."""
        return (cls(4.0, 0.7, ratchet=True), cls(3.0, 0.8))

    def start(self, paths, steps_per_day, side, min_leverage, max_leverage) -> _CPPIState:
        return _CPPIState(self, paths)


class _CPPIState:
    band = None

    def __init__(self, p: CPPIPolicy, paths: int) -> None:
        self.m, self.f, self.ratchet = p.multiplier, p.floor, p.ratchet
        self.peak = np.ones(paths)  # running peak of NAV (after costs, before trading)
        self.initial = p.multiplier * (1.0 - p.floor)

    def target(self, ret: np.ndarray, nav: np.ndarray) -> np.ndarray:
        floor = self.f
        if self.ratchet:
            np.maximum(self.peak, nav, out=self.peak)
            floor = self.f * self.peak
        live = nav > 0
        tgt = np.zeros_like(nav)
        np.divide(floor, nav, out=tgt, where=live)
        np.subtract(1.0, tgt, out=tgt)
        tgt[~live] = 0.0
        tgt *= self.m
        np.maximum(tgt, 0.0, out=tgt)
        return tgt


Policy = BandPolicy | VolatilityTarget | TrendPolicy | CPPIPolicy
