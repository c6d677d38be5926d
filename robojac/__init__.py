"""robojac: Jacobian-centred kinematics, IK, singularity analysis, statics and control
for robot arms, on top of Pinocchio.

Quick start::

    import robojac
    robot = robojac.load("panda")
    q = robot.neutral()
    T = robot.fk(q)                 # (4, 4) tool pose in the base frame
    J = robot.jacobian(q)           # (6, 7), rows [v; ω], base axes at the tool origin

Public names are imported on first use, so ``import robojac`` stays fast and the
viewer's dependencies load only when a viewer is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ChainError,
    FrameError,
    InputError,
    MeshWarning,
    ModelError,
    PoseError,
    RobojacError,
    RobojacWarning,
    UnknownRobotError,
    URDFError,
)
from .robot import Robot, bundled_robots, load

__version__ = "0.1.0"

# name -> module that defines it; each is imported on first attribute access.
_LAZY: dict[str, str] = {
    "pose": "robojac.pose",
    "statics": "robojac.statics",
    "gravity_torques": "robojac.statics",
}

if TYPE_CHECKING:
    from . import pose as pose
    from . import statics as statics
    from .statics import gravity_torques as gravity_torques


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'robojac' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.rsplit(".", 1)[-1] == name else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ChainError",
    "FrameError",
    "InputError",
    "MeshWarning",
    "ModelError",
    "PoseError",
    "RobojacError",
    "RobojacWarning",
    "Robot",
    "URDFError",
    "UnknownRobotError",
    "bundled_robots",
    "load",
    *_LAZY,
]
