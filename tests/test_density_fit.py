"""DensityFit from Python: the NLL and its gradient against numpy and jax.grad, the Fit against the analytic
MLE (seed 000: a normal's mean and standard deviation), Fix, the linked surface, compiles and bad input."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets

from jaxwidgets import DensityFit, FunctionError, count_compiles

from .conftest import Page

SAMPLES = np.random.default_rng(1).normal(loc=1.0, scale=2.0, size=1000).astype(np.float32)
START = {"mu": 0.0, "log_sigma": 0.0}


def logpdf(p: Any, x: Any) -> Any:
    sigma = jnp.exp(p["log_sigma"])
    return -0.5 * ((x - p["mu"]) / sigma) ** 2 - jnp.log(sigma) - 0.5 * jnp.log(2 * jnp.pi)


def nll_numpy(mu: float, sigma: float) -> float:
    x = SAMPLES.astype(np.float64)
    n = x.size
    squares = np.sum((x - mu) ** 2)  # the sum of squares (seed 000 wrote np.sum(x - mu) ** 2)
    return float(n / 2 * np.log(sigma**2) + n / 2 * np.log(2 * np.pi) + squares / (2 * sigma**2))


MLE = {"mu": float(SAMPLES.mean()), "log_sigma": float(np.log(SAMPLES.std()))}


@pytest.fixture(scope="module")
def density() -> DensityFit:
    widget = DensityFit(logpdf, SAMPLES, START, mle=MLE)
    yield widget
    widget.close()


def test_nll_equals_numpy(density: DensityFit) -> None:
    density.params = {"mu": 0.5, "log_sigma": math.log(1.5)}
    assert density.loss == pytest.approx(nll_numpy(0.5, 1.5), rel=1e-5)
    assert density.loss_name == "NLL"


def test_gradient_equals_jax_grad(density: DensityFit) -> None:
    density.params = {"mu": 0.5, "log_sigma": 0.2}
    expected = jax.grad(lambda p: -jnp.sum(jax.vmap(lambda x: logpdf(p, x))(SAMPLES)))(
        {"mu": jnp.float32(0.5), "log_sigma": jnp.float32(0.2)}
    )
    for name in START:
        assert density.gradient[name] == pytest.approx(float(expected[name]), rel=1e-4)


def test_fit_finds_the_sample_mean_and_standard_deviation(density: DensityFit) -> None:
    density.params = START
    result = density.fit()
    assert result.params["mu"] == pytest.approx(SAMPLES.mean(), abs=1e-4)
    assert math.exp(result.params["log_sigma"]) == pytest.approx(SAMPLES.std(), rel=1e-4)
    assert result.scipy is not None and result.scipy.params["mu"] == pytest.approx(SAMPLES.mean(), abs=1e-3)
    assert density.loss == pytest.approx(nll_numpy(SAMPLES.mean(), SAMPLES.std()), rel=1e-5)
    assert density._plot["reference"]["values"] == pytest.approx([MLE["log_sigma"], MLE["mu"]])


def test_fixed_mu_stays_and_sigma_fits_around_it(density: DensityFit) -> None:
    density.params, density.fixed = START, ["mu"]
    try:
        result = density.fit()
        assert result.params["mu"] == 0.0
        rms = float(np.sqrt(np.mean(SAMPLES.astype(np.float64) ** 2)))  # the MLE of sigma when mu = 0
        assert math.exp(result.params["log_sigma"]) == pytest.approx(rms, rel=1e-4)
    finally:
        density.fixed = []


def test_zero_compiles_over_100_changes_and_a_fit(density: DensityFit) -> None:
    page = Page(density)  # type: ignore[arg-type]
    density.wait_for_fit()  # the Fit kernel compiles in its own thread after construction
    with count_compiles() as compiles:
        for step in range(100):
            page.request("params", values=[0.1 * math.sin(step), math.cos(step)])
        page.request("fit")
        density.wait_for_fit()
    assert compiles.count == 0


def test_linked_surface_agrees(density: DensityFit) -> None:
    density.params = START
    surface = density.loss_surface(("mu", "log_sigma"), resolution=8)
    try:
        surface.probe = (1.0, 0.5)
        assert density.params == pytest.approx({"mu": 1.0, "log_sigma": 0.5})
        assert surface.value == pytest.approx(density.loss, rel=1e-5)
        density.fit()
        assert surface.probe == pytest.approx((density.params["mu"], density.params["log_sigma"]), abs=1e-6)
    finally:
        surface.close()


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match="empty"):
        DensityFit(logpdf, [], START)
    with pytest.raises(ValueError, match="1-D"):
        DensityFit(logpdf, np.ones((3, 2)), START)
    with pytest.raises(FunctionError, match="one point"):
        DensityFit(lambda p, x: jnp.ones(2) * p["mu"], SAMPLES[:10], {"mu": 0.0})
    with pytest.raises(FunctionError, match="logpdf raised KeyError"):
        DensityFit(lambda p, x: p["nope"] * x, SAMPLES[:10], {"mu": 0.0})
    with pytest.raises(ValueError, match="NLL is"):
        DensityFit(lambda p, x: jnp.log(p["mu"]) + 0 * x, SAMPLES[:10], {"mu": -1.0})
    with pytest.raises(traitlets.TraitError, match="unknown parameter"):
        DensityFit(logpdf, SAMPLES[:10], START, fixed=["sigma"])
