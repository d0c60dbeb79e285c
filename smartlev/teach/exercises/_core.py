"""Exercise questions with instant feedback, hints, solutions, answer boxes and a grading hook.

Each exercise in a lesson is a question object. The learner writes an answer into a
variable (``answer_1 = ____``) or a function, then runs ``q1.check()``, which says one of

- **Correct** -- with "these checks passed" when the check runs a finite set of tests
  (function questions) or when the instructor has hidden tests;
- **Not yet** -- with the reason the checker can see: the sign is wrong, off by a factor
  of L, a percentage given as a fraction, the fee forgotten, simple instead of compound
  returns, which test case failed and what came back;
- **Not attempted** -- the placeholder ``____`` (or ``None``) is still there, the variable
  is not defined, or the function still returns ``____`` (or raises
  ``NotImplementedError``, nbgrader's stock stub).

``q1.hint()`` shows one more hint on each call (``q1.hint(2)`` shows hint 2),
``q1.solution()`` shows a worked solution, and ``q1.widget()`` returns an answer box
(ipywidgets) that checks the number typed in and stores it in the question's variable.

The questions of the course are defined in :mod:`smartlev.teach.exercises.ex01` ...
``ex09``, not in the notebooks. Expected values, known wrong answers and right choices
may be given as functions of no argument: they are computed on the first check, so they
follow the engine when its defaults change.

Grading hook
------------
Every question registers itself when it is created and every check records its outcome
in a registry kept by this module (:func:`results`, :func:`questions`). When the
environment variable ``SMARTLEV_GRADE_FILE`` names a file, each registration and each
check is also appended to it as one JSON line, written and closed at once, so the
outcomes reached before a crash or a timeout survive the kernel. :mod:`smartlev.teach.grade`
sets that variable for every notebook it runs, appends a last cell calling
:func:`final_check` (which checks, from the learner's variables, every question whose
check cell never ran) and reads the file back. The last check of a question counts.
Questions with ``points=0`` are practice only and are not written to the file.

Under nbgrader (``NBGRADER_EXECUTION`` set by ``nbgrader autograde`` and
``nbgrader validate``) a check that is not correct raises ``AssertionError`` after
showing its feedback, so the autograder test cell holding ``q1.check()`` scores zero;
``check(strict=True)`` does the same anywhere.

Examples
--------
>>> from smartlev.teach.exercises import NumericQuestion, Factor, ____
>>> q = NumericQuestion("demo", expected=0.25, var="answer", diagnoses=[Factor(3, "L")])
>>> q.check(0.25)
Correct: 0.25 is right.
>>> q.check(0.75)
Not yet: off by a factor of L (= 3): your answer is 3 times the right one.
>>> q.check(-0.25)
Not yet: the sign is wrong: -0.25 has the opposite sign of the right answer.
>>> q.check(____)
Not attempted: replace the placeholder ____ with your answer, then run this cell again.
>>> answer = 0.25
>>> q.check()          # reads the variable named by ``var`` from the caller
Correct: 0.25 is right.
"""

from __future__ import annotations

import contextlib
import copy
import html
import inspect
import json
import math
import os
import re
import signal
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

__all__ = [
    "____",
    "CORRECT",
    "INCORRECT",
    "NOT_ATTEMPTED",
    "GRADE_FILE_ENV",
    "Feedback",
    "Question",
    "NumericQuestion",
    "FunctionQuestion",
    "ChoiceQuestion",
    "Diagnosis",
    "Factor",
    "Offset",
    "Fee",
    "WrongAnswer",
    "widget_answer",
    "results",
    "questions",
    "final_check",
    "reset",
]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
_LABELS = {CORRECT: "Correct", INCORRECT: "Not yet", NOT_ATTEMPTED: "Not attempted"}
_COLOURS = {CORRECT: "#1a7f37", INCORRECT: "#b35900", NOT_ATTEMPTED: "#57606a"}

#: Environment variable naming the JSON-lines file that checks append to while grading.
GRADE_FILE_ENV = "SMARTLEV_GRADE_FILE"

_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class _Placeholder:
    """The blank ``____`` a learner replaces with an answer."""

    _instance: _Placeholder | None = None

    def __new__(cls) -> _Placeholder:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    __str__ = __repr__

    def __reduce__(self) -> str:
        return "____"


#: Placeholder for an answer not given yet: ``answer_1 = ____``.
____ = _Placeholder()


class _Undefined:
    """Marks a variable that does not exist in the learner's namespace."""

    def __repr__(self) -> str:
        return "<undefined>"


_UNDEFINED = _Undefined()
_MISSING = object()


class _TimeLimit(BaseException):
    """Raised inside learner code when the time for a check runs out.

    A BaseException, so that ``except Exception`` in learner code cannot swallow it.
    """


# --------------------------------------------------------------------------- feedback


def _inline_html(text: str) -> str:
    """Escape ``text`` for HTML and turn `code` and **bold** spans into tags."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check.

    Attributes
    ----------
    question : str
        Name of the question checked.
    status : str
        ``"correct"``, ``"incorrect"`` or ``"not attempted"``.
    message : str
        What the checker saw, in plain words (inline `code` marked with backticks).
    points, max_points : float
        Points earned (all or nothing) and points available.

    Examples
    --------
    >>> fb = Feedback("q1", "incorrect", "the sign is wrong.", 0.0, 1.0)
    >>> fb.label, fb.correct
    ('Not yet', False)
    >>> print(fb)
    Not yet: the sign is wrong.
    """

    question: str
    status: str
    message: str
    points: float = 0.0
    max_points: float = 1.0

    @property
    def correct(self) -> bool:
        """True when the answer was right."""
        return self.status == CORRECT

    @property
    def label(self) -> str:
        """The word the feedback starts with: Correct, Not yet or Not attempted."""
        return _LABELS[self.status]

    @property
    def text(self) -> str:
        """The feedback as one line of plain text, starting with :attr:`label`."""
        return f"{self.label}: {self.message}"

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f'<div class="sl-check-result sl-{self.status.replace(" ", "-")}" '
            f'style="border-left: 4px solid {colour}; padding: 0.2em 0.6em; margin: 0.2em 0;">'
            f'<b style="color: {colour};">{self.label}</b>: {_inline_html(self.message)}</div>'
        )

    def to_record(self, source: str = "check") -> dict[str, Any]:
        """The JSON-ready record written to the grading file."""
        return {
            "event": "check",
            "name": self.question,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "detail": self.text,
            "source": source,
        }


