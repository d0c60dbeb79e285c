"""The solution notebooks are nbgrader source notebooks: a round trip through nbgrader itself.

A temporary nbgrader course gets the demo notebook and every notebook of solutions/ as
assignment ``ps1``; ``nbgrader generate_assignment`` makes the student version (with
``ClearSolutions.code_stub`` set to ours: the placeholders ``____`` are in the sources),
``nbgrader autograde`` grades three students: one hands in the untouched release, one
the solutions, one the demo notebook as written by ``make exercises``. The solutions must get
full marks, both untouched versions zero.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import exercise_notebooks as demo
import nbformat
import pytest

from smartlev.teach.make_exercises import CODE_STUB, convert

pytest.importorskip(
    "nbgrader",
    reason="nbgrader is not installed (the instructor extra: pip install -e '.[instructor]')",
)

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))


def _nbgrader(course: Path, *args: str) -> None:
    # nbgrader runs `alembic` (its database migrations) from PATH: use this environment's
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("NBGRADER_EXECUTION", None)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader_course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'smartlev'\n"
        "c.ExecutePreprocessor.timeout = 300\n"
        f"c.ClearSolutions.code_stub = {{'python': {CODE_STUB!r}}}\n",
        encoding="utf-8",
    )
    source = root / "source" / "ps1"
    demo.write(demo.demo_solution(), source / "demo.ipynb")
    for nb in SOLUTIONS:
        shutil.copy(nb, source / nb.name)
    _nbgrader(root, "generate_assignment", "ps1", "--force")
    release = root / "release" / "ps1"
    names = sorted(p.name for p in source.glob("*.ipynb"))
    hand_ins = {
        "untouched": {n: (release / n).read_bytes() for n in names},
        "solved": {n: (source / n).read_bytes() for n in names},
        # make_exercises output for the demo only: the sources of all of them are compared
        # with nbgrader's release below, and each notebook run costs time
        "generated": {"demo.ipynb": convert(source / "demo.ipynb").encode("utf-8")},
    }
    for student, files in hand_ins.items():
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    _nbgrader(root, "autograde", "ps1", "--force")
    return root, names


def _scores(root: Path, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission("ps1", student)
        return {nb.name: (nb.score, nb.max_score) for nb in sub.notebooks}


def test_solutions_get_full_marks(course):
    root, names = course
    scores = _scores(root, "solved")
    assert sorted(f"{n}.ipynb" for n in scores) == names
    for name, (score, max_score) in scores.items():
        assert max_score > 0, name
        assert score == max_score, f"{name}: {score} of {max_score}"
    assert scores["demo"] == (demo.TOTAL_POINTS, demo.TOTAL_POINTS)


def test_untouched_exercises_get_zero(course):
    root, names = course
    scores = _scores(root, "untouched")
    assert sorted(f"{n}.ipynb" for n in scores) == names
    for name, (score, max_score) in scores.items():
        assert max_score > 0 and score == 0, f"{name}: {score} of {max_score}"
    assert _scores(root, "generated")["demo"] == (0, demo.TOTAL_POINTS)


def test_make_exercises_writes_what_nbgrader_releases(course):
    """Same cells and same sources as nbgrader's own student version."""
    root, names = course
    for name in names:
        ours = nbformat.reads(convert(root / "source" / "ps1" / name), as_version=4)
        theirs = nbformat.read(root / "release" / "ps1" / name, as_version=4)
        assert [c.source for c in ours.cells] == [c.source for c in theirs.cells], name
        assert [c.cell_type for c in ours.cells] == [c.cell_type for c in theirs.cells], name
