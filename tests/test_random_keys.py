"""RandomKeys: Monte Carlo pi from explicit keys, the key tree, the sample count as data, bad input."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import traitlets

import jaxwidgets
from jaxwidgets.kernels.random_keys import BLOCK, SHOWN, estimate_pi

from .conftest import Page


def direct_inside(key: jax.Array, n: int) -> int:
    """Points inside the quarter circle, drawn directly: block b is uniform(fold_in(key, b), (2, BLOCK))."""
    blocks = [jax.random.uniform(jax.random.fold_in(key, b), (2, BLOCK)) for b in range(-(-n // BLOCK))]
    x, y = jnp.concatenate(blocks, axis=1)[:, :n]
    return int(jnp.sum(x * x + y * y < 1))


@pytest.fixture
def widget() -> jaxwidgets.RandomKeys:
    rk = jaxwidgets.RandomKeys(seed=12, samples=1000)
    yield rk
    rk.close()


@pytest.fixture
def page(widget: jaxwidgets.RandomKeys) -> Page:
    return Page(widget)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [1, 999, BLOCK, BLOCK + 1, 3 * BLOCK + 17])
def test_estimate_equals_a_direct_jax_random_computation_with_the_same_key_and_n(widget, n):
    widget.samples = n
    inside = direct_inside(jax.random.key(12), n)
    assert widget.inside == inside and widget.estimate == 4 * inside / n


@pytest.mark.parametrize("n", [5000, 3 * BLOCK + 17])
def test_the_running_estimate_ends_at_the_estimate_and_matches_each_prefix(n):
    key = jax.random.key(3)
    result = estimate_pi(key, jnp.int32(n))
    checkpoints, running = np.asarray(result.checkpoints), np.asarray(result.running)
    assert checkpoints[0] == 1 and checkpoints[-1] == n and np.all(np.diff(checkpoints) >= 0)
    assert running[-1] == pytest.approx(4 * int(result.inside) / n, rel=1e-6)
    for count, value in zip(checkpoints[-12::3], running[-12::3], strict=True):  # several past one block
        assert value == pytest.approx(4 * direct_inside(key, int(count)) / count, rel=1e-6)


def test_a_child_key_is_jax_random_split_of_its_parent(widget):
    widget.split()
    widget.key_path = [1]
    child = jax.random.split(jax.random.key(12))[1]
    assert widget.key_tree[1][1][0] == np.asarray(jax.random.key_data(child)).tolist()
    assert widget.inside == direct_inside(child, 1000)


def test_reusing_a_key_gives_equal_points_and_says_so(widget):
    root_points = widget.points.copy()
    widget.split()
    assert not np.array_equal(widget.points, root_points) and not widget.reused
    widget.key_path = [1]
    assert not np.array_equal(widget.points, root_points)
    widget.key_path = []  # back to the root, already split: the classic mistake
    np.testing.assert_array_equal(widget.points, root_points)
    assert widget.reused and "used before" in repr(widget)


def test_the_same_seed_gives_the_same_picture_and_another_seed_a_new_one(widget):
    first = widget.points.copy()
    widget.split()
    widget.seed = 13
    assert widget.key_path == [] and widget.key_tree[1] == [] and not np.array_equal(widget.points, first)
    widget.seed = 12
    np.testing.assert_array_equal(widget.points, first)


def test_more_samples_extend_the_same_sequence_of_points(widget):
    widget.samples = 10
    ten = widget.points.copy()
    widget.samples = 100
    assert widget.points.shape == (100, 2)
    np.testing.assert_array_equal(widget.points[:10], ten)


def test_sample_count_changes_from_one_to_ten_million_cause_no_compile(page):
    page.request("draw", seed=12, samples=5, path=[])  # the first draw of this process compiled already
    with jaxwidgets.count_compiles() as compiles:
        for n in [1, 7, 1000, 65_537, 1_000_000, 10_000_000, 31]:
            page.request("draw", seed=12, samples=n, path=[])
        page.request("draw", seed=99, samples=2000, path=[])
        page.request("split", path=[])
        page.request("draw", seed=99, samples=2000, path=[1])
    assert compiles.count == 0
    assert page.widget.samples == 2000 and page.widget.key_path == [1]


def test_the_page_gets_counts_and_at_most_2000_points_as_float32_buffers(page):
    reply = page.request("draw", seed=12, samples=10_000_000, path=[])
    buffers = page.replies[-1][1]
    points = reply["points"]
    assert points["dtype"] == "float32" and points["shape"] == [SHOWN, 2]
    assert sum(buffer.nbytes for buffer in buffers) < 40_000
    assert reply["inside"] == page.widget.inside and reply["samples"] == 10_000_000
    assert abs(reply["estimate"] - np.pi) < 0.005


def test_a_split_request_grows_the_tree_and_draws_with_the_first_child(page):
    reply = page.request("split", path=[])
    assert reply["type"] == "split" and reply["path"] == [0] and page.widget.key_path == [0]
    assert len(page.widget.key_tree[1]) == 2 and page.widget.used == [[], [0]]


def test_a_views_first_request_asks_and_never_undoes_what_python_set(page):
    page.widget.samples = 4321
    reply = page.request("draw", fetch=True)
    assert reply["samples"] == 4321 and page.widget.samples == 4321


def test_python_changes_are_pushed_to_the_page(page):
    page.widget.samples = 777
    content, buffers = page.replies[-1]
    assert content["type"] == "draw" and content["client"] == "" and content["samples"] == 777
    assert np.frombuffer(buffers[0], np.float32).shape == (2 * 777,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"seed": 12, "samples": 0, "path": []}, "samples must be an integer from 1 to 10,000,000"),
        ({"seed": 12, "samples": 10**9, "path": []}, "samples must be an integer from 1"),
        ({"seed": -1, "samples": 10, "path": []}, "seed must be an integer"),
        ({"seed": 12, "samples": 10, "path": [0]}, "names no key: split [] first"),
        ({"seed": 12, "samples": 10, "path": "root"}, "key_path must be a list"),
    ],
)
def test_bad_page_requests_get_an_error_reply_and_banner_then_recover(page, content, message):
    reply = page.request("draw", **content)
    assert reply["type"] == "error" and message in reply["message"] and message in page.widget.error
    page.request("draw", seed=12, samples=10, path=[])
    assert page.widget.error == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0}, "samples must be an integer from 1 to 10,000,000, got 0"),
        ({"samples": 20_000_000}, "samples must be an integer from 1"),
        ({"seed": 2**40}, "seed must be an integer from 0"),
        ({"colour": "red"}, "unexpected keyword argument(s) colour"),
    ],
)
def test_bad_arguments_are_rejected_with_clear_messages(kwargs, message):
    with pytest.raises((traitlets.TraitError, TypeError), match=re.escape(message)):
        jaxwidgets.RandomKeys(**kwargs)


def test_later_assignments_are_validated_too(widget):
    with pytest.raises(traitlets.TraitError, match="names no key"):
        widget.key_path = [1, 0]
    with pytest.raises(ValueError, match="names no key"):
        widget.split([0])
    with pytest.raises(traitlets.TraitError, match="samples must be"):
        widget.samples = -5
    assert widget.samples == 1000 and widget.key_path == []


def test_a_key_of_your_own_is_the_root_and_a_seed_assignment_goes_back_to_key_seed():
    own = jax.random.key(2024)
    widget = jaxwidgets.RandomKeys(key=own, samples=500)
    assert widget.inside == direct_inside(own, 500)
    assert widget.key_tree[0] == np.asarray(jax.random.key_data(own)).tolist()
    raw = jaxwidgets.RandomKeys(key=jax.random.PRNGKey(2024), samples=500)  # a raw uint32[2] key
    assert raw.inside == widget.inside
    widget.seed = 5
    assert widget.inside == direct_inside(jax.random.key(5), 500)
    for bad in (3, jnp.zeros(2), jax.random.split(own)):
        with pytest.raises(TypeError, match="key must be one JAX PRNG key"):
            jaxwidgets.RandomKeys(key=bad)
