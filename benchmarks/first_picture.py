"""The first picture: Run All in a fresh kernel, to the first frame that shows the widget.

``python benchmarks/latency.py --first-picture [--samples N] [--compilation-cache fresh|warm]
[--baseline PATH/src] [--scenarios surface,descent]`` (the JupyterLab + Chromium driver is
``tests/browser/lab.py``, as for the drag latency). Per scenario, one notebook per subject draws the same
picture in one cell: jaxwidgets (LossSurface, Descent), ipywidgets ``interact`` + matplotlib, and bqplot.
All notebooks are open in one JupyterLab, a page each, and the samples go round-robin over them, so a busy
moment of a shared machine hits every subject alike. A sample brings the notebook's page to the front (as a
user looks at the notebook they run), clears its outputs, restarts its kernel, waits until the kernel is
idle, and runs all cells. One untimed round goes first: it fills the operating
system's file cache (and, with ``warm``, the compilation cache).

What is timed, in the page's clock from the ``notebook:run-all-cells`` command, to within a frame:

* jaxwidgets: ``surface``, the frame that paints the heatmap (the root's ``data-painted-generation``), and
  ``picture``, once the exact probe (LossSurface) or runs (Descent) are drawn too (the first
  ``jaxwidgets:frame`` event of kind ``exact``);
* interact: ``picture``, the frame after the output's first ``<img>`` is decoded;
* bqplot: ``picture``, the frame after the HeatMap's image is in the figure;
* jax-floor (no picture, the least any JAX-computed picture costs): ``picture``, the frame after a line of
  text that the cell shows once it has imported JAX and computed ``f`` on the 200 x 200 grid with one
  ``jax.jit`` call.

The JAX compilation cache of the jaxwidgets kernels (``JAXWIDGETS_CACHE_DIR``, a symlink that each kernel
start resolves anew): ``fresh`` points it at a new empty directory before every sample, the cost of a
notebook's very first run; ``warm`` at one directory that the untimed round fills, the cost of a rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIOS = ("surface", "descent")

BQPLOT_SURFACE = """
import bqplot as bq
import numpy as np

centres = (np.arange(200) + 0.5) / 200 * 4 - 2
X, Y = np.meshgrid(centres, centres)
x_scale, y_scale = bq.LinearScale(min=-2, max=2), bq.LinearScale(min=-2, max=2)
heat = bq.HeatMap(x=centres, y=centres, color=f(X, Y),
                  scales={"x": x_scale, "y": y_scale, "color": bq.ColorScale(scheme="viridis")})
marks = [heat]
"""

BQPLOT_FIGURE = """
axes = [bq.Axis(scale=x_scale, label="x"), bq.Axis(scale=y_scale, label="y", orientation="vertical")]
bq.Figure(marks=marks, axes=axes, min_aspect_ratio=1, max_aspect_ratio=1)
"""

BQPLOT_PROBE = """
marks.append(bq.Scatter(x=[-1.0], y=[-1.0], scales={"x": x_scale, "y": y_scale}, enable_move=True,
                        colors=["white"]))
"""

BQPLOT_PATHS = """
for (name, points), color in zip(paths(START).items(), ["#E69F00", "#56B4E9", "#CC79A7"]):
    marks.append(bq.Lines(x=points[:, 0], y=points[:, 1], scales={"x": x_scale, "y": y_scale},
                          colors=[color], labels=[name]))
marks.append(bq.Scatter(x=[START[0]], y=[START[1]], scales={"x": x_scale, "y": y_scale}, enable_move=True,
                        colors=["white"]))
"""


JAX_FLOOR = """
import jax
import numpy as np
from IPython.display import HTML

