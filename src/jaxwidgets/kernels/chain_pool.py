"""Step a sampler's chains at once, one worker thread per core, without asking for XLA flags.

JAX sees one CPU device unless ``--xla_force_host_platform_device_count`` was set before it was imported, and
computations dispatched from one thread to one device run one after the other. Called from several threads
that each wait for their own result, the same compiled chunk runs on several cores at once (XLA releases the
GIL while it runs): a chain per call, the threads taking the next chain as they free up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else ``os.cpu_count()``).

    >>> usable_cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class ChainPool:
    """Runs one function over the chains, on up to ``threads`` threads (1: in the calling thread).

    ``threads=None`` takes one per usable core, at most one per chain. Results come back in chain order.

    >>> pool = ChainPool(num_chains=3, threads=2)
    >>> pool.threads, pool.map(lambda chain: chain * 10, [1, 2, 3])
    (2, [10, 20, 30])
    >>> pool.close()
    """

    def __init__(self, num_chains: int, threads: int | None = None) -> None:
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise ValueError(f"parallel must be a positive number of threads or None, got {threads!r}")
        self.threads = min(num_chains, threads if threads is not None else usable_cores())
        self._executor: ThreadPoolExecutor | None = None

    def map(self, run: Callable[[Item], Result], chains: Sequence[Item]) -> list[Result]:
        """``[run(chain) for chain in chains]``, the calls spread over the pool's threads."""
        if self.threads == 1 or len(chains) == 1:
            return [run(chain) for chain in chains]
        return list(self._started().map(run, chains))

    def stream(
        self, step: Callable[[Item], tuple[Item, Result]], chains: Sequence[Item], rounds: int
    ) -> Generator[list[tuple[Item, Result]], None, None]:
        """``rounds`` rounds of ``step(chain) -> (chain after it, result)`` for every chain, yielded round by
        round once every chain has done it. A chain goes on to its next round as soon as its last is done,
        without waiting for the others: waiting at every round cost 37% more time on two chains of about the
        same length (their long trees came in turns). Closing the iterator stops the chains after the rounds
        in progress.

        >>> pool = ChainPool(num_chains=2, threads=2)
        >>> list(pool.stream(lambda n: (n + 1, n * 10), [1, 5], rounds=2))
        [[(2, 10), (6, 50)], [(3, 20), (7, 60)]]
        >>> pool.close()
        """
        if self.threads == 1 or len(chains) == 1:
            for _ in range(rounds):
                outputs = [step(chain) for chain in chains]
                yield outputs
                chains = [chain for chain, _ in outputs]
            return
        executor, stopped = self._started(), threading.Event()
        slots = [[Future[tuple[Item, Result]]() for _ in range(rounds)] for _ in chains]

        def run(index: int, round_: int, chain: Item) -> None:
            if stopped.is_set():  # queued before the stream was closed: nobody waits for it
                return
            slot = slots[index][round_]
            try:
                slot.set_result(step(chain))
                if round_ + 1 < rounds and not stopped.is_set():
                    executor.submit(run, index, round_ + 1, slot.result()[0])
            except BaseException as exc:  # the caller sees it in this round, or the next (pool closed)
                (slot if not slot.done() else slots[index][round_ + 1]).set_exception(exc)

        for index, chain in enumerate(chains):
            executor.submit(run, index, 0, chain)
        try:
            for round_ in range(rounds):
                yield [slots[index][round_].result() for index in range(len(chains))]
        finally:
            stopped.set()

    def _started(self) -> ThreadPoolExecutor:
        if self._executor is None:  # created on first use: a widget that never samples holds no threads
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="jaxwidgets-chains")
        return self._executor

    def close(self) -> None:
        """End the threads (after the calls in progress); a later ``map`` starts new ones."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)


def release_freed_memory() -> None:
    """Hand the memory the chains' threads freed back to the system, where the C library is glibc.

    glibc keeps what a thread frees in that thread's arena, and chains stepping on several threads while the
    widget's thread works beside them spread XLA's buffers over more arenas: a kernel that ran the posterior
    lesson held 700-1000 MB after its runs, and 350 MB once trimmed. Called when a run ends (milliseconds).

    >>> release_freed_memory()
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None
