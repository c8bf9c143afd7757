"""Posterior streaming against plain NumPyro ``MCMC.run`` with each of its chain methods, in one run.

    python benchmarks/posterior.py [--models seed cheap] [--seeds 0 1 2]
                                   [--chains 2] [--warmup 300] [--samples 500]

Every measurement runs in a fresh process of its own, one after the other: "parallel" needs
``XLA_FLAGS=--xla_force_host_platform_device_count=N`` set before JAX is imported, and the others must not see
that flag. Models: "seed", the double Gaussian fitted to 20,000 points in examples/posterior.ipynb (naive
priors), and "cheap", a straight line through 50 points, where the per-chunk overheads show.

Reported per model, as means over the seeds (NUTS's trajectories, and so its time, differ by seed, and on the
seed model also between two programs that differ in their last bits): each plain method's first call and
second call (``MCMC.run`` compiles on every call, so both include a compile; the first also pays for JAX's
first use in the process, as the widget does). For the widget (default threads, and one thread; an empty JAX
compilation cache unless ``--warm-cache``): construction, compile, the first warm-up steps sent and the first
posterior draws after compilation, the total (construct + compile + sampling, until the status says done, with
the final table shown) and its ratio to the fastest plain second call (goal <= 1.10) and first call, the time
until the last draws were sent, and the time from a control change (``yerr`` or ``prior_scale``, via
``set_control`` as the slider's handler calls it) to the first draws of the new run (goal <= 3 s).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

METHODS = ("vectorized", "sequential", "parallel")
CONTROLS = {"seed": ("yerr", (0.05, 1.0), 0.3, 0.4), "cheap": ("prior_scale", (0.1, 10.0), 2.0, 1.0)}


def seed_model(x: Any, y: Any, yerr: Any) -> None:
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    amp = numpyro.sample("amp", dist.Uniform(1, 3), sample_shape=(2,))
    mean = numpyro.sample("x", dist.Uniform(-4, 4), sample_shape=(2,))
    sigma = numpyro.sample("sigma", dist.Uniform(0.5, 1.5), sample_shape=(2,))
    curve = amp[0] * jnp.exp(-0.5 * (x - mean[0]) ** 2 / sigma[0] ** 2) + amp[1] * jnp.exp(
        -0.5 * (x - mean[1]) ** 2 / sigma[1] ** 2
    )
    numpyro.sample("obs", dist.Normal(curve, yerr), obs=y)


def cheap_model(x: Any, y: Any, prior_scale: Any) -> None:
    import numpyro
    import numpyro.distributions as dist

    slope = numpyro.sample("slope", dist.Normal(0.0, prior_scale))
    intercept = numpyro.sample("intercept", dist.Normal(0.0, prior_scale))
    numpyro.sample("obs", dist.Normal(slope * x + intercept, 0.3), obs=y)


def problem(name: str) -> tuple[Any, tuple[Any, ...]]:
    """The model and its arguments."""
    import numpy as np

    rng = np.random.default_rng(0)
    if name == "cheap":
        x = np.linspace(-1, 1, 50).astype(np.float32)
        return cheap_model, (x, np.asarray(1.5 * x - 0.5 + rng.normal(0, 0.3, 50), np.float32), 2.0)
    x = rng.uniform(-3, 3, 20_000).astype(np.float32)
    curve = 2.0 * np.exp(-0.5 * (x + 0.5) ** 2 / 0.36) + 1.5 * np.exp(-0.5 * (x - 0.6) ** 2 / 0.81)
    return seed_model, (x, np.asarray(curve + rng.normal(0, 0.3, x.size), np.float32), 0.3)


def plain(
    method: str, model_name: str, seed: int, chains: int, warmup: int, samples: int
) -> dict[str, float]:
    """In a worker process: ``MCMC.run`` twice with ``method``, timed."""
    import jax
    from numpyro.infer import MCMC, NUTS

    model, args = problem(model_name)
    times = []
    for _ in range(2):
        mcmc = MCMC(
            NUTS(model),
            num_warmup=warmup,
            num_samples=samples,
            num_chains=chains,
            chain_method=method,
            progress_bar=False,
        )
        started = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed), *args)
        jax.block_until_ready(mcmc.get_samples())
        times.append(time.perf_counter() - started)
    return {"first_s": times[0], "second_s": times[1], "devices": jax.local_device_count()}


def widget(
    parallel: int | None, model_name: str, seed: int, chains: int, warmup: int, samples: int
) -> dict[str, float]:
    """In a worker process: the widget's run, then a control change, timed by the messages it sends. The
    libraries are imported before the clock starts, as for ``plain`` (``start.py`` times imports)."""
    from jaxwidgets import Posterior  # imports JAX and NumPyro (jaxwidgets' own import is lazy)

    model, args = problem(model_name)
    control, bounds, _, changed = CONTROLS[model_name]
    started = time.perf_counter()
    post = Posterior(
        model, *args, num_chains=chains, num_warmup=warmup, num_samples=samples, parallel=parallel,
        controls={control: bounds}, seed=seed,
    )  # fmt: skip
    constructed = time.perf_counter()
    sent: dict[tuple[str, int], float] = {}  # (message type, run) -> when the first one went to the page
    last: dict[tuple[str, int], float] = {}  # ... and the last one
    send = post.send

    def timed_send(content: dict, buffers: list | None = None) -> None:
        kind = (content.get("type", ""), content.get("run", 0))
        sent.setdefault(kind, time.perf_counter())
        last[kind] = time.perf_counter()
        send(content, buffers)

    post.send = timed_send  # type: ignore[method-assign]
    finished: list[float] = []  # when the status said "done": the final table is on the page then

    def on_status(change: dict[str, Any]) -> None:
        if change["new"] == "done":
            finished.append(time.perf_counter())

    post.observe(on_status, names="status")
    while post.status == "compiling":
        time.sleep(0.001)
    compiled = time.perf_counter()
    post.wait()  # and the restart program, compiled once the run is over, for the control change below
    done = finished[0]
    changed_at = time.perf_counter()
    post.set_control(control, changed)
    post.wait()
    post.close()
    return {
        "construct_s": constructed - started,
        "compile_s": compiled - constructed,
        "first_warmup_steps_after_compile_s": sent.get(("warmup", 0), math.nan) - compiled,
        "first_draws_after_compile_s": sent.get(("draws", 0), math.nan) - compiled,
        "sampling_s": done - compiled,
        "total_s": done - started,
        "all_draws_s": last.get(("draws", 0), math.nan) - started,
        "control_to_first_new_draws_s": sent.get(("draws", 1), math.nan) - changed_at,
        "threads": post._chains.pool.threads,
    }


def measure(kind: str, model_name: str, seed: int, options: argparse.Namespace) -> dict[str, Any]:
    """Run one measurement in a fresh process (with XLA's host devices for "parallel")."""
    env = dict(os.environ)
    if kind == "parallel":
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={options.chains}"
    else:
        env.pop("XLA_FLAGS", None)
    counts = [f"--chains={options.chains}", f"--warmup={options.warmup}", f"--samples={options.samples}"]
    command = [sys.executable, __file__, "--worker", kind, "--models", model_name, f"--seeds={seed}", *counts]
    with contextlib.ExitStack() as stack:
        if kind.startswith("widget") and not options.warm_cache:  # compiled as on its first run ever
            cache = tempfile.TemporaryDirectory(prefix="jaxwidgets-posterior-bench-")
            env["JAXWIDGETS_CACHE_DIR"] = stack.enter_context(cache)
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{kind} on {model_name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def averaged(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each measurement's mean over the seeds."""
    return {key: statistics.fmean(run[key] for run in runs) for key in runs[0]}


def report(model_name: str, runs: dict[str, list[dict[str, Any]]], options: argparse.Namespace) -> None:
    """Means over the seeds, and the widget's ratio seed by seed."""
    results = {kind: averaged(seed_runs) for kind, seed_runs in runs.items()}
    fastest = min(METHODS, key=lambda method: results[method]["second_s"])
    fastest_first = min(METHODS, key=lambda method: results[method]["first_s"])
    counts = f"{options.chains} chains, {options.warmup} warm-up + {options.samples} draws each"
    print(f"\nmodel {model_name}: {counts}; means over seeds {' '.join(map(str, options.seeds))}")
    for method in METHODS:
        first, second = results[method]["first_s"], results[method]["second_s"]
        print(f"  plain MCMC.run {method:<11} first call {first:7.2f} s   second call {second:7.2f} s")
    for kind in ("widget", "widget-1"):
        w = results[kind]
        ratio = w["total_s"] / results[fastest]["second_s"]
        draws_ratio = w["all_draws_s"] / results[fastest]["second_s"]
        first_ratio = w["total_s"] / results[fastest_first]["first_s"]
        print(
            f"  Posterior, {w['threads']:.0f} thread(s): construct {w['construct_s']:.2f} s, compile "
            f"{w['compile_s']:.2f} s, total {w['total_s']:.2f} s = {ratio:.2f} x {fastest}'s second call "
            f"(goal <= 1.10), {first_ratio:.2f} x {fastest_first}'s first call"
        )
        by_seed = [
            f"{run['total_s'] / plain_run['second_s']:.2f}"
            for run, plain_run in zip(runs[kind], runs[fastest], strict=True)
        ]
        print(f"    seed by seed, total / {fastest}'s second call: {' '.join(by_seed)}")
        print(
            f"    all draws sent {w['all_draws_s']:.2f} s = {draws_ratio:.2f} x {fastest}'s second call; the "
            "rest of the total is the final summary table"
        )
        print(
            f"    after compiling: first warm-up steps sent {w['first_warmup_steps_after_compile_s']:.2f} s, "
            f"first posterior draws {w['first_draws_after_compile_s']:.2f} s; control change to first new "
            f"draws {w['control_to_first_new_draws_s']:.2f} s (goal <= 3 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["seed", "cheap"], choices=["seed", "cheap"])
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="NUTS's trajectories, and so its time, differ by seed, and by the compiled program's last bits: "
        "the widget's chains and plain NumPyro's part ways on the seed model, so one seed is a coin toss",
    )
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="the widget uses the user's JAX compilation cache (default: an empty one, as on its first run)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    counts = (options.chains, options.warmup, options.samples)
    if options.worker:  # one measurement, in this fresh process
        kind, model_name, seed = options.worker, options.models[0], options.seeds[0]
        if kind in METHODS:
            print(json.dumps(plain(kind, model_name, seed, *counts)))
        else:
            print(json.dumps(widget(1 if kind == "widget-1" else None, model_name, seed, *counts)))
        return
    everything: dict[str, Any] = {"options": vars(options), "cores": os.cpu_count()}
    for model_name in options.models:
        kinds = (*METHODS, "widget", "widget-1")
        runs = {kind: [measure(kind, model_name, seed, options) for seed in options.seeds] for kind in kinds}
        everything[model_name] = runs
        report(model_name, runs, options)
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"posterior-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
