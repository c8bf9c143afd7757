"""Kernels against plain numpy / jax.grad, and the function adapter's error messages."""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxwidgets.kernels import (
    FunctionError,
    cell_centres,
    check_scalar_output,
    count_compiles,
    make_grid_kernel,
    make_probe_kernel,
    slice_function,
)
from jaxwidgets.kernels.surface import point_bytes

from .conftest import seed_surface


def test_grid_kernel_equals_plain_numpy_evaluation():
    sliced = slice_function(seed_surface)
    xs, ys = cell_centres(-2, 2, 40), cell_centres(-1.5, 1, 30)
    values, gradients = make_grid_kernel(sliced.f)(sliced.params, xs, ys)
    gx, gy = np.meshgrid(xs.astype(np.float64), ys.astype(np.float64))
    np.testing.assert_allclose(np.asarray(values), seed_surface(gx, gy), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(gradients[0]), 4 * gx - 4 * gy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gradients[1]), -4 * gx + 4 * gy**3, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("point", [(0.3, -0.7), (1.0, 1.0), (-1.8, 0.2)])
def test_probe_kernel_equals_jax_grad_and_hessian(point):
    sliced = slice_function(seed_surface)
    packed = np.asarray(make_probe_kernel(sliced.f)((), jnp.array(point)))
    xy = jnp.array(point)
    of_xy = lambda v: seed_surface(v[0], v[1])  # noqa: E731
    np.testing.assert_allclose(packed[0], of_xy(xy), rtol=1e-6)
    np.testing.assert_allclose(packed[1:3], jax.grad(of_xy)(xy), rtol=1e-5)
    hessian = np.asarray(jax.hessian(of_xy)(xy))
    np.testing.assert_allclose(packed[3:], [hessian[0, 0], hessian[0, 1], hessian[1, 1]], rtol=1e-5)


def test_pytree_slice_varies_named_leaves_and_keeps_the_rest():
    def loss(params):
        return (params["mu"] - params["data"].mean()) ** 2 + params["net"]["w"] * params["c"]

    params = {"mu": 0.0, "data": jnp.arange(4.0), "net": {"w": 3.0}, "c": 2.0}
    sliced = slice_function(loss, params, ("mu", "net.w"))
    assert float(sliced.f(sliced.params, 1.5, 10.0)) == pytest.approx(0.0 + 10.0 * 2.0)


@pytest.mark.parametrize(
    ("params", "axes", "message"),
    [
        ({"a": 1.0}, ("a", "zz"), "not a leaf"),
        ({"a": 1.0, "v": jnp.ones(3)}, ("a", "v"), "must be scalars"),
        ({"a": 1.0}, ("a", "a"), "two different"),
        ({"a": 1.0}, None, "axes="),
    ],
)
def test_bad_axes_are_rejected_with_the_reason(params, axes, message):
    with pytest.raises(ValueError, match=message):
        slice_function(lambda p: p["a"], params, axes)


@pytest.mark.parametrize(
    ("f", "message"),
    [
        (lambda x, y: 1.0 if x > y else 0.0, "jnp.where"),
        (lambda x, y: np.asarray(x) + y, "jax.numpy"),
        (lambda x, y: jnp.stack([x, y]), r"returned shape \(2,\)"),
        (lambda x, y: x + 1j * y, "complex"),
        (lambda x, y: jnp.int32(3), "return a float"),
        (lambda x, y: x.no_such_method(), "raised AttributeError"),
        (lambda x, y: "text", "not a valid JAX type"),
    ],
)
def test_bad_functions_get_a_message_saying_what_to_change(f, message):
    with pytest.raises(FunctionError, match=message):
        check_scalar_output(slice_function(f))


def test_raising_function_names_the_users_line():
    def broken(x, y):
        raise RuntimeError("boom")

    with pytest.raises(FunctionError, match=r"raised RuntimeError: boom \(at test_kernels.py:\d+"):
        check_scalar_output(slice_function(broken))


def test_compile_counter_sees_new_shapes_and_not_cached_calls():
    kernel = jax.jit(lambda v: jnp.sin(v) * 3)
    kernel(np.ones(5, np.float32))
    with count_compiles() as compiles:
        kernel(np.ones(5, np.float32))
        assert compiles.count == 0
        kernel(np.ones(6, np.float32))
    assert compiles.count >= 1


