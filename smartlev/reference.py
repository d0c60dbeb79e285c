"""The model written the slow, obvious way: one path, one step, plain Python floats.

This is the definition the vectorised kernel in :mod:`smartlev.engine` is checked
against (tests compare the two on random paths) and the baseline the benchmarks time.
It is also the easiest place to read what a product does step by step.

Examples
--------
>>> import smartlev as sl
>>> from smartlev.reference import simulate_path
>>> [round(v, 6) for v in simulate_path(sl.LeveragedToken(3.0), [100, 110, 99])["nav"]]
[1.0, 1.3, 0.91]
"""

from __future__ import annotations

import math

from .market import DAYS_PER_YEAR
from .policies import BandPolicy, CPPIPolicy, VolatilityTarget
from .products import EDGE, LeveragedToken, Perpetual, SmartLeverage, Spot

__all__ = ["simulate_path"]


def simulate_path(product, prices, steps_per_day: int = 1) -> dict[str, list[float]]:
    """Simulate one product on one price path with a scalar loop.

    Parameters
    ----------
    product : Spot, LeveragedToken, Perpetual or SmartLeverage
        SmartLeverage with a VolatilityTarget, BandPolicy or CPPIPolicy policy.
    prices : sequence of float
    steps_per_day : int

    Returns
    -------
    dict
        ``nav`` and ``leverage`` lists (one value per price) and ``rebalances``,
        ``event_step`` (-1 when nothing happened).
    """
    prices = [float(p) for p in prices]
    nav, notional = 1.0, 0.0
    sign = 1.0
    if isinstance(product, Spot):
        notional = 1.0
    elif isinstance(product, LeveragedToken):
        notional = product.leverage
        sign = 1.0 if product.leverage > 0 else -1.0
    elif isinstance(product, Perpetual):
        sign = 1.0 if product.side == "long" else -1.0
        notional = sign * product.leverage
    elif isinstance(product, SmartLeverage):
        sign = 1.0 if product.side == "long" else -1.0
    else:
        raise TypeError(f"no reference model for {type(product).__name__}")

    fee_day = getattr(product, "management_fee", 0.0)
    funding = getattr(product, "funding_rate", 0.0)
    cost_rate = getattr(product, "trading_cost", 0.0)
    every = getattr(product, "rebalance_every_days", None)
    every_steps = 0 if every is None else max(1, round(every * steps_per_day))

    # Smart Leverage state
    var = peak = None
    cool = 0
    if isinstance(product, SmartLeverage):
        pol = product.policy
        if isinstance(pol, VolatilityTarget):
            var = pol.initial_vol**2
            first = pol.target_vol / pol.initial_vol
        elif isinstance(pol, BandPolicy):
            first = pol.target
        elif isinstance(pol, CPPIPolicy):
            first = pol.multiplier * (1 - pol.floor)
            peak = 1.0
        else:
            raise TypeError(f"no reference model for policy {type(pol).__name__}")
        first = min(max(first, product.min_leverage), product.max_leverage)
        notional = sign * first

    navs, levs = [1.0], [notional]
    rebalances, event = 0, -1
    dead = False
    for t in range(1, len(prices)):
        r = prices[t] / prices[t - 1] - 1.0
        # 1. the price moves; units are fixed
        nav += notional * r
        notional *= 1.0 + r
        # 2. costs
        if t == 1 and isinstance(product, Perpetual) and product.fee:
            nav -= product.fee * product.leverage  # taker fee on the entry notional
        if fee_day:
            nav -= max(nav, 0.0) * fee_day / steps_per_day
        marks = (t * 3) // steps_per_day - ((t - 1) * 3) // steps_per_day
        if funding and marks:
            nav -= funding * marks * notional
        # 3. the bottom
        if not dead:
            if isinstance(product, Perpetual):
                if product.tiers is None:
                    maintenance = product.maintenance_margin * abs(notional)
                else:
                    maintenance = _tier_maintenance(product, abs(notional))
                if nav <= maintenance:
                    dead, event = True, t
            elif nav <= EDGE * abs(notional):  # 0 up to rounding
                dead, event = True, t
            if dead:
                nav, notional = 0.0, 0.0
        # 4. trading
        lev = abs(notional) / nav if nav > 0 else 0.0
        target = None
        if isinstance(product, LeveragedToken) and not dead:
            lo, hi = product.band if product.band is not None else (None, None)
            if every_steps and t % every_steps == 0:
                target = product.leverage
            elif (hi is not None and lev > hi + EDGE) or (lo and lev < lo - EDGE):
                target = product.leverage
        elif isinstance(product, SmartLeverage) and not dead:
            pol = product.policy
            if isinstance(pol, VolatilityTarget):
                lam = 0.5 ** (1.0 / (pol.halflife_days * steps_per_day))
                var = lam * var + (1 - lam) * r * r * DAYS_PER_YEAR * steps_per_day
                want = pol.target_vol / math.sqrt(var)
            elif isinstance(pol, BandPolicy):
                want = pol.target
            else:
                peak = max(peak, nav)
                floor = pol.floor * (peak if pol.ratchet else 1.0)
                want = max(pol.multiplier * (1 - floor / nav), 0.0)
            want = min(max(want, product.min_leverage), product.max_leverage)
            tripped = False
            if product.circuit_breaker is not None and sign * r <= -product.circuit_breaker + 1e-12:
                cool = round(product.cooldown_days * steps_per_day) + 1
                tripped = True
            if cool > 0:
                want = min(want, product.breaker_leverage)
                cool -= 1
            if isinstance(pol, BandPolicy):
                lo, hi = pol.band
                need = lev < lo - EDGE or lev > hi + EDGE or lev > product.max_leverage + EDGE
            else:
                need = abs(lev - want) > product.tolerance + EDGE
            if every_steps and t % every_steps == 0:
                need = True
            if need or tripped:
                target = sign * want
        if target is not None:
            new_notional = target * nav
            nav -= cost_rate * abs(new_notional - notional)
            notional = new_notional
            rebalances += 1
            if nav <= 0.0:  # the trade's cost took what was left
                dead, event = True, t
                nav, notional = 0.0, 0.0
        navs.append(nav)
        levs.append(notional / nav if nav > 0 else 0.0)
    return {"nav": navs, "leverage": levs, "rebalances": rebalances, "event_step": event}


def _tier_maintenance(product: Perpetual, notional: float) -> float:
    usd = notional * product.margin
    cum, prev_rate, prev_limit = 0.0, None, 0.0
    for limit, rate in product.tiers:
        if prev_rate is not None:
            cum += prev_limit * (rate - prev_rate)
        if usd <= limit:
            return (usd * rate - cum) / product.margin
        prev_rate, prev_limit = rate, limit
    return (usd * prev_rate - cum) / product.margin
