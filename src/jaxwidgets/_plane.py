"""The plane every surface widget draws on: a JAX function of two variables, its view, and its surface.

``PlaneWidget`` holds what LossSurface and Descent share: the function ``f`` (or a pytree loss sliced on two
leaves), the view's ranges with wheel zoom / drag pan / reset (the ``view`` and ``reset_view`` requests), and
the heatmap grid, computed off the drag path by a newest-job worker (coarse first where it is slow). The front
end twin is js/lib/surface_plot.ts (its view requests in js/lib/plot_window.ts). A widget adds what it draws
on the plane and compiles its own kernel in ``_compile_extra``, which is swapped together with the grid kernel
when ``f`` changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import traitlets

from ._arrays import array_to_json
from ._base import JaxWidget, Reply, check_range, finite_range, handles
from ._worker import NewestJobWorker
from .kernels import (
    FunctionError,
    SlicedFunction,
    cell_centres,
    check_scalar_output,
    explain_exception,
    make_grid_kernel,
    slice_function,
)

# A grid slower than this is drawn coarse first, then refined block by block (cancellable).
_SLOW_GRID_SECONDS = 0.03
_MAX_RESOLUTION = 1000


class PlaneKernels(NamedTuple):
    """Everything compiled for one function; swapped as a whole when ``f`` changes."""

    sliced: SlicedFunction
    grid: Callable[..., Any]
    rows_per_block: int
    coarse_resolution: int | None
    extra: Any  # the widget's own kernel (``_compile_extra``)


class _GridJob(NamedTuple):
    """A surface to compute: the kernels of the function and the view they were asked for."""

    kernels: PlaneKernels
    x_range: tuple[float, float]
    y_range: tuple[float, float]


class _Range(traitlets.TraitType[tuple[float, float], Any]):
    """A finite (low, high) pair with low < high; checked on every assignment."""

    default_value = (0.0, 1.0)
    info_text = "a (low, high) pair of finite numbers with low < high"

    def validate(self, obj: Any, value: Any) -> tuple[float, float]:
        if not isinstance(value, list | tuple) or len(value) != 2:
            self.error(obj, value)
        if any(isinstance(v, bool | str) for v in value):  # float(True) and float("1") would pass
            self.error(obj, value)
        try:
            pair = (float(value[0]), float(value[1]))
            return check_range(self.name or "range", pair, traitlets.TraitError)
        except (TypeError, ValueError):
            self.error(obj, value)
            raise  # unreachable: error() raises


class PlaneWidget(JaxWidget):
    """Base of the widgets that draw ``f(x, y)`` as a heatmap with contours (LossSurface, Descent).

    Parameters
    ----------
    f : callable
        ``f(x, y) -> scalar`` written with ``jax.numpy``; or ``f(params) -> scalar`` together with
        ``params=`` (a pytree) and ``axes=(name_x, name_y)`` naming the two scalar leaves to vary.
    x, y : (float, float)
        The initial view. Wheel zooms, dragging the background pans, "Reset view" comes back here.
    resolution : int, default 200
        The surface is sampled on a ``resolution x resolution`` grid (2 to 1000).
    """

    f = traitlets.Any(help="The function drawn; assign a new one to redraw (errors go to `error`).")
    x_range = _Range().tag(sync=True)
    y_range = _Range().tag(sync=True)
    resolution = traitlets.Int(200, read_only=True, help="Grid size per axis.").tag(sync=True)
    log_scale = traitlets.Bool(False, help="Colour by log(f - min).").tag(sync=True)
    title = traitlets.Unicode("", help="Shown above the plot, as plain text.").tag(sync=True)
    x_label = traitlets.Unicode("x").tag(sync=True)
    y_label = traitlets.Unicode("y").tag(sync=True)
    _surface = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        f: Callable[..., Any],
        x: tuple[float, float] = (-1.0, 1.0),
        y: tuple[float, float] = (-1.0, 1.0),
        *,
        params: Any = None,
        axes: tuple[str, str] | None = None,
        resolution: int = 200,
        **kwargs: Any,
    ) -> None:
        self._params, self._axes = params, axes
        self._grid_worker: NewestJobWorker[_GridJob] = NewestJobWorker("surface", self._compute_surface)
        self._kernels: PlaneKernels | None = None
        if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
            raise TypeError(f"resolution must be an int, got {resolution!r}")
        if not 2 <= resolution <= _MAX_RESOLUTION:
            raise ValueError(f"resolution must be between 2 and {_MAX_RESOLUTION}, got {resolution}")
        if axes is not None:
            kwargs.setdefault("x_label", str(axes[0]))
            kwargs.setdefault("y_label", str(axes[1]))
        super().__init__(x_range=x, y_range=y, **kwargs)
        self.set_trait("resolution", int(resolution))
        self._home = (self.x_range, self.y_range)
        self._kernels = self._compile(f)  # raises FunctionError on a bad f

    # ---- the function -------------------------------------------------------------------------

    @traitlets.validate("f")
    def _validate_f(self, proposal: Any) -> Any:
        return self._new_function(proposal, self._compile)

    @traitlets.observe("f")
    def _on_f(self, _change: Any) -> None:
        self._request_surface()

    def _compile(self, f: Callable[..., Any]) -> PlaneKernels:
        """Trace, compile and time the kernels once, before any drag."""
        sliced = slice_function(f, self._params, self._axes)
        check_scalar_output(sliced)
        grid = make_grid_kernel(sliced.f)
        n = self.resolution
        xs = cell_centres(*self.x_range, n)
        try:  # the first calls compile; errors in f surface here, readable
            np.asarray(grid(sliced.params, xs, xs)[0])
            extra = self._compile_extra(sliced)
        except FunctionError:
            raise
        except Exception as exc:
            raise FunctionError(explain_exception(exc, sliced.description)) from exc
        kernels = PlaneKernels(sliced, grid, n, None, extra)
        if _grid_seconds(kernels, xs) > _SLOW_GRID_SECONDS:
            kernels = self._compile_slow_path(kernels, xs)
        return kernels

    def hold(self, params: Any) -> None:
        """Redraw with the leaves off the two axes at ``params``' values (a ``params=`` surface only).

        They are array arguments of the compiled kernels, so nothing recompiles; the grid is recomputed off
        the drag path (newest wins)."""
        kernels = self._kernels
        if kernels is None or self._params is None:
            raise ValueError("hold needs a surface made with params= and axes=")
        leaves, treedef = jax.tree_util.tree_flatten(params)
        expected: Any = jax.tree_util.tree_structure(self._params)
        if treedef != expected:
            raise ValueError(f"params must have the structure of the surface's params, got {treedef}")
        fixed = jax.device_put(
            [_like(value, old) for value, old in zip(leaves, kernels.sliced.params, strict=True)]
        )
        self._kernels = kernels._replace(sliced=kernels.sliced._replace(params=fixed))
        self._request_surface()
        self._on_hold()

    def _on_hold(self) -> None:
        """What a widget redraws besides the surface once ``hold`` changed the fixed leaves."""

    def _compile_extra(self, sliced: SlicedFunction) -> Any:
        """The widget's own kernel for ``sliced``, compiled now (its first call), not on the first drag."""
        return None

    def _compile_slow_path(self, kernels: PlaneKernels, xs: np.ndarray) -> PlaneKernels:
        """For expensive functions: a coarse grid first, then the full one in cancellable row blocks."""
        n = self.resolution
        coarse = max(2, min(n, 48))
        rows = max(1, n // 8)
        coarse_xs = cell_centres(*self.x_range, coarse)
        np.asarray(kernels.grid(kernels.sliced.params, coarse_xs, coarse_xs)[0])
        np.asarray(kernels.grid(kernels.sliced.params, xs, xs[:rows])[0])
        return kernels._replace(rows_per_block=rows, coarse_resolution=coarse)

    # ---- the view and the surface -------------------------------------------------------------

    @handles("view")
    def _handle_view(self, content: dict[str, Any]) -> Reply:
        x_range, y_range = finite_range(content, "x_range"), finite_range(content, "y_range")
        self._set_view(x_range, y_range, from_page=True)
        return {}, []

    @handles("reset_view")
    def _reset_view(self, _content: dict[str, Any]) -> Reply:
        self._set_view(*self._home, from_page=False)
        return {}, []

    def _set_view(
        self, x_range: tuple[float, float], y_range: tuple[float, float], *, from_page: bool
    ) -> None:
        self._view_batch = True
        try:
            if from_page:
                with self._from_page("view", x_range=x_range, y_range=y_range):
                    self.x_range, self.y_range = x_range, y_range
            else:
                self.x_range, self.y_range = x_range, y_range
        finally:
            self._view_batch = False
        self._request_surface()

    _view_batch = False

    @traitlets.observe("x_range", "y_range")
    def _on_view(self, _change: Any) -> None:
        if self._kernels is not None and not self._view_batch:
            self._request_surface()

    def _request_surface(self) -> None:
        """Start computing the surface of the current view; any older computation is abandoned."""
        if self._kernels is None:
            self._grid_worker.abandon()
        else:
            self._grid_worker.submit(_GridJob(self._kernels, self.x_range, self.y_range))

    def _compute_surface(self, generation: int, job: _GridJob) -> None:
        """In the worker: coarse first where the grid is slow, then the full grid (stopped once stale)."""
        kernels, x_range, y_range = job
        try:
            if kernels.coarse_resolution is not None and self._grid_worker.is_current(generation):
                n = kernels.coarse_resolution
                xs, ys = cell_centres(*x_range, n), cell_centres(*y_range, n)
                values, gradients = kernels.grid(kernels.sliced.params, xs, ys)
                self._publish(generation, "coarse", x_range, y_range, values, gradients)
            grid = self._full_grid(generation, kernels, x_range, y_range)
            if grid is not None:
                self._publish(generation, "fine", x_range, y_range, *grid)
        except Exception as exc:  # a worker thread must never die silently
            self.error = explain_exception(exc, kernels.sliced.description)

    def _full_grid(
        self,
        generation: int,
        kernels: PlaneKernels,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The full-resolution grid in row blocks, checking between blocks whether it is still wanted."""
        n, rows = self.resolution, kernels.rows_per_block
        xs, ys = cell_centres(*x_range, n), cell_centres(*y_range, n)
        values, gradients = np.empty((n, n), np.float32), np.empty((2, n, n), np.float32)
        for start in range(0, n, rows):
            if not self._grid_worker.is_current(generation):
                return None
            block = ys[start : start + rows]
            padded = np.pad(block, (0, rows - len(block)), mode="edge")  # fixed shape: no recompile
            block_values, block_gradients = kernels.grid(kernels.sliced.params, xs, padded)
            values[start : start + len(block)] = np.asarray(block_values)[: len(block)]
            gradients[:, start : start + len(block)] = np.asarray(block_gradients)[:, : len(block)]
        return values, gradients

    def _publish(
        self,
        generation: int,
        stage: str,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        values: Any,
        gradients: Any,
    ) -> None:
        values, gradients = np.asarray(values), np.asarray(gradients)
        finite = values[np.isfinite(values)]
        with self._grid_worker.lock:
            if not self._grid_worker.is_current(generation):
                return
            self._surface = {
                "values": array_to_json(values),
                "grad": array_to_json(gradients),
                "x_range": list(x_range),
                "y_range": list(y_range),
                "stage": stage,
                "generation": generation,
                "vmin": float(finite.min()) if finite.size else None,
                "vmax": float(finite.max()) if finite.size else None,
            }

    def surface_values(self) -> np.ndarray:
        """The values of the last drawn surface, shape (resolution, resolution), row 0 at y low.

        >>> import jaxwidgets
        >>> s = jaxwidgets.LossSurface(lambda x, y: x + y, resolution=4)
        >>> s.wait_for_surface().shape
        (4, 4)
        """
        surface = self._surface
        if not surface:
            return np.empty((0, 0), np.float32)
        record = surface["values"]
        return np.frombuffer(record["view"], np.float32).reshape(record["shape"])

    def wait_for_surface(self, timeout: float = 30.0) -> np.ndarray:
        """Block until the full-resolution surface of the current view is computed; return its values."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            surface = self._surface
            current = surface.get("generation") == self._grid_worker.generation
            if current and surface.get("stage") == "fine":
                return self.surface_values()
            if self.error:
                raise FunctionError(self.error)
            time.sleep(0.005)
        raise TimeoutError(f"surface not computed within {timeout} s")

    def close(self) -> None:
        """Close the widget and stop its worker thread."""
        if hasattr(self, "_grid_worker"):  # else construction failed early
            self._grid_worker.abandon()
        super().close()

    def _describe_view(self) -> str:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        function = self._kernels.sliced.description if self._kernels else "f"
        return f"{type(self).__name__} of {function} over x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]"


def _like(value: Any, old: jax.Array) -> jax.Array:
    """``value`` as an array of ``old``'s dtype and weak type: the compiled kernels' cache key stays."""
    if old.weak_type:  # from a Python number: an array of a Python number is weak again
        return jnp.asarray(np.asarray(value, old.dtype).item())
    return jnp.asarray(value, old.dtype)


def _grid_seconds(kernels: PlaneKernels, xs: np.ndarray) -> float:
    started = time.perf_counter()
    np.asarray(kernels.grid(kernels.sliced.params, xs, xs)[0])
    return time.perf_counter() - started
