"""The teaching layer: charts, widgets and dashboards, exercises, grading, notebook tools.

It sits on top of the engine (``smartlev``) and the engine imports nothing from it, so
``import smartlev; smartlev.simulate(...)`` loads no chart, widget or Jupyter package.

Modules
-------
plots
    Altair charts of results and markets.
widgets
    ipywidgets explorers, the playground and ``show_chart`` (draw a chart from a callback).
playground
    The playground dashboard and its market scenarios.
explore
    The lessons' own explorers, one call per lesson.
exercises
    Questions with instant feedback (``q.check()``, ``q.hint()``).
grade
    Grading a folder of submitted notebooks (``python -m smartlev.grade``).
make_exercises
    Generating ``exercises/`` from ``solutions/``.
notebooks
    Re-executing lessons in place.
"""

from __future__ import annotations

from importlib import import_module

__all__ = [
    "plots",
    "widgets",
    "playground",
    "explore",
    "exercises",
    "grade",
    "make_exercises",
    "notebooks",
]


def __getattr__(name: str):
    if name in __all__:
        mod = import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'smartlev.teach' has no attribute {name!r}")
