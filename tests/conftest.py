"""Shared fixtures: widgets whose replies are captured instead of sent to a front end."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Every session starts with an empty JAX compilation cache, as on a fresh machine: the first compile of each
# kernel writes its entry (and JAX's notes about it must stay out of the notebooks), later ones load it.
# Set before jaxwidgets is imported; the Jupyter servers the browser tests start inherit it.
_SESSION_CACHE = None if "JAXWIDGETS_CACHE_DIR" in os.environ else tempfile.mkdtemp(prefix="jaxwidgets-jax-")
if _SESSION_CACHE:
    os.environ["JAXWIDGETS_CACHE_DIR"] = _SESSION_CACHE

import jaxwidgets  # noqa: E402
from tests.notebooks import ExecutedExamples  # noqa: E402


def seed_surface(x: Any, y: Any) -> Any:
    """f(x, y) = 2x^2 - 4xy + y^4 + 2: two minima at (-1, -1) and (1, 1), a saddle at the origin."""
    return 2 * x**2 - 4 * x * y + y**4 + 2


class Page:
    """Plays the browser: sends requests to a widget and records what comes back."""

    def __init__(self, widget: jaxwidgets.LossSurface) -> None:
        self.widget = widget
        self.replies: list[tuple[dict[str, Any], list[Any]]] = []
        self.seq = 0
        widget.send = lambda content, buffers=None: self.replies.append((content, buffers or []))

    def of_type(self, kind: str) -> list[tuple[dict[str, Any], list[Any]]]:
        """The (content, buffers) of every message of type ``kind`` sent so far, in order."""
        return [(content, buffers) for content, buffers in self.replies if content["type"] == kind]

    def request(self, kind: str, **content: Any) -> dict[str, Any]:
        self.seq += 1
        self.widget._on_custom_message(self.widget, {"type": kind, "seq": self.seq, **content}, [])
        return self.replies[-1][0]


@pytest.fixture
def surface() -> jaxwidgets.LossSurface:
    widget = jaxwidgets.LossSurface(seed_surface, x=(-2, 2), y=(-2, 2), resolution=64)
    widget.wait_for_surface()
    yield widget
    widget.close()


@pytest.fixture
def page(surface: jaxwidgets.LossSurface) -> Page:
    return Page(surface)


@pytest.fixture(scope="session")
def executed_examples(tmp_path_factory: pytest.TempPathFactory) -> ExecutedExamples:
    """examples/*.ipynb after Run All, each executed once per session (tests/notebooks.py)."""
    return ExecutedExamples(tmp_path_factory.mktemp("executed-examples"))


DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="session")
def built_docs(executed_examples: ExecutedExamples, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/ built by Sphinx, warnings as errors, from the executed examples (no second run); its HTML."""
    base = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "JAXWIDGETS_DOCS_NOTEBOOKS": str(executed_examples.all())}
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(base / "doctrees"), str(DOCS), str(base / "html")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return base / "html"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_CACHE:
        shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
