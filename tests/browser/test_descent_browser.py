"""Descent in a real JupyterLab: drag a start across both basins, the learning-rate slider, play, themes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import listen_to_console
from .lab import RECORD_FRAMES_JS, SETTLED_JS, LabServer, Notebook, centre, drag, wait_exact_at

DESCENT = ".jaxwidgets.jaxwidgets-descent"
HANDLE = "[role=slider][aria-label='start point']"


class Widget:
    """A Descent of the notebook (Python name ``name``, ``index``-th on the page)."""

    def __init__(self, notebook: Notebook, name: str, index: int, console: list[str] | None = None) -> None:
        self.notebook, self.name, self.index = notebook, name, index
        self.console = console if console is not None else []  # the page's console warnings and errors
        self.page = notebook.page
        self.root = self.page.locator(DESCENT).nth(index)
        self.handle = self.root.locator(HANDLE)

    def py(self, expression: str) -> Any:
        return self.notebook.value(expression.replace("$", self.name))

    def wait_rendered(self) -> None:
        self.page.wait_for_function(
            "(el) => el.dataset.surfaceStage === 'fine' && el.dataset.exactSeq !== undefined",
            arg=self.root.element_handle(),
        )

    def set_start(self, x: float, y: float) -> tuple[float, float]:
        """Move the first start from Python; wait until the page draws it; return the handle's centre."""
        self.notebook.python(f"{self.name}.start = ({x!r}, {y!r})")
        wait_exact_at(self.page, self.root, x, y)
        return centre(self.handle)

    def data_to_pixel(self) -> Any:
        (x0, y0), (x1, y1) = (-1.0, -1.0), (1.0, 1.0)
        p0, p1 = self.set_start(x0, y0), self.set_start(x1, y1)
        sx, sy = (p1[0] - p0[0]) / (x1 - x0), (p1[1] - p0[1]) / (y1 - y0)
        return lambda x, y: (p0[0] + (x - x0) * sx, p0[1] + (y - y0) * sy)

    def path_end(self, optimizer: str) -> tuple[float, float]:
        """Page position of the last point drawn of ``optimizer``'s path from the first start.

        The paths are drawn on a canvas; its ``data-scene`` says what was drawn, in figure pixels.
        """
        scene = json.loads(self.root.locator("canvas.descent-paths").get_attribute("data-scene"))
        path = next(p for p in scene["paths"] if p["optimizer"] == optimizer and p["start"] == 0)
        figure = self.root.locator(".jaxwidgets-figure").bounding_box()
        return figure["x"] + path["end"][0], figure["y"] + path["end"][1]

    def settled(self) -> None:
        self.page.wait_for_function(SETTLED_JS, arg=self.root.element_handle())


@pytest.fixture(scope="module")
def descent(lab_server: LabServer, browser: Any) -> Iterator[Widget]:
    """examples/descent.ipynb, run once for this module; ``descent`` is its second Descent."""
    notebook = Notebook.open(browser, lab_server, "descent.ipynb")
    try:
        console = listen_to_console(notebook.page)  # before Run All: every view renders after this
        notebook.page.set_viewport_size({"width": 1280, "height": 1500})  # the whole notebook cell fits
        notebook.page.evaluate(RECORD_FRAMES_JS)
        notebook.run_all()
        widget = Widget(notebook, "descent", 1, console)
        widget.root.scroll_into_view_if_needed()
        widget.wait_rendered()
        # The notebook ends with a too-large rate for sgd: start from a calm one for every optimizer.
        notebook.python("descent.learning_rates = dict.fromkeys(descent.optimizer_names, 0.02)")
        yield widget
    finally:
        notebook.close()


def test_console_stays_clean(descent: Widget) -> None:
    """Run All logged no warning or error: no anywidget deprecation warning (bundles export only
    ``default { render }``), no "translate(x,undefined)" from loss_figure's bqplot lines."""
    descent.wait_rendered()
    descent.page.wait_for_timeout(500)  # the bqplot figure has drawn
    assert descent.page.locator(".bqplot").count() == 1
    assert descent.console == []


