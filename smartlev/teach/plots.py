"""Altair charts for the course: one look, one colour per product, small notebooks.

Every builder takes plain numpy arrays (or dicts of them, keyed by product name) and
returns an Altair 5 chart with a title, axis titles that carry units, and a legend.
Charts render offline in JupyterLab through the ``mimetype`` renderer, which this
module enables when it is imported (:func:`setup` does it again on demand).

Small notebooks
---------------
A chart stores its data inside the notebook, so every builder keeps that data small:

* long series are thinned to at most :data:`MAX_TIME_POINTS` evenly spaced time points
  (the first and the last point are always kept);
* a chart never embeds more than :data:`MAX_ROWS` rows unless asked (``max_rows=``);
* histograms, fans and boxes are summarised with numpy before they reach the chart;
* the data is embedded once per chart as compact CSV text with 5 significant digits.

:func:`chart_data` turns a chart's embedded data back into a DataFrame, to check what a
chart shows or to quote its numbers.

Colours
-------
One colour per product across the whole course, from the Okabe-Ito palette, which
stays distinguishable with the common forms of colour blindness:

==================  ===========  ================
name                colour       hex
==================  ===========  ================
Spot                black        ``#000000``
3x token            orange       ``#E69F00``
Inverse token       sky blue     ``#56B4E9``
Perpetual           blue         ``#0072B2``
Smart Leverage      bluish green ``#009E73``
Structured          purple       ``#CC79A7``
==================  ===========  ================

Other names are matched by keyword ("perp" -> Perpetual, "smart" -> Smart Leverage,
"inverse"/"short token" -> Inverse token, "token" -> 3x token, "structured" ->
Structured, "spot"/"price" -> Spot). Within one chart a colour is given to one series
only: the first series that claims it (exact names first) keeps it, and the others get
the next free colour of :data:`FALLBACK_COLORS` (vermillion, then Paul Tol's muted
colour-blind-safe colours). The reference curve "Theory" is dark grey.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zlib
from collections.abc import Callable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.schemapi import debug_mode

from .._validate import check_choice, check_int, check_real

__all__ = [
    "PRODUCT_COLORS",
    "FALLBACK_COLORS",
    "MAX_ROWS",
    "MAX_TIME_POINTS",
    "setup",
    "color_for",
    "color_distance",
    "MIN_COLOR_DISTANCE",
    "product_scale",
    "chart_data",
    "thin_index",
    "nav_paths",
    "nav_fan",
    "price_chart",
    "leverage_chart",
    "outcome_histogram",
    "outcome_box",
    "metrics_bar",
    "scatter_final",
    "line_chart",
    "bar_chart",
]

#: Okabe-Ito colour of each product family (colour-blind safe).
PRODUCT_COLORS: dict[str, str] = {
    "Spot": "#000000",
    "3x token": "#E69F00",
    "Inverse token": "#56B4E9",
    "Perpetual": "#0072B2",
    "Smart Leverage": "#009E73",
    "Structured": "#CC79A7",
}

#: Colours for names that are not a product family, in order of use.
FALLBACK_COLORS: tuple[str, ...] = (
    "#D55E00",  # Okabe-Ito vermillion
    "#882255",  # Tol muted: wine
    "#44AA99",  # teal
    "#332288",  # indigo
    "#999933",  # olive
    "#AA4499",  # purple
    "#88CCEE",  # cyan
    "#117733",  # green
    "#DDCC77",  # sand
    "#888888",  # grey
)

#: Colours of reference lines that are not products.
_REFERENCE_COLORS: dict[str, str] = {"Theory": "#444444"}

#: Largest number of rows a chart embeds by default.
MAX_ROWS = 2000
#: Largest number of time points per series by default.
MAX_TIME_POINTS = 400

# keyword -> family, checked in order (the first match wins)
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("smart", "Smart Leverage"),
    ("structured", "Structured"),
    ("perp", "Perpetual"),
    ("contract", "Perpetual"),
    ("futures", "Perpetual"),
    ("inverse", "Inverse token"),
    ("short token", "Inverse token"),
    ("-3x", "Inverse token"),
    ("token", "3x token"),
    ("letf", "3x token"),
    ("etf", "3x token"),
    ("spot", "Spot"),
    ("price", "Spot"),
    ("hold", "Spot"),
)

_NAV_TITLE = "NAV (start = 1)"
_DAYS_TITLE = "Time (days)"
_LOG_FLOOR = 1e-4  # NAV shown on a log axis is clipped here (a wiped-out product is 0)


# --------------------------------------------------------------------------- set-up


def setup() -> str:
    """Enable offline rendering of Altair charts in JupyterLab.

    Selects Altair's ``mimetype`` renderer: the notebook stores the Vega-Lite spec and
    JupyterLab draws it with its built-in renderer, with no CDN. Importing this module
    already does it; call it again if another library switched the renderer.

    Returns
    -------
    str
        The name of the active renderer, ``"mimetype"``.

    Examples
    --------
    >>> from smartlev.teach import plots
    >>> plots.setup()
    'mimetype'
    """
    alt.renderers.enable("mimetype")
    return alt.renderers.active


setup()


# --------------------------------------------------------------------------- colours


def _family(name: str) -> str | None:
    if name in PRODUCT_COLORS:
        return name
    low = name.lower()
    for key, family in _KEYWORDS:
        if key in low:
            return family
    return None


def color_for(name: str) -> str:
    """Colour of one series name: its product family's colour, or a stable fallback.

    Parameters
    ----------
    name : str
        A series name such as ``"Spot"``, ``"3x token"`` or ``"Perpetual 10x"``.

    Returns
    -------
    str
        A hex colour. Names of no known family always get the same colour of
        :data:`FALLBACK_COLORS` (chosen from a CRC-32 of the name, not Python's salted
        ``hash``), so a series keeps its colour from one run to the next.

    Notes
    -----
    Family colours follow the Okabe-Ito palette (see the module docstring). Inside one
    chart, :func:`product_scale` also makes sure two series never share a colour.

    Examples
    --------
    >>> from smartlev.teach.plots import color_for
    >>> color_for("Spot"), color_for("Perpetual 10x"), color_for("Bybit 3x token")
    ('#000000', '#0072B2', '#E69F00')
    >>> color_for("my series") == color_for("my series")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r} ({type(name).__name__})")
    if name in _REFERENCE_COLORS:
        return _REFERENCE_COLORS[name]
    family = _family(name)
    if family is not None:
        return PRODUCT_COLORS[family]
    return FALLBACK_COLORS[zlib.crc32(name.encode("utf-8")) % len(FALLBACK_COLORS)]


