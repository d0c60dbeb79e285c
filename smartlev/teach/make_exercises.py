"""Generate the learner's exercise notebooks from the solution notebooks.

``solutions/`` is the single source of every exercise. Each solution notebook carries
nbgrader markers and cell metadata; this module writes the learner's version of each
into ``exercises/`` the way ``nbgrader generate_assignment`` would, without needing
nbgrader::

    python -m smartlev.teach.make_exercises solutions exercises          # (re)write exercises/
    python -m smartlev.teach.make_exercises --check solutions exercises  # exit 1 if they drift

What changes between a solution notebook and its exercise notebook:

- in code cells, each region from a line containing ``BEGIN SOLUTION`` to a line
  containing ``END SOLUTION`` becomes the comment ``# YOUR CODE HERE``, indented like the
  ``BEGIN`` line; in Markdown cells it becomes ``YOUR ANSWER HERE``; a solution cell
  without markers is replaced whole;
- regions from ``BEGIN HIDDEN TESTS`` to ``END HIDDEN TESTS`` are removed;
- every output and execution count is cleared (check cells of a solution notebook show
  the right answers), and so is the saved widget state;
- nbgrader metadata, cell ids and everything else are kept; the file is written as
  nbformat 4.5 with nbformat's stable JSON layout, so the same input always gives
  the same bytes.

The solution notebooks are checked first, with the rules nbgrader applies: solution
markers only in solution cells, hidden tests only in grade cells, every nbgrader
cell with a unique ``grade_id``, every grade cell with ``points``, ``schema_version`` 3.

The placeholder a learner replaces is written in the solution notebook, outside the
markers, so that nothing but the stub comment is generated::

    answer_1 = ____                      def breakeven_rise(leverage, sigma, years):
    ### BEGIN SOLUTION                       ### BEGIN SOLUTION
    answer_1 = (1 + 3 * 0.1) ** 5 - 1        return np.exp(...) - 1
    ### END SOLUTION                         ### END SOLUTION
                                             return ____

becomes ``answer_1 = ____`` / ``# YOUR CODE HERE`` and a function whose body is
``# YOUR CODE HERE`` / ``return ____``: both are "not attempted" for the checks, and no
cell raises. nbgrader writes the same release when its stub is set to the same comment
(``c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}`` in
``nbgrader_config.py``); with nbgrader's stock stub the release also raises
``NotImplementedError`` there, which the checks count as not attempted too.

The questions themselves (expected values, reference functions, right choices) are not
in the notebooks at all: they live in :mod:`smartlev.teach.exercises` (``ex01`` ...
``ex09``), which the setup cell imports.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = [
    "CODE_STUB",
    "TEXT_STUB",
    "student_version",
    "render",
    "convert",
    "generate",
    "check",
    "main",
]

#: What a solution region of a code cell becomes (set nbgrader's
#: ``ClearSolutions.code_stub`` to the same for an identical release). The placeholder
#: ``____`` the learner replaces stands outside the markers in the solution notebook.
CODE_STUB = "# YOUR CODE HERE"
#: What a solution region of a Markdown cell becomes (nbgrader's default).
TEXT_STUB = "YOUR ANSWER HERE"

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"

_GRADE_ID_RE = re.compile(r"^[a-zA-Z0-9_\-]+$")


def _replace_regions(
    source: str, begin: str, end: str, stub: str | None, where: str
) -> tuple[str, bool]:
    """Replace (``stub``) or drop (``None``) every begin/end region of ``source``."""
    out: list[str] = []
    inside = False
    found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"{where}: nested {begin!r} markers")
            inside = True
            found = True
            if stub is not None:
                indent = re.match(r"\s*", line).group(0)
                out.extend(indent + s for s in stub.split("\n"))
        elif end in line:
            if not inside:
                raise ValueError(f"{where}: {end!r} without a {begin!r} before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {begin!r} without a matching {end!r}")
    return "\n".join(out), found


def _nbgrader(cell: Any) -> dict | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _validate(nb: Any, name: str) -> None:
    """Check the nbgrader metadata and markers of a solution notebook."""
    seen: dict[str, int] = {}
    for i, cell in enumerate(nb.cells, start=1):
        where = f"{name}: cell {i}"
        meta = _nbgrader(cell)
        source = cell.get("source", "")
        has_solution = BEGIN_SOLUTION in source or END_SOLUTION in source
        has_hidden = BEGIN_HIDDEN in source or END_HIDDEN in source
        if meta is None:
            if has_solution:
                raise ValueError(
                    f"{where}: solution markers in a cell without nbgrader metadata; "
                    "give it nbgrader metadata with solution: true"
                )
            if has_hidden:
                raise ValueError(
                    f"{where}: hidden tests in a cell without nbgrader metadata; "
                    "give it nbgrader metadata with grade: true"
                )
            continue
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                raise ValueError(f"{where}: nbgrader metadata {key!r} must be true or false")
        if meta.get("schema_version") != 3:
            raise ValueError(
                f"{where}: nbgrader schema_version must be 3, got {meta.get('schema_version')!r}"
            )
        grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
        task = meta.get("task", False)
        if grade or solution or locked or task:
            gid = meta.get("grade_id")
            if not isinstance(gid, str) or not _GRADE_ID_RE.match(gid):
                raise ValueError(
                    f"{where}: grade_id must be letters, digits, '_' or '-', got {gid!r}"
                )
            if gid in seen:
                raise ValueError(f"{where}: grade_id {gid!r} already used by cell {seen[gid]}")
            seen[gid] = i
        if grade or task:
            pts = meta.get("points")
            if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts < 0:
                raise ValueError(f"{where}: grade cell needs points >= 0, got {pts!r}")
        if has_solution and not solution:
            raise ValueError(f"{where}: solution markers in a cell not marked solution: true")
        if has_hidden and not grade:
            raise ValueError(f"{where}: hidden tests in a cell not marked grade: true")
        if cell.cell_type == "markdown" and not task and grade != solution:
            raise ValueError(
                f"{where}: a Markdown nbgrader cell must be both grade and solution, or neither"
            )
        if task and cell.cell_type != "markdown":
            raise ValueError(f"{where}: task cells must be Markdown")


def _load(text: str, name: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ValueError(f"{name}: not a Jupyter notebook (no 'cells')")
    if data.get("nbformat") != 4:
        raise ValueError(f"{name}: nbformat must be 4, got {data.get('nbformat')!r}")
    # cells without an id (nbformat < 4.5) get ids derived from the file name and the
    # position, never random ones, so that the output stays the same run after run
    stem = Path(name).stem
    for i, cell in enumerate(data["cells"]):
        if not cell.get("id"):
            cell["id"] = hashlib.sha1(f"{stem}:{i}".encode()).hexdigest()[:8]
    data["nbformat_minor"] = max(5, int(data.get("nbformat_minor", 5)))
    return nbformat.v4.to_notebook_json(data)  # joins multi-line sources


def student_version(nb: Any, name: str = "notebook") -> Any:
    """The learner's version of a solution notebook (a new notebook; ``nb`` is untouched).

    Parameters
    ----------
    nb : NotebookNode
        Solution notebook (nbformat 4).
    name : str
        Used in error messages.

    Returns
    -------
    NotebookNode

    Raises
    ------
    ValueError
        When markers or nbgrader metadata break nbgrader's rules.

    Examples
    --------
    >>> import nbformat
    >>> meta = {"nbgrader": {"grade": False, "solution": True, "locked": False,
    ...                      "grade_id": "a1", "schema_version": 3, "task": False}}
    >>> cell = nbformat.v4.new_code_cell(
    ...     "answer = ____\\n### BEGIN SOLUTION\\nanswer = 2 * 3\\n### END SOLUTION",
    ...     metadata=meta)
    >>> nb = nbformat.v4.new_notebook(cells=[cell])
    >>> out = student_version(nb)
    >>> print(out.cells[0].source)
    answer = ____
    # YOUR CODE HERE
    """
    _validate(nb, name)
    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    for i, cell in enumerate(out.cells, start=1):
        where = f"{name}: cell {i}"
        meta = _nbgrader(cell) or {}
        if cell.cell_type in ("code", "markdown"):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            source, replaced = _replace_regions(
                cell.source, BEGIN_SOLUTION, END_SOLUTION, stub, where
            )
            if meta.get("solution") and not replaced:
                source, replaced = stub, True
            source, _ = _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, None, where)
            cell.source = source
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    out.metadata.pop("widgets", None)
    out.metadata.pop("celltoolbar", None)
    out.nbformat = 4
    out.nbformat_minor = 5
    return out


def render(nb: Any) -> str:
    """The notebook as text, in nbformat's stable layout, ending with a newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def convert(path: str | Path, name: str | None = None) -> str:
    """Read a solution notebook and return the text of its exercise notebook."""
    path = Path(path)
    nb = _load(path.read_text(encoding="utf-8"), name or str(path))
    return render(student_version(nb, name or str(path)))


