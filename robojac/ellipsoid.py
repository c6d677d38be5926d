"""Manipulability ellipsoids of the tool: the shapes a unit joint effort maps to.

With the translational Jacobian ``Jv`` (3×n, base axes, ``local_world_aligned``) and its
SVD ``Jv = U Σ Vᵀ``:

* the **velocity ellipsoid** ``{Jv dq : ‖dq‖ ≤ 1}`` has axes ``U`` and radii ``σᵢ``
  [m/s per rad/s]: the tool moves fastest along the longest axis;
* the **force ellipsoid** ``{f : ‖Jvᵀ f‖ ≤ 1}`` has the same axes and radii ``1/σᵢ``
  [N per N·m]: the tool pushes hardest where it moves slowest (kineto-static duality).

Both are data (centre, axes, radii), so the viewer can draw them and tests can check them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import FloatArray
from .robot import Robot


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid in the base frame.

    ``center`` (3,) [m]; ``axes`` (3, 3) with unit principal directions as columns, in
    base axes; ``radii`` (3,) along those columns, in ``units`` (``inf`` allowed for a
    force ellipsoid at a singularity).
    """

    center: FloatArray
    axes: FloatArray
    radii: FloatArray
    kind: str
    units: str

    def matrix(self) -> FloatArray:
        """(3, 3) linear map taking the unit sphere onto the ellipsoid (finite radii only)."""
        return self.axes @ np.diag(self.radii)


def _svd_translational(robot: Robot, q: object, frame: str | None) -> tuple[FloatArray, FloatArray, FloatArray]:
    J = robot.jacobian(q, frame, "local_world_aligned")
    U, s, _ = np.linalg.svd(J[:3], full_matrices=True)
    sig = np.zeros(3)
    sig[: s.size] = s
    return robot.fk(q, frame)[:3, 3], U, sig


def velocity_ellipsoid(robot: Robot, q: object, frame: str | None = None) -> Ellipsoid:
    """Velocity manipulability ellipsoid of ``frame``'s origin, base axes, radii [m/s per rad/s]."""
    center, U, s = _svd_translational(robot, q, frame)
    return Ellipsoid(center, U, s, "velocity", "m/s per rad/s")


def force_ellipsoid(robot: Robot, q: object, frame: str | None = None) -> Ellipsoid:
    """Force manipulability ellipsoid at ``frame``'s origin, base axes, radii [N per N·m]."""
    center, U, s = _svd_translational(robot, q, frame)
    radii = np.divide(1.0, s, out=np.full(3, np.inf), where=s > 1e-12)
    return Ellipsoid(center, U, radii, "force", "N per N·m")
