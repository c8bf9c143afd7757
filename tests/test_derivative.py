"""Derivative from Python: analytic answers, finite differences, jaxprs, compile discipline and bad input."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets

import jaxwidgets
from jaxwidgets import Derivative, FunctionError, count_compiles
from jaxwidgets.kernels.derivative import CURVE_POINTS, FD_STEPS, FiniteDifferences

from .conftest import Page


def polynomial(x):
    return x**2 + 3 * x + 2


@pytest.fixture
def derivative():
    widget = Derivative(jnp.sin, x=(-3, 3), at=1.0)
    yield widget
    widget.close()


@pytest.fixture
def page(derivative):
    return Page(derivative)


def test_value_slope_and_curvature_are_the_analytic_ones():
    widget = Derivative(polynomial, x=(-4, 2), at=2.0)
    assert (widget.value, widget.slope, widget.curvature) == (12.0, 7.0, 2.0)
    widget.at = -1.5
    assert widget.value == pytest.approx(-0.25) and widget.slope == pytest.approx(0.0)


def test_point_reply_carries_f_derivatives_and_fd_errors_as_float32_buffers(page):
    reply = page.request("point", x=0.5)
    assert reply["type"] == "point" and reply["seq"] == page.seq and reply["x"] == 0.5
    assert reply["result"] == {"buffer": 0, "dtype": "float32", "shape": [3]}
    assert reply["fd_errors"]["shape"] == [4, len(FD_STEPS)] and reply["fd_errors"]["dtype"] == "float32"
    packed = np.frombuffer(page.replies[-1][1][0], np.float32)
    np.testing.assert_allclose(packed, [math.sin(0.5), math.cos(0.5), -math.sin(0.5)], rtol=1e-6)
    assert page.widget.at == 0.5 and page.widget.slope == pytest.approx(math.cos(0.5), rel=1e-6)


def test_fetch_answers_with_pythons_point_without_moving_it(page):
    page.widget.at = 2.0
    reply = page.request("point", fetch=True)
    assert reply["x"] == 2.0 and page.widget.at == 2.0


def test_fd_errors_show_truncation_and_round_off_in_each_precision(derivative):
    errors, steps = derivative.fd_errors, derivative.fd_steps
    assert set(errors) == {(m, d) for m in ("forward", "central") for d in ("float32", "float64")}
    exact = math.cos(1.0)
    # Truncation: forward error ~ h |f''| / 2, central ~ h^2 |f'''| / 6 at the large steps.
    assert errors["forward", "float64"][0] == pytest.approx(steps[0] * math.sin(1.0) / 2, rel=0.1)
    assert errors["central", "float64"][0] == pytest.approx(steps[0] ** 2 * exact / 6, rel=0.01)
    # The best h: about sqrt(eps) for forward and eps^(1/3) for central, in each precision.
    for dtype, eps in (("float32", np.finfo(np.float32).eps), ("float64", np.finfo(np.float64).eps)):
        best_forward = steps[np.argmin(errors["forward", dtype])]
        best_central = steps[np.argmin(errors["central", dtype])]
        assert math.sqrt(eps) / 30 < best_forward < math.sqrt(eps) * 30
        assert eps ** (1 / 3) / 30 < best_central < eps ** (1 / 3) * 30
    # Round-off: the smallest steps are far worse than the best, and float32 far worse than float64.
    assert errors["central", "float32"][-1] > 1e3 * errors["central", "float32"].min()
    assert errors["central", "float64"].min() < 1e-9 < errors["central", "float32"].min()


def test_the_float64_run_leaves_the_session_in_float32(derivative):
    derivative.at = 0.3
    assert jnp.array(1.0).dtype == jnp.float32 and not jax.config.jax_enable_x64


def test_one_hundred_moves_and_a_zoom_cause_zero_compiles(page):
    with count_compiles() as compiles:
        for step in range(100):
            page.request("point", x=2.5 * math.sin(step))
        page.request("view", x_range=[-1, 1])
        page.request("view", reset=True)
    assert compiles.count == 0
    assert len(page.of_type("point")) == 100


def test_view_reply_is_f_over_the_new_range(page):
    reply = page.request("view", x_range=[0.0, 2.0])
    assert reply["x_range"] == [0.0, 2.0] and reply["curve"]["shape"] == [CURVE_POINTS]
    curve = np.frombuffer(page.replies[-1][1][0], np.float32)
    np.testing.assert_allclose(curve, np.sin(np.linspace(0, 2, CURVE_POINTS)), atol=1e-6)
    assert page.widget.x_range == (0.0, 2.0)
    page.request("view", reset=True)
    assert page.widget.x_range == (-3.0, 3.0)


def test_python_changes_are_pushed_to_the_page(page):
    page.widget.at = -1.0
    content, buffers = page.of_type("point")[-1]
    assert content["client"] == "" and content["x"] == -1.0
    assert np.frombuffer(buffers[0], np.float32)[0] == pytest.approx(math.sin(-1.0))
    page.widget.x_range = (0.0, 1.0)
    assert page.of_type("view")[-1][0]["x_range"] == [0.0, 1.0]


def test_jaxprs_equal_make_jaxpr_and_follow_f(derivative):
    assert derivative.jaxpr == str(jax.make_jaxpr(jnp.sin)(derivative.at))
    assert derivative.grad_jaxpr == str(jax.make_jaxpr(jax.grad(jnp.sin))(derivative.at))
    derivative.f = polynomial
    assert derivative.jaxpr == str(jax.make_jaxpr(polynomial)(1.0))
    assert "integer_pow" in derivative.jaxpr and derivative.value == pytest.approx(6.0)


def test_nan_regions_give_nan_values_not_errors():
    widget = Derivative(jnp.log, x=(-1, 2), at=-0.5)
    assert math.isnan(widget.value) and widget.error == ""
    curve = np.asarray(widget._kernels.curve(np.array([-0.5, 1.0], np.float32)))
    assert np.isnan(curve[0]) and curve[1] == 0.0


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (lambda x: jnp.stack([x, x]), "must return a scalar, but returned shape (2,)"),
        (lambda x: x if x > 0 else -x, "Python control flow"),
        (lambda x: np.asarray(x) * 2, "jax.numpy"),
        ("sin", "callable"),
    ],
)
def test_bad_functions_are_explained(f, message):
    with pytest.raises((FunctionError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        Derivative(f)


def test_a_bad_new_function_keeps_the_last_good_one_and_sets_error(derivative):
    derivative.f = lambda x: jnp.stack([x, x])
    assert "must return a scalar" in derivative.error and derivative.f is jnp.sin
    derivative.f = polynomial
    assert derivative.error == ""


@pytest.mark.parametrize("bad", [(1.0, 0.0), (0.0, math.inf), (1.0, 1.0)])
def test_bad_ranges_are_rejected(bad):
    with pytest.raises(traitlets.TraitError):
        Derivative(jnp.sin, x=bad)


def test_bad_page_input_goes_to_the_banner(page):
    page.request("point", x="left")
    assert page.replies[-1][0]["type"] == "error" and "x must be a finite number" in page.widget.error
    page.request("point", x=0.0)
    assert page.widget.error == ""


def test_order_and_unknown_arguments_are_checked():
    with pytest.raises(traitlets.TraitError, match="order must be 1 or 2"):
        Derivative(jnp.sin, order=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        Derivative(jnp.sin, resolution=3)


def test_finite_differences_compile_once_for_both_precisions():
    differences = FiniteDifferences(jnp.exp)
    with count_compiles() as compiles:
        for x in np.linspace(-1, 1, 20):
            differences(float(x))
    assert compiles.count == 0


def test_repr_is_readable(derivative):
    assert repr(derivative).startswith("Derivative of f(x) over x in [-3, 3]; at x = 1: f = 0.841471")
    assert "Derivative" in jaxwidgets.__all__ and "Jacobian" in jaxwidgets.__all__


def test_a_bad_function_opens_no_widget(monkeypatch):
    opened = []
    monkeypatch.setattr(Derivative, "open", lambda self: opened.append(self))
    with pytest.raises(FunctionError):
        Derivative(lambda x: jnp.stack([x, x]))
    assert opened == []  # the page never sees a widget that could not be built
