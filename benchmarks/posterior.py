"""Posterior streaming against a plain NumPyro ``MCMC.run`` of the same model and draw count, in one process.

    python benchmarks/posterior.py [--points 20000] [--chains 2] [--warmup 300] [--samples 500]

The model is the double Gaussian fitted to 20,000 points in examples/posterior.ipynb (naive priors). Reported:
the plain run's wall time (its first call, which compiles, and a second call), and for the widget:
construction (tracing, initial point), compile, the time from the start of sampling to the first post-warm-up
draws and to the last, and the streaming overhead = widget total (construct + compile + sampling) / plain
second call - 1. Both totals include a compile (``MCMC.run`` compiles on every call), so the two compare like
for like.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS

import jaxwidgets


def double_gaussian(p, x):
    a0, x0, s0, a1, x1, s1 = p
    return a0 * jnp.exp(-0.5 * (x - x0) ** 2 / s0**2) + a1 * jnp.exp(-0.5 * (x - x1) ** 2 / s1**2)


def model(x, y, yerr):
    amp = numpyro.sample("amp", dist.Uniform(1, 3), sample_shape=(2,))
    mean = numpyro.sample("x", dist.Uniform(-4, 4), sample_shape=(2,))
    sigma = numpyro.sample("sigma", dist.Uniform(0.5, 1.5), sample_shape=(2,))
    curve = double_gaussian([amp[0], mean[0], sigma[0], amp[1], mean[1], sigma[1]], x)
    numpyro.sample("obs", dist.Normal(curve, yerr), obs=y)


def data(points: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, points).astype(np.float32)
    y = double_gaussian([2.0, -0.5, 0.6, 1.5, 0.6, 0.9], x) + rng.normal(0, 0.3, points)
    return x, np.asarray(y, np.float32)


def plain_run(args: tuple, chains: int, warmup: int, samples: int) -> float:
    mcmc = MCMC(
        NUTS(model),
        num_warmup=warmup,
        num_samples=samples,
        num_chains=chains,
        chain_method="vectorized",
        progress_bar=False,
    )
    started = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(0), *args)
    jax.block_until_ready(mcmc.get_samples())
    return time.perf_counter() - started


def widget_run(args: tuple, chains: int, warmup: int, samples: int) -> dict[str, float]:
    started = time.perf_counter()
    post = jaxwidgets.Posterior(model, *args, num_chains=chains, num_warmup=warmup, num_samples=samples)
    constructed = time.perf_counter()
    sent: dict[str, float] = {}  # message type -> when the first one went to the page
    send = post.send

    def timed_send(content: dict, buffers: list | None = None) -> None:
        sent.setdefault(content.get("type", ""), time.perf_counter())
        send(content, buffers)

    post.send = timed_send  # type: ignore[method-assign]
    while post.status == "compiling":
        time.sleep(0.001)
    compiled = time.perf_counter()
    while post.status == "warmup":
        time.sleep(0.001)
    first_draws = time.perf_counter()
    post.wait()
    done = time.perf_counter()
    post.close()
    return {
        "construct_s": constructed - started,
        "compile_s": compiled - constructed,
        "first_warmup_draws_after_compile_s": sent.get("warmup", math.nan) - compiled,
        "first_draws_after_compile_s": first_draws - compiled,
        "sampling_s": done - compiled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--samples", type=int, default=500)
    options = parser.parse_args()
    x, y = data(options.points)
    args = (x, y, 0.3)
    counts = (options.chains, options.warmup, options.samples)
    plain_first = plain_run(args, *counts)
    plain_second = plain_run(args, *counts)
    widget = widget_run(args, *counts)
    total = widget["construct_s"] + widget["compile_s"] + widget["sampling_s"]
    overhead = total / plain_second - 1
    results = {
        "plain_first_s": plain_first,
        "plain_second_s": plain_second,
        **widget,
        "streaming_overhead": overhead,
        "options": vars(options),
    }
    print(
        f"model: seed 001 double Gaussian, {options.points} points, {options.chains} chains, "
        f"{options.warmup} warm-up + {options.samples} draws each"
    )
    print(f"plain MCMC.run            first call {plain_first:7.2f} s   second call {plain_second:7.2f} s")
    construct, compile_s = widget["construct_s"], widget["compile_s"]
    print(f"jaxwidgets.Posterior      construct {construct:.2f} s, compile {compile_s:.2f} s")
    print(
        f"  first draws sent        {widget['first_warmup_draws_after_compile_s']:7.2f} s after compilation "
        "(warm-up draws, shown faded while warm-up lasts)"
    )
    print(
        f"  first posterior draws   {widget['first_draws_after_compile_s']:7.2f} s after compilation "
        "(the end of warm-up)"
    )
    print(f"  all draws               {widget['sampling_s']:7.2f} s after compilation")
    print(f"  total with compile      {total:7.2f} s")
    print(f"streaming overhead        {100 * overhead:+.1f} % against the plain second call (goal < 10 %)")
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"posterior-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
