"""RandomKeys and JitInspector in a real JupyterLab (examples/random_and_jit.ipynb): drag the sample slider
with the mouse, split a key, reuse one, change a static argument, time jit; Python and the picture agree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import listen_to_console
from .lab import LabServer, Notebook, drag

RANDOM_KEYS = ".jaxwidgets.jaxwidgets-random-keys"
JIT_INSPECTOR = ".jaxwidgets.jaxwidgets-jit-inspector"
# The page shows Python's draw for the count the slider is at (the slider maps log10 to a count).
SHOWS_SLIDER_JS = """(root) => {
    const input = root.querySelector('input[aria-label="samples"]');
    const n = Math.min(1e7, Math.max(1, Math.round(10 ** Number(input.value))));
    return root.dataset.samples === String(n);
}"""


class Lesson:
    """The notebook after Run All, its widgets' roots, and the console messages seen since it opened."""

    def __init__(self, notebook: Notebook, console: list[str]) -> None:
        self.notebook, self.page, self.console = notebook, notebook.page, console
        self.keys = self.page.locator(RANDOM_KEYS).first
        self.statics = self.page.locator(JIT_INSPECTOR).nth(0)
        self.selu = self.page.locator(JIT_INSPECTOR).nth(1)

    def py(self, expression: str) -> Any:
        return self.notebook.value(expression)


@pytest.fixture(scope="module")
def lesson(lab_server: LabServer, browser: Any) -> Iterator[Lesson]:
    notebook = Notebook.open(browser, lab_server, "random_and_jit.ipynb")
    try:
        console = listen_to_console(notebook.page)
        notebook.run_all()
        lesson = Lesson(notebook, console)
        for root in (lesson.keys, lesson.statics, lesson.selu):
            root.scroll_into_view_if_needed()
        notebook.page.wait_for_function(
            "(el) => el.dataset.seq !== undefined", arg=lesson.keys.element_handle()
        )
        yield lesson
    finally:
        notebook.close()


def test_console_stays_clean(lesson: Lesson) -> None:
    assert lesson.console == []


def test_views_show_what_python_set(lesson: Lesson) -> None:
    keys = lesson.keys
    assert keys.get_attribute("data-path") == "0" and lesson.py("pi.key_path") == [0]
    assert int(keys.get_attribute("data-samples")) == lesson.py("pi.samples") == 100_000
    assert float(keys.get_attribute("data-estimate")) == pytest.approx(lesson.py("pi.estimate"))
    lesson.page.wait_for_function("(el) => el.dataset.call === '4'", arg=lesson.statics.element_handle())
    assert lesson.py("len(statics.calls)") == 4


def test_dragging_the_sample_slider_to_ten_million_draws_without_compiling(
    lesson: Lesson, artifacts: Path
) -> None:
    page, keys = lesson.page, lesson.keys
    keys.scroll_into_view_if_needed()
    before_png = keys.screenshot()
    compiles = lesson.py("__import__('jaxwidgets').kernels.compile_count()")
    slider = keys.locator('input[aria-label="samples"]')
    box = slider.bounding_box()
    thumb = box["x"] + 8 + (box["width"] - 16) * 5 / 7  # 10^5 samples on a 0..7 log scale
    centre_y = box["y"] + box["height"] / 2

    def settled() -> None:
        page.wait_for_function(SHOWS_SLIDER_JS, arg=keys.element_handle(), timeout=60_000)

    drag(page, (thumb, centre_y), (box["x"] + box["width"] + 20, centre_y), steps=20, settled=settled)
    assert lesson.py("pi.samples") == 10_000_000
    assert keys.get_attribute("data-samples") == "10000000"
    assert abs(lesson.py("pi.estimate") - 3.14159265) < 0.003
    assert float(keys.get_attribute("data-estimate")) == pytest.approx(lesson.py("pi.estimate"))
    assert keys.locator(".rk-points").get_attribute("data-points") == "2000"
    assert keys.locator(".rk-convergence").get_attribute("data-last-n") == "10000000"
    assert keys.locator(".control-value").first.text_content() == "10,000,000"
    assert lesson.py("__import__('jaxwidgets').kernels.compile_count()") == compiles, "a drag compiled"

    thousand = box["x"] + 8 + (box["width"] - 16) * 3 / 7
    drag(page, (box["x"] + box["width"] - 8, centre_y), (thousand, centre_y), steps=10, settled=settled)
    samples = lesson.py("pi.samples")
    assert 300 <= samples <= 3000 and keys.get_attribute("data-samples") == str(samples)
    after_png = keys.screenshot(path=artifacts / "random_keys_after_drag.png")
    assert after_png != before_png, "the picture did not change"


