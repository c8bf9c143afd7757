"""Gradient-descent trajectories of several optax optimizers from several starts, in one compiled call.

The learning rates are optax ``inject_hyperparams`` state, so they are array arguments: changing one,
moving a start, or showing fewer steps never recompiles.
Every run takes ``max_steps`` steps; the widget shows a prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.tree_util import tree_flatten_with_path
from jax.typing import ArrayLike

from .function import XYFunction

OptimizerFactory = Callable[[ArrayLike], optax.GradientTransformation]

NAMED_OPTIMIZERS: dict[str, OptimizerFactory] = {
    "sgd": lambda learning_rate: optax.sgd(learning_rate),
    "momentum": lambda learning_rate: optax.sgd(learning_rate, momentum=0.9),
    "nesterov": lambda learning_rate: optax.sgd(learning_rate, momentum=0.9, nesterov=True),
    "adagrad": lambda learning_rate: optax.adagrad(learning_rate),
    "rmsprop": lambda learning_rate: optax.rmsprop(learning_rate),
    "adam": lambda learning_rate: optax.adam(learning_rate),
}


class Optimizer(NamedTuple):
    """A named optimizer; ``follows_learning_rate`` is False for a ready-made transformation."""

    name: str
    build: OptimizerFactory
    follows_learning_rate: bool


def resolve_optimizers(
    spec: str | Sequence[str] | Mapping[str, str | optax.GradientTransformation | OptimizerFactory],
) -> list[Optimizer]:
    """Names, or a mapping of display name -> name, optax transformation, or ``lr -> transformation``.

    >>> [o.name for o in resolve_optimizers(["sgd", "adam"])]
    ['sgd', 'adam']
    >>> resolve_optimizers({"mine": optax.sgd(0.1)})[0].follows_learning_rate
    False
    """
    items = [(spec, spec)] if isinstance(spec, str) else _items(spec)
    if not items:
        raise ValueError("give at least one optimizer")
    return [_optimizer(name, value) for name, value in items]


def _items(spec: Any) -> list[tuple[str, Any]]:
    if isinstance(spec, Mapping):
        return [(str(name), value) for name, value in spec.items()]
    if isinstance(spec, Sequence):
        return [(str(value), value) for value in spec]
    raise TypeError(f"optimizers must be names or a dict of name -> optimizer, not {type(spec).__name__}")


def _optimizer(name: str, value: Any) -> Optimizer:
    if isinstance(value, str):
        if value not in NAMED_OPTIMIZERS:
            raise ValueError(f"unknown optimizer {value!r}; known ones are {', '.join(NAMED_OPTIMIZERS)}")
        return Optimizer(name, NAMED_OPTIMIZERS[value], True)
    if isinstance(value, optax.GradientTransformation):
        return Optimizer(name, lambda learning_rate: value, False)  # lr ignored
    if callable(value):
        return Optimizer(name, value, True)
    raise TypeError(f"optimizer {name!r} must be a name, an optax.GradientTransformation or lr -> one")


class Runs(NamedTuple):
    """Arrays over (start, optimizer, step): ``positions``/``losses`` have ``max_steps + 1`` steps;
    ``updates`` and ``velocities`` are the step taken from position k, and the optimizer's velocity
    (momentum trace or Adam's first moment; zero for optimizers without one) after it."""

    positions: jax.Array
    losses: jax.Array
    updates: jax.Array
    velocities: jax.Array


DescentKernel = Callable[[Any, ArrayLike, ArrayLike], Runs]


def make_descent_kernel(f: XYFunction, optimizers: Sequence[Optimizer], max_steps: int) -> DescentKernel:
    """``descent(params, starts[S, 2], learning_rates[O]) -> Runs`` for every start and optimizer.

    >>> sgd = resolve_optimizers("sgd")
    >>> runs = make_descent_kernel(lambda _, x, y: x**2 + y**2, sgd, 2)((), [[1.0, 1.0]], [0.25])
    >>> np.asarray(runs.positions[0, 0]).tolist()
    [[1.0, 1.0], [0.5, 0.5], [0.25, 0.25]]
    """

    def descend(params: Any, start: jax.Array, learning_rate: jax.Array, build: OptimizerFactory) -> Runs:
        loss_and_grad = jax.value_and_grad(lambda xy: f(params, xy[0], xy[1]))
        transformation = optax.inject_hyperparams(build)(learning_rate=learning_rate)

        def step(carry: tuple[jax.Array, Any], _: None) -> tuple[tuple[jax.Array, Any], tuple[Any, ...]]:
            xy, state = carry
            loss, gradient = loss_and_grad(xy)
            updates, state = transformation.update(gradient, state, xy)
            return (xy + updates, state), (xy, loss, updates, _velocity(state))

        final, (positions, losses, updates, velocities) = jax.lax.scan(
            step, (start, transformation.init(start)), None, length=max_steps
        )
        last = final[0]
        return Runs(
            jnp.concatenate([positions, last[None]]),
            jnp.concatenate([losses, loss_and_grad(last)[0][None]]),
            updates,
            velocities,
        )

    def descent(params: Any, starts: ArrayLike, learning_rates: ArrayLike) -> Runs:
        starts = jnp.asarray(starts, jnp.float32)
        rates = jnp.asarray(learning_rates, jnp.float32)
        per_optimizer = [
            jax.vmap(descend, in_axes=(None, 0, None, None))(params, starts, rates[i], optimizer.build)
            for i, optimizer in enumerate(optimizers)
        ]
        stacked = zip(*per_optimizer, strict=True)
        return Runs(*(jnp.stack(arrays, axis=1).astype(jnp.float32) for arrays in stacked))

    return jax.jit(descent)


def _velocity(state: Any) -> jax.Array:
    """The optimizer's running direction, found by name in its state (momentum ``trace``, Adam ``mu``)."""
    for path, leaf in tree_flatten_with_path(state)[0]:
        name = getattr(path[-1], "name", getattr(path[-1], "key", ""))
        if name in ("trace", "mu") and jnp.shape(leaf) == (2,):
            return jnp.asarray(leaf, jnp.float32)
    return jnp.zeros(2, jnp.float32)


def divergence_step(
    positions: np.ndarray, losses: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float]
) -> int | None:
    """The first step at which a run left the view or reached NaN/inf, or None if it never did.

    >>> divergence_step(np.array([[0, 0], [1, 1], [9, 9.0]]), np.zeros(3), (-2, 2), (-2, 2))
    2
    """
    x, y = positions[:, 0], positions[:, 1]
    inside = (x >= x_range[0]) & (x <= x_range[1]) & (y >= y_range[0]) & (y <= y_range[1])
    bad = ~(np.isfinite(losses) & np.isfinite(positions).all(axis=-1) & inside)
    return int(np.argmax(bad)) if bad.any() else None
