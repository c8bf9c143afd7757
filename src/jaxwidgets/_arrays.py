"""NumPy arrays <-> binary buffers, the one serializer for traits and messages.

Every float array crosses the wire as ``{"view": <buffer>, "dtype": "float32", "shape": [...]}``: float64
is cast to float32 (what the front end draws with), arrays are made C-contiguous, and the data travels as a
binary buffer, never as a JSON list of floats. In custom messages the buffer travels beside the content and
the record names it by index: ``{"buffer": i, "dtype": ..., "shape": ...}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_WIRE_DTYPES = {"f": np.float32, "i": np.int32, "u": np.int32, "b": np.int32}


def wire_array(values: npt.ArrayLike) -> np.ndarray:
    """Return ``values`` as the C-contiguous float32 (or int32) array that goes on the wire.

    >>> wire_array([[1.0, 2.0]]).dtype
    dtype('float32')
    """
    array = np.asarray(values)
    dtype = _WIRE_DTYPES.get(array.dtype.kind)
    if dtype is None:
        raise TypeError(f"cannot send an array of dtype {array.dtype} (real numbers only)")
    return np.ascontiguousarray(array, dtype=dtype)


def array_to_json(values: npt.ArrayLike, widget: Any = None) -> dict[str, Any]:
    """Serialize an array for a trait: ``{"view": memoryview, "dtype", "shape"}``.

    ipywidgets lifts the memoryview out of the state and sends it as a binary buffer.

    >>> record = array_to_json(np.zeros((2, 3)))
    >>> record["dtype"], record["shape"], record["view"].nbytes
    ('float32', [2, 3], 24)
    """
    array = wire_array(values)
    return {
        "view": _bytes(array),
        "dtype": array.dtype.name,
        "shape": list(array.shape),
    }


def array_from_json(record: dict[str, Any] | None, widget: Any = None) -> np.ndarray | None:
    """Inverse of :func:`array_to_json` (the front end may send arrays back the same way).

    >>> array_from_json(array_to_json([1.5, 2.5])).tolist()
    [1.5, 2.5]
    """
    if not record:
        return None
    data = np.frombuffer(record["view"], dtype=np.dtype(record["dtype"]))
    return data.reshape(record["shape"])


def _bytes(array: np.ndarray) -> memoryview:
    """A zero-copy byte view of a contiguous array (what ipywidgets and the kernel send as a buffer)."""
    return memoryview(array.data).cast("B")


array_serialization = {"to_json": array_to_json, "from_json": array_from_json}


def pack_arrays(**arrays: npt.ArrayLike) -> tuple[dict[str, dict[str, Any]], list[memoryview]]:
    """Prepare arrays for a custom message: records naming buffers by index, and the buffers.

    >>> records, buffers = pack_arrays(result=[1.0, 2.0, 3.0])
    >>> records["result"], buffers[0].nbytes
    ({'buffer': 0, 'dtype': 'float32', 'shape': [3]}, 12)
    """
    records: dict[str, dict[str, Any]] = {}
    buffers: list[memoryview] = []
    for name, values in arrays.items():
        array = wire_array(values)
        records[name] = {
            "buffer": len(buffers),
            "dtype": array.dtype.name,
            "shape": list(array.shape),
        }
        buffers.append(_bytes(array))
    return records, buffers