def test_split_a_key_then_reuse_one(lesson: Lesson, artifacts: Path) -> None:
    page, keys = lesson.page, lesson.keys
    keys.scroll_into_view_if_needed()
    first_before = keys.locator(".rk-points").get_attribute("data-first")
    keys.locator("button.rk-split").click()
    page.wait_for_function("(el) => el.dataset.path === '0,0'", arg=keys.element_handle())
    assert lesson.py("pi.key_path") == [0, 0] and lesson.py("pi.reused") is False
    assert keys.locator(".rk-key").count() == 5
    assert keys.locator(".rk-key.selected").get_attribute("aria-label") == "key [0, 0]"
    assert keys.locator(".rk-points").get_attribute("data-first") != first_before
    keys.screenshot(path=artifacts / "random_keys_split.png")

    keys.locator('.rk-key[aria-label="key [0]"]').click()  # the key just split: a reuse
    page.wait_for_function("(el) => el.dataset.path === '0'", arg=keys.element_handle())
    assert lesson.py("pi.key_path") == [0] and lesson.py("pi.reused") is True
    assert keys.locator(".rk-points").get_attribute("data-first") == first_before, "same key, same points"
    x, y = lesson.py("[float(v) for v in pi.points[0]]")
    assert keys.locator(".rk-points").get_attribute("data-first") == f"{x:.6f},{y:.6f}"
    assert keys.locator(".rk-note").is_visible() and "used before" in keys.locator(".rk-note").text_content()
    keys.screenshot(path=artifacts / "random_keys_reused.png")


def test_changing_a_static_argument_is_a_retrace_caused_by_it(lesson: Lesson, artifacts: Path) -> None:
    page, statics = lesson.page, lesson.statics
    statics.scroll_into_view_if_needed()
    calls = lesson.py("len(statics.calls)")
    statics.locator('select[aria-label="n (static)"]').select_option(label="40")
    page.wait_for_function(f"(el) => el.dataset.call === '{calls + 1}'", arg=statics.element_handle())
    record = lesson.py("statics.calls[-1]")
    assert (record["outcome"], record["cause"], record["args"]["n"]) == ("retrace", "n", "40")
    assert statics.get_attribute("data-cause") == "n"
    assert statics.get_attribute("data-traces") == str(lesson.py("statics.traces")) == "3"
    assert "n 10 → 40" in statics.locator(".jit-why").text_content()
    assert "Static(val=40)" in statics.locator(".jit-explanation").text_content()
    assert "f32[40]" in statics.locator(".jit-jaxpr").text_content()
    assert statics.locator(".jit-outcome").text_content() == "retrace + compile"
    statics.screenshot(path=artifacts / "jit_static_retrace.png")

    slider = statics.locator('input[aria-label="a0"]')  # a value only: a cache hit
    box = slider.bounding_box()
    middle, right, y = (
        box["x"] + box["width"] / 2,
        box["x"] + box["width"] * 0.8,
        box["y"] + box["height"] / 2,
    )
    drag(page, (middle, y), (right, y), steps=6, settled=lambda: page.wait_for_timeout(500))
    page.wait_for_function(
        "(el) => el.dataset.outcome === 'cache hit'", arg=statics.element_handle(), timeout=30_000
    )
    assert lesson.py("statics.calls[-1]['outcome']") == "cache hit" and lesson.py("statics.traces") == 3


def test_the_timing_panel_compares_jit_with_op_by_op(lesson: Lesson, artifacts: Path) -> None:
    page, selu = lesson.page, lesson.selu
    selu.scroll_into_view_if_needed()
    selu.locator("button.jit-time").click()
    selu.locator(".jit-timing").wait_for(state="visible", timeout=120_000)
    page.wait_for_function("(el) => !el.querySelector('button.jit-time').disabled", arg=selu.element_handle())
    assert "faster" in selu.locator(".jit-timing-legend").text_content()
    assert lesson.py("len(selu_inspector.timings['sizes'])") == 6
    selu.screenshot(path=artifacts / "jit_selu_timing.png")


def test_screenshots_light_and_dark(lesson: Lesson, artifacts: Path) -> None:
    page, notebook = lesson.page, lesson.notebook
    for name, root in (("random_keys", lesson.keys), ("jit_inspector", lesson.statics)):
        root.scroll_into_view_if_needed()
        root.screenshot(path=artifacts / f"{name}_light.png")
    notebook.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(500)
        for name, root in (("random_keys", lesson.keys), ("jit_inspector", lesson.statics)):
            root.scroll_into_view_if_needed()
            root.screenshot(path=artifacts / f"{name}_dark.png")
        lesson.selu.scroll_into_view_if_needed()
        lesson.selu.screenshot(path=artifacts / "jit_selu_timing_dark.png")
    finally:
        notebook.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
