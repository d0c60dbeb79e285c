"""The playground: one dashboard to compare spot, a leveraged token, a perpetual and Smart Leverage.

Pick a market scenario and its volatility, drift, horizon and seed; tick the products and
set their leverage, rules and costs. Every product runs on the same simulated price
paths; the dashboard shows the NAV fan, the realised leverage on one path, where the
money ends up, and a metrics table.

A lesson embeds it with the defaults that fit what the learner has seen so far, e.g.
``playground(paths=300, products=("spot", "token", "smart"))`` before perpetuals are
explained; see :func:`playground`.

Scenarios
---------
Each market choice is a :class:`Scenario`: a name, a one-line help, the dials it uses
(volatility, drift) and a ``build`` function that returns a :class:`smartlev.Market`.
Adding a choice is one more :class:`Scenario`. The last three defaults replay real prices
shipped with the package (:func:`smartlev.data.market`): "BTC 2020-03 (real)", "BTC 2021-05
(real)" and "BTCUSDT June 2022 hourly (real)". A replay is one path with its real bars and
timestamps, so the histogram becomes one bar per product; another is one entry::

    SCENARIOS["BTC 2019 (real)"] = Scenario(
        "BTC 2019 (real)", _real, vol=None, drift=None, help="real daily bars of 2019",
        params={"dataset": "btc-usd-daily", "start": "2019-01-01", "end": "2019-12-31"},
        replay=True)

A scenario whose ``vol`` or ``drift`` is None greys out that slider; ``replay=True`` also
greys out the horizon and the seed.
"""

from __future__ import annotations

import dataclasses
import html
import time
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import numpy as np
import pandas as pd

from .._validate import check_choice, check_int, check_real
from ..engine import simulate
from ..market import Market
from ..policies import BandPolicy, CPPIPolicy, TrendPolicy, VolatilityTarget
from ..products import REASONS, LeveragedToken, Perpetual, SmartLeverage, Spot
from . import plots
from ._dashboard import (
    Dashboard,
    _checkbox,
    _dropdown,
    _slider,
    column,
    show_chart,
    show_text,
    wrap_row,
)

__all__ = [
    "Scenario",
    "SCENARIOS",
    "PRODUCTS",
    "TOKEN_RULES",
    "COSTS",
    "Playground",
    "playground",
    "playground_update_seconds",
    "make_market",
    "metrics_html",
]


