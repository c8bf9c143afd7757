"""The one base class of every jaxwidgets widget: keyword checking, the error channel, requests and replies.

Wire protocol (the TypeScript side is ``js/lib/flow.ts`` and ``js/lib/protocol.ts``):

* Lasting state lives in traits. Bulk arrays inside traits are ``{view, dtype, shape}`` records
  (``_arrays.py``) that ipywidgets sends as binary buffers.
* Per-drag traffic uses custom messages, because ipywidgets holds every trait update from the page until
  the kernel reports idle for the previous one. The page sends ``{"type": kind, "seq": n, ...}``; the
  widget answers each request with a message of the same ``type`` and ``seq`` (arrays as binary buffers),
  or with ``{"type": "error", "seq": n, "request": kind, "message": ...}``. A ``client`` string in the
  request (a per-view id) is echoed in the reply (``""`` for messages Python sends unasked). The page
  keeps at most one request of a kind in flight and sends only the newest position when the reply comes.
* Messages Python sends unasked (a trait set in Python, a sampler's chunk) go through ``push``: always with
  ``client: ""`` and the newest page seq of their kind, always under the request lock.
* ``error`` holds a readable message for the banner drawn at the top of the widget ("" when all is well).
* A front end that drops binary buffers gets them as base64 text instead (the ``_wire`` handshake,
  ``_wire.py``).
"""

from __future__ import annotations

import json
import math
import pathlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

import anywidget
import traitlets

from ._wire import PROBE as WIRE_PROBE
from ._wire import WIRE, base64_state, encode_buffers, has_binary

Reply = tuple[dict[str, Any], list[memoryview]]
Handler = Callable[[Any, dict[str, Any]], Reply]
_H = TypeVar("_H", bound=Handler)


def handles(kind: str) -> Callable[[_H], _H]:
    """Declare a method as the handler of the page's ``kind`` requests (the lane of that kind).

    >>> class Echo(JaxWidget):
    ...     @handles("echo")
    ...     def _echo(self, content):
    ...         return {"said": content.get("text")}, []
    >>> Echo._request_handlers
    {'echo': '_echo'}
    """

    def mark(method: _H) -> _H:
        method._jaxwidgets_handles = kind  # type: ignore[attr-defined]
        return method

    return mark


class Lane:
    """One request kind's state: the newest page seq (Python's pushes carry it), and whether the traits
    being set now came from the page (their observers must not push them back)."""

    __slots__ = ("from_page", "seq")

    def __init__(self) -> None:
        self.seq = 0
        self.from_page = False


class RequestError(ValueError):
    """A request from the page could not be carried out; its message goes to the banner."""