def _notebooks(folder: Path) -> list[Path]:
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and p.is_file()
    )


@dataclass
class Plan:
    """What :func:`generate` would do: file texts to write and files to remove."""

    expected: dict[Path, str] = field(default_factory=dict)
    stale: list[Path] = field(default_factory=list)


def _plan(src: Path, dst: Path) -> Plan:
    if not src.is_dir():
        raise FileNotFoundError(f"solutions folder {str(src)!r} does not exist")
    plan = Plan()
    for rel in _notebooks(src):
        plan.expected[rel] = convert(src / rel, name=str(Path(src.name) / rel))
    if dst.is_dir():
        plan.stale = [rel for rel in _notebooks(dst) if rel not in plan.expected]
    return plan


def generate(src: str | Path, dst: str | Path) -> dict[str, list[Path]]:
    """Write the exercise notebook of every solution notebook; remove stale ones.

    Files whose content would not change are not rewritten.

    Returns
    -------
    dict
        ``{"written": [...], "unchanged": [...], "removed": [...]}``, paths relative
        to ``dst``.
    """
    src, dst = Path(src), Path(dst)
    plan = _plan(src, dst)
    done: dict[str, list[Path]] = {"written": [], "unchanged": [], "removed": []}
    for rel, text in plan.expected.items():
        target = dst / rel
        data = text.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            done["unchanged"].append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        done["written"].append(rel)
    for rel in plan.stale:
        (dst / rel).unlink()
        done["removed"].append(rel)
    return done


