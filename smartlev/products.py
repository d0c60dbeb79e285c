"""The products: frozen dataclasses, each telling the one stepping kernel how it trades.

Every product holds a position in the underlying and differs only in (a) the leverage
it aims for, (b) when it trades back to that aim, (c) what it charges and (d) what
happens at the bottom: liquidation (perpetual contracts) or a floor at zero (products
without margin).

The protocol (one for every product)
------------------------------------
A product has one method, ``rules(paths, steps_per_day, intrabar) -> Rules``, called once
per simulation. The :class:`Rules` object it returns holds what the product does, one
value per path where it keeps state, and the kernel in :mod:`smartlev.engine` asks it
only these things:

- ``initial``: the signed leverage bought at entry; ``sign``: +1 long, -1 short;
- costs: ``management_fee`` (per day, on NAV), ``funding_rate`` (per 8 hours, on the
  notional), ``interest_rate`` (per year, on the cash balance), ``trading_cost`` (per unit
  of traded notional), ``entry_cost`` (NAV paid at entry) and ``exit_cost(nav, notional)``
  (NAV paid on leaving at the last price);
- the bottom: ``margin`` and, for a margin product, ``maintenance(notional)`` and
  ``liquidation_price(units, cash)``, where it is liquidated (without margin the NAV is
  floored at zero);
- price levels inside a bar: ``above`` and ``below``, magnitudes of leverage at which the
  product trades as soon as the price takes its leverage there, and ``stop``, a fall
  (rise, for a short) from the last close at which a circuit breaker fires;
  ``fill(kind, paths, t)`` gives the signed leverage to trade to and the reason for
  ``paths`` whose level fired in bar ``t``, ``kind`` naming each path's level ("above",
  "below" or "stop");
- ``close(t, ret, nav, notional)``: after each close, which paths trade, to what signed
  leverage and why: ``None`` or ``(paths, targets, reasons)``.

The kernel (and the per-path loop) call these with numpy's division warnings silenced:
dead paths have units, cash and NAV 0, and their ratios are NaN by design.

Adding a product is one class in this module with :func:`register`; the engine needs no
change and the tests pick it up from :data:`PRODUCTS` (see the README's "Add a product").

Rates: ``management_fee`` per day, ``funding_rate`` per 8 hours (charged on the notional
at each 00/08/16 UTC funding time the step crosses), ``interest_rate`` per year (365
days), ``fee`` and ``trading_cost`` per unit of traded notional.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_choice, check_real
from .policies import POLICIES, BandPolicy, Policy, VolatilityTarget

__all__ = [
    "Spot",
    "LeveragedToken",
    "Perpetual",
    "SmartLeverage",
    "StructuredLeverage",
    "Rules",
    "REASONS",
    "PRODUCTS",
    "BINANCE_BTCUSDT_TIERS",
    "register",
]

#: Reason codes stored in :attr:`smartlev.Result.reason` (why the position traded).
REASONS: dict[int, str] = {
    0: "no trade",
    1: "policy",
    2: "schedule",
    3: "band",
    4: "leverage cap",
    5: "circuit breaker",
    6: "liquidated",
    7: "wiped out",
    8: "entry",
}
POLICY, SCHEDULE, BAND, CAP, BREAKER, LIQUIDATED, WIPED, ENTRY = 1, 2, 3, 4, 5, 6, 7, 8

# A band or tolerance is crossed only when leverage passes it by more than this: a value
# that lands exactly on the edge in exact arithmetic (easy with round numbers) then does
# not trade whichever way the last bit of floating point rounds.
EDGE = 1e-12

#: Inside a bar, Smart Leverage's cap acts at ``max_leverage + tolerance``, the tolerance
#: taken as at least this (leverage units): a cap with no room above the target would
#: trade on every tick of a falling price. At closes the tolerance is used as given.
CAP_MIN_TOLERANCE = 0.01

#: Every product class, by name (filled by :func:`register`).
PRODUCTS: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make a product known to :func:`smartlev.simulate` and the tests."""
    PRODUCTS[cls.__name__] = cls
    return cls


#: Binance BTCUSDT perpetual maintenance-margin brackets as published in 2021:
#: (upper notional bound in USDT, maintenance margin rate). Check the exchange's current
#: table before relying on the numbers; the shape (rates rising with size) is what matters.
BINANCE_BTCUSDT_TIERS: tuple[tuple[float, float], ...] = (
    (50_000.0, 0.004),
    (250_000.0, 0.005),
    (1_000_000.0, 0.01),
    (10_000_000.0, 0.025),
    (20_000_000.0, 0.05),
    (50_000_000.0, 0.10),
    (100_000_000.0, 0.125),
    (200_000_000.0, 0.15),
    (300_000_000.0, 0.25),
    (float("inf"), 0.50),
)


def _check_fees(obj, *names: str) -> None:
    for name in names:
        v = check_real(name, getattr(obj, name), low=0.0, high=0.1)
        object.__setattr__(obj, name, v)


def _check_rate(obj, name: str, low: float, high: float) -> None:
    """A rate given as one number or one value per step (kept as a tuple of floats)."""
    value = getattr(obj, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        object.__setattr__(obj, name, check_real(name, value, low=low, high=high))
        return
    arr = np.asarray(value, dtype=float) if len(value) else np.zeros(0)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a 1-D sequence of one value per step")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be finite and in [{low:g}, {high:g}] at every step, got {arr[i]!r} "
            f"at step {i + 1}"
        )
    object.__setattr__(obj, name, tuple(arr.tolist()))


def _check_every(obj) -> None:
    if obj.rebalance_every_days is not None:
        v = check_real(
            "rebalance_every_days", obj.rebalance_every_days, low=0.0, high=3650.0, low_open=True
        )
        object.__setattr__(obj, "rebalance_every_days", v)


def _schedule_steps(every_days: float | None, steps_per_day: int) -> int:
    """Steps between scheduled rebalances (0 = no schedule); at least one step."""
    if every_days is None:
        return 0
    return max(1, int(round(every_days * steps_per_day)))