class JaxWidget(anywidget.AnyWidget):
    """Base of all jaxwidgets: rejects unknown keyword arguments and routes page requests to handlers.

    A handler is a method marked ``@handles(kind)``; it takes the message content and returns the reply's
    extra content and buffers, or raises RequestError. Subclasses inherit their bases' handlers.
    """

    error = traitlets.Unicode("", help="Why the last operation failed ('' when all is well).").tag(sync=True)
    # One id per widget, the same in all its views: the page keys the state views share by it (lib/shared.ts).
    _instance = traitlets.Unicode(read_only=True).tag(sync=True)
    # What a view with no kernel behind it (a notebook's saved widget state rendered by nbconvert's or a
    # docs page's widget manager) answers from: ``_static_state()`` JSON-encoded, refreshed after each cell
    # once the widget was displayed ({} before).
    _saved = traitlets.Dict().tag(sync=True)

    @traitlets.default("_instance")
    def _new_instance_id(self) -> str:
        return uuid.uuid4().hex

    _request_handlers: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = {}
        for klass in reversed(cls.__mro__):  # a subclass's handler of a kind wins over its base's
            for name, member in vars(klass).items():
                kind = getattr(member, "_jaxwidgets_handles", None)
                if isinstance(kind, str):
                    handlers[kind] = name
        cls._request_handlers = handlers

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(name for name in kwargs if not self._is_public_trait(name))
        if unknown:
            public = sorted(name for name in self.trait_names() if self._is_public_trait(name))
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) {', '.join(unknown)}; "
                f"valid ones are {', '.join(public)}"
            )
        self._request_error = False
        # Requests and pushes are handled one at a time, even when several threads deliver them.
        self._request_lock = threading.RLock()
        self._lanes = {kind: Lane() for kind in self._request_handlers}
        self._base64 = False  # a view's front end drops binary buffers: send them as base64 text (_wire.py)
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_message)

    def _new_function(self, proposal: Any, compile_f: Callable[[Any], Any]) -> Any:
        """Validate an assigned ``f``: compile its kernels with ``compile_f(f)`` and keep them, or keep the
        last good function (and picture) and say why in ``error``. During construction (which compiles f
        itself, see ``_take_compiled``) only callability is checked."""
        f = proposal["value"]
        if not callable(f):
            raise traitlets.TraitError(f"f must be callable, got {type(f).__name__}")
        if getattr(self, "_kernels", None) is None or f is getattr(self, "_compiled_for", None):
            return f
        try:
            kernels = compile_f(f)
        except (TypeError, ValueError) as exc:  # FunctionError is a ValueError
            self.error = str(exc)
            return self.f
        self._kernels = kernels
        self.error = ""
        return f

    def _take_compiled(self, f: Callable[..., Any]) -> None:
        """A constructor's last step: set ``f``, whose kernels it compiled already, so that the observers
        draw the first picture. Validating it would compile it all a second time (0.1-0.2 s)."""
        self._compiled_for: Callable[..., Any] | None = f
        try:
            self.set_trait("f", f)
        finally:
            self._compiled_for = None

    # ---- without a kernel (``_static.py``) ------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live view, and beside it a static snapshot (``text/html``) for places with no kernel."""
        from ._static import add_snapshot, keep_saved

        keep_saved(self)
        return add_snapshot(self, super()._repr_mimebundle_(**kwargs))

    def save_html(self, path: str | pathlib.Path, **options: Any) -> pathlib.Path:
        """Write a self-contained HTML page of this widget that works without a kernel.

        The page carries the widget's front end and its state (arrays included); opened from disk it shows
        the widget, says it is a static copy, does what the saved state allows and disables the rest.
        Widgets document their own ``options`` (Descent: ``starts_grid``).
        """
        from ._static import save_html

        return save_html(self, path, **options)

    def _snapshot_html(self) -> str:
        """The static picture of the current state (HTML); widgets draw their own."""
        return ""

    # The keyword options of ``save_html`` a widget accepts (checked before ``_static_state`` sees them).
    _static_options: ClassVar[tuple[str, ...]] = ()

    def _static_state(self, **options: Any) -> dict[str, Any] | None:
        """What a static copy's local responder may answer from (js/lib/static_responder.ts); None: the
        saved page shows the snapshot only."""
        return None

    @classmethod
    def _is_public_trait(cls, name: str) -> bool:
        return not name.startswith("_") and cls.class_traits().get(name) is not None

    def _on_custom_message(self, _widget: Any, content: Any, buffers: Sequence[Any]) -> None:
        if not isinstance(content, dict):
            return
        with self._request_lock:
            if content.get("type") == WIRE:
                self._answer_wire(content, buffers)
            else:
                self._handle_request(content)

    # ---- binary buffers or base64 (_wire.py) -------------------------------------------------------------

    def _answer_wire(self, content: dict[str, Any], buffers: Sequence[Any]) -> None:
        """A view's handshake: its probe buffer is missing, or it says ours was: switch to base64."""
        client = _client_id(content)
        if content.get("base64") is True or not buffers:
            self._use_base64()
            self.send({"type": WIRE, "client": client, "base64": True})
        else:
            self.send({"type": WIRE, "client": client}, [WIRE_PROBE])

    def _use_base64(self) -> None:
        if self._base64:
            return
        self._base64 = True
        binary = [name for name, value in super().get_state().items() if has_binary(value)]
        if binary:
            self.send_state(binary)  # the arrays the page lost, again as base64 text

    def send(self, content: Any, buffers: Sequence[Any] | None = None) -> None:
        """Send a custom message; its buffers go inside the content once a view has asked for base64."""
        if self._base64 and buffers:
            content, buffers = encode_buffers(content, buffers), None
        super().send(content, buffers)

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The synced state; once a view has asked for base64, its buffers are base64 text."""
        state: dict[str, Any] = super().get_state(key, drop_defaults)
        return base64_state(state) if getattr(self, "_base64", False) else state

    def _handle_request(self, content: dict[str, Any]) -> None:
        kind, seq = content.get("type"), content.get("seq")
        if not isinstance(kind, str) or kind not in self._request_handlers:
            return  # not ours: nothing the page could wait for
        if not isinstance(seq, int) or isinstance(seq, bool):
            return  # malformed: no sequence number to answer
        handler_name = self._request_handlers[kind]
        client = _client_id(content)
        self._lanes[kind].seq = seq
        try:
            extra, reply_buffers = getattr(self, handler_name)(content)
        except RequestError as exc:
            self._report_request_error(kind, seq, client, str(exc))
            return
        if self._request_error:
            self._request_error = False
            self.error = ""
        self.send({"type": kind, "seq": seq, "client": client, **extra}, reply_buffers)

    def _report_request_error(self, kind: str, seq: int, client: str, message: str) -> None:
        self._request_error = True
        self.error = message
        reply = {"type": "error", "seq": seq, "client": client, "request": kind, "message": message}
        self.send(reply)

    def _push(self, kind: str, content: dict[str, Any], buffers: Sequence[Any] = ()) -> None:
        """Send a ``kind`` message Python was not asked for (from any thread): the newest page seq of its
        lane and ``client: ""`` tell every view it is nobody's reply. A kind the page never asks for (a
        sampler's chunks) has a lane of its own whose seq stays 0."""
        with self._request_lock:
            seq = self._lanes.setdefault(kind, Lane()).seq
            self.send({**content, "type": kind, "seq": seq, "client": ""}, list(buffers))

    def _set_by_page(self, kind: str) -> bool:
        """Whether the traits changing now were set by a ``kind`` request (observers then push nothing)."""
        return self._lanes[kind].from_page

    @contextmanager
    def _from_page(self, kind: str, **values: Any) -> Iterator[None]:
        """Set traits to values a ``kind`` request brought: not sent back (no echo), not pushed."""
        lane = self._lanes[kind]
        lane.from_page = True
        try:
            with self._lock_property(**{name: _json_form(value) for name, value in values.items()}):
                yield
        finally:
            lane.from_page = False


