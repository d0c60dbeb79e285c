"""Drive a local JupyterLab in headless Chromium for the browser tests.

Nothing here reaches the network: JupyterLab listens on 127.0.0.1 only, the news
and update checks are switched off, and the page's requests to any other host are
aborted and recorded so the test that caused them can name them.

The module imports only the standard library at import time; ``playwright`` and
``nbformat`` are imported where they are used, so test collection works without them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
VEGA_MIME_TYPES = (
    "application/vnd.vegalite.v5+json",
    "application/vnd.vegalite.v4+json",
    "application/vnd.vega.v5+json",
)
# Text that only shows up on the page when a chart or a widget failed to render.
FAILURE_TEXTS = (
    "renderer has not been properly enabled",
    "<VegaLite",
    "Error displaying widget",
    "Javascript Error",
    "Failed to display Jupyter Widget",
)
TIMES: dict[str, float] = {}  # start/end of the browser suite, for the summary
SUMMARY: list[str] = []  # one line per notebook, printed at the end of the run
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Belt and braces next to the request router: anything that is not loopback goes
    # to a closed local port and fails at once instead of leaving the machine.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1;localhost;[::1]",
]


# --------------------------------------------------------------------------- notebooks


def chart_outputs(nb_path: Path) -> int:
    """Number of Vega/Vega-Lite outputs stored in a notebook file."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    count = 0
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            data = out.get("data") or {}
            if any(m in data for m in VEGA_MIME_TYPES):
                count += 1
    hint = nb.get("metadata", {}).get("smartlev_test", {}).get("min_charts", 0)
    return max(count, int(hint))


def source_text(nb_path: Path) -> str:
    """All cell sources of a notebook file, joined."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        parts.append(src if isinstance(src, str) else "".join(src))
    return "\n".join(parts)


# --------------------------------------------------------------------------- chromium


def find_chromium() -> str | None:
    """Path of a Chromium binary (Debian's ``chromium`` first), or None."""
    env = os.environ.get("SMARTLEV_CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    # Attach every cell to the DOM so every output renders, on screen or not.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "kernelShutdown": False,
    },
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {
        "autosave": False,
    },
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Light"},
}


class LabServer:
    """A JupyterLab server on a free localhost port, serving a private copy of notebooks."""

    def __init__(self, root: Path, workdir: Path):
        self.root = Path(root)
        self.workdir = Path(workdir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterlab.log"

    def start(self, timeout: float = 90.0) -> None:
        settings = self.workdir / "user-settings"
        for rel, value in LAB_SETTINGS.items():
            p = settings / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value), encoding="utf-8")
        env = dict(os.environ)
        for var, sub in (
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("IPYTHONDIR", "ipython"),
        ):
            d = self.workdir / sub
            d.mkdir(parents=True, exist_ok=True)
            env[var] = str(d)
        env.pop("JUPYTER_PATH", None)
        env["JUPYTER_PLATFORM_DIRS"] = "0"
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.open_browser=False",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.token={self.token}",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        status = f"{self.url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(status, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


