"""Notebook servers for the browser tests: JupyterLab, Notebook 7, Voila and marimo, each on 127.0.0.1.

Every server runs in its own process group with private config and runtime dirs, and is ended by its PID
(the group, so its kernels too) when the ``with`` block exits, whatever happened inside it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LabServer:
    """A running server. ``token`` is "" for a server without one (Voila)."""

    url: str  # http://127.0.0.1:<port>
    token: str
    root: Path  # the server's root_dir: notebooks opened by path relative to it
    log: Path

    def read_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _private_dirs(base: Path) -> dict[str, str]:
    """Private config, runtime, settings and workspace dirs: a user's settings are never touched."""
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "workspaces",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    # The news / update pop-up would cover the notebook.
    notification = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return {name: str(path) for name, path in dirs.items()}


def _wait_ready(url: str, headers: dict[str, str], process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers 200 (any HTTP answer for a ``ready_path`` of "/": Voila would run the
    notebook for a page, so it is only asked for one it refuses); fail early if the server exits."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError:
            if url.endswith("/voila/files/"):
                return  # Voila answers: it serves no file there, and runs no notebook for it
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} within {timeout} s")


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """End a process started with start_new_session=True together with its children (kernels)."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def _serve(
    command: Sequence[str],
    server: LabServer,
    ready_path: str,
    work_dir: Path,
    timeout: float,
    env: dict[str, str] | None = None,
) -> Iterator[LabServer]:
    """Start ``command`` in its own process group, wait until ``ready_path`` answers, end it on exit."""
    env = {**os.environ, **_private_dirs(work_dir), **(env or {})}
    headers = {"Authorization": f"token {server.token}"} if server.token else {}
    with server.log.open("wb") as log_file:
        process = subprocess.Popen(
            list(command),
            env=env,
            cwd=server.root,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(server.url + ready_path, headers, process, timeout)
        yield server
    finally:
        stop_process_group(process)


def _as_root() -> list[str]:
    """Jupyter servers run as root only when told (otherwise they exit at once)."""
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


@contextmanager
def jupyter_lab(root: Path, work_dir: Path, timeout: float = 60.0, app: str = "lab") -> Iterator[LabServer]:
    """Run ``jupyter lab`` (``app="notebook"``: Notebook 7) serving ``root``; private state in ``work_dir``.

    Both expose the application as ``window.jupyterapp`` (the tests drive it through that).
    """
    port, token = free_port(), secrets.token_hex(16)
    app_class = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
    command = [
        sys.executable, "-m", "jupyter", app, "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--{app_class}.expose_app_in_browser=True", *_as_root(),
    ]  # fmt: skip
    server = LabServer(f"http://127.0.0.1:{port}", token, root, work_dir / f"jupyter-{app}.log")
    with _serve(command, server, "/api/status", work_dir, timeout) as running:
        yield running


@contextmanager
def voila(notebook: Path, work_dir: Path, theme: str = "light", timeout: float = 60.0) -> Iterator[LabServer]:
    """Run ``voila notebook`` (executed when the page opens) with a token; ``theme``: "light" or "dark"."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser",
        "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
        f"--token={token}", f"--theme={theme}", "--show_tracebacks=True",
    ]  # fmt: skip
    server = LabServer(f"http://127.0.0.1:{port}", token, notebook.parent, work_dir / f"voila-{theme}.log")
    with _serve(command, server, "/voila/files/", work_dir, timeout) as running:
        yield running


@contextmanager
def marimo(
    notebook: Path, work_dir: Path, mode: str = "edit", theme: str = "light", timeout: float = 60.0
) -> Iterator[LabServer]:
    """Run ``marimo edit|run notebook`` headless with a token (``?access_token=`` opens the page), its user
    config private (``XDG_CONFIG_HOME`` in ``work_dir``) and its ``theme`` "light" or "dark"."""
    config = work_dir / "xdg" / "marimo"
    config.mkdir(parents=True, exist_ok=True)
    (config / "marimo.toml").write_text(f'[display]\ntheme = "{theme}"\n[runtime]\nauto_instantiate = true\n')
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "marimo", "-q", "-y", mode, str(notebook), "--headless",
        "--host=127.0.0.1", f"--port={port}", f"--token-password={token}",
    ]  # fmt: skip
    if mode == "edit":
        command.append("--skip-update-check")
    server = LabServer(f"http://127.0.0.1:{port}", token, notebook.parent, work_dir / f"marimo-{mode}.log")
    env = {"XDG_CONFIG_HOME": str(work_dir / "xdg")}
    with _serve(command, server, "/health", work_dir, timeout, env=env) as running:
        yield running