# A fresh process (its own cache directory) compiles a kernel, clears JAX's in-memory caches and calls it
# again: the second compile is a load from the persistent cache, and count_compiles must still see it.
CACHE_HIT_SCRIPT = """
import jax, jax.numpy as jnp
from jax import monitoring
from jaxwidgets.kernels import count_compiles
hits = []
monitoring.register_event_listener(lambda event, **_: hits.append(event.endswith("cache_hits")))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
kernel = lambda: jax.jit(lambda v: jnp.sin(v) @ jnp.cos(v).T)(jnp.ones((8, 8)))
kernel()
jax.clear_caches()
with count_compiles() as compiles:
    kernel()
print(compiles.count, sum(hits))
"""


def test_the_compilation_cache_is_on_and_a_load_from_it_counts_as_a_compile(tmp_path):
    env = {**os.environ, "JAXWIDGETS_CACHE_DIR": str(tmp_path)}
    env.pop("JAXWIDGETS_COMPILATION_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-c", CACHE_HIT_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    compiles, hits = map(int, result.stdout.split())
    assert hits >= 1 and compiles >= 1, result.stdout
    assert any(tmp_path.iterdir()), "nothing written to the cache directory"


WRITE_SCRIPT = """
import warnings
warnings.simplefilter("error")  # JAX warns when it cannot write a program to the cache
import jax, jax.numpy as jnp
from jaxwidgets.kernels import count_compiles
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
print(float(jax.jit(lambda v: jnp.sin(v) @ jnp.cos(v).T)(jnp.ones((8, 8)))[0, 0]))
"""


def test_a_program_a_killed_process_left_half_written_does_not_break_the_cache(tmp_path):
    # A process killed between writing a program and its access time left this: every later write failed.
    (tmp_path / "jit_lost-0123abcd-cache").write_bytes(b"unfinished")
    env = {**os.environ, "JAXWIDGETS_CACHE_DIR": str(tmp_path)}
    env.pop("JAXWIDGETS_COMPILATION_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-c", WRITE_SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    programs = sorted(entry.name for entry in tmp_path.glob("*-cache"))
    assert programs and "jit_lost-0123abcd-cache" not in programs
    assert all((tmp_path / name.replace("-cache", "-atime")).exists() for name in programs)


def test_a_grid_vmaps_a_cheap_function_whole_and_loops_over_rows_of_one_that_sums_over_data():
    xs = cell_centres(-2, 2, 200)
    cheap = slice_function(seed_surface)
    data = jnp.linspace(-1.0, 1.0, 20_000)
    heavy = slice_function(lambda x, y: jnp.mean((data * x - y) ** 2))  # 200 points' intermediates: 100+ MB

    def loops(sliced):
        return "scan" in str(jax.make_jaxpr(make_grid_kernel(sliced.f))(sliced.params, xs, xs))

    assert not loops(cheap)
    assert loops(heavy)


@pytest.mark.parametrize("rows", [1, 3, 10])  # a row at a time; 3 batches of 3 and 1 left over; all at once
def test_the_grid_is_the_same_however_many_rows_it_computes_at_once(rows):
    sliced = slice_function(seed_surface)
    xs, ys = cell_centres(-2, 2, 30), cell_centres(-1.5, 1, 10)
    per_point = point_bytes(jax.value_and_grad(sliced.f, argnums=(1, 2)), sliced.params)
    grid = make_grid_kernel(sliced.f, batch_bytes=rows * per_point * len(xs))
    assert ("scan" in str(jax.make_jaxpr(grid)(sliced.params, xs, ys))) == (rows < len(ys))
    values, gradients = grid(sliced.params, xs, ys)
    gx, gy = np.meshgrid(xs.astype(np.float64), ys.astype(np.float64))
    np.testing.assert_allclose(np.asarray(values), seed_surface(gx, gy), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(gradients[0]), 4 * gx - 4 * gy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gradients[1]), -4 * gx + 4 * gy**3, rtol=1e-4, atol=1e-4)
