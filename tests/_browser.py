"""JupyterLab in a subprocess and headless Chromium through Playwright, for the browser tests.

Only the standard library is imported here: Playwright is imported where a browser is
launched, so that collecting the tests (``--doctest-modules`` imports this module) works
without it.

The server runs on loopback with a random token, in an isolated environment: its config,
data, runtime and IPython folders and ``HOME`` live under the test's folder, so the
settings of whoever runs the tests never leak in. The interpreter's own data path
(``sys.prefix/share/jupyter``, where ``jupyterlab_widgets`` installs its lab extension)
stays visible.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests._paths import ROOT

# Chromium's switches for a closed network: without the background-networking ones it
# keeps trying to reach update, sync and component servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Debian's package installs the browser here (.ci/run installs it where it is missing).
DEBIAN_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    """The Chromium to drive: ``$HYPOKIT_CHROMIUM``, ``chromium`` on the PATH or Debian's."""
    for candidate in (
        os.environ.get("HYPOKIT_CHROMIUM"),
        shutil.which("chromium"),
        DEBIAN_CHROMIUM,
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def under_ci() -> bool:
    """Whether the tests run in CI (``$CI`` set to anything but an empty string or 0)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_browser() -> str:
    """The Chromium path; skip when Playwright or Chromium is missing, fail instead in CI.

    CI must not pass without having run the browser tests, so there a missing browser is
    an error rather than a skip.
    """
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    chromium = chromium_path()
    if chromium is None:
        missing.append("Chromium (apt-get install chromium, or set $HYPOKIT_CHROMIUM)")
    if missing:
        message = "the browser tests need " + " and ".join(missing)
        if under_ci():
            pytest.fail(message + "; CI is set, so this is an error, not a skip.")
        pytest.skip(message)
    assert chromium is not None
    return chromium


def artifacts_folder() -> Path:
    """Where screenshots go: ``$HYPOKIT_TEST_ARTIFACTS``, else ``test-artifacts/``."""
    folder = Path(os.environ.get("HYPOKIT_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def isolated_environment(folder: Path) -> dict[str, str]:
    """The environment for a Jupyter server whose settings all live under ``folder``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "JPY_", "IPYTHON")) and k not in ("PYTHONSTARTUP",)
    }
    dirs = {
        "HOME": "home",
        "XDG_CONFIG_HOME": "home/.config",
        "XDG_CACHE_HOME": "home/.cache",
        "XDG_DATA_HOME": "home/.local/share",
        "JUPYTER_CONFIG_DIR": "jupyter/config",
        "JUPYTER_DATA_DIR": "jupyter/data",
        "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "home/.config/matplotlib",
    }
    for key, sub in dirs.items():
        path = folder / sub
        path.mkdir(parents=True, exist_ok=True)
        env[key] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["MPLBACKEND"] = "agg"
    env["PYTHONUNBUFFERED"] = "1"
    settings = Path(env["JUPYTER_CONFIG_DIR"], "lab", "user-settings", "@jupyterlab")
    for plugin, values in {
        # No popup over the page: no news, no update check (also off on the command line).
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # Every cell stays in the page, also those scrolled out of view.
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        file = settings / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values))
    return env


class JupyterLab:
    """A JupyterLab server serving ``root`` on loopback, its log in ``folder/server.log``.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, root: Path, folder: Path) -> None:
        self.root = root
        self.folder = folder
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.log_path = folder / "server.log"
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The address of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token."""
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def log(self) -> str:
        """What the server has written so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until ``/api/status`` answers."""
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_root=True",  # CI runs as root; the server is on loopback
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # window.jupyterapp: the tests run JupyterLab's commands by their ids.
            "--LabApp.expose_app_in_browser=True",
        ]
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            command,
            cwd=self.root,
            env=isolated_environment(self.folder),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self._process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"JupyterLab did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server (and its kernels) and close its log."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()  # SIGTERM: the server shuts its kernels down
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> JupyterLab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------ the page in Chromium
# Scripts evaluated in the page, through the app that --LabApp.expose_app_in_browser
# exposes: waiting on JupyterLab's own state is steadier than guessing from the DOM.
_PANEL = """(path => Array.from(window.jupyterapp ? window.jupyterapp.shell.widgets('main') : [])
    .find(w => w.context && w.context.path === path && w.content && w.content.widgets))"""

_NOTEBOOK_READY = f"""path => {{
    const panel = {_PANEL}(path);
    const session = panel && panel.sessionContext.session;
    const kernel = session && session.kernel;
    return Boolean(panel && panel.context.isReady && kernel && kernel.status === 'idle'
        && kernel.connectionStatus === 'connected');
}}"""

_CODE_CELLS = """Array.from(panel.content.widgets).filter(c => c.model.type === 'code')"""

_RUN_ALL = f"""path => {{
    const panel = {_PANEL}(path);
    window.jupyterapp.shell.activateById(panel.id);
    return window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => null);
}}"""

# Done when the kernel is idle and every code cell has run, or one has failed (running
# all cells stops at the first error).
_ALL_CELLS_RUN = f"""path => {{
    const panel = {_PANEL}(path);
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const cells = {_CODE_CELLS};
    const failed = cells.some(c => c.model.outputs.toJSON()
        .some(o => o.output_type === 'error'));
    return failed || cells.every(c => c.model.executionCount !== null
        && !(c.promptNode && c.promptNode.textContent.includes('*')));
}}"""

_ERRORS = f"""path => {{
    const panel = {_PANEL}(path);
    return {_CODE_CELLS}
        .flatMap(c => c.model.outputs.toJSON())
        .filter(o => o.output_type === 'error')
        .map(o => o.ename + ': ' + o.evalue);
}}"""

