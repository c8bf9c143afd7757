"""CurveFit's Fit against scipy's BFGS on seed 001's double Gaussian, and the cost of one parameter change.

    python benchmarks/fit.py [--points 20000] [--repeats 5]

Reported (medians over ``repeats``): the widget's Fit (optax L-BFGS, one compiled ``lax.scan`` that also
records every iterate and its curve), scipy BFGS as the seed tutorial runs it (NumPy model, finite-difference
gradients), and scipy BFGS with JAX's exact gradient (what the widget shows beside its own); iterations and
final chi^2 of each. Also one page request (loss, gradient, curve, sensitivities: the drag path's work in
the kernel) and the widget's construction (tracing and compiling every kernel).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import time
from typing import Any

import jax.numpy as jnp
import numpy as np
from scipy.optimize import minimize

import jaxwidgets

START = {"a0": 1.5, "x0": -0.2, "s0": 0.7, "a1": 1.5, "x1": 0.2, "s1": 0.7}


def model(p: Any, x: Any) -> Any:
    first = p["a0"] * jnp.exp(-0.5 * (x - p["x0"]) ** 2 / p["s0"] ** 2)
    return first + p["a1"] * jnp.exp(-0.5 * (x - p["x1"]) ** 2 / p["s1"] ** 2)


def median_seconds(run: Any, repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = np.linspace(-5, 5, args.points)
    truth = {"a0": 2.0, "x0": -0.5, "s0": 0.6, "a1": 1.5, "x1": 0.6, "s1": 0.9}
    y = np.asarray(model(truth, x)) + rng.normal(scale=0.3, size=x.size)
    names = sorted(START)

    started = time.perf_counter()
    fit = jaxwidgets.CurveFit(model, x, y, START, yerr=0.3)
    construct = time.perf_counter() - started

    def widget_fit() -> Any:
        fit.params = START
        return fit.fit(compare_scipy=False)

    def chi2_numpy(v: np.ndarray) -> float:
        p = dict(zip(names, v, strict=True))
        return float(np.sum((np.asarray(model(p, x)) - y) ** 2 / 0.3**2))

    start = np.array([START[n] for n in names])
    rows = {}
    seconds, result = median_seconds(widget_fit, args.repeats)
    rows["widget Fit (optax L-BFGS, path recorded)"] = (seconds, result.iterations, result.loss)
    seconds, found = median_seconds(lambda: minimize(chi2_numpy, start, method="BFGS"), args.repeats)
    rows["scipy BFGS, finite differences (seed)"] = (seconds, found.nit, found.fun)
    seconds, result = median_seconds(lambda: (setattr(fit, "params", START), fit.fit())[1], args.repeats)
    seconds -= median_seconds(widget_fit, args.repeats)[0]
    rows["scipy BFGS, JAX exact gradient"] = (seconds, result.scipy.iterations, result.scipy.loss)

    values = [float(START[n]) for n in names]
    request = {"type": "params", "seq": 1, "values": values}
    fit.send = lambda *a, **k: None  # type: ignore[method-assign]
    per_change, _ = median_seconds(lambda: fit._handle_request(dict(request)), 50)

    print(f"{args.points} points; construction (trace + compile every kernel) {construct:.2f} s")
    print(f"one parameter change (loss, gradient, curve, sensitivities): {per_change * 1e3:.2f} ms")
    print(f"{'optimizer':45} {'wall':>9} {'iterations':>10} {'chi2':>12}")
    for name, (wall, iterations, loss) in rows.items():
        print(f"{name:45} {wall * 1e3:7.1f}ms {iterations:10d} {loss:12.3f}")
    out = pathlib.Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    record = {"points": args.points, "construct_s": construct, "change_s": per_change, "fits": rows}
    (out / f"fit-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
