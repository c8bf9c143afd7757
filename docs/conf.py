"""Sphinx configuration: the example notebooks (through myst-nb) and the API reference from docstrings.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (``pip install -e ".[docs]"``). The notebooks are copied from ``examples/`` into
``docs/examples/`` (ignored by git) and executed by myst-nb, or taken already executed from the directory in
``JAXWIDGETS_DOCS_NOTEBOOKS`` (the test suite executes them once and builds the docs from those).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import jaxwidgets

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples"
EXECUTED = os.environ.get("JAXWIDGETS_DOCS_NOTEBOOKS")


def _copy_notebooks() -> None:
    source = Path(EXECUTED) if EXECUTED else EXAMPLES
    target = DOCS / "examples"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for notebook in sorted(EXAMPLES.glob("*.ipynb")):
        shutil.copy(source / notebook.name, target / notebook.name)


_copy_notebooks()

project = "jaxwidgets"
author = "the jaxwidgets developers"
copyright = "2026, the jaxwidgets developers"
release = version = jaxwidgets.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "pydata_sphinx_theme"
html_title = "jaxwidgets"
html_theme_options = {"navigation_with_keys": False}

# Notebooks: executed here unless the test suite already executed them (then their outputs are used as is).
nb_execution_mode = "off" if EXECUTED else "cache"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
# Widgets: a notebook executed with its widget state saved shows each widget as an interactive static copy,
# rendered by @jupyter-widgets/html-manager from that state; with no kernel behind them, the views answer
# from the saved record (the probe reads the saved grids, Descent replays, Posterior shows its draws).
# Pinned to the versions package.json's devDependencies hold (the browser test serves those files).
nb_ipywidgets_js = {
    "https://cdn.jsdelivr.net/npm/requirejs@2.3.8/require.js": {"crossorigin": "anonymous"},
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.15/dist/embed-amd.js": {
        "data-jupyter-widgets-cdn": "https://cdn.jsdelivr.net/npm/",
        "crossorigin": "anonymous",
    },
}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
