"""LossSurface: a JAX function of two variables as a heatmap with contours and a draggable probe."""

from __future__ import annotations

import math
import pathlib
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import traitlets

from ._arrays import array_to_json, pack_arrays
from ._base import (
    JaxWidget,
    Reply,
    RequestError,
    check_range,
    finite_number,
    finite_range,
    handles,
)
from ._worker import NewestJobWorker
from .kernels import (
    FunctionError,
    ProbeResult,
    SlicedFunction,
    cell_centres,
    check_scalar_output,
    explain_exception,
    make_grid_kernel,
    make_probe_kernel,
    slice_function,
)

# A grid slower than this is drawn coarse first, then refined block by block (cancellable).
_SLOW_GRID_SECONDS = 0.03
_MAX_RESOLUTION = 1000


class _Kernels(NamedTuple):
    """Everything compiled for one function; swapped as a whole when ``f`` changes."""

    sliced: SlicedFunction
    probe: Callable[..., Any]
    grid: Callable[..., Any]
    rows_per_block: int
    coarse_resolution: int | None


class _GridJob(NamedTuple):
    """A surface to compute: the kernels of the function and the view they were asked for."""

    kernels: _Kernels
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


class LossSurface(JaxWidget):
    """A live heatmap of ``f`` with contour lines and a probe showing the value, gradient and curvature.

    Parameters
    ----------
    f : callable
        ``f(x, y) -> scalar`` written with ``jax.numpy``; or ``f(params) -> scalar`` together with
        ``params=`` (a pytree) and ``axes=(name_x, name_y)`` naming the two scalar leaves to vary.
    x, y : (float, float)
        The initial view. Wheel zooms, dragging the background pans, "Reset view" comes back here.
    resolution : int, default 200
        The surface is sampled on a ``resolution x resolution`` grid (2 to 1000).
    probe : (float, float), optional
        Where the probe starts; the centre of the view by default.

    Traits (all documented on the class): ``probe``, ``value``, ``gradient``, ``hessian``, ``x_range``,
    ``y_range``, ``log_scale``, ``show_hessian``, ``title``, ``x_label``, ``y_label``, ``error``.

    Examples
    --------
    >>> import jaxwidgets
    >>> surface = jaxwidgets.LossSurface(
    ...     lambda x, y: 2 * x**2 - 4 * x * y + y**4 + 2, x=(-2, 2), y=(-2, 2), resolution=50
    ... )
    >>> surface.probe = (1.0, 1.0)
    >>> surface.value, surface.gradient
    (1.0, (0.0, 0.0))
    """

    _esm = pathlib.Path(__file__).parent / "static" / "surface.js"
    f = traitlets.Any(help="The function drawn; assign a new one to redraw (errors go to `error`).")
    x_range = _Range().tag(sync=True)
    y_range = _Range().tag(sync=True)
    resolution = traitlets.Int(200, read_only=True, help="Grid size per axis.").tag(sync=True)
    probe = traitlets.Tuple(
        traitlets.Float(),
        traitlets.Float(),
        default_value=(0.0, 0.0),
        help="Probe position (x, y).",
    ).tag(sync=True, echo_update=False)
    value = traitlets.Float(math.nan, read_only=True, help="f at the probe.")
    gradient = traitlets.Tuple(
        traitlets.Float(),
        traitlets.Float(),
        default_value=(math.nan, math.nan),
        read_only=True,
        help="(df/dx, df/dy) at the probe.",
    )
    hessian = traitlets.Tuple(
        default_value=((math.nan, math.nan), (math.nan, math.nan)),
        read_only=True,
        help="((fxx, fxy), (fxy, fyy)) at the probe.",
    )
    log_scale = traitlets.Bool(False, help="Colour by log(f - min).").tag(sync=True)
    show_hessian = traitlets.Bool(False, help="Draw the Hessian's principal directions.").tag(sync=True)
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
        probe: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> None:
        self._params, self._axes = params, axes
        self._grid_worker: NewestJobWorker[_GridJob] = NewestJobWorker("surface", self._compute_surface)
        self._kernels: _Kernels | None = None
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
        self.probe = probe if probe is not None else _centre(self.x_range, self.y_range)
        self.set_trait("f", f)  # draws the first surface (observer)

    # ---- the function -------------------------------------------------------------------------

    @traitlets.validate("f")
    def _validate_f(self, proposal: Any) -> Any:
        f = proposal["value"]
        if not callable(f):
            raise traitlets.TraitError(f"f must be callable, got {type(f).__name__}")
        if self._kernels is None:
            return f  # construction: compiled by __init__
        try:
            kernels = self._compile(f)
        except (FunctionError, TypeError, ValueError) as exc:
            self.error = str(exc)  # keep the last good function and picture
            return self.f
        self._kernels = kernels
        self.error = ""
        return f

    @traitlets.observe("f")
    def _on_f(self, _change: Any) -> None:
        self._send_probe()
        self._request_surface()

    def _compile(self, f: Callable[..., Any]) -> _Kernels:
        """Trace, compile and time the kernels once, before any drag."""
        sliced = slice_function(f, self._params, self._axes)
        check_scalar_output(sliced)
        probe, grid = make_probe_kernel(sliced.f), make_grid_kernel(sliced.f)
        n = self.resolution
        xs = cell_centres(*self.x_range, n)
        try:  # the first calls compile; errors in f surface here, readable
            np.asarray(probe(sliced.params, np.zeros(2, np.float32)))
            np.asarray(grid(sliced.params, xs, xs)[0])
        except Exception as exc:
            raise FunctionError(explain_exception(exc, sliced.description)) from exc
        kernels = _Kernels(sliced, probe, grid, n, None)
        if _grid_seconds(kernels, xs) > _SLOW_GRID_SECONDS:
            kernels = self._compile_slow_path(kernels, xs)
        return kernels

    def _compile_slow_path(self, kernels: _Kernels, xs: np.ndarray) -> _Kernels:
        """For expensive functions: a coarse grid first, then the full one in cancellable row blocks."""
        n = self.resolution
        coarse = max(2, min(n, 48))
        rows = max(1, n // 8)
        coarse_xs = cell_centres(*self.x_range, coarse)
        np.asarray(kernels.grid(kernels.sliced.params, coarse_xs, coarse_xs)[0])
        np.asarray(kernels.grid(kernels.sliced.params, xs, xs[:rows])[0])
        return kernels._replace(rows_per_block=rows, coarse_resolution=coarse)

    # ---- the probe ----------------------------------------------------------------------------

    @traitlets.validate("probe")
    def _validate_probe(self, proposal: Any) -> tuple[float, float]:
        x, y = proposal["value"]
        if not (math.isfinite(x) and math.isfinite(y)):
            raise traitlets.TraitError(f"probe must be finite, got {(x, y)!r}")
        return (x, y)

    @traitlets.observe("probe")
    def _on_probe(self, _change: Any) -> None:
        if self._kernels is not None and not self._set_by_page("probe"):
            self._send_probe()

    @handles("probe")
    def _handle_probe(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is True:  # the page asks where the probe is (on render): Python's value wins
            return self._evaluate_probe()
        x, y = finite_number(content, "x"), finite_number(content, "y")
        with self._from_page("probe", probe=(x, y)):
            self.probe = (x, y)
        return self._evaluate_probe()

    def _evaluate_probe(self) -> Reply:
        """Run the compiled probe kernel at ``probe``; update the read-only traits; build the reply."""
        kernels = self._kernels
        if kernels is None:
            raise RequestError("the function is not compiled yet")
        x, y = self.probe
        packed = np.asarray(kernels.probe(kernels.sliced.params, np.array([x, y], np.float32)))
        result = ProbeResult.unpack(packed)
        self.set_trait("value", result.value)
        self.set_trait("gradient", result.gradient)
        self.set_trait("hessian", result.hessian)
        records, buffers = pack_arrays(result=packed)
        return {"x": x, "y": y, **records}, buffers

    def _send_probe(self) -> None:
        """Push a probe change made in Python (from any thread) to every view."""
        with self._request_lock:
            extra, buffers = self._evaluate_probe()
            self._push("probe", extra, buffers)

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
        kernels: _Kernels,
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

    def __repr__(self) -> str:
        (x0, x1), (y0, y1), (px, py) = self.x_range, self.y_range, self.probe
        dx, dy = self.gradient or (math.nan, math.nan)
        text = (
            f"{type(self).__name__} of {self._kernels.sliced.description if self._kernels else 'f'} over "
            f"x in [{x0:g}, {x1:g}], y in [{y0:g}, {y1:g}]; probe ({px:.4g}, {py:.4g}): "
            f"f = {self.value:.6g}, grad f = ({dx:.4g}, {dy:.4g})"
        )
        return f"{text}; error: {self.error}" if self.error else text


def _centre(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[float, float]:
    return ((x_range[0] + x_range[1]) / 2, (y_range[0] + y_range[1]) / 2)


def _grid_seconds(kernels: _Kernels, xs: np.ndarray) -> float:
    started = time.perf_counter()
    np.asarray(kernels.grid(kernels.sliced.params, xs, xs)[0])
    return time.perf_counter() - started
