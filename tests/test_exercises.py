"""The checkers themselves (right answers, typical wrong answers, placeholders, errors), the
exercise-set modules, and the learner's notebooks: no solution, expected value, reference
implementation or right choice in them."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import time
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pytest

import smartlev.teach.exercises as ex
from smartlev.teach.exercises import (
    ChoiceQuestion,
    Factor,
    Fee,
    Feedback,
    FunctionQuestion,
    NumericQuestion,
    Offset,
    ____,
    _core,
    widget_answer,
)


@pytest.fixture(autouse=True)
def _clean_registry(monkeypatch):
    monkeypatch.delenv(ex.GRADE_FILE_ENV, raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    ex.reset()
    yield
    ex.reset()


def token_return(r1=0.10, r2=-0.10, L=3, fee=0.001):
    return (1 + L * r1) * (1 - fee) * (1 + L * r2) * (1 - fee) - 1


RIGHT = token_return()
NO_FEE = token_return(fee=0.0)


@pytest.fixture
def q1():
    return NumericQuestion(
        "q1",
        expected=RIGHT,
        var="answer_1",
        rtol=1e-6,
        diagnoses=[Fee(NO_FEE - RIGHT), Factor(3, "L")],
        wrong_answers={-0.03: "you took 3 times the underlying's two-day return"},
        hints=["first", "second"],
        solution="`(1.3 * 0.999) * (0.7 * 0.999) - 1`",
    )


# --------------------------------------------------------------------- numeric


def test_numeric_right_answer(q1):
    fb = q1.evaluate(RIGHT)
    assert fb.status == ex.CORRECT and fb.correct
    assert fb.points == 1.0 and fb.max_points == 1.0
    assert str(fb).startswith("Correct")
    # numpy scalars, 0-d and one-element arrays, integers are numbers too
    for v in (np.float64(RIGHT), np.array(RIGHT), np.array([RIGHT])):
        assert q1.evaluate(v).correct


@pytest.mark.parametrize(
    "value, words",
    [
        (-RIGHT, "sign is wrong"),
        (RIGHT * 3, "factor of L (= 3)"),
        (RIGHT / 3, "1/3 of the right one"),
        (RIGHT * 100, "percentage"),
        (RIGHT / 100, "give a percentage"),
        (NO_FEE, "forgot the fee"),
        (RIGHT - (NO_FEE - RIGHT), "counted twice"),
        (-0.03, "3 times the underlying's two-day return"),
        (RIGHT * 1.01, "close, but not close enough (1.0% away)"),
        (0.5, "0.5 is not the expected value"),
        ("-0.09", "remove the quotes"),
        (True, "expected a number, got True"),
        ([1.0, 2.0], "expected one number, got 2 values"),
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ({"a": 1}, "expected a number, got dict"),
    ],
)
def test_numeric_typical_mistakes(q1, value, words):
    fb = q1.evaluate(value)
    assert fb.status == ex.INCORRECT, fb
    assert fb.label == "Not yet"
    assert words in fb.message, fb.message
    assert fb.points == 0.0
    assert "q1.hint()" in fb.message  # the question has hints


@pytest.mark.parametrize("value", [____, None, Ellipsis])
def test_numeric_placeholders_are_not_attempted(q1, value):
    fb = q1.evaluate(value)
    assert fb.status == ex.NOT_ATTEMPTED
    assert fb.text.startswith("Not attempted")


def test_check_reads_the_variable_from_the_caller(q1, capsys):
    q1.check()  # answer_1 does not exist here
    assert q1.last.status == ex.NOT_ATTEMPTED
    assert "`answer_1` is not defined yet" in capsys.readouterr().out
    answer_1 = ____  # noqa: F841 - read by check() through the frame
    q1.check()
    assert q1.last.status == ex.NOT_ATTEMPTED
    answer_1 = RIGHT  # noqa: F841
    q1.check()
    assert q1.last.correct
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("Correct")


def test_check_without_var_needs_the_answer():
    q = NumericQuestion("nv", expected=1.0)
    with pytest.raises(TypeError, match="needs the answer"):
        q.check()
    q.check(1.0)
    assert q.last.correct


def test_check_returns_none_and_shows_feedback(q1, capsys):
    assert q1.check(RIGHT) is None
    assert capsys.readouterr().out.strip() == f"Correct: {RIGHT:.6g} is right."


def test_lazy_expected_is_computed_once():
    calls = []

    def expensive():
        calls.append(1)
        return 2.5

    q = NumericQuestion("lazy", expected=expensive)
    assert calls == []
    assert q.evaluate(2.5).correct and not q.evaluate(2.6).correct
    assert calls == [1]
    assert q.expected == 2.5


def test_custom_callable_diagnosis_and_offset():
    def doubled(value, expected):
        return "you counted both legs" if abs(value - 2 * expected) < 1e-12 else None

    q = NumericQuestion(
        "c1",
        expected=0.2,
        diagnoses=[doubled, Offset(0.05, "you added the funding", "you subtracted it twice")],
    )
    assert q.evaluate(0.4).message.startswith("you counted both legs")
    assert q.evaluate(0.25).message.startswith("you added the funding")
    assert q.evaluate(0.15).message.startswith("you subtracted it twice")


def test_tolerance():
    q = NumericQuestion("tol", expected=100.0, rtol=0.01, atol=0.0)
    assert q.evaluate(100.9).correct
    assert not q.evaluate(101.5).correct
    z = NumericQuestion("zero", expected=0.0, atol=1e-6)
    assert z.evaluate(5e-7).correct
    assert z.evaluate(0.1).message == "0.1 is not the expected value."


def test_hidden_tests_wording_and_explanation():
    q = NumericQuestion("h", expected=1.0, hidden_tests=True, explanation="Well spotted.")
    msg = q.evaluate(1.0).message
    assert "these checks passed" in msg and msg.endswith("Well spotted.")
    assert "all tests passed" not in msg.lower()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"name": ""}, ValueError, "name must be"),
        ({"name": "a b"}, ValueError, "name must be"),
        ({"var": "1x"}, ValueError, "var must be"),
        ({"points": -1}, ValueError, "points must be"),
        ({"points": True}, ValueError, "points must be"),
        ({"rtol": -0.1}, ValueError, "rtol must be"),
        ({"atol": float("nan")}, ValueError, "atol must be"),
        ({"expected": "abc"}, ValueError, "expected must be"),
        ({"hints": [1]}, TypeError, "hints must be"),
        ({"solution": 3}, TypeError, "solution must be"),
        ({"diagnoses": [3]}, TypeError, "diagnoses must"),
        ({"wrong_answers": {1.0: 2}}, TypeError, "wrong_answers"),
    ],
)
def test_numeric_bad_arguments(kwargs, error, words):
    args = {"name": "ok", "expected": 1.0, **kwargs}
    with pytest.raises(error, match=words):
        NumericQuestion(**args)


@pytest.mark.parametrize("factor", [0, 1, -1, float("inf")])
def test_factor_bad_values(factor):
    with pytest.raises(ValueError, match="factor must be"):
        Factor(factor)


def test_offset_bad_values():
    with pytest.raises(ValueError, match="amount must be"):
        Offset(0.0, "x")
    with pytest.raises(TypeError, match="amount must be"):
        Fee("0.1")


# --------------------------------------------------------------------- hints, solution


def test_hints_progress_and_stop_at_the_last(q1, capsys):
    q1.hint()
    out = capsys.readouterr().out
    assert "Hint 1 of 2" in out and "first" in out and "again for more help" in out
    q1.hint()
    out = capsys.readouterr().out
    assert "Hint 2 of 2" in out and "q1.solution()" in out
    q1.hint()
    assert "Hint 2 of 2" in capsys.readouterr().out
    q1.hint(1)
    assert "Hint 1 of 2" in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 2\]"):
        q1.hint(3)


def test_no_hints_and_default_solutions(capsys):
    q = NumericQuestion("nh", expected=0.125)
    q.hint()
    assert "no hint" in capsys.readouterr().out
    q.solution()
    assert "0.125" in capsys.readouterr().out
    assert "Run" not in q.evaluate(3.0).message  # no hint advertised when there is none


def test_solution_shows_markdown(q1, capsys):
    q1.solution()
    assert capsys.readouterr().out.startswith("**Solution:** `(1.3 * 0.999)")
    doc = _core._Doc("**x**")
    assert doc._repr_markdown_() == "**x**"


# --------------------------------------------------------------------- functions


def reference_policy(target_vol, vol, cap=4.0):
    return min(target_vol / vol, cap)


CASES = [(0.5, 1.0), (0.5, 0.1), {"target_vol": 0.3, "vol": 0.6, "cap": 2.0}]


@pytest.fixture
def q2():
    return FunctionQuestion("q2", reference_policy, CASES, var="policy", hints=["cap it"])


def test_function_right(q2):
    fb = q2.evaluate(reference_policy)
    assert fb.correct
    assert fb.message == "these checks passed (3 test cases)."
    assert "all tests" not in fb.message


def test_function_first_failing_case_is_reported(q2):
    fb = q2.evaluate(lambda target_vol, vol, cap=4.0: target_vol / vol)
    assert fb.status == ex.INCORRECT
    assert "for policy(0.5, 0.1) your function returned 5," in fb.message
    assert "the right answer is 4." in fb.message


def test_function_sign_and_factor_diagnosis():
    q = FunctionQuestion("fd", reference_policy, [(0.5, 1.0)], diagnoses=[Factor(3, "L")])
    assert "the sign is wrong" in q.evaluate(lambda t, v, cap=4.0: -t / v).message
    assert "factor of L" in q.evaluate(lambda t, v, cap=4.0: 3 * t / v).message


def test_function_not_attempted_states(q2):
    def stub(target_vol, vol, cap=4.0):
        # YOUR CODE HERE
        raise NotImplementedError()

    assert q2.evaluate(stub).status == ex.NOT_ATTEMPTED
    assert q2.evaluate(____).status == ex.NOT_ATTEMPTED
    assert q2.evaluate(_core._UNDEFINED).status == ex.NOT_ATTEMPTED


def test_function_exceptions_and_wrong_types(q2):
    def broken(target_vol, vol, cap=4.0):
        return target_vol / 0

    fb = q2.evaluate(broken)
    assert fb.status == ex.INCORRECT
    assert "raised ZeroDivisionError: float division by zero" in fb.message
    assert "expected a function, got int 3" in q2.evaluate(3).message
    fb = q2.evaluate(lambda target_vol, vol, cap=4.0: None)
    assert "did you forget `return`" in fb.message
    fb = q2.evaluate(lambda: 1.0)
    assert "raised TypeError" in fb.message


def test_function_endless_loop_is_stopped():
    q = FunctionQuestion("loop", reference_policy, [(0.5, 1.0)], time_limit=0.3)

    def forever(target_vol, vol, cap=4.0):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - a learner swallowing errors is still stopped
                pass

    start = time.monotonic()
    fb = q.evaluate(forever)
    assert fb.status == ex.INCORRECT
    assert "did not finish within 0.3 s" in fb.message
    assert time.monotonic() - start < 5


def test_function_time_limit_restores_an_outer_alarm():
    import signal

    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        q = FunctionQuestion("t", reference_policy, [(0.5, 1.0)], time_limit=5)
        assert q.evaluate(reference_policy).correct
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # the outer alarm is still set
        time.sleep(0.8)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_function_inputs_are_copied_and_arrays_compared():
    def ref(xs):
        return np.cumsum(xs)

    def mutating(xs):
        xs.append(100)  # changes the caller's list: must not leak into the next call
        return np.cumsum(xs[:-1])

    q = FunctionQuestion("arr", ref, [([1.0, 2.0],), ([3.0],)])
    assert q.evaluate(mutating).correct
    fb = q.evaluate(lambda xs: np.cumsum(xs)[:-1])
    assert "returned shape (1,), the right answer has shape (2,)" in fb.message
    fb = q.evaluate(lambda xs: list(np.cumsum(xs) + 1))
    assert fb.status == ex.INCORRECT


def test_function_compares_structures():
    q = FunctionQuestion(
        "s",
        lambda x: {"lev": x, "ok": x < 3, "name": "band", "none": None, "pair": (x, [x])},
        [1.0],
    )

    def right(x):
        return {"lev": x + 1e-13, "ok": x < 3, "name": "band", "none": None, "pair": (x, [x])}

    assert q.evaluate(right).correct

    def wrong(x):
        return {"lev": x, "ok": x < 3, "name": "Band", "none": None, "pair": (x, [x])}

    assert not q.evaluate(wrong).correct
    assert not q.evaluate(lambda x: {"lev": x}).correct


def test_function_warnings_do_not_reach_stderr(capfd):
    q = FunctionQuestion("w", lambda x: 0.0, [0.0])

    def noisy(x):
        import warnings

        warnings.warn("loud", stacklevel=1)
        return np.float64(1.0) / np.float64(x) * 0  # numpy warns on 1/0; nan * 0

    q.evaluate(noisy)
    assert capfd.readouterr().err == ""


def test_function_hidden_cases_override(q2, capsys):
    q2.check(reference_policy, cases=[(1.0, 0.5)])
    assert "1 test case)" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"reference": 3}, TypeError, "reference must be callable"),
        ({"cases": []}, ValueError, "cases must hold"),
        ({"time_limit": 0}, ValueError, "time_limit must be"),
        ({"rtol": -1}, ValueError, "rtol must be"),
    ],
)
def test_function_bad_arguments(kwargs, error, words):
    args = {"name": "f", "reference": reference_policy, "cases": CASES, **kwargs}
    with pytest.raises(error, match=words):
        FunctionQuestion(**args)


def test_function_has_no_answer_box(q2):
    with pytest.raises(TypeError, match="has no answer box"):
        q2.widget()


def test_function_default_solution_shows_reference_source(q2, capsys):
    q2.solution()
    out = capsys.readouterr().out
    assert "```python" in out and "def reference_policy" in out


# --------------------------------------------------------------------- choices


@pytest.fixture
def q4():
    return ChoiceQuestion(
        "q4",
        ["Yes, nothing can go wrong", "No: the NAV can still fall close to zero"],
        answer="b",
        var="answer_4",
        explanations={"a": "a floor at zero is not a floor at your deposit"},
    )


def test_choice_right_in_several_spellings(q4):
    for value in ("b", "B", " b ", "No: the NAV can still fall close to zero", ["b"]):
        assert q4.evaluate(value).correct, value


def test_choice_wrong_unknown_and_placeholders(q4):
    fb = q4.evaluate("a")
    assert fb.status == ex.INCORRECT and "floor at zero" in fb.message
    assert "'z' is not one of the choices a, b" in q4.evaluate("z").message
    assert "pick only one" in q4.evaluate(["a", "b"]).message
    assert "key of a choice" in q4.evaluate(2.0).message
    assert q4.evaluate(____).status == ex.NOT_ATTEMPTED
    assert q4.evaluate(None).status == ex.NOT_ATTEMPTED


def test_choice_several_right_answers():
    q = ChoiceQuestion(
        "multi", {"a": "fees", "b": "volatility decay", "c": "liquidation"}, answer={"a", "b"}
    )
    assert q.evaluate("a, b").correct
    assert q.evaluate({"b", "a"}).correct
    assert "missed at least one" in q.evaluate("a").message
    assert "c is not right" in q.evaluate(["a", "b", "c"]).message


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"choices": ["only one"]}, "at least 2"),
        ({"answer": "z"}, "answer must be"),
        ({"answer": []}, "answer must be"),
        ({"choices": {"a": "x", "A": "y"}, "answer": "a"}, "differ ignoring case"),
        ({"explanations": {"q": "?"}}, "explanations key"),
    ],
)
def test_choice_bad_arguments(kwargs, words):
    args = {"name": "c", "choices": ["x", "y"], "answer": "a", **kwargs}
    with pytest.raises(ValueError, match=words):
        ChoiceQuestion(**args)


# --------------------------------------------------------------------- rendering


def test_feedback_html_escapes_learner_text(q4):
    fb = q4.evaluate("<script>")
    html = fb._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith('<div class="sl-check-result sl-incorrect"')
    assert "<b" in html and "Not yet</b>" in html
    ok = Feedback("x", ex.CORRECT, "use `np.prod`.", 1.0, 1.0)._repr_html_()
    assert "<code>np.prod</code>" in ok


def test_question_repr_has_no_address(q1):
    assert repr(q1) == "<NumericQuestion 'q1': 1 point>"
    assert repr(____) == "____"


# --------------------------------------------------------------------- strict mode


def test_strict_raises_after_showing(q1, capsys):
    with pytest.raises(AssertionError, match="Not yet: the sign is wrong"):
        q1.check(-RIGHT, strict=True)
    assert "Not yet" in capsys.readouterr().out
    q1.check(RIGHT, strict=True)  # right answers never raise


def test_nbgrader_execution_makes_checks_strict(q1, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="Not attempted"):
        q1.check(____)
    q1.check(RIGHT)
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    q1.check(____)  # learners are never interrupted


# --------------------------------------------------------------------- grading hook


def test_registry_and_grade_file(tmp_path, monkeypatch):
    path = tmp_path / "grades.jsonl"
    monkeypatch.setenv(ex.GRADE_FILE_ENV, str(path))
    qa = NumericQuestion("qa", expected=1.0, var="a", points=2)
    NumericQuestion("practice", expected=1.0, points=0)
    qa.check(0.0)
    qa.check(1.0)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["event"] for r in records] == ["question", "check", "check"]
    assert records[0] == {"event": "question", "kind": "numeric", "max_points": 2.0, "name": "qa"}
    assert records[1]["status"] == "incorrect" and records[1]["points"] == 0.0
    assert records[2]["status"] == "correct" and records[2]["points"] == 2.0
    assert records[2]["detail"].startswith("Correct")
    assert records[2]["source"] == "argument"
    assert set(ex.questions()) == {"qa"}
    assert ex.results()["qa"].correct


def test_grade_file_errors_do_not_break_checks(tmp_path, monkeypatch):
    monkeypatch.setenv(ex.GRADE_FILE_ENV, str(tmp_path / "no" / "such" / "dir" / "f.jsonl"))
    q = NumericQuestion("qb", expected=1.0)
    q.check(1.0)
    assert q.last.correct


def test_final_check_only_fills_unchecked_questions(tmp_path, monkeypatch):
    path = tmp_path / "g.jsonl"
    monkeypatch.setenv(ex.GRADE_FILE_ENV, str(path))
    checked = NumericQuestion("c1", expected=1.0, var="x1")
    unchecked = NumericQuestion("c2", expected=2.0, var="x2")
    no_var = NumericQuestion("c3", expected=3.0)
    checked.check(0.0)
    ex.final_check({"x1": 1.0, "x2": 2.0})
    assert ex.results()["c1"].status == ex.INCORRECT  # the check that ran counts
    assert ex.results()["c2"].correct
    assert "c3" not in ex.results()
    assert unchecked.last.correct and no_var.last is None
    sources = [json.loads(line).get("source") for line in path.read_text().splitlines()]
    assert sources[-1] == "final"
    ex.final_check({})
    assert "c3" not in ex.results()


# --------------------------------------------------------------------- widgets


def _parts(box):
    classes = {c: w for w in box.children for c in w._dom_classes}
    return classes["sl-answer-input"], classes["sl-check"], classes["sl-feedback"]


def test_numeric_answer_box(q1):
    box = q1.widget()
    assert "sl-answer-box" in box._dom_classes
    assert box.question is q1
    inp, button, feedback = _parts(box)
    assert type(inp).__name__ == "FloatText"
    assert button.description == "Check"
    assert feedback.value.startswith("Not attempted")
    button.click()
    assert feedback.value.startswith("Not attempted")  # nothing entered yet
    inp.value = -RIGHT
    button.click()
    assert feedback.value.startswith("Not yet: the sign is wrong")
    inp.value = RIGHT
    button.click()
    assert feedback.value.startswith("Correct")
    assert q1.last.correct and ex.results()["q1"].correct


def test_answer_box_with_prompt_and_initial_value():
    q = NumericQuestion("p", expected=2.0, prompt="How much is `1 + 1`?")
    box = widget_answer(q, value=2.0)
    assert "sl-answer-prompt" in box.children[0]._dom_classes
    assert "<code>1 + 1</code>" in box.children[0].value
    inp, button, feedback = _parts(box)
    button.click()
    assert feedback.value.startswith("Correct")
    with pytest.raises(TypeError, match="question must be a Question"):
        widget_answer("q")


def test_choice_answer_boxes(q4):
    box = q4.widget()
    inp, button, feedback = _parts(box)
    assert type(inp).__name__ == "RadioButtons" and inp.value is None
    button.click()
    assert feedback.value.startswith("Not attempted")
    inp.value = "a"
    button.click()
    assert feedback.value.startswith("Not yet")
    inp.value = "b"
    button.click()
    assert feedback.value.startswith("Correct")
    multi = ChoiceQuestion("m", ["x", "y", "z"], answer={"a", "c"}, points=0)
    inp, button, feedback = _parts(multi.widget())
    assert type(inp).__name__ == "SelectMultiple"
    button.click()
    assert feedback.value.startswith("Not attempted")
    inp.value = ("a", "c")
    button.click()
    assert feedback.value.startswith("Correct")


# --------------------------------------------------------------------- self tests


def test_self_test_accepts_sound_questions(q1, q2, q4):
    for q in (q1, q2, q4):
        assert q.self_test() == [], q
    multi = ChoiceQuestion("m2", ["x", "y", "z"], answer={"a", "b"})
    assert multi.self_test() == []


def test_reference_errors_name_the_question():
    q = FunctionQuestion("bad_ref", lambda prices: prices[1] / prices[0], [([1.0, 2.0],), ([5.0],)])
    with pytest.raises(RuntimeError, match=r"reference function of question 'bad_ref' raised"):
        q.evaluate(lambda prices: 2.0)
    assert any("IndexError" in p for p in q.self_test())


def test_self_test_finds_shadowed_and_right_wrong_answers():
    # a "wrong" answer equal to the right one, and a factor hidden by a wrong answer
    q = NumericQuestion(
        "bad",
        expected=0.3,
        diagnoses=[Factor(3, "L")],
        wrong_answers={0.3: "is this wrong?", 0.9: "shadowing"},
    )
    problems = q.self_test()
    assert any("answer 0.3 gives 'Correct" in p for p in problems)
    assert any("answer 0.9" in p and "'factor'" in p for p in problems)


# --------------------------------------------------------------------- solution notebooks

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_solution_notebook_questions(path, monkeypatch):
    """Every question of every solution notebook: sound checker, graded the same way by
    nbgrader (cell points) and by smartlev.teach.grade (question points and var)."""
    nb = nbformat.read(path, as_version=4)
    setup = [c for c in nb.cells if c.cell_type == "code" and _grade_id(c) == "setup"]
    assert len(setup) == 1, "the questions are created in one locked cell with grade_id 'setup'"
    source = setup[0].source
    if any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()):
        pytest.skip("the setup cell uses IPython magics")
    monkeypatch.chdir(path.parent)
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - our own notebooks
    qs = {k: v for k, v in namespace.items() if isinstance(v, ex.Question)}
    assert len(qs) >= 3, f"at least 3 exercises, got {sorted(qs)}"
    problems = []
    for var, q in qs.items():
        if q.name != var:
            problems.append(f"{var} holds question {q.name!r}: use the same name")
        problems += q.self_test()
    code = [c for c in nb.cells if c.cell_type == "code"]
    kinds = {type(q).__name__ for q in qs.values()}
    assert "NumericQuestion" in kinds and "FunctionQuestion" in kinds, kinds
    assert any(re.search(r"\bq\w*\.widget\(", c.source) for c in code), "no answer box"
    for var, q in qs.items():
        if q.points == 0:
            continue
        cells = [c for c in code if re.search(rf"^{re.escape(var)}\.check\(", c.source, re.M)]
        graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
        if not graded:
            problems.append(f"{var}: no nbgrader grade cell calls {var}.check()")
        for c in graded:
            if float(c.metadata["nbgrader"].get("points", -1)) != q.points:
                problems.append(
                    f"{var}: grade cell {_grade_id(c)!r} has "
                    f"{c.metadata['nbgrader'].get('points')} points, the question {q.points:g}"
                )
        if q.var is None:
            problems.append(f"{var}: give it var= so that smartlev.teach.grade can read the answer")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------- computed on first check


def test_wrong_answers_and_diagnoses_can_be_computed_on_the_first_check():
    calls = []

    def wrong():
        calls.append("wrong")
        return {0.5: "that is half of it"}

    def diagnoses():
        calls.append("diagnoses")
        return [Factor(3, "L")]

    q = NumericQuestion("lz", expected=lambda: 1.0, wrong_answers=wrong, diagnoses=diagnoses)
    assert calls == []  # nothing is simulated when the question is created
    assert "that is half of it" in q.evaluate(0.5).message
    assert "factor of L" in q.evaluate(3.0).message
    assert calls == ["wrong", "diagnoses"]  # and only once
    assert q.self_test() == []
    bad = NumericQuestion("lzb", expected=1.0, wrong_answers=lambda: {0.5: 3})
    with pytest.raises(TypeError, match="wrong_answers reasons must be strings"):
        bad.evaluate(0.5)


def test_right_choice_can_be_computed_on_the_first_check():
    calls = []

    def right():
        calls.append(1)
        return "c"

    q = ChoiceQuestion("lc", ["x", "y", "z"], answer=right, points=0)
    assert calls == []
    assert q.evaluate("c").correct and not q.evaluate("a").correct
    assert calls == [1] and q.answer == {"c"} and not q.multiple
    assert q.self_test() == []
    multi = ChoiceQuestion("lm", ["x", "y", "z"], answer=lambda: {"a", "c"}, points=0)
    assert multi.evaluate("a, c").correct and multi.multiple
    assert "missed at least one" in multi.evaluate("a").message
    bad = ChoiceQuestion("lb", ["x", "y"], answer=lambda: "q", points=0)
    with pytest.raises(ValueError, match="answer must be one or more of the keys"):
        bad.evaluate("a")


def test_function_still_returning_the_placeholder_is_not_attempted(q2):
    def stub(target_vol, vol, cap=4.0):
        # YOUR CODE HERE
        return ____

    fb = q2.evaluate(stub)
    assert fb.status == ex.NOT_ATTEMPTED
    assert "still returns the placeholder ____" in fb.message


# --------------------------------------------------------------------- the answer box, once


def _notebook(namespace: dict, code: str) -> dict:
    """Run ``code`` the way a notebook cell runs: its globals are the notebook's."""
    exec(compile(code, "<cell>", "exec"), namespace)  # noqa: S102 - test code
    return namespace