def strip_outputs(nb_path: Path) -> None:
    """Remove stored outputs from a notebook copy: the browser makes them afresh."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)
    nb_path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def make_root(dest: Path, extra: dict[str, object] | None = None) -> Path:
    """Copy the course material into ``dest`` so running it never touches the repository.

    The copies have no outputs: opening them is quicker, and every chart and widget on
    the page is then one the browser run drew. Chart counts come from the originals.
    """
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in ("course", "exercises", "data"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
            for nb_path in (dest / name).rglob("*.ipynb"):
                strip_outputs(nb_path)
    for rel, nb in (extra or {}).items():
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        import nbformat

        nbformat.write(nb, p)
    return dest


# --------------------------------------------------------------------------- in the page

PAGE_HELPERS = r"""
(() => {
  if (window.__sl) return;
  const sl = window.__sl = { jobs: {}, seq: 0 };
  const app = () => window.jupyterapp;
  sl.start = (name, fn) => {
    const id = String(++sl.seq);
    sl.jobs[id] = { done: false };
    Promise.resolve().then(fn).then(
      v => { sl.jobs[id] = { done: true, value: v === undefined ? null : v }; },
      e => { sl.jobs[id] = { done: true, error: String((e && (e.stack || e.message)) || e) }; });
    return id;
  };
  sl.open = async (path) => {
    const a = app();
    const panel = await a.commands.execute('docmanager:open', { path, factory: 'Notebook' });
    await panel.context.ready;
    await panel.sessionContext.ready;
    a.shell.activateById(panel.id);
    sl.panel = panel;
    return panel.id;
  };
  sl.kernelIdle = (panel) => {
    const p = panel || sl.panel;
    const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
    let busy = !k || k.status !== 'idle' || p.sessionContext.kernelDisplayStatus !== 'idle';
    if (!busy) {
      for (const c of p.content.widgets) {
        if (c.model.type !== 'code') continue;
        // a queued cell shows [*] before the kernel starts it
        const prompt = c.node.querySelector('.jp-InputPrompt');
        if (c.model.executionState === 'running' ||
            (prompt && prompt.textContent.includes('*'))) { busy = true; break; }
      }
    }
    if (busy) { if (p) p.__slIdleSince = null; return false; }
    // between two queued cells the kernel is idle for a moment: ask for a steady idle
    const now = Date.now();
    if (!p.__slIdleSince) p.__slIdleSince = now;
    return now - p.__slIdleSince >= 1000;
  };
  sl.statusText = () => {
    const items = document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem');
    return Array.from(items).map(e => e.textContent).join(' | ');
  };
  sl.runAll = async () => {
    const a = app();
    a.shell.activateById(sl.panel.id);
    return await a.commands.execute('notebook:run-all-cells');
  };
  sl.kernelDead = (panel) => {
    const s = (panel || sl.panel).sessionContext;
    return s.kernelDisplayStatus === 'dead' || s.kernelDisplayStatus === 'autorestarting';
  };
  sl.waitFor = (pred, ms, what, fail) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      let ok = false;
      try { ok = pred(); } catch (e) { ok = false; }
      if (fail && fail()) reject(new Error('the kernel died while waiting for ' + what));
      else if (ok) resolve();
      else if (Date.now() - t0 > ms) reject(new Error('timed out waiting for ' + what));
      else setTimeout(tick, 100);
    };
    tick();
  });
  // Open a notebook, wait for its kernel, run every cell, wait until the kernel is idle.
  sl.openAndRun = async ([path, openMs, runMs]) => {
    const a = app();
    const t0 = performance.now();
    const panel = await a.commands.execute('docmanager:open', { path, factory: 'Notebook' });
    sl.panel = panel;
    await panel.context.ready;
    await panel.sessionContext.ready;
    await sl.waitFor(() => sl.kernelIdle(panel), openMs, 'the kernel of ' + path);
    const t1 = performance.now();
    a.shell.activateById(panel.id);
    const ok = await a.commands.execute('notebook:run-all-cells');
    await sl.waitFor(() => sl.kernelIdle(panel), runMs, 'the kernel to finish ' + path,
                     () => sl.kernelDead(panel));
    return { ok: !!ok, open: (t1 - t0) / 1000, run: (performance.now() - t1) / 1000 };
  };
  sl.dialogs = () => Array.from(document.querySelectorAll('.jp-Dialog'))
    .map(d => d.innerText.replace(/\s+/g, ' ').slice(0, 300));
  sl.hash = (s) => {
    let h = 2166136261 >>> 0;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return h.toString(16) + ':' + s.length;
  };
  const VEGA = '.jp-RenderedVegaCommon5';
  const chartOk = (el) => !!el.querySelector('canvas, svg.marks');
  sl.charts = (root) => {
    root = root || sl.panel.content.node;
    const els = Array.from(root.querySelectorAll(VEGA));
    return { total: els.length, rendered: els.filter(chartOk).length };
  };
  // Live state of the open notebook: outputs in the model and what the page shows.
  sl.report = (failureTexts) => {
    const p = sl.panel;
    const node = p.content.node;
    const cells = p.content.model.toJSON().cells;
    const errors = [];
    let vegaOutputs = 0, widgetOutputs = 0;
    cells.forEach((cell, i) => {
      if (cell.cell_type !== 'code') return;
      const tags = (cell.metadata && cell.metadata.tags) || [];
      for (const out of cell.outputs || []) {
        if (out.output_type === 'error') {
          errors.push({ cell: i, ename: out.ename, evalue: String(out.evalue).slice(0, 300),
                        allowed: tags.includes('raises-exception'),
                        source: [].concat(cell.source).join('').slice(0, 200) });
        }
        const data = out.data || {};
        if (Object.keys(data).some(m => m.startsWith('application/vnd.vega'))) vegaOutputs++;
        if (data['application/vnd.jupyter.widget-view+json']) widgetOutputs++;
      }
    });
    // A rendered widget view is a .jupyter-widgets element directly inside an output.
    const widgetRendered = node.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length;
    const text = Array.from(node.querySelectorAll('.jp-OutputArea-output'))
      .map(e => e.innerText).join('\n');
    const failures = failureTexts.filter(t => text.includes(t));
    const unrendered = Array.from(node.querySelectorAll(VEGA)).filter(e => !chartOk(e))
      .map(e => e.innerText.slice(0, 200));
    return { errors, vegaOutputs, widgetOutputs, widgetRendered,
             charts: sl.charts(node), failures, unrendered, cells: cells.length,
             dialogs: sl.dialogs(), status: sl.statusText() };
  };
  // Fingerprint of the numbers and charts the outputs show, leaving out one control
  // (the one being moved: its own readout changes by definition).
  sl.snapshot = (rootSel, excludeSel) => {
    const root = rootSel ? document.querySelector(rootSel) : sl.panel.content.node;
    if (!root) return null;
    const exclude = excludeSel ? Array.from(document.querySelectorAll(excludeSel)) : [];
    const outs = root.matches('.jp-OutputArea-output') ? [root]
      : Array.from(root.querySelectorAll('.jp-OutputArea-output'));
    const parts = [];
    const seen = new Set();
    for (const out of outs) {
      const walker = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
      let n;
      while ((n = walker.nextNode())) {
        if (seen.has(n)) continue;
        seen.add(n);
        if (exclude.some(x => x.contains(n))) continue;
        const t = n.textContent.trim();
        if (t) parts.push(t);
      }
    }
    const graphics = [];
    for (const c of root.querySelectorAll(VEGA + ' canvas')) {
      try { graphics.push(sl.hash(c.toDataURL())); } catch (e) { graphics.push('?'); }
    }
    for (const s of root.querySelectorAll(VEGA + ' svg.marks')) graphics.push(sl.hash(s.outerHTML));
    const text = parts.join('\n');
    const numbers = (text.match(/\d+(?:[.,]\d+)*/g) || []).join(' ');
    return { numbers: sl.hash(numbers), graphics: graphics.join(','), charts: sl.charts(root) };
  };
  // Controls a learner can move, in page order, outside answer boxes.
  sl.controls = (rootSel) => {
    const root = rootSel ? document.querySelector(rootSel) : sl.panel.content.node;
    document.querySelectorAll('[data-sl-control]')
      .forEach(e => e.removeAttribute('data-sl-control'));
    const sel = '.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-radio, ' +
                '.widget-checkbox, .widget-select, .widget-text';
    const found = [];
    for (const el of root.querySelectorAll(sel)) {
      if (el.closest('.sl-answer-box')) continue;
      if (el.querySelector('input:disabled, select:disabled')) continue;
      const kinds = [
        ['.widget-slider', '.noUi-handle', 'slider'],
        ['.widget-dropdown', 'select', 'dropdown'],
        ['.widget-toggle-buttons', 'button', 'toggle'],
        ['.widget-radio', 'input[type=radio]', 'radio'],
        ['.widget-checkbox', 'input[type=checkbox]', 'checkbox'],
        ['.widget-select', 'select', 'select'],
        ['.widget-text', 'input[type=number]', 'number'],
      ];
      const hit = kinds.find(([box, inner]) => el.matches(box) && el.querySelector(inner));
      if (!hit) continue;
      const kind = hit[2];
      const id = String(found.length);
      el.setAttribute('data-sl-control', id);
      // the course puts a label above a control (.sl-label) instead of its description
      const box = el.closest('.sl-control');
      const label = (box && box.querySelector('.sl-label')) || el.querySelector('.widget-label');
      found.push({ id, kind, label: label ? label.textContent.trim() : '' });
    }
    return found;
  };
  sl.scrollBox = () => {
    const n = sl.panel.content.node;
    return n.querySelector('.jp-WindowedPanel-outer') || n;
  };
  sl.close = async () => {
    // Dismiss what a failed notebook left open (kernel died, save changes...).
    for (const d of document.querySelectorAll('.jp-Dialog')) {
      const b = d.querySelector('.jp-Dialog-button.jp-mod-reject') ||
                d.querySelector('.jp-Dialog-button');
      if (b) b.click();
    }
    const p = sl.panel;
    if (!p) return;
    sl.panel = null;
    const session = p.sessionContext.session;
    p.context.model.dirty = false;
    p.dispose();
    // The kernel shuts down in the background while the next notebook opens.
    if (session) session.shutdown().catch(() => {});
  };
})();
"""


class JobError(AssertionError):
    pass


@dataclass
class NotebookCheck:
    """What one notebook looked like in the browser after running every cell."""

    path: str
    stored_charts: int
    report: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    run_ok: bool | None = None
    open_seconds: float = 0.0
    run_seconds: float = 0.0
    render_seconds: float = 0.0
    shot_seconds: float = 0.0


class LabPage:
    """One JupyterLab page in Chromium, reused for every notebook of the session."""

    def __init__(self, browser, server: LabServer):
        self.browser = browser
        self.server = server
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.context = None
        self.page = None
        self.current: str | None = None  # notebook open (or being run) in this page
        self.run_job: str | None = None
        self.run_timeout = 300.0
        self.load_foreign: list[str] = []  # foreign requests made while JupyterLab loaded

    # ------------------------------------------------------------------ lifecycle
    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort("blockedbyclient")

    def _on_websocket(self, ws):
        if urlsplit(ws.url).hostname not in LOCAL_HOSTS:
            self.foreign.append(ws.url)

    def _on_console(self, msg):
        if msg.type == "error":
            self.console_errors.append(msg.text[:300])

    def load(self) -> None:
        self.load_start()
        self.load_finish()

    def load_start(self) -> None:
        """Create the browser context and start loading JupyterLab."""
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(
            viewport={"width": 1400, "height": 1000}, service_workers="block"
        )
        self.context.route("**/*", self._route)
        page = self.context.new_page()
        page.on("websocket", self._on_websocket)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"[:300]))
        page.set_default_timeout(30_000)
        self.page = page
        page.goto(f"{self.server.url}/lab?reset&token={self.server.token}", wait_until="commit")

    def load_finish(self) -> None:
        """Wait until JupyterLab has started and install the page helpers."""
        page = self.page
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000
        )
        page.evaluate(PAGE_HELPERS)
        self.job("() => window.jupyterapp.restored", timeout=60)
        self.job(
            """() => { const s = window.jupyterapp.shell;
                   if (s.collapseLeft) s.collapseLeft();
                   if (s.collapseRight) s.collapseRight(); }""",
            timeout=10,
        )
        self.load_foreign = list(self.foreign)
        self.current = None

    def offline_problems(self) -> list[str]:
        """Requests this page made to hosts other than the local server."""
        return [
            f"request to a host other than the local server: {url}"
            for url in self.load_foreign + self.foreign
        ]

    def ensure_loaded(self) -> None:
        if self.page is None or self.page.is_closed():
            self.load()
            return
        try:
            ok = self.page.evaluate("() => !!(window.__sl && window.jupyterapp)")
        except Exception:  # noqa: BLE001 - a crashed page is reloaded
            ok = False
        if not ok:
            self.load()

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None

    # ------------------------------------------------------------------ plumbing
    def job(self, fn_js: str, arg=None, timeout: float = 60.0):
        """Run an async JS function in the page and wait for it without blocking the router."""
        return self.job_result(self.job_start(fn_js, arg), fn_js, timeout)

    def job_start(self, fn_js: str, arg=None) -> str:
        """Start an async JS function in the page; return its job id at once."""
        return self.page.evaluate(
            "arg => window.__sl.start('job', () => (" + fn_js + ")(arg))", arg
        )

    def job_result(self, job_id: str, fn_js: str, timeout: float):
        """Wait for a job started by :meth:`job_start` and return its value."""
        try:
            self.page.wait_for_function(
                "id => window.__sl.jobs[id].done",
                arg=job_id,
                timeout=timeout * 1000,
                polling=100,
            )
        except Exception as exc:  # noqa: BLE001 - re-raised with page context
            raise JobError(
                f"page call did not finish within {timeout:.0f} s: {fn_js[:120]!r}; "
                f"dialogs: {self.dialogs()}"
            ) from exc
        res = self.page.evaluate(
            "id => { const r = window.__sl.jobs[id]; delete window.__sl.jobs[id]; return r; }",
            job_id,
        )
        if "error" in res:
            raise JobError(f"page call failed: {fn_js[:120]!r}: {res['error']}")
        return res.get("value")

    def dialogs(self) -> list[str]:
        try:
            return self.page.evaluate("() => window.__sl ? window.__sl.dialogs() : []")
        except Exception:  # noqa: BLE001
            return []

    def wait_until(self, js: str, arg=None, timeout: float = 30.0) -> bool:
        try:
            self.page.wait_for_function(js, arg=arg, timeout=timeout * 1000, polling=200)
            return True
        except Exception:  # noqa: BLE001 - caller decides what a timeout means
            return False

    def wait_idle(self, timeout: float = 120.0) -> bool:
        return self.wait_until("() => window.__sl.kernelIdle()", timeout=timeout)

    def wait_charts(
        self, root_sel: str | None = None, minimum: int = 0, timeout: float = 30.0
    ) -> bool:
        return self.wait_until(
            """([sel, minimum]) => {
                 const root = sel ? document.querySelector(sel) : window.__sl.panel.content.node;
                 if (!root) return false;
                 const c = window.__sl.charts(root);
                 return c.total >= minimum && c.rendered === c.total;
               }""",
            arg=[root_sel, minimum],
            timeout=timeout,
        )

    # ------------------------------------------------------------------ notebooks
    def report(self) -> dict:
        return self.page.evaluate("t => window.__sl.report(t)", list(FAILURE_TEXTS))

    def start(self, rel_path: str, open_timeout: float = 120.0, run_timeout: float = 200.0):
        """Open ``rel_path`` and run all its cells in the background."""
        self.ensure_loaded()
        self.foreign.clear()
        self.console_errors.clear()
        self.current = rel_path
        self.run_timeout = open_timeout + run_timeout + 10
        limits = [open_timeout * 1000, run_timeout * 1000]
        self.run_job = self.job_start("arg => window.__sl.openAndRun(arg)", [rel_path, *limits])

    def check_notebook(
        self,
        rel_path: str,
        stored_charts: int,
        allow_tagged_errors: bool = False,
        render_timeout: float = 45.0,
    ) -> NotebookCheck:
        """Open, run all cells, wait for idle and rendering; list everything that is wrong."""
        self.start(rel_path)
        return self.finish(stored_charts, allow_tagged_errors, render_timeout)

    def finish(
        self,
        stored_charts: int,
        allow_tagged_errors: bool = False,
        render_timeout: float = 45.0,
    ) -> NotebookCheck:
        """Wait for the notebook started by :meth:`start`; list everything that is wrong."""
        chk = NotebookCheck(path=self.current, stored_charts=stored_charts)
        res = self.job_result(self.run_job, f"open and run {self.current}", self.run_timeout)
        chk.run_ok, chk.open_seconds, chk.run_seconds = res["ok"], res["open"], res["run"]
        t0 = time.monotonic()
        self.wait_until(  # widget views attach after the kernel is idle; give them a moment
            """() => { const r = window.__sl.report([]);
                 return r.widgetRendered >= r.widgetOutputs; }""",
            timeout=render_timeout,
        )
        self.wait_charts(minimum=stored_charts, timeout=render_timeout)
        # the status bar follows the kernel with a delay (and shows "Uploading" while the
        # notebook is saved): give it time to settle before reading it
        self.wait_until("() => window.__sl.statusText().includes('Idle')", timeout=30)
        chk.render_seconds = time.monotonic() - t0
        rep = self.report()
        chk.report = rep
        probs = chk.problems
        for err in rep["errors"]:
            if err["allowed"] and allow_tagged_errors:
                continue
            probs.append(
                f"cell {err['cell']} raised {err['ename']}: {err['evalue']} "
                f"(source starts: {err['source'][:80]!r})"
            )
        if not chk.run_ok and not rep["errors"]:
            probs.append("running all cells did not complete")
        charts = rep["charts"]
        if charts["rendered"] < charts["total"]:
            probs.append(
                f"{charts['total'] - charts['rendered']} of {charts['total']} chart outputs have "
                f"no canvas/svg; their text: {rep['unrendered'][:3]}"
            )
        need = max(stored_charts, rep["vegaOutputs"])
        if charts["total"] < need:
            probs.append(
                f"{charts['total']} charts on the page, expected at least {need} "
                f"({stored_charts} stored in the file, {rep['vegaOutputs']} after running)"
            )
        if rep["widgetRendered"] < rep["widgetOutputs"]:
            probs.append(
                f"widgets: {rep['widgetOutputs']} widget outputs, only {rep['widgetRendered']} "
                "rendered on the page"
            )
        for text in rep["failures"]:
            probs.append(f"page shows failure text {text!r}")
        if rep["dialogs"]:
            probs.append(f"dialog open: {rep['dialogs']}")
        if "Idle" not in rep["status"]:
            probs.append(f"status bar does not read Idle: {rep['status']!r}")
        return chk

    def screenshots(self, max_pages: int = 40) -> list[Path]:
        """Save the open notebook page by page, top to bottom, under build/screenshots/.

        ``course/00_welcome.ipynb`` gives ``build/screenshots/course/00_welcome-p01.jpg``...
        """
        rel = Path(self.current)
        folder = SCREENSHOTS / rel.parent
        stem = rel.stem
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{stem}-p*.*"):
            old.unlink()
        dims = self.page.evaluate(
            """() => { const b = window.__sl.scrollBox();
                 const cells = window.__sl.panel.content.widgets;
                 const last = cells.length ? cells[cells.length - 1].node : null;
                 const bottom = last ? last.getBoundingClientRect().bottom
                   - b.getBoundingClientRect().top + b.scrollTop : b.scrollHeight;
                 return [Math.min(b.scrollHeight, Math.ceil(bottom) + 20), b.clientHeight]; }"""
        )
        total, view = dims
        step = max(200, int(view * 0.95))
        saved = []
        for i, top in enumerate(range(0, max(total - view, 0) + step, step)):
            if i >= max_pages:
                break
            self.page.evaluate("t => { window.__sl.scrollBox().scrollTop = t; }", top)
            path = folder / f"{stem}-p{i + 1:02d}.jpg"
            self.page.screenshot(path=str(path), type="jpeg", quality=80, animations="disabled")
            saved.append(path)
        self.page.evaluate("() => { window.__sl.scrollBox().scrollTop = 0; }")
        return saved

    def snapshot(self, root_sel: str | None = None, exclude_sel: str | None = None):
        return self.page.evaluate("([r, x]) => window.__sl.snapshot(r, x)", [root_sel, exclude_sel])

    def controls(self, root_sel: str | None = None) -> list[dict]:
        return self.page.evaluate("r => window.__sl.controls(r)", root_sel)

    def move_control(self, ctl: dict) -> str:
        """Change one control the way a learner would; return a description."""
        page = self.page
        el = page.locator(f'[data-sl-control="{ctl["id"]}"]')
        el.scroll_into_view_if_needed()
        kind = ctl["kind"]
        if kind == "slider":
            handle = el.locator(".noUi-handle").first
            before = handle.get_attribute("aria-valuenow")
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(100)
            if handle.get_attribute("aria-valuenow") == before:
                page.keyboard.press("ArrowLeft")
                page.keyboard.press("ArrowLeft")
            return f"slider {ctl['label']!r}: {before} -> {handle.get_attribute('aria-valuenow')}"
        if kind in ("dropdown", "select"):
            sel = el.locator("select").first
            options = sel.locator("option").all_text_contents()
            current = sel.evaluate("s => s.selectedIndex")
            new = (current + 1) % max(len(options), 1)
            sel.select_option(index=new)
            return f"{kind} {ctl['label']!r}: {options[current]!r} -> {options[new]!r}"
        if kind == "toggle":
            btn = el.locator("button:not(.mod-active)").first
            text = btn.text_content()
            btn.click()
            return f"toggle buttons {ctl['label']!r} -> {text!r}"
        if kind == "radio":
            radio = el.locator("input[type=radio]:not(:checked)").first
            radio.check()
            return f"radio {ctl['label']!r}"
        if kind == "checkbox":
            el.locator("input[type=checkbox]").first.click()
            return f"checkbox {ctl['label']!r}"
        if kind == "number":
            box = el.locator("input[type=number]").first
            old = box.input_value()
            try:
                new = str(float(old) * 2 + 1)
            except ValueError:
                new = "1"
            box.fill(new)
            box.press("Enter")
            return f"number box {ctl['label']!r}: {old} -> {new}"
        raise ValueError(f"unknown control kind {kind!r}")

    def move_something(
        self, root_sel: str | None = None, max_controls: int = 4, wait: float = 30.0
    ) -> tuple[bool, list[str]]:
        """Move controls one at a time until a chart or a number in an output changes."""
        tried = []
        for ctl in self.controls(root_sel)[:max_controls]:
            exclude = f'[data-sl-control="{ctl["id"]}"]'
            self.wait_idle(timeout=30)
            before = self.snapshot(root_sel, exclude)
            desc = self.move_control(ctl)
            changed = self.wait_until(
                """([r, x, before]) => {
                     if (!window.__sl.kernelIdle()) return false;
                     const now = window.__sl.snapshot(r, x);
                     if (!now || now.charts.rendered < now.charts.total) return false;
                     return now.numbers !== before.numbers || now.graphics !== before.graphics;
                   }""",
                arg=[root_sel, exclude, before],
                timeout=wait,
            )
            tried.append(desc)
            if changed:
                return True, tried
        return False, tried

    def close_notebook(self) -> None:
        self.current = None
        try:
            self.job("() => window.__sl.close()", timeout=30)
        except Exception:  # noqa: BLE001 - a stuck page is replaced on the next open
            self.close()
            self.page = None

    def kernel_eval(self, code: str, timeout: float = 30.0) -> str:
        """Run code in the open notebook's kernel; return what it printed."""
        return self.job(
            """code => new Promise((resolve, reject) => {
                 const k = window.__sl.panel.sessionContext.session.kernel;
                 const fut = k.requestExecute({ code, silent: false, store_history: false });
                 let text = '';
                 fut.onIOPub = (msg) => {
                   const t = msg.header.msg_type;
                   if (t === 'stream') text += msg.content.text;
                   if (t === 'error') {
                     text += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
                   }
                 };
                 fut.done.then(() => resolve(text), reject);
               })""",
            code,
            timeout=timeout,
        )


