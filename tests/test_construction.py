"""A widget's constructor compiles each of its kernels once: as many programs as assigning a new f compiles
(the constructor's own compile is not repeated when it sets ``f`` to draw the first picture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import pytest

import jaxwidgets
from jaxwidgets import count_compiles


def plane(x: Any, y: Any) -> Any:
    return 2 * x**2 - 4 * x * y + y**4 + 2


def curve(x: Any) -> Any:
    return jnp.sin(x) * x


def field(x: Any, y: Any) -> Any:
    return jnp.stack([x * y, x + jnp.sin(y)])


WIDGETS: dict[str, tuple[Callable[[Callable[..., Any]], Any], Callable[..., Any]]] = {
    "LossSurface": (lambda f: jaxwidgets.LossSurface(f, resolution=20), plane),
    "Descent": (lambda f: jaxwidgets.Descent(f, resolution=20, steps=5), plane),
    "Derivative": (lambda f: jaxwidgets.Derivative(f), curve),
    "Jacobian": (lambda f: jaxwidgets.Jacobian(f), field),
}


@pytest.mark.parametrize("name", WIDGETS)
def test_construction_compiles_what_a_new_function_compiles_once(name: str) -> None:
    make, f = WIDGETS[name]
    make(
        lambda *args: f(*args)
    ).close()  # JAX's own first-use programs (a process's first widget) out of the way
    with count_compiles() as built:
        widget = make(lambda *args: f(*args))  # a function JAX has not seen: every kernel compiles
    built_count = built.count  # the counter is live
    with count_compiles() as changed:
        widget.f = lambda *args: f(*args)
    assert widget.error == ""
    assert built_count == changed.count > 0
    widget.close()