def check(src: str | Path, dst: str | Path) -> list[str]:
    """Differences between ``dst`` and what :func:`generate` would write (empty = none)."""
    src, dst = Path(src), Path(dst)
    plan = _plan(src, dst)
    problems = []
    for rel, text in plan.expected.items():
        target = dst / rel
        if not target.is_file():
            problems.append(f"{dst / rel}: missing")
        elif target.read_bytes() != text.encode("utf-8"):
            problems.append(f"{dst / rel}: differs from what its solution notebook gives")
    problems.extend(f"{dst / rel}: has no solution notebook (stale)" for rel in plan.stale)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m smartlev.teach.make_exercises [--check] SOLUTIONS EXERCISES``."""
    parser = argparse.ArgumentParser(
        prog="python -m smartlev.teach.make_exercises",
        description="Generate exercise notebooks from solution notebooks (nbgrader markers).",
    )
    parser.add_argument("solutions", help="folder of solution notebooks (the source)")
    parser.add_argument("exercises", help="folder to write the exercise notebooks to")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files that differ",
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.solutions, args.exercises)
            for p in problems:
                print(p)
            if problems:
                print("run `make exercises` to regenerate them", file=sys.stderr)
                return 1
            print(f"{args.exercises} is up to date with {args.solutions}")
            return 0
        done = generate(args.solutions, args.exercises)
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for rel in done["written"]:
        print(f"wrote {Path(args.exercises) / rel}")
    for rel in done["removed"]:
        print(f"removed {Path(args.exercises) / rel}")
    print(
        f"{len(done['written'])} written, {len(done['unchanged'])} unchanged, "
        f"{len(done['removed'])} removed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
