"""The model written the slow, obvious way: one path, one step, plain Python floats.

This is the definition the vectorised kernel in :mod:`smartlev.engine` is checked
against (the tests compare the two on random paths and bars, for every registered product
and policy) and the baseline the benchmarks time. It is also the easiest place to read
what happens in a step. Products speak to it through the same protocol as to the kernel
(:class:`smartlev.products.Rules`), called with one path at a time.

Examples
--------
>>> import smartlev as sl
>>> from smartlev.reference import simulate_path
>>> [round(v, 6) for v in simulate_path(sl.LeveragedToken(3.0), [100, 110, 99])["nav"]]
[1.0, 1.3, 0.91]
"""

from __future__ import annotations

import math

import numpy as np

from .market import DAYS_PER_YEAR
from .products import EDGE, ENTRY, LIQUIDATED, WIPED

__all__ = ["simulate_path"]


@np.errstate(divide="ignore", invalid="ignore")  # dead paths: 0 / 0, as in the kernel
def simulate_path(
    product,
    prices,
    steps_per_day: int = 1,
    *,
    open=None,  # noqa: A002 - the bar's open, as in Market.from_prices
    high=None,
    low=None,
    triggers: str = "intrabar",
    step_days=None,
    funding_marks=None,
) -> dict:
    """Simulate one product on one price path with a scalar loop.

    Parameters
    ----------
    product : any registered product that steps (not StructuredLeverage)
    prices : sequence of float
        Closing prices.
    steps_per_day : int
    open, high, low : sequence of float, optional
        The bars' opens, highs and lows (entry 0 is ignored).
    triggers : {"intrabar", "close"}
    step_days : sequence of float, optional
        Days each step lasts (default ``1 / steps_per_day``).
    funding_marks : sequence of int, optional
        Funding times each step crosses (default: 00, 08 and 16 UTC on a regular clock).

    Returns
    -------
    dict
        ``nav``, ``leverage`` and ``reason`` lists (one value per price) and the totals
        ``rebalances``, ``event_step`` (-1 when nothing happened), ``fees``, ``funding``,
        ``interest`` and ``trading_costs``.
    """
    S = [float(p) for p in prices]
    T = len(S) - 1
    bars = open is not None and triggers == "intrabar"
    if step_days is None:
        step_days = [1.0 / steps_per_day] * T
    if funding_marks is None:
        funding_marks = [(t * 3) // steps_per_day - ((t - 1) * 3) // steps_per_day
                         for t in range(1, T + 1)]  # fmt: skip
    rules = product.rules(1, steps_per_day, triggers == "intrabar")
    one = np.zeros(1, dtype=np.int64)  # the protocol speaks in arrays: this is path 0
    s = rules.sign
    margin = rules.margin

    def rate(value, t):
        return value if np.ndim(value) == 0 else value[t - 1]

    def price_levels(u, c):
        """(kind, price, reached by a fall) of the product's levels; None: no such level."""
        out = []
        for kind, b in (("above", rules.above), ("below", rules.below)):
            b = None if b is None else float(np.ravel(b)[0])
            if b is not None and u != 0 and s != b:
                out.append((kind, b * c / (u * (s - b)), (s * (s - b) < 0) == (kind == "above")))
        if u != 0:
            bottom = rules.liquidation_price(np.array([u]), np.array([c]))[0] if margin else -c / u
            out.append(("death", bottom, s > 0))
        return [(k, p, f) for k, p, f in out if 0 < p < math.inf]

    u = rules.initial / S[0]
    c = 1.0 - rules.initial
    fees = funding = interest = tcost = 0.0
    if rules.entry_cost:
        fees += rules.entry_cost
        c -= rules.entry_cost
    rebalances, event, dead = 0, -1, False
    navs, levs, reasons = [1.0], [rules.initial], [ENTRY]

    def trade(t, price, target, why):
        nonlocal u, c, tcost, rebalances, dead, event
        old = u * price
        v = c + old
        new = float(target) * v
        if rules.trading_cost:
            cost = abs(new - old) * rules.trading_cost
            v -= cost
            tcost += cost
        u, c = new / price, v - new
        rebalances += 1
        reason[0] = int(why)
        if rules.trading_cost and v <= 0.0:  # the cost of the trade took what was left
            die(t, WIPED)

    def die(t, why):
        nonlocal u, c, dead, event
        u = c = 0.0
        dead, event = True, t
        reason[0] = why

    for t in range(1, T + 1):
        reason = [0]
        prev = S[t - 1]
        # 1. inside the bar: the route, and the levels it reaches
        if triggers == "intrabar" and not dead:
            if bars:
                o, h, lo = float(open[t]), float(high[t]), float(low[t])
                route = [o, lo, h, S[t]] if S[t] >= o else [o, h, lo, S[t]]
            else:
                route = [S[t]]
            stopped = False
            pos = prev
            for k, b in enumerate(route):
                gap = bars and k == 0  # last close -> open: nothing trades inside it
                while not dead and b != pos:
                    levels = price_levels(u, c)
                    if rules.stop is not None and not stopped:
                        levels.append(("stop", prev * (1 - s * (rules.stop - 1e-12)), s > 0))
                    falling = b < pos
                    reached = [(kind, p) for kind, p, falls in levels
                               if falls == falling and (p >= b if falling else p <= b)]  # fmt: skip
                    if not reached:
                        break
                    kind, p = (max if falling else min)(reached, key=lambda x: x[1])
                    if gap:
                        if any(kd == "death" for kd, _ in reached):
                            kind = "death"
                        p = b
                    p = min(max(p, min(pos, b)), max(pos, b))
                    if kind == "death":
                        die(t, LIQUIDATED if margin else WIPED)
                    else:
                        stopped = stopped or kind == "stop"
                        target, why = rules.fill(np.array([kind]), one, t)
                        trade(t, p, np.ravel(target)[0], np.ravel(why)[0])
                    pos = p
                pos = b
        # 2. the close; units and cash are fixed
        n = u * S[t]
        nav = c + n
        # 3. costs
        if rules.management_fee:
            f = max(nav, 0.0) * rules.management_fee * step_days[t - 1]
            c, nav, fees = c - f, nav - f, fees + f
        phi = rate(rules.funding_rate, t) * funding_marks[t - 1]
        if phi:
            g = n * phi
            c, nav, funding = c - g, nav - g, funding + g
        r = rate(rules.interest_rate, t) * step_days[t - 1] / DAYS_PER_YEAR
        if r:
            i = -c * r  # borrowed cash pays, cash held earns
            c, nav, interest = c - i, nav - i, interest + i
        # 4. the bottom
        if not dead:
            if margin:
                if nav <= float(rules.maintenance(np.array([abs(n)]))[0]):
                    die(t, LIQUIDATED)
            elif nav <= EDGE * abs(n):  # 0 up to rounding
                die(t, WIPED)
            if dead:
                nav = n = 0.0
        # 5. the product's decisions
        ret = np.array([S[t] / prev - 1.0])
        d = rules.close(t, ret, np.array([nav]), np.array([n]))
        if d is not None and not dead:
            paths, target, why = d
            if np.arange(1)[paths].size:
                trade(t, S[t], np.ravel(target)[0], np.ravel(why)[0])
                n = u * S[t]
                nav = c + n
        if t == T and not dead:  # the cost of leaving at the last price
            out = rules.exit_cost(np.array([nav]), np.array([n]))
            if out is not None:
                nav -= float(out[0])
                fees += float(out[0])
        navs.append(nav if not dead else 0.0)
        levs.append(n / nav if nav > 0 else 0.0)
        reasons.append(reason[0])
    return {
        "nav": navs,
        "leverage": levs,
        "reason": reasons,
        "rebalances": rebalances,
        "event_step": event,
        "fees": fees,
        "funding": funding,
        "interest": interest,
        "trading_costs": tcost,
    }