def test_answer_box_starts_from_the_answer_in_code(q1):
    ns = _notebook({"q1": q1, "answer_1": RIGHT}, "box = q1.widget()")
    inp, button, feedback = _parts(ns["box"])
    assert inp.value == pytest.approx(RIGHT)
    assert "Your <code>answer_1</code> is in the box" in feedback.value
    button.click()  # nothing typed: the number from the code is checked
    assert feedback.value.startswith("Correct")


def test_number_checked_in_the_box_is_the_answer(q1):
    ns = _notebook({"q1": q1, "answer_1": ____}, "box = q1.widget()")
    inp, button, feedback = _parts(ns["box"])
    assert inp.value == 0.0
    button.click()
    assert feedback.value.startswith("Not attempted") and ns["answer_1"] is ____
    inp.value = -RIGHT
    button.click()
    assert feedback.value.startswith("Not yet") and ns["answer_1"] == -RIGHT
    inp.value = RIGHT
    button.click()
    assert ns["answer_1"] == RIGHT
    _notebook(ns, "q1.check()")  # the check cell below reads it: typed once
    assert q1.last.correct


def test_choice_box_starts_from_the_answer_in_code_and_stores_the_pick(q4):
    ns = _notebook({"q4": q4, "answer_4": "b"}, "box = q4.widget()")
    inp, button, feedback = _parts(ns["box"])
    assert inp.value == "b"
    ns = _notebook({"q4": q4, "answer_4": "not a key"}, "box = q4.widget()")
    inp, button, feedback = _parts(ns["box"])
    assert inp.value is None  # what the box cannot show is left out
    inp.value = "a"
    button.click()
    assert ns["answer_4"] == "a" and feedback.value.startswith("Not yet")