centres = ((np.arange(200) + 0.5) / 200 * 4 - 2).astype(np.float32)
X, Y = np.meshgrid(centres, centres)
jax.jit(f)(X, Y).block_until_ready()
HTML('<div class="jax-floor">f computed on the grid with JAX</div>')
"""


def scenarios(latency: Any, baseline: str | None = None) -> dict[str, dict[str, list[str]]]:
    """The cells of each subject, per scenario; the jaxwidgets and interact ones are latency.py's.

    ``baseline``: another jaxwidgets' source tree (``.../src``), timed in the same run as subject
    ``jaxwidgets-baseline`` (its kernel imports jaxwidgets from there).
    """
    interact = latency.DESCENT_INTERACT_CELLS[0]
    paths_code = interact[interact.index("RATE, STEPS") : interact.index("def draw")]  # NumPy's three paths
    start = f"START = {latency.DESCENT_START}\n"
    chosen = {
        "surface": {
            "jaxwidgets": latency.JAXWIDGETS_CELLS,
            "interact": latency.INTERACT_CELLS,
            "bqplot": [latency.SEED + BQPLOT_SURFACE + BQPLOT_PROBE + BQPLOT_FIGURE],
            "jax-floor": [latency.SEED + JAX_FLOOR],
        },
        "descent": {
            "jaxwidgets": latency.DESCENT_CELLS,
            "interact": latency.DESCENT_INTERACT_CELLS,
            "bqplot": [latency.SEED + BQPLOT_SURFACE + start + paths_code + BQPLOT_PATHS + BQPLOT_FIGURE],
        },
    }
    if baseline is not None:
        for subjects in chosen.values():
            first, *rest = subjects["jaxwidgets"]
            subjects["jaxwidgets-baseline"] = [
                f"import sys\nsys.path.insert(0, {baseline!r})\n" + first,
                *rest,
            ]
    return chosen


# Runs all cells of the notebook at `path`; resolves with the times (ms after the command) of the first
# frames showing the subject's picture. The observers are in place before the command, so nothing is missed.
TIME_RUN_ALL_JS = """async ([path, subject, timeoutMs]) => {
    const app = window.jupyterapp;
    const panel = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
    app.shell.activateById(panel.id);
    const node = panel.content.node;
    const times = {};
    let t0 = 0;
    let pending = false;
    const mark = (name) => { if (!(name in times)) times[name] = performance.now() - t0; };
    const markNextFrame = (name) => { pending = true; requestAnimationFrame(() => mark(name)); };
    let arrived = false;  // the surface's data is in the page
    let exactSeen = false;  // the probe or runs: drawn in the frame of their event, or the next one
    const check = () => {
        if (subject.startsWith('jaxwidgets')) {
            if (node.querySelector('.jaxwidgets[data-painted-generation]')) mark('surface');
            else if (!arrived && node.querySelector('.jaxwidgets[data-surface-generation]')) {
                // An older jaxwidgets (--baseline) has no painted marker: it paints at the next frame.
                arrived = true;
                requestAnimationFrame(() => { mark('surface'); check(); });
            }
            if (exactSeen && 'surface' in times) mark('picture');
        } else if (pending) {
            return;
        } else if (subject === 'interact') {
            const image = node.querySelector('.jp-OutputArea-output img');
            if (!image) return;
            pending = true;
            image.decode().catch(() => {}).then(() => markNextFrame('picture'));
        } else if (subject === 'bqplot') {
            if (node.querySelector('.bqplot image[href], .bqplot image[*|href]')) markNextFrame('picture');
        } else if (subject === 'jax-floor') {
            if (node.querySelector('.jax-floor')) markNextFrame('picture');
        }
    };
    const onFrame = (e) => { if (e.detail.kind === 'exact') exactSeen = true; check(); };
    node.addEventListener('jaxwidgets:frame', onFrame, true);
    const observer = new MutationObserver(check);
    observer.observe(node, {subtree: true, childList: true, attributes: true});
    t0 = performance.now();
    await app.commands.execute('notebook:run-all-cells');
    const deadline = t0 + timeoutMs;
    await new Promise((resolve) => {
        const done = () => 'picture' in times || performance.now() > deadline;
        const poll = () => (done() ? resolve() : requestAnimationFrame(poll));
        poll();
    });
    observer.disconnect();
    node.removeEventListener('jaxwidgets:frame', onFrame, true);
    return times;
}"""

RESTART_JS = """async (path) => {
    const app = window.jupyterapp;
    const panel = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
    app.shell.activateById(panel.id);
    await app.commands.execute('notebook:clear-all-cell-outputs');
    await panel.sessionContext.session.kernel.restart();
}"""


def point_cache(link: Path, target: Path) -> None:
    """Point ``link`` (the kernels' ``JAXWIDGETS_CACHE_DIR``) at the directory ``target``, made if missing.

    >>> import tempfile
    >>> work = Path(tempfile.mkdtemp())
    >>> point_cache(work / "cache", work / "a")
    >>> point_cache(work / "cache", work / "b")
    >>> (work / "cache").resolve() == (work / "b").resolve()
    True
    """
    target.mkdir(parents=True, exist_ok=True)
    staged = link.with_name(link.name + ".new")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target, target_is_directory=True)
    staged.replace(link)  # a rename: a kernel starting now sees the old directory or the new one


def one_sample(notebook: Any, subject: str, timeout_s: float = 120.0) -> dict[str, float]:
    """Bring the notebook's page to the front, restart the kernel, wait until it is idle, run all cells: the
    first-picture times in ms. A page behind the others draws its frames late (Chromium throttles tabs not in
    view): Descent's first frame came 0.25 s after its data had arrived."""
    notebook.page.bring_to_front()
    notebook.page.evaluate(RESTART_JS, notebook.path)
    notebook.wait_kernel_idle()
    notebook.page.wait_for_timeout(500)  # the restarted kernel's start-up messages are over
    times: dict[str, float] = notebook.page.evaluate(
        TIME_RUN_ALL_JS, [notebook.path, subject, timeout_s * 1000]
    )
    notebook.python("None", timeout_s)  # the cells have finished: nothing of this sample runs on
    errors = notebook.error_outputs()
    if errors or "picture" not in times:
        raise RuntimeError(f"{notebook.path}: no picture within {timeout_s} s; errors: {errors}")
    return times


def measure(
    opened: dict[tuple[str, str], Any], samples: int, cache_link: Path, fresh: bool
) -> dict[str, Any]:
    """An untimed round, then ``samples`` rounds over the open notebooks; per scenario and subject the
    samples and their p50s."""
    caches = cache_link.parent / "caches"
    point_cache(cache_link, caches / "shared")
    raw: dict[tuple[str, str], list[dict[str, float]]] = {key: [] for key in opened}
    for round_ in range(samples + 1):
        for (scenario, subject), notebook in opened.items():
            if fresh:
                point_cache(cache_link, Path(tempfile.mkdtemp(prefix="sample-", dir=caches)))
            times = one_sample(notebook, subject)
            if round_ > 0:
                raw[(scenario, subject)].append(times)
    results: dict[str, Any] = {}
    for (scenario, subject), runs in raw.items():
        p50 = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
        results.setdefault(scenario, {})[subject] = {"p50_ms": p50, "samples": runs}
    return results


def table(results: dict[str, Any]) -> str:
    """One row per scenario and subject: the p50s (jaxwidgets: the heatmap, then the whole picture)."""
    lines = [f"{'first picture after Run All in a fresh kernel, p50 (ms)':58} {'surface':>9} {'picture':>9}"]
    for scenario, subjects in results.items():
        for subject, result in subjects.items():
            p50 = result["p50_ms"]
            surface = f"{p50['surface']:.0f}" if "surface" in p50 else "-"
            lines.append(f"{scenario + ': ' + subject:58} {surface:>9} {p50['picture']:>9.0f}")
    return "\n".join(lines)


def run(args: argparse.Namespace, latency: Any) -> None:
    """``latency.py --first-picture``: measure, print the table, write the JSON to benchmarks/results/."""
    lab = latency.lab
    chosen = [name for name in args.scenarios.split(",") if name in SCENARIOS]
    if not chosen:
        sys.exit(f"--first-picture: choose --scenarios from {', '.join(SCENARIOS)}")
    executable = lab.chromium_executable()
    if executable is None:
        sys.exit("no Chromium found: install Debian's chromium or run `playwright install chromium`")
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-first-picture-") as tmp:
        work = Path(tmp)
        root = work / "root"
        root.mkdir()
        cells = scenarios(latency, args.baseline)
        paths = {
            (scenario, subject): f"first_{scenario}_{subject}.ipynb"
            for scenario in chosen
            for subject in cells[scenario]
        }
        for (scenario, subject), name in paths.items():
            latency.write_notebook(root / name, cells[scenario][subject])
        cache_link = work / "cache"
        os.environ["JAXWIDGETS_CACHE_DIR"] = str(cache_link)  # the server's kernels inherit it
        with lab.jupyter_lab(root, work) as server, lab.chromium(work / "chromium", executable) as context:
            opened = {key: lab.Notebook.open(context, server, path) for key, path in paths.items()}
            try:
                results = measure(opened, args.samples, cache_link, args.compilation_cache == "fresh")
            finally:
                for notebook in opened.values():
                    notebook.close()
    print(table(results))
    latency.RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = latency.RESULTS / f"first-picture-{stamp}.json"
    record = {"when": stamp, "args": vars(args), "environment": latency.environment(), **results}
    out.write_text(json.dumps(record, indent=2))
    print(f"\nwritten: {out.relative_to(latency.REPO)}")
