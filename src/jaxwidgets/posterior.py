"""Posterior: NumPyro NUTS draws streaming into the widget, with live diagnostics and re-sampling on drag."""

from __future__ import annotations

import contextlib
import pathlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError, finite_number, handles
from ._chains import Chains
from ._draw_feed import DrawFeed
from ._draw_log import DrawLog, data_state, group_sites
from ._site_traits import SitePair, SiteValues
from ._static import saved_reply
from ._static_lessons import posterior_snapshot
from ._worker import NewestJobWorker
from .figures import trace_figure
from .kernels import FunctionError, explain_exception
from .kernels.chain_pool import release_freed_memory
from .kernels.diagnostics import arviz, summary_rows
from .kernels.predictive import make_curve_kernel

_RUNNING = ("compiling", "warmup", "sampling")


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
        As for ``numpyro.infer.MCMC``; the draws equal ``MCMC(..., chain_method="sequential")``'s.
    parallel : int, optional
        Threads that step the chains at once (default: one per core, at most one per chain; 1: one chain
        after the other). No XLA flags needed: one chain's chunk is compiled and called from each thread.
    restart_warmup : int
        Warm-up steps of a restart (a control change, ``run()`` again) once a warm-up has ended: the chains
        keep the step size and mass matrix adapted before and tune the step size again (default 50).
        ``restart_warmup=num_warmup`` gives every restart the full number of steps.
    init_strategy : callable, optional
        As for ``numpyro.infer.NUTS`` (default ``init_to_uniform()``, radius 2 in the unconstrained space).
    controls : dict, optional
        Model arguments the page can change, name -> (min, max): a slider each. ``"y[3]"`` names element 3 of
        an array argument ``y`` (drag an observed value). A change restarts the chains from where they are,
        with a short warm-up (``restart_warmup``).
    curve : callable ``curve(draw, x) -> y``, optional
        A posterior predictive curve in data space, drawn for ``num_curves`` recent draws over ``curve_x``;
        ``draw`` maps site names to one draw's values.
    data : array or (x, y), optional
        Observed data for the data-space panel: samples (drawn as a histogram) or points.
    reference : dict, optional
        Site name (as in ``sites``) -> a value to mark in the pair and trace plots, e.g. the truth or the MLE;
        named ``reference_label`` in the legend. Both are traits: assign them at any time.

    Construction only traces the model, so it returns at once: a model that cannot be traced raises a readable
    ``FunctionError`` here; one with no valid start (NaN log density everywhere tried) says why in ``error``.

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
    pair = SitePair(help="Sites of the pair plot.").tag(sync=True)
    summary: traitlets.List[Any] = traitlets.List(
        read_only=True, help="Summary rows of the draws so far (as arviz.summary computes them)."
    ).tag(sync=True)
    controls = traitlets.Dict(read_only=True).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    reference = SiteValues(help="Site -> value marked in the pair and trace plots.").tag(sync=True)
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
        parallel: int | None = None,
        restart_warmup: int = 50,
        curve: Callable[[dict[str, Any], Any], Any] | None = None,
        curve_x: Any = None,
        num_curves: int = 30,
        data: Any = None,
        title: str = "",
        reference: Mapping[str, float] | None = None,
        reference_label: str = "reference",
        **kwargs: Any,
    ) -> None:
        counts = {"num_chains": num_chains, "num_warmup": num_warmup, "num_samples": num_samples}
        _check_counts(**counts, chunk_length=chunk_length, restart_warmup=restart_warmup)
        if not callable(model):
            raise TypeError(f"model must be a NumPyro model function, not {type(model).__name__}")
        super().__init__(title=title)
        self._chains = Chains(  # readable errors of models that cannot be traced raise here
            model,
            args,
            kwargs,
            controls=controls or {},
            seed=seed,
            sites=sites,
            num_chains=num_chains,
            num_warmup=num_warmup,
            chunk_length=chunk_length,
            parallel=parallel,
            restart_warmup=restart_warmup,
            algorithm=algorithm,
            init_strategy=init_strategy,
        )
        site_names = self._chains.sites
        self._curve = make_curve_kernel(curve, curve_x, num_curves)
        self._curve_x = None if curve_x is None else np.asarray(curve_x, np.float32)
        for name, value in {**counts, "sites": site_names}.items():
            self.set_trait(name, value)
        self.pair = tuple((site_names * 2)[:2])
        self.set_trait("controls", self._chains.controls_state())
        self.reference, self.reference_label = dict(reference or {}), reference_label
        if data is not None:
            self._data = data_state(data)
        self._run = 0
        self._started = self._closing = False
        self._reset_draws()
        self._worker: NewestJobWorker[_Job] = NewestJobWorker("posterior", self._work)
        self.run()

    # ---- public API -----------------------------------------------------------------------------

    def run(self) -> Posterior:
        """Start sampling (after the first run: a new run from where the chains are, short warm-up)."""
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
        """Block until the current run is done, stopped or failed, and the sampling thread is idle."""
        deadline = time.monotonic() + timeout
        while self.status in _RUNNING and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.status in _RUNNING or not self._worker.wait_idle(max(0.0, deadline - time.monotonic())):
            raise TimeoutError(f"sampling not finished within {timeout} s")
        return self

    def set_control(self, name: str, value: float) -> None:
        """Change a control (as the slider does): the chains restart from the new setting."""
        with self._request_lock:
            self._chains.set_control(name, value)
            self._submit(_Job(restart=True))
            self.set_trait("controls", self._chains.controls_state())

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
        return trace_figure(self, site)

    def close(self) -> None:
        """Stop the sampling thread and close the widget."""
        if hasattr(self, "_worker"):  # else construction failed early
            with self._request_lock:
                self._closing = True
                self._worker.abandon()
            thread = self._worker.thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=30)
            self._chains.close()
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
            self._chains.compile()  # the first time only: long, not interruptible
            self._sample(generation, job)
            self._chains.compile_restart()  # the first time only, once the run is over: for the next change
            release_freed_memory()
        except Exception as exc:  # never die silently: the banner and `error` say why
            with self._request_lock:
                if self._worker.is_current(generation):
                    self.error = explain_exception(exc, "sampling")
                    self._set_status("error")

    def _sample(self, generation: int, job: _Job) -> None:
        """The rest of the run, chunk by chunk, until done or stale."""
        with self._request_lock:
            if not self._worker.is_current(generation):
                return
            if job.restart:
                self._begin_run()
            if self.status == "compiling":
                self._set_status("warmup")
            args, chunks = (
                self._chains.args,
                self._chains.stream(self._feed.log.num_samples - self._feed.log.count),
            )
        with contextlib.closing(chunks):  # stops the chains' steps ahead when this run goes stale
            for state, chunk in chunks:
                with self._request_lock:
                    if not self._worker.is_current(generation):
                        return  # a newer run or a stop came while this chunk ran: its draws are not shown
                    self._chains.accept(state, chunk)
                    if self._feed.show(chunk, self._run, args):
                        self._set_status("sampling")
        with self._request_lock:
            self._finish(generation, "done")

    def _finish(self, generation: int, status: str) -> None:
        if self._worker.is_current(generation) and self.status in _RUNNING:
            self._set_status(status)
            self._feed.publish_summary(force=True)

    def _begin_run(self) -> None:
        """A fresh warm-up from where the chains are, for the current model arguments."""
        self._chains.restart()
        self._run += 1
        self._reset_draws()
        self.error = ""
        self._push("reset", {"run": self._run})
        self._set_status("warmup")

    def _reset_draws(self) -> None:
        log = DrawLog(self.num_chains, len(self.sites), self.num_warmup, self.num_samples)
        extras = (self._curve, self._curve_x, self._chains.density)
        self._feed = DrawFeed(log, self.sites, self._push, self.set_trait, *extras)
        self._density = {}

    def _collected(self) -> tuple[np.ndarray, np.ndarray]:
        with self._request_lock:
            return self._feed.log.collected()

    def _set_status(self, status: str) -> None:
        if self.status != status:
            self.set_trait("status", status)

    # ---- page requests ---------------------------------------------------------------------------

    @handles("replay")
    def _replay(self, _content: dict[str, Any]) -> Reply:
        with self._request_lock:
            records, buffers = pack_arrays(**self._feed.replay())
        return {"run": self._run, **records}, buffers

    @handles("control")
    def _control(self, content: dict[str, Any]) -> Reply:
        name, value = content.get("name"), finite_number(content, "value")
        if not isinstance(name, str) or name not in self._chains.specs:
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

    def _snapshot_html(self) -> str:
        return posterior_snapshot(self)

    def _static_state(self, **options: Any) -> dict[str, Any]:
        return {"replies": {"replay": saved_reply(self._replay({}))}}  # the page's draws, asked on render

    def __repr__(self) -> str:
        rows = ", ".join(
            f"{row['site']} = {row['mean']:.4g} ± {row['sd']:.3g} (r_hat {row['r_hat']:.3f})"
            for row in self.summary
            if row.get("mean") is not None and row.get("r_hat") is not None
        )
        count = self._feed.log.count if hasattr(self, "_feed") else 0  # 0 when construction failed early
        return f"Posterior ({self.status}, {count} of {self.num_samples} draws per chain) {rows}".strip()


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < (0 if name in ("num_warmup", "restart_warmup") else 1)
        ):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


__all__ = ["FunctionError", "Posterior", "summary_rows"]  # summary_rows: the live table's rows
