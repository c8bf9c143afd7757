"""The binary-buffer handshake and base64 fallback (src/jaxwidgets/_wire.py), Python's side: a view whose
front end drops buffers gets them as base64 text; every other view gets binary buffers as before."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest

import jaxwidgets
from jaxwidgets._wire import PROBE, WIRE


def two_minima(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2


@pytest.fixture
def surface() -> Any:
    widget = jaxwidgets.LossSurface(two_minima, x=(-2, 2), y=(-2, 2), resolution=24)
    sent: list[tuple[dict[str, Any], list[Any]]] = []
    widget._repr_mimebundle_()  # first display: the grid is computed, in a worker thread
    widget.wait_for_surface()  # so the arrays are in the state before the page says it lost them
    widget.comm.send = lambda data=None, metadata=None, buffers=None: sent.append((data, list(buffers or [])))
    widget.sent = sent
    return widget


def custom(widget: Any, content: dict[str, Any], buffers: list[Any] | None = None) -> None:
    """Deliver a custom message from the page, as ipywidgets does."""
    widget._on_custom_message(widget, content, buffers or [])


def replies(widget: Any, kind: str) -> list[tuple[dict[str, Any], list[Any]]]:
    return [
        (m["content"], b)
        for m, b in widget.sent
        if m.get("method") == "custom" and m["content"]["type"] == kind
    ]


def probe_reply_values(content: dict[str, Any], buffers: list[Any]) -> np.ndarray:
    record = content["result"]
    raw = buffers[record["buffer"]] if buffers else base64.b64decode(content["_b64"][record["buffer"]])
    return np.frombuffer(bytes(raw), dtype=record["dtype"])


def test_a_view_with_buffers_gets_binary_replies(surface: Any) -> None:
    custom(surface, {"type": WIRE, "client": "a"}, [PROBE])
    [(hello, hello_buffers)] = replies(surface, WIRE)
    assert hello == {"type": WIRE, "client": "a"} and [bytes(b) for b in hello_buffers] == [PROBE]
    custom(surface, {"type": "probe", "seq": 1, "client": "a", "x": 0.5, "y": 0.25})
    [(reply, buffers)] = replies(surface, "probe")
    assert "_b64" not in reply and len(buffers) == 1  # the normal path: binary, nothing encoded
    assert probe_reply_values(reply, buffers)[0] == pytest.approx(two_minima(0.5, 0.25), rel=1e-5)


def test_a_dropped_probe_switches_replies_and_state_to_base64(surface: Any) -> None:
    custom(surface, {"type": WIRE, "client": "colab"}, [])  # the manager dropped the page's probe
    [(hello, _)] = replies(surface, WIRE)
    assert hello == {"type": WIRE, "client": "colab", "base64": True}
    # The array state already sent goes again, as base64 text and with no buffers beside it.
    updates = [(m, b) for m, b in surface.sent if m.get("method") == "update" and "_surface" in m["state"]]
    assert updates, "the surface state was not sent again"
    state, buffers = updates[-1]
    assert buffers == [] and state["buffer_paths"] == []
    values = state["state"]["_surface"]["values"]
    grid = np.frombuffer(base64.b64decode(values["view"]), dtype=values["dtype"]).reshape(values["shape"])
    assert grid.shape == (24, 24) and np.isfinite(grid).all()

    custom(surface, {"type": "probe", "seq": 1, "client": "colab", "x": 0.5, "y": 0.25})
    [(reply, buffers)] = replies(surface, "probe")
    assert buffers == [] and len(reply["_b64"]) == 1
    assert probe_reply_values(reply, [])[0] == pytest.approx(two_minima(0.5, 0.25), rel=1e-5)


def test_a_page_that_lost_pythons_probe_asks_for_base64(surface: Any) -> None:
    custom(surface, {"type": WIRE, "client": "a"}, [PROBE])
    custom(surface, {"type": WIRE, "client": "a", "base64": True})  # our probe reached it without its buffer
    assert replies(surface, WIRE)[-1][0] == {"type": WIRE, "client": "a", "base64": True}
    custom(surface, {"type": "probe", "seq": 2, "client": "a", "x": 0.0, "y": 0.0})
    [(reply, buffers)] = replies(surface, "probe")
    assert buffers == [] and "_b64" in reply
