"""The solver's view of a Robot: how its joint values reach Pinocchio, and a model copy
whose continuous joints take an angle.

:func:`robot_kinematics` is the one place that reads how a Robot maps to Pinocchio.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
import pinocchio as pin

from .._validate import FloatArray
from ..robot import Robot


def robot_kinematics(robot: Robot) -> tuple[Callable[[FloatArray], FloatArray], FloatArray | None]:
    """``(q → Pinocchio's q, pose (4, 4) of the base in Pinocchio's world or None if identity)``."""
    pre = None if robot.base_is_root else np.array(robot.base_in_world, dtype=float)
    # Held weakly: a solver keeps this function, and caches hold robots weakly.
    method = weakref.WeakMethod(robot.to_pinocchio)

    def to_pinocchio(q: FloatArray) -> FloatArray:
        convert = method()
        if convert is None:  # only a solver whose robot is gone can get here
            raise ReferenceError("the robot of this IK solver no longer exists")
        return np.asarray(convert(q))

    return to_pinocchio, pre


def continuous_joints(robot: Robot) -> np.ndarray:
    """Indices into q of the continuous joints."""
    return np.flatnonzero(np.array(robot.joint_types) == "continuous")


def angle_model(robot: Robot, frame_id: int) -> pin.Model | None:
    """A copy of ``robot.model`` whose continuous joints take an angle, not (cos, sin).

    Pinocchio's continuous (revolute unbounded) joint has two coordinates, so every call on
    ``robot.model`` needs ``q`` converted first, a noticeable share of an iteration.
    The copy swaps each for a revolute joint about the same axis, so the loop passes ``q``
    as it is. None when the robot has no continuous joints, or if the copy's pose of the
    frame differs from the original's (a joint type this does not know).
    """
    model = robot.model
    if not continuous_joints(robot).size:
        return None
    out = pin.Model()
    out.name = model.name
    for j in range(1, model.njoints):
        joint = model.joints[j]
        kind = joint.shortname()
        if kind.startswith("JointModelRUB"):  # unbounded about x, y or z
            joint = {"X": pin.JointModelRX, "Y": pin.JointModelRY, "Z": pin.JointModelRZ}[kind[-1]]()
        elif kind == "JointModelRevoluteUnboundedUnaligned":
            jdata = joint.createData()
            joint.calc(jdata, np.array([1.0, 0.0]))
            joint = pin.JointModelRevoluteUnaligned(np.array(jdata.S)[3:])
        jid = out.addJoint(model.parents[j], joint, model.jointPlacements[j], model.names[j])
        out.appendBodyToJoint(jid, model.inertias[j], pin.SE3.Identity())
    for frame in list(model.frames)[1:]:
        out.addFrame(pin.Frame(frame))
    if out.nq != robot.dof:
        return None
    q = np.linspace(-2.0, 2.5, robot.dof)
    poses = []
    for m, qm in ((out, q), (model, robot.to_pinocchio(q))):
        data = m.createData()
        pin.forwardKinematics(m, data, qm)
        poses.append(pin.updateFramePlacement(m, data, frame_id).homogeneous)
    return out if np.allclose(poses[0], poses[1], rtol=0.0, atol=1e-12) else None
