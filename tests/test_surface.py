"""LossSurface from Python: traits, the request protocol, compile discipline and bad input."""

import json
import math
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets

import jaxwidgets
from jaxwidgets import FunctionError, LossSurface, count_compiles

from .conftest import Page, seed_surface


def test_probe_reply_carries_value_gradient_and_hessian_as_a_binary_buffer(page):
    reply = page.request("probe", x=0.5, y=-0.25)
    assert reply["type"] == "probe" and reply["seq"] == page.seq
    assert reply["result"] == {"buffer": 0, "dtype": "float32", "shape": [6]}
    packed = np.frombuffer(page.replies[-1][1][0], np.float32)
    assert packed[0] == pytest.approx(seed_surface(0.5, -0.25), rel=1e-6)
    assert page.widget.probe == (0.5, -0.25)
    assert page.widget.value == pytest.approx(float(packed[0]))


def test_gradient_and_hessian_equal_jax(surface):
    surface.probe = (0.7, -1.1)
    xy = jnp.array([0.7, -1.1])
    of_xy = lambda v: seed_surface(v[0], v[1])  # noqa: E731
    np.testing.assert_allclose(surface.gradient, jax.grad(of_xy)(xy), rtol=1e-5)
    np.testing.assert_allclose(surface.hessian, jax.hessian(of_xy)(xy), rtol=1e-5)


def test_one_hundred_probe_moves_and_a_zoom_cause_zero_compiles(page):
    with count_compiles() as compiles:
        for step in range(100):
            page.request("probe", x=math.sin(step), y=math.cos(step) * 1.5)
        page.request("view", x_range=[-1, 1], y_range=[-0.5, 1.5])
        page.widget.wait_for_surface()
        page.request("reset_view")
        page.widget.wait_for_surface()
    assert compiles.count == 0
    assert len(page.replies) == 102


def test_probe_moves_do_not_recompute_the_surface(page):
    generation = page.widget._surface["generation"]
    for step in range(20):
        page.request("probe", x=0.1 * step, y=0.0)
    assert page.widget._surface["generation"] == generation


def test_zoom_recomputes_the_surface_for_the_new_view_at_the_same_resolution(page):
    page.request("view", x_range=[0.0, 1.0], y_range=[0.0, 2.0])
    values = page.widget.wait_for_surface()
    assert values.shape == (64, 64)
    assert page.widget.x_range == (0.0, 1.0) and page.widget._surface["y_range"] == [0.0, 2.0]
    x0 = y0 = 0.5 / 64  # first cell centre
    assert values[0, 0] == pytest.approx(seed_surface(x0, 2 * y0), rel=1e-5)


def test_replies_echo_the_requesting_views_client_id(page):
    page.widget._on_custom_message(
        page.widget, {"type": "probe", "seq": 9, "client": "view-a", "x": 0, "y": 0}, []
    )
    assert page.replies[-1][0]["client"] == "view-a"
    page.widget._on_custom_message(page.widget, {"type": "probe", "seq": 10, "client": 5, "x": 0, "y": 0}, [])
    assert page.replies[-1][0]["client"] == ""


def test_python_probe_change_is_sent_to_the_page(page):
    page.widget.probe = (1.0, 1.0)
    content, buffers = page.replies[-1]
    assert content["type"] == "probe" and (content["x"], content["y"]) == (1.0, 1.0)
    assert np.frombuffer(buffers[0], np.float32)[0] == pytest.approx(1.0)


def test_a_views_first_request_asks_and_never_undoes_a_probe_python_set_later(page):
    # Run All: the view renders with probe (0.5, -0.5) in its state, the next cell moves the probe, and
    # only then does the view's first request arrive. Python's assignment must win.
    page.widget.probe = (1.0, 1.0)
    reply = page.request("probe", x=0.5, y=-0.5, fetch=True)
    assert page.widget.probe == (1.0, 1.0)
    assert (reply["x"], reply["y"]) == (1.0, 1.0) and page.widget.value == pytest.approx(1.0)
    page.request("probe", x=0.5, y=-0.5)  # a move of the page's own is taken
    assert page.widget.probe == (0.5, -0.5)


def test_bad_request_values_get_an_error_reply_and_banner_then_recover(page):
    reply = page.request("probe", x=float("nan"), y=0.0)
    assert reply["type"] == "error" and "finite" in reply["message"]
    assert "finite" in page.widget.error
    reply = page.request("view", x_range=[1.0, 1.0], y_range=[0, 1])
    assert reply["type"] == "error" and "low < high" in reply["message"]
    page.request("probe", x=0.0, y=0.0)
    assert page.widget.error == ""


