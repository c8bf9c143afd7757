"""How long a widget takes to start in a fresh Python process: import, construction, first results.

    python benchmarks/start.py [--subjects surface descent posterior-seed posterior-cheap] [--samples 3]
                               [--compilation-cache off|fresh|warm] [--baseline PATH/src]

No browser: this is the kernel's share of a notebook's first picture. Each sample is a new process that
imports the widget's class (``from jaxwidgets import LossSurface``), constructs it, and waits for its first
results: for LossSurface and Descent, the full surface computed (``wait_for_surface``; their kernels compile
in the constructor); for Posterior (the models of ``posterior.py``, 2 chains, 300 warm-up + 500 draws), the
end of the compile and the first warm-up message sent. ``--compilation-cache``: off
(``JAXWIDGETS_COMPILATION_CACHE=0``), fresh (an empty cache directory per sample: compiled and written) or
warm (a directory filled by one unmeasured run first: a notebook run again). ``--baseline`` times another
source tree too (e.g. an export of main's ``src`` with its built bundles), the samples taking turns so that
both see the same load. Prints the medians; writes no file.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = pathlib.Path(__file__).parent
SUBJECTS = ("surface", "descent", "posterior-seed", "posterior-cheap")


def surface(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2  # latency.py's function


def sample(subject: str) -> dict[str, float]:
    """In a worker process: import, construct, first results (seconds from the start of the import)."""
    started = time.perf_counter()
    if subject.startswith("posterior"):
        sys.path.insert(0, str(HERE))
        from posterior import problem  # the benchmark's models (imports nothing heavy at the top)

        from jaxwidgets import Posterior

        imported = time.perf_counter()
        model, args = problem(subject.removeprefix("posterior-"))
        post = Posterior(model, *args, num_chains=2, num_warmup=300, num_samples=500)
        constructed = time.perf_counter()
        sent: list[float] = []
        send = post.send
        post.send = lambda content, buffers=None: (sent.append(time.perf_counter()), send(content, buffers))  # type: ignore[method-assign]
        while post.status == "compiling" or (not sent and post.status in ("warmup", "sampling")):
            time.sleep(0.001)
        first = (sent or [float("nan")])[0]
        post.close()
    else:
        import jaxwidgets

        kind = jaxwidgets.LossSurface if subject == "surface" else jaxwidgets.Descent  # its module only
        imported = time.perf_counter()
        widget = kind(surface, x=(-2, 2), y=(-2, 2), resolution=200)
        constructed = time.perf_counter()
        widget.wait_for_surface()
        first = time.perf_counter()
        widget.close()
    return {
        "import_s": imported - started,
        "construct_s": constructed - imported,
        "first_results_s": first - started,
    }


def measure(src: str, subject: str, cache: str, cache_dir: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": src, "JAXWIDGETS_CACHE_DIR": cache_dir}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if cache == "off":
        env["JAXWIDGETS_COMPILATION_CACHE"] = "0"
    command = [sys.executable, __file__, "--worker", subject]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"{src} on {subject} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(src: str, subject: str, cache: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-cache-") as cache_dir:
        if cache == "warm":
            measure(src, subject, cache, cache_dir)  # fills the cache: the notebook's first run
        return measure(src, subject, cache, cache_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", nargs="+", default=list(SUBJECTS), choices=SUBJECTS)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--compilation-cache", default="fresh", choices=["off", "fresh", "warm"])
    parser.add_argument("--baseline", help="another source tree to time in the same run")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(sample(options.worker)))
        return
    trees = {"this": str(HERE.parent / "src"), **({"baseline": options.baseline} if options.baseline else {})}
    print(f"compilation cache {options.compilation_cache}; load average {os.getloadavg()[0]:.1f} at start")
    for subject in options.subjects:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(options.samples):
            for name, src in trees.items():
                runs[name].append(run(src, subject, options.compilation_cache))
        for name, results in runs.items():
            medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
            print(f"{subject:16} {name:8} " + "  ".join(f"{k} {v:5.2f}" for k, v in medians.items()))
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
