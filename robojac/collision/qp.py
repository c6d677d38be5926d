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

The solver is called only when it has something to do, without changing the answer: the
cost is ``½ (q̇ − q̇_ref)ᵀ H (q̇ − q̇_ref)`` with ``H = JᵀJ + w I ≻ 0``, zero at ``q̇_ref``
and positive everywhere else, so when ``q̇_ref`` meets every damper row and the box it
*is* the unique solution (``status == "inactive"``), found with one matrix-vector
product. Otherwise the ProxQP object of that row count is reused: ``update`` replaces its
data in place (no new allocation), it starts from its previous answer and multipliers
(a warm start changes where the iterations begin, not where they end), and Ruiz
equilibration is skipped (on a 7-variable problem it costs more than it saves).
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
        m = d.size
        self.active = m
        lb = np.minimum(lower, upper)
        lo = (s.d_min - d) * (s.xi / (s.d_influence - s.d_min))  # −ξ (d − d_s) / (d_i − d_s)
        # The cost is ½ (q̇ − q̇_ref)ᵀ H (q̇ − q̇_ref) with H ≻ 0: zero at q̇_ref and positive
        # elsewhere, so when q̇_ref meets every row it is the QP's unique solution.
        if (lb <= dq_ref).all() and (dq_ref <= upper).all() and (m == 0 or (C @ dq_ref >= lo).all()):
            self.status = "inactive"
            return dq_ref
        n = J.shape[1]
        H = J.T @ J
        H.flat[:: n + 1] += max(w, 1e-6)
        g = -(H @ dq_ref)
        dampers = (C, lo, np.full(m, 1e20)) if m else (None, None, None)
        qp = self._solvers.get(m)
        if qp is None:
            qp = self._solvers[m] = proxsuite.proxqp.dense.QP(n, 0, m, True)
            qp.settings.eps_abs = 1e-9
            qp.settings.verbose = False
            # Successive periods pose neighbouring problems: starting from the last answer and
            # multipliers takes ProxQP ~6 iterations instead of ~16, to the same 1e-9 tolerance.
            qp.settings.initial_guess = proxsuite.proxqp.InitialGuess.WARM_START_WITH_PREVIOUS_RESULT
            qp.init(H, g, None, None, *dampers, lb, upper, compute_preconditioner=False)
        else:  # the sizes of the last solve with m rows: its data is replaced in place
            qp.update(H, g, None, None, *dampers, lb, upper, update_preconditioner=False)
        qp.solve()
        self.status = str(qp.results.info.status).rsplit(".", 1)[-1]
        return np.array(qp.results.x)
