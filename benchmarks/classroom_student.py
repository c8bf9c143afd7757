"""A headless student for the classroom load test (``classroom.py``): a Jupyter kernel driven over REST and
the kernel websocket, dragging LossSurface and Descent with the widgets' own custom messages.

No browser: the client speaks what the page speaks (``classroom_kernel.py``). A widget request is a
``comm_msg`` whose data is
``{"method": "custom", "content": {"type", "seq", "client", "quiet", ...}}``, and the widget answers with a
``comm_msg`` of the same ``type`` and ``seq`` on iopub. :class:`Drag` keeps the page's flow rule
(``js/lib/flow.ts``): at most one request in flight, only the newest position kept while it is, that one sent
when the reply comes, the slot freed after 5 s without a reply.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
from classroom_kernel import KernelMessage, KernelSocket, widget_comm_id

MOVE_INTERVAL = 1 / 60  # seconds between pointer moves: a 60 Hz drag
REQUEST_TIMEOUT = 5.0  # flow.ts DEFAULT_TIMEOUT_MS: a slot without a reply is freed after this long

SEED = """\
def f(x, y):
    return 2 * x**2 - 4 * x * y + y**4 + 2
"""

# The notebook cell every student runs: benchmarks/latency.py's surface and descent scenarios in one kernel.
LESSON_CELL = (
    SEED
    + """
import os
import jaxwidgets

surface = jaxwidgets.LossSurface(f, x=(-2, 2), y=(-2, 2), resolution=200, probe=(-1.0, -1.0))
descent = jaxwidgets.Descent(f, x=(-2, 2), y=(-2, 2), start=(-1.5, 0.5),
                             optimizers=["sgd", "momentum", "adam"], steps=200, resolution=200)
surface.wait_for_surface(), descent.wait_for_surface()
print(os.getpid())
"""
)

# Run after a drag: where Python's traits are, and whether the probe's value there is f at the probe.
CHECK_CELL = """
import json as _json
_exact = float(f(*surface.probe))
print(_json.dumps({
    "probe": list(surface.probe),
    "value_error": abs(float(surface.value) - _exact) / max(1.0, abs(_exact)),
    "start": list(descent.starts[0]),
    "error": surface.error + descent.error,
}))
"""


# ---- one drag: the page's flow rule ------------------------------------------------------------------


@dataclass
class DragStats:
    moves: int = 0
    sent: int = 0
    superseded: int = 0  # moves replaced by a newer one while a request was in flight (newest wins)
    replies: int = 0
    errors: list[str] = field(default_factory=list)
    timeouts: int = 0  # requests whose slot was freed after REQUEST_TIMEOUT without a reply
    late: int = 0  # replies that came after their slot was freed
    wrong: int = 0  # replies that do not answer the position asked
    latencies_ms: list[float] = field(default_factory=list)  # move -> its exact reply

    @property
    def lost(self) -> int:
        """Requests sent and never answered (each move is answered or superseded when this is 0)."""
        return self.sent - self.replies - len(self.errors)


class Drag:
    """Drags one widget as ``js/lib/flow.ts`` does: one request in flight, the newest position waits."""

    def __init__(
        self,
        kernel: KernelSocket,
        comm_id: str,
        kind: str,
        payload: Callable[[float, float], dict[str, Any]],
        answers: Callable[[dict[str, Any], list[bytes], float, float], bool],
    ) -> None:
        self.kernel, self.comm_id, self.kind = kernel, comm_id, kind
        self.payload, self.answers = payload, answers
        self.client = f"{kind}-{uuid.uuid4().hex[:12]}"
        self.stats = DragStats()
        self.seq = 0
        self.in_flight: tuple[int, float, float, float, float] | None = None  # seq, moved, sent, x, y
        self.pending: tuple[float, float, float] | None = None  # moved, x, y
        self.last_move: tuple[float, float] | None = None
        self.last_reply: dict[str, Any] | None = None
        self.recording = True
        kernel.comm_handlers[comm_id] = self._on_message

    def move(self, x: float, y: float) -> None:
        moved = time.perf_counter()
        self.stats.moves += 1
        self.last_move = (x, y)
        if self.in_flight is None:
            self._send(moved, x, y)
            return
        if self.pending is not None:
            self.stats.superseded += 1
        self.pending = (moved, x, y)

    @property
    def idle(self) -> bool:
        return self.in_flight is None and self.pending is None

    def check_timeout(self) -> None:
        """Free the slot of a request unanswered for REQUEST_TIMEOUT, as the page's timer does."""
        if self.in_flight is not None and time.perf_counter() - self.in_flight[2] > REQUEST_TIMEOUT:
            self.stats.timeouts += 1
            self._release()

    def _send(self, moved: float, x: float, y: float) -> None:
        self.seq += 1
        request = {
            "type": self.kind,
            **self.payload(x, y),
            "client": self.client,
            "seq": self.seq,
            "quiet": True,
        }
        self.in_flight = (self.seq, moved, time.perf_counter(), x, y)
        self.stats.sent += 1
        self.kernel.send_custom(self.comm_id, request)

    def _release(self) -> None:
        self.in_flight = None
        if self.pending is not None:
            moved, x, y = self.pending
            self.pending = None
            self._send(moved, x, y)

    def _on_message(self, message: KernelMessage) -> None:
        data = message.content.get("data") or {}
        reply = data.get("content") if data.get("method") == "custom" else None
        if not isinstance(reply, dict) or reply.get("client") != self.client:
            return  # a trait update, or a push Python sent unasked: not an answer to us
        if reply.get("type") == "error":
            self.stats.errors.append(str(reply.get("message")))
        elif reply.get("type") != self.kind:
            return
        flight = self.in_flight
        if flight is None or reply.get("seq") != flight[0]:
            self.stats.late += 1
            return
        if reply.get("type") == self.kind:
            self.stats.replies += 1
            self.last_reply = reply
            if not self.answers(reply, message.buffers, flight[3], flight[4]):
                self.stats.wrong += 1
            if self.recording:
                self.stats.latencies_ms.append(1000 * (message.received - flight[1]))
        self._release()


