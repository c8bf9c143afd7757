"""Stream NUTS (or HMC) draws in fixed-length chunks that compile once.

``MCMC.run`` recompiles on every call, even with ``post_warmup_state``, so a widget that streams draws in
chunks drives the NumPyro kernel's own ``sample`` in a jitted ``lax.scan`` of fixed length instead. The
model arguments are array arguments of that scan: a new prior scale or observed value restarts the chains
from where they are (a fresh warm-up) without compiling anything.
"""

from __future__ import annotations

from collections.abc import Callable
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


class StreamingSampler:
    """NUTS/HMC on ``num_chains`` vectorised chains, advanced ``chunk_length`` steps per call.

    >>> import numpyro, numpyro.distributions as dist
    >>> def model(scale):
    ...     numpyro.sample("x", dist.Normal(0.0, scale))
    >>> sampler = StreamingSampler(model, (1.0,), {}, num_chains=2, num_warmup=10, chunk_length=5)
    >>> state = sampler.init(jax.random.PRNGKey(0), (1.0,))
    >>> state, chunk = sampler.advance(state, (1.0,))
    >>> chunk.draws.shape, sampler.site_names
    ((5, 2, 1), ['x'])
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
        sites: list[str] | None = None,
        algorithm: str = "NUTS",
        init_strategy: Callable[..., Any] | None = None,
    ) -> None:
        if algorithm not in ("NUTS", "HMC"):
            raise ValueError(f"algorithm must be 'NUTS' or 'HMC', got {algorithm!r}")
        self.model, self.model_kwargs = model, model_kwargs
        self.num_chains, self.num_warmup, self.chunk_length = num_chains, num_warmup, chunk_length
        # Initialised chain by chain, so its sample step is the unbatched one: chains are stepped one after
        # the other (lax.map), not vmapped, because a vmapped NUTS step runs every chain for as long as the
        # longest tree of any of them (seed model, 2 chains: sampling took 31 s vmapped, 15 s mapped).
        options = {} if init_strategy is None else {"init_strategy": init_strategy}
        self.kernel = (NUTS if algorithm == "NUTS" else HMC)(model, **options)
        self._first_state: Any = None
        self._requested_sites = sites
        self.site_names: list[str] = []
        self._columns: list[tuple[str, int | None]] = []
        self._advance: Any = jax.jit(self._advance_impl)  # replaced by its compiled form by compile()
        self._restart: Any = jax.jit(self._restart_impl)

    # ---- set-up -----------------------------------------------------------------------------

    def init(self, key: jax.Array, model_args: tuple[Any, ...]) -> Any:
        """Initial state of every chain; traces the model, so bad models fail here with a readable reason."""
        keys = jax.random.split(key, self.num_chains)
        try:
            chains = [self.kernel.init(k, self.num_warmup, None, model_args, self.model_kwargs) for k in keys]
            state = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *chains)
        except Exception as exc:
            raise FunctionError(_model_message(exc)) from exc
        if not state.z:
            raise FunctionError("the model has no latent sites to sample (every sample site is observed)")
        self._first_state = state
        self._choose_columns(state, model_args)
        return state

    def _choose_columns(self, state: Any, model_args: tuple[Any, ...]) -> None:
        one_chain = jax.tree_util.tree_map(lambda leaf: leaf[0], state.z)
        shapes = {
            name: np.shape(value)
            for name, value in self.kernel.postprocess_fn(model_args, self.model_kwargs)(one_chain).items()
        }
        wanted = self._requested_sites if self._requested_sites is not None else list(shapes)
        unknown = [name for name in wanted if name not in shapes]
        if unknown:
            raise FunctionError(f"unknown sites {unknown}; the model's sites are {sorted(shapes)}")
        for name in wanted:
            size = int(np.prod(shapes[name]))
            if shapes[name] == ():
                self._columns.append((name, None))
            elif size <= MAX_SITE_SIZE:
                self._columns.extend((name, index) for index in range(size))
        self.site_names = [name if index is None else f"{name}[{index}]" for name, index in self._columns]
        if not self.site_names:
            raise FunctionError(f"no site small enough to show (at most {MAX_SITE_SIZE} values): {shapes}")

    # ---- the compiled chunk and restart -----------------------------------------------------

    def compile(self, state: Any, model_args: tuple[Any, ...]) -> None:
        """Compile the chunk and the restart ahead of time, so that sampling starts without a pause."""
        self._advance = self._advance.lower(state, model_args).compile()
        self._restart = self._restart.lower(self._first_state, state, model_args).compile()

    def advance(self, state: Any, model_args: tuple[Any, ...]) -> tuple[Any, Chunk]:
        """Take ``chunk_length`` steps on every chain; one compile for the sampler's lifetime."""
        state, (draws, diverging, iteration) = self._advance(state, model_args)
        return state, Chunk(np.asarray(draws), np.asarray(diverging), np.asarray(iteration))

    def restart(self, state: Any, model_args: tuple[Any, ...]) -> Any:
        """Chains where they are, with a fresh warm-up, for new model arguments (compiled, no recompile)."""
        return self._restart(self._first_state, state, model_args)

    def _advance_impl(self, state: Any, model_args: tuple[Any, ...]) -> tuple[Any, Any]:
        constrain = self.kernel.postprocess_fn(model_args, self.model_kwargs)

        def step(current: Any, _: None) -> tuple[Any, tuple[jax.Array, jax.Array, jax.Array]]:
            iteration = current.i
            current = self.kernel.sample(current, model_args, self.model_kwargs)
            return current, (self._flatten(constrain(current.z)), current.diverging, iteration)

        def chain(chain_state: Any) -> tuple[Any, Any]:
            return jax.lax.scan(step, chain_state, None, length=self.chunk_length)

        state, (draws, diverging, iteration) = jax.lax.map(chain, state)
        # (chains, length, ...) -> step-major (length, chains, ...), as Chunk documents.
        return state, (jnp.swapaxes(draws, 0, 1), jnp.swapaxes(diverging, 0, 1), iteration[0])

    def _flatten(self, values: dict[str, jax.Array]) -> jax.Array:
        """One chain's scalar quantities as a float32 row, in the order of ``site_names``."""
        columns = [
            values[name] if index is None else values[name].reshape(-1)[index]
            for name, index in self._columns
        ]
        return jnp.stack(columns, axis=-1).astype(jnp.float32)

    def _restart_impl(self, first: Any, state: Any, model_args: tuple[Any, ...]) -> Any:
        def energy(z: Any) -> Any:  # a scalar jax.Array
            return potential_energy(self.model, model_args, self.model_kwargs, z)

        value, gradient = jax.vmap(jax.value_and_grad(energy))(state.z)
        return first._replace(
            z=state.z, z_grad=gradient, potential_energy=value, energy=value, rng_key=state.rng_key
        )


def _model_message(exc: BaseException) -> str:
    text = str(exc)
    if "Cannot find valid initial parameters" in text:
        return (
            "the model's log density is NaN or infinite at every initial point tried: check the priors' "
            "supports, the observed data (NaN?) and parameters such as scales that must be positive"
        )
    return explain_exception(exc, "the model")
