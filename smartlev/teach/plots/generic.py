"""Generic charts from a long DataFrame with the course's colours: a line chart
(:func:`line_chart`, thinned to the row budget, with dashed series and a reference line)
and a grouped or stacked bar chart (:func:`bar_chart`); column names Vega cannot use are
renamed to safe ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import altair as alt
import pandas as pd

from ..._validate import check_int, check_real
from ._checks import _check_size, _check_text
from ._data import MAX_ROWS, _inline, _records, thin_index
from ._style import _color, _fast, _title


def _long_df(df: object, cols: Sequence[str | None]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df_long must be a pandas DataFrame, got {type(df).__name__}")
    for c in cols:
        if c is not None and c not in df.columns:
            raise ValueError(f"column {c!r} is not in df_long; columns are {list(df.columns)!r}")
    return df[[c for c in dict.fromkeys(cols) if c is not None]].copy()


_SAFE = re.compile(r"[^0-9A-Za-z_]")


def _safe_columns(data: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame with its columns renamed to safe field names, and the renaming.

    Vega field names with dots or brackets need escaping: other characters become ``_``;
    when two names collide, every column is named ``c0``, ``c1``, ...
    """
    rename = {c: _SAFE.sub("_", c) or "col" for c in data.columns}
    if len(set(rename.values())) < len(rename):
        rename = {c: f"c{i}" for i, c in enumerate(data.columns)}
    return data.rename(columns=rename), rename


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
    data, rename = _safe_columns(data)
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
    data, rename = _safe_columns(data)
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
