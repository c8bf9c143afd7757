"""The static parts of the plane widgets (LossSurface, Descent): their snapshots, and the runs a Descent
page answers a dragged start from (``_static.py`` has the mechanism, ``_snapshot.py`` the drawing)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ._arrays import array_to_json
from ._snapshot import Svg, figure, heatmap_svg, number

if TYPE_CHECKING:
    from ._plane import PlaneWidget
    from .descent import Descent
    from .surface import LossSurface

_MAX_GRID = 32


def plane_svg(widget: PlaneWidget, label: str) -> Svg:
    """The widget's last surface as a heatmap with axes (nothing computed: the ``_surface`` trait)."""
    labels = (widget.x_label, widget.y_label)
    return heatmap_svg(widget._surface, widget.surface_values(), widget.log_scale, labels, label)


def _function(widget: PlaneWidget) -> str:
    return widget._kernels.sliced.description if widget._kernels else "f"


def surface_snapshot(widget: LossSurface) -> str:
    """The heatmap with the probe and an arrow along -grad f; caption: where, f and |grad f|."""
    svg = plane_svg(widget, "loss surface")
    (px, py), (gx, gy) = widget.probe, widget.gradient
    norm = math.hypot(gx, gy)
    if math.isfinite(norm) and norm > 0:
        length = 0.12 * (svg.frame.x1 - svg.frame.x0)
        svg.arrow((px, py), (px - gx / norm * length, py - gy / norm * length), "#ffffff")
    svg.points([(px, py)], "#ffffff", radius=5, stroke="#000")
    caption = (
        f"LossSurface of {_function(widget)} at ({number(px)}, {number(py)}): "
        f"f = {number(widget.value, 6)}, |∇f| = {number(norm)}"
    )
    return figure("surface", [svg.render()], caption)


def descent_snapshot(widget: Descent) -> str:
    """The heatmap with every start's path per optimizer (the runs already computed); caption: where each
    optimizer ends from the first start."""
    svg = plane_svg(widget, "descent paths")
    if not widget.starts:
        return figure("descent", [svg.render()], f"Descent of {_function(widget)}")
    colors = widget.optimizer_colors
    for name, paths in widget.paths.items():
        for path in paths:
            svg.line(path, colors.get(name, "#fff"), width=1.8)
    svg.points(widget.starts, "#ffffff", radius=4.5, stroke="#000")
    svg.legend((name, colors.get(name, "#fff")) for name in widget.optimizer_names)
    losses = widget.losses
    ends = "; ".join(
        f"{name} ends at ({number(path[-1][0])}, {number(path[-1][1])}), f = {number(losses[name][-1])}"
        for name, path in widget.trajectories.items()
    )
    caption = f"Descent of {_function(widget)}, {widget.steps} steps from ({number(widget.start[0])}, "
    caption += f"{number(widget.start[1])}): {ends}"
    return figure("descent", [svg.render()], caption)


def grid_starts(widget: Descent, n: Any) -> np.ndarray:
    """An n x n grid of starts over the view (cell centres), shape (n * n, 2)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= _MAX_GRID:
        raise ValueError(f"starts_grid must be an int from 0 to {_MAX_GRID}, got {n!r}")
    (x0, x1), (y0, y1) = widget.x_range, widget.y_range
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / max(n, 1)
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / max(n, 1)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def runs_pool(widget: Descent, starts_grid: Any = 0) -> dict[str, Any]:
    """The runs of the widget's starts and of an n x n grid of starts (one vmapped call), for the steps shown:
    a static Descent page snaps a dragged start to the nearest of them (js/lib/static_responder.ts)."""
    from .kernels.descent import divergence_step  # here: a LossSurface never imports optax

    grid = grid_starts(widget, starts_grid)
    pool = np.concatenate([np.asarray(widget.starts, np.float32), grid])
    kernels = widget._kernels
    if kernels is None:
        raise RuntimeError("the function is not compiled")
    if len(grid) == 0:
        runs: Any = widget._runs()  # the widget's own runs, already computed: no new call, no compile
    else:
        rates = np.asarray([widget.learning_rates[name] for name in widget.optimizer_names], np.float32)
        runs = kernels.extra(kernels.sliced.params, pool, rates)
    shown = widget.steps + 1
    positions, losses = np.asarray(runs.positions)[:, :, :shown], np.asarray(runs.losses)[:, :, :shown]
    diverged = [
        [
            divergence_step(positions[s, i], losses[s, i], widget.x_range, widget.y_range)
            for s in range(len(pool))
        ]
        for i in range(len(widget.optimizer_names))
    ]
    return {
        "starts": pool.astype(float).tolist(),
        "names": list(widget.optimizer_names),
        "learning_rates": widget.learning_rates,
        "steps": widget.steps,
        "diverged": diverged,
        "positions": array_to_json(positions),
        "losses": array_to_json(losses),
        "updates": array_to_json(np.asarray(runs.updates)[:, :, : shown - 1]),
        "velocities": array_to_json(np.asarray(runs.velocities)[:, :, : shown - 1]),
    }
