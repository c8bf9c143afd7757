"""CurveFit in a real JupyterLab (examples/curve_fit.ipynb): drag a peak's handle with the mouse, drag the
linked loss surface's probe, press Fit and watch it animate; Python and the picture agree; light and dark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .conftest import listen_to_console
from .lab import RECORD_FRAMES_JS, LabServer, Notebook, centre, drag

FIT = ".jaxwidgets.jaxwidgets-curve-fit"
SURFACE = ".jaxwidgets.jaxwidgets-surface"
NAMES = ["a0", "a1", "s0", "s1", "x0", "x1"]


class Fit:
    def __init__(self, notebook: Notebook) -> None:
        self.notebook, self.page = notebook, notebook.page
        self.root = self.page.locator(FIT).first
        self.console: list[str] = []

    def py_params(self) -> list[float]:
        values = self.notebook.value("fit.params")
        return [values[name] for name in NAMES]

    def shown(self) -> tuple[list[float], float]:
        data = self.root.evaluate("(el) => [el.dataset.values, el.dataset.loss]")
        return list(map(float, json.loads(data[0]))), float(data[1])

    def wait_settled(self, timeout: float = 30.0) -> list[float]:
        """Wait until the page shows the exact picture of its own values (not provisional, not animating);
        return Python's parameters, checked to be those."""
        self.page.wait_for_function(
            "(el) => el.dataset.provisional === 'false' && el.dataset.animating !== 'true'",
            arg=self.root.element_handle(),
            timeout=timeout * 1000,
        )
        params = self.py_params()
        assert np.allclose(self.shown()[0], params, rtol=1e-6)
        return params

    def wait_shows(self, values: list[float], timeout: float = 30.0) -> None:
        """Wait until the page's exact picture is of ``values`` (float32, as Python holds them)."""
        self.page.wait_for_function(
            """([el, want]) => el.dataset.values && el.dataset.animating !== 'true'
                && JSON.parse(el.dataset.values).every(
                    (v, i) => Math.abs(v - want[i]) <= 1e-6 * (1 + Math.abs(want[i])))""",
            arg=[self.root.element_handle(), values],
            timeout=timeout * 1000,
        )


@contextmanager
def slow_replies(notebook: Notebook, widget: str, seconds: float) -> Iterator[None]:
    """Make the fit widget ``widget``'s every evaluation ``seconds`` slower while inside, so the page waits in
    its provisional state. (Sleeping in a cell does not hold the replies: the kernel answers comm messages
    while a cell runs.)"""
    notebook.python(
        f"import time as _time\n_slow = {widget}._evaluate\n"
        f"{widget}._evaluate = lambda theta: (_time.sleep({seconds}), _slow(theta))[1]"
    )
    try:
        yield
    finally:
        notebook.python(f"del {widget}._evaluate")


@pytest.fixture(scope="module")
def fit(lab_server: LabServer, browser: Any) -> Iterator[Fit]:
    notebook = Notebook.open(browser, lab_server, "curve_fit.ipynb")
    try:
        console = listen_to_console(notebook.page)
        notebook.run_all()
        widget = Fit(notebook)
        widget.console = console
        widget.root.scroll_into_view_if_needed()
        widget.wait_shows(widget.py_params())
        yield widget
    finally:
        notebook.close()


def test_console_stays_clean_and_the_page_shows_pythons_fit(fit: Fit) -> None:
    assert fit.console == []
    values, loss = fit.shown()
    assert np.allclose(values, fit.py_params(), rtol=1e-6)
    assert loss == pytest.approx(fit.notebook.value("fit.loss"), rel=1e-6)
    assert "scipy BFGS" in fit.root.locator(".fit-readout").inner_text()


def test_dragging_a_peak_handle_moves_two_parameters_in_python(fit: Fit, artifacts: Path) -> None:
    handle = fit.root.locator('[role="slider"][aria-label="peak 1"]')
    before_png = fit.root.screenshot()
    before = fit.py_params()
    x, y = centre(handle)
    drag(fit.page, (x, y), (x + 50, y + 35), steps=10)
    after = fit.wait_settled()
    assert after[NAMES.index("x0")] > before[NAMES.index("x0")] + 0.1  # right: a larger centre
    assert after[NAMES.index("a0")] < before[NAMES.index("a0")] - 0.1  # down: a smaller amplitude
    others = [i for i, n in enumerate(NAMES) if n not in ("x0", "a0")]
    assert np.allclose(np.array(after)[others], np.array(before)[others])
    assert float(handle.get_attribute("data-x")) == pytest.approx(after[NAMES.index("x0")], rel=1e-6)
    assert fit.root.screenshot(path=artifacts / "curve_fit_after_drag.png") != before_png


