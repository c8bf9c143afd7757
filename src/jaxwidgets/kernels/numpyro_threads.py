"""NumPyro's effect-handler stack, one per thread, so that models traced at once never see each other.

NumPyro keeps the active effect handlers (``seed``, ``substitute``, ``trace``, ...) in one module-level list,
``numpyro.primitives._PYRO_STACK``, shared by every thread of the process. A widget samples in a worker
thread; while it traces its model (its compile, a restart, a predictive curve), another widget's
construction or the user's own ``MCMC.run`` in the main thread pushes and pops handlers on the same list,
and each trace runs through the other's handlers: seen as ``UnexpectedTracerError``, "all sites must have
unique names" and ``init_to_uniform() skipping initialization of site ...`` naming another model's sites.

A lock around the package's own traces cannot help: the user's NumPyro code in the main thread does not
take it. JAX keeps its own trace state per thread; this module does the same for NumPyro's stack.
:func:`install` (run once, when :mod:`jaxwidgets.posterior` is imported) replaces that list, in every
loaded module that holds it by name (``numpyro.primitives``, ``numpyro.handlers``,
``numpyro.contrib.control_flow.cond`` and ``.scan`` in NumPyro 0.22; ``infer.hmc_gibbs`` reads it through
``numpyro.primitives``), with a :class:`ThreadLocalStack`: a list-like object whose contents are the calling
thread's own list. Within one thread, NumPyro sees exactly the list it always had; a new thread starts with
an empty stack, as a fresh process does.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Iterator, MutableSequence
from typing import Any, SupportsIndex, overload

_install_lock = threading.Lock()


class ThreadLocalStack(MutableSequence[Any]):
    """A list whose contents belong to the calling thread.

    >>> stack = ThreadLocalStack()
    >>> stack.append("handler")
    >>> seen = []
    >>> worker = threading.Thread(target=lambda: seen.append(list(stack)))
    >>> worker.start(); worker.join()
    >>> list(stack), seen
    (['handler'], [[]])
    """

    jaxwidgets_thread_local = True  # marks an installed stack, also across a reload of this module

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._local = threading.local()
        self._items().extend(items)

    def _items(self) -> list[Any]:
        try:
            items: list[Any] = self._local.items
        except AttributeError:
            items = self._local.items = []
        return items

    # The operations NumPyro uses, straight on the thread's list (the hot ones: every sample site).
    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __bool__(self) -> bool:
        return bool(self._items())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __reversed__(self) -> Iterator[Any]:
        return self._items().__reversed__()

    def __contains__(self, value: object) -> bool:
        return value in self._items()

    def append(self, value: Any) -> None:
        self._items().append(value)

    def pop(self, index: int = -1) -> Any:
        return self._items().pop(index)

    def index(self, value: Any, start: int = 0, stop: int = sys.maxsize) -> int:
        return self._items().index(value, start, stop)

    def count(self, value: Any) -> int:
        return self._items().count(value)

    @overload
    def __setitem__(self, index: SupportsIndex, value: Any) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[Any]) -> None: ...
    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        self._items()[index] = value

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        del self._items()[index]

    def insert(self, index: int, value: Any) -> None:
        self._items().insert(index, value)

    def clear(self) -> None:
        self._items().clear()

    def copy(self) -> list[Any]:
        return self._items().copy()

    def __eq__(self, other: object) -> bool:
        items = self._items()
        return items == (other._items() if isinstance(other, ThreadLocalStack) else other)

    __hash__ = None  # type: ignore[assignment]  # unhashable, as a list is

    def __repr__(self) -> str:
        return f"ThreadLocalStack({self._items()!r})"


def install() -> ThreadLocalStack:
    """Make NumPyro's handler stack per thread (idempotent); returns the stack now in use.

    Every loaded module whose attribute *is* the original list gets the new stack under the same name;
    modules imported later take it from ``numpyro.primitives``. Handlers active in the calling thread (an
    import inside ``with numpyro.handlers.seed(...)``) stay active in it.

    >>> import numpyro.primitives
    >>> install() is install() is numpyro.primitives._PYRO_STACK
    True
    """
    import numpyro.primitives

    with _install_lock:
        current = numpyro.primitives._PYRO_STACK
        if isinstance(current, MutableSequence) and getattr(current, "jaxwidgets_thread_local", False):
            return current  # type: ignore[return-value]  # this module's class, maybe from before a reload
        stack = ThreadLocalStack(current)
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for name, value in list(namespace.items()):
                if value is current:
                    setattr(module, name, stack)
        return stack


def holders() -> list[str]:
    """``module.name`` of every loaded module attribute that holds NumPyro's stack (for tests)."""
    import numpyro.primitives

    stack = numpyro.primitives._PYRO_STACK
    found = []
    for module_name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if isinstance(namespace, dict):
            found += [f"{module_name}.{name}" for name, value in list(namespace.items()) if value is stack]
    return sorted(found)
