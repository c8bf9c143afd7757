"""LossSurface: a JAX function of two variables as a heatmap with contours and a draggable probe."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import Reply, RequestError, finite_number, handles
from ._plane import PlaneWidget
from ._static_plane import surface_snapshot
from .kernels import ProbeResult, SlicedFunction, make_probe_kernel


class LossSurface(PlaneWidget):
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

    Notes
    -----
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
    show_hessian = traitlets.Bool(False, help="Draw the Hessian's principal directions.").tag(sync=True)

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
        super().__init__(f, x, y, params=params, axes=axes, resolution=resolution, **kwargs)
        self.probe = probe if probe is not None else _centre(self.x_range, self.y_range)
        self._take_compiled(f)  # draws the first surface and probe (observer)

    def _compile_extra(self, sliced: SlicedFunction) -> Any:
        probe = make_probe_kernel(sliced.f)
        np.asarray(probe(sliced.params, np.zeros(2, np.float32)))
        return probe

    def _on_hold(self) -> None:
        self._send_probe()  # the value at the probe changed with the fixed leaves

    @traitlets.observe("f")
    def _on_f(self, change: Any) -> None:
        self._send_probe()
        super()._on_f(change)

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
        packed = np.asarray(kernels.extra(kernels.sliced.params, np.array([x, y], np.float32)))
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

    def _snapshot_html(self) -> str:
        return surface_snapshot(self)

    def _static_state(self, **options: Any) -> dict[str, Any]:
        return {}  # the page's probe reads the saved grids (js/lib/static_responder.ts)

    def __repr__(self) -> str:
        (px, py), (dx, dy) = self.probe, self.gradient
        at = f"probe ({px:.4g}, {py:.4g}): f = {self.value:.6g}, grad f = ({dx:.4g}, {dy:.4g})"
        text = f"{self._describe_view()}; {at}"
        return f"{text}; error: {self.error}" if self.error else text


def _centre(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[float, float]:
    return ((x_range[0] + x_range[1]) / 2, (y_range[0] + y_range[1]) / 2)
