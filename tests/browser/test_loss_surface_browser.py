"""LossSurface in a real JupyterLab: drag with the mouse, move with the keyboard, errors, themes, the tour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import listen_to_console
from .lab import RECORD_FRAMES_JS, SETTLED_JS, LabServer, Notebook, centre, drag, wait_exact_at

SURFACE = ".jaxwidgets.jaxwidgets-surface"
HANDLE = "[role=slider][aria-label=probe]"


class Surface:
    """The first LossSurface of a notebook (Python name ``name``), seen from the page and from the kernel."""

    def __init__(self, notebook: Notebook, name: str, index: int = 0) -> None:
        self.notebook, self.name, self.index = notebook, name, index
        self.page = notebook.page
        self.root = self.page.locator(SURFACE).nth(index)
        self.handle = self.root.locator(HANDLE)
        self.console: list[str] = []  # the page's console warnings and errors, when listened to

    def py(self, attribute: str) -> Any:
        return self.notebook.value(f"{self.name}.{attribute}")

    def wait_rendered(self) -> None:
        """The fine surface is drawn and the exact reading at the probe is shown."""
        self.page.wait_for_function(
            "(el) => el.dataset.surfaceStage === 'fine' && el.dataset.exactSeq !== undefined",
            arg=self.root.element_handle(),
        )

    def wait_settled(self) -> None:
        self.page.wait_for_function(SETTLED_JS, arg=self.root.element_handle())

    def exact(self) -> tuple[float, float]:
        """The position of the exact picture on screen (data-exact-x / -y)."""
        data = self.root.evaluate("(el) => [el.dataset.exactX, el.dataset.exactY]")
        return float(data[0]), float(data[1])

    def set_probe(self, x: float, y: float) -> tuple[float, float]:
        """Move the probe from Python; wait until the page shows it; return the handle's pixel centre."""
        self.notebook.python(f"{self.name}.probe = ({x!r}, {y!r})")
        wait_exact_at(self.page, self.root, x, y)
        return centre(self.handle)

    def pixel_to_data(self) -> Any:
        """Pixel -> data map, calibrated by placing the probe at two known points from Python."""
        (x0, y0), (x1, y1) = (-1.0, -1.0), (1.0, 1.0)
        p0, p1 = self.set_probe(x0, y0), self.set_probe(x1, y1)
        sx, sy = (x1 - x0) / (p1[0] - p0[0]), (y1 - y0) / (p1[1] - p0[1])
        return lambda px, py: (x0 + (px - p0[0]) * sx, y0 + (py - p0[1]) * sy), abs(sx)


@pytest.fixture(scope="module")
def loss_surface(lab_server: LabServer, browser: Any) -> Iterator[Surface]:
    """examples/loss_surface.ipynb, run once for this module; its first widget is ``surface``."""
    notebook = Notebook.open(browser, lab_server, "loss_surface.ipynb")
    try:
        console = listen_to_console(notebook.page)  # before Run All: every view renders after this
        notebook.page.evaluate(RECORD_FRAMES_JS)
        notebook.run_all()
        surface = Surface(notebook, "surface")
        surface.console = console
        surface.root.scroll_into_view_if_needed()
        surface.wait_rendered()
        yield surface
    finally:
        notebook.close()


def test_console_stays_clean(loss_surface: Surface) -> None:
    """Run All logged no warning or error (no anywidget deprecation warning: the bundle exports only
    ``default { render }``)."""
    assert loss_surface.console == []


def test_drag_moves_python_probe_and_picture(loss_surface: Surface, artifacts: Path) -> None:
    surface, page = loss_surface, loss_surface.page
    to_data, data_per_pixel = surface.pixel_to_data()
    surface.set_probe(-1.0, -1.0)
    before_png = surface.root.screenshot()
    before_value = surface.py("value")

    start = centre(surface.handle)
    end = (start[0] + 120, start[1] - 90)  # right and up: towards larger x and y
    drag(page, start, end, steps=12, settled=surface.wait_settled)

    expected = to_data(*end)
    probe = surface.py("probe")
    tolerance = 2 * data_per_pixel  # the handle is placed to 1/100 px; the mouse lands on whole pixels
    assert probe == pytest.approx(expected, abs=tolerance), (probe, expected)
    assert surface.exact() == pytest.approx(probe, abs=1e-9), (
        "the page shows another position than Python has"
    )
    assert surface.py("value") != pytest.approx(before_value)
    assert surface.root.get_attribute("data-value") is not None
    assert float(surface.root.get_attribute("data-value")) == pytest.approx(surface.py("value"), rel=1e-5)
    after_png = surface.root.screenshot(path=artifacts / "loss_surface_after_drag.png")
    assert after_png != before_png, "the picture did not change"


