"""Monte Carlo pi with an explicit PRNG key, drawn in fixed-size blocks so the sample count is data.

Block ``b`` holds points ``b * BLOCK .. (b + 1) * BLOCK - 1`` and draws them with
``jax.random.uniform(jax.random.fold_in(key, b), (2, BLOCK))`` (row 0 the x, row 1 the y coordinates).
The kernel loops over as many blocks as ``n`` needs and masks the tail, so every ``n`` from 1 to
``MAX_SAMPLES`` runs the same compiled program: dragging the sample count never recompiles.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

BLOCK = 65_536
MAX_SAMPLES = 10_000_000
SHOWN = 2_000
"""Points sent to the page: the first ``min(n, SHOWN)``, a uniform random subset of the n drawn."""
CHECKPOINTS = 64
"""Sample counts, log-spaced from 1 to n, at which the running estimate is reported."""


class PiEstimate(NamedTuple):
    """What one draw gives: the count inside the quarter circle, the running estimate, the shown points."""

    inside: jax.Array  # int32[]: points with x^2 + y^2 < 1 among the n drawn
    checkpoints: jax.Array  # int32[CHECKPOINTS]: sample counts, log-spaced, the last one n
    running: jax.Array  # float32[CHECKPOINTS]: 4 * inside / count at each checkpoint
    points: jax.Array  # float32[SHOWN, 2]: the first SHOWN points (rows past n are not drawn)
    shown_inside: jax.Array  # bool[SHOWN]: whether each shown point is inside


def block_points(key: jax.Array, block: jax.Array | int) -> jax.Array:
    """The ``(BLOCK, 2)`` points of block ``block`` drawn from ``key``.

    >>> block_points(jax.random.key(0), 0).shape
    (65536, 2)
    """
    return jax.random.uniform(jax.random.fold_in(key, block), (2, BLOCK)).T


def checkpoint_counts(n: jax.Array) -> jax.Array:
    """CHECKPOINTS sample counts from 1 to ``n``, log-spaced, rounded, ending exactly at ``n``."""
    fractions = jnp.linspace(0.0, 1.0, CHECKPOINTS)
    counts = jnp.round(jnp.exp(fractions * jnp.log(n.astype(jnp.float32)))).astype(jnp.int32)
    return jnp.clip(counts, 1, n).at[-1].set(n)


@jax.jit
def estimate_pi(key: jax.Array, n: jax.Array) -> PiEstimate:
    """Estimate pi as 4 * inside / n from ``n`` uniform points in the unit square (``n`` is data).

    >>> result = estimate_pi(jax.random.key(0), jnp.int32(100_000))
    >>> bool(abs(4 * int(result.inside) / 100_000 - 3.1416) < 0.05)
    True
    """
    n = jnp.asarray(n, jnp.int32)
    checkpoints = checkpoint_counts(n)
    blocks = (n + BLOCK - 1) // BLOCK

    def add_block(b: jax.Array, prefix: jax.Array) -> jax.Array:
        # prefix[j]: points inside among the first checkpoints[j] (and, last, among all n).
        points = block_points(key, b)
        inside = (points[:, 0] ** 2 + points[:, 1] ** 2 < 1).astype(jnp.int32)
        taken = jnp.clip(jnp.append(checkpoints, n) - b * BLOCK, 0, BLOCK)

        def partial_counts(inside: jax.Array) -> jax.Array:  # a checkpoint falls inside this block
            cumulative = jnp.cumsum(inside)
            return jnp.where(taken > 0, cumulative[jnp.maximum(taken - 1, 0)], 0)

        def whole_block(inside: jax.Array) -> jax.Array:  # every count takes all of it or none
            return jnp.where(taken > 0, jnp.sum(inside), 0)

        split = jnp.any((taken > 0) & (taken < BLOCK))  # most blocks of a large n: no cumsum needed
        counts: jax.Array = jax.lax.cond(split, partial_counts, whole_block, inside)
        return prefix + counts

    prefix = jax.lax.fori_loop(0, blocks, add_block, jnp.zeros(CHECKPOINTS + 1, jnp.int32))
    first = block_points(key, 0)[:SHOWN]
    return PiEstimate(
        inside=prefix[-1],
        checkpoints=checkpoints,
        running=4.0 * prefix[:-1] / checkpoints,
        points=first,
        shown_inside=first[:, 0] ** 2 + first[:, 1] ** 2 < 1,
    )


def split_path(root: jax.Array, path: tuple[int, ...]) -> jax.Array:
    """The key at ``path`` in the split tree: each step splits the key in two and takes that child.

    >>> key = split_path(jax.random.key(0), (1,))
    >>> bool((jax.random.key_data(key) == jax.random.key_data(jax.random.split(jax.random.key(0))[1])).all())
    True
    """
    key = root
    for child in path:
        key = jax.random.split(key)[child]
    return key
