"""Drive a real JupyterLab in Chromium: the one implementation shared by tests/browser and benchmarks/.

- ``jupyter_lab(root)`` (from ``servers.py``, with Notebook 7, Voila and marimo): a private JupyterLab on
  127.0.0.1, ended by its process group when the ``with`` block exits, whatever happened inside it.
- ``chromium(user_data_dir)``: a headless Chromium (Debian's when installed) as a Playwright context.
- ``Notebook``: open a notebook in a fresh workspace, run all its cells, run Python in its kernel, drag.

Facts behind the choices (flags, settings, frame-aligned input) are in ``shared/BROWSER-TESTING.md``.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .servers import LabServer, free_port, jupyter_lab, stop_process_group

__all__ = ["LabServer", "jupyter_lab", "stop_process_group"]  # re-exported: the tests import them from here

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Keep timers and animation frames running at full rate in a headless, never-focused window.
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 1280, "height": 1000}

# JavaScript: the notebook panel showing `path` (a page may hold several panels).
_PANEL_JS = "(path) => [...window.jupyterapp.shell.widgets('main')].find((w) => w.context?.path === path)"


# ---- the browser ------------------------------------------------------------------------------------


def chromium_executable() -> str | None:
    """Debian's Chromium if installed, else Playwright's own if downloaded, else None."""
    if DEBIAN_CHROMIUM.exists():
        return str(DEBIAN_CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if path and Path(path).exists() else None


@contextmanager
def chromium(user_data_dir: Path, executable: str) -> Iterator[Any]:
    """A headless Chromium as a Playwright BrowserContext; closed (and so ended) on exit.

    It also serves the DevTools protocol on 127.0.0.1 at ``context.debugging_port``, for ``FreeMouse``.
    """
    from playwright.sync_api import sync_playwright

    port = free_port()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=executable,
            headless=True,
            args=[*CHROMIUM_FLAGS, f"--remote-debugging-port={port}"],
            viewport=VIEWPORT,
        )
        context.debugging_port = port
        try:
            yield context
        finally:
            context.close()


class FreeMouse:
    """A mouse that, like a real one, sends its moves on its own clock instead of waiting for the page.

    Playwright's ``mouse.move`` waits until the page has handled each move, so a busy page slows the mouse
    down and a drag can never outrun the page. This sends DevTools ``Input.dispatchMouseEvent`` over its own
    connection (``chromium()`` serves one) and never waits for the answers: Chromium queues and
    coalesces the moves as it does a hardware mouse's.
    """

    def __init__(self, page: Any) -> None:
        import websocket  # websocket-client, a jupyter_server dependency

        port = page.context.debugging_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            targets = json.load(reply)
        target = next(t for t in targets if t.get("type") == "page" and t.get("url") == page.url)
        self._socket = websocket.create_connection(target["webSocketDebuggerUrl"], suppress_origin=True)
        self._ids = iter(range(1, 1 << 62))
        self._drain = threading.Thread(target=self._read_answers, daemon=True)
        self._drain.start()

    def _read_answers(self) -> None:
        try:
            while self._socket.recv():
                pass
        except Exception:  # the socket closed: nothing left to read
            return

    def _send(self, kind: str, x: float, y: float, pressed: bool) -> None:
        params = {"type": kind, "x": x, "y": y, "button": "left", "buttons": 1 if pressed else 0}
        if kind != "mouseMoved":
            params["clickCount"] = 1
        command = {"id": next(self._ids), "method": "Input.dispatchMouseEvent", "params": params}
        self._socket.send(json.dumps(command))

    def down(self, x: float, y: float) -> None:
        self._send("mouseMoved", x, y, False)
        self._send("mousePressed", x, y, True)

    def move(self, x: float, y: float) -> None:
        """Move with the button held; returns at once."""
        self._send("mouseMoved", x, y, True)

    def up(self, x: float, y: float) -> None:
        self._send("mouseReleased", x, y, False)

    def close(self) -> None:
        self._socket.close()


# ---- a notebook in a page ---------------------------------------------------------------------------


class KernelError(RuntimeError):
    """Code run with ``Notebook.python`` raised in the kernel."""


class Notebook:
    """A notebook opened in its own page and fresh workspace."""

    def __init__(self, page: Any, path: str) -> None:
        self.page = page
        self.path = path

    @classmethod
    def open(
        cls,
        context: Any,
        lab: LabServer,
        path: str,
        timeout: float = 90.0,
        on_page: Callable[[Any], None] | None = None,
        app: str = "lab",
    ) -> Notebook:
        """Open ``path`` in JupyterLab (or ``app="notebook"``: Notebook 7); ``on_page(page)`` runs before
        the page loads (e.g. to listen to its console)."""
        page = context.new_page()
        page.set_default_timeout(timeout * 1000)
        if on_page is not None:
            on_page(page)
        if app == "notebook":  # Notebook 7: one notebook per page, no workspaces
            page.goto(f"{lab.url}/notebooks/{path}?token={lab.token}")
        else:
            workspace = f"test-{uuid.uuid4().hex[:12]}"  # a fresh workspace: no layout restored from earlier
            page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{path}?token={lab.token}")
        notebook = cls(page, path)
        notebook.wait_kernel_idle(timeout)
        if app == "lab":
            page.evaluate("window.jupyterapp.shell.collapseLeft()")  # the file browser only takes room
        return notebook

    def close(self) -> None:
        """Shut the kernel down (frees a core for the next notebook) and close the page."""
        try:
            self.page.evaluate(f"(path) => ({_PANEL_JS})(path).sessionContext.shutdown()", self.path)
        finally:
            self.page.close()

    def wait_kernel_idle(self, timeout: float = 90.0) -> None:
        self.page.wait_for_function(
            f"""(path) => {{
                if (!window.jupyterapp) return false;  // JupyterLab still loading
                const panel = ({_PANEL_JS})(path);
                const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
                return kernel && kernel.status === 'idle';
            }}""",
            arg=self.path,
            timeout=timeout * 1000,
        )

    def run_all(self, timeout: float = 180.0) -> None:
        """Run every cell, wait until the last one has finished, and raise on any error output."""
        self.page.evaluate(
            f"""async (path) => {{
                window.jupyterapp.shell.activateById(({_PANEL_JS})(path).id);
                await window.jupyterapp.commands.execute('notebook:run-all-cells');
            }}""",
            self.path,
        )
        self.python("None", timeout)  # queued after the cells: returns once they are done
        errors = self.error_outputs()
        if errors:
            raise KernelError(f"{self.path}: error outputs:\n" + "\n".join(errors))

    def error_outputs(self) -> list[str]:
        """'ename: evalue' of every error output in the notebook."""
        return self.page.evaluate(
            f"""(path) => {{
                const errors = [];
                for (const cell of ({_PANEL_JS})(path).content.model.cells) {{
                    if (cell.type !== 'code') continue;
                    for (const output of cell.outputs.toJSON()) {{
                        if (output.output_type === 'error') errors.push(output.ename + ': ' + output.evalue);
                    }}
                }}
                return errors;
            }}""",
            self.path,
        )

    def python(self, code: str, timeout: float = 60.0) -> dict[str, Any]:
        """Run ``code`` in the notebook's kernel (not in a cell); return its stdout and text/plain result."""
        reply = self.page.evaluate(
            f"""async ([path, code, timeoutMs]) => {{
                const kernel = ({_PANEL_JS})(path).sessionContext.session.kernel;
                const future = kernel.requestExecute({{code, store_history: false}});
                const out = {{stdout: '', result: null, error: null}};
                future.onIOPub = (msg) => {{
                    const c = msg.content;
                    if (msg.header.msg_type === 'stream') out.stdout += c.text;
                    else if (msg.header.msg_type === 'execute_result') out.result = c.data['text/plain'];
                    else if (msg.header.msg_type === 'error') out.error = c.ename + ': ' + c.evalue;
                }};
                const timer = new Promise((_, reject) =>
                    setTimeout(() => reject(new Error('kernel did not answer in time')), timeoutMs));
                await Promise.race([future.done, timer]);
                return out;
            }}""",
            [self.path, code, timeout * 1000],
        )
        if reply["error"]:
            raise KernelError(f"{reply['error']}\nwhile running:\n{code}")
        return reply

    def value(self, expression: str) -> Any:
        """The value of a Python expression in the kernel, sent back as JSON (NaN allowed)."""
        stdout = self.python(f"import json as _json\nprint(_json.dumps({expression}))")["stdout"]
        return json.loads(stdout.strip().splitlines()[-1])

    def command(self, name: str, args: dict[str, Any] | None = None) -> None:
        """Run a JupyterLab command, e.g. ``apputils:change-theme``."""
        self.page.evaluate(
            "([name, args]) => window.jupyterapp.commands.execute(name, args)", [name, args or {}]
        )


