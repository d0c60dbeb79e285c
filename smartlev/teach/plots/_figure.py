"""A chart in two parts, so that a widget can redraw it fast.

Most of the time a builder spends is Altair's: making the schema objects of the layers,
copying them into a layered chart, and turning them back into a dict when the chart is
shown (tens of milliseconds a chart, more than the numbers cost). Yet from one redraw to
the next only the embedded data and the title change; the layers, scales and legends
(the *layout*) stay the same. So a builder decorated with :func:`_builder` computes a
:class:`_Figure`: a layout function and its (hashable) arguments, the data columns and
the title. Called, the builder returns the Altair chart, as it always did; its ``spec``
attribute returns the same chart as a Vega-Lite dict (what ``chart.to_dict()`` gives),
with the layout turned into a dict once per distinct layout and kept.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable, Mapping

import altair as alt

from ._data import _csv_and_parse, _inline
from ._style import _fast
from .colors import PRODUCT_COLORS

_PLACEHOLDER = {"x": [0.0]}  # data of the layout's dict, replaced by the real data


@dataclasses.dataclass(frozen=True)
class _Figure:
    """What a builder computed: ``layout(*args)`` (a pure function of hashable arguments)
    returns the chart without data and title; ``data`` (columns, embedded as CSV) and
    ``title`` complete it."""

    layout: Callable[..., alt.LayerChart]
    args: tuple
    data: Mapping[str, object]
    title: alt.TitleParams

    def chart(self) -> alt.LayerChart:
        """The Altair chart."""
        chart = self.layout(*self.args)
        chart.data = _inline(self.data)
        chart.title = self.title
        return chart

    def spec(self) -> dict:
        """The Vega-Lite dict of :meth:`chart`, without building the chart."""
        if not alt.data_transformers.consolidate_datasets:  # data inline: Altair's way
            return self.chart().to_dict(validate=False)
        state = (alt.theme.active, tuple(PRODUCT_COLORS.items()))  # what else shapes it
        skeleton, placeholder = _layout_spec(self.layout, self.args, state)
        csv, parse = _csv_and_parse(self.data)
        name = _dataset_name(csv)
        spec = _copy(skeleton)  # the caller may change its dict: the cached one stays
        spec["data"] = {"name": name, "format": {"parse": parse, "type": "csv"}}
        spec["title"] = self.title.to_dict(validate=False)
        others = {k: v for k, v in skeleton["datasets"].items() if k != placeholder}
        spec["datasets"] = {name: csv, **others}
        return spec


def _dataset_name(values: object) -> str:
    """The name Altair gives inline data (``altair.vegalite.v5.api._dataset_name``)."""
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=64)
def _layout_spec(layout: Callable, args: tuple, state: tuple) -> tuple[dict, str]:
    """The dict of a layout (with placeholder data and title) and the name of its
    placeholder data set; ``state`` (the active Altair theme and the product colours,
    which a lesson may change) is part of the cache key. Called inside a builder's
    ``spec``, without Altair's validation of every object (:func:`_builder`)."""
    chart = layout(*args)
    chart.data = _inline(_PLACEHOLDER)
    chart.title = alt.TitleParams(text="")
    spec = chart.to_dict(validate=False)
    placeholder = spec["data"]["name"]
    return spec, placeholder


def _copy(obj: object) -> object:
    """A copy of a JSON-like structure of dicts and lists (faster than copy.deepcopy)."""
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def _builder(fn: Callable[..., _Figure]) -> Callable[..., alt.LayerChart]:
    """Make a chart builder from a function that returns a :class:`_Figure`.

    The builder returns the Altair chart; ``builder.spec(...)`` (same arguments) returns
    the same chart as a Vega-Lite dict, several times faster: for widgets that redraw
    (:func:`smartlev.teach._dashboard.show_chart` takes either). Both are :func:`_fast`:
    no validation of every intermediate object.
    """

    @_fast
    @functools.wraps(fn)
    def builder(*args, **kwargs) -> alt.LayerChart:
        return fn(*args, **kwargs).chart()

    @_fast
    def spec(*args, **kwargs) -> dict:
        return fn(*args, **kwargs).spec()

    spec.__doc__ = f"The chart of :func:`{fn.__name__}` as a Vega-Lite dict (``to_dict()``)."
    spec.__name__ = spec.__qualname__ = f"{fn.__name__}.spec"
    builder.spec = spec
    return builder
