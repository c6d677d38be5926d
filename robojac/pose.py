"""Poses: conversions between 4×4 arrays, ``pinocchio.SE3``, (position, quaternion) and scipy.

A pose ``T`` is the placement of a frame B in a frame A: ``p_A = T @ [p_B; 1]``, with the
rotation in ``T[:3, :3]`` and the position of B's origin in A, in metres, in ``T[:3, 3]``.
Quaternions are ``(x, y, z, w)``, the order scipy and Pinocchio use.

Every function that takes a pose accepts any of:

* a (4, 4) array (checked to be a rigid transform),
* a ``pinocchio.SE3``,
* a ``(position, quaternion_xyzw)`` pair of a 3-vector and a 4-vector.
"""

from __future__ import annotations

import math
from typing import Any, Union

import numpy as np
import pinocchio as pin
from scipy.spatial.transform import Rotation

from ._validate import FloatArray, as_array, check_finite
from .errors import InputError, PoseError

PoseLike = Union[FloatArray, "pin.SE3", tuple[Any, Any]]

#: Largest accepted deviation of a rotation block from orthonormality, max |RᵀR − I|.
ORTHONORMAL_TOLERANCE = 1e-6
#: Largest accepted deviation of a quaternion's norm from 1.
QUATERNION_NORM_TOLERANCE = 1e-3
#: Largest ‖v‖ [m/s] and ‖ω‖ [rad/s] :func:`exp6` accepts: ‖ω‖² must stay inside float64.
MAX_TWIST = 1e150


def _check_rotation(R: FloatArray, name: str) -> FloatArray:
    defect = float(np.abs(R.T @ R - np.eye(3)).max())
    if defect > ORTHONORMAL_TOLERANCE:
        raise PoseError(
            f"{name} is not a rigid transform: its rotation block is not orthonormal "
            f"(max |RᵀR − I| = {defect:.3g}, tolerance {ORTHONORMAL_TOLERANCE:g}); "
            "scaling or shear are not allowed"
        )
    det = float(np.linalg.det(R))
    if det < 0:
        raise PoseError(f"{name} is a reflection, not a rotation (det R = {det:.3g}, expected +1)")
    if defect > 1e-12:
        u, _, vt = np.linalg.svd(R)
        R = u @ vt  # the nearest rotation, so downstream maths is exact
    return R


def as_matrix(pose: Any, name: str = "pose") -> FloatArray:
    """Any pose (see the module doc) as a checked (4, 4) float array (a new array)."""
    if isinstance(pose, pin.SE3):
        T = np.array(pose.homogeneous)  # an SE3 can hold NaN or a non-rotation too: check it like any array
    elif isinstance(pose, tuple) and len(pose) == 2:
        return from_position_quaternion(pose[0], pose[1], name)
    elif isinstance(pose, Rotation):
        raise PoseError(
            f"{name} is a scipy Rotation; a pose also needs a position: use from_rotation(rotation, position)"
        )
    else:
        try:
            T = as_array(pose, name)  # refuses bools, complex numbers, strings and objects
        except InputError as exc:
            why = "" if isinstance(pose, (str, bytes)) else f" ({exc})"
            raise PoseError(
                f"{name} must be a (4, 4) homogeneous transform, a pinocchio.SE3 or a (position, quaternion_xyzw) "
                f"pair; got {'the string' if isinstance(pose, str) else type(pose).__name__} {_short(pose)}{why}"
            ) from None
    if T.shape != (4, 4):
        raise PoseError(
            f"{name} must be a (4, 4) homogeneous transform, a pinocchio.SE3 or a (position, quaternion_xyzw) pair; "
            f"got an array of shape {T.shape}"
        )
    check_finite(T, name)
    last = T[3]
    if np.abs(last - (0.0, 0.0, 0.0, 1.0)).max() > ORTHONORMAL_TOLERANCE:
        raise PoseError(f"{name} is not a rigid transform: its last row is {last.tolist()}, expected [0, 0, 0, 1]")
    out = np.array(T)
    out[:3, :3] = _check_rotation(T[:3, :3], name)
    out[3] = (0.0, 0.0, 0.0, 1.0)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_se3(pose: Any, name: str = "pose") -> pin.SE3:
    """Any pose as a ``pinocchio.SE3``."""
    if isinstance(pose, pin.SE3):
        return pose
    T = as_matrix(pose, name)
    return pin.SE3(T[:3, :3], T[:3, 3])


def from_position_quaternion(position: Any, quaternion_xyzw: Any, name: str = "pose") -> FloatArray:
    """(4, 4) pose from a position [m] and a unit quaternion ``(x, y, z, w)``."""
    p = check_finite(as_array(position, f"{name} position"), f"{name} position")
    q = check_finite(as_array(quaternion_xyzw, f"{name} quaternion"), f"{name} quaternion")
    if p.shape != (3,):
        raise PoseError(f"{name} position must have 3 entries (x, y, z) [m], got shape {p.shape}")
    if q.shape != (4,):
        raise PoseError(f"{name} quaternion must have 4 entries (x, y, z, w), got shape {q.shape}")
    norm = float(np.linalg.norm(q))
    if abs(norm - 1.0) > QUATERNION_NORM_TOLERANCE:
        raise PoseError(
            f"{name} quaternion must be a unit quaternion (x, y, z, w); its norm is {norm:.6g}. "
            "Normalise it, or check that it is not Euler angles or a (w, x, y, z) vector with a typo"
        )
    T = np.eye(4)
    T[:3, :3] = Rotation.from_quat(q / norm).as_matrix()
    T[:3, 3] = p
    return T


