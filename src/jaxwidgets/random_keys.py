"""RandomKeys: Monte Carlo pi from explicit PRNG keys, with the tree of keys split from a seed."""

from __future__ import annotations

import math
import pathlib
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import traitlets

from ._arrays import pack_arrays
from ._base import JaxWidget, Reply, RequestError, handles
from ._static_lessons import random_keys_snapshot
from .kernels.random_keys import MAX_SAMPLES, PiEstimate, estimate_pi, split_path

Path = tuple[int, ...]
MAX_SEED = 2**31 - 1
MAX_DEPTH = 8


class RandomKeys(JaxWidget):
    """Estimate pi from uniform points drawn with an explicit key; split keys and see what reuse does.

    The points come from ``jax.random.uniform`` with the key selected in a tree grown from
    ``jax.random.key(seed)`` by ``jax.random.split``. The same key always gives the same points; the
    sample count is data for one compiled kernel (no recompile while it is dragged up to 10 million).

    Parameters
    ----------
    seed : int, default 0
        The root key is ``jax.random.key(seed)``; changing it starts a new tree.
    key : PRNG key, optional
        A root key of your own (``jax.random.key(...)``, or a raw ``uint32[2]`` key) instead of the seed's;
        assigning ``seed`` later goes back to ``jax.random.key(seed)``.
    samples : int, default 1000
        Points drawn (1 to 10,000,000).

    Notes
    -----
    Traits: ``seed``, ``samples``, ``key_path`` (the selected key: child indices from the root),
    ``key_tree`` (read-only: the tree as nested lists ``[key_data, [children...]]``), ``estimate``,
    ``inside``, ``points`` (read-only: the first points drawn, at most 2,000), ``reused``, ``error``.

    Examples
    --------
    >>> import jaxwidgets
    >>> widget = jaxwidgets.RandomKeys(seed=0, samples=10_000)
    >>> first = widget.split()          # split the root; draw with its first child
    >>> first, widget.key_path
    ((0,), [0])
    >>> 3.0 < widget.estimate < 3.3
    True
    >>> widget.key_path = []            # back to the root key, already split: a reuse
    >>> widget.reused
    True
    """

    _esm = pathlib.Path(__file__).parent / "static" / "random_keys.js"
    title = traitlets.Unicode("", help="Shown above the pictures, as plain text.").tag(sync=True)
    seed = traitlets.Int(0, help="Seed of the root key: jax.random.key(seed).").tag(
        sync=True, echo_update=False
    )
    samples = traitlets.Int(1000, help="Points drawn (1 to 10,000,000).").tag(sync=True, echo_update=False)
    key_path = traitlets.List(
        traitlets.Int(), help="The key drawn with: child indices from the root ([] is the root)."
    ).tag(sync=True, echo_update=False)
    # Not ``keys``: ipywidgets' Widget.keys already names the synced traits.
    key_tree: traitlets.List[Any] = traitlets.List(
        read_only=True, help="The key tree: [key_data, [children...]] per key."
    ).tag(sync=True)
    used: traitlets.List[Any] = traitlets.List(
        read_only=True, help="Paths of the keys drawn with or split so far."
    ).tag(sync=True)
    estimate = traitlets.Float(math.nan, read_only=True, help="4 * inside / samples.")
    inside = traitlets.Int(0, read_only=True, help="Points inside the quarter circle.")
    points = traitlets.Any(None, read_only=True, help="The first points drawn (at most 2,000), shape (m, 2).")
    reused = traitlets.Bool(False, read_only=True, help="The last draw used a key used before (or split).")

    def __init__(self, seed: int = 0, samples: int = 1000, key: Any = None, **kwargs: Any) -> None:
        own_key = None if key is None else _checked_key(key)
        self._root_key: jax.Array | None = None
        self._splits: set[Path] = set()
        self._used: set[Path] = set()
        self._last_path: Path | None = None
        self._ready = False
        super().__init__(seed=seed, samples=samples, **kwargs)
        self._root_key = own_key  # after the seed's first assignment, which goes back to key(seed)
        self._publish_tree()
        self._draw()  # compiles the kernel before the first drag
        self._ready = True

    # ---- validation --------------------------------------------------------------------------------

    @traitlets.validate("seed")
    def _validate_seed(self, proposal: Any) -> int:
        return _checked_seed(proposal["value"], traitlets.TraitError)

    @traitlets.validate("samples")
    def _validate_samples(self, proposal: Any) -> int:
        return _checked_samples(proposal["value"], traitlets.TraitError)

    @traitlets.validate("key_path")
    def _validate_key_path(self, proposal: Any) -> list[int]:
        return list(self._checked_path(proposal["value"], traitlets.TraitError))

    def _checked_path(self, value: Any, error: type[Exception]) -> Path:
        if not isinstance(value, list | tuple) or not all(
            isinstance(step, int) and not isinstance(step, bool) for step in value
        ):
            raise error(f"key_path must be a list of child indices (0 or 1), got {value!r}")
        path = tuple(value)
        for depth in range(len(path)):
            if path[:depth] not in self._splits or path[depth] not in (0, 1):
                raise error(f"key_path {list(path)} names no key: split {list(path[:depth])} first")
        return path

    # ---- Python's side ------------------------------------------------------------------------------

    def split(self, path: list[int] | tuple[int, ...] | None = None) -> Path:
        """Split the key at ``path`` (the selected key by default) in two; draw with its first child.

        Splitting a key twice gives the same two children: keys are values, not state.
        """
        parent = self._checked_path(self.key_path if path is None else path, ValueError)
        if len(parent) >= MAX_DEPTH:
            raise ValueError(f"the key tree is at most {MAX_DEPTH} splits deep")
        child = (*parent, 0)
        with self._request_lock:
            self._splits.add(parent)
            self._used.add(parent)
            self._publish_tree()
            self.key_path = list(child)
        return child

    @traitlets.observe("seed")
    def _on_seed(self, _change: Any) -> None:
        self._root_key = None
        self._splits.clear()
        self._used.clear()
        self._last_path = None
        self._publish_tree()
        ready, self._ready = self._ready, False  # one push below, not one for key_path too
        self.key_path = []
        self._ready = ready
        self._push_draw()

    @traitlets.observe("samples", "key_path")
    def _on_draw_trait(self, _change: Any) -> None:
        self._push_draw()

    def _push_draw(self) -> None:
        if self._ready and not self._set_by_page("draw") and not self._set_by_page("split"):
            with self._request_lock:
                self._push("draw", *self._draw())

    # ---- the page's requests -------------------------------------------------------------------------

    @handles("draw")
    def _handle_draw(self, content: dict[str, Any]) -> Reply:
        if content.get("fetch") is True:  # the view's first question: Python's values win
            return self._draw()
        seed = _checked_seed(content.get("seed"), RequestError)
        samples = _checked_samples(content.get("samples"), RequestError)
        path = () if seed != self.seed else self._checked_path(content.get("path"), RequestError)
        with self._from_page("draw", seed=seed, samples=samples, key_path=list(path)):
            self.seed = seed
            self.samples = samples
            self.key_path = list(path)
        return self._draw()

    @handles("split")
    def _handle_split(self, content: dict[str, Any]) -> Reply:
        parent = self._checked_path(content.get("path"), RequestError)
        if len(parent) >= MAX_DEPTH:
            raise RequestError(f"the key tree is at most {MAX_DEPTH} splits deep")
        child = [*parent, 0]
        self._splits.add(parent)
        self._used.add(parent)
        self._publish_tree()
        with self._from_page("split", key_path=child):
            self.key_path = child
        return self._draw()

    # ---- drawing --------------------------------------------------------------------------------------

    def _draw(self) -> Reply:
        """Draw ``samples`` points with the selected key; set the read-only traits; build the reply."""
        path = tuple(self.key_path)
        reused = path in self._splits or (path in self._used and path != self._last_path)
        self._used.add(path)
        self._last_path = path
        key = split_path(self._root(), path)
        result: PiEstimate = jax.tree.map(np.asarray, estimate_pi(key, np.int32(self.samples)))
        shown = min(self.samples, len(result.points))
        inside = int(result.inside)
        self.set_trait("inside", inside)
        self.set_trait("estimate", 4.0 * inside / self.samples)
        self.set_trait("points", result.points[:shown].copy())
        self.set_trait("reused", reused)
        self.set_trait("used", sorted(list(p) for p in self._used))
        records, buffers = pack_arrays(
            points=result.points[:shown],
            shown_inside=result.shown_inside[:shown],
            checkpoints=result.checkpoints,
            running=result.running,
        )
        state = {"seed": self.seed, "samples": self.samples, "path": list(path), "inside": inside}
        return {**state, "estimate": self.estimate, "reused": reused, **records}, buffers

    def _root(self) -> jax.Array:
        return jax.random.key(self.seed) if self._root_key is None else self._root_key

    def _publish_tree(self) -> None:
        root = self._root()

        def node(key: jax.Array, path: Path) -> list[Any]:
            data = [int(word) for word in np.asarray(jax.random.key_data(key)).ravel()]
            if path not in self._splits:
                return [data, []]
            children = jax.random.split(key)
            return [data, [node(children[i], (*path, i)) for i in range(2)]]

        self.set_trait("key_tree", node(root, ()))

    def _snapshot_html(self) -> str:
        return random_keys_snapshot(self)

    def __repr__(self) -> str:
        key = "the root key" if not self.key_path else f"key {self.key_path}"
        text = (
            f"RandomKeys(seed={self.seed}): {self.samples:,} points from {key}, "
            f"{self.inside:,} inside; pi ~ {self.estimate:.6g}"
        )
        if self.reused:
            text += " (this key was used before: the same points again)"
        return f"{text}; error: {self.error}" if self.error else text


def _checked_key(value: Any) -> jax.Array:
    """One PRNG key: a typed key (jax.random.key) as is, a raw uint32[2] key (jax.random.PRNGKey) wrapped."""
    if isinstance(value, jax.Array) and jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
        if value.shape == ():
            return value
    elif isinstance(value, jax.Array | np.ndarray) and value.dtype == np.uint32 and value.shape == (2,):
        wrapped: jax.Array = jax.random.wrap_key_data(jnp.asarray(value))
        return wrapped
    raise TypeError(
        f"key must be one JAX PRNG key, e.g. jax.random.key(0), got {type(value).__name__} "
        f"{getattr(value, 'dtype', '')}{list(getattr(value, 'shape', []))}"
    )


def _checked_seed(value: Any, error: type[Exception]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value <= MAX_SEED:
        raise error(f"seed must be an integer from 0 to {MAX_SEED}, got {value!r}")
    return int(value)


def _checked_samples(value: Any, error: type[Exception]) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 1 <= value <= MAX_SAMPLES:
        raise error(f"samples must be an integer from 1 to {MAX_SAMPLES:,}, got {value!r}")
    return int(value)