def _color_map(names: Sequence[str]) -> dict[str, str]:
    """Distinct colours for the names of one chart (exact family names win)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    # 1) exact family or reference names keep their own colour
    for n in names:
        if n in PRODUCT_COLORS or n in _REFERENCE_COLORS:
            out[n] = color_for(n)
            used.add(out[n])
    # 2) keyword matches claim their family colour if still free
    for n in names:
        if n in out:
            continue
        fam = _family(n)
        if fam is not None and PRODUCT_COLORS[fam] not in used:
            out[n] = PRODUCT_COLORS[fam]
            used.add(out[n])
    # 3) everything else: the next free fallback colour (then any unused family colour)
    #    that is not too close to a colour already in the chart; a near twin is taken
    #    only when no distinct colour is left
    spare = [c for c in (*FALLBACK_COLORS, *PRODUCT_COLORS.values()) if c not in used]
    for n in names:
        if n in out:
            continue
        pick = next((c for c in spare if _distinct(c, used)), spare[0] if spare else None)
        if pick is None:  # more series than colours: reuse, deterministically
            out[n] = color_for(n)
            continue
        out[n] = pick
        used.add(pick)
        spare.remove(pick)
    return out


#: Smallest CIELAB distance (Delta E 1976) between two colours of one chart; below it
#: two lines read as the same colour (Okabe-Ito's bluish green and Tol's teal are 19).
MIN_COLOR_DISTANCE = 25.0


def _lab(color: str) -> np.ndarray:
    """CIELAB coordinates of a ``#rrggbb`` colour (sRGB, D65 white)."""
    rgb = np.array([int(color[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = (m @ lin) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.array([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])


def color_distance(a: str, b: str) -> float:
    """Perceived distance of two colours: CIELAB Delta E (1976).

    Examples
    --------
    >>> from smartlev.teach.plots import color_distance
    >>> round(color_distance("#009E73", "#44AA99")), round(color_distance("#000000", "#E69F00"))
    (19, 104)
    """
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _distinct(color: str, used: set[str]) -> bool:
    return all(color_distance(color, u) >= MIN_COLOR_DISTANCE for u in used)


def product_scale(names: Sequence[str]) -> alt.Scale:
    """An Altair colour scale that gives every name its course-wide colour.

    Parameters
    ----------
    names : sequence of str
        The series names of one chart, in legend order. Duplicates are ignored.

    Returns
    -------
    altair.Scale
        ``alt.Scale(domain=names, range=colours)``.

    Notes
    -----
    Names equal to a product family (``"Spot"``, ``"3x token"``, ...) always get their
    family colour; other names get their family's colour when no other series of the
    chart has it yet, else the next free colour of :data:`FALLBACK_COLORS`.

    Examples
    --------
    >>> from smartlev.teach.plots import product_scale
    >>> s = product_scale(["Spot", "3x token", "FTX 3x token"]).to_dict()
    >>> s["domain"], s["range"]
    (['Spot', '3x token', 'FTX 3x token'], ['#000000', '#E69F00', '#D55E00'])
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a sequence of strings, got the string {names!r}")
    uniq = list(dict.fromkeys(str(n) for n in names))
    cmap = _color_map(uniq)
    return alt.Scale(domain=uniq, range=[cmap[n] for n in uniq])


# --------------------------------------------------------------------------- data utilities


def _inline(df: pd.DataFrame) -> alt.InlineData:
    """Embed a DataFrame as compact CSV text with explicit number parsing."""
    parse = {}
    for c in df.columns:
        if pd.api.types.is_bool_dtype(df[c]):
            parse[c] = "boolean"
        elif pd.api.types.is_numeric_dtype(df[c]):
            parse[c] = "number"
        else:
            parse[c] = "string"
    return alt.InlineData(values=_csv_text(df), format=alt.CsvDataFormat(type="csv", parse=parse))


def _csv_quote(s: str) -> str:
    if any(ch in s for ch in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _csv_cells(col: pd.Series) -> list[str]:
    """The cells of one column as CSV text: 5 significant digits, empty for missing."""
    if pd.api.types.is_bool_dtype(col):
        return ["true" if v else "false" for v in col.tolist()]
    if pd.api.types.is_integer_dtype(col):
        return [str(v) for v in col.tolist()]
    if pd.api.types.is_float_dtype(col):
        return ["" if v != v else f"{v:.5g}" for v in col.tolist()]
    cache: dict[object, str] = {}
    out = []
    for v in col.tolist():
        if v not in cache:
            missing = v is None or (isinstance(v, float) and v != v) or v is pd.NA
            cache[v] = "" if missing else _csv_quote(str(v))
        out.append(cache[v])
    return out


def _csv_text(df: pd.DataFrame) -> str:
    """A DataFrame as CSV text (header line, then one line per row)."""
    header = ",".join(_csv_quote(str(c)) for c in df.columns)
    cols = [_csv_cells(df[c]) for c in df.columns]
    return header + "\n" + "".join(",".join(row) + "\n" for row in zip(*cols, strict=True))


def _percentiles(a: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Percentiles of each column of ``a`` (paths, T), numpy's default (linear) method.

    Sorting the contiguous transpose once is several times faster than
    ``np.percentile(a, qs, axis=0)`` for the shapes used here.
    """
    x = np.sort(np.ascontiguousarray(a.T), axis=1)
    n = x.shape[1]
    out = np.empty((len(qs), x.shape[0]))
    for i, q in enumerate(qs):
        h = (n - 1) * q / 100.0
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        out[i] = x[:, lo] + (h - lo) * (x[:, hi] - x[:, lo])
    return out


def _records(columns: dict) -> alt.InlineData:
    """A few rows (reference lines) embedded as JSON records."""
    frame = pd.DataFrame(columns)
    return alt.InlineData(values=json.loads(frame.to_json(orient="records")))


def chart_data(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The data embedded in a chart made by this module, as a DataFrame.

    Parameters
    ----------
    chart : altair chart
        A chart returned by one of the builders of :mod:`smartlev.teach.plots`.

    Returns
    -------
    pandas.DataFrame
        One row per embedded data row (numbers rounded to 5 significant digits).

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> c = plots.price_chart(np.arange(3), [100.0, 101.0, 99.5])
    >>> plots.chart_data(c)[["day", "value"]].to_numpy().tolist()
    [[0.0, 100.0], [1.0, 101.0], [2.0, 99.5]]
    """
    spec = chart.to_dict(validate=False)
    data = spec.get("data") or {}
    values = data.get("values")
    if values is None and "name" in data:
        values = spec.get("datasets", {}).get(data["name"])
    if values is None:
        raise ValueError("chart has no inline data at its top level (was it made by smartlev?)")
    if isinstance(values, str):
        return pd.read_csv(io.StringIO(values))
    return pd.DataFrame(values)


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    return value


def _check_size(width: int, height: int) -> tuple[int, int]:
    return (
        check_int("width", width, low=50, high=4000),
        check_int("height", height, low=50, high=4000),
    )


def _as_array(name: str, value: object, ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """A float array of an allowed number of dimensions, finite everywhere."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.ndim not in ndim:
        allowed = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {allowed}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = arr.ravel()[~np.isfinite(arr.ravel())][0]
        raise ValueError(f"{name} must be finite (no NaN or inf), got {bad!r}")
    return arr


def _as_series_dict(
    name: str, value: object, ndim: tuple[int, ...] = (1, 2), default: str = "series"
) -> dict[str, np.ndarray]:
    """Accept ``{name: array}`` or a bare array (named ``default``)."""
    if isinstance(value, pd.DataFrame):
        value = {str(c): value[c].to_numpy() for c in value.columns}
    if isinstance(value, Mapping):
        if len(value) == 0:
            raise ValueError(f"{name} must not be an empty dict")
        out = {}
        for k, v in value.items():
            out[str(k)] = _as_array(f"{name}[{k!r}]", v, ndim)
        return out
    return {default: _as_array(name, value, ndim)}


def _time_axis(time_days: object, n: int) -> np.ndarray:
    """Time in days for ``n`` points: given, or 0..n-1 when ``time_days`` is None."""
    if time_days is None:
        return np.arange(n, dtype=float)
    t = _as_array("time_days", time_days, (1,))
    if t.shape[0] != n:
        raise ValueError(
            f"time_days has {t.shape[0]} points but the series have {n}; they must match"
        )
    return t


def thin_index(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices into ``n`` points, at most ``max_points``, ends included.

    Examples
    --------
    >>> from smartlev.teach.plots import thin_index
    >>> thin_index(10, 4).tolist()
    [0, 3, 6, 9]
    >>> thin_index(3, 400).tolist()
    [0, 1, 2]
    """
    n = check_int("n", n, low=1)
    max_points = check_int("max_points", max_points, low=2)
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))


def _x_days(t: np.ndarray) -> alt.X:
    """Time axis in days that ends at the last time point (no rounding past it)."""
    t0, t1 = float(t.min()), float(t.max())
    scale = alt.Scale(domain=[t0, t1], nice=False) if t1 > t0 else alt.Scale()
    return alt.X("day:Q", title=_DAYS_TITLE, scale=scale, stack=None)


def _nav_y(log_scale: bool, title: str = _NAV_TITLE, field: str = "nav") -> alt.Y:
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=False)
    title = title + (" (log scale)" if log_scale else "")
    return alt.Y(f"{field}:Q", title=title, scale=scale, stack=None)


def _color(names: Sequence[str], field: str = "product", title: str = "Product") -> alt.Color:
    return alt.Color(
        f"{field}:N",
        title=title,
        scale=product_scale(names),
        sort=list(dict.fromkeys(names)),
        legend=alt.Legend(orient="right"),
    )


def _title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    text = _check_text("title", text)
    if isinstance(subtitle, list) and len(subtitle) == 1:
        subtitle = subtitle[0]
    if subtitle:
        return alt.TitleParams(text=text, subtitle=subtitle, anchor="start")
    return alt.TitleParams(text=text, anchor="start")


def _budget_points(max_rows: int, series: int, max_points: int, floor: int = 2) -> int:
    return max(floor, min(max_points, max_rows // max(series, 1)))


# --------------------------------------------------------------------------- builders


def _fast(builder: Callable) -> Callable:
    """Build a chart without Altair's validation of every intermediate object.

    Altair validates each schema object as it is created (its "debug mode"), which
    costs more than everything else a builder does. The finished chart is still
    validated when it is displayed (``to_dict()``), and the tests validate every
    builder's output.
    """

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        with debug_mode(False):
            return builder(*args, **kwargs)

    return wrapper


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


@_fast
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
    qs = sorted({50.0, *[p for pr in pairs for p in pr]})
    cols = {q: "p" + (f"{q:g}".replace(".", "_")) for q in qs}
    frames = []
    for name, a in series.items():
        a = np.atleast_2d(a)[:, idx]
        pct = _percentiles(a, qs)
        if log_scale:
            pct = np.maximum(pct, _LOG_FLOOR)
        d = {"day": t[idx], "product": name}
        d.update({cols[q]: pct[i] for i, q in enumerate(qs)})
        frames.append(pd.DataFrame(d))
    df = pd.concat(frames, ignore_index=True)
    names = list(series)
    color = _color(names)
    x = _x_days(t)
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
    bands = ", ".join(f"{lo:g}-{hi:g}%" for lo, hi in pairs)
    sub = f"line: median path value; shaded: {bands} of paths" if pairs else "line: median"
    return alt.layer(
        *layers, data=_inline(df), title=_title(title, sub), width=width, height=height
    )


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


def _thin_markers(codes: np.ndarray, where: np.ndarray, budget: int) -> np.ndarray:
    """Keep every marker of rare codes; thin the frequent ones evenly to fit ``budget``."""
    if where.size <= budget:
        return where
    keep = []
    left = budget
    uniq, counts = np.unique(codes[where], return_counts=True)
    order = np.argsort(counts)
    for j, u in enumerate(uniq[order]):
        w = where[codes[where] == u]
        share = max(1, left // (len(uniq) - j))
        if w.size > share:
            w = w[thin_index(w.size, max(share, 2))][:share]
        keep.append(w)
        left -= w.size
    return np.sort(np.concatenate(keep))


@_fast
def leverage_chart(
    time_days: object,
    leverage: Mapping[str, object],
    reasons: object = None,
    reason_labels: Mapping[int, str] | None = None,
    title: str = "Effective leverage over time",
    *,
    reasons_for: str | None = None,
    width: int = 560,
    height: int = 260,
    max_rows: int = MAX_ROWS,
    max_points: int = MAX_TIME_POINTS,
) -> alt.LayerChart:
    """Realised (effective) leverage of one path over time, with rebalance markers.

    Parameters
    ----------
    time_days : array_like or None
        Time of each point in days; None for 0, 1, 2, ...
    leverage : dict of str to array_like
        Product name -> effective leverage of one path, shape ``(T,)``.
    reasons : array_like of int, optional
        One reason code per time point for one of the series (the engine's
        ``Result.reason`` row of that path); code 0 means "no trade" and gets no marker.
    reason_labels : dict of int to str, optional
        Code -> label for the legend (e.g. the engine's reason table). Unknown codes are
        shown as ``"code N"``.
    title : str
        Chart title.
    reasons_for : str, optional
        Which series the markers sit on; default: the first name containing "smart"
        (any case), else the first series.
    width, height : int
        Size in pixels.
    max_rows, max_points : int
        Row budget (lines and markers) and time points per line. When markers exceed
        the budget, every marker of a rare reason is kept and frequent ones are thinned.

    Returns
    -------
    altair.LayerChart
        Lines coloured by product; markers coloured and shaped by reason (two legends).

    Notes
    -----
    Effective leverage is exposure over NAV, :math:`\\ell_t = n_t S_t / V_t`; between
    trades it drifts with the price as :math:`\\ell' = \\ell (1 + r) / (1 + \\ell r)`.

    Examples
    --------
    >>> import numpy as np
    >>> from smartlev.teach import plots
    >>> lev = {"3x token": np.full(11, 3.0), "Smart Leverage": np.linspace(1, 3, 11)}
    >>> codes = np.zeros(11, dtype=np.int8); codes[[3, 7]] = [1, 2]
    >>> c = plots.leverage_chart(None, lev, codes, {1: "band", 2: "volatility"})
    >>> c.to_dict()["title"]["text"]
    'Effective leverage over time'
    >>> sorted(plots.chart_data(c)["reason"].dropna().unique())
    ['band', 'volatility']
    """
    series = _as_series_dict("leverage", leverage, ndim=(1, 2), default="leverage")
    for k, a in series.items():
        if a.ndim == 2 and a.shape[0] != 1:
            raise ValueError(
                f"leverage[{k!r}] must be one path (1-D), got shape {a.shape}; "
                "pass e.g. result.leverage[0]"
            )
        series[k] = a.reshape(-1)
    max_rows = check_int("max_rows", max_rows, low=10)
    max_points = check_int("max_points", max_points, low=2)
    width, height = _check_size(width, height)
    T = {a.size for a in series.values()}
    if len(T) != 1:
        raise ValueError(f"leverage series must have the same length, got {sorted(T)}")
    (T,) = T
    t = _time_axis(time_days, T)
    names = list(series)
    marker_df = None
    if reasons is not None:
        codes = _as_array("reasons", reasons, (1, 2)).reshape(-1)
        if codes.size != T:
            raise ValueError(f"reasons has {codes.size} points but leverage has {T}")
        if not np.array_equal(codes, np.round(codes)):
            raise ValueError("reasons must hold integer codes")
        codes = codes.astype(np.int64)
        if reasons_for is None:
            reasons_for = next((n for n in names if "smart" in n.lower()), names[0])
        elif reasons_for not in series:
            raise ValueError(f"reasons_for must be one of {names!r}, got {reasons_for!r}")
        if reason_labels is not None and not isinstance(reason_labels, Mapping):
            raise TypeError(f"reason_labels must be a dict of code -> label, got {reason_labels!r}")
        labels = {int(k): str(v) for k, v in (reason_labels or {}).items()}
        where = np.flatnonzero(codes != 0)
        budget = max(max_rows // 4, max_rows - len(series) * min(T, max_points))
        where = _thin_markers(codes, where, budget)
        marker_df = pd.DataFrame(
            {
                "day": t[where],
                "leverage": series[reasons_for][where],
                "product": reasons_for,
                "kind": "marker",
                "reason": [labels.get(int(c), f"code {int(c)}") for c in codes[where]],
            }
        )
    used = 0 if marker_df is None else len(marker_df)
    idx = thin_index(T, _budget_points(max_rows - used, len(series), max_points))
    frames = [
        pd.DataFrame(
            {"day": t[idx], "leverage": a[idx], "product": n, "kind": "line", "reason": ""}
        )
        for n, a in series.items()
    ]
    if marker_df is not None:
        frames.append(marker_df)
    df = pd.concat(frames, ignore_index=True)
    base_x = _x_days(t)
    y = alt.Y("leverage:Q", title="Effective leverage (x)", scale=alt.Scale(zero=False))
    layers = [
        alt.Chart()
        .transform_filter("datum.kind == 'line'")
        .mark_line(strokeWidth=1.6)
        .encode(
            x=base_x,
            y=y,
            color=_color(names),
            tooltip=[
                alt.Tooltip("product:N"),
                alt.Tooltip("day:Q"),
                alt.Tooltip("leverage:Q", format=".2f"),
            ],
        )
    ]
    if marker_df is not None and len(marker_df):
        reason_names = list(dict.fromkeys(marker_df["reason"]))
        reason_scale = alt.Scale(
            domain=reason_names,
            range=[FALLBACK_COLORS[i % len(FALLBACK_COLORS)] for i in range(len(reason_names))],
        )
        layers.append(
            alt.Chart()
            .transform_filter("datum.kind == 'marker'")
            .mark_point(filled=True, size=40, opacity=0.9)
            .encode(
                x=base_x,
                y=y,
                color=alt.Color(
                    "reason:N", title="Rebalance reason", scale=reason_scale, sort=reason_names
                ),
                shape=alt.Shape(
                    "reason:N",
                    title="Rebalance reason",
                    scale=alt.Scale(domain=reason_names),
                    sort=reason_names,
                ),
                tooltip=[
                    alt.Tooltip("reason:N"),
                    alt.Tooltip("day:Q"),
                    alt.Tooltip("leverage:Q", format=".2f"),
                ],
            )
        )
    extra = {}
    if len(layers) > 1:  # markers have their own colour and shape legend
        extra["resolve"] = alt.Resolve(
            scale=alt.ScaleResolveMap(color="independent", shape="independent")
        )
    return alt.layer(
        *layers, data=_inline(df), title=_title(title), width=width, height=height, **extra
    )


def _finals(final_navs: object) -> dict[str, np.ndarray]:
    series = _as_series_dict("final_navs", final_navs, ndim=(1,), default="final NAV")
    return series


@_fast
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
        a dashed rule at 1 (the starting value).

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
    frames = []
    for name, v in series.items():
        counts, _ = np.histogram(np.clip(v, lo, hi), bins=edges)
        frames.append(
            pd.DataFrame(
                {
                    "nav": centers,
                    "bin_start": edges[:-1],
                    "bin_end": edges[1:],
                    "share": 100.0 * counts / n_paths[name],
                    "product": name,
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    names = list(series)
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
    if lo <= 1.0 <= hi:
        layers.append(
            alt.Chart(_records({"nav": [1.0]}))
            .mark_rule(strokeDash=[4, 4], color="#777777")
            .encode(x=alt.X("nav:Q"))
        )
    notes = ["dashed line: start value"] if len(layers) == 3 else []
    if (allv > hi).any():
        notes.append(f"last bin includes all NAVs above {hi:.3g}")
    if (allv < lo).any():
        notes.append(f"first bin includes all NAVs below {lo:.3g}")
    at_zero = [f"{k} {100 * z:.3g}%" for k, z in zero_share.items() if z > 0]
    if at_zero:
        notes.append("not drawn, ended at 0: " + ", ".join(at_zero))
    return alt.layer(
        *layers,
        data=_inline(df),
        title=_title(title, notes or None),  # one line per note: a title never wraps
        width=width,
        height=height,
    )


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


def _long_df(df: object, cols: Sequence[str | None]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df_long must be a pandas DataFrame, got {type(df).__name__}")
    for c in cols:
        if c is not None and c not in df.columns:
            raise ValueError(f"column {c!r} is not in df_long; columns are {list(df.columns)!r}")
    return df[[c for c in dict.fromkeys(cols) if c is not None]].copy()


_SAFE = re.compile(r"[^0-9A-Za-z_]")


@_fast
def line_chart(
    df_long: pd.DataFrame,
    x: str,
    y: str,
    color: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    *,
    log_y: bool = False,
    points: bool = False,
    zero: bool = False,
    hline: float | None = None,
    dashed: Sequence[str] = (),
    width: int = 520,
    height: int = 280,
    max_rows: int = MAX_ROWS,
) -> alt.LayerChart:
    """A generic line chart from a long DataFrame, with the course's colours.

    Parameters
    ----------
    df_long : pandas.DataFrame
        One row per point.
    x, y : str
        Columns for the axes (numbers).
    color : str, optional
        Column naming the series; its values get their course-wide colours.
    title : str
        Chart title.
    x_title, y_title : str, optional
        Axis titles with units (default: the column names).
    log_y : bool
        Log y axis.
    points : bool
        Also draw a dot on each point.
    zero : bool
        Force the y axis to include 0.
    hline : float, optional
        A dashed grey horizontal reference line (e.g. 1 for the start NAV).
    dashed : sequence of str
        Series (values of ``color``) drawn with a dashed line, e.g. ``["Theory"]``.
    width, height : int
        Size in pixels.
    max_rows : int
        Row budget; each series is thinned evenly when the frame is larger.

    Returns
    -------
    altair.LayerChart

    Examples
    --------
    >>> import pandas as pd
    >>> from smartlev.teach import plots
    >>> df = pd.DataFrame({"L": [1, 2, 3] * 2, "growth": [.1, .1, 0, .2, .3, .3],
    ...                    "product": ["Spot"] * 3 + ["3x token"] * 3})
    >>> c = plots.line_chart(df, "L", "growth", "product", "Growth", "Leverage (x)",
    ...                      "Growth (% a year)")
    >>> c.to_dict()["title"]["text"], len(plots.chart_data(c))
    ('Growth', 6)
    """
    for label, v in (("x", x), ("y", y)):
        _check_text(label, v)
    if color is not None:
        _check_text("color", color)
    title = _check_text("title", title)
    max_rows = check_int("max_rows", max_rows, low=10)
    width, height = _check_size(width, height)
    data = _long_df(df_long, [x, y, color])
    if color is not None:
        data[color] = data[color].astype(str)
    if len(data) > max_rows:
        if color is None:
            data = data.iloc[thin_index(len(data), max_rows)]
        else:
            groups = data.groupby(color, sort=False)
            per = max(2, max_rows // groups.ngroups)
            data = pd.concat(
                [g.iloc[thin_index(len(g), per)] if len(g) > per else g for _, g in groups]
            )
    # Vega field names with dots or brackets need escaping: rename to safe ones
    rename = {c: _SAFE.sub("_", c) or "col" for c in data.columns}
    if len(set(rename.values())) < len(rename):
        rename = {c: f"c{i}" for i, c in enumerate(data.columns)}
    data = data.rename(columns=rename)
    fx, fy = rename[x], rename[y]
    enc = {
        "x": alt.X(f"{fx}:Q", title=x if x_title is None else x_title),
        "y": alt.Y(
            f"{fy}:Q",
            title=y if y_title is None else y_title,
            scale=alt.Scale(type="log") if log_y else alt.Scale(zero=zero),
        ),
        "tooltip": [alt.Tooltip(f"{fx}:Q"), alt.Tooltip(f"{fy}:Q")],
    }
    if color is not None:
        fc = rename[color]
        names = list(dict.fromkeys(data[fc]))
        enc["color"] = _color(names, field=fc, title=color)
        enc["tooltip"] = [alt.Tooltip(f"{fc}:N"), *enc["tooltip"]]
    if isinstance(dashed, str) or not isinstance(dashed, Sequence):
        raise TypeError(f"dashed must be a list of series names, got {dashed!r}")
    dashed = [str(d) for d in dashed]
    if dashed and color is None:
        raise ValueError("dashed needs a color column naming the series")
    if dashed:
        names_js = json.dumps(dashed)
        test = f"indexof({names_js}, datum[{json.dumps(rename[color])}]) >= 0"
        layers = [
            alt.Chart()
            .transform_filter(f"!({test})")
            .mark_line(point=points, strokeWidth=2)
            .encode(**enc),
            alt.Chart()
            .transform_filter(test)
            .mark_line(point=points, strokeWidth=2, strokeDash=[6, 3])
            .encode(**enc),
        ]
    else:
        layers = [alt.Chart().mark_line(point=points, strokeWidth=2).encode(**enc)]
    if hline is not None:
        hv = check_real("hline", hline)
        layers.append(
            alt.Chart(_records({"h": [hv]}))
            .mark_rule(strokeDash=[4, 4], color="#777777")
            .encode(y=alt.Y("h:Q"))
        )
    return alt.layer(*layers, data=_inline(data), title=_title(title), width=width, height=height)


@_fast
def bar_chart(
    df_long: pd.DataFrame,
    x: str,
    y: str,
    color: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    *,
    grouped: bool = True,
    width: int = 520,
    height: int = 280,
) -> alt.Chart:
    """A generic bar chart: categories on x, grouped (side by side) by ``color``.

    Parameters
    ----------
    df_long : pandas.DataFrame
        One row per bar.
    x : str
        Category column (e.g. the market regime).
    y : str
        Value column.
    color : str, optional
        Series column (e.g. the product); bars of one category sit side by side when
        ``grouped`` (else they are stacked).
    title, x_title, y_title : str
        Chart and axis titles (with units).
    grouped : bool
        Side by side (True) or stacked (False).
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.Chart

    Examples
    --------
    >>> import pandas as pd
    >>> from smartlev.teach import plots
    >>> df = pd.DataFrame({"regime": ["trend", "trend", "sideways", "sideways"],
    ...                    "nav": [1.5, 2.9, 0.95, 0.7],
    ...                    "product": ["Spot", "3x token"] * 2})
    >>> c = plots.bar_chart(df, "regime", "nav", "product", "Median NAV", "Regime",
    ...                     "NAV (start = 1)")
    >>> c.to_dict()["encoding"]["xOffset"]["field"]
    'product'
    """
    for label, v in (("x", x), ("y", y)):
        _check_text(label, v)
    title = _check_text("title", title)
    width, height = _check_size(width, height)
    data = _long_df(df_long, [x, y, color])
    if len(data) > MAX_ROWS:
        raise ValueError(f"df_long has {len(data)} rows; a bar chart takes at most {MAX_ROWS}")
    rename = {c: _SAFE.sub("_", c) or "col" for c in data.columns}
    if len(set(rename.values())) < len(rename):
        rename = {c: f"c{i}" for i, c in enumerate(data.columns)}
    data = data.rename(columns=rename)
    fx, fy = rename[x], rename[y]
    data[fx] = data[fx].astype(str)
    cats = list(dict.fromkeys(data[fx]))
    enc = {
        "x": alt.X(
            f"{fx}:N",
            title=x if x_title is None else x_title,
            sort=cats,
            axis=alt.Axis(labelAngle=0),
        ),
        "y": alt.Y(
            f"{fy}:Q", title=y if y_title is None else y_title, stack=None if grouped else "zero"
        ),
        "tooltip": [alt.Tooltip(f"{fx}:N"), alt.Tooltip(f"{fy}:Q", format=".3g")],
    }
    if color is not None:
        fc = rename[color]
        data[fc] = data[fc].astype(str)
        names = list(dict.fromkeys(data[fc]))
        enc["color"] = _color(names, field=fc, title=color)
        enc["tooltip"] = [alt.Tooltip(f"{fc}:N"), *enc["tooltip"]]
        if grouped:
            enc["xOffset"] = alt.XOffset(f"{fc}:N", sort=names)
    return (
        alt.Chart(_inline(data), title=_title(title), width=width, height=height)
        .mark_bar()
        .encode(**enc)
    )