class _Doc:
    """Markdown shown in a notebook, with the same text as the plain-text fallback."""

    def __init__(self, markdown: str) -> None:
        self.markdown = markdown

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


def _show(obj: object) -> None:
    from IPython.display import display

    display(obj)


# --------------------------------------------------------------------------- registry

_QUESTIONS: dict[str, Question] = {}
_RESULTS: dict[str, Feedback] = {}


def _emit(record: Mapping[str, Any]) -> None:
    path = os.environ.get(GRADE_FILE_ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(dict(record), sort_keys=True) + "\n")
    except OSError:  # grading must never break the learner's notebook
        pass


def _record(question: Question, fb: Feedback, source: str) -> None:
    question.last = fb
    if question.points == 0:
        return
    _RESULTS[question.name] = fb
    _emit(fb.to_record(source))


def results() -> dict[str, Feedback]:
    """The last feedback of every question checked in this process, by question name.

    Examples
    --------
    >>> reset()
    >>> q = NumericQuestion("r1", expected=2.0)
    >>> q.check(2.0)
    Correct: 2 is right.
    >>> results()["r1"].status
    'correct'
    """
    return dict(_RESULTS)


def questions() -> dict[str, Question]:
    """Every graded question created in this process, by name, in creation order."""
    return dict(_QUESTIONS)


def reset() -> None:
    """Forget all registered questions and recorded results (for tests)."""
    _QUESTIONS.clear()
    _RESULTS.clear()


def final_check(namespace: Mapping[str, Any]) -> None:
    """Check, without displaying anything, every question whose check never ran.

    :mod:`smartlev.teach.grade` appends a cell calling ``final_check(globals())`` to each
    notebook it runs, so deleting a check cell does not lose the exercise: the answer
    is read from the variable named by the question's ``var``.

    Parameters
    ----------
    namespace : mapping
        The learner's variables (``globals()`` of the notebook).

    Examples
    --------
    >>> reset()
    >>> q = NumericQuestion("f1", expected=1.5, var="answer_f1")
    >>> final_check({"answer_f1": 1.5})
    >>> results()["f1"].status
    'correct'
    """
    for q in list(_QUESTIONS.values()):
        if q.name in _RESULTS or q.var is None:
            continue
        fb = q.evaluate(namespace.get(q.var, _UNDEFINED))
        _record(q, fb, "final")


def _strict_from_env() -> bool:
    return os.environ.get("NBGRADER_EXECUTION", "") in ("autograde", "validate")


# --------------------------------------------------------------------------- questions


def _lookup(var: str) -> Any:
    """Value of ``var`` in the first calling frame outside this module."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    if frame is None:
        return _UNDEFINED
    if var in frame.f_locals:
        return frame.f_locals[var]
    return frame.f_globals.get(var, _UNDEFINED)


def _caller_globals() -> dict[str, Any] | None:
    """Global variables of the first calling frame outside this module (the notebook)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return None if frame is None else frame.f_globals


def _is_placeholder(value: object) -> bool:
    return value is ____ or value is None or value is Ellipsis or value is NotImplemented


