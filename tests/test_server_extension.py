"""The Jupyter server extension (src/jaxwidgets/_server.py): no Nagle, no "busy" for quiet requests, and
newest-wins flow control between the server and the kernel."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from typing import Any

import pytest
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1, serialize_msg_to_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

import jaxwidgets._server as server
from jaxwidgets._server import (
    LANE_TIMEOUT_S,
    QUIET_MEMORY,
    V1_PROTOCOL,
    NewestWins,
    WidgetRequest,
    fast_connection,
)
from jaxwidgets._server import parse_request as parse

SESSION = Session(key=b"")


class FakeHandler(KernelWebsocketHandler):
    """Only what the connection touches: set_nodelay (built without tornado's request machinery)."""

    nodelay = False
    selected_subprotocol: str | None = "v1.kernel.websocket.jupyter.org"

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

    def on_kernel_restarted(self) -> None:
        self.restarted = True


def connection(session: Session = SESSION, subprotocol: str | None = V1_PROTOCOL) -> Any:
    handler = FakeHandler()
    handler.selected_subprotocol = subprotocol
    return fast_connection(Recorder)(websocket_handler=handler, session=session)


def comm_request(
    request: dict[str, Any], legacy: bool = False, comm_id: str = "c1", session: Session = SESSION
) -> tuple[str, str | bytes]:
    """A page -> kernel comm message carrying a widget's custom ``request``: (msg_id, websocket form)."""
    content = {"comm_id": comm_id, "data": {"method": "custom", "content": request}}
    msg = session.msg("comm_msg", content)
    if legacy:
        return msg["header"]["msg_id"], json.dumps({**msg, "channel": "shell"}, default=str)
    parts = [session.pack(msg[key]) for key in ("header", "parent_header", "metadata", "content")]
    return msg["header"]["msg_id"], serialize_msg_to_ws_v1(parts, "shell")


def status(state: str, parent_id: str) -> list[bytes]:
    """A kernel -> server iopub status message, as its ZMQ frames."""
    parent = {"msg_id": parent_id, "msg_type": "comm_msg"}
    return SESSION.serialize(SESSION.msg("status", {"execution_state": state}, parent=parent))


def reply(parent_id: str, widget_content: dict[str, Any], session: Session = SESSION) -> list[bytes]:
    """A kernel -> server iopub comm message answering ``parent_id``, with a binary buffer, as ZMQ frames."""
    msg = session.msg("comm_msg", {"comm_id": "c1", "data": {"method": "custom", "content": widget_content}})
    msg["parent_header"] = {"msg_id": parent_id, "msg_type": "comm_msg"}
    return [*session.serialize(msg), b"\x00\x01"]


def to_browser_message(parts: list[bytes]) -> dict[str, Any]:
    return SESSION.deserialize(SESSION.feed_identities(parts)[1])


def drag(seq: int, client: str = "view-1", kind: str = "runs") -> dict[str, Any]:
    flags = {"quiet": True, "newest_wins": True}
    return {"type": kind, "seq": seq, "client": client, "starts": [[seq, 0]], **flags}


def answer(conn: Any, msg_id: str) -> None:
    """The kernel handles ``msg_id``: busy, the widget's reply, idle."""
    for parts in (status("busy", msg_id), reply(msg_id, {"type": "runs", "seq": 0}), status("idle", msg_id)):
        conn.handle_outgoing_message("iopub", parts)


class FakeTimers:
    """A clock and call_later the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0
        self.pending: list[tuple[float, Any]] = []

    def call_later(self, delay: float, callback: Any) -> None:
        self.pending.append((self.now + delay, callback))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [callback for when, callback in self.pending if when <= self.now]
        self.pending = [(when, callback) for when, callback in self.pending if when > self.now]
        for callback in due:
            callback()


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> FakeTimers:
    fake = FakeTimers()
    real = server.NewestWins
    monkeypatch.setattr(server, "NewestWins", lambda send: real(send, lambda: fake.now, fake.call_later))
    return fake


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
    [
        b"",
        b"\x00" * 40,
        "not json",
        '{"header": {"msg_type": "comm_msg"}, "content": {"data": 3}}',
        '{"header": {"msg_id": "a", "msg_type": "comm_msg"}, "content": {"data": {"content": {}}}}',
        '{"header": {"msg_id": "a", "msg_type": "comm_msg"},'
        ' "content": {"data": {"content": {"newest_wins": true}}}}',
    ],
    ids=["empty", "zeros", "not-json", "data-not-a-dict", "neither-flag", "newest-wins-without-comm"],
)
def test_malformed_or_plain_messages_are_passed_on(message: Any) -> None:
    assert parse(message) is None


@pytest.mark.parametrize("legacy", [False, True], ids=["v1", "legacy-json"])
def test_one_request_at_the_kernel_then_the_newest(legacy: bool, timers: FakeTimers) -> None:
    conn = connection()
    requests = [comm_request(drag(seq), legacy) for seq in range(1, 6)]
    for _, message in requests:
        conn.handle_incoming_message(message)
    assert conn.to_kernel == [requests[0][1]]  # 2..4 were superseded while 1 was at the kernel
    answer(conn, requests[0][0])
    assert conn.to_kernel == [requests[0][1], requests[4][1]]  # the newest went out as 1's reply passed
    answer(conn, requests[4][0])
    assert len(conn.to_kernel) == 2 and not conn._flow.busy and not conn._quiet_requests
    # Every request the page sent gets exactly one "idle" (JupyterLab keeps each until then), none a "busy".
    statuses = [msg for msg in map(to_browser_message, conn.to_browser) if msg["msg_type"] == "status"]
    assert all(msg["content"]["execution_state"] == "idle" for msg in statuses)
    assert sorted(msg["parent_header"]["msg_id"] for msg in statuses) == sorted(i for i, _ in requests)


def test_the_last_position_of_a_drag_always_reaches_the_kernel(timers: FakeTimers) -> None:
    conn = connection()
    for seq in range(1, 41):
        conn.handle_incoming_message(comm_request(drag(seq))[1])
        if seq % 7 == 0:  # the kernel finishes what it has, now and then
            answer(conn, sent_to_kernel(conn)[-1][0])
    while conn._flow.busy:
        answer(conn, sent_to_kernel(conn)[-1][0])
    seqs = [seq for _, seq in sent_to_kernel(conn)]
    assert seqs[-1] == 40
    assert seqs == sorted(seqs) and len(seqs) < 40


def sent_to_kernel(conn: Any) -> list[tuple[str, int]]:
    """(msg_id, seq) of each request that reached the kernel."""
    parts = [deserialize_msg_from_ws_v1(message)[1] for message in conn.to_kernel]
    return [(json.loads(p[0])["msg_id"], json.loads(p[3])["data"]["content"]["seq"]) for p in parts]


def test_the_newest_goes_out_as_the_reply_passes_and_a_trait_update_does_not_count(
    timers: FakeTimers,
) -> None:
    conn = connection()
    (first_id, first), (_, second) = comm_request(drag(1)), comm_request(drag(2))
    conn.handle_incoming_message(first)
    conn.handle_incoming_message(second)
    update = SESSION.msg(
        "comm_msg", {"comm_id": "c1", "data": {"method": "update", "state": {"start": [1, 0]}}}
    )
    update["parent_header"] = {"msg_id": first_id, "msg_type": "comm_msg"}
    conn.handle_outgoing_message("iopub", SESSION.serialize(update))
    assert conn.to_kernel == [first] and conn.to_browser == [SESSION.serialize(update)]  # passed unmarked
    conn.handle_outgoing_message("iopub", reply(first_id, {"type": "runs", "seq": 1}))
    assert conn.to_kernel == [first, second]  # before the first's "idle": the kernel is about done with it


def test_an_idle_without_a_reply_frees_the_lane(timers: FakeTimers) -> None:
    conn = connection()
    (first_id, first), (_, second) = comm_request(drag(1)), comm_request(drag(2))
    conn.handle_incoming_message(first)
    conn.handle_incoming_message(second)
    conn.handle_outgoing_message("iopub", status("idle", first_id))  # e.g. Python ignored a malformed one
    assert conn.to_kernel == [first, second]


def test_lanes_are_independent(timers: FakeTimers) -> None:
    conn = connection()
    messages = [
        comm_request(drag(1))[1],
        comm_request(drag(1, client="view-2"))[1],  # the same widget shown twice
        comm_request(drag(1, kind="probe"))[1],
        comm_request(drag(1), comm_id="c2")[1],  # another widget
    ]
    for message in messages:
        conn.handle_incoming_message(message)
    assert conn.to_kernel == messages


@pytest.mark.parametrize("legacy", [False, True], ids=["v1", "legacy-json"])
def test_replies_to_newest_wins_requests_are_marked_and_signed(legacy: bool, timers: FakeTimers) -> None:
    session = Session(key=b"secret")
    conn = connection(session)
    msg_id, message = comm_request(drag(1), legacy, session=session)
    conn.handle_incoming_message(message)
    conn.handle_outgoing_message("iopub", reply(msg_id, {"type": "runs", "seq": 1}, session))
    unasked = reply("a-cell", {"type": "runs", "seq": 1}, session)  # e.g. Python set the start itself
    conn.handle_outgoing_message("iopub", unasked)
    marked, passed = conn.to_browser
    msg = session.deserialize(session.feed_identities(marked)[1])  # raises on a bad signature
    assert msg["content"]["data"]["content"] == {"type": "runs", "seq": 1, "server_flow": True}
    assert [bytes(b) for b in msg["buffers"]] == [b"\x00\x01"]
    assert passed is unasked


def test_a_request_at_the_kernel_too_long_stops_holding_its_lane(timers: FakeTimers) -> None:
    conn = connection()
    first, second, third = (comm_request(drag(seq)) for seq in (1, 2, 3))
    conn.handle_incoming_message(first[1])
    conn.handle_incoming_message(second[1])
    timers.advance(LANE_TIMEOUT_S - 0.1)
    assert conn.to_kernel == [first[1]]
    timers.advance(0.2)  # the kernel never said idle (busy with a long cell, or gone): send what waits
    assert conn.to_kernel == [first[1], second[1]]
    answer(conn, first[0])  # a late idle for the first frees nothing: the second is at the kernel
    conn.handle_incoming_message(third[1])
    assert conn.to_kernel == [first[1], second[1]]
    answer(conn, second[0])
    assert conn.to_kernel == [first[1], second[1], third[1]]


def test_a_newer_request_past_a_timed_out_one_replaces_the_waiting_one(timers: FakeTimers) -> None:
    conn = connection()
    stuck, older, newest = (comm_request(drag(seq)) for seq in (1, 2, 3))
    conn.handle_incoming_message(stuck[1])  # the kernel is busy with a long cell
    timers.advance(2.0)
    conn.handle_incoming_message(older[1])  # waits
    timers.now += LANE_TIMEOUT_S - 1.5  # past the stuck one's timeout, the timer not run yet
    conn.handle_incoming_message(newest[1])  # goes straight on, and the older one is dropped
    timers.advance(5.0)
    answer(conn, stuck[0])
    answer(conn, newest[0])
    assert [seq for _, seq in sent_to_kernel(conn)] == [1, 3]  # the kernel ends on the newest


def test_the_timeout_counts_from_the_send_not_from_the_wait(timers: FakeTimers) -> None:
    conn = connection()
    first, second = comm_request(drag(1)), comm_request(drag(2))
    conn.handle_incoming_message(first[1])
    timers.advance(4.0)
    conn.handle_incoming_message(second[1])
    timers.advance(1.1)  # 5.1 s after the first was sent
    assert conn.to_kernel == [first[1], second[1]]


def test_a_kernel_restart_forgets_the_old_kernels_requests(timers: FakeTimers) -> None:
    conn = connection()
    first, second = comm_request(drag(1)), comm_request(drag(2))
    conn.handle_incoming_message(first[1])
    conn.on_kernel_restarted()  # the first will never be answered
    conn.handle_incoming_message(second[1])
    assert conn.to_kernel == [first[1], second[1]] and conn.restarted


def test_a_legacy_binary_message_is_passed_on_untouched() -> None:
    conn = connection(subprotocol=None)
    message = (1).to_bytes(4, "big") + (8).to_bytes(4, "big") + b'{"header": {}}' + b"buffer"
    conn.handle_incoming_message(message)  # read as v1 it would claim 2**59 offsets
    assert conn.to_kernel == [message]


def test_newest_wins_counts_time_from_each_send() -> None:
    sent: list[str] = []
    now = [0.0]
    flow = NewestWins(lambda _, message: sent.append(message), lambda: now[0], lambda *_: None)
    lane = ("c1", "runs", "view-1")
    flow.request(WidgetRequest("a", True, lane, {}), "a")
    now[0] = LANE_TIMEOUT_S + 1
    flow.request(WidgetRequest("b", True, lane, {}), "b")  # "a" timed out: "b" goes straight on
    flow.request(WidgetRequest("c", True, lane, {}), "c")  # "b" was just sent: "c" waits
    flow.answered("a")  # a late reply to "a" frees nothing
    assert sent == ["a", "b"]
    flow.answered("b")
    assert sent == ["a", "b", "c"]


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


def test_docstring_examples_run() -> None:
    result = doctest.testmod(server)
    assert result.attempted >= 5 and result.failed == 0