# ----------------------------------------------------------------------------- scenarios


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One market choice of the playground.

    Parameters
    ----------
    name : str
        Shown in the dropdown and in chart titles.
    build : callable
        ``build(vol=, drift=, days=, paths=, seed=, **params) -> Market``, with ``vol``
        and ``drift`` as fractions a year (0.8 = 80%), or None when the scenario does
        not use that dial.
    vol, drift : float or None
        Preset of the dials in per cent a year; None greys the dial out.
    help : str
        One line under the dropdown: what the market does and what the drift means.
    params : dict
        Extra keyword arguments of ``build`` (e.g. the size of a crash).
    replay : bool
        True for a replay of real prices: the market is the same whatever the horizon
        and the seed, so the playground greys out those controls too.

    Examples
    --------
    >>> from smartlev.teach.playground import SCENARIOS
    >>> crash = SCENARIOS["Crash"].but(drop=0.3)
    >>> crash.params["drop"], crash.market(days=20, paths=2).paths
    (0.3, 2)
    """

    name: str
    build: Callable[..., Market]
    vol: float | None = 80.0
    drift: float | None = 0.0
    help: str = ""
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    replay: bool = False

    def but(self, **changes) -> Scenario:
        """A copy with some presets changed: ``vol``, ``drift``, ``help`` or a param."""
        fields = {f.name for f in dataclasses.fields(self)}
        own = {k: v for k, v in changes.items() if k in fields}
        params = {**self.params, **{k: v for k, v in changes.items() if k not in fields}}
        return dataclasses.replace(self, params=params, **own)

    def market(
        self,
        vol: float | None = None,
        drift: float | None = None,
        days: int = 365,
        paths: int = 1000,
        seed: int = 0,
    ) -> Market:
        """The market of this scenario; ``vol`` and ``drift`` in per cent a year."""
        vol = self.vol if vol is None else vol
        drift = self.drift if drift is None else drift
        m = self.build(
            vol=None if vol is None else float(vol) / 100.0,
            drift=None if drift is None else float(drift) / 100.0,
            days=days,
            paths=paths,
            seed=seed,
            **self.params,
        )
        if m.name != self.name:  # rename, keeping the bars (highs, lows) and timestamps
            m = m.subset(m.paths)
            m.name = self.name
        return m


def _kw(days, paths, seed, name):
    return {"days": days, "paths": paths, "seed": seed, "steps_per_day": 1, "name": name}


def _sideways(vol, drift, days, paths, seed):
    from .. import scenarios as sc

    return sc.sideways(sigma=vol, **_kw(days, paths, seed, "Sideways"))


def _trend(vol, drift, days, paths, seed):
    from .. import scenarios as sc

    return sc.trend(annual_return=max(drift, -0.95), sigma=vol, **_kw(days, paths, seed, "Trend"))


def _garch(vol, drift, days, paths, seed):
    from .. import scenarios as sc

    return sc.garch(long_run_vol=max(vol, 0.01), mu=drift, **_kw(days, paths, seed, "GARCH"))


def _crash(vol, drift, days, paths, seed, drop=0.4):
    from .. import scenarios as sc

    return sc.crash(
        drop=drop, at_day=days // 2, sigma=vol, mu=drift, **_kw(days, paths, seed, "Crash")
    )


def _gbm(vol, drift, days, paths, seed):
    from .. import scenarios as sc

    return sc.gbm(mu=drift, sigma=vol, **_kw(days, paths, seed, "GBM"))


def _real(vol, drift, days, paths, seed, dataset="btc-usd-daily", start=None, end=None):
    """A replay of shipped real prices: one path, whatever the dials (see smartlev.data)."""
    from .. import data

    return data.market(dataset, start, end, missing="ffill")


_MEDIAN = "drift = the median path's return over a year"
_EXPECTED = "drift = continuous drift mu: expected return e^mu - 1 (20 -> +22.1 % a year)"

#: The playground's market choices, in dropdown order (see :class:`Scenario`).
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "Sideways",
            _sideways,
            70.0,
            None,
            "price swings around its start and keeps coming back (no drift)",
        ),
        Scenario("Trend up", _trend, 60.0, 100.0, _MEDIAN),
        Scenario("Trend down", _trend, 60.0, -50.0, _MEDIAN),
        Scenario(
            "High volatility",
            _garch,
            120.0,
            0.0,
            f"GARCH: calm and stormy spells, fat tails; {_EXPECTED}",
        ),
        Scenario(
            "Crash",
            _crash,
            60.0,
            0.0,
            f"a one-day crash halfway through; {_EXPECTED}",
            {"drop": 0.4},
        ),
        Scenario(
            "GBM", _gbm, 80.0, 0.0, f"textbook random walk; {_EXPECTED} (the median is lower)"
        ),
        Scenario(
            "BTC 2020-03 (real)",
            _real,
            None,
            None,
            "real BTC-USD daily bars, March 2020 (the COVID crash, -37 % on 12 March); "
            "one path, so the histogram shows one outcome per product",
            {"dataset": "btc-usd-daily", "start": "2020-03-01", "end": "2020-03-31"},
            replay=True,
        ),
        Scenario(
            "BTC 2021-05 (real)",
            _real,
            None,
            None,
            "real BTC-USD daily bars, May 2021 (from 58k to 37k USD, -14 % on 19 May); one path",
            {"dataset": "btc-usd-daily", "start": "2021-05-01", "end": "2021-05-31"},
            replay=True,
        ),
        Scenario(
            "BTCUSDT June 2022 hourly (real)",
            _real,
            None,
            None,
            "real Binance BTCUSDT hourly bars, June 2022 (the fall from 32k to 20k USD); one path",
            {"dataset": "btcusdt-1h", "start": "2022-06-01", "end": "2022-06-30"},
            replay=True,
        ),
    )
}


def _scenarios(scenarios) -> dict[str, Scenario]:
    """The playground's choices: defaults, a list of Scenario, or name -> preset changes."""
    if scenarios is None:
        return dict(SCENARIOS)
    if isinstance(scenarios, Mapping):
        out = dict(SCENARIOS)
        for name, change in scenarios.items():
            if isinstance(change, Scenario):
                out[str(name)] = change
            elif isinstance(change, Mapping):
                if name not in out:
                    raise ValueError(
                        f"scenarios: {name!r} is not a scenario to change; "
                        f"known: {list(out)!r} (pass a Scenario to add one)"
                    )
                out[name] = out[name].but(**change)
            else:
                raise TypeError(
                    f"scenarios[{name!r}] must be a Scenario or a dict of presets, got {change!r}"
                )
        return out
    if isinstance(scenarios, Sequence) and not isinstance(scenarios, str):
        out = {}
        for s in scenarios:
            if not isinstance(s, Scenario):
                raise TypeError(f"scenarios must hold Scenario objects, got {s!r}")
            out[s.name] = s
        if not out:
            raise ValueError("scenarios must not be empty")
        return out
    raise TypeError(
        "scenarios must be None, a list of Scenario or a dict of name -> presets, "
        f"got {scenarios!r}"
    )