class Question:
    """Base class: name, points, hints, solution, checking, registry and answer box.

    Parameters
    ----------
    name : str
        Short unique name, used in feedback, hints and the grades CSV (letters, digits,
        ``_``, ``.``, ``-``). Use the name of the Python variable holding the question
        (``q1 = NumericQuestion("q1", ...)``) so that the feedback's "run ``q1.hint()``"
        is right.
    var : str, optional
        Name of the learner's variable (``"answer_1"`` or a function name) that
        ``check()`` with no argument reads from the calling notebook.
    points : float
        Points for a correct answer (0 = practice only: not graded).
    hints : str or sequence of str
        Hints in Markdown, from a gentle nudge to nearly the answer.
    solution : str
        Worked solution in Markdown (code in fenced blocks).
    explanation : str
        Sentence added to the feedback when the answer is right.
    hidden_tests : bool
        True when the instructor's notebook has hidden tests for this exercise; the
        correct message then says "these checks passed".
    prompt : str
        Short text shown above the answer box of :meth:`widget`.
    """

    kind = "question"

    def __init__(
        self,
        name: str,
        *,
        var: str | None = None,
        points: float = 1.0,
        hints: str | Sequence[str] = (),
        solution: str = "",
        explanation: str = "",
        hidden_tests: bool = False,
        prompt: str = "",
    ) -> None:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(
                f"name must be a non-empty string of letters, digits, '_', '.' or '-', got {name!r}"
            )
        if var is not None and (not isinstance(var, str) or not var.isidentifier()):
            raise ValueError(f"var must be a Python identifier or None, got {var!r}")
        if isinstance(points, bool) or not isinstance(points, Real) or not points >= 0:
            raise ValueError(f"points must be a number >= 0, got {points!r}")
        if isinstance(hints, str):
            hints = [hints]
        hints = list(hints)
        if not all(isinstance(h, str) for h in hints):
            raise TypeError(f"hints must be a string or a sequence of strings, got {hints!r}")
        for label, text in (
            ("solution", solution),
            ("explanation", explanation),
            ("prompt", prompt),
        ):
            if not isinstance(text, str):
                raise TypeError(f"{label} must be a string, got {text!r}")
        self.name = name
        self.var = var
        self.points = float(points)
        self.hints = hints
        self.solution_text = solution
        self.explanation = explanation
        self.hidden_tests = bool(hidden_tests)
        self.prompt = prompt
        self.last: Feedback | None = None
        self._hints_shown = 0
        if self.points > 0:
            _QUESTIONS[name] = self
            _emit({"event": "question", "name": name, "kind": self.kind, "max_points": self.points})

    def __repr__(self) -> str:
        pts = f"{self.points:g} point" + ("" if self.points == 1 else "s")
        return f"<{type(self).__name__} {self.name!r}: {pts}>"

    # -- feedback helpers
    def _fb(self, status: str, message: str) -> Feedback:
        earned = self.points if status == CORRECT else 0.0
        return Feedback(self.name, status, message, earned, self.points)

    def _correct_message(self, default: str) -> str:
        msg = default
        if self.hidden_tests and "these checks passed" not in msg:
            msg = "these checks passed. More checks run when your work is graded."
        if self.explanation:
            msg = f"{msg} {self.explanation}"
        return msg

    def _not_yet(self, reason: str) -> Feedback:
        msg = reason if reason.endswith((".", "?", "!")) else reason + "."
        if self.hints and self.name.isidentifier():
            msg += f" Run `{self.name}.hint()` for a hint."
        return self._fb(INCORRECT, msg)

    def _not_attempted(self, answer: object) -> Feedback:
        where = f"`{self.var}`" if self.var else "your answer"
        if answer is _UNDEFINED:
            msg = (
                f"`{self.var}` is not defined yet: write your answer in the cell above and run it."
            )
        elif answer is ____:
            msg = "replace the placeholder ____ with your answer, then run this cell again."
        else:
            msg = f"{where} is {answer!r}: give your answer, then run this cell again."
        return self._fb(NOT_ATTEMPTED, msg)

    # -- public API
    def evaluate(self, answer: object) -> Feedback:
        """Judge ``answer`` and return the :class:`Feedback`; shows and records nothing."""
        if answer is _UNDEFINED or _is_placeholder(answer):
            return self._not_attempted(answer)
        return self._judge(answer)

    def _judge(self, answer: object) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, answer: object = _MISSING, *, strict: bool | None = None) -> None:
        """Check an answer, show the feedback and record it for grading.

        Parameters
        ----------
        answer : object, optional
            The answer. When omitted, the variable named by ``var`` is read from the
            notebook (the cell that calls ``check``).
        strict : bool, optional
            Raise ``AssertionError`` when the answer is not correct. By default only
            under nbgrader (environment variable ``NBGRADER_EXECUTION``).

        Returns
        -------
        None
            Nothing, so that an nbgrader test cell ending in ``q.check()`` has no
            result to parse; the feedback is shown and kept in :attr:`last`.
        """
        self._check(answer, strict)

    def _check(self, answer: object, strict: bool | None, **options: Any) -> None:
        if answer is _MISSING:
            if self.var is None:
                raise TypeError(
                    f"{self.name}.check() needs the answer: this question has no var, "
                    f"so call {self.name}.check(your_answer)"
                )
            answer = _lookup(self.var)
            source = "var"
        else:
            source = "argument"
        fb = self.evaluate(answer, **options)
        _record(self, fb, source)
        _show(fb)
        if strict is None:
            strict = _strict_from_env()
        if strict and not fb.correct:
            raise AssertionError(fb.text)

    def hint(self, n: int | None = None) -> None:
        """Show the next hint (or hint ``n``, counting from 1).

        Examples
        --------
        >>> q = NumericQuestion("h1", expected=1.0, points=0, hints=["Think.", "Compute."])
        >>> q.hint()
        **Hint 1 of 2:** Think.
        <BLANKLINE>
        _Run `h1.hint()` again for more help._
        >>> q.hint()
        **Hint 2 of 2:** Compute.
        <BLANKLINE>
        _That was the last hint: `h1.solution()` shows a solution._
        """
        total = len(self.hints)
        call = f"`{self.name}.hint()`" if self.name.isidentifier() else "`hint()`"
        sol = f"`{self.name}.solution()`" if self.name.isidentifier() else "`solution()`"
        if total == 0:
            _show(_Doc(f"There is no hint for this one: {sol} shows a solution."))
            return
        if n is None:
            self._hints_shown = min(self._hints_shown + 1, total)
            n = self._hints_shown
        elif isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= total:
            raise ValueError(f"n must be an integer in [1, {total}], got {n!r}")
        else:
            self._hints_shown = max(self._hints_shown, n)
        text = f"**Hint {n} of {total}:** {self.hints[n - 1]}"
        if n < total:
            text += f"\n\n_Run {call} again for more help._"
        else:
            text += f"\n\n_That was the last hint: {sol} shows a solution._"
        _show(_Doc(text))

    def _default_solution(self) -> str:
        return "No written solution for this one."

    def self_test(self) -> list[str]:
        """Check the checker: the right answer passes, placeholders are not attempted,
        every known mistake is recognised with its own reason.

        Returns
        -------
        list of str
            Problems found (empty when the question is sound). Used by the tests of
            every solution notebook.
        """
        problems = []
        for blank in (____, None, _UNDEFINED):
            if self.evaluate(blank).status != NOT_ATTEMPTED:
                problems.append(f"{self.name}: {blank!r} is not 'not attempted'")
        try:
            cases = self._self_test_cases()
        except Exception as exc:  # noqa: BLE001 - a broken question is a problem to report
            return [f"{self.name}: {type(exc).__name__}: {exc}"]
        for answer, status, words in cases:
            try:
                fb = self.evaluate(answer)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{self.name}: {type(exc).__name__}: {exc}")
                continue
            if fb.status != status or (words and words not in fb.message):
                problems.append(
                    f"{self.name}: answer {_short(answer)} gives {fb.text!r}, expected "
                    f"{_LABELS[status]!r}" + (f" with {words!r}" if words else "")
                )
        return problems

    def _self_test_cases(self) -> list[tuple[Any, str, str]]:
        return []

    def solution(self) -> None:
        """Show the worked solution as Markdown."""
        body = self.solution_text or self._default_solution()
        _show(_Doc(f"**Solution:** {body}"))

    # -- answer box
    def _input_widget(self, value: Any, description: str) -> Any:
        raise TypeError(f"{type(self).__name__} {self.name!r} has no answer box")

    def _untouched(self, widget: Any, touched: bool) -> bool:
        return not touched

    def widget(self, *, value: Any = None, description: str = "Your answer:") -> Any:
        """An answer box: input, a Check button and the feedback, in a VBox.

        The VBox has the CSS class ``sl-answer-box``; the input ``sl-answer-input``;
        the button (labelled Check) ``sl-check``; the feedback HTML ``sl-feedback``,
        whose text starts with Correct, Not yet or Not attempted.

        The learner gives the answer once: when the question has a ``var`` and the
        notebook already holds an answer in it (``answer_3 = 0.62`` in a cell above),
        the box starts with that value; and a number checked in the box is stored in
        that variable, so the check cell below (``q3.check()``) sees it without typing
        it again.

        Parameters
        ----------
        value : optional
            Initial value of the input (then it counts as entered). By default the
            value of the question's variable in the calling notebook, if it holds an
            answer.
        description : str
            Label in front of the input.

        Examples
        --------
        >>> q = NumericQuestion("w1", expected=3.0, points=0)
        >>> box = q.widget()
        >>> inp, button, feedback = box.children
        >>> inp.value = 3.0
        >>> button.click()
        >>> feedback.value.startswith("Correct")
        True
        """
        import ipywidgets as widgets

        namespace = _caller_globals() if self.var else None
        inp = None
        from_code = False
        if value is None and namespace is not None:
            current = namespace.get(self.var, _UNDEFINED)
            if current is not _UNDEFINED and not _is_placeholder(current):
                try:  # an answer the input cannot show (text in a number box) is left out
                    inp = self._input_widget(current, description)
                    value, from_code = current, True
                except Exception:  # noqa: BLE001
                    inp = None
        if inp is None:
            inp = self._input_widget(value, description)
        inp.add_class("sl-answer-input")
        button = widgets.Button(description="Check", button_style="primary", tooltip="Check")
        button.add_class("sl-check")
        first = self._fb(NOT_ATTEMPTED, "enter your answer, then press Check.")
        feedback = widgets.HTML(value=f"{first.label}: {_inline_html(first.message)}")
        if from_code:
            feedback.value = _inline_html(f"Your `{self.var}` is in the box: press Check.")
        feedback.style.text_color = _COLOURS[NOT_ATTEMPTED]
        feedback.add_class("sl-feedback")
        children = [inp, button, feedback]
        if self.prompt:
            prompt = widgets.HTML(value=_inline_html(self.prompt))
            prompt.add_class("sl-answer-prompt")
            children.insert(0, prompt)
        box = widgets.VBox(children)
        box.add_class("sl-answer-box")
        box.question = self  # lets tools (and the browser tests) find the question
        state = {"touched": value is not None}

        def on_change(_change: Any) -> None:
            state["touched"] = True

        def on_click(_button: Any) -> None:
            if self._untouched(inp, state["touched"]):
                fb = self._fb(NOT_ATTEMPTED, "enter your answer, then press Check.")
            else:
                answer = inp.value
                if isinstance(answer, tuple):
                    answer = set(answer)
                fb = self.evaluate(answer)
                _record(self, fb, "widget")
                if namespace is not None and fb.status != NOT_ATTEMPTED:
                    namespace[self.var] = answer
            feedback.value = f"{fb.label}: {_inline_html(fb.message)}"
            feedback.style.text_color = _COLOURS[fb.status]

        inp.observe(on_change, names="value")
        button.on_click(on_click)
        return box


