"""Drag latency in a real JupyterLab: jaxwidgets.LossSurface, Descent, CurveFit,
Derivative, Jacobian and RandomKeys, each against
the same picture drawn by ipywidgets ``interact`` + matplotlib.

Usage: ``python benchmarks/latency.py [--moves N] [--drag-seconds S] [--scenarios surface,jacobian]``;
``--first-picture`` times Run All in a fresh kernel to the first picture instead (``first_picture.py``).
Prints one table per scenario and writes JSON to ``benchmarks/results/``. What each figure means:
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.browser import lab  # noqa: E402  (the one JupyterLab + Chromium driver, shared with the browser tests)

RESULTS = Path(__file__).resolve().parent / "results"
GOALS = {"exact_p50_ms": 26.0, "exact_p95_ms": 33.0, "exact_updates_per_s": 45.0, "final_frame_ms": 33.0}
FRAME_INTERVAL = 1 / 60  # seconds between mouse moves in the continuous drag
TIMEOUT_MS = 15_000
SETTLE_MS = 3_000  # no new picture for this long: a drag's pictures are all in (interact: 0.6-2 s each)

SEED = """\
def f(x, y):
    return 2 * x**2 - 4 * x * y + y**4 + 2
"""

JAXWIDGETS_CELLS = [
    SEED
    + """
import jaxwidgets

surface = jaxwidgets.LossSurface(f, x=(-2, 2), y=(-2, 2), resolution=200, probe=(-1.0, -1.0))
surface
"""
]

INTERACT_CELLS = [
    SEED
    + """
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider, interact

centres = (np.arange(200) + 0.5) / 200 * 4 - 2
X, Y = np.meshgrid(centres, centres)
Z = f(X, Y)


def draw(px, py):
    print(f"probe {px:.2f} {py:.2f}")  # the benchmark matches each picture to its slider value by this line
    gx, gy = 4 * px - 4 * py, -4 * px + 4 * py**3
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(Z, origin="lower", extent=(-2, 2, -2, 2), cmap="viridis")
    ax.contour(X, Y, Z, levels=10, colors="white", linewidths=0.6)
    ax.plot([px], [py], "o", color="white", markeredgecolor="black")
    ax.annotate("", xy=(px - 0.05 * gx, py - 0.05 * gy), xytext=(px, py), arrowprops={"color": "white"})
    ax.set_title(f"f({px:.2f}, {py:.2f}) = {f(px, py):.4g}")
    plt.show()


slider = dict(min=-2, max=2, step=0.01)
interact(draw, px=FloatSlider(-1.0, description="x", **slider),
         py=FloatSlider(-1.0, description="y", **slider));
"""
]

DESCENT_START = (-1.5, 0.5)

DESCENT_CELLS = [
    SEED
    + f"""
import jaxwidgets

descent = jaxwidgets.Descent(f, x=(-2, 2), y=(-2, 2), start={DESCENT_START},
                             optimizers=["sgd", "momentum", "adam"], steps=200, resolution=200)
descent
"""
]

DESCENT_INTERACT_CELLS = [
    SEED
    + f"""
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatSlider, interact

centres = (np.arange(200) + 0.5) / 200 * 4 - 2
X, Y = np.meshgrid(centres, centres)
Z = f(X, Y)
RATE, STEPS = 0.01, 200


def grad(p):
    x, y = p
    return np.array([4 * x - 4 * y, -4 * x + 4 * y**3])


