"""The first widget import pauses the garbage collector and freezes what exists after it (_startup.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

FREEZE_SCRIPT = """
import gc, sys
import jaxwidgets
assert "jax" not in sys.modules  # the package alone imports no JAX
jaxwidgets.LossSurface
first = gc.get_freeze_count()
jaxwidgets.Descent  # a second widget module (optax): not frozen
print(first, gc.get_freeze_count(), gc.isenabled())
"""


@pytest.mark.parametrize("setting", [None, "0"])
def test_the_first_widget_import_freezes_what_it_made_unless_turned_off(setting):
    env = {**os.environ}
    env.pop("JAXWIDGETS_GC_FREEZE", None)
    if setting is not None:
        env["JAXWIDGETS_GC_FREEZE"] = setting
    result = subprocess.run(
        [sys.executable, "-c", FREEZE_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    first, after_second, enabled = result.stdout.split()
    assert enabled == "True"
    if setting == "0":
        assert (first, after_second) == ("0", "0")
    else:
        assert int(first) > 100_000  # JAX's and the widget's objects
        assert int(after_second) <= int(first)  # optax's objects, imported since, are not frozen
