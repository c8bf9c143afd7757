"""Turn a user's loss into the ``f(params, x, y) -> scalar`` every kernel evaluates; explain failures.

Two calling conventions are accepted:

* ``f(x, y) -> scalar`` (``params`` is ``None``);
* ``f(params) -> scalar`` over a pytree, with ``axes=(name_x, name_y)`` naming two scalar leaves that the
  widget varies while the other leaves stay fixed. Leaf names are dotted paths: ``"mu"`` for
  ``{"mu": ...}``, ``"layer.w"`` for nested dicts or attributes, ``"0"`` for the first item of a tuple.

The fixed leaves are passed to the compiled kernels as arrays (not baked into them as constants), so large
data costs nothing to compile.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import DictKey, GetAttrKey, SequenceKey, tree_flatten_with_path

XYFunction = Callable[[Any, jax.Array, jax.Array], jax.Array]


class FunctionError(ValueError):
    """The user's function cannot be drawn; the message says what to change."""


class SlicedFunction(NamedTuple):
    """A user function seen as a scalar function of two variables, plus the fixed arguments it needs."""

    f: XYFunction
    params: Any
    description: str


def slice_function(
    f: Callable[..., Any], params: Any = None, axes: tuple[str, str] | None = None
) -> SlicedFunction:
    """Adapt ``f(x, y)`` or ``f(params)`` with two named ``axes`` to ``f(params, x, y)``.

    >>> sliced = slice_function(lambda p: p["a"] ** 2 + p["b"], {"a": 1.0, "b": 2.0}, ("a", "b"))
    >>> float(sliced.f(sliced.params, 3.0, 1.0))
    10.0
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a scalar, not {type(f).__name__}")
    if params is None:
        if axes is not None:
            raise ValueError("axes= names leaves of params=; pass params= too, or use f(x, y)")
        return SlicedFunction(lambda _params, x, y: f(x, y), (), "f(x, y)")
    if axes is None or len(axes) != 2 or isinstance(axes, str):
        raise ValueError("with params=, give axes=(name_x, name_y): the two scalar leaves to vary")
    leaves, treedef = jax.tree_util.tree_flatten(params)
    names = leaf_names(params)
    indices = [_leaf_index(names, leaves, name) for name in axes]
    if indices[0] == indices[1]:
        raise ValueError(f"axes must name two different leaves, got {axes[0]!r} twice")
    fixed = jax.device_put([jnp.asarray(leaf) for leaf in leaves])

    def sliced(fixed_leaves: list[jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
        varied = list(fixed_leaves)
        varied[indices[0]], varied[indices[1]] = x, y
        result: jax.Array = f(jax.tree_util.tree_unflatten(treedef, varied))
        return result

    return SlicedFunction(sliced, fixed, f"f(params) over {axes[0]}, {axes[1]}")


def leaf_names(params: Any) -> list[str]:
    """Dotted names of a pytree's leaves, in flattening order.

    >>> leaf_names({"mu": 0.0, "net": {"w": 1.0}, "pair": (2.0, 3.0)})
    ['mu', 'net.w', 'pair.0', 'pair.1']
    """
    return [".".join(_key_name(key) for key in path) for path, _ in tree_flatten_with_path(params)[0]]


def _key_name(key: Any) -> str:
    if isinstance(key, DictKey):
        return str(key.key)
    if isinstance(key, GetAttrKey):
        return str(key.name)
    if isinstance(key, SequenceKey):
        return str(key.idx)
    return str(key)


def _leaf_index(names: list[str], leaves: list[Any], name: str) -> int:
    if name not in names:
        raise ValueError(f"axes names {name!r}, which is not a leaf of params; leaves are {names}")
    index = names.index(name)
    if np.shape(leaves[index]) != ():
        raise ValueError(f"params leaf {name!r} has shape {np.shape(leaves[index])}; axes must be scalars")
    return index


def check_scalar_output(sliced: SlicedFunction) -> None:
    """Trace the function once on abstract inputs; raise FunctionError saying what to change.

    >>> check_scalar_output(slice_function(lambda x, y: jnp.stack([x, y])))
    Traceback (most recent call last):
    ...
    jaxwidgets.kernels.function.FunctionError: f(x, y) must return a scalar, but returned shape (2,): ...
    """
    scalar = jax.ShapeDtypeStruct((), jnp.float32)  # type: ignore[no-untyped-call]
    try:
        out = jax.eval_shape(sliced.f, sliced.params, scalar, scalar)
    except Exception as exc:
        raise FunctionError(explain_exception(exc, sliced.description)) from exc
    shape, dtype = getattr(out, "shape", None), getattr(out, "dtype", None)
    if shape is None or dtype is None:
        raise FunctionError(f"{sliced.description} must return a scalar array, not {type(out).__name__}")
    if shape != ():
        raise FunctionError(
            f"{sliced.description} must return a scalar, but returned shape {shape}: "
            "reduce it (for example with jnp.sum) or pick one element"
        )
    if jnp.issubdtype(dtype, jnp.complexfloating):
        raise FunctionError(
            f"{sliced.description} returned complex values ({dtype}); return a real number, "
            "for example jnp.abs(z) or z.real"
        )
    if not jnp.issubdtype(dtype, jnp.floating):
        raise FunctionError(
            f"{sliced.description} returned {dtype} values; return a float "
            "(write 1.0 rather than 1, or use jnp.float32(...)) so it can be differentiated"
        )


_TRACED_CONTROL_FLOW = (
    "uses Python control flow (if/while/and/or, bool(), int(), float()) on a value that depends on "
    "the inputs. JAX traces f with abstract values, so branch with jnp.where(condition, a, b) or "
    "jax.lax.cond, use jnp.minimum/jnp.maximum instead of min/max, and mark loop bounds as constants"
)
_NUMPY_CONVERSION = (
    "converts a traced value to a NumPy array (np.asarray or a numpy function). "
    "Use jax.numpy (import jax.numpy as jnp) inside f instead of numpy"
)


def explain_exception(exc: BaseException, description: str = "f") -> str:
    """A one-paragraph, readable reason for a failure while tracing or running the user's function.

    >>> explain_exception(ZeroDivisionError("division by zero"))
    'f raised ZeroDivisionError: division by zero'
    """
    if isinstance(exc, FunctionError):
        return str(exc)
    if isinstance(exc, jax.errors.TracerArrayConversionError):
        return f"{description} {_NUMPY_CONVERSION}{_user_location(exc)}."
    if isinstance(
        exc,
        jax.errors.TracerBoolConversionError
        | jax.errors.ConcretizationTypeError
        | jax.errors.TracerIntegerConversionError,
    ):
        return f"{description} {_TRACED_CONTROL_FLOW}{_user_location(exc)}."
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{description} raised {type(exc).__name__}: {first_line}{_user_location(exc)}"


# Frames inside these packages are not the user's code.
_LIBRARY_DIRS = (
    *(os.path.dirname(module.__file__ or "") + os.sep for module in (jax, np)),
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
)


def _user_location(exc: BaseException) -> str:
    """' (at file:line, in name)' for the innermost frame of the user's own code, if any."""
    user_frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_LIBRARY_DIRS)
    ]
    if not user_frames:
        return ""
    frame = user_frames[-1]
    return f" (at {os.path.basename(frame.filename)}:{frame.lineno}, in {frame.name})"
