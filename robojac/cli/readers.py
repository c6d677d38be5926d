"""Number tables from the files the CLI reads (``ik --targets``, ``scan --path``).

Both read a ``.npy`` array or a comma-separated ``.csv`` file. The CSV reader takes at most
one header line, and only when every cell of it is a name: a first row that mixes numbers
with a typo (``0.45,0,0.3,1,0,0,O``) is a bad data row, reported with its line and cell,
never skipped. A UTF-8 byte-order mark (as spreadsheet programs write) is dropped.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError

#: A header cell: a name such as ``x``, ``qw``, ``panda_joint1``, ``q[3]`` or ``x (m)``; it
#: starts with a letter or underscore, so a number with a typo in it (``0.4S``) is no name.
_NAME = re.compile(r"[A-Za-z_][\w.\-/:\[\]() ]*\Z")


@dataclass(frozen=True)
class NumberTable:
    """A real 2-D or 3-D float array read from ``path``, and where each of its rows came from."""

    values: np.ndarray
    #: for each row (first axis) of ``values``: "line 3" of a CSV file, "row 2" of an array
    where: list[str]
    path: str


def read_numbers(path: str, *, what: str, expected: str) -> NumberTable:
    """Read a ``.npy`` or ``.csv`` file of real numbers.

    ``what`` names the file in messages (``"targets file"``); ``expected`` says what it
    should hold. Every failure is an :class:`InputError` naming the file. Shapes are the
    caller's to check (it knows what it needs), and so is an empty file: a CSV without a
    data row reads as an array of shape (0, 0).
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} {path} does not exist; expected {expected}")
    if p.is_dir():
        raise InputError(f"{what} {path} is not a file but a folder; expected {expected}")
    suffix = p.suffix.lower()
    if suffix == ".npy":
        arr = _read_npy(p, path, what, expected)
        return NumberTable(arr, [f"row {i}" for i in range(arr.shape[0] if arr.ndim else 0)], path)
    if suffix in (".csv", ".txt"):
        return _read_csv(p, path, what, expected)
    raise InputError(f"{what} {path} must end in .npy or .csv, got {suffix or 'no extension'!r}; expected {expected}")


def _read_npy(p: Path, path: str, what: str, expected: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's warnings about the file become the one error line below
            arr = np.load(p, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot read {what} {path} as a .npy array ({reason}); expected {expected}") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive renamed to .npy loads as a mapping
        raise InputError(f"{what} {path} is a .npz archive, not one .npy array; expected {expected}")
    # Integers are whole numbers of metres or radians; anything else (complex, text, bool,
    # records, dates) is not a real number, and a cast would lose or invent data silently.
    if arr.dtype.kind not in "fiu" or arr.dtype.fields is not None:
        raise InputError(f"{what} {path} holds an array of dtype {arr.dtype}, not real numbers; expected {expected}")
    return np.asarray(arr, dtype=float)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_csv(p: Path, path: str, what: str, expected: str) -> NumberTable:
    try:
        # utf-8-sig drops a byte-order mark; without that the first cell reads as '\ufeff0.45'.
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {what} {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    rows: list[list[float]] = []
    where: list[str] = []
    header: tuple[int, list[str]] | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue  # blank lines and comments
        cells = [c.strip().strip('"').strip() for c in line.split(",")]
        if not rows and header is None and not all(_is_number(c) for c in cells):
            if all(_NAME.match(c) for c in cells):
                header = (n, cells)
                continue
            # Numbers beside a non-number make a data row with a typo; else a header with a bad name.
            mixed = any(_is_number(c) for c in cells)
            k, bad = next((k, c) for k, c in enumerate(cells, 1) if not _is_number(c) and (mixed or not _NAME.match(c)))
            raise InputError(
                f"{what} {path} line {n}, cell {k}: {bad!r} is neither a number nor a header name; "
                f"expected {expected} (with at most one header line of names)"
            )
        try:
            values = [float(c) for c in cells]
        except ValueError:
            k, bad = next((k, c) for k, c in enumerate(cells, 1) if not _is_number(c))
            raise InputError(
                f"{what} {path} line {n}, cell {k}: {bad!r} is not a number; expected {expected}"
            ) from None
        if rows and len(values) != len(rows[0]):
            raise InputError(
                f"{what} {path} is ragged: line {n} has {len(values)} values where {where[0]} has {len(rows[0])}; "
                f"expected {expected}"
            )
        rows.append(values)
        where.append(f"line {n}")
    if not rows:
        return NumberTable(np.zeros((0, 0)), [], path)  # the caller says what an empty file lacks
    if header is not None and len(header[1]) != len(rows[0]):
        raise InputError(
            f"{what} {path}: the header on line {header[0]} names {len(header[1])} columns, "
            f"the data rows have {len(rows[0])} values; expected {expected}"
        )
    return NumberTable(np.array(rows, dtype=float), where, path)
