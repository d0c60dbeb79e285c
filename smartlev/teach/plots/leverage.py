"""The effective leverage of one path over time (:func:`leverage_chart`), with rebalance
markers coloured and shaped by reason, thinned so that rare reasons always stay visible.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np

from ..._validate import check_int
from ._checks import _as_array, _as_series_dict, _check_size, _time_axis
from ._data import MAX_ROWS, MAX_TIME_POINTS, _budget_points, thin_index
from ._figure import _builder, _Figure
from ._style import _color, _day_span, _title, _x_days
from .colors import FALLBACK_COLORS


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


@_builder
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
        ``leverage_chart.spec(...)`` returns the same chart as a Vega-Lite dict, faster.

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
    marker = None
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
        marker = {
            "day": t[where],
            "leverage": series[reasons_for][where],
            "product": np.full(where.size, reasons_for, dtype=object),
            "kind": np.full(where.size, "marker", dtype=object),
            "reason": np.array(
                [labels.get(int(c), f"code {int(c)}") for c in codes[where]], dtype=object
            ),
        }
    used = 0 if marker is None else marker["day"].size
    idx = thin_index(T, _budget_points(max_rows - used, len(series), max_points))
    n = idx.size * len(names)
    parts = {
        "day": [np.tile(t[idx], len(names))],
        "leverage": [a[idx] for a in series.values()],
        "product": [np.repeat(np.array(names, dtype=object), idx.size)],
        "kind": [np.full(n, "line", dtype=object)],
        "reason": [np.full(n, "", dtype=object)],
    }
    if marker is not None:
        for k, v in marker.items():
            parts[k].append(v)
    data = {k: np.concatenate(v) for k, v in parts.items()}
    reason_names = None
    if marker is not None and used:
        reason_names = tuple(dict.fromkeys(marker["reason"].tolist()))
    layout = (tuple(names), reason_names, _day_span(t), width, height)
    return _Figure(_leverage_layout, layout, data, _title(title))


def _leverage_layout(names, reason_names, days, width, height) -> alt.LayerChart:
    """The layers of :func:`leverage_chart`: a line per product and, when ``reason_names``
    is not None, the rebalance markers with their own colour and shape legend."""
    base_x = _x_days(days)
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
    extra = {}
    if reason_names is not None:
        reason_names = list(reason_names)
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
        # markers have their own colour and shape legend
        extra["resolve"] = alt.Resolve(
            scale=alt.ScaleResolveMap(color="independent", shape="independent")
        )
    return alt.layer(*layers, width=width, height=height, **extra)