def f_seed(x: float, y: float) -> float:
    """The lesson's f (SEED), in float64."""
    return 2 * x**2 - 4 * x * y + y**4 + 2


def probe_answers(reply: dict[str, Any], buffers: list[bytes], x: float, y: float) -> bool:
    """The reply is for (x, y) and its value is f there (float32: value, gradient, Hessian)."""
    result = np.frombuffer(buffers[reply["result"]["buffer"]], np.float32)
    exact = f_seed(x, y)
    close = abs(float(result[0]) - exact) <= 1e-5 * max(1.0, abs(exact))
    return reply.get("x") == x and reply.get("y") == y and close


def runs_answer(reply: dict[str, Any], buffers: list[bytes], x: float, y: float) -> bool:
    """The reply is for the start (x, y) and every optimizer's path begins there."""
    record = reply["positions"]
    positions = np.frombuffer(buffers[record["buffer"]], np.float32).reshape(record["shape"])
    starts_there = np.allclose(positions[0, :, 0, :], [x, y], atol=1e-6)
    return reply.get("starts") == [[x, y]] and bool(starts_there)


def surface_drag(kernel: KernelSocket, comm_id: str) -> Drag:
    return Drag(kernel, comm_id, "probe", lambda x, y: {"x": x, "y": y}, probe_answers)


def descent_drag(kernel: KernelSocket, comm_id: str) -> Drag:
    return Drag(kernel, comm_id, "runs", lambda x, y: {"starts": [[x, y]]}, runs_answer)


def circle_path(centre: tuple[float, float], radius: float, period: float, phase: float) -> Callable:
    """Where the pointer is ``t`` seconds into the drag: round a circle once per ``period`` seconds."""

    def at(t: float) -> tuple[float, float]:
        angle = 2 * math.pi * t / period + phase
        return centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)

    return at


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; nan for no samples.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ---- one student: a server, a kernel, two drags ------------------------------------------------------


@dataclass
class ServerAccess:
    """How a client reaches a Jupyter server: its base URL (ending in /), an authenticated HTTP client."""

    base_url: str
    http: httpx.AsyncClient
    ws_headers: Callable[[], dict[str, str]]
    post_headers: Callable[[], dict[str, str]]


