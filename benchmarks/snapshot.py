"""What the static snapshot adds to displaying a widget, against drawing the same picture with matplotlib.

    python benchmarks/snapshot.py            # about a minute; --repeats N (default 30)

For LossSurface and Descent at 200 x 200 (the latency benchmark's f), in one run: the repr without the
snapshot (what ipywidgets sends), with it, and matplotlib rendering the same heatmap (imshow, the probe or
the paths) to an inline PNG, which is what a notebook would otherwise embed. Medians in ms, and ratios.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import jaxwidgets
from jaxwidgets._base import JaxWidget


def f(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2


def median_ms(run: Callable[[], object], repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def matplotlib_png(widget: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3.6, 3.0), dpi=100)
    (x0, x1), (y0, y1) = widget.x_range, widget.y_range
    axes.imshow(widget.surface_values(), origin="lower", extent=(x0, x1, y0, y1), cmap="viridis")
    if hasattr(widget, "paths"):
        for paths in widget.paths.values():
            for path in paths:
                axes.plot(path[:, 0], path[:, 1])
    else:
        axes.plot(*widget.probe, "wo")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=30)
    repeats = parser.parse_args().repeats
    widgets = {
        "LossSurface": jaxwidgets.LossSurface(f, x=(-2, 2), y=(-2, 2), resolution=200),
        "Descent": jaxwidgets.Descent(f, x=(-2, 2), y=(-2, 2), start=(-1.5, 0.5), learning_rate=0.02),
    }
    print(f"{'widget':<12} {'repr ms':>8} {'+snapshot ms':>13} {'matplotlib ms':>14} {'snapshot/mpl':>13}")
    for name, widget in widgets.items():
        widget.wait_for_surface()
        plain = median_ms(lambda w=widget: super(JaxWidget, w)._repr_mimebundle_(), repeats)
        full = median_ms(widget._repr_mimebundle_, repeats)
        mpl = median_ms(lambda w=widget: matplotlib_png(w), repeats)
        print(f"{name:<12} {plain:>8.2f} {full:>13.2f} {mpl:>14.2f} {(full - plain) / mpl:>13.2f}")
        widget.close()


if __name__ == "__main__":
    main()
