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

:func:`analyze_jacobian` takes a plain array, so hand-written Jacobians test it;
:func:`singularity_report` adds the robot, the frame and, for UR-type 6R arms, the name
of the classical singularity (wrist, elbow, shoulder). :func:`manipulability_gradient`
is ``∂w/∂q`` from Pinocchio's kinematic Hessian; :func:`scan_path` finds near-singular
stretches of a joint path; :func:`robust_step` is a singularity-robust resolved-rate
step (adaptive damped least squares plus an optional climb of ``w`` in the null space).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from . import dls
from ._validate import FloatArray, as_array, as_vector, check_finite, non_negative, positive
from .errors import InputError
from .kinematics import Configuration
from .robot import Robot, check_ref

#: σ below which a direction counts as lost [m/rad for translation rows, rad/rad for rotation rows].
DEFAULT_THRESHOLD = 0.01
#: Tolerance of the UR singularity conditions: |sin q5|, |sin q3| (unitless) and the shoulder distance [m].
DEFAULT_TYPE_TOLERANCE = 0.01
#: Rows of a 6×n Jacobian each ``part`` keeps.
PARTS: dict[str, slice] = {"full": slice(0, 6), "translational": slice(0, 3), "rotational": slice(3, 6)}
#: Largest singular value an analysed Jacobian may have, well inside float64's range (~1.8e308).
SVD_LIMIT = 1e300
#: A joint takes part in a null-space motion when |vⱼ| is at least this fraction of the largest |vᵢ|.
JOINT_SHARE = 0.25


# ---------------------------------------------------------------------------- the report
@dataclass(frozen=True, eq=False)
class JacobianMeasures:
    """The singular-value measures of one m×n Jacobian (or block of one).

    Attributes:
        shape: ``(m, n)`` of the analysed matrix.
        singular_values: ``(k,)``, ``k = min(m, n)``, descending; round-off zeros are 0.
        sigma_min, sigma_max: ``σₖ`` and ``σ₁`` (units of J: m/rad, rad/rad, or mixed).
        manipulability: ``w = σ₁ ⋯ σₖ``, Yoshikawa's ``√det(J Jᵀ)`` (``√det(Jᵀ J)`` if m > n).
        condition_number: ``σ₁/σₖ``; ``inf`` when ``σₖ = 0``.
        inverse_condition: ``σₖ/σ₁`` in [0, 1]; 0 when singular (or when J = 0).
        threshold: σ below which a direction is lost.
        rank: how many ``σᵢ ≥ threshold``.
        is_singular: ``rank < k``: the matrix lost at least one of its k directions.
        output_directions: ``(k, m)``, row ``i`` is ``uᵢ``, the output (twist) direction of ``σᵢ``.
        input_directions: ``(k, n)``, row ``i`` is ``vᵢ``, the joint motion with ``J vᵢ = σᵢ uᵢ``.
        lost_directions: ``(k − rank, m)``, the rows of ``output_directions`` with
            ``σ < threshold``, smallest σ last, expressed like J (for a robot, in ``ref``:
            base axes for ``"local_world_aligned"`` and ``"world"``).
        null_space: ``(n − rank, n)``, an orthonormal basis (rows) of the joint motions
            whose output is below the threshold: the ``vᵢ`` of lost directions, then the
            ``n − m`` exact null directions of a redundant arm.

    Each singular pair ``(uᵢ, vᵢ)`` is signed so the largest-magnitude entry of ``vᵢ`` is
    positive (the SVD leaves the sign free).
    """

    shape: tuple[int, int]
    singular_values: FloatArray
    sigma_min: float
    sigma_max: float
    manipulability: float
    condition_number: float
    inverse_condition: float
    threshold: float
    rank: int
    is_singular: bool
    output_directions: FloatArray = field(repr=False)
    input_directions: FloatArray = field(repr=False)
    lost_directions: FloatArray = field(repr=False)
    null_space: FloatArray = field(repr=False)

    @property
    def is_exactly_singular(self) -> bool:
        """True when ``σₖ`` is 0 to round-off (condition number inf)."""
        return self.sigma_min == 0.0

    def to_dict(self) -> dict[str, Any]:
        """The measures as plain values (arrays as nested lists) for JSON."""
        return {
            "shape": list(self.shape),
            "singular_values": self.singular_values.tolist(),
            "sigma_min": self.sigma_min,
            "sigma_max": self.sigma_max,
            "manipulability": self.manipulability,
            "condition_number": self.condition_number,
            "inverse_condition": self.inverse_condition,
            "threshold": self.threshold,
            "rank": self.rank,
            "is_singular": self.is_singular,
            "is_exactly_singular": self.is_exactly_singular,
            "lost_directions": self.lost_directions.tolist(),
            "null_space": self.null_space.tolist(),
        }


