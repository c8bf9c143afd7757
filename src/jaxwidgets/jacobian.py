"""Jacobian: a map of the plane drawn as a deformed grid, a point to drag, and where linearisation holds."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError, as_range, check_range, finite_number, handles
from ._static import saved_reply
from ._static_lessons import jacobian_snapshot
from .kernels import FunctionError, explain_exception
from .kernels.jacobian import (
    MappedFunction,
    PointResult,
    grid_lines,
    linear_summary,
    make_grid_kernel,
    make_point_kernel,
    plane_map,
)


class _Kernels(NamedTuple):
    """Everything compiled for one function; swapped as a whole when ``f`` changes."""

    mapped: MappedFunction
    point: Callable[[Any, Any], Any]
    grid: Callable[[Any], Any]


def _finite_pair(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise traitlets.TraitError(f"{name} must be a pair of numbers (x, y), got {value!r}")
    x, y = float(value[0]), float(value[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        raise traitlets.TraitError(f"{name} must be finite, got {value!r}")
    return (x, y)


def _pair(name: str) -> traitlets.Tuple:
    return traitlets.Tuple(traitlets.Float(), traitlets.Float(), default_value=(-1.0, 1.0), help=name)


class Jacobian(JaxWidget):
    """A map f: R^2 -> R^2 as the input plane's grid and its deformed image, with a point to drag: a small
    circle around it, the circle's true image, and its image under the linear map J = jacfwd(f).

    Parameters
    ----------
    f : callable
        ``f(x, y) -> (u, v)`` or ``f(p) -> p'`` on a length-2 array, written with ``jax.numpy``.
    x, y : (float, float)
        The input plane's view (the output plane's view follows the image of its grid).
    at : (float, float), optional
        Where the point starts; the centre of the view by default.
    radius : float, optional
        The radius of the circle around the point; 8 % of the narrower side of the view by default.

    Notes
    -----
    Traits: ``at`` (settable), ``value``, ``jacobian``, ``determinant``, ``singular_values``, ``radius``,
    ``x_range``, ``y_range``, ``title``, ``error``.

    Examples
    --------
    >>> import jaxwidgets
    >>> j = jaxwidgets.Jacobian(lambda x, y: (x**2 - y**2, 2 * x * y), x=(-2, 2), y=(-2, 2), at=(1.0, 0.5))
    >>> j.jacobian.tolist(), j.determinant
    ([[2.0, -1.0], [1.0, 2.0]], 5.0)
    """

    _esm = pathlib.Path(__file__).parent / "static" / "jacobian.js"
    f = traitlets.Any(help="The map drawn; assign a new one to redraw (errors go to `error`).")
    x_range = _pair("The input view's x range.").tag(sync=True)
    y_range = _pair("The input view's y range.").tag(sync=True)
    at = traitlets.Tuple(
        traitlets.Float(), traitlets.Float(), default_value=(0.0, 0.0), help="The point (x, y)."
    ).tag(sync=True, echo_update=False)
    radius = traitlets.Float(0.1, help="Radius of the circle around the point.").tag(sync=True)
    title = traitlets.Unicode("", help="Shown above the plot, as plain text.").tag(sync=True)
    x_label = traitlets.Unicode("x").tag(sync=True)
    y_label = traitlets.Unicode("y").tag(sync=True)
    value = traitlets.Tuple(default_value=(math.nan, math.nan), read_only=True, help="f(at) = (u, v).")
    jacobian = traitlets.Any(read_only=True, help="J at the point: jacobian[i, j] = d f_i / d x_j (2x2).")
    determinant = traitlets.Float(math.nan, read_only=True, help="det J: area scale; negative flips.")
    singular_values = traitlets.Tuple(
        default_value=(math.nan, math.nan), read_only=True, help="J's singular values, largest first."
    )

    def __init__(
        self,
        f: Callable[..., Any],
        x: tuple[float, float] = (-1.0, 1.0),
        y: tuple[float, float] = (-1.0, 1.0),
        *,
        at: tuple[float, float] | None = None,
        radius: float | None = None,
        **kwargs: Any,
    ) -> None:
        self._kernels: _Kernels | None = None
        (x0, x1), (y0, y1) = as_range("x", x, traitlets.TraitError), as_range("y", y, traitlets.TraitError)
        start = _finite_pair("at", at) if at is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
        radius = float(radius) if radius is not None else 0.08 * min(x1 - x0, y1 - y0)
        # f is checked and compiled before the widget opens: a rejected f leaves no widget behind.
        kernels = self._compile(f, start, radius, (x0, x1), (y0, y1))  # raises FunctionError on a bad f
        super().__init__(x_range=(x0, x1), y_range=(y0, y1), at=start, radius=radius, **kwargs)
        self._kernels = kernels
        self._take_compiled(f)  # the first grid and point (observer)

    # ---- validation ---------------------------------------------------------------------------

    @traitlets.validate("x_range", "y_range")
    def _validate_range(self, proposal: Any) -> tuple[float, float]:
        low, high = proposal["value"]
        return check_range(proposal["trait"].name[0], (low, high), traitlets.TraitError)

    @traitlets.validate("at")
    def _validate_at(self, proposal: Any) -> tuple[float, float]:
        x, y = proposal["value"]
        if not (math.isfinite(x) and math.isfinite(y)):
            raise traitlets.TraitError(f"at must be finite, got {(x, y)!r}")
        return (float(x), float(y))

    @traitlets.validate("radius")
    def _validate_radius(self, proposal: Any) -> float:
        radius = float(proposal["value"])
        if not (math.isfinite(radius) and radius > 0):
            raise traitlets.TraitError(f"radius must be a positive number, got {radius!r}")
        return radius

    # ---- the function -------------------------------------------------------------------------

    @traitlets.validate("f")
    def _validate_f(self, proposal: Any) -> Any:
        compile_f = partial(
            self._compile, at=self.at, radius=self.radius, x_range=self.x_range, y_range=self.y_range
        )
        return self._new_function(proposal, compile_f)

    @traitlets.observe("f")
    def _on_f(self, _change: Any) -> None:
        self._push_result("grid")
        self._push_result("point")

    @staticmethod
    def _compile(
        f: Callable[..., Any],
        at: tuple[float, float],
        radius: float,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
    ) -> _Kernels:
        """Check f, then trace and compile both kernels once (errors in f surface here, readable)."""
        mapped = plane_map(f)
        try:
            point, grid = make_point_kernel(mapped.g), make_grid_kernel(mapped.g)
            np.asarray(point(np.asarray(at, np.float32), np.float32(radius)))
            np.asarray(grid(grid_lines(x_range, y_range)))
        except Exception as exc:
            raise FunctionError(explain_exception(exc, mapped.description)) from exc
        return _Kernels(mapped, point, grid)

    # ---- the point and the grid ---------------------------------------------------------------

    @traitlets.observe("at", "radius")
    def _on_point(self, _change: Any) -> None:
        if self._kernels is not None and not self._set_by_page("point"):
            self._push_result("point")

    @traitlets.observe("x_range", "y_range")
    def _on_view(self, _change: Any) -> None:
        if self._kernels is not None:
            self._push_result("grid")

    @handles("point")
    def _handle_point(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is True:  # the page asks where the point is (on render): Python's value wins
            return self._evaluate_point()
        x, y = finite_number(content, "x"), finite_number(content, "y")
        with self._from_page("point", at=(x, y)):
            self.at = (x, y)
        return self._evaluate_point()

    @handles("grid")
    def _handle_grid(self, _content: dict[str, Any]) -> Reply:
        return self._evaluate_grid()

    def _evaluate_point(self) -> Reply:
        """f, J, det J, the singular values and the circle's image at ``at``: the traits and the reply."""
        kernels = self._require_kernels()
        packed = np.asarray(kernels.point(np.asarray(self.at, np.float32), np.float32(self.radius)))
        result = PointResult.unpack(packed)
        determinant, singular = linear_summary(result.jacobian)
        self.set_trait("value", result.value)
        self.set_trait("jacobian", result.jacobian)
        self.set_trait("determinant", determinant)
        self.set_trait("singular_values", singular)
        summary = np.array([determinant, *singular])
        records, buffers = pack_arrays(result=packed, summary=summary)
        return {"x": self.at[0], "y": self.at[1], "radius": self.radius, **records}, buffers

    def _evaluate_grid(self) -> Reply:
        """The input grid's lines and their images (fixed shapes: a new view never recompiles)."""
        kernels = self._require_kernels()
        lines = grid_lines(self.x_range, self.y_range)
        records, buffers = pack_arrays(lines=lines, image=np.asarray(kernels.grid(lines)))
        return {"x_range": list(self.x_range), "y_range": list(self.y_range), **records}, buffers

    def _require_kernels(self) -> _Kernels:
        if self._kernels is None:
            raise RequestError("the function is not compiled yet")
        return self._kernels

    def _push_result(self, kind: str) -> None:
        """Push a result computed for a change made in Python (from any thread) to every view."""
        evaluate = self._evaluate_point if kind == "point" else self._evaluate_grid
        with self._request_lock:
            extra, buffers = evaluate()
            self._push(kind, extra, buffers)

    def _snapshot_html(self) -> str:
        return jacobian_snapshot(self)

    def _static_state(self, **options: Any) -> dict[str, Any]:
        replies = {"point": self._evaluate_point(), "grid": self._evaluate_grid()}
        return {"replies": {kind: saved_reply(reply) for kind, reply in replies.items()}}

    def __repr__(self) -> str:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        description = self._kernels.mapped.description if self._kernels else "f"
        (px, py), det = self.at, self.determinant
        text = (
            f"Jacobian of {description} over x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]; "
            f"at ({px:.4g}, {py:.4g}): J = {np.round(self.jacobian, 4).tolist()}, det J = {det:.6g}"
        )
        return f"{text}; error: {self.error}" if self.error else text
