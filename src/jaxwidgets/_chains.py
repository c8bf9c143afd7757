"""The chains of a Posterior widget between chunks: the sampler, where the chains are, the threads that step
them, and the model arguments that its controls set. The widget holds its request lock around every call
here but ``advance``."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._controls import ControlSpec, control_specs, with_control
from .kernels.chain_pool import ChainPool
from .kernels.posterior import Chunk, SamplerState, StreamingSampler, as_model_argument, prng_key
from .kernels.predictive import DensityGrid, make_density_grid


class Chains:
    """A model's chains: traced at construction (a model that cannot be traced fails here, readably),
    initialised and compiled once (in the widget's sampling thread), then
    advanced chunk by chunk on ``parallel`` threads (None: one per core) and restarted for new model
    arguments: a full warm-up until one has ended, then a short one from the adaptation kept.

    >>> import numpyro, numpyro.distributions as dist
    >>> def model(scale):
    ...     numpyro.sample("x", dist.Normal(0.0, scale))
    >>> chains = Chains(model, (1.0,), {}, controls={"scale": (0.1, 5.0)}, seed=0,
    ...                 num_chains=2, num_warmup=10, chunk_length=5)
    >>> chains.sites, chains.controls_state()["scale"]["value"]
    (['x'], 1.0)
    """

    def __init__(
        self,
        model: Callable[..., Any],
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        *,
        controls: Mapping[str, tuple[float, float]],
        seed: int,
        sites: Sequence[str] | None = None,
        parallel: int | None = None,
        **sampler_options: Any,
    ) -> None:
        self.model = model
        self.args = tuple(as_model_argument(value) for value in args)
        self.kwargs = {name: as_model_argument(value) for name, value in kwargs.items()}
        self.specs: dict[str, ControlSpec] = control_specs(model, controls, self.args, self.kwargs)
        self.sampler = StreamingSampler(model, self.args, self.kwargs, sites=sites, **sampler_options)
        self.pool = ChainPool(self.sampler.num_chains, parallel)
        self.key = prng_key(seed)
        # Shapes only until ``compile``: the model is traced here, its init compiled and run with the chunk.
        self.state: SamplerState = self.sampler.shapes(self.key, self.args)
        self.sites = list(self.sampler.columns(self.state).names)
        latent = {name: tuple(value.shape) for name, value in self.state.chains[0].z.items()}
        # The log density under the pair plot, for a model with exactly two scalar latent sites (else None).
        self.density: DensityGrid | None = make_density_grid(model, self.kwargs, latent, self.sites)
        self.adapted = False  # a warm-up has ended: restarts keep its step size and mass matrix
        self._chunk: Callable[..., Any] | None = None
        self._restart: Callable[..., Any] | None = None
        self._compile_lock = threading.Lock()

    def compile(self) -> Callable[..., Any]:
        """The compiled chunk, and the chains' initial states (for the current model arguments): made on the
        first call (long; a model with no valid start raises FunctionError), the same after."""
        with self._compile_lock:  # the sampling thread, or a restart in the caller's: whichever comes first
            if self._chunk is None:
                # The init compiles and runs in a thread of its own while the chunk compiles (XLA compiles
                # without the GIL): on 2 busy cores, 6.6 s for both against 8.3 s one after the other.
                with ThreadPoolExecutor(1, thread_name_prefix="jaxwidgets-init") as executor:
                    starting = executor.submit(self._start)
                    chunk = self.sampler.compile_chunk(self.state)
                    state = starting.result()
                self.sampler.check(state, self.key, self.args)
                self.state, self._chunk = state, chunk
            return self._chunk

    def compile_restart(self) -> Callable[..., Any]:
        """The compiled restart (after ``compile``). Only a control change or a new run needs it: the widget
        compiles it once a run has ended, or at the first restart, never before the first draws (0.2-0.5 s
        of a first run's critical path)."""
        self.compile()
        with self._compile_lock:
            if self._restart is None:
                self._restart = self.sampler.compile_restart(self.state)
            return self._restart

    def _start(self) -> SamplerState:
        """The chains' initial states, then the density grid compiled, while the chunk compiles: compiled on
        first use, the grid paused sampling for 0.2-0.5 s once the first draws were in."""
        state = self.sampler.start(self.key, self.args, self.pool)
        if self.density is not None:
            self.density.compile(self.args)
        return state

    def stream(self, draws_left: int) -> Generator[tuple[SamplerState, Chunk], None, None]:
        """The chunks from where the chains are until ``draws_left`` more draws (warm-up first), for the
        current model arguments. The caller keeps a chunk's state (``accept``) only if it still wants it."""
        warmup_left = max(0, self.sampler.num_warmup - int(self.state.chains[0].i))
        rounds = math.ceil((warmup_left + draws_left) / self.sampler.chunk_length)
        return self.sampler.stream(self.state, self.args, rounds, self.compile(), self.pool)

    def accept(self, state: SamplerState, chunk: Chunk) -> None:
        """Keep the state a shown chunk ended in."""
        self.state = state
        self.adapted = self.adapted or int(chunk.iteration[-1]) + 1 >= self.sampler.num_warmup

    def restart(self) -> None:
        """A new warm-up from where the chains are, for the current model arguments: short once the chains
        have been adapted, else in full."""
        restart = self.compile_restart()  # first: it sets the chains' initial states
        self.state = self.sampler.restart(self.state, self.args, restart, keep_adaptation=self.adapted)

    def close(self) -> None:
        """End the chains' threads."""
        self.pool.close()

    def set_control(self, name: str, value: float) -> None:
        """Set a control's model argument: KeyError for an unknown control, ValueError outside its bounds."""
        spec = self.specs.get(name)
        if spec is None:
            raise KeyError(f"no control {name!r}; controls are {sorted(self.specs)}")
        value = spec.checked(value)
        self.args, self.kwargs = with_control(spec, value, self.args, self.kwargs)
        self.specs[name] = spec._replace(value=value)

    def controls_state(self) -> dict[str, dict[str, Any]]:
        """The ``controls`` trait: name -> value, bounds, step and label."""
        return {name: spec.state() for name, spec in self.specs.items()}
