"""The snapshots of Posterior and the lesson widgets (``_snapshot.py`` draws, ``_static.py`` places them):
each built from the widget's traits and the replies its compiled kernels already give, no new kernels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._snapshot import PALETTE, Frame, Svg, figure, number, table

if TYPE_CHECKING:
    from ._fit import FitWidget
    from .curve_fit import CurveFit
    from .density_fit import DensityFit
    from .derivative import Derivative
    from .jacobian import Jacobian
    from .jit_inspector import JitInspector
    from .posterior import Posterior
    from .random_keys import RandomKeys


def _array(reply: Any, name: str) -> np.ndarray:
    """One array of a reply (content, buffers) as numpy."""
    content, buffers = reply
    record = content[name]
    return np.frombuffer(buffers[record["buffer"]], np.dtype(record["dtype"])).reshape(record["shape"])


def _span(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = 0.05 * (high - low or 1.0)
    return low - pad, high + pad


def posterior_snapshot(widget: Posterior) -> str:
    """A trace per chain and the draws of the widget's pair of sites, and the summary table."""
    draws, _ = widget._collected()  # (chains, draws, sites)
    caption = f"Posterior ({widget.status}), {draws.shape[1]} of {widget.num_samples} draws per chain"
    if draws.shape[1] == 0 or not widget.sites:
        return figure("posterior", [], caption)
    first, second = (widget.sites.index(name) for name in widget.pair)
    trace = Svg(Frame((0, draws.shape[1] - 1), _span(draws[:, :, first])), f"trace of {widget.pair[0]}")
    steps = np.arange(draws.shape[1])
    for chain in range(draws.shape[0]):
        trace.line(np.stack([steps, draws[chain, :, first]], axis=1), PALETTE[chain % len(PALETTE)], 1.0)
    trace.axes("draw", widget.pair[0])
    x_range, y_range = _span(draws[:, :, first]), _span(draws[:, :, second])
    pair = Svg(Frame(x_range, y_range), f"draws of {widget.pair[0]} and {widget.pair[1]}")
    for chain in range(draws.shape[0]):
        pair.points(np.stack([draws[chain, :, first], draws[chain, :, second]], axis=1), PALETTE[chain], 1.3)
    pair.axes(*widget.pair)
    keys = ("site", "mean", "sd", "hdi_3", "hdi_97", "r_hat", "ess_bulk")
    rows = [[row.get("site", "")] + [number(row.get(key)) for key in keys[1:]] for row in widget.summary]
    means = ", ".join(f"{row['site']} = {number(row.get('mean'))}" for row in widget.summary)
    return figure("posterior", [trace.render(), pair.render(), table(keys, rows)], f"{caption}: {means}")


def derivative_snapshot(widget: Derivative) -> str:
    """f over the view with the tangent at the point (the view's reply: the compiled curve kernel)."""
    from .kernels.derivative import curve_points

    xs = curve_points(widget.x_range)
    ys = _array(widget._evaluate_view(), "curve")
    svg = Svg(Frame(widget.x_range, _span(ys)), "f and its tangent")
    svg.line(np.stack([xs, ys], axis=1), PALETTE[1], 2)
    at, value, slope = widget.at, widget.value, widget.slope
    ends = np.asarray(widget.x_range)
    svg.line(np.stack([ends, value + slope * (ends - at)], axis=1), PALETTE[0], 1.5, "5 3")
    svg.points([(at, value)], PALETTE[0], 4).axes("x", "f(x)")
    caption = (
        f"Derivative at x = {number(at)}: f = {number(value, 6)}, f' = {number(slope, 6)}, "
        f"f'' = {number(widget.curvature, 6)}"
    )
    return figure("derivative", [svg.render()], caption)


def jacobian_snapshot(widget: Jacobian) -> str:
    """J, det J and the singular values at the point, as a table."""
    jacobian = np.asarray(widget.jacobian, float).reshape(2, 2)
    rows = [[f"∂f{i + 1}", number(jacobian[i, 0]), number(jacobian[i, 1])] for i in range(2)]
    grid = table(["J", f"∂/∂{widget.x_label}", f"∂/∂{widget.y_label}"], rows)
    (px, py), (s1, s2) = widget.at, widget.singular_values
    caption = (
        f"Jacobian at ({number(px)}, {number(py)}): det J = {number(widget.determinant)}, "
        f"singular values {number(s1)}, {number(s2)}"
    )
    return figure("jacobian", [grid], caption)


