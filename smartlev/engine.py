"""One stepping kernel, vectorised over paths, for every product.

A step of the kernel, for every path::

    price moves      n = u S ;  V = c + n              (units u and cash c fixed between trades)
    costs            c -= fee V ;  c -= funding n       (management fee, funding at 8 h marks)
    bottom           perpetual: V <= maintenance(n) -> liquidated, V = 0
                     others:    V <= 0              -> wiped out,  V = 0
    trading          the product's controller picks paths and a target leverage l*;
                     n = l* V ;  V -= cost |n_new - n_old| ;  u = n / S

with NAV :math:`V`, signed notional :math:`n` and cash :math:`c` in units of the starting
NAV. Because units and cash only change when a path trades, the kernel steps through
time in blocks of steps: it computes a whole block for all paths as if nobody traded,
asks the product where each path would first trade (or be liquidated or wiped out),
applies that event and recomputes the rest of the block for those paths only. The
result is the same step-by-step recursion (the tests compare it with a plain per-path
loop), with one array operation per block instead of one per step. A band token and
Smart Leverage with a volatility target first rule out, from each path's lowest and
highest price over the block, the paths that cannot trade in it, and compare the rows of
the others only. What depends on prices alone (a volatility target's estimate, a circuit
breaker) is worked out once per market window of 32 steps or so. Prices are read
time-major, directly when they are stored that way (generated scenarios are) and else
through a transposed window. Paths are processed in chunks so that large Monte Carlo runs
stay in bounded memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validate import check_int
from .market import Market
from .products import (
    EDGE,
    ENTRY,
    LIQUIDATED,
    SCHEDULE,
    WIPED,
    LeveragedToken,
    Perpetual,
    SmartLeverage,
    Spot,
    StructuredLeverage,
    _schedule_steps,
)
from .result import Result, _Stats

__all__ = ["simulate", "compare"]

_PRODUCTS = (Spot, LeveragedToken, Perpetual, SmartLeverage, StructuredLeverage)
_ROWS = 32  # steps per block of the kernel when the product has no short schedule
_FLUSH = 32  # steps of NAV kept before they are folded into the statistics
_WINDOW = 64  # steps of prices transposed at a time (whole market windows)
_TILE = 512  # paths per tile of that transposition
_CHUNK_MAX = 8_192  # paths per chunk at most
_AHEAD = 32  # steps of a market window, at least (a whole number of blocks)
_ROUNDS = 3  # trials of a block beyond which blocks shorten
_CLOSED_FORM_MAX = 4_000_000  # prices per chunk up to which Spot/Perpetual skip the loop


def _funding_marks(steps: int, steps_per_day: int) -> np.ndarray:
    """Number of 8-hour funding times (00, 08, 16 UTC) crossed during each step 1..steps."""
    t = np.arange(steps + 1)
    marks = (t * 3) // steps_per_day
    return np.diff(marks)


def _default_chunk(product, paths: int, steps: int, history: bool, lazy: bool) -> int:
    """Paths per chunk, the chunks of a run about equal in size.

    With history, all paths: the result holds every step anyway. Otherwise the kernel's
    buffers grow with the paths of a chunk but not with its steps, so the width is set by
    speed (measured here): products that trade at times of their own (a band, a policy)
    retry parts of many blocks, and each retry costs Python work that wider chunks share
    out, so they take up to 16,384 paths; the others are mostly whole-array passes, about
    10 % faster at 8,192 paths, where more of the block stays in cache. A generated market
    also holds one chunk of prices while it runs, so its chunks hold at most about
    64 million prices (~540 MB).
    """
    if history:
        return paths
    own_times = isinstance(product, SmartLeverage) or (
        isinstance(product, LeveragedToken) and product.band is not None
    )
    cap = 2 * _CHUNK_MAX if own_times else _CHUNK_MAX
    if lazy:
        cap = max(64, min(cap, 2**26 // max(steps, 1)))
    n = -(-paths // cap)
    return -(-paths // n)


def simulate(
    product: object,
    market: Market,
    *,
    history: bool = True,
    chunk_paths: int | None = None,
    progress: bool | None = None,
) -> Result:
    """Simulate a product on every path of a market.

    Parameters
    ----------
    product : Spot, LeveragedToken, Perpetual, SmartLeverage or StructuredLeverage
    market : Market
    history : bool
        Keep the full NAV, leverage and reason histories (``paths x (steps + 1)``).
        With ``False`` only final values and per-path statistics are kept, so a run of
        100,000 hourly paths over a year fits in bounded memory.
    chunk_paths : int, optional
        Paths processed together (default: all when keeping history, otherwise chunks
        of about equal size and at most 8,192 or 16,384 paths, fewer for long generated
        markets).
    progress : bool, optional
        Show a progress bar over chunks (default: when more than 50 million path-steps).

    Returns
    -------
    Result

    Notes
    -----
    Each step applies, in order: the price move :math:`V \\mathrel{+}= n r`,
    :math:`n \\mathrel{*}= (1 + r)`; the management fee and funding; liquidation
    (perpetual: :math:`V \\le` maintenance margin) or the floor at zero (others); then
    the product's trading decision :math:`n = \\ell^* V`, less the trading cost.
    Costs of the entry trade are booked with the first step, so NAV starts at 1.

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
    if not isinstance(product, _PRODUCTS):
        names = ", ".join(p.__name__ for p in _PRODUCTS)
        raise TypeError(
            f"product must be one of {names}, got {product!r} ({type(product).__name__})"
        )
    if not isinstance(market, Market):
        raise TypeError(
            f"market must be a smartlev Market (see Market.from_prices), got "
            f"{type(market).__name__}"
        )
    if not isinstance(history, bool):
        raise TypeError(f"history must be True or False, got {history!r}")
    if isinstance(product, StructuredLeverage):
        return _simulate_structured(product, market, history=history)
    paths, steps = market.paths, market.steps
    if chunk_paths is None:
        chunk = _default_chunk(product, paths, steps, history, market.is_lazy)
        bs = market._block_size
        if market.is_lazy and chunk > bs:
            # whole generator blocks per chunk: equal-sized buffers are reused, so memory
            # stays flat however many chunks a large run has
            chunk = min(paths, bs * max(1, round(chunk / bs)))
    else:
        chunk = check_int("chunk_paths", chunk_paths, low=1)
    if progress is None:
        progress = paths * steps > 50_000_000 and paths > chunk
    parts = []
    starts = range(0, paths, chunk)
    it = starts
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(starts, desc=f"{getattr(product, 'name', 'product')}", unit="chunk")
    for start in it:
        prices = market.path_range(start, min(start + chunk, paths))
        # small runs without trading need no time loop; large ones use the loop, whose
        # memory does not grow with the number of steps
        small = prices.size <= _CLOSED_FORM_MAX
        if small and _fixed_units(product):
            run = _run_fixed_units
        elif small and _segment_token(product):
            run = _run_segments
        else:
            run = _run_chunk
        parts.append(run(product, prices, market.steps_per_day, history))
        del prices  # before the next chunk is generated: one chunk of prices at a time
    if len(parts) == 1:  # one chunk: its arrays as they are (no copy)
        out = {k: v for k, v in parts[0].items() if v is not None}
    else:
        keys = [k for k, v in parts[0].items() if v is not None]
        out = {k: np.concatenate([p[k] for p in parts]) for k in keys}
    return Result(
        product=product,
        market_name=market.name,
        steps_per_day=market.steps_per_day,
        days=market.days,
        **{k: out.get(k) for k in ("nav", "leverage", "reason")},
        **{k: v for k, v in out.items() if k not in ("nav", "leverage", "reason")},
    )


