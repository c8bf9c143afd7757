"""Static pictures of a widget's state: the ``text/html`` fallback of every repr, and ``save_html`` pages.

A notebook opened where no kernel or widget manager runs (GitHub, nbviewer, nbconvert HTML, a front end
without the extension) shows the richest output it can render, and for a widget that is this snapshot: an
inline SVG (a heatmap as a PNG data URI inside it, lines, points and text as SVG) and a one-line caption with
the key numbers. It is built from state the widget already holds, with numpy and zlib only (no browser, no
matplotlib), in the colormap the front end uses (viridis, js/lib/colormap.ts).
"""

from __future__ import annotations

import base64
import html
import math
import struct
import uuid
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# d3's interpolateViridis sampled at 256 points, as the front end's lookup table (js/lib/colormap.ts).
_VIRIDIS_HEX = (
    "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769"
    "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a"
    "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85"
    "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b"
    "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d"
    "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e"
    "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e"
    "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d"
    "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88"
    "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81"
    "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74"
    "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863"
    "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d"
    "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32"
    "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a"
    "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725"
)
VIRIDIS = np.frombuffer(bytes.fromhex(_VIRIDIS_HEX), np.uint8).reshape(256, 3)
LOG_EPSILON_FRACTION = 1e-5  # as js/lib/colormap.ts: log10(v - vmin + eps), eps a fraction of the range
WIDTH, HEIGHT = 360, 300
# Colours readable on a light and on a dark page (the snapshot cannot read the notebook's theme).
INK = "#444"
PALETTE = ("#e45756", "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#9d755d", "#eeca3b")


def png_bytes(rgba: npt.NDArray[np.uint8]) -> bytes:
    """Encode an (height, width, 4) uint8 image as PNG, row 0 at the top.

    >>> png_bytes(np.zeros((2, 3, 4), np.uint8))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    height, width, _ = rgba.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgba.reshape(height, width * 4)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    data = zlib.compress(np.ascontiguousarray(rows).tobytes(), 6)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def colorize(values: npt.ArrayLike, vmin: float, vmax: float, log: bool = False) -> npt.NDArray[np.uint8]:
    """Values (row 0 at y low) to an RGBA image (row 0 at the top), as the front end colours its heatmap;
    non-finite values are transparent.

    >>> colorize([[0.0, 1.0]], 0.0, 1.0)[0, :, :3].tolist()
    [[68, 1, 84], [253, 231, 37]]
    """
    grid = np.asarray(values, np.float64)
    finite = np.isfinite(grid)
    span = vmax - vmin if vmax > vmin else 1.0
    safe = np.where(finite, grid, vmin)
    if log:
        eps = span * LOG_EPSILON_FRACTION
        low, high = math.log10(eps), math.log10(span + eps)
        unit = (np.log10(np.maximum(safe - vmin, 0.0) + eps) - low) / (high - low)
    else:
        unit = (safe - vmin) / span
    index = np.clip(np.round(np.clip(unit, 0.0, 1.0) * 255), 0, 255).astype(np.intp)
    rgba = np.empty((*grid.shape, 4), np.uint8)
    rgba[..., :3] = VIRIDIS[index]
    rgba[..., 3] = np.where(finite, 255, 0)
    return np.ascontiguousarray(rgba[::-1])


def number(value: Any, digits: int = 4) -> str:
    """A number for a caption: ``digits`` significant digits, "nan" for missing values.

    >>> number(3.14159), number(None)
    ('3.142', 'nan')
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "nan"
    return f"{value:.{digits}g}" if math.isfinite(value) else str(value)


def escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


