"""What ``jax.jit`` did on one call, read from JAX itself: its monitoring events and its cache-miss
explanation.

``observe_call`` runs a call with JAX's ``explain_cache_misses`` on (for this thread only) and collects,
on this thread only, the ``jax.monitoring`` duration events of tracing, lowering and XLA compilation, and
the "TRACING CACHE MISS" explanation JAX logs. The explanation is kept, not printed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import jax
import numpy as np
from jax import monitoring

TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"
LOWER_EVENT = "/jax/core/compile/jaxpr_to_mlir_module_duration"
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_EXPLAIN_LOGGER = "jax._src.interpreters.partial_eval"
# Where JAX notes the persistent compilation cache's hits and misses, and its writes.
_PERSISTENT_CACHE_LOGGERS = ("jax._src.compiler", "jax._src.compilation_cache")


@dataclass
class CallEvents:
    """What JAX reported during one observed call (durations in seconds)."""

    traces: list[float] = field(default_factory=list)
    lowerings: list[float] = field(default_factory=list)
    compiles: list[float] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    seconds: float = 0.0


_watching = threading.local()


def _current() -> CallEvents | None:
    return getattr(_watching, "events", None)


def _on_duration(event: str, duration_secs: float, **_: Any) -> None:
    events = _current()
    if events is None:
        return
    if event == TRACE_EVENT:
        events.traces.append(duration_secs)
    elif event == LOWER_EVENT:
        events.lowerings.append(duration_secs)
    elif event == COMPILE_EVENT:
        events.compiles.append(duration_secs)


class _KeepExplanations(logging.Filter):
    """Takes JAX's cache-miss explanations logged on a watching thread (they are not printed)."""

    def filter(self, record: logging.LogRecord) -> bool:
        events = _current()
        if events is None or not record.getMessage().startswith("TRACING CACHE MISS"):
            return True
        events.explanations.append(record.getMessage())
        return False


class _QuietPersistentCache(logging.Filter):
    """Drops the persistent compilation cache's notes (hit, miss, writing) on a watching thread: JAX
    raises them to warnings while ``explain_cache_misses`` is on, and the inspector shows compiles itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _current() is None or "persistent c" not in record.getMessage().lower()


monitoring.register_event_duration_secs_listener(_on_duration)
logging.getLogger(_EXPLAIN_LOGGER).addFilter(_KeepExplanations())
for _name in _PERSISTENT_CACHE_LOGGERS:
    logging.getLogger(_name).addFilter(_QuietPersistentCache())


@contextmanager
def observe_call() -> Iterator[CallEvents]:
    """Collect what JAX reports on this thread inside the block (nested blocks are not supported).

    >>> double, x = jax.jit(lambda v: 2 * v), np.ones(3, np.float32)
    >>> with observe_call() as first:
    ...     _ = double(x)
    >>> with observe_call() as again:
    ...     _ = double(x)
    >>> len(first.traces), len(first.compiles), len(again.traces), len(again.compiles)
    (1, 1, 0, 0)
    """
    events = CallEvents()
    _watching.events = events
    start = time.perf_counter()
    try:
        with jax.explain_cache_misses(True):
            yield events
    finally:
        events.seconds = time.perf_counter() - start
        _watching.events = None


def describe_argument(value: Any, static: bool) -> str:
    """How jit sees an argument: a static value by its repr, anything else by its abstract type.

    >>> describe_argument(np.ones((3, 2), np.float32), False), describe_argument(2.0, False)
    ('f32[3,2]', 'f32[]{weak_type=True}')
    >>> describe_argument(10, True)
    '10'
    """
    if static:
        return repr(value)
    aval = jax.typeof(value)
    text: str = aval.str_short(short_dtypes=True)
    return f"{text}{{weak_type=True}}" if getattr(aval, "weak_type", False) else text


# "* at input path [1]['n'], now ..." (a static value), "* at x, now f32[20] ..." or "* at kwargs['x'], now".
_MISMATCH_AT = re.compile(r"\* at (?:input path )?([^,]+), now")


def explained_cause(explanation: str, names: Sequence[str]) -> str:
    """The argument JAX's cache-miss explanation names ("" when it names none of ``names``).

    >>> explained_cause("* at input path [1]['n'], now Static(val=4)", ["x", "n"])
    'n'
    >>> explained_cause("different input types:\\n  * at x, now f32[20] and before f32[10]", ["x", "n"])
    'x'
    """
    for where in _MISMATCH_AT.findall(explanation):
        for token in reversed(re.findall(r"\w+", where)):
            if token in names:
                return str(token)
    return ""


def resize_leading(value: Any, length: int, dtype: str) -> np.ndarray:
    """``value`` with its leading axis ``length`` long (repeating its values) and the given dtype.

    >>> resize_leading(np.array([1.0, 2.0, 3.0]), 5, "float32").tolist()
    [1.0, 2.0, 3.0, 1.0, 2.0]
    """
    array = np.asarray(value)
    shape = (length, *array.shape[1:])
    return np.resize(array, shape).astype(dtype)


def best_time(call: Callable[[], Any], repeats: int, warmup: bool = False) -> float:
    """The fastest of ``repeats`` runs of ``call`` (seconds), waiting for its result each time."""
    if warmup:
        jax.block_until_ready(call())  # type: ignore[no-untyped-call]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(call())  # type: ignore[no-untyped-call]
        best = min(best, time.perf_counter() - start)
    return best


def time_against_size(
    f: Callable[..., Any],
    args: dict[str, Any],
    name: str,
    sizes: Sequence[int],
    static_argnames: Sequence[str],
) -> tuple[list[float], list[float]]:
    """Seconds per call of ``jit(f)`` and of ``f`` op by op, as argument ``name``'s length goes through
    ``sizes`` (a fresh ``jit``, so the inspected function's cache is untouched; compiled before timing).
    """
    jitted = jax.jit(f, static_argnames=tuple(static_argnames))
    template = np.asarray(args[name])
    jit_seconds: list[float] = []
    eager_seconds: list[float] = []
    for size in sizes:
        sized = {**args, name: jax.device_put(resize_leading(template, size, template.dtype.name))}
        jit_seconds.append(best_time(partial(jitted, **sized), 5, warmup=True))  # compiled, then timed
        eager_seconds.append(best_time(partial(f, **sized), 3, warmup=True))
    return jit_seconds, eager_seconds
