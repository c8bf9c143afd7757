"""Stream NUTS (or HMC) draws in fixed-length chunks that compile once.

``MCMC.run`` recompiles on every call, even with ``post_warmup_state``, so a widget that streams draws in
chunks drives the NumPyro kernel's own ``sample`` in a jitted ``lax.scan`` of fixed length instead. The
model arguments are array arguments of that scan: a new prior scale or observed value restarts the chains
from where they are (a fresh warm-up) without compiling anything.

The sampler is configuration only: ``init``, ``advance`` and ``restart`` take a ``SamplerState`` and return a
new one (optax style), and which columns a chunk's draws hold is a pure function of the model's site shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.infer import HMC, NUTS
from numpyro.infer.util import potential_energy

from . import numpyro_threads
from .function import FunctionError, explain_exception

# Widgets trace models in worker threads while the user's NumPyro code runs: each thread gets its own stack.
numpyro_threads.install()

# Vector sites up to this size are shown element by element ("w[0]", "w[1]", ...); larger ones are skipped.
MAX_SITE_SIZE = 16


class Chunk(NamedTuple):
    """One chunk of ``length`` steps for every chain (step-major: arrays are (length, chains, ...))."""

    draws: np.ndarray  # (length, chains, sites) the scalar quantities, constrained
    diverging: np.ndarray  # (length, chains) bool
    iteration: np.ndarray  # (length,) the iteration index of each step (warm-up first)


class SamplerState(NamedTuple):
    """Every chain's HMC state (batched on axis 0), and the state ``init`` gave them: a restart's fresh
    warm-up begins from that state's step size and mass matrix."""

    chains: Any
    start: Any

    @property
    def z(self) -> dict[str, jax.Array]:
        """Where every chain is, in the unconstrained space: site -> (chains, ...)."""
        return dict(self.chains.z)


class SiteColumns(NamedTuple):
    """The scalar quantities in a chunk's draws: column j is ``names[j]``, ``picks[j]`` its (site, index)."""

    names: tuple[str, ...]
    picks: tuple[tuple[str, int | None], ...]


class Steppers(NamedTuple):
    """The two compiled functions of a sampler: one chunk of steps, and a restart for new model arguments."""

    chunk: Callable[..., Any]
    restart: Callable[..., Any]


def site_columns(shapes: Mapping[str, tuple[int, ...]], requested: Sequence[str] | None) -> SiteColumns:
    """The columns for sites of these shapes: scalars as they are, small vectors element by element.

    >>> site_columns({"mu": (), "w": (2,), "big": (100,)}, None).names
    ('mu', 'w[0]', 'w[1]')
    """
    wanted = list(requested) if requested is not None else list(shapes)
    unknown = [name for name in wanted if name not in shapes]
    if unknown:
        raise FunctionError(f"unknown sites {unknown}; the model's sites are {sorted(shapes)}")
    picks: list[tuple[str, int | None]] = []
    for name in wanted:
        size = int(np.prod(shapes[name]))
        if shapes[name] == ():
            picks.append((name, None))
        elif size <= MAX_SITE_SIZE:
            picks.extend((name, index) for index in range(size))
    if not picks:
        raise FunctionError(f"no site small enough to show (at most {MAX_SITE_SIZE} values): {dict(shapes)}")
    names = tuple(name if index is None else f"{name}[{index}]" for name, index in picks)
    return SiteColumns(names, tuple(picks))


def as_model_argument(value: Any) -> Any:
    """Numbers and arrays become float32/int32 JAX arrays, so that new values keep their dtype (no recompile).

    >>> as_model_argument(2.0).dtype, as_model_argument([1, 2]).dtype, as_model_argument(None)
    (dtype('float32'), dtype('int32'), None)
    """
    if isinstance(value, bool) or value is None or callable(value):
        return value
    if isinstance(value, int | float | np.ndarray | jax.Array | list | tuple):
        array = np.asarray(value)
        if array.dtype.kind == "f":
            return jnp.asarray(array, jnp.float32)
        if array.dtype.kind in "iu":
            return jnp.asarray(array, jnp.int32)
    return value


def prng_key(seed: int) -> jax.Array:
    """The sampler's PRNG key for an integer seed (as ``MCMC.run(jax.random.PRNGKey(seed))`` uses)."""
    return jax.random.PRNGKey(seed)


