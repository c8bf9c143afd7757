"""jaxwidgets: draggable, live pictures of JAX at work in any notebook.

>>> import jaxwidgets
>>> surface = jaxwidgets.LossSurface(lambda x, y: x**2 + y**2, x=(-2, 2), y=(-2, 2), resolution=20)
"""

from importlib.metadata import PackageNotFoundError, version

from .descent import Descent
from .kernels import FunctionError, count_compiles
from .posterior import Posterior
from .surface import LossSurface

try:
    __version__ = version("jaxwidgets")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["Descent", "FunctionError", "LossSurface", "Posterior", "__version__", "count_compiles"]
