"""The course as a learner sees it: JupyterLab in headless Chromium, fully offline.

For every lesson in course/: open it, run all cells, wait until the kernel is idle, and
check that no cell raised, every chart has a canvas or svg, the widgets rendered, and
moving a control changes a chart or a number. One exercise notebook is answered through
its answer box, and the playground's scenario is changed. Every request the page makes
must go to the local server. Screenshots land in build/screenshots/.
"""

from __future__ import annotations

import importlib.util
import json
import math
import time

import labdriver
import pytest
from labdriver import REPO, chart_outputs, source_text

pytestmark = pytest.mark.timeout(240)

LESSONS = sorted((REPO / "course").glob("*.ipynb"))


def _exercise_notebook():
    """The first exercise notebook that builds a widget answer box."""
    for nb in sorted((REPO / "exercises").glob("*.ipynb")):
        if "widget(" in source_text(nb):
            return nb
    return None


EXERCISE = _exercise_notebook()


def _offline_problems(lab) -> list[str]:
    return [f"request to a host other than the local server: {url}" for url in lab.foreign]


def _assert_clean(lab, problems: list[str], what: str) -> None:
    problems = problems + _offline_problems(lab)
    if problems:
        extra = ""
        if lab.console_errors:
            extra = "\nbrowser console errors:\n  " + "\n  ".join(lab.console_errors[:10])
        pytest.fail(f"{what}:\n  " + "\n  ".join(problems) + extra, pytrace=False)


def _summary(chk, shots, move) -> str:
    rep = chk.report
    return (
        f"{chk.path:<40} open {chk.open_seconds:4.1f} s  run {chk.run_seconds:5.1f} s  "
        f"render {chk.render_seconds:4.1f} s  charts {rep['charts']['rendered']:>2}/"
        f"{rep['charts']['total']:<2} (file {chk.stored_charts:>2})  widgets "
        f"{rep['widgetRendered']:>2}  screenshots {len(shots):>2} "
        f"({chk.shot_seconds:3.1f} s)  {move}"
    )


def _lesson_ids(p):
    return p.stem if p is not None else "none"


@pytest.mark.parametrize(
    "notebook",
    LESSONS or [pytest.param(None, marks=pytest.mark.skip(reason="course/ has no lessons yet"))],
    ids=_lesson_ids,
)
def test_lesson_runs_and_renders(lab, notebook):
    rel = f"course/{notebook.name}"
    chk = lab.check_notebook(rel, chart_outputs(notebook))
    try:
        t0 = time.monotonic()
        shots = lab.screenshots(notebook.stem)
        chk.shot_seconds = time.monotonic() - t0
        problems = list(chk.problems)
        if lab.controls():
            moved, tried = lab.move_something()
            move = f"moved: {tried[-1]}" if moved else "no change"
            if not moved:
                problems.append(
                    "moving a widget control changed no chart and no number; tried: "
                    + "; ".join(tried)
                )
        else:
            move = "no controls"
            problems.append("the lesson shows no widget control to move")
        labdriver.SUMMARY.append(_summary(chk, shots, move))
    finally:
        lab.close_notebook()
    _assert_clean(lab, problems, rel)


# ------------------------------------------------------------------- answer boxes

PROBE = r"""
def _sl_probe():
    import json
    try:
        from ipywidgets.widgets.widget import _instances as registry
    except ImportError:
        import ipywidgets
        registry = ipywidgets.Widget.widgets

    def number(v):
        if v is None or isinstance(v, bool):
            return None
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    def expected_of(box):
        # 1. the box says it; 2. the question it was made by; 3. the Check button's handler
        for owner in (box, getattr(box, "question", None)):
            for name in ("expected", "answer"):
                v = number(getattr(owner, name, None)) if owner is not None else None
                if v is not None:
                    return v
        for child in box.children:
            if "sl-check" not in getattr(child, "_dom_classes", ()):
                continue
            for fn in getattr(child._click_handlers, "callbacks", []):
                for cell in getattr(fn, "__closure__", None) or ():
                    try:
                        v = number(getattr(cell.cell_contents, "expected", None))
                    except (ValueError, AttributeError):
                        v = None
                    if v is not None:
                        return v
        return None

    boxes = []
    for w in list(registry.values()):
        if "sl-answer-box" not in getattr(w, "_dom_classes", ()):
            continue
        kinds = [type(c).__name__ for c in w.children
                 if "sl-answer-input" in getattr(c, "_dom_classes", ())]
        boxes.append({"input": kinds[0] if kinds else None, "expected": expected_of(w)})
    print(json.dumps(boxes))
_sl_probe()
del _sl_probe
"""


