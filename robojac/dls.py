"""Damped least squares: the singularity-robust inverse of a Jacobian.

The plain pseudo-inverse solution ``dq = J⁺ x`` has joint rates that grow like
``1/σ_min`` as the arm nears a singularity. Damped least squares minimises
``‖J dq − x‖² + λ²‖dq‖²`` instead, whose solution

    dq = Jᵀ (J Jᵀ + λ² I)⁻¹ x = Σᵢ σᵢ / (σᵢ² + λ²) · vᵢ uᵢᵀ x

is bounded by ``‖x‖ / (2λ)`` for any σ. Damping everywhere costs accuracy, so
:func:`adaptive_damping` switches it on only near a singularity (Nakamura and Hanafusa
1986; Chiaverini 1997): ``λ² = (1 − (σ_min/ε)²) λ_max²`` when ``σ_min < ε``, else 0.

These functions take plain arrays, so they serve IK, resolved-rate control and tests on
hand-written Jacobians alike.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._validate import FloatArray, as_jacobian, as_vector, non_negative, positive
from .measures import manipulability_gradient, part_rows
from .robot import Robot

#: σ_min below which damping starts (ε) for Jacobians in m/rad and rad/rad.
DAMPING_THRESHOLD = 0.04
#: Damping λ_max reached at an exact singularity.
MAX_DAMPING = 0.04


def adaptive_damping(sigma_min: float, threshold: float = DAMPING_THRESHOLD, max_damping: float = MAX_DAMPING) -> float:
    """λ for the smallest singular value ``sigma_min``: 0 above ``threshold``, ``max_damping`` at 0."""
    if sigma_min >= threshold:
        return 0.0
    return max_damping * math.sqrt(1.0 - (sigma_min / threshold) ** 2)


def damped_solve(
    J: FloatArray,
    x: FloatArray,
    damping: float | None = None,
    *,
    threshold: float = DAMPING_THRESHOLD,
    max_damping: float = MAX_DAMPING,
    secondary: FloatArray | None = None,
) -> tuple[FloatArray, float, float]:
    """Solve ``J dq ≈ x`` by damped least squares; returns ``(dq, λ, σ_min)``.

    ``J`` is (m, n), ``x`` is (m,). With ``damping=None`` the damping follows
    :func:`adaptive_damping` of J's smallest singular value (over ``min(m, n)`` of them);
    pass a number to fix it (0 gives the minimum-norm pseudo-inverse solution, with
    directions of σ < 1e-12 dropped rather than divided by). ``secondary`` (n,) is an
    optional joint velocity projected onto J's exact null space (see
    :func:`damped_step_from_svd`). Inputs are trusted: :func:`damped_step` checks them.
    """
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    smin = float(s[-1]) if J.shape[0] <= J.shape[1] else float(s.min())
    lam = adaptive_damping(smin, threshold, max_damping) if damping is None else float(damping)
    return damped_step_from_svd(U, s, Vt, x, lam, secondary), lam, smin


def damped_gains(s: FloatArray, damping: float) -> FloatArray:
    """The damped inverse's gain ``σ / (σ² + λ²)`` per singular value ``s``.

    With ``damping`` λ = 0 this is ``1/σ``, except that σ < 1e-12 gives 0 (the direction
    is dropped rather than divided by). ``V diag(gains) Uᵀ`` is the damped pseudo-inverse,
    for callers that need the SVD factors themselves (null-space projection, diagnostics).
    """
    if damping > 0:
        return np.asarray(s / (s * s + damping * damping), dtype=np.float64)
    if s.min() > 1e-12:
        return np.asarray(1.0 / s, dtype=np.float64)
    return np.divide(1.0, s, out=np.zeros_like(s), where=s > 1e-12)


def damped_step_from_svd(
    U: FloatArray, s: FloatArray, Vt: FloatArray, x: FloatArray, damping: float, secondary: FloatArray | None = None
) -> FloatArray:
    """``dq = V diag(σ/(σ²+λ²)) Uᵀ x + (I − V Vᵀ) z`` from the thin SVD ``J = U diag(s) Vt``.

    The damped solve of ``J dq ≈ x`` (λ = ``damping``; see :func:`damped_gains`) plus the
    optional joint velocity ``z = secondary`` projected onto the exact null space of J
    (the complement of the k = min(m, n) right singular vectors). That projector changes
    no part of the task velocity, at any λ; the damped one, ``I − J⁺_λ J``, would leak up
    to ``λ/2 · ‖z‖`` into it. With n ≤ m there is no null space and ``z`` is ignored.
    The one step of :func:`damped_step`; :class:`robojac.control.ResolvedRateController`
    runs the same algebra compiled (:mod:`robojac.dls_kernel`).
    """
    dq = Vt.T @ (damped_gains(s, damping) * (U.T @ x))
    if secondary is not None and Vt.shape[1] > Vt.shape[0]:
        dq = dq + secondary - Vt.T @ (Vt @ secondary)
    return np.asarray(dq, dtype=np.float64)


def damped_pinv(J: FloatArray, damping: float) -> FloatArray:
    """The damped pseudo-inverse ``Jᵀ (J Jᵀ + λ² I)⁻¹`` (n, m) for a fixed ``damping`` λ."""
    m = J.shape[0]
    out = np.asarray(np.linalg.solve(J @ J.T + damping * damping * np.eye(m), J).T, dtype=np.float64)
    return out


class RobustStep(NamedTuple):
    """A singularity-robust joint velocity.

    ``dq`` (dof,) [rad/s or m/s]; ``damping`` the λ used (0 away from singularities);
    ``sigma_min`` the smallest singular value of the task Jacobian that set it.
    """

    dq: FloatArray
    damping: float
    sigma_min: float


def damped_step(
    J: Any,
    twist: Any,
    *,
    threshold: float = DAMPING_THRESHOLD,
    max_damping: float = MAX_DAMPING,
    secondary: Any = None,
) -> RobustStep:
    """Joint velocity that tracks ``twist`` through ``J`` (m, n), bounded near singularities.

    ``dq = Σᵢ σᵢ/(σᵢ² + λ²) vᵢ uᵢᵀ x  +  N z``, with λ from
    :func:`robojac.dls.adaptive_damping` (0 while ``σ_min ≥ threshold``, rising to
    ``max_damping`` at ``σ_min = 0``). Each gain ``σ/(σ² + λ²)`` is at most
    ``max(1/threshold, 1/(2 λ_max √(1 − λ_max²/threshold²)))`` when λ_max < threshold,
    and ``1/threshold`` when λ_max ≥ threshold (the defaults have λ_max = threshold), so
    ``‖dq − N z‖ ≤ ‖x‖ / threshold`` at and near a singularity, where the plain
    pseudo-inverse gives ``‖x‖/σ_min``.

    ``secondary`` (n,) is an optional joint velocity ``z`` projected by ``N = I − J⁺J``
    onto the exact null space of a redundant J (n > m): it changes no part of the
    twist. It is ignored when ``n ≤ m``.

    Args:
        J: (m, n) task Jacobian (e.g. rows ``[v; ω]``, m/rad and rad/rad).
        twist: (m,) desired task velocity, in the same frame as J.
        threshold: σ_min below which damping starts (> 0).
        max_damping: λ at an exact singularity (≥ 0; 0 disables damping).
        secondary: optional (n,) joint velocity for the null space.
    """
    Jm = as_jacobian(J)
    m, n = Jm.shape
    x = as_vector(twist, m, "twist")
    t = positive(threshold, "threshold")
    lam_max = non_negative(max_damping, "max_damping")
    z = None if secondary is None or n <= m else as_vector(secondary, n, "secondary")
    dq, lam, smin = damped_solve(Jm, x, threshold=t, max_damping=lam_max, secondary=z)
    return RobustStep(dq, lam, smin)


def robust_step(
    robot: Robot,
    q: Any,
    twist: Any,
    *,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    part: str = "full",
    threshold: float = DAMPING_THRESHOLD,
    max_damping: float = MAX_DAMPING,
    manipulability_gain: float = 0.0,
) -> RobustStep:
    """One singularity-robust resolved-rate step: joint velocities for a desired twist.

    Solves ``J(q) dq ≈ twist`` by adaptive damped least squares (see :func:`damped_step`),
    so ``‖dq‖`` stays bounded at and near singularities. For a redundant arm,
    ``manipulability_gain > 0`` adds ``gain · ∇w`` (:func:`manipulability_gradient`)
    projected onto the null space of the task: the arm drifts towards better-conditioned
    configurations without disturbing the tool.

    Args:
        robot: the arm.
        q: joint values (dof,) [rad or m].
        twist: desired twist of ``frame``, expressed in ``ref``: (6,) ``[v; ω]`` [m/s, rad/s]
            for ``part="full"``, (3,) ``v`` for ``"translational"``, (3,) ``ω`` for ``"rotational"``.
        frame: frame name (default: the tip).
        ref: ``"local_world_aligned"`` (default: base axes, at the frame origin), ``"local"``, ``"world"``.
        part: which rows of the Jacobian the twist constrains.
        threshold: σ_min below which damping starts (> 0).
        max_damping: λ at an exact singularity (≥ 0).
        manipulability_gain: gain on the null-space climb of w (≥ 0) [rad²/s per unit of w].

    Returns:
        :class:`RobustStep` ``(dq, damping, sigma_min)``; integrate ``q + dq·dt``.
    """
    rows = part_rows(part)
    gain = non_negative(manipulability_gain, "manipulability_gain")
    qv = robot.check_q(q)
    J = robot.jacobian(qv, frame, ref)[rows]
    secondary = None
    if gain > 0 and robot.dof > J.shape[0]:
        secondary = gain * manipulability_gradient(robot, qv, frame, part=part)
    return damped_step(J, twist, threshold=threshold, max_damping=max_damping, secondary=secondary)


__all__ = [
    "DAMPING_THRESHOLD",
    "MAX_DAMPING",
    "RobustStep",
    "adaptive_damping",
    "damped_gains",
    "damped_pinv",
    "damped_solve",
    "damped_step",
    "robust_step",
]
