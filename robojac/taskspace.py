"""The tool frame's kinematics as a controller needs them, at 1 kHz.

:class:`TaskSpace` wraps the Pinocchio calls every controller makes once per step (the
Jacobian, the tool pose and the pose error) on a private ``pinocchio.Data``, so a
controller, a trajectory and a simulator never overwrite each other's scratch space.
Inputs are trusted: callers validate ``q`` once, at the start of a run.

Pose error, in the base frame at the tool origin (``local_world_aligned``), rows [m; rad]:

    e = [ p* − p ;  R log(Rᵀ R*) ]

so ``‖e[3:]‖`` is the rotation error angle and ``e`` is a twist that, applied for one
second with ``J(q)``, carries the tool to the target to first order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pinocchio as pin
import scipy.linalg

from ._validate import FloatArray, as_array, check_finite
from .dls import adaptive_damping
from .errors import InputError
from .robot import LWA, Robot


class TaskSpace:
    """Jacobian, pose and pose error of one frame, without validation or extra copies."""

    def __init__(self, robot: Robot, frame: str | None = None) -> None:
        if not robot.base_is_root:
            raise InputError(
                f"control and simulation need the base of '{robot.name}' to be the URDF root link; "
                f"load it without base= (its base is '{robot.base}')"
            )
        self.robot = robot
        self.model = robot.model
        self.data = robot.model.createData()
        self.frame = frame if frame is not None else robot.tip
        self.fid = robot.frame_id(frame)
        self.to_pin = robot.to_pinocchio
        self.error = np.zeros(6)
        self.pose = np.eye(4)
        self.J = np.zeros((6, robot.dof))

    def jacobian(self, qp: FloatArray) -> FloatArray:
        """(6, dof) ``local_world_aligned`` Jacobian at Pinocchio configuration ``qp``; also
        updates :attr:`pose` and this Data's joint placements."""
        J = pin.computeFrameJacobian(self.model, self.data, qp, self.fid, LWA)
        self.J = J
        self.pose = self.data.oMf[self.fid].homogeneous
        return J

    def pose_error(self, target: FloatArray) -> FloatArray:
        """:attr:`error` ``[p* − p; R log(Rᵀ R*)]`` for the pose of the last :meth:`jacobian`."""
        T = self.pose
        e = self.error
        e[:3] = target[:3, 3] - T[:3, 3]
        e[3:] = pin.log3(target[:3, :3] @ T[:3, :3].T)  # R log(Rᵀ R*) = log(R* Rᵀ): one product fewer
        return e


def gains(value: Any, n: int, name: str, unit: str) -> FloatArray:
    """A gain as ``n`` finite numbers ≥ 0 (a scalar applies to all), or an InputError."""
    arr = as_array(value, name)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise InputError(f"{name} must be one number or {n} numbers [{unit}], got shape {arr.shape}")
    check_finite(arr, name)
    if np.any(arr < 0):
        raise InputError(f"{name} must be >= 0 [{unit}], got {arr.tolist()}")
    return arr.copy()


def critical_damping(stiffness: FloatArray) -> FloatArray:
    """``2√K``: critical damping of a unit mass on a spring of stiffness ``K``."""
    return 2.0 * np.sqrt(stiffness)


def modal_damping(stiffness: FloatArray, inertia: FloatArray, zeta: float = 1.0) -> FloatArray:
    """A (n, n) damping matrix ``D`` that damps every mode of ``(Λ, K)`` with ratio ``zeta``.

    With the generalized eigenvectors ``K v = ω² Λ v`` normalised so ``Vᵀ Λ V = I``,
    ``D = Λ V diag(2ζω) Vᵀ Λ`` gives each mode ``ÿ + 2ζω ẏ + ω² y = 0`` ("double
    diagonalisation", Albu-Schäffer et al. 2003). Per-axis ``2√(K_ii Λ_ii)`` is not enough:
    a stiff linear axis acting on a light wrist through a lever is then under- or
    over-damped and an explicit integrator goes unstable.
    """
    K = np.diag(stiffness)
    n = K.shape[0]
    L = inertia + 1e-12 * max(float(np.trace(inertia)), 1e-300) * np.eye(n)  # Λ is only semi-definite at a singularity
    w2, V = scipy.linalg.eigh(K, L)
    omega = np.sqrt(np.maximum(w2, 0.0))
    LV = L @ V
    return np.asarray((LV * (2.0 * zeta * omega)) @ LV.T, dtype=np.float64)


def joint_inertia_diagonal(robot: Robot, q: FloatArray) -> FloatArray:
    """``diag M(q)`` (dof,) [kg·m² or kg]: the inertia each joint alone would move."""
    data = robot.model.createData()
    return np.array(np.diag(pin.crba(robot.model, data, robot.to_pinocchio(q))))


def task_inertia(
    model: pin.Model, data: pin.Data, qp: FloatArray, J: FloatArray, threshold: float, max_damping: float
) -> tuple[FloatArray, FloatArray, float]:
    """``(Λ, M⁻¹Jᵀ, λ)``: the damped task-space inertia of Jacobian ``J`` (6, dof) at ``qp``.

    ``Λ⁻¹ = J M⁻¹ Jᵀ = Σ μ wwᵀ``; ``Λ = Σ μ/(μ² + λ²) wwᵀ`` with
    ``λ = adaptive_damping(μ_min, threshold, max_damping)`` (μ in 1/kg or 1/(kg·m²)), which
    is the exact inverse away from singularities; with ``max_damping = threshold = ε`` the
    gain ``μ/(μ² + λ²)`` is ``μ/ε²`` below the threshold, so the mass along any direction
    is at most ``1/ε`` and 0 along an exactly lost one. ``M`` is Pinocchio's CRBA.
    """
    M = pin.crba(model, data, qp)
    MinvJt = np.linalg.solve(M, J.T)
    mu, W = np.linalg.eigh(J @ MinvJt)
    lam = adaptive_damping(float(mu[0]), threshold, max_damping)
    Lam = (W * (mu / (mu * mu + lam * lam))) @ W.T
    return Lam, MinvJt, lam
