"""Posterior: NumPyro NUTS draws streaming into the widget, with live diagnostics and re-sampling on drag."""

from __future__ import annotations

import inspect
import math
import pathlib
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import traitlets

from ._arrays import array_to_json, pack_arrays
from ._base import JaxWidget, Reply, RequestError, finite_number
from ._worker import worker_thread
from .kernels import FunctionError, explain_exception, make_grid_kernel
from .kernels.diagnostics import arviz, summary_rows
from .kernels.posterior import Chunk, StreamingSampler

_PROGRESS_SECONDS = 0.2
_SUMMARY_SECONDS = 0.5
# The live table may take at most this share of the sampling time (arviz's summary grows with the draws).
_SUMMARY_SHARE = 0.04
_CONTROL = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>\d+)\])?$")


class Posterior(JaxWidget):
    """Sample a NumPyro model with NUTS in a worker thread and watch the draws, per chain, as they come.

    Parameters
    ----------
    model : callable
        A NumPyro model; ``*args`` and ``**kwargs`` are passed to it.
    sites : list of str, optional
        The sites to show (default: every site with at most 16 values, deterministic ones included).
    num_chains, num_warmup, num_samples, seed
        As for ``numpyro.infer.MCMC``; chains are stepped one after the other in one compiled chunk.
    init_strategy : callable, optional
        As for ``numpyro.infer.NUTS`` (default ``init_to_uniform()``, radius 2 in the unconstrained space).
    controls : dict, optional
        Model arguments the page can change, name -> (min, max): a slider each. ``"y[3]"`` names element 3 of
        an array argument ``y`` (drag an observed value). A change restarts the chains from where they are.
    curve : callable ``curve(draw, x) -> y``, optional
        A posterior predictive curve in data space, drawn for ``num_curves`` recent draws over ``curve_x``;
        ``draw`` maps site names to one draw's values.
    data : array or (x, y), optional
        Observed data for the data-space panel: samples (drawn as a histogram) or points.
    reference : dict, optional
        Site name (as in ``sites``) -> a value to mark in the pair and trace plots, e.g. the truth or the MLE;
        named ``reference_label`` in the legend. Both are traits: assign them at any time.

    Examples
    --------
    >>> import numpyro, numpyro.distributions as dist, jaxwidgets
    >>> def model(y, prior_scale):
    ...     mu = numpyro.sample("mu", dist.Normal(0.0, prior_scale))
    ...     numpyro.sample("obs", dist.Normal(mu, 1.0), obs=y)
    >>> post = jaxwidgets.Posterior(model, np.ones(10), 1.0, num_chains=2, num_warmup=200,
    ...                             num_samples=500, controls={"prior_scale": (0.1, 10.0)})
    >>> post.wait().status
    'done'
    >>> round(float(post.idata.posterior["mu"].mean()), 1)  # analytic: 10 / 11
    0.9
    """

    _esm = pathlib.Path(__file__).parent / "static" / "posterior.js"
    _request_handlers: ClassVar[dict[str, str]] = {
        "replay": "_handle_replay",
        "control": "_handle_control",
        "run": "_handle_run",
        "stop": "_handle_stop",
    }

    status = traitlets.Unicode("compiling", read_only=True).tag(sync=True)
    progress: traitlets.List[Any] = traitlets.List(
        read_only=True, help="Per chain: warmup, draws, divergences."
    ).tag(sync=True)
    num_chains = traitlets.Int(read_only=True).tag(sync=True)
    num_warmup = traitlets.Int(read_only=True).tag(sync=True)
    num_samples = traitlets.Int(read_only=True).tag(sync=True)
    sites = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    pair = traitlets.Tuple(
        traitlets.Unicode(), traitlets.Unicode(), default_value=("", ""), help="Sites of the pair plot."
    ).tag(sync=True)
    summary: traitlets.List[Any] = traitlets.List(
        read_only=True, help="arviz summary rows of the draws so far."
    ).tag(sync=True)
    controls = traitlets.Dict(read_only=True).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    reference = traitlets.Dict(help="Site -> value marked in the pair and trace plots.").tag(sync=True)
    reference_label = traitlets.Unicode("reference").tag(sync=True)
    _density = traitlets.Dict().tag(sync=True)
    _data = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        model: Callable[..., Any],
        *args: Any,
        sites: Sequence[str] | None = None,
        num_chains: int = 4,
        num_warmup: int = 1000,
        num_samples: int = 2000,
        seed: int = 0,
        controls: Mapping[str, tuple[float, float]] | None = None,
        algorithm: str = "NUTS",
        init_strategy: Callable[..., Any] | None = None,
        chunk_length: int = 50,
        curve: Callable[[dict[str, Any], jax.Array], jax.Array] | None = None,
        curve_x: Any = None,
        num_curves: int = 30,
        data: Any = None,
        title: str = "",
        reference: Mapping[str, float] | None = None,
        reference_label: str = "reference",
        **kwargs: Any,
    ) -> None:
        _check_counts(
            num_chains=num_chains, num_warmup=num_warmup, num_samples=num_samples, chunk_length=chunk_length
        )
        if not callable(model):
            raise TypeError(f"model must be a NumPyro model function, not {type(model).__name__}")
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None  # exists only while sampling
        self._closing = self._started = self._compiled = False
        super().__init__(title=title)
        self._model_args = tuple(_as_array(value) for value in args)
        self._model_kwargs = {name: _as_array(value) for name, value in kwargs.items()}
        self._control_specs = _control_specs(model, controls or {}, self._model_args, self._model_kwargs)
        self._sampler = StreamingSampler(
            model,
            self._model_args,
            self._model_kwargs,
            num_chains=num_chains,
            num_warmup=num_warmup,
            chunk_length=chunk_length,
            sites=list(sites) if sites is not None else None,
            algorithm=algorithm,
            init_strategy=init_strategy,
        )
        self._key = jax.random.PRNGKey(seed)
        self._state = self._sampler.init(self._key, self._model_args)  # readable errors raise here
        self._curve = _curve_kernel(curve, curve_x, num_curves)
        self._curve_x = None if curve_x is None else np.asarray(curve_x, np.float32)
        self._density_kernel = self._make_density_kernel(model)
        self.set_trait("num_chains", num_chains)
        self.set_trait("num_warmup", num_warmup)
        self.set_trait("num_samples", num_samples)
        self.set_trait("sites", self._sampler.site_names)
        self.pair = tuple((self._sampler.site_names * 2)[:2])
        self.set_trait("controls", self._controls_state())
        self.reference, self.reference_label = dict(reference or {}), reference_label
        arviz()  # imported here, in the caller's thread, before the sampling thread needs it
        if data is not None:
            self._data = _data_state(data)
        self._run = 0
        self._restart_pending = False
        self._stop_requested = False
        self._reset_draws()
        self.run()

    # ---- public API -----------------------------------------------------------------------------

    def run(self) -> Posterior:
        """Start sampling (after the first run: a new run, a fresh warm-up from where the chains are)."""
        with self._lock:
            self._stop_requested = False
            self._restart_pending = self._started
            self._started = True
            thread = self._thread_to_start()
        if self._restart_pending:
            self._set_status("warmup")  # so wait() waits for this run
        if thread is not None:
            thread.start()
        return self

    def stop(self) -> Posterior:
        """Stop sampling after the current chunk (the draws so far stay)."""
        with self._lock:
            self._stop_requested = True
        return self

    def wait(self, timeout: float = 600.0) -> Posterior:
        """Block until the current run is done, stopped or failed."""
        deadline = time.monotonic() + timeout
        while self.status in ("compiling", "warmup", "sampling") and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.status in ("compiling", "warmup", "sampling"):
            raise TimeoutError(f"sampling not finished within {timeout} s")
        return self

    def set_control(self, name: str, value: float) -> None:
        """Change a control (as the slider does): the chains restart from the new setting."""
        spec = self._control_specs.get(name)
        if spec is None:
            raise KeyError(f"no control {name!r}; controls are {sorted(self._control_specs)}")
        if not spec["min"] <= value <= spec["max"]:
            raise ValueError(f"{name} must be within [{spec['min']}, {spec['max']}], got {value}")
        with self._lock:
            self._model_args, self._model_kwargs = _with_control(
                spec, float(value), self._model_args, self._model_kwargs
            )
            spec["value"] = float(value)
            self._restart_pending = True
            self._stop_requested = False
            thread = self._thread_to_start()
        self._set_status("warmup")
        self.set_trait("controls", self._controls_state())
        if thread is not None:
            thread.start()

    @property
    def draws(self) -> dict[str, np.ndarray]:
        """Site name -> post-warm-up draws so far, shape (chains, draws) (vector sites flattened by name)."""
        draws, _ = self._collected()
        return {name: draws[:, :, j] for j, name in enumerate(self.sites)}

    @property
    def idata(self) -> Any:
        """The draws so far as an arviz InferenceData (posterior and sample_stats.diverging)."""
        draws, diverging = self._collected()
        return arviz().from_dict(
            posterior=_group_sites(self.sites, draws), sample_stats={"diverging": diverging.astype(bool)}
        )

    def trace_figure(self, site: str | None = None) -> Any:
        """A bqplot Figure of one site's trace per chain that follows the draws live."""
        import bqplot

        site = site or self.pair[0]
        if site not in self.sites:
            raise KeyError(f"no site {site!r}; sites are {self.sites}")
        x_scale, y_scale = bqplot.LinearScale(), bqplot.LinearScale()
        lines = bqplot.Lines(
            x=np.zeros(0),
            y=np.zeros((self.num_chains, 0)),
            scales={"x": x_scale, "y": y_scale},
            labels=[f"chain {c}" for c in range(self.num_chains)],
            display_legend=True,
        )
        column = self.sites.index(site)

        def follow(_change: Any = None) -> None:
            draws, _ = self._collected()
            with lines.hold_sync():
                lines.x, lines.y = np.arange(draws.shape[1]), draws[:, :, column]

        follow()
        self.observe(follow, "progress")
        axes = [bqplot.Axis(scale=x_scale, label="draw"), bqplot.Axis(scale=y_scale, side="left", label=site)]
        return bqplot.Figure(marks=[lines], axes=axes, title=f"trace of {site}")

    def close(self) -> None:
        """Stop the sampling thread and close the widget."""
        if not hasattr(self, "_lock"):  # construction failed early
            super().close()
            return
        thread = self._stop_for_good()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        super().close()

    # ---- the sampling thread ----------------------------------------------------------------

    def _thread_to_start(self) -> threading.Thread | None:
        """A new sampling thread if none is running (call with the lock held; start it after)."""
        if self._thread is not None or self._closing:
            return None
        self._thread = worker_thread(self._sample_loop, "jaxwidgets-posterior", stop=self._stop_for_good)
        return self._thread

    def _stop_for_good(self) -> threading.Thread | None:
        """Stop sampling after the current chunk and start no new run; returns the thread to wait for."""
        with self._lock:
            self._closing = self._stop_requested = True
            return self._thread

    def _sample_loop(self) -> None:
        try:
            if not self._compiled:
                self._set_status("compiling")
                self._sampler.compile(self._state, self._model_args)
                self._compiled = True
                self._set_status("warmup")
            while self._next_chunk() or not self._leave_when_idle():
                pass
        except Exception as exc:  # never die silently: the banner and `error` say why
            self.error = explain_exception(exc, "sampling")
            self._set_status("error")
            with self._lock:
                self._thread = None

    def _next_chunk(self) -> bool:
        """Advance every chain one chunk; False when there is nothing to do until run() or a control."""
        with self._lock:
            if self._restart_pending:
                self._restart_pending = False
                self._begin_run()
            if self._stop_requested or self._done():
                if self.status in ("warmup", "sampling", "compiling"):
                    self._set_status("stopped" if self._stop_requested else "done")
                    self._publish_summary(force=True)
                return False
            args, run = self._model_args, self._run
        state, chunk = self._sampler.advance(self._state, args)
        with self._lock:
            if run != self._run or self._restart_pending:
                return True  # a control moved while this chunk ran: its draws belong to the old setting
            self._state = state
            self._append(chunk)
        return True

    def _leave_when_idle(self) -> bool:
        """End the thread when there is nothing to do (run() or a control starts a new one)."""
        with self._lock:
            if self._closing or not (self._restart_pending or not (self._stop_requested or self._done())):
                self._thread = None
                return True
            return False

    def _begin_run(self) -> None:
        """A fresh warm-up from where the chains are, for the current model arguments."""
        self._state = self._sampler.restart(self._state, self._model_args)
        self._run += 1
        self._reset_draws()
        self.error = ""
        self.send({"type": "reset", "run": self._run})
        self._set_status("warmup")

    def _reset_draws(self) -> None:
        chains, sites = self.num_chains, len(self.sites)
        self._draw_chunks: list[np.ndarray] = [np.zeros((chains, 0, sites), np.float32)]
        self._diverging_chunks: list[np.ndarray] = [np.zeros((chains, 0), np.int32)]
        self._count = 0
        self._warmup_done = 0
        self._divergences = np.zeros(chains, int)
        self._last_progress = self._last_summary = 0.0
        self._summary_cost = 0.0
        self._density_ranges: list[tuple[float, float]] | None = None
        self._last_curves: np.ndarray | None = None
        self._density = {}

    def _done(self) -> bool:
        return self._count >= self.num_samples

    def _append(self, chunk: Chunk) -> None:
        """Keep the post-warm-up draws of a chunk (up to num_samples), send them, update the progress.

        Warm-up steps are sent too, as "warmup" messages the page shows faded while warm-up lasts, so the
        chains are seen exploring from the first chunk on; they never enter ``draws``, ``idata`` or the table.
        """
        sampling = chunk.iteration >= self.num_warmup
        self._warmup_done = min(self.num_warmup, int(chunk.iteration[-1]) + 1)
        if not sampling.all():
            warm = np.swapaxes(chunk.draws[~sampling], 0, 1)
            records, buffers = pack_arrays(draws=warm)
            first = int(chunk.iteration[~sampling][0])
            self.send({"type": "warmup", "run": self._run, "iteration": first, **records}, buffers)
        draws = np.swapaxes(chunk.draws[sampling], 0, 1)[:, : self.num_samples - self._count]
        diverging = np.swapaxes(chunk.diverging[sampling], 0, 1)[:, : draws.shape[1]].astype(np.int32)
        if draws.shape[1]:
            offset = self._count
            self._draw_chunks.append(draws)
            self._diverging_chunks.append(diverging)
            self._count += draws.shape[1]
            self._divergences += diverging.sum(axis=1)
            records, buffers = pack_arrays(draws=draws, diverging=diverging)
            self.send({"type": "draws", "run": self._run, "offset": offset, **records}, buffers)
            self._set_status("sampling")
        self._publish_progress(force=self._done())
        self._publish_summary(force=self._done())
        if draws.shape[1]:
            self._publish_curves()
            self._publish_density()

    def _collected(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if len(self._draw_chunks) > 2:  # compact, so reading stays cheap
                self._draw_chunks = [np.concatenate(self._draw_chunks, axis=1)]
                self._diverging_chunks = [np.concatenate(self._diverging_chunks, axis=1)]
            return np.concatenate(self._draw_chunks, axis=1), np.concatenate(self._diverging_chunks, axis=1)

    # ---- what the page shows ---------------------------------------------------------------

    def _set_status(self, status: str) -> None:
        if self.status != status:
            self.set_trait("status", status)

    def _publish_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_progress >= _PROGRESS_SECONDS:
            self._last_progress = now
            self.set_trait(
                "progress",
                [
                    {
                        "chain": c,
                        "warmup": self._warmup_done,
                        "draws": self._count,
                        "divergences": int(self._divergences[c]),
                    }
                    for c in range(self.num_chains)
                ],
            )

    def _publish_summary(self, force: bool = False) -> None:
        now = time.monotonic()
        interval = max(_SUMMARY_SECONDS, self._summary_cost / _SUMMARY_SHARE)
        if self._count < 4 or not (force or now - self._last_summary >= interval):
            return
        draws = np.concatenate(self._draw_chunks, axis=1)
        self.set_trait("summary", summary_rows(self.sites, draws))
        self._last_summary = time.monotonic()
        self._summary_cost = self._last_summary - now

    def _publish_curves(self) -> None:
        if self._curve is None or self._curve_x is None:
            return
        draws = np.concatenate(self._draw_chunks[-3:], axis=1).reshape(-1, len(self.sites))
        recent = draws[-self._curve.count :]
        recent = np.concatenate([recent] * math.ceil(self._curve.count / len(recent)))[: self._curve.count]
        curves = np.asarray(
            self._curve(
                {site: values[0] for site, values in _group_sites(self.sites, recent[None]).items()},
                self._curve_x,
            )
        )
        self._last_curves = curves
        records, buffers = pack_arrays(x=self._curve_x, curves=curves)
        self.send({"type": "curves", "run": self._run, **records}, buffers)

    def _make_density_kernel(self, model: Callable[..., Any]) -> Any:
        """For a model with exactly two scalar latent sites: its log density on a grid (else None)."""
        latent = {name: np.shape(value[0]) for name, value in self._state.z.items()}
        if len(latent) != 2 or any(shape != () for shape in latent.values()):
            return None
        from numpyro.infer.util import log_density

        names = sorted(latent, key=self.sites.index) if set(latent) <= set(self.sites) else sorted(latent)
        kwargs = self._model_kwargs

        def log_p(model_args: Any, x: jax.Array, y: jax.Array) -> Any:  # a scalar jax.Array
            return log_density(model, model_args, kwargs, {names[0]: x, names[1]: y})[0]

        return names, make_grid_kernel(log_p)

    def _publish_density(self) -> None:
        """The log density under the draws, redrawn when the draws have spread beyond its range."""
        if self._density_kernel is None or self._count < 50:
            return
        names, grid = self._density_kernel
        draws = np.concatenate(self._draw_chunks, axis=1)
        columns = [draws[:, :, self.sites.index(name)] for name in names]
        if self._density_ranges is not None and all(
            low <= column.min() and column.max() <= high
            for (low, high), column in zip(self._density_ranges, columns, strict=True)
        ):
            return
        ranges = [_padded_range(column) for column in columns]
        n = 120
        xs, ys = (np.linspace(*r, n, dtype=np.float32) for r in ranges)
        values = np.asarray(grid(self._model_args, xs, ys)[0])
        self._density_ranges = ranges
        self._density = {
            "values": array_to_json(np.where(np.isfinite(values), values, np.nan)),
            "x_range": list(ranges[0]),
            "y_range": list(ranges[1]),
            "x_site": names[0],
            "y_site": names[1],
        }

    def _controls_state(self) -> dict[str, dict[str, Any]]:
        return {
            name: {key: spec[key] for key in ("value", "min", "max", "step", "label")}
            for name, spec in self._control_specs.items()
        }

    # ---- page requests -------------------------------------------------------------------------

    def _handle_replay(self, _content: dict[str, Any]) -> Reply:
        draws, diverging = self._collected()
        arrays: dict[str, Any] = {"draws": draws, "diverging": diverging}
        if self._last_curves is not None and self._curve_x is not None:
            arrays |= {"x": self._curve_x, "curves": self._last_curves}
        records, buffers = pack_arrays(**arrays)
        return {"run": self._run, **records}, buffers

    def _handle_control(self, content: dict[str, Any]) -> Reply:
        name, value = content.get("name"), finite_number(content, "value")
        if not isinstance(name, str) or name not in self._control_specs:
            raise RequestError(f"no control {name!r}")
        try:
            self.set_control(name, value)
        except ValueError as exc:
            raise RequestError(str(exc)) from exc
        return {}, []

    def _handle_run(self, _content: dict[str, Any]) -> Reply:
        self.run()
        return {}, []

    def _handle_stop(self, _content: dict[str, Any]) -> Reply:
        self.stop()
        return {}, []

    @traitlets.validate("reference")
    def _validate_reference(self, proposal: Any) -> dict[str, float]:
        values = {name: float(value) for name, value in dict(proposal["value"]).items()}
        unknown = sorted(set(values) - set(self.sites))
        if unknown or not all(map(math.isfinite, values.values())):
            raise traitlets.TraitError(f"reference needs finite values of sites {self.sites}, got {values}")
        return values

    @traitlets.validate("pair")
    def _validate_pair(self, proposal: Any) -> tuple[str, str]:
        pair = tuple(proposal["value"])
        if pair == ("", "") and not self.sites:
            return pair  # before the model is traced
        unknown = [name for name in pair if name not in self.sites]
        if unknown:
            raise traitlets.TraitError(f"unknown sites {unknown}; sites are {list(self.sites)}")
        return pair

    def __repr__(self) -> str:
        rows = ", ".join(
            f"{row['site']} = {row['mean']:.4g} ± {row['sd']:.3g} (r_hat {row['r_hat']:.3f})"
            for row in self.summary
            if row.get("mean") is not None and row.get("r_hat") is not None
        )
        count = getattr(self, "_count", 0)  # 0 when construction failed early
        return f"Posterior ({self.status}, {count} of {self.num_samples} draws per chain) {rows}".strip()


def _group_sites(sites: Sequence[str], draws: np.ndarray) -> dict[str, np.ndarray]:
    """Flattened columns ("w[0]", "w[1]") back to one array per site, shape (chains, draws, ...)."""
    grouped: dict[str, list[np.ndarray]] = {}
    scalar: set[str] = set()
    for j, name in enumerate(sites):
        base = name.split("[", 1)[0]
        grouped.setdefault(base, []).append(draws[:, :, j])
        if base == name:
            scalar.add(base)
    return {
        base: columns[0] if base in scalar else np.stack(columns, axis=-1)
        for base, columns in grouped.items()
    }


class _CurveKernel:
    def __init__(self, curve: Callable[..., Any], count: int) -> None:
        self.count = count
        self._curves = jax.jit(jax.vmap(curve, in_axes=(0, None)))

    def __call__(self, draws: dict[str, np.ndarray], x: np.ndarray) -> Any:  # (count, len(x)) jax.Array
        return self._curves(draws, x)


def _curve_kernel(curve: Any, curve_x: Any, count: int) -> _CurveKernel | None:
    if curve is None:
        return None
    if not callable(curve) or curve_x is None:
        raise TypeError("curve must be a function curve(draw, x) -> y, given together with curve_x")
    if not 1 <= count <= 500:
        raise ValueError(f"num_curves must be between 1 and 500, got {count}")
    return _CurveKernel(curve, count)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < (0 if name == "num_warmup" else 1)
        ):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _as_array(value: Any) -> Any:
    """Numbers and arrays become float32/int32 JAX arrays: new values keep their dtype (no recompile)."""
    if isinstance(value, bool) or value is None or callable(value):
        return value
    if isinstance(value, int | float | np.ndarray | jax.Array | list | tuple):
        array = np.asarray(value)
        if array.dtype.kind == "f":
            return jnp.asarray(array, jnp.float32)
        if array.dtype.kind in "iu":
            return jnp.asarray(array, jnp.int32)
    return value


