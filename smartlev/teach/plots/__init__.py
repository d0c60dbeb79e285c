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

Modules
-------
Every name is imported from :mod:`smartlev.teach.plots`; the code sits in modules by
concern:

``colors``
    Product colours, :func:`color_for`, :func:`color_distance`, :func:`product_scale`.
``paths``
    Charts over time: :func:`nav_paths`, :func:`nav_fan`, :func:`price_chart`.
``leverage``
    :func:`leverage_chart`, with rebalance markers.
``outcomes``
    Where the paths end: :func:`outcome_histogram`, :func:`outcome_box`,
    :func:`metrics_bar`, :func:`scatter_final`.
``generic``
    :func:`line_chart` and :func:`bar_chart` from a long DataFrame.
``_data``, ``_style``, ``_checks``, ``_figure``
    Row budgets and embedded data (:func:`chart_data`, :func:`thin_index`); the shared
    look, axes and :func:`setup`; input checks; charts split into a cached layout and
    their data, for fast redraws.

Fast redraws
------------
:func:`nav_fan`, :func:`leverage_chart` and :func:`outcome_histogram`, which the
playground redraws at every move of a control, also have a ``spec`` attribute: the same
arguments give the chart's Vega-Lite dict, equal to ``chart.to_dict()``, several times
faster (about 1-2 ms instead of 15-30 ms, plus the numbers), because the layers, scales
and legends are turned into a dict once per layout and kept; only the data and the title
are new. :func:`smartlev.teach._dashboard.show_chart` shows either.
"""

from __future__ import annotations

from ._data import MAX_ROWS, MAX_TIME_POINTS, chart_data, thin_index
from ._style import setup
from .colors import (
    FALLBACK_COLORS,
    MIN_COLOR_DISTANCE,
    PRODUCT_COLORS,
    color_distance,
    color_for,
    product_scale,
)
from .generic import bar_chart, line_chart
from .leverage import leverage_chart
from .outcomes import metrics_bar, outcome_box, outcome_histogram, scatter_final
from .paths import nav_fan, nav_paths, price_chart

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