# ----------------------------------------------------------------------- the protocol
class Rules:
    """What a product does, for one simulation: the protocol the kernel calls.

    This base class is a position bought once and held: no trading after entry, costs
    read from the product's fields of the same names (0 when it has none), NAV floored at
    zero. Products override what they do differently; see the module docstring.
    """

    initial: float = 1.0
    sign: float = 1.0
    above: float | None = None
    below: float | None = None
    stop: float | None = None
    wants_return: bool = False  # close() reads the step's price return
    margin: bool = False  # liquidated at liquidation_price (else: NAV floored at zero)
    levels_move: bool = False  # above, below or stop may change at a close (per path)

    def __init__(self, product) -> None:
        self.management_fee = getattr(product, "management_fee", 0.0)
        self.funding_rate = getattr(product, "funding_rate", 0.0)
        self.interest_rate = getattr(product, "interest_rate", 0.0)
        self.trading_cost = getattr(product, "trading_cost", 0.0)
        self.entry_cost = 0.0

    def exit_cost(self, nav: np.ndarray, notional: np.ndarray) -> np.ndarray | None:
        """NAV paid when leaving at the last price (``None``: nothing)."""
        return None

    def liquidation_price(self, units: np.ndarray, cash: np.ndarray) -> np.ndarray:
        """Price at which a margin product is liquidated (only called when ``margin``)."""
        raise NotImplementedError(f"{type(self).__name__} has no margin")

    def fill(self, kind: np.ndarray, paths: np.ndarray, t: int):
        """Signed leverage and reason code for ``paths`` whose level ``kind`` (one name per
        path) fired in bar ``t``."""
        raise NotImplementedError(f"{type(self).__name__} sets no {kind[0]!r} level")

    def close(self, t: int, ret, nav: np.ndarray, notional: np.ndarray):
        """After the close of step ``t``: ``None`` or ``(paths, signed targets, reasons)``."""
        return None


# --------------------------------------------------------------------------- Spot
@register
@dataclass(frozen=True)
class Spot:
    """Buy the coin and hold it: leverage 1, no costs, no rebalancing.

    Notes
    -----
    :math:`V_t / V_0 = S_t / S_0`.

    Examples
    --------
    >>> import smartlev as sl
    >>> r = sl.simulate(sl.Spot(), sl.Market.from_prices([100, 120, 90]))
    >>> r.nav.round(2).tolist()
    [[1.0, 1.2, 0.9]]
    """

    name: str = "Spot"

    @classmethod
    def examples(cls) -> tuple[Spot, ...]:
        """Configurations the tests run against the per-path loop."""
        return (cls(),)

    def rules(self, paths: int, steps_per_day: int, intrabar: bool = True) -> Rules:
        return Rules(self)


# ------------------------------------------------------------------ LeveragedToken
#: Funding passed into a preset token's NAV by default: the perpetuals' base rate,
#: 0.01 % per 8 hours (interest 0.03 %/day less a premium of zero).
BASE_FUNDING = 0.0001