def widget_answer(question: Question, **kwargs: Any) -> Any:
    """The answer box of ``question`` (same as ``question.widget(**kwargs)``)."""
    if not isinstance(question, Question):
        raise TypeError(f"question must be a Question, got {type(question).__name__}")
    return question.widget(**kwargs)


# --------------------------------------------------------------------------- diagnoses


def _fmt(x: float) -> str:
    return f"{x:.6g}"


class Diagnosis:
    """A typical mistake: :meth:`diagnose` returns the reason when ``value`` shows it.

    Subclass it, or pass any callable ``f(value, expected) -> str | None`` instead.
    """

    def diagnose(
        self, value: float, expected: float, close: Callable[[float, float], bool]
    ) -> str | None:
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class Factor(Diagnosis):
    """Off by a known factor (for example the leverage L), in either direction.

    Examples
    --------
    >>> close = lambda a, b: abs(a - b) < 1e-9
    >>> Factor(3, "L").diagnose(0.3, 0.1, close)
    'off by a factor of L (= 3): your answer is 3 times the right one'
    >>> Factor(3).diagnose(0.1, 0.3, close)
    'off by a factor of 3: your answer is 1/3 of the right one'
    """

    factor: float
    name: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.factor, bool) or not isinstance(self.factor, Real):
            raise TypeError(f"factor must be a real number, got {self.factor!r}")
        if not math.isfinite(self.factor) or self.factor in (0, 1, -1):
            raise ValueError(f"factor must be finite and not 0, 1 or -1, got {self.factor!r}")

    def diagnose(
        self, value: float, expected: float, close: Callable[[float, float], bool]
    ) -> str | None:
        k = float(self.factor)
        what = f"{self.name} (= {_fmt(k)})" if self.name else _fmt(k)
        if expected != 0 and close(value, expected * k):
            return (
                self.reason
                or f"off by a factor of {what}: your answer is {_fmt(k)} times the right one"
            )
        if expected != 0 and close(value, expected / k):
            return (
                self.reason
                or f"off by a factor of {what}: your answer is 1/{_fmt(k)} of the right one"
            )
        return None


@dataclass(frozen=True)
class Offset(Diagnosis):
    """Answer shifted by a known amount: ``value == expected + amount`` means ``reason``.

    ``reason_opposite`` (optional) explains ``value == expected - amount``.
    """

    amount: float
    reason: str
    reason_opposite: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Real):
            raise TypeError(f"amount must be a real number, got {self.amount!r}")
        if not math.isfinite(self.amount) or self.amount == 0:
            raise ValueError(f"amount must be finite and not 0, got {self.amount!r}")

    def diagnose(
        self, value: float, expected: float, close: Callable[[float, float], bool]
    ) -> str | None:
        if close(value, expected + self.amount):
            return self.reason
        if self.reason_opposite and close(value, expected - self.amount):
            return self.reason_opposite
        return None


class Fee(Offset):
    """Forgot the fee: the answer without the fee is ``expected + amount``.

    ``amount`` is the change the fee makes to the answer, signed as "answer without fee
    minus right answer" (positive for a NAV, which the fee lowers). An answer at
    ``expected - amount`` means the fee was counted twice.

    Examples
    --------
    >>> close = lambda a, b: abs(a - b) < 1e-9
    >>> Fee(0.002).diagnose(1.052, 1.05, close)
    'it looks like you forgot the fee: your answer is off by exactly its cost (0.002)'
    >>> Fee(0.002).diagnose(1.048, 1.05, close)
    'it looks like the fee was counted twice'
    """

    def __init__(self, amount: float, name: str = "fee") -> None:
        super().__init__(
            amount,
            f"it looks like you forgot the {name}: your answer is off "
            f"by exactly its cost ({_fmt(float(amount)) if isinstance(amount, Real) else amount})",
            f"it looks like the {name} was counted twice",
        )


