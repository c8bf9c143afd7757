"""DensityFit in a real JupyterLab (examples/likelihood.ipynb): drag the mu slider with the mouse while the
replies are slow (the linearised density is drawn at once, marked provisional, then the exact one), check
Python's params and NLL and the picture, press Fit and check it ends at the analytic MLE; light and dark."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import listen_to_console
from .lab import LabServer, Notebook, drag
from .test_fit_browser import slow_replies

DENSITY = ".jaxwidgets.jaxwidgets-density-fit"
MU_RANGE = (-2.0, 4.0)  # the notebook's ranges["mu"]

# Records every value the root's data-provisional attribute takes, from now on.
RECORD_PROVISIONAL_JS = """(el) => {
    window.__provisional = [];
    new MutationObserver(() => window.__provisional.push(el.dataset.provisional))
        .observe(el, {attributes: true, attributeFilter: ['data-provisional']});
}"""


class Density:
    def __init__(self, notebook: Notebook) -> None:
        self.notebook, self.page = notebook, notebook.page
        self.root = self.page.locator(DENSITY).first
        self.console: list[str] = []

    def py_params(self) -> dict[str, float]:
        return dict(self.notebook.value("{k: float(v) for k, v in density.params.items()}"))

    def shown(self) -> tuple[dict[str, float], float]:
        """The exact picture's parameters (the vector is in sorted-name order) and NLL."""
        values, loss = self.root.evaluate("(el) => [el.dataset.values, el.dataset.loss]")
        return dict(zip(["log_sigma", "mu"], json.loads(values), strict=True)), float(loss)

    def wait_exact(self, timeout: float = 30.0) -> None:
        """Wait until the page shows the exact picture of its own values (not provisional, not animating),
        then check they are Python's."""
        self.page.wait_for_function(
            """(el) => el.dataset.values && el.dataset.animating !== 'true'
                && el.dataset.provisional === 'false'""",
            arg=self.root.element_handle(),
            timeout=timeout * 1000,
        )
        assert self.shown()[0] == pytest.approx(self.py_params(), rel=1e-6)


@pytest.fixture(scope="module")
def density(lab_server: LabServer, browser: Any) -> Iterator[Density]:
    notebook = Notebook.open(browser, lab_server, "likelihood.ipynb")
    try:
        console = listen_to_console(notebook.page)
        notebook.run_all()
        widget = Density(notebook)
        widget.console = console
        widget.root.scroll_into_view_if_needed()
        widget.wait_exact()
        yield widget
    finally:
        notebook.close()


def test_dragging_the_mu_slider_draws_a_provisional_density_then_pythons(
    density: Density, artifacts: Path
) -> None:
    before, before_loss = density.py_params(), density.notebook.value("density.loss")
    before_png = density.root.screenshot(path=artifacts / "density_fit_light.png")
    density.root.evaluate(RECORD_PROVISIONAL_JS)
    slider = density.root.locator('input[type="range"][data-param="mu"]')
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    assert box is not None
    low, high = MU_RANGE
    x = box["x"] + box["width"] * (before["mu"] - low) / (high - low)  # the thumb, near enough to grab
    y = box["y"] + box["height"] / 2
    root = density.root.element_handle()
    with slow_replies(density.notebook, "density", 3.0):
        drag(density.page, (x, y), (x + 0.05 * box["width"], y), steps=6)
        # The reply is slow: the page already draws the linearised density at the new mu, provisional.
        density.page.wait_for_function("(el) => el.dataset.provisional === 'true'", arg=root)
        density.page.wait_for_timeout(100)
        density.root.screenshot(path=artifacts / "density_fit_provisional.png")
        assert density.shown()[0] == pytest.approx(before, rel=1e-6)  # no exact picture of the new mu yet
    density.wait_exact()
    after = density.py_params()
    assert after["mu"] > before["mu"] + 0.15  # right: a larger mean (a 20th of the 6-wide range)
    assert after["log_sigma"] == pytest.approx(before["log_sigma"], rel=1e-6)
    assert density.notebook.value("density.loss") > before_loss  # away from the MLE the NLL grows
    assert float(slider.input_value()) == pytest.approx(after["mu"], rel=1e-6)
    shown, shown_loss = density.shown()
    assert shown == pytest.approx(after, rel=1e-6)
    assert shown_loss == pytest.approx(density.notebook.value("density.loss"), rel=1e-6)
    marks = density.page.evaluate("window.__provisional")
    assert "true" in marks and marks[-1] == "false"
    assert density.root.screenshot(path=artifacts / "density_fit_after_drag.png") != before_png


def test_fit_button_ends_at_the_analytic_mle(density: Density) -> None:
    density.root.locator("button.fit-button").click()
    density.page.wait_for_function(
        "(el) => el.dataset.animating === 'true'", arg=density.root.element_handle()
    )
    density.page.wait_for_function(
        "(el) => el.dataset.animating === 'false'", arg=density.root.element_handle(), timeout=30_000
    )
    assert not density.notebook.value("density.fitting")
    density.wait_exact()
    mean, log_std = density.notebook.value("[float(x.mean()), float(np.log(x.std()))]")
    params = density.py_params()
    assert params["mu"] == pytest.approx(mean, abs=1e-3)
    assert params["log_sigma"] == pytest.approx(log_std, abs=1e-3)
    shown, shown_loss = density.shown()
    assert shown == pytest.approx(params, rel=1e-6)
    assert shown_loss == pytest.approx(density.notebook.value("density.loss"), rel=1e-6)
    assert "MLE" in density.root.locator(".fit-readout").inner_text()


def test_screenshots_light_and_dark(density: Density, artifacts: Path) -> None:
    density.root.scroll_into_view_if_needed()
    density.root.screenshot(path=artifacts / "density_fit_fitted_light.png")
    density.notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        density.page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
        density.page.wait_for_timeout(500)
        density.root.screenshot(path=artifacts / "density_fit_dark.png")
    finally:
        density.notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
    assert density.console == []
