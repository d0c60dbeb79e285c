"""Re-execute notebooks in place, so that the committed outputs are the real ones.

::

    python -m smartlev.teach.notebooks course solutions [--timeout 600] [--kernel python3]

Each notebook (the ``*.ipynb`` files of each folder given, or the files given) runs
top to bottom in a fresh kernel whose working folder is the notebook's folder. A cell
may raise only when it is tagged ``raises-exception``. A notebook that fails is left
as it was and reported; the others are still run and written. The exit status is 1
when any notebook failed.

Run ``make exercises`` afterwards when solution notebooks changed: exercise notebooks
are generated from them (:mod:`smartlev.teach.make_exercises`), not executed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["find_notebooks", "execute_notebook", "main"]


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    """The notebooks named by ``paths``: files as given, folders' ``*.ipynb`` sorted.

    Raises
    ------
    FileNotFoundError
        When a path does not exist.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(q for q in p.glob("*.ipynb") if q.is_file()))
        elif p.is_file():
            found.append(p)
        else:
            raise FileNotFoundError(f"notebook or folder {str(p)!r} does not exist")
    return found


def execute_notebook(
    path: str | Path, *, timeout: float = 600.0, kernel_name: str = "python3"
) -> float:
    """Run the notebook at ``path`` and write it back with its new outputs.

    Parameters
    ----------
    path : path
        The notebook; it is rewritten only when every cell ran as allowed.
    timeout : float
        Seconds allowed per cell.
    kernel_name : str
        Jupyter kernel.

    Returns
    -------
    float
        Seconds taken.

    Raises
    ------
    nbclient.exceptions.CellExecutionError, nbclient.exceptions.CellTimeoutError
        When a cell not tagged ``raises-exception`` fails, or a cell takes too long.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=int(timeout),
        allow_errors=False,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    client.execute(cwd=str(path.parent.resolve()))
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m smartlev.teach.notebooks FOLDER_OR_NOTEBOOK ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m smartlev.teach.notebooks",
        description="Re-execute notebooks in place (working folder = the notebook's folder).",
    )
    parser.add_argument("paths", nargs="+", help="folders of notebooks, or notebooks")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per cell (600)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (python3)")
    args = parser.parse_args(argv)
    try:
        notebooks = find_notebooks(args.paths)
    except FileNotFoundError as exc:
        parser.error(str(exc))
    failed: list[tuple[Path, str]] = []
    for path in notebooks:
        print(f"running {path} ...", flush=True)
        try:
            seconds = execute_notebook(path, timeout=args.timeout, kernel_name=args.kernel)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            first = str(exc).strip().splitlines()
            reason = f"{type(exc).__name__}: {first[0] if first else ''}"
            # the cell traceback is the useful part of a CellExecutionError
            print(f"FAILED {path}\n{exc}", file=sys.stderr, flush=True)
            failed.append((path, reason))
            continue
        print(f"  done in {seconds:.1f} s", flush=True)
    if failed:
        print(f"\n{len(failed)} of {len(notebooks)} notebooks failed:", file=sys.stderr)
        for path, reason in failed:
            print(f"  {path}: {reason}", file=sys.stderr)
        return 1
    print(f"{len(notebooks)} notebooks executed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
