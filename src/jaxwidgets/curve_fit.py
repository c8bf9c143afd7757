"""CurveFit: drag a model's parameters over the data, with chi^2 and its gradient live and an animated Fit."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import numpy.typing as npt

from ._arrays import array_to_json
from ._fit import FitWidget
from ._static_lessons import curve_fit_snapshot
from .kernels import FunctionError, explain_exception
from .kernels.fit import ParamLayout

# The curve is drawn at this many points; at most this many data points are drawn (the loss uses them all).
CURVE_POINTS = 400
MAX_DRAWN_POINTS = 1500

Model = Callable[[Any, jax.Array], jax.Array]


class CurveFit(FitWidget):
    """Data with error bars, a model curve you drag by its parameters, the residuals, chi^2 and its gradient.

    Parameters
    ----------
    model : callable
        ``model(params, x) -> y_hat`` written with ``jax.numpy``, elementwise in ``x``.
    x, y : array_like
        The data (1-D, same length). Large sets are thinned for drawing; the loss uses every point.
    params : pytree of scalars
        The starting parameters (a dict is the common case).
    yerr : float or array_like, optional
        Standard errors of ``y`` (default 1). chi^2 = sum(((y - model(params, x)) / yerr) ** 2).
    loss : callable, optional
        ``loss(y_hat, y, yerr) -> scalar`` in place of chi^2.
    ranges : {name: (low, high)}, optional
        Slider ranges; by default the start ± max(abs(start), 1).
    fixed : list of names
        Parameters a Fit leaves alone (the page's Fix toggles).
    handles : {label: (x parameter, y parameter)}
        Handles drawn on the plot at (params[x], params[y]); dragging one moves both, e.g. a peak's position
        and height: ``{"peak 1": ("x0", "a0")}``.

    Notes
    -----
    Python reads ``params`` (settable), ``loss``, ``gradient`` (same pytree), ``fit()``, ``fit_path`` and
    ``fit_report``; ``loss_surface((a, b))`` gives a LossSurface linked to the parameters.

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np, jaxwidgets
    >>> x = np.linspace(0, 1, 50)
    >>> fit = jaxwidgets.CurveFit(lambda p, x: p["a"] * x + p["b"], x, 2 * x + 1, {"a": 0.0, "b": 0.0})
    >>> result = fit.fit()
    >>> [round(v, 3) for v in (result.params["a"], result.params["b"])]
    [2.0, 1.0]
    """

    _esm = pathlib.Path(__file__).parent / "static" / "curve_fit.js"

    def __init__(
        self,
        model: Model,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        params: Any,
        *,
        yerr: npt.ArrayLike | None = None,
        loss: Callable[[jax.Array, jax.Array, jax.Array], jax.Array] | None = None,
        ranges: Mapping[str, Sequence[float]] | None = None,
        fixed: Sequence[str] = (),
        handles: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(model):
            raise TypeError(f"model must be a callable model(params, x), not {type(model).__name__}")
        xs, ys, errors = _check_data(x, y, yerr)
        super().__init__(**kwargs)
        self.set_trait("loss_name", "chi²" if loss is None else "loss")
        ParamLayout.of(params)  # every leaf a finite scalar, before the model sees them
        _check_model_shape(model, params, xs)
        measure = loss if loss is not None else _chi2

        def tree_loss(p: Any, data: tuple[jax.Array, jax.Array, jax.Array]) -> jax.Array:
            x_data, y_data, y_errors = data
            return measure(model(p, x_data), y_data, y_errors)

        drawn = _drawn_indices(xs)
        grid = np.linspace(xs.min(), xs.max(), CURVE_POINTS, dtype=np.float32)
        points = np.concatenate([grid, xs[drawn]])  # the curve, then the model at the drawn data points
        data = (jnp.asarray(xs), jnp.asarray(ys), jnp.asarray(errors))
        self._setup(
            params,
            tree_loss,
            model,
            data,
            points,
            curve_points=len(grid),
            ranges=ranges,
            fixed=fixed,
            handles=handles,
            description="model",
        )
        self.set_trait("_plot", _plot_state(grid, xs[drawn], ys[drawn], errors[drawn]))

    def _snapshot_html(self) -> str:
        return curve_fit_snapshot(self)

    def __repr__(self) -> str:
        return self._describe()


def _chi2(y_hat: jax.Array, y: jax.Array, yerr: jax.Array) -> jax.Array:
    return jnp.sum(((y - y_hat) / yerr) ** 2)


def _check_data(
    x: npt.ArrayLike, y: npt.ArrayLike, yerr: npt.ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys = np.asarray(x, np.float32), np.asarray(y, np.float32)
    if xs.ndim != 1 or ys.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays, got shapes {xs.shape} and {ys.shape}")
    if xs.size == 0:
        raise ValueError("x and y are empty: give at least one data point")
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same length, got {xs.size} and {ys.size}")
    if yerr is not None and np.shape(yerr) not in ((), xs.shape):
        raise ValueError(f"yerr must be a number or have the shape of y {xs.shape}, got {np.shape(yerr)}")
    errors = np.broadcast_to(np.asarray(1.0 if yerr is None else yerr, np.float32), xs.shape).copy()
    for name, values in (("x", xs), ("y", ys), ("yerr", errors)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} holds NaN or infinite values")
    if np.any(errors <= 0):
        raise ValueError("yerr must be positive")
    return xs, ys, errors


def _check_model_shape(model: Model, params: Any, xs: np.ndarray) -> None:
    try:
        out = jax.eval_shape(model, params, jax.ShapeDtypeStruct(xs.shape, jnp.float32))  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise FunctionError(explain_exception(exc, "model")) from exc
    if getattr(out, "shape", None) != xs.shape:
        raise FunctionError(
            f"model(params, x) must return one value per x, shape {xs.shape}, "
            f"but returned {getattr(out, 'shape', type(out).__name__)}"
        )


def _drawn_indices(xs: np.ndarray) -> np.ndarray:
    """At most MAX_DRAWN_POINTS data points, evenly spaced in x order (the drawing only)."""
    order: np.ndarray = np.argsort(xs, kind="stable")
    if xs.size <= MAX_DRAWN_POINTS:
        return order
    drawn: np.ndarray = order[np.linspace(0, xs.size - 1, MAX_DRAWN_POINTS).astype(int)]
    return drawn


def _plot_state(grid: np.ndarray, x: np.ndarray, y: np.ndarray, yerr: np.ndarray) -> dict[str, Any]:
    low, high = float(np.min(y - yerr)), float(np.max(y + yerr))
    pad = 0.05 * (high - low or 1.0)
    return {
        "x": array_to_json(x),
        "y": array_to_json(y),
        "yerr": array_to_json(yerr),
        "curve_points": len(grid),
        "x_range": [float(grid[0]), float(grid[-1])]
        if grid[-1] > grid[0]
        else [float(grid[0]) - 1, float(grid[0]) + 1],
        "y_range": [low - pad, high + pad],
    }
