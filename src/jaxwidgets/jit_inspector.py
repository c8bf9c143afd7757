"""JitInspector: call ``jax.jit(f, static_argnames=...)`` with arguments you change, and see what JAX did."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError, handles
from ._static_lessons import jit_inspector_snapshot
from .kernels.function import FunctionError, explain_exception
from .kernels.jit_inspector import (
    describe_argument,
    explained_cause,
    observe_call,
    resize_leading,
    time_against_size,
)

DTYPES = ("float32", "int32", "float16")
MAX_LENGTH = 1_000_000
TIMING_SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
HISTORY = 12


@dataclass
class Argument:
    """One argument of f and the control that changes it: a slider, a shape control or a dropdown."""

    name: str
    kind: str  # "scalar", "array", "static", or "fixed" (a PRNG key: no control, Python may change it)
    value: Any
    options: tuple[Any, ...] = ()
    limits: tuple[float, float] = (-10.0, 10.0)

    def control(self) -> dict[str, Any]:
        """What the page needs to draw the control (its current value travels with each reply)."""
        spec: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == "scalar":
            spec.update(min=self.limits[0], max=self.limits[1])
        elif self.kind == "array":
            spec.update(dtypes=list(DTYPES), max_length=MAX_LENGTH)
        elif self.kind == "fixed":
            spec.update(text=describe_argument(self.value, False))
        else:
            spec.update(options=[repr(option) for option in self.options])
        return spec

    def state(self) -> Any:
        if self.kind == "scalar":
            return float(self.value)
        if self.kind == "array":
            return {"length": int(np.shape(self.value)[0]), "dtype": np.asarray(self.value).dtype.name}
        if self.kind == "fixed":
            return describe_argument(self.value, False)
        return self.options.index(self.value)


class JitInspector(JaxWidget):
    """Call ``jax.jit(f, static_argnames=...)`` as you change its arguments: cache hit, retrace or compile?

    Each change calls the jitted function once and shows what JAX reported for that call (its monitoring
    events and its cache-miss explanation): whether ``f`` was traced and compiled, how long that took, the
    running counts, why it was traced again, and the jaxpr. A timing panel compares the jitted call with
    ``f`` run op by op as an array argument grows.

    Parameters
    ----------
    f : callable
        The function, called with keyword arguments.
    args : dict
        Each argument's starting value: a number (a slider), an array (a length and dtype control) or, for a
        name in ``static_argnames``, any hashable value (a dropdown of ``choices[name]``).
    static_argnames : sequence of str
        Passed to ``jax.jit``: these arguments are part of the cache key by value.
    choices : dict, optional
        The values each static argument's dropdown offers (its starting value is added if missing).

    Notes
    -----
    Traits: ``calls`` (one record per call), ``traces``, ``compiles``, ``jaxpr``, ``timings``, ``error``.

    Examples
    --------
    >>> import jax.numpy as jnp, jaxwidgets
    >>> def head_sum(x, n):
    ...     return jnp.sum(x[:n])
    >>> inspector = jaxwidgets.JitInspector(
    ...     head_sum, args={"x": jnp.ones(8), "n": 2}, static_argnames=("n",), choices={"n": (2, 4)}
    ... )
    >>> inspector.call(x=jnp.zeros(8))["outcome"]           # same shape and dtype: cached
    'cache hit'
    >>> record = inspector.call(n=4)                        # a new static value: traced again
    >>> record["outcome"], record["cause"], inspector.traces
    ('retrace', 'n', 2)
    """

    _esm = pathlib.Path(__file__).parent / "static" / "jit_inspector.js"
    title = traitlets.Unicode("", help="Shown above the widget, as plain text.").tag(sync=True)
    calls: traitlets.List[Any] = traitlets.List(read_only=True, help="One record per call, oldest first.")
    traces = traitlets.Int(0, read_only=True, help="Traces JAX reported for these calls.").tag(sync=True)
    compiles = traitlets.Int(0, read_only=True, help="XLA compilations JAX reported.").tag(sync=True)
    jaxpr = traitlets.Unicode("", read_only=True, help="The jaxpr of the current arguments' trace.")
    timings: traitlets.Dict[str, Any] = traitlets.Dict(read_only=True, help="Seconds per call against size.")
    _controls: traitlets.List[Any] = traitlets.List(read_only=True).tag(sync=True)

    def __init__(
        self,
        f: Callable[..., Any],
        args: dict[str, Any],
        static_argnames: Sequence[str] | str = (),
        *,
        choices: dict[str, Sequence[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(f):
            raise TypeError(f"f must be a callable, got {type(f).__name__}")
        statics = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
        self._f = f
        self._arguments = _arguments(args, statics, choices or {})
        self._jitted = jax.jit(f, static_argnames=statics)
        self._statics = statics
        self._last_values: dict[str, Any] | None = None
        super().__init__(**kwargs)
        self.set_trait("_controls", [argument.control() for argument in self._arguments.values()])
        self._record = self._call()  # the first call: traced and compiled

    # ---- Python's side -------------------------------------------------------------------------------

    def call(self, **values: Any) -> dict[str, Any]:
        """Change some arguments (by name) and call the jitted function; return the call's record."""
        with self._request_lock:
            self._assign(values, FunctionError)
            record = self._call()
            self._push("call", self._reply_content(record))
        return record

    def time_it(self, sizes: Sequence[int] = TIMING_SIZES) -> dict[str, list[float]]:
        """Seconds per call, jitted and op by op, as the first array argument's length goes through sizes
        (shown in the timing panel too)."""
        timings = self._time(sizes)
        self._push("timing", *pack_arrays(**{key: np.asarray(values) for key, values in timings.items()}))
        return timings

    def _time(self, sizes: Sequence[int]) -> dict[str, list[float]]:
        name = next((a.name for a in self._arguments.values() if a.kind == "array"), None)
        if name is None:
            raise FunctionError("the timing panel needs an array argument to grow")
        values = {n: a.value for n, a in self._arguments.items()}
        jit_s, eager_s = time_against_size(self._f, values, name, list(sizes), self._statics)
        timings: dict[str, list[float]] = {
            "sizes": [float(s) for s in sizes],
            "jit_s": jit_s,
            "eager_s": eager_s,
        }
        self.set_trait("timings", {"argument": name, **timings})
        return timings

    # ---- the page's requests --------------------------------------------------------------------------

    @handles("call")
    def _handle_call(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is not True:  # a fetch (the view's first request) only asks
            values = content.get("values")
            if not isinstance(values, dict):
                raise RequestError(f"values must be a dict of argument values, got {values!r}")
            self._assign(
                {name: self._from_control(name, value) for name, value in values.items()}, RequestError
            )
            self._call(RequestError)
        return self._reply_content(self._record), []

    @handles("timing")
    def _handle_timing(self, content: dict[str, Any]) -> Reply:
        try:
            timings = self._time(TIMING_SIZES)
        except FunctionError as exc:
            raise RequestError(str(exc)) from exc
        return pack_arrays(**{key: np.asarray(values) for key, values in timings.items()})

    def _from_control(self, name: str, value: Any) -> Any:
        """A control's value (number, {length, dtype} or option index) as the argument's value."""
        argument = self._arguments.get(name)
        if argument is None:
            raise RequestError(f"f has no argument {name!r}")
        if argument.kind == "fixed":
            raise RequestError(f"{name} has no control: change it from Python with call({name}=...)")
        if argument.kind == "scalar":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise RequestError(f"{name} must be a finite number, got {value!r}")
            return float(value)
        if argument.kind == "array":
            length, dtype = (value or {}).get("length"), (value or {}).get("dtype")
            if not isinstance(length, int) or not 1 <= length <= MAX_LENGTH or dtype not in DTYPES:
                raise RequestError(f"{name} needs a length from 1 to {MAX_LENGTH:,} and a dtype in {DTYPES}")
            return resize_leading(argument.value, length, dtype)
        if not isinstance(value, int) or not 0 <= value < len(argument.options):
            raise RequestError(f"{name}: no option {value!r}")
        return argument.options[value]

    # ---- calling -----------------------------------------------------------------------------------------

    def _assign(self, values: dict[str, Any], error: type[Exception]) -> None:
        unknown = sorted(set(values) - set(self._arguments))
        if unknown:
            raise error(f"f has no argument(s) {', '.join(unknown)}; it has {', '.join(self._arguments)}")
        for name, value in values.items():
            argument = self._arguments[name]
            if argument.kind == "static":
                _check_hashable(name, value, error)
                if value not in argument.options:
                    argument.options = (*argument.options, value)
                    self.set_trait("_controls", [a.control() for a in self._arguments.values()])
            argument.value = value

    def _call(self, error: type[Exception] = FunctionError) -> dict[str, Any]:
        """Call the jitted f once with the current arguments; record what JAX reported."""
        values = {name: argument.value for name, argument in self._arguments.items()}
        try:
            with observe_call() as events:
                jax.block_until_ready(self._jitted(**values))  # type: ignore[no-untyped-call]
            traced = self._jitted.trace(**values)  # the trace just cached: no new events
            jaxpr = traced.jaxpr.pretty_print(use_color=False)
        except Exception as exc:  # the user's f failed: say why, keep the last good call shown
            message = explain_exception(exc)
            if "concrete" in str(exc):  # a traced value used as a shape, as in the seed's bernoulli(n)
                message += (
                    "; a shape must be known while tracing: make that argument static (static_argnames)"
                )
            self.error = message
            raise error(message) from exc
        self.error = ""
        record = self._make_record(values, events)
        self.set_trait("calls", [*self.calls, record])
        self.set_trait("traces", self.traces + len(events.traces))
        self.set_trait("compiles", self.compiles + len(events.compiles))
        self.set_trait("jaxpr", jaxpr)
        self._record = record
        return record

    def _make_record(self, values: dict[str, Any], events: Any) -> dict[str, Any]:
        described = {name: describe_argument(value, name in self._statics) for name, value in values.items()}
        previous = self.calls[-1]["args"] if self.calls else None
        traced = bool(events.traces)
        outcome = "cache hit" if not traced else "first call" if previous is None else "retrace"
        explanation = "\n".join(events.explanations)
        before = self._last_values
        changed = [name for name in values if before is not None and not _same(before[name], values[name])]
        self._last_values = dict(values)
        return {
            "call": len(self.calls) + 1,
            "args": described,
            "outcome": outcome,
            "compiled": bool(events.compiles),
            "trace_ms": 1000 * sum(events.traces),
            "lower_ms": 1000 * sum(events.lowerings),
            "compile_ms": 1000 * sum(events.compiles),
            "total_ms": 1000 * events.seconds,
            "cause": explained_cause(explanation, list(described)) if outcome == "retrace" else "",
            "changed": changed,
            "explanation": explanation,
        }

    def _reply_content(self, record: dict[str, Any]) -> dict[str, Any]:
        state = {name: argument.state() for name, argument in self._arguments.items()}
        history = self.calls[-HISTORY:]
        return {"record": record, "history": history, "state": state, "jaxpr": self.jaxpr,
                "traces": self.traces, "compiles": self.compiles}  # fmt: skip

    def _snapshot_html(self) -> str:
        return jit_inspector_snapshot(self)

    def __repr__(self) -> str:
        record = self._record
        args = ", ".join(f"{name}={text}" for name, text in record["args"].items())
        text = (
            f"JitInspector: call {record['call']} f({args}): {record['outcome']}"
            f"{' (compiled)' if record['compiled'] else ''}; {len(self.calls)} calls, "
            f"{self.traces} traces, {self.compiles} compiles"
        )
        return f"{text}; error: {self.error}" if self.error else text


def _same(a: Any, b: Any) -> bool:
    """Whether two argument values are equal: type, shape and every element."""
    a, b = _key_data(a), _key_data(b)
    if isinstance(a, np.ndarray | jax.Array) or isinstance(b, np.ndarray | jax.Array):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    return type(a) is type(b) and bool(a == b)


def _key_data(value: Any) -> Any:
    """A PRNG key's data (keys cannot become NumPy arrays); any other value as it is."""
    if isinstance(value, jax.Array) and jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(value)
    return value


def _check_hashable(name: str, value: Any, error: type[Exception]) -> None:
    if not isinstance(value, Hashable):
        raise error(
            f"static argument {name!r} must be hashable (jit uses its value as a cache key), "
            f"got a {type(value).__name__}; pass a tuple instead of a list, for example"
        )
    hash(value)


def _arguments(args: Any, statics: tuple[str, ...], choices: dict[str, Sequence[Any]]) -> dict[str, Argument]:
    """Sort f's arguments into sliders, shape controls and dropdowns; reject what jit cannot take."""
    if not isinstance(args, dict) or not args or not all(isinstance(name, str) for name in args):
        raise TypeError("args must be a dict of f's argument names and starting values")
    missing = [name for name in (*statics, *choices) if name not in args]
    if missing:
        raise ValueError(f"{', '.join(map(repr, missing))} named as static or in choices but not in args")
    arguments: dict[str, Argument] = {}
    for name, value in args.items():
        if name in statics:
            options = tuple(choices.get(name, ()))
            for option in (value, *options):
                _check_hashable(name, option, TypeError)
            arguments[name] = Argument(
                name, "static", value, options if value in options else (value, *options)
            )
        elif isinstance(value, jax.Array) and jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
            arguments[name] = Argument(name, "fixed", value)
        elif isinstance(value, bool) or not isinstance(value, int | float | np.ndarray | jax.Array):
            raise TypeError(f"argument {name!r} must be a number or an array (or be static), got {value!r}")
        elif np.ndim(value) == 0:
            reach = 3 * abs(float(value)) or 10.0
            arguments[name] = Argument(name, "scalar", float(value), limits=(-reach, reach))
        else:
            arguments[name] = Argument(name, "array", np.asarray(value))
    return arguments