def _answer_box_round(lab, what: str) -> list[str]:
    """Answer the first answer box wrongly, then rightly; return what went wrong."""
    page = lab.page
    boxes = page.locator(".sl-answer-box")
    if boxes.count() == 0:
        return [f"{what}: no .sl-answer-box on the page after running"]
    out = lab.kernel_eval(PROBE)
    try:
        kernel_boxes = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        return [f"{what}: could not list the answer boxes in the kernel ({exc}): {out!r}"]
    if len(kernel_boxes) != boxes.count():
        return [
            f"{what}: {boxes.count()} answer boxes on the page but {len(kernel_boxes)} "
            "in the kernel; cannot tell which is which"
        ]
    numeric = [
        i
        for i, kb in enumerate(kernel_boxes)
        if kb["input"] in ("FloatText", "BoundedFloatText", "IntText", "BoundedIntText")
    ]
    if not numeric:
        return [f"{what}: no answer box with a number input: {kernel_boxes}"]
    index = numeric[0]
    expected = kernel_boxes[index]["expected"]
    if expected is None or not math.isfinite(expected):
        return [f"{what}: cannot read the right answer of answer box {index}: {kernel_boxes}"]
    if kernel_boxes[index]["input"].endswith("IntText"):
        expected = round(expected)
    box = boxes.nth(index)
    box.scroll_into_view_if_needed()
    field = box.locator(".sl-answer-input input").first
    button = box.locator("button.sl-check, .sl-check button, .sl-check").first
    feedback = box.locator(".sl-feedback").first
    problems = []
    wrong = expected + round(max(1.0, abs(expected)) * 7.31) + 1
    for value, start in ((wrong, "Not yet"), (expected, "Correct")):
        field.fill(repr(value))
        field.press("Enter")
        button.click()
        ok = lab.wait_until(
            "([el, start]) => el.innerText.trim().startsWith(start)",
            arg=[feedback.element_handle(), start],
            timeout=15,
        )
        if not ok:
            problems.append(
                f"{what}: answered {value!r}, expected feedback starting {start!r}, "
                f"got {feedback.inner_text().strip()[:200]!r}"
            )
    return problems


@pytest.mark.skipif(EXERCISE is None, reason="no exercise notebook with a widget answer box yet")
def test_exercise_answer_box(lab):
    rel = f"exercises/{EXERCISE.name}"
    chk = lab.check_notebook(rel, chart_outputs(EXERCISE), allow_tagged_errors=True)
    try:
        problems = list(chk.problems) + _answer_box_round(lab, rel)
        shots = lab.screenshots(EXERCISE.stem)
        labdriver.SUMMARY.append(_summary(chk, shots, "answer box checked"))
    finally:
        lab.close_notebook()
    _assert_clean(lab, problems, rel)


# ------------------------------------------------------------------- playground


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@pytest.mark.skipif(not _has_module("smartlev.widgets"), reason="no smartlev.widgets yet")
def test_playground_scenario_updates_charts_and_table(lab):
    rel = "_harness/playground.ipynb"
    chk = lab.check_notebook(rel, 0)
    try:
        problems = list(chk.problems)
        root = ".sl-playground"
        page = lab.page
        if page.locator(root).count() == 0:
            problems.append("no .sl-playground on the page")
        elif page.locator(f"{root} .sl-scenario select").count() == 0:
            problems.append("the playground has no .sl-scenario dropdown")
        elif page.locator(f"{root} .sl-metrics").count() == 0:
            problems.append("the playground has no .sl-metrics table")
        else:
            lab.wait_charts(root, minimum=1, timeout=30)
            before = lab.snapshot(root)
            metrics_before = page.locator(f"{root} .sl-metrics").first.inner_text()
            if before["charts"]["total"] == 0:
                problems.append("the playground shows no chart")
            select = page.locator(f"{root} .sl-scenario select").first
            options = select.locator("option").all_text_contents()
            current = select.evaluate("s => s.selectedIndex")
            new = (current + 1) % len(options)
            select.select_option(index=new)
            changed = lab.wait_until(
                """([root, before, metrics]) => {
                     if (!window.__sl.kernelIdle()) return false;
                     const now = window.__sl.snapshot(root, null);
                     const m = document.querySelector(root + ' .sl-metrics');
                     return now && now.charts.total > 0 && now.charts.rendered === now.charts.total
                       && now.graphics !== before.graphics && m && m.innerText !== metrics;
                   }""",
                arg=[root, before, metrics_before],
                timeout=60,
            )
            if not changed:
                after = lab.snapshot(root)
                problems.append(
                    f"scenario {options[current]!r} -> {options[new]!r}: charts changed "
                    f"{after['graphics'] != before['graphics']}, table changed "
                    f"{page.locator(root + ' .sl-metrics').first.inner_text() != metrics_before}, "
                    f"charts rendered {after['charts']}"
                )
        shots = lab.screenshots("playground")
        labdriver.SUMMARY.append(_summary(chk, shots, "scenario changed"))
    finally:
        lab.close_notebook()
    _assert_clean(lab, problems, "playground")


# ------------------------------------------------------------------- the harness itself


def test_harness_passes_a_healthy_notebook(lab):
    """Two charts, a slider that redraws, an answer box: everything must pass."""
    rel = "_harness/healthy.ipynb"
    nb = lab.server.root / rel
    chk = lab.check_notebook(rel, chart_outputs(nb))
    try:
        problems = list(chk.problems)
        assert chk.report["charts"]["total"] >= 3, chk.report
        moved, tried = lab.move_something()
        if not moved:
            problems.append(f"slider moved but nothing changed: {tried}")
        problems += _answer_box_round(lab, rel)
        labdriver.SUMMARY.append(_summary(chk, [], "slider moved, answer box checked"))
    finally:
        lab.close_notebook()
    _assert_clean(lab, problems, rel)


def test_harness_reports_errors_cdn_charts_and_foreign_hosts(lab):
    """An error, a chart that needs a CDN and a remote image must all be reported."""
    rel = "_harness/broken.ipynb"
    nb = lab.server.root / rel
    chk = lab.check_notebook(rel, chart_outputs(nb), render_timeout=5)
    lab.close_notebook()
    text = "\n".join(chk.problems + _offline_problems(lab))
    assert "ZeroDivisionError" in text, text
    assert "expected at least 2" in text, text
    assert "example.com" in text, text
    assert "cdn.jsdelivr.net" in text, text
