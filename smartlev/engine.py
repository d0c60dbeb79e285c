"""One stepping kernel, vectorised over paths, for every product.

Each path holds ``u`` units of the coin and ``c`` of cash (both per unit of starting NAV),
so at price :math:`S` the notional is :math:`n = u S` and the NAV :math:`V = c + u S`. A
step ``t`` (the bar from close ``t - 1`` to close ``t``) is, for every path at once::

    inside the bar   the price travels: last close -> open (a gap: nothing trades in it)
                     -> low -> high -> close (-> high -> low -> when the bar closed down);
                     a price level on that route fills where the route first reaches it,
                     or at the open when the bar gapped past it: the product's band or
                     leverage cap, its circuit breaker, liquidation, NAV reaching zero
    the close        n = u S ;  V = c + n
    costs            management fee on V, funding on n at 8-hour marks, interest on c
    the bottom       margin product: V <= maintenance(|n|) -> liquidated, V = 0
                     others:         V <= 0                 -> wiped out,  V = 0
    decisions        the product names the paths that trade, their target leverage l*
                     and why: n = l* V ;  V -= trading cost |n_new - n_old| ;  u = n / S

With ``triggers="close"`` nothing happens inside the bar and every decision waits for
the close. A market with closes only is one straight line from close to close.

The time loop is :func:`_run_chunk`; :class:`_Book` keeps the per-path state and books
trades and deaths; :func:`smartlev._inside_bar.inside_bar` walks the route of the paths
whose bar reached one of their levels (few, most steps); :class:`smartlev.result.Recorder`
folds the rows into statistics. The product speaks to the kernel only through the
protocol of :class:`smartlev.products.Rules`; the kernel never asks what product it runs.
Paths are processed in chunks so that large Monte Carlo runs stay in bounded memory; the
next chunk of a generated market is generated in a background thread while the current
one is simulated (:func:`smartlev._chunks.chunk_bars`).
The same model, one path and one step at a time in plain Python, is
:func:`smartlev.reference.simulate_path`; the tests hold the two together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._chunks import chunk_bars, default_chunk
from ._inside_bar import Levels, inside_bar
from ._validate import check_choice, check_int
from .market import DAYS_PER_YEAR, Market
from .products import EDGE, ENTRY, LIQUIDATED, PRODUCTS, WIPED
from .result import Recorder, Result

__all__ = ["simulate", "compare"]

_WINDOW = 64  # steps of path-major prices transposed at a time


# ------------------------------------------------------------------------ simulate
def simulate(
    product: object,
    market: Market,
    *,
    triggers: str = "intrabar",
    history: bool = True,
    chunk_paths: int | None = None,
    progress: bool | None = None,
) -> Result:
    """Simulate a product on every path of a market.

    Parameters
    ----------
    product : Spot, LeveragedToken, Perpetual, SmartLeverage or StructuredLeverage
        Or any product registered with :func:`smartlev.products.register`.
    market : Market
    triggers : {"intrabar", "close"}
        ``"intrabar"`` (default): price levels (bands, the leverage cap, the circuit
        breaker, liquidation, NAV reaching zero) act where the price reaches them inside
        the bar, as real products do. ``"close"``: every decision waits for the close.
    history : bool
        Keep the full NAV, leverage and reason histories (``paths x (steps + 1)``).
        With ``False`` only final values and per-path statistics are kept, so a run of
        100,000 hourly paths over a year fits in bounded memory.
    chunk_paths : int, optional
        Paths processed together (default: all when keeping history, otherwise chunks
        of about equal size and at most 16,384 paths, fewer for long generated markets).
        A generated market in several chunks makes the next chunk in a background
        thread while the current one is simulated (same numbers as one at a time).
    progress : bool, optional
        Show a progress bar over chunks (default: when more than 50 million path-steps).

    Returns
    -------
    Result

    Notes
    -----
    Each step applies, in order: the events inside the bar (``triggers="intrabar"``);
    the close :math:`V = c + u S`; the management fee, funding and interest; liquidation
    (:math:`V \\le` maintenance margin) or the floor at zero; then the product's decisions
    :math:`n = \\ell^* V`, less the trading cost. The entry's costs are booked with the
    first step, so NAV starts at 1; a cost of leaving is booked with the last.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.Market.from_prices([100, 90, 100])
    >>> r = sl.simulate(sl.LeveragedToken(2.0), m)
    >>> r.nav.round(4).tolist()          # 0.8, then 0.8 x (1 + 2 x 1/9)
    [[1.0, 0.8, 0.9778]]
    >>> sl.simulate("3x", m)
    Traceback (most recent call last):
    ...
    TypeError: product must be one of Spot, LeveragedToken, Perpetual, SmartLeverage, \