@dataclass(frozen=True)
class WrongAnswer(Diagnosis):
    """A known wrong value and why it is wrong (what ``wrong_answers`` entries become)."""

    value: float
    reason: str

    def diagnose(
        self, value: float, expected: float, close: Callable[[float, float], bool]
    ) -> str | None:
        return self.reason if close(value, self.value) else None


def _run_diagnoses(
    diagnoses: Iterable[Any], value: float, expected: float, close: Callable[[float, float], bool]
) -> str | None:
    for d in diagnoses:
        reason = (
            d.diagnose(value, expected, close) if isinstance(d, Diagnosis) else d(value, expected)
        )
        if reason:
            return reason
    return None


def _builtin_diagnosis(
    value: float, expected: float, close: Callable[[float, float], bool]
) -> str | None:
    if expected != 0 and close(value, -expected):
        return f"the sign is wrong: {_fmt(value)} has the opposite sign of the right answer"
    if expected != 0 and close(value, expected * 100):
        return "off by a factor of 100: that looks like a percentage; give a fraction (5% is 0.05)"
    if expected != 0 and close(value, expected / 100):
        return "off by a factor of 100: that looks like a fraction; give a percentage (0.05 is 5%)"
    if expected != 0 and abs(value - expected) <= 0.05 * abs(expected):
        rel = abs(value - expected) / abs(expected)
        return (
            f"close, but not close enough ({rel:.1%} away): "
            "keep more decimals, or round only at the end"
        )
    return None


def _as_number(answer: object) -> float | str:
    """The answer as a float, or a reason why it is not a number."""
    if isinstance(answer, (bool, np.bool_)):
        return f"expected a number, got {answer!r}"
    if isinstance(answer, (str, bytes)):
        return f"expected a number, got the text {answer!r} (remove the quotes)"
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number, got {type(answer).__name__}"
    if arr.size != 1:
        return f"expected one number, got {arr.size} values (shape {arr.shape})"
    v = float(arr.reshape(-1)[0])
    if math.isnan(v):
        return "your answer is NaN (not a number): look for a division by zero or a missing value"
    if math.isinf(v):
        return "your answer is infinite: look for a division by zero"
    return v


