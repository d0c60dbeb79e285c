"""The engine stands apart from the teaching layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "smartlev"
ENTRY_POINTS = {"grade.py"}  # `python -m smartlev.grade` runs the teaching layer's grader


def test_simulating_loads_no_chart_widget_or_jupyter_package():
    code = (
        "import sys, smartlev as sl\n"
        "m = sl.scenarios.gbm(days=10, paths=5, seed=0)\n"
        "sl.simulate(sl.SmartLeverage(), m); sl.compare({'s': sl.Spot()}, m)\n"
        "sl.theory.letf_ratio(1.1, 3.0, 0.8, 0.1)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        "{'altair', 'ipywidgets', 'IPython', 'jupyterlab', 'nbformat', 'nbclient', 'tqdm'}"
        " or n.startswith('smartlev.teach'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_engine_module_imports_the_teaching_layer():
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name in ENTRY_POINTS:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                names = [a.name for a in node.names]
                assert "teach" not in mod.split("."), f"{path.name} imports {mod}"
                assert not (node.level == 1 and node.module is None and "teach" in names), (
                    f"{path.name} imports the teaching layer"
                )
            elif isinstance(node, ast.Import):
                for a in node.names:
                    assert not a.name.startswith("smartlev.teach"), f"{path.name} imports {a.name}"
