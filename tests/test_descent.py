"""Descent from Python: results as numpy, the runs request, compile discipline, divergence, bad input."""

import numpy as np
import optax
import pytest
import traitlets

from jaxwidgets import Descent, FunctionError, count_compiles

from .conftest import Page, seed_surface


@pytest.fixture
def descent():
    widget = Descent(
        seed_surface,
        x=(-2, 2),
        y=(-2, 2),
        start=(0.1, -0.1),
        optimizers=["sgd", "momentum", "adam"],
        learning_rate=0.01,
        steps=200,
        resolution=32,
    )
    yield widget
    widget.close()


def test_the_two_minima_basins_are_told_apart(descent):
    descent.starts = [(0.1, -0.1), (-0.1, 0.1)]
    paths = descent.paths
    for name in descent.optimizer_names:
        assert paths[name].shape == (2, 201, 2)
        np.testing.assert_allclose(paths[name][0, -1], (-1, -1), atol=0.25)
        np.testing.assert_allclose(paths[name][1, -1], (1, 1), atol=0.25)
    assert descent.losses["momentum"][-1] == pytest.approx(1.0, abs=1e-3)


def test_page_runs_request_replies_with_binary_paths_and_no_echo(descent):
    page = Page(descent)
    reply = page.request(
        "runs", starts=[[1.5, 1.5]], learning_rates={"sgd": 0.02, "momentum": 0.01, "adam": 0.1}
    )
    assert (
        reply["type"] == "runs" and reply["seq"] == page.seq and reply["names"] == ["sgd", "momentum", "adam"]
    )
    assert reply["positions"] == {"buffer": 0, "dtype": "float32", "shape": [1, 3, 201, 2]}
    positions = np.frombuffer(page.replies[-1][1][0], np.float32).reshape(1, 3, 201, 2)
    np.testing.assert_allclose(positions[0, :, 0], [[1.5, 1.5]] * 3)
    assert descent.start == (1.5, 1.5) and descent.learning_rates["adam"] == 0.1
    assert len(page.replies) == 1  # the observers did not send a second copy


def test_fewer_steps_slice_the_cached_runs_without_recomputing(descent):
    page = Page(descent)
    computed = descent._runs()
    page.request("runs", steps=50)
    assert descent._computed is computed and descent.trajectories["sgd"].shape == (51, 2)


def test_start_moves_learning_rates_and_steps_cause_zero_compiles(descent):
    page = Page(descent)
    with count_compiles() as compiles:
        for step in range(100):
            page.request("runs", starts=[[np.sin(step), np.cos(step)]])
        for step in range(20):
            rate = float(10 ** (-3 + step / 10))
            page.request(
                "runs", learning_rates={"sgd": rate, "momentum": rate, "adam": rate}, steps=10 + step
            )
    assert compiles.count == 0


def test_a_too_large_learning_rate_is_visibly_divergent(descent):
    descent.learning_rates = {"sgd": 0.5, "momentum": 0.01, "adam": 0.01}
    assert descent.diverged["sgd"] is not None and descent.diverged["adam"] is None
    step = descent.diverged["sgd"]
    path = descent.trajectories["sgd"]
    outside = (np.abs(path[step]) > 2).any() or not np.isfinite(path[step]).all()
    assert outside and (np.abs(path[:step]) <= 2).all()


def test_setting_start_from_python_sends_runs_to_the_page(descent):
    page = Page(descent)
    descent.start = (-1.5, 0.5)
    content, buffers = page.replies[-1]
    assert content["type"] == "runs" and content["starts"] == [[-1.5, 0.5]]
    assert np.frombuffer(buffers[0], np.float32)[:2].tolist() == [-1.5, 0.5]


def test_user_transformation_and_per_optimizer_learning_rates():
    widget = Descent(
        seed_surface,
        x=(-2, 2),
        y=(-2, 2),
        start=(1.0, -1.0),
        resolution=16,
        steps=30,
        optimizers={"clipped sgd": optax.chain(optax.clip(0.1), optax.sgd(1.0)), "fast": "sgd"},
        learning_rate={"clipped sgd": 0.01, "fast": 0.05},
    )
    steps = np.diff(widget.trajectories["clipped sgd"], axis=0)
    assert np.abs(steps).max() == pytest.approx(0.1, rel=1e-4)  # its own clip and rate, not ours
    widget.close()


