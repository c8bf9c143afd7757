"""JitInspector: cache hits, retraces and compiles as JAX reports them; the counts; bad input."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import monitoring

import jaxwidgets
from jaxwidgets import FunctionError

from .conftest import Page

TRACE, COMPILE = "/jax/core/compile/jaxpr_trace_duration", "/jax/core/compile/backend_compile_duration"


def bernoulli_like(a0, a1, n):
    """a_i = a_(i-1) + a_(i-2) for i < n, built with immutable updates (n must be static: it is a shape)."""
    a = jnp.zeros(n).at[0].set(a0).at[1].set(a1)
    for i in range(2, n):
        a = a.at[i].set(a[i - 1] + a[i - 2])
    return a


def selu(x, alpha, lmbda):
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


def fresh(f):
    """A new function doing what ``f`` does: JAX caches per function, so each test starts cold."""
    return lambda **kwargs: f(**kwargs)


@contextmanager
def monitored() -> Iterator[dict[str, int]]:
    """An independent count of JAX's trace and compile events in this thread, from a listener of our own
    (a worker thread left by an earlier test may compile meanwhile: seen once, under load)."""
    counts = {TRACE: 0, COMPILE: 0}
    this_thread = threading.current_thread()

    def listen(event: str, _duration: float, **_: object) -> None:
        if event in counts and threading.current_thread() is this_thread:
            counts[event] += 1

    monitoring.register_event_duration_secs_listener(listen)
    try:
        yield counts
    finally:
        monitoring.unregister_event_duration_listener(listen)


@pytest.fixture
def inspector() -> Iterator[jaxwidgets.JitInspector]:
    widget = jaxwidgets.JitInspector(
        fresh(bernoulli_like),
        args={"a0": 1.0, "a1": 2.0, "n": 10},
        static_argnames="n",
        choices={"n": (10, 20, 30)},
    )
    yield widget
    widget.close()


def test_the_first_call_traces_and_compiles_and_a_value_change_is_a_cache_hit(inspector):
    first = inspector.calls[0]
    assert first["outcome"] == "first call" and first["compiled"] and first["trace_ms"] > 0
    record = inspector.call(a0=5.0)
    assert record["outcome"] == "cache hit" and not record["compiled"] and record["changed"] == ["a0"]
    assert (inspector.traces, inspector.compiles) == (1, 1)


def test_a_static_value_change_is_reported_as_a_retrace_caused_by_that_argument(inspector):
    record = inspector.call(n=20)
    assert record["outcome"] == "retrace" and record["cause"] == "n" and record["compiled"]
    assert "Static(val=20)" in record["explanation"] and record["args"]["n"] == "20"
    assert "f32[20]" in inspector.jaxpr


def test_counts_equal_an_independent_count_from_jax_monitoring():
    x = np.linspace(-3, 3, 100, dtype=np.float32)
    with monitored() as counts:
        widget = jaxwidgets.JitInspector(fresh(selu), args={"x": x, "alpha": 1.67, "lmbda": 1.05})
        widget.call(alpha=2.0)  # hit
        widget.call(x=np.ones(50, np.float32))  # new shape
        widget.call(x=np.ones(50, np.int32))  # new dtype
        widget.call(x=np.ones(50, np.float32))  # seen before: hit
        widget.call(lmbda=1.0)  # hit
    assert (widget.traces, widget.compiles) == (counts[TRACE], counts[COMPILE]) == (3, 3)
    outcomes = [(c["outcome"], c["cause"]) for c in widget.calls]
    assert outcomes == [
        ("first call", ""),
        ("cache hit", ""),
        ("retrace", "x"),
        ("retrace", "x"),
        ("cache hit", ""),
        ("cache hit", ""),
    ]
    widget.close()


def test_page_changes_call_once_each_and_the_reply_says_what_happened(inspector):
    page = Page(inspector)  # type: ignore[arg-type]
    reply = page.request("call", fetch=True)
    assert reply["record"]["outcome"] == "first call" and reply["state"] == {"a0": 1.0, "a1": 2.0, "n": 0}
    reply = page.request("call", values={"a0": 3.0, "a1": 2.0, "n": 0})
    assert reply["record"]["outcome"] == "cache hit" and reply["traces"] == 1
    reply = page.request("call", values={"a0": 3.0, "a1": 2.0, "n": 2})
    assert reply["record"]["outcome"] == "retrace" and reply["record"]["cause"] == "n"
    assert reply["state"]["n"] == 2 and "f32[30]" in reply["jaxpr"] and len(inspector.calls) == 3


def test_an_array_argument_takes_a_length_and_dtype_from_the_page():
    widget = jaxwidgets.JitInspector(selu, args={"x": np.ones(10, np.float32), "alpha": 1.67, "lmbda": 1.05})
    page = Page(widget)  # type: ignore[arg-type]
    reply = page.request("call", values={"x": {"length": 1000, "dtype": "int32"}})
    assert reply["record"]["args"]["x"] == "i32[1000]" and reply["state"]["x"] == {
        "length": 1000,
        "dtype": "int32",
    }
    widget.close()


def test_python_calls_are_pushed_to_the_page(inspector):
    page = Page(inspector)  # type: ignore[arg-type]
    inspector.call(n=30)
    content, _ = page.replies[-1]
    assert content["type"] == "call" and content["client"] == "" and content["record"]["outcome"] == "retrace"


def test_the_timing_panel_compares_jit_with_op_by_op_and_sends_float32_buffers():
    widget = jaxwidgets.JitInspector(selu, args={"x": np.ones(10, np.float32), "alpha": 1.67, "lmbda": 1.05})
    page = Page(widget)  # type: ignore[arg-type]
    traces = widget.traces
    timings = widget.time_it(sizes=(10, 1000))
    assert timings["sizes"] == [10.0, 1000.0] and all(t > 0 for t in timings["jit_s"] + timings["eager_s"])
    pushed = page.replies[-1][0]  # Python's timing is shown on the page too
    assert (
        pushed["type"] == "timing"
        and pushed["jit_s"]["dtype"] == "float32"
        and pushed["sizes"]["shape"] == [2]
    )
    widget._time = lambda sizes: timings  # the page's request, without timing again
    reply = page.request("timing")
    assert reply["type"] == "timing" and reply["eager_s"]["shape"] == [2]
    assert widget.traces == traces  # timing uses a jit of its own: the inspected counts stay
    widget.close()


def test_a_failing_function_sets_error_with_a_readable_reason(inspector):
    def shape_from_traced(a0, a1, n):
        return jnp.zeros(a0)

    with pytest.raises(FunctionError, match="make that argument static"):
        jaxwidgets.JitInspector(
            shape_from_traced, args={"a0": 3.0, "a1": 1.0, "n": 2}, static_argnames=("n",)
        )
    page = Page(inspector)  # type: ignore[arg-type]
    reply = page.request("call", values={"a0": "three"})
    assert reply["type"] == "error" and "a0 must be a finite number" in inspector.error


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: jaxwidgets.JitInspector(42, args={"x": 1.0}), TypeError, "f must be a callable, got int"),
        (
            lambda: jaxwidgets.JitInspector(
                bernoulli_like, args={"a0": 1.0, "a1": 1.0, "n": [3]}, static_argnames="n"
            ),
            TypeError,
            "static argument 'n' must be hashable",
        ),
        (
            lambda: jaxwidgets.JitInspector(selu, args={"x": 1.0}, static_argnames="k"),
            ValueError,
            "'k' named as static",
        ),
        (
            lambda: jaxwidgets.JitInspector(selu, args={"x": "text"}),
            TypeError,
            "must be a number or an array",
        ),
        (lambda: jaxwidgets.JitInspector(selu, args=[1.0]), TypeError, "args must be a dict"),
    ],
)
def test_bad_input_is_rejected_with_clear_messages(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_later_calls_are_checked_too(inspector):
    with pytest.raises(FunctionError, match="must be hashable"):
        inspector.call(n=[1, 2])
    with pytest.raises(FunctionError, match="has no argument"):
        inspector.call(m=1)
    assert "JitInspector: call 1" in repr(inspector)


def test_a_key_argument_is_passed_through_and_its_value_is_not_part_of_the_cache_key():
    def noisy(key, x):
        return x + jax.random.normal(key, x.shape)

    widget = jaxwidgets.JitInspector(
        fresh(noisy), args={"key": jax.random.key(0), "x": np.zeros(4, np.float32)}
    )
    assert widget._controls[0] == {"name": "key", "kind": "fixed", "text": "key<fry>[]"}
    record = widget.call(key=jax.random.key(1))  # a new key is a new value of the same type: cached
    assert record["outcome"] == "cache hit" and record["changed"] == ["key"]
    page = Page(widget)  # type: ignore[arg-type]
    reply = page.request("call", values={"key": 3})
    assert reply["type"] == "error" and "key has no control" in reply["message"]
    widget.close()


def test_the_persistent_caches_notes_stay_out_of_the_notebook(caplog, tmp_path):
    """With the compilation cache on, JAX raises its cache notes (miss, hit, writing an entry) to warnings
    while the inspector explains cache misses; a notebook would print them in red under the cell. They are
    dropped; JAX's logs elsewhere stay as they were."""
    from jaxwidgets.kernels.jit_inspector import observe_call

    loggers = ("jax._src.compiler", "jax._src.compilation_cache")
    settings = {"jax_compilation_cache_dir": str(tmp_path), "jax_persistent_cache_min_compile_time_secs": 0.0}
    before = {name: jax.config.values[name] for name in settings}

    def cache_notes() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name in loggers and "persistent c" in r.getMessage().lower()
        ]

    for name, value in settings.items():
        jax.config.update(name, value)
    try:
        with caplog.at_level("DEBUG", logger=loggers[0]), caplog.at_level("DEBUG", logger=loggers[1]):
            with observe_call():
                jax.jit(fresh(selu))(x=np.ones(3, np.float32), alpha=1.0, lmbda=1.0)
            inside = cache_notes()
            caplog.clear()
            # Not watched (and a new shape, so not a hit): JAX logs as ever, at debug level.
            jax.jit(fresh(selu))(x=np.ones(4, np.float32), alpha=1.0, lmbda=1.0)
            outside = cache_notes()
    finally:
        for name, value in before.items():
            jax.config.update(name, value)
    assert not inside
    assert any(m.startswith("Writing") for m in outside), "JAX wrote no entry, nothing was tested"
