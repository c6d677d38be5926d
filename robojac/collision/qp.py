"""The velocity-damper QP that keeps a resolved-rate command clear of collisions (proxsuite).

At each control step, with the nominal damped least-squares command ``q̇_ref`` for the
task rows ``J q̇ ≈ x``, solve

    min over q̇   ½ ‖J (q̇ − q̇_ref)‖² + ½ w ‖q̇ − q̇_ref‖²
    subject to   J_d,k q̇ ≥ −ξ (d_k − d_s) / (d_i − d_s)   for every pair k with d_k < d_i,
                 max(−v_max, (q_min − q)/Δt) ≤ q̇ ≤ min(v_max, (q_max − q)/Δt),

Faverjon and Tournassoud's velocity dampers: a pair closer than the influence distance
``d_i`` [m] may approach at most at a rate that falls linearly to zero at the security
distance ``d_s`` [m], so ``d`` tends to ``d_s`` and never crosses it in continuous time.
``ξ`` [m/s] is the approach rate allowed at ``d_i``. ``J_d,k`` is the pair's distance
Jacobian (:mod:`robojac.collision.queries`). The cost measures a departure from the
nominal command by the task motion it costs (``J``) plus ``w = max(λ², 1e-6)`` (λ the
nominal command's damping), so with no binding constraint the solution is ``q̇_ref``
itself, null-space motion included, and a binding one gives up as little task motion as it can.
The box rows are the joint position limits (reached in one period ``Δt`` at most) and
velocity limits, as hard bounds. The QP is solved by proxsuite's dense ProxQP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import proxsuite

from .._validate import FloatArray, non_negative, positive
from ..errors import InputError
from .model import CollisionModel
from .queries import active_rows


@dataclass(frozen=True)
class DamperSettings:
    """``d_min`` = d_s [m], ``d_influence`` = d_i [m] (> d_s), ``xi`` = ξ [m/s]."""

    d_min: float = 0.02
    d_influence: float = 0.12
    xi: float = 0.2

    def __post_init__(self) -> None:
        non_negative(self.d_min, "d_min")
        positive(self.xi, "xi")
        if not (math.isfinite(self.d_influence) and self.d_influence > self.d_min):
            raise InputError(
                f"d_influence must be a finite distance above d_min = {self.d_min} m, got {self.d_influence!r}"
            )


class ClearanceQP:
    """One controller's QP state: the collision model, the damper settings and proxsuite solvers by size."""

    def __init__(self, collision: CollisionModel, settings: DamperSettings) -> None:
        self.collision = collision
        self.settings = settings
        self._solvers: dict[int, Any] = {}
        self.active = 0  # pairs constrained at the last step
        self.clearance = math.inf  # the smallest distance [m] at the last step
        self.closest: tuple[str, str] | None = None
        self.status = ""

    def solve(
        self,
        q: FloatArray,
        J: FloatArray,
        x: FloatArray,
        dq_ref: FloatArray,
        w: float,
        lower: FloatArray,
        upper: FloatArray,
    ) -> FloatArray:
        """The constrained joint rates (dof,) for task rows ``J q̇ ≈ x`` and box ``lower ≤ q̇ ≤ upper``."""
        s = self.settings
        d, C, self.clearance, self.closest = active_rows(self.collision, q, s.d_influence)
        n = J.shape[1]
        w = max(w, 1e-6)
        H = J.T @ J + w * np.eye(n)
        g = -(H @ dq_ref)
        lb = np.minimum(lower, upper)
        m = d.size
        self.active = m
        if m == 0 and np.all(dq_ref >= lb) and np.all(dq_ref <= upper):
            self.status = "inactive"
            return dq_ref
        qp = self._solvers.get(m)
        if qp is None:
            qp = self._solvers[m] = proxsuite.proxqp.dense.QP(n, 0, m, True)
            qp.settings.eps_abs = 1e-9
            qp.settings.verbose = False
        if m:
            lo = -s.xi * (d - s.d_min) / (s.d_influence - s.d_min)
            qp.init(H, g, None, None, C, lo, np.full(m, 1e20), lb, upper, compute_preconditioner=False)
        else:
            qp.init(H, g, None, None, None, None, None, lb, upper, compute_preconditioner=False)
        # Ruiz equilibration costs more than it saves on a 7-variable QP (half the time without it).
        qp.solve()
        self.status = str(qp.results.info.status).rsplit(".", 1)[-1]
        return np.array(qp.results.x)
