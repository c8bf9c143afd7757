"""Stream NUTS (or HMC) draws in fixed-length chunks that compile once.

``MCMC.run`` recompiles on every call, even with ``post_warmup_state``, so a widget that streams draws in
chunks drives the NumPyro kernel's own ``sample`` in a jitted ``lax.scan`` of fixed length instead. The
model arguments are array arguments of that scan: a new prior scale or observed value restarts the chains
from where they are (a fresh warm-up, or a short one that keeps the adapted step size and mass matrix)
without compiling anything. One chain's chunk is compiled; the chains run at once on the pool's threads.

The sampler is configuration only: ``init``, ``advance`` and ``restart`` take a ``SamplerState`` and return a
new one (optax style), and which columns a chunk's draws hold is a pure function of the model's site shapes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike
from numpyro.infer import HMC, NUTS
from numpyro.infer.hmc_util import build_adaptation_schedule, dual_averaging
from numpyro.infer.util import potential_energy

from . import numpyro_threads
from .chain_pool import ChainPool
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
    """Every chain's HMC state (a tuple, one per chain), and the states ``init`` gave them: a restart's
    fresh warm-up begins from those states' step size and mass matrix."""

    chains: tuple[Any, ...]
    start: tuple[Any, ...]

    @property
    def z(self) -> dict[str, jax.Array]:
        """Where every chain is, in the unconstrained space: site -> (chains, ...)."""
        return {name: jnp.stack([chain.z[name] for chain in self.chains]) for name in self.chains[0].z}


class SiteColumns(NamedTuple):
    """The scalar quantities in a chunk's draws: column j is ``names[j]``, ``picks[j]`` its (site, index)."""

    names: tuple[str, ...]
    picks: tuple[tuple[str, int | None], ...]


