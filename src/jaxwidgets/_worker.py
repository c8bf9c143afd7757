"""Work longer than a frame, off the drag path: a worker thread per widget that runs the newest job.

A surface over a new view, a sampler run for new settings: each new job makes the one in progress stale
(it checks ``is_current`` between blocks and stops early) and replaces any job still waiting. The thread
exists only while there is work; at interpreter exit running workers are asked to stop and are joined,
because XLA aborts the process ("terminate called ...") when torn down mid-computation.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

Job = TypeVar("Job")

EXIT_WAIT_S = 30.0
_workers: weakref.WeakKeyDictionary[threading.Thread, Callable[[], object]] = weakref.WeakKeyDictionary()
_exit_hook_registered = False


def worker_thread(target: Callable[[], None], name: str, stop: Callable[[], object]) -> threading.Thread:
    """A daemon thread (not started) for a widget's long work, stopped with ``stop()`` and joined at exit.

    >>> thread = worker_thread(lambda: None, "jaxwidgets-example", stop=lambda: None)
    >>> thread.start(); thread.join(); thread.daemon
    True
    """
    global _exit_hook_registered
    if not _exit_hook_registered:
        # Registered after jax is imported, so it runs before jax's own exit handlers (atexit is LIFO).
        atexit.register(stop_workers)
        _exit_hook_registered = True
    thread = threading.Thread(target=target, name=name, daemon=True)
    _workers[thread] = stop
    return thread


def stop_workers(timeout: float = EXIT_WAIT_S) -> None:
    """Ask every running worker thread to stop, and wait up to ``timeout`` seconds in all for them to end."""
    running = [(thread, stop) for thread, stop in list(_workers.items()) if thread.is_alive()]
    for _, stop in running:
        stop()
    deadline = time.monotonic() + timeout
    for thread, _ in running:
        thread.join(max(0.0, deadline - time.monotonic()))


class NewestJobWorker(Generic[Job]):
    """Runs ``run(generation, job)`` for the newest submitted job, one at a time, in a thread of its own.

    ``run`` checks ``is_current(generation)`` between blocks of work and returns early once a newer job
    (or ``abandon``) made it stale. Publishing a result under ``lock`` after an ``is_current`` check means
    a stale result is never shown.

    ``run`` reports its own errors (a widget's ``error`` trait); one that escapes ends the thread, and the
    next submit starts a new one.

    >>> done = []
    >>> worker = NewestJobWorker("example", lambda generation, job: done.append((generation, job)))
    >>> worker.submit("view 1")
    1
    >>> worker.wait_idle(), done
    (True, [(1, 'view 1')])
    """

    def __init__(self, name: str, run: Callable[[int, Job], None]) -> None:
        self.lock = threading.Lock()
        self._name = f"jaxwidgets-{name}"
        self._run = run
        self._generation = 0
        self._pending: tuple[int, Job] | None = None
        self._thread: threading.Thread | None = None

    @property
    def generation(self) -> int:
        """The newest job's generation (each submit or abandon adds one)."""
        return self._generation

    @property
    def thread(self) -> threading.Thread | None:
        """The worker thread while there is work (to join after ``abandon``), else None."""
        return self._thread

    def is_current(self, generation: int) -> bool:
        return generation == self._generation

    def submit(self, job: Job) -> int:
        """Make ``job`` the newest: it runs next, the one running now goes stale. Returns its generation."""
        with self.lock:
            self._generation += 1
            self._pending = (self._generation, job)
            if self._thread is None:
                self._thread = worker_thread(self._loop, self._name, stop=self.abandon)
                self._thread.start()
            return self._generation

    def abandon(self) -> None:
        """Make the running job stale and drop the waiting one (the thread then ends)."""
        with self.lock:
            self._generation += 1
            self._pending = None

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no job runs or waits (for tests and scripts); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self._thread is None:
                    return True
            time.sleep(0.002)
        return False

    def _loop(self) -> None:
        while True:
            with self.lock:
                pending, self._pending = self._pending, None
                if pending is None:
                    self._thread = None
                    return
            try:
                self._run(*pending)
            except BaseException:
                with self.lock:
                    self._thread = None
                raise