def _client_id(content: dict[str, Any]) -> str:
    """The requesting view's id, echoed in the reply so that each view knows its own replies."""
    client = content.get("client")
    return client if isinstance(client, str) and len(client) <= 64 else ""


def _json_form(value: Any) -> Any:
    """What the value looks like after a JSON round trip (tuples become lists), as ipywidgets compares."""
    return json.loads(json.dumps(value))


def finite_number(content: dict[str, Any], key: str) -> float:
    """content[key] as a finite float, or RequestError saying why not.

    >>> finite_number({"x": 1}, "x")
    1.0
    """
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RequestError(f"{key} must be a finite number, got {value!r}")
    return float(value)


def finite_range(content: dict[str, Any], key: str) -> tuple[float, float]:
    """content[key] as a (low, high) pair of finite floats, or RequestError.

    >>> finite_range({"x_range": [0, 2]}, "x_range")
    (0.0, 2.0)
    """
    pair = content.get(key)
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise RequestError(f"{key} must be a pair of numbers, got {pair!r}")
    low, high = (finite_number({key: value}, key) for value in pair)
    return check_range(key, (low, high), RequestError)


def check_range(
    name: str,
    pair: tuple[float, float],
    error: type[Exception] = ValueError,
    bounds: tuple[str, str] = ("low", "high"),
) -> tuple[float, float]:
    """Reject ranges a float32 grid cannot resolve: not finite, inverted, zero-width or absurdly large.
    ``bounds`` names the two ends in the messages.

    >>> check_range("x", (1.0, 0.0))
    Traceback (most recent call last):
    ...
    ValueError: x must be (low, high) with low < high, got (1.0, 0.0)
    """
    low, high = float(pair[0]), float(pair[1])
    first, second = bounds
    if not (math.isfinite(low) and math.isfinite(high)):
        raise error(f"{name} must be finite numbers, got {pair!r}")
    if not low < high:
        raise error(f"{name} must be ({first}, {second}) with {first} < {second}, got {(low, high)!r}")
    scale = max(abs(low), abs(high))
    if scale > 1e30:
        raise error(f"{name} is too large for float32: {(low, high)!r}")
    if high - low < 1e-5 * max(scale, 1e-30):
        raise error(f"{name} is too narrow to draw in float32: {(low, high)!r}")
    return low, high


def as_range(name: str, value: Any, error: type[Exception] = ValueError) -> tuple[float, float]:
    """A (low, high) pair of numbers, checked by :func:`check_range`; ``error`` for anything else.

    >>> as_range("x", [0, 2])
    (0.0, 2.0)
    """
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or any(isinstance(v, bool | str) for v in value)
    ):
        raise error(f"{name} must be a (low, high) pair of numbers, got {value!r}")
    return check_range(name, (float(value[0]), float(value[1])), error)