def make_market(
    scenario: str = "GBM",
    vol: float = 80.0,
    drift: float = 0.0,
    days: int = 365,
    paths: int = 1000,
    seed: int = 0,
) -> Market:
    """The market of one default playground scenario, daily steps, held in memory.

    Parameters
    ----------
    scenario : str
        One of :data:`SCENARIOS`.
    vol : float
        Annualised volatility in per cent (80 = 80% a year).
    drift : float
        Drift in per cent a year; its meaning depends on the scenario (see
        ``SCENARIOS[scenario].help``); ignored for "Sideways".
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
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {list(SCENARIOS)!r}, got {scenario!r}")
    days = check_int("days", days, low=2, high=3650)
    s = SCENARIOS[scenario]
    return s.market(
        vol=vol if s.vol is not None else None,
        drift=drift if s.drift is not None else None,
        days=days,
        paths=paths,
        seed=seed,
    )


# ----------------------------------------------------------------------------- products

#: Token rules of the playground: name -> leverage -> LeveragedToken (with the issuer's fee).
TOKEN_RULES: dict[str, Callable[[float], LeveragedToken]] = {
    "Daily rebalance": lambda lev: LeveragedToken(lev, management_fee=0.0001),
    "FTX-style (daily + 4/3 cap)": LeveragedToken.ftx,
    "Bybit-style (band +-1x)": LeveragedToken.bybit,
    "KuCoin-style (daily + 15% move)": LeveragedToken.kucoin,
    "Gate-style (band)": LeveragedToken.gate,
}
_TOKEN_RULES = TOKEN_RULES

#: Product switches of the playground, by the name used in ``playground(products=...)``.
PRODUCTS: dict[str, str] = {
    "spot": "Spot",
    "token": "Leveraged token",
    "perp": "Perpetual",
    "smart": "Smart Leverage",
}

#: Cost levels: what each product is charged.
COSTS: dict[str, str] = {
    "No costs": "nothing is charged: the products' rules alone",
    "Fees and funding": (
        "tokens: the issuer's management fee; perpetual: 0.05% per trade and 0.01% "
        "funding every 8 hours; Smart Leverage: 0.01% a day"
    ),
    "Fees, funding and trading costs": (
        "as above, plus 0.05% of every token and Smart Leverage rebalance and 0.01% "
        "funding every 8 hours passed into their NAV"
    ),
}

_SMART_POLICIES = ("Volatility target", "Band (BLVT-like)", "Trend", "CPPI floor")
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
    ("leverage_peak", "Peak leverage, typical path", "x"),
    ("leverage_max", "Peak leverage, any path", "x"),
    ("rebalances", "Trades per path", "num"),
    ("costs", "Costs paid", "pct"),
    ("liquidated", "Liquidated", "pct"),
    ("wiped_out", "Wiped out (NAV 0)", "pct"),
)

_TIPS = {
    "leverage_peak": "median over paths of each path's highest realised leverage",
    "leverage_max": (
        "highest realised leverage seen on any path; a perpetual's leverage is position / "
        "margin left, so it climbs as the price moves against it"
    ),
}


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
        :data:`smartlev.METRICS` (plus ``leverage_peak``, the median of each path's
        highest leverage, when present).
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
        tip = html.escape(_TIPS.get(col, METRICS.get(col, col)), quote=True)
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


def _perp_note(names: Sequence[str], perps: Mapping[str, Perpetual]) -> str:
    """Why a perpetual's peak leverage is far above the leverage it was opened with."""
    if not perps:
        return ""
    name, p = next(iter(perps.items()))
    top = 1.0 / p.maintenance_margin
    return (
        f"<p style='color:#555;font-size:12px;max-width:560px;margin:4px 8px'>"
        f"{html.escape(name)} opens at {abs(p.leverage):g}x, but its leverage is the "
        f"position divided by the margin left: it climbs while the price moves against it, "
        f"up to about {top:.0f}x (1 / maintenance margin) just before liquidation. That is "
        f"why its peak leverage in the table can be far above {abs(p.leverage):g}x.</p>"
    )


