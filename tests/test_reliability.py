"""Reliability without a browser: closing leaves no thread, page messages are never run, threads don't race.

The browser side of the same properties (drag storms, soak, a long cell, untrusted text) is in
``tests/browser/test_reliability_browser.py``; the full-size figures come from ``benchmarks/reliability.py``.
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import numpy as np
import pytest

import jaxwidgets

from .conftest import Page, seed_surface

THREAD_NAMES = ("jaxwidgets-surface", "jaxwidgets-posterior")


def widget_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(THREAD_NAMES)]


def wait_no_widget_threads(before: set[int], timeout: float = 5.0) -> list[str]:
    """Names of jaxwidgets threads not in ``before`` (thread idents) still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        left = [
            t.name for t in threading.enumerate() if t.name.startswith(THREAD_NAMES) and t.ident not in before
        ]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


def existing_idents() -> set[int]:
    return {t.ident for t in threading.enumerate() if t.ident is not None}


# ---- 3. closing leaves no thread behind -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["LossSurface", "Descent"])
def test_close_leaves_no_thread(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = existing_idents()
    started: list[str] = []  # the worker may finish before anyone looks: count the starts instead
    start = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    for _ in range(3):  # several, each with a worker that has computed surfaces
        widget = getattr(jaxwidgets, kind)(seed_surface, x=(-2, 2), y=(-2, 2), resolution=32)
        widget.wait_for_surface()
        widget.x_range = (-1.0, 1.0)  # one more job for the worker
        widget.close()
    assert sum(name.startswith("jaxwidgets-surface") for name in started) >= 3
    assert wait_no_widget_threads(before) == []


def test_close_while_computing_leaves_no_thread() -> None:
    """close() in the middle of a slow (block by block) surface: the worker stops at the next block."""
    before = existing_idents()

    def slow(x: Any, y: Any) -> Any:
        import jax.numpy as jnp

        value = x * 0 + y * 0
        for k in range(20):  # enough work that the grid is computed in cancellable blocks
            value = value + jnp.sin(k * x) * jnp.cos(k * y)
        return value

    widget = jaxwidgets.LossSurface(slow, resolution=300)
    widget.x_range = (-0.5, 0.5)
    widget.close()
    assert wait_no_widget_threads(before, timeout=10.0) == []


def test_posterior_close_leaves_no_thread() -> None:
    numpyro = pytest.importorskip("numpyro")
    import numpyro.distributions as dist

    def model() -> None:
        numpyro.sample("mu", dist.Normal(0.0, 1.0))

    before = existing_idents()
    posterior = jaxwidgets.Posterior(model, num_chains=1, num_warmup=50, num_samples=100_000, chunk_length=20)
    deadline = time.monotonic() + 60
    while posterior.status == "compiling" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "jaxwidgets-posterior" in widget_threads() or posterior.status not in ("warmup", "sampling")
    posterior.close()  # while sampling 100,000 draws
    assert wait_no_widget_threads(before) == []


def test_a_fits_background_compile_is_a_worker_that_exit_waits_for() -> None:
    # A plain daemon thread still compiling at exit made XLA abort ("FATAL: exception not rethrown"): a script
    # ending right after building a DensityFit, with a surface computing too, failed every time.
    from jaxwidgets import _worker
    from jaxwidgets._fit_run import compile_in_background

    gate = threading.Event()
    compiled = compile_in_background(lambda: gate.wait(10), lambda: None)
    compiling = [thread for thread in _worker._workers if thread.name == "jaxwidgets-fit-compile"]
    assert [thread.is_alive() for thread in compiling] == [True]
    gate.set()
    compiled.result(timeout=10)
    compiling[0].join(timeout=10)
    assert not compiling[0].is_alive()


# Ends while a surface and a sampler compute in their threads; without the exit hook XLA could abort it.
SCRIPT_ENDING_MID_COMPUTATION = textwrap.dedent(
    """
    import threading
    import jax.numpy as jnp
    import numpyro, numpyro.distributions as dist
    import jaxwidgets

    def slow(x, y):
        value = x * 0 + y * 0
        for k in range(20):
            value = value + jnp.sin(k * x) * jnp.cos(k * y)
        return value

    def model():
        numpyro.sample("mu", dist.Normal(0.0, 1.0))

    posterior = jaxwidgets.Posterior(model, num_chains=1, num_warmup=50, num_samples=100_000, chunk_length=20)
    surface = jaxwidgets.LossSurface(slow, resolution=300)
    surface.x_range = (-0.5, 0.5)
    print(sorted(t.name for t in threading.enumerate() if t.name.startswith("jaxwidgets")))
    """
)


def test_a_script_ending_while_widgets_compute_exits_cleanly() -> None:
    pytest.importorskip("numpyro")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT_ENDING_MID_COMPUTATION], capture_output=True, text=True, timeout=300
    )
    threads = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    # Both were computing at exit (other jaxwidgets threads, such as arviz's import, may be running too).
    assert {"jaxwidgets-posterior", "jaxwidgets-surface"} <= set(threads), done.stdout
    assert "terminate called" not in done.stderr
    assert done.returncode == 0, done.stderr[-2000:]