class StreamingSampler:
    """NUTS/HMC on ``num_chains`` chains, advanced ``chunk_length`` steps per call; nothing changes after
    construction (the state is passed in and returned).

    ``model_args`` are example arguments: every call's arguments have their shapes and dtypes (new values,
    same shapes: no recompile), and ``compile`` and ``columns`` read the shapes from them.

    >>> import numpyro, numpyro.distributions as dist
    >>> def model(scale):
    ...     numpyro.sample("x", dist.Normal(0.0, scale))
    >>> sampler = StreamingSampler(model, (1.0,), {}, num_chains=2, num_warmup=10, chunk_length=5)
    >>> state = sampler.init(jax.random.PRNGKey(0), (1.0,))
    >>> state, chunk = sampler.advance(state, (1.0,))
    >>> chunk.draws.shape, sampler.columns(state).names
    ((5, 2, 1), ('x',))
    """

    def __init__(
        self,
        model: Callable[..., Any],
        model_args: tuple[Any, ...],
        model_kwargs: dict[str, Any],
        *,
        num_chains: int,
        num_warmup: int,
        chunk_length: int,
        sites: Sequence[str] | None = None,
        algorithm: str = "NUTS",
        init_strategy: Callable[..., Any] | None = None,
    ) -> None:
        if algorithm not in ("NUTS", "HMC"):
            raise ValueError(f"algorithm must be 'NUTS' or 'HMC', got {algorithm!r}")
        self.model, self.model_args, self.model_kwargs = model, tuple(model_args), dict(model_kwargs)
        self.num_chains, self.num_warmup, self.chunk_length = num_chains, num_warmup, chunk_length
        self.sites = None if sites is None else tuple(sites)
        # Initialised chain by chain, so its sample step is the unbatched one: chains are stepped one after
        # the other (lax.map), not vmapped, because a vmapped NUTS step runs every chain for as long as the
        # longest tree of any of them (seed model, 2 chains: sampling took 31 s vmapped, 15 s mapped).
        options = {} if init_strategy is None else {"init_strategy": init_strategy}
        self.kernel = (NUTS if algorithm == "NUTS" else HMC)(model, **options)
        self.jitted = Steppers(jax.jit(self._chunk), jax.jit(self._restart))

    def init(self, key: jax.Array, model_args: tuple[Any, ...]) -> SamplerState:
        """Initial state of every chain; traces the model, so bad models fail here with a readable reason."""
        keys = jax.random.split(key, self.num_chains)
        try:
            chains = [self.kernel.init(k, self.num_warmup, None, model_args, self.model_kwargs) for k in keys]
            state = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *chains)
        except Exception as exc:
            raise FunctionError(_model_message(exc)) from exc
        if not state.z:
            raise FunctionError("the model has no latent sites to sample (every sample site is observed)")
        return SamplerState(chains=state, start=state)

    def columns(self, state: SamplerState) -> SiteColumns:
        """The columns of the draws (after ``init``): unknown or too large sites fail here, readably."""
        one_chain = jax.tree_util.tree_map(lambda leaf: leaf[0], state.chains.z)
        constrained = self.kernel.postprocess_fn(self.model_args, self.model_kwargs)(one_chain)
        return site_columns({name: np.shape(value) for name, value in constrained.items()}, self.sites)

    def compile(self, state: SamplerState) -> Steppers:
        """The chunk and the restart compiled ahead of time for arguments shaped like ``model_args``, so that
        sampling starts without a pause and never compiles again."""
        chunk: Any = self.jitted.chunk  # jax.jit's wrappers, whose lower() mypy does not know
        restart: Any = self.jitted.restart
        return Steppers(
            chunk.lower(state.chains, self.model_args).compile(),
            restart.lower(state.start, state.chains, self.model_args).compile(),
        )

    def advance(
        self, state: SamplerState, model_args: tuple[Any, ...], steppers: Steppers | None = None
    ) -> tuple[SamplerState, Chunk]:
        """Take ``chunk_length`` steps on every chain (with ``steppers`` from ``compile``: no compile)."""
        chunk = (steppers or self.jitted).chunk
        chains, (draws, diverging, iteration) = chunk(state.chains, model_args)
        return state._replace(chains=chains), Chunk(
            np.asarray(draws), np.asarray(diverging), np.asarray(iteration)
        )

    def restart(
        self, state: SamplerState, model_args: tuple[Any, ...], steppers: Steppers | None = None
    ) -> SamplerState:
        """Chains where they are, with a fresh warm-up, for new model arguments."""
        restart = (steppers or self.jitted).restart
        return state._replace(chains=restart(state.start, state.chains, model_args))

    def _chunk(self, chains: Any, model_args: tuple[Any, ...]) -> tuple[Any, Any]:
        constrain = self.kernel.postprocess_fn(model_args, self.model_kwargs)

        def step(current: Any, _: None) -> tuple[Any, tuple[jax.Array, jax.Array, jax.Array]]:
            iteration = current.i
            current = self.kernel.sample(current, model_args, self.model_kwargs)
            return current, (self._flatten(constrain(current.z)), current.diverging, iteration)

        def chain(chain_state: Any) -> tuple[Any, Any]:
            return jax.lax.scan(step, chain_state, None, length=self.chunk_length)

        chains, (draws, diverging, iteration) = jax.lax.map(chain, chains)
        # (chains, length, ...) -> step-major (length, chains, ...), as Chunk documents.
        return chains, (jnp.swapaxes(draws, 0, 1), jnp.swapaxes(diverging, 0, 1), iteration[0])

    def _flatten(self, values: dict[str, jax.Array]) -> jax.Array:
        """One chain's scalar quantities as a float32 row, in the order of ``site_columns``."""
        picks = site_columns({name: value.shape for name, value in values.items()}, self.sites).picks
        columns = [values[name] if at is None else values[name].reshape(-1)[at] for name, at in picks]
        return jnp.stack(columns, axis=-1).astype(jnp.float32)

    def _restart(self, start: Any, chains: Any, model_args: tuple[Any, ...]) -> Any:
        def energy(z: Any) -> Any:  # a scalar jax.Array
            return potential_energy(self.model, model_args, self.model_kwargs, z)

        value, gradient = jax.vmap(jax.value_and_grad(energy))(chains.z)
        return start._replace(
            z=chains.z, z_grad=gradient, potential_energy=value, energy=value, rng_key=chains.rng_key
        )


def _model_message(exc: BaseException) -> str:
    text = str(exc)
    if "Cannot find valid initial parameters" in text:
        return (
            "the model's log density is NaN or infinite at every initial point tried: check the priors' "
            "supports, the observed data (NaN?) and parameters such as scales that must be positive"
        )
    return explain_exception(exc, "the model")