def _fixed_units(product) -> bool:
    """Products that never trade after entry and whose costs do not depend on NAV."""
    return isinstance(product, Spot) or (isinstance(product, Perpetual) and product.tiers is None)


def _segment_token(product) -> bool:
    """Tokens that trade only on a schedule (no band) at no trading cost: every segment
    starts at exactly the target leverage."""
    return (
        isinstance(product, LeveragedToken)
        and product.band is None
        and product.rebalance_every_days is not None
        and not product.trading_cost
    )


def _run_segments(product, prices: np.ndarray, steps_per_day: int, history: bool) -> dict:
    r"""A token rebalanced on a schedule and never in between, with no time loop.

    Between two scheduled rebalances the units are fixed, and every cost is proportional
    to the NAV at the segment's start :math:`V_0`: with :math:`x = S_t / S_{start}`, the
    cash per unit of :math:`V_0` follows
    :math:`c_t = (1 - f) c_{t-1} - (f + \phi_t) L x_t` from :math:`c = 1 - L`, and
    :math:`V_t = V_0 (c_t + L x_t)`. Each segment multiplies the NAV by its growth factor,
    so the NAV path is a cumulative product over segments: the kernel's recursion in
    closed form (the same numbers up to rounding). With a trading cost the next segment
    would start above the target leverage, so such tokens use the kernel.
    """
    P, T = prices.shape[0], prices.shape[1] - 1
    L = float(product.leverage)
    E = _schedule_steps(product.rebalance_every_days, steps_per_day)
    f = product.management_fee / steps_per_day
    t = np.arange(1, T + 1)
    pos = (t - 1) % E  # position of the step in its segment
    ends = slice(E - 1, T, E)  # columns (step - 1) of scheduled rebalances
    # the price where each step's segment started (a view when every step is one)
    base = prices[:, :T] if E == 1 else np.repeat(prices[:, :T:E], E, axis=1)[:, :T]
    x = np.divide(prices[:, 1:], base, order="C")  # path-major from here on
    nx = L * x  # notional per unit of the segment's starting NAV
    phi = product.funding_rate * _funding_marks(T, steps_per_day) if product.funding_rate else None
    fee_rel = fund_rel = None
    if not f and phi is None:
        h = nx + (1.0 - L)
    else:  # the cash recursion runs over positions in the segment, all segments at once
        h = np.empty_like(x)
        fee_rel = np.zeros_like(x) if f else None
        fund_rel = np.zeros_like(x) if phi is not None else None
        cash = np.full((P, (T + E - 1) // E), 1.0 - L)
        for j in range(min(E, T)):
            cols = np.flatnonzero(pos == j)
            seg = cols // E
            cj = cash[:, seg]
            if f:
                fj = f * np.maximum(cj + nx[:, cols], 0.0)
                fee_rel[:, cols] = fj
                cj = cj - fj
            if phi is not None:
                gj = phi[cols] * nx[:, cols]
                fund_rel[:, cols] = gj
                cj = cj - gj
            cash[:, seg] = cj
            h[:, cols] = cj + nx[:, cols]
    grow = h[:, ends]  # growth of each whole segment
    nseg = (T + E - 1) // E
    v0 = np.ones((P, nseg))
    if nseg > 1:
        np.cumprod(grow[:, : nseg - 1], axis=1, out=v0[:, 1:])
    level = v0 if E == 1 else np.repeat(v0, E, axis=1)[:, :T]  # NAV at each segment's start
    nav = np.empty((P, T + 1))
    nav[:, 0] = 1.0
    nav[:, 1:] = level * h
    n = np.empty((P, T + 1))
    n[:, 0] = L
    n[:, 1:] = level * nx
    fail = h <= EDGE * np.abs(nx)  # NAV at or below 0 (up to rounding): wiped out
    dead = fail.any(axis=1)
    event = np.full(P, -1, dtype=np.int64)
    stop = np.full(P, T, dtype=np.int64)  # last step whose costs count
    if dead.any():
        first = np.argmax(fail, axis=1)
        event[dead] = first[dead] + 1
        stop[dead] = first[dead] + 1
    after = t[None, :] >= np.where(dead, event, T + 1)[:, None]  # from the failed step on
    nav[:, 1:][after] = 0.0
    n[:, 1:][after] = 0.0
    live = t[None, :] <= stop[:, None]  # steps up to and including the last one counted
    n[:, 1:][:, ends] = L * nav[:, 1:][:, ends]  # NAV is 0 once wiped out
    done = live[:, ends] & ~fail[:, ends]  # scheduled rebalances that happened
    rebal = done.sum(axis=1).astype(np.int64)

    def paid(rel):
        return np.zeros(P) if rel is None else (rel * level * live).sum(axis=1)

    fees = paid(fee_rel)
    fund = paid(fund_rel)
    reason = None
    if history:
        reason = np.zeros(nav.shape, dtype=np.int8)
        reason[:, 0] = ENTRY
        reason[:, 1:][:, ends] = np.where(done, SCHEDULE, 0)
        reason[dead, event[dead]] = WIPED
    return _path_result(
        nav, n, steps_per_day, history, reason,
        rebalances=rebal,
        liquidated=np.zeros(P, dtype=bool),
        wiped_out=dead,
        event_step=event,
        fees_paid=fees,
        funding_paid=fund,
    )


def _path_result(nav, n, steps_per_day, history, reason, **per_path) -> dict:
    """The fields of a run computed in closed form from whole NAV and notional paths."""
    stats = _Stats(nav.shape[0], steps_per_day)
    stats.add(nav.T, n.T, bool((nav[:, -1] <= 0).any()))  # transposed views: no copy
    return {
        "final_nav": nav[:, -1].copy(),
        "trading_costs": np.zeros(nav.shape[0]),
        **per_path,
        **stats.finish(),
        "max_drawdown": _drawdown(nav),
        "nav": nav if history else None,
        "leverage": np.divide(n, nav, out=np.zeros_like(n), where=nav > 0) if history else None,
        "reason": reason,
    }


def _run_fixed_units(product, prices: np.ndarray, steps_per_day: int, history: bool) -> dict:
    r"""Spot and perpetuals without tiers, with no time loop.

    Units never change, so the notional is :math:`n_t = u\,S_t/S_0` and cash only moves by
    the entry fee and funding: :math:`c_t = 1 - u - \mathrm{fee}\,|n_1| - \sum_{j \le t}
    f_j n_j`. Liquidation is the first step with :math:`c_t + n_t \le m |n_t|`. This is the
    kernel's recursion written in closed form (the same numbers up to rounding).
    """
    P, T = prices.shape[0], prices.shape[1] - 1
    x = np.divide(prices, prices[:, :1], order="C")  # path-major from here on
    liq = isinstance(product, Perpetual)
    u = product.sign * product.leverage if liq else 1.0
    n = u * x
    fees = np.zeros(P)
    fund = np.zeros(P)
    event = np.full(P, -1, dtype=np.int64)
    dead = np.zeros(P, dtype=bool)
    if not liq:
        nav = x.copy()
    else:
        cash = np.full(x.shape, 1.0 - u)
        if product.fee:
            fees = np.full(P, product.fee * abs(u))  # on the entry notional
            cash[:, 1:] -= fees[:, None]
        if product.funding_rate:
            marks = _funding_marks(T, steps_per_day)
            flows = np.zeros_like(x)
            flows[:, 1:] = n[:, 1:] * (product.funding_rate * marks)
            np.cumsum(flows, axis=1, out=flows)
            cash -= flows
        nav = cash + n
        bad = nav <= product.maintenance_margin * np.abs(n)
        bad[:, 0] = False
        dead = bad.any(axis=1)
        if dead.any():
            first = np.argmax(bad, axis=1)
            event[dead] = first[dead]
            after = np.arange(T + 1)[None, :] >= np.where(dead, first, T + 1)[:, None]
            nav[after] = 0.0
            n = np.where(after, 0.0, n)
        if product.funding_rate:
            stop = np.where(dead, event, T)
            fund = flows[np.arange(P), stop]
    reason = None
    if history and liq:
        reason = np.zeros(nav.shape, dtype=np.int8)
        reason[:, 0] = ENTRY
        reason[dead, event[dead]] = LIQUIDATED
    return _path_result(
        nav, n, steps_per_day, history, reason,
        rebalances=np.zeros(P, dtype=np.int64),
        liquidated=dead if liq else np.zeros(P, dtype=bool),
        wiped_out=np.zeros(P, dtype=bool),
        event_step=event,
        fees_paid=fees,
        funding_paid=fund,
    )


def _nav_range(u, c, lo_s, hi_s):
    """Lowest and highest NAV ``c + u S`` of paths whose prices ranged over
    ``lo_s .. hi_s``: the same numbers as the minimum and maximum over the rows, since
    rounding keeps ``c + u S`` monotone in ``S``."""
    a = u * lo_s
    a += c
    b = u * hi_s
    b += c
    up = u > 0
    return np.where(up, a, b), np.where(up, b, a)


def _rows_to_mask(cols: np.ndarray, rows: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A mask with one True per column: at ``rows`` of columns ``cols``."""
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    return mask


def _trial_nav(n, c, nav, fee_k, phi, act):
    """NAV of a trial, ``nav = c + n`` less the costs paid along it, written into ``nav``.

    ``n`` is the notional ``(rows, paths)`` at fixed units, ``c`` the cash at the start,
    ``fee_k`` the management fee per step (on positive NAV), ``phi`` the funding rate of
    each row (or ``None``) and ``act`` a mask of the rows that count (or ``None``).
    Returns the cash at the trial's end and the fee and funding paid on each row (``None``
    when there are none).
    """
    rows = n.shape[0]
    fee_r = fund_r = None
    if fee_k:  # the fee depends on the NAV: row by row
        c_end = c.copy()
        fee_r = np.empty(n.shape)
        fund_r = np.zeros(n.shape) if phi is not None else None
        for j in range(rows):
            v, f = nav[j], fee_r[j]
            np.add(c_end, n[j], out=v)
            np.maximum(v, 0.0, out=f)
            f *= fee_k
            if act is not None:
                f *= act[j]
            c_end -= f
            v -= f
            if phi is not None and phi[j]:
                g = fund_r[j]
                np.multiply(n[j], phi[j], out=g)
                if act is not None:
                    g *= act[j]
                c_end -= g
                v -= g
        return c_end, fee_r, fund_r
    np.add(n, c, out=nav)
    if phi is None or not phi.any():
        return c, None, None
    # funding only: paid at the marks, and from each mark on the NAV is lower by it
    fund_r = np.zeros(n.shape)
    paid = np.zeros(n.shape[1])
    marks = np.flatnonzero(phi)
    for i, j in enumerate(marks):
        g = fund_r[j]
        np.multiply(n[j], phi[j], out=g)
        if act is not None:
            g *= act[j]
        paid += g
        nav[j : marks[i + 1] if i + 1 < len(marks) else rows] -= paid
    return c - paid, None, fund_r


class _Spans:
    """Per-path statistics of a run, folded in span by span (``_FLUSH`` steps or so).

    The kernel writes each block's NAV and notional rows into ``nav`` and ``notional``
    (all steps with history, else a short buffer whose row 0 carries the last row of the
    previous span). A span's volatility and leverage sums go to :class:`_Stats`, and the
    drawdown is kept as the smallest ratio of NAV to its running peak. While no path has
    costs or died, units and cash are fixed between trades, so NAV (and leverage
    :math:`1 - c/V`) is extreme where the price is: the trial's lowest and highest NAV
    serve for every path that did not trade, and only the paths that did are searched.
    """

    def __init__(self, nav, notional, history, steps_per_day, sign):
        P = nav.shape[1]
        self.nav, self.notional, self.history = nav, notional, history
        self.stats = _Stats(P, steps_per_day, sign=sign)
        self.peak = np.ones(P)
        self.dd = np.ones(P)  # smallest NAV / running peak
        self.fill = 0  # rows of the span so far
        self.f0 = 0  # first row of the span (with history)
        self.exact, self.low, self.top = True, None, None
        self.changed = np.zeros(P, dtype=bool)

    @property
    def next_row(self) -> int:
        """Row of the buffers before the next block's first step."""
        return self.f0 + self.fill

    def add(self, k, trial_low, trial_top, changed, exact: bool) -> None:
        """A block of ``k`` rows was written; ``changed`` paths traded in it (or None).

        ``trial_low`` and ``trial_top`` are the lowest and highest NAV of the block's first
        trial (``trial_top`` is ``None`` when the trial had costs, and then so is
        ``exact``).
        """
        self.fill += k
        self.exact = self.exact and exact and trial_top is not None
        if not self.exact:
            return
        first = self.low is None
        self.low = trial_low if first else np.minimum(self.low, trial_low)
        self.top = trial_top if first else np.maximum(self.top, trial_top)
        if changed is not None:
            self.changed[changed] = True

    def flush(self, cash, some_dead: bool) -> None:
        """Fold the span in; ``cash`` holds the cash of the paths that did not trade."""
        fill, f0, P = self.fill, self.f0, self.nav.shape[1]
        span = slice(f0, f0 + fill + 1)
        rows = self.nav[f0 + 1 : f0 + fill + 1]
        chg = np.flatnonzero(self.changed) if self.exact else None
        if not self.exact or chg.size > P // 3:
            low, top, exact = rows.min(axis=0), rows.max(axis=0), None
        else:
            low = self.low
            top = self.top
            if chg.size:
                sub = np.take(rows, chg, axis=1)
                low[chg] = sub.min(axis=0)
                top[chg] = sub.max(axis=0)
            exact = chg
        self.stats.add(
            self.nav[span], self.notional[span], some_dead,
            exact=exact, cash=cash, low=low, top=top,
        )
        peak, dd = self.peak, self.dd
        # no new high: the peak is the old one and the drawdown is exact
        np.minimum(dd, low / peak, out=dd)
        np.maximum(top, peak, out=top)
        # a new high: only a low below dd x the new peak can deepen the drawdown
        cand = np.flatnonzero((top > peak) & (low < dd * top))
        if cand.size:
            sub, pk, d = np.take(rows, cand, axis=1), peak[cand], dd[cand]
            for j in range(fill):
                np.maximum(pk, sub[j], out=pk)
                np.minimum(d, sub[j] / pk, out=d)
            dd[cand] = d
        self.peak = top
        if self.history:
            self.f0 += fill
        else:  # the span's last row becomes row 0 of the next
            self.nav[0] = self.nav[fill]
            self.notional[0] = self.notional[fill]
        self.fill, self.exact, self.low, self.top = 0, True, None, None
        self.changed[:] = False

    def finish(self) -> dict[str, np.ndarray]:
        return {**self.stats.finish(), "max_drawdown": np.clip(1.0 - self.dd, 0.0, 1.0)}


class _Book:
    """What the kernel keeps per path between blocks: units ``u`` and cash ``c`` (both per
    unit of starting NAV), the costs paid, trades, deaths and their reason codes."""

    def __init__(self, P: int, T: int, initial: float, s0: np.ndarray, tc: float,
                 death: int, reasons: bool) -> None:
        self.u = initial / s0  # units of the coin
        self.c = np.full(P, 1.0 - initial)
        self.fees = np.zeros(P)
        self.fund = np.zeros(P)
        self.tcost = np.zeros(P)
        self.rebal = np.zeros(P, dtype=np.int64)
        self.event = np.full(P, -1, dtype=np.int64)
        self.dead = np.zeros(P, dtype=bool)
        self.any_dead = False
        self.tc, self.death = tc, death
        self.reason = np.zeros((T + 1, P), dtype=np.int8) if reasons else None
        if reasons:
            self.reason[0] = ENTRY


def _dense_step(book: _Book, ctrl, t: int, nav, n, s, bad, need) -> int:
    """A one-step block (paths trade almost every step): the trades of step ``t`` as
    whole-array operations, blended by a mask. Returns the number of paths that traded."""
    v, nn = nav[0], n[0]
    gone = None if bad is None else bad[0].copy()
    go = None if need is None else need[0] if gone is None else need[0] & ~gone
    if go is not None and go.any():
        lev_t, why = ctrl.trade(slice(None), 0)
        delta = lev_t * v
        delta -= nn
        delta *= go
        if book.tc:
            cost = np.abs(delta) * book.tc
            v -= cost
            book.c -= cost
            book.tcost += cost
        nn += delta
        book.c -= delta
        book.u += delta / s[0]
        book.rebal += go
        if book.reason is not None:
            np.copyto(book.reason[t], why, where=go)
        if book.tc and (v[go] <= 0.0).any():  # the trade's cost took the rest
            wiped = go & (v <= 0.0)
            gone = wiped if gone is None else gone | wiped
            if book.reason is not None:
                book.reason[t][wiped] = WIPED
    if gone is not None and gone.any():
        v[gone] = nn[gone] = book.u[gone] = book.c[gone] = 0.0
        book.dead |= gone
        book.event[gone] = t
        book.any_dead = True
        if book.reason is not None and bad is not None:
            book.reason[t][gone & bad[0]] = book.death
    return 0 if go is None else int(np.count_nonzero(go))


def _all_on_last_row(book: _Book, ctrl, t: int, nav, n, s, hit, last):
    """Every path trades on the trial's last row (a scheduled rebalance): whole-array
    operations; ``t`` is the step of the trial's first row. Returns the paths whose
    trading cost took what was left and a mask of the trial marking them (or ``None``),
    to be handled as wipe-outs."""
    at = nav.shape[0] - 1
    lev_t, why = ctrl.trade(hit, last)
    v_t = nav[at]
    new_n = lev_t * v_t
    if book.tc:
        cost = np.abs(new_n - n[at]) * book.tc
        v_t = v_t - cost
        book.tcost += cost
    book.rebal += 1
    np.divide(new_n, s[at], out=book.u)
    np.subtract(v_t, new_n, out=book.c)
    nav[at] = v_t
    n[at] = new_n
    if book.reason is not None:
        book.reason[t + at] = why
    hit = hit[v_t <= 0.0] if book.tc else hit[:0]
    if not hit.size:
        return hit, None
    bad = np.zeros(nav.shape, dtype=bool)
    bad[at, hit] = True
    return hit, bad


def _first_events(book: _Book, ctrl, t: int, nav, n, s, hit, last, cols, bad, row_index):
    """Apply the first event of the trial's columns ``hit``, at their rows ``last``: a
    trade, or death where ``bad`` marks it (liquidation or wipe-out). ``t`` is the step of
    the trial's first row and ``cols`` maps the trial's columns to paths (``None``: the
    same). Returns the paths to try again and the block rows they restart at, or
    ``None``."""
    kr = nav.shape[0]
    rows_h = last[hit]
    g_h = hit if cols is None else cols[hit]
    v_h = nav[rows_h, hit]
    gone = np.zeros(hit.size, dtype=bool) if bad is None else bad[rows_h, hit]
    code = None if bad is None else np.where(gone, book.death, WIPED).astype(np.int8)
    some_gone = bad is not None and gone.any()
    tr = ~gone if some_gone else slice(None)
    if not some_gone or not gone.all():
        which, at = hit[tr], rows_h[tr]
        g_t = g_h[tr]
        lev_t, why = ctrl.trade(which, at)
        v_t = v_h[tr]
        new_n = lev_t * v_t
        delta = new_n - n[at, which]
        if book.tc:
            cost = np.abs(delta) * book.tc
            v_t = v_t - cost
            book.tcost[g_t] += cost
        book.rebal[g_t] += 1
        book.u[g_t] = new_n / s[at, which]
        book.c[g_t] = v_t - new_n
        nav[at, which] = v_t
        n[at, which] = new_n
        if book.reason is not None:
            book.reason[t + at, g_t] = why
        if book.tc:  # the cost of the trade took what was left
            wiped = v_t <= 0.0
            if wiped.any():
                gone[np.arange(hit.size)[tr][wiped]] = True
                some_gone = True
    if some_gone:
        which, at, g_d = hit[gone], rows_h[gone], g_h[gone]
        nav[at, which] = n[at, which] = 0.0
        if (at < kr - 1).any():  # the trial went on after the end
            after = row_index[:kr] > at
            nav[:, which] = np.where(after, 0.0, nav[:, which])
            n[:, which] = np.where(after, 0.0, n[:, which])
        book.u[g_d] = book.c[g_d] = 0.0
        book.dead[g_d] = True
        book.event[g_d] = t + at
        book.any_dead = True
        if book.reason is not None:
            book.reason[t + at, g_d] = WIPED if code is None else code[gone]
    more = rows_h < kr - 1
    if some_gone:
        more &= ~gone
    return (g_h[more], rows_h[more] + 1) if more.any() else None


def _run_chunk(product, prices: np.ndarray, steps_per_day: int, history: bool) -> dict:
    """The kernel: step every path of ``prices`` (paths, steps + 1) through time.

    State per path: cash ``c`` and units ``u`` (both per unit of starting NAV), so that
    ``n = u S`` is the notional and ``V = c + n`` the NAV. Between trades ``u`` is fixed
    and ``c`` moves only by costs, so a whole block of steps is computed at once for all
    paths as if nobody traded (a *trial*). The controller marks where a path would trade
    on its trial; each path's first event (trade, liquidation, wipe-out) is applied, and
    only the paths that had one are tried again from the next step. Paths trade rarely,
    so most blocks need one trial and a few small retries.
    """
    P, T = prices.shape[0], prices.shape[1] - 1
    ctrl = product._controller(P, steps_per_day)
    reasons = ctrl.want_reasons = history and ctrl.reason_codes
    K = min(ctrl.block_rows or _ROWS, 255)
    # market windows: the controller prepares what depends on prices alone a window at a
    # time (whole blocks), and a block never crosses the end of one
    Km = K * max(1, _AHEAD // K)
    # prices are read time-major: as they are when stored that way (generated scenarios,
    # a DataFrame with one column per path), else through a window of whole market
    # windows, transposed tile by tile into a buffer that is reused (a fresh array faults
    # in slowly)
    if P > 1 and prices.strides[0] == prices.itemsize:
        win, w0, Kw = prices.T, 0, T  # a view: the window is every step
    else:
        Kw = Km * max(1, _WINDOW // Km)
        win = np.empty((Kw + 1, P))
        w0 = -Kw - 1  # step of the window's first row
    k_weights = np.arange(K, 0, -1, dtype=np.uint8)[:, None]  # K - j: first event by max()

    fee_k = getattr(product, "management_fee", 0.0) / steps_per_day
    funding = getattr(product, "funding_rate", 0.0)
    marks = _funding_marks(T, steps_per_day) if funding else None
    entry_fee = getattr(product, "fee", 0.0)
    liq = ctrl.liquidation
    mm = product._maintenance() if liq else None
    initial = float(ctrl.initial)
    book = _Book(P, T, initial, prices[:, 0], getattr(product, "trading_cost", 0.0),
                 LIQUIDATED if liq else WIPED, reasons)
    if entry_fee:  # taker fee on the entry notional, paid at the first step
        book.fees += entry_fee * abs(initial)
        book.c -= book.fees

    rows = T + 1 if history else max(K, _FLUSH) + K + 1
    nav_h = np.empty((rows, P))
    n_h = np.empty((rows, P))
    spans = _Spans(nav_h, n_h, history, steps_per_day, sign=float(np.sign(initial)))
    nav_h[0] = 1.0
    n_h[0] = initial
    row_index = np.arange(K)[:, None]
    zero_rows = np.zeros(P, dtype=np.int64)

    with np.errstate(divide="ignore", invalid="ignore"):
        t0, Kc = 0, K  # Kc: current block length, shortened while paths trade often
        while t0 < T:
            wend = min(T, t0 - t0 % Km + Km)  # end of the market window
            k = min(Kc, wend - t0)  # a block stays inside its market window
            rounds = 0
            base = spans.next_row  # where the block's rows go
            NAV = nav_h[base + 1 : base + 1 + k]
            N = n_h[base + 1 : base + 1 + k]
            if wend > w0 + Kw:  # the market window starts a new price window
                w0 = t0
                kw = min(Kw, T - t0)
                src = prices[:, t0 : t0 + kw + 1]
                for i in range(0, P, _TILE):
                    np.copyto(win[: kw + 1, i : i + _TILE], src[i : i + _TILE].T)
            Sb = win[t0 - w0 + 1 : t0 - w0 + 1 + k]
            at, ahead = t0 - w0, wend - t0  # the controller sees the rest of the window
            ctrl.start_block(t0, k, win[at + 1 : at + 1 + ahead], win[at : at + ahead])
            phi = funding * marks[t0 : t0 + k] if funding else None
            cols = start = None  # first trial: every path from the block's first row
            changed = None  # paths whose first trial was not final (None: all were)
            r0 = 0  # a retry covers rows r0 .. k-1 of the block only
            while True:
                kr = k - r0
                u, c = book.u, book.c
                if cols is None:
                    s_r, u_r, c_r, nav, n = Sb, u, c, NAV, N
                    act = None
                else:
                    s_r, u_r, c_r = np.take(Sb[r0:], cols, axis=1), u[cols], c[cols]
                    nav, n = np.empty(s_r.shape), np.empty(s_r.shape)
                    act = row_index[:kr] >= start - r0
                # the trial: fixed units, cash moved by costs only
                np.multiply(s_r, u_r, out=n)
                c_end, fee_r, fund_r = _trial_nav(
                    n, c_r, nav, fee_k, None if phi is None else phi[r0:], act
                )
                fixed = None
                if fee_r is None and fund_r is None:  # nav = c + u S exactly on every row
                    lo_s = hi_s = None
                    if cols is None or ctrl.price_range:
                        lo_s = s_r.min(axis=0) if kr > 1 else s_r[0]
                        hi_s = s_r.max(axis=0) if kr > 1 else s_r[0]
                    fixed = (s_r, u_r, c_r, lo_s, hi_s)
                # the bottom; c + u S is monotone in S, also after rounding
                by_range = fixed is not None and lo_s is not None
                if cols is None:  # lowest and highest NAV of each path, for the statistics
                    if by_range:
                        trial_low, trial_top = _nav_range(u_r, c_r, lo_s, hi_s)
                    else:
                        trial_low = nav.min(axis=0) if kr > 1 else nav[0].copy()
                        trial_top = None
                    lowest = trial_low.min()
                else:
                    lowest = _nav_range(u_r, c_r, lo_s, hi_s)[0].min() if by_range else nav.min()
                if liq:
                    bad = nav <= mm(np.abs(n))
                elif lowest <= 1e-9:  # at 0 up to rounding: wiped out (see EDGE)
                    bad = nav <= EDGE * np.abs(n)
                else:
                    bad = None
                if bad is not None and cols is None and book.any_dead:
                    bad &= ~book.dead
                need = ctrl.need(cols, r0, act, nav, n, fixed)
                dense = kr == 1 and cols is None  # a one-step block
                first = None
                if isinstance(need, tuple):  # (columns, row of their first trade)
                    if bad is None and not dense:
                        hit, first = need
                        need = None
                    else:
                        need = _rows_to_mask(*need, nav.shape)
                ev = bad if need is None else need if bad is None else need | bad
                if ev is not None and act is not None:
                    ev &= act
                if first is None:
                    empty = ev is None or dense
                    hit = np.empty(0, dtype=np.int64) if empty else np.flatnonzero(ev.any(axis=0))
                if cols is None and hit.size:
                    changed = hit
                last = zero_rows if dense else np.full(n.shape[1], kr - 1)  # rows of the trial
                if first is not None:
                    last[hit] = first
                elif hit.size and kr > 1:
                    sub = np.take(ev, hit, axis=1).view(np.uint8)
                    last[hit] = kr - (sub * k_weights[-kr:]).max(axis=0)
                # costs of the rows that are final
                if fee_r is not None or fund_r is not None:
                    keep = row_index[:kr] <= last
                    if act is not None:
                        keep &= act
                    mine = slice(None) if cols is None else cols  # this trial's paths
                    for total, rows_paid in ((book.fees, fee_r), (book.fund, fund_r)):
                        if rows_paid is not None:
                            total[mine] += (rows_paid * keep).sum(axis=0)
                    c[mine] = c_end
                rounds += 1
                if dense:
                    busy = _dense_step(book, ctrl, t0 + 1, nav, n, s_r, bad, need)
                    changed = np.arange(P) if busy else None
                    ctrl.commit(None, last)
                    break
                all_last = cols is None and bad is None and hit.size == n.shape[1]
                if all_last and (last == kr - 1).all():
                    hit, bad = _all_on_last_row(book, ctrl, t0 + 1, nav, n, s_r, hit, last)
                retry = None
                if hit.size:
                    t = t0 + 1 + r0  # the step of the trial's first row
                    retry = _first_events(
                        book, ctrl, t, nav, n, s_r, hit, last, cols, bad, row_index
                    )
                ctrl.commit(cols, last)
                if cols is not None:
                    # rows before a column's restart keep their values
                    for full_, part in ((NAV, nav), (N, n)):
                        old = np.take(full_[r0:], cols, axis=1)
                        np.copyto(old, part, where=act)
                        full_[r0:, cols] = old
                if retry is None:
                    break
                cols, start = retry[0], r0 + retry[1]
                r0 = int(start.min())
            # many retries: paths trade often, so shorter blocks waste less work (a retry
            # costs more than a one-step block, whose trades need no retry)
            if rounds > min(_ROUNDS, k - 1):
                Kc = max(1, Kc // 2)
            elif rounds == 1 and Kc < K and (k > 1 or busy * 8 < P):
                Kc = min(K, 2 * Kc)
            # statistics, once a span of blocks is long enough
            fixed_span = not (liq or fee_k or funding or book.any_dead)  # units, cash fixed
            spans.add(k, trial_low, trial_top, changed, exact=fixed_span)
            if spans.fill >= _FLUSH or t0 + k == T:
                spans.flush(book.c, book.any_dead)
            t0 += k
    out = {
        "final_nav": nav_h[T if history else 0].copy(),  # without history row 0 is the last
        "rebalances": book.rebal,
        "liquidated": book.dead.copy() if liq else np.zeros(P, dtype=bool),
        "wiped_out": np.zeros(P, dtype=bool) if liq else book.dead.copy(),
        "event_step": book.event,
        "fees_paid": book.fees,
        "funding_paid": book.fund,
        "trading_costs": book.tcost,
        **spans.finish(),
        "nav": None,
        "leverage": None,
        "reason": None,
    }
    if history:
        out["nav"] = np.ascontiguousarray(nav_h.T)
        lev = np.divide(n_h, nav_h, out=np.zeros_like(n_h), where=nav_h > 0)
        out["leverage"] = np.ascontiguousarray(lev.T)
        if book.reason is not None:
            out["reason"] = np.ascontiguousarray(book.reason.T)
    return out


# ------------------------------------------------------------- structured product
def _simulate_structured(p: StructuredLeverage, market: Market, *, history: bool) -> Result:
    from .theory import black_scholes_call, black_scholes_put

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


# ------------------------------------------------------------------------ compare
def compare(
    products: dict[str, object],
    market: Market,
    *,
    history: bool = False,
) -> pd.DataFrame:
    """Simulate several products on the same paths and tabulate their metrics.

    Parameters
    ----------
    products : dict of str to product
        Row label -> product. The labels name the rows (and the colours in charts).
    market : Market
        The same paths are used for every product.
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
        s = simulate(product, market, history=history).summary()
        s.index = pd.Index([label], name="product")
        rows.append(s)
    return pd.concat(rows)


def _drawdown(nav: np.ndarray) -> np.ndarray:
    """Largest peak-to-trough fall of each row of ``nav`` (paths, time).

    NAV starts at 1, so the running peak is positive; one scratch array serves for the
    peak and the ratio (fresh memory is slow to fault in).
    """
    ratio = np.maximum.accumulate(nav, axis=1)
    np.divide(nav, ratio, out=ratio)
    return np.clip(1.0 - ratio.min(axis=1), 0.0, 1.0)
