"""A package whose every public name is documented (docs/check_api.py must pass it)."""

__all__ = ["Thing", "area"]


def area(width: float, height: float) -> float:
    """Area [m²] of a ``width`` × ``height`` rectangle [m]."""
    return width * height


class Thing:
    """A documented class with a documented method."""

    def size(self) -> int:
        """Always 1."""
        return 1
