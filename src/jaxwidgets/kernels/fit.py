"""Fitting kernels: a loss over a pytree of scalar parameters, its gradient, a curve and its sensitivities,
and a BFGS run (optax's L-BFGS with a zoom line search) that records every iterate with fixed shapes.

The parameters travel as one float32 vector (``ParamLayout`` flattens and rebuilds the pytree); the data
and the points a curve is drawn at are arguments, never constants, so nothing recompiles while dragging.
A fixed parameter is held by ``jnp.where(free, theta, start)``: its gradient is zero, so no step moves it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .function import leaf_names

TreeLoss = Callable[[Any, Any], jax.Array]  # (params pytree, data) -> scalar
TreeCurve = Callable[[Any, jax.Array], jax.Array]  # (params pytree, points) -> values at the points


class ParamLayout(NamedTuple):
    """How a pytree of scalars maps to a vector: leaf names in flattening order and the tree's structure."""

    names: tuple[str, ...]
    treedef: Any

    @classmethod
    def of(cls, params: Any) -> ParamLayout:
        """The layout of ``params``; ValueError unless every leaf is a finite real scalar.

        >>> ParamLayout.of({"mu": 0.0, "sigma": 1.0}).names
        ('mu', 'sigma')
        """
        leaves, treedef = jax.tree_util.tree_flatten(params)
        names = tuple(leaf_names(params))
        if not leaves:
            raise ValueError("params must hold at least one scalar parameter")
        for name, leaf in zip(names, leaves, strict=True):
            if np.shape(leaf) != ():
                raise ValueError(
                    f"parameter {name!r} has shape {np.shape(leaf)}; every parameter must be a scalar"
                )
            if not np.isfinite(np.asarray(leaf, dtype=np.float64)):
                raise ValueError(f"parameter {name!r} must be a finite number, got {leaf!r}")
        return cls(names, treedef)

    def vector(self, params: Any) -> np.ndarray:
        """The parameters as a float32 vector, in ``names`` order."""
        leaves, treedef = jax.tree_util.tree_flatten(params)
        if treedef != self.treedef:
            raise ValueError(f"params must have the structure {self.treedef}, got {treedef}")
        return np.asarray([float(np.asarray(leaf)) for leaf in leaves], np.float32)

    def tree(self, vector: Any) -> Any:
        """The pytree of ``vector``'s entries (JAX scalars inside kernels, floats outside)."""
        if isinstance(vector, np.ndarray):
            return jax.tree_util.tree_unflatten(self.treedef, [float(v) for v in vector])
        return jax.tree_util.tree_unflatten(self.treedef, [vector[i] for i in range(len(self.names))])


class Evaluation(NamedTuple):
    """The loss, its gradient and the curve at one parameter vector."""

    loss: jax.Array  # ()
    gradient: jax.Array  # (P,)
    curve: jax.Array  # (N,) at the drawing points
    sensitivities: jax.Array  # (P, C): d curve / d theta_i at the curve's C drawing points


class FitPath(NamedTuple):
    """A BFGS run: iterate k is ``thetas[k]`` (k = 0 the start); after ``steps`` the rows repeat the last."""

    thetas: jax.Array  # (max_steps + 1, P)
    losses: jax.Array  # (max_steps + 1,)
    curves: jax.Array  # (max_steps + 1, N)
    steps: jax.Array  # () int32: iterations taken


class FitKernels(NamedTuple):
    """The jitted kernels of one fitting problem (compile them with ``warm_up`` before the first drag)."""

    evaluate: Callable[..., Evaluation]  # (theta, data, points)
    value_and_grad: Callable[..., tuple[jax.Array, jax.Array]]  # (theta, data)
    fit: Callable[..., FitPath]  # (start, free mask, data, points)


