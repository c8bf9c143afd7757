"""The widgets in other front ends: Notebook 7, Voila and marimo (edit and run), light and dark.

Each test starts its server on 127.0.0.1 (ended by its PID), opens the page in Chromium, drags LossSurface's
probe with the mouse and checks that Python has the new probe (read in the kernel for Notebook 7; in Voila
and marimo through what the page shows of Python: an observer's ipywidgets.HTML, a marimo cell that reads a
state an observer sets) and that the picture followed.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import EXAMPLES, listen_to_console
from .lab import Notebook, centre, drag
from .servers import jupyter_lab, marimo, voila

SURFACE = ".jaxwidgets.jaxwidgets-surface"
PROBE = "[role=slider][aria-label=probe]"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
MARIMO_TOUR = EXAMPLES / "marimo_tour.py"
# marimo's reading cell: "Python's probe: x = -0.3000, y = 0.4000, f = 2.68560"
MARIMO_READING = re.compile(r"Python's probe: x = (-?[\d.]+), y = (-?[\d.]+), f = (-?[\d.]+)")

pytest.importorskip("notebook")
pytest.importorskip("voila")
pytest.importorskip("marimo")


def exact_probe(root: Any) -> tuple[float, float] | None:
    """Where the page's exact picture is (Python's reply to the last move), or None before the first."""
    data = root.evaluate("(el) => [el.dataset.exactX, el.dataset.exactY]")
    return None if data[0] is None else (float(data[0]), float(data[1]))


def wait_exact_shown(page: Any, root: Any, timeout: float = 120.0) -> None:
    page.wait_for_function(
        "(el) => el.dataset.surfaceStage === 'fine' && el.dataset.exactSeq !== undefined",
        arg=root.element_handle(),
        timeout=timeout * 1000,
    )


def drag_probe(page: Any, root: Any) -> tuple[float, float]:
    """Drag the probe right and up with the mouse, hold it until the exact picture is there, release;
    return where the page shows the exact picture (Python's answer)."""
    before = exact_probe(root)
    start = centre(root.locator(PROBE))
    end = (start[0] + 110, start[1] - 80)

    def settled() -> None:
        page.wait_for_function(
            """([el, x, y]) => el.dataset.exactX !== undefined
                && (Number(el.dataset.exactX) !== x || Number(el.dataset.exactY) !== y)
                && el.querySelector('[role=slider][aria-label=probe]').dataset.x === el.dataset.exactX""",
            arg=[root.element_handle(), *before],  # type: ignore[misc]
            timeout=30_000,
        )

    drag(page, start, end, steps=10, settled=settled)
    after = exact_probe(root)
    assert after is not None and after[0] > before[0] and after[1] > before[1], (before, after)
    return after


def check_drag(page: Any, root: Any, python_probe: Callable[[], tuple[float, float]], png: Path) -> None:
    """The drag moves Python's probe to where the page shows it, and the picture changes."""
    root.scroll_into_view_if_needed()
    wait_exact_shown(page, root)
    before_png = root.screenshot()
    shown = drag_probe(page, root)
    deadline = time.monotonic() + 30  # the read-backs follow an observer: a moment later
    while python_probe() != pytest.approx(shown, abs=1e-4) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert python_probe() == pytest.approx(shown, abs=1e-4), "Python has another probe than the page shows"
    assert root.screenshot(path=png) != before_png, "the picture did not follow the drag"


def page_theme(page: Any, root: Any) -> dict[str, str]:
    """The widget root's resolved theme and colours (what a reader sees)."""
    return root.evaluate(
        """(el) => { const s = getComputedStyle(el);
            return {theme: el.dataset.theme, scheme: s.colorScheme, color: s.color}; }"""
    )


def luminance(css_color: str) -> float:
    """0 (black) to 1 (white) for ``rgb(r, g, b)`` or ``color(srgb r g b)`` (Chromium gives either)."""
    r, g, b = (float(v) for v in re.findall(r"[\d.]+", css_color.removeprefix("color(srgb"))[:3])
    scale = 1.0 if css_color.startswith("color(") else 255.0
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / scale


def check_theme(page: Any, root: Any, theme: str) -> None:
    """The widget knows the page's theme: native controls follow it and the text contrasts."""
    seen = page_theme(page, root)
    assert seen["theme"] == theme and seen["scheme"] == theme, seen
    text = luminance(seen["color"])
    assert (text > 0.6) if theme == "dark" else (text < 0.4), seen


# ---- Notebook 7 ---------------------------------------------------------------------------------------


def test_notebook7_tour_drag_and_dark_theme(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    root_dir = tmp_path / "root"
    root_dir.mkdir()
    shutil.copy(EXAMPLES / "tour.ipynb", root_dir)
    with jupyter_lab(root_dir, tmp_path, app="notebook") as server:
        notebook = Notebook.open(browser, server, "tour.ipynb", app="notebook")
        try:
            console = listen_to_console(notebook.page)
            notebook.run_all()
            page, root = notebook.page, notebook.page.locator(SURFACE).first
            check_drag(page, root, lambda: tuple(notebook.value("surface.probe")), artifacts / "nb7_drag.png")
            for name in ("descent", "posterior"):
                assert page.locator(f".jaxwidgets.jaxwidgets-{name}").count() >= 1, f"no {name} shown"
            check_theme(page, root, "light")
            notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
            page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
            page.wait_for_function("(el) => el.dataset.theme === 'dark'", arg=root.element_handle())
            root.scroll_into_view_if_needed()
            root.screenshot(path=artifacts / "nb7_dark.png")
            check_theme(page, root, "dark")
            assert [m for m in console if "jaxwidgets" in m] == [], console
        finally:
            notebook.close()


# ---- Voila --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_voila_drag_reads_back_python(theme: str, tmp_path: Path, browser: Any, artifacts: Path) -> None:
    shutil.copy(NOTEBOOKS / "voila_readback.ipynb", tmp_path)
    with voila(tmp_path / "voila_readback.ipynb", tmp_path, theme=theme) as server:
        page = browser.new_page()
        try:
            console = listen_to_console(page)
            page.goto(f"{server.url}/?token={server.token}", timeout=180_000)
            root = page.locator(SURFACE).first
            reading = page.locator(".python-probe")

            def python_probe() -> tuple[float, float]:
                return float(reading.get_attribute("data-x")), float(reading.get_attribute("data-y"))

            check_drag(page, root, python_probe, artifacts / f"voila_{theme}_drag.png")
            check_theme(page, root, theme)
            page.screenshot(path=artifacts / f"voila_{theme}.png")
            assert [m for m in console if "jaxwidgets" in m] == [], console
        finally:
            page.close()


# ---- marimo -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "theme"), [("run", "light"), ("edit", "dark")])
def test_marimo_tour_drag_reads_back_python(
    mode: str, theme: str, tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    shutil.copy(MARIMO_TOUR, tmp_path)
    with marimo(tmp_path / MARIMO_TOUR.name, tmp_path, mode=mode, theme=theme) as server:
        page = browser.new_page()
        try:
            console = listen_to_console(page)
            page.goto(f"{server.url}/?access_token={server.token}")
            root = page.locator(SURFACE).first  # inside marimo's shadow root: Playwright's locators pierce it
            reading = page.get_by_text(MARIMO_READING)

            def python_probe() -> tuple[float, float]:
                match = MARIMO_READING.search(reading.inner_text())
                assert match is not None
                return float(match[1]), float(match[2])

            root.wait_for(timeout=180_000)
            check_drag(page, root, python_probe, artifacts / f"marimo_{mode}_{theme}_drag.png")
            descent = page.locator(".jaxwidgets.jaxwidgets-descent").first
            descent.locator("[role=slider][aria-label='start point']").first.wait_for()
            posterior = page.locator(".jaxwidgets.jaxwidgets-posterior").first
            posterior.scroll_into_view_if_needed()
            page.wait_for_function(
                "(el) => Number(el.dataset.totalDraws) > 0", arg=posterior.element_handle(), timeout=180_000
            )
            check_theme(page, root, theme)
            for name, widget in (("surface", root), ("descent", descent), ("posterior", posterior)):
                widget.scroll_into_view_if_needed()
                widget.screenshot(path=artifacts / f"marimo_{mode}_{theme}_{name}.png")
            assert [m for m in console if "jaxwidgets" in m] == [], console
        finally:
            page.close()
