"""Argument checks shared by every public function.

Each returns a clean float array or raises :class:`~robojac.errors.InputError` with a
message naming the argument, what it got and what it expected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InputError

FloatArray = NDArray[np.float64]


_F64 = np.dtype(np.float64)
#: numpy dtype kinds that hold real numbers: signed and unsigned integers and floats.
_REAL_KINDS = frozenset("iuf")
_KIND_NAMES = {
    "b": "booleans",
    "c": "complex numbers",
    "O": "Python objects",
    "U": "strings",
    "S": "bytes",
    "M": "datetimes",
    "m": "timedeltas",
    "V": "raw records",
}


def as_array(value: Any, name: str) -> FloatArray:
    """``value`` as a float64 array, or an InputError naming ``name``.

    Accepts real numbers only: a float64 array is returned as is; integer and other float
    arrays, Python numbers and (nested) lists of them are converted. Booleans, complex
    numbers, strings (even ``'0.1'``) and object arrays are refused rather than silently
    cast (``True`` is not 1 rad, and numpy would drop an imaginary part).
    """
    if value.__class__ is np.ndarray and value.dtype == np.float64:
        return value
    if isinstance(value, (str, bytes)):
        raise InputError(f"{name} must be numeric, got the string {value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be an array of numbers, got {type(value).__name__}: {exc}") from None
    if raw.dtype is _F64:  # a list of Python floats: nothing more to check or convert
        return raw
    kind = raw.dtype.kind
    if kind not in _REAL_KINDS:
        if kind == "O" and raw.ndim and any(x is None for x in raw.ravel().tolist()):
            bad = [i for i, x in enumerate(raw.ravel().tolist()) if x is None]
            raise InputError(f"{name} must be finite numbers; entries {bad[:6]} are None")
        what = _KIND_NAMES.get(kind, f"dtype {raw.dtype}")
        raise InputError(
            f"{name} must be an array of numbers (real: ints or floats), got {what} ({type(value).__name__} of "
            f"dtype {raw.dtype}); convert explicitly, e.g. np.asarray(x, dtype=float)"
            + (", after checking the imaginary part is zero" if kind == "c" else "")
        )
    return raw.astype(np.float64, copy=False)


def check_finite(arr: FloatArray, name: str) -> FloatArray:
    """Raise unless every entry of ``arr`` is finite."""
    # A Python sum of a short vector is the cheapest pass (and, unlike numpy's, overflows
    # to inf without a warning); only a non-finite sum pays for the exact per-entry check.
    quick = math.isfinite(sum(arr.ravel().tolist())) if arr.size <= 64 else bool(np.isfinite(arr).all())
    if not quick and not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr.ravel()))
        raise InputError(f"{name} must be finite; entries {bad[:6].tolist()} are {arr.ravel()[bad[:6]].tolist()}")
    return arr


def as_vector(value: Any, n: int, name: str) -> FloatArray:
    """A finite float vector of length ``n``."""
    arr = value if type(value) is np.ndarray and value.dtype == np.float64 else as_array(value, name)
    if arr.shape != (n,):
        if arr.ndim == 2 and n in arr.shape and 1 in arr.shape:
            hint = f"; flatten the {arr.shape} array"
        elif arr.ndim == 2:
            hint = "; for many vectors call the function once per row"
        else:
            hint = ""
        raise InputError(f"{name} must have shape ({n},), got shape {arr.shape}{hint}")
    return check_finite(arr, name)


def as_matrix(value: Any, shape: tuple[int, ...], name: str) -> FloatArray:
    """A finite float array of exactly ``shape``."""
    arr = as_array(value, name)
    if arr.shape != shape:
        raise InputError(f"{name} must have shape {shape}, got shape {arr.shape}")
    return check_finite(arr, name)


def _number(value: Any, name: str, what: str) -> float:
    # Refuse what float() would silently cast: a bool, a string, a complex (numpy's drops
    # the imaginary part) or a 0-d array of any of them.
    if isinstance(value, (str, bytes, bool, np.bool_, complex)) or (
        isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind not in _REAL_KINDS
    ):
        raise InputError(f"{name} must be {what}, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be {what}, got {value!r}") from None


def positive(value: Any, name: str) -> float:
    """A finite float > 0 (a number, not a string or a bool)."""
    x = _number(value, name, "a positive number")
    if not (math.isfinite(x) and x > 0):
        raise InputError(f"{name} must be a positive finite number, got {x!r}")
    return x


def non_negative(value: Any, name: str) -> float:
    """A finite float ≥ 0 (a number, not a string or a bool)."""
    x = _number(value, name, "a number >= 0")
    if not (math.isfinite(x) and x >= 0):
        raise InputError(f"{name} must be a finite number >= 0, got {x!r}")
    return x


#: Largest singular value an analysed Jacobian may have, well inside float64's range (~1.8e308).
SVD_LIMIT = 1e300


def as_jacobian(J: Any, name: str = "J") -> FloatArray:
    arr = as_array(J, name)
    if arr.ndim != 2 or 0 in arr.shape:
        raise InputError(f"{name} must be a non-empty 2-D (m, n) Jacobian, got shape {arr.shape}")
    check_finite(arr, name)
    # σ₁ ≤ √(mn)·max|J|: beyond the bound σ₁ would overflow float64, and LAPACK then
    # returns garbage (all-zero singular values for a J full of 1e308) rather than inf.
    biggest = float(np.abs(arr).max())
    if biggest > SVD_LIMIT / math.sqrt(arr.size):
        raise InputError(
            f"{name} is too large to analyse in float64: max |{name}| = {biggest:.3g}, and its singular values "
            f"must stay below {SVD_LIMIT:g}; rescale it (e.g. change units)"
        )
    return arr
