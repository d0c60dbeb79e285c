"""exercises/ is generated from solutions/: the generator, its checks, and the drift test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import exercise_notebooks as demo
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from smartlev.teach import make_exercises as mx
from smartlev.teach import notebooks as nbrun

REPO = Path(__file__).resolve().parents[1]


def _meta(**kw):
    base = {"grade": False, "solution": False, "locked": False, "schema_version": 3, "task": False}
    base.update(kw)
    return {"nbgrader": base}


@pytest.fixture
def exercise():
    return mx.student_version(demo.demo_solution(), "demo.ipynb")


# ------------------------------------------------------------------ the repository


def test_exercises_folder_matches_solutions():
    """The drift test: exercises/ is exactly what `make exercises` writes."""
    problems = mx.check(REPO / "solutions", REPO / "exercises")
    assert not problems, "run `make exercises`:\n" + "\n".join(problems)


# ------------------------------------------------------------------ the transformation


def test_solution_regions_become_stubs_and_placeholders_stay(exercise):
    by_id = {c.id: c for c in exercise.cells}
    assert by_id["demo-03"].source == "answer_1 = ____\n# YOUR CODE HERE"
    fn = by_id["demo-07"].source
    assert fn.startswith("def token_nav(daily_returns, leverage, fee=0.0):\n")
    assert fn.endswith("\n    # YOUR CODE HERE\n    return ____")
    assert '"""NAV of a token' in fn  # lines outside the markers are kept
    assert by_id["demo-14"].source == "answer_4 = ____\n# YOUR CODE HERE"
    # nothing raises any more, so nothing is tagged raises-exception
    assert not any("tags" in c.metadata for c in exercise.cells)


def test_hidden_tests_removed_and_visible_checks_kept(exercise):
    by_id = {c.id: c for c in exercise.cells}
    assert by_id["demo-04"].source == "q1.check()"
    assert by_id["demo-08"].source == "q2.check()"
    text = mx.render(exercise)
    for secret in (
        "HIDDEN",
        "BEGIN SOLUTION",
        "answer_1 = (",
        'answer_4 = "b"',
        "isinstance(answer_1",
    ):
        assert secret not in text


def test_metadata_ids_and_outputs(exercise):
    sol = demo.demo_solution()
    sol.cells[4].outputs = [nbformat.v4.new_output("stream", text="Correct: -0.0918 is right.")]
    sol.cells[4].execution_count = 3
    sol.cells[4].metadata["execution"] = {"iopub.status.busy": "2024-01-01"}
    sol.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    out = mx.student_version(sol, "demo.ipynb")
    assert [c.id for c in out.cells] == [c.id for c in sol.cells]
    for a, b in zip(sol.cells, out.cells, strict=True):
        assert a.metadata.get("nbgrader") == b.metadata.get("nbgrader")
        if b.cell_type == "code":
            assert b.outputs == [] and b.execution_count is None
        assert "execution" not in b.metadata
    assert "widgets" not in out.metadata
    assert out.metadata["kernelspec"]["name"] == "python3"
    assert (out.nbformat, out.nbformat_minor) == (4, 5)
    assert sol.cells[4].outputs  # the input notebook is untouched
    nbformat.validate(out)


def test_markdown_solution_and_whole_cell_solution():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "Why?\n\n### BEGIN SOLUTION\nBecause fees compound.\n### END SOLUTION",
                metadata=_meta(grade=True, solution=True, grade_id="why", points=1),
            ),
            new_markdown_cell(
                "Explain.", metadata=_meta(grade=True, solution=True, grade_id="m2", points=1)
            ),
            new_code_cell("x = 1", metadata=_meta(solution=True, grade_id="c1")),
        ]
    )
    out = mx.student_version(nb)
    assert out.cells[0].source == "Why?\n\nYOUR ANSWER HERE"
    assert out.cells[1].source == "YOUR ANSWER HERE"
    assert out.cells[2].source == mx.CODE_STUB
    assert "tags" not in out.cells[0].metadata


