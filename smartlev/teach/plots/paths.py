"""Charts over time of whole paths: sample NAV paths of each product (:func:`nav_paths`),
percentile fans of NAV across paths (:func:`nav_fan`) and price paths with labelled
horizontal lines (:func:`price_chart`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..._validate import check_int, check_real
from ._checks import _as_series_dict, _check_size, _check_text, _time_axis
from ._data import (
    MAX_ROWS,
    MAX_TIME_POINTS,
    _budget_points,
    _inline,
    _percentiles,
    _records,
    thin_index,
)
from ._figure import _builder, _Figure
from ._style import _LOG_FLOOR, _color, _day_span, _fast, _nav_y, _title, _x_days


@_fast
def nav_paths(
    time_days: object,
    navs: Mapping[str, object],
    n_paths: int = 20,
    title: str = "Sample NAV paths",
    log_scale: bool = False,
    *,
    width: int = 560,
    height: int = 300,
    max_rows: int = MAX_ROWS,
    max_points: int = MAX_TIME_POINTS,
) -> alt.LayerChart:
    """A few sample NAV paths of each product, on the same price paths.

    Parameters
    ----------
    time_days : array_like or None
        Time of each column in days (``Market.time_days``); None for 0, 1, 2, ...
    navs : dict of str to array_like
        Product name -> NAV array of shape ``(paths, T)`` (or ``(T,)`` for one path).
    n_paths : int
        Paths drawn per product: the first ``n_paths``, so every product is shown on
        the same price paths.
    title : str
        Chart title.
    log_scale : bool
        Log NAV axis (NAVs are clipped at 1e-4 so a wiped-out product stays visible).
    width, height : int
        Size in pixels.
    max_rows, max_points : int
        Row budget of the chart and largest number of time points per line. Time is
        thinned first (down to 50 points per line), then fewer paths are shown.

    Returns
    -------
    altair.LayerChart
        Thin lines coloured by product plus a dashed rule at the start value 1.

    Notes
    -----
    Each line is one simulated NAV :math:`V_t / V_0` of one product on one path.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> t = np.arange(366.0)
    >>> navs = {"Spot": np.ones((30, 366)), "3x token": np.ones((30, 366))}
    >>> c = plots.nav_paths(t, navs, n_paths=5)
    >>> c.to_dict()["title"]["text"], len(plots.chart_data(c)) <= plots.MAX_ROWS
    ('Sample NAV paths', True)
    """
    series = _as_series_dict("navs", navs)
    n_paths = check_int("n_paths", n_paths, low=1)
    max_rows = check_int("max_rows", max_rows, low=10)
    max_points = check_int("max_points", max_points, low=2)
    width, height = _check_size(width, height)
    T = {a.shape[-1] for a in series.values()}
    if len(T) != 1:
        raise ValueError(f"navs must all have the same number of time points, got {sorted(T)}")
    (T,) = T
    t = _time_axis(time_days, T)
    shown = min(n_paths, min(np.atleast_2d(a).shape[0] for a in series.values()))
    points = _budget_points(max_rows, shown * len(series), max_points, floor=1)
    if points < min(50, T):  # keep lines readable: show fewer paths instead
        points = min(50, T, max_points)
        shown = max(1, min(shown, max_rows // (points * len(series))))
    idx = thin_index(T, points)
    frames = []
    for name, a in series.items():
        a = np.atleast_2d(a)[:shown][:, idx]
        if log_scale:
            a = np.maximum(a, _LOG_FLOOR)
        frames.append(
            pd.DataFrame(
                {
                    "day": np.tile(t[idx], shown),
                    "nav": a.ravel(),
                    "product": name,
                    "path": np.repeat(np.arange(shown), idx.size),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    names = list(series)
    lines = (
        alt.Chart()
        .mark_line(strokeWidth=1, opacity=0.55)
        .encode(
            x=_x_days(t),
            y=_nav_y(log_scale),
            color=_color(names),
            detail=alt.Detail("path:N"),
            tooltip=[
                alt.Tooltip("product:N"),
                alt.Tooltip("path:N"),
                alt.Tooltip("day:Q"),
                alt.Tooltip("nav:Q", format=".3f"),
            ],
        )
    )
    start = (
        alt.Chart(_records({"y": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#777777")
        .encode(y=alt.Y("y:Q"))
    )
    sub = f"{shown} path{'s' if shown > 1 else ''} per product; dashed line: start value"
    return alt.layer(
        lines, start, data=_inline(df), title=_title(title, sub), width=width, height=height
    )


def _pair_percentiles(percentiles: object) -> list[tuple[float, float]]:
    if isinstance(percentiles, (str, bytes)) or not isinstance(percentiles, Sequence | np.ndarray):
        raise TypeError(f"percentiles must be a sequence of numbers, got {percentiles!r}")
    ps = sorted({check_real("percentiles", p, low=0.0, high=100.0) for p in percentiles} - {50.0})
    lo = [p for p in ps if p < 50]
    hi = [p for p in ps if p > 50][::-1]
    if len(lo) != len(hi):
        raise ValueError(
            "percentiles must pair up around the median (as many below 50 as above), "
            f"got {tuple(percentiles)!r}"
        )
    return list(zip(lo, hi, strict=True))


@_builder
def nav_fan(
    time_days: object,
    navs: Mapping[str, object],
    percentiles: Sequence[float] = (5, 25, 50, 75, 95),
    title: str = "NAV across paths",
    log_scale: bool = False,
    *,
    width: int = 560,
    height: int = 300,
    max_rows: int = MAX_ROWS,
    max_points: int = 250,
) -> alt.LayerChart:
    """Percentile bands of NAV over time (a fan) and the median path, per product.

    Parameters
    ----------
    time_days : array_like or None
        Time of each column in days; None for 0, 1, 2, ...
    navs : dict of str to array_like
        Product name -> NAV array ``(paths, T)``.
    percentiles : sequence of float
        Percentiles (0-100). Those below and above 50 pair up into bands, outermost
        first: the default draws a 5-95 band, a 25-75 band and the median line.
    title : str
        Chart title.
    log_scale : bool
        Log NAV axis (values clipped at 1e-4).
    width, height : int
        Size in pixels.
    max_rows, max_points : int
        Row budget (one row per product and time point) and time points per product
        (250 by default: a fan stores seven numbers per point, and bands stay smooth).

    Returns
    -------
    altair.LayerChart
        ``nav_fan.spec(...)`` returns the same chart as a Vega-Lite dict, faster (see
        :mod:`smartlev.teach.plots`, "Fast redraws").

    Notes
    -----
    At each time :math:`t` the band between percentiles :math:`p` and :math:`q` holds
    the middle :math:`q - p` per cent of the simulated NAVs :math:`V_t`; the line is the
    median. A band says nothing about a single path's route: use :func:`nav_paths`.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> navs = {"Spot": np.ones((50, 31)), "Smart Leverage": np.ones((50, 31))}
    >>> c = plots.nav_fan(np.arange(31.0), navs)
    >>> c.to_dict()["title"]["text"]
    'NAV across paths'
    >>> sorted(plots.chart_data(c).columns)
    ['day', 'p25', 'p5', 'p50', 'p75', 'p95', 'product']
    """
    series = _as_series_dict("navs", navs)
    pairs = _pair_percentiles(percentiles)
    max_rows = check_int("max_rows", max_rows, low=10)
    max_points = check_int("max_points", max_points, low=2)
    width, height = _check_size(width, height)
    T = {a.shape[-1] for a in series.values()}
    if len(T) != 1:
        raise ValueError(f"navs must all have the same number of time points, got {sorted(T)}")
    (T,) = T
    t = _time_axis(time_days, T)
    idx = thin_index(T, _budget_points(max_rows, len(series), max_points))
    qs, cols = _fan_columns(pairs)
    pct = []
    for a in series.values():
        p = _percentiles(np.atleast_2d(a)[:, idx], qs)
        pct.append(np.maximum(p, _LOG_FLOOR) if log_scale else p)
    names = list(series)
    data = {
        "day": np.tile(t[idx], len(names)),
        "product": np.repeat(np.array(names, dtype=object), idx.size),
    }
    data.update({cols[q]: np.concatenate([p[i] for p in pct]) for i, q in enumerate(qs)})
    bands = ", ".join(f"{lo:g}-{hi:g}%" for lo, hi in pairs)
    sub = f"line: median path value; shaded: {bands} of paths" if pairs else "line: median"
    layout = (tuple(names), tuple(pairs), bool(log_scale), _day_span(t), width, height)
    return _Figure(_fan_layout, layout, data, _title(title, sub))


def _fan_columns(pairs: Sequence[tuple[float, float]]) -> tuple[list[float], dict[float, str]]:
    """The percentiles of a fan (the median and every band's ends) and their columns."""
    qs = sorted({50.0, *[p for pr in pairs for p in pr]})
    return qs, {q: "p" + (f"{q:g}".replace(".", "_")) for q in qs}


def _fan_layout(names, pairs, log_scale, days, width, height) -> alt.LayerChart:
    """The layers of :func:`nav_fan`: one area per band, the median line on top."""
    qs, cols = _fan_columns(pairs)
    color = _color(names)
    x = _x_days(days)
    layers = []
    for k, (lo, hi) in enumerate(pairs):
        op = 0.12 + 0.14 * k
        layers.append(
            alt.Chart()
            .mark_area(opacity=op, orient="vertical")
            .encode(
                x=x,
                y=_nav_y(log_scale, field=cols[lo]),
                y2=alt.Y2(f"{cols[hi]}:Q"),
                color=color,
            )
        )
    layers.append(
        alt.Chart()
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=_nav_y(log_scale, field="p50"),
            color=color,
            tooltip=[
                alt.Tooltip("product:N"),
                alt.Tooltip("day:Q", format=".1f"),
                *[alt.Tooltip(f"{cols[q]}:Q", format=".3f", title=f"{q:g}th pct") for q in qs],
            ],
        )
    )
    return alt.layer(*layers, width=width, height=height)


