"""JAX's persistent compilation cache, so that a notebook run again compiles its widgets' kernels from disk.

Measured on a 2-core machine: LossSurface's grid kernel took 0.45-0.6 s to compile the first time and about
0.1 s from the cache; Descent's runs kernel 0.9-1.1 s and 0.3 s.

It is switched on when the kernels are first imported, unless the user set up a cache of their own (JAX's
``jax_compilation_cache_dir`` or ``JAX_COMPILATION_CACHE_DIR``) or opted out with
``JAXWIDGETS_COMPILATION_CACHE=0``. The directory is ``$JAXWIDGETS_CACHE_DIR``, else
``$XDG_CACHE_HOME/jaxwidgets/jax``, else ``~/.cache/jaxwidgets/jax``. JAX's cache is one per process, so the
user's own functions that take longer than ``MIN_COMPILE_SECONDS`` to compile are cached there too; the
directory is kept within ``MAX_BYTES`` (least recently used entries go first).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import jax

MIN_COMPILE_SECONDS = 0.05  # the probe kernel compiles in 0.1-0.3 s; eager one-op programs in less
MAX_BYTES = 256 * 1024**2
_CACHE_SUFFIX, _ATIME_SUFFIX = "-cache", "-atime"  # JAX's names for a program and its last access time


def cache_dir() -> Path:
    """Where jaxwidgets keeps JAX's compiled programs.

    >>> explicit = os.environ.pop("JAXWIDGETS_CACHE_DIR", None)  # as when the variable is not set
    >>> cache_dir().parts[-2:]
    ('jaxwidgets', 'jax')
    >>> if explicit:
    ...     os.environ["JAXWIDGETS_CACHE_DIR"] = explicit
    """
    explicit = os.environ.get("JAXWIDGETS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jaxwidgets" / "jax"


def enable_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at :func:`cache_dir`; the directory, or None when left off
    (opted out, or the user configured a cache of their own).

    >>> import os
    >>> os.environ["JAXWIDGETS_COMPILATION_CACHE"] = "0"
    >>> enable_compilation_cache() is None
    True
    >>> del os.environ["JAXWIDGETS_COMPILATION_CACHE"]
    """
    if os.environ.get("JAXWIDGETS_COMPILATION_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    if _setting("jax_compilation_cache_dir") or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return None  # the user's own cache, with the user's own settings
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: compile as before
        return None
    _update("jax_compilation_cache_dir", str(path))
    _update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
    if _setting("jax_compilation_cache_max_size") == -1 and importlib.util.find_spec("filelock"):
        _update("jax_compilation_cache_max_size", MAX_BYTES)  # JAX evicts under a file lock
        remove_unfinished_entries(path)
    return path


def remove_unfinished_entries(path: Path) -> None:
    """Remove the programs a process left without their access time (killed between the two writes, say by a
    kernel restart). JAX's size-bounded cache reads every program's access time before each write: one
    missing, and every later write failed, with a warning in whichever cell was running.

    Done under JAX's own lock on the directory, so no write in progress is taken for an unfinished one.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "jit_f-1-cache").write_bytes(b"x"), (folder / "jit_g-2-cache").write_bytes(b"x")
    >>> _ = (folder / "jit_g-2-atime").write_bytes(b"t")
    >>> remove_unfinished_entries(folder); sorted(entry.name for entry in folder.glob("*-cache"))
    ['jit_g-2-cache']
    """
    import filelock

    try:
        with filelock.FileLock(path / ".lockfile", timeout=5):
            for program in path.glob(f"*{_CACHE_SUFFIX}"):
                if not program.with_name(program.name.removesuffix(_CACHE_SUFFIX) + _ATIME_SUFFIX).exists():
                    program.unlink(missing_ok=True)
    except (filelock.Timeout, OSError):  # another process holds the cache for long: its next start tidies
        pass


def _setting(name: str) -> Any:
    return jax.config.values.get(name)


def _update(name: str, value: Any) -> None:
    jax.config.update(name, value)  # type: ignore[no-untyped-call]