# ---- 5. messages from the page are data, never code ------------------------------------------------


def test_exec_message_is_not_run(surface: jaxwidgets.LossSurface, page: Page) -> None:
    marker: dict[str, bool] = {}
    globals()["_reliability_marker"] = marker
    code = "import tests.test_reliability as m; m._reliability_marker['ran'] = True"
    for content in (
        {"type": "exec", "code": code},
        {"type": "exec", "seq": 1, "code": code},
        {"type": "eval", "seq": 2, "expression": code},
        {"type": "__init__", "seq": 3},
        {"type": "_handle_probe", "seq": 4, "x": 0.1, "y": 0.2},  # a method name is not a message type
        {"type": "close", "seq": 5},
        {"type": "probe", "seq": 6, "x": code, "y": 0.0},
        {"type": "view", "seq": 7, "x_range": code, "y_range": [0, 1]},
    ):
        surface._on_custom_message(surface, content, [])
    assert marker == {}
    # Unknown types get no reply (nothing in the page waits for them); bad values get an error naming why.
    kinds = [(reply["type"], reply.get("seq")) for reply, _ in page.replies]
    assert kinds == [("error", 6), ("error", 7)], kinds
    assert "x must be a finite number" in page.replies[0][0]["message"]
    assert code in page.replies[0][0]["message"]  # quoted back as data
    assert "x_range must be a pair of numbers" in page.replies[1][0]["message"]
    assert surface.probe != (0.1, 0.2)
    # ... and the widget still works.
    reply = page.request("probe", x=0.5, y=-0.5)
    assert reply["type"] == "probe" and (reply["x"], reply["y"]) == (0.5, -0.5)
    assert surface.error == ""


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"type": "probe", "seq": 1, "x": float("nan"), "y": 0.0}, "x must be a finite number"),
        ({"type": "probe", "seq": 1, "x": 0.0, "y": float("inf")}, "y must be a finite number"),
        ({"type": "probe", "seq": 1, "x": True, "y": 0.0}, "x must be a finite number"),
        ({"type": "probe", "seq": 1, "x": [1], "y": 0.0}, "x must be a finite number"),
        ({"type": "probe", "seq": 1, "x": {"__class__": 1}, "y": 0.0}, "x must be a finite number"),
        ({"type": "probe", "seq": 1}, "x must be a finite number"),
        ({"type": "view", "seq": 1, "x_range": [1, 0], "y_range": [0, 1]}, "low < high"),
        ({"type": "view", "seq": 1, "x_range": [0, 1e300], "y_range": [0, 1]}, "too large"),
        ({"type": "view", "seq": 1, "x_range": [0, 1, 2], "y_range": [0, 1]}, "pair of numbers"),
        ({"type": "view", "seq": 1, "x_range": "0,1", "y_range": [0, 1]}, "pair of numbers"),
    ],
)
def test_malformed_values_get_error_naming_the_reason(
    surface: jaxwidgets.LossSurface, page: Page, content: dict[str, Any], reason: str
) -> None:
    probe, x_range = surface.probe, surface.x_range
    surface._on_custom_message(surface, content, [])
    (reply, _), *more = page.replies
    assert more == []
    assert reply["type"] == "error" and reply["seq"] == 1 and reply["request"] == content["type"]
    assert reason in reply["message"], reply["message"]
    assert surface.error == reply["message"]
    assert surface.probe == probe and surface.x_range == x_range


