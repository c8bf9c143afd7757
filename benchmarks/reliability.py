"""Reliability at full size in a real JupyterLab: 1,000-move drag storms on LossSurface and Descent, a long
soak of short drags (kernel RSS and JS heap before and after), and idle threads left by re-running a cell.

    python benchmarks/reliability.py                      # storms of 1,000 moves, 5,000-drag soak (~20 min)
    python benchmarks/reliability.py --soak-drags 1000    # shorter

The same instruments as ``tests/browser/test_reliability_browser.py`` (which runs them at CI size): a
requestAnimationFrame heartbeat (longest gap between frames), the comm traffic seen by the kernel connection
(requests sent, replies, most in flight per view), the widget's request handlers counted in the kernel.
Prints a table; writes everything to ``benchmarks/results/reliability-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser import test_reliability_browser as rb  # noqa: E402
from tests.browser.lab import chromium, chromium_executable, jupyter_lab  # noqa: E402

RERUN_PY = """
_before = sum(t.name.startswith('jaxwidgets-surface') for t in threading.enumerate())
for _ in range({reruns}):
    _rerun = jaxwidgets.LossSurface(two_minima, resolution=50)   # what re-running a cell does
    _rerun.wait_for_surface()
gc.collect()
time.sleep(0.5)
_after = sum(t.name.startswith('jaxwidgets-surface') for t in threading.enumerate())
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--storm-moves", type=int, default=1000)
    parser.add_argument("--soak-drags", type=int, default=5000)
    parser.add_argument("--reruns", type=int, default=10)
    args = parser.parse_args()
    executable = chromium_executable()
    if executable is None:
        sys.exit("no Chromium: install Debian's chromium or run `playwright install chromium`")

    results: dict[str, Any] = {"args": vars(args)}
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-reliability-") as tmp:
        base = Path(tmp)
        root = base / "root"
        root.mkdir()
        with jupyter_lab(root, base) as lab, chromium(base / "chromium", executable) as context:
            session = rb.open_session(context, lab)
            try:
                for name, (title, kind, (source, constant)) in rb.STORMS.items():
                    widget = session.widget(name, title, kind)
                    widget.wait_rendered()
                    figures = rb.storm(session, widget, args.storm_moves)
                    figures["in_flight_limit"] = rb.in_flight_limit(source, constant)
                    results[f"storm_{name}"] = figures
                    print(f"storm {name} done in {figures['storm_s']:.1f} s", file=sys.stderr)
                widget = session.widget("surface", "storm surface")
                results["soak"] = rb.soak(session, widget, args.soak_drags)
                print(f"soak done in {results['soak']['soak_s']:.1f} s", file=sys.stderr)
                session.notebook.python(RERUN_PY.format(reruns=args.reruns), timeout=300)
                results["reruns"] = {
                    "reruns": args.reruns,
                    "threads_before": session.notebook.value("_before"),
                    "threads_after": session.notebook.value("_after"),
                }
            finally:
                session.notebook.close()

    print_table(results)
    out = REPO / "benchmarks" / "results" / f"reliability-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nwritten: {out.relative_to(REPO)}")


def print_table(results: dict[str, Any]) -> None:
    storms = [("LossSurface", results["storm_surface"]), ("Descent", results["storm_descent"])]
    rows = [
        ("pointer moves", "moves", "{:.0f}"),
        ("storm duration (s)", "storm_s", "{:.1f}"),
        ("pointer moves per second", "moves_per_s", "{:.1f}"),
        ("longest gap between animation frames (ms)", "max_frame_gap_ms", "{:.0f}"),
        ("provisional pictures", "provisional_pictures", "{:.0f}"),
        ("exact pictures", "exact_pictures", "{:.0f}"),
        ("requests sent by the page", "requests_sent", "{:.0f}"),
        ("requests handled by the kernel", "requests_handled", "{:.0f}"),
        ("most requests in flight (limit)", "max_in_flight", "{:.0f}"),
        ("last move -> exact picture (s)", "settle_s", "{:.3f}"),
        ("final position error (pixels)", "error_pixels", "{:.2f}"),
    ]
    for _, figures in storms:
        figures["error_pixels"] = figures["error_data_units"] / figures["data_per_pixel"]
    print(f"\n{'drag storm':<46}{'LossSurface':>14}{'Descent':>14}")
    print("-" * 74)
    for label, key, fmt in rows:
        cells = [fmt.format(figures[key]) for _, figures in storms]
        if key == "max_in_flight":
            cells = [f"{figures[key]} ({figures['in_flight_limit']})" for _, figures in storms]
        print(f"{label:<46}" + "".join(f"{cell:>14}" for cell in cells))
    exact = ["yes" if f["python"] == f["exact"] == f["handle"] else "NO" for _, f in storms]
    print(f"{'Python == exact picture == handle at the end':<46}" + "".join(f"{c:>14}" for c in exact))

    soak = results["soak"]
    print(f"\n{'soak (LossSurface)':<46}{'':>14}")
    print("-" * 60)
    for label, value in [
        ("drags", f"{soak['drags']}"),
        ("duration (s)", f"{soak['soak_s']:.0f}"),
        ("requests sent", f"{soak['requests_sent']}"),
        ("kernel RSS before (MB)", f"{soak['kernel_rss_before_mb']:.1f}"),
        ("kernel RSS growth (MB)", f"{soak['kernel_rss_growth_mb']:+.2f}"),
        ("JS heap before, after GC (MB)", f"{soak['js_heap_before_mb']:.1f}"),
        ("JS heap growth, after GC (MB)", f"{soak['js_heap_growth_mb']:+.2f}"),
        ("longest gap between animation frames (ms)", f"{soak['max_frame_gap_ms']:.0f}"),
        (
            "ends where the pointer stopped",
            "yes" if soak["python"] == soak["exact"] == soak["handle"] else "NO",
        ),
        ("view unchanged (no drag missed the handle)", "yes" if soak["view_unchanged"] else "NO"),
    ]:
        print(f"{label:<46}{value:>14}")

    reruns = results["reruns"]
    print(f"\nre-running a cell {reruns['reruns']} times without close(): 'jaxwidgets-surface' threads "
          f"{reruns['threads_before']} -> {reruns['threads_after']}")  # fmt: skip


if __name__ == "__main__":
    main()
