"""The Posterior's live table: arviz.summary's numbers, computed without importing arviz."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from jaxwidgets.kernels.diagnostics import summary_rows

COLUMNS = {
    "mean": "mean",
    "sd": "sd",
    "hdi_3": "hdi_3%",
    "hdi_97": "hdi_97%",
    "r_hat": "r_hat",
    "ess_bulk": "ess_bulk",
    "ess_tail": "ess_tail",
}


def _autocorrelated(rng: np.random.Generator, chains: int, draws: int, phi: float) -> np.ndarray:
    values = rng.normal(size=(chains, draws))
    for t in range(1, draws):
        values[:, t] += phi * values[:, t - 1]
    return values


def _cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    stuck = rng.normal(size=(3, 40)).astype(np.float32)
    stuck[1] = 0.25  # a chain that never moved
    return {
        "float32, even draws": rng.normal(size=(4, 500)).astype(np.float32),
        "float32, odd draws": rng.normal(size=(3, 63)).astype(np.float32),
        "autocorrelated": _autocorrelated(rng, 2, 301, 0.9),
        "one chain": _autocorrelated(rng, 1, 123, 0.5),
        "ties (rounded draws)": np.round(rng.normal(size=(2, 200)), 1).astype(np.float32),
        "chains apart": (rng.normal(size=(2, 400)) + np.array([[0.0], [3.0]])).astype(np.float32),
        "a stuck chain": stuck,
        "four draws": rng.normal(size=(2, 4)).astype(np.float32),
        "a random walk": np.cumsum(rng.normal(size=(3, 90)), axis=1).astype(np.float32),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_summary_rows_are_arviz_summary(name: str) -> None:
    import arviz as az

    draws = _cases()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz warns about one chain (no R-hat) and NaN autocorrelations
        expected = az.summary({"x": draws}, round_to="none").loc["x"]
    row = summary_rows(["x"], draws[:, :, None])[0]
    assert row["site"] == "x"
    for key, column in COLUMNS.items():
        value = float(expected[column])
        if not np.isfinite(value):
            assert row[key] is None, key  # JSON has no NaN
        else:
            # arviz sums float32 draws in float32; the table sums them in float64
            tolerance = 1e-6 * max(1.0, float(np.abs(draws).max())) if key in ("mean", "sd") else 1e-9
            assert row[key] == pytest.approx(value, rel=1e-9, abs=tolerance), key


def test_a_run_to_the_end_never_imports_arviz_until_the_user_asks_for_an_inference_data() -> None:
    script = textwrap.dedent(
        """
        import sys
        import numpyro, numpyro.distributions as dist
        from jaxwidgets import Posterior

        def model(scale):
            numpyro.sample("mu", dist.Normal(0.0, scale))

        post = Posterior(model, 1.0, num_chains=2, num_warmup=50, num_samples=100).wait()
        assert post.status == "done" and post.summary[0]["ess_bulk"] > 10, (post.status, post.summary)
        print("arviz" in sys.modules)
        post.idata
        print("arviz" in sys.modules)
        post.close()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["False", "True"]
