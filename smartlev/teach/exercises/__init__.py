"""Exercise questions with instant feedback, and the exercise sets of the course.

The machinery (question classes, diagnoses, the answer box, the grading hook) lives in
:mod:`smartlev.teach.exercises._core` and is re-exported here. The questions of each
exercise notebook live in one module per notebook, the way Kaggle's learntools keeps
``learntools.python.ex1``: a learner's notebook only imports them, so it never shows an
expected value, a reference implementation or a right choice::

    import numpy as np
    import smartlev as sl
    from smartlev.teach.exercises.ex03 import *   # q1 ... q4, the data, and ____

    answer_1 = ____
    q1.check()

Modules
-------
ex01 ... ex09
    The questions of ``solutions/NN_topic.ipynb`` (and of the learner's
    ``exercises/NN_topic.ipynb``), each with an explicit ``__all__``: the placeholder
    ``____``, the data the statements name (``ZIGZAG``, ``BRIDGE``, ...) and ``q1`` ...
    ``q4``. Expected values are computed from the engine or the closed forms when a
    question is first checked, never written down as numbers.
"""

from __future__ import annotations

from ._core import *  # noqa: F403 - the package's public API is the core's
from ._core import __all__ as _core_all

__all__ = list(_core_all)

#: The exercise-set modules, one per exercise notebook.
SETS = ("ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07", "ex08", "ex09")
