"""What a Posterior page sees of a run's draws: each chunk's draws and warm-up steps as pushed messages, the
progress, the live summary table, the predictive curves and the density grid, each at its own pace."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._arrays import array_to_json, pack_arrays
from ._draw_log import DrawLog, group_sites, padded_range
from .kernels.diagnostics import summary_rows
from .kernels.posterior import Chunk
from .kernels.predictive import CurveKernel, DensityGrid

Push = Callable[[str, dict[str, Any], Sequence[Any]], None]
SetTrait = Callable[[str, Any], None]

_PROGRESS_SECONDS = 0.2
_SUMMARY_SECONDS = 0.5
# The live table may take at most this share of the sampling time (its cost grows with the draws).
_SUMMARY_SHARE = 0.04
# The density grid is computed once this many draws per chain show where the posterior lies.
_DENSITY_MIN_DRAWS = 50


class DrawFeed:
    """One run's draws (a ``DrawLog``) and what was last shown of them; ``push`` sends a message to every
    view (the widget's ``_push``), ``set_trait`` sets a widget trait. Call under the widget's request lock."""

    def __init__(
        self,
        log: DrawLog,
        sites: Sequence[str],
        push: Push,
        set_trait: SetTrait,
        curve: CurveKernel | None = None,
        curve_x: np.ndarray | None = None,
        density: DensityGrid | None = None,
    ) -> None:
        self.log, self.sites = log, list(sites)
        self._push, self._set_trait = push, set_trait
        self._curve, self._curve_x, self._density = curve, curve_x, density
        self._last_progress = self._last_summary = self._summary_cost = 0.0
        self._density_ranges: list[tuple[float, float]] | None = None
        self.last_curves: np.ndarray | None = None

    def show(self, chunk: Chunk, run: int, model_args: tuple[Any, ...]) -> bool:
        """Send a chunk's warm-up steps and draws, and update what follows from them; True once it brought
        draws (the run is sampling).

        Warm-up steps go out as "warmup" messages the page shows faded while warm-up lasts, so the chains
        are seen exploring from the first chunk on; they never enter the draws or the table.
        """
        added = self.log.add(chunk)
        if added.warmup.shape[1]:
            records, buffers = pack_arrays(draws=added.warmup)
            self._push("warmup", {"run": run, "iteration": added.first_warmup, **records}, buffers)
        if added.draws.shape[1]:
            records, buffers = pack_arrays(draws=added.draws, diverging=added.diverging)
            self._push("draws", {"run": run, "offset": added.offset, **records}, buffers)
        self.publish_progress(force=self.log.done)
        self.publish_summary(force=self.log.done)
        if added.draws.shape[1]:
            self._publish_curves(run)
            self._publish_density(model_args)
        return bool(added.draws.shape[1])

    def publish_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_progress >= _PROGRESS_SECONDS:
            self._last_progress = now
            self._set_trait("progress", self.log.progress())

    def publish_summary(self, force: bool = False) -> None:
        """The summary table, at most every half second and at most a small share of the sampling time."""
        now = time.monotonic()
        interval = max(_SUMMARY_SECONDS, self._summary_cost / _SUMMARY_SHARE)
        if self.log.count < 4 or not (force or now - self._last_summary >= interval):
            return
        self._set_trait("summary", summary_rows(self.sites, self.log.collected()[0]))
        self._last_summary = time.monotonic()
        self._summary_cost = self._last_summary - now

    def replay(self) -> dict[str, Any]:
        """The arrays a page's replay reply carries: every draw so far, and the newest curves."""
        draws, diverging = self.log.collected()
        arrays: dict[str, Any] = {"draws": draws, "diverging": diverging}
        if self.last_curves is not None and self._curve_x is not None:
            arrays |= {"x": self._curve_x, "curves": self.last_curves}
        return arrays

    def _publish_curves(self, run: int) -> None:
        if self._curve is None or self._curve_x is None:
            return
        recent = self.log.recent(self._curve.num_curves)
        draw = {site: values[0] for site, values in group_sites(self.sites, recent[None]).items()}
        self.last_curves = np.asarray(self._curve.curves(draw, self._curve_x))
        records, buffers = pack_arrays(x=self._curve_x, curves=self.last_curves)
        self._push("curves", {"run": run, **records}, buffers)

    def _publish_density(self, model_args: tuple[Any, ...]) -> None:
        """The log density under the draws (the ``_density`` trait), redrawn when the draws have spread
        beyond its range."""
        if self._density is None or self.log.count < _DENSITY_MIN_DRAWS:
            return
        draws = self.log.collected()[0]
        columns = [draws[:, :, self.sites.index(name)] for name in self._density.sites]
        if self._density_ranges is not None and all(
            low <= column.min() and column.max() <= high
            for (low, high), column in zip(self._density_ranges, columns, strict=True)
        ):
            return
        ranges = [padded_range(column) for column in columns]
        values = self._density.values(model_args, ranges)
        self._density_ranges = ranges
        x_site, y_site = self._density.sites
        self._set_trait(
            "_density",
            {
                "values": array_to_json(values),
                "x_range": list(ranges[0]),
                "y_range": list(ranges[1]),
                "x_site": x_site,
                "y_site": y_site,
            },
        )