def test_arrow_key_moves_probe(loss_surface: Surface) -> None:
    surface, page = loss_surface, loss_surface.page
    x0, y0 = 0.25, -0.5
    surface.set_probe(x0, y0)
    surface.handle.focus()
    page.keyboard.press("ArrowRight")
    surface.wait_settled()
    x, y = surface.py("probe")
    x_range = surface.py("x_range")
    assert x == pytest.approx(x0 + (x_range[1] - x_range[0]) / 100, rel=1e-6)  # one step: 1 % of the view
    assert y == pytest.approx(y0)
    assert surface.exact() == pytest.approx((x, y))


def test_bad_function_shows_banner_and_keeps_picture(loss_surface: Surface, artifacts: Path) -> None:
    surface, notebook = loss_surface, loss_surface.notebook
    banner = surface.root.locator("[role=alert].jaxwidgets-error")
    generation = surface.root.get_attribute("data-surface-generation")
    notebook.python(f"_good_f = {surface.name}.f\n{surface.name}.f = lambda x, y: 1.0 if x > 0 else 0.0")
    try:
        error = surface.py("error")
        assert error, "a function with Python control flow on a traced value must set `error`"
        banner.wait_for(state="visible")
        assert banner.text_content().strip() == error.strip()
        assert surface.root.get_attribute("data-surface-generation") == generation, (
            "the old picture must stay"
        )
        surface.root.screenshot(path=artifacts / "loss_surface_error.png")
    finally:
        notebook.python(f"{surface.name}.f = _good_f")
    assert surface.py("error") == ""
    banner.wait_for(state="hidden")


# The heatmap canvas's top-left pixel (a margin) is the widget's background, and the canvas is opaque there.
MARGIN_IS_BACKGROUND_JS = """(root) => {
  const canvas = root.querySelector("canvas.heatmap");
  const [r, g, b, a] = canvas.getContext("2d").getImageData(0, 0, 1, 1).data;
  return a === 255 && getComputedStyle(root).backgroundColor === `rgb(${r}, ${g}, ${b})`;
}"""


def test_screenshots_light_and_dark(loss_surface: Surface, artifacts: Path) -> None:
    surface, notebook, page = loss_surface, loss_surface.notebook, loss_surface.page
    surface.set_probe(0.5, -0.5)
    assert surface.root.evaluate(MARGIN_IS_BACKGROUND_JS)
    surface.root.screenshot(path=artifacts / "loss_surface_light.png")
    page.screenshot(path=artifacts / "loss_surface_page_light.png")
    try:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        # The canvas (an opaque layer) is redrawn in the new theme's colours.
        page.wait_for_function(MARGIN_IS_BACKGROUND_JS, arg=surface.root.element_handle(), timeout=10_000)
        page.wait_for_timeout(300)  # the next frames painted
        dark = surface.root.screenshot(path=artifacts / "loss_surface_dark.png")
        page.screenshot(path=artifacts / "loss_surface_page_dark.png")
        assert dark
    finally:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")


def test_tour_runs_without_errors(lab_server: LabServer, browser: Any, artifacts: Path) -> None:
    notebook = Notebook.open(browser, lab_server, "tour.ipynb")
    try:
        notebook.run_all()  # raises on any error output
        # Each widget once (Out[n] and _ hold the displayed ones a second time).
        # Not Descent, a subclass: it draws a .jaxwidgets-descent root.
        notebook.python(
            "_widgets = list({id(v): v for v in list(globals().values())"
            " if isinstance(v, jaxwidgets.LossSurface) and not isinstance(v, jaxwidgets.Descent)}.values())"
        )
        count = notebook.value("len(_widgets)")
        assert count >= 1
        for index in range(count):
            surface = Surface(notebook, "", index)
            surface.root.scroll_into_view_if_needed()
            surface.wait_rendered()
            surface.root.screenshot(path=artifacts / f"tour_{index}.png")
        assert notebook.page.locator(SURFACE).count() == count
        assert notebook.value("[w.error for w in _widgets]") == [""] * count
        assert notebook.error_outputs() == []
    finally:
        notebook.close()
