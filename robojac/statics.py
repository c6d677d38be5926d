"""Statics: joint torques from wrenches and gravity.

By virtual work, a wrench ``w = [f; τ]`` [N, N·m] acting on a frame is balanced by the
joint torques ``τ_q = J(ref)ᵀ w`` [N·m or N], where ``J(ref)`` is the frame's Jacobian
and ``w`` is expressed in the same ``ref`` as that Jacobian.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pinocchio as pin

from ._validate import FloatArray, as_vector
from .robot import Robot


def gravity_torques(robot: Robot, q: Any, gravity: Any = None) -> FloatArray:
    """Joint torques (dof,) [N·m or N] that hold the arm still against gravity.

    ``g(q) = ∂U/∂q``, the gradient of the arm's potential energy, from Pinocchio's
    ``computeGeneralizedGravity`` on the URDF's inertial data. A motor must apply
    ``+g(q)`` to hold the arm at rest.

    Args:
        robot: the arm.
        q: joint values (dof,) [rad or m].
        gravity: gravitational acceleration (3,) [m/s²] in the base frame; default the
            model's, ``(0, 0, −9.81)`` for the bundled arms (base z up). The model is
            left unchanged.
    """
    qp = robot._to_pin(robot.check_q(q))
    model = robot.model
    if gravity is None:
        return np.array(pin.computeGeneralizedGravity(model, robot.data, qp))
    g = as_vector(gravity, 3, "gravity")
    if robot._base_in_world is not None:
        # Pinocchio's gravity lives in its world (the URDF root); the user's in the base frame.
        g = robot._base_in_world[:3, :3] @ g
    saved = model.gravity.linear.copy()
    try:
        model.gravity.linear = g
        return np.array(pin.computeGeneralizedGravity(model, robot.data, qp))
    finally:
        model.gravity.linear = saved
