"""Every widget control of every lesson moves to both ends of its range without an error.

Each lesson runs in a fresh kernel; then a last cell finds every live ipywidgets control
the lesson made (sliders, number boxes, dropdowns, toggles, checkboxes), moves it to its
minimum and maximum (every option for a dropdown, both states for a checkbox) and back,
and reports any exception raised by the lesson's callbacks, or any error text an
explorer showed instead of raising.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "course").glob("[0-9][0-9]_*.ipynb"))

SWEEP = r'''
import json as _json
import traceback as _tb
import ipywidgets as _w
from ipywidgets.widgets.widget import _instances as _live

_SKIP = ("sl-answer-box",)  # answer boxes are exercises, not explorers


def _ends(c):
    if isinstance(c, (_w.Dropdown, _w.ToggleButtons, _w.RadioButtons, _w.Select)):
        return [o[1] if isinstance(o, tuple) else o for o in c.options]
    if isinstance(c, (_w.Checkbox, _w.ToggleButton)):
        return [not c.value, c.value]
    if isinstance(c, (_w.IntRangeSlider, _w.FloatRangeSlider)):
        return [(c.min, c.min), (c.max, c.max)]
    if hasattr(c, "min") and hasattr(c, "max"):
        return [c.min, c.max]
    return []


def _error_text():
    texts = []
    for w in list(_live.values()):
        if isinstance(w, _w.HTML) and "sl-error" in getattr(w, "_dom_classes", ()):
            if w.value.strip():
                texts.append(w.value)
        if isinstance(w, _w.Output):
            for o in w.outputs:
                if o.get("output_type") == "error":
                    texts.append(o.get("ename", "") + ": " + o.get("evalue", ""))
    return texts


_controls = [w for w in list(_live.values())
             if isinstance(w, _w.ValueWidget) and not isinstance(w, (_w.HTML, _w.Label))
             and getattr(w, "disabled", False) is False and _ends(w)]
_problems, _moves = [], 0
for _c in _controls:
    _start = _c.value
    for _v in _ends(_c) + [_start]:
        try:
            _c.value = _v
            _moves += 1
        except Exception as _e:  # a callback failed
            _problems.append(f"{type(_c).__name__} {_c.description!r} = {_v!r}: "
                             f"{type(_e).__name__}: {_e}")
        _errs = _error_text()
        if _errs:
            _problems.append(f"{type(_c).__name__} {_c.description!r} = {_v!r} "
                             f"showed: {_errs[0][:300]}")
            break
print("SWEEP " + _json.dumps({"controls": len(_controls), "moves": _moves,
                              "problems": _problems}))
'''


@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_control_moves_end_to_end(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"]
    nb.cells.append(nbformat.v4.new_code_cell(SWEEP))
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    text = "".join(
        o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream"
    )
    line = next(ln for ln in text.splitlines() if ln.startswith("SWEEP "))
    report = json.loads(line[len("SWEEP ") :])
    print(f"{path.name}: {report['controls']} controls, {report['moves']} moves")
    assert report["controls"] >= 1, f"{path.name} has no widget control to explore with"
    assert not report["problems"], "\n".join(report["problems"])
