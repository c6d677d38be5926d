"""The solver: damped least squares (Levenberg–Marquardt) on SE(3), with restarts.

One iteration, for the full-pose target ``T*`` and the current pose ``T = FK(q)``:

* error twist ``e = log6(T⁻¹ T*)`` [m, rad], expressed in the current tool frame;
* its Jacobian ``A = Jlog6(T*⁻¹ T) J_local(q)`` (6 × dof), where ``J_local`` is the body
  Jacobian, so that ``e(q + dq) ≈ e(q) − A dq``;
* the damped step ``dq = Aᵀ (A Aᵀ + μ I)⁻¹ e``, which minimises
  ``‖A dq − e‖² + μ ‖dq‖²``, with the error-based damping ``μ = 0.03·½‖e‖² + 10⁻⁸``
  [m² or rad²] unless the ``damping`` option says otherwise;
* joints that cross a limit are clamped there (full-turn joints wrap by 2π instead), and
  a joint resting on a limit is held, its column of A zeroed, while the descent direction
  ``Aᵀe`` points out of its range (an active set), so a limit never freezes the others;
* an attempt whose ``‖e‖²`` has not halved in 5 iterations, or that holds a joint at a
  limit while ``‖e‖²`` barely falls, has stalled: the solver restarts (see
  :mod:`robojac.ik.seeds`) until it succeeds or the time budget is spent.

:class:`Solver` holds the loop for one robot and one :class:`~robojac.ik.options.IKOptions`;
:func:`~robojac.ik.single.solve_ik` keeps one per thread, robot and options.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pinocchio as pin

from .._validate import FloatArray
from ..dls import DAMPING_THRESHOLD, MAX_DAMPING
from ..errors import InputError
from ..measures import manipulability_gradient_from
from ..robot import Robot
from . import kernel as _lm
from .model import angle_model, continuous_joints, robot_kinematics
from .options import IKOptions
from .results import IKResult, collision_failure
from .seeds import Restarts, turns

#: Default damping μ = k·½‖e‖² + μ̄ [m² or rad²]: the gain k ...
ERROR_DAMPING_GAIN = 0.03
#: ... and the bias μ̄, which keeps ``A Aᵀ + μ I`` invertible at a singular
#: configuration once the error is small, yet small enough not to slow the last steps.
DAMPING_BIAS = 1e-8
#: An attempt whose ‖e‖² has not fallen by STALL_FACTOR over STALL_WINDOW iterations is stuck.
STALL_WINDOW = 5
STALL_FACTOR = 0.5
#: An iteration that holds a joint at a limit and lowers ‖e‖² by less than this factor
#: ends the attempt (see :func:`robojac.ik.kernel.lm_step`).
HELD_STALL_FACTOR = 0.8

_LOCAL = pin.ReferenceFrame.LOCAL
# The bare ufunc where numpy has one: np.clip's Python wrapper costs more than the clip.
_clip = np.clip if not hasattr(np, "_core") else getattr(np._core.umath, "clip", np.clip)

_SUCCESS, _STALLED, _TIMEOUT = 0, 1, 2


class Solver:
    """The iteration loop for one robot and one set of options, with its scratch arrays.

    It trusts its inputs: the public functions validate them once. It owns its model copy
    and every ``pinocchio.Data`` it writes, and never touches the robot's scratch data, but
    it is not reentrant: :meth:`solve` moves its model's root joint to the target, so one
    solver serves one thread (see :mod:`robojac.ik.single`) and refuses calls from others.
    """

    def __init__(self, robot: Robot, opts: IKOptions) -> None:
        # No reference to the robot itself: the solver caches hold robots weakly, and a
        # solver that held its robot would keep it, and itself, alive for good.
        self.robot_model = robot.model
        self.opts = opts
        self.thread = threading.get_ident()
        self.frame_id = robot.frame_id(opts.frame)
        if robot.model.frames[self.frame_id].parentJoint == 0:
            raise InputError(
                f"frame {opts.frame!r} is fixed to the base: no joint moves it. Expected a frame on the moving chain, "
                f"such as the tip {robot.tip!r}"
            )
        self._set_rows(opts)
        to_pinocchio, base_in_world = robot_kinematics(robot)
        angles = angle_model(robot, self.frame_id)
        # The solver's own copy of the model: solve() moves its root joint so that FK gives the
        # frame's pose seen from the target, T*⁻¹ T, which saves a product per iteration.
        self.model = pin.Model(robot.model if angles is None else angles)
        self.data = self.model.createData()
        self.placements = self.model.jointPlacements
        self.root = self.model.supports[self.model.frames[self.frame_id].parentJoint][1]
        self.root_placement = self.placements[self.root].copy()
        n = robot.dof
        self.lower = np.array(robot.lower)
        self.upper = np.array(robot.upper)
        self.restarts = Restarts(robot, self.frame_id, self.keep)
        self.mid = self.restarts.mid
        self.continuous = continuous_joints(robot)
        # Joints that turn freely within finite limits (revolute over a full turn) can jump
        # by 2π at a limit: same pose.
        wraps = turns(robot) & np.isfinite(self.upper - self.lower)
        # q goes to Pinocchio as it is, unless continuous joints are still (cos, sin) pairs there.
        converts = angles is None and self.continuous.size > 0
        self.to_pin: Callable[[FloatArray], FloatArray] = to_pinocchio if converts else _same
        self.pre = base_in_world
        # The manipulability gradient's own Data, on the robot's model (read-only there).
        self.hessian_data = robot.model.createData() if opts.nullspace == "manipulability" else None
        self.robot_to_pin = to_pinocchio
        m = 6 if self.rows is None else len(self.rows)
        d = opts.damping
        gain, bias = {"error": (ERROR_DAMPING_GAIN, DAMPING_BIAS), "sugihara": (1.0, 1e-3), "chan": (1.0, 0.0)}.get(
            d if isinstance(d, str) else "", (0.0, 0.0)
        )
        ptol2, rtol2 = opts.position_tolerance**2, opts.rotation_tolerance**2
        nullspace = opts.nullspace is not None and m < n
        nakamura = d == "nakamura"
        consts = _lm.constants(
            self.lower,
            self.upper,
            wraps,
            # μ = gain · ½‖e‖² + bias is added to the diagonal; the factor ½ is folded into the gain.
            mu_gain=0.5 * gain,
            mu_bias=float(d) ** 2 if isinstance(d, float) else bias,
            threshold=DAMPING_THRESHOLD if nakamura else 0.0,
            max_damping=MAX_DAMPING if nakamura else 0.0,
            held_stall=HELD_STALL_FACTOR,
            # Below this ‖e‖², measure the true errors (‖v‖ of log6 ≈ ‖Δp‖ there); masked
            # targets measure them at every iteration.
            near=4.0 * (ptol2 + rtol2) if self.full else -1.0,
            stall=STALL_FACTOR,
            window=STALL_WINDOW,
            goal=nullspace,
        )
        self.state = _lm.fresh_state(n, STALL_WINDOW)
        # What _attempt reads, in one tuple: one attribute lookup per attempt instead of twenty.
        self.loop_constants = (
            self.model,
            self.data,
            self.frame_id,
            self.to_pin,
            self.to_pin is _same,  # q goes to Pinocchio as it is
            consts,
            self.full,
            nullspace,
            _lm.goal_slice(n, STALL_WINDOW),
            ptol2,
            rtol2,
            opts.max_iterations,
        )
        self._warm_up()

    def _set_rows(self, opts: IKOptions) -> None:
        """The constrained axes: all six and the full-pose error, or some, weighted, in the target's axes."""
        keep = np.ones(6, dtype=bool) if opts.mask is None else np.array(opts.mask, dtype=bool)
        if opts.position_only:
            keep[3:] = False
        w = np.ones(6) if opts.weights is None else np.array(opts.weights)
        self.keep = keep
        self.rotation_free = opts.rotation_free  # a 3-vector target says enough
        self.full = bool(keep.all()) and opts.weights is None
        # indices of the constrained axes (decoupled error), None: full log6
        self.rows = None if self.full else np.flatnonzero(keep)
        self.row_scale = None if self.full else np.sqrt(w[keep])  # √weight of each constrained axis
        self.lin_rows = None if self.rows is None else self.rows < 3
        # Exactly the three position axes, equally weighted: the masked error's short form.
        self.position_rows = (
            not self.full and bool(keep[:3].all() and not keep[3:].any()) and bool(np.all(w[:3] == w[0]))
        )

    def _warm_up(self) -> None:
        """One short solve, so that the first timed solve does not pay for lazy set-up.

        The first calls into Pinocchio's log maps and the compiled step are slow (a share
        of the default budget: docs/inverse-kinematics.md has the figure).
        """
        pin.forwardKinematics(self.model, self.data, self.to_pin(self.mid + 0.01))
        target = pin.updateFramePlacement(self.model, self.data, self.frame_id).homogeneous
        if self.pre is not None:  # the pose in the base frame, as solve() takes it
            target = np.linalg.solve(self.pre, target)
        self.solve(target, self.mid, 0)
        self.restarts.start(3, self.restarts.distances(target), 0)

    def _goal(self, q: FloatArray, q0: FloatArray) -> FloatArray:
        """The secondary goal's joint motion at q, before its projection onto the null space."""
        opts = self.opts
        if opts.nullspace == "manipulability":
            z = self._manipulability_gradient(q)
        else:
            z = (q0 if opts.nullspace == "q0" else self.mid) - q
            c = self.continuous
            if c.size:  # the short way round
                z[c] = np.arctan2(np.sin(z[c]), np.cos(z[c]))
        return np.asarray(z * opts.nullspace_gain)

    def _manipulability_gradient(self, q: FloatArray) -> FloatArray:
        """``∂w/∂q`` (dof,) of Yoshikawa's manipulability of the frame, on the solver's own Data.

        The same computation as :func:`robojac.measures.manipulability_gradient`
        (Pinocchio's kinematic Hessian of the ``"local"`` Jacobian, re-read in Eigen's
        column-major order), on the solver's own model: a solver holds no Robot, so the
        per-thread caches can let one go.
        """
        model, data, fid = self.robot_model, self.hessian_data, self.frame_id
        pin.computeJointKinematicHessians(model, data, self.robot_to_pin(q))
        pin.updateFramePlacement(model, data, fid)
        J = np.array(pin.getFrameJacobian(model, data, fid, _LOCAL))
        raw = np.asarray(pin.getFrameKinematicHessian(model, data, fid, _LOCAL))
        dJ = raw.ravel(order="K").reshape((6, model.nv, model.nv), order="F")
        return manipulability_gradient_from(J, dJ)

    def _linearise_masked(self, dMi: pin.SE3) -> tuple[FloatArray, FloatArray, float, float]:
        """Residual and its derivative over the constrained axes, in the target frame's axes.

        ``dMi = T*⁻¹ T`` is where the frame is, seen from the target: ``r = [t; log3(M)]``
        for its translation ``t`` and rotation ``M``, and ``∂r/∂q = L J`` with ``J`` the
        local Jacobian and ``L = diag(M, Jlog3(M))``. Returns r and L on the kept rows,
        scaled by √weight, and the squared position and rotation errors.
        """
        t, M = dMi.translation, dMi.rotation
        if self.position_rows:
            L3 = np.zeros((3, 6))
            L3[:, :3] = M
            return t, L3, float(t.dot(t)), 0.0
        r6 = np.concatenate((t, pin.log3(M)))
        L6 = np.zeros((6, 6))
        L6[:3, :3] = M
        L6[3:, 3:] = pin.Jlog3(M)
        rows, scale, lin = self.rows, self.row_scale, self.lin_rows
        assert rows is not None and scale is not None and lin is not None
        r = r6[rows]
        pe2, re2 = float(r[lin].dot(r[lin])), float(r[~lin].dot(r[~lin]))
        return r * scale, L6[rows] * scale[:, None], pe2, re2

    def _attempt(
        self, q: FloatArray, q0: FloatArray, deadline: float
    ) -> tuple[int, FloatArray, int, float, FloatArray, tuple[float, float] | None]:
        """One damped least-squares descent from q.

        Returns (status, q, iterations, best ‖e‖², best q, (position, rotation) errors
        at q when it succeeded).

        The loop works with the residual ``r = −e`` (where the frame is, seen from the
        target: ``log6(T*⁻¹ T)``) and its Jacobian ``A = ∂r/∂q``, and steps ``q ← q − Aᵀ(A Aᵀ
        + μ I)⁻¹ r``: that form needs neither ``T⁻¹ T*`` nor its inverse. Pinocchio
        evaluates the pose, ``log6``, ``Jlog6`` and the Jacobian; the algebra of the step
        is one compiled call, :func:`robojac.ik.kernel.lm_step`.
        """
        (model, data, fid, to_pin, plain, consts, full, nullspace, goal, ptol2, rtol2,
         max_iterations) = self.loop_constants  # fmt: skip
        q = q.copy()  # steps in place
        state = self.state.copy()
        clock = time.perf_counter
        _lm_step = _lm.lm_step  # numba loads here, at the first solve (see robojac.ik.kernel)
        k = 0
        for k in range(max_iterations):
            pin.computeJointJacobians(model, data, q if plain else to_pin(q))
            dMi = pin.updateFramePlacement(model, data, fid)  # T*⁻¹ T: see solve()
            if nullspace:
                state[goal] = self._goal(q, q0)
            if full:
                r = pin.log6(dMi).vector
                L, J = pin.Jlog6(dMi), pin.getFrameJacobian(model, data, fid, _LOCAL)
                outcome = _lm_step(L, J, r, q, consts, state)
                if outcome == _lm.NEAR:
                    t, w = dMi.translation, r[3:]
                    pe2, re2 = t.dot(t), w.dot(w)
                    if pe2 <= ptol2 and re2 <= rtol2:
                        return _SUCCESS, q, k, state[_lm.S_R2], q, (math.sqrt(pe2), math.sqrt(re2))
                    state[_lm.S_FORCE] = 1.0
                    outcome = _lm_step(L, J, r, q, consts, state)
            else:
                r, L, pe2, re2 = self._linearise_masked(dMi)
                if pe2 <= ptol2 and re2 <= rtol2:
                    return _SUCCESS, q, k, float(r.dot(r)), q, (math.sqrt(pe2), math.sqrt(re2))
                outcome = _lm_step(L, pin.getFrameJacobian(model, data, fid, _LOCAL), r, q, consts, state)
            if outcome == _lm.STALLED or clock() > deadline:
                status = _STALLED if outcome == _lm.STALLED else _TIMEOUT
                return status, q, k, state[_lm.S_BEST], _lm.best_q(state, len(q), STALL_WINDOW), None
        return _STALLED, q, k + 1, state[_lm.S_BEST], _lm.best_q(state, len(q), STALL_WINDOW), None

    def solve(
        self, target: FloatArray, q0: FloatArray, seed: int, t_start: float | None = None, collision: Any = None
    ) -> IKResult:
        """Solve for a checked (4, 4) target in the base frame from a checked start q0.

        ``t_start`` (a ``time.perf_counter()`` reading) is when the budget started; default now.
        ``collision`` (a :class:`robojac.collision.CollisionModel` of the same robot): a
        converged answer closer than its margin is rejected and the solver restarts.
        """
        if t_start is None:
            t_start = time.perf_counter()
        if threading.get_ident() != self.thread:
            # Two threads on one solver would each move its root joint to their own target,
            # and converge to the other's. The per-thread cache never does this.
            raise RuntimeError("an IK solver was called from a thread other than the one that built it")
        opts = self.opts
        T = target if self.pre is None else self.pre.dot(target)
        Td = pin.SE3(T)
        # The root joint's placement seen from the target: FK now gives T*⁻¹ T for the frame.
        self.placements[self.root] = Td.actInv(self.root_placement)
        deadline = math.inf if opts.timeout is None else t_start + opts.timeout
        q0 = _clip(q0, self.lower, self.upper)  # a new array: the caller's q0 is never changed
        q = q0
        best, best_q = math.inf, q0
        iterations = restarts = 0
        distances: FloatArray | None = None
        hit_pair: tuple[str, str] | None = None
        rejected = 0  # converged answers in collision
        while True:
            status, q, its, att_best, att_q, errs = self._attempt(q, q0, deadline)
            iterations += its
            if att_best < best:
                best, best_q = att_best, att_q
            if status == _SUCCESS and collision is not None:
                hit = self._collides(q, collision)
                if hit is not None:
                    # A converged answer in collision is no answer: restart like a stall.
                    # (its errors are not the returned q's: measure those again at the end)
                    hit_pair, status, errs = hit, _STALLED, None
                    rejected += 1
                    if best_q is att_q:
                        best, best_q = math.inf, q0
            if status != _STALLED:
                break
            if opts.max_restarts is not None and restarts >= opts.max_restarts:
                break
            if time.perf_counter() > deadline:
                status = _TIMEOUT
                break
            if distances is None:
                distances = self.restarts.distances(T)
            restarts += 1
            q = self.restarts.start(restarts, distances, seed)
        success = status == _SUCCESS
        result = self._result(q if success else best_q, success, iterations, restarts, status, t_start, errs)
        if collision is None or success:
            return result
        # The best attempt was never checked: say so when it collides too (one check, on failure only).
        return collision_failure(result, rejected, hit_pair, self._collides(result.q, collision))

    def _collides(self, q: FloatArray, collision: Any) -> tuple[str, str] | None:
        """The closest pair within the margin at the q that would be returned, or None."""
        qr = _clip(q, self.lower, self.upper)
        c = self.continuous
        if c.size:
            qr[c] = np.arctan2(np.sin(qr[c]), np.cos(qr[c]))
        hits = collision.collisions(qr, first=True)
        return hits[0] if hits else None

    def _result(
        self,
        q: FloatArray,
        success: bool,
        iterations: int,
        restarts: int,
        status: int,
        t_start: float,
        errs: tuple[float, float] | None,
    ) -> IKResult:
        q = _clip(q, self.lower, self.upper)
        c = self.continuous
        if c.size:
            q[c] = np.arctan2(np.sin(q[c]), np.cos(q[c]))
            errs = None  # a wrap by whole turns moves the pose by rounding only; measure it again
        if errs is None:
            pin.forwardKinematics(self.model, self.data, self.to_pin(q))
            errs = self._errors(pin.updateFramePlacement(self.model, self.data, self.frame_id))
        pos_err, rot_err = errs
        success = success and pos_err <= self.opts.position_tolerance and rot_err <= self.opts.rotation_tolerance
        elapsed = time.perf_counter() - t_start
        if success:
            msg = f"converged in {iterations} iterations" + (f" after {restarts} restarts" if restarts else "")
        else:
            why = (
                f"timed out after {elapsed * 1e3:.2f} ms"
                if status == _TIMEOUT
                else f"gave up after {restarts + 1} attempts (max_restarts={self.opts.max_restarts})"
            )
            msg = (
                f"no solution within tolerance: {why} and {iterations} iterations; the best attempt is "
                f"{pos_err:.3g} m and {rot_err:.3g} rad away. The target may be out of reach or blocked by joint "
                "limits: check it against robot.fk of known configurations, or raise timeout"
            )
        return IKResult(
            q, success, iterations, restarts, pos_err, rot_err, msg, elapsed, rotation_free=self.rotation_free
        )

    def _errors(self, dMi: pin.SE3) -> tuple[float, float]:
        """(position [m], rotation [rad]) errors over the kept axes, from ``dMi = T*⁻¹ T``.

        Unmasked: ``‖p − p*‖`` and the angle of ``R*ᵀ R``. Masked: the kept components of
        ``R*ᵀ(p − p*)`` and ``log3(R*ᵀ R)``, the target frame's axes.
        """
        t, w = dMi.translation, pin.log3(dMi.rotation)
        if not self.full:
            t, w = t[self.keep[:3]], w[self.keep[3:]]
        return math.sqrt(float(t.dot(t))), math.sqrt(float(w.dot(w)))


def _same(q: FloatArray) -> FloatArray:
    return q