def make_fit_kernels(
    layout: ParamLayout,
    loss: TreeLoss,
    curve: TreeCurve,
    max_steps: int = 100,
    curve_points: int | None = None,
) -> FitKernels:
    """Kernels for ``loss(params, data)`` and ``curve(params, points)`` over the parameter vector.
    Sensitivities are taken at the first ``curve_points`` points only (all by default): the drawn curve.

    >>> layout = ParamLayout.of({"m": 0.0})
    >>> squares = lambda p, y: jnp.sum((y - p["m"]) ** 2)
    >>> kernels = make_fit_kernels(layout, squares, lambda p, x: p["m"] + 0 * x)
    >>> path = kernels.fit(jnp.zeros(1), jnp.ones(1, bool), jnp.array([1.0, 3.0]), jnp.zeros(2))
    >>> round(float(path.thetas[int(path.steps), 0]), 4)
    2.0
    """

    def loss_of(theta: jax.Array, data: Any) -> jax.Array:
        return jnp.asarray(loss(layout.tree(theta), data), jnp.float32)

    def curve_of(theta: jax.Array, points: jax.Array) -> jax.Array:
        return jnp.broadcast_to(jnp.asarray(curve(layout.tree(theta), points), jnp.float32), points.shape)

    def at_one_point(theta: jax.Array, point: jax.Array) -> jax.Array:
        return curve_of(theta, point[None])[0]

    value_and_grad = jax.value_and_grad(loss_of)

    def evaluate(theta: jax.Array, data: Any, points: jax.Array) -> Evaluation:
        value, gradient = value_and_grad(theta, data)
        drawn = points[:curve_points]  # a static slice: the curve, not the data points after it
        sensitivities = jax.vmap(jax.grad(at_one_point), in_axes=(None, 0))(theta, drawn)
        return Evaluation(value, gradient, curve_of(theta, points), sensitivities.T)

    def fit(start: jax.Array, free: jax.Array, data: Any, points: jax.Array) -> FitPath:
        return _bfgs_path(
            lambda theta: loss_of(jnp.where(free, theta, start), data), start, max_steps, points, curve_of
        )

    return FitKernels(jax.jit(evaluate), jax.jit(value_and_grad), jax.jit(fit))


def _bfgs_path(
    objective: Callable[[jax.Array], jax.Array],
    start: jax.Array,
    max_steps: int,
    points: jax.Array,
    curve_of: Callable[[jax.Array, jax.Array], jax.Array],
) -> FitPath:
    """L-BFGS for ``max_steps`` scan steps; once converged the iterate stays put (fixed shapes throughout)."""
    optimizer = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(objective)

    def step(carry: tuple[jax.Array, Any, jax.Array], _: None) -> tuple[Any, tuple[jax.Array, jax.Array]]:
        theta, state, done = carry
        value, gradient = value_and_grad(theta, state=state)
        updates, new_state = optimizer.update(
            gradient, state, theta, value=value, grad=gradient, value_fn=objective
        )
        new_theta = optax.apply_updates(theta, updates)
        new_value = objective(new_theta)
        progress = value - new_value
        converged = (jnp.max(jnp.abs(gradient)) <= 1e-6 * jnp.maximum(1.0, jnp.abs(value))) | (
            progress <= 1e-7 * jnp.maximum(1.0, jnp.abs(value))
        )
        bad = ~jnp.isfinite(new_value) | (new_value > value)
        keep = done | bad
        theta_out = jnp.where(keep, theta, new_theta)
        state_out = jax.tree_util.tree_map(lambda old, new: jnp.where(keep, old, new), state, new_state)
        return (theta_out, state_out, done | converged | bad), (theta_out, done)

    start = jnp.asarray(start, jnp.float32)
    carry = (start, optimizer.init(start), jnp.asarray(False))
    _, (thetas, done) = jax.lax.scan(step, carry, None, length=max_steps)
    thetas = jnp.concatenate([start[None], thetas])
    steps = jnp.sum(~done).astype(jnp.int32)  # a step that found convergence still moved: counted
    losses = jax.vmap(objective)(thetas)
    curves = jax.vmap(curve_of, in_axes=(0, None))(thetas, points)
    return FitPath(thetas, losses, curves, steps)


def warm_up(kernels: FitKernels, theta: np.ndarray, data: Any, points: Any) -> Evaluation:
    """Compile the drag path's kernels now (their first calls), so the first drag compiles nothing."""
    evaluation = kernels.evaluate(theta, data, points)
    np.asarray(evaluation.loss)  # waits for the result
    np.asarray(kernels.value_and_grad(theta, data)[0])
    return evaluation


def warm_up_fit(kernels: FitKernels, theta: np.ndarray, data: Any, points: Any) -> None:
    """Compile the Fit kernel now (its first call), so the first Fit compiles nothing."""
    np.asarray(kernels.fit(theta, np.ones(theta.shape, bool), data, points).steps)


def scipy_bfgs(
    value_and_grad: Callable[..., tuple[jax.Array, jax.Array]], start: np.ndarray, free: np.ndarray, data: Any
) -> tuple[np.ndarray, float, int]:
    """scipy.optimize.minimize(method="BFGS") over the free parameters with the exact gradient, for
    comparison: the best vector, its loss and scipy's iteration count."""
    from scipy.optimize import minimize  # here, on first use: its import adds about 40 MB and 1 s

    def free_value_and_grad(z: np.ndarray) -> tuple[float, np.ndarray]:
        theta = start.copy()
        theta[free] = z
        value, gradient = value_and_grad(theta.astype(np.float32), data)
        return float(value), np.asarray(gradient, np.float64)[free]

    found = minimize(free_value_and_grad, start[free].astype(np.float64), jac=True, method="BFGS")
    theta = start.astype(np.float64)
    theta[free] = found.x
    return theta, float(found.fun), int(found.nit)