class Student:
    """One student: a kernel on its server, the lesson cell run, LossSurface and Descent dragged at 60 Hz."""

    def __init__(self, name: str, access: ServerAccess, phase: float = 0.0) -> None:
        self.name, self.access, self.phase = name, access, phase
        self.kernel_id = ""
        self.kernel_pid = 0
        self.kernel: KernelSocket | None = None
        self.comm_ids = ("", "")
        self.drags: list[Drag] = []
        self.final: dict[str, Any] = {}

    async def start_kernel(self) -> None:
        """Start a kernel (REST), open its websocket, run the lesson cell, learn the widgets' comm ids."""
        url = self.access.base_url + "api/kernels"
        response = await self.access.http.post(
            url, json={"name": "python3"}, headers=self.access.post_headers()
        )
        response.raise_for_status()
        self.kernel_id = response.json()["id"]
        ws_url = self.access.base_url.replace("http", "ws", 1) + f"api/kernels/{self.kernel_id}/channels"
        self.kernel = await KernelSocket.connect(ws_url, self.access.ws_headers())
        stdout = await self.kernel.execute(LESSON_CELL)
        self.kernel_pid = int(stdout.split()[-1])
        opens = self.kernel.comm_opens
        self.comm_ids = widget_comm_id(opens, "probe"), widget_comm_id(opens, "starts")
        self.new_drags()

    def new_drags(self) -> None:
        """Fresh drags of both widgets (new client ids, zero counts), as when a page is opened again."""
        assert self.kernel is not None
        surface_id, descent_id = self.comm_ids
        self.drags = [surface_drag(self.kernel, surface_id), descent_drag(self.kernel, descent_id)]

    async def drag(self, seconds: float, warmup: float = 0.0) -> None:
        """Move both handles at 60 Hz for ``warmup`` + ``seconds`` (only the latter recorded), then stop."""
        paths = [
            circle_path((0.0, 0.0), 1.2, 2.0, self.phase),
            circle_path((-1.0, 0.0), 0.6, 3.0, self.phase),
        ]
        start = time.perf_counter()
        for drag in self.drags:
            drag.recording = warmup <= 0
        tick = 0
        while (now := time.perf_counter()) - start < warmup + seconds:
            t = now - start
            for drag, path in zip(self.drags, paths, strict=True):
                drag.recording = t >= warmup
                drag.check_timeout()
                drag.move(*path(t))
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * MOVE_INTERVAL - time.perf_counter()))

    async def settle(self, timeout: float = 30.0) -> bool:
        """Wait until both drags have their last position answered (or timed out); whether they did."""
        deadline = time.perf_counter() + timeout
        while not all(drag.idle for drag in self.drags):
            if time.perf_counter() > deadline:
                return False
            for drag in self.drags:
                drag.check_timeout()
            await asyncio.sleep(0.01)
        return True

    async def check_final(self) -> dict[str, Any]:
        """Python's traits after the drag against the last positions sent: the final position computed?"""
        assert self.kernel is not None
        python = json.loads((await self.kernel.execute(CHECK_CELL)).strip().splitlines()[-1])
        surface, descent = self.drags
        last_probe = _last_position(surface)
        last_start = _last_position(descent)
        self.final = {
            **python,
            "probe_is_last_move": python["probe"] == last_probe,
            "start_is_last_move": python["start"] == last_start,
            "last_replies_answer_last_moves": (
                surface.last_reply is not None
                and [surface.last_reply["x"], surface.last_reply["y"]] == last_probe
                and descent.last_reply is not None
                and descent.last_reply["starts"] == [last_start]
            ),
        }
        self.final["computed"] = bool(
            self.final["probe_is_last_move"]
            and self.final["start_is_last_move"]
            and self.final["last_replies_answer_last_moves"]
            and python["value_error"] < 1e-5
            and surface.stats.wrong == descent.stats.wrong == 0
            and not python["error"]
        )
        return self.final

    async def close(self) -> None:
        if self.kernel is not None:
            await self.kernel.close()
        if self.kernel_id:
            url = self.access.base_url + f"api/kernels/{self.kernel_id}"
            await self.access.http.delete(url, headers=self.access.post_headers())


def _last_position(drag: Drag) -> list[float]:
    """Where the user left the handle: the drag's last move."""
    assert drag.last_move is not None
    return list(drag.last_move)