@register
@dataclass(frozen=True)
class LeveragedToken:
    """A leveraged ETF token: a fixed target leverage restored by rebalancing.

    Parameters
    ----------
    leverage : float
        Target leverage, non-zero, between -20 and 20; negative = inverse (short) token.
    rebalance_every_days : float or None
        Scheduled rebalance interval in days (1 = daily, the usual rule); ``None`` for
        band-only tokens. An interval shorter than one step rebalances every step.
    band : tuple or None
        ``(low, high)`` bounds on the *magnitude* of realised leverage; leaving them
        triggers an extra rebalance, inside the bar where the price takes leverage there
        (``triggers="intrabar"``) or at the close (``triggers="close"``). Either bound may
        be ``None`` (open). The band must contain ``|leverage|``.
    management_fee : float
        Fee per day, as a fraction of NAV (0.0003 = 0.03 %/day), charged pro rata each step.
    trading_cost : float
        Cost per unit of notional traded when rebalancing (spread + fees).
    funding_rate : float or sequence of float
        Funding per 8 hours on the notional (tokens that hold perpetuals pass it into
        NAV); positive rates cost a long token and pay a short one. One number, or one
        value per step of the market.
    interest_rate : float or sequence of float
        Interest per year on the cash balance: a long token borrows ``L - 1`` times its
        NAV and pays it, an inverse token holds ``1 + |L|`` times its NAV in cash and
        earns it. One number, or one value per step.
    subscription_fee, redemption_fee : float
        Fraction of NAV paid on buying the token and on selling it at the last price
        (Bybit 0.05 %, KuCoin 0.1 %).
    name : str, optional
        Label; defaults to e.g. ``"3x token"`` or ``"-3x token"``.

    Notes
    -----
    Between rebalances the token holds fixed units, so a return :math:`r` moves NAV by
    :math:`V' = V (1 + \\ell r)` and leverage to :math:`\\ell' = \\ell (1 + r)/(1 + \\ell r)`.
    Over one rebalance period the token returns exactly :math:`L` times the underlying's
    return; over several periods it compounds :math:`\\prod_k (1 + L r_k)`, which is not
    :math:`1 + L \\cdot` (total return). A move beyond :math:`-1/L` inside one period
    takes NAV to zero (it is floored there and the token is wiped out).

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100, 110, 99])   # +10 %, then -10 %
    >>> r = sl.simulate(sl.LeveragedToken(3.0), m)
    >>> r.nav.round(4).tolist()                      # 1.3 then 1.3 x 0.7
    [[1.0, 1.3, 0.91]]
    >>> band = sl.LeveragedToken(3.0, band=(2.0, 4.0), rebalance_every_days=None)
    >>> down = sl.Market.from_prices([100, 80])      # rebalanced at 88.89 on the way down
    >>> round(float(sl.simulate(band, down).final_nav[0]), 6)
    0.466667
    >>> round(float(sl.simulate(band, down, triggers="close").final_nav[0]), 6)
    0.4
    >>> sl.LeveragedToken(3.0, band=(2.0, 2.5))
    Traceback (most recent call last):
    ...
    ValueError: band must contain |leverage| = 3: need low < 3 < high, got (2.0, 2.5)
    """

    leverage: float = 3.0
    rebalance_every_days: float | None = 1.0
    band: tuple[float | None, float | None] | None = None
    management_fee: float = 0.0
    trading_cost: float = 0.0
    funding_rate: float | tuple[float, ...] = 0.0
    interest_rate: float | tuple[float, ...] = 0.0
    subscription_fee: float = 0.0
    redemption_fee: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        lev = check_real("leverage", self.leverage, low=-20.0, high=20.0)
        if lev == 0:
            raise ValueError("leverage must be non-zero (between -20 and 20), got 0")
        object.__setattr__(self, "leverage", lev)
        _check_every(self)
        _check_fees(self, "management_fee", "trading_cost", "subscription_fee", "redemption_fee")
        _check_rate(self, "funding_rate", -0.05, 0.05)
        _check_rate(self, "interest_rate", 0.0, 1.0)
        if self.band is not None:
            if not isinstance(self.band, (tuple, list)) or len(self.band) != 2:
                raise TypeError(f"band must be a (low, high) pair or None, got {self.band!r}")
            lo = 0.0 if self.band[0] is None else check_real("band low", self.band[0], low=0.0)
            hi = (
                float("inf")
                if self.band[1] is None
                else check_real("band high", self.band[1], low=0.0)
            )
            if not lo < abs(lev) < hi:
                raise ValueError(
                    f"band must contain |leverage| = {abs(lev):g}: need low < {abs(lev):g} "
                    f"< high, got {tuple(self.band)!r}"
                )
            object.__setattr__(self, "band", (self.band[0], self.band[1]))
        if self.rebalance_every_days is None and self.band is None:
            raise ValueError(
                "a token needs a schedule or a band: rebalance_every_days=None requires band"
            )
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {self.name!r}")
        if not self.name:
            object.__setattr__(self, "name", f"{lev:g}x token")

    # ---------------------------------------------------------------- presets
    @classmethod
    def ftx(cls, leverage: float = 3.0, funding_rate=BASE_FUNDING) -> LeveragedToken:
        """FTX BULL/BEAR style (defunct): daily rebalance, plus an intraday one when
        leverage reaches 4/3 of target (4x for 3x); intraday rebalances only reduce
        leverage. Management fee 0.03 %/day. The tokens held perpetuals, so funding
        reached their NAV: ``funding_rate`` defaults to the base rate (0.01 %/8 h).
        [FTX help centre, "Leveraged tokens"]

        Examples
        --------
        >>> LeveragedToken.ftx(3).band
        (None, 4.0)
        """
        return cls(
            leverage,
            rebalance_every_days=1.0,
            band=(None, abs(leverage) * 4.0 / 3.0),
            management_fee=0.0003,
            funding_rate=funding_rate,
            name=f"{leverage:g}x token (FTX-style)",
        )

    @classmethod
    def bybit(cls, leverage: float = 3.0, funding_rate=BASE_FUNDING) -> LeveragedToken:
        """Bybit style: a 3x token is kept between 2x and 4x and rebalanced back to 3x
        when it leaves that range; management fee 0.005 %/day, and funding passed into
        NAV on top of it (Bybit's help article on leveraged-token fees): ``funding_rate``
        defaults to the base rate (0.01 %/8 h). Bybit also charges 0.05 % to subscribe
        and to redeem: pass ``subscription_fee`` and ``redemption_fee`` to the class to
        include them. [Bybit help centre]

        Examples
        --------
        >>> LeveragedToken.bybit(3).band
        (2.0, 4.0)
        """
        a = abs(leverage)
        return cls(
            leverage,
            rebalance_every_days=None,
            band=(a - 1.0, a + 1.0),
            management_fee=0.00005,
            funding_rate=funding_rate,
            name=f"{leverage:g}x token (Bybit-style)",
        )

    @classmethod
    def blvt(cls, leverage: float = 3.0, funding_rate=BASE_FUNDING) -> LeveragedToken:
        """Binance BLVT style (halted 2024): management fee 0.01 %/day and funding passed
        into NAV (``funding_rate`` defaults to the base rate, 0.01 %/8 h). Binance's FAQ
        gives 1.25x-4x as the range of a *hidden, floating* target and says real leverage
        may drift beyond it; rebalancing back to the nominal leverage whenever leverage
        leaves 1.25x-4x is this course's assumption, not Binance's published rule.
        [Binance FAQ]

        Examples
        --------
        >>> LeveragedToken.blvt(3).management_fee
        0.0001
        """
        return cls(
            leverage,
            rebalance_every_days=None,
            band=(1.25, 4.0),
            management_fee=0.0001,
            funding_rate=funding_rate,
            name=f"{leverage:g}x token (BLVT-style)",
        )

    @classmethod
    def kucoin(
        cls, leverage: float = 3.0, move: float = 0.15, funding_rate=BASE_FUNDING
    ) -> LeveragedToken:
        """KuCoin style: daily rebalance plus an extra one after an adverse move of
        ``move`` (15 %) since the last rebalance; management fee 0.05 %/day; the tokens
        held perpetuals, so ``funding_rate`` defaults to the base rate (0.01 %/8 h). The
        move trigger is expressed as the leverage it produces,
        :math:`|L|(1 \\mp m)/(1 - |L| m)` (long: price down, short: price up): 4.636x for
        a 3x long after a 15 % fall. [KuCoin leveraged tokens guide]

        Examples
        --------
        >>> round(LeveragedToken.kucoin(3).band[1], 3)
        4.636
        """
        a = abs(leverage)
        m = check_real("move", move, low=0.0, high=1.0 / a, low_open=True, high_open=True)
        s = -1.0 if leverage > 0 else 1.0
        return cls(
            leverage,
            rebalance_every_days=1.0,
            band=(None, a * (1 + s * m) / (1 - a * m)),
            management_fee=0.0005,
            funding_rate=funding_rate,
            name=f"{leverage:g}x token (KuCoin-style)",
        )

    @classmethod
    def gate(cls, leverage: float = 3.0) -> LeveragedToken:
        """Gate ETF style, floating leverage: a 3x long is kept in 2.25x-4.125x, a 3x short
        in 1.5x-5.25x and a 5x (long or short) in 3.5x-7x; other multiples use the 3x
        long's proportions (0.75 and 1.375 times the target). The 0.1 %/day fee is
        all-in (funding included), so no funding is added. [Gate's post on its floating
        leverage mechanism]

        Examples
        --------
        >>> LeveragedToken.gate(3).band, LeveragedToken.gate(-3).band, LeveragedToken.gate(5).band
        ((2.25, 4.125), (1.5, 5.25), (3.5, 7.0))
        """
        a = abs(leverage)
        if a == 3.0 and leverage < 0:
            band = (1.5, 5.25)
        elif a == 5.0:
            band = (3.5, 7.0)
        else:
            band = (0.75 * a, 1.375 * a)
        return cls(
            leverage,
            rebalance_every_days=None,
            band=band,
            management_fee=0.001,
            name=f"{leverage:g}x token (Gate-style)",
        )

    @classmethod
    def examples(cls) -> tuple[LeveragedToken, ...]:
        """Configurations the tests run against the per-path loop."""
        return (
            cls(3.0),
            cls(-2.0, management_fee=0.001, funding_rate=0.0002, trading_cost=0.001,
                interest_rate=0.05),
            cls.bybit(3.0),
            cls.ftx(3.0),
            cls.kucoin(-3.0),
            cls.gate(-3.0),
            cls(2.0, rebalance_every_days=None, band=(1.5, 2.5), trading_cost=0.002),
            cls(3.0, interest_rate=0.05, subscription_fee=0.0005, redemption_fee=0.0005),
        )  # fmt: skip

    def rules(self, paths: int, steps_per_day: int, intrabar: bool = True) -> Rules:
        return _TokenRules(self, steps_per_day, intrabar)


