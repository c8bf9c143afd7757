"""Binary buffers where a front end drops them: a handshake per view and a base64 fallback.

Arrays travel as binary buffers beside the message (``_arrays.py``). Some widget managers drop those:
Colab's CDN manager (googlecolab/colab-cdn-widget-manager#33) passes neither comm messages' nor state
updates' buffers on. So each view's first message is a handshake, ``{"type": "_wire", "client"}`` carrying
one probe buffer (``js/lib/wire.ts``):

* It arrives without its buffer: the page's manager drops buffers (the known ones drop both ways). The widget
  switches to base64 and answers ``{"type": "_wire", "base64": true}``.
* Otherwise Python answers with a probe buffer of its own; a page that gets that answer without the buffer
  asks ``{"type": "_wire", "base64": true}``, and the widget switches then.

Switched, a widget sends every buffer as base64 text: a message's buffers as a ``_b64`` list in its content
(the records keep naming them by index), a buffer inside state as a string in the record's ``view``; the
array state already sent is sent again that way. A widget that never hears of a dropped buffer sends
buffers as before: the normal path costs one tiny message each way per view and nothing per drag. The page
sends no buffer but the probe (its requests are plain JSON), so the way back needs no fallback of its own.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

WIRE = "_wire"
PROBE = b"\x2a"  # the probe buffer: one byte, its value is not looked at
_BINARY = (memoryview, bytes, bytearray)


def b64(buffer: Any) -> str:
    """A buffer as base64 text.

    >>> b64(memoryview(b"jax"))
    'amF4'
    """
    return base64.b64encode(bytes(buffer)).decode("ascii")


def encode_buffers(content: dict[str, Any], buffers: Sequence[Any]) -> dict[str, Any]:
    """The message content with its buffers inside, as the ``_b64`` list (index i is buffer i).

    >>> encode_buffers({"type": "probe"}, [b"\\x00\\x00\\x80?"])
    {'type': 'probe', '_b64': ['AACAPw==']}
    """
    return {**content, "_b64": [b64(buffer) for buffer in buffers]}


def has_binary(value: Any) -> bool:
    """Whether a state value holds a buffer anywhere (what ipywidgets would send beside the JSON).

    >>> has_binary({"values": {"view": memoryview(b"1234")}}), has_binary([1.0, "a"])
    (True, False)
    """
    if isinstance(value, _BINARY):
        return True
    if isinstance(value, dict):
        return any(has_binary(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_binary(item) for item in value)
    return False


def base64_state(value: Any) -> Any:
    """The state with every buffer replaced by its base64 text (``js/lib/arrays.ts`` decodes a string view).

    >>> base64_state({"x": {"view": memoryview(b"jax"), "shape": [3]}})
    {'x': {'view': 'amF4', 'shape': [3]}}
    """
    if isinstance(value, _BINARY):
        return b64(value)
    if isinstance(value, dict):
        return {key: base64_state(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [base64_state(item) for item in value]
    return value