# --------------------------------------------------------------------- the exercise sets

EXERCISES = sorted((REPO / "exercises").glob("*.ipynb"))
SETS = {
    p.name[:2]: importlib.import_module(f"smartlev.teach.exercises.ex{p.name[:2]}")
    for p in SOLUTIONS
}


def _questions(module) -> dict:
    return {k: v for k, v in vars(module).items() if isinstance(v, ex.Question)}


def _lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if line.strip()]


def _split_regions(source: str) -> tuple[list[str], list[str]]:
    """Lines inside solution or hidden-test markers, and the other lines."""
    inside, outside, depth = [], [], 0
    for line in _lines(source):
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            depth += 1
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            depth -= 1
        else:
            (inside if depth else outside).append(line)
    return inside, outside


def test_every_solution_notebook_has_its_exercise_set():
    assert sorted(SETS) == [f"{i:02d}" for i in range(1, 10)]
    assert [f"ex{k}" for k in sorted(SETS)] == list(ex.SETS)
    for key, module in SETS.items():
        assert {"____", "q1", "q2", "q3", "q4"} <= set(module.__all__), key
        assert set(module.__all__) <= set(vars(module)), key
        for name, q in _questions(module).items():
            assert q.name == name, f"ex{key}.{name} is question {q.name!r}"