class _TokenRules(Rules):
    """Back to the target leverage on the schedule, and when leverage leaves the band."""

    def __init__(self, p: LeveragedToken, steps_per_day: int, intrabar: bool) -> None:
        super().__init__(p)
        self.initial = p.leverage
        self.sign = 1.0 if p.leverage > 0 else -1.0
        self.every = _schedule_steps(p.rebalance_every_days, steps_per_day)
        self.entry_cost = p.subscription_fee
        self.redemption_fee = p.redemption_fee
        lo, hi = p.band if p.band is not None else (None, None)
        # leverage must leave the band by more than a rounding error (EDGE)
        self.above = None if hi is None or hi == math.inf else float(hi) + EDGE
        self.below = float(lo) - EDGE if lo else None
        self.band_at_close = not intrabar and p.band is not None

    def exit_cost(self, nav, notional):
        return nav * self.redemption_fee if self.redemption_fee else None

    def fill(self, kind, paths, t):
        return self.initial, BAND

    def close(self, t, ret, nav, notional):
        if self.every and t % self.every == 0:
            return slice(None), self.initial, SCHEDULE
        if not self.band_at_close:
            return None
        s, need = self.sign, None
        # |n| > hi V  <=>  s n > hi V  (n has the sign s while NAV > 0)
        if self.above is not None:
            need = (np.greater if s > 0 else np.less)(notional, nav * (s * self.above))
        if self.below is not None:
            low = (np.less if s > 0 else np.greater)(notional, nav * (s * self.below))
            need = low if need is None else need | low
        paths = np.flatnonzero(need)
        return (paths, self.initial, BAND) if paths.size else None