# Every error and printed traceback the kernel publishes, whatever caused it: a cell, or
# a widget's callback (whose traceback JupyterLab shows in no cell, only in its log).
_WATCH_KERNEL = f"""path => {{
    const kernel = {_PANEL}(path).sessionContext.session.kernel;
    const seen = (window.__hkKernelErrors = window.__hkKernelErrors || {{}});
    if (seen[path] && seen[path].kernel === kernel.id) return null;
    const found = [];
    found.kernel = kernel.id;
    seen[path] = found;
    kernel.iopubMessage.connect((_, msg) => {{
        const type = msg.header.msg_type;
        if (type === 'error') {{
            found.push(msg.content.ename + ': ' + msg.content.evalue);
        }} else if (type === 'stream'
                && msg.content.text.includes('Traceback (most recent call last)')) {{
            found.push(msg.content.text.slice(0, 2000));
        }}
    }});
    return null;
}}"""

_KERNEL_ERRORS = """path => Array.from((window.__hkKernelErrors || {})[path] || [])"""

# A widget's click reaches the kernel as a comm message on the shell channel; an empty,
# silent execute request sent after it is answered only once the click is handled.
_BARRIER = f"""path => {_PANEL}(path).sessionContext.session.kernel
    .requestExecute({{code: '', silent: true, store_history: false}}).done.then(() => null)"""


def open_notebook(page: Any, lab: JupyterLab, path: str, timeout: float = 60.0) -> None:
    """Open the notebook ``path`` (relative to the server's root); wait for an idle kernel.

    Each call opens a workspace of its own, so no tab of an earlier page is restored.
    """
    workspace = f"test-{secrets.token_hex(4)}"
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{path}"))
    page.wait_for_function(_NOTEBOOK_READY, arg=path, timeout=timeout * 1000)


def run_all_cells(page: Any, path: str, timeout: float = 60.0) -> None:
    """Run every cell of the open notebook ``path`` and wait until all ran.

    JupyterLab's own command (``notebook:run-all-cells``) is run by its id: steadier than
    clicking through the Run menu, whose layout changes between versions.
    """
    page.evaluate(_RUN_ALL, path)
    page.wait_for_function(_ALL_CELLS_RUN, arg=path, timeout=timeout * 1000, polling=250)


def cell_errors(page: Any, path: str) -> list[str]:
    """The errors the cells of the open notebook ``path`` raised, as ``"Name: message"``."""
    errors: list[str] = page.evaluate(_ERRORS, path)
    return errors


def watch_kernel(page: Any, path: str) -> None:
    """Record every error the kernel of the open notebook ``path`` publishes from now on.

    Unlike :func:`cell_errors`, this also sees a widget callback that raised: its
    traceback goes to JupyterLab's log, not to a cell. Call it before running the cells.
    """
    page.evaluate(_WATCH_KERNEL, path)


def kernel_errors(page: Any, path: str) -> list[str]:
    """The errors and printed tracebacks seen since :func:`watch_kernel`."""
    errors: list[str] = page.evaluate(_KERNEL_ERRORS, path)
    return errors


def kernel_barrier(page: Any, path: str) -> None:
    """Wait until the kernel of ``path`` has handled every message the page sent so far."""
    page.evaluate(_BARRIER, path)


@contextlib.contextmanager
def chromium_browser(chromium: str) -> Iterator[Any]:
    """Headless Chromium through Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, width: int = 1280, height: int = 1000) -> Any:
    """A page in a context of its own (close it with ``page.context.close()``)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(30_000)
    return context.new_page()


def screenshot(target: Any, name: str) -> Path:
    """Save a screenshot of a page or a locator as ``name`` in the artifacts folder."""
    path = artifacts_folder() / name
    target.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


# ------------------------------------------------------------------- filling a form
def _control(box: Any) -> Any | None:
    """The ``<select>``, ``<textarea>`` or ``<input>`` of a widget's outer element."""
    if box.evaluate("e => e.matches('select, textarea, input')"):
        return box
    inner = box.locator("select, textarea, input")
    return inner.first if inner.count() else None


def _pick(select: Any, wanted: list[str], timeout: float) -> None:
    """Select the options whose labels contain each of ``wanted`` (options may arrive late)."""
    deadline = time.monotonic() + timeout
    while True:
        labels: list[str] = select.evaluate("e => Array.from(e.options).map(o => o.label)")
        chosen = []
        for text in wanted:
            exact = [label for label in labels if label == text]
            close = exact or [label for label in labels if text in label]
            if close:
                chosen.append(close[0])
        if len(chosen) == len(wanted):
            select.select_option(label=chosen)
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no option {wanted!r} among {labels!r}")
        time.sleep(0.2)


def set_field(scope: Any, name: str, value: Any, timeout: float = 10.0) -> None:
    """Type or pick ``value`` in the widget of class ``hk-field-NAME`` inside ``scope``.

    Text and number inputs are filled and left (the blur commits a number widget's
    value); a ``<select>`` gets the options whose labels contain ``value`` (a list for a
    multiple choice); a checkbox is (un)checked; toggle buttons get the one named
    ``value`` clicked.
    """
    box = scope.locator(f".hk-field-{name}").first
    box.wait_for(state="visible", timeout=timeout * 1000)
    control = _control(box)
    if control is None:  # toggle buttons: one <button> per option
        box.get_by_role("button", name=str(value)).click()
        return
    tag, kind = control.evaluate("e => [e.tagName.toLowerCase(), (e.type || '').toLowerCase()]")
    if tag == "select":
        _pick(control, list(value) if isinstance(value, list | tuple) else [str(value)], timeout)
    elif kind == "checkbox":
        control.set_checked(bool(value))
    else:
        control.fill(str(value))
        control.blur()
