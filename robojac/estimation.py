"""Estimating the wrench at the tool from measured joint torques.

At rest, measured motor torques are ``τ = g(q) + τ_payload + J(ref)ᵀ w``, with ``w`` the
wrench the arm exerts on its environment (the environment pushes back with ``−w``):
robojac's one wrench convention, the one :mod:`robojac.statics` and the simulator's
:class:`~robojac.simulate.ContactWrench` use, so the torques of a simulated contact
estimate back to that contact's wrench. The estimate inverts the relation in the
least-squares sense:

    ŵ = argmin ‖Jᵀ w − r‖² + λ² ‖w‖²,   r = τ − g(q) − τ_payload,

with λ from Nakamura–Chiaverini adaptive damping (:mod:`robojac.dls`): zero away from
singularities, so ŵ is exactly ``(Jᵀ)⁺ r`` there, and growing near them, so noise along
a nearly lost direction is not amplified by ``1/σ_min``.

A wrench direction ``u`` (a left singular vector of J) with singular value σ = 0 does no
work on any joint velocity (``uᵀ J q̇ = 0``): the structure carries it and the motors
cannot feel it. Such directions are **unobservable**, and the estimate's component along
them is zero by construction, not measured. An arm with fewer than six joints always has
``6 − dof`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import FloatArray, as_vector, non_negative, positive
from .dls import DAMPING_THRESHOLD, MAX_DAMPING, adaptive_damping, damped_gains
from .robot import Robot, check_ref
from .statics import Payload, static_torques

#: Singular values below this [m or 1] count as zero: the direction is unobservable.
RANK_TOLERANCE = 1e-8


@dataclass(frozen=True)
class WrenchEstimate:
    """The result of :func:`estimate_wrench`.

    Attributes:
        wrench: ŵ (6,) ``[f; n]`` [N, N·m] that the arm exerts through ``frame``, in ``ref``.
        frame, ref: where ŵ acts and how it is expressed.
        residual_torque: ``r − Jᵀ ŵ`` (dof,) [N·m]: what no tool wrench explains (a
            contact elsewhere, model error, or torque along a null-space motion).
        singular_values: of J (descending, ``min(6, dof)`` values) [m or 1].
        sigma_min, condition_number: σ_min and σ_max / σ_min (inf when σ_min = 0).
        damping: the λ used; 0 means the plain least-squares solution.
        ill_conditioned: True when σ_min < ``threshold``: ŵ is biased by damping along the
            weak directions and sensitive to torque noise; do not trust it there.
        unobservable: (k, 6) unit wrench directions (rows, in ``ref``) with σ below
            :data:`RANK_TOLERANCE`, along which ŵ is zero by construction.
        weak: (k', 6) directions with σ < ``threshold`` (includes the unobservable ones).
    """

    wrench: FloatArray
    frame: str
    ref: str
    residual_torque: FloatArray
    singular_values: FloatArray
    sigma_min: float
    condition_number: float
    damping: float
    ill_conditioned: bool
    unobservable: FloatArray
    weak: FloatArray

    @property
    def force(self) -> FloatArray:
        """The force part (3,) [N]."""
        return self.wrench[:3]

    @property
    def moment(self) -> FloatArray:
        """The moment part (3,) [N·m]."""
        return self.wrench[3:]


def estimate_wrench(
    robot: Robot,
    q: Any,
    tau: Any,
    *,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    payload: Payload | float | None = None,
    include_gravity: bool = True,
    gravity: Any = None,
    damping: float | None = None,
    threshold: float = DAMPING_THRESHOLD,
    max_damping: float = MAX_DAMPING,
) -> WrenchEstimate:
    """Estimate the wrench the arm exerts through ``frame`` from joint torques ``tau``.

    Args:
        robot, q: the arm at rest at joint values ``q``.
        tau: measured motor torques (dof,) [N·m or N].
        frame: where the wrench acts (default: the tip); ref: how ŵ is expressed.
        payload, include_gravity, gravity: what to subtract first, as in
            :func:`~robojac.statics.static_torques`.
        damping: fixed λ ≥ 0; None (default) uses adaptive damping with ``threshold`` > 0
            and ``max_damping`` ≥ 0 (see :func:`robojac.dls.adaptive_damping`).

    Returns:
        A :class:`WrenchEstimate`; near a singularity it is flagged ``ill_conditioned``
        rather than raised.
    """
    check_ref(ref)
    qv = robot.check_q(q)
    t = as_vector(tau, robot.dof, "tau")
    threshold = positive(threshold, "threshold")
    max_damping = non_negative(max_damping, "max_damping")
    if damping is not None:
        damping = non_negative(damping, "damping")
    r = t - static_torques(robot, qv, payload=payload, include_gravity=include_gravity, gravity=gravity)
    J = robot.jacobian(qv, frame, ref)
    U, s, Vt = np.linalg.svd(J, full_matrices=True)
    s6 = np.zeros(6)
    s6[: s.size] = s
    smin = float(s6[min(6, robot.dof) - 1])
    cond = float(s6[0] / smin) if smin > 0 else float("inf")
    lam = adaptive_damping(smin, threshold, max_damping) if damping is None else damping
    # (Jᵀ)⁺ from J = U S Vᵀ: ŵ = U diag(gain) Vᵀ r. The gain is zeroed below RANK_TOLERANCE, not only
    # below damped_gains' 1e-12, so that an undamped solve (damping=0) cannot put ~r/σ ≈ 1e9·r along
    # a direction this result reports as unobservable.
    gains = np.where(s < RANK_TOLERANCE, 0.0, damped_gains(s, lam))
    w = U[:, : s.size] @ (gains * (Vt[: s.size] @ r))
    return WrenchEstimate(
        wrench=w,
        frame=frame or robot.tip,
        ref=ref,
        residual_torque=r - J.T @ w,
        singular_values=s.copy(),
        sigma_min=smin,
        condition_number=cond,
        damping=float(lam),
        ill_conditioned=bool(smin < threshold),
        unobservable=U[:, s6 < RANK_TOLERANCE].T.copy(),
        weak=U[:, s6 < threshold].T.copy(),
    )
