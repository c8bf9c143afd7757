"""A Jupyter kernel over its websocket, as the page speaks to it: the v1 protocol
(``v1.kernel.websocket.jupyter.org``, what JupyterLab uses), cells executed, comm messages sent and their
answers routed by comm id. Used by the classroom load test (``classroom.py``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


# ---- the v1 websocket codec --------------------------------------------------------------------------


def encode_v1(channel: str, parts: list[bytes]) -> bytes:
    """A v1 frame: the offset count, the offsets (8-byte little-endian), the channel, then the parts."""
    name = channel.encode()
    offsets = [8 * (len(parts) + 3)]
    offsets.append(offsets[-1] + len(name))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + name + b"".join(parts)


def decode_v1(frame: bytes) -> tuple[str, list[bytes]]:
    """(channel, [header, parent_header, metadata, content, *buffers]) of a v1 frame.

    >>> decode_v1(encode_v1("iopub", [b"{}", b"{}", b"{}", b"{}", b"\\x00"]))
    ('iopub', [b'{}', b'{}', b'{}', b'{}', b'\\x00'])
    """
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    channel = frame[offsets[0] : offsets[1]].decode()
    return channel, [frame[offsets[i] : offsets[i + 1]] for i in range(1, count - 1)]


@dataclass
class KernelMessage:
    channel: str
    header: dict[str, Any]
    parent: dict[str, Any]
    content: dict[str, Any]
    buffers: list[bytes]
    received: float  # time.perf_counter() when the frame arrived


# ---- one kernel over its websocket -------------------------------------------------------------------


class KernelSocket:
    """A kernel's channels over one websocket: execute cells, send comm messages, route replies by comm id."""

    def __init__(self, ws: ClientConnection, session: str) -> None:
        self.ws = ws
        self.session = session  # the client session JupyterLab names in the URL and every header
        self.comm_opens: list[KernelMessage] = []
        self.comm_handlers: dict[str, Callable[[KernelMessage], None]] = {}
        self._executions: dict[str, _Execution] = {}
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, headers: dict[str, str]) -> KernelSocket:
        session = uuid.uuid4().hex
        ws = await websockets.connect(
            f"{url}?session_id={session}",
            subprotocols=[websockets.Subprotocol(V1_PROTOCOL)],
            additional_headers=headers,
            compression=None,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
        )
        return cls(ws, session)

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()

    def send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": msg_type,
            "username": "student",
            "session": self.session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        }
        parts = [json.dumps(part).encode() for part in (header, {}, {}, content)]
        asyncio.get_running_loop().create_task(self.ws.send(encode_v1(channel, parts)))
        return msg_id

    def send_custom(self, comm_id: str, request: dict[str, Any]) -> None:
        """A widget request as the page sends it (ipywidgets' ``model.send``)."""
        data = {"method": "custom", "content": request}
        self.send("shell", "comm_msg", {"comm_id": comm_id, "data": data})

    async def execute(self, code: str, timeout: float = 300) -> str:
        """Run a cell; its stdout, or RuntimeError with the traceback."""
        msg_id = self.send(
            "shell", "execute_request", {"code": code, "silent": False, "store_history": False}
        )
        execution = self._executions[msg_id] = _Execution()
        try:
            await asyncio.wait_for(execution.done.wait(), timeout)
        finally:
            del self._executions[msg_id]
        if execution.error:
            raise RuntimeError(f"cell failed: {execution.error}")
        return execution.stdout

    async def _read(self) -> None:
        async for frame in self.ws:
            received = time.perf_counter()
            if isinstance(frame, str):
                continue  # the v1 protocol sends binary frames only
            channel, parts = decode_v1(frame)
            header, parent, _metadata, content = (json.loads(part) for part in parts[:4])
            self._dispatch(KernelMessage(channel, header, parent, content, parts[4:], received))

    def _dispatch(self, message: KernelMessage) -> None:
        kind = message.header.get("msg_type")
        if kind == "comm_msg":
            handler = self.comm_handlers.get(message.content.get("comm_id", ""))
            if handler is not None:
                handler(message)
            return
        if kind == "comm_open":
            self.comm_opens.append(message)
            return
        execution = self._executions.get(message.parent.get("msg_id", ""))
        if execution is not None:
            execution.take(kind, message.content)


@dataclass
class _Execution:
    stdout: str = ""
    error: str = ""
    replied: bool = False
    idle: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, kind: Any, content: dict[str, Any]) -> None:
        if kind == "stream" and content.get("name") == "stdout":
            self.stdout += content.get("text", "")
        elif kind == "error":
            self.error = "\n".join(content.get("traceback", [])) or str(content.get("evalue"))
        elif kind == "execute_reply":
            self.replied = True
        elif kind == "status" and content.get("execution_state") == "idle":
            self.idle = True
        if self.replied and self.idle:
            self.done.set()


def widget_comm_id(opens: list[KernelMessage], trait: str) -> str:
    """The comm id of the widget whose opening state has ``trait`` (probe: LossSurface, starts: Descent)."""
    for message in opens:
        state = (message.content.get("data") or {}).get("state") or {}
        if trait in state:
            return str(message.content["comm_id"])
    raise RuntimeError(f"no widget with a {trait!r} trait among {len(opens)} opened comms")
