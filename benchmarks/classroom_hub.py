"""The servers of the classroom load test (``classroom.py``), each started and ended by PID on 127.0.0.1 in a
temporary folder: a real JupyterHub (configurable-http-proxy, a dummy authenticator, local single-user
servers) or one plain Jupyter server (the pytest), and how a student reaches either.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from classroom_student import ServerAccess

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "classroom"  # the dummy authenticator takes any password; the login form still needs one

HUB_CONFIG = """\
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
c.JupyterHub.log_level = "WARN"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"]  # containers often run as root; jupyter_server refuses it unasked
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.concurrent_spawn_limit = 0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_proxy(given: str | None = None) -> str | None:
    """configurable-http-proxy: ``given``, on PATH, in node_modules here, or in /tmp/chp (an npm prefix)."""
    candidates = [given] if given else []
    candidates += [
        shutil.which("configurable-http-proxy"),
        str(REPO / "node_modules" / ".bin" / "configurable-http-proxy"),
        "/tmp/chp/node_modules/.bin/configurable-http-proxy",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextmanager
def started(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[psutil.Process]:
    """Run ``command`` (output to ``log``); on exit end it and every process it started, by PID."""
    with log.open("wb") as out:
        popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    process = psutil.Process(popen.pid)
    try:
        yield process
    finally:
        end_tree(process, popen)


def end_tree(process: psutil.Process, popen: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` (it stops its own children: a hub its servers, a server its kernels), then kill
    whatever of its descendants is left."""
    try:
        descendants = process.children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    popen.terminate()
    try:
        popen.wait(30)
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait(10)
    _, alive = psutil.wait_procs(descendants, timeout=10)
    for child in alive:
        child.kill()
    psutil.wait_procs(alive, timeout=5)


def wait_http(url: str, process: psutil.Process, log: Path, timeout: float = 120) -> None:
    """Poll ``url`` until it answers 200; fail with the log's tail if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            raise RuntimeError(f"{url}: the server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def student_env() -> dict[str, str]:
    """The environment the servers (and so the kernels) get: ours, with this checkout's src first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)
    return env


# ---- one plain Jupyter server (the test) -------------------------------------------------------------


@contextmanager
def jupyter_server(tmp: Path) -> Iterator[tuple[str, str, psutil.Process]]:
    """A Jupyter server on 127.0.0.1 with a token: (base URL, token, process)."""
    port, token = free_port(), secrets.token_hex(16)
    root = tmp / "root"
    root.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--allow-root",
    ]
    log = tmp / "jupyter_server.log"
    with started(command, log, student_env()) as process:
        base = f"http://127.0.0.1:{port}/"
        wait_http(base + f"api/status?token={token}", process, log)
        yield base, token, process


def token_access(base_url: str, token: str, http: httpx.AsyncClient) -> ServerAccess:
    headers = {"Authorization": f"token {token}"}
    return ServerAccess(base_url, http, lambda: headers, lambda: headers)


# ---- JupyterHub --------------------------------------------------------------------------------------


class Hub:
    """A running JupyterHub: its public URL, its process (the proxy and the servers are its children)."""

    def __init__(self, url: str, process: psutil.Process, tmp: Path) -> None:
        self.url, self.process, self.tmp = url, process, tmp

    def proxy(self) -> psutil.Process | None:
        for child in self.process.children():
            if "configurable-http-proxy" in " ".join(child.cmdline()):
                return child
        return None

    async def login(self, name: str, http: httpx.AsyncClient, timeout: float = 300) -> ServerAccess:
        """Log ``name`` in through the hub's form, start their server, open it (OAuth): their access."""
        await http.get(self.url + "hub/login")
        xsrf = _cookie(http, "_xsrf", "/hub/")
        form = {"username": name, "password": PASSWORD, "_xsrf": xsrf}
        response = await http.post(self.url + "hub/login?next=", data=form, follow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"login of {name} failed: {response.status_code} {response.text[:300]}")
        await http.get(self.url + "hub/home")  # the logged-in user's own _xsrf cookie
        hub_headers = {"X-XSRFToken": _cookie(http, "_xsrf", "/hub/")}
        response = await http.post(self.url + f"hub/api/users/{name}/server", headers=hub_headers)
        if response.status_code not in (201, 202, 400):  # 400: already running
            raise RuntimeError(f"spawn of {name} failed: {response.status_code} {response.text[:300]}")
        await self._wait_ready(name, http, hub_headers, timeout)
        base = self.url + f"user/{name}/"
        page = await http.get(base + "lab", follow_redirects=True)  # the OAuth dance sets the server's cookie
        page.raise_for_status()
        path = f"/user/{name}/"
        return ServerAccess(
            base,
            http,
            lambda: {"Cookie": _cookie_header(http, path)},
            lambda: {"X-XSRFToken": _cookie(http, "_xsrf", path)},
        )

    async def _wait_ready(
        self, name: str, http: httpx.AsyncClient, headers: dict[str, str], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = (await http.get(self.url + f"hub/api/users/{name}", headers=headers)).json()
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"{name}'s server did not start within {timeout} s")


@contextmanager
def jupyterhub(tmp: Path, chp: str) -> Iterator[Hub]:
    """JupyterHub with configurable-http-proxy at ``chp``, all on 127.0.0.1 under ``tmp``."""
    port = free_port()
    (tmp / "home").mkdir(exist_ok=True)
    config = tmp / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            port=port,
            hub_port=free_port(),
            api_port=free_port(),
            tmp=tmp,
            chp=chp,
            python=sys.executable,
        )
    )
    env = student_env()
    env["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)
    log = tmp / "jupyterhub.log"
    command = [sys.executable, "-m", "jupyterhub", "-f", str(config)]
    with started(command, log, env) as process:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url + "hub/api", process, log)
        yield Hub(url, process, tmp)


def _cookie(http: httpx.AsyncClient, name: str, path: str) -> str:
    for cookie in http.cookies.jar:
        if cookie.name == name and path.startswith(cookie.path):
            return str(cookie.value)
    raise RuntimeError(f"no {name} cookie for {path}")


def _cookie_header(http: httpx.AsyncClient, path: str) -> str:
    """The Cookie header a browser sends to ``path`` (the websocket handshake needs it by hand)."""
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies.jar if path.startswith(c.path))
