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
from .errors import InputError
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


def _svd_translational(
    robot: Robot, q: object, frame: str | None, column_scale: FloatArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    J = robot.jacobian(q, frame, "local_world_aligned")[:3]
    if column_scale is not None:
        J = J * column_scale
    U, s, _ = np.linalg.svd(J, full_matrices=True)
    sig = np.zeros(3)
    sig[: s.size] = s
    return robot.fk(q, frame)[:3, 3], U, sig


def _limits(values: FloatArray, what: str) -> FloatArray:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise InputError(
            f"weighted ellipsoids need finite positive {what} for every joint (from the URDF); got {values.tolist()}"
        )
    return values


def velocity_ellipsoid(robot: Robot, q: object, frame: str | None = None, *, weighted: bool = False) -> Ellipsoid:
    """Velocity manipulability ellipsoid of ``frame``'s origin, base axes, radii [m/s per rad/s].

    With ``weighted=True`` the ball is ``‖q̇ᵢ / q̇maxᵢ‖₂ ≤ 1`` over the URDF velocity
    limits (SVD of ``Jv diag(q̇max)``), and the radii are tool speeds [m/s].
    """
    if weighted:
        center, U, s = _svd_translational(robot, q, frame, _limits(robot.velocity_limits, "velocity limits"))
        return Ellipsoid(center, U, s, "velocity", "m/s")
    center, U, s = _svd_translational(robot, q, frame)
    return Ellipsoid(center, U, s, "velocity", "m/s per rad/s")


def force_ellipsoid(robot: Robot, q: object, frame: str | None = None, *, weighted: bool = False) -> Ellipsoid:
    """Force manipulability ellipsoid at ``frame``'s origin, base axes, radii [N per N·m].

    With ``weighted=True`` it is ``{f : ‖diag(τmax)⁻¹ Jvᵀ f‖₂ ≤ 1}`` over the URDF effort
    limits (SVD of ``Jv diag(τmax)⁻¹``), and the radii are forces [N]. That 2-norm ball lies
    inside the true box ``|τᵢ| ≤ τmaxᵢ``, so each radius is a force the arm can certainly
    push with (gravity aside); :func:`robojac.capacity.max_force` gives the exact figure.
    """
    if weighted:
        scale = 1.0 / _limits(robot.effort_limits, "effort limits")
        center, U, s = _svd_translational(robot, q, frame, scale)
        radii = np.divide(1.0, s, out=np.full(3, np.inf), where=s > 1e-12 * scale.max())
        return Ellipsoid(center, U, radii, "force", "N")
    center, U, s = _svd_translational(robot, q, frame)
    radii = np.divide(1.0, s, out=np.full(3, np.inf), where=s > 1e-12)
    return Ellipsoid(center, U, radii, "force", "N per N·m")
