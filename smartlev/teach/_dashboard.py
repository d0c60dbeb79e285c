"""The machinery shared by every widget of the course: one redraw loop, one way to show a chart.

* :func:`show_chart` puts one Altair chart into an ``ipywidgets.Output`` (the lessons'
  and the explorers' only way to draw from a callback).
* :class:`Dashboard` is a box of controls that re-draws itself when one moves, shows
  errors in its status line and times every update.
* the small builders (``_slider``, ``_dropdown``, ...) give every control the same look:
  the label above the control, so a long label is never cut and a slider keeps room for
  its value.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Iterator

import ipywidgets as widgets

__all__ = ["Dashboard", "show_chart", "show_text", "labelled"]

_VEGA_MIME = "application/vnd.vegalite.v5+json"

#: Width of one column of controls, in pixels (three fit beside each other in a
#: JupyterLab notebook 1,280 px wide with the file browser open; fewer wrap).
COLUMN_WIDTH = 300


def _bundle(chart) -> dict:
    """The output Altair's mimetype renderer makes, without re-validating the spec.

    The builders of :mod:`smartlev.teach.plots` are validated by the tests, so the widgets
    skip the schema validation on every redraw (it costs more than building the chart).
    """
    return {
        _VEGA_MIME: chart if isinstance(chart, dict) else chart.to_dict(validate=False),
        "text/plain": "<VegaLite 5 object>",
    }


def show_chart(out: widgets.Output, chart) -> None:
    """Replace what an Output area shows by one chart.

    Use it in a widget callback instead of ``with out: display(chart)``: it sets the
    Output's content directly, so nothing flickers, nothing leaks into the cell's own
    output when the notebook runs without a front end (nbval), and no kernel round trip
    is needed. ``chart`` is an Altair chart or its Vega-Lite dict (``chart.to_dict()``;
    a builder's ``spec``, e.g. ``plots.nav_fan.spec(...)``, makes it several times
    faster than the chart).

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


def show_text(out: widgets.Output, text: str) -> None:
    """Replace what an Output area shows by one line of italic text (e.g. "no data").

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> out = widgets.Output()
    >>> show_text(out, "Tick at least one product.")
    >>> out.outputs[0]["data"]["text/plain"]
    'Tick at least one product.'
    """
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {"text/plain": text, "text/html": f"<p><i>{html.escape(text)}</i></p>"},
            "metadata": {},
        },
    )


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


# ----------------------------------------------------------------------------- controls

_LABEL_STYLE = "font-size:13px;color:var(--jp-ui-font-color1, #222);line-height:1.3"


def labelled(text: str, control: widgets.Widget) -> widgets.VBox:
    """A control with its label on the line above it, both as wide as the column.

    ipywidgets cuts a description that does not fit beside the control (with an
    ellipsis) and squeezes a slider's track and value; a label above the control can
    wrap onto two lines and leaves the whole width to the control.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> box = labelled("Volatility (% a year)", widgets.FloatSlider())
    >>> "Volatility (% a year)" in box.children[0].value, box.children[1].description
    (True, '')
    """
    label = widgets.HTML(f'<div style="{_LABEL_STYLE}">{html.escape(text)}</div>')
    # every widget has a 2 px margin: a child 100% wide would stick out by 4 px and make
    # the box scroll sideways, cutting the first letters (measured in the browser test)
    label.layout = widgets.Layout(margin="4px 2px 0 2px", width="calc(100% - 4px)")
    if control.layout.width in (None, "100%"):
        control.layout.width = "calc(100% - 4px)"
    label.add_class("sl-label")
    box = widgets.VBox([label, control], layout=widgets.Layout(width="100%"))
    box.add_class("sl-control")
    return box


def _slider(cls, description: str, value, lo, hi, step, width: str = "100%", **kw):
    """A slider that redraws when released and always shows its value at its right."""
    w = cls(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description="",
        continuous_update=False,
        readout=True,
        style={"description_width": "0px"},
        layout=widgets.Layout(width=width),
        **kw,
    )
    w.sl_label = description  # shown by labelled(); kept for tests and error messages
    return w


def _dropdown(description: str, options, value=None, width: str = "100%"):
    w = widgets.Dropdown(
        options=list(options),
        value=value if value is not None else list(options)[0],
        description="",
        style={"description_width": "0px"},
        layout=widgets.Layout(width=width),
    )
    w.sl_label = description
    return w


def _checkbox(description: str, value: bool):
    return widgets.Checkbox(
        value=value,
        description=description,
        indent=False,
        layout=widgets.Layout(width="auto", margin="2px 12px 2px 0"),
    )


def _with_label(control: widgets.Widget) -> widgets.Widget:
    text = getattr(control, "sl_label", None)
    return labelled(text, control) if text else control


def column(title: str | None, *children, width: int = COLUMN_WIDTH) -> widgets.VBox:
    """A column of controls of a fixed width; labels go above sliders and dropdowns."""
    items = [widgets.HTML(f"<b>{html.escape(title)}</b>")] if title else []
    items += [_with_label(c) for c in children]
    box = widgets.VBox(items, layout=widgets.Layout(width=f"{width}px", margin="0 16px 8px 0"))
    box.add_class("sl-column")
    return box


def wrap_row(*children, **layout) -> widgets.Box:
    """Children side by side while they fit, on the next line when they do not."""
    return widgets.Box(
        list(children),
        layout=widgets.Layout(
            display="flex", flex_flow="row wrap", align_items="flex-start", width="100%", **layout
        ),
    )


class Explorer(Dashboard):
    """A lesson explorer: an intro, controls in columns, outputs, a status line.

    ``render`` is called on every change and returns an optional note for the status
    line; ``controls`` is a dict of name -> control, laid out in columns of at most
    ``per_column`` controls.
    """

    def __init__(
        self,
        controls: dict[str, widgets.Widget],
        outputs,
        render: Callable[[], str | None],
        intro: str = "",
        per_column: int = 4,
    ):
        self._render_fn = render
        items = list(controls.values())
        cols = [column(None, *items[i : i + per_column]) for i in range(0, len(items), per_column)]
        children = ([widgets.HTML(intro)] if intro else []) + [wrap_row(*cols), *outputs]
        super().__init__(controls, children, "sl-explorer")
        self.update()

    def _render(self) -> str | None:
        return self._render_fn()
