"""Damped least squares: the singularity-robust inverse of a Jacobian.

The plain pseudo-inverse solution ``dq = J⁺ x`` has joint rates that grow like
``1/σ_min`` as the arm nears a singularity. Damped least squares minimises
``‖J dq − x‖² + λ²‖dq‖²`` instead, whose solution

    dq = Jᵀ (J Jᵀ + λ² I)⁻¹ x = Σᵢ σᵢ / (σᵢ² + λ²) · vᵢ uᵢᵀ x

is bounded by ``‖x‖ / (2λ)`` for any σ. Damping everywhere costs accuracy, so
:func:`adaptive_damping` switches it on only near a singularity (Nakamura and Hanafusa
1986; Chiaverini 1997): ``λ² = (1 − (σ_min/ε)²) λ_max²`` when ``σ_min < ε``, else 0.

These functions take plain arrays, so they serve IK, resolved-rate control and tests on
hand-written Jacobians alike.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import FloatArray

#: σ_min below which damping starts (ε) for Jacobians in m/rad and rad/rad.
DEFAULT_THRESHOLD = 0.04
#: Damping λ_max reached at an exact singularity.
DEFAULT_MAX_DAMPING = 0.04


def adaptive_damping(
    sigma_min: float, threshold: float = DEFAULT_THRESHOLD, max_damping: float = DEFAULT_MAX_DAMPING
) -> float:
    """λ for the smallest singular value ``sigma_min``: 0 above ``threshold``, ``max_damping`` at 0."""
    if sigma_min >= threshold:
        return 0.0
    return max_damping * math.sqrt(1.0 - (sigma_min / threshold) ** 2)


def damped_solve(
    J: FloatArray,
    x: FloatArray,
    damping: float | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_damping: float = DEFAULT_MAX_DAMPING,
) -> tuple[FloatArray, float, float]:
    """Solve ``J dq ≈ x`` by damped least squares; returns ``(dq, λ, σ_min)``.

    ``J`` is (m, n), ``x`` is (m,). With ``damping=None`` the damping follows
    :func:`adaptive_damping` of J's smallest singular value (over ``min(m, n)`` of them);
    pass a number to fix it (0 gives the minimum-norm pseudo-inverse solution, with
    directions of σ < 1e-12 dropped rather than divided by).
    """
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    smin = float(s[-1]) if J.shape[0] <= J.shape[1] else float(s.min())
    lam = adaptive_damping(smin, threshold, max_damping) if damping is None else float(damping)
    return Vt.T @ (damped_gains(s, lam) * (U.T @ x)), lam, smin


def damped_gains(s: FloatArray, damping: float) -> FloatArray:
    """The damped inverse's gain ``σ / (σ² + λ²)`` per singular value ``s``.

    With ``damping`` λ = 0 this is ``1/σ``, except that σ < 1e-12 gives 0 (the direction
    is dropped rather than divided by). ``V diag(gains) Uᵀ`` is the damped pseudo-inverse,
    for callers that need the SVD factors themselves (null-space projection, diagnostics).
    """
    if damping > 0:
        return np.asarray(s / (s * s + damping * damping), dtype=np.float64)
    if s.min() > 1e-12:
        return np.asarray(1.0 / s, dtype=np.float64)
    return np.divide(1.0, s, out=np.zeros_like(s), where=s > 1e-12)


def damped_pinv(J: FloatArray, damping: float) -> FloatArray:
    """The damped pseudo-inverse ``Jᵀ (J Jᵀ + λ² I)⁻¹`` (n, m) for a fixed ``damping`` λ."""
    m = J.shape[0]
    out = np.asarray(np.linalg.solve(J @ J.T + damping * damping * np.eye(m), J).T, dtype=np.float64)
    return out
