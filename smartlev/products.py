"""The products: frozen dataclasses that configure the one stepping kernel.

Every product holds a position in the underlying and differs only in (a) the leverage
it aims for, (b) when it trades back to that aim, (c) what it charges and (d) what
happens at the bottom: liquidation (perpetual contracts) or a floor at zero (products
without margin). The per-simulation decision logic lives in small ``_Controller``
objects made by :meth:`_controller`; the kernel in :mod:`smartlev.engine` calls them.

Rates: ``management_fee`` is per day, ``funding_rate`` per 8 hours (charged on the
notional at each 00/08/16 UTC boundary the step crosses), ``fee`` and ``trading_cost``
per unit of traded notional.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._scratch import Scratch
from ._validate import check_choice, check_real
from .policies import BandPolicy, CPPIPolicy, Policy, TrendPolicy, VolatilityTarget

__all__ = [
    "Spot",
    "LeveragedToken",
    "Perpetual",
    "SmartLeverage",
    "StructuredLeverage",
    "REASONS",
    "BINANCE_BTCUSDT_TIERS",
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


def _check_funding(obj) -> None:
    v = check_real("funding_rate", obj.funding_rate, low=-0.05, high=0.05)
    object.__setattr__(obj, "funding_rate", v)


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


class _Controller:
    """Decides which paths trade, when, and to which signed leverage.

    The kernel simulates a block of ``k`` steps (rows) for many paths (columns) as if
    nobody traded, asks :meth:`need` where a trade would happen on that trial path,
    applies the first event of each path with :meth:`trade`, and tries again from there
    for the paths that traded. ``cols`` is ``None`` for all paths or the indices of the
    paths in a retry, which covers rows ``r0 .. k-1`` of the block only; ``active`` is
    ``None`` or a mask of the trial's rows that count.
    """

    initial: float = 1.0
    liquidation: bool = False
    reason_codes: bool = False
    want_reasons: bool = True  # set by the kernel: build reason codes only when kept
    block_rows: int = 0  # preferred steps per block (0: the kernel's default)
    price_range: bool = False  # need() uses the lowest and highest price of retried paths

    def start_block(self, t0: int, k: int, s: np.ndarray, s_prev: np.ndarray) -> None:
        """Prepare steps ``t0 + 1 .. t0 + k``.

        The kernel steps through *market windows* of a few dozen steps, and a block never
        crosses the end of one. ``s`` holds the prices of steps ``t0 + 1`` to the end of
        the current window and ``s_prev`` those one step earlier, ``(rows, paths)``: a
        controller may work out what depends on prices alone for the whole window when
        a window starts (``t0`` at its first step) and reuse it in the window's blocks.
        """

    def need(self, cols, r0, active, nav, n, fixed=None) -> np.ndarray | None:
        """Where the trial path would trade: ``(k - r0, m)`` bool, or ``None``.

        ``fixed`` is ``(prices, units, cash, lowest price, highest price)`` when the
        trial has no costs, so that ``nav = cash + units * prices`` exactly on every row
        (the price range of a retry only with :attr:`price_range`, else ``None``).
        Instead of the mask, a controller may answer ``(columns, rows)``: the columns
        that trade and the row of their first trade, with ``active`` applied.
        """
        return None

    def trade(self, which: np.ndarray, row: np.ndarray):
        """Signed target leverage and reason code for the first trade of columns ``which``
        at rows ``row`` (positions in the trial of the last :meth:`need` call)."""
        raise NotImplementedError  # pragma: no cover

    def commit(self, cols, last_row: np.ndarray) -> None:
        """The rows up to ``last_row`` of the last trial are final."""


def _row_mask(rows: list[int], k: int) -> np.ndarray | None:
    """Rows as a boolean mask over the block (``None`` when there are none)."""
    if not rows:
        return None
    mask = np.zeros(k, dtype=bool)
    mask[rows] = True
    return mask


def _first_rows(need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns of ``need`` (rows, columns; at most 255 rows) with a True, and the row of
    their first one: ``rows - max((rows - j) * need_j)``, cheaper than ``argmax`` over
    rows. Overwrites ``need``."""
    k = need.shape[0]
    w = need.view(np.uint8)
    w *= np.arange(k, 0, -1, dtype=np.uint8)[:, None]
    w = w.max(axis=0)
    hit = np.flatnonzero(w)
    return hit, k - w[hit].astype(np.int64)


def _clip(x: np.ndarray, lo: float, hi: float) -> None:
    """Clip in place: ``np.clip`` on large blocks, two ufunc calls on small ones (cheaper
    to call)."""
    if x.size > 4096:
        np.clip(x, lo, hi, out=x)
    else:
        np.maximum(x, lo, out=x)
        np.minimum(x, hi, out=x)


def _schedule_rows(every: int, t0: int, k: int) -> list[int]:
    """Rows ``j`` of the block ``t0 + 1 .. t0 + k`` whose step is a scheduled rebalance."""
    if not every:
        return []
    first = (-(t0 + 1)) % every
    return list(range(first, k, every))


# --------------------------------------------------------------------------- Spot
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

    def _controller(self, paths: int, steps_per_day: int) -> _Controller:
        return _Controller()


# ------------------------------------------------------------------ LeveragedToken
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
        triggers an extra rebalance. Either bound may be ``None`` (open). The band must
        contain ``|leverage|``.
    management_fee : float
        Fee per day, as a fraction of NAV (0.0003 = 0.03 %/day), charged pro rata each step.
    trading_cost : float
        Cost per unit of notional traded when rebalancing (spread + fees).
    funding_rate : float
        Funding per 8 hours on the notional (tokens that hold perpetuals pass it into
        NAV); positive rates cost a long token and pay a short one.
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
    funding_rate: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        lev = check_real("leverage", self.leverage, low=-20.0, high=20.0)
        if lev == 0:
            raise ValueError("leverage must be non-zero (between -20 and 20), got 0")
        object.__setattr__(self, "leverage", lev)
        _check_every(self)
        _check_fees(self, "management_fee", "trading_cost")
        _check_funding(self)
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
    def ftx(cls, leverage: float = 3.0) -> LeveragedToken:
        """FTX BULL/BEAR style (defunct): daily rebalance, plus an intraday one when
        leverage reaches 4/3 of target (4x for 3x); intraday rebalances only reduce
        leverage. Management fee 0.03 %/day. [FTX help centre, "Leveraged tokens"]

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
            name=f"{leverage:g}x token (FTX-style)",
        )

    @classmethod
    def bybit(cls, leverage: float = 3.0) -> LeveragedToken:
        """Bybit style: a 3x token is kept between 2x and 4x and rebalanced back to 3x
        when it leaves that range; management fee 0.005 %/day. [Bybit help centre]

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
            name=f"{leverage:g}x token (Bybit-style)",
        )

    @classmethod
    def blvt(cls, leverage: float = 3.0) -> LeveragedToken:
        """Binance BLVT style (halted 2024): realised leverage floats in 1.25x-4x and the
        token rebalances "on a need basis" when it leaves; management fee 0.01 %/day;
        funding passed into NAV (set ``funding_rate`` to include it). [Binance FAQ]

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
            name=f"{leverage:g}x token (BLVT-style)",
        )

    @classmethod
    def kucoin(cls, leverage: float = 3.0, move: float = 0.15) -> LeveragedToken:
        """KuCoin style: daily rebalance plus an extra one after an adverse move of
        ``move`` (15 %) since the last rebalance; management fee 0.05 %/day. The move
        trigger is expressed as the leverage it produces:
        :math:`|L|(1 \\mp m)/(1 - |L| m)` (long: price down, short: price up).
        [KuCoin leveraged tokens guide]

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
            name=f"{leverage:g}x token (KuCoin-style)",
        )

    @classmethod
    def gate(cls, leverage: float = 3.0) -> LeveragedToken:
        """Gate ETF style: a 3x long is kept in 2.25x-4.125x (0.75 and 1.375 times the
        target); 0.1 %/day all-in fee. [Gate ETF leveraged tokens]

        Examples
        --------
        >>> LeveragedToken.gate(3).band
        (2.25, 4.125)
        """
        a = abs(leverage)
        return cls(
            leverage,
            rebalance_every_days=None,
            band=(0.75 * a, 1.375 * a),
            management_fee=0.001,
            name=f"{leverage:g}x token (Gate-style)",
        )

    def _controller(self, paths: int, steps_per_day: int) -> _Controller:
        return _TokenController(self, paths, steps_per_day)


