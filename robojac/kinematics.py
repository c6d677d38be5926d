"""Kinematic state: the poses and Jacobians of one :class:`~robojac.robot.Robot` at one ``q``.

A :class:`Configuration` owns its ``pinocchio.Data``. Each Pinocchio pass runs at most
once per ``q`` and only when a read needs it: ``forwardKinematics`` for poses,
``computeJointJacobians`` (which places the joints too) for Jacobians and joint axes,
``computeJointKinematicHessians`` for Hessians; frame poses, Jacobians and Hessians are
then read from those passes. Two Configurations never share scratch space, so each thread
may hold its own; one Configuration is not meant for several threads at once.

Everything is expressed in the robot's **base frame**, as :meth:`Robot.fk` and
:meth:`Robot.jacobian` do. Jacobian rows are ``[v; ω]`` [m/s; rad/s per joint rate], and
``ref`` names the frame their twist is expressed in:

* ``"local_world_aligned"`` (default): velocity of the frame's origin and angular
  velocity, in base axes;
* ``"local"``: the body twist, in the frame's own axes;
* ``"world"``: the spatial twist, in base axes, about the base origin.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pinocchio as pin

from ._validate import FloatArray
from .robot import DEFAULT_REF, LWA, Robot, check_ref


class Configuration:
    """Placements and Jacobians of ``robot`` at ``q``, computed once on a ``pinocchio.Data`` of its own.

    Args:
        robot: the arm.
        q: joint values (dof,) [rad or m]; validated (shape, finite, real).
    """

    def __init__(self, robot: Robot, q: Any) -> None:
        self.robot = robot
        self.model: pin.Model = robot.model
        #: this Configuration's Pinocchio Data (an escape hatch for Pinocchio's dynamics on the same q)
        self.data: pin.Data = robot.model.createData()
        self.update(q)

    def update(self, q: Any) -> None:
        """Move to ``q`` (dof,) [rad or m]; the passes then run again as reads need them."""
        q = self.robot.check_q(q)
        self.q: FloatArray = q.copy()
        self.q.flags.writeable = False
        #: Pinocchio's configuration (``model.nq``) for :attr:`q`
        self.q_pinocchio: FloatArray = np.array(self.robot.to_pinocchio(self.q))
        self._placed = self._jacobians = self._hessians = False

    def _placements(self) -> None:
        """Joint placements ``data.oMi`` at :attr:`q`."""
        if not self._placed:
            pin.forwardKinematics(self.model, self.data, self.q_pinocchio)
            self._placed = True

    def _joint_jacobians(self) -> None:
        """Joint placements and joint Jacobians ``data.J`` at :attr:`q`."""
        if not self._jacobians:
            pin.computeJointJacobians(self.model, self.data, self.q_pinocchio)
            self._placed = self._jacobians = True

    # ------------------------------------------------------------------ poses
    def pose(self, frame: str | None = None) -> FloatArray:
        """Pose (4, 4) of ``frame`` (default: the tip) in the base frame; position in metres."""
        fid = self.robot.frame_id(frame)
        self._placements()
        return self.robot.pose_in_base(np.array(pin.updateFramePlacement(self.model, self.data, fid).homogeneous))

    def poses(self) -> dict[str, FloatArray]:
        """Pose (4, 4) in the base frame of every frame in ``robot.frame_names``."""
        self._placements()
        pin.updateFramePlacements(self.model, self.data)
        return {
            name: self.robot.pose_in_base(np.array(self.data.oMf[fid].homogeneous))
            for name, fid in self.robot.frame_ids.items()
        }

    def joint_origins(self) -> FloatArray:
        """Origins (dof, 3) [m] of the chain's joints in the base frame, in chain order."""
        self._placements()
        W = self.robot.base_in_world
        pts = np.array([self.data.oMi[j].translation for j in range(1, self.model.njoints)])
        return np.asarray((pts - W[:3, 3]) @ W[:3, :3], dtype=np.float64)

    def joint_axes(self) -> FloatArray:
        """Unit axes (dof, 3) of the chain's joints in base axes: the rotation axis of a
        revolute or continuous joint, the direction of travel of a prismatic one."""
        self._joint_jacobians()
        W = self.robot.base_in_world
        cols = [np.array(self.data.J[:, self.model.joints[j].idx_v]) for j in range(1, self.model.njoints)]
        axes = [c[:3] if kind == "prismatic" else c[3:] for c, kind in zip(cols, self.robot.joint_types)]
        return np.asarray(np.array(axes) @ W[:3, :3], dtype=np.float64)

    # ------------------------------------------------------------------ Jacobians
    def jacobian(self, frame: str | None = None, ref: str = DEFAULT_REF) -> FloatArray:
        """Geometric Jacobian (6, dof) of ``frame`` (default: the tip), rows ``[v; ω]``, expressed per ``ref``.

        ``J @ dq`` is the frame's twist for joint rates ``dq`` [rad/s or m/s], and
        ``J.T @ w`` maps a wrench ``[f; τ]`` [N, N·m] expressed in the same ``ref`` to
        joint torques [N·m or N]. Equal to ``robot.jacobian(q, frame, ref)``.
        """
        rf = check_ref(ref)
        fid = self.robot.frame_id(frame)
        self._joint_jacobians()
        pin.updateFramePlacement(self.model, self.data, fid)
        J = np.array(pin.getFrameJacobian(self.model, self.data, fid, rf)).reshape(6, self.robot.dof)
        return self.robot.jacobian_in_base(J, ref)

    def hessian(self, frame: str | None = None) -> tuple[FloatArray, FloatArray]:
        """The frame's body Jacobian and its derivative: ``(J, dJ)``.

        ``J`` is the ``"local"`` Jacobian (6, dof) and ``dJ[:, i, k] = ∂J[:, i]/∂q_k``
        (6, dof, dof) [per rad or m], from ``pinocchio.computeJointKinematicHessians``.
        (Pinocchio's Python binding hands the Eigen tensor's column-major buffer over under
        a C-order shape; it is re-read here in Eigen's order. The tests check ``dJ``
        against finite differences.) The body Jacobian does not depend on which link is
        the base, so neither does this.
        """
        fid = self.robot.frame_id(frame)
        if not self._hessians:  # this overload computes the joint Jacobians first
            pin.computeJointKinematicHessians(self.model, self.data, self.q_pinocchio)
            self._placed = self._jacobians = self._hessians = True
        pin.updateFramePlacement(self.model, self.data, fid)
        J = np.array(pin.getFrameJacobian(self.model, self.data, fid, pin.ReferenceFrame.LOCAL)).reshape(6, -1)
        raw = np.asarray(pin.getFrameKinematicHessian(self.model, self.data, fid, pin.ReferenceFrame.LOCAL))
        nv = self.model.nv
        return J, raw.ravel(order="K").reshape((6, nv, nv), order="F")

    def center_of_mass_jacobian(self) -> tuple[float, FloatArray]:
        """``(m, J_c)``: total mass [kg] and the Jacobian (3, dof) of the centre of mass, in base axes.

        ``J_c q̇`` is the velocity [m/s] of the centre of mass of every body of the model
        (locked joints' links included). The arm's potential energy is ``U = −m gᵀ c(q)``,
        so the gravity torques are ``∂U/∂q = −m J_cᵀ g``.
        """
        Jc = np.array(pin.jacobianCenterOfMass(self.model, self.data, self.q_pinocchio, False))
        mass = float(self.data.mass[0])
        return mass, self.robot.base_in_world[:3, :3].T @ Jc.reshape(3, -1)

    def frame_motion(self, dq: Any, ddq: Any, frame: str | None = None) -> tuple[FloatArray, FloatArray]:
        """``(twist, acceleration)`` (6,) of ``frame`` for joint rates ``dq`` and accelerations ``ddq``.

        Both ``local_world_aligned``, in base axes: ``twist = J q̇`` [m/s; rad/s] and the
        classical acceleration of the frame's origin with the angular acceleration,
        ``J q̈ + J̇ q̇`` [m/s²; rad/s²].
        """
        v = self.robot.check_q(dq, "dq")
        a = self.robot.check_q(ddq, "ddq")
        fid = self.robot.frame_id(frame)
        pin.forwardKinematics(self.model, self.data, self.q_pinocchio, v, a)
        self._placed = True  # the same placements, with velocities and accelerations
        pin.updateFramePlacement(self.model, self.data, fid)
        twist = np.array(pin.getFrameVelocity(self.model, self.data, fid, LWA).vector)
        acc = np.array(pin.getFrameClassicalAcceleration(self.model, self.data, fid, LWA).vector)
        R = self.robot.base_in_world[:3, :3].T
        return np.concatenate([R @ twist[:3], R @ twist[3:]]), np.concatenate([R @ acc[:3], R @ acc[3:]])


__all__ = [
    "Configuration",
]
