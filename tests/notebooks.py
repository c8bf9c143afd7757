"""Each example notebook executed once per test session, in a real kernel (nbclient) with its widget state
stored, as a user's "Run All" then "Save" would: the posterior notebook's claims, the docs build and the
nbconvert round trip all read the same run.

A test that needs facts from a notebook's own kernel registers an *afterword*: code run after the last
cell, whose printed ``AFTERWORD:`` line is returned as JSON. The saved copy is taken before the afterword
runs, so neither its output nor what it changes reaches the saved notebook.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, NamedTuple

import nbformat
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MARK = "AFTERWORD:"

# What tests/test_posterior_notebook.py checks, read in the notebook's own kernel after its last cell.
POSTERIOR_FACTS = r"""
import json
from jaxwidgets import count_compiles

def rows(widget):
    return {row["site"]: row for row in widget.summary}

def chain_means(widget, site):
    return [float(v) for v in widget.draws[site].mean(axis=1)]

for widget in (bimodal, ordered, curved):
    widget.wait()
facts = {
    "mle": [float(v) for v in mle],
    "bimodal": {"rows": rows(bimodal), "x0_chains": chain_means(bimodal, "x[0]"),
                "reference": bimodal.reference, "label": bimodal.reference_label, "error": bimodal.error},
    "ordered": {"rows": rows(ordered), "x0_chains": chain_means(ordered, "x0"),
                "reference": ordered.reference, "label": ordered.reference_label, "error": ordered.error},
    "banana": {"rows": rows(curved), "divergences": [p["divergences"] for p in curved.progress]},
}
with count_compiles() as compiles:
    curved.set_control("curvature", 0.0)
    curved.wait()
facts["flat"] = {"rows": rows(curved), "divergences": [p["divergences"] for p in curved.progress],
                 "compiles": compiles.count, "error": curved.error}
print("AFTERWORD:" + json.dumps(facts))
"""

AFTERWORDS = {"posterior.ipynb": POSTERIOR_FACTS}


class ExecutedNotebook(NamedTuple):
    """A notebook after Run All: the saved copy (outputs and widget state) and the afterword's facts."""

    path: Path
    notebook: Any
    facts: Any


def execute(source: Path, target: Path, afterword: str | None = None) -> ExecutedNotebook:
    """Run every cell of ``source`` in a fresh kernel started in its folder, save to ``target``, then run
    ``afterword`` (if any) in the same kernel and return what it printed after ``AFTERWORD:``."""
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        store_widget_state=True,
    )
    facts = None
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        client.set_widgets_metadata()
        saved = copy.deepcopy(notebook)
        if afterword is not None:
            cell = nbformat.v4.new_code_cell(afterword)
            notebook.cells.append(cell)
            client.execute_cell(cell, len(notebook.cells) - 1)
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            lines = [line[len(MARK) :] for line in text.splitlines() if line.startswith(MARK)]
            if not lines:
                raise AssertionError(f"the afterword of {source.name} printed no {MARK} line: {cell.outputs}")
            facts = json.loads(lines[-1])
    nbformat.write(saved, target)
    return ExecutedNotebook(target, saved, facts)


class ExecutedExamples:
    """examples/*.ipynb, each executed on first use and kept for the session (see the module's docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._done: dict[str, ExecutedNotebook] = {}

    @staticmethod
    def names() -> list[str]:
        return sorted(path.name for path in EXAMPLES.glob("*.ipynb"))

    def __getitem__(self, name: str) -> ExecutedNotebook:
        if name not in self._done:
            self._done[name] = execute(EXAMPLES / name, self.folder / name, AFTERWORDS.get(name))
        return self._done[name]

    def all(self) -> Path:
        """Execute every example (those not yet run) and return the folder holding them all."""
        for name in self.names():
            self[name]
        return self.folder
