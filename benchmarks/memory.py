"""Kernel memory per lesson: each ``examples/*.ipynb`` run in a fresh kernel, then the kernel's RSS.

Usage: ``python benchmarks/memory.py [--notebooks loss_surface,descent] [--settle S]``. Every notebook runs
top to bottom in a kernel of its own (nbclient; no browser, so no view asks for anything); after its last
cell and ``--settle`` seconds (background work such as a sampler's first chunks), one more cell reports the
kernel's resident memory now and at its peak, and which of the heavy libraries the lesson imported. Two
reference rows: a bare kernel, and a kernel that only imported JAX. Prints a table and writes JSON to
``benchmarks/results/memory-<time>.json``. What the rows mean: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
RESULTS = Path(__file__).resolve().parent / "results"
HEAVY = ("jax", "optax", "numpyro", "arviz", "bqplot", "matplotlib", "pandas", "xarray", "scipy")

# The last cell: SETTLE is replaced by the seconds to wait first.
REPORT = f"""
import json as _json, resource as _resource, sys as _sys, time as _time
_time.sleep(SETTLE)
with open("/proc/self/status") as _status:
    _rss = next(int(line.split()[1]) for line in _status if line.startswith("VmRSS:"))
print("MEMORY " + _json.dumps({{
    "rss_mb": _rss / 1024,
    "peak_mb": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024,
    "heavy": [name for name in {HEAVY!r} if name in _sys.modules],
}}))
"""

REFERENCES = {
    "(bare kernel)": [],
    "(import jax only)": ["import jax, jax.numpy as jnp\njnp.zeros(3) + 1"],
    "(import jaxwidgets)": ["import jaxwidgets"],
}


def kernel_memory(cells: list[str], settle: float, cwd: Path) -> dict[str, Any]:
    """Run ``cells`` in a fresh kernel, then report its memory: rss_mb, peak_mb, heavy, seconds."""
    notebook = nbformat.v4.new_notebook()
    sources = [*cells, REPORT.replace("SETTLE", repr(settle))]
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    started = time.perf_counter()
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    ).execute()
    seconds = time.perf_counter() - started
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith("MEMORY "):
                return {**json.loads(line.removeprefix("MEMORY ")), "seconds": seconds}
    raise RuntimeError(f"no memory report: {notebook.cells[-1].outputs}")


def lesson_cells(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks", default="", help="comma-separated names in examples/ (default all)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the last cell (default 3)")
    parser.add_argument(
        "--src", default=str(REPO / "src"), help="the jaxwidgets source tree the kernels import"
    )
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(args.src).resolve()), os.environ.get("PYTHONPATH")])
    )
    names = [name for name in args.notebooks.split(",") if name] or sorted(
        p.stem for p in EXAMPLES.glob("*.ipynb")
    )
    results: dict[str, Any] = {}
    for label, cells in REFERENCES.items():
        results[label] = kernel_memory(cells, args.settle, EXAMPLES)
    for name in names:
        results[name] = kernel_memory(lesson_cells(EXAMPLES / f"{name}.ipynb"), args.settle, EXAMPLES)
    print(f"{'notebook':22} {'RSS (MB)':>9} {'peak (MB)':>10} {'run (s)':>8}  heavy libraries imported")
    for name, result in results.items():
        heavy = ", ".join(result["heavy"]) or "-"
        row = f"{name:22} {result['rss_mb']:9.0f} {result['peak_mb']:10.0f} {result['seconds']:8.1f}"
        print(f"{row}  {heavy}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"memory-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, "args": vars(args), **results}, indent=2))
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
