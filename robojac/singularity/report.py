"""The singularity report: the SVD measures of a Jacobian, of its blocks, and of an arm at ``q``.

See :mod:`robojac.singularity` for the measures and their units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._validate import FloatArray, as_jacobian, positive
from ..errors import InputError
from ..robot import Robot
from .ur import ur_singularity_margins

#: σ below which a direction counts as lost [m/rad for translation rows, rad/rad for rotation rows].
SINGULAR_THRESHOLD = 0.01
#: Tolerance of the UR singularity conditions: |sin q5|, |sin q3| (unitless) and the shoulder distance [m].
DEFAULT_TYPE_TOLERANCE = 0.01


# ---------------------------------------------------------------------------- the report


def _number(x: float) -> float | None:
    """``x``, or None (JSON null) when not finite."""
    return float(x) if math.isfinite(x) else None


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
        """The measures as plain values (arrays as nested lists) for JSON; a non-finite
        number (the condition number of a singular matrix) as None, JSON null."""
        return {
            "shape": list(self.shape),
            "singular_values": self.singular_values.tolist(),
            "sigma_min": _number(self.sigma_min),
            "sigma_max": _number(self.sigma_max),
            "manipulability": _number(self.manipulability),
            "condition_number": _number(self.condition_number),
            "inverse_condition": _number(self.inverse_condition),
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
    #: with ``collision=``: the smallest pair distance [m] at ``q`` and that pair's names
    clearance: float | None = None
    closest_pair: tuple[str, str] | None = None

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
        if self.clearance is not None:
            out["clearance"] = self.clearance
            out["closest_pair"] = None if self.closest_pair is None else list(self.closest_pair)
        return out


# ---------------------------------------------------------------------------- core on arrays
def check_threshold(threshold: Any) -> float:
    return positive(threshold, "threshold")


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


def analyze_jacobian(J: Any, *, threshold: float = SINGULAR_THRESHOLD) -> SingularityReport:
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
    t = check_threshold(threshold)
    Jm = as_jacobian(J)
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
    threshold: float = SINGULAR_THRESHOLD,
    ref: str = "local_world_aligned",
    type_tolerance: float = DEFAULT_TYPE_TOLERANCE,
    collision: Any = None,
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
        collision: a :class:`robojac.collision.CollisionModel` of ``robot``: the report
            then carries the clearance [m] at ``q`` and the closest pair.

    Raises:
        InputError: a bad ``q`` or argument.
        FrameError: an unknown frame.
    """
    t = check_threshold(threshold)
    tol = positive(type_tolerance, "type_tolerance")
    qv = robot.check_q(q)
    J = robot.jacobian(qv, frame, ref)
    margins = ur_singularity_margins(robot, qv, frame)
    types = () if margins is None else tuple(k for k in ("shoulder", "elbow", "wrist") if margins[k] <= tol)
    J_near = None
    if robot.dof < 6:  # a tall Jacobian or block: see _resolve_lost
        step = np.random.default_rng(0).standard_normal(robot.dof)
        J_near = robot.jacobian(qv + 1e-7 * step / np.linalg.norm(step), frame, ref)
    rep = _report(
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
    if collision is None:
        return rep
    from ..ik.single import check_collision_model

    check_collision_model(robot, collision)
    closest = collision.distances(qv).closest
    if closest is None:
        return replace(rep, clearance=math.inf)
    return replace(rep, clearance=closest.distance, closest_pair=closest.names)
