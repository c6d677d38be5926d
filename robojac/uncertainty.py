"""First-order propagation of joint uncertainty to the pose of a frame.

For small joint errors ``δq`` with covariance ``Σ_q`` [rad², m²], the pose error twist is
``δx ≈ J(ref) δq``, so its covariance is

    Σₓ = J Σ_q Jᵀ   (6×6; blocks [m², m·rad; rad·m, rad²]).

The twist is in ``ref``: for ``"local_world_aligned"`` (default) ``δx[:3]`` is the
displacement of the frame's origin in base axes, and ``δx[3:]`` the small rotation
vector ``θ`` with ``R ≈ exp([θ]×) R₀``, in base axes. For ``"world"``, ``δx[:3]`` is the
displacement of the body point at the base origin (a spatial twist), not of the frame's
origin: the covariance matrix keeps that, but :class:`PoseCovariance`'s ``position_std``
and ``position_rms`` always describe the frame's origin (the tool point), in every ``ref``.
The approximation holds while the
errors are small enough that the arm's kinematics are linear over them (a few mrad for a
metre-long arm gives errors in J δq of order ‖δq‖² · 1 m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import FloatArray, as_array, check_finite
from .ellipsoid import Ellipsoid
from .errors import InputError
from .robot import Robot, check_ref

#: Relative tolerance for symmetry and for negative eigenvalues of a covariance.
COVARIANCE_TOLERANCE = 1e-9


def as_covariance(value: Any, n: int, name: str = "joint_covariance") -> FloatArray:
    """``value`` as a symmetric positive semi-definite (n, n) matrix, or an InputError."""
    S = check_finite(as_array(value, name), name)
    if S.shape != (n, n):
        hint = "; for independent joints with standard deviations σ, pass np.diag(σ**2)" if S.shape == (n,) else ""
        raise InputError(f"{name} must be a ({n}, {n}) covariance matrix [rad² or m²], got shape {S.shape}{hint}")
    scale = max(float(np.abs(S).max()), 1e-300)
    asym = float(np.abs(S - S.T).max())
    if asym > COVARIANCE_TOLERANCE * scale:
        raise InputError(f"{name} must be symmetric; S − Sᵀ has an entry of {asym:.3g}")
    S = 0.5 * (S + S.T)
    lo = float(np.linalg.eigvalsh(S).min())
    if lo < -COVARIANCE_TOLERANCE * scale:
        raise InputError(f"{name} must be positive semi-definite (a covariance); its smallest eigenvalue is {lo:.3g}")
    return S


@dataclass(frozen=True)
class PoseCovariance:
    """The result of :func:`pose_covariance`.

    Attributes:
        covariance: Σₓ (6, 6) of the pose error twist ``[δp; δθ]`` in ``ref``
            [m², m·rad, rad²].
        position_std: standard deviations (3,) [m] of the frame origin's displacement
            along ``ref``'s axes (the frame's for ``"local"``, the base's otherwise). For
            ``"local"`` and ``"local_world_aligned"`` these are the square roots of
            ``covariance``'s first three diagonal entries; for ``"world"`` they are not,
            since the world twist's linear part moves the body point at the base origin.
        orientation_std: standard deviations (3,) [rad] of ``δθ`` about ``ref``'s axes.
        position_rms: ``sqrt(trace Σ_pp)`` [m], the RMS displacement of the frame's
            origin, the same in every ``ref``.
        orientation_rms: ``sqrt(trace Σ_θθ)`` [rad], the RMS rotation angle.
        frame, ref: where the pose is taken and how the twist is expressed.
        center: the frame's origin (3,) [m] in the base frame.
        position_covariance_base: Σ_pp (3, 3) [m²] of the frame's origin in base axes
            (whatever ``ref``), for :meth:`position_ellipsoid`.
    """

    covariance: FloatArray
    position_std: FloatArray
    orientation_std: FloatArray
    position_rms: float
    orientation_rms: float
    frame: str
    ref: str
    center: FloatArray
    position_covariance_base: FloatArray

    def position_ellipsoid(self, sigma: float = 1.0) -> Ellipsoid:
        """The ``sigma``-σ ellipsoid (1 or 3, say) of the frame's origin, base frame, radii [m].

        Axes are the eigenvectors of Σ_pp, radii ``sigma·√λᵢ``. For a Gaussian in 3-D the
        1-σ ellipsoid holds about 20 % of the samples and the 3-σ one about 97 %.
        """
        try:
            sigma = float(sigma)
        except (TypeError, ValueError):
            raise InputError(f"sigma must be a positive number of standard deviations, got {sigma!r}") from None
        if not (math.isfinite(sigma) and sigma > 0):
            raise InputError(f"sigma must be a positive number of standard deviations, got {sigma!r}")
        lam, V = np.linalg.eigh(self.position_covariance_base)
        order = np.argsort(lam)[::-1]
        radii = sigma * np.sqrt(np.clip(lam[order], 0.0, None))
        return Ellipsoid(self.center.copy(), V[:, order], radii, f"position {sigma:g}-sigma", "m")


def pose_covariance(
    robot: Robot,
    q: Any,
    joint_covariance: Any,
    frame: str | None = None,
    ref: str = "local_world_aligned",
) -> PoseCovariance:
    """Covariance of ``frame``'s pose (default: the tip) for joint covariance ``Σ_q`` (dof, dof).

    ``Σₓ = J(ref) Σ_q J(ref)ᵀ`` (6, 6), first order in the joint errors. ``joint_covariance``
    must be symmetric positive semi-definite, in rad² (m² for prismatic joints); for
    independent encoders with standard deviations σ pass ``np.diag(σ**2)``.
    """
    check_ref(ref)
    qv = robot.check_q(q)
    S = as_covariance(joint_covariance, robot.dof)
    J = robot.jacobian(qv, frame, ref)
    cov = J @ S @ J.T
    cov = 0.5 * (cov + cov.T)
    Jv = J[:3] if ref == "local_world_aligned" else robot.jacobian(qv, frame, "local_world_aligned")[:3]
    Jp = Jv if ref == "world" else J[:3]  # the frame origin's motion along ref's axes
    var = np.clip(np.diag(cov), 0.0, None)
    var_p = np.clip(np.einsum("ij,jk,ik->i", Jp, S, Jp), 0.0, None)
    return PoseCovariance(
        covariance=cov,
        position_std=np.sqrt(var_p),
        orientation_std=np.sqrt(var[3:]),
        position_rms=math.sqrt(float(var_p.sum())),
        orientation_rms=math.sqrt(float(var[3:].sum())),
        frame=frame or robot.tip,
        ref=ref,
        center=robot.fk(qv, frame)[:3, 3],
        position_covariance_base=Jv @ S @ Jv.T,
    )
