"""Wrenches: building them and changing the frame they are expressed in.

A wrench ``w = [f; n]`` (6,) is a force ``f`` [N] and a moment ``n`` [N·m], linear part
first, as Pinocchio's ``Force``. "Expressed in frame A" means: ``f`` and ``n`` in A's
axes, and ``n`` is the moment **about A's origin**. The same physical wrench has a
different moment about a different point (``n_O = n_P + (P − O) × f``), which is why a
wrench is meaningless without its frame, and why mixing frames is the most common statics
bug.

The three ``ref`` names of a robot frame F (Pinocchio's) mean, for wrenches:

* ``"local"``: F's axes, moment about F's origin;
* ``"local_world_aligned"`` (default): base axes, moment about F's origin;
* ``"world"``: base axes, moment about the base origin.

A wrench in ``ref`` pairs with the Jacobian in the same ``ref``: the power
``wᵀ (J(ref) q̇)`` is the same number in every ``ref``, and ``τ = J(ref)ᵀ w``.

Changing frames uses the adjoint: twists go ``V_A = Ad(T_AB) V_B`` and wrenches go the
dual way ``w_A = Ad(T_AB)⁻ᵀ w_B = Ad(T_BA)ᵀ w_B``, the unique map that keeps power
``wᵀV`` invariant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import pose as _pose
from ._validate import FloatArray, as_array, as_vector
from .errors import InputError
from .robot import Robot, check_ref


def as_wrench(wrench: Any, name: str = "wrench") -> FloatArray:
    """``wrench`` as a finite (6,) float vector ``[fx, fy, fz, mx, my, mz]`` [N, N·m]."""
    arr = as_array(wrench, name)
    if arr.shape != (6,):
        raise InputError(
            f"{name} must have 6 entries [fx, fy, fz, mx, my, mz] (force [N] first, then moment [N·m]), "
            f"got shape {arr.shape}"
        )
    return as_vector(arr, 6, name)


def wrench_at(force: Any, point: Any = (0.0, 0.0, 0.0), moment: Any = (0.0, 0.0, 0.0)) -> FloatArray:
    """The wrench ``[f; p × f + m]`` (6,) about a frame's origin of a force applied at a point.

    ``force`` [N], ``point`` [m] and the extra couple ``moment`` [N·m] are all given in one
    frame's axes and coordinates; the result is expressed in that frame.
    """
    f = as_vector(force, 3, "force")
    p = as_vector(point, 3, "point")
    m = as_vector(moment, 3, "moment")
    return np.concatenate((f, np.cross(p, f) + m))


def transform_wrench(wrench: Any, pose: Any) -> FloatArray:
    """A wrench expressed in frame B, re-expressed in frame A, given ``pose`` = T_AB (B in A).

    ``w_A = Ad(T_AB)⁻ᵀ w_B``: ``f_A = R f_B``, ``n_A = R n_B + p × (R f_B)``. Same as
    Pinocchio's ``T_AB.act(Force)``.
    """
    w = as_wrench(wrench)
    return _pose.adjoint(_pose.inverse(pose)).T @ w


def transform_twist(twist: Any, pose: Any) -> FloatArray:
    """A twist ``[v; ω]`` expressed in frame B, re-expressed in frame A: ``V_A = Ad(T_AB) V_B``."""
    t = as_vector(twist, 6, "twist")
    return _pose.adjoint(pose) @ t


def ref_pose(robot: Robot, q: Any, frame: str | None, ref: str) -> FloatArray:
    """(4, 4) pose, in the base frame, of the frame a ``ref`` wrench of ``frame`` is expressed in.

    ``"local"``: the frame itself; ``"local_world_aligned"``: base axes at the frame's
    origin; ``"world"``: the base frame (identity).
    """
    check_ref(ref)
    if ref == "world":
        return np.eye(4)
    T = robot.fk(q, frame)
    if ref == "local_world_aligned":
        T[:3, :3] = np.eye(3)
    return T


def change_wrench_ref(
    robot: Robot,
    q: Any,
    wrench: Any,
    frame: str | None = None,
    *,
    from_ref: str,
    to_ref: str,
) -> FloatArray:
    """Re-express a wrench on ``frame`` (default: the tip) from ``from_ref`` to ``to_ref``.

    Afterwards ``J(to_ref)ᵀ w_to == J(from_ref)ᵀ w_from``: same physical wrench, same torques.
    """
    w = as_wrench(wrench)
    check_ref(from_ref)
    check_ref(to_ref)
    if from_ref == to_ref:
        return w.copy()
    T_from = ref_pose(robot, q, frame, from_ref)
    T_to = ref_pose(robot, q, frame, to_ref)
    return transform_wrench(w, _pose.inverse(T_to) @ T_from)


def force_at_point(
    robot: Robot,
    q: Any,
    force: Any,
    point: Any = (0.0, 0.0, 0.0),
    *,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    point_frame: str | None = None,
    force_frame: str | None = None,
) -> FloatArray:
    """The wrench on ``frame`` (expressed in ``ref``) of a force applied at a point.

    Args:
        robot, q: the arm and its joint values.
        force: the force (3,) [N], with components in ``force_frame``'s axes (default:
            the base frame, e.g. ``(0, 0, −m g)`` for a weight).
        point: where it acts (3,) [m], in ``point_frame``'s coordinates (default: ``frame``
            itself, so ``(0, 0, 0.1)`` is 10 cm along the tool's z axis).
        frame: the frame the wrench is reduced to (default: the tip); pass the same to
            :func:`~robojac.statics.joint_torques`.
        ref: the returned wrench's expression (see the module doc).
    """
    check_ref(ref)
    T_frame = robot.fk(q, frame)
    T_point = T_frame if point_frame is None else robot.fk(q, point_frame)
    R_force = np.eye(3) if force_frame is None else robot.fk(q, force_frame)[:3, :3]
    f_base = R_force @ as_vector(force, 3, "force")
    p_base = T_point[:3, :3] @ as_vector(point, 3, "point") + T_point[:3, 3]
    w_lwa = wrench_at(f_base, p_base - T_frame[:3, 3])
    return change_wrench_ref(robot, q, w_lwa, frame, from_ref="local_world_aligned", to_ref=ref)


def pure_moment(
    robot: Robot,
    q: Any,
    moment: Any,
    *,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    moment_frame: str | None = None,
) -> FloatArray:
    """The wrench ``[0; n]`` on ``frame`` (expressed in ``ref``) of a couple ``moment`` [N·m].

    ``moment`` has components in ``moment_frame``'s axes (default: the base frame). A
    couple is the same about every point, so only the axes change with ``ref``.
    """
    check_ref(ref)
    R = np.eye(3) if moment_frame is None else robot.fk(q, moment_frame)[:3, :3]
    w_lwa = np.concatenate((np.zeros(3), R @ as_vector(moment, 3, "moment")))
    return change_wrench_ref(robot, q, w_lwa, frame, from_ref="local_world_aligned", to_ref=ref)