def paths(start):
    \"\"\"sgd, momentum (0.9) and adam (0.9, 0.999) from start, as in jaxwidgets.Descent.\"\"\"
    out = {{}}
    for name in ("sgd", "momentum", "adam"):
        p, v, m, s = np.array(start, float), np.zeros(2), np.zeros(2), np.zeros(2)
        points = [p.copy()]
        for t in range(1, STEPS + 1):
            g = grad(p)
            if name == "sgd":
                p = p - RATE * g
            elif name == "momentum":
                v = 0.9 * v + g
                p = p - RATE * v
            else:
                m = 0.9 * m + 0.1 * g
                s = 0.999 * s + 0.001 * g * g
                p = p - RATE * (m / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
            if not np.all(np.isfinite(p)) or np.any(np.abs(p) > 2):
                break
            points.append(p.copy())
        out[name] = np.array(points)
    return out


def draw(sx, sy):
    print(f"probe {{sx:.2f}} {{sy:.2f}}")  # the benchmark matches pictures to slider values by this line
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(Z, origin="lower", extent=(-2, 2, -2, 2), cmap="viridis")
    ax.contour(X, Y, Z, levels=10, colors="white", linewidths=0.6)
    for (name, points), color in zip(paths((sx, sy)).items(), ["#E69F00", "#56B4E9", "#CC79A7"]):
        ax.plot(points[:, 0], points[:, 1], "-o", color=color, markersize=2, linewidth=1.5, label=name)
    ax.plot([sx], [sy], "o", color="white", markeredgecolor="black")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.legend(loc="upper right")
    plt.show()


slider = dict(min=-2, max=2, step=0.01)
interact(draw, sx=FloatSlider({DESCENT_START[0]}, description="start x", **slider),
         sy=FloatSlider({DESCENT_START[1]}, description="start y", **slider));
"""
]

FIT_SEED = """\
import jax.numpy as jnp
import numpy as np

rng = np.random.default_rng(0)
x = np.linspace(-5, 5, 20_000)


def model(p, x):
    return p["a0"] * jnp.exp(-0.5 * (x - p["x0"]) ** 2 / p["s0"] ** 2) + p["a1"] * jnp.exp(
        -0.5 * (x - p["x1"]) ** 2 / p["s1"] ** 2)


truth = {"a0": 2.0, "x0": -0.5, "s0": 0.6, "a1": 1.5, "x1": 0.6, "s1": 0.9}
y = np.asarray(model(truth, x)) + rng.normal(scale=0.3, size=x.size)
"""

FIT_CELLS = [
    FIT_SEED
    + """
import jaxwidgets

fit = jaxwidgets.CurveFit(model, x, y, truth, yerr=0.3, handles={"peak 1": ("x0", "a0")},
                          ranges={"x0": (-5, 5), "a0": (-3, 7)})
fit
"""
]

FIT_INTERACT_CELLS = [
    FIT_SEED
    + """
%matplotlib inline
import matplotlib.pyplot as plt
from ipywidgets import FloatSlider, interact

model_np = lambda p, x: np.asarray(model(p, x))
drawn = np.linspace(0, x.size - 1, 1500).astype(int)  # the same 1,500 points CurveFit draws


def draw(x0, a0):
    print(f"probe {x0:.2f} {a0:.2f}")  # the benchmark matches pictures to slider values by this line
    p = {**truth, "x0": x0, "a0": a0}
    y_hat = model_np(p, x)
    chi2 = np.sum(((y - y_hat) / 0.3) ** 2)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True, height_ratios=(3, 1))
    top.plot(x[drawn], y[drawn], ".", color="gray", markersize=2)
    top.plot(x, y_hat, color="C0", linewidth=2.5)
    top.set_title(f"chi2 = {chi2:.6g}")
    bottom.plot(x[drawn], ((y - y_hat) / 0.3)[drawn], ".", color="gray", markersize=2)
    plt.show()


interact(draw, x0=FloatSlider(-0.5, min=-5, max=5, step=0.01, description="x0"),
         a0=FloatSlider(2.0, min=-3, max=7, step=0.01, description="a0"));
"""
]

DERIVATIVE_SEED = """\
import jax
import jax.numpy as jnp
import numpy as np


def f(x, xp=jnp):
    return xp.sin(3 * x) * xp.exp(-(x**2) / 4)
"""

DERIVATIVE_CELLS = [
    DERIVATIVE_SEED
    + """
import jaxwidgets

derivative = jaxwidgets.Derivative(f, x=(-3, 3), at=-1.0)
derivative
"""
]

# The same picture: f with the tangent and osculating parabola from jax.grad, and the finite-difference errors
# of forward and central differences in float32 and float64 against h (log-log).
DERIVATIVE_INTERACT_CELLS = [
    DERIVATIVE_SEED
    + """
%matplotlib inline
import matplotlib.pyplot as plt
from ipywidgets import FloatSlider, interact

df, d2f = jax.jit(jax.grad(f)), jax.jit(jax.grad(jax.grad(f)))
xs = np.linspace(-3, 3, 401)
ys = f(xs, np)
steps = np.logspace(-1, -12, 56)


def fd_errors(x, dtype, exact):
    x, h = dtype(x), steps.astype(dtype)
    here, ahead, behind = f(x, np), f(x + h, np), f(x - h, np)
    return np.abs((ahead - here) / h - exact), np.abs((ahead - behind) / (2 * h) - exact)