class _TokenController(_Controller):
    reason_codes = True

    def __init__(self, p: LeveragedToken, paths: int, steps_per_day: int) -> None:
        self.initial = p.leverage
        self.every = _schedule_steps(p.rebalance_every_days, steps_per_day)
        # one scheduled rebalance at the end of each block when the schedule is short
        self.block_rows = self.every if 0 < self.every <= 128 else 0
        self.lo = self.hi = None
        self.price_range = p.band is not None
        if p.band is not None:
            lo, hi = p.band
            # leverage must leave the band by more than a rounding error (EDGE)
            self.lo = None if not lo else float(lo) - EDGE
            self.hi = None if hi is None or hi == float("inf") else float(hi) + EDGE
        # compare signed notional with signed multiples of NAV: no abs() needed
        self.sign = 1.0 if p.leverage > 0 else -1.0
        self.sched: list[int] = []

    def start_block(self, t0, k, s, s_prev):
        self.sched = _schedule_rows(self.every, t0, k)
        self._is_sched = _row_mask(self.sched, k)

    def need(self, cols, r0, active, nav, n, fixed=None):
        s, need = self.sign, None
        self.r0 = r0
        sched = [j - r0 for j in self.sched if j >= r0]
        # a band checked as price thresholds (leverage 1 has none: cash is 0)
        by_price = self.price_range and fixed is not None and 1.0 not in (self.lo, self.hi)
        if by_price:
            need = self._price_band(*fixed, active, sparse=not sched)
            if not sched:
                return need
        elif self.hi is not None:
            # |n| > hi V  <=>  s n > hi V  (n has the sign s while NAV > 0)
            need = (np.greater if s > 0 else np.less)(n, nav * (s * self.hi))
        if self.lo is not None and not by_price:
            # a dead path has n = V = 0 and never satisfies the strict comparison
            low = (np.less if s > 0 else np.greater)(n, nav * (s * self.lo))
            need = low if need is None else np.logical_or(need, low, out=need)
        if sched:
            if need is None:
                need = np.zeros(nav.shape, dtype=bool)
            for j in sched:
                np.greater(nav[j], 0.0, out=need[j])
        return need

    def _price_band(self, S, u, c, lo_s, hi_s, active, sparse):
        r"""The band as price thresholds while units and cash are fixed.

        :math:`s\,n > b V` with :math:`n = u S`, :math:`V = c + u S` is
        :math:`S\,u (s - b) > b c`: one comparison of the price with :math:`bc / (u(s - b))`
        per path, the direction given by the sign of :math:`u (s - b)`. A dead path
        (:math:`u = c = 0`) has a NaN threshold and never trades. With ``sparse``, only
        the paths whose lowest or highest price (``lo_s``, ``hi_s``) passes a threshold
        are compared row by row, and the answer is ``(columns, first row)``.
        """
        s = self.sign
        tests = []
        with np.errstate(divide="ignore", invalid="ignore"):
            for b, above in ((self.hi, True), (self.lo, False)):
                if b is not None:
                    theta = (b * c) / (u * (s - b))
                    # above: S a > d; below: S a < d; dividing by a < 0 flips the comparison
                    tests.append((theta, above == (s * (s - b) > 0)))
        if sparse:
            cand = None
            for theta, up in tests:
                out = np.greater(hi_s, theta) if up else np.less(lo_s, theta)
                cand = out if cand is None else np.logical_or(cand, out, out=cand)
            cols = np.flatnonzero(cand)
            if not cols.size:
                return cols, cols
            S = np.take(S, cols, axis=1)
            tests = [(theta[cols], up) for theta, up in tests]
            if active is not None:
                active = np.take(active, cols, axis=1)
        need = None
        for theta, up in tests:
            hit = np.greater(S, theta) if up else np.less(S, theta)
            need = hit if need is None else np.logical_or(need, hit, out=need)
        if not sparse:
            return need
        if active is not None:
            need &= active
        hit, first = _first_rows(need)
        return cols[hit], first

    def trade(self, which, row):
        if not self.want_reasons:
            return self.initial, None
        why = np.full(np.shape(row), BAND, dtype=np.int8)
        if self.sched:
            why[self._is_sched[row + self.r0]] = SCHEDULE
        return self.initial, why


