"""A fresh kernel's first widget: JAX imported without the garbage collector's full passes over it.

Importing a widget's module (JAX, optax, ipywidgets, anywidget) makes about 250,000 objects that live as long
as the kernel. Python's collector scanned all of them in full passes two or three times while a first
picture was being made (0.1-0.15 s of about 1 s), and would again now and then during drags. So the first
widget module jaxwidgets imports is imported with the collector paused, and then every object alive is moved
into the collector's permanent generation (``gc.freeze``), which later passes skip.

The cost: a reference cycle among objects made before that moment, dropped later, is not reclaimed
(reference counting still frees everything else; the import itself leaves about 2,000 such objects).
``JAXWIDGETS_GC_FREEZE=0`` turns this off.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

_done = False


@contextmanager
def first_import() -> Iterator[None]:
    """Run the process's first widget import with the collector paused, and freeze what exists after it."""
    global _done
    if _done or not gc.isenabled() or os.environ.get("JAXWIDGETS_GC_FREEZE") == "0":
        yield
        return
    _done = True
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        gc.enable()
