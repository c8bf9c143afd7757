"""What CurveFit and DensityFit share: parameters (a pytree of scalars, one vector on the wire), their
slider ranges, Fix toggles and handles, the live loss and gradient, the animated Fit, and linked surfaces.

The page's ``params`` requests carry the whole parameter vector; the reply carries the loss, its gradient,
the curve at the drawing points and its sensitivities (float32 buffers). ``fit`` starts a BFGS run in a
newest-job worker; a ``params`` request abandons it, so a drag made during or after a Fit always stands.
The finished run is pushed as one ``fit`` message (every iterate's curve and loss) that the page animates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError
from ._base import handles as request_handler  # the trait `handles` is the plot's drag handles
from ._fit_run import (
    FitResult,
    compile_in_background,
    fit_message,
    fit_report,
    run_fit,
)
from ._fit_surface import SurfaceLinks
from ._static import saved_reply
from ._worker import NewestJobWorker
from .kernels import FunctionError, explain_exception
from .kernels.fit import (
    FitKernels,
    FitPath,
    ParamLayout,
    TreeCurve,
    TreeLoss,
    make_fit_kernels,
    warm_up,
    warm_up_fit,
)


class FitWidget(JaxWidget):
    """Base of CurveFit and DensityFit: a loss over a pytree of scalar parameters, drawn with its curve."""

    params = traitlets.Any(help="The parameters (the pytree given); assign to move them.")
    loss = traitlets.Float(math.nan, read_only=True, help="The loss at ``params``.")
    gradient = traitlets.Any(read_only=True, help="d loss / d params, the same pytree as ``params``.")
    fit_path = traitlets.Any(None, read_only=True, help="The last Fit's iterates, shape (steps + 1, P).")
    fit_result = traitlets.Any(None, read_only=True, help="The last Fit (a FitResult), or None.")
    parameter_names = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    ranges = traitlets.Dict(help="Slider range per parameter: {name: (low, high)}.").tag(sync=True)
    fixed = traitlets.List(traitlets.Unicode(), help="Parameters a Fit leaves as they are.").tag(sync=True)
    handles = traitlets.Dict(help="Handles on the plot: {label: (x parameter, y parameter)}.").tag(sync=True)
    fitting = traitlets.Bool(False, read_only=True, help="A Fit is running.").tag(sync=True)
    compiling = traitlets.Bool(True, read_only=True, help="The Fit kernel is compiling.").tag(sync=True)
    fit_report = traitlets.Dict(read_only=True, help="Iterations and final loss of each optimizer.").tag(
        sync=True
    )
    loss_name = traitlets.Unicode("loss", read_only=True).tag(sync=True)
    title = traitlets.Unicode("", help="Shown above the plot, as plain text.").tag(sync=True)
    x_label = traitlets.Unicode("x").tag(sync=True)
    y_label = traitlets.Unicode("y").tag(sync=True)
    _plot = traitlets.Dict(read_only=True).tag(sync=True)

    def _setup(
        self,
        params: Any,
        loss: TreeLoss,
        curve: TreeCurve,
        data: Any,
        points: np.ndarray,
        *,
        curve_points: int,
        ranges: Mapping[str, Sequence[float]] | None,
        fixed: Sequence[str],
        handles: Mapping[str, Sequence[str]] | None,
        description: str,
    ) -> None:
        """Compile the kernels at ``params`` (errors explained), then set the traits (validated)."""
        self._layout = ParamLayout.of(params)
        # On the device once: a drag's call copies only the parameter vector.
        self._data, self._points, self._description = data, jax.device_put(np.float32(points)), description
        self._kernels: FitKernels = make_fit_kernels(self._layout, loss, curve, curve_points=curve_points)
        self._tree_loss = loss
        self._fit_worker: NewestJobWorker[tuple[np.ndarray, np.ndarray]] = NewestJobWorker(
            "fit", self._fit_job
        )
        self._links = SurfaceLinks(self._layout.names, lambda: self._theta, self._move_to, self._layout.tree)
        self._quiet = False
        theta = self._layout.vector(params)
        try:
            evaluation = warm_up(self._kernels, theta, data, self._points)
        except Exception as exc:
            raise FunctionError(explain_exception(exc, description)) from exc
        self._check_loss(theta, float(evaluation.loss), ValueError)
        if not np.all(np.isfinite(np.asarray(evaluation.curve))):
            raise FunctionError(f"{description} is NaN or infinite at the starting params {params!r}")
        self.set_trait("parameter_names", list(self._layout.names))
        self.ranges = {
            name: _default_range(v) for name, v in zip(self._layout.names, theta, strict=True)
        } | dict(ranges or {})
        self.fixed = list(fixed)
        self.handles = {label: list(pair) for label, pair in (handles or {}).items()}
        self.params = params  # evaluates (observer)
        self._fit_compiled = compile_in_background(  # the first picture does not wait for it
            lambda: warm_up_fit(self._kernels, theta, data, self._points),
            lambda: self.set_trait("compiling", False),
        )

    # ---- validation -----------------------------------------------------------------------------

    def _check_names(
        self, names: Sequence[str], what: str, error: type[Exception] = traitlets.TraitError
    ) -> None:
        unknown = [name for name in names if name not in self._layout.names]
        if unknown:
            raise error(
                f"{what} names unknown parameter(s) {', '.join(map(repr, unknown))}; "
                f"the parameters are {', '.join(self._layout.names)}"
            )

    @traitlets.validate("ranges")
    def _validate_ranges(self, proposal: Any) -> dict[str, list[float]]:
        ranges = dict(proposal["value"])
        self._check_names(list(ranges), "ranges")
        checked = {}
        for name, pair in ranges.items():
            low, high = (float(v) for v in pair)
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise traitlets.TraitError(
                    f"ranges[{name!r}] must be (low, high) with low < high, got {pair!r}"
                )
            checked[name] = [low, high]
        return checked

    @traitlets.validate("fixed")
    def _validate_fixed(self, proposal: Any) -> list[str]:
        self._check_names(proposal["value"], "fixed")
        return list(dict.fromkeys(proposal["value"]))

    @traitlets.validate("handles")
    def _validate_handles(self, proposal: Any) -> dict[str, list[str]]:
        for label, pair in proposal["value"].items():
            if len(pair) != 2:
                raise traitlets.TraitError(
                    f"handles[{label!r}] must be (x parameter, y parameter), got {pair!r}"
                )
            self._check_names(pair, f"handles[{label!r}]")
        return dict(proposal["value"])

    @traitlets.validate("params")
    def _validate_params(self, proposal: Any) -> Any:
        try:
            theta = self._layout.vector(proposal["value"])
        except (ValueError, TypeError) as exc:
            raise traitlets.TraitError(str(exc)) from exc
        if not np.all(np.isfinite(theta)):
            raise traitlets.TraitError(f"params must be finite numbers, got {proposal['value']!r}")
        if not self._set_by_page("params"):  # the page's requests are checked by their handler
            value, _ = self._kernels.value_and_grad(theta, self._data)
            self._check_loss(theta, float(value), traitlets.TraitError)
        return self._layout.tree(theta)

    def _check_loss(self, theta: np.ndarray, value: float, error: type[Exception]) -> None:
        if not math.isfinite(value):
            at = ", ".join(f"{n}={v:.4g}" for n, v in zip(self._layout.names, theta, strict=True))
            raise error(
                f"{self.loss_name} is {value} at {at}: the model gives NaN or inf there "
                "(a zero width, a log of a negative number, ...); move the parameters back"
            )

    # ---- evaluation: the drag path -------------------------------------------------------------

    @property
    def _theta(self) -> np.ndarray:
        return self._layout.vector(self.params)

    def _move_to(self, theta: np.ndarray) -> None:
        self.params = self._layout.tree(theta)

    def _evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray, Reply]:
        """Loss and gradient at ``theta``, and the reply that draws them (arrays as float32 buffers)."""
        evaluation = self._kernels.evaluate(theta, self._data, self._points)
        value, gradient = float(evaluation.loss), np.asarray(evaluation.gradient)
        records, buffers = pack_arrays(
            values=theta,
            gradient=gradient,
            curve=evaluation.curve,
            sensitivities=evaluation.sensitivities,
        )
        return value, gradient, ({"loss": value, **records}, buffers)

    def _show(self, theta: np.ndarray, value: float, gradient: np.ndarray) -> None:
        self.set_trait("loss", value)
        self.set_trait("gradient", self._layout.tree(gradient))

    @traitlets.observe("params")
    def _on_params(self, _change: Any) -> None:
        theta = self._theta
        if self._set_by_page("params") or self._quiet:
            return
        value, gradient, (content, buffers) = self._evaluate(theta)
        self._show(theta, value, gradient)
        self._cancel_fit()
        self._push("params", content, buffers)
        self._links.follow(theta)

    @request_handler("params")
    def _handle_params(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is True:  # the page asks (on render): Python's parameters win
            theta = self._theta
            value, gradient, reply = self._evaluate(theta)
            self._show(theta, value, gradient)
            return reply
        theta = _vector_from(content.get("values"), len(self._layout.names))
        value, gradient, reply = self._evaluate(theta)
        self._check_loss(theta, value, RequestError)
        self._cancel_fit()  # a drag wins over a Fit still running
        params = self._layout.tree(theta)
        with self._from_page("params"):
            self.params = params
        self._show(theta, value, gradient)
        self._links.follow(theta)
        return reply

    # ---- the Fit ---------------------------------------------------------------------------------

    def fit(self, compare_scipy: bool = True) -> FitResult:
        """Run BFGS from ``params`` (fixed parameters held), move ``params`` to the best ones, and animate
        the path in every view. ``compare_scipy`` also runs scipy's BFGS from the same start."""
        self._fit_worker.abandon()
        start, free = self._theta, self._free_mask()
        path, result = self._compute_fit(start, free, compare_scipy)
        with self._request_lock:
            self._publish_fit(path, result)
        self._links.walk(result.path)
        return result

    @request_handler("fit")
    def _handle_fit(self, _content: dict[str, Any]) -> Reply:
        self.set_trait("fitting", True)
        self._fit_worker.submit((self._theta, self._free_mask()))
        return {}, []

    def _cancel_fit(self) -> None:
        """Drop a Fit the page started (a newer move wins); a job dropped before it ran reports nothing."""
        self._fit_worker.abandon()
        self.set_trait("fitting", False)

    def wait_for_fit(self, timeout: float = 30.0) -> bool:
        """Block until the Fit kernel is compiled and a Fit the page started has finished (for tests and
        scripts)."""
        self._fit_compiled.exception(timeout)
        return self._fit_worker.wait_idle(timeout)

    def _free_mask(self) -> np.ndarray:
        return np.array([name not in self.fixed for name in self._layout.names])

    def _fit_job(self, generation: int, job: tuple[np.ndarray, np.ndarray]) -> None:
        start, free = job
        try:
            path, result = self._compute_fit(start, free, compare_scipy=True)
        except Exception as exc:  # a worker must never die silently
            self.error = explain_exception(exc, self._description)
            self.set_trait("fitting", False)
            return
        with self._request_lock, self._fit_worker.lock:
            if not self._fit_worker.is_current(generation):
                self.set_trait("fitting", False)
                return
            self._publish_fit(path, result)
        self._links.walk(result.path, lambda: self._fit_worker.is_current(generation))

    def _compute_fit(
        self, start: np.ndarray, free: np.ndarray, compare_scipy: bool
    ) -> tuple[FitPath, FitResult]:
        self._fit_compiled.result()  # pressed early: waits for the compile (its error, if any, raises)
        problem = (self._data, self._points)
        return run_fit(self._kernels, self._layout, problem, start, free, compare_scipy)

    def _publish_fit(self, path: FitPath, result: FitResult) -> None:
        """Set the traits to the Fit's end and push its path to every view (which animates it)."""
        theta = result.path[-1]
        value, gradient, (final, final_buffers) = self._evaluate(theta)
        self._quiet = True
        try:
            self.params = result.params
        finally:
            self._quiet = False
        self._show(theta, value, gradient)
        self.set_trait("fit_report", fit_report(result))
        self.set_trait("fit_path", result.path)
        self.set_trait("fit_result", result)
        self.set_trait("fitting", False)
        self._push("fit", *fit_message(path, result, (final, final_buffers)))

    # ---- linked loss surfaces --------------------------------------------------------------------

    def loss_surface(self, axes: tuple[str, str], *, resolution: int = 80, **kwargs: Any) -> Any:
        """A LossSurface of the loss over two parameters, its probe linked both ways to ``params``: drag the
        probe and the curve moves; move the parameters or Fit and the probe follows (along the Fit's path).
        The other parameters are held at their current values, and the surface is redrawn when they move.
        The view spans the two parameters' slider ranges."""
        if len(axes) != 2 or isinstance(axes, str):
            raise ValueError(f"axes must name two parameters, got {axes!r}")
        self._check_names(list(axes), "axes", ValueError)
        loss, data = self._tree_loss, self._data
        return self._links.add(
            lambda params: loss(params, data),
            (axes[0], axes[1]),
            self.params,
            (tuple(self.ranges[axes[0]]), tuple(self.ranges[axes[1]])),
            resolution=resolution,
            **kwargs,
        )

    def close(self) -> None:
        """Close the widget and stop a running Fit."""
        if hasattr(self, "_fit_worker"):
            self._fit_worker.abandon()
        super().close()

    def _static_state(self, **options: Any) -> dict[str, Any]:
        """The page asks for the curve at the parameters on render: the saved reply answers."""
        return {"replies": {"params": saved_reply(self._evaluate(self._theta)[2])}}

    def _describe(self) -> str:
        if self.params is None:  # construction failed
            return f"{type(self).__name__}(not built)"
        values = ", ".join(f"{n}={v:.4g}" for n, v in zip(self._layout.names, self._theta, strict=True))
        text = f"{type(self).__name__}({values}): {self.loss_name} = {self.loss:.6g}"
        return f"{text}; error: {self.error}" if self.error else text


def _default_range(value: float) -> list[float]:
    """A slider range around a starting value: value +- max(|value|, 1)."""
    half = max(abs(float(value)), 1.0)
    return [float(value) - half, float(value) + half]


def _vector_from(values: Any, size: int) -> np.ndarray:
    if not isinstance(values, list) or len(values) != size:
        raise RequestError(f"values must be a list of {size} numbers, got {values!r}")
    if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in values):
        raise RequestError(f"values must be finite numbers, got {values!r}")
    return np.asarray(values, np.float32)