# ----------------------------------------------------------------------- Perpetual
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
        Taker fee per unit of notional, paid on the entry notional (``fee x leverage`` of
        the margin, booked with the first step).
    funding_rate : float
        Funding per 8 hours on the notional at each funding time; positive rates cost
        longs and pay shorts.
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
    The isolated margin is then lost (NAV 0) and the position is closed.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100.0, 95.0, 90.0, 120.0])
    >>> r = sl.simulate(sl.Perpetual(leverage=10), m)
    >>> r.nav.round(2).tolist(), bool(r.liquidated[0])
    ([[1.0, 0.5, 0.0, 0.0]], True)
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
        _check_funding(self)
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

    def _controller(self, paths: int, steps_per_day: int) -> _Controller:
        c = _Controller()
        c.initial = self.sign * self.leverage
        c.liquidation = True
        c.reason_codes = True
        return c

    def _maintenance(self):
        """Return a function mapping notional (units of margin) to maintenance (units of margin)."""
        if self.tiers is None:
            mmr = self.maintenance_margin

            def mm(n_abs):
                return mmr * n_abs

            return mm
        lims = np.array([a for a, _ in self.tiers])
        rates = np.array([b for _, b in self.tiers])
        cum = np.zeros(len(rates))
        for k in range(1, len(rates)):
            cum[k] = cum[k - 1] + lims[k - 1] * (rates[k] - rates[k - 1])
        margin = self.margin

        def mm(n_abs):
            usd = n_abs * margin
            k = np.minimum(np.searchsorted(lims, usd, side="left"), len(rates) - 1)
            return (usd * rates[k] - cum[k]) / margin

        return mm


# --------------------------------------------------------------------- SmartLeverage
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
        range 1.25x-4x is Binance BLVT's published range.
    tolerance : float
        Trade when ``|realised - target| > tolerance`` (in leverage units); this keeps
        the product from trading on every small move ("need-based" rebalancing).
    rebalance_every_days : float or None
        Optional scheduled rebalance to the target as well.
    circuit_breaker : float or None
        An adverse move of at least this size within one step (0.1 = 10 %) cuts
        leverage to ``breaker_leverage`` for ``cooldown_days``.
    breaker_leverage : float
        Leverage right after the breaker trips (and its ceiling during the cool-down).
    cooldown_days : float
    management_fee, trading_cost, funding_rate : float
        Per day of NAV, per unit of traded notional, per 8 hours of notional.
    name : str

    Notes
    -----
    Between trades, fixed units: :math:`V' = V (1 + \\ell r)`. The controls act only
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
    funding_rate: float = 0.0
    name: str = "Smart Leverage"

    def __post_init__(self) -> None:
        if not isinstance(self.policy, (BandPolicy, VolatilityTarget, TrendPolicy, CPPIPolicy)):
            raise TypeError(
                "policy must be BandPolicy, VolatilityTarget, TrendPolicy or CPPIPolicy, "
                f"got {self.policy!r}"
            )
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
        _check_funding(self)
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

    def _controller(self, paths: int, steps_per_day: int) -> _Controller:
        return _SmartController(self, paths, steps_per_day)


