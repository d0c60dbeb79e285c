"""Charts of where the paths end: the distribution of final NAVs as shared-bin histograms
(:func:`outcome_histogram`) and percentile boxes (:func:`outcome_box`), one metric per
product as bars (:func:`metrics_bar`), and one dot per path against the final price move
with an optional theory curve (:func:`scatter_final`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from ..._validate import check_choice, check_int, check_real
from ._checks import _as_array, _as_series_dict, _check_size, _check_text
from ._data import MAX_ROWS, MAX_TIME_POINTS, _inline, _records, thin_index
from ._figure import _builder, _Figure
from ._style import _LOG_FLOOR, _color, _fast, _title
from .colors import _color_map


def _finals(final_navs: object) -> dict[str, np.ndarray]:
    series = _as_series_dict("final_navs", final_navs, ndim=(1,), default="final NAV")
    return series


@_builder
def outcome_histogram(
    final_navs: Mapping[str, object],
    bins: int = 40,
    title: str = "Where the money ends up",
    log_x: bool = False,
    *,
    x_title: str = "Final NAV (start = 1)",
    bin_range: tuple[float, float] | None = None,
    zeros: str = "bin",
    width: int = 560,
    height: int = 260,
) -> alt.LayerChart:
    """Distribution of final NAVs across paths, one outline per product, shared bins.

    Parameters
    ----------
    final_navs : dict of str to array_like
        Product name -> final NAV of each path, shape ``(paths,)``.
    bins : int
        Number of bins (shared by all products), 2 to 400.
    title : str
        Chart title.
    log_x : bool
        Log-spaced bins and a log axis (NAVs clipped at 1e-4, so wiped-out paths land
        in the first bin).
    x_title : str
        Axis title, with its unit.
    bin_range : (float, float), optional
        Bin range; default: the 0.5th to 98th percentile of all values pooled (a few
        huge winners would otherwise squash the chart). Values outside the range are
        counted in the end bins, and the subtitle says so.
    zeros : {"bin", "apart"}
        Where paths that end at exactly 0 (liquidated, wiped out) go: into the first
        bin ("bin"), or out of the bars, their share per product written in the
        subtitle ("apart"). Use "apart" when a product is liquidated on most paths:
        one tall bar at 0 would flatten every other bar.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart
        Step outlines with a light fill, the share of paths per bin in per cent, and
        a dashed rule at 1 (the starting value). ``outcome_histogram.spec(...)`` returns
        the same chart as a Vega-Lite dict, faster.

    Notes
    -----
    The bar height is :math:`100\\, n_b / N` with :math:`n_b` the paths whose final NAV
    falls in bin :math:`b` and :math:`N` the number of paths of that product, so the
    bars of one product add up to 100 % (with ``zeros="apart"``: 100 % less the share at
    zero). Only the counts are embedded, never the paths.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> rng = np.random.default_rng(0)
    >>> c = plots.outcome_histogram({"Spot": rng.lognormal(0, .5, 500)}, bins=20)
    >>> d = plots.chart_data(c)
    >>> c.to_dict()["title"]["text"], len(d), round(d["share"].sum())
    ('Where the money ends up', 20, 100)
    """
    series = _finals(final_navs)
    bins = check_int("bins", bins, low=2, high=400)
    x_title = _check_text("x_title", x_title)
    zeros = check_choice("zeros", zeros, ("bin", "apart"))
    width, height = _check_size(width, height)
    n_paths = {k: v.size for k, v in series.items()}
    zero_share = {}
    if zeros == "apart":
        zero_share = {k: float(np.mean(v <= 0.0)) for k, v in series.items()}
        series = {k: v[v > 0.0] for k, v in series.items()}
        if not any(v.size for v in series.values()):
            series = {k: np.zeros(1) for k in series}  # all at zero: draw empty bars
            n_paths = {k: np.inf for k in series}
    allv = np.concatenate([v for v in series.values() if v.size] or [np.zeros(1)])
    if log_x:
        series = {k: np.maximum(v, _LOG_FLOOR) for k, v in series.items()}
        allv = np.maximum(allv, _LOG_FLOOR)
    if bin_range is not None:
        if not isinstance(bin_range, Sequence | np.ndarray) or len(bin_range) != 2:
            raise TypeError(f"bin_range must be a pair (low, high), got {bin_range!r}")
        lo = check_real("bin_range[0]", bin_range[0])
        hi = check_real("bin_range[1]", bin_range[1])
        if not hi > lo:
            raise ValueError(f"bin_range must have low < high, got {bin_range!r}")
        if log_x and lo <= 0:
            raise ValueError(f"bin_range must be > 0 with log_x=True, got {bin_range!r}")
    else:
        lo, hi = (float(v) for v in np.percentile(allv, [0.5, 98.0]))
        if log_x:
            lo = min(lo, float(allv.min())) if allv.min() <= _LOG_FLOOR else lo
        if not hi > lo:
            lo, hi = lo - 0.5 * max(abs(lo), 1e-3), hi + 0.5 * max(abs(hi), 1e-3)
            if log_x:
                lo = max(lo, _LOG_FLOOR)
    edges = np.geomspace(lo, hi, bins + 1) if log_x else np.linspace(lo, hi, bins + 1)
    centers = np.sqrt(edges[:-1] * edges[1:]) if log_x else 0.5 * (edges[:-1] + edges[1:])
    names = list(series)
    shares = [
        100.0 * np.histogram(np.clip(v, lo, hi), bins=edges)[0] / n_paths[name]
        for name, v in series.items()
    ]
    data = {
        "nav": np.tile(centers, len(names)),
        "bin_start": np.tile(edges[:-1], len(names)),
        "bin_end": np.tile(edges[1:], len(names)),
        "share": np.concatenate(shares),
        "product": np.repeat(np.array(names, dtype=object), bins),
    }
    rule = bool(lo <= 1.0 <= hi)
    notes = ["dashed line: start value"] if rule else []
    if (allv > hi).any():
        notes.append(f"last bin includes all NAVs above {hi:.3g}")
    if (allv < lo).any():
        notes.append(f"first bin includes all NAVs below {lo:.3g}")
    at_zero = [f"{k} {100 * z:.3g}%" for k, z in zero_share.items() if z > 0]
    if at_zero:
        notes.append("not drawn, ended at 0: " + ", ".join(at_zero))
    layout = (tuple(names), bool(log_x), x_title, rule, width, height)
    # one line per note: a title never wraps
    return _Figure(_histogram_layout, layout, data, _title(title, notes or None))


def _histogram_layout(names, log_x, x_title, rule, width, height) -> alt.LayerChart:
    """The layers of :func:`outcome_histogram`: a light fill and a step outline per
    product, and a dashed rule at 1 when ``rule``."""
    color = _color(names)
    scale = alt.Scale(type="log") if log_x else alt.Scale(zero=False)
    x = alt.X("nav:Q", title=x_title + (" (log scale)" if log_x else ""), scale=scale, stack=None)
    y = alt.Y("share:Q", title="Share of paths (%)", stack=None)
    tip = [
        alt.Tooltip("product:N"),
        alt.Tooltip("bin_start:Q", format=".3g", title="from"),
        alt.Tooltip("bin_end:Q", format=".3g", title="to"),
        alt.Tooltip("share:Q", format=".1f", title="% of paths"),
    ]
    fill = (
        alt.Chart()
        .mark_area(interpolate="step", opacity=0.18, orient="vertical")
        .encode(x=x, y=y, color=color)
    )
    line = (
        alt.Chart()
        .mark_line(interpolate="step", strokeWidth=1.8)
        .encode(x=x, y=y, color=color, tooltip=tip)
    )
    layers = [fill, line]
    if rule:
        layers.append(
            alt.Chart(_records({"nav": [1.0]}))
            .mark_rule(strokeDash=[4, 4], color="#777777")
            .encode(x=alt.X("nav:Q"))
        )
    return alt.layer(*layers, width=width, height=height)


@_fast
def outcome_box(
    final_navs: Mapping[str, object],
    title: str = "Spread of final NAV",
    log_x: bool = False,
    *,
    x_title: str = "Final NAV (start = 1)",
    width: int = 560,
    height: int | None = None,
) -> alt.LayerChart:
    """Box-and-whisker summary of final NAVs, one row per product.

    Parameters
    ----------
    final_navs : dict of str to array_like
        Product name -> final NAV of each path, shape ``(paths,)``.
    title : str
        Chart title.
    log_x : bool
        Log NAV axis (values clipped at 1e-4).
    x_title : str
        Axis title, with its unit.
    width, height : int
        Size in pixels (height defaults to 40 per product + 40).

    Returns
    -------
    altair.LayerChart
        Whiskers from the 5th to the 95th percentile, a box from the 25th to the 75th,
        a white tick at the median and a diamond at the mean.

    Notes
    -----
    The whiskers are percentiles, not Tukey fences: 90 % of the paths end between
    them. The mean sits above the median when a few paths win big, the usual shape
    for leveraged products.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> c = plots.outcome_box({"Spot": np.linspace(0.5, 2, 101), "3x token": np.ones(50)})
    >>> d = plots.chart_data(c).set_index("product")
    >>> c.to_dict()["title"]["text"], float(d.loc["Spot", "p50"])
    ('Spread of final NAV', 1.25)
    """
    series = _finals(final_navs)
    x_title = _check_text("x_title", x_title)
    if height is None:
        height = 40 * len(series) + 40
    width, height = _check_size(width, height)
    rows = []
    for name, v in series.items():
        if log_x:
            v = np.maximum(v, _LOG_FLOOR)
        p = np.percentile(v, [5, 25, 50, 75, 95])
        rows.append(
            {
                "product": name,
                "p5": p[0],
                "p25": p[1],
                "p50": p[2],
                "p75": p[3],
                "p95": p[4],
                "mean": float(v.mean()),
            }
        )
    df = pd.DataFrame(rows)
    names = list(series)
    scale = alt.Scale(type="log") if log_x else alt.Scale(zero=False)
    ytitle = alt.Y("product:N", title="Product", sort=names)
    xt = x_title + (" (log scale)" if log_x else "")
    color = _color(names)
    tip = [alt.Tooltip("product:N")] + [
        alt.Tooltip(f"{c}:Q", format=".3f") for c in ("p5", "p25", "p50", "p75", "p95", "mean")
    ]
    whisker = (
        alt.Chart()
        .mark_rule(strokeWidth=1.5)
        .encode(y=ytitle, x=alt.X("p5:Q", title=xt, scale=scale), x2=alt.X2("p95:Q"), color=color)
    )
    box = (
        alt.Chart()
        .mark_bar(size=18, opacity=0.85)
        .encode(
            y=ytitle, x=alt.X("p25:Q", scale=scale), x2=alt.X2("p75:Q"), color=color, tooltip=tip
        )
    )
    median = (
        alt.Chart()
        .mark_tick(color="white", thickness=2, size=18)
        .encode(y=ytitle, x=alt.X("p50:Q", scale=scale))
    )
    mean = (
        alt.Chart()
        .mark_point(shape="diamond", filled=True, size=60, color="#444444")
        .encode(y=ytitle, x=alt.X("mean:Q", scale=scale), tooltip=tip)
    )
    sub = "whiskers: 5th-95th percentile; box: 25th-75th; white tick: median; diamond: mean"
    return alt.layer(
        whisker,
        box,
        median,
        mean,
        data=_inline(df),
        title=_title(title, sub),
        width=width,
        height=height,
    )


@_fast
def metrics_bar(
    df: pd.DataFrame,
    metric: str,
    title: str | None = None,
    *,
    y_title: str | None = None,
    percent: bool = False,
    width: int = 420,
    height: int = 260,
) -> alt.LayerChart:
    """One metric per product as bars (e.g. a column of :func:`smartlev.compare`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per product, indexed by product name (or with a ``product`` or
        ``name`` column).
    metric : str
        The column to draw.
    title : str, optional
        Chart title (default: the metric's name).
    y_title : str, optional
        Value axis title with its unit (default: the metric's name, plus " (%)" when
        ``percent``).
    percent : bool
        Multiply by 100 (for fractions shown as per cent).
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart
        Bars coloured by product with the value written on each bar.

    Examples
    --------
    >>> import pandas as pd
    >>> from smartlev.teach import plots
    >>> df = pd.DataFrame({"median_nav": [1.0, 0.8]}, index=["Spot", "3x token"])
    >>> c = plots.metrics_bar(df, "median_nav", "Median final NAV")
    >>> c.to_dict()["title"]["text"], plots.chart_data(c)["value"].tolist()
    ('Median final NAV', [1.0, 0.8])
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    metric = _check_text("metric", metric)
    if metric not in df.columns:
        raise ValueError(f"metric must be one of the columns {list(df.columns)!r}, got {metric!r}")
    width, height = _check_size(width, height)
    if "product" in df.columns and metric != "product":
        names = df["product"].astype(str).tolist()
    elif "name" in df.columns and metric != "name":
        names = df["name"].astype(str).tolist()
    else:
        names = [str(i) for i in df.index]
    values = pd.to_numeric(df[metric], errors="coerce").to_numpy(dtype=float)
    if percent:
        values = 100.0 * values
    data = pd.DataFrame({"product": names, "value": values}).dropna()
    if data.empty:
        raise ValueError(f"metric {metric!r} has no numeric values to draw")
    if y_title is None:
        y_title = metric.replace("_", " ") + (" (%)" if percent else "")
    y_title = _check_text("y_title", y_title)
    title = metric.replace("_", " ") if title is None else title
    names = list(dict.fromkeys(data["product"]))
    x = alt.X("product:N", title="Product", sort=names, axis=alt.Axis(labelAngle=0))
    lo, hi = min(0.0, float(data["value"].min())), max(0.0, float(data["value"].max()))
    pad = 0.12 * (hi - lo) if hi > lo else 1.0
    y = alt.Y(
        "value:Q",
        title=y_title,
        scale=alt.Scale(domain=[lo - pad if lo < 0 else 0.0, hi + pad if hi > 0 else 0.0]),
    )
    fmt = ".1f" if percent else ".3g"
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=x,
            y=y,
            color=_color(names),
            tooltip=[alt.Tooltip("product:N"), alt.Tooltip("value:Q", format=fmt)],
        )
    )
    text = (
        alt.Chart()
        .mark_text(dy=-6, fontSize=11)
        .encode(
            x=x,
            y=y,
            text=alt.Text("value:Q", format=fmt),
        )
        .transform_filter("datum.value >= 0")
    )
    text_neg = (
        alt.Chart()
        .mark_text(dy=8, fontSize=11)
        .encode(x=x, y=y, text=alt.Text("value:Q", format=fmt))
        .transform_filter("datum.value < 0")
    )
    return alt.layer(
        bars, text, text_neg, data=_inline(data), title=_title(title), width=width, height=height
    )


