"""Fixtures for the browser suite: one JupyterLab server and one Chromium for the session.

The suite is skipped, with the reason, when Chromium or Playwright is missing, unless
the environment variable CI is "true": then a missing browser is a failure, so a CI
machine cannot pass by testing nothing.
"""

from __future__ import annotations

import importlib.util
import os
import time

import fixture_notebooks
import labdriver
import pytest

_TIMES = labdriver.TIMES


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: runs the course in JupyterLab in headless Chromium"
    )


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = labdriver.find_chromium()
    if path is None:
        _unavailable("chromium is not installed (make browser-deps installs Debian's chromium)")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright Python package is not installed (pip install -e '.[test]')")
    if importlib.util.find_spec("jupyterlab") is None:
        _unavailable("jupyterlab is not installed")
    return path


@pytest.fixture(scope="session")
def lab_root(chromium_path, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-root")
    return labdriver.make_root(
        root,
        {
            "_harness/healthy.ipynb": fixture_notebooks.healthy(),
            "_harness/broken.ipynb": fixture_notebooks.broken(),
            "_harness/playground.ipynb": fixture_notebooks.playground(),
        },
    )


@pytest.fixture(scope="session")
def lab_server(lab_root, tmp_path_factory):
    _TIMES.setdefault("start", time.monotonic())
    server = labdriver.LabServer(lab_root, tmp_path_factory.mktemp("lab-state"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path):
    _TIMES.setdefault("start", time.monotonic())
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=labdriver.CHROMIUM_ARGS
        )
    except Exception as exc:  # noqa: BLE001 - reported as skip/fail with the cause
        pw.stop()
        _unavailable(f"chromium at {chromium_path} did not start: {exc}")
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="session")
def lab_pool(browser, lab_server):
    pool = labdriver.LabPool(browser, lab_server)
    pool.load()
    yield pool
    pool.close()


@pytest.fixture
def lab(lab_pool):
    """The JupyterLab pages (see labdriver.LabPool), shared by every browser test."""
    lab_pool.test_started = time.monotonic()
    yield lab_pool
    _TIMES["end"] = time.monotonic()


def pytest_terminal_summary(terminalreporter):
    if "start" not in _TIMES:
        return
    elapsed = _TIMES.get("end", time.monotonic()) - _TIMES["start"]
    tr = terminalreporter
    tr.write_sep("-", "browser suite (JupyterLab + headless Chromium)")
    for row in labdriver.SUMMARY:
        tr.write_line(row)
    shots = labdriver.SCREENSHOTS
    if shots.is_dir():
        tr.write_line(f"screenshots: {shots.relative_to(labdriver.REPO)}/")
    tr.write_line(f"browser suite time: {elapsed:.1f} s (budget 300 s)")
