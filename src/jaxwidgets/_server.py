"""Jupyter server extension: take the server's own delays off the drag path.

Measured on 127.0.0.1 (jupyter_server 2.21, JupyterLab 4.6, Chromium), these are server-side costs that every
widget reply paid:

* Nagle's algorithm. jupyter_server leaves it on for the kernel websocket. A widget reply is a small write
  that follows the kernel's small "busy" status message; Nagle holds it until the browser acknowledges the
  status, and the browser delays that acknowledgement by up to 40 ms (Linux's delayed-ACK minimum). Probe
  round trip through the server: p50 46 ms with Nagle, 7 ms without.
* The kernel's "busy" status for each drag request. ipykernel wraps every comm message in busy/idle status
  messages, and JupyterLab re-renders its kernel indicators (toolbar, status bar) on each change: about 10 ms
  of the page's main thread per request, so the page could take one mouse move per 40 ms instead of one per
  frame. Requests that jaxwidgets marks ``"quiet": true`` (answered in a few ms; longer work runs in a
  widget's thread) get no "busy" message. Their "idle" still goes out, so JupyterLab completes its pending
  request and the indicator never shows a state the kernel is not in.
* The page's wait for each reply before it sends the next position. Requests marked ``"newest_wins": true``
  are coalesced here instead (`NewestWins`): per lane (widget, request type, view) at most one is at the
  kernel, and of the others only the newest waits, sent the moment the kernel's reply to the one before
  passes. The server marks the kernel's replies to them ``"server_flow": true``, which tells the page it may
  send every position at once (js/lib/flow.ts). The last position of a drag then waits only for the kernel
  to finish the one before, not for that reply's trip to the page and the page's busy main thread.

The extension wraps whatever websocket connection class the server uses (a gateway's keeps working; it
only gets the no-delay part). ``etc/jupyter/jupyter_server_config.d/jaxwidgets.json``, installed with the
package, enables it; like anywidget itself it takes effect when the Jupyter server (re)starts. Check with
``jupyter server extension list``. Without it the widgets work the same, only slower.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_client.session import DELIM

QUIET_MEMORY = 256  # quiet requests remembered per connection until their "idle" status passes
LANE_TIMEOUT_S = 5.0  # a request at the kernel this long without its "idle" no longer holds back its lane
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"

Lane = tuple[str, str, str]  # (comm_id, request type, client): requests in one lane supersede each other


@dataclass(frozen=True)
class WidgetRequest:
    """What the server needs to know of a page -> kernel widget request."""

    msg_id: str
    quiet: bool
    lane: Lane | None  # set for a newest-wins request
    header: dict[str, Any]


def _load_jupyter_server_extension(server_app: Any) -> None:
    settings = server_app.web_app.settings
    base = settings.get("kernel_websocket_connection_class")
    if base is None or getattr(base, "_jaxwidgets", False):
        return
    settings["kernel_websocket_connection_class"] = fast_connection(base)
    server_app.log.info("jaxwidgets: no-delay websockets, quiet newest-wins requests (%s)", base.__name__)


def fast_connection(base: Any) -> type:
    """A subclass of the websocket connection class ``base`` with Nagle off and drag requests coalesced."""
    relays_zmq = _relays_zmq(base)

    class FastConnection(base):
        _jaxwidgets = True

        async def connect(self) -> Any:
            self.websocket_handler.set_nodelay(True)
            return await super().connect()

        if relays_zmq:

            def handle_incoming_message(self, ws_message: Any) -> None:
                request = parse_request(ws_message, v1=self.subprotocol == V1_PROTOCOL)
                if request is None:
                    super().handle_incoming_message(ws_message)
                elif request.lane is None:
                    self._to_kernel(request, ws_message)
                else:
                    self._newest_wins.request(request, ws_message)

            def handle_outgoing_message(self, stream: Any, parts: list[Any]) -> None:
                quiet, flow = self.__dict__.get("_quiet_requests"), self.__dict__.get("_flow")
                if not (quiet or (flow and flow.busy)):
                    super().handle_outgoing_message(stream, parts)
                    return
                msg_type, parent_id, state = _summary(self.session, parts)
                if msg_type == "status" and state == "busy" and quiet and parent_id in quiet:
                    return
                if msg_type == "comm_msg" and flow and flow.sent_here(parent_id):
                    marked = mark_server_flow(self.session, parts)
                    super().handle_outgoing_message(stream, marked or parts)
                    if marked is not None:  # the widget's reply (not a trait update): the kernel is about
                        flow.answered(parent_id)  # done, so the newest waiting request may go now
                    return
                super().handle_outgoing_message(stream, parts)
                if msg_type == "status" and state == "idle":
                    if quiet:
                        quiet.pop(parent_id, None)
                    if flow:
                        for header in flow.done(parent_id):
                            self._settle(header)

            def on_kernel_restarted(self) -> None:
                self.__dict__.pop("_flow", None)  # the old kernel's requests will never be answered
                self.__dict__.pop("_quiet_requests", None)
                super().on_kernel_restarted()

            @property
            def _newest_wins(self) -> NewestWins:
                flow = self.__dict__.get("_flow")
                if flow is None:
                    flow = self.__dict__["_flow"] = NewestWins(self._to_kernel)
                return flow

            def _to_kernel(self, request: WidgetRequest, ws_message: Any) -> None:
                if request.quiet:
                    quiet = self.__dict__.setdefault("_quiet_requests", OrderedDict())
                    quiet[request.msg_id] = None
                    while len(quiet) > QUIET_MEMORY:
                        quiet.popitem(last=False)
                super().handle_incoming_message(ws_message)

            def _settle(self, header: dict[str, Any]) -> None:
                """An "idle" for a request that a newer one replaced here: JupyterLab keeps each request it
                sent until its idle comes, and this one never reached the kernel."""
                idle = self.session.msg("status", {"execution_state": "idle"}, parent=header)
                super().handle_outgoing_message("iopub", self.session.serialize(idle))

    FastConnection.__name__ = FastConnection.__qualname__ = base.__name__
    return FastConnection


class NewestWins:
    """Newest-wins flow control per lane between the server and the kernel.

    At most one request per lane is at the kernel; a newer one waits, replacing any older waiting one, and
    goes out when the kernel's widget reply to the one before passes (``answered``; the kernel starts on it
    as soon as it is done with that one), or its "idle" (``done``) where no reply came. A request at the
    kernel longer than LANE_TIMEOUT_S (a kernel busy with a long cell, or gone) stops holding its lane back.
    ``done`` hands back the headers of the requests replaced since, to be answered with an "idle".

    >>> sent = []
    >>> flow = NewestWins(lambda request, message: sent.append(message), clock=lambda: 0.0)
    >>> for n in range(3):
    ...     flow.request(WidgetRequest(f"m{n}", True, ("comm", "probe", "view"), {"msg_id": f"m{n}"}), n)
    >>> sent, flow.sent_here("m0")
    ([0], True)
    >>> flow.answered("m0"); sent
    [0, 2]
    >>> flow.done("m0")
    [{'msg_id': 'm1'}]
    """

    def __init__(
        self,
        forward: Callable[[WidgetRequest, Any], None],
        clock: Callable[[], float] = time.monotonic,
        call_later: Callable[[float, Callable[[], None]], object] | None = None,
    ) -> None:
        self._forward = forward
        self._clock = clock
        self._call_later = call_later or _io_loop_call_later
        self._unfinished: OrderedDict[str, Lane] = OrderedDict()  # sent, its "idle" not passed yet
        self._holders: dict[Lane, tuple[str, float]] = {}  # lane -> (msg_id at the kernel, when it was sent)
        self._waiting: dict[Lane, tuple[WidgetRequest, Any]] = {}
        self._replaced: dict[Lane, list[dict[str, Any]]] = {}  # headers of requests never sent
        self._timer_due: float | None = None

    @property
    def busy(self) -> bool:
        """True while a request sent from here is unfinished, or one waits or awaits its "idle"."""
        return bool(self._unfinished or self._waiting or self._replaced)

    def sent_here(self, msg_id: str | None) -> bool:
        """True for a request this sent to the kernel whose "idle" has not passed yet."""
        return msg_id in self._unfinished

    def request(self, request: WidgetRequest, message: Any) -> None:
        """Send ``request`` (its websocket ``message``) now if its lane is free, else keep it as newest."""
        lane = _lane(request)
        self._replace_waiting(lane)
        holder = self._holders.get(lane)
        if holder is not None and self._clock() - holder[1] < LANE_TIMEOUT_S:
            self._waiting[lane] = (request, message)
            self._arm_timer()
        else:
            self._send(request, message)

    def answered(self, msg_id: str | None) -> None:
        """The kernel's reply to ``msg_id`` passed: send the newest request waiting in its lane."""
        lane = self._unfinished.get(msg_id or "")
        if lane is None or self._holders.get(lane, ("",))[0] != msg_id:
            return
        del self._holders[lane]
        waiting = self._waiting.pop(lane, None)
        if waiting is not None:
            self._send(*waiting)

    def done(self, msg_id: str | None) -> list[dict[str, Any]]:
        """The kernel's "idle" for ``msg_id`` passed: the request is finished, with or without a reply.

        Returns the headers of the requests in its lane that newer ones replaced before they were sent.
        """
        self.answered(msg_id)
        lane = self._unfinished.pop(msg_id or "", None)
        return self._replaced.pop(lane, []) if lane is not None else []

    def _replace_waiting(self, lane: Lane) -> None:
        replaced = self._waiting.pop(lane, None)
        if replaced is not None:
            headers = self._replaced.setdefault(lane, [])
            headers.append(replaced[0].header)
            del headers[:-QUIET_MEMORY]

    def _send(self, request: WidgetRequest, message: Any) -> None:
        self._holders[_lane(request)] = (request.msg_id, self._clock())
        self._unfinished[request.msg_id] = _lane(request)
        while len(self._unfinished) > QUIET_MEMORY:  # "idle"s that never came
            self._unfinished.popitem(last=False)
        self._forward(request, message)

    def _arm_timer(self) -> None:
        """Wake when the first lane with a waiting request times out."""
        due = min((self._holders[lane][1] + LANE_TIMEOUT_S for lane in self._waiting), default=None)
        if due is None or (self._timer_due is not None and self._timer_due <= due):
            return
        self._timer_due = due
        self._call_later(max(0.0, due - self._clock()), self._expire)

    def _expire(self) -> None:
        """Send what waits behind a request that timed out."""
        self._timer_due = None
        try:
            now = self._clock()
            for lane, (request, message) in list(self._waiting.items()):
                if now - self._holders[lane][1] >= LANE_TIMEOUT_S:
                    del self._waiting[lane]
                    self._send(request, message)
        finally:
            self._arm_timer()