@_fast
def scatter_final(
    x: object,
    y: object = None,
    *,
    name: str = "paths",
    curve_x: object = None,
    curve_y: object = None,
    curve_name: str = "Theory",
    title: str = "Final NAV against the final price move",
    x_title: str = "Final price / start price",
    y_title: str = "Final NAV (start = 1)",
    log_x: bool = False,
    log_y: bool = False,
    max_points: int = MAX_ROWS,
    width: int = 480,
    height: int = 320,
) -> alt.LayerChart:
    """One dot per path (e.g. final price ratio vs final NAV), with an optional curve.

    Parameters
    ----------
    x : array_like or dict of str to (array_like, array_like)
        x values of one series (with ``y``), or ``{name: (x, y)}`` for several.
    y : array_like, optional
        y values when ``x`` is an array.
    name : str
        Legend name of a single series.
    curve_x, curve_y : array_like, optional
        A reference curve (e.g. :func:`smartlev.theory.letf_ratio`) drawn as a line.
    curve_name : str
        Legend name of the curve.
    title, x_title, y_title : str
        Chart and axis titles (with units).
    log_x, log_y : bool
        Log axes (values must be > 0).
    max_points : int
        Dots embedded per chart; larger inputs are thinned evenly (paths are
        exchangeable, so this is a fair sample).
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart

    Notes
    -----
    With continuous rebalancing a constant-leverage product ends at
    :math:`V_T = (S_T/S_0)^L e^{-(L^2-L)\\sigma^2 T/2}`: the dots of a daily-rebalanced
    token scatter around that curve. The dots have a colour legend drawn with circles and
    the curve its own legend entry drawn as a dashed line.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> r = np.linspace(0.5, 1.5, 50)
    >>> c = plots.scatter_final(r, r**3, name="3x token", curve_x=r, curve_y=r**3)
    >>> c.to_dict()["title"]["text"], sorted(plots.chart_data(c)["series"].unique())
    ('Final NAV against the final price move', ['3x token', 'Theory'])
    """
    max_points = check_int("max_points", max_points, low=2)
    width, height = _check_size(width, height)
    name = _check_text("name", name)
    curve_name = _check_text("curve_name", curve_name)
    if isinstance(x, Mapping):
        if y is not None:
            raise ValueError("y must be None when x is a dict of name -> (x, y)")
        pairs = {}
        for k, v in x.items():
            if not isinstance(v, Sequence | np.ndarray) or len(v) != 2:
                raise ValueError(f"x[{k!r}] must be a pair (x values, y values)")
            pairs[str(k)] = (
                _as_array(f"x[{k!r}][0]", v[0], (1,)),
                _as_array(f"x[{k!r}][1]", v[1], (1,)),
            )
        if not pairs:
            raise ValueError("x must not be an empty dict")
    else:
        if y is None:
            raise ValueError("y is required when x is an array")
        pairs = {name: (_as_array("x", x, (1,)), _as_array("y", y, (1,)))}
    for k, (a, b) in pairs.items():
        if a.size != b.size:
            raise ValueError(f"x and y of {k!r} must have the same length, got {a.size}, {b.size}")
        if (log_x and (a <= 0).any()) or (log_y and (b <= 0).any()):
            raise ValueError(f"values of {k!r} must be > 0 on a log axis")
    per = max(1, max_points // len(pairs))
    frames = []
    for k, (a, b) in pairs.items():
        i = thin_index(a.size, max(per, 2)) if a.size > per else np.arange(a.size)
        frames.append(pd.DataFrame({"x": a[i], "y": b[i], "series": k, "kind": "path"}))
    names = list(pairs)
    if (curve_x is None) != (curve_y is None):
        raise ValueError("curve_x and curve_y must be given together")
    if curve_x is not None:
        cx = _as_array("curve_x", curve_x, (1,))
        cy = _as_array("curve_y", curve_y, (1,))
        if cx.size != cy.size:
            raise ValueError(
                f"curve_x and curve_y must have the same length, got {cx.size}, {cy.size}"
            )
        order = np.argsort(cx)
        i = thin_index(cx.size, MAX_TIME_POINTS)
        frames.append(
            pd.DataFrame(
                {"x": cx[order][i], "y": cy[order][i], "series": curve_name, "kind": "curve"}
            )
        )
        names.append(curve_name)
    df = pd.concat(frames, ignore_index=True)
    dots = list(pairs)
    cmap = _color_map(names)
    # the dots get the colour legend (circles); the curve gets its own legend entry drawn
    # as a dashed line, like the curve itself (one shared legend would draw it as a dot)
    color = alt.Color(
        "series:N",
        title="Series",
        scale=alt.Scale(domain=dots, range=[cmap[n] for n in dots]),
        sort=dots,
        legend=alt.Legend(orient="right", symbolType="circle"),
    )
    xs = alt.X(
        "x:Q", title=x_title, scale=alt.Scale(type="log") if log_x else alt.Scale(zero=False)
    )
    ys = alt.Y(
        "y:Q", title=y_title, scale=alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    )
    layers = [
        alt.Chart()
        .transform_filter("datum.kind == 'path'")
        .mark_circle(size=14, opacity=0.45)
        .encode(
            x=xs,
            y=ys,
            color=color,
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("y:Q", format=".3f"),
            ],
        )
    ]
    if curve_x is not None:
        layers.append(
            alt.Chart()
            .transform_filter("datum.kind == 'curve'")
            .mark_line(strokeWidth=2, color=cmap[curve_name])
            .encode(
                x=xs,
                y=ys,
                strokeDash=alt.StrokeDash(
                    "series:N",
                    title=None,
                    scale=alt.Scale(domain=[curve_name], range=[[6, 3]]),
                    legend=alt.Legend(orient="right", symbolType="stroke"),
                ),
                order=alt.Order("x:Q"),
            )
        )
    return alt.layer(*layers, data=_inline(df), title=_title(title), width=width, height=height)