@pytest.mark.parametrize(
    "cell, words",
    [
        (new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "without nbgrader metadata"),
        (
            new_code_cell("### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS"),
            "hidden tests in a cell without nbgrader metadata",
        ),
        (
            new_code_cell(
                "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
                metadata=_meta(grade=True, grade_id="g", points=1),
            ),
            "not marked solution",
        ),
        (
            new_code_cell(
                "### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS",
                metadata=_meta(solution=True, grade_id="g"),
            ),
            "not marked grade",
        ),
        (
            new_code_cell("### BEGIN SOLUTION\nx = 1", metadata=_meta(solution=True, grade_id="g")),
            "without a matching",
        ),
        (
            new_code_cell(
                "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
                metadata=_meta(solution=True, grade_id="g"),
            ),
            "nested",
        ),
        (
            new_code_cell("### END SOLUTION", metadata=_meta(solution=True, grade_id="g")),
            "without a 'BEGIN SOLUTION'",
        ),
        (new_code_cell("q.check()", metadata=_meta(grade=True, grade_id="g")), "needs points"),
        (new_code_cell("x", metadata=_meta(solution=True)), "grade_id must be"),
        (new_code_cell("x", metadata=_meta(solution=True, grade_id="a b")), "grade_id must be"),
        (
            new_code_cell("x", metadata=_meta(solution=True, grade_id="g", schema_version=1)),
            "schema_version must be 3",
        ),
        (new_code_cell("x", metadata={"nbgrader": {"solution": True}}), "'grade' must be"),
        (
            new_markdown_cell("x", metadata=_meta(grade=True, grade_id="g", points=1)),
            "both grade and solution",
        ),
    ],
)
def test_bad_solution_notebooks_are_refused(cell, words):
    with pytest.raises(ValueError, match=words):
        mx.student_version(new_notebook(cells=[cell]), "bad.ipynb")


def test_duplicate_grade_ids_are_refused():
    cells = [
        new_code_cell("x", metadata=_meta(solution=True, grade_id="same")),
        new_code_cell("q.check()", metadata=_meta(grade=True, grade_id="same", points=1)),
    ]
    with pytest.raises(ValueError, match="cell 2: grade_id 'same' already used by cell 1"):
        mx.student_version(new_notebook(cells=cells), "dup.ipynb")


def test_conversion_is_deterministic_and_fills_missing_ids(tmp_path):
    nb = demo.demo_solution()
    raw = json.loads(nbformat.writes(nb))
    raw["nbformat_minor"] = 4
    for cell in raw["cells"]:
        del cell["id"]
    src = tmp_path / "old.ipynb"
    src.write_text(json.dumps(raw), encoding="utf-8")
    a, b = mx.convert(src), mx.convert(src)
    assert a == b and a.endswith("\n")
    ids = [c["id"] for c in json.loads(a)["cells"]]
    assert len(set(ids)) == len(ids) and all(len(i) == 8 for i in ids)
    assert json.loads(a)["nbformat_minor"] == 5


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not valid JSON"),
        ('{"a": 1}', "not a Jupyter notebook"),
        ('{"cells": [], "nbformat": 3}', "nbformat must be 4"),
    ],
)
def test_unreadable_solution_files(tmp_path, text, words):
    p = tmp_path / "x.ipynb"
    p.write_text(text)
    with pytest.raises(ValueError, match=words):
        mx.convert(p)


# ------------------------------------------------------------------ folders and CLI


def _solutions(tmp_path: Path) -> tuple[Path, Path]:
    src, dst = tmp_path / "solutions", tmp_path / "exercises"
    demo.write(demo.demo_solution(), src / "01_demo.ipynb")
    demo.write(demo.demo_solution(), src / "sub" / "02_demo.ipynb")
    return src, dst


def test_generate_then_check_round_trip(tmp_path):
    src, dst = _solutions(tmp_path)
    assert len(mx.check(src, dst)) == 2  # both missing
    done = mx.generate(src, dst)
    assert sorted(map(str, done["written"])) == ["01_demo.ipynb", "sub/02_demo.ipynb"]
    assert mx.check(src, dst) == []
    mtime = (dst / "01_demo.ipynb").stat().st_mtime_ns
    again = mx.generate(src, dst)
    assert again["written"] == [] and len(again["unchanged"]) == 2
    assert (dst / "01_demo.ipynb").stat().st_mtime_ns == mtime  # not rewritten