class _SmartController(_Controller):
    reason_codes = True

    def __init__(self, p: SmartLeverage, paths: int, steps_per_day: int) -> None:
        self.p = p
        s = p.sign
        self.s = s
        if isinstance(p.policy, TrendPolicy):
            self.st = p.policy._start(paths, steps_per_day, s, p.min_leverage, p.max_leverage)
        else:
            self.st = p.policy._start(paths, steps_per_day, s)
        self.lo, self.hi = p.min_leverage, p.max_leverage
        self.initial = s * float(np.clip(self.st.initial, self.lo, self.hi))
        self.every = _schedule_steps(p.rebalance_every_days, steps_per_day)
        self.block_rows = self.every if 0 < self.every <= 128 else 0
        self.cb = p.circuit_breaker
        self.cool_steps = int(round(p.cooldown_days * steps_per_day))
        self.until = np.full(paths, -1, dtype=np.int64)  # last step of each path's cool-down
        self.last_cool = -1
        self._buf = Scratch().get  # scratch blocks reused from block to block
        self.ahead = (0, 0)  # steps t0 .. t1 whose rows t0 + 1 .. t1 are prepared
        self.tgt_w = self.pre_w = self.trips_w = self.adverse_w = None
        self.caps_w: list[tuple[int, np.ndarray]] = []
        # a policy whose target is a monotone function of a window it keeps (the
        # volatility target: of the variance estimate) lets a block's trial be checked
        # path by path from ranges first (see _need_by_range)
        self.monotone = self.st.kind == "market" and getattr(self.st, "monotone", False)
        self.sparse = False  # the last need() answered by ranges
        self.tripped = None

    def start_block(self, t0, k, s, s_prev):
        if t0 >= self.ahead[1]:  # a new market window
            self._look_ahead(t0, s, s_prev)
        a, b = t0 - self.ahead[0], t0 - self.ahead[0] + k  # the block's rows in the window
        self.tgt = None if self.tgt_w is None else self.tgt_w[a:b]
        self.pre = None if self.pre_w is None else self.pre_w[a:b]
        some = self.trips_w is not None and self.trips_w[a:b].any()
        self.adverse = self.adverse_w[a:b] if some else None
        self.caps = [(t - t0 - 1, cool) for t, cool in self.caps_w if t0 < t <= t0 + k]
        self.sched = _schedule_rows(self.every, t0, k)
        self._is_sched = _row_mask(self.sched, k)

    def _look_ahead(self, t0, s, s_prev):
        """Targets and breaker state of every row of a market window (they depend on
        prices only), kept for the blocks in that window. For the volatility target the
        window keeps the variance estimates and the range of its targets: targets are
        worked out where they are needed (see :meth:`_need_by_range`)."""
        L, P = s.shape
        self.ahead = (t0, t0 + L)
        r = self._buf("r", (L, P))
        np.divide(s, s_prev, out=r)
        r -= 1.0
        self.tgt_w = self.pre_w = None
        if self.monotone:  # targets from the window when needed (see _targets)
            self.pre_w = self.st.block_pre(r, self._buf("tgt", (L, P)))
            # the range of the window's targets, as a centre and the room left in the
            # tolerance around it (see _need_by_range)
            x = self._buf("xw", (2, P))
            self.pre_w.min(axis=0, out=x[0])  # the smallest estimate: the largest target
            self.pre_w.max(axis=0, out=x[1])
            t = self._targets(x, 0, None, caps=False)
            self.t_mid = t[0] + t[1]
            self.t_mid *= 0.5
            self.t_room = np.subtract(t[0], t[1], out=t[1])
            np.abs(self.t_room, out=self.t_room)
            self.t_room *= -0.5
            self.t_room += self.p.tolerance + EDGE - 1e-9
        elif self.st.kind == "market":
            self.tgt_w = self.st.block(r, self._buf("tgt", (L, P)))
            _clip(self.tgt_w, self.lo, self.hi)
        # circuit breaker: an adverse step return of at least cb trips it; it caps the
        # target from that step to cool_steps steps later (prices only, so known ahead)
        self.adverse_w = self.trips_w = None
        self.caps_w = []  # (step, paths cooling down at that step)
        if self.cb is not None:
            cb = self.cb - 1e-12  # an exact 10 % fall in floating point trips a 10 % breaker
            # rows with a trip first (a reduction), the paths that tripped only then
            trips = r.min(axis=1) <= -cb if self.s > 0 else r.max(axis=1) >= cb
            adverse = None
            if trips.any():
                adverse = (r <= -cb) if self.s > 0 else (r >= cb)
                self.adverse_w, self.trips_w = adverse, trips
            elif self.last_cool <= t0:
                trips = None  # no trip and no cool-down in this window
            for j in range(L if trips is not None else 0):
                t = t0 + 1 + j
                if trips[j]:
                    np.maximum(
                        self.until, np.where(adverse[j], t + self.cool_steps, -1), out=self.until
                    )
                    self.last_cool = max(self.last_cool, t + self.cool_steps)
                if t <= self.last_cool:
                    self.caps_w.append((t, self.until >= t))
            if self.tgt_w is not None:
                bl = self.p.breaker_leverage
                for t, cool in self.caps_w:
                    row = self.tgt_w[t - t0 - 1]
                    np.minimum(row, bl, out=row, where=cool)
        if self.tgt_w is not None and self.s < 0:
            np.negative(self.tgt_w, out=self.tgt_w)  # signed targets: no abs() of leverage

    def _targets(self, x, r0, cols, caps=True):
        """Signed targets of rows ``r0..`` of the block for columns ``cols`` (``None``: all)
        from the policy's window values ``x`` of those rows and columns, written into
        ``x``: clipped to the leverage range and capped where the breaker cools down."""
        tgt = self.st.target(x, out=x)
        _clip(tgt, self.lo, self.hi)
        return self._cap_and_sign(tgt, r0, cols, caps)

    def _cap_and_sign(self, tgt, r0, cols, caps=True):
        """Targets (magnitudes) capped on the rows where the breaker cools down, then
        signed; in place."""
        bl = self.p.breaker_leverage
        for j, cool in self.caps if caps else ():
            if j >= r0:
                where = cool if cols is None else cool[cols]
                np.minimum(tgt[j - r0], bl, out=tgt[j - r0], where=where)
        if self.s < 0:
            np.negative(tgt, out=tgt)
        return tgt

    def _need_by_range(self, nav, n, fixed):
        """The first trial's trades from ranges: ``(columns, first rows)``.

        Between trades a path's leverage ``n / nav = u S / (c + u S)`` is monotone in the
        price, so over the block it lies between its values at the lowest and highest
        price, and the targets of the market window lie between those of its largest and
        smallest variance estimate (worked out once per window). A path whose leverage
        stays within the tolerance of every target in that range cannot trade in the
        block (a margin of 1e-9 covers rounding) and is not looked at row by row: only the
        other paths, a few per cent of them on short blocks, are. This spares the square
        root and the comparison of every row.
        """
        s_r, u, c, lo_s, hi_s = fixed
        P = nav.shape[1]
        e = self._buf("er", (2, P))
        np.multiply(lo_s, u, out=e[0])
        np.multiply(hi_s, u, out=e[1])
        v = self._buf("vr", (2, P))
        np.add(e, c, out=v)
        np.divide(e, v, out=e)  # leverage at the lowest and highest price
        e -= self.t_mid
        np.abs(e, out=e)
        ok = e <= self.t_room
        ok &= v > 0.0  # no pole in between
        unc = np.flatnonzero(~(ok[0] & ok[1]))  # paths that might trade
        uu = u[unc]
        if not uu.all():  # less the closed ones (no units, no cash: NAV 0, never trading)
            unc = unc[(uu != 0.0) | (c[unc] != 0.0)]
        self.sparse = True
        self.nav_t, self.n_t = nav, n
        if not unc.size:
            return unc, unc
        # row by row for those paths only, with the same operations as a full trial
        ns = np.take(s_r, unc, axis=1)
        ns *= u[unc]
        vs = ns + c[unc]
        lev = np.divide(ns, vs, out=ns)
        tgt = self._targets(np.take(self.pre, unc, axis=1), 0, unc)
        gap = np.subtract(lev, tgt, out=lev)
        np.abs(gap, out=gap)
        hit, first = _first_rows(gap > self.p.tolerance + EDGE)
        return unc[hit], first

    def need(self, cols, r0, active, nav, n, fixed=None):
        p = self.p
        full = cols is None
        self.r0 = r0
        self.sparse = False
        kind = self.st.kind
        if (
            self.monotone
            and full
            and fixed is not None
            and nav.shape[0] > 1
            and self.adverse is None
            and not self.sched
            and not self.caps
        ):
            return self._need_by_range(nav, n, fixed)
        lev = np.divide(n, nav, out=self._buf("lev", nav.shape) if full else None)  # signed
        if self.monotone:
            if full:
                x = self._buf("tgtb", nav.shape)
                np.copyto(x, self.pre)
            else:
                x = np.take(self.pre[r0:], cols, axis=1)
            tgt = self._targets(x, r0, cols)
        elif kind == "market":
            tgt = self.tgt if full else np.take(self.tgt[r0:], cols, axis=1)
        else:
            if kind == "band":
                tgt = np.full(nav.shape, float(np.clip(self.st.initial, self.lo, self.hi)))
            else:
                tgt = self.st.nav_target(cols, active, nav)
                _clip(tgt, self.lo, self.hi)
            self._cap_and_sign(tgt, r0, cols)
        if kind == "band":
            blo, bhi = self.st.band
            mag = lev if self.s > 0 else -lev
            need = (mag < blo - EDGE) | (mag > bhi + EDGE)
            need |= mag > self.hi + EDGE
        else:
            gap = np.subtract(lev, tgt, out=self._buf("gap", nav.shape) if full else None)
            np.abs(gap, out=gap)
            need = gap > p.tolerance + EDGE
        self.tripped = None
        if self.adverse is not None:
            adv = self.adverse if full else np.take(self.adverse[r0:], cols, axis=1)
            self.tripped = adv & (nav > 0)
            need |= self.tripped
        for j in self.sched:
            if j >= r0:
                np.greater(nav[j - r0], 0.0, out=need[j - r0])
        self.lev, self.tgt_trial = lev, tgt
        return need

    def trade(self, which, row):
        if self.sparse:  # answered by ranges: from the first trial's values at those points
            tgt = self._targets(np.array(self.pre[row, which], dtype=float), 0, None)
        else:
            tgt = self.tgt_trial[row, which]
        if not self.want_reasons:
            return tgt, None
        if self.sparse:
            lev = self.n_t[row, which] / self.nav_t[row, which]
        else:
            lev = self.lev[row, which]
        usual = BAND if self.st.kind == "band" else POLICY
        why = np.where(self.s * lev > self.hi + self.p.tolerance, np.int8(CAP), np.int8(usual))
        if self.sched:
            why[self._is_sched[row + self.r0]] = SCHEDULE
        if not self.sparse and self.tripped is not None:
            why[self.tripped[row, which]] = BREAKER
        return tgt, why

    def commit(self, cols, last_row):
        self.st.commit(cols, last_row)


# -------------------------------------------------------------- StructuredLeverage
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
        The multiplier :math:`L` (> 1).
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
        check_real("leverage", self.leverage, low=1.0, high=100.0, low_open=True)
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
