"""Jacobian from Python: analytic Jacobians, both calling conventions, compile discipline and bad input."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
import traitlets

from jaxwidgets import FunctionError, Jacobian, count_compiles
from jaxwidgets.kernels.jacobian import CIRCLE_POINTS, GRID_LINES, GRID_SAMPLES

from .conftest import Page


def square(x, y):
    """z -> z^2 on the complex plane: (x^2 - y^2, 2xy)."""
    return x**2 - y**2, 2 * x * y


def polar(p):
    r, theta = p[0], p[1]
    return jnp.array([r * jnp.cos(theta), r * jnp.sin(theta)])


@pytest.fixture
def jacobian():
    widget = Jacobian(square, x=(-2, 2), y=(-2, 2), at=(1.0, 0.5))
    yield widget
    widget.close()


@pytest.fixture
def page(jacobian):
    return Page(jacobian)


def test_jacobian_determinant_and_singular_values_are_the_analytic_ones(jacobian):
    np.testing.assert_allclose(jacobian.jacobian, [[2.0, -1.0], [1.0, 2.0]])
    assert jacobian.determinant == pytest.approx(5.0)  # 4 (x^2 + y^2)
    np.testing.assert_allclose(jacobian.singular_values, [math.sqrt(5)] * 2, rtol=1e-6)  # conformal
    assert jacobian.value == pytest.approx((0.75, 1.0))


def test_polar_map_on_an_array_argument():
    widget = Jacobian(polar, x=(0.1, 2), y=(-3, 3), at=(2.0, math.pi / 2))
    c, s = math.cos(math.pi / 2), math.sin(math.pi / 2)
    np.testing.assert_allclose(widget.jacobian, [[c, -2 * s], [s, 2 * c]], atol=1e-6)
    assert widget.determinant == pytest.approx(2.0, rel=1e-6)  # r


def test_a_reflection_has_a_negative_determinant():
    widget = Jacobian(lambda x, y: (y, x), at=(0.2, 0.3))
    assert widget.determinant == -1.0


def test_point_reply_carries_the_image_of_the_circle(page):
    reply = page.request("point", x=0.5, y=-0.5)
    assert reply["result"] == {"buffer": 0, "dtype": "float32", "shape": [6 + 2 * CIRCLE_POINTS]}
    packed = np.frombuffer(page.replies[-1][1][0], np.float32)
    radius = page.widget.radius
    first = packed[6:8]  # the circle's first point is (x + r, y)
    np.testing.assert_allclose(first, square(0.5 + radius, -0.5), rtol=1e-5)
    assert page.widget.at == (0.5, -0.5)
    summary = np.frombuffer(page.replies[-1][1][1], np.float32)
    assert summary[0] == pytest.approx(4 * (0.25 + 0.25))


def test_grid_reply_maps_every_line(page):
    reply = page.request("grid")
    shape = [2 * GRID_LINES, GRID_SAMPLES, 2]
    assert reply["lines"]["shape"] == shape and reply["image"]["shape"] == shape
    lines = np.frombuffer(page.replies[-1][1][0], np.float32).reshape(shape)
    image = np.frombuffer(page.replies[-1][1][1], np.float32).reshape(shape)
    np.testing.assert_allclose(image[..., 0], lines[..., 0] ** 2 - lines[..., 1] ** 2, atol=1e-5)


def test_one_hundred_moves_and_a_new_view_cause_zero_compiles(page):
    with count_compiles() as compiles:
        for step in range(100):
            page.request("point", x=math.sin(step), y=math.cos(step))
        page.widget.x_range = (-1.0, 3.0)
        page.widget.radius = 0.3
    assert compiles.count == 0
    assert len(page.of_type("point")) == 101 and page.of_type("grid")[-1][0]["x_range"] == [-1.0, 3.0]


def test_fetch_and_python_changes(page):
    page.widget.at = (-1.0, 1.0)
    assert page.of_type("point")[-1][0]["client"] == ""
    reply = page.request("point", fetch=True)
    assert (reply["x"], reply["y"]) == (-1.0, 1.0)


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (lambda x, y: x * y, "returned a scalar"),
        (lambda p: p[:1], "returned shape (1,)"),
        (lambda x, y: (x, y) if x > 0 else (y, x), "Python control flow"),
        (lambda x, y: (1, 2), "return floats"),
    ],
)
def test_bad_maps_are_explained(f, message):
    with pytest.raises(FunctionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Jacobian(f)


def test_nan_regions_give_nan_not_errors():
    widget = Jacobian(lambda x, y: (jnp.sqrt(x), y), x=(-1, 1), at=(-0.5, 0.0))
    assert math.isnan(widget.value[0]) and math.isnan(widget.determinant) and widget.error == ""


def test_a_bad_new_map_keeps_the_last_good_one(jacobian):
    jacobian.f = lambda x, y: x + y
    assert "returned a scalar" in jacobian.error and jacobian.f is square


@pytest.mark.parametrize(
    ("kwargs"), [{"x": (1, 0)}, {"y": (0, math.nan)}, {"radius": -1.0}, {"at": (math.inf, 0)}]
)
def test_bad_settings_are_rejected(kwargs):
    with pytest.raises(traitlets.TraitError):
        Jacobian(square, **kwargs)


def test_repr_is_readable(jacobian):
    assert repr(jacobian).startswith("Jacobian of f(x, y) over x in [-2, 2], y in [-2, 2]; at (1, 0.5): J =")


def test_a_bad_map_opens_no_widget(monkeypatch):
    opened = []
    monkeypatch.setattr(Jacobian, "open", lambda self: opened.append(self))
    with pytest.raises(FunctionError):
        Jacobian(lambda x, y: x * y)
    assert opened == []