def _lane(request: WidgetRequest) -> Lane:
    assert request.lane is not None, "only newest-wins requests have a lane"
    return request.lane


def _io_loop_call_later(delay: float, callback: Callable[[], None]) -> object:
    from tornado.ioloop import IOLoop

    return IOLoop.current().call_later(delay, callback)


def _relays_zmq(base: type) -> bool:
    try:
        from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
    except ImportError:  # pragma: no cover - another server layout: keep only the no-delay part
        return False
    return issubclass(base, ZMQChannelsWebsocketConnection)


def parse_request(ws_message: str | bytes, v1: bool = True) -> WidgetRequest | None:
    """The quiet or newest-wins widget request in a page -> kernel websocket message, else None.

    ``v1``: the connection speaks the v1 websocket protocol (binary frames); else the legacy one (JSON text,
    and binary frames in its own layout, which widget requests never use).

    >>> parse_request('{"channel": "shell", "header": {"msg_id": "a", "msg_type": "comm_msg"}, "content":'
    ...               ' {"comm_id": "c", "data": {"method": "custom", "content": {"quiet": true}}}}').quiet
    True
    """
    try:
        if isinstance(ws_message, str):  # the legacy JSON protocol
            message = json.loads(ws_message)
            header, content = message.get("header") or {}, message.get("content") or {}
        elif not v1 or not _plausible_v1(ws_message):
            return None
        else:
            from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

            channel, parts = deserialize_msg_from_ws_v1(ws_message)
            if channel != "shell" or len(parts) < 4:
                return None
            if b'"quiet"' not in parts[3] and b'"newest_wins"' not in parts[3]:
                return None  # the common case, told without parsing JSON
            header, content = json.loads(parts[0]), json.loads(parts[3])
        if header.get("msg_type") != "comm_msg":
            return None
        request = (content.get("data") or {}).get("content")
        if not isinstance(request, dict):
            return None
        quiet = request.get("quiet") is True
        lane = None
        if request.get("newest_wins") is True:
            lane = (str(content["comm_id"]), str(request.get("type")), str(request.get("client", "")))
        if not quiet and lane is None:
            return None
        return WidgetRequest(str(header["msg_id"]), quiet, lane, header)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None  # not a message we understand: pass it on untouched


