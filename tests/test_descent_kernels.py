"""Descent kernels against plain Python loops over the same optax transformations."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxwidgets.kernels import count_compiles, slice_function
from jaxwidgets.kernels.descent import (
    NAMED_OPTIMIZERS,
    divergence_step,
    make_descent_kernel,
    resolve_optimizers,
)

from .conftest import seed_surface


def plain_loop(transformation, start, steps):
    """Reference: the textbook optax loop, one step at a time, no jit, no scan."""
    of_xy = lambda v: seed_surface(v[0], v[1])  # noqa: E731
    xy, state, positions = jnp.asarray(start, jnp.float32), transformation.init(start), []
    for _ in range(steps):
        positions.append(np.asarray(xy))
        updates, state = transformation.update(jax.grad(of_xy)(xy), state, xy)
        xy = optax.apply_updates(xy, updates)
    positions.append(np.asarray(xy))
    return np.stack(positions)


@pytest.mark.parametrize("name", sorted(NAMED_OPTIMIZERS))
def test_every_named_optimizer_matches_a_plain_optax_loop(name):
    sliced = slice_function(seed_surface)
    kernel = make_descent_kernel(sliced.f, resolve_optimizers([name]), 60)
    starts = np.array([[0.1, -0.1], [-1.2, 0.7]], np.float32)
    runs = kernel(sliced.params, starts, np.array([0.02], np.float32))
    for index, start in enumerate(starts):
        expected = plain_loop(NAMED_OPTIMIZERS[name](0.02), jnp.asarray(start), 60)
        np.testing.assert_allclose(runs.positions[index, 0], expected, rtol=2e-4, atol=2e-5)
    assert runs.positions.shape == (2, 1, 61, 2) and runs.losses.shape == (2, 1, 61)


def test_user_transformation_is_used_as_given():
    sliced = slice_function(seed_surface)
    mine = optax.chain(optax.clip(0.05), optax.sgd(0.5))
    kernel = make_descent_kernel(sliced.f, resolve_optimizers({"clipped": mine}), 30)
    runs = kernel(sliced.params, np.array([[1.5, -1.0]], np.float32), np.array([123.0], np.float32))
    np.testing.assert_allclose(runs.positions[0, 0], plain_loop(mine, jnp.array([1.5, -1.0]), 30), rtol=1e-5)


def test_momentum_velocity_and_updates_are_recorded():
    sliced = slice_function(seed_surface)
    runs = make_descent_kernel(sliced.f, resolve_optimizers(["momentum", "sgd"]), 5)(
        sliced.params, np.array([[0.5, 0.5]], np.float32), np.array([0.01, 0.01], np.float32)
    )
    positions, updates = np.asarray(runs.positions[0]), np.asarray(runs.updates[0])
    np.testing.assert_allclose(positions[:, 1:] - positions[:, :-1], updates, atol=1e-6)
    gradient = np.array([4 * 0.5 - 4 * 0.5, -4 * 0.5 + 4 * 0.5**3])
    np.testing.assert_allclose(runs.velocities[0, 0, 0], gradient, atol=1e-6)  # trace after one step
    assert not np.asarray(runs.velocities[0, 1]).any()  # plain SGD has no velocity


def test_new_starts_and_learning_rates_do_not_recompile():
    sliced = slice_function(seed_surface)
    kernel = make_descent_kernel(sliced.f, resolve_optimizers(["sgd", "adam", "rmsprop"]), 200)
    starts, rates = np.zeros((3, 2), np.float32), np.full(3, 0.01, np.float32)
    kernel(sliced.params, starts, rates)
    with count_compiles() as compiles:
        for step in range(100):
            starts[0] = (np.sin(step), np.cos(step))
            rates[:] = 10 ** (-3 + step / 50)
            np.asarray(kernel(sliced.params, starts, rates).positions)
    assert compiles.count == 0


def test_a_too_large_learning_rate_is_reported_as_divergence_at_the_right_step():
    sliced = slice_function(lambda x, y: x**2 + y**2)
    runs = make_descent_kernel(sliced.f, resolve_optimizers("sgd"), 20)(
        sliced.params, np.array([[0.5, 0.0]], np.float32), np.array([1.5], np.float32)
    )
    positions = np.asarray(runs.positions[0, 0])  # x_k = 0.5 * (-2)^k: leaves [-2, 2] at k = 3
    assert divergence_step(positions, np.asarray(runs.losses[0, 0]), (-2, 2), (-2, 2)) == 3
    assert divergence_step(positions[:3], np.zeros(3), (-2, 2), (-2, 2)) is None
    assert divergence_step(np.array([[0, 0], [np.nan, 0]]), np.array([0, np.nan]), (-1, 1), (-1, 1)) == 1


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        ("adamw2", ValueError, "unknown optimizer 'adamw2'"),
        ([], ValueError, "at least one"),
        (3, TypeError, "must be names"),
        ({"x": 3}, TypeError, "must be a name"),
    ],
)
def test_bad_optimizer_specs_are_rejected(spec, error, message):
    with pytest.raises(error, match=message):
        resolve_optimizers(spec)
