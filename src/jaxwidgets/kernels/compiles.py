"""Count XLA compilations, so tests can prove the drag path never compiles.

JAX reports every backend compilation as a ``jax.monitoring`` duration event; one process-wide listener
counts them (compilations on any thread count). The event times ``compile_or_get_cached``, so a program loaded
from the persistent compilation cache (``compile_cache.py``) counts too: zero still means nothing was traced
and lowered again (tests/test_kernels.py checks this).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from jax import monitoring

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_lock = threading.Lock()
_total = 0


def _on_duration_event(event: str, duration_secs: float, **kwargs: str | int) -> None:
    global _total
    if event == _COMPILE_EVENT:
        with _lock:
            _total += 1


monitoring.register_event_duration_secs_listener(_on_duration_event)


def compile_count() -> int:
    """Backend compilations in this process since jaxwidgets was imported.

    >>> compile_count() >= 0
    True
    """
    return _total


class CompileCounter:
    """How many compilations happened since the counter was created (live)."""

    def __init__(self) -> None:
        self._start = compile_count()

    @property
    def count(self) -> int:
        return compile_count() - self._start


@contextmanager
def count_compiles() -> Iterator[CompileCounter]:
    """Count the compilations inside a ``with`` block.

    >>> import jax, jax.numpy as jnp
    >>> double = jax.jit(lambda v: 2 * v)
    >>> _ = double(jnp.ones(3))
    >>> with count_compiles() as compiles:
    ...     _ = double(jnp.ones(3))   # same shape: cached, no compile
    >>> compiles.count
    0
    """
    yield CompileCounter()
