"""DensityFit: a density's parameters dragged over a histogram of samples, the negative log-likelihood and
its gradient live, an animated Fit, and the maximum-likelihood answer marked."""

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
from ._static_lessons import density_fit_snapshot
from .kernels import FunctionError, explain_exception
from .kernels.fit import ParamLayout

CURVE_POINTS = 400
MAX_BINS = 80

LogPdf = Callable[[Any, jax.Array], jax.Array]


class DensityFit(FitWidget):
    """A histogram of samples, the density ``exp(logpdf(params, x))`` over it, and NLL = -sum logpdf.

    Parameters
    ----------
    logpdf : callable
        ``logpdf(params, x) -> scalar``: the log density of ONE point ``x``, written with ``jax.numpy``.
    data : array_like
        The samples (1-D).
    params : pytree of scalars
        The starting parameters, e.g. ``{"mu": 0.0, "log_sigma": 0.0}``.
    mle : pytree of scalars, optional
        A known maximum-likelihood answer (e.g. the sample mean and standard deviation), drawn dashed and
        listed beside the Fit's result.
    ranges, fixed, handles
        As for :class:`CurveFit`.

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np, jaxwidgets
    >>> samples = np.random.default_rng(0).normal(1.0, 2.0, size=500)
    >>> def logpdf(p, x):
    ...     return -0.5 * ((x - p["mu"]) / jnp.exp(p["log_sigma"])) ** 2 - p["log_sigma"] - 0.9189385
    >>> fit = jaxwidgets.DensityFit(logpdf, samples, {"mu": 0.0, "log_sigma": 0.0})
    >>> best = fit.fit().params
    >>> sigma = np.exp(best["log_sigma"])
    >>> bool(abs(best["mu"] - samples.mean()) < 1e-3), bool(abs(sigma - samples.std()) < 1e-3)
    (True, True)
    """

    _esm = pathlib.Path(__file__).parent / "static" / "density_fit.js"

    def __init__(
        self,
        logpdf: LogPdf,
        data: npt.ArrayLike,
        params: Any,
        *,
        mle: Any = None,
        ranges: Mapping[str, Sequence[float]] | None = None,
        fixed: Sequence[str] = (),
        handles: Mapping[str, Sequence[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(logpdf):
            raise TypeError(f"logpdf must be a callable logpdf(params, x), not {type(logpdf).__name__}")
        samples = _check_samples(data)
        kwargs.setdefault("y_label", "density")
        super().__init__(**kwargs)
        self.set_trait("loss_name", "NLL")
        ParamLayout.of(params)  # every leaf a finite scalar, before the model sees them
        _check_scalar_logpdf(logpdf, params)

        def each(p: Any, xs: jax.Array) -> jax.Array:
            return jax.vmap(lambda point: logpdf(p, point))(xs)

        def nll(p: Any, xs: jax.Array) -> jax.Array:
            return -jnp.sum(each(p, xs))

        def density(p: Any, xs: jax.Array) -> jax.Array:
            return jnp.exp(each(p, xs))

        low, high = float(samples.min()), float(samples.max())
        pad = 0.1 * (high - low or 1.0)
        grid = np.linspace(low - pad, high + pad, CURVE_POINTS, dtype=np.float32)
        self._setup(
            params,
            nll,
            density,
            jnp.asarray(samples),
            grid,
            curve_points=len(grid),
            ranges=ranges,
            fixed=fixed,
            handles=handles,
            description="logpdf",
        )
        reference = None
        if mle is not None:
            reference = (self._layout.vector(mle), np.asarray(density(mle, jnp.asarray(grid))))
        self.set_trait("_plot", _plot_state(samples, grid, reference))

    def _snapshot_html(self) -> str:
        return density_fit_snapshot(self)

    def __repr__(self) -> str:
        return self._describe()


def _check_samples(data: npt.ArrayLike) -> np.ndarray:
    samples = np.asarray(data, np.float32)
    if samples.ndim != 1:
        raise ValueError(f"data must be a 1-D array of samples, got shape {samples.shape}")
    if samples.size == 0:
        raise ValueError("data is empty: give at least one sample")
    if not np.all(np.isfinite(samples)):
        raise ValueError("data holds NaN or infinite values")
    return samples


def _check_scalar_logpdf(logpdf: LogPdf, params: Any) -> None:
    try:
        out = jax.eval_shape(logpdf, params, jax.ShapeDtypeStruct((), jnp.float32))  # type: ignore[no-untyped-call]
    except Exception as exc:
        raise FunctionError(explain_exception(exc, "logpdf")) from exc
    if getattr(out, "shape", None) != ():
        raise FunctionError(
            "logpdf(params, x) must return the log density of one point x (a scalar), "
            f"but returned shape {getattr(out, 'shape', type(out).__name__)}"
        )


def _plot_state(
    samples: np.ndarray, grid: np.ndarray, reference: tuple[np.ndarray, np.ndarray] | None
) -> dict[str, Any]:
    bins = min(MAX_BINS, len(np.histogram_bin_edges(samples, bins="auto")) - 1)
    counts, edges = np.histogram(samples, bins=max(bins, 1), density=True)
    state: dict[str, Any] = {
        "edges": array_to_json(edges),
        "counts": array_to_json(counts),
        "curve_points": len(grid),
        "x_range": [float(grid[0]), float(grid[-1])],
        "y_range": [0.0, 1.25 * float(counts.max())],
    }
    if reference is not None:
        state["reference"] = {"values": reference[0].tolist(), "curve": array_to_json(reference[1])}
    return state