def _control_specs(
    model: Callable[..., Any], controls: Mapping[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Resolve each control name to a positional or keyword model argument (and an element index)."""
    parameters = list(inspect.signature(model).parameters)
    specs: dict[str, dict[str, Any]] = {}
    for label, bounds in controls.items():
        match = _CONTROL.match(label)
        if match is None:
            raise ValueError(f"control {label!r} must be an argument name, or name[index]")
        name, index = match["name"], None if match["index"] is None else int(match["index"])
        if name in kwargs:
            position: int | str = name
            current = kwargs[name]
        elif name in parameters and parameters.index(name) < len(args):
            position = parameters.index(name)
            current = args[position]
        else:
            raise ValueError(f"control {label!r} is not an argument given to the model")
        low, high = (float(b) for b in bounds)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"control {label!r} needs (min, max) with min < max, got {bounds!r}")
        value = float(np.asarray(current).reshape(-1)[index] if index is not None else np.asarray(current))
        specs[label] = {
            "position": position,
            "index": index,
            "value": value,
            "min": low,
            "max": high,
            "step": (high - low) / 200,
            "label": label,
        }
    return specs


def _with_control(
    spec: dict[str, Any], value: float, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    position, index = spec["position"], spec["index"]
    current = kwargs[position] if isinstance(position, str) else args[position]
    updated = jnp.asarray(value, jnp.float32) if index is None else jnp.asarray(current).at[index].set(value)
    if isinstance(position, str):
        return args, {**kwargs, position: updated}
    return (*args[:position], updated, *args[position + 1 :]), kwargs


def _data_state(data: Any) -> dict[str, Any]:
    if isinstance(data, tuple) and len(data) == 2:
        return {"x": array_to_json(data[0]), "y": array_to_json(data[1]), "kind": "points"}
    return {"x": array_to_json(np.ravel(data)), "kind": "histogram"}


def _padded_range(values: np.ndarray) -> tuple[float, float]:
    low, high = np.nanmin(values), np.nanmax(values)
    pad = 0.25 * max(high - low, 1e-3)
    return float(low - pad), float(high + pad)


__all__ = ["FunctionError", "Posterior"]
