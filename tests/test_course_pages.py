"""The course's reference pages: the glossary's anchors, the links to them, lesson 10 and the
cheat sheet.

Lessons link to a glossary entry as ``glossary.ipynb#cell-id=name`` or ``glossary.ipynb#name``.
Each entry is one markdown cell whose id is the entry's name, and it carries one or more
``<a id="name"></a>`` anchors (its name first). JupyterLab 4 scrolls to a ``#cell-id=`` fragment
even when the glossary is not open yet; it follows an ``#name`` anchor only in cells it has
already rendered, so a first click opens the glossary at the top (measured in Chromium;
nbviewer and HTML exports follow the anchors). A link whose target does not exist still opens
the glossary, just at the top, so nothing else would notice it breaking: this file does.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

COURSE = Path(__file__).resolve().parents[1] / "course"
GLOSSARY = COURSE / "glossary.ipynb"
LESSON_10 = COURSE / "10_should_i_use_it.ipynb"
CHEAT_SHEET = COURSE / "cheat_sheet.ipynb"

ANCHOR = re.compile(r'<a\s+id="([^"]+)"\s*>\s*</a>')
GLOSSARY_LINK = re.compile(r"\]\(glossary\.ipynb#([^)\s]+)\)")
CELL_ID = "cell-id="
LOCAL_LINK = re.compile(r"\]\(#([^)\s]+)\)")
NOTEBOOK_LINK = re.compile(r"\]\(([\w.-]+\.ipynb)(?:#[^)\s]*)?\)")
ENTRY = re.compile(r'(?:<a\s+id="[^"]+"\s*>\s*</a>)+\*\*([^*]+?)\.\*\*')


def _markdown(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def _anchors() -> list[str]:
    return [a for text in _markdown(GLOSSARY) for a in ANCHOR.findall(text)]


def _entry_cells() -> dict[str, list[str]]:
    """Cell id -> the anchors of that cell, for the glossary cells that hold entries."""
    nb = nbformat.read(GLOSSARY, as_version=4)
    return {
        cell.id: ANCHOR.findall(cell.source)
        for cell in nb.cells
        if cell.cell_type == "markdown" and ANCHOR.search(cell.source)
    }


def test_glossary_anchors_are_unique_and_well_formed():
    anchors = _anchors()
    assert len(anchors) >= 50, f"the glossary has only {len(anchors)} anchors"
    duplicates = sorted({a for a in anchors if anchors.count(a) > 1})
    assert not duplicates, f"anchors used twice in the glossary: {duplicates}"
    bad = [a for a in anchors if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a)]
    assert not bad, f"anchors should be lower-case words joined by '-': {bad}"


def test_glossary_entries_are_alphabetical():
    terms = [t for text in _markdown(GLOSSARY) for t in ENTRY.findall(text)]
    assert len(terms) >= 50
    assert terms == sorted(terms, key=str.lower), "glossary entries are out of alphabetical order"


@pytest.mark.parametrize(
    "term",
    [
        "nav",
        "leverage",
        "effective-leverage",
        "volatility-decay",
        "path-dependency",
        "liquidation-price",
        "funding",
        "kelly",
        "smart-leverage",
        "breakeven",
        "median",
        "mean",
        "seed",
    ],
)
def test_glossary_has_the_core_terms(term):
    assert term in _anchors()


def test_each_entry_is_one_cell_named_after_its_first_anchor():
    entries = _entry_cells()
    assert len(entries) >= 50
    wrong = {cell_id: anchors for cell_id, anchors in entries.items() if anchors[0] != cell_id}
    assert not wrong, f"entry cells whose id is not their first anchor: {wrong}"
    nb = nbformat.read(GLOSSARY, as_version=4)
    crowded = [c.id for c in nb.cells if c.id in entries and len(ENTRY.findall(c.source)) != 1]
    assert not crowded, f"cells holding other than exactly one entry: {crowded}"


def test_every_glossary_link_in_the_course_points_to_an_entry():
    anchors, cell_ids = set(_anchors()), set(_entry_cells())
    broken, count = [], 0
    for nb_path in sorted(COURSE.glob("*.ipynb")):
        for text in _markdown(nb_path):
            for target in GLOSSARY_LINK.findall(text):
                count += 1
                if target.startswith(CELL_ID):
                    ok = target[len(CELL_ID) :] in cell_ids
                else:
                    ok = target in anchors
                if not ok:
                    broken.append(f"{nb_path.name}: glossary.ipynb#{target}")
    assert count > 0, "no lesson links to the glossary"
    assert not broken, "links to missing glossary entries:\n  " + "\n  ".join(broken)


def test_links_inside_the_glossary_point_to_its_anchors():
    anchors = set(_anchors())
    broken = [
        a for text in _markdown(GLOSSARY) for a in LOCAL_LINK.findall(text) if a not in anchors
    ]
    assert not broken, f"in-page links to missing anchors: {broken}"


@pytest.mark.parametrize("path", [GLOSSARY, LESSON_10, CHEAT_SHEET], ids=lambda p: p.stem)
def test_page_exists_with_python3_kernel_and_working_notebook_links(path):
    assert path.exists(), f"{path.name} is missing"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    missing = sorted(
        {
            target
            for text in _markdown(path)
            for target in NOTEBOOK_LINK.findall(text)
            if not (COURSE / target).exists()
        }
    )
    assert not missing, f"{path.name} links to notebooks that do not exist: {missing}"


def test_lesson_10_has_its_parts():
    text = "\n".join(_markdown(LESSON_10))
    assert "**The question.**" in text
    assert "## Deep dive" in text
    assert "## What to remember" in text
    assert "glossary.ipynb#" in text and "cheat_sheet.ipynb" in text
    nb = nbformat.read(LESSON_10, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs, "lesson 10 is committed executed"
    assert any("application/vnd.vegalite.v5+json" in o.get("data", {}) for o in outputs)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_deep_dives_open_collapsed_and_lessons_end_with_what_to_remember():
    import json

    for path in sorted((Path(__file__).resolve().parents[1] / "course").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and text.lstrip().startswith("## Deep dive"):
                meta = cell["metadata"]
                assert meta.get("jp-MarkdownHeadingCollapsed") is True, (path.name, text[:40])
                assert meta.get("heading_collapsed") is True, (path.name, text[:40])
        last = "".join(cells[-1]["source"])
        assert "What to remember" in last or "what to remember" in last.lower(), path.name
        links = {m for c in cells for m in re.findall(r"glossary\.ipynb#cell-id=[\w-]+",
                                                      "".join(c["source"]))}  # fmt: skip
        assert len(links) >= 5, f"{path.name} links only {len(links)} glossary terms"
