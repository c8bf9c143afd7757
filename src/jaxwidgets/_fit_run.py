"""A Fit of CurveFit and DensityFit (``_fit.py``): its result, the run itself, the message that animates it,
and the compile of the Fit kernel, which runs in a thread of its own so the widget's first picture does not
wait for it (the L-BFGS line search is most of a widget's compile time).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, NamedTuple

import numpy as np

from ._arrays import pack_arrays
from ._worker import worker_thread
from .kernels.fit import FitKernels, FitPath, ParamLayout, scipy_bfgs


class ScipyFit(NamedTuple):
    """scipy.optimize.minimize(method="BFGS") from the same start, with JAX's exact gradient."""

    params: Any
    loss: float
    iterations: int


class FitResult(NamedTuple):
    """A Fit: the best parameters, their loss, BFGS's iterations and every iterate (row 0 the start)."""

    params: Any
    loss: float
    iterations: int
    path: np.ndarray  # (iterations + 1, P), columns in ``parameter_names`` order
    losses: np.ndarray  # (iterations + 1,)
    scipy: ScipyFit | None


def run_fit(
    kernels: FitKernels,
    layout: ParamLayout,
    problem: tuple[Any, np.ndarray],
    start: np.ndarray,
    free: np.ndarray,
    compare_scipy: bool,
) -> tuple[FitPath, FitResult]:
    """BFGS from ``start`` with the parameters not ``free`` held; ``problem`` is (data, drawing points)."""
    data, points = problem
    path = kernels.fit(start, free, data, points)
    steps = int(path.steps)
    thetas, losses = np.asarray(path.thetas)[: steps + 1], np.asarray(path.losses)[: steps + 1]
    scipy_fit = None
    if compare_scipy and free.any():
        theta, value, iterations = scipy_bfgs(kernels.value_and_grad, start, free, data)
        scipy_fit = ScipyFit(layout.tree(theta), value, iterations)
    best = layout.tree(thetas[-1])
    return path, FitResult(best, float(losses[-1]), steps, thetas, losses, scipy_fit)


def fit_report(result: FitResult) -> dict[str, dict[str, float]]:
    """Iterations and final loss of each optimizer, as the page's readout lists them."""
    report = {"bfgs": {"iterations": result.iterations, "loss": result.loss}}
    if result.scipy is not None:
        report["scipy"] = {"iterations": result.scipy.iterations, "loss": result.scipy.loss}
    return report


def fit_message(
    path: FitPath, result: FitResult, final: tuple[dict[str, Any], list[Any]]
) -> tuple[dict[str, Any], list[Any]]:
    """The ``fit`` message: every iterate's parameters, loss and curve, and ``final``, the reply that draws
    the last one exactly (its buffer indices shifted past the path's)."""
    shown = result.iterations + 1  # sliced as numpy arrays: slicing a jax.Array compiles per length
    records, buffers = pack_arrays(
        thetas=result.path,
        losses=result.losses,
        curves=np.asarray(path.curves)[:shown],  # with the model at the drawn data points: residuals
    )
    content, final_buffers = final
    offset = len(buffers)
    for record in content.values():
        if isinstance(record, dict):
            record["buffer"] += offset
    return {**records, "final": content}, [*buffers, *final_buffers]


def compile_in_background(compile_now: Callable[[], None], done: Callable[[], None]) -> Future[None]:
    """Run ``compile_now`` in a worker thread (joined at exit); the future holds its error, if any; ``done``
    runs after."""
    future: Future[None] = Future()

    def run() -> None:
        try:
            compile_now()
        except BaseException as exc:  # handed to whoever waits for the Fit, never lost with the thread
            future.set_exception(exc)
        else:
            future.set_result(None)
        finally:
            done()

    # A worker thread, so that a script ending meanwhile waits for the compile: XLA aborts the process when
    # torn down mid-compile ("FATAL: exception not rethrown"), as for the widgets' other workers.
    worker_thread(run, "jaxwidgets-fit-compile", stop=lambda: None).start()
    return future
