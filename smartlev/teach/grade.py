"""Grade a folder of submitted exercise notebooks and write one CSV of results.

::

    python -m smartlev.teach.grade SUBMISSIONS_DIR --csv grades.csv [--timeout 300] [--jobs 1]

Each notebook is copied into a fresh temporary folder and run there top to bottom in
a new kernel (``python3`` unless ``--kernel`` says otherwise) with nbclient, errors
allowed, so a cell that fails does not stop the cells after it. The submissions are
only read, never written.

How the results are collected: the kernel runs with the environment variable
``SMARTLEV_GRADE_FILE`` pointing at a file in the temporary folder; every question of
:mod:`smartlev.teach.exercises` appends one JSON line to it when it is created and one per
check (status, points, reason). A last cell, added to the copy, checks from the
learner's variables every question whose check cell never ran. The file is read after
the run, so whatever was checked before a crash or a timeout still counts. The last
check of a question is its result.

What can go wrong, and what the CSV then says (the other notebooks are still graded):

- a cell raises: later cells still run; nothing special is reported;
- the notebook runs longer than ``--timeout`` seconds (all cells together): the kernel
  is stopped, an ``error`` row says where, exercises not reached are ``not run``;
- the kernel dies (a crash, ``os._exit``): an ``error`` row, as above;
- the file is not valid JSON, or valid JSON that is not a notebook, or not text at
  all: an ``error`` row saying which.

Who is who: ``SUBMISSIONS/alice/03_volatility_decay.ipynb`` (one folder per student,
nbgrader's ``submitted/alice/ps1/...`` layout works too) is student ``alice``,
notebook ``03_volatility_decay.ipynb``. A file directly in ``SUBMISSIONS`` is named
``STUDENT__NOTEBOOK.ipynb``, or just ``STUDENT.ipynb`` (the notebook is then named
after the submissions folder).

The CSV has the columns ``student, notebook, exercise, status, points, max_points,
detail``: one row per student per exercise (status ``correct``, ``incorrect``,
``not attempted``, ``not run`` or ``not submitted``), ``error`` rows for notebooks
that could not be run to the end, and one ``TOTAL`` row per student. Exercises are
the union, per notebook name, of the questions seen in any submission, so every
student is graded out of the same total. The exit status is 0 whenever grading
finished, however the students did.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .exercises import GRADE_FILE_ENV

__all__ = [
    "COLUMNS",
    "Submission",
    "NotebookGrade",
    "find_submissions",
    "grade_notebook",
    "grade_folder",
    "write_csv",
    "main",
]

#: Columns of the grades CSV, in order.
COLUMNS = ["student", "notebook", "exercise", "status", "points", "max_points", "detail"]

_FINAL_CELL = (
    "import smartlev.teach.exercises as _smartlev_exercises\n"
    "_smartlev_exercises.final_check(globals())"
)


@dataclass(frozen=True)
class Submission:
    """One submitted notebook: where it is and whose it is."""

    path: Path
    student: str
    notebook: str


@dataclass
class NotebookGrade:
    """Results of one notebook.

    Attributes
    ----------
    exercises : list of dict
        One dict per question: ``exercise, status, points, max_points, detail``.
    error : str or None
        Why the notebook could not be run to the end, if it could not.
    """

    student: str
    notebook: str
    exercises: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def find_submissions(root: str | Path) -> list[Submission]:
    """Every ``*.ipynb`` under ``root`` (checkpoints skipped), with student and notebook.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "alice").mkdir()
    >>> _ = (d / "alice" / "03_decay.ipynb").write_text("{}")
    >>> _ = (d / "bob__03_decay.ipynb").write_text("{}")
    >>> [(s.student, s.notebook) for s in find_submissions(d)]
    [('alice', '03_decay.ipynb'), ('bob', '03_decay.ipynb')]
    """
    root = Path(root)
    found = []
    for path in sorted(root.rglob("*.ipynb")):
        rel = path.relative_to(root)
        if ".ipynb_checkpoints" in rel.parts or not path.is_file():
            continue
        if len(rel.parts) > 1:
            student, notebook = rel.parts[0], "/".join(rel.parts[1:])
        elif "__" in path.stem:
            student, rest = path.stem.split("__", 1)
            notebook = rest + path.suffix
        else:
            student, notebook = path.stem, root.resolve().name
        found.append(Submission(path, student, notebook))
    return found


def _read_notebook(raw: bytes) -> tuple[Any, str | None]:
    """Parse a submission: the notebook, or None and why it is not one."""
    import nbformat

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "not a notebook: the file is not text (not UTF-8)"
    stripped = text.lstrip()
    if not stripped:
        return None, "not a notebook: the file is empty"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if stripped[0] not in "{[":
            head = stripped[:30].splitlines()[0]
            return None, f"not a notebook: the file is plain text, not JSON (starts {head!r})"
        return None, f"not valid JSON: {exc}"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, "valid JSON but not a Jupyter notebook (no 'cells')"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reader failure is reported in the CSV
        return None, f"not a valid notebook: {type(exc).__name__}: {exc}"
    if not isinstance(nb.get("cells"), list):
        return None, "valid JSON but not a Jupyter notebook ('cells' is not a list)"
    return nb, None


def _read_records(path: Path) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """Questions (name -> max points, in creation order) and last check of each."""
    questions: dict[str, float] = {}
    checks: dict[str, dict[str, Any]] = {}
    if not path.is_file():
        return questions, checks
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
            name = str(rec["name"])
            if rec.get("event") == "question":
                questions.setdefault(name, float(rec["max_points"]))
            elif rec.get("event") == "check":
                questions.setdefault(name, float(rec["max_points"]))
                checks[name] = rec
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a killed kernel
    return questions, checks


def _execute(nb: Any, workdir: Path, timeout: float, kernel_name: str, env: dict) -> str | None:
    """Run ``nb`` in ``workdir``; return why it stopped early, or None."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    class _Client(NotebookClient):
        # outputs are not needed (results come from the grade file) and a cell that
        # prints without end must not fill the memory
        def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001, ANN202
            return None

    n_cells = len(nb.cells) - 1  # the last one is the added final check
    state: dict[str, Any] = {"deadline": None, "cell": None}

    def remaining(cell: Any) -> float:
        if state["deadline"] is None:
            state["deadline"] = time.monotonic() + timeout
        return max(state["deadline"] - time.monotonic(), 0.01)

    def on_cell_start(cell: Any, cell_index: int) -> None:
        state["cell"] = cell_index

    def where() -> str:
        i = state["cell"]
        if i is None:
            return "before the first cell"
        if i >= n_cells:
            return "while checking the answers at the end"
        return f"in cell {i + 1}"

    client = _Client(
        nb,
        kernel_name=kernel_name,
        timeout=int(timeout) + 1,
        timeout_func=remaining,
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        store_widget_state=False,
        shutdown_kernel="immediate",
        startup_timeout=120,
        on_cell_start=on_cell_start,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        # the kernel's own stdout/stderr (start-up warnings) would only clutter the
        # terminal; what the cells print travels through the kernel protocol
        client.execute(
            env=env, cwd=str(workdir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except CellTimeoutError:
        return f"did not finish within {timeout:g} s (stopped {where()}; an endless loop?)"
    except DeadKernelError:
        return f"the kernel died (crashed) {where()}"
    except Exception as exc:  # noqa: BLE001 - anything else is reported, grading goes on
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"could not be run ({type(exc).__name__}{': ' + msg if msg else ''}) {where()}"
    return None


def grade_notebook(
    path: str | Path,
    *,
    timeout: float = 300.0,
    kernel_name: str = "python3",
    student: str = "",
    notebook: str = "",
) -> NotebookGrade:
    """Run one submitted notebook in a fresh kernel and collect its exercise results.

    The file at ``path`` is only read. See the module documentation for the details.

    Parameters
    ----------
    path : path
        The submitted notebook.
    timeout : float
        Seconds allowed for the whole notebook (> 0).
    kernel_name : str
        Jupyter kernel to run it with.
    student, notebook : str
        Labels copied into the result.

    Returns
    -------
    NotebookGrade
    """
    import nbformat

    path = Path(path)
    result = NotebookGrade(student=student, notebook=notebook or path.name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        result.error = f"could not be read: {exc}"
        return result
    nb, why = _read_notebook(raw)
    if nb is None:
        result.error = why
        return result
    final = nbformat.v4.new_code_cell(_FINAL_CELL)
    final["id"] = "smartlev-final-check"
    nb.cells.append(final)
    with tempfile.TemporaryDirectory(prefix="smartlev-grade-") as tmp:
        workdir = Path(tmp)
        (workdir / path.name).write_bytes(raw)  # a copy, for notebooks that look at themselves
        grade_file = workdir / ".smartlev-grades.jsonl"
        env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        env[GRADE_FILE_ENV] = str(grade_file)
        result.error = _execute(nb, workdir, float(timeout), kernel_name, env)
        questions, checks = _read_records(grade_file)
    for name, max_points in questions.items():
        rec = checks.get(name)
        if rec is not None:
            row = {
                "exercise": name,
                "status": str(rec.get("status", "")),
                "points": float(rec.get("points", 0.0)),
                "max_points": float(rec.get("max_points", max_points)),
                "detail": str(rec.get("detail", "")),
            }
        else:
            status = "not run" if result.error else "not attempted"
            detail = (
                "the notebook stopped before this exercise was checked"
                if result.error
                else "no check of this exercise ran"
            )
            row = {
                "exercise": name,
                "status": status,
                "points": 0.0,
                "max_points": max_points,
                "detail": detail,
            }
        result.exercises.append(row)
    return result


def _grade_one(args: tuple[str, str, str, float, str]) -> NotebookGrade:
    path, student, notebook, timeout, kernel_name = args
    return grade_notebook(
        path, timeout=timeout, kernel_name=kernel_name, student=student, notebook=notebook
    )


def _num(x: float) -> str:
    return f"{x:g}"


def _rows(grades: Iterable[NotebookGrade]) -> list[dict[str, str]]:
    """CSV rows: union of exercises per notebook, missing ones filled, totals added."""
    grades = list(grades)
    exercises: dict[str, dict[str, float]] = {}  # notebook -> exercise -> max points
    for g in grades:
        table = exercises.setdefault(g.notebook, {})
        for ex in g.exercises:
            table[ex["exercise"]] = max(table.get(ex["exercise"], 0.0), ex["max_points"])
    students = sorted({g.student for g in grades})
    by_key = {(g.student, g.notebook): g for g in grades}
    rows: list[dict[str, str]] = []
    for student in students:
        got = total = 0.0
        n_right = n_ex = n_err = 0
        for notebook in sorted(exercises):
            g = by_key.get((student, notebook))
            if g is not None and g.error:
                n_err += 1
                rows.append(
                    {
                        "student": student,
                        "notebook": notebook,
                        "exercise": "(notebook)",
                        "status": "error",
                        "points": "0",
                        "max_points": "0",
                        "detail": g.error,
                    }
                )
            seen = {ex["exercise"]: ex for ex in (g.exercises if g else [])}
            for name, max_points in exercises[notebook].items():
                ex = seen.get(name)
                if ex is None:
                    if g is None:
                        status, detail = "not submitted", "no notebook with this name"
                    elif g.error:
                        status, detail = "not run", "the notebook could not be run to this exercise"
                    else:
                        status, detail = "not attempted", "this exercise is not in the notebook"
                    ex = {
                        "exercise": name,
                        "status": status,
                        "points": 0.0,
                        "max_points": max_points,
                        "detail": detail,
                    }
                points = float(ex["points"])
                got += points
                total += max_points
                n_ex += 1
                n_right += ex["status"] == "correct"
                rows.append(
                    {
                        "student": student,
                        "notebook": notebook,
                        "exercise": name,
                        "status": ex["status"],
                        "points": _num(points),
                        "max_points": _num(max_points),
                        "detail": ex["detail"],
                    }
                )
        detail = f"{n_right} of {n_ex} exercises correct"
        if n_err:
            detail += f"; {n_err} notebook{'s' if n_err > 1 else ''} with errors"
        rows.append(
            {
                "student": student,
                "notebook": "",
                "exercise": "TOTAL",
                "status": "",
                "points": _num(got),
                "max_points": _num(total),
                "detail": detail,
            }
        )
    return rows


def grade_folder(
    root: str | Path,
    *,
    timeout: float = 300.0,
    kernel_name: str = "python3",
    jobs: int = 1,
    progress: bool = True,
    on_result: Callable[[NotebookGrade], None] | None = None,
) -> list[dict[str, str]]:
    """Grade every notebook under ``root``; return the CSV rows (see :data:`COLUMNS`).

    Parameters
    ----------
    root : path
        The submissions folder.
    timeout : float
        Seconds allowed per notebook.
    kernel_name : str
        Jupyter kernel.
    jobs : int
        Notebooks graded at the same time (separate processes when > 1).
    progress : bool
        Show a tqdm progress bar on stderr.
    on_result : callable, optional
        Called with each :class:`NotebookGrade` as it is done.
    """
    from tqdm.auto import tqdm

    subs = find_submissions(root)
    tasks = [(str(s.path), s.student, s.notebook, float(timeout), kernel_name) for s in subs]
    grades: list[NotebookGrade] = []
    bar = tqdm(total=len(tasks), unit="notebook", desc="grading", disable=not progress)
    try:
        if jobs <= 1 or len(tasks) <= 1:
            for task in tasks:
                bar.set_postfix_str(f"{task[1]}/{task[2]}", refresh=False)
                g = _grade_one(task)
                grades.append(g)
                if on_result:
                    on_result(g)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(_grade_one, t): t for t in tasks}
                for fut in as_completed(futures):
                    t = futures[fut]
                    try:
                        g = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker failure is one row
                        g = NotebookGrade(t[1], t[2], error=f"grading failed: {exc!r}")
                    grades.append(g)
                    if on_result:
                        on_result(g)
                    bar.update(1)
    finally:
        bar.close()
    return _rows(grades)


def write_csv(rows: Sequence[dict[str, str]], path: str | Path) -> None:
    """Write the rows with the header :data:`COLUMNS`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m smartlev.teach.grade SUBMISSIONS_DIR --csv grades.csv``."""
    parser = argparse.ArgumentParser(
        prog="python -m smartlev.teach.grade",
        description=(
            "Run each submitted notebook in a fresh kernel and write a CSV of the "
            "results of every exercise. Submissions are never modified."
        ),
    )
    parser.add_argument("submissions", help="folder of submitted notebooks")
    parser.add_argument("--csv", default="grades.csv", help="CSV file to write (grades.csv)")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds allowed per notebook (300)"
    )
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (python3)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (1)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    args = parser.parse_args(argv)
    root = Path(args.submissions)
    if not root.is_dir():
        parser.error(f"submissions folder {str(root)!r} does not exist")
    if not args.timeout > 0:
        parser.error(f"--timeout must be > 0 seconds, got {args.timeout:g}")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        KernelSpecManager().get_kernel_spec(args.kernel)
    except NoSuchKernel:
        parser.error(f"--kernel {args.kernel!r} is not an installed Jupyter kernel")
    if not find_submissions(root):
        print(f"no notebooks found in {root}", file=sys.stderr)
    rows = grade_folder(
        root,
        timeout=args.timeout,
        kernel_name=args.kernel,
        jobs=args.jobs,
        progress=not args.quiet,
    )
    write_csv(rows, args.csv)
    if not args.quiet:
        for r in rows:
            if r["exercise"] == "TOTAL":
                print(f"{r['student']}: {r['points']} / {r['max_points']} ({r['detail']})")
        print(f"wrote {len(rows)} rows to {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
