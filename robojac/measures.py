"""Measures of an arm at ``q``: Yoshikawa's manipulability, its gradient over q, the frame Hessian and σ_min.

``w = σ₁ σ₂ ⋯ σₖ`` of a Jacobian ``J`` (the volume of the velocity ellipsoid, up to a
constant) is a scalar of ``q``, so its derivative is a gradient (one number per joint),
computed analytically here from Pinocchio's kinematic Hessian. IK and control use the
gradient to climb away from singularities in the null space of a redundant arm.
:func:`jacobian_measures` gives σ_min, w and the condition number of a Jacobian in a few
µs, for the controllers' diagnostics at every step of a simulation.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from scipy.linalg import lapack

from ._validate import FloatArray
from .errors import InputError
from .kinematics import Configuration
from .robot import Robot

#: Rows of a 6×n Jacobian each ``part`` keeps.
PARTS: dict[str, slice] = {"full": slice(0, 6), "translational": slice(0, 3), "rotational": slice(3, 6)}


def part_rows(part: str) -> slice:
    try:
        return PARTS[part]
    except (KeyError, TypeError):
        raise InputError(f"part must be one of 'full', 'translational', 'rotational', got {part!r}") from None


def manipulability(robot: Robot, q: Any, frame: str | None = None, *, part: str = "full") -> float:
    """Yoshikawa's manipulability ``w = σ₁⋯σₖ`` of the Jacobian of ``frame`` (default: tip).

    ``part`` picks the 6×n Jacobian (``"full"``), its translational rows (``"translational"``,
    w in (m/rad)^k) or its rotational rows (``"rotational"``). The value is the same for
    ``ref="local"`` and ``"local_world_aligned"``, which is the one documented here.
    """
    rows = part_rows(part)
    J = robot.jacobian(q, frame, "local_world_aligned")[rows]
    return jacobian_measures(np.ascontiguousarray(J)).manipulability


def frame_hessian(robot: Robot, q: Any, frame: str | None = None) -> tuple[FloatArray, FloatArray]:
    """The frame's body Jacobian and its derivative: ``(J, dJ)``, both from one Pinocchio pass.

    ``J`` is the ``"local"`` Jacobian (6, dof) and ``dJ[:, i, k] = ∂J[:, i]/∂q_k`` (6, dof,
    dof), from ``pinocchio.computeJointKinematicHessians``. (Pinocchio's Python binding
    hands the Eigen tensor's column-major buffer over under a C-order shape; it is
    re-read here in Eigen's order. The tests check ``dJ`` against finite differences.)
    The local Jacobian does not depend on which link is the base, so neither does this.
    """
    return Configuration(robot, q).hessian(frame)


def _product_except_each(s: FloatArray) -> FloatArray:
    """``cᵢ = ∏_{j≠i} sⱼ`` without dividing, so zeros are handled exactly."""
    k = s.size
    before = np.ones(k)
    after = np.ones(k)
    for i in range(1, k):
        before[i] = before[i - 1] * s[i - 1]
        after[k - 1 - i] = after[k - i] * s[k - i]
    return np.asarray(before * after, dtype=np.float64)


def manipulability_gradient_from(J: FloatArray, dJ: FloatArray) -> FloatArray:
    """``∂w/∂q`` (n,) for ``w = σ₁⋯σₖ`` of J (m, n), given ``dJ[:, i, k] = ∂J[:, i]/∂q_k``.

    ``∂σᵢ/∂q_k = uᵢᵀ (∂J/∂q_k) vᵢ``, so ``∂w/∂q_k = Σᵢ (∏_{j≠i} σⱼ) uᵢᵀ (∂J/∂q_k) vᵢ``.
    Away from singularities this equals Yoshikawa's ``w · tr((J Jᵀ)⁻¹ (∂J/∂q_k) Jᵀ)``, but
    it never inverts anything: at a singularity of multiplicity ≥ 2 it is 0 (w vanishes
    to second order); at a simple one, w has a kink (for square J, ``w = |det J|``) and
    this is the one-sided slope along the sign the SVD picked for (uₖ, vₖ).
    """
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    c = _product_except_each(s)
    return np.asarray(np.einsum("ai,abq,ib,i->q", U, dJ, Vt, c), dtype=np.float64)


def manipulability_gradient(robot: Robot, q: Any, frame: str | None = None, *, part: str = "full") -> FloatArray:
    """The gradient ``∂w/∂q`` (dof,) of the manipulability ``w(q)`` of ``frame`` (default: tip).

    ``w`` is a scalar of ``q``, so its derivative is a gradient, one number per joint
    [units of w per rad or m]; the pose's derivative is the 6×dof Jacobian.

    Computed analytically from the kinematic Hessian ``∂J/∂q`` (Pinocchio's
    ``computeJointKinematicHessians``): see :func:`manipulability_gradient_from`. ``w`` is
    that of :func:`manipulability` for the same ``part`` (``"full"``, ``"translational"``
    or ``"rotational"``), i.e. of the ``"local_world_aligned"`` Jacobian, whose singular
    values equal the ``"local"`` one's used internally. Safe at singularities (no inverse).

    Raises:
        InputError: a bad ``q`` or argument.
        FrameError: an unknown frame.
    """
    rows = part_rows(part)
    J, dJ = frame_hessian(robot, q, frame)
    return manipulability_gradient_from(J[rows], dJ[rows])


class TaskMeasures(NamedTuple):
    """How well conditioned a task Jacobian is, from its singular values σ₁ ≥ … ≥ σₖ."""

    #: σₖ, the smallest singular value (units of J: m/rad, rad/rad, or mixed).
    sigma_min: float
    #: Yoshikawa's ``w = σ₁ ⋯ σₖ``.
    manipulability: float
    #: ``σ₁/σₖ``; ``inf`` when σₖ = 0.
    condition_number: float


def jacobian_measures(J: FloatArray, singular_values: FloatArray | None = None) -> TaskMeasures:
    """σ_min, manipulability and condition number of the Jacobian ``J`` (m, n).

    The one place robojac computes these numbers alone (controller diagnostics,
    :func:`manipulability`, path scans). It runs LAPACK's
    ``dgesvd`` without singular vectors (a few µs for 6×7), unless the caller already has
    the SVD and passes ``J``'s ``singular_values`` (descending).
    :func:`robojac.singularity.analyze_jacobian` reports the same measures and much more
    (directions, null space, both blocks, input checks) at some 30 times the cost, too
    slow for every step of a 1 kHz loop; its values differ only in that it reads round-off
    singular values as exactly 0.
    """
    s = lapack.dgesvd(J, compute_uv=0)[1] if singular_values is None else singular_values
    smin, smax = float(s[-1]), float(s[0])
    return TaskMeasures(smin, float(s.prod()), smax / smin if smin > 0 else math.inf)


__all__ = [
    "PARTS",
    "TaskMeasures",
    "frame_hessian",
    "jacobian_measures",
    "manipulability",
    "manipulability_gradient",
    "manipulability_gradient_from",
    "part_rows",
]
