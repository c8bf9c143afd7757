"""A notebook's saved widget state shown without a kernel, by @jupyter-widgets/html-manager: plain
``jupyter nbconvert --to html`` of a notebook executed with nbclient, and a page of the docs site (myst-nb).
The views notice that no kernel is behind them and act as static copies (lib/static.ts ``offlineState``).

The pages load the widget manager and anywidget from CDNs; here they are served from node_modules
(tests/browser/cdn.py). Screenshots: tests/browser/artifacts/embed_*.png.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.notebooks import ExecutedExamples

from .cdn import NODE_MODULES, serve_cdn_locally
from .conftest import listen_to_console
from .lab import centre, drag

pytestmark = pytest.mark.skipif(
    not (NODE_MODULES / "@jupyter-widgets" / "html-manager").is_dir(), reason="npm ci has not run"
)


def two_minima(x: float, y: float) -> float:
    """f of examples/loss_surface.ipynb's first widget."""
    return 2 * x**2 - 4 * x * y + y**4 + 2


def open_embedded(
    browser: Any, path: Path, kind: str = "surface"
) -> tuple[Any, dict[str, list[str]], list[str]]:
    page = browser.new_page()
    seen = serve_cdn_locally(page)
    messages = listen_to_console(page)
    page.goto(path.as_uri())
    page.locator(f".jaxwidgets-{kind} .jaxwidgets-figure canvas").first.wait_for(timeout=60_000)
    return page, seen, messages


def check_static_probe(page: Any, root: Any) -> None:
    """The view says it has no kernel, disables what needs one, and its probe reads the saved grids."""
    assert "saved widget state" in root.locator(".jaxwidgets-static-note").inner_text()
    assert root.locator(".jaxwidgets-disconnected").count() == 0  # not "lost": there never was a kernel
    reset = root.locator(".reset-view")
    assert reset.is_disabled() and "static copy" in (reset.get_attribute("title") or "")
    root.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.dataset.exactX !== undefined", arg=root.element_handle())
    before = (root.get_attribute("data-exact-x"), root.get_attribute("data-exact-y"))
    readout = root.locator(".readout")
    x, y = centre(root.locator('[role="slider"].handle'))
    drag(page, (x, y), (x - 90, y + 70), settled=lambda: page.wait_for_timeout(300))
    page.wait_for_function(
        "([el, x]) => el.dataset.exactX !== x", arg=[root.element_handle(), before[0]], timeout=10_000
    )
    exact_x = float(root.get_attribute("data-exact-x") or "nan")
    exact_y = float(root.get_attribute("data-exact-y") or "nan")
    assert (exact_x, exact_y) != tuple(float(v or "nan") for v in before)
    assert "approximate" in readout.inner_text()
    value = float(root.get_attribute("data-value") or "nan")
    assert value == pytest.approx(two_minima(exact_x, exact_y), abs=0.05)  # interpolated from the grid


def check_cdn(
    seen: dict[str, list[str]],
    messages: list[str],
    others: tuple[str, ...] = (),
    theirs: tuple[str, ...] = (),
) -> None:
    """Every CDN file was served from node_modules, except those of ``others`` (other packages' widgets), and
    no script but those named in ``theirs`` logged an error (a message names its script's URL)."""
    assert any("html-manager" in url and url.endswith("/embed-amd.js") for url in seen["served"]), seen
    assert any("/anywidget@" in url for url in seen["served"]), seen
    assert not [url for url in seen["refused"] if not any(f"/{name}@" in url for name in others)], seen
    # requirejs looks for anywidget.js beside the page first, then asks the CDN: that one miss is expected.
    expected = ("ERR_FILE_NOT_FOUND", *others, *theirs)
    problems = [m for m in messages if "error" in m and not any(text in m for text in expected)]
    assert not problems, problems


def nbconvert(executed: Path, folder: Path) -> Path:
    """Plain ``jupyter nbconvert --to html``: no preprocessor, no options."""
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(executed)]
    subprocess.run([*command, "--output-dir", str(folder)], check=True, timeout=300, capture_output=True)
    return folder / f"{executed.stem}.html"


def test_plain_nbconvert_shows_interactive_static_copies(
    executed_examples: ExecutedExamples, browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    """examples/loss_surface.ipynb run by nbclient (widget state saved), then plain nbconvert: no flags."""
    page, seen, messages = open_embedded(
        browser, nbconvert(executed_examples["loss_surface.ipynb"].path, tmp_path)
    )
    try:
        widgets = page.locator(".jaxwidgets-surface")
        assert widgets.count() == 3
        root = widgets.first
        check_static_probe(page, root)
        root.screenshot(path=artifacts / "embed_nbconvert_surface.png")
        check_cdn(seen, messages)
    finally:
        page.close()


def test_plain_nbconvert_descent_replays_the_runs_saved_after_each_cell(
    executed_examples: ExecutedExamples, browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    """examples/descent.ipynb sets a widget's learning rates in a later cell: the page replays those runs."""
    page, seen, messages = open_embedded(
        browser, nbconvert(executed_examples["descent.ipynb"].path, tmp_path), "descent"
    )
    try:
        root = page.locator(".jaxwidgets-descent").nth(
            1
        )  # `descent`, then learning_rates = {"sgd": 0.3, ...}
        root.scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.innerText.includes('diverged')", arg=root.element_handle())
        assert "sgd 0.3" in root.inner_text() and "saved widget state" in root.inner_text()
        assert root.locator(".jaxwidgets-error").inner_text() == ""
        root.locator("button.play").click()
        page.wait_for_function(
            "(el) => Number(el.dataset.step) >= 40", arg=root.element_handle(), timeout=30_000
        )
        root.screenshot(path=artifacts / "embed_nbconvert_descent.png")
        check_cdn(seen, messages, others=("bqplot", "bqscales"))  # the notebook's loss_figure(): bqplot's own
    finally:
        page.close()


def test_docs_page_shows_interactive_static_copies(built_docs: Path, browser: Any, artifacts: Path) -> None:
    page, seen, messages = open_embedded(browser, built_docs / "examples" / "loss_surface.html")
    try:
        assert page.locator(".jaxwidgets-surface").count() == 3
        root = page.locator(".jaxwidgets-surface").first
        check_static_probe(page, root)
        root.screenshot(path=artifacts / "embed_docs_surface.png")
        page.screenshot(path=artifacts / "embed_docs_page.png")
        # The theme's own script complains that file:// pages keep no theme mode; not a widget's error.
        check_cdn(seen, messages, theirs=("pydata-sphinx-theme.js",))
    finally:
        page.close()