class Steppers(NamedTuple):
    """The two compiled functions of a sampler, for one chain: a chunk of steps, and a restart for new model
    arguments."""

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
    same shapes: no recompile), and ``compile`` and ``columns`` read the shapes from them. One chain's chunk
    is compiled, and ``advance`` calls it for every chain through a ``ChainPool`` (in parallel on its
    threads). Each chain's key is ``jax.random.split(key, num_chains)[c]``, as in ``MCMC.run``: the draws
    are those of ``chain_method="sequential"`` (and "parallel").

    ``restart_warmup``: a restart that keeps the adaptation warms up for this many steps (the final window of
    NumPyro's schedule: the mass matrix kept, the step size tuned again).

    >>> import numpyro, numpyro.distributions as dist
    >>> def model(scale):
    ...     numpyro.sample("x", dist.Normal(0.0, scale))
    >>> sampler = StreamingSampler(model, (1.0,), {}, num_chains=2, num_warmup=10, chunk_length=5)
    >>> sampler.columns(sampler.shapes(jax.random.PRNGKey(0), (1.0,))).names  # traced, nothing compiled
    ('x',)
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
        restart_warmup: int = 50,
    ) -> None:
        if algorithm not in ("NUTS", "HMC"):
            raise ValueError(f"algorithm must be 'NUTS' or 'HMC', got {algorithm!r}")
        self.model, self.model_args, self.model_kwargs = model, tuple(model_args), dict(model_kwargs)
        self.num_chains, self.num_warmup, self.chunk_length = num_chains, num_warmup, chunk_length
        self.restart_warmup = min(num_warmup, restart_warmup)
        self.sites = None if sites is None else tuple(sites)
        # Chains are stepped separately, never vmapped: a vmapped NUTS step runs every chain for as long as
        # the longest tree of any of them (seed model, 2 chains: sampling took 31 s vmapped, 15 s mapped).
        options = {} if init_strategy is None else {"init_strategy": init_strategy}
        self.kernel = (NUTS if algorithm == "NUTS" else HMC)(model, **options)
        self.jitted = Steppers(jax.jit(self._chunk), jax.jit(self._restart))
        self.jitted_init: Any = jax.jit(self._init_chain)  # a jax.jit wrapper: mypy knows no trace()
        self._init_traced: Any = None
        self._init_compiled: Any = None

    def shapes(self, key: jax.Array, model_args: tuple[Any, ...]) -> SamplerState:
        """Every chain's initial state as shapes and dtypes only: traces the model's init without compiling
        or running it (milliseconds), so that a model that cannot be traced fails here, readably. ``init``
        compiles what this traced."""
        try:
            # Shapes and dtypes only (jax.ShapeDtypeStruct is untyped for mypy).
            seed = jax.ShapeDtypeStruct(key.shape, key.dtype)  # type: ignore[no-untyped-call]
            chain = jax.ShapeDtypeStruct((), np.int32)  # type: ignore[no-untyped-call]
            self._init_traced = self.jitted_init.trace(seed, chain, model_args)
        except Exception as exc:
            raise FunctionError(_model_message(exc)) from exc
        chain = self._init_traced.out_info
        if not chain.z:
            raise FunctionError("the model has no latent sites to sample (every sample site is observed)")
        chains = (chain,) * self.num_chains
        return SamplerState(chains=chains, start=chains)

    def init(
        self, key: jax.Array, model_args: tuple[Any, ...], pool: ChainPool | None = None
    ) -> SamplerState:
        """Initial state of every chain: ``start`` then ``check``."""
        state = self.start(key, model_args, pool)
        self.check(state, key, model_args)
        return state

    def start(
        self, key: jax.Array, model_args: tuple[Any, ...], pool: ChainPool | None = None
    ) -> SamplerState:
        """Every chain's initial state: one chain's init compiled (once per sampler; from what ``shapes``
        traced), run for each chain's key on ``pool``'s threads. Unchecked: see ``check``."""
        if self._init_compiled is None:
            traced = self._init_traced or self.jitted_init.trace(key, np.int32(0), model_args)
            self._init_compiled = traced.lower().compile()
        init_one = self._init_compiled
        indices = [np.int32(c) for c in range(self.num_chains)]
        chains = tuple((pool or ChainPool(1, 1)).map(lambda c: init_one(key, c, model_args), indices))
        return SamplerState(chains=chains, start=chains)

    def check(self, state: SamplerState, key: jax.Array, model_args: tuple[Any, ...]) -> None:
        """FunctionError with NumPyro's own reason if a chain found no valid start (a NaN or infinite log
        density at every point tried, an invalid parameter): its eager init says why, compiled it cannot.
        That init traces the model: call this while nothing else traces it."""
        for c, chain in enumerate(state.chains):
            if not _valid_start(chain):
                try:
                    self._init_chain(key, np.int32(c), model_args)
                except Exception as exc:
                    raise FunctionError(_model_message(exc)) from exc
                raise FunctionError(_model_message(RuntimeError("Cannot find valid initial parameters")))

    def _init_chain(self, key: jax.Array, chain: ArrayLike, model_args: tuple[Any, ...]) -> Any:
        """Chain ``chain``'s initial state from the run's seed ``key``, split as MCMC.run splits it. The split
        is inside the compiled init: done eagerly it compiled two programs of its own, which slowed the
        chunk's compile beside it (0.45 s each on 2 cores)."""
        chain_key = jax.random.split(key, self.num_chains)[chain]
        return self.kernel.init(chain_key, self.num_warmup, None, model_args, self.model_kwargs)

    def columns(self, state: SamplerState) -> SiteColumns:
        """The columns of the draws (after ``shapes`` or ``init``): unknown or too large sites fail here,
        readably. Only shapes are computed: nothing runs."""
        constrain = self.kernel.postprocess_fn(self.model_args, self.model_kwargs)
        constrained = jax.eval_shape(constrain, state.chains[0].z)
        return site_columns({name: value.shape for name, value in constrained.items()}, self.sites)

    def compile(self, state: SamplerState) -> Steppers:
        """One chain's chunk and restart compiled ahead of time for arguments shaped like ``model_args``."""
        return Steppers(self.compile_chunk(state), self.compile_restart(state))

    def compile_chunk(self, state: SamplerState) -> Callable[..., Any]:
        """One chain's chunk compiled for arguments shaped like ``model_args``, so that sampling starts
        without a pause and never compiles again."""
        chunk: Any = self.jitted.chunk  # jax.jit's wrapper, whose lower() mypy does not know
        return chunk.lower(state.chains[0], self.model_args).compile()  # type: ignore[no-any-return]

    def compile_restart(self, state: SamplerState) -> Callable[..., Any]:
        """One chain's restart compiled for arguments shaped like ``model_args`` (for a control change)."""
        restart: Any = self.jitted.restart
        compiled = restart.lower(state.start[0], state.chains[0], self.model_args, jnp.bool_(True)).compile()
        return compiled  # type: ignore[no-any-return]

    def advance(
        self,
        state: SamplerState,
        model_args: tuple[Any, ...],
        chunk: Callable[..., Any] | None = None,
        pool: ChainPool | None = None,
    ) -> tuple[SamplerState, Chunk]:
        """Take ``chunk_length`` steps on every chain: the first round of ``stream``."""
        return next(iter(self.stream(state, model_args, 1, chunk, pool)))

    def stream(
        self,
        state: SamplerState,
        model_args: tuple[Any, ...],
        rounds: int,
        chunk: Callable[..., Any] | None = None,
        pool: ChainPool | None = None,
    ) -> Generator[tuple[SamplerState, Chunk], None, None]:
        """``rounds`` chunks of ``chunk_length`` steps on every chain (with ``chunk`` from ``compile_chunk``:
        no compile), the chains spread over ``pool``'s threads (default: one after the other), each going on
        to its next chunk without waiting for the others. Yields every chain's state after each chunk."""
        step_chunk = chunk or self.jitted.chunk

        def one_chain(chain: Any) -> tuple[Any, tuple[np.ndarray, np.ndarray, np.ndarray]]:
            chain, (draws, diverging, iteration) = step_chunk(chain, model_args)
            # Waiting here, in the pool's thread, is what runs the chains at once.
            return chain, (np.asarray(draws), np.asarray(diverging), np.asarray(iteration))

        with contextlib.closing((pool or ChainPool(1, 1)).stream(one_chain, state.chains, rounds)) as rounds_:
            for outputs in rounds_:
                chains = tuple(chain for chain, _ in outputs)
                draws, diverging, iterations = zip(*(result for _, result in outputs), strict=True)
                step_major = Chunk(np.stack(draws, axis=1), np.stack(diverging, axis=1), iterations[0])
                state = state._replace(chains=chains)
                yield state, step_major

    def restart(
        self,
        state: SamplerState,
        model_args: tuple[Any, ...],
        restart: Callable[..., Any] | None = None,
        keep_adaptation: bool = False,
    ) -> SamplerState:
        """Chains where they are, for new model arguments (with ``restart`` from ``compile_restart``: no
        compile): a fresh warm-up, or with ``keep_adaptation`` a short one (``restart_warmup`` steps) from the
        step size and mass matrix adapted before."""
        restart_one = restart or self.jitted.restart
        keep = jnp.bool_(keep_adaptation)
        chains = tuple(
            restart_one(s, c, model_args, keep) for s, c in zip(state.start, state.chains, strict=True)
        )
        return state._replace(chains=chains)

    def _chunk(self, chain: Any, model_args: tuple[Any, ...]) -> tuple[Any, Any]:
        constrain = self.kernel.postprocess_fn(model_args, self.model_kwargs)

        def step(current: Any, _: None) -> tuple[Any, tuple[jax.Array, jax.Array, jax.Array]]:
            iteration = current.i
            current = self.kernel.sample(current, model_args, self.model_kwargs)
            return current, (self._flatten(constrain(current.z)), current.diverging, iteration)

        return jax.lax.scan(step, chain, None, length=self.chunk_length)

    def _flatten(self, values: dict[str, jax.Array]) -> jax.Array:
        """One chain's scalar quantities as a float32 row, in the order of ``site_columns``."""
        picks = site_columns({name: value.shape for name, value in values.items()}, self.sites).picks
        columns = [values[name] if at is None else values[name].reshape(-1)[at] for name, at in picks]
        return jnp.stack(columns, axis=-1).astype(jnp.float32)

    def _restart(self, start: Any, chain: Any, model_args: tuple[Any, ...], keep: jax.Array) -> Any:
        def energy(z: Any) -> Any:  # a scalar jax.Array
            return potential_energy(self.model, model_args, self.model_kwargs, z)

        value, gradient = jax.value_and_grad(energy)(chain.z)
        fresh = start._replace(
            z=chain.z, z_grad=gradient, potential_energy=value, energy=value, rng_key=chain.rng_key
        )
        short = fresh._replace(
            i=jnp.full_like(start.i, self.num_warmup - self.restart_warmup),
            adapt_state=_final_window(chain.adapt_state, self.num_warmup),
        )
        return jax.tree_util.tree_map(lambda kept, new: jnp.where(keep, kept, new), short, fresh)


def _final_window(adapt_state: Any, num_warmup: int) -> Any:
    """The adaptation state as NumPyro's last warm-up window begins: mass matrix fixed, step-size dual
    averaging started again around ten times the adapted step size (as at the end of each slow window)."""
    start_dual_averaging, _ = dual_averaging()
    windows = len(build_adaptation_schedule(num_warmup)) if num_warmup else 1
    step_size = adapt_state.step_size
    return adapt_state._replace(
        ss_state=start_dual_averaging(jnp.log(10) + jnp.log(step_size)),
        window_idx=jnp.full_like(adapt_state.window_idx, windows - 1),
    )


def _valid_start(chain: Any) -> bool:
    """Whether a chain's initial state has a finite potential energy and gradient."""
    leaves = [chain.potential_energy, *jax.tree_util.tree_leaves(chain.z_grad)]
    return all(bool(np.isfinite(np.asarray(leaf)).all()) for leaf in leaves)


def _model_message(exc: BaseException) -> str:
    text = str(exc)
    if "Cannot find valid initial parameters" in text:
        return (
            "the model's log density is NaN or infinite at every initial point tried: check the priors' "
            "supports, the observed data (NaN?) and parameters such as scales that must be positive"
        )
    return explain_exception(exc, "the model")