def centre(locator: Any) -> tuple[float, float]:
    """Viewport coordinates of an element's centre."""
    box = locator.bounding_box()
    assert box is not None, "element is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(
    page: Any, start: tuple[float, float], end: tuple[float, float], steps: int = 8, settled: Any = None
) -> None:
    """Drag as a person does: hover, press, move in steps, hold until ``settled()`` returns, release.

    Releasing at once can deliver the last move after the release to widgets that throttle their events.
    """  # fmt: skip
    page.mouse.move(*start)
    page.mouse.down()
    try:
        page.mouse.move(*end, steps=steps)
        if settled is not None:
            settled()
    finally:
        page.mouse.up()


# Records every painted picture (the widgets' `jaxwidgets:frame` event) with its widget root.
RECORD_FRAMES_JS = """() => {
    window.__frames = [];
    const record = (e) => window.__frames.push({...e.detail, root: e.target});
    document.addEventListener('jaxwidgets:frame', record, true);
}"""

# True once the newest picture of the widget `root` is exact and where its (first) handle is: the handle
# carries its exact position in data-x / data-y. (A move whose exact reply comes before the next frame gets
# no provisional picture, so the newest provisional one need not be the last move's.)
SETTLED_JS = """(root) => {
    const frames = window.__frames.filter((f) => f.root === root);
    const last = frames[frames.length - 1];
    const handle = root.querySelector('[role="slider"].handle');
    return Boolean(last && handle) && last.kind === 'exact'
        && String(last.x) === handle.dataset.x && String(last.y) === handle.dataset.y;
}"""


def wait_exact_at(page: Any, root: Any, x: float, y: float, timeout: float = 30.0) -> None:
    """Wait until the widget ``root`` (a locator) shows its exact picture for (x, y)."""
    page.wait_for_function(
        "([el, x, y]) => Number(el.dataset.exactX) === x && Number(el.dataset.exactY) === y",
        arg=[root.element_handle(), x, y],
        timeout=timeout * 1000,
    )
