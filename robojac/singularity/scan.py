"""Scanning a joint path for near-singular stretches, with the worst sample of each refined."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, check_finite
from ..errors import InputError
from ..measures import jacobian_measures, part_rows
from ..robot import Robot, check_ref
from .report import SINGULAR_THRESHOLD, SingularityReport, check_threshold, singularity_report
from .ur import DEFAULT_TYPE_TOLERANCE

#: A joint takes part in a null-space motion when |vⱼ| is at least this fraction of the largest |vᵢ|.
JOINT_SHARE = 0.25


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
        """The interval as plain values (arrays as lists) for JSON; the report is left out."""
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
    #: with ``collision=``: the smallest pair distance [m] at each sample
    clearance: FloatArray | None = field(default=None, repr=False)

    @property
    def is_clear(self) -> bool:
        """True when no sample is near-singular."""
        return not self.intervals

    def to_dict(self) -> dict[str, Any]:
        """The scan as plain values (arrays as lists, intervals as dicts) for JSON."""
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
            **({} if self.clearance is None else {"clearance": self.clearance.tolist()}),
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
    m = jacobian_measures(np.ascontiguousarray(robot.jacobian(q, frame, ref)[rows]))
    return m.sigma_min, m.manipulability


def scan_path(
    robot: Robot,
    qs: Any,
    frame: str | None = None,
    *,
    threshold: float = SINGULAR_THRESHOLD,
    ref: str = "local_world_aligned",
    part: str = "full",
    refine: bool = True,
    type_tolerance: float = DEFAULT_TYPE_TOLERANCE,
    collision: Any = None,
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
        collision: a :class:`robojac.collision.CollisionModel` of ``robot``: the scan then
            carries the clearance [m] at every sample (``PathScan.clearance``).

    Raises:
        InputError: empty, ragged, wrong width or non-finite path; bad threshold or part.
    """
    t = check_threshold(threshold)
    rows = part_rows(part)
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
        clearance=None if collision is None else _clearance(robot, path, collision),
    )


def _clearance(robot: Robot, path: FloatArray, collision: Any) -> FloatArray:
    from ..ik.single import check_collision_model

    check_collision_model(robot, collision)
    return np.array([collision.distances(q).distance for q in path])


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
