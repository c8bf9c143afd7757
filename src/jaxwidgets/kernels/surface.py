"""Pure JAX kernels behind LossSurface: the probe (value, gradient, Hessian) and the grid of a view.

Both are built once per function and compiled for fixed shapes; the view (grid coordinates) and the probe
position are array arguments, so dragging, zooming and panning never recompile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import jaxprs_in_params
from jax.typing import ArrayLike

from .function import XYFunction

ProbeKernel = Callable[[Any, ArrayLike], jax.Array]
GridKernel = Callable[[Any, ArrayLike, ArrayLike], tuple[jax.Array, jax.Array]]


class ProbeResult(NamedTuple):
    """Everything the probe shows, unpacked from the kernel's flat float32[6]."""

    value: float
    gradient: tuple[float, float]
    hessian: tuple[tuple[float, float], tuple[float, float]]

    @classmethod
    def unpack(cls, packed: np.ndarray) -> ProbeResult:
        value, dx, dy, hxx, hxy, hyy = (float(v) for v in packed)
        return cls(value, (dx, dy), ((hxx, hxy), (hxy, hyy)))


def make_probe_kernel(f: XYFunction) -> ProbeKernel:
    """``probe(params, xy) -> float32[6]``: value, df/dx, df/dy, d2f/dx2, d2f/dxdy, d2f/dy2.

    One flat array so that a probe costs one device-to-host copy.

    >>> probe = make_probe_kernel(lambda _, x, y: x**2 * y)
    >>> np.asarray(probe((), jnp.array([1.0, 2.0]))).tolist()
    [2.0, 4.0, 1.0, 4.0, 2.0, 0.0]
    """

    def of_point(params: Any, xy: jax.Array) -> jax.Array:
        return f(params, xy[0], xy[1])

    def probe(params: Any, xy: jax.Array) -> jax.Array:
        xy = xy.astype(jnp.float32)
        value, gradient = jax.value_and_grad(of_point, argnums=1)(params, xy)
        hessian = jax.hessian(of_point, argnums=1)(params, xy)
        packed = jnp.stack([value, gradient[0], gradient[1], hessian[0, 0], hessian[0, 1], hessian[1, 1]])
        return packed.astype(jnp.float32)

    return jax.jit(probe)


# The most bytes of intermediates the grid computes at once: a cheap f is vmapped over the whole grid (which
# compiles in a third of the time a loop over rows takes), an f that sums over data runs a few rows at a time.
GRID_BATCH_BYTES = 64 * 2**20


def make_grid_kernel(f: XYFunction, batch_bytes: int = GRID_BATCH_BYTES) -> GridKernel:
    """``grid(params, xs, ys) -> (values[ny, nx], gradients[2, ny, nx])`` at every (xs[i], ys[j]).

    Rows are vectorised, and as many rows are computed at once as keep f's intermediates within
    ``batch_bytes`` (estimated from f's trace at one point): all of them for a cheap f, one at a time
    (``lax.map``) when f sums over many data points.

    >>> grid = make_grid_kernel(lambda _, x, y: x + 10 * y)
    >>> values, gradients = grid((), jnp.array([0.0, 1.0]), jnp.array([0.0, 1.0, 2.0]))
    >>> np.asarray(values).tolist(), np.asarray(gradients)[:, 0, 0].tolist()
    ([[0.0, 1.0], [10.0, 11.0], [20.0, 21.0]], [1.0, 10.0])
    """
    value_and_grad = jax.value_and_grad(f, argnums=(1, 2))

    def row(params: Any, xs: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
        at_x = jax.vmap(value_and_grad, in_axes=(None, 0, None))
        values, (dx, dy) = at_x(params, xs, y)
        return values, jnp.stack([dx, dy])

    def grid(params: Any, xs: jax.Array, ys: jax.Array) -> tuple[jax.Array, jax.Array]:
        xs, ys = xs.astype(jnp.float32), ys.astype(jnp.float32)
        rows = max(1, batch_bytes // max(1, point_bytes(value_and_grad, params) * xs.shape[0]))

        def of_row(y: jax.Array) -> tuple[jax.Array, jax.Array]:
            return row(params, xs, y)

        if rows >= ys.shape[0]:
            values, gradients = jax.vmap(of_row)(ys)
        else:
            values, gradients = jax.lax.map(of_row, ys, batch_size=rows if rows > 1 else None)
        return values.astype(jnp.float32), jnp.moveaxis(gradients, 1, 0).astype(jnp.float32)

    return jax.jit(grid)


def point_bytes(fn: Callable[..., Any], params: Any) -> int:
    """Bytes of all the values ``fn(params, x, y)`` computes at one scalar point: an upper bound of what a
    vmapped evaluation holds per point (XLA fuses most of them away).

    >>> point_bytes(lambda _, x, y: jnp.sum(jnp.arange(100.0) * x) + y, ())
    808
    """

    def abstract(leaf: Any) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(jnp.shape(leaf), jnp.result_type(leaf))  # type: ignore[no-untyped-call]

    scalar = jax.ShapeDtypeStruct((), jnp.float32)  # type: ignore[no-untyped-call]
    closed = jax.make_jaxpr(fn)(jax.tree_util.tree_map(abstract, params), scalar, scalar)
    return _jaxpr_bytes(closed.jaxpr)


def _jaxpr_bytes(jaxpr: Any) -> int:
    total = 0
    for eqn in jaxpr.eqns:
        total += sum(int(np.prod(v.aval.shape)) * v.aval.dtype.itemsize for v in eqn.outvars)
        total += sum(_jaxpr_bytes(inner) for inner in jaxprs_in_params(eqn.params))
    return total


def cell_centres(low: float, high: float, count: int) -> np.ndarray:
    """The ``count`` sample positions of a view: the centres of equal cells (numpy, so no compile).

    >>> cell_centres(0.0, 1.0, 4).tolist()
    [0.125, 0.375, 0.625, 0.875]
    """
    step = (high - low) / count
    return (low + step * (np.arange(count) + 0.5)).astype(np.float32)
