"""The common look of every chart and the builders' plumbing: offline rendering
(:func:`setup`, run on import), the shared axis titles and log-axis floor, the time and
NAV axes, the product colour encoding, titles with subtitles, and the ``_fast`` decorator
that builds a chart without Altair's per-object validation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import altair as alt
import numpy as np
from altair.utils.schemapi import debug_mode

from ._checks import _check_text
from .colors import product_scale

_NAV_TITLE = "NAV (start = 1)"
_DAYS_TITLE = "Time (days)"
_LOG_FLOOR = 1e-4  # NAV shown on a log axis is clipped here (a wiped-out product is 0)


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


def _day_span(t: np.ndarray) -> tuple[float, float]:
    """The first and the last time of a time axis, in days."""
    return float(t.min()), float(t.max())


def _x_days(t: np.ndarray | tuple[float, float]) -> alt.X:
    """Time axis in days that ends at the last time point (no rounding past it); ``t``
    is the time of each point or its span (:func:`_day_span`)."""
    t0, t1 = _day_span(np.asarray(t))
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
