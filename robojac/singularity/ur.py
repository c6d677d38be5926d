"""The classical singularities of UR-type 6R arms (shoulder, elbow, wrist), by geometry.

A UR-type arm has three parallel middle axes and a wrist whose last two axes meet; its
singularities are then conditions on the joint axes alone. Each margin is a distance to
its condition: |sin q5| for the wrist, |sin q3| for the elbow, and the distance [m] of
the wrist centre from the plane of the base axis for the shoulder.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import FloatArray, positive
from ..robot import Robot

#: Tolerance of the UR singularity conditions: |sin q5|, |sin q3| (unitless) and the shoulder distance [m].
DEFAULT_TYPE_TOLERANCE = 0.01


# ---------------------------------------------------------------------------- UR-type classification
def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    # np.cross is slow on single 3-vectors (it broadcasts); the classification calls it a dozen times
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