def test_a_handle_moved_while_the_reply_is_slow_draws_the_linearised_curve_then_the_exact_one(
    fit: Fit, artifacts: Path
) -> None:
    def frames() -> list[dict[str, Any]]:
        return list(
            fit.root.evaluate(
                "(el) => window.__frames.filter((f) => f.root === el).map(({kind, x, y}) => ({kind, x, y}))"
            )
        )

    fit.page.evaluate(RECORD_FRAMES_JS)
    handle = fit.root.locator('[role="slider"][aria-label="peak 1"]')
    x, y = centre(handle)
    root = fit.root.element_handle()
    with slow_replies(fit.notebook, "fit", 3.0):
        drag(fit.page, (x, y), (x + 12, y - 10), steps=4)
        fit.page.wait_for_function("(el) => el.dataset.provisional === 'true'", arg=root)
        fit.page.wait_for_timeout(100)
        fit.root.screenshot(path=artifacts / "curve_fit_provisional.png")
        last = frames()[-1]  # drawn at once at the handle, while the reply is slow
        assert last["kind"] == "provisional"
        assert last["x"] == pytest.approx(float(handle.get_attribute("data-x")), rel=1e-9)
    fit.page.wait_for_function("(el) => el.dataset.provisional === 'false'", arg=root)
    params = fit.py_params()
    fit.wait_shows(params)
    last = frames()[-1]
    assert last["kind"] == "exact"
    at = (params[NAMES.index("x0")], params[NAMES.index("a0")])
    assert (last["x"], last["y"]) == pytest.approx(at, rel=1e-6)


def test_dragging_the_linked_probe_moves_the_curve(fit: Fit, artifacts: Path) -> None:
    surface = fit.page.locator(SURFACE).first
    surface.scroll_into_view_if_needed()
    probe = surface.locator('[role="slider"][aria-label="probe"]')
    x, y = centre(probe)
    drag(fit.page, (x, y), (x - 40, y + 30), steps=10)
    fit.page.wait_for_timeout(500)
    px, py = fit.notebook.value("list(surface.probe)")
    params = fit.py_params()
    assert (params[NAMES.index("x0")], params[NAMES.index("x1")]) == pytest.approx((px, py), rel=1e-6)
    fit.wait_shows(params)  # Python pushed the new parameters to the fit's view
    surface.screenshot(path=artifacts / "curve_fit_linked_surface.png")


def test_fit_button_animates_bfgs_and_ends_at_pythons_best(fit: Fit, artifacts: Path) -> None:
    fit.notebook.python("fit.params = init_guess")  # the start both optimizers fit from to one minimum
    fit.wait_shows(fit.py_params())
    fit.root.scroll_into_view_if_needed()
    before = fit.notebook.value("fit.loss")
    fit.root.locator("button.fit-button").click()
    fit.page.wait_for_function("(el) => el.dataset.animating === 'true'", arg=fit.root.element_handle())
    fit.root.screenshot(path=artifacts / "curve_fit_animating.png")
    fit.page.wait_for_function(
        "(el) => el.dataset.animating === 'false'", arg=fit.root.element_handle(), timeout=30_000
    )
    assert not fit.notebook.value("fit.fitting")
    after = fit.notebook.value("fit.loss")
    assert after < before
    assert after == pytest.approx(fit.notebook.value("fit.fit_report['scipy']['loss']"), rel=1e-4)
    fit.wait_shows(fit.py_params())
    _, shown_loss = fit.shown()
    assert shown_loss == pytest.approx(after, rel=1e-6)
    probe = fit.notebook.value("list(surface.probe)")
    params = fit.py_params()
    assert probe == pytest.approx([params[NAMES.index("x0")], params[NAMES.index("x1")]], rel=1e-6)


def test_a_drag_during_the_fit_animation_stands(fit: Fit) -> None:
    """iminuit's "first slider move after a fit is lost": here the drag stops the animation and wins."""
    fit.notebook.python("fit.params = init_guess")
    fit.wait_shows(fit.py_params())
    fit.root.locator("button.fit-button").click()
    fit.page.wait_for_function("(el) => el.dataset.animating === 'true'", arg=fit.root.element_handle())
    handle = fit.root.locator('[role="slider"][aria-label="peak 2"]')
    x, y = centre(handle)
    drag(fit.page, (x, y), (x + 30, y - 20), steps=5)
    fit.page.wait_for_timeout(1500)  # longer than the rest of the animation would have run
    assert fit.root.evaluate("(el) => el.dataset.animating") == "false"
    params = fit.py_params()
    fit.wait_shows(params)
    assert float(handle.get_attribute("data-x")) == pytest.approx(params[NAMES.index("x1")], rel=1e-6)
    assert fit.notebook.value("fit.fit_report['bfgs']['loss']") < fit.notebook.value("fit.loss")


def test_screenshots_light_and_dark(fit: Fit, artifacts: Path) -> None:
    fit.root.scroll_into_view_if_needed()
    fit.root.locator("label:has-text('sensitivities') input").check()
    fit.page.wait_for_timeout(300)
    fit.root.screenshot(path=artifacts / "curve_fit_light.png")
    fit.notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        fit.page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
        fit.page.wait_for_timeout(500)
        fit.root.screenshot(path=artifacts / "curve_fit_dark.png")
    finally:
        fit.notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        fit.root.locator("label:has-text('sensitivities') input").uncheck()
    assert fit.console == []
