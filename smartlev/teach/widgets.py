"""Exploration widgets: move a dial, watch what leverage does to the money.

Every builder returns an ipywidgets box whose ``controls`` dict holds its sliders,
dropdowns and checkboxes; each control re-runs the simulation when it moves. Charts
come from :mod:`smartlev.teach.plots` and are shown with :func:`show_chart`, the same
``application/vnd.vegalite.v5+json`` output that Altair's ``mimetype`` renderer makes,
so they render offline in JupyterLab.

* :func:`playground` - one dashboard: market scenario, products, NAV fan, realised
  leverage, outcome distribution and a metrics table (module
  :mod:`smartlev.teach.playground`).
* :func:`decay_explorer` - volatility decay of a leveraged token on a sideways path.
* :func:`liquidation_explorer` - leverage, maintenance margin and the liquidation price.
* :func:`path_explorer` - same start, same end, different routes, different results.
* :func:`show_chart` - the one way to draw a chart from a widget callback, for lessons
  too (the lessons' own explorers live in :mod:`smartlev.teach.explore`).

A control that would raise (it should not: every control is tested at both ends of
its range) shows the message in the widget's status line instead of failing silently
in the kernel log; the last message is kept in ``widget.last_error``.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .._validate import check_int
from ..engine import simulate
from ..market import Market
from ..products import LeveragedToken, Perpetual, Spot
from . import plots
from ._dashboard import Dashboard, Explorer, _slider, show_chart, show_text, wrap_row
from .playground import (
    SCENARIOS,
    Playground,
    Scenario,
    make_market,
    metrics_html,
    playground,
    playground_update_seconds,
)

__all__ = [
    "SCENARIOS",
    "Scenario",
    "Dashboard",
    "Explorer",
    "Playground",
    "playground",
    "playground_update_seconds",
    "make_market",
    "metrics_html",
    "show_chart",
    "show_text",
    "decay_explorer",
    "liquidation_explorer",
    "path_explorer",
]


# ----------------------------------------------------------------------------- explorers


def decay_explorer(days: int = 60, seed: int = 0) -> Dashboard:
    """Volatility decay: a daily-rebalanced token on a market that ends where it began.

    Sliders set the volatility, the token's leverage, the horizon and the seed; the
    price follows a Brownian bridge from 100 back to 100. The chart shows the token's
    NAV, the price (as spot NAV) and the closed-form value; the readout compares them.

    Parameters
    ----------
    days : int
        Initial horizon in days.
    seed : int
        Initial seed.

    Returns
    -------
    Dashboard
        An ``ipywidgets.VBox`` with class ``sl-explorer`` and a ``controls`` dict.

    Notes
    -----
    With continuous rebalancing (Avellaneda & Zhang 2010) the token's NAV is
    :math:`(S_t/S_0)^L \\exp(-\\tfrac{L^2 - L}{2}\\sigma^2 t)`: with the price back at
    its start, what is left is the decay factor. The theory line uses the volatility
    realised on the path so far.

    Examples
    --------
    >>> from smartlev.teach.widgets import decay_explorer
    >>> w = decay_explorer()
    >>> sorted(w.controls), w.last_error is None
    (['days', 'leverage', 'seed', 'vol'], True)
    """
    from .. import scenarios as sc

    c = {
        "vol": _slider(widgets.FloatSlider, "Volatility (% a year)", 80.0, 0.0, 200.0, 5.0),
        "leverage": _slider(widgets.FloatSlider, "Token leverage (x)", 3.0, -3.0, 5.0, 0.5),
        "days": _slider(widgets.IntSlider, "Days", int(days), 10, 365, 5),
        "seed": _slider(widgets.IntSlider, "Path (seed)", int(seed), 0, 50, 1),
    }
    out = widgets.Output()
    readout = widgets.HTML()

    def render() -> str:
        sigma = c["vol"].value / 100.0
        lev = float(c["leverage"].value)
        n = int(c["days"].value)
        m = sc.bridge(100.0, sigma=sigma, days=n, steps_per_day=1, seed=int(c["seed"].value))
        m = Market.from_prices(m.prices, steps_per_day=1, name="sideways")
        tname = f"{lev:g}x token" if lev > 0 else f"Inverse token {lev:g}x"
        if lev == 0:
            navs = {"Spot": simulate(Spot(), m).nav[0]}
            tok = None
        else:
            tok = simulate(LeveragedToken(lev), m).nav[0]
            navs = {"Spot": m.prices[0] / m.prices[0, 0], tname: tok}
        lr = m.log_returns[0]
        realised = np.concatenate([[0.0], np.cumsum(lr**2)])  # sigma^2 t, realised
        ratio = m.prices[0] / m.prices[0, 0]
        theory = ratio**lev * np.exp(-0.5 * (lev * lev - lev) * realised)
        navs["Theory"] = theory
        frame = pd.DataFrame(
            {
                "day": np.tile(m.time_days, len(navs)),
                "nav": np.concatenate(list(navs.values())),
                "Series": np.repeat(list(navs), m.time_days.size),
            }
        )
        show_chart(
            out,
            plots.line_chart(
                frame,
                "day",
                "nav",
                "Series",
                "Price back at its start: does the token get back too?",
                "Time (days)",
                "NAV (start = 1)",
                hline=1.0,
                dashed=["Theory"],
                width=520,
                height=280,
            ),
        )
        vol_real = float(np.sqrt(realised[-1] * 365.0 / max(n, 1)))
        end = navs[tname][-1] if tok is not None else 1.0
        readout.value = (
            f"Price: 100 &rarr; {m.prices[0, -1]:.0f}. "
            f"{html.escape(tname if tok is not None else 'Spot')} NAV: 1 &rarr; <b>{end:.3f}</b> "
            f"({100 * (end - 1):+.1f}%). Theory with the realised volatility "
            f"({100 * vol_real:.0f}% a year): {theory[-1]:.3f}."
        )
        return None

    intro = (
        "<b>Volatility decay.</b> The price wanders and comes back to where it started. "
        "Raise the volatility or the leverage and watch the token's NAV."
    )
    return Explorer(c, [out, readout], render, intro)


def liquidation_explorer(days: int = 90, seed: int = 1) -> Dashboard:
    """Leverage, maintenance margin and side -> liquidation price, on a price path.

    Parameters
    ----------
    days : int
        Length of the price path in days (hourly prices).
    seed : int
        Initial seed of the path.

    Returns
    -------
    Dashboard
        An ``ipywidgets.VBox`` with class ``sl-explorer`` and a ``controls`` dict.

    Notes
    -----
    Isolated margin, maintenance margin :math:`m` on the position value at the mark
    price: :math:`P_{liq} = P_0 (1 - 1/L)/(1 - m)` for a long and
    :math:`P_0 (1 + 1/L)/(1 + m)` for a short (:func:`smartlev.theory.liquidation_price`).
    The simulation checks the hourly price against it.

    Examples
    --------
    >>> from smartlev.teach.widgets import liquidation_explorer
    >>> w = liquidation_explorer()
    >>> sorted(w.controls), w.last_error is None
    (['leverage', 'mmr', 'seed', 'side', 'vol'], True)
    """
    from .. import scenarios as sc
    from ..theory import liquidation_price

    c = {
        "leverage": _slider(widgets.FloatSlider, "Leverage (x)", 10.0, 1.0, 125.0, 1.0),
        "mmr": _slider(
            widgets.FloatSlider, "Maintenance margin (%)", 0.4, 0.1, 5.0, 0.1, readout_format=".1f"
        ),
        "side": widgets.ToggleButtons(options=["long", "short"], value="long", description="Side"),
        "vol": _slider(widgets.FloatSlider, "Volatility (% a year)", 80.0, 10.0, 200.0, 5.0),
        "seed": _slider(widgets.IntSlider, "Path (seed)", int(seed), 0, 50, 1),
    }
    out = widgets.Output()
    readout = widgets.HTML()
    n_days = check_int("days", days, low=2, high=365)

    def render() -> str:
        lev = float(c["leverage"].value)
        mmr = c["mmr"].value / 100.0
        side = c["side"].value
        if mmr >= 1.0 / lev:
            lev_ok = 0.999 / mmr
            note = (
                f"With {100 * mmr:.1f}% maintenance margin the largest usable leverage is "
                f"{lev_ok:.0f}x: "
            )
            lev = min(lev, np.floor(lev_ok))
        else:
            note = ""
        m = sc.gbm(
            sigma=c["vol"].value / 100.0,
            days=n_days,
            steps_per_day=24,
            paths=1,
            seed=int(c["seed"].value),
        )
        m = Market.from_prices(m.prices, steps_per_day=24, name="price")
        entry = float(m.prices[0, 0])
        lp = float(liquidation_price(entry, lev, side, mmr))
        r = simulate(Perpetual(lev, side=side, maintenance_margin=mmr), m)
        hit = bool(r.liquidated[0])
        day = r.event_step[0] / 24.0 if hit else None
        show_chart(
            out,
            plots.price_chart(
                m.time_days,
                {"Price": m.prices[0]},
                title=f"{lev:g}x {side}: liquidation price {lp:,.2f}",
                hlines={"Liquidation price": lp, "Entry price": entry},
                width=520,
                height=280,
            ),
        )
        dist = 100.0 * abs(lp / entry - 1.0)
        what = (
            f"<b>liquidated on day {day:.1f}</b>: the margin is gone"
            if hit
            else f"not liquidated: NAV {r.final_nav[0]:.2f} at the end"
        )
        readout.value = (
            f"{html.escape(note)}Entry {entry:.2f}; liquidation price {lp:,.2f}, "
            f"{dist:.1f}% away. On this path the position was {what}."
        )
        return None

    intro = (
        "<b>Liquidation.</b> The higher the leverage, the closer the liquidation price. "
        "Try 2x, 10x and 100x, and a short."
    )
    return Explorer(c, [out, readout], render, intro)


def path_explorer(days: int = 60, seed: int = 0) -> Dashboard:
    """Same start, same end, different routes: a leveraged token's result depends on the path.

    Three price routes share their start (100) and their end (set by a slider). The
    token runs on each; the charts show the routes and the token's NAV on each.

    Parameters
    ----------
    days : int
        Length of the routes in days.
    seed : int
        Initial seed of the routes.

    Returns
    -------
    Dashboard
        An ``ipywidgets.VBox`` with class ``sl-explorer`` and a ``controls`` dict.

    Notes
    -----
    The routes are Brownian bridges (:func:`smartlev.scenarios.bridge`): every one ends
    exactly at the chosen price. Spot ends at the same value on all of them; a token
    rebalanced to leverage :math:`L` ends near
    :math:`(S_T/S_0)^L e^{-(L^2-L)\\sigma_{realised}^2 T/2}`, different on each route.

    Examples
    --------
    >>> from smartlev.teach.widgets import path_explorer
    >>> w = path_explorer()
    >>> sorted(w.controls), w.last_error is None
    (['end_change', 'leverage', 'seed', 'vol'], True)
    """
    from .. import scenarios as sc

    c = {
        "end_change": _slider(widgets.IntSlider, "Price change at the end (%)", 0, -50, 100, 5),
        "vol": _slider(widgets.FloatSlider, "Volatility of the route (% a year)", 80, 0, 200, 5),
        "leverage": _slider(widgets.FloatSlider, "Token leverage (x)", 3.0, -3.0, 5.0, 0.5),
        "seed": _slider(widgets.IntSlider, "Routes (seed)", int(seed), 0, 50, 1),
    }
    out_price = widgets.Output()
    out_nav = widgets.Output()
    readout = widgets.HTML()
    n_days = check_int("days", days, low=2, high=365)
    routes = ["Route A", "Route B", "Route C"]

    def render() -> str:
        end = 100.0 * (1.0 + c["end_change"].value / 100.0)
        m = sc.bridge(
            end,
            sigma=c["vol"].value / 100.0,
            days=n_days,
            steps_per_day=1,
            paths=len(routes),
            seed=int(c["seed"].value),
        )
        m = Market.from_prices(m.prices, steps_per_day=1, name="routes")
        lev = float(c["leverage"].value)
        prod = LeveragedToken(lev) if lev != 0 else Spot()
        nav = simulate(prod, m).nav
        t = m.time_days
        show_chart(
            out_price,
            plots.price_chart(
                t,
                {k: m.prices[i] for i, k in enumerate(routes)},
                title="Three routes, same start, same end",
                width=420,
                height=250,
            ),
        )
        show_chart(
            out_nav,
            plots.price_chart(
                t,
                {k: nav[i] for i, k in enumerate(routes)},
                title=f"{lev:g}x token on each route" if lev else "Spot on each route",
                y_title="NAV (start = 1)",
                hlines={"Spot at the end": end / 100.0},
                width=420,
                height=250,
            ),
        )
        cells = ", ".join(f"{k}: <b>{nav[i, -1]:.3f}</b>" for i, k in enumerate(routes))
        readout.value = (
            f"Spot ends at {end / 100:.2f} on every route. Token NAV at the end: {cells}."
        )
        return None

    intro = (
        "<b>Path dependency.</b> Same start, same end, three different routes. "
        "Change the seed to draw other routes."
    )
    return Explorer(c, [wrap_row(out_price, out_nav), readout], render, intro)
