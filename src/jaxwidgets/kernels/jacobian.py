"""Pure JAX kernels behind Jacobian: a map of the plane, its Jacobian at a point, and the image of a grid.

The user's ``f(x, y) -> (u, v)`` or ``f(p) -> p'`` (p of length 2) becomes ``g(p) -> float32[2]``. The point
kernel returns g(p), J = jacfwd(g)(p) and the image of a circle of radius r around p in one flat array; the
grid kernel maps the lines of a grid over the input view. Both are compiled for fixed shapes before the
first drag.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .function import FunctionError, explain_exception

PlaneMap = Callable[[jax.Array], jax.Array]

CIRCLE_POINTS = 64
GRID_LINES = 11
GRID_SAMPLES = 81


class MappedFunction(NamedTuple):
    """The user's map as ``g(p) -> float32[2]``, and how it was called (for messages)."""

    g: PlaneMap
    description: str


def _positional_arity(f: Callable[..., Any]) -> int | None:
    """How many positional arguments f requires, or None when it cannot be told (builtins, *args)."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in positional and p.default is p.empty)


def _as_vector(out: Any) -> jax.Array:
    if isinstance(out, tuple | list):
        return jnp.stack([jnp.asarray(part) for part in out])
    return jnp.asarray(out)


def plane_map(f: Callable[..., Any]) -> MappedFunction:
    """Adapt ``f(x, y) -> (u, v)`` or ``f(p) -> p'`` to ``g(p) -> float32[2]``; FunctionError if f is not
    a map from R^2 to R^2.

    >>> mapped = plane_map(lambda x, y: (x * y, x + y))
    >>> np.asarray(mapped.g(jnp.array([2.0, 3.0]))).tolist()
    [6.0, 5.0]
    >>> plane_map(lambda x, y: x * y)
    Traceback (most recent call last):
    ...
    jaxwidgets.kernels.function.FunctionError: f(x, y) must return two numbers (u, v) ...
    """
    if not callable(f):
        raise TypeError(f"f must be a callable mapping R^2 to R^2, not {type(f).__name__}")
    arity = _positional_arity(f)
    candidates = {
        2: MappedFunction(lambda p: _as_vector(f(p[0], p[1])), "f(x, y)"),
        1: MappedFunction(lambda p: _as_vector(f(p)), "f(p)"),
    }
    order = [candidates[arity]] if arity in candidates else [candidates[2], candidates[1]]
    failure: BaseException | None = None
    for mapped in order:
        try:
            out = jax.eval_shape(mapped.g, jax.ShapeDtypeStruct((2,), jnp.float32))  # type: ignore[no-untyped-call]
        except TypeError as exc:  # called with the wrong number of arguments: try the other convention
            failure = failure or exc
            continue
        except Exception as exc:
            raise FunctionError(explain_exception(exc, mapped.description)) from exc
        _check_pair(out, mapped.description)
        return MappedFunction(_in_float32(mapped.g), mapped.description)
    assert failure is not None
    raise FunctionError(explain_exception(failure, order[0].description))


def _in_float32(g: PlaneMap) -> PlaneMap:
    def in_float32(p: jax.Array) -> jax.Array:
        return g(p).astype(jnp.float32)

    return in_float32


def _check_pair(out: Any, description: str) -> None:
    shape, dtype = getattr(out, "shape", None), getattr(out, "dtype", None)
    if shape != (2,):
        got = "a scalar" if shape == () else f"shape {shape}"
        raise FunctionError(
            f"{description} must return two numbers (u, v) or an array of shape (2,): a map from R^2 to "
            f"R^2, but it returned {got}. For a scalar function use LossSurface or Derivative"
        )
    if dtype is None or not jnp.issubdtype(dtype, jnp.floating):
        raise FunctionError(
            f"{description} returned {dtype} values; return floats (write 1.0 rather than 1) so it can be "
            "differentiated"
        )


class PointResult(NamedTuple):
    """What the point kernel computed at p: f(p), J and the circle's true image (CIRCLE_POINTS x 2)."""

    value: tuple[float, float]
    jacobian: np.ndarray
    circle: np.ndarray

    @classmethod
    def unpack(cls, packed: np.ndarray) -> PointResult:
        value = (float(packed[0]), float(packed[1]))
        return cls(value, np.asarray(packed[2:6], np.float64).reshape(2, 2), packed[6:].reshape(-1, 2))


