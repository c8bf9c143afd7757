"""jaxwidgets: draggable, live pictures of JAX at work in any notebook.

>>> import jaxwidgets
>>> surface = jaxwidgets.LossSurface(lambda x, y: x**2 + y**2, x=(-2, 2), y=(-2, 2), resolution=20)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names and the modules they live in: a new widget is one line here (and one below, for type
# checkers). Its module is imported on first use, so that the Jupyter server can load this package's server
# extension (``_server.py``) without importing JAX.
_HOMES = {
    "count_compiles": ".kernels",
    "CurveFit": ".curve_fit",
    "DensityFit": ".density_fit",
    "Derivative": ".derivative",
    "Descent": ".descent",
    "FunctionError": ".kernels",
    "Jacobian": ".jacobian",
    "JitInspector": ".jit_inspector",
    "LossSurface": ".surface",
    "Posterior": ".posterior",
    "RandomKeys": ".random_keys",
}

if TYPE_CHECKING:
    from .curve_fit import CurveFit as CurveFit
    from .density_fit import DensityFit as DensityFit
    from .derivative import Derivative as Derivative
    from .descent import Descent as Descent
    from .jacobian import Jacobian as Jacobian
    from .jit_inspector import JitInspector as JitInspector
    from .kernels import FunctionError as FunctionError
    from .kernels import count_compiles as count_compiles
    from .posterior import Posterior as Posterior
    from .random_keys import RandomKeys as RandomKeys
    from .surface import LossSurface as LossSurface

    __version__: str

__all__ = [*_HOMES, "__version__"]


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: importlib.metadata alone takes 0.1 s to import
        value: Any = _installed_version()
    elif name in _HOMES:
        from ._startup import first_import

        with first_import():
            value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    else:
        raise AttributeError(f"module 'jaxwidgets' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jaxwidgets")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jaxwidgets._server"}]
