"""The loss surfaces a CurveFit or DensityFit links to: each probe follows two of the fit's parameters, and
moving a probe moves those parameters (a flag stops the echo). After a Fit the probes walk its path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# The probes walk the Fit's path at about the page's animation pace.
PROBE_STEP_SECONDS = 0.04
MAX_WALK_STEPS = 50  # a long path is walked in at most this many steps (2 s)


class SurfaceLinks:
    """The fit's side of its linked surfaces: ``theta()`` reads its parameter vector, ``move`` sets it,
    ``tree`` makes the parameter pytree of a vector."""

    def __init__(
        self,
        names: tuple[str, ...],
        theta: Callable[[], np.ndarray],
        move: Callable[[np.ndarray], None],
        tree: Callable[[np.ndarray], Any],
    ) -> None:
        self._names, self._theta, self._move, self._tree = names, theta, move, tree
        self._surfaces: list[tuple[Any, tuple[int, int]]] = []
        self._held: list[np.ndarray] = []  # per surface: the other parameters its grid was drawn at
        self._following = threading.local()  # set while this side moves a probe (per thread)

    def add(
        self,
        loss: Callable[[Any], Any],
        axes: tuple[str, str],
        params: Any,
        view: tuple[tuple[float, ...], tuple[float, ...]],
        **kwargs: Any,
    ) -> Any:
        """A LossSurface of ``loss(params)`` over ``axes``, its probe at the parameters, linked both ways."""
        from .surface import LossSurface

        i, j = self._names.index(axes[0]), self._names.index(axes[1])
        theta = self._theta()
        surface = LossSurface(
            loss,
            x=(view[0][0], view[0][1]),
            y=(view[1][0], view[1][1]),
            params=params,
            axes=axes,
            probe=(float(theta[i]), float(theta[j])),
            **kwargs,
        )
        self._surfaces.append((surface, (i, j)))
        self._held.append(np.delete(theta, [i, j]))

        def probe_moved(change: Any) -> None:
            if getattr(self._following, "active", False):
                return  # this side moved it: no echo
            moved = self._theta()
            moved[i], moved[j] = change["new"]
            self._move(moved)

        surface.observe(probe_moved, "probe")
        return surface

    def follow(self, theta: np.ndarray) -> None:
        """Move every linked probe to ``theta``'s two parameters, and redraw a surface whose other
        parameters changed (their values are array arguments: nothing recompiles)."""
        self._following.active = True
        try:
            for k, (surface, (i, j)) in enumerate(self._surfaces):
                others = np.delete(theta, [i, j])
                if not np.array_equal(others, self._held[k]):
                    self._held[k] = others
                    surface.hold(self._tree(theta))
                probe = (float(theta[i]), float(theta[j]))
                if tuple(np.float32(v) for v in surface.probe) != tuple(np.float32(v) for v in probe):
                    surface.probe = probe
        finally:
            self._following.active = False

    def walk(self, path: np.ndarray, current: Callable[[], bool] = lambda: True) -> None:
        """Move the probes along a Fit's path (stops once ``current()`` is False: a drag came)."""
        if not self._surfaces:
            return
        shown = np.unique(np.linspace(1, len(path) - 1, min(len(path) - 1, MAX_WALK_STEPS)).astype(int))
        for theta in path[shown]:
            if not current():
                return
            self.follow(theta)
            time.sleep(PROBE_STEP_SECONDS)
