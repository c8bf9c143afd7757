"""bqplot companions: figures that follow a widget live, for JupyterLab dashboards, styled like any bqplot.

bqplot is imported when a figure is made, not with jaxwidgets.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .descent import Descent
    from .posterior import Posterior


def loss_figure(descent: Descent) -> Any:
    """A bqplot Figure of loss against step for each optimizer, following the widget live.

    The lines have the widget's colours (``optimizer_colors``) and a legend, and end where the widget's
    own chart ends them: at the step a run diverged (left the view or reached NaN/inf).

    >>> import jaxwidgets
    >>> d = jaxwidgets.Descent(lambda x, y: x**2 + y**2, start=(0.5, 0.5), resolution=8, steps=20)
    >>> figure = loss_figure(d)
    >>> [(line.labels[0], line.colors[0]) for line in figure.marks]
    [('sgd', '#E69F00'), ('momentum', '#56B4E9'), ('adam', '#CC79A7')]
    """
    import bqplot
    import ipywidgets

    x_scale, y_scale = bqplot.LinearScale(min=0.0), bqplot.LogScale()
    scales = {"x": x_scale, "y": y_scale}
    lines = [
        bqplot.Lines(
            x=np.zeros(1),
            y=np.ones(1),
            scales=scales,
            labels=[name],
            colors=[descent.optimizer_colors[name]],
            stroke_width=2,
            display_legend=True,
        )
        for name in descent.optimizer_names
    ]

    x_axis = bqplot.Axis(scale=x_scale, label="step")
    # Clear of the widest tick label ("1e+14"): the label sits 56 px left of the axis line.
    y_axis = bqplot.Axis(
        scale=y_scale,
        orientation="vertical",
        side="left",
        label="loss",
        label_offset="56px",
        tick_format=".3~g",
    )

    def follow(_change: Any = None) -> None:
        losses, diverged = descent.losses, descent.diverged
        with ExitStack() as held:  # one update per figure part, not several
            for widget in (x_scale, y_scale, y_axis, *lines):
                held.enter_context(widget.hold_sync())
            x_scale.max = float(descent.steps)
            shown = [_loss_line(losses[name], diverged[name]) for name in descent.optimizer_names]
            for line, (x, y, visible) in zip(lines, shown, strict=True):
                line.x, line.y, line.visible = x, y, visible
            values = [y for _, y, visible in shown if visible]
            if values:  # the y range and ticks as the widget's chart has them: padded, 1-2-5
                lo, hi = _padded_log_range(min(v.min() for v in values), max(v.max() for v in values))
                y_scale.min, y_scale.max = lo, hi
                y_axis.tick_values = _log_ticks(lo, hi)

    follow()
    descent.observe(follow, ["starts", "learning_rates", "steps", "f", "x_range", "y_range"])
    axes = [x_axis, y_axis]
    return bqplot.Figure(
        marks=lines,
        axes=axes,
        title="loss per step",
        legend_location="top-right",
        fig_margin={"top": 40, "bottom": 50, "left": 80, "right": 20},
        layout=ipywidgets.Layout(height="320px", max_width="760px"),
    )


def _loss_line(losses: np.ndarray, diverged: int | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """x, y and visibility of one line of ``loss_figure``: the losses before the divergence step, if any.

    Every value drawn is finite and > 0 (the y axis is log; losses <= 0 are shifted up, as before). A line
    never ends in NaN: bqplot places its end label at the last point, and a NaN there gives the SVG
    transform "translate(x,undefined)", which the browser logs as an error.
    """
    shown = losses[: len(losses) if diverged is None else diverged]
    finite = np.isfinite(shown)
    shown = shown[: len(shown) if finite.all() else int(np.argmin(finite))]
    if len(shown) == 0:  # diverged at once: a hidden placeholder (an empty line has no end to place)
        return np.zeros(1), np.ones(1), False
    values = shown - min(0.0, float(shown.min())) + 1e-12
    return np.arange(len(values), dtype=float), values.astype(float), True


def _padded_log_range(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened by 8 % of its span in decades on each side (half a decade if it is one value)."""
    a, b = math.log10(lo), math.log10(hi)
    pad = 0.08 * (b - a) if b > a else 0.25
    return 10 ** (a - pad), 10 ** (b + pad)


def _log_ticks(lo: float, hi: float) -> np.ndarray:
    """Ticks for a log axis over [lo, hi]: 1, 2, 5 in each decade over a few decades, else powers of ten
    (every k-th, at most 8); at least the two ends.

    >>> _log_ticks(0.8, 12.0).tolist()
    [1.0, 2.0, 5.0, 10.0]
    >>> _log_ticks(0.5, 3e14).tolist()
    [1.0, 100.0, 10000.0, 1000000.0, 100000000.0, 10000000000.0, 1000000000000.0, 100000000000000.0]
    """
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mantissas = (1, 2, 5) if b - a <= 3 else (1,)
    every = max(1, math.ceil((b - a) / 8))
    ticks = [m * 10.0**k for k in range(a, b + 1) if k % every == 0 for m in mantissas]
    inside = [t for t in ticks if lo <= t <= hi]
    return np.array(inside if len(inside) >= 2 else [lo, hi], dtype=float)


def trace_figure(posterior: Posterior, site: str) -> Any:
    """A bqplot Figure of one site's trace per chain, following the widget's draws live.

    >>> import numpyro, numpyro.distributions as dist, jaxwidgets
    >>> def model():
    ...     numpyro.sample("mu", dist.Normal(0.0, 1.0))
    >>> post = jaxwidgets.Posterior(model, num_chains=2, num_warmup=20, num_samples=30).wait()
    >>> figure = trace_figure(post, "mu")
    >>> figure.marks[0].y.shape, figure.title
    ((2, 30), 'trace of mu')
    """
    import bqplot

    x_scale, y_scale = bqplot.LinearScale(), bqplot.LinearScale()
    lines = bqplot.Lines(
        x=np.zeros(0),
        y=np.zeros((posterior.num_chains, 0)),
        scales={"x": x_scale, "y": y_scale},
        labels=[f"chain {c}" for c in range(posterior.num_chains)],
        display_legend=True,
    )

    def follow(_change: Any = None) -> None:
        draws = posterior.draws[site]
        with lines.hold_sync():
            lines.x, lines.y = np.arange(draws.shape[1]), draws

    follow()
    posterior.observe(follow, "progress")
    axes = [bqplot.Axis(scale=x_scale, label="draw"), bqplot.Axis(scale=y_scale, side="left", label=site)]
    return bqplot.Figure(marks=[lines], axes=axes, title=f"trace of {site}")