@dataclass(frozen=True, eq=False)
class SingularityReport(JacobianMeasures):
    """The measures of a 6×n Jacobian, of its two blocks, and where it came from.

    Besides :class:`JacobianMeasures` (of the whole matrix):

    Attributes:
        translational: measures of rows 0–2 (``v``, m/rad or m/m), or None unless J has 6 rows.
        rotational: measures of rows 3–5 (``ω``, rad/rad or rad/m), or None unless J has 6 rows.
        robot, frame, ref, q: where the Jacobian came from (None for :func:`analyze_jacobian`).
        singularity_types: names of the classical singularities whose geometric condition
            holds, for a UR-type 6R arm: a subset of ``("shoulder", "elbow", "wrist")``.
            Empty otherwise.
        type_margins: for a UR-type arm, how far each condition is from holding:
            ``{"wrist": |sin q5|, "elbow": |sin q3|, "shoulder": distance [m]}``;
            None when the arm or frame is not UR-type (see :func:`ur_singularity_margins`).
        type_tolerance: the tolerance the margins were compared with.
    """

    translational: JacobianMeasures | None = None
    rotational: JacobianMeasures | None = None
    robot: str | None = None
    frame: str | None = None
    ref: str | None = None
    q: FloatArray | None = field(default=None, repr=False)
    singularity_types: tuple[str, ...] = ()
    type_margins: dict[str, float] | None = None
    type_tolerance: float = DEFAULT_TYPE_TOLERANCE

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "robot": self.robot,
            "frame": self.frame,
            "ref": self.ref,
            "q": None if self.q is None else self.q.tolist(),
            **super().to_dict(),
            "translational": None if self.translational is None else self.translational.to_dict(),
            "rotational": None if self.rotational is None else self.rotational.to_dict(),
            "singularity_types": list(self.singularity_types),
            "type_margins": self.type_margins,
            "type_tolerance": self.type_tolerance,
        }
        return out


# ---------------------------------------------------------------------------- core on arrays
def _check_threshold(threshold: Any) -> float:
    return positive(threshold, "threshold")


def _as_jacobian(J: Any, name: str = "J") -> FloatArray:
    arr = as_array(J, name)
    if arr.ndim != 2 or 0 in arr.shape:
        raise InputError(f"{name} must be a non-empty 2-D (m, n) Jacobian, got shape {arr.shape}")
    check_finite(arr, name)
    # σ₁ ≤ √(mn)·max|J|: beyond the bound σ₁ would overflow float64, and LAPACK then
    # returns garbage (all-zero singular values for a J full of 1e308) rather than inf.
    biggest = float(np.abs(arr).max())
    if biggest > SVD_LIMIT / math.sqrt(arr.size):
        raise InputError(
            f"{name} is too large to analyse in float64: max |{name}| = {biggest:.3g}, and its singular values "
            f"must stay below {SVD_LIMIT:g}; rescale it (e.g. change units)"
        )
    return arr


