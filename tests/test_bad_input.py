"""Odd input from hypothesis: every bad value is refused with a reason; the widget stays usable."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
import traitlets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaxwidgets import Descent, FunctionError, LossSurface

from .conftest import Page, seed_surface

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.just(True),
    st.none(),
    st.text(max_size=5),
    st.lists(st.floats(), max_size=3),
)
ranges = st.one_of(st.tuples(numbers, numbers), numbers, st.lists(numbers, max_size=4))
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def is_valid_range(value):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        return False
    if isinstance(value, str) or len(value) != 2 or any(isinstance(v, bool | str) for v in value):
        return False
    scale = max(abs(low), abs(high))
    return (
        math.isfinite(low)
        and math.isfinite(high)
        and low < high
        and scale <= 1e30
        and high - low >= 1e-5 * scale
    )


@pytest.fixture(scope="module")
def shared_surface():
    widget = LossSurface(seed_surface, x=(-2, 2), y=(-2, 2), resolution=16)
    yield widget
    widget.close()


@fast
@given(x_range=ranges)
def test_any_view_range_is_validated_on_assignment(shared_surface, x_range):
    before = shared_surface.x_range
    try:
        shared_surface.x_range = x_range
    except traitlets.TraitError as error:
        assert str(error)  # says why
        assert shared_surface.x_range == before
    else:
        assert is_valid_range(x_range)
        assert shared_surface.x_range[0] < shared_surface.x_range[1]
    shared_surface.x_range = (-2, 2)


@fast
@given(
    content=st.dictionaries(
        st.sampled_from(["x", "y", "x_range", "y_range", "seq", "type", "client"]),
        st.one_of(numbers, ranges),
        max_size=6,
    )
)
def test_any_page_message_is_answered_or_ignored_never_raises(shared_surface, content):
    page = Page(shared_surface)
    for kind in ("probe", "view"):
        shared_surface._on_custom_message(shared_surface, {**content, "type": kind}, [])
    for reply, _buffers in page.replies:
        assert reply["type"] in ("probe", "view", "error")
        if reply["type"] == "error":
            assert reply["message"]
    page.request("probe", x=0.5, y=0.5)  # still usable afterwards
    assert page.replies[-1][0]["type"] == "probe" and shared_surface.error == ""


bad_functions = st.sampled_from(
    [
        (lambda x, y: jnp.stack([x, y]), "scalar"),
        (lambda x, y: x + 1j * y, "complex"),
        (lambda x, y: jnp.int32(1), "float"),
        (lambda x, y: 1.0 if x > 0 else 0.0, "jnp.where"),
        (lambda x, y: np.asarray(x), "jax.numpy"),
        (lambda x, y: {}["missing"], "KeyError"),
        (lambda x: x, "TypeError"),
        ("not callable", "callable"),
    ]
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=bad_functions)
def test_bad_functions_are_refused_and_the_widget_keeps_working(shared_surface, case):
    f, reason = case
    with pytest.raises((FunctionError, TypeError), match=reason):
        LossSurface(f, resolution=4)
    if callable(f):
        shared_surface.f = f
        assert reason in shared_surface.error
    else:
        with pytest.raises(traitlets.TraitError, match=reason):
            shared_surface.f = f
    shared_surface.f = seed_surface
    assert shared_surface.error == "" and shared_surface.wait_for_surface().shape == (16, 16)


@settings(max_examples=40, deadline=None)
@given(resolution=st.one_of(st.integers(-5, 1), st.integers(1001, 10**9), st.floats(), st.text(max_size=3)))
def test_absurd_resolutions_are_refused(resolution):
    with pytest.raises((TypeError, ValueError)):
        LossSurface(seed_surface, resolution=resolution)


@settings(max_examples=25, deadline=None)
@given(optimizers=st.lists(st.text(max_size=8), min_size=1, max_size=3))
def test_unknown_optimizer_names_are_refused_by_name(optimizers):
    known = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    if set(optimizers) <= known:
        return
    with pytest.raises(ValueError, match="unknown optimizer"):
        Descent(seed_surface, resolution=4, optimizers=optimizers)
