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
import numpy as np
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "course").glob("[0-9][0-9]_*.ipynb"))

SWEEP = r"""
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
"""


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


# ----------------------------------------------------------------------------- explore


def _sweep_explorer(w) -> int:
    """Every control of a lesson explorer to each end (every option) and back."""
    moves = 0
    for name, control in w.controls.items():
        start = control.value
        if hasattr(control, "options"):
            ends = [o[1] if isinstance(o, tuple) else o for o in control.options]
        else:
            ends = [control.min, control.max]
        for v in [*ends, start]:
            control.value = v
            moves += 1
            assert w.last_error is None, f"{name}={v!r}: {w.last_error}"
    return moves


@pytest.fixture(scope="module")
def small():
    import smartlev as sl

    m = sl.scenarios.gbm(days=40, steps_per_day=1, paths=12, seed=4)
    products = {
        "Spot": sl.Spot(),
        "3x token": sl.LeveragedToken(3),
        "Perpetual 2x": sl.Perpetual(2.0),
        "Smart Leverage": sl.SmartLeverage(),
    }
    return sl, m, products


def _vega(out):
    (item,) = out.outputs
    return item["data"]["application/vnd.vegalite.v5+json"]


def _outputs(w):
    def walk(x):
        yield x
        for c in getattr(x, "children", ()):
            yield from walk(c)

    import ipywidgets as widgets

    return [x for x in walk(w) if isinstance(x, widgets.Output)]


def test_token_explorer(small):
    from smartlev.teach import explore

    w = explore.token_explorer(paths=8)
    assert "sl-explorer" in w._dom_classes and len(_outputs(w)) == 2
    assert _sweep_explorer(w) >= 8
    scatter = _vega(_outputs(w)[0])
    assert scatter["layer"][1]["encoding"]["strokeDash"]["legend"]["symbolType"] == "stroke"


def test_ordering_explorer_shows_the_recorded_order_first(small):
    from smartlev.teach import explore

    sl, m, _ = small
    shuffled = sl.scenarios.shuffle(m, paths=6, seed=1)
    runs = {
        "Spot": sl.simulate(sl.Spot(), shuffled),
        "3x token": sl.simulate(sl.LeveragedToken(3), shuffled),
        "3x token (Bybit-style)": sl.simulate(sl.LeveragedToken.bybit(3), shuffled),
        "Smart Leverage": sl.simulate(sl.SmartLeverage(), shuffled),
    }
    w = explore.ordering_explorer(shuffled.time_days, runs, orderings=6)
    readout = w.children[-2].value
    assert readout.index("Spot") < readout.index("3x token") < readout.index("Smart Leverage")
    assert _sweep_explorer(w) >= 4
    with pytest.raises(ValueError, match="runs"):
        explore.ordering_explorer(shuffled.time_days, {"Spot": runs["Spot"]})


def test_policy_explorer(small):
    from smartlev.teach import explore

    sl, m, _ = small
    w = explore.policy_explorer(m, path=2)
    assert "Path 2" in w.children[-2].value
    assert _sweep_explorer(w) >= 6
    with pytest.raises(ValueError, match="path"):
        explore.policy_explorer(m, path=99)


def test_crash_explorer(small):
    from smartlev.teach import explore

    sl, _, products = small
    w = explore.crash_explorer(products, crash_day=3, steps_per_day=4, paths=5)
    text = w.children[-2].value
    assert "Perpetual 2x: median loss" in text and "liquidated" in text
    assert "breaker tripped" in text
    assert _sweep_explorer(w) >= 6
    with pytest.raises(ValueError, match="Smart Leverage"):
        explore.crash_explorer({"Spot": sl.Spot()})


def test_position_explorer(small):
    from smartlev.teach import explore

    sl, m, _ = small
    runs = {"A": sl.simulate(sl.SmartLeverage(), m), "B": sl.simulate(sl.SmartLeverage(), m)}
    spot = {k: m.prices / m.prices[:, :1] for k in runs}
    w = explore.position_explorer(runs, spot, market="B")
    assert w.controls["market"].value == "B" and w.controls["horizon"].max == 40
    assert _sweep_explorer(w) >= 6
    # all in Smart Leverage: the portfolio is the product's NAV
    w.controls["size"].value = 100
    assert f"{np.median(runs['B'].nav[:, w.controls['horizon'].value]):.3f}" in w.children[-2].value
    with pytest.raises(ValueError, match="market"):
        explore.position_explorer(runs, spot, market="C")


def test_beliefs_explorer(small):
    from smartlev.teach import explore

    sl, m, products = small
    w = explore.beliefs_explorer({"GBM": m}, products, days=20)
    assert "2x contract" in w.children[-2].value
    assert _sweep_explorer(w) >= 3
    with pytest.raises(ValueError, match="Perpetual"):
        explore.beliefs_explorer({"GBM": m}, {"Spot": sl.Spot(), "S": sl.SmartLeverage()})