@pytest.mark.parametrize(
    "content",
    [None, 42, "probe", [1, 2], {"type": 7}, {"type": "probe"}, {"type": "probe", "seq": "1"},
     {"type": "probe", "seq": True}, {"type": "probe", "seq": 1.5}, {}],
)  # fmt: skip
def test_malformed_envelopes_are_ignored(surface: jaxwidgets.LossSurface, page: Page, content: Any) -> None:
    surface._on_custom_message(surface, content, [b"\x00" * 8])
    assert page.replies == []
    assert surface.error == ""


# ---- 6. concurrent requests ------------------------------------------------------------------------


def test_concurrent_probe_requests_while_the_view_changes() -> None:
    import sys

    widget = jaxwidgets.LossSurface(seed_surface, x=(-2, 2), y=(-2, 2), resolution=64)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: races show at once instead of once in a while
    try:
        widget.wait_for_surface()
        replies: list[dict[str, Any]] = []
        replies_lock = threading.Lock()

        def record(content: dict[str, Any], buffers: Any = None) -> None:
            with replies_lock:
                replies.append(dict(content))

        widget.send = record
        per_thread, threads_n = 200, 4
        errors: list[BaseException] = []
        last_done: dict[int, tuple[float, tuple[float, float]]] = {}
        asked: dict[int, tuple[float, float]] = {}
        start = threading.Barrier(threads_n + 1)

        def prober(index: int) -> None:
            try:
                rng = np.random.default_rng(index)
                start.wait()
                for k in range(per_thread):
                    seq = index * per_thread + k + 1  # unique across threads
                    x, y = (float(v) for v in rng.uniform(-1.5, 1.5, 2))
                    asked[seq] = (x, y)
                    widget._on_custom_message(widget, {"type": "probe", "seq": seq, "x": x, "y": y}, [])
                last_done[index] = (time.monotonic(), (x, y))
            except BaseException as exc:
                errors.append(exc)

        def viewer() -> None:
            try:
                start.wait()
                for k in range(100):
                    width = 1.0 + (k % 7) * 0.25
                    widget.x_range = (-width, width)
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=prober, args=(i,)) for i in range(threads_n)]
        workers.append(threading.Thread(target=viewer))
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not any(worker.is_alive() for worker in workers)
        assert errors == []

        answered = [r["seq"] for r in replies if r["type"] in ("probe", "error") and r.get("client") == "" and
                    r["seq"] > 0]  # fmt: skip
        # Every request answered exactly once, by a probe reply for its own seq.
        expected = set(range(1, threads_n * per_thread + 1))
        errors_replies = [r for r in replies if r["type"] == "error"]
        assert errors_replies == []
        probe_replies = [r for r in replies if r["type"] == "probe"]
        counts: dict[int, int] = {}
        for r in probe_replies:
            counts[r["seq"]] = counts.get(r["seq"], 0) + 1
        assert set(counts) >= expected
        assert {s for s, n in counts.items() if n != 1} == set(), "a request answered more than once"
        assert len(probe_replies) == len(expected), (len(probe_replies), len(answered))
        wrong = [r["seq"] for r in probe_replies if (r["x"], r["y"]) != asked[r["seq"]]]
        assert wrong == [], f"{len(wrong)} replies carry another request's position"

        # Final state consistent: the newest surface arrives and the probe is where the last prober left it.
        assert widget.x_range == (-(1.0 + (99 % 7) * 0.25), 1.0 + (99 % 7) * 0.25)
        values = widget.wait_for_surface()
        assert values.shape == (64, 64) and np.isfinite(values).all()
        assert widget._surface["x_range"] == list(widget.x_range)
        _, last_xy = max(last_done.values())
        assert widget.probe == pytest.approx(last_xy)
        assert widget.value == pytest.approx(float(seed_surface(*np.float32(widget.probe))), rel=1e-4)
        assert not math.isnan(widget.value)
    finally:
        sys.setswitchinterval(interval)
        widget.close()
