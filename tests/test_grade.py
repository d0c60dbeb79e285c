"""Grading a folder of submissions: right, wrong, untouched, crashing, endless, not notebooks."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import exercise_notebooks as demo
import pytest

from smartlev.teach import grade
from smartlev.teach.make_exercises import student_version

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 15  # seconds per notebook: ample for the demo, short for the endless loop

RIGHT = {
    "answer_1": demo.ANSWER_1,
    "token_nav": "\n".join(
        line for line in demo.FUNCTION_2.splitlines() if "###" not in line and "____" not in line
    ),
    "answer_3": demo.ANSWER_3,
    "answer_4": demo.ANSWER_4,
}


def exercise():
    """The untouched exercise notebook, as a student receives it."""
    return student_version(demo.demo_solution(), "demo.ipynb")


def answered(**changes):
    nb = demo.fill(exercise(), {**RIGHT, **changes})
    return nb


def _build(root: Path) -> dict[str, Path]:
    files = {}

    def put(rel, nb=None, text=None):
        path = root / rel
        if nb is not None:
            demo.write(nb, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
        files[rel] = path

    # all right
    put("alice/demo.ipynb", answered())
    # wrong answers, and a cell that crashes before the later exercises
    bob = answered(
        answer_1="answer_1 = 1.3 * 0.7 - 1",
        token_nav="def token_nav(daily_returns, leverage, fee=0.0):\n    return 1.0",
        answer_4='answer_4 = "a"',
    )
    demo.insert_after(bob, "check_1", "1 / 0")
    put("bob/demo.ipynb", bob)
    # untouched
    put("carol/demo.ipynb", exercise())
    # right first answer, then an endless loop
    dave = answered()
    demo.insert_after(dave, "check_1", "while True:\n    pass")
    put("dave/demo.ipynb", dave)
    # the kernel dies after the first check
    erin = answered()
    demo.insert_after(erin, "check_1", "import os\nos._exit(1)")
    put("erin/demo.ipynb", erin)
    # the check cell of q3 deleted: the final check still grades answer_3
    put("frank/demo.ipynb", demo.remove(answered(), "check_3"))
    # broken files
    text = demo.render_text(answered())
    put("gina/demo.ipynb", text=text[: len(text) // 2])  # cut short: invalid JSON
    put("hugo/demo.ipynb", text="Dear teacher, here is my homework.\n")  # a .txt renamed
    put("ines/demo.ipynb", text='{"student": "ines", "answers": [1, 2, 3]}')  # JSON, no cells
    put("jon/demo.ipynb", text=b"\x89PNG\r\n\x1a\n\x00\x00binary")  # not text
    # flat layout: student__notebook.ipynb
    put("kim__demo.ipynb", answered(answer_3="answer_3 = 0.5"))
    return files


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    files = _build(root)
    before = {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in files.items()}
    listing = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    out = tmp_path_factory.mktemp("out") / "grades.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smartlev.grade",
            str(root),
            "--csv",
            str(out),
            "--timeout",
            str(TIMEOUT),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        "root": root,
        "files": files,
        "before": before,
        "listing": listing,
        "proc": proc,
        "rows": rows,
        "header": out.read_text().splitlines()[0],
    }


def rows_of(graded, student):
    return {r["exercise"]: r for r in graded["rows"] if r["student"] == student}


def test_exit_status_progress_and_summary(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr
    assert "grading" in proc.stderr and "notebook" in proc.stderr  # the tqdm bar
    assert "alice: 5 / 5" in proc.stdout
    assert "wrote" in proc.stdout


def test_submissions_are_never_modified(graded):
    after = {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in graded["files"].items()}
    assert after == graded["before"]
    assert (
        sorted(str(p.relative_to(graded["root"])) for p in graded["root"].rglob("*"))
        == (graded["listing"])
    )


def test_csv_columns_and_totals(graded):
    assert graded["header"] == ",".join(grade.COLUMNS)
    students = sorted({r["student"] for r in graded["rows"]})
    assert students == sorted("alice bob carol dave erin frank gina hugo ines jon kim".split())
    for s in students:
        rows = [r for r in graded["rows"] if r["student"] == s]
        exercises = [r for r in rows if r["exercise"] not in ("TOTAL", "(notebook)")]
        assert [r["exercise"] for r in exercises] == ["q1", "q2", "q3", "q4"], s
        assert all(r["notebook"] == "demo.ipynb" for r in exercises)
        total = [r for r in rows if r["exercise"] == "TOTAL"]
        assert len(total) == 1 and rows[-1]["exercise"] == "TOTAL"
        assert float(total[0]["max_points"]) == demo.TOTAL_POINTS
        assert float(total[0]["points"]) == sum(float(r["points"]) for r in exercises)


def test_right_answers_get_full_marks(graded):
    rows = rows_of(graded, "alice")
    assert {k: r["status"] for k, r in rows.items() if k != "TOTAL"} == dict.fromkeys(
        ["q1", "q2", "q3", "q4"], "correct"
    )
    assert rows["q2"]["points"] == "2" and rows["q2"]["max_points"] == "2"
    assert rows["q2"]["detail"].startswith("Correct: these checks passed")
    assert rows["TOTAL"]["points"] == "5"
    assert rows["TOTAL"]["detail"] == "4 of 4 exercises correct"


def test_wrong_answers_and_a_crashing_cell(graded):
    rows = rows_of(graded, "bob")
    assert "(notebook)" not in rows  # a failing cell is not a notebook error
    assert rows["q1"]["status"] == "incorrect"
    assert "forgot the fee" in rows["q1"]["detail"]
    assert rows["q2"]["status"] == "incorrect"
    assert "your function returned 1, the right answer is 0.91" in rows["q2"]["detail"]
    assert rows["q3"]["status"] == "correct"  # cells after the crash still ran
    assert rows["q4"]["status"] == "incorrect"
    assert rows["TOTAL"]["points"] == "1"


def test_untouched_exercise_gets_zero(graded):
    rows = rows_of(graded, "carol")
    assert {k: r["status"] for k, r in rows.items() if k != "TOTAL"} == dict.fromkeys(
        ["q1", "q2", "q3", "q4"], "not attempted"
    )
    assert rows["TOTAL"]["points"] == "0"


def test_endless_loop_is_stopped_and_reported(graded):
    rows = rows_of(graded, "dave")
    assert rows["(notebook)"]["status"] == "error"
    assert f"did not finish within {TIMEOUT} s" in rows["(notebook)"]["detail"]
    assert "cell 6" in rows["(notebook)"]["detail"]
    assert rows["q1"]["status"] == "correct"  # checked before the loop: kept
    assert [rows[q]["status"] for q in ("q2", "q3", "q4")] == ["not run"] * 3
    assert rows["TOTAL"]["points"] == "1"
    assert "1 notebook with errors" in rows["TOTAL"]["detail"]


def test_dead_kernel_is_reported(graded):
    rows = rows_of(graded, "erin")
    assert rows["(notebook)"]["status"] == "error"
    assert "kernel died" in rows["(notebook)"]["detail"]
    assert rows["q1"]["status"] == "correct"
    assert [rows[q]["status"] for q in ("q2", "q3", "q4")] == ["not run"] * 3


def test_deleted_check_cell_is_checked_at_the_end(graded):
    rows = rows_of(graded, "frank")
    assert rows["q3"]["status"] == "correct"
    assert rows["TOTAL"]["points"] == "5"


@pytest.mark.parametrize(
    "student, words",
    [
        ("gina", "not valid JSON"),
        ("hugo", "plain text, not JSON"),
        ("ines", "not a Jupyter notebook"),
        ("jon", "not text"),
    ],
)
def test_files_that_are_not_notebooks(graded, student, words):
    rows = rows_of(graded, student)
    assert rows["(notebook)"]["status"] == "error"
    assert words in rows["(notebook)"]["detail"]
    assert [rows[q]["status"] for q in ("q1", "q2", "q3", "q4")] == ["not run"] * 4
    assert rows["TOTAL"]["points"] == "0"


def test_flat_file_names_give_student_and_notebook(graded):
    rows = rows_of(graded, "kim")
    assert rows["q3"]["status"] == "incorrect"
    assert rows["TOTAL"]["points"] == "4"


# ------------------------------------------------------------------ in-process pieces


def test_grade_notebook_in_process_and_missing_notebooks(tmp_path):
    demo.write(answered(answer_4='answer_4 = "a"'), tmp_path / "subs" / "lea" / "demo.ipynb")
    demo.write(answered(), tmp_path / "subs" / "max" / "other.ipynb")
    seen = []
    rows = grade.grade_folder(tmp_path / "subs", timeout=60, progress=False, on_result=seen.append)
    assert sorted((g.student, g.notebook) for g in seen) == [
        ("lea", "demo.ipynb"),
        ("max", "other.ipynb"),
    ]
    lea = [r for r in rows if r["student"] == "lea"]
    # lea did not hand in other.ipynb: its exercises count, as not submitted
    assert [(r["notebook"], r["exercise"], r["status"]) for r in lea if r["notebook"]] == [
        ("demo.ipynb", "q1", "correct"),
        ("demo.ipynb", "q2", "correct"),
        ("demo.ipynb", "q3", "correct"),
        ("demo.ipynb", "q4", "incorrect"),
        ("other.ipynb", "q1", "not submitted"),
        ("other.ipynb", "q2", "not submitted"),
        ("other.ipynb", "q3", "not submitted"),
        ("other.ipynb", "q4", "not submitted"),
    ]
    assert lea[-1]["points"] == "4" and lea[-1]["max_points"] == "10"


def test_find_submissions_skips_checkpoints(tmp_path):
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "a" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    (tmp_path / "a" / "ps1").mkdir()
    (tmp_path / "a" / "ps1" / "x.ipynb").write_text("{}")
    (tmp_path / "solo.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("x")
    subs = grade.find_submissions(tmp_path)
    assert [(s.student, s.notebook) for s in subs] == [
        ("a", "ps1/x.ipynb"),
        ("solo", tmp_path.name),
    ]


def test_command_line_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        grade.main([str(tmp_path / "missing")])
    assert exc.value.code == 2 and "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--timeout", "0"])
    assert "--timeout must be > 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path), "--kernel", "no-such-kernel"])
    assert "not an installed Jupyter kernel" in capsys.readouterr().err
    out = tmp_path / "empty.csv"
    assert grade.main([str(tmp_path), "--csv", str(out), "--quiet"]) == 0
    assert out.read_text().strip() == ",".join(grade.COLUMNS)


def test_course_notebooks_are_graded_from_their_question_modules(tmp_path):
    """A learner's notebook only imports its questions (smartlev.teach.exercises.exNN): the
    grader still sees every exercise, untouched placeholders are not attempted, the
    solutions are right."""
    name = "03_volatility_decay.ipynb"
    for student, folder in (("untouched", "exercises"), ("solved", "solutions")):
        (tmp_path / student).mkdir()
        shutil.copy(REPO / folder / name, tmp_path / student / name)
    rows = grade.grade_folder(tmp_path, timeout=120, progress=False)
    status = {(r["student"], r["exercise"]): r["status"] for r in rows}
    for q in ("q1", "q2", "q3", "q4"):
        assert status[("untouched", q)] == "not attempted"
        assert status[("solved", q)] == "correct"
    totals = {
        r["student"]: (r["points"], r["max_points"]) for r in rows if r["exercise"] == "TOTAL"
    }
    assert totals == {"untouched": ("0", "5"), "solved": ("5", "5")}
