"""Posterior: NumPyro NUTS draws streaming into the widget, with live diagnostics and re-sampling on drag."""

from __future__ import annotations

import math
import pathlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import traitlets

from ._arrays import array_to_json, pack_arrays
from ._base import JaxWidget, Reply, RequestError, finite_number, handles
from ._controls import control_specs, with_control
from ._draw_log import DrawLog, data_state, group_sites, padded_range
from ._worker import NewestJobWorker
from .kernels import FunctionError, explain_exception
from .kernels.diagnostics import arviz, summary_rows
from .kernels.posterior import Chunk, Steppers, StreamingSampler, as_model_argument, prng_key
from .kernels.predictive import density_values, make_curve_kernel, make_density_grid

_RUNNING = ("compiling", "warmup", "sampling")
_PROGRESS_SECONDS = 0.2
_SUMMARY_SECONDS = 0.5
# The live table may take at most this share of the sampling time (arviz's summary grows with the draws).
_SUMMARY_SHARE = 0.04
# The density grid is computed once this many draws per chain show where the posterior lies.
_DENSITY_MIN_DRAWS = 50


class _Job(NamedTuple):
    """What the sampling worker does next: sample (after a fresh warm-up when ``restart``), or stop."""

    restart: bool = False
    stop: bool = False


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
        curve: Callable[[dict[str, Any], Any], Any] | None = None,
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
        super().__init__(title=title)
        self._model_args = tuple(as_model_argument(value) for value in args)
        self._model_kwargs = {name: as_model_argument(value) for name, value in kwargs.items()}
        self._control_specs = control_specs(model, controls or {}, self._model_args, self._model_kwargs)
        self._sampler = StreamingSampler(
            model,
            self._model_args,
            self._model_kwargs,
            num_chains=num_chains,
            num_warmup=num_warmup,
            chunk_length=chunk_length,
            sites=sites,
            algorithm=algorithm,
            init_strategy=init_strategy,
        )
        self._state = self._sampler.init(prng_key(seed), self._model_args)  # readable errors raise here
        site_names = list(self._sampler.columns(self._state).names)
        self._curve = make_curve_kernel(curve, curve_x, num_curves)
        self._curve_x = None if curve_x is None else np.asarray(curve_x, np.float32)
        latent = {name: np.shape(value[0]) for name, value in self._state.z.items()}
        self._density_grid = make_density_grid(model, self._model_kwargs, latent, site_names)
        self.set_trait("num_chains", num_chains)
        self.set_trait("num_warmup", num_warmup)
        self.set_trait("num_samples", num_samples)
        self.set_trait("sites", site_names)
        self.pair = tuple((site_names * 2)[:2])
        self.set_trait("controls", self._controls_state())
        self.reference, self.reference_label = dict(reference or {}), reference_label
        arviz()  # imported here, in the caller's thread, before the sampling thread needs it
        if data is not None:
            self._data = data_state(data)
        self._steppers: Steppers | None = None  # compiled by the first job, used by every later one
        self._run = 0
        self._started = self._closing = False
        self._reset_draws()
        self._worker: NewestJobWorker[_Job] = NewestJobWorker("posterior", self._work)
        self.run()

    # ---- public API -----------------------------------------------------------------------------

    def run(self) -> Posterior:
        """Start sampling (after the first run: a new run, a fresh warm-up from where the chains are)."""
        with self._request_lock:
            restart, self._started = self._started, True
            self._submit(_Job(restart=restart))
        return self

    def stop(self) -> Posterior:
        """Stop sampling after the current chunk (the draws so far stay)."""
        with self._request_lock:
            self._submit(_Job(stop=True))
        return self

    def wait(self, timeout: float = 600.0) -> Posterior:
        """Block until the current run is done, stopped or failed."""
        deadline = time.monotonic() + timeout
        while self.status in _RUNNING and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.status in _RUNNING:
            raise TimeoutError(f"sampling not finished within {timeout} s")
        return self

    def set_control(self, name: str, value: float) -> None:
        """Change a control (as the slider does): the chains restart from the new setting."""
        spec = self._control_specs.get(name)
        if spec is None:
            raise KeyError(f"no control {name!r}; controls are {sorted(self._control_specs)}")
        value = spec.checked(value)
        with self._request_lock:
            self._model_args, self._model_kwargs = with_control(
                spec, value, self._model_args, self._model_kwargs
            )
            self._control_specs[name] = spec._replace(value=value)
            self._submit(_Job(restart=True))
            self.set_trait("controls", self._controls_state())

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
            posterior=group_sites(self.sites, draws), sample_stats={"diverging": diverging.astype(bool)}
        )

    def trace_figure(self, site: str | None = None) -> Any:
        """A bqplot Figure of one site's trace per chain that follows the draws live."""
        site = site or self.pair[0]
        if site not in self.sites:
            raise KeyError(f"no site {site!r}; sites are {self.sites}")
        return _trace_figure(self, site)

    def close(self) -> None:
        """Stop the sampling thread and close the widget."""
        if hasattr(self, "_worker"):  # else construction failed early
            with self._request_lock:
                self._closing = True
                self._worker.abandon()
            thread = self._worker.thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=30)
        super().close()

    @property
    def _thread(self) -> threading.Thread | None:
        """The sampling thread, while there is one (tests and scripts)."""
        return self._worker.thread

    # ---- the sampling worker ----------------------------------------------------------------------

    def _submit(self, job: _Job) -> None:
        """Make ``job`` the worker's newest (with the request lock held, so that no stale chunk shows)."""
        if self._closing:
            return
        if job.restart:
            self._set_status("warmup")  # so that wait() waits for this run
        self._worker.submit(job)

    def _work(self, generation: int, job: _Job) -> None:
        """In the worker: one job, until done, stopped, or made stale by a newer one."""
        try:
            if job.stop:
                with self._request_lock:
                    self._finish(generation, "stopped")
                return
            if self._steppers is None:
                self._steppers = self._sampler.compile(self._state)
            while self._next_chunk(generation, job, self._steppers):
                job = job._replace(restart=False)
        except Exception as exc:  # never die silently: the banner and `error` say why
            with self._request_lock:
                if self._worker.is_current(generation):
                    self.error = explain_exception(exc, "sampling")
                    self._set_status("error")

    def _next_chunk(self, generation: int, job: _Job, steppers: Steppers) -> bool:
        """Advance every chain one chunk and show it; False once done or stale."""
        with self._request_lock:
            if not self._worker.is_current(generation):
                return False
            if job.restart:
                self._begin_run(steppers)
            if self._log.done:
                self._finish(generation, "done")
                return False
            if self.status == "compiling":
                self._set_status("warmup")
            state, args = self._state, self._model_args
        state, chunk = self._sampler.advance(state, args, steppers)
        with self._request_lock:
            if not self._worker.is_current(generation):
                return False  # a newer run or a stop came while this chunk ran: its draws are not shown
            self._state = state
            self._show(chunk)
        return True

    def _finish(self, generation: int, status: str) -> None:
        if self._worker.is_current(generation) and self.status in _RUNNING:
            self._set_status(status)
            self._publish_summary(force=True)

    def _begin_run(self, steppers: Steppers) -> None:
        """A fresh warm-up from where the chains are, for the current model arguments."""
        self._state = self._sampler.restart(self._state, self._model_args, steppers)
        self._run += 1
        self._reset_draws()
        self.error = ""
        self._push("reset", {"run": self._run})
        self._set_status("warmup")

    def _reset_draws(self) -> None:
        self._log = DrawLog(self.num_chains, len(self.sites), self.num_warmup, self.num_samples)
        self._last_progress = self._last_summary = self._summary_cost = 0.0
        self._density_ranges: list[tuple[float, float]] | None = None
        self._last_curves: np.ndarray | None = None
        self._density = {}

    def _collected(self) -> tuple[np.ndarray, np.ndarray]:
        with self._request_lock:
            return self._log.collected()

    # ---- what the page shows ---------------------------------------------------------------------

    def _show(self, chunk: Chunk) -> None:
        """Send a chunk's warm-up steps and draws, and update what follows from them.

        Warm-up steps go out as "warmup" messages the page shows faded while warm-up lasts, so the chains are
        seen exploring from the first chunk on; they never enter ``draws``, ``idata`` or the table.
        """
        added = self._log.add(chunk)
        if added.warmup.shape[1]:
            records, buffers = pack_arrays(draws=added.warmup)
            self._push("warmup", {"run": self._run, "iteration": added.first_warmup, **records}, buffers)
        if added.draws.shape[1]:
            records, buffers = pack_arrays(draws=added.draws, diverging=added.diverging)
            self._push("draws", {"run": self._run, "offset": added.offset, **records}, buffers)
            self._set_status("sampling")
        self._publish_progress(force=self._log.done)
        self._publish_summary(force=self._log.done)
        if added.draws.shape[1]:
            self._publish_curves()
            self._publish_density()

    def _set_status(self, status: str) -> None:
        if self.status != status:
            self.set_trait("status", status)

    def _publish_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_progress >= _PROGRESS_SECONDS:
            self._last_progress = now
            self.set_trait("progress", self._log.progress())

    def _publish_summary(self, force: bool = False) -> None:
        now = time.monotonic()
        interval = max(_SUMMARY_SECONDS, self._summary_cost / _SUMMARY_SHARE)
        if self._log.count < 4 or not (force or now - self._last_summary >= interval):
            return
        self.set_trait("summary", summary_rows(self.sites, self._log.collected()[0]))
        self._last_summary = time.monotonic()
        self._summary_cost = self._last_summary - now

    def _publish_curves(self) -> None:
        if self._curve is None or self._curve_x is None:
            return
        recent = self._log.recent(self._curve.num_curves)
        draw = {site: values[0] for site, values in group_sites(self.sites, recent[None]).items()}
        self._last_curves = np.asarray(self._curve.curves(draw, self._curve_x))
        records, buffers = pack_arrays(x=self._curve_x, curves=self._last_curves)
        self._push("curves", {"run": self._run, **records}, buffers)

    def _publish_density(self) -> None:
        """The log density under the draws, redrawn when the draws have spread beyond its range."""
        if self._density_grid is None or self._log.count < _DENSITY_MIN_DRAWS:
            return
        draws = self._log.collected()[0]
        columns = [draws[:, :, self.sites.index(name)] for name in self._density_grid.sites]
        if self._density_ranges is not None and all(
            low <= column.min() and column.max() <= high
            for (low, high), column in zip(self._density_ranges, columns, strict=True)
        ):
            return
        ranges = [padded_range(column) for column in columns]
        values = density_values(self._density_grid, self._model_args, ranges)
        self._density_ranges = ranges
        x_site, y_site = self._density_grid.sites
        self._density = {
            "values": array_to_json(values),
            "x_range": list(ranges[0]),
            "y_range": list(ranges[1]),
            "x_site": x_site,
            "y_site": y_site,
        }

    def _controls_state(self) -> dict[str, dict[str, Any]]:
        return {name: spec.state() for name, spec in self._control_specs.items()}

    # ---- page requests ---------------------------------------------------------------------------

    @handles("replay")
    def _replay(self, _content: dict[str, Any]) -> Reply:
        draws, diverging = self._collected()
        arrays: dict[str, Any] = {"draws": draws, "diverging": diverging}
        if self._last_curves is not None and self._curve_x is not None:
            arrays |= {"x": self._curve_x, "curves": self._last_curves}
        records, buffers = pack_arrays(**arrays)
        return {"run": self._run, **records}, buffers

    @handles("control")
    def _control(self, content: dict[str, Any]) -> Reply:
        name, value = content.get("name"), finite_number(content, "value")
        if not isinstance(name, str) or name not in self._control_specs:
            raise RequestError(f"no control {name!r}")
        try:
            self.set_control(name, value)
        except ValueError as exc:
            raise RequestError(str(exc)) from exc
        return {}, []

    @handles("run")
    def _run_again(self, _content: dict[str, Any]) -> Reply:
        self.run()
        return {}, []

    @handles("stop")
    def _stop(self, _content: dict[str, Any]) -> Reply:
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
        count = self._log.count if hasattr(self, "_log") else 0  # 0 when construction failed early
        return f"Posterior ({self.status}, {count} of {self.num_samples} draws per chain) {rows}".strip()


def _trace_figure(widget: Posterior, site: str) -> Any:
    """A bqplot Figure of one site's trace per chain that follows the widget's draws."""
    import bqplot

    x_scale, y_scale = bqplot.LinearScale(), bqplot.LinearScale()
    lines = bqplot.Lines(
        x=np.zeros(0),
        y=np.zeros((widget.num_chains, 0)),
        scales={"x": x_scale, "y": y_scale},
        labels=[f"chain {c}" for c in range(widget.num_chains)],
        display_legend=True,
    )

    def follow(_change: Any = None) -> None:
        draws = widget.draws[site]
        with lines.hold_sync():
            lines.x, lines.y = np.arange(draws.shape[1]), draws

    follow()
    widget.observe(follow, "progress")
    axes = [bqplot.Axis(scale=x_scale, label="draw"), bqplot.Axis(scale=y_scale, side="left", label=site)]
    return bqplot.Figure(marks=[lines], axes=axes, title=f"trace of {site}")


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < (0 if name == "num_warmup" else 1)
        ):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


__all__ = ["FunctionError", "Posterior"]
