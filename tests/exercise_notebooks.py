"""A small solution notebook laid out like the course's, and variants of it, for the tests.

The layout is the one every ``solutions/NN_topic.ipynb`` follows: a locked setup cell,
then per exercise a statement, a solution cell (nbgrader ``solution``; the learner's
placeholder ``____`` outside the markers), a check cell (nbgrader ``grade``, locked, with
points, hidden tests between markers) and a plain cell with the hint and solution calls
commented out. The course's setup cells only import their questions from
``smartlev.teach.exercises.exNN``; this demo creates its questions in the setup cell, so
that the tests of the machinery do not depend on the course's questions.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = """\
from smartlev.teach.exercises import (
    ____, ChoiceQuestion, Factor, Fee, FunctionQuestion, NumericQuestion,
)

FEE = 0.001  # management fee per day


def _token_nav(daily_returns, leverage, fee=0.0):
    nav = 1.0
    for r in daily_returns:
        nav *= (1 + leverage * r) * (1 - fee)
    return nav


_right = _token_nav([0.10, -0.10], 3, FEE) - 1
q1 = NumericQuestion(
    "q1",
    expected=_right,
    var="answer_1",
    rtol=1e-6,
    diagnoses=[Fee(_token_nav([0.10, -0.10], 3) - 1 - _right), Factor(3, "L")],
    wrong_answers={-0.03: "you took 3 times the underlying's two-day return; "
                   "the token compounds each day's 3x move"},
    hints=["Each day the token's NAV is multiplied by (1 + 3 r) and by (1 - fee).",
           "Multiply the two daily factors, then subtract 1."],
    solution="`(1 + 3 * 0.10) * (1 - FEE) * (1 + 3 * -0.10) * (1 - FEE) - 1`",
)
q2 = FunctionQuestion(
    "q2",
    _token_nav,
    cases=[([0.10, -0.10], 3), ([0.05, 0.05, 0.05], 2, 0.001), ([], 3), ([-0.2], -1)],
    var="token_nav",
    points=2,
    hidden_tests=True,
    hints=["Start from nav = 1.0 and loop over the returns."],
)
q3 = NumericQuestion(
    "q3", expected=1 / 3, var="answer_3", rtol=1e-3,
    hints=["A 3x token is wiped out by a one-day fall of 1/3."],
    prompt="Which one-day fall (a fraction) wipes out a 3x token?",
)
q4 = ChoiceQuestion(
    "q4",
    {"a": "Yes: without liquidation nothing can go wrong",
     "b": "No: the NAV can still fall close to zero in a crash"},
    answer="b",
    var="answer_4",
    explanations={"a": "a product without margin can still lose almost everything"},
)
"""

ANSWER_1 = "answer_1 = (1 + 3 * 0.10) * (1 - FEE) * (1 + 3 * -0.10) * (1 - FEE) - 1"
FUNCTION_2 = """\
def token_nav(daily_returns, leverage, fee=0.0):
    \"\"\"NAV of a token started at 1 after the given daily returns of the underlying.\"\"\"
    ### BEGIN SOLUTION
    nav = 1.0
    for r in daily_returns:
        nav *= (1 + leverage * r) * (1 - fee)
    return nav
    ### END SOLUTION
    return ____"""
ANSWER_3 = "answer_3 = 1 / 3"
ANSWER_4 = 'answer_4 = "b"'


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def solution_cell(code: str, grade_id: str):
    """A solution cell; code without markers is put between solution markers whole, after
    the placeholder line ``grade_id = ____`` the learner's version keeps."""
    if "BEGIN SOLUTION" in code:
        src = code
    else:
        src = f"{grade_id} = ____\n### BEGIN SOLUTION\n{code}\n### END SOLUTION"
    return new_code_cell(src, metadata=_meta(grade_id, solution=True))


def check_cell(source: str, grade_id: str, points: float = 1):
    """An autograder test cell (locked)."""
    return new_code_cell(source, metadata=_meta(grade_id, grade=True, locked=True, points=points))


def demo_solution():
    """The demo solution notebook (nbformat 4.5, fixed cell ids)."""
    hidden_q1 = (
        "q1.check()\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert isinstance(answer_1, float)\n"
        "### END HIDDEN TESTS"
    )
    hidden_q2 = (
        "q2.check()\n"
        "### BEGIN HIDDEN TESTS\n"
        "q2.check(cases=[([0.5, -0.5], 2, 0.01), ([0.01] * 10, 4)], strict=True)\n"
        "### END HIDDEN TESTS"
    )
    cells = [
        new_markdown_cell("# Demo exercises\n\nRun the cells from the top."),
        new_code_cell(SETUP, metadata=_meta("setup", locked=True)),
        new_markdown_cell(
            "## Exercise 1\n\nA 3x token with a fee of 0.1% a day; the underlying goes up "
            "10% then down 10%. Set `answer_1` to the token's total return (a fraction)."
        ),
        solution_cell(ANSWER_1, "answer_1"),
        check_cell(hidden_q1, "check_1"),
        new_code_cell("# q1.hint()\n# q1.solution()"),
        new_markdown_cell("## Exercise 2\n\nWrite `token_nav(daily_returns, leverage, fee=0.0)`."),
        solution_cell(FUNCTION_2, "token_nav"),
        check_cell(hidden_q2, "check_2", points=2),
        new_markdown_cell("## Exercise 3\n\nTry values in the box, then set `answer_3`."),
        new_code_cell("q3.widget()"),
        solution_cell(ANSWER_3, "answer_3"),
        check_cell("q3.check()", "check_3"),
        new_markdown_cell("## Exercise 4\n\nIs a product without liquidation free of risk?"),
        solution_cell(ANSWER_4, "answer_4"),
        check_cell("q4.check()", "check_4"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"demo-{i:02d}"
    return nb


def _index(nb, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def fill(nb, answers: dict[str, str]):
    """Set the source of the cells with the given grade ids (a learner's edits)."""
    for grade_id, source in answers.items():
        nb.cells[_index(nb, grade_id)].source = source
    return nb


def insert_after(nb, grade_id: str, *sources: str):
    """Insert plain code cells after the cell with ``grade_id``."""
    i = _index(nb, grade_id)
    for k, src in enumerate(sources):
        cell = new_code_cell(src)
        cell["id"] = f"extra-{grade_id}-{k}"
        nb.cells.insert(i + 1 + k, cell)
    return nb


def remove(nb, grade_id: str):
    """Delete the cell with ``grade_id``."""
    del nb.cells[_index(nb, grade_id)]
    return nb


def write(nb, path) -> None:
    """Write ``nb`` to ``path`` (creating folders)."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


#: Points of the demo notebook (q1 + q2 + q3 + q4).
TOTAL_POINTS = 5.0


def render_text(nb) -> str:
    """The notebook as the text of an .ipynb file."""
    return nbformat.writes(nb)
