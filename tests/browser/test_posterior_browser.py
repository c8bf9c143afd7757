"""Posterior in a real JupyterLab: draws appear while sampling runs, a slider drag restarts and moves it."""

from __future__ import annotations

from typing import Any

from .lab import Notebook, centre

POSTERIOR = ".jaxwidgets.jaxwidgets-posterior"

# Runs cells by index in the notebook's own panel (the seed model cells are too slow for CI).
RUN_CELLS_JS = """async (indices) => {
    const panel = window.jupyterapp.shell.currentWidget;
    for (const index of indices) {
        panel.content.activeCellIndex = index;
        await window.jupyterapp.commands.execute('notebook:run-cell');
    }
}"""

# Records every draw count (and warm-up steps shown) the widget paints: draws must arrive before the end.
RECORD_TOTALS_JS = """() => {
    window.__totals = [];
    window.__warmups = [];
    document.addEventListener('jaxwidgets:frame', (e) => {
        if (e.detail.kind !== 'draws') return;
        window.__totals.push(e.detail.total);
        window.__warmups.push(e.detail.warmup);
    }, true);
}"""


def banana_cell_indices(notebook: Notebook) -> list[int]:
    """The imports cell and the banana cell of examples/posterior.ipynb."""
    sources = notebook.page.evaluate(
        "() => Array.from(window.jupyterapp.shell.currentWidget.content.model.cells,"
        " (c) => c.sharedModel.source)"
    )
    first_code = next(i for i, s in enumerate(sources) if s.startswith("import"))
    banana = next(i for i, s in enumerate(sources) if "def banana" in s)
    return [first_code, banana]


def test_draws_stream_in_and_a_slider_drag_restarts_the_chains(open_notebook: Any, artifacts: Any) -> None:
    notebook = open_notebook("posterior.ipynb")
    page = notebook.page
    page.evaluate(RECORD_TOTALS_JS)
    page.evaluate(RUN_CELLS_JS, banana_cell_indices(notebook))
    root = page.locator(POSTERIOR)
    page.wait_for_function(
        "() => (window.__warmups || []).some((n) => n > 0)", timeout=180_000
    )  # warm-up steps are on screen before any draw
    root.screenshot(path=str(artifacts / "posterior_warmup.png"))
    notebook.python("curved.wait()", timeout=180)
    page.wait_for_function(
        "(el) => Number(el.dataset.totalDraws) === 1000", arg=root.element_handle(), timeout=30_000
    )
    totals, warmups = page.evaluate("[window.__totals, window.__warmups]")
    assert any(0 < total < 1000 for total in totals), f"no partial draws were shown: {totals}"
    first_draws = next(i for i, total in enumerate(totals) if total > 0)
    assert any(warmups[:first_draws]) and not any(warmups[first_draws:]), (totals, warmups)
    before = notebook.value("float(curved.draws['v'].mean())")
    assert before > 0.3  # the banana bends upwards: E[v] = curvature * (E[u^2] - 1) > 0
    root.screenshot(path=str(artifacts / "posterior_banana.png"))

    slider = root.locator("input[type=range]").first
    box = slider.bounding_box()
    assert box is not None
    x, y = centre(slider)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 2, y, steps=10)  # to the left end: curvature 0
    page.mouse.up()
    page.wait_for_function(
        "(el) => Number(el.dataset.run) >= 2 && Number(el.dataset.totalDraws) === 1000",
        arg=root.element_handle(),
        timeout=120_000,
    )
    notebook.python("curved.wait()", timeout=180)
    curvature = notebook.value("curved.controls['curvature']['value']")
    after = notebook.value("float(curved.draws['v'].mean())")
    assert curvature < 0.1, curvature
    assert abs(after) < 0.3, after  # a flat banana: v ~ N(0, 0.5)
    assert notebook.value("curved.error") == ""
    root.screenshot(path=str(artifacts / "posterior_after_drag.png"))
