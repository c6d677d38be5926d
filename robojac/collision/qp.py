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

Before ProxQP, an exact active-set solve (:func:`robojac.collision.kernel.clearance_qp`,
compiled with numba, as is the test above): guess which rows hold with equality (the
rows the last period's solution sat on, else the rows ``q̇_ref`` breaks), solve that
equality-constrained QP in closed form (Cholesky of H, then the k×k Schur complement,
k ≤ 7), and accept it only when the KKT conditions hold: every multiplier ≥ 0 and every
row met (to 1e-12). With H ≻ 0 those conditions make it *the* unique solution, so
accepting it changes no answer: it is ProxQP's solution without ProxQP's tolerance
(tests: equal to a polished ProxQP answer to 1e-9). Why: in a control loop the active
set rarely changes between periods, and two small Cholesky factorisations cost a
fraction of ProxQP's iterations and data update. When no guess verifies (a change of
active set that a few repairs, dropping rows with μ < 0 and adding the most broken row,
do not find; dependent rows) ProxQP solves, as the general solver, and its answer's
tight rows seed the next period's guess. ``status`` says which: ``"inactive"``,
``"active set"`` or ProxQP's status (``"PROXQP_SOLVED"``...); ``active_set = False``
forces ProxQP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import proxsuite

from .._validate import FloatArray, non_negative, positive
from ..errors import InputError
from . import kernel as _kernel
from .model import CollisionModel
from .queries import active_pairs


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
    """One controller's QP state: the collision model, the damper settings, the joint-rate
    box and proxsuite solvers by size.

    The box on q̇ [rad/s or m/s] is ``|q̇| ≤ velocity_limits`` (None or inf entries: no
    limit) and, when ``dt`` [s] is given, the rates that reach the robot's position limits
    within ``dt``: ``(q_min − q)/dt ≤ q̇ ≤ (q_max − q)/dt``. Where the two leave no room
    (a joint past its limit) the lower bound counts as the upper.
    """

    def __init__(
        self,
        collision: CollisionModel,
        settings: DamperSettings,
        *,
        velocity_limits: FloatArray | None = None,
        dt: float | None = None,
    ) -> None:
        self.collision = collision
        self.settings = settings
        robot = collision.robot
        n = robot.dof
        vmax = np.full(n, math.inf) if velocity_limits is None else np.array(velocity_limits, dtype=float)
        if vmax.shape != (n,) or np.isnan(vmax).any() or (vmax <= 0).any():
            raise InputError(f"velocity_limits must be {n} numbers > 0 [rad/s or m/s] (inf: no limit), got {vmax!r}")
        positions = dt is not None
        #: Rows: q_min, q_max (±inf without ``dt``), v_max; the kernel makes the box from them.
        self._limits = np.stack(
            (
                robot.lower if positions else np.full(n, -math.inf),
                robot.upper if positions else np.full(n, math.inf),
                vmax,
            )
        )
        self._box = np.empty((2, n))  # this step's box, for ProxQP when the kernel leaves the QP to it
        self._solvers: dict[int, Any] = {}
        self.active = 0  # pairs constrained at the last step
        self.clearance = math.inf  # the smallest distance [m] at the last step
        self.closest: tuple[str, str] | None = None
        self.status = ""
        #: Try the exact active-set solve before ProxQP (False: ProxQP only, for comparisons).
        self.active_set = True
        self._consts = np.array(
            [settings.d_min, settings.d_influence, settings.xi, positive(dt, "dt") if positions else 1.0]
        )
        # The rows the last answer sat on, by pair (query order), then joint lower and upper
        # bounds: keys that survive a change of the active pairs between periods.
        self._last = np.zeros(0, dtype=np.bool_)

    def solve(self, q: FloatArray, J: FloatArray, dq_ref: FloatArray, w: float) -> FloatArray:
        """The constrained joint rates (dof,) at ``q``, nearest ``dq_ref`` in the metric
        ``H = JᵀJ + max(w, 1e-6) I`` of the task rows ``J``, inside the box."""
        s = self.settings
        d, C, self.clearance, self.closest, pairs, total = active_pairs(self.collision, q, s.d_influence)
        m, n = d.size, dq_ref.size
        self.active = m
        keys = total + 2 * n
        if self._last.size != keys:  # a new controller, or obstacles added or removed: no guess
            self._last = np.zeros(keys, dtype=np.bool_)
        out, lo = np.empty(n), np.empty(m)
        box = self._box
        code = _kernel.clearance_qp(
            J, dq_ref, w, C, d, self._consts, q, self._limits, pairs, self._last, self.active_set, out, lo, box
        )
        if code == _kernel.INACTIVE:
            self.status = "inactive"
            return dq_ref
        if code == _kernel.ACTIVE_SET:
            self.status = "active set"
            return out
        H = J.T @ J
        H.flat[:: n + 1] += max(w, 1e-6)
        lb, upper = box[0], box[1]
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
        out = np.array(qp.results.x)
        # The rows ProxQP's answer sits on: the next period's first guess of the active set.
        tight = np.concatenate((C @ out - lo, out - lb, upper - out)) <= 1e-7
        self._last[:] = False
        self._last[pairs[tight[:m]]] = True
        self._last[-2 * n :] = tight[m:]
        return out
