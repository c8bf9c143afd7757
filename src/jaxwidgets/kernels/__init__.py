"""Pure JAX kernels: no widgets, no traitlets; each module testable on its own."""

from .compile_cache import enable_compilation_cache
from .compiles import CompileCounter, compile_count, count_compiles
from .function import (
    FunctionError,
    SlicedFunction,
    check_scalar_output,
    explain_exception,
    slice_function,
)
from .surface import ProbeResult, cell_centres, make_grid_kernel, make_probe_kernel

# Before any widget compiles: a notebook run again loads its kernels from disk (compile_cache.py).
enable_compilation_cache()

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