def _signed_svd(J: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Full SVD with round-off zeros set to 0 and each (uᵢ, vᵢ) signed by vᵢ's largest entry."""
    m, n = J.shape
    U, s, Vt = np.linalg.svd(J, full_matrices=True)
    s = np.array(s, dtype=np.float64)
    if s.size:
        s[s <= max(m, n) * np.finfo(np.float64).eps * s[0]] = 0.0
    idx = np.argmax(np.abs(Vt), axis=1)
    sign = np.where(Vt[np.arange(n), idx] < 0, -1.0, 1.0)
    Vt = Vt * sign[:, None]
    k = s.size
    U = U.copy()
    U[:, :k] *= sign[:k]
    return U, s, Vt


def _measures(J: FloatArray, threshold: float, J_near: FloatArray | None = None) -> JacobianMeasures:
    m, n = J.shape
    U, s, Vt = _signed_svd(J)
    k = s.size
    if J_near is not None and m > n and s[-1] == 0.0:
        U = _resolve_lost(U, s, J_near)
    smax, smin = float(s[0]), float(s[-1])
    rank = int(np.count_nonzero(s >= threshold))
    w = math.prod(s.tolist())  # Python floats overflow to inf without numpy's warning
    if w == math.inf:
        raise InputError(
            f"the manipulability σ₁⋯σₖ of this {m}×{n} Jacobian overflows float64 (σ = {s.tolist()!r:.120}); "
            "rescale it (e.g. change units)"
        )
    return JacobianMeasures(
        shape=(m, n),
        singular_values=s,
        sigma_min=smin,
        sigma_max=smax,
        manipulability=w,
        condition_number=smax / smin if smin > 0 else math.inf,
        inverse_condition=smin / smax if smax > 0 else 0.0,
        threshold=threshold,
        rank=rank,
        is_singular=rank < k,
        output_directions=np.ascontiguousarray(U[:, :k].T),
        input_directions=np.ascontiguousarray(Vt[:k]),
        lost_directions=np.ascontiguousarray(U[:, rank:k].T),
        null_space=np.ascontiguousarray(Vt[rank:]),
    )


def _resolve_lost(U: FloatArray, s: FloatArray, J_near: FloatArray) -> FloatArray:
    """Pick which exact-null output directions of a tall J (m > n) were *lost*.

    When ``σᵢ = 0`` exactly and m > n, the left null space of J has more dimensions than
    the zero σ's, and the SVD returns an arbitrary basis of it: it cannot tell a direction
    the arm just lost (the radial one of a stretched planar arm) from one it never had
    (that arm's z). The lost ones are those the arm has again an instant away, so they
    are taken from the range of ``J_near = J(q + δ)`` (δ ~ 1e-7), projected back onto
    the left null space of J: accurate to O(δ), and exactly unreachable at q.
    """
    k = s.size
    zero = np.flatnonzero(s == 0.0)
    r = k - zero.size
    Un, _, _ = np.linalg.svd(J_near, full_matrices=False)
    left_null = U[:, r:]
    C = left_null.T @ Un[:, r:k]  # coordinates in the left null space of the near directions
    basis, _, _ = np.linalg.svd(C, full_matrices=False)
    lost = left_null @ basis
    idx = np.argmax(np.abs(lost), axis=0)
    lost = lost * np.where(lost[idx, np.arange(lost.shape[1])] < 0, -1.0, 1.0)
    out = U.copy()
    out[:, r:k] = lost
    return out


def analyze_jacobian(J: Any, *, threshold: float = DEFAULT_THRESHOLD) -> SingularityReport:
    """The singularity measures of a plain (m, n) Jacobian array.

    When J has 6 rows they are read as ``[v; ω]`` and the translational (rows 0–2) and
    rotational (rows 3–5) blocks are analysed too. No robot is needed, so a hand-written
    Jacobian works. An exactly singular J is fine: its report has ``sigma_min = 0`` and
    ``condition_number = inf``.

    Args:
        J: (m, n) finite array, units of its rows (m/rad for velocities, rad/rad for angular rates).
        threshold: σ below which a direction counts as lost (> 0, units of J).

    An all-zero J reads ``rank 0``, ``manipulability 0``, ``condition_number inf`` and
    ``inverse_condition 0``: no field is NaN.

    Raises:
        InputError: J not 2-D, empty, or not finite; threshold not positive; J so large
            that its singular values (above :data:`SVD_LIMIT`) or its manipulability
            would overflow float64.
    """
    t = _check_threshold(threshold)
    Jm = _as_jacobian(J)
    return _report(Jm, t)


def _report(J: FloatArray, threshold: float, J_near: FloatArray | None = None, **context: Any) -> SingularityReport:
    full = _measures(J, threshold, J_near)
    blocks: dict[str, Any] = {}
    if J.shape[0] == 6:
        near_v = None if J_near is None else J_near[:3]
        near_w = None if J_near is None else J_near[3:]
        blocks = {
            "translational": _measures(J[:3], threshold, near_v),
            "rotational": _measures(J[3:], threshold, near_w),
        }
    fields = {name: getattr(full, name) for name in JacobianMeasures.__dataclass_fields__}
    return SingularityReport(**fields, **blocks, **context)


# ---------------------------------------------------------------------------- robot reports
def singularity_report(
    robot: Robot,
    q: Any,
    frame: str | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ref: str = "local_world_aligned",
    type_tolerance: float = DEFAULT_TYPE_TOLERANCE,
) -> SingularityReport:
    """How close ``robot`` at ``q`` is to a singularity, for the Jacobian of ``frame``.

    Analyses ``robot.jacobian(q, frame, ref)`` (6×dof, rows ``[v; ω]``) and its
    translational and rotational blocks; see :class:`SingularityReport`. Lost directions
    are twists expressed in ``ref``: base axes for the default ``"local_world_aligned"``.
    The full and translational singular values are the same for ``"local"`` and
    ``"local_world_aligned"``; ``"world"`` changes them (its ``v`` is taken at the base
    origin); the rotational block's are the same in all three.

    For a UR-type 6R arm (see :func:`ur_singularity_margins`) the report also names the
    classical singularities whose condition holds within ``type_tolerance``.

    Args:
        robot: the arm.
        q: joint values (dof,) [rad or m].
        frame: frame name (default: the tip).
        threshold: σ below which a direction counts as lost (> 0) [m/rad, rad/rad].
        ref: ``"local_world_aligned"`` (default), ``"local"`` or ``"world"``.
        type_tolerance: tolerance of the UR conditions (> 0): |sin q5|, |sin q3|, and the
            shoulder distance in metres.

    Raises:
        InputError, FrameError.
    """
    t = _check_threshold(threshold)
    tol = positive(type_tolerance, "type_tolerance")
    qv = robot.check_q(q)
    J = robot.jacobian(qv, frame, ref)
    margins = ur_singularity_margins(robot, qv, frame)
    types = () if margins is None else tuple(k for k in ("shoulder", "elbow", "wrist") if margins[k] <= tol)
    J_near = None
    if robot.dof < 6:  # a tall Jacobian or block: see _resolve_lost
        step = np.random.default_rng(0).standard_normal(robot.dof)
        J_near = robot.jacobian(qv + 1e-7 * step / np.linalg.norm(step), frame, ref)
    return _report(
        J,
        t,
        J_near,
        robot=robot.name,
        frame=robot.tip if frame is None else frame,
        ref=ref,
        q=qv.copy(),
        singularity_types=types,
        type_margins=margins,
        type_tolerance=tol,
    )


# ---------------------------------------------------------------------------- manipulability and its gradient
def _rows(part: str) -> slice:
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
    rows = _rows(part)
    J = robot.jacobian(q, frame, "local_world_aligned")[rows]
    return float(np.prod(np.linalg.svd(J, compute_uv=False)))


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
        InputError, FrameError.
    """
    rows = _rows(part)
    J, dJ = frame_hessian(robot, q, frame)
    return manipulability_gradient_from(J[rows], dJ[rows])


# ---------------------------------------------------------------------------- UR-type classification
def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    # np.cross costs ~10 µs on 3-vectors; the classification calls it a dozen times
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _line_distance(p1: FloatArray, a1: FloatArray, p2: FloatArray, a2: FloatArray) -> float:
    n = _cross(a1, a2)
    nn = math.sqrt(float(n @ n))
    d = p2 - p1
    if nn < 1e-9:  # parallel lines
        r = d - (d @ a1) * a1
        return math.sqrt(float(r @ r))
    return abs(float(d @ n)) / nn


def _closest_point(p1: FloatArray, a1: FloatArray, p2: FloatArray, a2: FloatArray) -> FloatArray:
    """Midpoint of the shortest segment between two non-parallel lines ``pᵢ + t aᵢ``."""
    w0 = p1 - p2
    a, b, c = float(a1 @ a1), float(a1 @ a2), float(a2 @ a2)
    d, e = float(a1 @ w0), float(a2 @ w0)
    den = a * c - b * b
    t, s = (b * e - c * d) / den, (a * e - b * d) / den
    return np.asarray(0.5 * ((p1 + t * a1) + (p2 + s * a2)), dtype=np.float64)


def joint_axes(robot: Robot, q: Any, frame: str | None = None) -> tuple[FloatArray, FloatArray]:
    """Axis directions ``a`` (dof, 3) and points ``p`` (dof, 3) [m] of the joints moving ``frame``, base frame.

    Read from the ``"world"`` Jacobian, whose revolute column is ``[p × a; a]``, so
    ``p = a × v`` is the point of the axis nearest the base origin. A joint that does
    not move the frame has ``a = 0``.
    """
    Jw = robot.jacobian(q, frame, "world")
    v, a = Jw[:3].T, Jw[3:].T
    return a, np.cross(a, v)


def ur_singularity_margins(
    robot: Robot, q: Any, frame: str | None = None, *, angle_tol: float = 1e-4, length_tol: float = 1e-4
) -> dict[str, float] | None:
    """How far a UR-type 6R arm is from each classical singularity, or None if it is not UR-type.

    UR-type means: six revolute joints all moving ``frame``, axes 2, 3 and 4 parallel,
    axis 1 perpendicular to and intersecting axis 2, axis 5 perpendicular to axis 4,
    axis 6 perpendicular to and intersecting axis 5 (checked within ``angle_tol`` [rad]
    and ``length_tol`` [m]). The bundled ``ur5`` (standard DH, so ``det J = a₂ a₃ sin q₃
    sin q₅ (a₂ cos q₂ + a₃ cos(q₂+q₃) + d₅ sin(q₂+q₃+q₄))``) and the other UR models are.

    Returns ``{"wrist", "elbow", "shoulder"}`` margins, each 0 exactly on its singularity:

    * ``wrist = |a₄ × a₆|``: axes 4 and 6 parallel; equals ``|sin q₅|`` in DH terms;
    * ``elbow``: the sine of the angle between the two links in the plane normal to
      axes 2–4 (from axis 2 to 3 and from 3 to 4); equals ``|sin q₃|``;
    * ``shoulder`` [m]: distance from the point where axes 5 and 6 meet (the wrist
      point) to the plane that holds axes 1 and 2; equals
      ``|a₂ cos q₂ + a₃ cos(q₂+q₃) + d₅ sin(q₂+q₃+q₄)|``.
    """
    if robot.dof != 6 or any(t not in ("revolute", "continuous") for t in robot.joint_types):
        return None
    a, p = joint_axes(robot, q, frame)
    norms = np.linalg.norm(a, axis=1)
    if np.any(np.abs(norms - 1.0) > 1e-9):
        return None  # some joint does not move the frame (frame before the wrist)

    def par(i: int, j: int) -> bool:
        return float(np.linalg.norm(_cross(a[i], a[j]))) < angle_tol

    def perp(i: int, j: int) -> bool:
        return abs(float(a[i] @ a[j])) < angle_tol

    def meet(i: int, j: int) -> bool:
        return _line_distance(p[i], a[i], p[j], a[j]) < length_tol

    if not (par(1, 2) and par(1, 3) and perp(0, 1) and meet(0, 1) and perp(3, 4) and perp(4, 5) and meet(4, 5)):
        return None
    ax = a[1]
    flat = p[1:4] - np.outer(p[1:4] @ ax, ax)  # axes 2, 3, 4 seen along their common direction
    link1, link2 = flat[1] - flat[0], flat[2] - flat[1]
    l1, l2 = float(np.linalg.norm(link1)), float(np.linalg.norm(link2))
    if l1 < length_tol or l2 < length_tol:
        return None
    normal = _cross(a[0], a[1])
    normal /= np.linalg.norm(normal)
    wrist_point = _closest_point(p[4], a[4], p[5], a[5])
    return {
        "wrist": float(np.linalg.norm(_cross(a[3], a[5]))),
        "elbow": abs(float(ax @ _cross(link1, link2))) / (l1 * l2),
        "shoulder": abs(float(normal @ (wrist_point - p[0]))),
    }


def classify_ur_singularity(
    robot: Robot, q: Any, frame: str | None = None, *, tolerance: float = DEFAULT_TYPE_TOLERANCE
) -> tuple[str, ...]:
    """Names of the UR singularities (``"shoulder"``, ``"elbow"``, ``"wrist"``) whose margin is ≤ ``tolerance``.

    Empty for a regular configuration and for an arm that is not UR-type.
    """
    tol = positive(tolerance, "tolerance")
    margins = ur_singularity_margins(robot, q, frame)
    if margins is None:
        return ()
    return tuple(k for k in ("shoulder", "elbow", "wrist") if margins[k] <= tol)


# ---------------------------------------------------------------------------- scanning a path
@dataclass(frozen=True, eq=False)
class SingularInterval:
    """One stretch of a path where ``σ_min < threshold``.

    Attributes:
        start, stop: first and last sample index of the stretch (inclusive).
        min_index: the sample with the smallest σ_min.
        t_min: where the minimum is, in sample units (``min_index`` refined along the
            straight segments next to it; equals ``min_index`` without refinement).
        q_min: the configuration at ``t_min`` [rad or m].
        sigma_min: σ_min at ``q_min``.
        lost_direction: (m,) the output direction of that σ_min (in ``ref``).
        null_vector: (dof,) the joint motion of that σ_min: the motion the arm cannot feel.
        joints: names of the joints that take part in ``null_vector`` (``|vⱼ| ≥ 0.25 max |v|``).
        types: classical singularity names at ``q_min`` (UR-type arms only).
        report: the full :class:`SingularityReport` at ``q_min``.
    """

    start: int
    stop: int
    min_index: int
    t_min: float
    q_min: FloatArray = field(repr=False)
    sigma_min: float
    lost_direction: FloatArray = field(repr=False)
    null_vector: FloatArray = field(repr=False)
    joints: tuple[str, ...]
    types: tuple[str, ...]
    report: SingularityReport = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "stop": self.stop,
            "min_index": self.min_index,
            "t_min": self.t_min,
            "q_min": self.q_min.tolist(),
            "sigma_min": self.sigma_min,
            "lost_direction": self.lost_direction.tolist(),
            "null_vector": self.null_vector.tolist(),
            "joints": list(self.joints),
            "types": list(self.types),
        }


@dataclass(frozen=True, eq=False)
class PathScan:
    """σ_min and manipulability along a joint path, and the near-singular intervals.

    ``sigma_min`` and ``manipulability`` have one entry per sample, for the ``part`` of
    the Jacobian that was scanned.
    """

    robot: str
    frame: str
    ref: str
    part: str
    threshold: float
    sigma_min: FloatArray = field(repr=False)
    manipulability: FloatArray = field(repr=False)
    intervals: tuple[SingularInterval, ...]

    @property
    def is_clear(self) -> bool:
        """True when no sample is near-singular."""
        return not self.intervals

    def to_dict(self) -> dict[str, Any]:
        return {
            "robot": self.robot,
            "frame": self.frame,
            "ref": self.ref,
            "part": self.part,
            "threshold": self.threshold,
            "samples": int(self.sigma_min.size),
            "sigma_min": self.sigma_min.tolist(),
            "manipulability": self.manipulability.tolist(),
            "intervals": [iv.to_dict() for iv in self.intervals],
        }


def as_path(robot: Robot, qs: Any, name: str = "path") -> FloatArray:
    """A joint path as a finite (N, dof) array with N ≥ 1, or an InputError saying what is wrong."""
    if isinstance(qs, (list, tuple)):
        if len(qs) == 0:
            raise InputError(f"{name} is empty; expected (N, {robot.dof}) joint values with N ≥ 1")
        lengths: set[int] = set()
        for i, row in enumerate(qs):
            try:
                lengths.add(np.size(row))
            except (TypeError, ValueError):  # numpy cannot size a row that nests uneven lists
                raise InputError(
                    f"{name} is ragged: row {i} is not a flat row of numbers; expected {robot.dof} joint values per row"
                ) from None
        if len(lengths) > 1:
            raise InputError(
                f"{name} is ragged: its rows have {sorted(lengths)} values; expected {robot.dof} per row for '{robot.name}'"
            )
    arr = as_array(qs, name)
    if arr.ndim != 2:
        hint = "; for one configuration call singularity_report" if arr.ndim == 1 else ""
        raise InputError(f"{name} must have shape (N, {robot.dof}), got shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise InputError(f"{name} is empty; expected (N, {robot.dof}) joint values with N ≥ 1")
    if arr.shape[1] != robot.dof:
        raise InputError(
            f"{name} rows must have {robot.dof} joint values for '{robot.name}' ({', '.join(robot.joint_names)}), "
            f"got shape {arr.shape}"
        )
    return check_finite(arr, name)


def _sigma_min(robot: Robot, q: FloatArray, frame: str | None, ref: str, rows: slice) -> tuple[float, float]:
    s = np.linalg.svd(robot.jacobian(q, frame, ref)[rows], compute_uv=False)
    return float(s[-1]), float(np.prod(s))


def scan_path(
    robot: Robot,
    qs: Any,
    frame: str | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ref: str = "local_world_aligned",
    part: str = "full",
    refine: bool = True,
    type_tolerance: float = DEFAULT_TYPE_TOLERANCE,
) -> PathScan:
    """Near-singular intervals of the joint path ``qs`` (N, dof), read sample by sample.

    Each maximal run of samples with ``σ_min < threshold`` is one
    :class:`SingularInterval`. With ``refine`` the minimum is located between samples,
    by a bounded scalar search along the straight segments on either side of the lowest
    sample (so a straight path through a singularity finds it to ~1e-9 of a sample).
    A one-row path is a scan of that one sample: no interval if it is regular, else an
    interval of one sample, unrefined (there is no segment to search along).

    Args:
        robot: the arm.
        qs: (N, dof) joint values [rad or m], N ≥ 1.
        frame: frame name (default: the tip).
        threshold: σ below which the arm is near-singular (> 0).
        ref: ``ref`` of the Jacobian (default ``"local_world_aligned"``).
        part: ``"full"``, ``"translational"`` (e.g. a planar arm) or ``"rotational"``.
        refine: locate each minimum between samples.
        type_tolerance: tolerance of the UR conditions (see :func:`singularity_report`).

    Raises:
        InputError: empty, ragged, wrong width or non-finite path; bad threshold or part.
    """
    t = _check_threshold(threshold)
    rows = _rows(part)
    check_ref(ref)
    fname = robot.tip if frame is None else frame
    robot.frame_id(frame)
    path = as_path(robot, qs)
    n_samples = path.shape[0]
    sig = np.empty(n_samples)
    man = np.empty(n_samples)
    for i, q in enumerate(path):
        sig[i], man[i] = _sigma_min(robot, q, frame, ref, rows)
    below = sig < t
    intervals = []
    i = 0
    while i < n_samples:
        if not below[i]:
            i += 1
            continue
        j = i
        while j + 1 < n_samples and below[j + 1]:
            j += 1
        k = i + int(np.argmin(sig[i : j + 1]))
        t_min, q_min = float(k), path[k]
        if refine and n_samples > 1:
            t_min, q_min = _refine(robot, path, k, frame, ref, rows)
        rep = singularity_report(robot, q_min, frame, threshold=t, ref=ref, type_tolerance=type_tolerance)
        m = rep if part == "full" else getattr(rep, part)
        u = m.output_directions[-1]
        v = m.input_directions[-1]
        vmax = float(np.abs(v).max())
        joints = tuple(n for n, x in zip(robot.joint_names, v) if abs(x) >= JOINT_SHARE * vmax)
        intervals.append(
            SingularInterval(
                start=i,
                stop=j,
                min_index=k,
                t_min=t_min,
                q_min=q_min,
                sigma_min=m.sigma_min,
                lost_direction=u,
                null_vector=v,
                joints=joints,
                types=rep.singularity_types,
                report=rep,
            )
        )
        i = j + 1
    return PathScan(
        robot=robot.name,
        frame=fname,
        ref=ref,
        part=part,
        threshold=t,
        sigma_min=sig,
        manipulability=man,
        intervals=tuple(intervals),
    )


def _refine(
    robot: Robot, path: FloatArray, k: int, frame: str | None, ref: str, rows: slice
) -> tuple[float, FloatArray]:
    from scipy.optimize import minimize_scalar

    lo, hi = max(k - 1, 0), min(k + 1, path.shape[0] - 1)

    def q_at(t: float) -> FloatArray:
        i = min(math.floor(t), path.shape[0] - 2)
        f = t - i
        return np.asarray((1.0 - f) * path[i] + f * path[i + 1], dtype=np.float64)

    res = minimize_scalar(
        lambda t: _sigma_min(robot, q_at(t), frame, ref, rows)[0],
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-10},
    )
    best_t, best_q = float(k), path[k]
    if (
        res.success
        and _sigma_min(robot, q_at(res.x), frame, ref, rows)[0] < _sigma_min(robot, best_q, frame, ref, rows)[0]
    ):
        best_t, best_q = float(res.x), q_at(float(res.x))
    return best_t, best_q


# ---------------------------------------------------------------------------- singularity-robust motion
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
    threshold: float = dls.DEFAULT_THRESHOLD,
    max_damping: float = dls.DEFAULT_MAX_DAMPING,
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
    Jm = _as_jacobian(J)
    m, n = Jm.shape
    x = as_vector(twist, m, "twist")
    t = positive(threshold, "threshold")
    lam_max = non_negative(max_damping, "max_damping")
    dq, lam, smin = dls.damped_solve(Jm, x, threshold=t, max_damping=lam_max)
    if secondary is not None and n > m:
        z = as_vector(secondary, n, "secondary")
        _, _, Vt = np.linalg.svd(Jm, full_matrices=True)
        null = Vt[m:]
        dq = dq + null.T @ (null @ z)
    return RobustStep(np.asarray(dq, dtype=np.float64), float(lam), float(smin))


def robust_step(
    robot: Robot,
    q: Any,
    twist: Any,
    *,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    part: str = "full",
    threshold: float = dls.DEFAULT_THRESHOLD,
    max_damping: float = dls.DEFAULT_MAX_DAMPING,
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
    rows = _rows(part)
    gain = non_negative(manipulability_gain, "manipulability_gain")
    qv = robot.check_q(q)
    J = robot.jacobian(qv, frame, ref)[rows]
    secondary = None
    if gain > 0 and robot.dof > J.shape[0]:
        secondary = gain * manipulability_gradient(robot, qv, frame, part=part)
    return damped_step(J, twist, threshold=threshold, max_damping=max_damping, secondary=secondary)
