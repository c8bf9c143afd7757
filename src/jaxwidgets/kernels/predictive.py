"""What the Posterior widget draws besides the draws: predictive curves of recent draws, and the exact log
density of a two-parameter model on a grid under the pair plot (no widget here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np

# The density grid under the pair plot: this many points per side.
DENSITY_RESOLUTION = 120


class CurveKernel(NamedTuple):
    """``curves(draws, x) -> (num_curves, len(x))``: ``curve(draw, x)`` for each of the draws, jitted."""

    num_curves: int
    curves: Callable[[Mapping[str, Any], Any], Any]


def make_curve_kernel(curve: Any, curve_x: Any, count: int) -> CurveKernel | None:
    """The predictive curve kernel (None without a curve); the arguments are checked here.

    >>> kernel = make_curve_kernel(lambda draw, x: draw["a"] * x, [0.0, 1.0], 2)
    >>> np.asarray(kernel.curves({"a": np.array([1.0, 2.0])}, np.array([0.0, 1.0]))).tolist()
    [[0.0, 1.0], [0.0, 2.0]]
    """
    if curve is None:
        return None
    if not callable(curve) or curve_x is None:
        raise TypeError("curve must be a function curve(draw, x) -> y, given together with curve_x")
    if not 1 <= count <= 500:
        raise ValueError(f"num_curves must be between 1 and 500, got {count}")
    return CurveKernel(count, jax.jit(jax.vmap(curve, in_axes=(0, None))))


class DensityGrid:
    """The log density of a model with exactly two scalar latent sites, ``sites`` = (x site, y site), at
    ``DENSITY_RESOLUTION``² points: values only (no gradients), one row of points at a time.

    Compiled on the first ``values`` call, or ahead of time by ``compile`` for model arguments shaped like the
    chains' (the Posterior compiles it beside the chunk, not between two chunks of a run).

    >>> import numpyro, numpyro.distributions as dist
    >>> def model():
    ...     numpyro.sample("a", dist.Normal(0.0, 1.0)); numpyro.sample("b", dist.Normal(0.0, 1.0))
    >>> density = make_density_grid(model, {}, {"a": (), "b": ()}, ["a", "b"])
    >>> density.compile(())
    >>> values = density.values((), [(-1.0, 1.0), (-1.0, 1.0)])
    >>> values.shape, bool(values[60, 60] > values[0, 0])
    ((120, 120), True)
    """

    def __init__(self, sites: tuple[str, str], log_p: Callable[[Any, jax.Array, jax.Array], Any]) -> None:
        self.sites = sites

        def grid(model_args: Any, xs: jax.Array, ys: jax.Array) -> Any:  # (ny, nx) jax.Array
            row = jax.vmap(log_p, in_axes=(None, 0, None))
            return jax.lax.map(lambda y: row(model_args, xs, y), ys)

        self._jitted: Any = jax.jit(grid)  # a jax.jit wrapper: mypy knows no lower()
        self._compiled: Any = None

    def compile(self, model_args: tuple[Any, ...]) -> None:
        """Compile for model arguments shaped like these (later calls must match them: no recompile)."""
        axis = jax.ShapeDtypeStruct((DENSITY_RESOLUTION,), np.float32)  # type: ignore[no-untyped-call]
        self._compiled = self._jitted.lower(model_args, axis, axis).compile()

    def values(self, model_args: tuple[Any, ...], ranges: Sequence[tuple[float, float]]) -> np.ndarray:
        """The log density over the ranges (x, y), shaped (ny, nx), NaN where not finite."""
        xs, ys = (np.linspace(*r, DENSITY_RESOLUTION, dtype=np.float32) for r in ranges)
        values = np.asarray((self._compiled or self._jitted)(model_args, xs, ys))
        return np.where(np.isfinite(values), values, np.nan)


def make_density_grid(
    model: Callable[..., Any],
    model_kwargs: dict[str, Any],
    latent: Mapping[str, tuple[int, ...]],
    shown: Sequence[str],
) -> DensityGrid | None:
    """For a model whose latent sites (name -> shape) are exactly two scalars: its log density on a grid.

    The sites are in the order ``shown`` lists them (sorted by name when not both are shown). None for
    any other model.
    """
    if len(latent) != 2 or any(shape != () for shape in latent.values()):
        return None
    from numpyro.infer.util import log_density

    names = sorted(latent, key=list(shown).index) if set(latent) <= set(shown) else sorted(latent)
    x_site, y_site = names

    def log_p(model_args: Any, x: jax.Array, y: jax.Array) -> Any:  # a scalar jax.Array
        return log_density(model, model_args, model_kwargs, {x_site: x, y_site: y})[0]

    return DensityGrid((x_site, y_site), log_p)
