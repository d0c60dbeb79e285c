"""The course as a learner sees it: JupyterLab in headless Chromium, fully offline.

For every lesson in course/: open it, run all cells, wait until the kernel is idle, and
check that no cell raised, every chart has a canvas or svg, the widgets rendered, and
moving a control changes a chart or a number. One exercise notebook is answered through
its answer box, and the playground's scenario is changed. Every request the page makes
must go to the local server. Screenshots land in build/screenshots/.

The notebooks run in the order below; while one is being checked, the next one already
runs in a second JupyterLab page (see ``labdriver.LabPool``).
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


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


EXERCISE = _exercise_notebook()
HAS_PLAYGROUND = _has_module("smartlev.teach.widgets")
PLAYGROUND = "_harness/playground.ipynb"
HEALTHY = "_harness/healthy.ipynb"
BROKEN = "_harness/broken.ipynb"
PLAN = (
    [f"course/{nb.name}" for nb in LESSONS]
    + ([f"exercises/{EXERCISE.name}"] if EXERCISE else [])
    + ([PLAYGROUND] if HAS_PLAYGROUND else [])
    + [HEALTHY, BROKEN]
)
NEXT = dict(zip(PLAN[:-1], PLAN[1:], strict=True))


def _assert_clean(page, problems: list[str], what: str) -> None:
    problems = problems + page.offline_problems()
    if problems:
        extra = ""
        if page.console_errors:
            extra = "\nbrowser console errors:\n  " + "\n  ".join(page.console_errors[:10])
        pytest.fail(f"{what}:\n  " + "\n  ".join(problems) + extra, pytrace=False)


def _summary(lab, chk, shots, move) -> str:
    rep = chk.report
    charts = rep["charts"]
    return (
        f"{chk.path:<44} {time.monotonic() - lab.test_started:5.1f} s (open {chk.open_seconds:4.1f}"
        f", run {chk.run_seconds:5.1f}, {len(shots):>2} screenshots {chk.shot_seconds:4.1f})  "
        f"charts {charts['rendered']:>2}/{charts['total']:<2} (file {chk.stored_charts:>2})  "
        f"widgets {rep['widgetRendered']:>2}  {move}"
    )


def _screenshots(page, chk):
    t0 = time.monotonic()
    shots = page.screenshots()
    chk.shot_seconds = time.monotonic() - t0
    return shots


def _lesson_ids(p):
    return p.stem if p is not None else "none"


@pytest.mark.parametrize(
    "notebook",
    LESSONS or [pytest.param(None, marks=pytest.mark.skip(reason="course/ has no lessons yet"))],
    ids=_lesson_ids,
)
def test_lesson_runs_and_renders(lab, notebook):
    rel = f"course/{notebook.name}"
    page, chk = lab.check(rel, chart_outputs(notebook), next_path=NEXT.get(rel))
    try:
        shots = _screenshots(page, chk)
        problems = list(chk.problems)
        if page.controls():
            moved, tried = page.move_something()
            move = f"moved: {tried[-1]}" if moved else "no change"
            if not moved:
                problems.append(
                    "moving a widget control changed no chart and no number; tried: "
                    + "; ".join(tried)
                )
        else:
            move = "no controls"
            problems.append("the lesson shows no widget control to move")
        labdriver.SUMMARY.append(_summary(lab, chk, shots, move))
    finally:
        page.close_notebook()
    _assert_clean(page, problems, rel)


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


def _answer_box_round(page, what: str) -> list[str]:
    """Answer the first numeric answer box wrongly, then rightly; return what went wrong."""
    boxes = page.page.locator(".sl-answer-box")
    if boxes.count() == 0:
        return [f"{what}: no .sl-answer-box on the page after running"]
    out = page.kernel_eval(PROBE)
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
        ok = page.wait_until(
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
    page, chk = lab.check(
        rel, chart_outputs(EXERCISE), next_path=NEXT.get(rel), allow_tagged_errors=True
    )
    try:
        problems = list(chk.problems) + _answer_box_round(page, rel)
        shots = _screenshots(page, chk)
        labdriver.SUMMARY.append(_summary(lab, chk, shots, "answer box checked"))
    finally:
        page.close_notebook()
    _assert_clean(page, problems, rel)


# ------------------------------------------------------------------- playground


@pytest.mark.skipif(not HAS_PLAYGROUND, reason="no smartlev.teach.widgets yet")
def test_playground_scenario_updates_charts_and_table(lab):
    page, chk = lab.check(PLAYGROUND, 0, next_path=NEXT.get(PLAYGROUND))
    pw = page.page
    root = ".sl-playground"
    try:
        problems = list(chk.problems)
        if pw.locator(root).count() == 0:
            problems.append("no .sl-playground on the page")
        elif pw.locator(f"{root} .sl-scenario select").count() == 0:
            problems.append("the playground has no .sl-scenario dropdown")
        elif pw.locator(f"{root} .sl-metrics").count() == 0:
            problems.append("the playground has no .sl-metrics table")
        else:
            page.wait_charts(root, minimum=1, timeout=30)
            before = page.snapshot(root)
            metrics_before = pw.locator(f"{root} .sl-metrics").first.inner_text()
            if before["charts"]["total"] == 0:
                problems.append("the playground shows no chart")
            select = pw.locator(f"{root} .sl-scenario select").first
            options = select.locator("option").all_text_contents()
            current = select.evaluate("s => s.selectedIndex")
            new = (current + 1) % len(options)
            select.select_option(index=new)
            changed = page.wait_until(
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
                after = page.snapshot(root)
                metrics_after = pw.locator(f"{root} .sl-metrics").first.inner_text()
                problems.append(
                    f"scenario {options[current]!r} -> {options[new]!r}: charts changed "
                    f"{after['graphics'] != before['graphics']}, table changed "
                    f"{metrics_after != metrics_before}, charts rendered {after['charts']}"
                )
        shots = _screenshots(page, chk)
        labdriver.SUMMARY.append(_summary(lab, chk, shots, "scenario changed"))
    finally:
        page.close_notebook()
    _assert_clean(page, problems, "playground")


# every control of the playground: label, input, slider track and value fully visible
FIT_CHECK = (REPO / "tests" / "browser" / "playground_fit.js").read_text(encoding="utf-8")


@pytest.mark.skipif(not HAS_PLAYGROUND, reason="no smartlev.teach.widgets yet")
def test_playground_controls_fit_at_1280px(lab):
    """At 1,280 px wide, file browser open: every control, label and value fully visible."""
    page, chk = lab.check(PLAYGROUND, 0, next_path=NEXT.get(PLAYGROUND))
    pw = page.page
    size = pw.viewport_size
    try:
        problems = list(chk.problems)
        pw.set_viewport_size({"width": 1280, "height": 900})
        pw.evaluate(
            "() => { const s = window.jupyterapp.shell; "
            "if (s.leftCollapsed) window.jupyterapp.commands.execute('filebrowser:activate'); }"
        )
        pw.wait_for_timeout(800)  # let the layout settle after the resize
        page.wait_charts(".sl-playground", minimum=1, timeout=30)
        fit = pw.evaluate(FIT_CHECK, ".sl-playground")
        if fit["controls"] < 15:
            problems.append(f"only {fit['controls']} playground controls found: {fit}")
        problems += fit["problems"]
        shot = labdriver.SCREENSHOTS / "_harness" / "playground-1280.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        pw.locator(".sl-playground").first.scroll_into_view_if_needed()
        pw.screenshot(path=str(shot))
        labdriver.SUMMARY.append(
            f"{PLAYGROUND + ' @1280 px':<44} {fit['controls']} controls, {fit['checked']} parts "
            f"checked in a {fit['width']} px notebook, {len(fit['problems'])} problems"
        )
    finally:
        pw.set_viewport_size(size)
        page.close_notebook()
    _assert_clean(page, problems, "playground at 1,280 px")


# ------------------------------------------------------------------- the harness itself


def test_harness_passes_a_healthy_notebook(lab):
    """Two charts, a slider that redraws, an answer box: everything must pass."""
    page, chk = lab.check(
        HEALTHY, chart_outputs(lab.server.root / HEALTHY), next_path=NEXT.get(HEALTHY)
    )
    try:
        problems = list(chk.problems)
        assert chk.report["charts"]["total"] >= 3, chk.report
        moved, tried = page.move_something()
        if not moved:
            problems.append(f"slider moved but nothing changed: {tried}")
        problems += _answer_box_round(page, HEALTHY)
        labdriver.SUMMARY.append(_summary(lab, chk, [], "slider moved, answer box checked"))
    finally:
        page.close_notebook()
    _assert_clean(page, problems, HEALTHY)


def test_harness_reports_errors_cdn_charts_and_foreign_hosts(lab):
    """An error, a chart that needs a CDN, a remote image and a dead slider are all caught."""
    page, chk = lab.check(BROKEN, chart_outputs(lab.server.root / BROKEN), render_timeout=3)
    try:
        moved, tried = page.move_something(wait=3)
    finally:
        page.close_notebook()
    assert tried and not moved, tried
    text = "\n".join(chk.problems + page.offline_problems())
    assert "ZeroDivisionError" in text, text
    assert "expected at least 2" in text, text
    assert "example.com" in text, text
    assert "cdn.jsdelivr.net" in text, text