def test_expected_values_are_computed_not_written_down():
    """So that they follow the engine when its defaults change."""
    for key, module in SETS.items():
        for name, q in _questions(module).items():
            if isinstance(q, NumericQuestion):
                assert q.computed, f"ex{key}.{name}: give expected as a function"


def test_right_choices_are_spread_over_the_letters():
    single = [
        next(iter(q.answer))
        for module in SETS.values()
        for q in _questions(module).values()
        if isinstance(q, ChoiceQuestion) and not q.multiple
    ]
    counts = Counter(single)
    assert len(single) >= 7
    assert set(counts) == {"a", "b", "c"}, counts
    assert max(counts.values()) <= len(single) / 2, counts


def _listed_choices(markdown: str) -> dict[str, str]:
    items: dict[str, list[str]] = {}
    key = None
    for line in markdown.splitlines():
        m = re.match(r"- \*\*(\w)\*\* (.*)", line)
        if m:
            key = m.group(1)
            items[key] = [m.group(2)]
        elif key and line.startswith("  "):
            items[key].append(line.strip())
        else:
            key = None
    return {k: " ".join(v).rstrip(".") for k, v in items.items()}


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_statements_list_the_choices_of_the_question(path):
    """The options shown in a choice exercise are the question's, in the same order."""
    nb = nbformat.read(path, as_version=4)
    for name, q in _questions(SETS[path.name[:2]]).items():
        if not isinstance(q, ChoiceQuestion):
            continue
        i = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == q.var)
        statement = next(c for c in reversed(nb.cells[:i]) if c.cell_type == "markdown")
        listed = _listed_choices(statement.source)
        expected = {k: " ".join(v.split()) for k, v in q.choices.items()}
        assert listed == expected, f"{path.name} {name}"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_exercise_notebook_imports_its_set_and_uses_placeholders(path):
    nb = nbformat.read(path, as_version=4)
    setup = [c for c in nb.cells if _grade_id(c) == "setup"]
    assert len(setup) == 1
    assert f"from smartlev.teach.exercises.ex{path.name[:2]} import *" in setup[0].source
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) >= 4
    for cell in answers:
        assert "____" in cell.source, cell.source
        assert "NotImplementedError" not in cell.source
    for cell in nb.cells:
        assert "raises-exception" not in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_exercise_notebook_shows_no_solution(path):
    """No code line of a learner's notebook is a line of a solution or hidden test, or of
    the question module (expected values, reference functions, right choices); no string
    in its code is a right choice and no number in it is an expected value."""
    module = SETS[path.name[:2]]
    solution = nbformat.read(REPO / "solutions" / path.name, as_version=4)
    secret: set[str] = set()
    public: set[str] = set()
    for cell in solution.cells:
        if cell.cell_type == "code":
            inside, outside = _split_regions(cell.source)
            secret.update(inside)
            public.update(outside)
    secret |= set(_lines(inspect.getsource(module))) - public
    exercise = nbformat.read(path, as_version=4)
    leaks, strings, numbers = [], set(), []
    for cell in exercise.cells:
        if cell.cell_type != "code":
            continue
        assert not cell.outputs
        leaks += [line for line in _lines(cell.source) if line in secret]
        for word in ("Question(", "expected=", "answer=", "cases=", "BEGIN", "HIDDEN"):
            if word in cell.source:
                leaks.append(f"{word} in {cell.source[:60]!r}")
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value.strip().lower())
            elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
                numbers.append(float(node.value))
    assert not leaks, f"{path.name} shows lines of the solution or of the questions: {leaks}"
    for name, q in _questions(module).items():
        if isinstance(q, ChoiceQuestion):
            right = {k.lower() for k in q.answer} | {q.choices[k].lower() for k in q.answer}
            assert not strings & right, f"{path.name} {name}: the right choice is in the code"
        elif isinstance(q, NumericQuestion):
            close = [x for x in numbers if q.evaluate(x).correct]
            assert not close, f"{path.name} {name}: the expected value is in the code"