@_fast
def price_chart(
    time_days: object,
    prices: object,
    title: str = "Price",
    *,
    n_paths: int = 20,
    log_scale: bool = False,
    y_title: str = "Price (USD)",
    hlines: Mapping[str, float] | None = None,
    width: int = 560,
    height: int = 300,
    max_rows: int = MAX_ROWS,
    max_points: int = MAX_TIME_POINTS,
) -> alt.LayerChart:
    """Price path(s) over time, with optional labelled horizontal lines.

    Parameters
    ----------
    time_days : array_like or None
        Time of each point in days; None for 0, 1, 2, ...
    prices : array_like or dict of str to array_like
        One path ``(T,)``, several paths ``(paths, T)`` (the first ``n_paths`` are
        drawn), or a dict of named series (each 1-D or 2-D) drawn in different colours.
    title : str
        Chart title.
    n_paths : int
        Largest number of paths drawn per series.
    log_scale : bool
        Log price axis.
    y_title : str
        Price axis title, with its unit.
    hlines : dict of str to float, optional
        Horizontal reference lines, e.g. ``{"Liquidation price": 90.9}``; each gets a
        legend entry.
    width, height : int
        Size in pixels.
    max_rows, max_points : int
        Row budget and time points per line.

    Returns
    -------
    altair.LayerChart

    Notes
    -----
    A bare array is named "Price" and drawn in the Spot colour: holding spot is
    holding the price.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> c = plots.price_chart(None, np.full((3, 10), 100.0), hlines={"Liquidation price": 91.0})
    >>> c.to_dict()["title"]["text"], plots.chart_data(c)["series"].unique().tolist()
    ('Price', ['Price'])
    """
    series = _as_series_dict("prices", prices, default="Price")
    n_paths = check_int("n_paths", n_paths, low=1)
    max_rows = check_int("max_rows", max_rows, low=10)
    max_points = check_int("max_points", max_points, low=2)
    y_title = _check_text("y_title", y_title)
    width, height = _check_size(width, height)
    T = {a.shape[-1] for a in series.values()}
    if len(T) != 1:
        raise ValueError(f"prices must all have the same number of time points, got {sorted(T)}")
    (T,) = T
    t = _time_axis(time_days, T)
    lines = {}
    for name, a in series.items():
        lines[name] = np.atleast_2d(a)[:n_paths]
    if log_scale and any((a <= 0).any() for a in lines.values()):
        raise ValueError("prices must be > 0 for log_scale=True")
    n_series = sum(a.shape[0] for a in lines.values())
    idx = thin_index(T, _budget_points(max_rows, n_series, max_points))
    frames = []
    for name, a in lines.items():
        a = a[:, idx]
        frames.append(
            pd.DataFrame(
                {
                    "day": np.tile(t[idx], a.shape[0]),
                    "value": a.ravel(),
                    "series": name,
                    "path": np.repeat(np.arange(a.shape[0]), idx.size),
                }
            )
        )
    rules = {}
    if hlines is not None:
        if not isinstance(hlines, Mapping):
            raise TypeError(f"hlines must be a dict of name -> price, got {hlines!r}")
        rules = {str(k): check_real(f"hlines[{k!r}]", v) for k, v in hlines.items()}
    df = pd.concat(frames, ignore_index=True)
    names = list(lines) + list(rules)
    color = _color(names, field="series", title="Series")
    many = n_series > len(lines)
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=False)
    layer = [
        alt.Chart()
        .mark_line(strokeWidth=1 if many else 1.8, opacity=0.6 if many else 1.0)
        .encode(
            x=_x_days(t),
            y=alt.Y("value:Q", title=y_title, scale=scale),
            color=color,
            detail=alt.Detail("path:N"),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("path:N"),
                alt.Tooltip("day:Q"),
                alt.Tooltip("value:Q", format=",.2f"),
            ],
        )
    ]
    if rules:
        rdf = _records({"value": list(rules.values()), "series": list(rules)})
        layer.append(
            alt.Chart(rdf)
            .mark_rule(strokeDash=[6, 3], strokeWidth=2)
            .encode(
                y=alt.Y("value:Q"),
                color=color,
                tooltip=[alt.Tooltip("series:N"), alt.Tooltip("value:Q")],
            )
        )
    return alt.layer(*layer, data=_inline(df), title=_title(title), width=width, height=height)
