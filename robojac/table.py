"""Plain-text tables and number formatting for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def fmt(x: Any, digits: int = 4) -> str:
    """A number as fixed-point text; inf and NaN spelled out."""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if not np.isfinite(v):
            return str(v)
        if abs(v) >= 1e6:
            return f"{v:.{digits - 1}e}"
        if abs(v) < 0.5 * 10 ** (-digits):
            v = 0.0  # no "-0.000" noise
        return f"{v:+.{digits}f}"
    return str(x)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 4) -> str:
    """Rows under a header, right-aligned numbers, one space of padding."""
    cells = [[fmt(c, digits) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def matrix(
    m: np.ndarray, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None, digits: int = 4
) -> str:
    """A 2-D array as a labelled table."""
    m = np.atleast_2d(m)
    rows = [[row_labels[i] if row_labels else str(i), *m[i]] for i in range(m.shape[0])]
    header = ["", *(col_labels or [str(j) for j in range(m.shape[1])])]
    return table(header, rows, digits)