def circle_offsets(n: int = CIRCLE_POINTS) -> np.ndarray:
    """n points on the unit circle, closed by the page (float32, shape (n, 2)).

    >>> np.abs(circle_offsets(4).round(6)).tolist()
    [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    """
    angles = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def make_point_kernel(g: PlaneMap) -> Callable[[Any, Any], jax.Array]:
    """``point(p, radius) -> float32[6 + 2 * CIRCLE_POINTS]``: g(p), J row by row, then the images of the
    circle's points p + radius * (cos t, sin t).

    >>> point = make_point_kernel(lambda p: jnp.stack([p[0] ** 2, p[0] * p[1]]))
    >>> np.asarray(point(jnp.array([2.0, 3.0]), 0.1))[:6].tolist()
    [4.0, 6.0, 4.0, 0.0, 3.0, 2.0]
    """
    jacobian = jax.jacfwd(g)
    offsets = jnp.asarray(circle_offsets())

    def point(p: jax.Array, radius: jax.Array) -> jax.Array:
        p = jnp.asarray(p, jnp.float32)
        circle = jax.vmap(g)(p + jnp.asarray(radius, jnp.float32) * offsets)
        return jnp.concatenate([g(p), jacobian(p).ravel(), circle.ravel()]).astype(jnp.float32)

    return jax.jit(point)


def grid_lines(
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    lines: int = GRID_LINES,
    samples: int = GRID_SAMPLES,
) -> np.ndarray:
    """The input grid: ``lines`` vertical then ``lines`` horizontal lines of ``samples`` points each,
    shape (2 * lines, samples, 2), float32.

    >>> grid_lines((0, 1), (0, 2), lines=2, samples=2).tolist()[0]
    [[0.0, 0.0], [0.0, 2.0]]
    """
    at_x, along_y = np.linspace(*x_range, lines), np.linspace(*y_range, samples)
    at_y, along_x = np.linspace(*y_range, lines), np.linspace(*x_range, samples)
    vertical = np.stack(np.broadcast_arrays(at_x[:, None], along_y[None, :]), axis=-1)
    horizontal = np.stack(np.broadcast_arrays(along_x[None, :], at_y[:, None]), axis=-1)
    return np.concatenate([vertical, horizontal]).astype(np.float32)


def make_grid_kernel(g: PlaneMap) -> Callable[[Any], jax.Array]:
    """``grid(points[..., 2]) -> images[..., 2]``: g at every point of the grid lines.

    >>> grid = make_grid_kernel(lambda p: 2 * p)
    >>> np.asarray(grid(grid_lines((0, 1), (0, 1), 2, 2)))[1].tolist()
    [[2.0, 0.0], [2.0, 2.0]]
    """

    def grid(points: jax.Array) -> jax.Array:
        points = jnp.asarray(points, jnp.float32)
        flat = jax.vmap(g)(points.reshape(-1, 2))
        return flat.reshape(points.shape).astype(jnp.float32)

    return jax.jit(grid)


def linear_summary(jacobian: np.ndarray) -> tuple[float, tuple[float, float]]:
    """The determinant (area scale; its sign is the orientation) and the singular values of a 2x2 J.

    >>> determinant, singular = linear_summary(np.array([[2.0, 0.0], [0.0, -3.0]]))
    >>> determinant, np.round(singular, 12).tolist()
    (-6.0, [3.0, 2.0])
    """
    (a, b), (c, d) = np.asarray(jacobian, np.float64)
    determinant = float(a * d - b * c)  # exact for 2x2, where np.linalg.det goes through LU
    if not np.all(np.isfinite(jacobian)):
        return determinant, (float("nan"), float("nan"))
    s = np.linalg.svd(jacobian, compute_uv=False)
    return determinant, (float(s[0]), float(s[1]))