def test_loss_figure_follows_the_widget(descent):
    figure = descent.loss_figure()
    before = np.array(figure.marks[0].y)
    descent.start = (1.8, -1.8)
    assert not np.allclose(before, np.array(figure.marks[0].y))
    assert [mark.labels[0] for mark in figure.marks] == ["sgd", "momentum", "adam"]


def test_loss_figure_has_the_widgets_colours_and_a_legend(descent):
    figure = descent.loss_figure()
    # The page draws with optimizer_colors (js/descent/index.ts follows the trait): the figure uses the same.
    assert descent.optimizer_colors == {"sgd": "#E69F00", "momentum": "#56B4E9", "adam": "#CC79A7"}
    assert descent.get_state()["optimizer_colors"] == descent.optimizer_colors  # synced to the page
    assert [mark.colors for mark in figure.marks] == [
        [descent.optimizer_colors[n]] for n in descent.optimizer_names
    ]
    assert all(mark.display_legend for mark in figure.marks)
    y_axis = next(axis for axis in figure.axes if axis.orientation == "vertical")
    offset = float(y_axis.label_offset.removesuffix("px"))
    assert 48 <= offset < figure.fig_margin["left"] - 12  # clear of "1e+14", inside the figure


def test_loss_figure_lines_end_where_the_widget_cuts_them(descent):
    figure = descent.loss_figure()
    descent.learning_rates = {"sgd": 0.6, "momentum": 0.01, "adam": 0.01}  # sgd leaves the view
    cut = descent.diverged["sgd"]
    assert cut is not None and 0 < cut < descent.steps
    sgd, momentum = figure.marks[0], figure.marks[1]
    # As the widget's chart: drawn up to the divergence step. No NaN at the end either (bqplot placed the
    # line's end at "translate(x,undefined)", an error in the browser console).
    assert len(sgd.x) == len(sgd.y) == cut
    assert len(momentum.y) == descent.steps + 1
    for mark in figure.marks:
        assert np.isfinite(mark.y).all() and (mark.y > 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"optimizers": ["sgd", "bogus"]}, ValueError, "unknown optimizer 'bogus'"),
        ({"learning_rate": -1.0}, traitlets.TraitError, "must be a number > 0"),
        ({"learning_rate": {"sgd": 0.1}}, traitlets.TraitError, "one rate for each"),
        ({"steps": 0}, ValueError, "1 <= steps"),
        ({"steps": 600, "max_steps": 500}, ValueError, "steps <= max_steps"),
        ({"starts": []}, traitlets.TraitError, "1 to 8 start points"),
        ({"start": (0, float("nan"))}, traitlets.TraitError, "finite"),
        ({"start": (0, 0), "starts": [(1, 1)]}, ValueError, "not both"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, error, message):
    with pytest.raises(error, match=message):
        Descent(seed_surface, resolution=8, **{"optimizers": ["sgd", "adam"], **kwargs})


def test_bad_page_values_get_an_error_reply(descent):
    page = Page(descent)
    assert "max_steps" in page.request("runs", steps=10_000)["message"]
    assert "finite" in page.request("runs", starts=[[0.0, float("inf")]])["message"]
    assert page.request("runs", starts="0,0")["type"] == "error"
    assert descent.error and descent.steps == 200
    page.request("runs", steps=20)
    assert descent.error == "" and descent.steps == 20


def test_a_bad_function_keeps_the_paths_and_sets_error(descent):
    before = descent.trajectories["adam"].copy()
    descent.f = lambda x, y: x if x > y else y
    assert "jnp.where" in descent.error
    np.testing.assert_array_equal(descent.trajectories["adam"], before)
    with pytest.raises(FunctionError):
        Descent(lambda x, y: np.asarray(x), resolution=8)