def draw(x):
    print(f"probe {x:.2f}")  # the benchmark matches each picture to its slider value by this line
    fx, slope, curvature = float(f(x, np)), float(df(np.float32(x))), float(d2f(np.float32(x)))
    fig, (ax, fd) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(xs, ys, color="black")
    ax.plot(xs, fx + slope * (xs - x), color="#e8710a")
    ax.plot(xs, fx + slope * (xs - x) + curvature * (xs - x) ** 2 / 2, "--", color="#12a4a4")
    ax.plot([x], [fx], "o", color="white", markeredgecolor="black")
    ax.set_ylim(ys.min() - 0.2, ys.max() + 0.2)
    ax.set_title(f"f = {fx:.4g}, f' = {slope:.4g}, f'' = {curvature:.4g}")
    for dtype, color in ((np.float32, "#e8710a"), (np.float64, "#3d8fd6")):
        forward, central = fd_errors(x, dtype, slope)
        fd.loglog(steps, forward, "--", color=color)
        fd.loglog(steps, central, color=color)
    plt.show()


interact(draw, x=FloatSlider(-1.0, min=-3, max=3, step=0.01, description="x"));
"""
]

JACOBIAN_START = (-0.5, -0.3)
JACOBIAN_SEED = """\
import jax
import jax.numpy as jnp
import numpy as np


def f(x, y):
    return x**2 - y**2, 2 * x * y
"""

JACOBIAN_CELLS = [
    JACOBIAN_SEED
    + f"""
import jaxwidgets

jacobian = jaxwidgets.Jacobian(f, x=(-1.5, 1.5), y=(-1.5, 1.5), at={JACOBIAN_START})
jacobian
"""
]

# The same picture: the input grid with a circle around the point, the grid's image with the circle's true
# image and its image under J from jax.jacfwd.
JACOBIAN_INTERACT_CELLS = [
    JACOBIAN_SEED
    + f"""
%matplotlib inline
import matplotlib.pyplot as plt
from ipywidgets import FloatSlider, interact

J = jax.jit(jax.jacfwd(lambda p: jnp.stack(f(p[0], p[1]))))
ticks, along = np.linspace(-1.5, 1.5, 11), np.linspace(-1.5, 1.5, 81)
t = np.linspace(0, 2 * np.pi, 65)
RADIUS = 0.24


def draw(px, py):
    print(f"probe {{px:.2f}} {{py:.2f}}")  # the benchmark matches pictures to slider values by this line
    jac = np.asarray(J(np.array([px, py], np.float32)))
    cx, cy = px + RADIUS * np.cos(t), py + RADIUS * np.sin(t)
    fig, (ax, out) = plt.subplots(1, 2, figsize=(10, 5))
    for k in ticks:
        fixed = np.full_like(along, k)
        for xs, ys, color in ((fixed, along, "#3d8fd6"), (along, fixed, "#2ea043")):
            ax.plot(xs, ys, color=color, linewidth=0.8)
            out.plot(*f(xs, ys), color=color, linewidth=0.8)
    ax.plot(cx, cy, color="#e8710a")
    ax.plot([px], [py], "o", color="white", markeredgecolor="black")
    u0, v0 = f(px, py)
    out.plot(*f(cx, cy), color="#e8710a")
    linear = jac @ np.stack([cx - px, cy - py])
    out.plot(u0 + linear[0], v0 + linear[1], "--", color="#d6336c")
    out.set_title(f"det J = {{np.linalg.det(jac):.4g}}")
    plt.show()


slider = dict(min=-1.5, max=1.5, step=0.01)
interact(draw, px=FloatSlider({JACOBIAN_START[0]}, description="x", **slider),
         py=FloatSlider({JACOBIAN_START[1]}, description="y", **slider));
"""
]

# Installed in every page before JupyterLab loads. Records when each pointer move happened and when each
# picture reached the screen, as `pictures`: {kind: 'provisional' | 'exact', key: 'x y', t: ms}.
# RandomKeys: the sample-count slider from 1,000 to 10 million points. The interact version draws the same
# picture with matplotlib from jax.random.uniform(key, (2, n)) (a new shape, so a new compile, per n).
PI_JAXWIDGETS_CELLS = [
    """
import jaxwidgets

pi = jaxwidgets.RandomKeys(seed=12, samples=3162)  # the slider's middle: drags reach 1 and 10 million
pi
"""
]

PI_INTERACT_CELLS = [
    """
%matplotlib inline
import jax
import matplotlib.pyplot as plt
import numpy as np
from ipywidgets import FloatLogSlider, interact

key = jax.random.key(12)


def draw(n):
    n = int(round(n))
    print(f"probe {n} 0")  # the benchmark matches each picture to its slider value by this line
    points = np.asarray(jax.random.uniform(key, (2, n)))
    inside = points[0] ** 2 + points[1] ** 2 < 1
    shown = points[:, :2000]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(*shown, s=2, c=np.where(inside[:2000], "tab:green", "tab:orange"))
    ax.set_title(f"pi ~ {4 * inside.mean():.5f} from {n:,} points")
    plt.show()