def to_position_quaternion(pose: Any) -> tuple[FloatArray, FloatArray]:
    """(position [m], quaternion ``(x, y, z, w)``) of a pose, with ``w >= 0``."""
    T = as_matrix(pose)
    q = Rotation.from_matrix(T[:3, :3]).as_quat()
    return T[:3, 3].copy(), (q if q[3] >= 0 else -q)


def from_rotation(rotation: Rotation, position: Any = (0.0, 0.0, 0.0)) -> FloatArray:
    """(4, 4) pose from a scipy ``Rotation`` and a position [m]."""
    if not isinstance(rotation, Rotation) or not rotation.single:
        raise PoseError(f"expected a single scipy Rotation, got {rotation!r}")
    p = check_finite(as_array(position, "position"), "position")
    if p.shape != (3,):
        raise PoseError(f"position must have 3 entries (x, y, z) [m], got shape {p.shape}")
    T = np.eye(4)
    T[:3, :3] = rotation.as_matrix()
    T[:3, 3] = p
    return T


def to_rotation(pose: Any) -> Rotation:
    """The rotation part of a pose as a scipy ``Rotation``."""
    return Rotation.from_matrix(as_matrix(pose)[:3, :3])


def inverse(pose: Any) -> FloatArray:
    """The inverse pose: if ``T`` places B in A, ``inverse(T)`` places A in B."""
    T = as_matrix(pose)
    out = np.eye(4)
    out[:3, :3] = T[:3, :3].T
    out[:3, 3] = -T[:3, :3].T @ T[:3, 3]
    return out


def log6(pose: Any) -> FloatArray:
    """The twist ``[v; ω]`` (6,) whose exponential is ``pose``: Pinocchio's ``log6``.

    For a relative pose ``T_cur⁻¹ T_target`` this is the error twist expressed in the
    current frame (units m and rad), the quantity damped least squares drives to zero.
    """
    out = np.array(pin.log6(as_se3(pose)).vector)
    if not np.isfinite(out).all():  # a position near float64's limit can overflow V⁻¹ p
        raise InputError(f"log6 of this pose overflows float64 (got {out.tolist()}); its position is too large")
    return out


def exp6(twist: Any) -> FloatArray:
    """The (4, 4) pose reached by following the constant twist ``[v; ω]`` for 1 s.

    ``‖v‖`` [m/s] and ``‖ω‖`` [rad/s] must each be at most :data:`MAX_TWIST`: beyond it the
    rotation angle's square overflows float64 and the pose comes out NaN.
    """
    t = check_finite(as_array(twist, "twist"), "twist")
    if t.shape != (6,):
        raise PoseError(f"twist must have 6 entries [v; ω], got shape {t.shape}")
    v, w = t[:3].tolist(), t[3:].tolist()
    nv, nw = math.hypot(*v), math.hypot(*w)
    if not (nv <= MAX_TWIST and nw <= MAX_TWIST):
        raise InputError(
            f"twist is too large for exp6: |v| = {nv:.3g} m/s and |ω| = {nw:.3g} rad/s must each be at most "
            f"{MAX_TWIST:g} (beyond it the result overflows float64)"
        )
    T = np.array(pin.exp6(t).homogeneous)
    check_finite(T, "exp6(twist)")
    return T


def pose_error(pose: Any, target: Any) -> tuple[float, float]:
    """(position error [m], rotation error [rad]) of ``pose`` with respect to ``target``.

    Position error is ``‖p − p*‖``; rotation error is ``‖log(Rᵀ R*)‖``, the angle of the
    residual rotation, in ``[0, π]``.
    """
    T, Ts = as_matrix(pose, "pose"), as_matrix(target, "target")
    return position_rotation_error(T, Ts)


def position_rotation_error(T: FloatArray, Ts: FloatArray) -> tuple[float, float]:
    """:func:`pose_error` on already-checked (4, 4) arrays, without re-validating them."""
    dp = T[:3, 3] - Ts[:3, 3]
    R = T[:3, :3].T @ Ts[:3, :3]
    c = (R[0, 0] + R[1, 1] + R[2, 2] - 1.0) / 2.0
    # acos loses half the digits near 0; the sine from the skew part keeps them.
    s = 0.5 * math.sqrt((R[2, 1] - R[1, 2]) ** 2 + (R[0, 2] - R[2, 0]) ** 2 + (R[1, 0] - R[0, 1]) ** 2)
    return math.sqrt(float(dp @ dp)), math.atan2(s, c)


def adjoint(pose: Any) -> FloatArray:
    """The (6, 6) adjoint of a pose ``T_AB``, mapping twists ``[v; ω]`` from B to A.

    ``V_A = Ad(T_AB) V_B``. Wrenches ``[f; τ]`` map the other way with its transpose:
    ``w_B = Ad(T_AB)ᵀ w_A``, which keeps power ``wᵀV`` invariant.
    """
    return np.array(as_se3(pose).action)
