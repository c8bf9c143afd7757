"""Derivative: drag a point along f(x); the tangent from grad, f'', finite differences and the jaxprs."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError, as_range, check_range, finite_number, finite_range, handles
from ._static import saved_reply
from ._static_lessons import derivative_snapshot
from .kernels import FunctionError, explain_exception
from .kernels.derivative import (
    FiniteDifferences,
    PointResult,
    check_scalar_function,
    curve_points,
    jaxpr_text,
    make_curve_kernel,
    make_point_kernel,
    pack_errors,
)


class _Kernels(NamedTuple):
    """Everything compiled for one function; swapped as a whole when ``f`` changes."""

    point: Callable[[Any], Any]
    curve: Callable[[Any], Any]
    differences: FiniteDifferences


class Derivative(JaxWidget):
    """f(x) with a point to drag: the tangent from ``jax.grad``, the osculating parabola from f'', the
    finite-difference error against the step h in float32 and float64, and the jaxprs of f and grad f.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` of one scalar, written with ``jax.numpy``.
    x : (float, float)
        The initial view. Wheel zooms, dragging the background pans, a double click comes back here.
    at : float, optional
        Where the point starts; the centre of the view by default.
    order : {1, 2}
        1 draws the tangent; 2 also the osculating parabola f + f' dx + f'' dx^2 / 2.

    Notes
    -----
    Traits: ``at`` (settable), ``value``, ``slope``, ``curvature``, ``fd_steps``, ``fd_errors``, ``jaxpr``,
    ``grad_jaxpr``, ``x_range``, ``order``, ``title``, ``error``.

    Examples
    --------
    >>> import jaxwidgets
    >>> d = jaxwidgets.Derivative(lambda x: x**2 + 3 * x + 2, x=(-4, 2), at=2.0)
    >>> d.value, d.slope, d.curvature
    (12.0, 7.0, 2.0)
    >>> d.fd_errors["central", "float64"].shape == d.fd_steps.shape
    True
    """

    _esm = pathlib.Path(__file__).parent / "static" / "derivative.js"
    f = traitlets.Any(help="The function drawn; assign a new one to redraw (errors go to `error`).")
    x_range = traitlets.Tuple(traitlets.Float(), traitlets.Float(), default_value=(-1.0, 1.0)).tag(sync=True)
    at = traitlets.Float(0.0, help="Where the point is (x).").tag(sync=True, echo_update=False)
    order = traitlets.Int(2, help="1: the tangent; 2: also the osculating parabola.").tag(sync=True)
    title = traitlets.Unicode("", help="Shown above the plot, as plain text.").tag(sync=True)
    value = traitlets.Float(math.nan, read_only=True, help="f(at).")
    slope = traitlets.Float(math.nan, read_only=True, help="f'(at), from jax.grad.")
    curvature = traitlets.Float(math.nan, read_only=True, help="f''(at), from jax.grad twice.")
    fd_steps = traitlets.Any(read_only=True, help="The finite-difference steps h (float64 array).")
    fd_errors = traitlets.Dict(
        read_only=True, help="abs(FD(h) - f'(at)) by (method, dtype), e.g. fd_errors['central', 'float32']."
    )
    jaxpr = traitlets.Unicode("", read_only=True, help="str(jax.make_jaxpr(f)(at)).").tag(sync=True)
    grad_jaxpr = traitlets.Unicode("", read_only=True, help="str(jax.make_jaxpr(jax.grad(f))(at)).").tag(
        sync=True
    )

    def __init__(
        self,
        f: Callable[[Any], Any],
        x: tuple[float, float] = (-1.0, 1.0),
        *,
        at: float | None = None,
        order: int = 2,
        **kwargs: Any,
    ) -> None:
        self._kernels: _Kernels | None = None
        x_range = as_range("x", x, traitlets.TraitError)
        start = float(at) if at is not None else (x_range[0] + x_range[1]) / 2
        # f is checked and compiled before the widget opens: a rejected f leaves no widget behind.
        kernels = self._compile(f, x_range, start)  # raises FunctionError on a bad f
        super().__init__(x_range=x_range, at=start, order=order, **kwargs)
        self._home = self.x_range
        self._kernels = kernels
        self.set_trait("fd_steps", kernels.differences.steps.copy())
        self._take_compiled(f)  # the jaxprs and the first point (observer)

    # ---- validation ---------------------------------------------------------------------------

    @traitlets.validate("x_range")
    def _validate_range(self, proposal: Any) -> tuple[float, float]:
        low, high = proposal["value"]
        return check_range("x", (low, high), traitlets.TraitError)

    @traitlets.validate("at")
    def _validate_at(self, proposal: Any) -> float:
        if not math.isfinite(proposal["value"]):
            raise traitlets.TraitError(f"at must be a finite number, got {proposal['value']!r}")
        return float(proposal["value"])

    @traitlets.validate("order")
    def _validate_order(self, proposal: Any) -> int:
        if proposal["value"] not in (1, 2):
            raise traitlets.TraitError(f"order must be 1 or 2, got {proposal['value']!r}")
        return int(proposal["value"])

    # ---- the function -------------------------------------------------------------------------

    @traitlets.validate("f")
    def _validate_f(self, proposal: Any) -> Any:
        return self._new_function(proposal, lambda f: self._compile(f, self.x_range, self.at))

    @traitlets.observe("f")
    def _on_f(self, _change: Any) -> None:
        self.set_trait("jaxpr", jaxpr_text(self.f, self.at))
        self.set_trait("grad_jaxpr", jaxpr_text(jax.grad(self.f), self.at))
        self._send_view()
        self._send_point()

    @staticmethod
    def _compile(f: Callable[[Any], Any], x_range: tuple[float, float], at: float) -> _Kernels:
        """Check f, then trace and compile every kernel once (errors in f surface here, readable)."""
        if not callable(f):
            raise TypeError(f"f must be a callable of one scalar, not {type(f).__name__}")
        check_scalar_function(f)
        try:
            point, curve = make_point_kernel(f), make_curve_kernel(f)
            np.asarray(point(np.float32(at)))
            np.asarray(curve(curve_points(x_range)))
            return _Kernels(point, curve, FiniteDifferences(f))
        except Exception as exc:
            raise FunctionError(explain_exception(exc, "f(x)")) from exc

    # ---- the point ----------------------------------------------------------------------------

    @traitlets.observe("at")
    def _on_at(self, _change: Any) -> None:
        if self._kernels is not None and not self._set_by_page("point"):
            self._send_point()

    @handles("point")
    def _handle_point(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is True:  # the page asks where the point is (on render): Python's value wins
            return self._evaluate_point()
        x = finite_number(content, "x")
        with self._from_page("point", at=x):
            self.at = x
        return self._evaluate_point()

    def _evaluate_point(self) -> Reply:
        """f, f', f'' and the finite-difference errors at ``at``: the traits and the reply."""
        kernels = self._kernels
        if kernels is None:
            raise RequestError("the function is not compiled yet")
        x = self.at
        packed = np.asarray(kernels.point(np.float32(x)))
        result = PointResult.unpack(packed)
        errors = kernels.differences(x)
        self.set_trait("value", result.value)
        self.set_trait("slope", result.slope)
        self.set_trait("curvature", result.curvature)
        self.set_trait("fd_errors", errors)
        records, buffers = pack_arrays(
            result=packed, fd_errors=pack_errors(errors), fd_steps=kernels.differences.steps
        )
        return {"x": x, **records}, buffers

    def _send_point(self) -> None:
        """Push a point computed for a change made in Python (from any thread) to every view."""
        with self._request_lock:
            extra, buffers = self._evaluate_point()
            self._push("point", extra, buffers)

    # ---- the view -----------------------------------------------------------------------------

    @handles("view")
    def _handle_view(self, content: dict[str, Any]) -> Reply:
        if content.get("reset") is True:
            self.x_range = self._home  # Python's change: every view is told (observer)
        elif content.get("fetch") is not True:
            x_range = finite_range(content, "x_range")
            with self._from_page("view", x_range=x_range):
                self.x_range = x_range
        return self._evaluate_view()

    @traitlets.observe("x_range")
    def _on_view(self, _change: Any) -> None:
        if self._kernels is not None and not self._set_by_page("view"):
            self._send_view()

    def _evaluate_view(self) -> Reply:
        """f sampled over the view (``vmap``, a fixed number of points: zoom and pan never recompile)."""
        kernels = self._kernels
        if kernels is None:
            raise RequestError("the function is not compiled yet")
        values = np.asarray(kernels.curve(curve_points(self.x_range)))
        records, buffers = pack_arrays(curve=values)
        return {"x_range": list(self.x_range), **records}, buffers

    def _send_view(self) -> None:
        with self._request_lock:
            extra, buffers = self._evaluate_view()
            self._push("view", extra, buffers)

    def _snapshot_html(self) -> str:
        return derivative_snapshot(self)

    def _static_state(self, **options: Any) -> dict[str, Any]:
        replies = {"point": self._evaluate_point(), "view": self._evaluate_view()}
        return {"replies": {kind: saved_reply(reply) for kind, reply in replies.items()}}

    def __repr__(self) -> str:
        (x0, x1), x = self.x_range, self.at
        text = (
            f"Derivative of f(x) over x in [{x0:g}, {x1:g}]; at x = {x:.6g}: f = {self.value:.6g}, "
            f"f' = {self.slope:.6g}, f'' = {self.curvature:.6g}"
        )
        return f"{text}; error: {self.error}" if self.error else text