@register
@dataclass(frozen=True)
class Perpetual:
    """A perpetual futures position on isolated margin, held without adding margin.

    Parameters
    ----------
    leverage : float
        Initial leverage (notional / margin) in (0, 125]; the side gives the sign.
    side : {"long", "short"}
    maintenance_margin : float
        Maintenance margin rate on the position value at the mark price (Binance
        convention, no tier deduction). Must be below ``1 / leverage``.
    fee : float
        Taker fee per unit of traded notional, paid on opening (``fee x leverage`` of the
        margin, booked with the first step) and on closing at the last price: the final
        NAV is what the holder gets back by closing then.
    funding_rate : float or sequence of float
        Funding per 8 hours on the notional at each funding time; positive rates cost
        longs and pay shorts. One number, or one value per step of the market.
    tiers : tuple of (notional_limit, rate) or None
        Maintenance brackets by USD notional (e.g. :data:`BINANCE_BTCUSDT_TIERS`); the
        rate of the bracket the position sits in applies, with the exchange's
        "maintenance amount" deduction so the requirement is continuous.
    margin : float
        Isolated margin in USD, used only to place the position in a bracket.
    name : str, optional

    Notes
    -----
    The position keeps fixed units. Equity is :math:`V_t = 1 + L(S_t/S_0 - 1)` minus
    fees and funding; it is liquidated at the first step where
    :math:`V_t \\le m\\,|n_t|` with notional :math:`n_t = L S_t / S_0`. Without costs this
    happens when the price crosses :math:`S_0 (1 - 1/L)/(1 - m)` (long) or
    :math:`S_0 (1 + 1/L)/(1 + m)` (short): see :func:`smartlev.theory.liquidation_price`.
    The isolated margin is then lost (NAV 0) and the position is closed. With
    ``triggers="intrabar"`` the price only has to touch that level inside a bar (a wick
    does it); with ``triggers="close"`` only closing prices count.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100.0, 95.0, 90.0, 120.0])
    >>> r = sl.simulate(sl.Perpetual(leverage=10), m)
    >>> r.nav.round(2).tolist(), bool(r.liquidated[0])
    ([[1.0, 0.5, 0.0, 0.0]], True)
    >>> flat = sl.Market.from_prices([100.0, 100.0])
    >>> round(float(sl.simulate(sl.Perpetual(10, fee=0.0005), flat).final_nav[0]), 4)
    0.99
    >>> sl.Perpetual(leverage=-5, side="long")
    Traceback (most recent call last):
    ...
    ValueError: leverage must be in (0, 125], got -5 (the side, not the sign, sets direction)
    """

    leverage: float = 10.0
    side: str = "long"
    maintenance_margin: float = 0.004
    fee: float = 0.0
    funding_rate: float = 0.0
    tiers: tuple[tuple[float, float], ...] | None = None
    margin: float = 1000.0
    name: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.leverage, (int, float)) and not isinstance(self.leverage, bool):
            if self.leverage <= 0 or self.leverage > 125:
                raise ValueError(
                    f"leverage must be in (0, 125], got {self.leverage!r} "
                    "(the side, not the sign, sets direction)"
                )
        lev = check_real("leverage", self.leverage, low=0.0, high=125.0, low_open=True)
        object.__setattr__(self, "leverage", lev)
        check_choice("side", self.side, ("long", "short"))
        mmr = check_real("maintenance_margin", self.maintenance_margin, low=0.0, high=0.5)
        if mmr >= 1.0 / lev:
            raise ValueError(
                f"maintenance_margin must be below 1/leverage = {1 / lev:g} or the position "
                f"is liquidated at entry, got {mmr!r}"
            )
        object.__setattr__(self, "maintenance_margin", mmr)
        _check_fees(self, "fee")
        _check_rate(self, "funding_rate", -0.05, 0.05)
        check_real("margin", self.margin, low=0.0, low_open=True)
        if self.tiers is not None:
            if isinstance(self.tiers, str) or not hasattr(self.tiers, "__iter__"):
                raise TypeError(
                    f"tiers must be a sequence of (notional_limit, rate) pairs, got {self.tiers!r}"
                )
            tiers = tuple((float(a), float(b)) for a, b in self.tiers)
            lims = [a for a, _ in tiers]
            if not tiers or any(b2 <= a2 for a2, b2 in zip(lims, lims[1:], strict=False)):
                raise ValueError(f"tiers must have increasing notional limits, got {self.tiers!r}")
            for _, rate in tiers:
                check_real("tier rate", rate, low=0.0, high=1.0, high_open=True)
            object.__setattr__(self, "tiers", tiers)
        if not self.name:
            object.__setattr__(self, "name", f"{lev:g}x perpetual {self.side}")

    @property
    def sign(self) -> float:
        return 1.0 if self.side == "long" else -1.0

    @classmethod
    def examples(cls) -> tuple[Perpetual, ...]:
        """Configurations the tests run against the per-path loop."""
        return (
            cls(20.0),
            cls(5.0, side="short", fee=0.0005, funding_rate=0.0001),
            cls(10.0, tiers=BINANCE_BTCUSDT_TIERS, margin=500_000.0),
        )

    def rules(self, paths: int, steps_per_day: int, intrabar: bool = True) -> Rules:
        return _PerpetualRules(self)

    def maintenance(self, notional: np.ndarray) -> np.ndarray:
        """Maintenance margin (units of the isolated margin) of a position of ``notional``
        (magnitude, same units): the rate times the notional, or with tiers the bracket's
        rate less its maintenance amount."""
        if self.tiers is None:
            return self.maintenance_margin * notional
        lims, rates, cum = self._brackets()
        usd = notional * self.margin
        k = np.minimum(np.searchsorted(lims, usd, side="left"), len(rates) - 1)
        return (usd * rates[k] - cum[k]) / self.margin

    def _brackets(self):
        lims = np.array([a for a, _ in self.tiers])
        rates = np.array([b for _, b in self.tiers])
        cum = np.zeros(len(rates))  # maintenance amounts: the requirement is continuous
        for k in range(1, len(rates)):
            cum[k] = cum[k - 1] + lims[k - 1] * (rates[k] - rates[k - 1])
        return lims, rates, cum


class _PerpetualRules(Rules):
    """Bought once on margin; liquidated when equity reaches maintenance margin."""

    margin = True

    def __init__(self, p: Perpetual) -> None:
        super().__init__(p)
        self.p = p
        self.sign = p.sign
        self.initial = p.sign * p.leverage
        self.fee = p.fee
        self.entry_cost = p.fee * p.leverage  # taker fee on the entry notional
        # brackets: limits, rates and maintenance amounts in units of the isolated margin
        if p.tiers is None:
            self.brackets = ((math.inf,), (p.maintenance_margin,), (0.0,))
        else:
            lims, rates, cum = p._brackets()
            self.brackets = (lims / p.margin, rates, cum / p.margin)

    def exit_cost(self, nav, notional):
        return np.abs(notional) * self.fee if self.fee else None

    def maintenance(self, notional_abs: np.ndarray) -> np.ndarray:
        return self.p.maintenance(notional_abs)

    def liquidation_price(self, units, cash):
        r"""Where equity :math:`c + uS` meets maintenance :math:`m(|uS|)`.

        Long (:math:`u > 0`): :math:`c + x = m(x)` at notional :math:`x = uS`; short:
        :math:`c - x = m(x)` at :math:`x = -uS`. Equity less maintenance is monotone in
        :math:`x`, so there is one root; with tiers it is found bracket by bracket.
        """
        x, lower = None, 0.0
        for upper, rate, amount in zip(*self.brackets, strict=True):
            if self.sign > 0:
                xk = (-cash - amount) / (1.0 - rate)
            else:
                xk = (cash + amount) / (1.0 + rate)
            ok = (xk > lower) & (xk <= upper)  # the root lies in this bracket
            x = np.where(ok, xk, np.nan) if x is None else np.where(np.isnan(x) & ok, xk, x)
            lower = upper
        return x / np.abs(units)