def test_unknown_or_malformed_messages_are_ignored(page):
    page.widget._on_custom_message(page.widget, {"type": "exec", "seq": 1, "code": "1/0"}, [])
    page.widget._on_custom_message(page.widget, {"type": "probe", "seq": "1", "x": 0, "y": 0}, [])
    page.widget._on_custom_message(page.widget, ["not", "a", "dict"], [])
    assert page.replies == []


def test_assigning_a_bad_function_keeps_the_last_good_picture_and_sets_error(surface):
    good_f, picture = surface.f, surface.wait_for_surface().copy()
    surface.f = lambda x, y: jnp.where(x > 0, 1.0, 0.0) if False else (1.0 if x > 0 else 0.0)
    assert "jnp.where" in surface.error
    assert surface.f is good_f
    np.testing.assert_array_equal(surface.surface_values(), picture)
    surface.f = lambda x, y: x**2 + y**2
    assert surface.error == ""
    assert surface.wait_for_surface().max() == pytest.approx(8.0, rel=0.1)


def test_constructor_raises_readable_errors_for_bad_functions():
    with pytest.raises(FunctionError, match="must return a scalar"):
        LossSurface(lambda x, y: jnp.ones(3) * x, resolution=8)
    with pytest.raises(TypeError, match="callable"):
        LossSurface(42, resolution=8)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x": (1, 0)}, traitlets.TraitError, "low < high"),
        ({"y": (0, 0)}, traitlets.TraitError, "low < high"),
        ({"x": (0, float("inf"))}, traitlets.TraitError, "finite"),
        ({"resolution": 0}, ValueError, "between 2 and"),
        ({"resolution": 10**6}, ValueError, "between 2 and"),
        ({"resolution": 2.5}, TypeError, "int"),
        ({"colour": "red"}, TypeError, "unexpected keyword argument.*colour"),
        ({"probe": (0, float("nan"))}, traitlets.TraitError, "finite"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs, error, message):
    with pytest.raises(error, match=message):
        LossSurface(seed_surface, **{"resolution": 8, **kwargs})


def test_later_assignments_are_validated_too(surface):
    with pytest.raises(traitlets.TraitError, match="low < high"):
        surface.x_range = (3, 2)
    with pytest.raises(traitlets.TraitError):
        surface.resolution = 10


def test_undefined_regions_are_nan_and_excluded_from_the_colour_range():
    surface = LossSurface(lambda x, y: jnp.log(x) + y, x=(-1, 1), y=(0, 1), resolution=16)
    values = surface.wait_for_surface()
    assert np.isnan(values[:, :8]).all() and np.isfinite(values[:, 8:]).all()
    assert math.isfinite(surface._surface["vmin"]) and math.isfinite(surface._surface["vmax"])
    surface.close()


def test_pytree_loss_sliced_on_two_named_leaves():
    data = np.random.default_rng(1).normal(-3.0, 2.0, 500).astype(np.float32)

    def neglogp(params):
        sigma = jnp.exp(params["log_sigma"])
        return jnp.sum(0.5 * ((params["data"] - params["mu"]) / sigma) ** 2 + params["log_sigma"])

    params = {"mu": 0.0, "log_sigma": 0.0, "data": data}
    surface = LossSurface(neglogp, x=(-5, 0), y=(0, 1.5), params=params, axes=("mu", "log_sigma"))
    assert (surface.x_label, surface.y_label) == ("mu", "log_sigma")
    surface.probe = (float(data.mean()), float(np.log(data.std())))  # the analytic MLE
    np.testing.assert_allclose(surface.gradient, (0.0, 0.0), atol=0.05)
    surface.close()


def test_an_expensive_surface_is_drawn_coarse_first_then_refined():
    data = jnp.asarray(np.random.default_rng(2).normal(size=20_000), jnp.float32)
    surface = LossSurface(
        lambda p: jnp.sum((p["d"] - p["a"]) ** 2 * jnp.exp(-p["b"]) + p["b"]),
        x=(-1, 1),
        y=(-1, 1),
        params={"a": 0.0, "b": 0.0, "d": data},
        axes=("a", "b"),
    )
    assert surface._kernels.coarse_resolution is not None
    stages = []
    surface.observe(lambda change: stages.append(change["new"]["stage"]), "_surface")
    with count_compiles() as compiles:
        surface.x_range = (-0.5, 0.5)
        surface.wait_for_surface()
    assert stages == ["coarse", "fine"] and compiles.count == 0
    surface.close()


def test_repr_is_a_readable_text_fallback(surface):
    surface.probe = (1.0, 1.0)
    text = repr(surface)
    assert text.startswith("LossSurface of f(x, y) over x in [-2, 2]") and "f = 1" in text


def test_python_and_javascript_share_one_version():
    package = json.loads((pathlib.Path(__file__).parents[1] / "package.json").read_text())
    assert jaxwidgets.__version__ == package["version"]


def test_page_helper_plays_a_fresh_page(surface):
    assert Page(surface).replies == []
