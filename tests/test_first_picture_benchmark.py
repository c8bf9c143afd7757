"""The first-picture benchmark's notebooks (benchmarks/first_picture.py), untimed and without a browser: the
bqplot peers draw the picture the other subjects draw, and the compilation cache can be re-pointed."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path
from typing import Any

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import first_picture  # noqa: E402
import latency  # noqa: E402


def run_cell(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # widgets without a frontend: they are built, nothing is shown
    return namespace


def test_doctests() -> None:
    assert doctest.testmod(first_picture).failed == 0


def test_the_bqplot_surface_peer_draws_f_and_the_probe() -> None:
    cell = run_cell(first_picture.scenarios(latency)["surface"]["bqplot"][0])
    heat, probe = cell["marks"]
    centres = (np.arange(200) + 0.5) / 200 * 4 - 2
    np.testing.assert_allclose(heat.color[3, 5], cell["f"](centres[5], centres[3]))
    assert (probe.x[0], probe.y[0]) == (-1.0, -1.0)  # where the other subjects put it


def test_the_bqplot_descent_peer_draws_the_three_paths_from_the_start() -> None:
    cell = run_cell(first_picture.scenarios(latency)["descent"]["bqplot"][0])
    _heat, *lines, start = cell["marks"]
    assert [line.labels[0] for line in lines] == ["sgd", "momentum", "adam"]
    for line in lines:
        assert (line.x[0], line.y[0]) == latency.DESCENT_START
        assert len(line.x) > 10  # the steps were taken
    assert (start.x[0], start.y[0]) == latency.DESCENT_START


def test_a_baseline_subject_imports_jaxwidgets_from_its_own_tree() -> None:
    chosen = first_picture.scenarios(latency, baseline="/elsewhere/src")
    for subjects in chosen.values():
        baseline, ours = subjects["jaxwidgets-baseline"], subjects["jaxwidgets"]
        assert baseline[0] == "import sys\nsys.path.insert(0, '/elsewhere/src')\n" + ours[0]
        assert baseline[1:] == ours[1:]


def test_the_jax_floor_computes_f_on_the_same_grid_and_shows_the_line_the_page_waits_for() -> None:
    source = first_picture.scenarios(latency)["surface"]["jax-floor"][0]
    cell = run_cell(source)
    centres = (np.arange(200) + 0.5) / 200 * 4 - 2
    np.testing.assert_allclose(cell["X"][3, 5], centres[5], rtol=1e-6)
    np.testing.assert_allclose(cell["Y"][3, 5], centres[3], rtol=1e-6)
    assert source.rstrip().splitlines()[-1].startswith('HTML(\'<div class="jax-floor">')
