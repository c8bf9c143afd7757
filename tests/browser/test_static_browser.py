"""save_html pages opened from disk (file://) in Chromium (no kernel, no server); an nbconvert round trip.

Screenshots (light and dark) go to tests/browser/artifacts/static_*.png.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest

import jaxwidgets

from .conftest import listen_to_console
from .lab import centre, drag


def two_minima(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2


def normal_model(y: Any, prior_scale: Any) -> None:
    mu = numpyro.sample("mu", dist.Normal(0.0, prior_scale))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
    numpyro.sample("obs", dist.Normal(mu, sigma), obs=y)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("static-pages")
    surface = jaxwidgets.LossSurface(two_minima, x=(-2, 2), y=(-2, 2), resolution=100, probe=(0.5, -0.3))
    surface.wait_for_surface()
    descent = jaxwidgets.Descent(
        two_minima, x=(-2, 2), y=(-2, 2), resolution=100, start=(0.1, -0.1), steps=80
    )
    descent.wait_for_surface()
    y = np.random.default_rng(0).normal(1.0, 0.7, 30)
    post = jaxwidgets.Posterior(normal_model, y, 1.0, num_chains=2, num_warmup=100, num_samples=200)
    post.run().wait()
    saved = {
        "surface": surface.save_html(folder / "surface.html"),
        "descent": descent.save_html(folder / "descent.html"),
        "descent_grid": descent.save_html(folder / "descent_grid.html", starts_grid=4),
        "posterior": post.save_html(folder / "posterior.html"),
    }
    yield saved
    for widget in (surface, descent, post):
        widget.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    opened: list[Any] = []

    def open_(path: Path, scheme: str = "light", shows: str = ".jaxwidgets") -> tuple[Any, list[str]]:
        page = browser.new_page()
        page.emulate_media(color_scheme=scheme)
        messages = listen_to_console(page)
        page.goto(path.as_uri())
        page.locator(shows).first.wait_for(timeout=30_000)
        opened.append(page)
        return page, messages

    yield open_
    for page in opened:
        page.close()


def test_static_surface_probe_reads_the_grids_approximately(
    open_page: Any, pages: dict[str, Path], artifacts: Path
) -> None:
    page, messages = open_page(pages["surface"])
    root = page.locator(".jaxwidgets-surface")
    assert "Static copy" in root.locator(".jaxwidgets-static-note").inner_text()
    page.wait_for_function("(el) => el.dataset.exactX !== undefined", arg=root.element_handle())
    readout = root.locator(".readout")
    assert "approximate" in readout.inner_text()
    before = readout.inner_text()
    handle = root.locator('[role="slider"].handle')
    x, y = centre(handle)
    drag(page, (x, y), (x + 80, y - 60), settled=lambda: page.wait_for_timeout(300))
    page.wait_for_function("(el) => Number(el.dataset.exactX) > 0.6", arg=root.element_handle())
    exact_x = float(root.get_attribute("data-exact-x") or "nan")
    exact_y = float(root.get_attribute("data-exact-y") or "nan")
    value = float(root.get_attribute("data-value") or "nan")
    assert readout.inner_text() != before and "approximate" in readout.inner_text()
    assert value == pytest.approx(
        two_minima(exact_x, exact_y), abs=0.05
    )  # interpolated from a 100 x 100 grid
    reset = root.locator(".reset-view")
    assert reset.is_disabled() and "static copy" in (reset.get_attribute("title") or "")
    root.screenshot(path=artifacts / "static_surface_light.png")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    root.screenshot(path=artifacts / "static_surface_dark.png")
    assert not [m for m in messages if "error" in m], messages


def test_static_descent_replays_its_runs(open_page: Any, pages: dict[str, Path], artifacts: Path) -> None:
    page, messages = open_page(pages["descent"], "dark")
    root = page.locator(".jaxwidgets-descent")
    play = root.locator("button.play")
    assert play.is_enabled()
    rate = root.locator("input[type=range]").first
    assert rate.is_disabled() and "static copy" in (rate.get_attribute("title") or "")
    play.click()
    page.wait_for_function("(el) => Number(el.dataset.step) >= 40", arg=root.element_handle(), timeout=30_000)
    root.screenshot(path=artifacts / "static_descent_dark.png")
    assert not [m for m in messages if "error" in m], messages


def test_static_descent_start_snaps_to_the_saved_grid(
    open_page: Any, pages: dict[str, Path], artifacts: Path
) -> None:
    page, messages = open_page(pages["descent_grid"])
    root = page.locator(".jaxwidgets-descent")
    handle = root.locator('[role="slider"].handle').first
    page.wait_for_timeout(500)
    x, y = centre(handle)
    drag(page, (x, y), (x - 130, y - 110), settled=lambda: page.wait_for_timeout(300))
    # A 4 x 4 grid over [-2, 2]^2 has its starts at +-0.5 and +-1.5.
    page.wait_for_function(
        """(h) => [h.dataset.x, h.dataset.y].every((v) => [0.5, 1.5].includes(Math.abs(Number(v))))""",
        arg=handle.element_handle(),
        timeout=30_000,
    )
    snapped = (float(handle.get_attribute("data-x") or "nan"), float(handle.get_attribute("data-y") or "nan"))
    assert snapped[0] < 0 < snapped[1]
    root.screenshot(path=artifacts / "static_descent_snapped_light.png")
    assert not [m for m in messages if "error" in m], messages


def test_static_posterior_shows_its_draws(open_page: Any, pages: dict[str, Path], artifacts: Path) -> None:
    for scheme in ("light", "dark"):
        page, messages = open_page(pages["posterior"], scheme)
        root = page.locator(".jaxwidgets-posterior")
        page.wait_for_function(
            "(el) => el.innerText.includes('200/200')", arg=root.element_handle(), timeout=30_000
        )
        text = root.inner_text()
        assert "mu" in text and "sigma" in text and "r̂" in text
        run = root.locator("button.run")
        assert run.is_disabled() and "static copy" in (run.get_attribute("title") or "")
        root.screenshot(path=artifacts / f"static_posterior_{scheme}.png")
        assert not [m for m in messages if "error" in m], messages


def test_nbconvert_round_trip_keeps_the_pictures(tmp_path: Path, open_page: Any, artifacts: Path) -> None:
    """Executed with nbclient, widget state (binary buffers as base64) saved, converted to HTML."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import jaxwidgets\n"
            "surface = jaxwidgets.LossSurface(\n"
            "    lambda x, y: x**2 + 3 * y**2, x=(-2, 2), y=(-2, 2), resolution=64\n"
            ")\n"
            "surface.wait_for_surface(); surface"
        )
    ]
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True).execute()
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    buffers = [b for model in state.values() for b in model.get("buffers", [])]
    assert any(b["path"] == ["_surface", "values", "view"] and b["encoding"] == "base64" for b in buffers)
    saved = tmp_path / "executed.ipynb"
    nbformat.write(notebook, saved)
    converter = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html"]
    preprocessor = "--HTMLExporter.preprocessors=jaxwidgets.nbconvert.PreferSnapshots"
    subprocess.run([*converter, preprocessor, str(saved), "--output", "with_state"], check=True, timeout=300)
    stateless = tmp_path / "stateless.ipynb"
    del notebook.metadata["widgets"]
    nbformat.write(notebook, stateless)
    subprocess.run([*converter, str(stateless), "--output", "without_state"], check=True, timeout=300)
    for name in ("with_state", "without_state"):
        text = (tmp_path / f"{name}.html").read_text()
        assert text.count('class="jaxwidgets-snapshot') == 1
        assert re.search(r'<image [^>]*href="data:image/png;base64,', text)
        assert "LossSurface of f(x, y) at (0, 0): f = 0," in text
    page, _ = open_page(tmp_path / "with_state.html", shows="figure.jaxwidgets-snapshot")
    figure = page.locator("figure.jaxwidgets-snapshot")
    assert figure.locator("svg image").bounding_box()["width"] > 100
    figure.screenshot(path=artifacts / "static_nbconvert.png")


def test_jupyterlab_shows_the_live_widget_not_the_snapshot(open_notebook: Any, artifacts: Path) -> None:
    """The repr carries text/html beside the widget view; JupyterLab ranks the view first."""
    notebook = open_notebook("loss_surface.ipynb")
    notebook.run_all()
    page = notebook.page
    live = page.locator(".jp-OutputArea-output .jaxwidgets-surface").first
    live.wait_for(timeout=60_000)
    live.locator(".jaxwidgets-figure canvas").first.wait_for()
    assert page.locator(".jp-OutputArea-output .jaxwidgets-snapshot").count() == 0
    assert live.locator(".jaxwidgets-static-note").count() == 0
    live.screenshot(path=artifacts / "static_lab_live_widget.png")
