"""pyproject.toml and environment.yml must list the same dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    req = req.replace(" ", "")
    m = re.match(r"([A-Za-z0-9_.\-]+)(.*)", req)
    name = m.group(1).lower().replace("_", "-")
    spec = ",".join(sorted(s for s in m.group(2).split(",") if s))
    return name, spec


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(py["dependencies"])
    for extra in py["optional-dependencies"].values():
        wanted += extra
    env_lines = (ROOT / "environment.yml").read_text().splitlines()
    pip_reqs = [
        line.strip()[2:].strip()
        for line in env_lines
        if re.match(r"^\s{6}- ", line) and not line.strip().startswith("- -e")
    ]
    assert sorted(map(_norm, pip_reqs)) == sorted(map(_norm, wanted))
    py_version = re.search(r"- python(>=[0-9.]+)", (ROOT / "environment.yml").read_text())
    assert py_version and py_version.group(1) == py["requires-python"]
