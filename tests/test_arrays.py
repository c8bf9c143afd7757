import numpy as np
import pytest

from jaxwidgets._arrays import array_from_json, array_to_json, pack_arrays, wire_array


def test_float64_is_cast_to_contiguous_float32():
    source = np.arange(12, dtype=np.float64).reshape(3, 4).T  # not C-contiguous
    array = wire_array(source)
    assert array.dtype == np.float32 and array.flags.c_contiguous
    np.testing.assert_array_equal(array, source)


def test_trait_record_round_trips_through_binary_view():
    source = np.linspace(-1, 1, 6).reshape(2, 3)
    record = array_to_json(source)
    assert isinstance(record["view"], memoryview)
    assert record["shape"] == [2, 3] and record["view"].nbytes == 6 * 4
    np.testing.assert_allclose(array_from_json(record), source.astype(np.float32))


def test_message_records_name_buffers_by_index():
    records, buffers = pack_arrays(a=[1.0, 2.0], b=np.ones((2, 2)))
    assert records["a"]["buffer"] == 0 and records["b"]["buffer"] == 1
    assert np.frombuffer(buffers[1], np.float32).tolist() == [1.0] * 4


def test_complex_arrays_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="complex"):
        wire_array(np.ones(2, complex))