@register
@dataclass(frozen=True)
class SmartLeverage:
    """System-managed dynamic leverage: no margin, no liquidation, NAV floored at zero.

    The user buys exposure; a policy chooses the leverage, the product clips it to
    ``[min_leverage, max_leverage]``, applies its risk controls and trades when the
    realised leverage has drifted more than ``tolerance`` from the target. Exchanges do
    not publish the rules of such products; this is an explicit, documented model.

    Parameters
    ----------
    policy : BandPolicy, VolatilityTarget, TrendPolicy or CPPIPolicy
        How the target leverage is chosen. Default: ``VolatilityTarget()``.
    side : {"long", "short"}
    min_leverage, max_leverage : float
        Range of target leverage (magnitudes); 0 <= min <= max <= 20. The default
        range 1.25x-4x is the range Binance gave for its BLVT tokens' hidden target.
    tolerance : float
        Trade when ``|realised - target| > tolerance`` (in leverage units); this keeps
        the product from trading on every small move ("need-based" rebalancing). Inside
        a bar the leverage cap acts at ``max_leverage + tolerance``, with the tolerance
        taken as at least 0.01 there (:data:`CAP_MIN_TOLERANCE`).
    rebalance_every_days : float or None
        Optional scheduled rebalance to the target as well.
    circuit_breaker : float or None
        An adverse move of this size from the last close (0.1 = 10 %) cuts leverage to
        ``breaker_leverage`` for ``cooldown_days``: at the price where the fall reaches it
        inside the bar (``triggers="intrabar"``; at the open when the bar gapped past it),
        or at a close that far below the previous one (``triggers="close"``).
    breaker_leverage : float
        Leverage right after the breaker trips (and its ceiling during the cool-down).
    cooldown_days : float
    management_fee, trading_cost : float
        Per day of NAV, per unit of traded notional.
    funding_rate, interest_rate : float or sequence of float
        Per 8 hours of notional; per year on the cash balance (borrowed cash pays it,
        cash held earns it). One number, or one value per step of the market.
    name : str

    Notes
    -----
    Between trades, fixed units: :math:`V' = V (1 + \\ell r)`. Policy retargets happen at
    closes; the leverage cap (leverage reaching ``max_leverage + tolerance``) and the
    circuit breaker act inside the bar where the price reaches them. The controls act only
    *after* a move: a single step falling more than :math:`1/\\ell` still takes NAV to
    zero (recorded as a wipe-out event), and a smaller gap is a loss of :math:`\\ell r`
    that no control can undo. No liquidation does not mean no loss.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.scenarios.gbm(sigma=0.8, days=30, steps_per_day=24, paths=50, seed=1)
    >>> r = sl.simulate(sl.SmartLeverage(), m)
    >>> bool((r.leverage >= 0).all() and (r.nav >= 0).all())
    True
    >>> sl.SmartLeverage(min_leverage=3, max_leverage=2)
    Traceback (most recent call last):
    ...
    ValueError: min_leverage must not exceed max_leverage, got 3 > 2
    """

    policy: Policy = field(default_factory=VolatilityTarget)
    side: str = "long"
    min_leverage: float = 1.25
    max_leverage: float = 4.0
    tolerance: float = 0.2
    rebalance_every_days: float | None = None
    circuit_breaker: float | None = 0.10
    breaker_leverage: float = 1.0
    cooldown_days: float = 1.0
    management_fee: float = 0.0
    trading_cost: float = 0.0
    funding_rate: float | tuple[float, ...] = 0.0
    interest_rate: float | tuple[float, ...] = 0.0
    name: str = "Smart Leverage"

    def __post_init__(self) -> None:
        if type(self.policy) not in POLICIES.values():
            raise TypeError(f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        check_choice("side", self.side, ("long", "short"))
        lo = check_real("min_leverage", self.min_leverage, low=0.0, high=20.0)
        hi = check_real("max_leverage", self.max_leverage, low=0.0, high=20.0, low_open=True)
        if lo > hi:
            raise ValueError(
                f"min_leverage must not exceed max_leverage, got {self.min_leverage!r} "
                f"> {self.max_leverage!r}"
            )
        object.__setattr__(self, "min_leverage", lo)
        object.__setattr__(self, "max_leverage", hi)
        tol = check_real("tolerance", self.tolerance, low=0.0, high=20.0)
        object.__setattr__(self, "tolerance", tol)
        _check_every(self)
        if self.circuit_breaker is not None:
            cb = check_real(
                "circuit_breaker", self.circuit_breaker, low=0.0, high=1.0, low_open=True
            )
            object.__setattr__(self, "circuit_breaker", cb)
        bl = check_real("breaker_leverage", self.breaker_leverage, low=0.0, high=hi)
        object.__setattr__(self, "breaker_leverage", bl)
        cd = check_real("cooldown_days", self.cooldown_days, low=0.0, high=365.0)
        object.__setattr__(self, "cooldown_days", cd)
        _check_fees(self, "management_fee", "trading_cost")
        _check_rate(self, "funding_rate", -0.05, 0.05)
        _check_rate(self, "interest_rate", 0.0, 1.0)
        if isinstance(self.policy, BandPolicy):
            t = self.policy.target
            if not lo <= t <= hi:
                raise ValueError(
                    f"BandPolicy target {t:g} must lie in [min_leverage, max_leverage] = "
                    f"[{lo:g}, {hi:g}]"
                )

    @property
    def sign(self) -> float:
        return 1.0 if self.side == "long" else -1.0

    @classmethod
    def examples(cls) -> tuple[SmartLeverage, ...]:
        """Configurations the tests run against the per-path loop (each registered policy
        is also run with its own examples)."""
        return (
            cls(),
            cls(side="short", tolerance=0.1, trading_cost=0.001, management_fee=0.0002,
                interest_rate=0.04),
            cls(rebalance_every_days=1.0, circuit_breaker=0.05, cooldown_days=2),
        )  # fmt: skip

    def rules(self, paths: int, steps_per_day: int, intrabar: bool = True) -> Rules:
        return _SmartRules(self, paths, steps_per_day, intrabar)


class _SmartRules(Rules):
    """The policy's target, clipped to the leverage range and capped by the breaker."""

    wants_return = True

    def __init__(self, p: SmartLeverage, paths: int, steps_per_day: int, intrabar: bool):
        super().__init__(p)
        self.p, self.sign = p, p.sign
        self.lo, self.hi, self.tol = p.min_leverage, p.max_leverage, p.tolerance
        self.policy = p.policy.start(paths, steps_per_day, p.sign, self.lo, self.hi)
        self.band = self.policy.band
        self.base = np.full(paths, min(max(self.policy.initial, self.lo), self.hi))
        self.want = self.base.copy()  # the base target, capped where the breaker cools down
        self.initial = self.sign * float(self.want[0])
        self.every = _schedule_steps(p.rebalance_every_days, steps_per_day)
        self.cool_steps = int(round(p.cooldown_days * steps_per_day))
        self.until = np.full(paths, -1, dtype=np.int64)  # last step of each cool-down
        self.last_cool = -1
        self.breaker_at_close = not intrabar and p.circuit_breaker is not None
        if intrabar:  # levels inside the bar: the cap, a band policy's band, the breaker
            if self.band is None:  # a cap at the target itself would trade on every tick
                self.above = self.hi + max(self.tol, CAP_MIN_TOLERANCE) + EDGE
            else:  # below the band, or below a target the breaker has cut
                self.above = min(self.band[1], self.hi) + EDGE
                self.below = np.full(paths, self.band[0] - EDGE)
                self.levels_move = True
            self.stop = p.circuit_breaker

    def _cap(self, want: np.ndarray, t: int) -> np.ndarray:
        """The breaker's ceiling on paths still cooling down at step ``t``."""
        if self.last_cool >= t:
            np.minimum(want, self.p.breaker_leverage, out=want, where=self.until >= t)
        return want

    def _below(self, t: int) -> None:
        """A band policy's lower level for the next bar: none on paths whose breaker cut
        the target (they stay below the band on purpose until the cool-down ends)."""
        if self.levels_move:
            self.below.fill(self.band[0] - EDGE)
            self.below[self.until > t] = np.nan

    def fill(self, kind, paths, t):
        stop = kind == "stop"
        stops = np.count_nonzero(stop)
        if stops:  # the breaker fired: cool down from this bar
            tripped = paths[stop]
            self.until[tripped] = t + self.cool_steps
            self.last_cool = max(self.last_cool, t + self.cool_steps)
            if self.levels_move:
                self.below[tripped] = np.nan
        # the last close's target, capped while the breaker cools down in this bar
        want = self.base[paths]
        cooling = self.until[paths] >= t
        want = np.where(cooling, np.minimum(want, self.p.breaker_leverage), want)
        usual = CAP if self.band is None else BAND  # without a band, "above" is the cap
        if stops in (0, stop.size):  # one reason for every path
            return self.sign * want, BREAKER if stops else usual
        return self.sign * want, np.where(stop, np.int8(BREAKER), np.int8(usual))

    def close(self, t, ret, nav, notional):
        s = self.sign
        want = self.policy.target(ret, nav)
        np.minimum(np.maximum(want, self.lo, out=self.base), self.hi, out=self.base)  # clip
        np.copyto(self.want, self.base)
        tripped = None
        if self.breaker_at_close:
            # an exact 10 % fall in floating point trips a 10 % breaker
            tripped = s * ret <= -self.p.circuit_breaker + 1e-12
            if tripped.any():
                self.until[tripped] = t + self.cool_steps
                self.last_cool = max(self.last_cool, t + self.cool_steps)
                tripped &= nav > 0
            else:
                tripped = None
        want = self._cap(self.want, t)
        self._below(t)
        lev = notional / nav  # signed; NaN on dead paths, which never trade
        if self.band is not None:
            mag = lev if s > 0 else -lev
            need = mag < self.band[0] - EDGE
            if self.levels_move:  # inside the bar: a target cut by the breaker stays cut
                need &= self.until < t
            need |= (mag > self.band[1] + EDGE) | (mag > self.hi + EDGE)
        else:
            gap = np.abs(lev - s * want)
            need = gap > self.tol + EDGE
        scheduled = self.every and t % self.every == 0
        if scheduled:
            need |= nav > 0
        if tripped is not None:
            need |= tripped
        paths = np.flatnonzero(need)
        if not paths.size:
            return None
        usual = BAND if self.band is not None else POLICY
        why = np.where(s * lev[paths] > self.hi + self.tol, np.int8(CAP), np.int8(usual))
        if scheduled:
            why[:] = SCHEDULE
        if tripped is not None:
            why[tripped[paths]] = BREAKER
        return paths, s * want[paths], why


@register
@dataclass(frozen=True)
class StructuredLeverage:
    """The fixed-term product some exchanges sell as "Smart Leverage" (Bybit 2024, Gate 2025).

    You pay a principal :math:`I`; at expiry you receive
    :math:`\\max(I + I L (S - B)/B, 0)` for a long (``(B - S)`` for a short), where
    :math:`S` is the settlement price (average index price over the last
    ``settlement_minutes``) and :math:`B` the breakeven price the platform sets above
    the entry price (below it for a short). There is no liquidation before settlement
    and the loss is capped at the principal.

    Parameters
    ----------
    leverage : float
        The multiplier :math:`L`, in (1, 200] (Bybit offers up to 200x).
    term_days : float
        Time to settlement in days.
    breakeven : float or None
        :math:`B / S_0`. ``None`` sets the fair value from
        :func:`smartlev.theory.structured_breakeven` with ``sigma``.
    sigma : float
        Annualised volatility used to price the product (fair breakeven and mark value).
    side : {"long", "short"}
    settlement_minutes : float
        Averaging window before expiry (30 minutes on both exchanges).
    name : str

    Notes
    -----
    The long payoff is a call: :math:`(I L / B) \\max(S - B(1 - 1/L), 0)`, so the
    distance between entry and :math:`B` is the option premium. Before expiry the NAV
    shown is the Black-Scholes value of that option at ``sigma``; after settlement the
    payoff is held in cash. ``r.leverage`` is the option's effective leverage
    :math:`\\Delta S / V`, which changes with the price.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100.0, 104.0, 110.0])
    >>> p = sl.StructuredLeverage(leverage=5, term_days=2, breakeven=1.02)
    >>> r = sl.simulate(p, m)
    >>> round(float(r.final_nav[0]), 4)    # 1 + 5 (110 - 102) / 102
    1.3922
    """

    leverage: float = 3.0
    term_days: float = 7.0
    breakeven: float | None = None
    sigma: float = 0.7
    side: str = "long"
    settlement_minutes: float = 30.0
    name: str = "Structured"

    def __post_init__(self) -> None:
        check_real("leverage", self.leverage, low=1.0, high=200.0, low_open=True)
        check_real("term_days", self.term_days, low=0.0, high=3650.0, low_open=True)
        check_real("sigma", self.sigma, low=0.0, high=10.0, low_open=True)
        check_choice("side", self.side, ("long", "short"))
        check_real("settlement_minutes", self.settlement_minutes, low=0.0, high=1440.0)
        if self.breakeven is not None:
            b = check_real("breakeven", self.breakeven, low=0.0, low_open=True)
            if self.side == "long" and b < 1.0 or self.side == "short" and b > 1.0:
                raise ValueError(
                    "breakeven (B / entry price) must be >= 1 for a long and <= 1 for a "
                    f"short, got {self.breakeven!r} for a {self.side}"
                )

    def fair_breakeven(self) -> float:
        """Breakeven (relative to entry) at which the product is worth its price."""
        from .theory import structured_breakeven

        return float(
            structured_breakeven(self.leverage, self.sigma, self.term_days, side=self.side)
        )

    def relative_breakeven(self) -> float:
        """The breakeven used: the given one, or the fair one."""
        return self.fair_breakeven() if self.breakeven is None else float(self.breakeven)

    def run(self, market, history: bool = True):
        """Value the product on every path of ``market`` (it does not step: it settles)."""
        from .result import Result, _Stats
        from .theory import black_scholes_call, black_scholes_put

        p = self
        spd = market.steps_per_day
        term = int(round(p.term_days * spd))
        if term < 1 or term > market.steps:
            raise ValueError(
                f"term_days x steps_per_day must be between 1 and the market's {market.steps} "
                f"steps, got {p.term_days:g} x {spd} = {p.term_days * spd:g}"
            )
        prices = market.prices
        P = prices.shape[0]
        s0 = prices[:, :1]
        x = prices / s0
        L = p.leverage
        B = p.relative_breakeven()
        window = max(1, int(round(p.settlement_minutes * spd / 1440.0)))
        settle = x[:, term - window + 1 : term + 1].mean(axis=1)
        if p.side == "long":
            payoff = np.maximum(1.0 + L * (settle - B) / B, 0.0)
        else:
            payoff = np.maximum(1.0 + L * (B - settle) / B, 0.0)
        # mark-to-model value before expiry
        tau = (term - np.arange(term)) / (365.0 * spd)
        xs = x[:, :term]
        if p.side == "long":
            k = B * (1.0 - 1.0 / L)
            opt = black_scholes_call(xs, k, p.sigma, tau[None, :])
        else:
            k = B * (1.0 + 1.0 / L)
            opt = black_scholes_put(xs, k, p.sigma, tau[None, :])
        value = L / B * opt
        # the price paid at entry is 1: show the value relative to it from the first step on
        nav = np.empty_like(x)
        nav[:, 0] = 1.0
        nav[:, 1:term] = value[:, 1:]
        nav[:, term:] = payoff[:, None]
        nav = np.maximum(nav, 0.0)
        # effective leverage = delta * S / V, by a central difference of the option value
        h = 1e-4
        if p.side == "long":
            up = black_scholes_call(xs * (1 + h), k, p.sigma, tau[None, :])
            dn = black_scholes_call(xs * (1 - h), k, p.sigma, tau[None, :])
        else:
            up = black_scholes_put(xs * (1 + h), k, p.sigma, tau[None, :])
            dn = black_scholes_put(xs * (1 - h), k, p.sigma, tau[None, :])
        delta_s = (up - dn) / (2 * h)
        lev = np.zeros_like(x)
        lev[:, :term] = np.divide(delta_s, opt, out=np.zeros_like(opt), where=opt > 1e-12)
        stats = _Stats(P, spd)
        stats.add(np.ascontiguousarray(nav.T), np.ascontiguousarray((lev * nav).T), True)
        z = np.zeros(P)
        wiped = payoff <= 0
        return Result(
            product=p,
            market_name=market.name,
            steps_per_day=spd,
            days=market.days,
            nav=nav if history else None,
            leverage=lev if history else None,
            reason=None,
            final_nav=nav[:, -1].copy(),
            rebalances=np.zeros(P, dtype=np.int64),
            liquidated=np.zeros(P, dtype=bool),
            wiped_out=wiped,
            event_step=np.where(wiped, term, -1),
            fees_paid=z,
            funding_paid=z.copy(),
            trading_costs=z.copy(),
            **stats.finish(),
            max_drawdown=_drawdown(nav),
        )


def _drawdown(nav: np.ndarray) -> np.ndarray:
    """Largest peak-to-trough fall of each row of ``nav`` (paths, time)."""
    ratio = np.maximum.accumulate(nav, axis=1)
    np.divide(nav, ratio, out=ratio)
    return np.clip(1.0 - ratio.min(axis=1), 0.0, 1.0)
