"""CurveFit from Python: chi^2 and its gradient, the Fit against scipy, Fix, the linked surface, compiles,
and bad input. The data are seed 001's double Gaussian (20,000 points, yerr 0.3)."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets
from scipy.optimize import minimize

import jaxwidgets
from jaxwidgets import CurveFit, FunctionError, count_compiles

from .conftest import Page

START = {"a0": 1.5, "x0": -0.2, "s0": 0.7, "a1": 1.5, "x1": 0.2, "s1": 0.7}
NAMES = sorted(START)  # the vector order: the dict's keys as JAX flattens them


def model(p: Any, x: Any) -> Any:
    return p["a0"] * jnp.exp(-0.5 * (x - p["x0"]) ** 2 / p["s0"] ** 2) + p["a1"] * jnp.exp(
        -0.5 * (x - p["x1"]) ** 2 / p["s1"] ** 2
    )


def model_numpy(p: dict[str, float], x: np.ndarray) -> np.ndarray:
    return p["a0"] * np.exp(-0.5 * (x - p["x0"]) ** 2 / p["s0"] ** 2) + p["a1"] * np.exp(
        -0.5 * (x - p["x1"]) ** 2 / p["s1"] ** 2
    )


def seed_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.linspace(-5, 5, 20_000)
    truth = {"a0": 2.0, "x0": -0.5, "s0": 0.6, "a1": 1.5, "x1": 0.6, "s1": 0.9}
    return x, model_numpy(truth, x) + rng.normal(scale=0.3, size=x.size)


X, Y = seed_data()


def chi2_numpy(p: dict[str, float]) -> float:
    x, y = X.astype(np.float32).astype(np.float64), Y.astype(np.float32).astype(np.float64)
    return float(np.sum(((y - model_numpy(p, x)) / 0.3) ** 2))


@pytest.fixture(scope="module")
def fit() -> CurveFit:
    widget = CurveFit(model, X, Y, START, yerr=0.3, handles={"peak 1": ("x0", "a0")})
    yield widget
    widget.close()


@pytest.fixture
def page(fit: CurveFit) -> Page:
    fit.params, fit.fixed = START, []
    return Page(fit)  # type: ignore[arg-type]


def test_chi2_equals_numpy(fit: CurveFit) -> None:
    fit.params = START
    assert fit.loss == pytest.approx(chi2_numpy(START), rel=1e-5)
    moved = {**START, "x0": -0.4, "s1": 1.1}
    fit.params = moved
    assert fit.loss == pytest.approx(chi2_numpy(moved), rel=1e-5)
    assert fit.loss_name == "chi²"


def test_gradient_equals_jax_grad_as_the_same_pytree(fit: CurveFit) -> None:
    fit.params = START
    x, y = jnp.asarray(X, jnp.float32), jnp.asarray(Y, jnp.float32)
    at = {k: jnp.float32(v) for k, v in START.items()}
    expected = jax.grad(lambda p: jnp.sum(((y - model(p, x)) / 0.3) ** 2))(at)
    assert set(fit.gradient) == set(START)
    for name in START:
        assert fit.gradient[name] == pytest.approx(float(expected[name]), rel=1e-3, abs=1e-2)


def test_page_request_replies_with_float32_buffers(page: Page) -> None:
    values = [float(START[n]) for n in NAMES]
    values[NAMES.index("x0")] = -0.45
    reply = page.request("params", values=values)
    assert reply["type"] == "params" and reply["seq"] == page.seq
    assert reply["values"]["dtype"] == "float32" and reply["curve"]["dtype"] == "float32"
    assert reply["sensitivities"]["shape"][0] == len(NAMES)
    assert page.widget.params["x0"] == pytest.approx(-0.45)
    assert reply["loss"] == pytest.approx(page.widget.loss)


def test_sensitivities_are_vmap_of_grad_of_the_model(page: Page) -> None:
    reply = page.request("params", fetch=True)
    content, buffers = page.replies[-1]
    record = content["sensitivities"]
    sens = np.frombuffer(buffers[record["buffer"]], np.float32).reshape(record["shape"])
    grid = np.linspace(X.min(), X.max(), record["shape"][1], dtype=np.float32)
    params = {k: jnp.float32(v) for k, v in START.items()}
    expected = jax.vmap(jax.grad(lambda p, x: model(p, x)), in_axes=(None, 0))(params, grid)
    for i, name in enumerate(NAMES):
        np.testing.assert_allclose(sens[i], expected[name], rtol=1e-4, atol=1e-5)
    assert reply["loss"] == pytest.approx(chi2_numpy(START), rel=1e-5)


def test_fit_equals_scipy_bfgs_on_the_seed_double_gaussian(fit: CurveFit) -> None:
    fit.params = START
    result = fit.fit()
    start = np.array([START[n] for n in NAMES])
    found = minimize(lambda v: chi2_numpy(dict(zip(NAMES, v, strict=True))), start, method="BFGS")
    best = dict(zip(NAMES, found.x, strict=True))
    for name in NAMES:
        assert result.params[name] == pytest.approx(best[name], abs=2e-3), name
    assert result.loss == pytest.approx(found.fun, rel=1e-5)
    assert result.scipy is not None and result.scipy.loss == pytest.approx(found.fun, rel=1e-5)
    assert result.path.shape == (result.iterations + 1, len(NAMES))
    assert np.allclose(fit.fit_path, result.path) and fit.params == result.params
    assert np.all(np.diff(result.losses) <= 1e-3 * result.losses[0])  # BFGS never goes uphill
    assert fit.fit_report["bfgs"]["iterations"] == result.iterations


def test_fixed_parameters_stay_fixed(fit: CurveFit) -> None:
    fit.params, fit.fixed = START, ["s0", "s1"]
    try:
        result = fit.fit()
        assert result.params["s0"] == pytest.approx(0.7) and result.params["s1"] == pytest.approx(0.7)
        assert np.all(result.path[:, NAMES.index("s0")] == np.float32(0.7))
        assert result.loss < chi2_numpy(START)
    finally:
        fit.fixed = []


def test_fit_from_the_page_runs_in_the_worker_and_a_drag_abandons_it(page: Page) -> None:
    page.request("fit")
    assert page.widget.wait_for_fit()
    pushes = page.of_type("fit")
    assert pushes and pushes[-1][0]["client"] == ""
    assert pushes[-1][0]["final"]["loss"] == pytest.approx(page.widget.loss)
    # a drag after (or during) a Fit stands: the next request's values are the widget's values
    values = [float(START[n]) for n in NAMES]
    page.request("fit")
    page.request("params", values=values)
    assert page.widget.wait_for_fit()
    assert not page.widget.fitting  # also when the Fit was dropped before it ran
    assert page.widget.params == {n: pytest.approx(START[n]) for n in NAMES}


def test_zero_compiles_over_100_parameter_changes_and_a_fit(page: Page) -> None:
    page.widget.wait_for_fit()  # the Fit kernel compiles in its own thread after construction
    with count_compiles() as compiles:
        for step in range(100):
            values = [float(START[n]) + 0.01 * math.sin(step + i) for i, n in enumerate(NAMES)]
            page.request("params", values=values)
        page.widget.fit()
        page.request("fit")
        page.widget.wait_for_fit()
    assert compiles.count == 0


def test_linked_surface_and_fit_agree_both_ways(fit: CurveFit) -> None:
    fit.params = START
    surface = fit.loss_surface(("x0", "x1"), resolution=8)
    try:
        assert isinstance(surface, jaxwidgets.LossSurface)
        assert surface.probe == pytest.approx((START["x0"], START["x1"]))
        surface.probe = (-0.4, 0.5)  # the probe moves the fit
        assert (fit.params["x0"], fit.params["x1"]) == pytest.approx((-0.4, 0.5))
        assert surface.value == pytest.approx(fit.loss, rel=1e-5)
        fit.params = {**START, "x0": -0.3}  # the fit moves the probe
        assert surface.probe == pytest.approx((-0.3, START["x1"]))
        assert surface.value == pytest.approx(fit.loss, rel=1e-5)
        probes: list[tuple[float, float]] = []
        surface.observe(lambda change: probes.append(change["new"]), "probe")
        result = fit.fit()  # the probe walks the path; the fit's parameters stay the best ones
        assert len(probes) >= min(3, result.iterations)
        assert fit.params == result.params
        assert surface.probe == pytest.approx((result.params["x0"], result.params["x1"]))
        with pytest.raises(ValueError, match="unknown parameter"):
            fit.loss_surface(("x0", "nope"))
    finally:
        surface.close()


def test_the_first_picture_does_not_wait_for_the_fit_kernel_and_an_early_fit_waits_for_it() -> None:
    widget = CurveFit(model, X, Y, START, yerr=0.3)
    try:
        assert widget.compiling  # the L-BFGS kernel takes seconds to compile: construction did not wait
        page = Page(widget)  # type: ignore[arg-type]
        page.request("fit")  # pressed at once: the worker waits for the compile, then fits
        assert widget.wait_for_fit()
        assert not widget.compiling
        assert page.of_type("fit") and widget.loss < chi2_numpy(START)
    finally:
        widget.close()


def test_linked_surface_follows_the_other_parameters_without_compiling(fit: CurveFit) -> None:
    fit.params = START
    surface = fit.loss_surface(("x0", "x1"), resolution=6)
    try:
        before = surface.wait_for_surface().copy()
        with count_compiles() as compiles:
            fit.params = {**START, "a0": 2.5}  # a third parameter: the surface's grid is drawn again
            after = surface.wait_for_surface()
        assert compiles.count == 0
        assert not np.allclose(after, before)
        (x0, x1), (y0, y1) = surface.x_range, surface.y_range
        xs, ys = (low + (high - low) * (np.arange(6) + 0.5) / 6 for low, high in ((x0, x1), (y0, y1)))
        direct = [[chi2_numpy({**START, "a0": 2.5, "x0": x, "x1": y}) for x in xs] for y in ys]
        np.testing.assert_allclose(after, direct, rtol=1e-4)
        assert surface.value == pytest.approx(fit.loss, rel=1e-5)  # the probe's value follows too
    finally:
        surface.close()


def test_repr_names_parameters_and_chi2(fit: CurveFit) -> None:
    fit.params = START
    assert repr(fit).startswith("CurveFit(a0=1.5") and "chi² = " in repr(fit)


# ---- bad input -----------------------------------------------------------------------------------------

SMALL_X = np.linspace(0, 1, 20)


def line(p: Any, x: Any) -> Any:
    return p["a"] * x + p["b"]


def test_model_raising_is_explained() -> None:
    def broken(p: Any, x: Any) -> Any:
        raise ZeroDivisionError("oops")

    with pytest.raises(FunctionError, match="model raised ZeroDivisionError: oops"):
        CurveFit(broken, SMALL_X, SMALL_X, {"a": 1.0})


def test_wrong_shapes_are_explained() -> None:
    with pytest.raises(ValueError, match="same length"):
        CurveFit(line, SMALL_X, SMALL_X[:5], {"a": 1.0, "b": 0.0})
    with pytest.raises(ValueError, match="yerr"):
        CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0}, yerr=np.ones(3))
    with pytest.raises(FunctionError, match="one value per x"):
        CurveFit(lambda p, x: jnp.sum(x) * p["a"], SMALL_X, SMALL_X, {"a": 1.0})
    with pytest.raises(ValueError, match="scalar"):
        CurveFit(line, SMALL_X, SMALL_X, {"a": np.ones(2), "b": 0.0})


def test_empty_data_is_explained() -> None:
    with pytest.raises(ValueError, match="empty"):
        CurveFit(line, [], [], {"a": 1.0, "b": 0.0})


def test_nan_loss_is_explained() -> None:
    def width(p: Any, x: Any) -> Any:
        return jnp.exp(-0.5 * x**2 / p["s"] ** 2)

    with pytest.raises(ValueError, match="chi² is nan"):
        CurveFit(width, SMALL_X, SMALL_X, {"s": 0.0})
    widget = CurveFit(width, SMALL_X, SMALL_X, {"s": 1.0})
    with pytest.raises(traitlets.TraitError, match="chi² is nan"):
        widget.params = {"s": 0.0}
    page = Page(widget)  # type: ignore[arg-type]
    reply = page.request("params", values=[0.0])
    assert reply["type"] == "error" and "chi² is nan" in reply["message"]
    assert widget.params == {"s": 1.0} and "chi² is nan" in widget.error


def test_unknown_parameter_names_are_explained() -> None:
    with pytest.raises(traitlets.TraitError, match=r"unknown parameter.*'c'.*a, b"):
        CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0}, fixed=["c"])
    with pytest.raises(traitlets.TraitError, match="unknown parameter"):
        CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0}, ranges={"z": (0, 1)})
    with pytest.raises(traitlets.TraitError, match="unknown parameter"):
        CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0}, handles={"h": ("a", "q")})
    widget = CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0})
    with pytest.raises(traitlets.TraitError, match="structure"):
        widget.params = {"a": 1.0, "c": 0.0}


def test_bad_page_values_are_rejected() -> None:
    widget = CurveFit(line, SMALL_X, SMALL_X, {"a": 1.0, "b": 0.0})
    page = Page(widget)  # type: ignore[arg-type]
    reply = page.request("params", values=[1.0])
    assert reply["type"] == "error" and "list of 2 numbers" in reply["message"]
