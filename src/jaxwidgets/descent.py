"""Descent: gradient-descent trajectories of several optimizers from start points the user drags."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import Reply, RequestError, finite_number, handles
from ._plane import PlaneWidget
from ._static_plane import descent_snapshot, runs_pool
from .kernels import SlicedFunction
from .kernels.descent import (
    DescentKernel,
    Optimizer,
    divergence_step,
    make_descent_kernel,
    resolve_optimizers,
)

_MAX_STARTS = 8

#: The colour of the i-th optimizer, in the widget (paths, legend, loss chart) and in ``loss_figure``: the
#: Okabe-Ito palette, distinguishable with the common colour-vision deficiencies. The one source of these
#: colours: Python sends them in the ``optimizer_colors`` trait and the page draws with what it gets.
OPTIMIZER_COLORS = ("#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#D55E00", "#0072B2", "#F0E442", "#FFFFFF")


class _Computed(NamedTuple):
    """The last runs, for the inputs they were computed from (a new step count only slices them)."""

    starts: tuple[tuple[float, float], ...]
    learning_rates: tuple[float, ...]
    positions: np.ndarray  # (starts, optimizers, max_steps + 1, 2)
    losses: np.ndarray
    updates: np.ndarray
    velocities: np.ndarray


class Descent(PlaneWidget):
    """The loss surface (without a probe) and one gradient-descent path per optimizer from each start.

    Parameters
    ----------
    f, x, y, params, axes, resolution
        As for :class:`LossSurface` (the plane it draws on).
    start : (float, float)
        The first start point. ``starts=[...]`` gives several (up to 8); shift-click in the page adds one.
    optimizers : names, or dict of name -> name / optax.GradientTransformation / (lr -> transformation)
        Known names: sgd, momentum, nesterov, adagrad, rmsprop, adam. A ready-made transformation keeps its
        own learning rate; a factory follows the learning-rate control.
    learning_rate : float or dict of name -> float
        One rate for all optimizers, or one each. Live: a log-scale slider in the page.
    steps : int
        Steps shown (live, up to ``max_steps``, fixed at construction: default ``max(steps, 500)``).

    Examples
    --------
    >>> import jaxwidgets
    >>> descent = jaxwidgets.Descent(
    ...     lambda x, y: 2 * x**2 - 4 * x * y + y**4 + 2, x=(-2, 2), y=(-2, 2),
    ...     start=(0.1, -0.1), optimizers=["sgd", "adam"], learning_rate=0.01, steps=300, resolution=40,
    ... )
    >>> descent.trajectories["sgd"].shape
    (301, 2)
    >>> descent.trajectories["sgd"][-1].round(1).tolist()  # near the minimum at (-1, -1)
    [-1.0, -1.0]
    """

    _esm = pathlib.Path(__file__).parent / "static" / "descent.js"

    starts = traitlets.List(
        traitlets.Tuple(traitlets.Float(), traitlets.Float()), help="Start points [(x, y), ...]."
    ).tag(sync=True, echo_update=False)
    optimizer_names = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    optimizer_colors = traitlets.Dict(
        read_only=True, help="Optimizer name -> CSS colour of its paths, legend entry and loss line."
    ).tag(sync=True)
    learning_rates = traitlets.Dict(help="Optimizer name -> learning rate.").tag(sync=True, echo_update=False)
    steps = traitlets.Int(200, help="Steps shown.").tag(sync=True, echo_update=False)
    max_steps = traitlets.Int(500, read_only=True).tag(sync=True)
    step = traitlets.Int(0, help="The step shown by the step slider / animation.").tag(sync=True)

    def __init__(
        self,
        f: Callable[..., Any],
        x: tuple[float, float] = (-1.0, 1.0),
        y: tuple[float, float] = (-1.0, 1.0),
        *,
        start: tuple[float, float] | None = None,
        starts: Sequence[tuple[float, float]] | None = None,
        optimizers: str | Sequence[str] | Mapping[str, Any] = ("sgd", "momentum", "adam"),
        learning_rate: float | Mapping[str, float] = 0.01,
        steps: int = 200,
        max_steps: int | None = None,
        **kwargs: Any,
    ) -> None:
        self._optimizers: list[Optimizer] = resolve_optimizers(optimizers)
        names = [optimizer.name for optimizer in self._optimizers]
        if len(set(names)) != len(names):
            raise ValueError(f"optimizer names must be distinct, got {names}")
        max_steps = max(steps, 500) if max_steps is None else max_steps
        if not 1 <= steps <= max_steps <= 100_000:
            raise ValueError(f"need 1 <= steps <= max_steps <= 100000, got {steps} and {max_steps}")
        self._computed: _Computed | None = None
        self._max_steps_init = max_steps
        super().__init__(f, x, y, **kwargs)
        self.set_trait("optimizer_names", names)
        self.set_trait("optimizer_colors", _colors_for(names))
        self.set_trait("max_steps", max_steps)
        with self.hold_trait_notifications():
            self.learning_rates = _rates_for(names, learning_rate)
            self.steps = steps
        self._take_compiled(f)  # draws the first surface (observer)
        self.starts = _initial_starts(start, starts, self.x_range, self.y_range)  # draws the runs

    # ---- compiling with the function ---------------------------------------------------------

    def _compile_extra(self, sliced: SlicedFunction) -> DescentKernel:
        descent = make_descent_kernel(sliced.f, self._optimizers, self._max_steps_init)
        one_start, rates = np.zeros((1, 2), np.float32), np.ones(len(self._optimizers), np.float32)
        np.asarray(descent(sliced.params, one_start, rates).positions)  # compile now, not on the first drag
        return descent

    @traitlets.observe("f")
    def _on_f(self, change: Any) -> None:
        self._computed = None  # runs of the old function
        super()._on_f(change)
        if self.starts:  # empty during construction
            self._send_runs()

    # ---- validation ----------------------------------------------------------------------------

    @traitlets.validate("starts")
    def _validate_starts(self, proposal: Any) -> list[tuple[float, float]]:
        starts = [(float(x), float(y)) for x, y in proposal["value"]]
        if not 1 <= len(starts) <= _MAX_STARTS:
            raise traitlets.TraitError(f"need 1 to {_MAX_STARTS} start points, got {len(starts)}")
        if not all(math.isfinite(v) for xy in starts for v in xy):
            raise traitlets.TraitError(f"start points must be finite, got {starts}")
        return starts

    @traitlets.validate("learning_rates")
    def _validate_learning_rates(self, proposal: Any) -> dict[str, float]:
        rates = dict(proposal["value"])
        names = list(self.optimizer_names)
        if sorted(rates) != sorted(names):
            raise traitlets.TraitError(f"learning_rates needs one rate for each of {names}, got {rates}")
        for name, rate in rates.items():
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < 1e6:
                raise traitlets.TraitError(f"learning rate of {name!r} must be a number > 0, got {rate!r}")
        return {name: float(rates[name]) for name in names}

    @traitlets.validate("steps")
    def _validate_steps(self, proposal: Any) -> int:
        steps = proposal["value"]
        if not 1 <= steps <= self.max_steps:
            raise traitlets.TraitError(f"steps must be between 1 and max_steps={self.max_steps}, got {steps}")
        return int(steps)

    @traitlets.validate("step")
    def _validate_step(self, proposal: Any) -> int:
        return int(min(max(proposal["value"], 0), self.steps))

    # ---- public results ------------------------------------------------------------------------

    @property
    def start(self) -> tuple[float, float]:
        """The first start point; assigning it redraws every path from there."""
        return self.starts[0]

    @start.setter
    def start(self, value: tuple[float, float]) -> None:
        self.starts = [tuple(value), *self.starts[1:]]

    @property
    def trajectories(self) -> dict[str, np.ndarray]:
        """Optimizer name -> positions from the first start, shape (steps + 1, 2)."""
        return {name: paths[0] for name, paths in self.paths.items()}

    @property
    def paths(self) -> dict[str, np.ndarray]:
        """Optimizer name -> positions from every start, shape (starts, steps + 1, 2)."""
        computed = self._runs()
        return {
            name: computed.positions[:, i, : self.steps + 1].copy()
            for i, name in enumerate(self.optimizer_names)
        }

    @property
    def losses(self) -> dict[str, np.ndarray]:
        """Optimizer name -> f along the path from the first start, shape (steps + 1,)."""
        computed = self._runs()
        return {
            name: computed.losses[0, i, : self.steps + 1].copy()
            for i, name in enumerate(self.optimizer_names)
        }

    @property
    def diverged(self) -> dict[str, int | None]:
        """Optimizer name -> the step where the path from the first start left the view or hit NaN/inf."""
        return {name: steps[0] for name, steps in self._divergence().items()}

    # ---- computing and sending runs ------------------------------------------------------------

    def _runs(self) -> _Computed:
        """Runs for the current starts and learning rates, recomputed only when those changed."""
        starts = tuple(self.starts)
        rates = tuple(self.learning_rates[name] for name in self.optimizer_names)
        computed = self._computed
        if computed is not None and computed.starts == starts and computed.learning_rates == rates:
            return computed
        kernels = self._kernels
        if kernels is None:
            raise RequestError("the function is not compiled yet")
        runs = kernels.extra(
            kernels.sliced.params, np.asarray(starts, np.float32), np.asarray(rates, np.float32)
        )
        arrays = (np.asarray(array) for array in runs)
        self._computed = _Computed(starts, rates, *arrays)
        return self._computed

    def _divergence(self) -> dict[str, list[int | None]]:
        computed, shown = self._runs(), self.steps + 1
        return {
            name: [
                divergence_step(
                    computed.positions[s, i, :shown],
                    computed.losses[s, i, :shown],
                    self.x_range,
                    self.y_range,
                )
                for s in range(len(self.starts))
            ]
            for i, name in enumerate(self.optimizer_names)
        }

    def _runs_reply(self) -> Reply:
        computed, shown = self._runs(), self.steps + 1
        divergence = self._divergence()
        records, buffers = pack_arrays(
            positions=computed.positions[:, :, :shown],
            losses=computed.losses[:, :, :shown],
            updates=computed.updates[:, :, : shown - 1],
            velocities=computed.velocities[:, :, : shown - 1],
        )
        content = {
            "starts": [list(xy) for xy in self.starts],
            "learning_rates": self.learning_rates,
            "steps": self.steps,
            "names": list(self.optimizer_names),
            "diverged": [divergence[name] for name in self.optimizer_names],
            **records,
        }
        return content, buffers

    def _send_runs(self) -> None:
        """Push the runs for inputs changed in Python (from any thread) to every view."""
        with self._request_lock:
            self._push("runs", *self._runs_reply())

    @traitlets.observe("starts", "learning_rates", "steps")
    def _on_runs_inputs(self, _change: Any) -> None:
        if self._kernels is not None and not self._set_by_page("runs") and self.starts:
            self._send_runs()

    @handles("runs")
    def _handle_runs(self, content: dict[str, Any]) -> Reply:
        """A page request: any of new starts, learning rates or steps (all validated), or just the runs."""
        changes = _page_changes(content)
        try:
            with self._from_page("runs", **changes), self.hold_trait_notifications():
                for name, value in changes.items():
                    setattr(self, name, value)
        except traitlets.TraitError as exc:
            raise RequestError(str(exc)) from exc
        return self._runs_reply()

    @traitlets.observe("x_range", "y_range")
    def _on_view_for_divergence(self, _change: Any) -> None:
        if self._kernels is not None and self.starts and not self._view_batch:
            self._send_runs()  # "diverged" is relative to the view

    def _set_view(
        self, x_range: tuple[float, float], y_range: tuple[float, float], *, from_page: bool
    ) -> None:
        super()._set_view(x_range, y_range, from_page=from_page)
        self._send_runs()

    def _snapshot_html(self) -> str:
        return descent_snapshot(self)

    _static_options = ("starts_grid",)

    def _static_state(self, **options: Any) -> dict[str, Any]:
        """``save_html(path, starts_grid=n)``: the page also carries the runs from an n x n grid of starts
        over the view (one vmapped call), and a dragged start snaps to the nearest one."""
        return {"runs": runs_pool(self, options.get("starts_grid", 0))}

    def __repr__(self) -> str:
        if self._kernels is None or not self.starts:
            return self._describe_view()
        ends = ", ".join(
            f"{name} ends at ({xy[-1][0]:.4g}, {xy[-1][1]:.4g})" for name, xy in self.trajectories.items()
        )
        text = f"{self._describe_view()}; {len(self.starts)} start(s), {self.steps} steps: {ends}"
        return f"{text}; error: {self.error}" if self.error else text

    def loss_figure(self) -> Any:
        """A bqplot Figure of loss against step for each optimizer, following the widget live.

        See :func:`jaxwidgets.figures.loss_figure`.

        >>> import jaxwidgets
        >>> d = jaxwidgets.Descent(lambda x, y: x**2 + y**2, start=(0.5, 0.5), resolution=8, steps=20)
        >>> len(d.loss_figure().marks)
        3
        """
        from .figures import loss_figure

        return loss_figure(self)


def _colors_for(names: list[str]) -> dict[str, str]:
    return {name: OPTIMIZER_COLORS[i % len(OPTIMIZER_COLORS)] for i, name in enumerate(names)}


def _rates_for(names: list[str], learning_rate: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(learning_rate, Mapping):
        return dict(learning_rate)  # checked against the names by the trait
    return dict.fromkeys(names, learning_rate)


def _initial_starts(
    start: tuple[float, float] | None,
    starts: Sequence[tuple[float, float]] | None,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> list[tuple[float, float]]:
    if start is not None and starts is not None:
        raise ValueError("give start= or starts=, not both")
    if starts is not None:
        return [tuple(xy) for xy in starts]  # type: ignore[misc]
    if start is not None:
        return [start]
    return [(x_range[0] + 0.8 * (x_range[1] - x_range[0]), y_range[0] + 0.8 * (y_range[1] - y_range[0]))]


def _page_changes(content: dict[str, Any]) -> dict[str, Any]:
    """The validated subset of starts / learning_rates / steps a page request carries."""
    changes: dict[str, Any] = {}
    if "starts" in content:
        starts = content["starts"]
        if not isinstance(starts, list) or not all(isinstance(xy, list) and len(xy) == 2 for xy in starts):
            raise RequestError(f"starts must be a list of [x, y] pairs, got {starts!r}")
        changes["starts"] = [
            (finite_number({"x": xy[0]}, "x"), finite_number({"y": xy[1]}, "y")) for xy in starts
        ]
    if "learning_rates" in content:
        rates = content["learning_rates"]
        if not isinstance(rates, dict):
            raise RequestError(f"learning_rates must be a mapping, got {rates!r}")
        changes["learning_rates"] = {str(k): finite_number(rates, k) for k in rates}
    if "steps" in content:
        steps = content["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise RequestError(f"steps must be an integer, got {steps!r}")
        changes["steps"] = steps
    return changes
