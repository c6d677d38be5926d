"""Every error robojac raises on purpose, in one place.

All derive from :class:`RobojacError`, so ``except robojac.RobojacError`` catches them.
Input errors also derive from :class:`ValueError`, and frame errors from
:class:`KeyError`-free :class:`LookupError`, so code written against numpy's habits keeps
working. Messages say what was wrong and what was expected.
"""

from __future__ import annotations


class RobojacError(Exception):
    """Base class of every robojac error."""


class ModelError(RobojacError):
    """A robot model cannot be built: a malformed URDF, a bad chain, an unknown robot."""


class UnknownRobotError(ModelError, LookupError):
    """A robot name is neither bundled nor a path to a file."""


class URDFError(ModelError):
    """A URDF file is missing, unreadable or malformed."""


class ChainError(ModelError):
    """The base→tip chain is invalid: unknown links, tip not below base, nothing movable."""


class InputError(RobojacError, ValueError):
    """A numeric argument has the wrong shape, type or value (NaN, inf, out of range)."""


class FrameError(RobojacError, LookupError):
    """An unknown frame name or reference frame (``ref``)."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


class PoseError(InputError):
    """A pose is not a rigid transform (rotation not orthonormal, bad last row, bad quaternion)."""


class RobojacWarning(UserWarning):
    """Something was degraded but the result is still usable (e.g. a mesh could not be found)."""


class MeshWarning(RobojacWarning):
    """A mesh file could not be resolved or read; kinematics are unaffected."""


class ViewerError(RobojacError):
    """The meshcat viewer could not start, bind its port or reach its server."""


class ExecutionError(RobojacError):
    """Work sent to an executor failed for good: a chunk raised twice, or the executor broke."""


__all__ = [
    "ChainError",
    "ExecutionError",
    "FrameError",
    "InputError",
    "MeshWarning",
    "ModelError",
    "PoseError",
    "RobojacError",
    "RobojacWarning",
    "URDFError",
    "UnknownRobotError",
    "ViewerError",
]
