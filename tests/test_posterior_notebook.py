"""examples/posterior.ipynb, top to bottom in a real kernel (nbclient): it runs cleanly, and what its text
claims about the draws holds (r_hat, the labellings, the MLE's marks, the banana's divergences).

Slow (three models on 20,000 points): about 4 minutes on two cores.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.notebooks import ExecutedExamples


@pytest.fixture(scope="module")
def run(executed_examples: ExecutedExamples) -> tuple[Any, dict[str, Any]]:
    """The notebook as saved after Run All, and the facts its afterword (tests/notebooks.py) read."""
    executed = executed_examples["posterior.ipynb"]
    return executed.notebook, executed.facts


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
