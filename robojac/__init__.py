"""robojac: Jacobian-centred kinematics, IK, singularity analysis, statics and control
for robot arms, on top of Pinocchio.

Quick start::

    import robojac
    robot = robojac.load("panda")
    q = robot.neutral()
    T = robot.fk(q)                 # (4, 4) tool pose in the base frame
    J = robot.jacobian(q)           # (6, 7), rows [v; ω], base axes at the tool origin

The public names are declared once, in ``robojac/__init__.pyi``: type checkers read it,
and this module reads it to import each name on first use, so ``import robojac`` stays
fast (the IK kernel's numba and the viewer's meshcat load only when used).
"""

from __future__ import annotations

import ast
import importlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

try:
    __version__ = version("robojac")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"


def _declared() -> dict[str, tuple[str, str | None]]:
    """name -> (module, attribute or None for the module itself), from ``__init__.pyi``'s
    ``from .module import name as name`` and ``from . import module as module`` lines."""
    tree = ast.parse(Path(__file__).with_suffix(".pyi").read_text(encoding="utf-8"))
    names: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if node.module:
                    names[alias.asname or alias.name] = (f"{__name__}.{node.module}", alias.name)
                else:
                    names[alias.asname or alias.name] = (f"{__name__}.{alias.name}", None)
    return names


_PUBLIC = _declared()
__all__ = sorted(_PUBLIC)
#: Names that are gone, with what replaces them: old code fails loudly, and says how to port it.
_REMOVED = {
    "ExternalWrench": "ExternalWrench (a wrench applied to the arm) was replaced by ContactWrench(wrench, frame, "
    "ref), which takes the wrench the arm exerts, as all of robojac does: ExternalWrench(frame, w) is "
    "ContactWrench(-w, frame) (docs/conventions.md)",
}


def __getattr__(name: str) -> Any:
    where = _PUBLIC.get(name)
    if where is None:
        if name in _REMOVED:
            raise AttributeError(f"module 'robojac' has no attribute {name!r}: {_REMOVED[name]}")
        raise AttributeError(f"module 'robojac' has no attribute {name!r}")
    module, attribute = where
    mod = importlib.import_module(module)
    value = mod if attribute is None else getattr(mod, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
