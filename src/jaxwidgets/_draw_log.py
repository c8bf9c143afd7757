"""The draws of a Posterior run so far: what each chunk adds, per chain, and the per-chain progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._arrays import array_to_json
from .kernels.posterior import Chunk


class Added(NamedTuple):
    """What one chunk added: its warm-up steps, and its post-warm-up draws (up to ``num_samples``)."""

    warmup: np.ndarray  # (chains, steps, sites) shown faded while warm-up lasts; never draws
    first_warmup: int  # the warm-up iteration of warmup[:, 0]
    draws: np.ndarray  # (chains, n, sites)
    diverging: np.ndarray  # (chains, n) int32
    offset: int  # the index of draws[:, 0] among the run's draws


class DrawLog:
    """Post-warm-up draws per chain, kept in the chunks they came in (compacted when read).

    >>> import numpy as np
    >>> log = DrawLog(chains=1, sites=1, num_warmup=2, num_samples=10)
    >>> chunk = Chunk(np.ones((3, 1, 1)), np.zeros((3, 1), bool), np.arange(3))
    >>> added = log.add(chunk)
    >>> added.warmup.shape, added.draws.shape, log.count, log.warmup_done
    ((1, 2, 1), (1, 1, 1), 1, 2)
    """

    def __init__(self, chains: int, sites: int, num_warmup: int, num_samples: int) -> None:
        self.num_warmup, self.num_samples = num_warmup, num_samples
        self._draws: list[np.ndarray] = [np.zeros((chains, 0, sites), np.float32)]
        self._diverging: list[np.ndarray] = [np.zeros((chains, 0), np.int32)]
        self.count = 0
        self.warmup_done = 0
        self.divergences = np.zeros(chains, int)

    @property
    def done(self) -> bool:
        return self.count >= self.num_samples

    def add(self, chunk: Chunk) -> Added:
        """Keep the chunk's post-warm-up draws (up to ``num_samples``); return what it added."""
        sampling = chunk.iteration >= self.num_warmup
        self.warmup_done = min(self.num_warmup, int(chunk.iteration[-1]) + 1)
        warmup = np.swapaxes(chunk.draws[~sampling], 0, 1)
        first_warmup = int(chunk.iteration[~sampling][0]) if not sampling.all() else self.warmup_done
        draws = np.swapaxes(chunk.draws[sampling], 0, 1)[:, : self.num_samples - self.count]
        diverging = np.swapaxes(chunk.diverging[sampling], 0, 1)[:, : draws.shape[1]].astype(np.int32)
        offset = self.count
        if draws.shape[1]:
            self._draws.append(draws)
            self._diverging.append(diverging)
            self.count += draws.shape[1]
            self.divergences += diverging.sum(axis=1)
        return Added(warmup, first_warmup, draws, diverging, offset)

    def collected(self) -> tuple[np.ndarray, np.ndarray]:
        """Every draw so far, (chains, count, sites), and the divergence flags, (chains, count)."""
        if len(self._draws) > 2:  # compact, so reading stays cheap
            self._draws = [np.concatenate(self._draws, axis=1)]
            self._diverging = [np.concatenate(self._diverging, axis=1)]
        return np.concatenate(self._draws, axis=1), np.concatenate(self._diverging, axis=1)

    def recent(self, count: int) -> np.ndarray:
        """The newest ``count`` draws of all chains as rows, (count, sites), repeated when fewer came."""
        draws = np.concatenate(self._draws[-3:], axis=1)
        rows = draws.reshape(-1, draws.shape[-1])[-count:]
        return np.concatenate([rows] * -(-count // len(rows)))[:count]

    def progress(self) -> list[dict[str, int]]:
        """Per chain: warm-up steps done, draws kept, divergences (the ``progress`` trait)."""
        return [
            {"chain": c, "warmup": self.warmup_done, "draws": self.count, "divergences": int(divergences)}
            for c, divergences in enumerate(self.divergences)
        ]


def group_sites(sites: Sequence[str], draws: np.ndarray) -> dict[str, np.ndarray]:
    """Flattened columns ("w[0]", "w[1]") back to one array per site, shape (chains, draws, ...).

    >>> {k: v.shape for k, v in group_sites(["a", "w[0]", "w[1]"], np.zeros((2, 5, 3))).items()}
    {'a': (2, 5), 'w': (2, 5, 2)}
    """
    grouped: dict[str, list[np.ndarray]] = {}
    scalar: set[str] = set()
    for j, name in enumerate(sites):
        base = name.split("[", 1)[0]
        grouped.setdefault(base, []).append(draws[:, :, j])
        if base == name:
            scalar.add(base)
    return {
        base: columns[0] if base in scalar else np.stack(columns, axis=-1)
        for base, columns in grouped.items()
    }


def padded_range(values: np.ndarray) -> tuple[float, float]:
    """The values' range, a quarter of its width wider on each side.

    >>> padded_range(np.array([0.0, 4.0]))
    (-1.0, 5.0)
    """
    low, high = np.nanmin(values), np.nanmax(values)
    pad = 0.25 * max(high - low, 1e-3)
    return float(low - pad), float(high + pad)


def data_state(data: Any) -> dict[str, Any]:
    """The ``_data`` trait: points (x, y), or samples for a histogram."""
    if isinstance(data, tuple) and len(data) == 2:
        return {"x": array_to_json(data[0]), "y": array_to_json(data[1]), "kind": "points"}
    return {"x": array_to_json(np.ravel(data)), "kind": "histogram"}
