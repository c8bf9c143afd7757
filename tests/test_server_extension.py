"""The Jupyter server extension (src/jaxwidgets/_server.py): no Nagle, and no "busy" for quiet requests."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

from jaxwidgets._server import QUIET_MEMORY, V1_PROTOCOL, fast_connection, quiet_request_id

SESSION = Session(key=b"")


class FakeHandler(KernelWebsocketHandler):
    """Only what the connection touches: set_nodelay (built without tornado's request machinery)."""

    nodelay = False
    selected_subprotocol: str | None = V1_PROTOCOL

    def __init__(self) -> None:  # no application or request needed here
        pass

    def set_nodelay(self, value: bool) -> None:
        self.nodelay = value


class Recorder(ZMQChannelsWebsocketConnection):
    """Stands in for the server's connection class: records what reaches the kernel and the browser."""

    async def connect(self) -> None:  # type: ignore[override]
        self.connected = True

    def handle_incoming_message(self, incoming_msg: Any) -> None:
        self.__dict__.setdefault("to_kernel", []).append(incoming_msg)

    def handle_outgoing_message(self, stream: Any, outgoing_msg: Any) -> None:
        self.__dict__.setdefault("to_browser", []).append(outgoing_msg)


def connection(subprotocol: str | None = V1_PROTOCOL) -> Any:
    handler = FakeHandler()
    handler.selected_subprotocol = subprotocol
    return fast_connection(Recorder)(websocket_handler=handler, session=SESSION)


def comm_request(request: dict[str, Any], legacy: bool = False) -> tuple[str, str | bytes]:
    """A page -> kernel comm message carrying a widget's custom ``request``: (msg_id, websocket form)."""
    content = {"comm_id": "c1", "data": {"method": "custom", "content": request}}
    msg = SESSION.msg("comm_msg", content)
    if legacy:
        return msg["header"]["msg_id"], json.dumps({**msg, "channel": "shell"}, default=str)
    parts = [SESSION.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
    return msg["header"]["msg_id"], serialize_msg_to_ws_v1(parts, "shell")


def status(state: str, parent_id: str) -> list[bytes]:
    """A kernel -> server iopub status message, as its ZMQ frames."""
    parent = {"msg_id": parent_id, "msg_type": "comm_msg"}
    return SESSION.serialize(SESSION.msg("status", {"execution_state": state}, parent=parent))


def run_to_end(coroutine: Any) -> Any:
    """Run a coroutine that never waits, without an event loop (the browser tests keep one running)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine waited for something")


def test_connect_turns_nagle_off() -> None:
    conn = connection()
    run_to_end(conn.connect())
    assert conn.websocket_handler.nodelay and conn.connected


@pytest.mark.parametrize("legacy", [False, True], ids=["v1", "legacy-json"])
def test_quiet_request_gets_no_busy_but_keeps_its_idle(legacy: bool) -> None:
    conn = connection()
    msg_id, ws_message = comm_request({"type": "probe", "seq": 1, "x": 0.5, "quiet": True}, legacy)
    conn.handle_incoming_message(ws_message)
    assert conn.to_kernel == [ws_message]
    busy, idle = status("busy", msg_id), status("idle", msg_id)
    conn.handle_outgoing_message("iopub", busy)
    conn.handle_outgoing_message("iopub", idle)
    assert conn.to_browser == [idle]
    assert not conn._quiet_requests  # forgotten once its idle passed


def test_other_messages_pass_untouched() -> None:
    conn = connection()
    loud_id, loud = comm_request({"type": "probe", "seq": 1})  # no quiet flag: e.g. another widget's
    conn.handle_incoming_message(loud)
    quiet_id, quiet = comm_request({"type": "probe", "seq": 2, "quiet": True})
    conn.handle_incoming_message(quiet)
    others = [status("busy", loud_id), status("idle", loud_id), status("busy", "someone-else")]
    reply = SESSION.serialize(SESSION.msg("comm_msg", {"data": {}}, parent={"msg_id": quiet_id}))
    for parts in [*others, reply]:
        conn.handle_outgoing_message("iopub", parts)
    assert conn.to_browser == [*others, reply]


def test_quiet_memory_is_bounded() -> None:
    conn = connection()
    for seq in range(QUIET_MEMORY + 50):
        conn.handle_incoming_message(comm_request({"seq": seq, "quiet": True})[1])
    assert len(conn._quiet_requests) == QUIET_MEMORY


@pytest.mark.parametrize(
    "message",
    [b"", b"\x00" * 40, "not json", '{"header": {"msg_type": "comm_msg"}, "content": {"data": 3}}'],
)
def test_malformed_messages_are_not_quiet(message: Any) -> None:
    assert quiet_request_id(message) is None


def test_a_legacy_binary_message_is_passed_on_untouched() -> None:
    conn = connection(subprotocol=None)  # the legacy protocol: binary frames in its own layout
    message = (1).to_bytes(4, "big") + (8).to_bytes(4, "big") + b'{"header": {}}' + b"buffer"
    conn.handle_incoming_message(message)  # read as v1 it would claim 2**59 offsets and never return
    assert conn.to_kernel == [message]
    assert quiet_request_id(b"\xff" * 16) is None  # nor is a v1 frame whose offsets cannot be


def test_wrapping_is_idempotent_and_keeps_the_name() -> None:
    wrapped = fast_connection(Recorder)
    assert wrapped.__name__ == "Recorder" and issubclass(wrapped, Recorder)


def test_extension_is_enabled_by_the_installed_config() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "server", "extension", "list"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    text = listing.stdout + listing.stderr
    assert "jaxwidgets" in text and "jaxwidgets 0" in text.replace("\x1b[32m", "").replace("\x1b[0m", "")
