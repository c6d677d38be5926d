"""Acceptances of the shared argument checks (robojac/_validate.py): the real-number inputs they must keep taking."""

from __future__ import annotations

import numpy as np
import pytest

from robojac._validate import as_array, non_negative, positive


def test_float64_array_is_returned_as_is() -> None:
    a = np.array([0.1, 0.2])
    assert as_array(a, "q") is a


@pytest.mark.parametrize(
    "value",
    [
        [1, 2, 3],
        [1, 2.0, 3],
        (1.0, 2.0, 3.0),
        np.arange(1, 4),
        np.arange(1, 4, dtype=np.uint8),
        np.array([1, 2, 3], dtype=np.float32),
        [np.float64(1.0), np.int64(2), 3],
        [np.array(1.0), 2, 3],
    ],
)
def test_real_numbers_become_float64(value: object) -> None:
    arr = as_array(value, "q")
    assert arr.dtype == np.float64
    np.testing.assert_array_equal(arr, [1.0, 2.0, 3.0])


def test_scalars_are_0d_arrays() -> None:
    assert as_array(3, "x").shape == ()
    assert float(as_array(np.float32(2.5), "x")) == 2.5


def test_number_checks_take_numpy_reals() -> None:
    assert positive(np.float32(0.5), "dt") == 0.5
    assert non_negative(np.int64(0), "tol") == 0.0
    assert positive(np.array(2.0), "dt") == 2.0