class NumericQuestion(Question):
    """A question whose answer is one number.

    Parameters
    ----------
    name : str
        See :class:`Question`.
    expected : float or callable
        The right answer, or a function of no argument returning it (computed on the
        first check, then kept: for answers that need a simulation, so that they follow
        the engine instead of a number written down once).
    rtol, atol : float
        The answer is right when ``|answer - expected| <= atol + rtol * |expected|``.
        The same tolerance decides which diagnosis matches.
    diagnoses : sequence of Diagnosis or callable, or a function returning one
        Typical mistakes to recognise, tried in order (:class:`Factor`, :class:`Fee`,
        :class:`Offset`, or ``f(value, expected) -> reason or None``). A function of no
        argument returning the sequence is called on the first check (for a fee's cost
        that needs a simulation).
    wrong_answers : mapping of float to str, or a function returning one
        Known wrong values with their reason, tried first (for example the result
        of simple instead of compound returns). A function of no argument returning the
        mapping is called on the first check.
    **kwargs
        ``var``, ``points``, ``hints``, ``solution``, ``explanation``, ``hidden_tests``,
        ``prompt``: see :class:`Question`.

    Notes
    -----
    Built-in diagnoses, tried after the given ones: wrong sign (``answer = -expected``),
    percentage vs fraction (a factor of 100 either way) and "close but not within the
    tolerance" (within 5%).

    Examples
    --------
    >>> q = NumericQuestion(
    ...     "q_ret", expected=0.1025, var="total_return",
    ...     wrong_answers={0.10: "you added the two returns; compound them: (1 + r1)(1 + r2) - 1"},
    ...     points=0)
    >>> q.check(0.10)
    Not yet: you added the two returns; compound them: (1 + r1)(1 + r2) - 1.
    >>> q.check(10.25)
    Not yet: off by a factor of 100: that looks like a percentage; give a fraction (5% is 0.05).
    >>> q.check("0.1025")
    Not yet: expected a number, got the text '0.1025' (remove the quotes).
    """

    kind = "numeric"

    def __init__(
        self,
        name: str,
        expected: float | Callable[[], float],
        *,
        rtol: float = 1e-3,
        atol: float = 1e-9,
        diagnoses: Sequence[Any] | Callable[[], Sequence[Any]] = (),
        wrong_answers: Mapping[float, str] | Callable[[], Mapping[float, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        for pname, tol in (("rtol", rtol), ("atol", atol)):
            if isinstance(tol, bool) or not isinstance(tol, Real) or not (0 <= tol < math.inf):
                raise ValueError(f"{pname} must be a finite number >= 0, got {tol!r}")
        if not callable(expected):
            v = _as_number(expected)
            if isinstance(v, str):
                raise ValueError(
                    f"expected must be a finite number or a callable, got {expected!r}"
                )
        self._expected = expected
        self.computed = callable(expected)  # True when the right answer comes from a function
        self.rtol = float(rtol)
        self.atol = float(atol)
        self._diagnoses: Any = None
        self._diagnoses_source = (wrong_answers, diagnoses)
        if not callable(diagnoses) and not callable(wrong_answers):
            self._diagnoses = self._build_diagnoses(wrong_answers, diagnoses)
        super().__init__(name, **kwargs)

    @staticmethod
    def _build_diagnoses(wrong_answers: Any, diagnoses: Any) -> list[Any]:
        if callable(wrong_answers):
            wrong_answers = wrong_answers()
        if callable(diagnoses) and not isinstance(diagnoses, Diagnosis):
            diagnoses = diagnoses()
        diagnoses = list(diagnoses)
        for d in diagnoses:
            if not (isinstance(d, Diagnosis) or callable(d)):
                raise TypeError(f"diagnoses must hold Diagnosis objects or callables, got {d!r}")
        wrong = []
        for value, reason in (wrong_answers or {}).items():
            if not isinstance(reason, str):
                raise TypeError(f"wrong_answers reasons must be strings, got {reason!r}")
            wrong.append(WrongAnswer(float(value), reason))
        return [*wrong, *diagnoses]

    @property
    def diagnoses(self) -> list[Any]:
        """Known wrong answers, then the other diagnoses (computed on first use)."""
        if self._diagnoses is None:
            self._diagnoses = self._build_diagnoses(*self._diagnoses_source)
        return self._diagnoses

    @property
    def expected(self) -> float:
        """The right answer (computed on first use when given as a callable)."""
        if callable(self._expected):
            v = _as_number(self._expected())
            if isinstance(v, str):
                raise ValueError(f"expected() of question {self.name!r} did not give a number: {v}")
            self._expected = v
        return float(self._expected)

    def _close(self, a: float, b: float) -> bool:
        return abs(a - b) <= self.atol + self.rtol * abs(b)

    def _judge(self, answer: object) -> Feedback:
        v = _as_number(answer)
        if isinstance(v, str):
            return self._not_yet(v)
        e = self.expected
        if self._close(v, e):
            return self._fb(CORRECT, self._correct_message(f"{_fmt(v)} is right."))
        reason = _run_diagnoses(self.diagnoses, v, e, self._close)
        reason = reason or _builtin_diagnosis(v, e, self._close)
        return self._not_yet(reason or f"{_fmt(v)} is not the expected value")

    def _default_solution(self) -> str:
        return f"the expected value is {_fmt(self.expected)}."

    def _self_test_cases(self) -> list[tuple[Any, str, str]]:
        e = self.expected
        cases: list[tuple[Any, str, str]] = [(e, CORRECT, "")]
        for d in self.diagnoses:
            if isinstance(d, WrongAnswer):
                cases.append((d.value, INCORRECT, d.reason))
            elif isinstance(d, Factor) and e != 0:
                cases.append((e * float(d.factor), INCORRECT, d.reason or "factor"))
            elif isinstance(d, Offset):
                cases.append((e + float(d.amount), INCORRECT, d.reason))
        if e != 0:
            cases.append((-e, INCORRECT, ""))  # a wrong sign is never right
        return cases

    def _input_widget(self, value: Any, description: str) -> Any:
        import ipywidgets as widgets

        return widgets.FloatText(
            value=0.0 if value is None else float(value), description=description
        )


# --------------------------------------------------------------------------- functions


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """Raise :class:`_TimeLimit` in the main thread after ``seconds`` (Unix only)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _TimeLimit()

    start = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # give back an alarm someone else had set
            left = max(old_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, old_interval)


def _short(x: Any, width: int = 60) -> str:
    if isinstance(x, np.ndarray) and x.size > 6:
        return f"array of shape {x.shape}"
    if isinstance(x, (float, np.floating)):
        return _fmt(float(x))
    text = repr(x)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _call_text(fname: str, args: tuple, kwargs: dict) -> str:
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{fname}({', '.join(parts)})"


def _case_args(case: Any) -> tuple[tuple, dict]:
    if isinstance(case, tuple):
        return case, {}
    if isinstance(case, dict):
        return (), dict(case)
    return (case,), {}


def _compare(got: Any, exp: Any, rtol: float, atol: float) -> bool:
    """Whether ``got`` matches ``exp``: numbers and arrays with a tolerance."""
    if exp is None:
        return got is None
    if isinstance(exp, (bool, np.bool_)):
        return isinstance(got, (bool, np.bool_)) and bool(got) == bool(exp)
    if isinstance(exp, (str, bytes)):
        return isinstance(got, type(exp)) and got == exp
    if isinstance(exp, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(exp):
            return False
        return all(_compare(got[k], exp[k], rtol, atol) for k in exp)
    if isinstance(exp, (list, tuple)) and not _numeric_like(exp):
        if not isinstance(got, (list, tuple)) or len(got) != len(exp):
            return False
        return all(_compare(g, x, rtol, atol) for g, x in zip(got, exp, strict=True))
    try:
        a = np.asarray(got, dtype=float)
        b = np.asarray(exp, dtype=float)
    except (TypeError, ValueError):
        try:
            return bool(got == exp)
        except Exception:  # noqa: BLE001 - any comparison failure means "different"
            return False
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _numeric_like(x: Any) -> bool:
    try:
        np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


class FunctionQuestion(Question):
    """A question whose answer is a function, checked against a reference on test cases.

    Parameters
    ----------
    name : str
        See :class:`Question`.
    reference : callable
        The right function.
    cases : sequence
        Test inputs: a tuple is unpacked as positional arguments, a dict as keyword
        arguments, anything else is passed as the one argument.
    rtol, atol : float
        Tolerance for numbers and arrays (``numpy.allclose``).
    time_limit : float or None
        Seconds allowed for all the cases together (Unix main thread only).
    diagnoses : sequence
        As for :class:`NumericQuestion`, applied when a case returns a wrong number.
    **kwargs
        ``var`` (the learner's function name), ``points``, ``hints``, ``solution``,
        ``explanation``, ``hidden_tests``: see :class:`Question`.

    Notes
    -----
    Inputs are deep-copied before each call, so a function that modifies its input
    cannot change the next case or the reference result. Warnings raised inside the
    learner's function are silenced while checking (under nbgrader any output on
    stderr would cost the points). The first failing case is reported.

    Examples
    --------
    >>> def capped(target_vol, vol):
    ...     return min(target_vol / vol, 4.0)
    >>> q = FunctionQuestion("q_cap", capped, cases=[(0.5, 1.0), (0.5, 0.1)], points=0)
    >>> q.check(lambda t, v: t / v)
    Not yet: for capped(0.5, 0.1) your function returned 5, the right answer is 4.
    >>> q.check(capped)
    Correct: these checks passed (2 test cases).
    >>> def stub(target_vol, vol):
    ...     return ____
    >>> q.check(stub)
    Not attempted: your function still returns the placeholder ____: write its body in place of it.
    """

    kind = "function"

    def __init__(
        self,
        name: str,
        reference: Callable[..., Any],
        cases: Sequence[Any],
        *,
        rtol: float = 1e-9,
        atol: float = 1e-12,
        time_limit: float | None = 10.0,
        diagnoses: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        if not callable(reference):
            raise TypeError(f"reference must be callable, got {reference!r}")
        cases = list(cases)
        if not cases:
            raise ValueError("cases must hold at least one test case, got none")
        for pname, tol in (("rtol", rtol), ("atol", atol)):
            if isinstance(tol, bool) or not isinstance(tol, Real) or not (0 <= tol < math.inf):
                raise ValueError(f"{pname} must be a finite number >= 0, got {tol!r}")
        if time_limit is not None and (
            isinstance(time_limit, bool) or not isinstance(time_limit, Real) or not time_limit > 0
        ):
            raise ValueError(f"time_limit must be a number > 0 or None, got {time_limit!r}")
        self.reference = reference
        self.cases = cases
        self.rtol = float(rtol)
        self.atol = float(atol)
        self.time_limit = None if time_limit is None else float(time_limit)
        self.diagnoses = list(diagnoses)
        super().__init__(name, **kwargs)

    def evaluate(self, answer: object, cases: Sequence[Any] | None = None) -> Feedback:
        """Judge the function ``answer`` on ``cases`` (default: the question's cases)."""
        if answer is _UNDEFINED or _is_placeholder(answer):
            return self._not_attempted(answer)
        return self._judge(answer, self.cases if cases is None else list(cases))

    def check(
        self,
        answer: object = _MISSING,
        *,
        cases: Sequence[Any] | None = None,
        strict: bool | None = None,
    ) -> None:
        """Check a function; ``cases`` replaces the test cases (for hidden tests).

        See :meth:`Question.check` for ``answer`` and ``strict``.
        """
        self._check(answer, strict, cases=cases)

    def _judge(self, answer: object, cases: Sequence[Any] | None = None) -> Feedback:
        cases = self.cases if cases is None else cases
        if not callable(answer):
            return self._not_yet(
                f"expected a function, got {type(answer).__name__} {_short(answer)}"
            )
        shown = self.var or getattr(answer, "__name__", "f")
        if not shown.isidentifier():  # a lambda
            shown = getattr(self.reference, "__name__", "f")
        if not shown.isidentifier():
            shown = "f"
        try:
            with _time_limit(self.time_limit), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                for case in cases:
                    args, kwargs = _case_args(case)
                    call = _call_text(shown, args, kwargs)
                    try:
                        expected = self.reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
                    except _TimeLimit:
                        raise
                    except Exception as exc:
                        raise RuntimeError(
                            f"the reference function of question {self.name!r} raised "
                            f"{type(exc).__name__} for {call}: {exc} (fix the question's cases)"
                        ) from exc
                    try:
                        got = answer(*copy.deepcopy(args), **copy.deepcopy(kwargs))
                    except NotImplementedError:
                        return self._fb(
                            NOT_ATTEMPTED,
                            "your function still raises NotImplementedError: "
                            "replace that line with your code.",
                        )
                    except _TimeLimit:
                        raise
                    except Exception as exc:  # noqa: BLE001 - report any learner error
                        return self._not_yet(
                            f"for {call} your function raised {type(exc).__name__}: {exc}"
                        )
                    if got is ____:
                        return self._fb(
                            NOT_ATTEMPTED,
                            "your function still returns the placeholder ____: "
                            "write its body in place of it.",
                        )
                    if not _compare(got, expected, self.rtol, self.atol):
                        return self._not_yet(self._mismatch(call, got, expected))
        except _TimeLimit:
            return self._not_yet(
                f"your function did not finish within {self.time_limit:g} s (an endless loop?)"
            )
        n = len(cases)
        msg = f"these checks passed ({n} test case{'s' if n != 1 else ''})."
        return self._fb(CORRECT, self._correct_message(msg))

    def _mismatch(self, call: str, got: Any, expected: Any) -> str:
        base = f"for {call} your function returned {_short(got)}"
        base += f", the right answer is {_short(expected)}"
        g, e = _as_number(got), _as_number(expected)
        if isinstance(g, float) and isinstance(e, float) and np.ndim(expected) == 0:
            close = lambda a, b: abs(a - b) <= self.atol + max(self.rtol, 1e-9) * abs(b)  # noqa: E731
            reason = _run_diagnoses(self.diagnoses, g, e, close)
            if reason is None and e != 0 and close(g, -e):
                reason = "the sign is wrong"
            if reason:
                return f"{base}: {reason}"
        elif got is None:
            return f"{base}: did you forget `return`?"
        elif np.ndim(expected) > 0 and np.shape(got) != np.shape(expected) and _numeric_like(got):
            return (
                f"for {call} your function returned shape {np.shape(got)}, "
                f"the right answer has shape {np.shape(expected)}"
            )
        return base

    def _self_test_cases(self) -> list[tuple[Any, str, str]]:
        def stub(*args: Any, **kwargs: Any) -> Any:
            return ____

        def raising_stub(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError()

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise ZeroDivisionError("division by zero")

        return [
            (self.reference, CORRECT, "these checks passed"),
            (stub, NOT_ATTEMPTED, "placeholder"),
            (raising_stub, NOT_ATTEMPTED, "NotImplementedError"),
            (broken, INCORRECT, "ZeroDivisionError"),
        ]

    def _default_solution(self) -> str:
        try:
            src = textwrap.dedent(inspect.getsource(self.reference))
        except (OSError, TypeError):
            return "No written solution for this one."
        return f"one way to write it:\n\n```python\n{src.rstrip()}\n```"


# --------------------------------------------------------------------------- choices


class ChoiceQuestion(Question):
    """Multiple choice: one right choice, or several (``answer`` given as a set).

    Parameters
    ----------
    name : str
        See :class:`Question`.
    choices : mapping of str to str, or sequence of str
        Keys and texts (``{"a": "...", "b": "..."}``); a sequence is keyed a, b, c, ...
    answer : str, set of str, or callable
        Key of the right choice, or the set of keys of all right choices; or a function
        of no argument returning one of those, called on the first check (for a choice
        that is decided by a computation, so that it follows the engine).
    explanations : mapping of str to str, optional
        Why a choice is right or wrong, shown when it is picked.
    **kwargs
        ``var``, ``points``, ``hints``, ``solution``, ``explanation``, ``hidden_tests``,
        ``prompt``: see :class:`Question`.

    Notes
    -----
    The learner answers with a key (``"b"``, any case) or the exact text of a choice;
    for several right choices, with a set or list of keys or a string like ``"a, c"``.

    Examples
    --------
    >>> q = ChoiceQuestion("faq1", ["Yes, never", "No: the NAV can still fall close to zero"],
    ...                    answer="b", points=0,
    ...                    explanations={"a": "a floor at zero is not a floor at your deposit"})
    >>> q.check("a")
    Not yet: a is not right: a floor at zero is not a floor at your deposit.
    >>> q.check("B")
    Correct: b is right.
    >>> q.check("z")
    Not yet: 'z' is not one of the choices a, b.
    """

    kind = "choice"

    def __init__(
        self,
        name: str,
        choices: Mapping[str, str] | Sequence[str],
        answer: str | Iterable[str] | Callable[[], str | Iterable[str]],
        *,
        explanations: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(choices, Mapping):
            items = [(str(k), str(v)) for k, v in choices.items()]
        elif isinstance(choices, Sequence) and not isinstance(choices, str):
            if len(choices) > 26:
                raise ValueError(f"choices must hold at most 26 entries, got {len(choices)}")
            items = [(chr(ord("a") + i), str(v)) for i, v in enumerate(choices)]
        else:
            raise TypeError(f"choices must be a mapping or a sequence of strings, got {choices!r}")
        if len(items) < 2:
            raise ValueError(f"choices must hold at least 2 entries, got {len(items)}")
        self.choices = dict(items)
        keys = {k.lower(): k for k in self.choices}
        if len(keys) != len(self.choices):
            raise ValueError(f"choices keys must differ ignoring case, got {list(self.choices)}")
        self._keys = keys
        self._answer_source = answer
        self._answer: frozenset[str] | None = None
        self._multiple = False
        if not callable(answer):
            self._resolve()
        self.explanations = {}
        for k, v in (explanations or {}).items():
            if str(k).lower() not in keys:
                raise ValueError(
                    f"explanations key {k!r} is not one of the choices {list(self.choices)}"
                )
            self.explanations[keys[str(k).lower()]] = str(v)
        super().__init__(name, **kwargs)

    def _resolve(self) -> None:
        answer = self._answer_source
        if callable(answer):
            answer = answer()
        right = [answer] if isinstance(answer, str) else list(answer)
        unknown = [a for a in right if str(a).lower() not in self._keys]
        if not right or unknown:
            raise ValueError(
                f"answer must be one or more of the keys {list(self.choices)}, got {answer!r}"
            )
        self._multiple = not isinstance(answer, str)
        self._answer = frozenset(self._keys[str(a).lower()] for a in right)

    @property
    def answer(self) -> frozenset[str]:
        """Keys of the right choices (computed on first use when given as a callable)."""
        if self._answer is None:
            self._resolve()
        return self._answer

    @property
    def multiple(self) -> bool:
        """True when the answer is a set of choices."""
        if self._answer is None:
            self._resolve()
        return self._multiple

    def _key(self, item: Any) -> str | None:
        text = str(item).strip()
        for k, v in self.choices.items():
            if text.lower() == k.lower() or text.lower() == v.strip().lower():
                return k
        return None

    def _parse(self, answer: Any) -> list[str] | str:
        if isinstance(answer, (bool, float)) or not isinstance(answer, (str, int, Iterable)):
            return f"answer with the key of a choice, such as {next(iter(self.choices))!r}"
        if isinstance(answer, (str, int)):
            text = str(answer)
            if self.multiple and self._key(text) is None:
                parts = [p for p in re.split(r"[,;\s]+", text) if p]
            else:
                parts = [text]
        else:
            parts = list(answer)
        keys = []
        for p in parts:
            k = self._key(p)
            if k is None:
                allowed = ", ".join(self.choices)
                return f"{str(p)!r} is not one of the choices {allowed}"
            if k not in keys:
                keys.append(k)
        if not keys:
            return "no choice given"
        return keys

    def _judge(self, answer: object) -> Feedback:
        keys = self._parse(answer)
        if isinstance(keys, str):
            return self._not_yet(keys)
        picked = set(keys)
        if not self.multiple and len(picked) > 1:
            return self._not_yet("pick only one choice")
        if picked == self.answer:
            shown = ", ".join(sorted(picked))
            extra = " ".join(self.explanations[k] for k in sorted(picked) if k in self.explanations)
            msg = f"{shown} {'are' if len(picked) > 1 else 'is'} right."
            if extra and not self.explanation:
                msg += f" {extra[0].upper()}{extra[1:]}"
            return self._fb(CORRECT, self._correct_message(msg))
        wrong = sorted(picked - self.answer)
        if wrong:
            k = wrong[0]
            why = self.explanations.get(k)
            return self._not_yet(f"{k} is not right" + (f": {why}" if why else ""))
        return self._not_yet("right so far, but you missed at least one right choice")

    def _self_test_cases(self) -> list[tuple[Any, str, str]]:
        right = sorted(self.answer)
        cases: list[tuple[Any, str, str]] = [(right if self.multiple else right[0], CORRECT, "")]
        for k in self.choices:
            if k not in self.answer:
                cases.append(([*right, k] if self.multiple else k, INCORRECT, ""))
        return cases

    def _default_solution(self) -> str:
        lines = [f"{', '.join(sorted(self.answer))}."]
        for k in sorted(self.answer):
            lines.append(
                f"- **{k}**: {self.choices[k]}"
                + (f" ({self.explanations[k]})" if k in self.explanations else "")
            )
        return "\n".join(lines)

    def _input_widget(self, value: Any, description: str) -> Any:
        import ipywidgets as widgets

        options = [(f"{k}) {v}", k) for k, v in self.choices.items()]
        layout = widgets.Layout(width="auto")
        if self.multiple:
            return widgets.SelectMultiple(
                options=options, value=tuple(value or ()), description=description, layout=layout
            )
        return widgets.RadioButtons(
            options=options, value=value, description=description, layout=layout
        )

    def _untouched(self, widget: Any, touched: bool) -> bool:
        return widget.value is None or widget.value == ()