class Frame:
    """A plot area inside an SVG: data (x, y) to pixels, y up."""

    def __init__(
        self,
        x_range: Sequence[float],
        y_range: Sequence[float],
        width: int = WIDTH,
        height: int = HEIGHT,
        margins: tuple[int, int, int, int] = (10, 10, 34, 48),  # top, right, bottom, left
    ) -> None:
        self.x0, self.x1 = _widen(x_range)
        self.y0, self.y1 = _widen(y_range)
        self.width, self.height = width, height
        top, right, bottom, left = margins
        self.left, self.top = left, top
        self.plot_width, self.plot_height = width - left - right, height - top - bottom

    def px(self, x: float) -> float:
        return self.left + (x - self.x0) / (self.x1 - self.x0) * self.plot_width

    def py(self, y: float) -> float:
        return self.top + (self.y1 - y) / (self.y1 - self.y0) * self.plot_height

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def _widen(pair: Sequence[float]) -> tuple[float, float]:
    low, high = float(pair[0]), float(pair[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    return (low, high) if high > low else (low - 1.0, low + 1.0)


class Svg:
    """An SVG picture built from a few marks on one frame."""

    def __init__(self, frame: Frame, label: str) -> None:
        self.frame = frame
        self.label = label
        self.parts: list[str] = []  # marks, clipped to the plot area
        self.decor: list[str] = []  # axes, labels and legend, outside or over it
        self.clip = f"jaxwidgets-clip-{uuid.uuid4().hex[:12]}"

    def image(self, png: bytes) -> Svg:
        f = self.frame
        self.parts.append(
            f'<image x="{f.left}" y="{f.top}" width="{f.plot_width}" height="{f.plot_height}" '
            f'preserveAspectRatio="none" style="image-rendering:pixelated" href="{data_uri(png)}"/>'
        )
        return self

    def line(self, points: npt.ArrayLike, color: str, width: float = 1.5, dash: str = "") -> Svg:
        xy = np.asarray(points, np.float64).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) < 2:
            return self
        coords = " ".join(f"{self.frame.px(x):.1f},{self.frame.py(y):.1f}" for x, y in xy)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="{width}"{extra}/>'
        )
        return self

    def points(self, points: npt.ArrayLike, color: str, radius: float = 2.5, stroke: str = "none") -> Svg:
        xy = np.asarray(points, np.float64).reshape(-1, 2)
        for x, y in xy[np.isfinite(xy).all(axis=1)]:
            self.parts.append(
                f'<circle cx="{self.frame.px(x):.1f}" cy="{self.frame.py(y):.1f}" r="{radius}" '
                f'fill="{color}" stroke="{stroke}"/>'
            )
        return self

    def arrow(self, start: Sequence[float], end: Sequence[float], color: str) -> Svg:
        f = self.frame
        x0, y0, x1, y1 = f.px(start[0]), f.py(start[1]), f.px(end[0]), f.py(end[1])
        if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
            return self
        angle, size = math.atan2(y1 - y0, x1 - x0), 7.0
        wings = [(x1 - size * math.cos(angle + s), y1 - size * math.sin(angle + s)) for s in (0.45, -0.45)]
        head = " ".join(f"{x:.1f},{y:.1f}" for x, y in [(x1, y1), *wings])
        self.parts.append(
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
            f'stroke="{color}" stroke-width="2"/>'
            f'<polygon points="{head}" fill="{color}"/>'
        )
        return self

    def bars(self, edges: npt.ArrayLike, heights: npt.ArrayLike, color: str) -> Svg:
        f = self.frame
        for low, high, h in zip(
            np.asarray(edges)[:-1], np.asarray(edges)[1:], np.asarray(heights), strict=True
        ):
            top = f.py(float(h))
            self.parts.append(
                f'<rect x="{f.px(low):.1f}" y="{top:.1f}" width="{max(f.px(high) - f.px(low), 0.5):.1f}" '
                f'height="{max(f.py(f.y0) - top, 0):.1f}" fill="{color}" fill-opacity="0.45"/>'
            )
        return self

    def text(self, x: float, y: float, words: str, anchor: str = "start", size: int = 11) -> Svg:
        self.decor.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{INK}">'
            f"{escape(words)}</text>"
        )
        return self

    def axes(self, x_label: str = "x", y_label: str = "y") -> Svg:
        """A box around the plot, the ends of both ranges and the axis names."""
        f = self.frame
        bottom, right = f.top + f.plot_height, f.left + f.plot_width
        self.decor.append(
            f'<rect x="{f.left}" y="{f.top}" width="{f.plot_width}" height="{f.plot_height}" '
            f'fill="none" stroke="{INK}"/>'
        )
        self.text(f.left, bottom + 14, number(f.x0, 3), "start")
        self.text(right, bottom + 14, number(f.x1, 3), "end")
        self.text((f.left + right) / 2, bottom + 28, x_label, "middle")
        self.text(f.left - 4, bottom, number(f.y0, 3), "end")
        self.text(f.left - 4, f.top + 10, number(f.y1, 3), "end")
        self.text(f.left - 4, (f.top + bottom) / 2, y_label, "end")
        return self

    def legend(self, entries: Iterable[tuple[str, str]]) -> Svg:
        f = self.frame
        for row, (name, color) in enumerate(entries):
            y = f.top + 14 + 14 * row
            self.decor.append(f'<rect x="{f.left + 6}" y="{y - 8}" width="10" height="3" fill="{color}"/>')
            self.text(f.left + 20, y, name)
        return self

    def render(self) -> str:
        f = self.frame
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{f.width}" height="{f.height}" '
            f'viewBox="0 0 {f.width} {f.height}" role="img" aria-label="{escape(self.label)}" '
            f'font-family="sans-serif"><defs><clipPath id="{self.clip}"><rect x="{f.left}" y="{f.top}" '
            f'width="{f.plot_width}" height="{f.plot_height}"/></clipPath></defs>'
            f'<g clip-path="url(#{self.clip})">{"".join(self.parts)}</g>{"".join(self.decor)}</svg>'
        )


def figure(kind: str, pictures: Sequence[str], caption: str) -> str:
    """The snapshot: pictures side by side and a caption saying it is a static picture.

    >>> figure("derivative", [], "f = 1").startswith('<figure class="jaxwidgets-snapshot')
    True
    """
    return (
        f'<figure class="jaxwidgets-snapshot jaxwidgets-snapshot-{kind}" style="margin:0">'
        f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(pictures)}</div>'
        f'<figcaption style="font:12px sans-serif">{escape(caption)} '
        "<em>(static snapshot; run the notebook for the live widget)</em></figcaption></figure>"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table of text cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    style = "font:12px sans-serif;align-self:flex-start"
    return f'<table style="{style}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def heatmap_svg(
    surface: dict[str, Any], values: npt.NDArray[np.float32], log: bool, labels: tuple[str, str], label: str
) -> Svg:
    """A surface's heatmap (the ``_surface`` trait's values) on its frame, with axes."""
    frame = Frame(surface.get("x_range", (0, 1)), surface.get("y_range", (0, 1)))
    svg = Svg(frame, label)
    vmin, vmax = surface.get("vmin"), surface.get("vmax")
    if values.size and vmin is not None and vmax is not None:
        svg.image(png_bytes(colorize(values, vmin, vmax, log)))
    return svg.axes(*labels)
