"""Pure JAX kernels behind Derivative: f, f' and f'' at a point, f over a view, and finite differences.

Each kernel is built once per function and compiled for fixed shapes before the first drag; the point and
the view are array arguments, so dragging, zooming and panning never recompile.

Finite differences are computed twice, in float32 (the user's precision) and in float64, the float64 run
with x64 enabled only around that call (``jax.enable_x64`` is a thread-local context): the user's session
stays in float32. Both are compared with ``grad f`` evaluated in float64 at the same (float32) point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .function import SlicedFunction, check_scalar_output

ScalarFunction = Callable[[Any], Any]

# h from 1e-1 down to 1e-12, five steps per decade: the truncation slope, the minimum and the round-off rise.
FD_STEPS = np.logspace(-1, -12, 56)
FD_METHODS = ("forward", "central")
FD_DTYPES = ("float32", "float64")
CURVE_POINTS = 401


def check_scalar_function(f: ScalarFunction) -> None:
    """Raise FunctionError unless ``f(x)`` traces to a real scalar for a float32 scalar ``x``.

    >>> check_scalar_function(lambda x: jnp.stack([x, x]))
    Traceback (most recent call last):
    ...
    jaxwidgets.kernels.function.FunctionError: f(x) must return a scalar, but returned shape (2,): ...
    """
    check_scalar_output(SlicedFunction(lambda _params, x, _y: f(x), (), "f(x)"))


class PointResult(NamedTuple):
    """f, f' and f'' at a point, unpacked from the point kernel's float32[3]."""

    value: float
    slope: float
    curvature: float

    @classmethod
    def unpack(cls, packed: np.ndarray) -> PointResult:
        value, slope, curvature = (float(v) for v in packed)
        return cls(value, slope, curvature)


def make_point_kernel(f: ScalarFunction) -> Callable[[Any], jax.Array]:
    """``point(x) -> float32[3]``: f(x), f'(x) and f''(x) from ``jax.grad``, in one device-to-host copy.

    >>> point = make_point_kernel(lambda x: x**3)
    >>> np.asarray(point(np.float32(2.0))).tolist()
    [8.0, 12.0, 12.0]
    """
    first = jax.grad(f)
    second = jax.grad(first)

    def point(x: jax.Array) -> jax.Array:
        x = jnp.asarray(x, jnp.float32)
        return jnp.stack([f(x), first(x), second(x)]).astype(jnp.float32)

    return jax.jit(point)


def make_curve_kernel(f: ScalarFunction) -> Callable[[Any], jax.Array]:
    """``curve(xs) -> float32[len(xs)]``: f at every x, vectorised with ``vmap``.

    >>> curve = make_curve_kernel(lambda x: 2 * x)
    >>> np.asarray(curve(np.array([0.0, 1.5], np.float32))).tolist()
    [0.0, 3.0]
    """

    def curve(xs: jax.Array) -> jax.Array:
        values: jax.Array = jax.vmap(f)(jnp.asarray(xs, jnp.float32))
        return values.astype(jnp.float32)

    return jax.jit(curve)


def curve_points(x_range: tuple[float, float], n: int = CURVE_POINTS) -> np.ndarray:
    """The n sample points of a view, ends included, in float32.

    >>> curve_points((0.0, 1.0), 3).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.linspace(x_range[0], x_range[1], n, dtype=np.float32)


def _differences(f: ScalarFunction) -> Callable[[Any, Any], tuple[jax.Array, jax.Array, jax.Array]]:
    """``(x, steps) -> (forward, central, grad f(x))`` in the dtype of its arguments.

    The step is the nominal h: in float32 x + h rounds, and the difference it makes is the round-off error
    the lesson shows.
    """
    df = jax.grad(f)

    def differences(x: jax.Array, steps: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        at = jax.vmap(f)
        here = f(x)
        ahead, behind = at(x + steps), at(x - steps)
        return (ahead - here) / steps, (ahead - behind) / (2 * steps), df(x)

    return differences


class FiniteDifferences:
    """Forward and central differences of ``f`` at a point, in float32 and float64, against ``grad f``.

    Both precisions are compiled on construction; calling it never compiles.

    >>> fd = FiniteDifferences(jnp.sin)
    >>> errors = fd(1.0)
    >>> sorted(errors)
    [('central', 'float32'), ('central', 'float64'), ('forward', 'float32'), ('forward', 'float64')]
    >>> bool(errors["central", "float64"].min() < 1e-10 < errors["central", "float32"].min())
    True
    """

    def __init__(self, f: ScalarFunction, steps: np.ndarray = FD_STEPS) -> None:
        self.steps = np.asarray(steps, np.float64)
        self._kernel = jax.jit(_differences(f))
        self._steps32 = self.steps.astype(np.float32)
        self(0.0)  # compiles both precisions now, not on the first drag

    def __call__(self, x: float) -> dict[tuple[str, str], np.ndarray]:
        """The errors |FD(h) - f'(x)| over ``steps`` by (method, dtype); f' is grad f in float64."""
        x32 = np.float32(x)
        forward32, central32, _ = self._kernel(x32, self._steps32)
        with jax.enable_x64(True):
            forward64, central64, exact = (
                np.asarray(v, np.float64) for v in self._kernel(np.float64(x32), self.steps)
            )
        values = {
            ("forward", "float32"): np.asarray(forward32, np.float64),
            ("central", "float32"): np.asarray(central32, np.float64),
            ("forward", "float64"): forward64,
            ("central", "float64"): central64,
        }
        with np.errstate(invalid="ignore", over="ignore"):  # f undefined here: NaN errors, drawn as gaps
            return {key: np.abs(value - exact) for key, value in values.items()}


def pack_errors(errors: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
    """The errors as one array of rows in (method, dtype) order: forward32, forward64, central32, central64.

    >>> pack_errors(FiniteDifferences(jnp.sin, np.array([1e-2, 1e-3]))(0.5)).shape
    (4, 2)
    """
    return np.stack([errors[method, dtype] for method in FD_METHODS for dtype in FD_DTYPES])


def jaxpr_text(f: Callable[..., Any], x: float) -> str:
    """``str(jax.make_jaxpr(f)(x))`` for a float32 scalar x.

    >>> print(jaxpr_text(lambda x: x * 2.0, 1.0))
    { lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }
    """
    return str(jax.make_jaxpr(f)(np.float32(x)))
