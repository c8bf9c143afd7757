"""The autodiff lesson in a real JupyterLab: drag Derivative's and Jacobian's points with the mouse, the
keyboard, a bad function's banner, screenshots light and dark."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import listen_to_console
from .lab import RECORD_FRAMES_JS, SETTLED_JS, LabServer, Notebook, centre, drag

HANDLE = "[role=slider][aria-label=point]"


class View:
    """One widget view of the notebook (Python name ``name``): its root, its handle, its Python side."""

    def __init__(self, notebook: Notebook, selector: str, name: str, index: int = 0) -> None:
        self.notebook, self.name, self.page = notebook, name, notebook.page
        self.root = self.page.locator(selector).nth(index)
        self.handle = self.root.locator(HANDLE)

    def py(self, attribute: str) -> Any:
        return self.notebook.value(f"{self.name}.{attribute}")

    def wait_settled(self) -> None:
        self.page.wait_for_function(SETTLED_JS, arg=self.root.element_handle())

    def wait_exact_x(self, x: float) -> None:
        self.page.wait_for_function(
            "([el, x]) => Number(el.dataset.exactX) === x", arg=[self.root.element_handle(), x]
        )

    def exact(self) -> tuple[float, float]:
        data = self.root.evaluate("(el) => [el.dataset.exactX, el.dataset.exactY]")
        return float(data[0]), float(data[1])

    def set_from_python(self, code: str, x: float) -> tuple[float, float]:
        """Run ``code`` (it moves the point to x); wait until the page shows it; the handle's centre."""
        self.notebook.python(code)
        self.wait_exact_x(x)
        self.wait_settled()
        return centre(self.handle)


@pytest.fixture(scope="module")
def lesson(lab_server: LabServer, browser: Any) -> Iterator[tuple[Notebook, list[str]]]:
    notebook = Notebook.open(browser, lab_server, "autodiff.ipynb")
    try:
        console = listen_to_console(notebook.page)
        notebook.page.evaluate(RECORD_FRAMES_JS)
        notebook.run_all()
        yield notebook, console
    finally:
        notebook.close()


@pytest.fixture(scope="module")
def poly(lesson: tuple[Notebook, list[str]]) -> View:
    view = View(lesson[0], ".jaxwidgets.jaxwidgets-derivative", "poly")
    view.root.scroll_into_view_if_needed()
    view.wait_exact_x(-1.5)  # the notebook's last assignment, not the constructor's at=2.0
    return view


@pytest.fixture(scope="module")
def polar(lesson: tuple[Notebook, list[str]]) -> View:
    view = View(lesson[0], ".jaxwidgets.jaxwidgets-jacobian", "polar")
    view.root.scroll_into_view_if_needed()
    view.wait_exact_x(1.2)
    return view


def test_run_all_leaves_no_console_message_banner_or_error(lesson: tuple[Notebook, list[str]]) -> None:
    notebook, console = lesson
    assert console == []
    for name in ("poly", "exp_fd", "polar", "square"):
        assert notebook.value(f"{name}.error") == ""
    banners = notebook.page.locator(".jaxwidgets [role=alert].jaxwidgets-error:visible")
    assert banners.count() == 0


def test_drag_derivative_point_moves_python_and_picture(poly: View, artifacts: Path) -> None:
    page = poly.page
    left = poly.set_from_python(f"{poly.name}.at = -4.0", -4.0)
    right = poly.set_from_python(f"{poly.name}.at = 0.0", 0.0)
    data_per_px = 4.0 / (right[0] - left[0])
    before_png = poly.root.screenshot()
    before_readout = poly.root.locator(".derivative-readout").text_content()

    start = centre(poly.handle)
    drag(page, start, (start[0] - 110, start[1] + 40), steps=12, settled=poly.wait_settled)

    at = poly.py("at")
    assert at == pytest.approx(-110 * data_per_px, abs=3 * abs(data_per_px)), at
    assert poly.exact()[0] == pytest.approx(at, abs=1e-9), "the page shows another point than Python has"
    assert poly.py("slope") == pytest.approx(2 * at + 3, rel=1e-5, abs=1e-5)
    assert poly.py("value") == pytest.approx(at**2 + 3 * at + 2, rel=1e-5, abs=1e-5)
    assert poly.exact()[1] == pytest.approx(poly.py("value"), rel=1e-6)
    readout = poly.root.locator(".derivative-readout").text_content()
    assert readout != before_readout and "f\u2032(x) = " in readout  # f prime
    after_png = poly.root.screenshot(path=artifacts / "autodiff_derivative_after_drag.png")
    assert after_png != before_png, "the picture did not change"


def test_arrow_key_moves_derivative_point(poly: View) -> None:
    poly.set_from_python(f"{poly.name}.at = 1.0", 1.0)
    poly.handle.focus()
    poly.page.keyboard.press("ArrowRight")
    poly.wait_settled()
    x0, x1 = poly.py("x_range")
    assert poly.py("at") == pytest.approx(1.0 + (x1 - x0) / 100, rel=1e-6)


def test_drag_jacobian_point_moves_python_and_picture(polar: View, artifacts: Path) -> None:
    page = polar.page
    before_png = polar.root.screenshot()
    r0, theta0 = polar.py("at")
    start = centre(polar.handle)
    drag(page, start, (start[0] + 70, start[1] - 50), steps=12, settled=polar.wait_settled)

    r, theta = polar.py("at")
    assert r > r0 and theta > theta0, (r, theta)
    assert polar.exact() == pytest.approx((r, theta), abs=1e-9)
    c, s = math.cos(theta), math.sin(theta)
    assert polar.py("jacobian.ravel().tolist()") == pytest.approx([c, -r * s, s, r * c], abs=1e-5)
    assert polar.py("determinant") == pytest.approx(r, rel=1e-5)
    assert "det J = " in polar.root.locator(".jacobian-readout").text_content()
    after_png = polar.root.screenshot(path=artifacts / "autodiff_jacobian_after_drag.png")
    assert after_png != before_png, "the picture did not change"


def test_bad_function_shows_banner_and_python_error(poly: View, artifacts: Path) -> None:
    notebook = poly.notebook
    banner = poly.root.locator("[role=alert].jaxwidgets-error")
    notebook.python(f"{poly.name}.f = lambda x: jnp.stack([x, x])")
    try:
        error = poly.py("error")
        assert "must return a scalar" in error
        banner.wait_for(state="visible")
        assert banner.text_content().strip() == error.strip()
        poly.root.screenshot(path=artifacts / "autodiff_derivative_error.png")
    finally:
        notebook.python(f"{poly.name}.f = f")
    banner.wait_for(state="hidden")


def test_screenshots_light_and_dark(poly: View, polar: View, artifacts: Path) -> None:
    notebook, page = poly.notebook, poly.page
    exp_fd = View(notebook, ".jaxwidgets.jaxwidgets-derivative", "exp_fd", index=1)
    poly.set_from_python(f"{poly.name}.at = -2.5", -2.5)
    polar.set_from_python(f"{polar.name}.at = (1.2, 0.6)", 1.2)
    shots = {"derivative": poly.root, "fd": exp_fd.root, "jacobian": polar.root}
    for name, root in shots.items():
        root.scroll_into_view_if_needed()
        root.screenshot(path=artifacts / f"autodiff_{name}_light.png")
    try:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)  # the canvases are redrawn in the new theme's colours
        for name, root in shots.items():
            root.scroll_into_view_if_needed()
            root.screenshot(path=artifacts / f"autodiff_{name}_dark.png")
    finally:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
