"""The lessons' own explorers: each lesson calls one of these in one line.

A lesson computes its results in plain cells the learner reads; the widget that lets
the learner move a dial on them lives here, so the lesson shows one call instead of
fifty lines of ipywidgets plumbing. Every explorer is a :class:`~smartlev.teach.widgets.Dashboard`
(CSS class ``sl-explorer``) with a ``controls`` dict, a readout under its chart and a
status line that shows an error instead of failing silently.

=========================  ======  ===============================================
function                   lesson  what the learner moves
=========================  ======  ===============================================
:func:`token_explorer`     02      leverage, rebalancing rule, days held, volatility
:func:`ordering_explorer`  04      the order of one history's daily moves, the token
:func:`policy_explorer`    05      Smart Leverage's policy, volatility target, ceiling
:func:`crash_explorer`     06      crash size, its length, the circuit breaker
:func:`position_explorer`  08      position size, holding period, market
:func:`beliefs_explorer`   09      holding period and market against three beliefs
=========================  ======  ===============================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .._validate import check_int
from ..engine import simulate
from ..market import Market
from ..policies import BandPolicy, CPPIPolicy, TrendPolicy, VolatilityTarget
from ..products import REASONS, LeveragedToken, Perpetual, SmartLeverage, Spot
from . import plots
from ._dashboard import Dashboard, Explorer, _dropdown, _slider, show_chart, wrap_row

__all__ = [
    "token_explorer",
    "ordering_explorer",
    "policy_explorer",
    "crash_explorer",
    "position_explorer",
    "beliefs_explorer",
    "TOKEN_RULES",
]

#: Rebalancing rules of :func:`token_explorer`: name -> leverage -> LeveragedToken.
TOKEN_RULES = {
    "Daily, no fee": lambda lev: LeveragedToken(lev),
    "FTX-style": LeveragedToken.ftx,
    "Bybit-style": LeveragedToken.bybit,
    "BLVT-style": LeveragedToken.blvt,
    "KuCoin-style": LeveragedToken.kucoin,
    "Gate-style": LeveragedToken.gate,
}


def _need(name: str, mapping: Mapping, keys) -> None:
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ValueError(f"{name} must have the keys {missing!r}; it has {list(mapping)!r}")


# ----------------------------------------------------------------------------- lesson 02


def token_explorer(paths: int = 300, seed: int = 11) -> Dashboard:
    """A leveraged token against L times the coin: rule, leverage, horizon, volatility.

    Simulates ``paths`` hourly GBM paths (no drift) and shows the scatter of the token's
    return against :math:`L` times the coin's return, and the NAV of path 0 next to the
    naive promise :math:`\\max(1 + L (S_t/S_0 - 1), 0)`.

    Parameters
    ----------
    paths : int
        Simulated paths (hourly prices).
    seed : int
        Seed of the paths (the same for every setting, so only the dial changes).

    Returns
    -------
    Dashboard
        Controls ``leverage``, ``rule`` (:data:`TOKEN_RULES`), ``days``, ``vol``.

    Examples
    --------
    >>> from smartlev.teach.explore import token_explorer
    >>> w = token_explorer(paths=20)
    >>> sorted(w.controls), w.last_error is None
    (['days', 'leverage', 'rule', 'vol'], True)
    """
    from .. import scenarios as sc

    paths = check_int("paths", paths, low=1, high=100_000)
    seed = check_int("seed", seed, low=0)
    c = {
        "leverage": _slider(widgets.FloatSlider, "Leverage (x)", 3.0, 1.5, 5.0, 0.5),
        "rule": _dropdown("Rule", TOKEN_RULES, "Daily, no fee"),
        "days": _slider(widgets.IntSlider, "Days held", 30, 5, 180, 5),
        "vol": _slider(widgets.FloatSlider, "Volatility (% a year)", 80.0, 20.0, 150.0, 10.0),
    }
    out_scatter, out_nav, readout = widgets.Output(), widgets.Output(), widgets.HTML()

    def render() -> None:
        lev = float(c["leverage"].value)
        m = sc.gbm(
            mu=0.0,
            sigma=c["vol"].value / 100,
            days=int(c["days"].value),
            steps_per_day=24,
            paths=paths,
            seed=seed,
        )
        r = simulate(TOKEN_RULES[c["rule"].value](lev), m)
        move = m.prices[:, -1] / m.prices[:, 0] - 1
        x, y = 100 * lev * move, 100 * (r.final_nav - 1)
        line = np.linspace(x.min(), x.max(), 50)
        show_chart(
            out_scatter,
            plots.scatter_final(
                x,
                y,
                name=f"{lev:g}x token",
                curve_x=line,
                curve_y=line,
                curve_name=f"{lev:g} x the price move",
                title=f"{c['rule'].value}: token vs {lev:g} x the coin",
                x_title=f"{lev:g} x the coin's return (%)",
                y_title="Token return (%)",
                width=400,
                height=280,
            ),
        )
        naive = np.maximum(1 + lev * (m.prices[0] / m.prices[0, 0] - 1), 0.0)
        show_chart(
            out_nav,
            plots.nav_paths(
                m.time_days,
                {f"{lev:g}x token": r.nav[0], f"{lev:g} x the price move": naive},
                n_paths=1,
                title="Path 0: token NAV vs the naive promise",
                width=400,
                height=280,
            ),
        )
        gap = (r.final_nav - 1) - lev * move
        readout.value = (
            f"Token below {lev:g} x the coin on <b>{np.mean(gap < 0):.0%}</b> of paths; "
            f"median gap {np.median(gap):+.1%}; trades per path {r.rebalances.mean():.1f}; "
            f"median token return {np.median(r.final_nav) - 1:+.1%} "
            f"(coin {np.median(move):+.1%})."
        )

    return Explorer(c, [wrap_row(out_scatter, out_nav), readout], render, per_column=2)


# ----------------------------------------------------------------------------- lesson 04


def ordering_explorer(
    time_days: object,
    runs: Mapping[str, object],
    tokens: Sequence[str] = ("3x token", "3x token (Bybit-style)"),
    fixed: Sequence[str] = ("Spot", "Smart Leverage"),
    orderings: int = 50,
) -> Dashboard:
    """The same daily moves dealt in another order: NAV of spot, a token and Smart Leverage.

    Parameters
    ----------
    time_days : array_like
        Time of each step in days (``Market.time_days`` of the shuffled market).
    runs : dict of str to Result
        Results on the shuffled market, one path per ordering; path 0 is the history
        as recorded.
    tokens : sequence of str
        Names in ``runs`` the dropdown chooses between.
    fixed : sequence of str
        Names always shown: the first before the token, the others after it.
    orderings : int
        Orderings the slider reaches (0 to ``orderings - 1``).

    Returns
    -------
    Dashboard
        Controls ``ordering`` and ``token``; a NAV chart (log scale) and the final NAVs
        against the recorded order's.

    Examples
    --------
    >>> import smartlev as sl
    >>> from smartlev.teach.explore import ordering_explorer
    >>> m = sl.scenarios.shuffle(sl.scenarios.gbm(days=30, paths=1, seed=1), paths=5, seed=1)
    >>> runs = {k: sl.simulate(p, m) for k, p in {"Spot": sl.Spot(),
    ...         "3x token": sl.LeveragedToken(3), "Smart Leverage": sl.SmartLeverage()}.items()}
    >>> w = ordering_explorer(m.time_days, runs, tokens=["3x token"], orderings=5)
    >>> w.controls["ordering"].max, w.last_error is None
    (4, True)
    """
    tokens, fixed = list(tokens), list(fixed)
    _need("runs", runs, tokens + fixed)
    have = min(np.asarray(runs[k].nav).shape[0] for k in tokens + fixed)
    orderings = check_int("orderings", orderings, low=1, high=have)
    c = {
        "ordering": _slider(
            widgets.IntSlider, "Ordering (0 = as recorded)", 0, 0, orderings - 1, 1
        ),
        "token": _dropdown("Token rule", tokens, tokens[0]),
    }
    chart_area, readout = widgets.Output(), widgets.HTML()

    def render() -> None:
        k = int(c["ordering"].value)
        shown = [*fixed[:1], c["token"].value, *fixed[1:]]
        label = "the history as recorded" if k == 0 else f"shuffle number {k}"
        show_chart(
            chart_area,
            plots.nav_paths(
                time_days,
                {p: runs[p].nav[k] for p in shown},
                n_paths=1,
                log_scale=True,
                title=f"Same moves, {label}: NAV (log scale)",
            ),
        )
        readout.value = "<br>".join(
            f"{p}: final NAV <b>{runs[p].final_nav[k]:.3f}</b> "
            f"(as recorded: {runs[p].final_nav[0]:.3f})"
            for p in shown
        )

    return Explorer(c, [chart_area, readout], render, per_column=2)


# ----------------------------------------------------------------------------- lesson 05


def _policy_product(policy: str, vol_target: float, ceiling: float) -> SmartLeverage:
    if policy == "Volatility target":
        rule, low = VolatilityTarget(target_vol=vol_target), 1.25
    elif policy == "Band (BLVT-like)":
        aim = min(2.5, ceiling)
        rule, low = BandPolicy(target=aim, band=(0.6 * aim, 1.4 * aim)), 1.25
    elif policy == "Trend":
        rule, low = TrendPolicy(), 1.25
    else:
        rule, low = CPPIPolicy(multiplier=4, floor=0.7), 0.0
    return SmartLeverage(
        policy=rule,
        min_leverage=low,
        max_leverage=ceiling,
        breaker_leverage=min(1.0, ceiling),
        name="Smart Leverage",
    )


def policy_explorer(market: Market, path: int = 0) -> Dashboard:
    """Smart Leverage's policy, volatility target and ceiling: the leverage on one path.

    Parameters
    ----------
    market : Market
        The market every setting runs on.
    path : int
        The path whose leverage is drawn (with the reason of every trade).

    Returns
    -------
    Dashboard
        Controls ``policy`` (volatility target, band, trend, CPPI), ``target_vol``
        (% a year, used by the volatility target) and ``max_leverage``; the readout
        covers the followed path and all paths.

    Examples
    --------
    >>> import smartlev as sl
    >>> from smartlev.teach.explore import policy_explorer
    >>> w = policy_explorer(sl.scenarios.garch(days=40, paths=10, seed=5), path=3)
    >>> sorted(w.controls), w.last_error is None
    (['max_leverage', 'policy', 'target_vol'], True)
    """
    path = check_int("path", path, low=0, high=market.paths - 1)
    c = {
        "policy": _dropdown(
            "Policy", ("Volatility target", "Band (BLVT-like)", "Trend", "CPPI"), None
        ),
        "target_vol": _slider(
            widgets.FloatSlider, "Volatility target (% a year)", 160.0, 40.0, 300.0, 10.0
        ),
        "max_leverage": _slider(widgets.FloatSlider, "Max leverage (x)", 4.0, 1.5, 10.0, 0.5),
    }
    chart_area, readout = widgets.Output(), widgets.HTML()
    change = market.prices[:, -1] / market.prices[:, 0] - 1

    def render() -> None:
        policy, ceiling = c["policy"].value, float(c["max_leverage"].value)
        product = _policy_product(policy, c["target_vol"].value / 100, ceiling)
        r = simulate(product, market)
        show_chart(
            chart_area,
            plots.leverage_chart(
                market.time_days,
                {"Smart Leverage": r.leverage[path]},
                reasons=r.reason[path],
                reason_labels=REASONS,
                title=f"{policy}, max {ceiling:g}x: leverage on path {path}",
            ),
        )
        codes = r.reason[path, 1:]
        counts = pd.Series([REASONS[int(k)] for k in codes[codes > 0]]).value_counts()
        why = ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
        readout.value = (
            f"Path {path} (price {change[path]:+.1%}): final NAV "
            f"<b>{r.final_nav[path]:.3f}</b>, average leverage {r.leverage_mean[path]:.2f}x, "
            f"trades: {why}.<br>"
            f"All {market.paths} paths: median return <b>{np.median(r.final_nav) - 1:+.1%}</b>, "
            f"5th percentile {np.percentile(r.final_nav, 5) - 1:+.1%}, "
            f"losing money {np.mean(r.final_nav < 1):.0%}, wiped out {r.wiped_out.mean():.1%}."
        )

    return Explorer(c, [chart_area, readout], render)


# ----------------------------------------------------------------------------- lesson 06


def _loss(nav: np.ndarray, start: int, steps: int) -> np.ndarray:
    """Share of NAV lost from ``start`` to ``start + steps`` (a dead product lost it all)."""
    before, after = nav[:, start], nav[:, start + steps]
    return 1 - np.divide(after, before, out=np.zeros_like(after), where=before > 0)


def crash_explorer(
    products: Mapping[str, object],
    crash_day: int = 10,
    steps_per_day: int = 24,
    paths: int = 300,
    seed: int = 2,
) -> Dashboard:
    """A crash of chosen size and length, and Smart Leverage's circuit breaker.

    Parameters
    ----------
    products : dict of str to product
        The products compared; the one named "Smart Leverage" is replaced by a
        ``SmartLeverage`` with the breaker the slider sets.
    crash_day : int
        Day the crash starts.
    steps_per_day : int
        Prices per day (24: hourly).
    paths, seed : int
        Simulated paths and their seed (60% volatility, crash market of
        :func:`smartlev.scenarios.crash`, three days after the crash).

    Returns
    -------
    Dashboard
        Controls ``drop`` (% of the price), ``hours`` (how many steps it is spread
        over) and ``breaker`` (one-step fall that trips the breaker, %); the chart shows
        NAV on path 0 from a day before to two days after the crash.

    Examples
    --------
    >>> import smartlev as sl
    >>> from smartlev.teach.explore import crash_explorer
    >>> w = crash_explorer({"Spot": sl.Spot(), "Smart Leverage": sl.SmartLeverage()}, paths=5)
    >>> sorted(w.controls), w.last_error is None
    (['breaker', 'drop', 'hours'], True)
    """
    from .. import scenarios as sc

    _need("products", products, ["Smart Leverage"])
    crash_day = check_int("crash_day", crash_day, low=1)
    spd = check_int("steps_per_day", steps_per_day, low=1)
    paths = check_int("paths", paths, low=1, high=100_000)
    k = crash_day * spd  # the last step before the fall
    c = {
        "drop": _slider(widgets.IntSlider, "Crash size (% of price)", 30, 5, 70, 5),
        "hours": _slider(widgets.IntSlider, "Spread over (hours)", 1, 1, 12, 1),
        "breaker": _slider(
            widgets.IntSlider, "Circuit breaker: one-hour fall of (%)", 10, 2, 30, 1
        ),
    }
    chart_area, readout = widgets.Output(), widgets.HTML()

    def render() -> None:
        drop, hours = int(c["drop"].value), int(c["hours"].value)
        m = sc.crash(
            drop=drop / 100,
            at_day=crash_day,
            over_steps=hours,
            sigma=0.6,
            days=crash_day + 3,
            steps_per_day=spd,
            paths=paths,
            seed=seed,
        )
        chosen = dict(products)
        chosen["Smart Leverage"] = SmartLeverage(circuit_breaker=c["breaker"].value / 100)
        results = {label: simulate(p, m) for label, p in chosen.items()}
        view = slice(k - spd, k + 2 * spd + 1)
        show_chart(
            chart_area,
            plots.nav_paths(
                m.time_days[view],
                {label: r.nav[0, view] for label, r in results.items()},
                n_paths=1,
                title=f"{drop} % crash over {hours} h: NAV on path 0",
            ),
        )
        tripped = np.any(results["Smart Leverage"].reason[:, k + 1 : k + hours + 1] == 5, axis=1)
        lines = []
        for label, r in results.items():
            end = (
                f", liquidated {r.liquidated.mean():.0%}"
                if isinstance(chosen[label], Perpetual)
                else f", wiped out {r.wiped_out.mean():.0%}"
            )
            lines.append(
                f"{label}: median loss over the crash day "
                f"<b>{np.median(_loss(r.nav, k, spd)):.1%}</b>{end}"
            )
        lines.append(
            f"Smart Leverage's breaker tripped during the crash on {tripped.mean():.0%} of paths"
        )
        readout.value = "<br>".join(lines)

    return Explorer(c, [chart_area, readout], render)


# ----------------------------------------------------------------------------- lesson 08


def position_explorer(
    runs: Mapping[str, object],
    spot: Mapping[str, np.ndarray],
    market: str | None = None,
) -> Dashboard:
    """Position size and holding period: the whole portfolio with Smart Leverage vs spot.

    Parameters
    ----------
    runs : dict of str to Result
        Smart Leverage's result in each market, by market name.
    spot : dict of str to ndarray
        Spot NAV (start 1) of each market, shape ``(paths, steps + 1)``.
    market : str, optional
        Market shown first (default: the first of ``runs``).

    Returns
    -------
    Dashboard
        Controls ``size`` (% of the portfolio), ``horizon`` (days) and ``market``;
        a histogram of the portfolio's value and the numbers underneath.

    Notes
    -----
    A share :math:`f` in the product and the rest in cash: the portfolio is worth
    :math:`1 - f + f V_h` after :math:`h` days.

    Examples
    --------
    >>> import smartlev as sl
    >>> from smartlev.teach.explore import position_explorer
    >>> m = sl.scenarios.gbm(days=30, steps_per_day=1, paths=20, seed=1)
    >>> w = position_explorer({"GBM": sl.simulate(sl.SmartLeverage(), m)},
    ...                       {"GBM": m.prices / m.prices[:, :1]})
    >>> w.controls["horizon"].max, w.last_error is None
    (30, True)
    """
    names = list(runs)
    _need("spot", spot, names)
    market = names[0] if market is None else market
    if market not in names:
        raise ValueError(f"market must be one of {names!r}, got {market!r}")
    last = min(np.asarray(runs[n].nav).shape[1] for n in names) - 1
    c = {
        "size": _slider(widgets.IntSlider, "Position (%)", 25, 5, 100, 5),
        "horizon": _slider(
            widgets.IntSlider, "Horizon (days)", min(90, last), min(7, last), last, 1
        ),
        "market": _dropdown("Market", names, market),
    }
    out, numbers = widgets.Output(), widgets.HTML()

    def render() -> None:
        f, h, mk = c["size"].value / 100, int(c["horizon"].value), c["market"].value
        port = (1 - f) + f * runs[mk].nav[:, h]
        spot_port = (1 - f) + f * spot[mk][:, h]
        show_chart(
            out,
            plots.outcome_histogram(
                {"Portfolio with Smart Leverage": port, "Same share in spot": spot_port},
                bins=40,
                title=f"{mk}: whole portfolio after {h} days, {c['size'].value}% invested",
                x_title="Portfolio value (start = 1)",
                width=520,
                height=240,
            ),
        )
        numbers.value = (
            f"<b>With Smart Leverage</b>: median {np.median(port):.3f}, "
            f"5th pct {np.percentile(port, 5):.3f}, worst {port.min():.3f}, "
            f"P(portfolio down > 10%) {np.mean(port < 0.9):.1%}<br>"
            f"<b>Same share in spot</b>: median {np.median(spot_port):.3f}, "
            f"5th pct {np.percentile(spot_port, 5):.3f}<br>"
            f"Smart Leverage portfolio ahead of the spot portfolio on "
            f"{np.mean(port > spot_port):.1%} of paths"
        )

    return Explorer(c, [out, numbers], render)


# ----------------------------------------------------------------------------- lesson 09


def _first(products: Mapping[str, object], kind: type, what: str) -> str:
    for name, p in products.items():
        if isinstance(p, kind):
            return name
    raise ValueError(f"products must include {what}; got {list(products)!r}")


def beliefs_explorer(
    markets: Mapping[str, Market],
    products: Mapping[str, object],
    days: int = 90,
) -> Dashboard:
    """Three beliefs about Smart Leverage, tested on the paths of each market.

    Parameters
    ----------
    markets : dict of str to Market
        The markets the dropdown chooses between (daily steps).
    products : dict of str to product
        Must hold a :class:`~smartlev.Spot`, a :class:`~smartlev.SmartLeverage` and a
        :class:`~smartlev.Perpetual` (the contract compared with).
    days : int
        Holding period shown first.

    Returns
    -------
    Dashboard
        Controls ``horizon`` (days) and ``market``; a histogram of final NAV (log
        scale) and how often each belief failed: "no liquidation = no risk", "safer
        than contracts", "long-term investment".

    Examples
    --------
    >>> import smartlev as sl
    >>> from smartlev.teach.explore import beliefs_explorer
    >>> m = {"GBM": sl.scenarios.gbm(days=30, steps_per_day=1, paths=20, seed=1)}
    >>> p = {"Spot": sl.Spot(), "Smart Leverage": sl.SmartLeverage(),
    ...      "Perpetual 2x": sl.Perpetual(2.0)}
    >>> w = beliefs_explorer(m, p, days=20)
    >>> w.controls["horizon"].max, w.last_error is None
    (30, True)
    """
    if not markets:
        raise ValueError("markets must not be empty")
    spot = _first(products, Spot, "a Spot")
    smart = _first(products, SmartLeverage, "a SmartLeverage")
    contract = _first(products, Perpetual, "a Perpetual")
    lev = abs(products[contract].leverage)
    navs = {
        (mk, name): simulate(p, m).nav for mk, m in markets.items() for name, p in products.items()
    }
    steps = min(a.shape[1] for a in navs.values()) - 1
    paths = {mk: m.paths for mk, m in markets.items()}
    c = {
        "horizon": _slider(widgets.IntSlider, "Holding (days)", min(days, steps), 10, steps, 10),
        "market": _dropdown("Market", list(markets)),
    }
    chart_area, numbers = widgets.Output(), widgets.HTML()

    def render() -> None:
        h, mk = int(c["horizon"].value), c["market"].value
        finals = {name: navs[(mk, name)][:, h] for name in products}
        show_chart(
            chart_area,
            plots.outcome_histogram(
                finals,
                bins=40,
                log_x=True,
                width=520,
                height=240,
                title=f"{mk}: final NAV after {h} days ({paths[mk]} paths)",
            ),
        )
        v, s, p2 = finals[smart], finals[spot], finals[contract]
        numbers.value = (
            f"<b>'No liquidation = no risk'</b>: Smart Leverage lost money on "
            f"{np.mean(v < 1):.1%} of paths and more than half on {np.mean(v < 0.5):.1%}.<br>"
            f"<b>'Safer than contracts'</b>: lost more than 30 % on {np.mean(v < 0.7):.1%} of "
            f"paths, against {np.mean(p2 < 0.7):.1%} for the {lev:g}x contract "
            f"(liquidated or at zero: {np.mean(p2 == 0):.1%}).<br>"
            f"<b>'Long-term investment'</b>: ended below spot on {np.mean(v < s):.1%} of "
            f"paths; median {np.median(v):.3f} against spot's {np.median(s):.3f}."
        )

    return Explorer(c, [chart_area, numbers], render, per_column=2)