def test_check_finds_edits_and_stale_files_and_generate_repairs(tmp_path):
    src, dst = _solutions(tmp_path)
    mx.generate(src, dst)
    edited = dst / "01_demo.ipynb"
    edited.write_text(edited.read_text().replace("q1.check()", "q1.check(42)"))
    demo.write(demo.demo_solution(), dst / "99_orphan.ipynb")
    problems = mx.check(src, dst)
    assert any("01_demo.ipynb: differs" in p for p in problems)
    assert any("99_orphan.ipynb: has no solution notebook" in p for p in problems)
    done = mx.generate(src, dst)
    assert [str(p) for p in done["removed"]] == ["99_orphan.ipynb"]
    assert mx.check(src, dst) == []


def test_command_line(tmp_path, capsys):
    src, dst = _solutions(tmp_path)
    assert mx.main(["--check", str(src), str(dst)]) == 1
    assert "01_demo.ipynb: missing" in capsys.readouterr().out
    assert mx.main([str(src), str(dst)]) == 0
    assert "2 written, 0 unchanged, 0 removed" in capsys.readouterr().out
    assert mx.main([str(tmp_path / "nowhere"), str(dst)]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.ipynb").write_text("{oops")
    assert mx.main([str(bad), str(dst)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    # and as `make exercises` calls it
    r = subprocess.run(
        [sys.executable, "-m", "smartlev.teach.make_exercises", "--check", str(src), str(dst)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0 and "up to date" in r.stdout


# ------------------------------------------------------------------ both versions run


def test_solution_and_exercise_versions_run_as_nbval_expects(tmp_path):
    """Solutions run without any error and say Correct; exercises run without any error
    either, and their checks say Not attempted (the placeholders ____ are still there)."""
    sol, ex = tmp_path / "sol.ipynb", tmp_path / "ex.ipynb"
    demo.write(demo.demo_solution(), sol)
    ex.write_text(mx.convert(sol), encoding="utf-8")
    nbrun.execute_notebook(sol, timeout=60)
    nbrun.execute_notebook(ex, timeout=60)  # raises if an untagged cell fails

    def feedback(path):
        nb = nbformat.read(path, as_version=4)
        texts = []
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                texts += [o["data"]["text/plain"] for o in cell.outputs if "data" in o]
        return texts

    assert [t.split(":")[0] for t in feedback(sol)] == ["Correct"] * 5  # q2 also hidden
    assert [t.split(":")[0] for t in feedback(ex)] == ["Not attempted"] * 4
    out = nbformat.read(ex, as_version=4)
    stub_errors = [
        o["ename"]
        for c in out.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o["output_type"] == "error"
    ]
    assert stub_errors == []


def test_notebooks_command_runs_in_the_notebook_folder_and_keeps_failures(tmp_path, capsys):
    good = new_notebook(cells=[new_code_cell("open('made_here.txt', 'w').write('x')\nprint('hi')")])
    bad = new_notebook(cells=[new_code_cell("1 / 0")])
    for nb in (good, bad):
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
    demo.write(good, tmp_path / "nbs" / "a_good.ipynb")
    demo.write(bad, tmp_path / "nbs" / "b_bad.ipynb")
    before = (tmp_path / "nbs" / "b_bad.ipynb").read_bytes()
    assert nbrun.main([str(tmp_path / "nbs"), "--timeout", "60"]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 notebooks failed" in err and "b_bad.ipynb" in err and "ZeroDivisionError" in err
    assert (tmp_path / "nbs" / "made_here.txt").exists()
    ran = nbformat.read(tmp_path / "nbs" / "a_good.ipynb", as_version=4)
    assert ran.cells[0].outputs[0]["text"] == "hi\n"
    assert ran.cells[0].execution_count == 1
    assert "execution" not in ran.cells[0].metadata
    assert (tmp_path / "nbs" / "b_bad.ipynb").read_bytes() == before
    with pytest.raises(FileNotFoundError):
        nbrun.find_notebooks([tmp_path / "missing"])
