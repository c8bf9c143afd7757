"""Pure JAX kernels: no widgets, no traitlets; each module testable on its own."""

from .compiles import CompileCounter, compile_count, count_compiles
from .function import (
    FunctionError,
    SlicedFunction,
    check_scalar_output,
    explain_exception,
    slice_function,
)
from .surface import ProbeResult, cell_centres, make_grid_kernel, make_probe_kernel

__all__ = [
    "CompileCounter",
    "FunctionError",
    "ProbeResult",
    "SlicedFunction",
    "cell_centres",
    "check_scalar_output",
    "compile_count",
    "count_compiles",
    "explain_exception",
    "make_grid_kernel",
    "make_probe_kernel",
    "slice_function",
]
