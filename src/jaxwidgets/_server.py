"""Jupyter server extension: take the server's own delays off the drag path.

Measured on 127.0.0.1 (jupyter_server 2.21, JupyterLab 4.6, Chromium), both are server-side costs that every
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

The extension wraps whatever websocket connection class the server uses (a gateway's keeps working; it
only gets the no-delay part). ``etc/jupyter/jupyter_server_config.d/jaxwidgets.json``, installed with the
package, enables it; like anywidget itself it takes effect when the Jupyter server (re)starts. Check with
``jupyter server extension list``. Without it the widgets work the same, only slower.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

QUIET_MEMORY = 256  # quiet requests remembered per connection until their "idle" status passes
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def _load_jupyter_server_extension(server_app: Any) -> None:
    settings = server_app.web_app.settings
    base = settings.get("kernel_websocket_connection_class")
    if base is None or getattr(base, "_jaxwidgets", False):
        return
    settings["kernel_websocket_connection_class"] = fast_connection(base)
    server_app.log.info("jaxwidgets: no-delay kernel websockets, quiet drag requests (%s)", base.__name__)


def fast_connection(base: Any) -> type:
    """A subclass of the websocket connection class ``base`` with Nagle off and quiet requests unannounced."""
    relays_zmq = _relays_zmq(base)

    class FastConnection(base):  # type: ignore[misc]  # jupyter_server's class is untyped (Any)
        _jaxwidgets = True

        async def connect(self) -> Any:
            self.websocket_handler.set_nodelay(True)
            return await super().connect()

        if relays_zmq:

            def handle_incoming_message(self, ws_message: Any) -> None:
                msg_id = quiet_request_id(ws_message, v1=self.subprotocol == V1_PROTOCOL)
                if msg_id is not None:
                    quiet = self.__dict__.setdefault("_quiet_requests", OrderedDict())
                    quiet[msg_id] = None
                    while len(quiet) > QUIET_MEMORY:
                        quiet.popitem(last=False)
                super().handle_incoming_message(ws_message)

            def handle_outgoing_message(self, stream: Any, parts: list[Any]) -> None:
                quiet = self.__dict__.get("_quiet_requests")
                if quiet:
                    state, parent_id = _status_of(self.session, parts)
                    if parent_id in quiet:
                        if state == "busy":
                            return
                        if state == "idle":
                            del quiet[parent_id]
                super().handle_outgoing_message(stream, parts)

    FastConnection.__name__ = FastConnection.__qualname__ = base.__name__
    return FastConnection


def _relays_zmq(base: type) -> bool:
    try:
        from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
    except ImportError:  # pragma: no cover - another server layout: keep only the no-delay part
        return False
    return issubclass(base, ZMQChannelsWebsocketConnection)


def quiet_request_id(ws_message: str | bytes, v1: bool = True) -> str | None:
    """The msg_id of a page -> kernel comm message whose widget content says ``"quiet": true``, else None.

    ``v1``: the connection speaks the v1 websocket protocol (binary frames); else the legacy one (JSON text,
    and binary frames in its own layout, which quiet requests never use).

    >>> quiet_request_id('{"channel": "shell", "header": {"msg_id": "a", "msg_type": "comm_msg"},'
    ...                  ' "content": {"data": {"method": "custom", "content": {"quiet": true}}}}')
    'a'
    """
    try:
        if isinstance(ws_message, str):  # the legacy JSON protocol
            message = json.loads(ws_message)
            header, content = message.get("header") or {}, message.get("content") or {}
        elif not v1 or not _plausible_v1(ws_message):
            return None
        else:
            from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

            channel, parts = deserialize_msg_from_ws_v1(ws_message)  # type: ignore[no-untyped-call]
            if channel != "shell" or len(parts) < 4 or b'"quiet"' not in parts[3]:
                return None
            header, content = json.loads(parts[0]), json.loads(parts[3])
        if header.get("msg_type") != "comm_msg":
            return None
        request = (content.get("data") or {}).get("content")
        quiet = isinstance(request, dict) and request.get("quiet") is True
        return str(header["msg_id"]) if quiet else None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None  # not a message we understand: pass it on untouched


def _plausible_v1(ws_message: bytes) -> bool:
    """A v1 frame starts with its offset count and offsets (8-byte little-endian), all within the frame."""
    count = int.from_bytes(ws_message[:8], "little")
    return 3 <= count <= 1024 and 8 * (count + 1) <= len(ws_message)


def _status_of(session: Any, parts: list[Any]) -> tuple[str | None, str | None]:
    """(execution_state, parent msg_id) of a kernel status message, or (None, None) for any other."""
    try:
        _, fed = session.feed_identities(parts)
        header = bytes(fed[1])
        if b'"status"' not in header or json.loads(header).get("msg_type") != "status":
            return None, None
        parent, content = json.loads(bytes(fed[2])), json.loads(bytes(fed[4]))
        return content.get("execution_state"), parent.get("msg_id")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None, None