StructuredLeverage, got '3x' (str)
    """
    if type(product) not in PRODUCTS.values():
        raise TypeError(
            f"product must be one of {', '.join(PRODUCTS)}, got {product!r} "
            f"({type(product).__name__})"
        )
    if not isinstance(market, Market):
        raise TypeError(
            f"market must be a smartlev Market (see Market.from_prices), got "
            f"{type(market).__name__}"
        )
    if not isinstance(history, bool):
        raise TypeError(f"history must be True or False, got {history!r}")
    check_choice("triggers", triggers, ("intrabar", "close"))
    if hasattr(product, "run"):  # a product that settles rather than steps
        return product.run(market, history=history)
    paths, steps = market.paths, market.steps
    clock = _Clock(market)
    if chunk_paths is None:
        chunk = default_chunk(paths, steps, history, market)
    else:
        chunk = check_int("chunk_paths", chunk_paths, low=1)
    if progress is None:
        progress = paths * steps > 50_000_000 and paths > chunk
    starts = range(0, paths, chunk)
    chunks = loader = chunk_bars(market, starts, chunk)
    if progress:
        from tqdm.auto import tqdm

        chunks = tqdm(loader, desc=f"{getattr(product, 'name', 'product')}", unit="chunk",
                      total=len(starts))  # fmt: skip
    parts = []
    try:
        for bars in chunks:  # closes, then o, h, l
            parts.append(_run_chunk(product, bars, clock, history, triggers == "intrabar"))
            del bars  # at most two chunks of prices at a time: this one and the next
    finally:  # on an error or an interrupt, too: the background thread ends, its chunk goes
        loader.close()
    if len(parts) == 1:
        out = parts[0]
    else:
        out = {k: np.concatenate([p[k] for p in parts]) for k, v in parts[0].items()
               if v is not None}  # fmt: skip
    return Result(
        product=product,
        market_name=market.name,
        steps_per_day=market.steps_per_day,
        days=market.days,
        **{k: out.get(k) for k in Result.__dataclass_fields__ if k in out},
    )


def _per_step(name: str, value, steps: int) -> np.ndarray | float:
    """A rate given as one number or one value per step; checked against the market."""
    if not isinstance(value, tuple):
        return value
    if len(value) != steps:
        raise ValueError(
            f"{name} must be one number or one value per step of the market ({steps}), "
            f"got {len(value)} values"
        )
    return np.asarray(value)


class _Clock:
    """How long each step lasts and how many funding times it crosses."""

    def __init__(self, market: Market) -> None:
        self.steps_per_day = market.steps_per_day
        self.days = market.step_days  # calendar days of each step
        self.marks = market.funding_marks()  # funding times (00, 08, 16 UTC) it crosses


class _Rows:
    """Prices of a chunk read one step at a time: row ``t`` holds every path's price.

    Time-major prices (generated scenarios, a DataFrame with one column per path) are
    read as they are; path-major ones are transposed a window of steps at a time."""

    def __init__(self, prices: np.ndarray) -> None:
        self.prices = prices
        P, n = prices.shape
        if P == 1 or prices.strides[0] == prices.itemsize:
            self.view, self.w0 = prices.T, None
        else:
            self.buf = np.empty((min(_WINDOW, n), P))
            self.w0 = -_WINDOW  # first step in the buffer

    def __getitem__(self, t: int) -> np.ndarray:
        if self.w0 is None:
            return self.view[t]
        if not self.w0 <= t < self.w0 + _WINDOW:
            self.w0 = max(t - 1, 0)  # the window keeps the step before: a step reads both
            t_ = self.w0
            part = self.prices[:, t_ : t_ + _WINDOW]
            self.buf[: part.shape[1]] = part.T
        return self.buf[t - self.w0]


# -------------------------------------------------------------------------- the book
class _Book:
    """Per-path state between steps: units ``u``, cash ``c``, costs paid, trades, deaths
    (and their reason codes when the history is kept)."""

    def __init__(self, rules, s0: np.ndarray, T: int, reasons: bool) -> None:
        P = s0.shape[0]
        self.rules = rules
        self.u = rules.initial / s0
        self.c = np.full(P, 1.0 - rules.initial)
        self.fees = np.zeros(P)
        self.fund = np.zeros(P)
        self.interest = np.zeros(P)
        self.tcost = np.zeros(P)
        self.rebal = np.zeros(P, dtype=np.int64)
        self.event = np.full(P, -1, dtype=np.int64)
        self.dead = np.zeros(P, dtype=bool)
        self.any_dead = False
        self.margin = rules.margin
        self.death = LIQUIDATED if rules.margin else WIPED
        self.reason = np.zeros((T + 1, P), dtype=np.int8) if reasons else None
        if reasons:
            self.reason[0] = ENTRY
        if rules.entry_cost:  # paid at entry, booked with the first step
            self.fees += rules.entry_cost
            self.c -= rules.entry_cost

    def trade(self, t, paths, price, target, why, nav=None, n=None) -> None:
        """``paths`` trade to signed leverage ``target`` at ``price``; ``nav`` and ``n``
        (the close's rows) are updated in place when given."""
        u, c = self.u[paths], self.c[paths]
        old = u * price
        v = c + old
        new = target * v
        if self.rules.trading_cost:
            cost = np.abs(new - old) * self.rules.trading_cost
            v = v - cost
            self.tcost[paths] += cost
        self.u[paths] = new / price
        self.c[paths] = v - new
        self.rebal[paths] += 1
        if nav is not None:
            nav[paths] = v
            n[paths] = new
        if self.reason is not None:
            self.reason[t, paths] = why
        if self.rules.trading_cost and np.min(v, initial=1.0) <= 0.0:  # the cost took it all
            gone = np.arange(self.u.size)[paths][np.atleast_1d(v <= 0.0)]
            self.die(t, gone, WIPED, nav, n)

    def die(self, t, paths, why, nav=None, n=None) -> None:
        """``paths`` are liquidated or wiped out at step ``t``: NAV 0, position closed."""
        self.u[paths] = self.c[paths] = 0.0
        self.dead[paths] = True
        self.event[paths] = t
        self.any_dead = True
        if nav is not None:
            nav[paths] = n[paths] = 0.0
        if self.reason is not None:
            self.reason[t, paths] = why


# --------------------------------------------------------------------- the time loop
def _run_chunk(product, bars: tuple, clock: _Clock, history: bool, intrabar: bool) -> dict:
    """Step every path of one chunk through time; returns the result's fields."""
    close, opn, high, low = bars
    P, T = close.shape[0], close.shape[1] - 1
    rules = product.rules(P, clock.steps_per_day, intrabar)
    S = _Rows(close)
    has_bars = intrabar and opn is not None
    bar_o, bar_h, bar_l = (_Rows(a) for a in (opn, high, low)) if has_bars else [None] * 3
    book = _Book(rules, S[0], T, reasons=history)
    rec = Recorder(P, T, history, clock.steps_per_day, rules.initial)
    levels = Levels(rules, book) if intrabar else None
    fee = rules.management_fee
    funding = _per_step("funding_rate", rules.funding_rate, T)
    interest = _per_step("interest_rate", rules.interest_rate, T)
    fee_per_step = fee * clock.days if fee else None
    rate = funding * clock.marks if np.any(funding) else None
    accrue = interest * clock.days / DAYS_PER_YEAR if np.any(interest) else None
    ret = np.empty(P) if rules.wants_return else None
    tmp = np.empty(P)

    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(1, T + 1):
            s, prev = S[t], S[t - 1]
            # inside the bar: paths whose route reached one of their price levels
            if intrabar and not levels.empty:
                low, high = (bar_l[t], bar_h[t]) if has_bars else (s, s)
                hit = levels.reached(low, high, prev)
                if hit.size:
                    route = (bar_o[t], bar_h[t], bar_l[t], s) if has_bars else (s,)
                    inside_bar(book, rules, levels, t, hit, prev, route)
            # the close
            nav, n = rec.rows()
            np.multiply(book.u, s, out=n)
            np.add(book.c, n, out=nav)
            # costs, taken from cash
            changed = None  # paths whose units or cash changed at the close
            if fee_per_step is not None:
                np.maximum(nav, 0.0, out=tmp)
                tmp *= fee_per_step[t - 1]
                _pay(book, book.fees, tmp, nav)
                changed = slice(None)
            if rate is not None and _at(rate, t):
                np.multiply(n, _at(rate, t), out=tmp)
                _pay(book, book.fund, tmp, nav)
                changed = slice(None)
            if accrue is not None and _at(accrue, t):
                np.multiply(book.c, -_at(accrue, t), out=tmp)  # borrowed cash pays, held earns
                _pay(book, book.interest, tmp, nav)
                changed = slice(None)
            # the bottom: liquidation, or the floor at zero
            if book.margin:
                bad = nav <= rules.maintenance(np.abs(n))
            elif nav.min() <= 1e-9:  # at 0 up to rounding: wiped out (see EDGE)
                bad = nav <= EDGE * np.abs(n)
            else:
                bad = None
            if bad is not None:
                if book.any_dead:
                    bad &= ~book.dead
                if bad.any():
                    gone = np.flatnonzero(bad)
                    book.die(t, gone, book.death, nav, n)
                    changed = _union(changed, gone)
            # the product's decisions
            if ret is not None:
                np.divide(s, prev, out=ret)
                ret -= 1.0
            d = rules.close(t, ret, nav, n)
            if d is not None:
                paths, target, why = d
                if book.any_dead:  # the dead never trade
                    paths, target, why = _drop_dead(paths, target, why, book.dead)
                book.trade(t, paths, s[paths], target, why, nav, n)
                changed = _union(changed, paths)
            if t == T:  # the cost of leaving at the last price
                out = rules.exit_cost(nav, n)
                if out is not None:
                    out = np.where(book.dead, 0.0, out)
                    _pay(book, book.fees, out, nav)
            if intrabar and rules.levels_move:  # the product moved its levels at the close
                changed = slice(None)
            if intrabar and changed is not None:
                levels.update(changed)
            rec.add(book.any_dead)
    return rec.finish(book, history)


def _at(x, t: int):
    """Step ``t``'s value of a per-step array (or the constant)."""
    return x[t - 1] if isinstance(x, np.ndarray) else x


def _union(a, b):
    """Paths in either selection (a slice stands for every path)."""
    if a is None:
        return b
    if isinstance(a, slice) or isinstance(b, slice):
        return slice(None)
    return np.union1d(a, b)


def _pay(book: _Book, total: np.ndarray, amount: np.ndarray, nav: np.ndarray) -> None:
    """Pay ``amount`` (per path) from cash, and add it to ``total``."""
    book.c -= amount
    nav -= amount
    total += amount


def _drop_dead(paths, target, why, dead: np.ndarray):
    """A decision's paths, targets and reasons, less the paths that are dead."""
    idx = np.arange(dead.size)[paths]
    keep = ~dead[idx]

    def pick(x):
        return x if np.ndim(x) == 0 else np.asarray(x)[keep]

    return idx[keep], pick(target), pick(why)


# ------------------------------------------------------------------------ compare
def compare(
    products: dict[str, object],
    market: Market,
    *,
    triggers: str = "intrabar",
    history: bool = False,
) -> pd.DataFrame:
    """Simulate several products on the same paths and tabulate their metrics.

    Parameters
    ----------
    products : dict of str to product
        Row label -> product. The labels name the rows (and the colours in charts).
    market : Market
        The same paths are used for every product.
    triggers : {"intrabar", "close"}
        Passed to :func:`simulate`.
    history : bool
        Passed to :func:`simulate` (metrics do not need it).

    Returns
    -------
    pandas.DataFrame
        One row per product, columns as in :data:`smartlev.result.METRICS`.

    Examples
    --------
    >>> import smartlev as sl
    >>> m = sl.scenarios.gbm(sigma=0.8, days=90, steps_per_day=1, paths=200, seed=3)
    >>> df = sl.compare({"Spot": sl.Spot(), "3x token": sl.LeveragedToken(3)}, m)
    >>> list(df.index), "median_return" in df.columns
    (['Spot', '3x token'], True)
    """
    if not isinstance(products, dict) or not products:
        raise TypeError(
            f"products must be a non-empty dict of name -> product, got {type(products).__name__}"
        )
    rows = []
    for label, product in products.items():
        if not isinstance(label, str):
            raise TypeError(f"product names must be strings, got {label!r}")
        s = simulate(product, market, triggers=triggers, history=history).summary()
        s.index = pd.Index([label], name="product")
        rows.append(s)
    return pd.concat(rows)
