"""Kernel restart in a real JupyterLab: the old LossSurface and Descent views say they are disconnected and
refuse drags (nothing is sent); running the cells again gives live widgets; after a shutdown, a drag shows
that the widget is disconnected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .lab import _PANEL_JS, RECORD_FRAMES_JS, SETTLED_JS, LabServer, Notebook, centre, drag

NOTEBOOK = "restart.ipynb"
CELLS = [
    "import jaxwidgets\n\n\ndef f(x, y):\n    return 2 * x**2 - 4 * x * y + y**4 + 2",
    "surface = jaxwidgets.LossSurface(f, x=(-2, 2), y=(-2, 2), resolution=64)\nsurface",
    "descent = jaxwidgets.Descent(f, x=(-2, 2), y=(-2, 2), start=(1.2, 0.4), optimizers=['sgd', 'adam'])\n"
    "descent",
]
SURFACE = ".jaxwidgets.jaxwidgets-surface"
DESCENT = ".jaxwidgets.jaxwidgets-descent"
PROBE = "[role=slider][aria-label=probe]"
START = "[role=slider][aria-label='start point']"
BANNER = "[role=alert].jaxwidgets-disconnected"
PANEL = f"({_PANEL_JS})(path)"  # JavaScript: the notebook panel, given `path`

# Counts the messages the page sends to kernels that carry widget traffic (comm_msg), on every websocket.
COUNT_COMM_SENDS_JS = """() => {
    window.__commSends = 0;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        if (text.includes('"comm_msg"')) window.__commSends += 1;
        return send.call(this, data);
    };
}"""


def write_notebook(root: Path) -> None:
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"cell-{k}", "metadata": {}, "outputs": []}
        | {"source": source}
        for k, source in enumerate(CELLS)
    ]
    kernelspec = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    (root / NOTEBOOK).write_text(json.dumps(notebook, indent=1))


def wait_rendered(page: Any, root: Any) -> None:
    page.wait_for_function(
        "(el) => el.dataset.surfaceStage === 'fine' && el.dataset.exactSeq !== undefined",
        arg=root.element_handle(),
    )


def settled(page: Any, root: Any) -> None:
    page.wait_for_function(SETTLED_JS, arg=root.element_handle())


def comm_sends(page: Any) -> int:
    return int(page.evaluate("window.__commSends"))


def frames_of(page: Any, root: Any) -> int:
    """How many pictures the widget ``root`` has drawn (jaxwidgets:frame events)."""
    count = "(el) => window.__frames.filter((f) => f.root === el).length"
    return int(page.evaluate(count, root.element_handle()))


def drag_by(page: Any, handle: Any, dx: float, dy: float, settled: Any) -> None:
    start = centre(handle)
    drag(page, start, (start[0] + dx, start[1] + dy), steps=8, settled=settled)


def check_disconnected(page: Any, root: Any, handle: str) -> None:
    page.wait_for_function("(el) => el.classList.contains('disconnected')", arg=root.element_handle())
    banner = root.locator(BANNER)
    assert banner.is_visible()
    text = banner.text_content()
    assert "Disconnected from the kernel" in text and "Run the cell again" in text, text
    assert root.locator(handle).get_attribute("aria-disabled") == "true"


def handle_position(handle: Any) -> tuple[str | None, ...]:
    """Where a handle is (data) and is drawn (its own layer's translation)."""
    layer = handle.evaluate("(h) => h.closest('svg').style.transform")
    return handle.get_attribute("data-x"), handle.get_attribute("data-y"), layer


def check_drag_refused(page: Any, root: Any, handle_selector: str) -> None:
    """Dragging the handle with the mouse moves nothing, draws nothing and sends nothing."""
    root.scroll_into_view_if_needed()
    handle = root.locator(handle_selector)
    position, sends, frames = handle_position(handle), comm_sends(page), frames_of(page, root)
    drag_by(page, handle, 60, -40, settled=lambda: page.wait_for_timeout(300))
    page.wait_for_timeout(300)
    assert handle_position(handle) == position
    assert comm_sends(page) == sends
    assert frames_of(page, root) == frames, "an old view drew a new picture"


def check_new_view_of_dead_model(page: Any, notebook: Notebook, artifacts: Path) -> None:
    """A view created after the restart (Lab's "Create New View for Cell Output") is disconnected from the
    start: it reads the class ipywidgets puts on its element, and sends not even its first request."""
    sends = comm_sends(page)
    page.evaluate(
        f"""async (path) => {{
            {PANEL}.content.activeCellIndex = 1;
            await window.jupyterapp.commands.execute('notebook:create-output-view');
        }}""",
        notebook.path,
    )
    views = page.locator(SURFACE)
    views.nth(1).wait_for()
    assert views.count() == 2
    for index in range(2):
        assert "disconnected" in (views.nth(index).get_attribute("class") or "")
        assert views.nth(index).locator(BANNER).is_visible()
    page.wait_for_timeout(300)
    assert comm_sends(page) == sends
    page.screenshot(path=artifacts / "restart_output_view.png")
    page.evaluate(
        """() => [...window.jupyterapp.shell.widgets('main')]
            .filter((w) => w.node.querySelector('.jp-LinkedOutputView')).forEach((w) => w.dispose())"""
    )
    page.wait_for_function(f"() => document.querySelectorAll('{SURFACE}').length === 1")


def test_restart_disconnects_old_views_and_rerun_gives_live_ones(
    lab_server: LabServer, browser: Any, artifacts: Path
) -> None:
    write_notebook(lab_server.root)
    notebook = Notebook.open(browser, lab_server, NOTEBOOK)
    page = notebook.page
    try:
        page.set_viewport_size({"width": 1280, "height": 1500})
        page.evaluate(RECORD_FRAMES_JS)
        page.evaluate(COUNT_COMM_SENDS_JS)
        notebook.run_all()
        surface, descent = page.locator(SURFACE).first, page.locator(DESCENT).first
        for root in (descent, surface):
            root.scroll_into_view_if_needed()
            wait_rendered(page, root)
        # The counter sees widget traffic: a drag on a live widget sends comm messages.
        before = comm_sends(page)
        drag_by(page, surface.locator(PROBE), 30, 20, settled=lambda: settled(page, surface))
        assert comm_sends(page) > before

        page.evaluate(f"(path) => {PANEL}.sessionContext.session.kernel.restart()", notebook.path)
        notebook.wait_kernel_idle()
        for root, handle in ((surface, PROBE), (descent, START)):
            check_disconnected(page, root, handle)
        surface.scroll_into_view_if_needed()
        surface.screenshot(path=artifacts / "restart_surface_disconnected.png")
        descent.scroll_into_view_if_needed()
        descent.screenshot(path=artifacts / "restart_descent_disconnected.png")
        check_drag_refused(page, surface, PROBE)
        check_drag_refused(page, descent, START)
        check_new_view_of_dead_model(page, notebook, artifacts)

        # Run the cells again: the new views replace the old ones and work.
        notebook.run_all()
        assert page.locator(".jaxwidgets.disconnected").count() == 0
        assert page.locator(BANNER).count() == 0
        for root in (descent, surface):
            root.scroll_into_view_if_needed()
            wait_rendered(page, root)
        probe_before = notebook.value("surface.probe")
        drag_by(page, surface.locator(PROBE), 80, -60, settled=lambda: settled(page, surface))
        probe = notebook.value("surface.probe")
        assert probe[0] > probe_before[0] + 0.1 and probe[1] > probe_before[1] + 0.1, (probe_before, probe)
        shown = surface.evaluate("(el) => [Number(el.dataset.exactX), Number(el.dataset.exactY)]")
        assert shown == pytest.approx(probe, abs=1e-9)
        surface.screenshot(path=artifacts / "restart_surface_rerun.png")

        descent.scroll_into_view_if_needed()
        start_before = notebook.value("list(descent.start)")
        drag_by(page, descent.locator(START), -60, 40, settled=lambda: settled(page, descent))
        moved = notebook.value("list(descent.start)")
        assert moved[0] < start_before[0] - 0.1 and moved[1] < start_before[1] - 0.1, (start_before, moved)

        # After a shutdown ipywidgets leaves the models "live", but sending fails: the first drag disconnects.
        page.evaluate(f"(path) => {PANEL}.sessionContext.shutdown()", notebook.path)
        page.wait_for_function(f"(path) => !{PANEL}.sessionContext.session", arg=notebook.path)
        surface.scroll_into_view_if_needed()
        drag_by(page, surface.locator(PROBE), -40, 30, settled=lambda: page.wait_for_timeout(300))
        check_disconnected(page, surface, PROBE)
        surface.screenshot(path=artifacts / "restart_surface_after_shutdown.png")
    finally:
        notebook.close()