class LabPool:
    """Two JupyterLab pages: one is checked while the next notebook runs in the other.

    ``check(path, next_path=...)`` returns the page that ran ``path`` and starts
    ``next_path`` on the other page, so one notebook's screenshots and widget moves
    overlap the next notebook's kernel work.
    """

    def __init__(self, browser, server: LabServer, size: int = 2):
        self.server = server
        self.pages = [LabPage(browser, server) for _ in range(size)]
        self.test_started = time.monotonic()

    def load(self) -> None:
        for page in self.pages:
            page.load_start()
        for page in self.pages:
            page.load_finish()

    def close(self) -> None:
        for page in self.pages:
            page.close()

    def _free_page(self) -> LabPage:
        for page in self.pages:
            if page.current is None:
                return page
        stale = self.pages[0]  # every page holds a notebook no test asked for
        stale.close_notebook()
        return stale

    def prefetch(self, rel_path: str | None) -> None:
        if rel_path is None or any(p.current == rel_path for p in self.pages):
            return
        if any(p.current is None for p in self.pages):
            self._free_page().start(rel_path)

    def check(
        self, rel_path: str, stored_charts: int, next_path: str | None = None, **kwargs
    ) -> tuple[LabPage, NotebookCheck]:
        page = next((p for p in self.pages if p.current == rel_path), None)
        if page is None:
            page = self._free_page()
            page.start(rel_path)
        self.prefetch(next_path)
        return page, page.finish(stored_charts, **kwargs)
