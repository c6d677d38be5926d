"""Singularities: how close an arm is to one, what it loses there, and how to move through it.

Everything here reads the singular value decomposition of a Jacobian ``J = U Σ Vᵀ``
(m×n, rows ``[v; ω]``). With ``k = min(m, n)`` singular values ``σ₁ ≥ … ≥ σₖ ≥ 0``:

* the output directions ``uᵢ`` (columns of U) are the principal directions of the
  tool's velocity: a unit joint-rate ball ``‖q̇‖ ≤ 1`` maps onto an ellipsoid with
  semi-axes ``σᵢ uᵢ``;
* a direction whose ``σᵢ`` is below ``threshold`` is *lost*: moving the tool along
  ``uᵢ`` at speed ``s`` needs joint rates ``s/σᵢ``, which blow up as ``σᵢ → 0``;
* the input directions ``vᵢ`` whose ``σᵢ`` is below ``threshold`` (plus the ``n − m``
  directions a redundant arm always has) span the *null space*: joint motions that
  move the tool (almost) not at all.

The measures are Yoshikawa's manipulability ``w = σ₁ σ₂ ⋯ σₖ`` (``= √det(J Jᵀ)`` when
``m ≤ n``, ``√det(Jᵀ J)`` when ``m > n``), the condition number ``σ₁/σₖ`` and its
inverse, and the rank at the threshold. Singular values within round-off of zero
(``≤ max(m, n) · ε · σ₁``) are reported as exactly 0, so an exactly singular
configuration reads ``manipulability 0``, ``condition_number inf``.

A 6×n Jacobian mixes m/rad (top rows) with rad/rad (bottom rows), so its singular
values depend on the unit of length and, for ``ref="world"``, on where the base origin
is. The translational (3×n) and rotational (3×n) blocks are reported apart for that
reason: the rotational block's singular values are the same in every ``ref``, the
translational block's are the same for ``"local"`` and ``"local_world_aligned"``.
``docs/singularities.md`` says which to use when.

The package has three modules:

* :mod:`~robojac.singularity.report`: :func:`analyze_jacobian` takes a plain array, so
  hand-written Jacobians test it; :func:`singularity_report` adds the robot, the frame
  and, for UR-type 6R arms, the name of the classical singularity;
* :mod:`~robojac.singularity.ur`: those UR-type conditions (wrist, elbow, shoulder);
* :mod:`~robojac.singularity.scan`: :func:`scan_path` finds near-singular stretches of
  a joint path.

Manipulability and its gradient ``∂w/∂q`` live in :mod:`robojac.measures`; the
singularity-robust step (adaptive damped least squares with an optional climb of ``w``
in the null space) in :mod:`robojac.dls`.
"""

from .report import SINGULAR_THRESHOLD, JacobianMeasures, SingularityReport, analyze_jacobian, singularity_report
from .scan import PathScan, SingularInterval, as_path, scan_path
from .ur import DEFAULT_TYPE_TOLERANCE, classify_ur_singularity, joint_axes, ur_singularity_margins

__all__ = [
    "DEFAULT_TYPE_TOLERANCE",
    "SINGULAR_THRESHOLD",
    "JacobianMeasures",
    "PathScan",
    "SingularInterval",
    "SingularityReport",
    "analyze_jacobian",
    "as_path",
    "classify_ur_singularity",
    "joint_axes",
    "scan_path",
    "singularity_report",
    "ur_singularity_margins",
]