def test_fits_a_laptop_screen(descent: Widget, artifacts: Path) -> None:
    """In a 1280x800 window each Descent is well under the notebook's height, with the plot, the legend,
    the controls and the loss chart (beside the plot) all in view at once."""
    page = descent.page
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        for index in range(page.locator(DESCENT).count()):
            root = page.locator(DESCENT).nth(index)
            root.scroll_into_view_if_needed()
            box = root.bounding_box()
            assert box is not None and box["height"] < 620, (index, box)  # was 935 (stacked, 760 wide)
            assert root.get_attribute("data-layout") == "beside"
            parts = [".jaxwidgets-figure", ".descent-legend", ".descent-controls", ".loss-chart"]
            boxes = {part: root.locator(part).bounding_box() for part in parts}
            for part, inner in boxes.items():
                assert inner is not None and inner["height"] > 0, part
                bottom = inner["y"] + inner["height"]
                assert box["y"] - 1 <= inner["y"] and bottom <= box["y"] + box["height"] + 1, (index, part)
                assert inner["y"] >= 0 and inner["y"] + inner["height"] <= 800, (index, part, inner)
            figure, chart = boxes[".jaxwidgets-figure"], boxes[".loss-chart"]
            assert chart["x"] >= figure["x"] + figure["width"]  # beside the plot, not below it
            page.screenshot(path=artifacts / f"descent_1280x800_{index}.png")
    finally:
        page.set_viewport_size({"width": 1280, "height": 1500})
        descent.root.scroll_into_view_if_needed()  # where the fixture left the page, for the tests after


def test_drag_start_across_both_basins(descent: Widget, artifacts: Path) -> None:
    page = descent.page
    to_pixel = descent.data_to_pixel()
    here = descent.set_start(1.2, 0.4)
    assert descent.py("$.trajectories['sgd'][-1].round(2).tolist()") == [1.0, 1.0]
    assert near(descent.path_end("sgd"), to_pixel(1.0, 1.0))
    descent.root.screenshot(path=artifacts / "descent_before_drag.png")

    # Across the saddle's separatrix into the other basin, with the mouse, held until the exact picture shows.
    target = to_pixel(-1.2, -0.4)
    drag(page, here, target, steps=12, settled=descent.settled)
    x, y = descent.py("list($.start)")
    assert abs(x + 1.2) < 0.05 and abs(y + 0.4) < 0.05, (x, y)
    assert descent.py("$.trajectories['sgd'][-1].round(2).tolist()") == [-1.0, -1.0]
    assert near(descent.path_end("sgd"), to_pixel(-1.0, -1.0))  # drawn into the other minimum
    exact = descent.root.evaluate("(el) => [Number(el.dataset.exactX), Number(el.dataset.exactY)]")
    assert exact == [x, y]
    descent.root.screenshot(path=artifacts / "descent_after_drag.png")

    # And back, in several moves: the paths follow into the first basin again.
    drag(page, target, to_pixel(0.9, 0.6), steps=12, settled=descent.settled)
    assert descent.py("$.trajectories['sgd'][-1].round(2).tolist()") == [1.0, 1.0]


def near(a: tuple[float, float], b: tuple[float, float], tolerance: float = 2.0) -> bool:
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance


def test_learning_rate_slider_sets_every_rate(descent: Widget) -> None:
    page = descent.page
    slider = descent.root.locator("input[aria-label='learning rate']")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + box["height"] / 2)  # log10 rate about -3
    page.wait_for_function(
        "(el) => el.dataset.exactSeq !== undefined"
        " && !JSON.parse(el.querySelector('canvas.descent-paths').dataset.scene).provisional",
        arg=descent.root.element_handle(),
    )
    rates = descent.py("$.learning_rates")
    values = set(rates.values())
    assert len(values) == 1, rates
    (rate,) = values
    assert 1e-4 < rate < 1e-2, rate
    shown = descent.root.locator(".descent-controls .control-value").first.text_content()
    assert shown and float(shown) == pytest.approx(rate, rel=1e-3)
    descent.notebook.python("descent.learning_rates = dict.fromkeys(descent.optimizer_names, 0.02)")


def test_play_advances_the_step(descent: Widget, artifacts: Path) -> None:
    page = descent.page
    step = descent.root.locator("input[aria-label='step']")
    play = descent.root.locator("button.play")
    play.scroll_into_view_if_needed()
    play.click()
    page.wait_for_timeout(1200)
    middle = int(step.input_value())
    assert 0 < middle < descent.py("$.steps")
    scene = json.loads(descent.root.locator("canvas.descent-paths").get_attribute("data-scene"))
    assert scene["updates"] >= 1  # the update arrows at the current step are drawn
    descent.root.screenshot(path=artifacts / "descent_playing.png")
    play.click()  # pause: the step goes to Python
    paused = int(step.input_value())
    page.wait_for_timeout(300)
    assert descent.py("$.step") == paused


def test_screenshots_light_and_dark(descent: Widget, artifacts: Path) -> None:
    page, notebook = descent.page, descent.notebook
    descent.root.scroll_into_view_if_needed()
    descent.root.screenshot(path=artifacts / "descent_light.png")
    notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)
        descent.root.screenshot(path=artifacts / "descent_dark.png")
        banana = page.locator(DESCENT).nth(2)
        banana.scroll_into_view_if_needed()
        banana.screenshot(path=artifacts / "descent_rosenbrock_dark.png")
    finally:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