def _plausible_v1(ws_message: bytes) -> bool:
    """A v1 frame starts with its offset count and offsets (8-byte little-endian), all within the frame."""
    count = int.from_bytes(ws_message[:8], "little")
    return 3 <= count <= 1024 and 8 * (count + 1) <= len(ws_message)


def _summary(session: Any, parts: list[Any]) -> tuple[str | None, str | None, str | None]:
    """(msg_type, parent msg_id, execution_state) of a kernel status or comm message, else Nones."""
    try:
        _, fed = session.feed_identities(parts)
        header = bytes(fed[1])
        if b'"status"' not in header and b'"comm_msg"' not in header:
            return None, None, None
        msg_type = json.loads(header).get("msg_type")
        parent_id = json.loads(bytes(fed[2])).get("msg_id")
        state = json.loads(bytes(fed[4])).get("execution_state") if msg_type == "status" else None
        return msg_type, parent_id, state
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None, None, None


def mark_server_flow(session: Any, parts: list[Any]) -> list[Any] | None:
    """A kernel widget message's frames with ``"server_flow": true`` added to its custom content, re-signed.

    None for any other comm message (a trait update) or one it cannot read.
    """
    try:
        identities, fed = session.feed_identities(parts)
        content = json.loads(bytes(fed[4]))
        data = content["data"]
        if data.get("method") != "custom" or not isinstance(data.get("content"), dict):
            return None
        data["content"]["server_flow"] = True
        frames = [bytes(frame) for frame in fed[1:4]] + [session.pack(content)]
        return [*identities, DELIM, session.sign(frames), *frames, *fed[5:]]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
