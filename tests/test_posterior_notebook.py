"""examples/posterior.ipynb, top to bottom in a real kernel (nbclient): it runs cleanly, and what its text
claims about the draws holds (r_hat, the labellings, the MLE's marks, the banana's divergences).

Slow (three models on 20,000 points): about 4 minutes on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "examples" / "posterior.ipynb"
MARK = "FACTS:"

# Runs after the notebook's own cells, in its kernel: what the tests check, as JSON.
FACTS = r"""
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
print("FACTS:" + json.dumps(facts))
"""


@pytest.fixture(scope="module")
def run() -> tuple[Any, dict[str, Any]]:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cells = len(notebook.cells)
    notebook.cells.append(nbformat.v4.new_code_cell(FACTS))
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = notebook.cells[-1].outputs
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    facts = json.loads(next(line[len(MARK) :] for line in text.splitlines() if line.startswith(MARK)))
    notebook.cells = notebook.cells[:cells]
    return notebook, facts


def test_every_cell_runs_without_error_or_stderr_output(run: tuple[Any, dict[str, Any]]) -> None:
    notebook, facts = run
    problems = [
        (index, output.get("name") or output.get("ename"), output.get("text") or output.get("evalue"))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error" or (output.output_type == "stream" and output.name == "stderr")
    ]
    assert problems == []
    assert facts["bimodal"]["error"] == facts["ordered"]["error"] == facts["flat"]["error"] == ""


def test_naive_priors_switch_labels_between_chains_as_the_text_says(run: tuple[Any, dict[str, Any]]) -> None:
    _, facts = run
    bimodal, (a0, x0, s0, a1, x1, s1) = facts["bimodal"], facts["mle"]
    # "r_hat for every site stay far above 1 (above 1.2)"
    assert min(row["r_hat"] for row in bimodal["rows"].values()) > 1.2, bimodal["rows"]
    # "some chains sit on the ⊕ of the MLE, the others on its mirror image"
    on_mle = [abs(mean - x0) < 0.1 for mean in bimodal["x0_chains"]]
    on_mirror = [abs(mean - x1) < 0.1 for mean in bimodal["x0_chains"]]
    assert all(a or b for a, b in zip(on_mle, on_mirror, strict=True)) and any(on_mle) and any(on_mirror)
    expected = {"x[0]": x0, "x[1]": x1, "amp[0]": a0, "amp[1]": a1, "sigma[0]": s0, "sigma[1]": s1}
    assert bimodal["label"] == "MLE"
    assert bimodal["reference"] == pytest.approx(expected, abs=1e-3)


def test_reparameterised_chains_agree_on_one_cloud_around_the_mle(run: tuple[Any, dict[str, Any]]) -> None:
    _, facts = run
    ordered, (a0, x0, s0, a1, x1, s1) = facts["ordered"], facts["mle"]
    # "r_hat below 1.05 for every site"
    assert max(row["r_hat"] for row in ordered["rows"].values()) < 1.05, ordered["rows"]
    assert max(ordered["x0_chains"]) - min(ordered["x0_chains"]) < 0.05  # one cloud
    # "on the ⊕ of the MLE" and "each MLE value inside the posterior's 94 % HDI"
    expected = {"x0": x0, "x1": x1, "amp[0]": a0, "amp[1]": a1, "sigma[0]": s0, "sigma[1]": s1}
    assert ordered["label"] == "MLE" and ordered["reference"] == pytest.approx(expected, abs=1e-3)
    for site, value in ordered["reference"].items():
        row = ordered["rows"][site]
        assert row["hdi_3"] <= value <= row["hdi_97"], (site, value, row)


def test_the_banana_diverges_until_the_curvature_is_dragged_down(run: tuple[Any, dict[str, Any]]) -> None:
    _, facts = run
    banana, flat = facts["banana"], facts["flat"]
    # "Red crosses mark divergent transitions ... r_hat and ESS say the chains do not yet agree"
    assert sum(banana["divergences"]) > 0, banana
    assert max(row["r_hat"] for row in banana["rows"].values()) > 1.05, banana["rows"]
    # "Drag the curvature down and watch the divergences go and r_hat return to 1", with no recompile
    assert sum(flat["divergences"]) == 0 and flat["compiles"] == 0, flat
    assert max(row["r_hat"] for row in flat["rows"].values()) < 1.02, flat["rows"]