# ----------------------------------------------------------------------------- playground


class Playground(Dashboard):
    """The course playground (see :func:`playground`)."""

    def __init__(
        self,
        paths: int = 1000,
        days: int = 365,
        seed: int = 0,
        *,
        scenario: str | None = None,
        scenarios=None,
        products: Sequence[str] = ("spot", "token", "perp", "smart"),
        token_leverage: float = 3.0,
        token_rules: str = "Daily rebalance",
        perp_leverage: int = 10,
        smart_policy: str = "Volatility target",
        smart_max: float = 4.0,
        costs: str = "No costs",
    ) -> None:
        self.paths = check_int("paths", paths, low=1, high=100_000)
        days = check_int("days", days, low=30, high=3650)
        seed = check_int("seed", seed, low=0, high=2**31 - 1)
        self.scenarios = _scenarios(scenarios)
        if scenario is None:
            scenario = "GBM" if "GBM" in self.scenarios else next(iter(self.scenarios))
        scenario = check_choice("scenario", scenario, tuple(self.scenarios))
        if isinstance(products, str) or not isinstance(products, Sequence):
            raise TypeError(f"products must be a list of names, got {products!r}")
        for p in products:
            check_choice("products", p, tuple(PRODUCTS))
        token_rules = check_choice("token_rules", token_rules, tuple(TOKEN_RULES))
        smart_policy = check_choice("smart_policy", smart_policy, _SMART_POLICIES)
        costs = check_choice("costs", costs, tuple(COSTS))
        token_leverage = check_real("token_leverage", token_leverage, low=1.5, high=5.0)
        perp_leverage = check_int("perp_leverage", perp_leverage, low=1, high=100)
        smart_max = check_real("smart_max", smart_max, low=1.5, high=8.0)

        self.market: Market | None = None
        self._market_key: tuple | None = None
        self._cache: dict[object, object] = {}
        self._drawn: dict[str, object] = {}
        self.results: dict[str, object] = {}
        self.metrics = pd.DataFrame()
        self.timings: dict[str, float] = {}

        c = {}
        c["scenario"] = _dropdown("Scenario", self.scenarios, scenario)
        c["scenario"].add_class("sl-scenario")
        c["vol"] = _slider(widgets.FloatSlider, "Volatility (% a year)", 80.0, 10.0, 200.0, 5.0)
        c["drift"] = _slider(widgets.FloatSlider, "Drift (% a year)", 0.0, -90.0, 300.0, 10.0)
        c["days"] = _slider(widgets.IntSlider, "Horizon (days)", days, 30, max(730, days), 5)
        c["seed"] = widgets.BoundedIntText(
            value=min(seed, 99_999), min=0, max=99_999, layout=widgets.Layout(width="120px")
        )
        c["seed"].sl_label = "Seed (another set of paths)"
        for key, label in PRODUCTS.items():
            c[key] = _checkbox(label, key in products)
        c["token_lev"] = _slider(
            widgets.FloatSlider, "Token leverage (x)", token_leverage, 1.5, 5.0, 0.5
        )
        c["token_rules"] = _dropdown("Token rules", TOKEN_RULES, token_rules)
        c["perp_lev"] = _slider(
            widgets.IntSlider, "Perpetual leverage at entry (x)", perp_leverage, 1, 100, 1
        )
        c["smart_policy"] = _dropdown("Smart Leverage policy", _SMART_POLICIES, smart_policy)
        c["smart_max"] = _slider(
            widgets.FloatSlider, "Smart Leverage max leverage (x)", smart_max, 1.5, 8.0, 0.25
        )
        c["costs"] = _dropdown("Costs", COSTS, costs)
        c["log_nav"] = _checkbox("Log scale for the NAV fan", False)
        c["path"] = _dropdown("Leverage chart: the path with the", _PATH_CHOICES)

        self.help = widgets.HTML()
        self.cost_help = widgets.HTML()
        chart_box = {"min_width": "0", "margin": "0 8px 8px 0"}
        self.out_fan = widgets.Output(layout=widgets.Layout(**chart_box))
        self.out_lev = widgets.Output(layout=widgets.Layout(**chart_box))
        self.out_hist = widgets.Output(layout=widgets.Layout(**chart_box))
        self.table = widgets.HTML()
        self.table.add_class("sl-metrics")
        self.note = widgets.HTML()
        market_box = column(
            "Market", c["scenario"], self.help, c["vol"], c["drift"], c["days"], c["seed"]
        )
        ticks = widgets.GridBox(
            [c[k] for k in PRODUCTS],
            layout=widgets.Layout(grid_template_columns="repeat(2, auto)", width="100%"),
        )
        product_box = column(
            "Products",
            ticks,
            c["token_lev"],
            c["token_rules"],
            c["perp_lev"],
            c["smart_policy"],
            c["smart_max"],
        )
        view_box = column("Costs and view", c["costs"], self.cost_help, c["log_nav"], c["path"])
        metrics_box = widgets.VBox(
            [widgets.HTML("<b>Metrics</b>"), self.table, self.note],
            layout=widgets.Layout(margin="0 8px 8px 0"),
        )
        children = [
            widgets.HTML(
                f"<h3 style='margin:4px 0'>Leverage playground</h3>"
                f"<span style='color:#555'>{self.paths:,} simulated paths, one price a day "
                "(or one replay of real prices). "
                "Move any control: every product runs again on the same price paths.</span>"
            ),
            wrap_row(market_box, product_box, view_box),
            wrap_row(self.out_fan, self.out_lev),
            wrap_row(self.out_hist, metrics_box),
        ]
        super().__init__(c, children, "sl-playground")
        self._apply_scenario_presets(c["scenario"].value)
        self._show_cost_help()
        self.update()

    # -- control logic

    def _apply_scenario_presets(self, name: str) -> None:
        s = self.scenarios[name]
        c = self.controls
        with self.hold_updates():
            for key in ("vol", "drift"):
                preset = getattr(s, key)
                if preset is not None:
                    c[key].value = preset
                c[key].disabled = preset is None
            for key in ("days", "seed"):  # a replay of real prices is what it is
                c[key].disabled = s.replay
        self.help.value = f"<span style='color:#555;font-size:12px'>{html.escape(s.help)}</span>"

    def _show_cost_help(self) -> None:
        text = COSTS[self.controls["costs"].value]
        self.cost_help.value = f"<span style='color:#555;font-size:12px'>{html.escape(text)}</span>"

    def _on_change(self, change) -> None:
        # a new scenario brings its own volatility and drift (one update, not three)
        if change["owner"] is self.controls["scenario"]:
            self._apply_scenario_presets(change["new"])
        if change["owner"] is self.controls["costs"]:
            self._show_cost_help()
        if not self._holding:
            self.update()

    def products(self) -> dict[str, object]:
        """The products currently selected, by legend name."""
        c = self.controls
        level = list(COSTS).index(c["costs"].value)  # 0 none, 1 fees, 2 all
        out: dict[str, object] = {}
        if c["spot"].value:
            out["Spot"] = Spot()
        if c["token"].value:
            lev = float(c["token_lev"].value)
            tok = TOKEN_RULES[c["token_rules"].value](lev)
            if level == 0:
                tok = dataclasses.replace(tok, management_fee=0.0)
            elif level == 2:
                tok = dataclasses.replace(tok, trading_cost=0.0005, funding_rate=0.0001)
            out[f"{lev:g}x token"] = tok
        if c["perp"].value:
            lev = int(c["perp_lev"].value)
            fees = {"fee": 0.0005, "funding_rate": 0.0001} if level else {}
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
            fees = {}
            if level >= 1:
                fees["management_fee"] = 0.0001
            if level == 2:
                fees.update(trading_cost=0.0005, funding_rate=0.0001)
            out["Smart Leverage"] = SmartLeverage(
                policy=policy, min_leverage=lo, max_leverage=hi, **fees
            )
        return out

    def _get_market(self) -> Market:
        c = self.controls
        s = self.scenarios[c["scenario"].value]
        key = (
            s,
            None if s.vol is None else float(c["vol"].value),
            None if s.drift is None else float(c["drift"].value),
            None if s.replay else int(c["days"].value),
            None if s.replay else int(c["seed"].value),
            self.paths,
        )
        if key != self._market_key:
            self.market = s.market(
                vol=key[1],
                drift=key[2],
                days=int(c["days"].value),
                paths=self.paths,
                seed=int(c["seed"].value),
            )
            self._market_key = key
            self._cache.clear()
        return self.market

    # -- drawing

    def _render(self) -> str:
        t0 = time.perf_counter()
        market = self._get_market()
        t1 = time.perf_counter()
        products = self.products()
        # one product after the other: each run takes 2-60 ms at 1,000 paths x 365 days,
        # and a thread pool saved 10-25 ms of a 90-190 ms update (measured): not worth it
        for p in dict.fromkeys(products.values()):
            if p not in self._cache:
                self._cache[p] = simulate(p, market, history=True)
        results = {name: self._cache[p] for name, p in products.items()}
        self.results = results
        t2 = time.perf_counter()
        if not results:
            self.metrics = pd.DataFrame()
            for out in (self.out_fan, self.out_lev, self.out_hist):
                show_text(out, "Tick at least one product.")
            self.table.value = "<i>No product selected.</i>"
            self.note.value = ""
            self._drawn.clear()
            self.timings = {"market": t1 - t0, "simulate": t2 - t1, "draw": 0.0}
            return ""
        # redraw only what changed: a view option touches one chart
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
            shown = self.metrics.copy()
            shown.insert(
                list(shown.columns).index("leverage_max"),
                "leverage_peak",
                [float(np.median(r.leverage_max)) for r in results.values()],
            )
            self.table.value = metrics_html(shown)
            perps = {k: p for k, p in products.items() if isinstance(p, Perpetual)}
            self.note.value = _perp_note(list(products), perps)
            self._drawn["table"] = key
        if self._drawn.get("fan") != (key, log_nav):
            show_chart(
                self.out_fan,
                plots.nav_fan.spec(
                    t,
                    {k: r.nav for k, r in results.items()},
                    title=f"NAV across {market.paths:,} path{'s' * (market.paths > 1)}"
                    f" - {market.name}",
                    log_scale=log_nav,
                    width=380,
                    height=240,
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
            show_chart(
                self.out_lev,
                plots.leverage_chart.spec(
                    t,
                    {k: r.leverage[i] for k, r in results.items()},
                    reasons,
                    REASONS,
                    title=f"Effective leverage on path {i} (price {change:+.0f}%)",
                    width=380,
                    height=240,
                    max_points=200,
                ),
            )
            self._drawn["lev"] = (key, pick)
        if self._drawn.get("hist") != key and market.paths == 1:
            # one path (a replay of real prices): a histogram of one value per product
            # says nothing, so show each product's final NAV as a bar
            finals = pd.DataFrame(
                {
                    "product": list(results),
                    "final NAV": [float(r.final_nav[0]) for r in results.values()],
                }
            )
            show_chart(
                self.out_hist,
                plots.bar_chart(
                    finals,
                    "product",
                    "final NAV",
                    "product",
                    title=f"One real path: final NAV after {market.days:.3g} days (start = 1)",
                    x_title="Product",
                    y_title="Final NAV (start = 1)",
                    width=380,
                    height=220,
                ),
            )
            self._drawn["hist"] = key
        if self._drawn.get("hist") != key:
            show_chart(
                self.out_hist,
                plots.outcome_histogram.spec(
                    {k: r.final_nav for k, r in results.items()},
                    bins=30,
                    title=f"Final NAV after {market.days:g} days",
                    log_x=True,
                    zeros="apart",
                    width=380,
                    height=220,
                ),
            )
            self._drawn["hist"] = key
        t3 = time.perf_counter()
        self.timings = {"market": t1 - t0, "simulate": t2 - t1, "draw": t3 - t2}
        return ""


def playground(
    paths: int = 1000,
    days: int = 365,
    seed: int = 0,
    *,
    scenario: str | None = None,
    scenarios=None,
    products: Sequence[str] = ("spot", "token", "perp", "smart"),
    token_leverage: float = 3.0,
    token_rules: str = "Daily rebalance",
    perp_leverage: int = 10,
    smart_policy: str = "Volatility target",
    smart_max: float = 4.0,
    costs: str = "No costs",
) -> Playground:
    """One dashboard to compare spot, a leveraged token, a perpetual and Smart Leverage.

    Pick a market scenario and its volatility, drift, horizon and seed; tick the
    products and set their leverage, rules and costs. Every product runs on the same
    simulated price paths, and the dashboard shows the NAV fan, the realised leverage on
    one path (with the reasons Smart Leverage traded), where the money ends up (final
    NAV on a log axis; paths that end at zero are counted apart) and a metrics table.
    The keyword arguments set the dials' starting positions, so a lesson can open the
    playground on the products and costs it has just taught.

    Parameters
    ----------
    paths : int
        Number of simulated price paths (one price a day).
    days : int
        Initial horizon in days (30 to 3650).
    seed : int
        Initial seed.
    scenario : str, optional
        Market chosen at the start (default "GBM", else the first choice).
    scenarios : None, list of Scenario, or dict
        The market choices: the defaults (:data:`SCENARIOS`), exactly the given
        :class:`Scenario` objects, or the defaults with some presets changed, e.g.
        ``{"Trend up": {"drift": 150}, "Crash": {"drop": 0.3}}`` (drift and vol in per
        cent a year; ``drop`` is the crash's fall as a fraction).
    products : list of str
        Products ticked at the start, among ``"spot"``, ``"token"``, ``"perp"``,
        ``"smart"`` (the others can still be ticked).
    token_leverage : float
        Leverage of the token (1.5 to 5).
    token_rules : str
        One of :data:`TOKEN_RULES`.
    perp_leverage : int
        Leverage of the perpetual at entry (1 to 100).
    smart_policy : str
        "Volatility target", "Band (BLVT-like)", "Trend" or "CPPI floor".
    smart_max : float
        Smart Leverage's leverage ceiling (1.5 to 8; the floor is 1.25x).
    costs : str
        One of :data:`COSTS`: "No costs", "Fees and funding" (management fees, the
        perpetual's trading fee and funding) or "Fees, funding and trading costs".

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
    so moving a product dial re-runs one product only, and a chart is redrawn only when
    its inputs changed. Products run one after the other: at 1,000 paths x 365 days a
    run takes 2-60 ms and a thread pool saved too little to notice. The first run on a
    new market generates its paths and the market keeps them (it is small: see
    :data:`smartlev.market.KEEP_PRICES`), so the other products read them from memory.
    Charts are sent as Vega-Lite dicts made from kept layouts (the builders' ``spec``;
    see :mod:`smartlev.teach.plots`, "Fast redraws"): about 15-20 ms for the three
    charts and the table, instead of 60-80 ms through Altair's objects.

    Examples
    --------
    >>> from smartlev.teach.widgets import playground
    >>> pg = playground(paths=50, days=60)
    >>> "sl-playground" in pg._dom_classes, pg.last_error is None
    (True, True)
    >>> list(pg.metrics.index)
    ['Spot', '3x token', 'Perpetual 10x', 'Smart Leverage']
    >>> list(playground(paths=20, days=30, products=("spot", "smart")).metrics.index)
    ['Spot', 'Smart Leverage']
    """
    return Playground(
        paths=paths,
        days=days,
        seed=seed,
        scenario=scenario,
        scenarios=scenarios,
        products=products,
        token_leverage=token_leverage,
        token_rules=token_rules,
        perp_leverage=perp_leverage,
        smart_policy=smart_policy,
        smart_max=smart_max,
        costs=costs,
    )


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
        four products re-simulated); ``"redraw"``: the log-axis option changed (one
        chart redrawn, no simulation); plus ``"market_change_simulate"`` and
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
