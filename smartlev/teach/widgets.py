"""Exploration widgets: move a dial, watch what leverage does to the money.

Every builder returns an ipywidgets box whose ``controls`` dict holds its sliders,
dropdowns and checkboxes; each control re-runs the simulation when it moves. Charts
come from :mod:`smartlev.teach.plots` and are shown in ``ipywidgets.Output`` areas with the
same ``application/vnd.vegalite.v5+json`` output that Altair's ``mimetype`` renderer
makes, so they render offline in JupyterLab.

* :func:`playground` - one dashboard: market scenario, products, NAV fan, realised
  leverage, outcome distribution and a metrics table.
* :func:`decay_explorer` - volatility decay of a leveraged token on a sideways path.
* :func:`liquidation_explorer` - leverage, maintenance margin and the liquidation price.
* :func:`path_explorer` - same start, same end, different routes, different results.

A control that would raise (it should not: every control is tested at both ends of
its range) shows the message in the widget's status line instead of failing silently
in the kernel log; the last message is kept in ``widget.last_error``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .._validate import check_int
from ..engine import simulate
from ..market import Market
from ..policies import BandPolicy, CPPIPolicy, TrendPolicy, VolatilityTarget
from ..products import REASONS, LeveragedToken, Perpetual, SmartLeverage, Spot
from . import plots

__all__ = [
    "SCENARIOS",
    "Dashboard",
    "Playground",
    "playground",
    "playground_update_seconds",
    "make_market",
    "metrics_html",
    "show_chart",
    "decay_explorer",
    "liquidation_explorer",
    "path_explorer",
]

#: Market scenarios of the playground: preset volatility and drift (% a year) and what
#: the drift slider means there.
SCENARIOS: dict[str, dict] = {
    "Sideways": {
        "vol": 70.0,
        "drift": 0.0,
        "help": "price swings around its start and keeps coming back (no drift)",
    },
    "Trend up": {
        "vol": 60.0,
        "drift": 100.0,
        "help": "drift = the median path's return over a year",
    },
    "Trend down": {
        "vol": 60.0,
        "drift": -50.0,
        "help": "drift = the median path's return over a year",
    },
    "High volatility": {
        "vol": 120.0,
        "drift": 0.0,
        "help": "GARCH: calm and stormy spells, fat tails; drift = expected return",
    },
    "Crash": {
        "vol": 60.0,
        "drift": 0.0,
        "help": "a 40% one-day crash halfway through; drift = expected return",
    },
    "GBM": {
        "vol": 80.0,
        "drift": 0.0,
        "help": "textbook random walk; drift = expected return (the median is lower)",
    },
}

_TOKEN_RULES: dict[str, Callable[[float], LeveragedToken]] = {
    "Daily rebalance": lambda lev: LeveragedToken(lev, management_fee=0.0001),
    "FTX-style (daily + 4/3 cap)": LeveragedToken.ftx,
    "Bybit-style (band +-1x)": LeveragedToken.bybit,
    "KuCoin-style (daily + 15% move)": LeveragedToken.kucoin,
    "Gate-style (band)": LeveragedToken.gate,
}

_PATH_CHOICES = ("Median final price", "Lowest final price", "Highest final price")

_TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    # column, label, format ("pct", "x", "num")
    ("median_return", "Median return", "pct"),
    ("mean_return", "Mean return", "pct"),
    ("p05_return", "Bad case (5th pct)", "pct"),
    ("p95_return", "Good case (95th pct)", "pct"),
    ("prob_loss", "Chance of a loss", "pct"),
    ("max_drawdown", "Typical max drawdown", "pct"),
    ("leverage_mean", "Mean leverage", "x"),
    ("leverage_max", "Highest leverage", "x"),
    ("rebalances", "Trades per path", "num"),
    ("costs", "Costs paid", "pct"),
    ("liquidated", "Liquidated", "pct"),
    ("wiped_out", "Wiped out (NAV 0)", "pct"),
)

_VEGA_MIME = "application/vnd.vegalite.v5+json"


# ----------------------------------------------------------------------------- utilities

_EXECUTOR: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    """A small shared thread pool for simulating several products at once."""
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(
            max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="smartlev"
        )
    return _EXECUTOR


def _bundle(chart) -> dict:
    """The output Altair's mimetype renderer makes, without re-validating the spec.

    The builders of :mod:`smartlev.teach.plots` are validated by the tests, so the widgets
    skip the schema validation on every redraw (it costs more than building the chart).
    """
    return {
        _VEGA_MIME: chart.to_dict(validate=False),
        "text/plain": "<VegaLite 5 object>",
    }


def show_chart(out: widgets.Output, chart) -> None:
    """Replace what an Output area shows by one chart.

    Use it in a widget callback instead of ``with out: display(chart)``: it sets the
    Output's content directly, so nothing flickers, nothing leaks into the cell's own
    output when the notebook runs without a front end (nbval), and no kernel round trip
    is needed.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> from smartlev.teach import plots
    >>> out = widgets.Output()
    >>> show_chart(out, plots.line_chart(
    ...     __import__("pandas").DataFrame({"x": [0, 1], "y": [1, 2]}), "x", "y", title="t"))
    >>> sorted(out.outputs[0]["data"])[0]
    'application/vnd.vegalite.v5+json'
    """
    out.outputs = ({"output_type": "display_data", "data": _bundle(chart), "metadata": {}},)


_show = show_chart


def _show_text(out: widgets.Output, text: str) -> None:
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {"text/plain": text, "text/html": f"<p><i>{html.escape(text)}</i></p>"},
            "metadata": {},
        },
    )


def _fmt(value: float, kind: str) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "x":
        return f"{value:.2f}x"
    return f"{value:,.1f}"


def metrics_html(df: pd.DataFrame, css_class: str = "sl-metrics-table") -> str:
    """An HTML table of :func:`smartlev.compare` metrics, one column per product.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per product (index = product name), columns as in
        :data:`smartlev.METRICS`.
    css_class : str
        Class of the ``<table>`` element.

    Returns
    -------
    str
        Returns, probabilities and drawdowns in per cent, leverage with an "x".

    Examples
    --------
    >>> import pandas as pd
    >>> from smartlev.teach.widgets import metrics_html
    >>> df = pd.DataFrame({"median_return": [0.1], "prob_loss": [0.25]}, index=["Spot"])
    >>> "10.0%" in metrics_html(df) and "25.0%" in metrics_html(df)
    True
    """
    from ..result import METRICS

    names = [str(i) for i in df.index]
    head = "".join(
        f'<th style="text-align:right;padding:2px 8px;color:{plots.color_for(n)}">'
        f"{html.escape(n)}</th>"
        for n in names
    )
    body = []
    for col, label, kind in _TABLE_ROWS:
        if col not in df.columns:
            continue
        tip = html.escape(METRICS.get(col, col), quote=True)
        cells = "".join(
            f'<td style="text-align:right;padding:2px 8px">{_fmt(float(v), kind)}</td>'
            for v in df[col].to_numpy(dtype=float)
        )
        body.append(
            f'<tr><td title="{tip}" style="padding:2px 8px">{html.escape(label)}</td>{cells}</tr>'
        )
    return (
        f'<table class="{css_class}" style="border-collapse:collapse;font-size:13px">'
        f'<thead><tr><th style="text-align:left;padding:2px 8px">Metric</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def make_market(
    scenario: str = "GBM",
    vol: float = 80.0,
    drift: float = 0.0,
    days: int = 365,
    paths: int = 1000,
    seed: int = 0,
) -> Market:
    """The market of one playground scenario, daily steps, held in memory.

    Parameters
    ----------
    scenario : str
        One of :data:`SCENARIOS`.
    vol : float
        Annualised volatility in per cent (80 = 80% a year).
    drift : float
        Drift in per cent a year; its meaning depends on the scenario (see
        ``SCENARIOS[scenario]["help"]``); ignored for "Sideways".
    days : int
        Horizon in days (one price a day).
    paths : int
        Number of paths.
    seed : int
        Seed; the same seed gives the same paths.

    Returns
    -------
    Market

    Notes
    -----
    Sideways: Ornstein-Uhlenbeck log price (:func:`smartlev.scenarios.sideways`);
    Trend up / down: :func:`~smartlev.scenarios.trend` with median annual return =
    drift; High volatility: :func:`~smartlev.scenarios.garch` with long-run volatility
    = vol; Crash: :func:`~smartlev.scenarios.crash`, a 40% one-step fall halfway;
    GBM: :func:`~smartlev.scenarios.gbm` with :math:`\\mu` = drift.

    Examples
    --------
    >>> from smartlev.teach.widgets import make_market
    >>> m = make_market("Crash", paths=3, days=10)
    >>> m.paths, m.steps, m.name
    (3, 10, 'Crash')
    """
    from .. import scenarios as sc

    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {list(SCENARIOS)!r}, got {scenario!r}")
    days = check_int("days", days, low=2, high=3650)
    sigma = float(vol) / 100.0
    d = float(drift) / 100.0
    kw = {"days": days, "paths": paths, "seed": seed, "steps_per_day": 1, "name": scenario}
    if scenario == "Sideways":
        m = sc.sideways(sigma=sigma, **kw)
    elif scenario in ("Trend up", "Trend down"):
        m = sc.trend(annual_return=max(d, -0.95), sigma=sigma, **kw)
    elif scenario == "High volatility":
        m = sc.garch(long_run_vol=max(sigma, 0.01), mu=d, **kw)
    elif scenario == "Crash":
        m = sc.crash(drop=0.4, at_day=days // 2, sigma=sigma, mu=d, **kw)
    else:
        m = sc.gbm(mu=d, sigma=sigma, **kw)
    return Market.from_prices(m.prices, steps_per_day=1, name=scenario)


# ----------------------------------------------------------------------------- base class


class Dashboard(widgets.VBox):
    """A box of controls and outputs that re-draws itself when a control moves.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        Every control, by name (tests sweep them all).
    last_error : str or None
        Message of the last failed update (shown in the status line), else None.
    last_update_seconds : float
        Wall time of the last update.
    """

    def __init__(self, controls: dict[str, widgets.Widget], children, css_class: str):
        self.controls = controls
        self.last_error: str | None = None
        self.last_update_seconds = float("nan")
        self._holding = False
        self.status = widgets.HTML(value="")
        self.status.add_class("sl-status")
        super().__init__(children=[*children, self.status])
        self.add_class(css_class)
        for c in controls.values():
            c.observe(self._on_change, names="value")

    def _on_change(self, change) -> None:
        if not self._holding:
            self.update()

    @contextlib.contextmanager
    def hold_updates(self) -> Iterator[None]:
        """Set several controls without an update for each; call :meth:`update` after.

        Examples
        --------
        >>> from smartlev.teach.widgets import decay_explorer
        >>> w = decay_explorer()
        >>> with w.hold_updates():
        ...     w.controls["vol"].value = 120.0
        ...     w.controls["leverage"].value = 2.0
        >>> w.update()
        """
        held, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = held

    def update(self) -> None:
        """Re-compute and re-draw; errors go to the status line and ``last_error``."""
        t0 = time.perf_counter()
        try:
            note = self._render() or ""
            self.last_error = None
            self.last_update_seconds = time.perf_counter() - t0
            self.status.value = (
                f'<span style="color:#666;font-size:12px">{note}'
                f"updated in {1000 * self.last_update_seconds:.0f} ms</span>"
            )
        except Exception as exc:  # shown to the learner, kept for tests
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.last_update_seconds = time.perf_counter() - t0
            self.status.value = (
                f'<span class="sl-error" style="color:#D55E00">'
                f"{html.escape(self.last_error)}</span>"
            )

    def _render(self) -> str | None:  # pragma: no cover - overridden
        raise NotImplementedError


def _slider(cls, description: str, value, lo, hi, step, **kw):
    return cls(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="320px"),
        **kw,
    )


def _dropdown(description: str, options, value=None):
    return widgets.Dropdown(
        options=list(options),
        value=value if value is not None else list(options)[0],
        description=description,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="320px"),
    )


def _checkbox(description: str, value: bool):
    return widgets.Checkbox(value=value, description=description, indent=False)


def _section(title: str, *children) -> widgets.VBox:
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(title)}</b>"), *children])


# ----------------------------------------------------------------------------- playground


class Playground(Dashboard):
    """The course playground (see :func:`playground`)."""

    def __init__(self, paths: int = 1000, days: int = 365, seed: int = 0) -> None:
        self.paths = check_int("paths", paths, low=1, high=100_000)
        days = check_int("days", days, low=30, high=3650)
        seed = check_int("seed", seed, low=0, high=2**31 - 1)
        self.market: Market | None = None
        self._market_key: tuple | None = None
        self._cache: dict[object, object] = {}
        self._drawn: dict[str, object] = {}
        self.results: dict[str, object] = {}
        self.metrics = pd.DataFrame()
        self.timings: dict[str, float] = {}

        c = {}
        c["scenario"] = _dropdown("Scenario", SCENARIOS, "GBM")
        c["scenario"].add_class("sl-scenario")
        c["vol"] = _slider(widgets.FloatSlider, "Volatility (% a year)", 80.0, 10.0, 200.0, 5.0)
        c["drift"] = _slider(widgets.FloatSlider, "Drift (% a year)", 0.0, -90.0, 300.0, 10.0)
        c["days"] = _slider(widgets.IntSlider, "Horizon (days)", days, 30, max(730, days), 5)
        c["seed"] = widgets.BoundedIntText(
            value=min(seed, 99_999),
            min=0,
            max=99_999,
            description="Seed",
            layout=widgets.Layout(width="200px"),
        )
        c["spot"] = _checkbox("Spot", True)
        c["token"] = _checkbox("Leveraged token", True)
        c["perp"] = _checkbox("Perpetual", True)
        c["smart"] = _checkbox("Smart Leverage", True)
        c["token_lev"] = _slider(widgets.FloatSlider, "Token leverage (x)", 3.0, 1.5, 5.0, 0.5)
        c["token_rules"] = _dropdown("Token rules", _TOKEN_RULES)
        c["perp_lev"] = _slider(widgets.IntSlider, "Perpetual leverage (x)", 10, 1, 100, 1)
        c["smart_policy"] = _dropdown(
            "Smart policy", ("Volatility target", "Band (BLVT-like)", "Trend", "CPPI floor")
        )
        c["smart_max"] = _slider(widgets.FloatSlider, "Smart max leverage (x)", 4.0, 1.5, 8.0, 0.25)
        c["costs"] = _checkbox("Fees, funding and trading costs", False)
        c["log_nav"] = _checkbox("Log NAV axis", False)
        c["path"] = _dropdown("Leverage of the path with", _PATH_CHOICES)

        self.help = widgets.HTML()
        self.out_fan = widgets.Output(layout=widgets.Layout(min_width="480px"))
        self.out_lev = widgets.Output(layout=widgets.Layout(min_width="480px"))
        self.out_hist = widgets.Output(layout=widgets.Layout(min_width="480px"))
        self.table = widgets.HTML()
        self.table.add_class("sl-metrics")
        market_box = _section(
            "Market",
            c["scenario"],
            self.help,
            c["vol"],
            c["drift"],
            c["days"],
            c["seed"],
        )
        product_box = _section(
            "Products",
            widgets.HBox([c["spot"], c["token"], c["perp"], c["smart"]]),
            c["token_lev"],
            c["token_rules"],
            c["perp_lev"],
            c["smart_policy"],
            c["smart_max"],
            c["costs"],
        )
        view_box = _section("View", c["log_nav"], c["path"])
        children = [
            widgets.HTML(
                f"<h3 style='margin:4px 0'>Leverage playground</h3>"
                f"<span style='color:#555'>{self.paths:,} simulated paths, one price a day. "
                "Move any control: every product runs again on the same price paths.</span>"
            ),
            widgets.HBox([market_box, product_box, view_box]),
            widgets.HBox([self.out_fan, self.out_lev]),
            widgets.HBox([self.out_hist, _section("Metrics", self.table)]),
        ]
        super().__init__(c, children, "sl-playground")
        self._apply_scenario_presets(c["scenario"].value)
        self.update()

    # -- control logic

    def _apply_scenario_presets(self, scenario: str) -> None:
        preset = SCENARIOS[scenario]
        with self.hold_updates():
            self.controls["vol"].value = preset["vol"]
            self.controls["drift"].value = preset["drift"]
            self.controls["drift"].disabled = scenario == "Sideways"
        self.help.value = f"<span style='color:#555;font-size:12px'>{preset['help']}</span>"

    def _on_change(self, change) -> None:
        # a new scenario brings its own volatility and drift (one update, not three)
        if change["owner"] is self.controls["scenario"]:
            self._apply_scenario_presets(change["new"])
        if not self._holding:
            self.update()

    def products(self) -> dict[str, object]:
        """The products currently selected, by legend name."""
        c = self.controls
        costs = c["costs"].value
        out: dict[str, object] = {}
        if c["spot"].value:
            out["Spot"] = Spot()
        if c["token"].value:
            lev = float(c["token_lev"].value)
            tok = _TOKEN_RULES[c["token_rules"].value](lev)
            if costs:
                tok = dataclasses.replace(tok, trading_cost=0.0005, funding_rate=0.0001)
            else:
                tok = dataclasses.replace(tok, management_fee=0.0)
            out[f"{lev:g}x token"] = tok
        if c["perp"].value:
            lev = int(c["perp_lev"].value)
            fees = {"fee": 0.0005, "funding_rate": 0.0001} if costs else {}
            out[f"Perpetual {lev}x"] = Perpetual(float(lev), **fees)
        if c["smart"].value:
            hi = float(c["smart_max"].value)
            lo = min(1.25, hi)
            name = c["smart_policy"].value
            if name == "Band (BLVT-like)":
                target = 0.5 * (lo + hi)
                policy = BandPolicy(target=target, band=(0.5 * (lo + target), 0.5 * (target + hi)))
            elif name == "Trend":
                policy = TrendPolicy()
            elif name == "CPPI floor":
                policy = CPPIPolicy()
            else:
                policy = VolatilityTarget()
            fees = (
                {"management_fee": 0.0001, "trading_cost": 0.0005, "funding_rate": 0.0001}
                if costs
                else {}
            )
            out["Smart Leverage"] = SmartLeverage(
                policy=policy, min_leverage=lo, max_leverage=hi, **fees
            )
        return out

    def _get_market(self) -> Market:
        c = self.controls
        key = (
            c["scenario"].value,
            float(c["vol"].value),
            float(c["drift"].value),
            int(c["days"].value),
            int(c["seed"].value),
            self.paths,
        )
        if key != self._market_key:
            self.market = make_market(*key[:4], paths=self.paths, seed=key[4])
            self._market_key = key
            self._cache.clear()
        return self.market

    # -- drawing

    def _render(self) -> str:
        t0 = time.perf_counter()
        market = self._get_market()
        t1 = time.perf_counter()
        products = self.products()
        results = {}
        todo = [p for p in dict.fromkeys(products.values()) if p not in self._cache]
        if len(todo) > 1:  # independent runs: numpy releases the GIL, use the cores
            runs = _executor().map(lambda p: simulate(p, market, history=True), todo)
            self._cache.update(zip(todo, runs, strict=True))
        for p in todo:
            if p not in self._cache:
                self._cache[p] = simulate(p, market, history=True)
        for name, p in products.items():
            results[name] = self._cache[p]
        self.results = results
        t2 = time.perf_counter()
        if not results:
            self.metrics = pd.DataFrame()
            for out in (self.out_fan, self.out_lev, self.out_hist):
                _show_text(out, "Tick at least one product.")
            self.table.value = "<i>No product selected.</i>"
            self._drawn.clear()
            self.timings = {"market": t1 - t0, "simulate": t2 - t1, "draw": 0.0}
            return ""
        # redraw only what changed: a view option touches one or two charts
        key = (self._market_key, tuple(products.items()))
        log_nav = bool(self.controls["log_nav"].value)
        pick = self.controls["path"].value
        t = market.time_days
        if self._drawn.get("table") != key:
            rows = []
            for name, r in results.items():
                row = r.summary()
                row.index = pd.Index([name], name="product")
                rows.append(row)
            self.metrics = pd.concat(rows)
            self.table.value = metrics_html(self.metrics)
            self._drawn["table"] = key
        if self._drawn.get("fan") != (key, log_nav):
            _show(
                self.out_fan,
                plots.nav_fan(
                    t,
                    {k: r.nav for k, r in results.items()},
                    title=f"NAV across {market.paths:,} paths - {market.name}",
                    log_scale=log_nav,
                    width=420,
                    height=260,
                    max_points=150,
                ),
            )
            self._drawn["fan"] = (key, log_nav)
        if self._drawn.get("lev") != (key, pick):
            final_price = market.prices[:, -1]
            order = np.argsort(final_price, kind="stable")
            i = int(order[{0: len(order) // 2, 1: 0, 2: -1}[_PATH_CHOICES.index(pick)]])
            smart = results.get("Smart Leverage")
            reasons = smart.reason[i] if smart is not None and smart.reason is not None else None
            change = 100.0 * (final_price[i] / market.prices[i, 0] - 1.0)
            _show(
                self.out_lev,
                plots.leverage_chart(
                    t,
                    {k: r.leverage[i] for k, r in results.items()},
                    reasons,
                    REASONS,
                    title=f"Effective leverage on path {i} (price {change:+.0f}%)",
                    width=420,
                    height=260,
                    max_points=200,
                ),
            )
            self._drawn["lev"] = (key, pick)
        if self._drawn.get("hist") != (key, log_nav):
            _show(
                self.out_hist,
                plots.outcome_histogram(
                    {k: r.final_nav for k, r in results.items()},
                    bins=40,
                    title=f"Final NAV after {market.days:g} days",
                    log_x=log_nav,
                    width=420,
                    height=240,
                ),
            )
            self._drawn["hist"] = (key, log_nav)
        t3 = time.perf_counter()
        self.timings = {"market": t1 - t0, "simulate": t2 - t1, "draw": t3 - t2}
        return ""


def playground(paths: int = 1000, days: int = 365, seed: int = 0) -> Playground:
    """One dashboard to compare spot, a leveraged token, a perpetual and Smart Leverage.

    Pick a market scenario and its volatility, drift, horizon and seed; tick the
    products and set their leverage and rules. Every product runs on the same simulated
    price paths, and the dashboard shows the NAV fan, the realised leverage on one
    path (with the reasons Smart Leverage traded), the distribution of final NAVs and
    a metrics table.

    Parameters
    ----------
    paths : int
        Number of simulated price paths (one price a day).
    days : int
        Initial horizon in days (30 to 3650).
    seed : int
        Initial seed.

    Returns
    -------
    Playground
        An ``ipywidgets.VBox`` (CSS class ``sl-playground``) with ``controls`` (dict of
        every control; the scenario dropdown has class ``sl-scenario``), ``update()``,
        ``results`` (name -> :class:`smartlev.Result`), ``metrics`` (the table as a
        DataFrame, same columns as :func:`smartlev.compare`), ``timings`` (seconds
        spent building the market, simulating and drawing in the last update) and
        ``last_update_seconds``.

    Notes
    -----
    The market is rebuilt only when a market control moves; a product whose settings
    did not change is not simulated again (results are cached per product and market),
    so moving a product dial re-runs one product only. Products that do need a run
    are simulated side by side in a small thread pool (numpy releases the GIL), and a
    chart is redrawn only when its inputs changed.

    Examples
    --------
    >>> from smartlev.teach.widgets import playground
    >>> pg = playground(paths=50, days=60)
    >>> "sl-playground" in pg._dom_classes, pg.last_error is None
    (True, True)
    >>> list(pg.metrics.index)
    ['Spot', '3x token', 'Perpetual 10x', 'Smart Leverage']
    """
    return Playground(paths=paths, days=days, seed=seed)


def playground_update_seconds(
    paths: int = 1000, days: int = 365, repeats: int = 3
) -> dict[str, float]:
    """Time playground updates (for benchmarks): best of ``repeats``, in seconds.

    Parameters
    ----------
    paths, days : int
        Size of the market (one price a day).
    repeats : int
        Timed runs per kind of update; the fastest is reported.

    Returns
    -------
    dict
        ``"product_change"``: one product dial moved (one product re-simulated, all
        charts redrawn); ``"market_change"``: a market dial moved (new market, all
        four products re-simulated); ``"redraw"``: the log-axis option changed (two
        charts redrawn, no simulation); plus ``"market_change_simulate"`` and
        ``"market_change_draw"``, the two parts of a market change.

    Examples
    --------
    >>> from smartlev.teach.widgets import playground_update_seconds
    >>> t = playground_update_seconds(paths=20, days=30, repeats=1)
    >>> sorted(t)[:2], all(v > 0 for v in t.values())
    (['market_change', 'market_change_draw'], True)
    """
    repeats = check_int("repeats", repeats, low=1)
    pg = Playground(paths=paths, days=days)
    c = pg.controls
    out = {"product_change": np.inf, "market_change": np.inf, "redraw": np.inf}
    sim = draw = np.inf
    for k in range(repeats):
        c["smart_max"].value = 4.0 + 0.25 * ((k % 4) + 1)  # new product, same market
        out["product_change"] = min(out["product_change"], pg.last_update_seconds)
        c["seed"].value = k + 1  # new market: every product again
        if pg.last_update_seconds < out["market_change"]:
            out["market_change"] = pg.last_update_seconds
            sim = pg.timings["market"] + pg.timings["simulate"]
            draw = pg.timings["draw"]
        c["log_nav"].value = not c["log_nav"].value  # view only
        out["redraw"] = min(out["redraw"], pg.last_update_seconds)
    if pg.last_error:
        raise RuntimeError(f"playground update failed: {pg.last_error}")
    out["market_change_simulate"] = sim
    out["market_change_draw"] = draw
    return {k: float(v) for k, v in out.items()}


# ----------------------------------------------------------------------------- explorers


class _Explorer(Dashboard):
    def __init__(self, controls, outputs, render: Callable[[], str | None], intro: str):
        self._render_fn = render
        grid = widgets.VBox(list(controls.values()))
        children = [widgets.HTML(intro), grid, *outputs]
        super().__init__(controls, children, "sl-explorer")
        self.update()

    def _render(self) -> str | None:
        return self._render_fn()


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
        _show(
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
    return _Explorer(c, [out, readout], render, intro)


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
        _show(
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
    return _Explorer(c, [out, readout], render, intro)


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
        _show(
            out_price,
            plots.price_chart(
                t,
                {k: m.prices[i] for i, k in enumerate(routes)},
                title="Three routes, same start, same end",
                width=420,
                height=250,
            ),
        )
        _show(
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
    return _Explorer(c, [widgets.HBox([out_price, out_nav]), readout], render, intro)
