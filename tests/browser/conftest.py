"""Fixtures for the tests that drive a real JupyterLab in Chromium (lab.py); ``pytest -m browser``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .lab import LabServer, Notebook, chromium, chromium_executable, jupyter_lab

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test."""
    folder = Path(__file__).resolve().parent
    for item in items:
        if folder in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """A private JupyterLab whose root holds copies of the example notebooks."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    for notebook in EXAMPLES.glob("*.ipynb"):
        shutil.copy(notebook, root / notebook.name)
    with jupyter_lab(root, base) as server:
        yield server


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium found (/usr/bin/chromium or Playwright's own)")
    with chromium(tmp_path_factory.mktemp("chromium-profile"), executable) as context:
        yield context


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def open_notebook(lab_server: LabServer, browser: Any) -> Iterator[Any]:
    """``open_notebook(name)`` opens (without running) an example notebook; it is closed after the test."""
    opened: list[Notebook] = []

    def open_(name: str) -> Notebook:
        notebook = Notebook.open(browser, lab_server, name)
        opened.append(notebook)
        return notebook

    yield open_
    for notebook in opened:
        notebook.close()


def listen_to_console(page: Any) -> list[str]:
    """The page's console warnings and errors and its uncaught errors, from now on."""
    messages: list[str] = []
    page.on(
        "console",
        lambda m: m.type in ("warning", "error") and messages.append(f"{m.type}: {m.text} ({m.location})"),
    )
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages
