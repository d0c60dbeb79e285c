"""Small notebooks that exercise the browser harness itself.

``healthy()`` draws two charts, shows a slider that redraws a chart and a number in an
Output widget, and an answer box that follows the course's DOM contract; the harness
must pass it. ``broken()`` has an error, a chart drawn with a CDN renderer, an image
from another host and a slider wired to nothing; the harness must report all four.
``playground()`` calls the course's playground widget.
"""

from __future__ import annotations

SETUP = """\
import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import HTML, display

alt.renderers.enable("mimetype")"""

TWO_CHARTS = [
    """\
prices = pd.DataFrame({"day": np.arange(30), "price": 100 * np.exp(np.cumsum(
    np.random.default_rng(0).normal(0, 0.03, 30)))})
alt.Chart(prices, title="Price").mark_line().encode(x="day", y="price")""",
    """\
bars = pd.DataFrame({"product": ["spot", "3x token", "perp"], "nav": [1.1, 1.2, 0.0]})
alt.Chart(bars, title="Final NAV").mark_bar().encode(x="product", y="nav")""",
]

SLIDER = """\
leverage = widgets.IntSlider(value=3, min=1, max=10, description="leverage")
out = widgets.Output()

def draw(change=None):
    L = leverage.value
    df = pd.DataFrame({"x": np.arange(20), "nav": 1 + 0.01 * L * np.arange(20)})
    with out:
        out.clear_output(wait=True)
        display(alt.Chart(df, title=f"{L}x").mark_line().encode(x="x", y="nav"))
        display(HTML(f"<b>final NAV</b> {df.nav.iloc[-1]:.2f}"))

leverage.observe(draw, names="value")
draw()
widgets.VBox([leverage, out])"""

ANSWER_BOX = """\
class Question:
    expected = 42.0


def answer_box(question):
    answer = widgets.FloatText(description="Your answer")
    answer.add_class("sl-answer-input")
    check = widgets.Button(description="Check")
    check.add_class("sl-check")
    feedback = widgets.HTML("Not attempted")
    feedback.add_class("sl-feedback")
    box = widgets.VBox([answer, check, feedback])
    box.add_class("sl-answer-box")

    def on_check(_):
        if abs(answer.value - question.expected) < 1e-9:
            feedback.value = "Correct: 42."
        else:
            feedback.value = f"Not yet: {answer.value} is not the answer."

    check.on_click(on_check)
    return box


answer_box(Question())"""


def _nb(cells, **meta):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["smartlev_test"] = meta
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    return nb


def healthy():
    """Two charts, a slider that redraws, an answer box whose right answer is 42."""
    return _nb([SETUP, *TWO_CHARTS, SLIDER, ANSWER_BOX], min_charts=3)


def broken():
    """A chart drawn through a CDN renderer, a remote image, a dead slider and an error."""
    return _nb(
        [
            SETUP,
            TWO_CHARTS[0],
            'alt.renderers.enable("default")\n' + TWO_CHARTS[1],
            'display(HTML(\'<img src="https://example.com/logo.png" alt="remote">\'))',
            'widgets.IntSlider(value=3, min=1, max=10, description="moves nothing")',
            "1 / 0",
        ],
        min_charts=2,
    )


def playground():
    """The course's playground, as a learner would open it."""
    return _nb(["import smartlev.teach.widgets as sw\n\nsw.playground()"])