slider = dict(base=10, min=0, max=7, step=0.01, readout_format=".0f", description="samples")
interact(draw, n=FloatLogSlider(10**3.5, **slider));
"""
]


INSTRUMENT_JS = """(() => {
    // Code inside an animation-frame callback draws into that frame; anything else shows on the next one.
    let inFrame = false;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) => raf((ts) => {
        inFrame = true;
        try { callback(ts); } finally { inFrame = false; }
    });
    const now = (record) => record(performance.now());
    const whenPainted = (record) => (inFrame ? now(record) : raf(() => now(record)));

    const bench = (window.__bench = {moves: [], pictures: []});
    // Capture phase on window: the move's timeStamp is taken before any widget sees it.
    window.addEventListener('pointermove', (e) => bench.moves.push(e.timeStamp), {capture: true});
    // jaxwidgets announces each painted probe picture.
    document.addEventListener('jaxwidgets:frame', (e) => {
        const {kind, x, y} = e.detail;
        whenPainted((t) => bench.pictures.push({kind, key: x + ' ' + y, t}));
    }, true);
    // interact: each new <img> in the output, keyed by the 'probe x y' line printed with it.
    window.__watchImages = (output) => new MutationObserver((mutations) => {
        for (const mutation of mutations) for (const node of mutation.addedNodes) {
            if (!(node instanceof Element)) continue;
            const images = node.tagName === 'IMG' ? [node] : [...node.querySelectorAll('img')];
            for (const image of images) {
                const area = image.closest('.jp-OutputArea') || output;
                // 'probe x y' (two sliders) or 'probe x' (one).
                const match = [...area.innerText.matchAll(/probe (\\S+)(?: (\\S+))?/g)].pop();
                const key = match ? (match[2] === undefined ? match[1] : match[1] + ' ' + match[2]) : '';
                const record = (t) => bench.pictures.push({kind: 'exact', key, t});
                image.decode().catch(() => {}).then(() => raf(() => now(record)));
            }
        }
    }).observe(output, {childList: true, subtree: true});
})();"""


def write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


class Subject:
    """A widget under test: the handle the mouse drags, and the position a move asked for."""

    def __init__(
        self,
        name: str,
        notebook: lab.Notebook,
        handle: Any,
        target: Callable[[float], str],
        slider: bool = False,
        amplitude: float = 60.0,
    ) -> None:
        self.name, self.page, self.handle, self.target = name, notebook.page, handle, target
        self.slider = slider or name == "interact"  # dragged left and right, not round in a circle
        self.amplitude = amplitude  # how far a slider is dragged each way from its start (px)


def jaxwidgets_subject(notebook: lab.Notebook, kind: str = "surface", handle_label: str = "probe") -> Subject:
    root = notebook.page.locator(f".jaxwidgets-{kind}").first
    root.scroll_into_view_if_needed()
    notebook.page.wait_for_function("(el) => el.dataset.exactSeq !== undefined", arg=root.element_handle())

    def target(_since: float) -> str:
        """Where the widget put the handle for the last move (the key of its pictures).

        mouse.move returns once the page has handled the move; two frames later every move sent before it
        has been handled too. The handle carries its exact position in data-x / data-y.
        """
        page = notebook.page
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        return handle.evaluate("(el) => el.dataset.x + ' ' + el.dataset.y")

    handle = root.locator(f"[role=slider][aria-label='{handle_label}']")
    return Subject("jaxwidgets", notebook, handle, target)


def descent_subject(notebook: lab.Notebook) -> Subject:
    """Descent: the mouse drags the (first) start point; its pictures are keyed by that start."""
    return jaxwidgets_subject(notebook, "descent", "start point")


def derivative_subject(notebook: lab.Notebook) -> Subject:
    """Derivative: the mouse drags the point along the curve (pictures keyed by its x and the curve's y)."""
    return jaxwidgets_subject(notebook, "derivative", "point")


def jacobian_subject(notebook: lab.Notebook) -> Subject:
    """Jacobian: the mouse drags the point in the input plane."""
    return jaxwidgets_subject(notebook, "jacobian", "point")


def fit_subject(notebook: lab.Notebook) -> Subject:
    """CurveFit: the mouse drags the peak's handle (centre, height); its pictures are keyed by those two."""
    return jaxwidgets_subject(notebook, "curve-fit", "peak 1")


def interact_subject(notebook: lab.Notebook) -> Subject:
    page = notebook.page
    page.locator(".widget-output img").first.wait_for()
    page.locator(".widget-output").first.evaluate("(el) => window.__watchImages(el)")
    readouts = page.locator(".widget-hslider .widget-readout")
    page.locator(".widget-hslider").first.scroll_into_view_if_needed()

    def target(_since: float) -> str:
        """The slider values after the move (one or two sliders), formatted as the kernel prints them."""
        texts = (readouts.nth(k).text_content().strip() for k in range(readouts.count()))
        return " ".join(texts).replace("\u2212", "-")  # the readout writes a true minus sign

    return Subject("interact", notebook, page.locator(".widget-hslider .noUi-handle").first, target)


def random_keys_subject(notebook: lab.Notebook) -> Subject:
    """RandomKeys: the mouse drags the samples slider; pictures are keyed by their sample count."""
    root = notebook.page.locator(".jaxwidgets-random-keys").first
    root.scroll_into_view_if_needed()
    notebook.page.wait_for_function("(el) => el.dataset.seq !== undefined", arg=root.element_handle())
    slider = root.locator("input[aria-label='samples']")

    def target(_since: float) -> str:
        """The count the slider asks for once the page has handled the last move (two frames later)."""
        notebook.page.evaluate(
            "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        return slider.evaluate(
            "(el) => Math.min(1e7, Math.max(1, Math.round(10 ** Number(el.value)))) + ' 0'"
        )

    width = slider.bounding_box()["width"]
    return Subject("jaxwidgets", notebook, slider, target, slider=True, amplitude=width / 2)


def pi_interact_subject(notebook: lab.Notebook) -> Subject:
    """The interact version: one FloatLogSlider; its readout is the count the kernel prints."""
    page = notebook.page
    page.locator(".widget-output img").first.wait_for()
    page.locator(".widget-output").first.evaluate("(el) => window.__watchImages(el)")
    readout = page.locator(".widget-hslider .widget-readout").first
    page.locator(".widget-hslider").first.scroll_into_view_if_needed()

    def target(_since: float) -> str:
        return f"{round(float(readout.text_content().strip().replace(chr(0x2212), '-')))} 0"

    width = page.locator(".widget-hslider .noUi-base").first.bounding_box()["width"]
    handle = page.locator(".widget-hslider .noUi-handle").first
    return Subject("interact", notebook, handle, target, amplitude=width / 2)


# ---- measuring --------------------------------------------------------------------------------------


def wait_picture(page: Any, kind: str | None, key: str | None, after: float) -> tuple[str, float]:
    """(key, paint time) of the first ``kind`` picture (any kind if None; of ``key`` if given) painted at
    ``after`` or later."""
    return tuple(  # type: ignore[return-value]
        page.wait_for_function(
            """([kind, key, after]) => {
                const p = window.__bench.pictures.find(
                    (p) => (kind === null || p.kind === kind) && (key === null || p.key === key)
                        && p.t >= after);
                return p ? [p.key, p.t] : null;
            }""",
            arg=[kind, key, after],
            timeout=TIMEOUT_MS,
        ).json_value()
    )


def final_picture(page: Any, key: str, first: float, last: float) -> float:
    """When the exact picture of ``key`` (where the pointer stopped) was on screen for good.

    Waits until no new picture has come for SETTLE_MS (interact may still be drawing positions it queued),
    then takes the first of the trailing pictures that all show ``key`` painted at ``last`` or later; or
    ``last`` itself when no picture came after the last move and the last one painted during this drag
    (from ``first`` on) already showed ``key`` (the last move changed nothing, e.g. a slider that did not
    reach its next step). A picture from an earlier drag never counts.
    """
    return page.wait_for_function(
        """([key, first, last, settle]) => {
            const exact = window.__bench.pictures.filter((p) => p.kind === 'exact');
            const newest = exact.length ? exact[exact.length - 1].t : -Infinity;
            if (performance.now() - Math.max(newest, last) < settle) return null;
            let k = exact.length;
            while (k > 0 && exact[k - 1].key === key && exact[k - 1].t >= last) k -= 1;
            if (k < exact.length) return exact[k].t;
            const shown = exact.filter((p) => p.t >= first && p.t < last).pop();
            if (shown && shown.key === key && newest < last) return last;
            throw new Error(`the picture of ${key} never showed after the last move`);
        }""",
        arg=[key, first, last, SETTLE_MS],
        timeout=TIMEOUT_MS,
    ).json_value()


def last_move(page: Any, moves_before: int) -> float:
    """timeStamp of the newest pointer move, once the page has seen one after ``moves_before``."""
    return page.wait_for_function(
        "(n) => window.__bench.moves.length > n && window.__bench.moves[window.__bench.moves.length - 1]",
        arg=moves_before,
        timeout=TIMEOUT_MS,
    ).json_value()


def move_count(page: Any) -> int:
    return page.evaluate("() => window.__bench.moves.length")


def single_moves(subject: Subject, moves: int, step: tuple[float, float]) -> dict[str, Any]:
    """``moves`` separate small drags; latency from the move to its exact (and provisional) picture."""
    page, exact, provisional = subject.page, [], []
    for k in range(moves):
        sign = 1 if k % 2 == 0 else -1  # back and forth, so the handle stays in range
        x, y = lab.centre(subject.handle)
        page.mouse.move(x, y)
        page.mouse.down()
        before = move_count(page)
        page.mouse.move(x + sign * step[0], y + sign * step[1])
        moved_at = last_move(page, before)
        key = subject.target(moved_at)
        exact.append(wait_picture(page, "exact", key, moved_at)[1] - moved_at)
        if subject.name == "jaxwidgets":  # the first picture: provisional, or exact if that came first
            provisional.append(wait_picture(page, None, key, moved_at)[1] - moved_at)
        page.mouse.up()
        page.wait_for_timeout(60)  # let the kernel go idle: each move is measured on its own
    result = {"exact_ms": percentiles(exact), "exact_samples_ms": exact}
    if provisional:
        result["provisional_ms"] = percentiles(provisional)
    return result


def continuous_drag(
    subject: Subject, mouse: lab.FreeMouse, seconds: float, path: Callable[[float], tuple[float, float]]
) -> dict[str, Any]:
    """Move every frame for ``seconds`` with the button held; count exact pictures; time the last one.

    The moves come from ``mouse`` on its own 60 Hz clock, as a hand's would, whether or not the page keeps up.
    """
    page = subject.page
    x0, y0 = lab.centre(subject.handle)
    before = move_count(page)
    mouse.down(x0, y0)
    started, k, position = time.perf_counter(), 0, (x0, y0)
    while (elapsed := time.perf_counter() - started) < seconds:
        dx, dy = path(elapsed / seconds)
        position = (x0 + dx, y0 + dy)
        mouse.move(*position)
        k += 1
        time.sleep(max(0.0, started + k * FRAME_INTERVAL - time.perf_counter()))
    sent_per_s = k / (time.perf_counter() - started)
    page.wait_for_timeout(100)  # the last moves still in Chromium's queue reach the page
    last = page.evaluate("() => window.__bench.moves[window.__bench.moves.length - 1]")
    first = page.evaluate("(n) => window.__bench.moves[n]", before)
    key = subject.target(last)
    final = final_picture(page, key, first, last) - last
    mouse.up(*position)
    counts = page.evaluate(
        """([first, last]) => {
            const during = window.__bench.pictures.filter((p) => p.t >= first && p.t <= last);
            // Pictures painted in the same frame count once: only the last of them reached the screen.
            const frames = (kind) => new Set(during.filter((p) => p.kind === kind).map((p) => p.t)).size;
            return {exact: frames('exact'), provisional: frames('provisional')};
        }""",
        [first, last],
    )
    duration = (last - first) / 1000
    return {
        "duration_s": duration,
        "mouse_moves_sent_per_s": sent_per_s,
        "pointer_moves_per_s": (move_count(page) - before) / duration,  # as the page saw them
        "exact_per_s": counts["exact"] / duration,
        "provisional_per_s": counts["provisional"] / duration if subject.name == "jaxwidgets" else None,
        "final_frame_ms": final,
    }


def circle(radius: float) -> Callable[[float], tuple[float, float]]:
    """One turn around the start point (the handle sits on the circle's leftmost point)."""
    return lambda s: (radius * (1 - math.cos(2 * math.pi * s)), radius * math.sin(2 * math.pi * s))


def back_and_forth(amplitude: float) -> Callable[[float], tuple[float, float]]:
    """Right to +amplitude, back to -amplitude, and back to the start: twice over the drag (a slider)."""
    return lambda s: (amplitude * _triangle(2 * s), 0.0)


def _triangle(s: float) -> float:
    """0 -> 1 -> 0 -> -1 -> 0 as s goes over [0, 1], repeating."""
    s %= 1.0
    return 4 * s if s < 0.25 else 2 - 4 * s if s < 0.75 else 4 * s - 4


def measure(
    context: Any,
    server: lab.LabServer,
    name: str,
    make: Callable[[lab.Notebook], Subject],
    args: argparse.Namespace,
) -> dict[str, Any]:
    notebook = lab.Notebook.open(context, server, name)
    mouse = lab.FreeMouse(notebook.page)
    try:
        notebook.run_all()
        subject = make(notebook)
        slider = subject.slider
        step = (12.0, 0.0) if slider else (12.0, -9.0)
        single = single_moves(subject, args.moves, step)
        path = back_and_forth(subject.amplitude) if slider else circle(70)
        drags = []
        for _ in range(args.drags):
            drags.append(continuous_drag(subject, mouse, args.drag_seconds, path))
            subject.page.wait_for_timeout(300)  # idle again: each drag's final picture is its own
        return {"single": single, "continuous": combine(drags), "drags": drags}
    finally:
        mouse.close()
        notebook.close()


def combine(drags: list[dict[str, Any]]) -> dict[str, Any]:
    """Rates over all drags (weighted by their lengths); the final-picture delay as p50 and max over drags.

    One drag gives one final-picture delay, which depends on where the last move fell in the kernel's
    round trip: a single sample says little, so the benchmark repeats the drag.
    """
    total = sum(d["duration_s"] for d in drags)
    rate = lambda key: sum((d[key] or 0) * d["duration_s"] for d in drags) / total  # noqa: E731
    finals = sorted(d["final_frame_ms"] for d in drags)
    return {
        "duration_s": total,
        "mouse_moves_sent_per_s": statistics.mean(d["mouse_moves_sent_per_s"] for d in drags),
        "pointer_moves_per_s": rate("pointer_moves_per_s"),
        "exact_per_s": rate("exact_per_s"),
        "provisional_per_s": rate("provisional_per_s") if drags[0]["provisional_per_s"] is not None else None,
        "final_frame_ms": statistics.median(finals),
        "final_frame_max_ms": finals[-1],
        "drags": len(drags),
    }


# ---- reporting --------------------------------------------------------------------------------------


SCENARIOS: dict[str, dict[str, Any]] = {
    "surface": {
        "title": "LossSurface: probe on a 200 x 200 surface",
        "jaxwidgets": ("bench_surface_jaxwidgets.ipynb", JAXWIDGETS_CELLS, jaxwidgets_subject),
        "interact": ("bench_surface_interact.ipynb", INTERACT_CELLS, interact_subject),
    },
    "descent": {
        "title": "Descent: start of sgd, momentum and adam paths (200 steps) on a 200 x 200 surface",
        "jaxwidgets": ("bench_descent_jaxwidgets.ipynb", DESCENT_CELLS, descent_subject),
        "interact": ("bench_descent_interact.ipynb", DESCENT_INTERACT_CELLS, interact_subject),
    },
    "curve_fit": {
        "title": "CurveFit: drag a peak (its centre and height) over 20,000 points, chi^2 and residuals",
        "jaxwidgets": ("bench_fit_jaxwidgets.ipynb", FIT_CELLS, fit_subject),
        "interact": ("bench_fit_interact.ipynb", FIT_INTERACT_CELLS, interact_subject),
    },
    "derivative": {
        "title": "Derivative: point on f, tangent, parabola, finite differences in float32 and float64",
        "jaxwidgets": ("bench_derivative_jaxwidgets.ipynb", DERIVATIVE_CELLS, derivative_subject),
        "interact": ("bench_derivative_interact.ipynb", DERIVATIVE_INTERACT_CELLS, interact_subject),
    },
    "jacobian": {
        "title": "Jacobian: point in the plane, the grid's image, a circle's true and linearised image",
        "jaxwidgets": ("bench_jacobian_jaxwidgets.ipynb", JACOBIAN_CELLS, jacobian_subject),
        "interact": ("bench_jacobian_interact.ipynb", JACOBIAN_INTERACT_CELLS, interact_subject),
    },
    "random_keys": {
        "title": "RandomKeys: the sample count dragged from 1 to 10 million points (Monte Carlo pi)",
        "jaxwidgets": ("bench_pi_jaxwidgets.ipynb", PI_JAXWIDGETS_CELLS, random_keys_subject),
        "interact": ("bench_pi_interact.ipynb", PI_INTERACT_CELLS, pi_interact_subject),
    },
}


def rows(results: dict[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    empty = {"single": {"exact_ms": {"p50": None, "p95": None, "max": None},
                        "provisional_ms": {"p50": None, "p95": None}},
             "continuous": {"exact_per_s": None, "provisional_per_s": None, "pointer_moves_per_s": None,
                            "mouse_moves_sent_per_s": None, "final_frame_ms": None,
                            "final_frame_max_ms": None}}  # fmt: skip
    jw, ia = results.get("jaxwidgets", empty), results.get("interact", empty)
    ms = lambda r, stat: r["single"]["exact_ms"][stat]  # noqa: E731
    return [
        ("single move: exact p50 (ms)", ms(jw, "p50"), ms(ia, "p50"), f"<= {GOALS['exact_p50_ms']:g}"),
        ("single move: exact p95 (ms)", ms(jw, "p95"), ms(ia, "p95"), f"<= {GOALS['exact_p95_ms']:g}"),
        ("single move: exact max (ms)", ms(jw, "max"), ms(ia, "max"), ""),
        ("single move: first picture p50 (ms)", jw["single"]["provisional_ms"]["p50"], None, ""),
        ("single move: first picture p95 (ms)", jw["single"]["provisional_ms"]["p95"], None, ""),
        ("drag: exact pictures per second", jw["continuous"]["exact_per_s"], ia["continuous"]["exact_per_s"],
         f">= {GOALS['exact_updates_per_s']:g}"),
        ("drag: provisional pictures per second", jw["continuous"]["provisional_per_s"], None, ""),
        ("drag: mouse moves sent per second", jw["continuous"]["mouse_moves_sent_per_s"],
         ia["continuous"]["mouse_moves_sent_per_s"], ""),
        ("drag: pointer moves per second (page saw)", jw["continuous"]["pointer_moves_per_s"],
         ia["continuous"]["pointer_moves_per_s"], ""),
        ("drag: final exact picture after last move, p50 (ms)", jw["continuous"]["final_frame_ms"],
         ia["continuous"]["final_frame_ms"], f"<= {GOALS['final_frame_ms']:g}"),
        ("drag: final exact picture after last move, max (ms)", jw["continuous"]["final_frame_max_ms"],
         ia["continuous"]["final_frame_max_ms"], ""),
    ]  # fmt: skip


def table(results: dict[str, Any]) -> str:
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    header = f"{'':54} {'jaxwidgets':>11} {'interact':>10} {'jw better by':>12} {'goal (jw)':>10}"
    lines = [header, "-" * len(header)]
    for label, jw, ia, goal in rows(results):
        # Times: how many times shorter jaxwidgets' is; rates: how many times higher.
        rate = "per second" in label
        better = (jw / ia if rate else ia / jw) if jw and ia else None
        ratio = f"{better:.1f}x" if better is not None and "sent" not in label else "-"
        lines.append(f"{label:54} {fmt(jw):>11} {fmt(ia):>10} {ratio:>12} {goal:>10}")
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    packages = ["jupyterlab", "ipywidgets", "anywidget", "jax", "matplotlib", "playwright"]
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **{name: version(name) for name in packages},
        "chromium": lab.chromium_executable(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=100, help="single moves per widget (default 100)")
    parser.add_argument("--drag-seconds", type=float, default=2.0, help="length of each continuous drag")
    parser.add_argument("--drags", type=int, default=20, help="continuous drags per widget (default 20)")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (default all)",
    )
    parser.add_argument(
        "--subjects", default="jaxwidgets,interact", help="comma-separated: jaxwidgets, interact"
    )
    parser.add_argument(
        "--first-picture",
        action="store_true",
        help="instead: Run All in a fresh kernel to the first picture, jaxwidgets vs interact vs bqplot "
        "(surface and descent; benchmarks/first_picture.py)",
    )
    parser.add_argument("--samples", type=int, default=5, help="--first-picture: kernel starts per notebook")
    parser.add_argument(
        "--compilation-cache",
        choices=["fresh", "warm"],
        default="fresh",
        help="--first-picture: a new empty JAX compilation cache per sample, or one filled beforehand",
    )
    parser.add_argument("--baseline", help="--first-picture: also time the jaxwidgets in this src/ directory")
    args = parser.parse_args()
    if args.first_picture:
        import first_picture  # benchmarks/, beside this script

        first_picture.run(args, sys.modules[__name__])
        return
    scenarios = [name for name in args.scenarios.split(",") if name]
    subjects = [name for name in args.subjects.split(",") if name]
    for name in scenarios:
        if name not in SCENARIOS:
            sys.exit(f"unknown scenario {name!r}: choose from {', '.join(SCENARIOS)}")
    executable = lab.chromium_executable()
    if executable is None:
        sys.exit("no Chromium found: install Debian's chromium or run `playwright install chromium`")

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jaxwidgets-latency-") as tmp:
        work = Path(tmp)
        root = work / "root"
        root.mkdir()
        for scenario in scenarios:
            for subject in subjects:
                notebook, cells, _ = SCENARIOS[scenario][subject]
                write_notebook(root / notebook, cells)
        with lab.jupyter_lab(root, work) as server, lab.chromium(work / "chromium", executable) as context:
            context.add_init_script(INSTRUMENT_JS)
            for scenario in scenarios:
                results[scenario] = {}
                for subject in subjects:
                    notebook, _, make = SCENARIOS[scenario][subject]
                    results[scenario][subject] = measure(context, server, notebook, make, args)

    for scenario in scenarios:
        print(f"\n{SCENARIOS[scenario]['title']}\n")
        print(table(results[scenario]))
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"latency-{stamp}.json"
    record = {"when": stamp, "args": vars(args), "goals": GOALS, "environment": environment(), **results}
    out.write_text(json.dumps(record, indent=2))
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