def _fit_curve(widget: FitWidget) -> tuple[np.ndarray, np.ndarray]:
    """The model curve at the parameters (the drag path's compiled kernel, one call)."""
    reply = widget._evaluate(widget._theta)[2]
    n = int(widget._plot["curve_points"])  # the points past n are the data's own
    return widget._points[:n], _array(reply, "curve")[:n]


def _fit_caption(widget: FitWidget) -> str:
    values = ", ".join(f"{n} = {number(v)}" for n, v in zip(widget._layout.names, widget._theta, strict=True))
    return f"{type(widget).__name__} at {values}: {widget.loss_name} = {number(widget.loss, 6)}"


def curve_fit_snapshot(widget: CurveFit) -> str:
    """The data with error bars and the model curve."""
    plot, (xs, curve) = widget._plot, _fit_curve(widget)
    x, y, yerr = (np.frombuffer(plot[k]["view"], np.float32) for k in ("x", "y", "yerr"))
    svg = Svg(Frame(plot["x_range"], plot["y_range"]), "data and model")
    for xi, yi, ei in zip(x, y, yerr, strict=True):
        svg.line([(xi, yi - ei), (xi, yi + ei)], PALETTE[1], 1)
    svg.points(np.stack([x, y], axis=1), PALETTE[1], 2.5)
    svg.line(np.stack([xs, curve], axis=1), PALETTE[0], 2).axes(widget.x_label, widget.y_label)
    return figure("curve_fit", [svg.render()], _fit_caption(widget))


def density_fit_snapshot(widget: DensityFit) -> str:
    """The histogram of the samples and the model density."""
    plot, (xs, curve) = widget._plot, _fit_curve(widget)
    edges, counts = (np.frombuffer(plot[k]["view"], np.float32) for k in ("edges", "counts"))
    svg = Svg(Frame(plot["x_range"], plot["y_range"]), "histogram and density")
    svg.bars(edges, counts, PALETTE[1]).line(np.stack([xs, curve], axis=1), PALETTE[0], 2)
    svg.axes(widget.x_label, "density")
    return figure("density_fit", [svg.render()], _fit_caption(widget))


def random_keys_snapshot(widget: RandomKeys) -> str:
    """The points drawn (at most 2,000 kept), inside the quarter circle or not, and the estimate of pi."""
    svg = Svg(Frame((0, 1), (0, 1), 300, 300), "random points")
    points = np.asarray(widget.points if widget.points is not None else np.empty((0, 2)), float)
    inside = (points**2).sum(axis=1) <= 1
    svg.points(points[inside], PALETTE[1], 1.4).points(points[~inside], PALETTE[2], 1.4)
    arc = np.linspace(0, np.pi / 2, 64)
    svg.line(np.stack([np.cos(arc), np.sin(arc)], axis=1), PALETTE[0], 1.5).axes("u", "v")
    caption = (
        f"RandomKeys, key {list(widget.key_path)} of seed {widget.seed}: {widget.inside} of "
        f"{widget.samples} points inside, pi ≈ {number(widget.estimate, 6)}"
    )
    return figure("random_keys", [svg.render()], caption)


def jit_inspector_snapshot(widget: JitInspector) -> str:
    """The calls so far as a table: arguments, outcome, cause, times."""
    rows = [
        [
            record["call"],
            ", ".join(f"{n}={t}" for n, t in record["args"].items()),
            record["outcome"] + (" (compiled)" if record["compiled"] else ""),
            record["cause"],
            f"{record['total_ms']:.3g} ms",
        ]
        for record in widget.calls[-10:]
    ]
    calls = table(["call", "arguments", "outcome", "cause", "time"], rows)
    caption = f"JitInspector: {len(widget.calls)} calls, {widget.traces} traces, {widget.compiles} compiles"
    return figure("jit_inspector", [calls], caption)
