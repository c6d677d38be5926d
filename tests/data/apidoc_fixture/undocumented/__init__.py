"""The same package with one public function left undocumented on purpose (docs/check_api.py must fail it)."""

__all__ = ["Thing", "area", "perimeter"]


def area(width: float, height: float) -> float:
    """Area [m²] of a ``width`` × ``height`` rectangle [m]."""
    return width * height


def perimeter(width: float, height: float) -> float:
    return 2 * (width + height)


class Thing:
    """A documented class with a documented method."""

    def size(self) -> int:
        """Always 1."""
        return 1
