"""Inverse kinematics by damped least squares (Levenberg–Marquardt) on SE(3).

:func:`solve_ik` finds joint values ``q`` inside the limits whose tool pose matches a
target to within ``position_tolerance`` [m] and ``rotation_tolerance`` [rad]; its
batch twin :func:`solve_ik_batch` does the same for N targets.

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
  limit while ``‖e‖²`` barely falls, has stalled: the solver restarts, first from the
  pre-sampled configurations whose poses are nearest the target and from mid-range, then
  from seeded random configurations over the whole ranges, until it succeeds or the time
  budget is spent.

``docs/inverse-kinematics.md`` gives the maths, the choices and how to read a failure.
"""

from __future__ import annotations

import math
import os
import sys
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pinocchio as pin

from . import _lm_step as _lm
from . import pose as _pose
from ._validate import FloatArray, as_array, check_finite, positive
from .dls import DAMPING_THRESHOLD, MAX_DAMPING
from .errors import InputError, PoseError
from .measures import manipulability_gradient
from .robot import Robot

#: Default damping μ = k·½‖e‖² + μ̄ [m² or rad²]: the gain k ...
ERROR_DAMPING_GAIN = 0.03
#: ... and the bias μ̄, which keeps ``A Aᵀ + μ I`` invertible at a singular
#: configuration once the error is small, yet small enough not to slow the last steps.
DAMPING_BIAS = 1e-8
#: Iterations of one attempt before it is abandoned for a restart.
MAX_ITERATIONS = 60
#: An attempt whose ‖e‖² has not fallen by STALL_FACTOR over STALL_WINDOW iterations is stuck.
STALL_WINDOW = 5
STALL_FACTOR = 0.5
#: An iteration that holds a joint at a limit and lowers ‖e‖² by less than this factor
#: ends the attempt (see :meth:`_Solver._attempt`).
HELD_STALL_FACTOR = 0.8
#: Axis names of masks and weights, in the order ``[x, y, z, rx, ry, rz]``.
AXES = ("x", "y", "z", "rx", "ry", "rz")
DAMPING_CHOICES = ("error", "sugihara", "chan", "nakamura")
NULLSPACE_CHOICES = ("q0", "mid", "manipulability")
#: Restart seeds: configurations drawn once per robot and frame from the middle half of
#: each joint range, with their frame poses (see :func:`_seed_table`).
SEED_TABLE_SIZE = 256
#: Restarts 1, 3, 5, 7 start from the four seeds nearest the target; later ones are random.
NEAREST_SEEDS = 4
#: Rows of uniform draws behind the random restarts (see :meth:`_Solver._restart`).
RANDOM_BANK = 4096
#: Batches at least this long show a progress bar when stderr is a terminal.
PROGRESS_MIN = 200

_LOCAL = pin.ReferenceFrame.LOCAL
_TURN = 2 * math.pi
_lm_step = _lm.lm_step
_clip = np.clip if not hasattr(np, "_core") else getattr(np._core.umath, "clip", np.clip)  # the bare ufunc: 5× faster


@dataclass(frozen=True)
class IKResult:
    """The outcome of one :func:`solve_ik` call.

    Attributes:
        q: joint values (dof,) [rad or m], always finite and inside the limits, continuous
            joints wrapped to (−π, π]. On failure, the best configuration found.
        success: True when both errors are within their tolerances.
        iterations: damped least-squares iterations, summed over all attempts.
        restarts: random restarts after the first attempt (0 when the start converged).
        position_error: ``‖p(q) − p*‖`` [m] over the constrained axes (see ``mask``).
        rotation_error: angle [rad] of the residual rotation over the constrained axes.
        message: what happened, in words; on failure, why and what to try.
        time: wall-clock seconds the solve took.
    """

    q: FloatArray
    success: bool
    iterations: int
    restarts: int
    position_error: float
    rotation_error: float
    message: str
    time: float = 0.0


@dataclass(frozen=True)
class IKBatchResult:
    """Stacked results of :func:`solve_ik_batch`, one row per target.

    Attributes:
        q: (N, dof) joint values, each row as :attr:`IKResult.q`.
        success: (N,) bool.
        iterations, restarts: (N,) int.
        position_error: (N,) [m]; rotation_error: (N,) [rad].
        time: (N,) wall-clock seconds per solve.
        messages: N messages.
    """

    q: FloatArray
    success: np.ndarray
    iterations: np.ndarray
    restarts: np.ndarray
    position_error: FloatArray
    rotation_error: FloatArray
    time: FloatArray
    messages: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.success)

    def __getitem__(self, i: int) -> IKResult:
        """The i-th solve as an :class:`IKResult`."""
        return IKResult(
            q=self.q[i].copy(),
            success=bool(self.success[i]),
            iterations=int(self.iterations[i]),
            restarts=int(self.restarts[i]),
            position_error=float(self.position_error[i]),
            rotation_error=float(self.rotation_error[i]),
            message=self.messages[i],
            time=float(self.time[i]),
        )

    @property
    def success_rate(self) -> float:
        """Fraction of targets solved, in [0, 1]."""
        return float(np.mean(self.success)) if len(self) else 0.0


# ---------------------------------------------------------------------------- options
@dataclass(frozen=True)
class _Options:
    frame: str | None
    frame_id: int
    position_tolerance: float
    rotation_tolerance: float
    timeout: float | None
    max_iterations: int
    max_restarts: int | None
    rows: np.ndarray | None  # indices of the constrained axes (decoupled error), None: full log6
    row_scale: FloatArray | None  # √weight of each constrained axis
    position_only: bool
    damping: str | float
    nullspace: str | None
    nullspace_gain: float


def _options(
    robot: Robot,
    *,
    frame: str | None,
    position_tolerance: float,
    rotation_tolerance: float,
    timeout: float | None,
    max_iterations: int,
    max_restarts: int | None,
    position_only: bool,
    mask: Sequence[bool] | None,
    weights: Sequence[float] | None,
    damping: str | float,
    nullspace: str | None,
    nullspace_gain: float,
) -> _Options:
    fid = robot.frame_id(frame)
    if robot.model.frames[fid].parentJoint == 0:
        raise InputError(
            f"frame {frame!r} is fixed to the base: no joint moves it. Expected a frame on the moving chain, "
            f"such as the tip {robot.tip!r}"
        )
    ptol = positive(position_tolerance, "position_tolerance")
    rtol = positive(rotation_tolerance, "rotation_tolerance")
    tout = None if timeout is None else positive(timeout, "timeout")
    iters = _count(max_iterations, "max_iterations", minimum=1)
    restarts = None if max_restarts is None else _count(max_restarts, "max_restarts", minimum=0)
    if tout is None and restarts is None:
        raise InputError(
            "timeout=None needs a finite max_restarts, or an unreachable target would be tried forever; "
            "give a timeout [s] or max_restarts"
        )

    m = np.ones(6, dtype=bool)
    if mask is not None:
        arr = np.asarray(mask)
        if arr.shape != (6,) or arr.dtype.kind not in "biu" or not np.isin(arr, (0, 1)).all():
            raise InputError(
                f"mask must be 6 booleans for the axes {list(AXES)} of the target frame, got {np.asarray(mask).tolist()!r}"
            )
        m &= arr.astype(bool)
    if position_only:
        m[3:] = False
    if not m.any():
        raise InputError("mask leaves no axis constrained; expected at least one True among " + ", ".join(AXES))
    w = np.ones(6)
    if weights is not None:
        w = check_finite(as_array(weights, "weights"), "weights")
        if w.shape != (6,) or (w <= 0).any():
            raise InputError(
                f"weights must be 6 positive numbers for the axes {list(AXES)} of the target frame, got {w.tolist()!r}"
            )
    full = bool(m.all()) and weights is None
    only_position = bool(m[:3].all() and not m[3:].any() and (weights is None or np.all(w[:3] == w[0])))

    if isinstance(damping, str):
        if damping not in DAMPING_CHOICES:
            raise InputError(f"damping must be one of {DAMPING_CHOICES} or a number λ ≥ 0, got {damping!r}")
        damp: str | float = damping
    else:
        try:
            damp = float(damping)
        except (TypeError, ValueError):
            raise InputError(f"damping must be one of {DAMPING_CHOICES} or a number λ ≥ 0, got {damping!r}") from None
        if not (math.isfinite(damp) and damp >= 0):
            raise InputError(f"damping must be a finite number λ ≥ 0 [m or rad], got {damp!r}")

    if nullspace is not None and nullspace not in NULLSPACE_CHOICES:
        raise InputError(f"nullspace must be None or one of {NULLSPACE_CHOICES}, got {nullspace!r}")
    gain = positive(nullspace_gain, "nullspace_gain")
    rows = None if full else np.flatnonzero(m)
    return _Options(
        frame=frame,
        frame_id=fid,
        position_tolerance=ptol,
        rotation_tolerance=rtol,
        timeout=tout,
        max_iterations=iters,
        max_restarts=restarts,
        rows=rows,
        row_scale=None if full else np.sqrt(w[m]),
        position_only=only_position and not full,
        damping=damp,
        nullspace=nullspace,
        nullspace_gain=gain,
    )


def _count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def _seed(seed: Any) -> int:
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be None or an integer ≥ 0, got {seed!r}")
    return int(seed)


# ---------------------------------------------------------------------------- the solver
_SUCCESS, _STALLED, _TIMEOUT = 0, 1, 2


class _Solver:
    """The iteration loop for one robot and one set of options, with its scratch arrays.

    It trusts its inputs: the public functions validate them once. It owns its own
    ``pinocchio.Data``, so it never disturbs ``robot.data``.
    """

    def __init__(self, robot: Robot, opts: _Options) -> None:
        self.robot = robot
        self.opts = opts
        angle_model = _angle_model(robot, opts.frame_id)
        # The solver's own copy of the model: solve() moves its root joint so that FK gives the
        # frame's pose seen from the target, T*⁻¹ T, which saves a product per iteration.
        self.model = pin.Model(robot.model if angle_model is None else angle_model)
        self.data = self.model.createData()
        self.placements = self.model.jointPlacements
        self.root = self.model.supports[self.model.frames[opts.frame_id].parentJoint][1]
        self.root_placement = self.placements[self.root].copy()
        n = robot.dof
        self.lower = np.array(robot.lower)
        self.upper = np.array(robot.upper)
        self.sample_lo, self.sample_hi = _sampling_box(robot)
        self.mid = 0.5 * (self.sample_lo + self.sample_hi)
        self.continuous = np.array(robot._continuous, dtype=int)
        # Joints that turn freely within finite limits (revolute over a full turn) can jump
        # by 2π at a limit: same pose.
        wraps = _turns(robot) & np.isfinite(self.upper - self.lower)
        # q goes to Pinocchio as it is, unless continuous joints are still (cos, sin) pairs there.
        converts = angle_model is None and robot._continuous.size > 0
        self.to_pin: Callable[[FloatArray], FloatArray] = robot._to_pin if converts else _same
        self.pre = None if robot.base_is_root else np.array(robot.base_in_world)
        self.full = opts.rows is None
        m = 6 if opts.rows is None else len(opts.rows)
        self.keep = np.ones(6, dtype=bool)  # the constrained axes
        if opts.rows is not None:
            self.keep[:] = False
            self.keep[opts.rows] = True
        self.lin_rows = None if opts.rows is None else opts.rows < 3
        d = opts.damping
        gain, bias = {"error": (ERROR_DAMPING_GAIN, DAMPING_BIAS), "sugihara": (1.0, 1e-3), "chan": (1.0, 0.0)}.get(
            d if isinstance(d, str) else "", (0.0, 0.0)
        )
        self.seeds = _seed_table(robot, opts.frame_id)
        # Weights of the distance from a seed's pose to the target (see _seed_distances):
        # position whenever a position axis is constrained, rotation when all three are.
        wp, wr = float(self.keep[:3].any()), float(self.keep[3:].all()) * self.seeds.rotation_scale
        self.seed_weights = np.array([[-wr, -wr, -wr, -2.0 * wp]] * 3).ravel()
        self.seed_offsets = wp * self.seeds.sq_norms
        self.sample_span = self.sample_hi - self.sample_lo
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
            opts.frame_id,
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

    def _warm_up(self) -> None:
        """One short solve, so that the first timed solve does not pay for lazy set-up.

        The first calls into Pinocchio's log maps and the compiled step cost about a
        millisecond, a fifth of the default budget.
        """
        target = self.robot.fk(self.mid + 0.01, self.opts.frame)
        self.solve(target, self.mid, 0)
        self._restart(3, self._seed_distances(target), 0)

    def _goal(self, q: FloatArray, q0: FloatArray) -> FloatArray:
        """The secondary goal's joint motion at q, before its projection onto the null space."""
        opts = self.opts
        if opts.nullspace == "manipulability":
            z = np.array(manipulability_gradient(self.robot, q, frame=opts.frame), dtype=float)
        else:
            z = (q0 if opts.nullspace == "q0" else self.mid) - q
            c = self.continuous
            if c.size:  # the short way round
                z[c] = np.arctan2(np.sin(z[c]), np.cos(z[c]))
        return np.asarray(z * opts.nullspace_gain)

    def _linearise_masked(self, dMi: pin.SE3) -> tuple[FloatArray, FloatArray, float, float]:
        """Residual and its derivative over the constrained axes, in the target frame's axes.

        ``dMi = T*⁻¹ T`` is where the frame is, seen from the target: ``r = [t; log3(M)]``
        for its translation ``t`` and rotation ``M``, and ``∂r/∂q = L J`` with ``J`` the
        local Jacobian and ``L = diag(M, Jlog3(M))``. Returns r and L on the kept rows,
        scaled by √weight, and the squared position and rotation errors.
        """
        t, M = dMi.translation, dMi.rotation
        if self.opts.position_only:
            L3 = np.zeros((3, 6))
            L3[:, :3] = M
            return t, L3, float(t.dot(t)), 0.0
        r6 = np.concatenate((t, pin.log3(M)))
        L6 = np.zeros((6, 6))
        L6[:3, :3] = M
        L6[3:, 3:] = pin.Jlog3(M)
        rows, scale, lin = self.opts.rows, self.opts.row_scale, self.lin_rows
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
        is one compiled call, :func:`robojac._lm_step.lm_step`.
        """
        (model, data, fid, to_pin, plain, consts, full, nullspace, goal, ptol2, rtol2,
         max_iterations) = self.loop_constants  # fmt: skip
        q = q.copy()  # steps in place
        state = self.state.copy()
        clock = time.perf_counter
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

    def _seed_distances(self, T: FloatArray) -> FloatArray:
        """Distance of each seed's pose to the target (4, 4), up to a constant [m²].

        The distance is ``‖p − p*‖² + c (3 − tr(Rᵀ R*))`` [m²], where ``3 − tr(RᵀR*) =
        2(1 − cos θ) ≈ θ²`` for the angle θ between the rotations, and ``c`` [m²/rad²] is
        0.3 times the seeds' mean squared distance from their centroid: a turn counts like
        a move across a fraction of the workspace. Up to a constant it is ``‖p‖² − 2 p·p* −
        c R:R*``, one product of the seeds' stacked top rows ``[R | p]`` of their poses with
        the target's, weighted.
        """
        return np.asarray(self.seeds.features.dot(T[:3].ravel() * self.seed_weights) + self.seed_offsets)

    def _restart(self, restarts: int, distances: FloatArray, seed: int) -> FloatArray:
        """Start of restart number ``restarts`` (1, 2, ...).

        Restarts 1, 3, 5 and 7 start near the ``NEAREST_SEEDS`` seed-table configurations
        whose poses are nearest the target (``distances``): a start whose pose is near the
        target's, and which is away from the limits, converges more often and in fewer
        iterations than the middle of the ranges or a random start (on the Panda, one
        attempt succeeds from the nearest of 256 seeds for 90 % of random targets, from
        mid-range for 84 %, from a uniformly random start for 47 %). Restart 2 starts near
        the middle of the joint ranges. All other restarts are uniformly random over the
        whole ranges. Targets that need many restarts are mostly ones whose solutions have
        a joint at or near a limit, which the middle-half seeds do not cover: there, a
        random start from the whole range succeeds about twice as often per try as the
        next seed in the list (docs/inverse-kinematics.md has the counts). "Near" is a
        random offset of up to 1 % of each range, so that every restart differs.

        The random numbers are row ``(9973·seed + restarts) mod RANDOM_BANK`` of the seed
        table's bank of uniform draws: a fixed ``seed`` repeats a solve, different seeds
        read different rows, and no generator is seeded per solve (that costs 7 µs, most
        of an iteration).
        """
        u = self.sample_lo + self.sample_span * self.seeds.uniform[(9973 * seed + restarts) % RANDOM_BANK]
        jitter = 0.02 * (u - self.mid)
        if restarts % 2 and restarts < 2 * NEAREST_SEEDS:
            i = restarts // 2
            # The nearest seed serves most solves; sorting all of them waits for restart 3.
            nearest = distances.argmin() if i == 0 else np.argsort(distances)[i]
            return np.asarray(self.seeds.q[nearest] + jitter)
        if restarts == 2:
            return np.asarray(self.mid + jitter)
        return np.asarray(u)

    def solve(self, target: FloatArray, q0: FloatArray, seed: int, t_start: float | None = None) -> IKResult:
        """Solve for a checked (4, 4) target in the base frame from a checked start q0.

        ``t_start`` (a ``time.perf_counter()`` reading) is when the budget started; default now.
        """
        if t_start is None:
            t_start = time.perf_counter()
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
        while True:
            status, q, its, att_best, att_q, errs = self._attempt(q, q0, deadline)
            iterations += its
            if att_best < best:
                best, best_q = att_best, att_q
            if status != _STALLED:
                break
            if opts.max_restarts is not None and restarts >= opts.max_restarts:
                break
            if time.perf_counter() > deadline:
                status = _TIMEOUT
                break
            if distances is None:
                distances = self._seed_distances(T)
            restarts += 1
            q = self._restart(restarts, distances, seed)
        success = status == _SUCCESS
        return self._result(q if success else best_q, success, iterations, restarts, status, t_start, errs)

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
            errs = self._errors(pin.updateFramePlacement(self.model, self.data, self.opts.frame_id))
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
        return IKResult(q, success, iterations, restarts, pos_err, rot_err, msg, elapsed)

    def _errors(self, dMi: pin.SE3) -> tuple[float, float]:
        """(position [m], rotation [rad]) errors over the kept axes, from ``dMi = T*⁻¹ T``.

        Unmasked: ``‖p − p*‖`` and the angle of ``R*ᵀ R``. Masked: the kept components of
        ``R*ᵀ(p − p*)`` and ``log3(R*ᵀ R)``, the target frame's axes.
        """
        t, w = dMi.translation, pin.log3(dMi.rotation)
        if not self.full:
            t, w = t[self.keep[:3]], w[self.keep[3:]]
        return math.sqrt(float(t.dot(t))), math.sqrt(float(w.dot(w)))


@dataclass(frozen=True)
class _SeedTable:
    """Restart seeds for one robot and frame: configurations and their frame poses."""

    q: FloatArray  # (M, dof)
    features: FloatArray  # (M, 12): the top three rows [R | p] of each pose, flattened
    sq_norms: FloatArray  # (M,) ‖p‖² [m²]
    rotation_scale: float  # c [m²/rad²] of the pose distance
    uniform: FloatArray  # (RANDOM_BANK, dof) uniform draws in [0, 1) for the random restarts


_SEED_TABLES: weakref.WeakKeyDictionary[Robot, dict[int, _SeedTable]] = weakref.WeakKeyDictionary()


def _same(q: FloatArray) -> FloatArray:
    return q


def _angle_model(robot: Robot, frame_id: int) -> pin.Model | None:
    """A copy of ``robot.model`` whose continuous joints take an angle, not (cos, sin).

    Pinocchio's continuous (revolute unbounded) joint has two coordinates, so every call on
    ``robot.model`` needs ``q`` converted first: a tenth of an iteration on a Kinova Gen3.
    The copy swaps each for a revolute joint about the same axis, so the loop passes ``q``
    as it is. None when the robot has no continuous joints, or if the copy's pose of the
    frame differs from the original's (a joint type this does not know).
    """
    model = robot.model
    if not robot._continuous.size:
        return None
    out = pin.Model()
    out.name = model.name
    for j in range(1, model.njoints):
        joint = model.joints[j]
        kind = joint.shortname()
        if kind.startswith("JointModelRUB"):  # unbounded about x, y or z
            joint = {"X": pin.JointModelRX, "Y": pin.JointModelRY, "Z": pin.JointModelRZ}[kind[-1]]()
        elif kind == "JointModelRevoluteUnboundedUnaligned":
            jdata = joint.createData()
            joint.calc(jdata, np.array([1.0, 0.0]))
            joint = pin.JointModelRevoluteUnaligned(np.array(jdata.S)[3:])
        jid = out.addJoint(model.parents[j], joint, model.jointPlacements[j], model.names[j])
        out.appendBodyToJoint(jid, model.inertias[j], pin.SE3.Identity())
    for frame in list(model.frames)[1:]:
        out.addFrame(pin.Frame(frame))
    if out.nq != robot.dof:
        return None
    q = np.linspace(-2.0, 2.5, robot.dof)
    poses = []
    for m, qm in ((out, q), (model, robot._to_pin(q))):
        data = m.createData()
        pin.forwardKinematics(m, data, qm)
        poses.append(pin.updateFramePlacement(m, data, frame_id).homogeneous)
    return out if np.allclose(poses[0], poses[1], rtol=0.0, atol=1e-12) else None


def _sampling_box(robot: Robot) -> tuple[FloatArray, FloatArray]:
    """Where restart and seed configurations are drawn: (lower, upper) per joint [rad or m].

    The joint's range, except for continuous joints and revolute joints whose range spans
    a full turn or more: those take one turn, ``[c − π, c + π]`` about the angle ``c`` of
    their range nearest 0. One turn reaches every pose, and a joint with wide limits (±2π,
    or ±1e9 standing in for "unbounded") should not start attempts, and end them, many
    turns from zero.
    """
    lower, upper = np.array(robot.lower, dtype=float), np.array(robot.upper, dtype=float)
    turn = _turns(robot)
    centre = np.clip(0.0, lower + math.pi, upper - math.pi)  # 0 for a continuous joint
    lo = np.where(turn, np.maximum(centre - math.pi, lower), lower)
    hi = np.where(turn, np.minimum(centre + math.pi, upper), upper)
    return lo, hi


def _turns(robot: Robot) -> np.ndarray:
    """Which joints turn freely: continuous joints, and revolute joints whose range spans a full turn."""
    span = np.asarray(robot.upper, dtype=float) - np.asarray(robot.lower, dtype=float)
    return np.asarray((np.array(robot.joint_types) != "prismatic") & ~(span < _TURN))


def _seed_table(robot: Robot, frame_id: int) -> _SeedTable:
    """The restart seeds of ``robot`` for ``frame_id``, drawn once (fixed seed) and cached.

    ``SEED_TABLE_SIZE`` configurations uniform in the middle half of each joint range
    (which keeps them off the limits), and over the whole turn of :func:`_sampling_box`
    for a joint that turns freely (it has no limit to keep off), with the poses of the
    frame in Pinocchio's world frame, which is where the solver compares poses.
    """
    tables = _SEED_TABLES.setdefault(robot, {})
    if frame_id in tables:
        return tables[frame_id]
    lo, hi = _sampling_box(robot)
    mid = 0.5 * (lo + hi)
    u = np.random.default_rng(20240607).uniform(lo, hi, size=(SEED_TABLE_SIZE, robot.dof))
    Q = mid + np.where(_turns(robot), 1.0, 0.5) * (u - mid)
    model = robot.model
    data = model.createData()
    X = np.empty((SEED_TABLE_SIZE, 3, 4))
    for i, q in enumerate(Q):
        pin.forwardKinematics(model, data, robot._to_pin(q))
        X[i] = pin.updateFramePlacement(model, data, frame_id).homogeneous[:3]
    P = X[:, :, 3]
    table = _SeedTable(
        Q,
        X.reshape(SEED_TABLE_SIZE, 12),
        (P * P).sum(axis=1),
        0.3 * float(P.var(axis=0).sum()),
        np.random.default_rng(20240608).random((RANDOM_BANK, robot.dof)),
    )
    tables[frame_id] = table
    return table


# ---------------------------------------------------------------------------- public API
def solve_ik(
    robot: Robot,
    target: Any,
    q0: Any = None,
    *,
    frame: str | None = None,
    position_tolerance: float = 1e-6,
    rotation_tolerance: float = 1e-6,
    timeout: float | None = 0.005,
    seed: int | None = None,
    max_iterations: int = MAX_ITERATIONS,
    max_restarts: int | None = None,
    position_only: bool = False,
    mask: Sequence[bool] | None = None,
    weights: Sequence[float] | None = None,
    damping: str | float = "error",
    nullspace: str | None = None,
    nullspace_gain: float = 0.5,
) -> IKResult:
    """Joint values that put ``frame`` at ``target``: damped least squares with restarts.

    Args:
        robot: the arm.
        target: desired pose of ``frame`` in the base frame: a (4, 4) array, a
            ``pinocchio.SE3`` or a ``(position [m], quaternion_xyzw)`` pair.
        q0: start (dof,) [rad or m]; default ``robot.neutral()``. Clipped into the limits.
        frame: the frame to place (default: the tip).
        position_tolerance: success bound on the position error [m].
        rotation_tolerance: success bound on the rotation error [rad].
        timeout: wall-clock budget [s] for the whole solve, restarts and input checks
            included; ``None`` for no time limit (then ``max_restarts`` must be given).
            The first call for a robot and set of options also builds the solver
            (1–5 ms, outside the budget). With a budget the result can depend on the
            machine's speed; for repeatable results bound ``max_restarts`` and pass
            ``timeout=None``.
        seed: seeds the random restart configurations (None means 0), so a call repeats.
        max_iterations: iterations of one attempt before a restart.
        max_restarts: most random restarts (default: as many as the time allows).
        position_only: constrain the position only (orientation free).
        mask: 6 booleans for the error components ``[x, y, z, rx, ry, rz]`` in the target
            frame's axes (position of the frame and rotation vector ``log3(R*ᵀ R)``, as
            seen from the target); False leaves that component free. ``[1, 1, 1, 1, 1, 0]``
            lets the frame spin freely about the target's z axis (a symmetric tool).
        weights: 6 positive weights for the same components: the cost is ``½ Σ wᵢ eᵢ²``.
        damping: the μ added to ``A Aᵀ`` in each step. ``"error"`` (the default):
            ``μ = 0.03·½‖e‖² + 1e-8``, large far from the target, nearly Gauss–Newton near it;
            ``"sugihara"``: ``μ = ½‖e‖² + 1e-3``; ``"chan"``: ``μ = ½‖e‖²``; ``"nakamura"``:
            ``μ = λ²`` with λ from the smallest singular value of A
            (:func:`robojac.dls.adaptive_damping`); or a number λ ≥ 0 for a fixed ``μ = λ²``
            (0: Gauss–Newton).
        nullspace: for a redundant arm, a secondary goal pursued in the task's null space:
            ``"q0"`` (stay near the start), ``"mid"`` (mid-range of the limits) or
            ``"manipulability"`` (climb the gradient of Yoshikawa's manipulability).
        nullspace_gain: fraction of the way toward that goal per iteration (or gradient
            step for ``"manipulability"``).

    Returns:
        An :class:`IKResult`. Failing to converge is a result (``success=False``, the best
        ``q`` found), not an exception.

    Raises:
        PoseError: a target that is not a rigid transform (scaled, sheared, reflected,
            wrong shape), or a malformed (position, quaternion) pair.
        InputError: a target with NaN or infinite entries, a ``q0`` of the wrong shape
            or not finite, a non-positive tolerance or timeout, or a bad option.
        FrameError: an unknown ``frame``.
    """
    key = (
        frame,
        position_tolerance,
        rotation_tolerance,
        timeout,
        max_iterations,
        max_restarts,
        position_only,
        None if mask is None else _key(mask),
        None if weights is None else _key(weights),
        damping,
        nullspace,
        nullspace_gain,
    )
    solver = _cached_solver(robot, key)
    # The budget starts once the solver exists: its one-time set-up (1–5 ms: the seed table
    # and a warm-up solve) would otherwise eat most of a first call's 5 ms, and fail targets
    # that later calls solve. It covers the input checks.
    t_start = time.perf_counter()
    T = _target(target)
    if q0 is None:
        start = robot.neutral()
    elif type(q0) is np.ndarray and q0.shape == (robot.dof,) and q0.dtype == np.float64 and math.isfinite(q0.dot(q0)):
        start = q0  # already a clean vector: skip the general check
    else:
        start = robot.check_q(q0, "q0")
    return solver.solve(T, start, _seed(seed), t_start)


def _target(target: Any, name: str = "target") -> FloatArray:
    """The target as a checked (4, 4) array.

    A float (4, 4) array that is rigid to rounding error passes a quick check; anything
    else goes through :func:`robojac.pose.as_matrix`, which raises the precise error or
    repairs a rotation that is orthonormal only to its tolerance.
    """
    if isinstance(target, pin.SE3):
        # pose.as_matrix takes an SE3 on trust, but one can hold NaN or a non-rotation.
        target = np.array(target.homogeneous)
    if type(target) is np.ndarray and target.shape == (4, 4) and target.dtype == np.float64 and _rigid(target):
        return target
    return _pose.as_matrix(target, name)


def _rigid(T: FloatArray) -> bool:
    """Whether T is finite, has the last row [0, 0, 0, 1] and a rotation block with
    ‖RᵀR − I‖² ≤ 1e-24 and det R > 0.

    In Python floats: for a 4 × 4 this is several times faster than numpy's calls.
    """
    (a, b, c, x), (d, e, f, y), (g, h, i, z), last = T.tolist()
    if last != [0.0, 0.0, 0.0, 1.0] or not math.isfinite(a + b + c + d + e + f + g + h + i + x + y + z):
        return False
    # The entries of RᵀR − I: the columns' squared norms less 1, and their dot products.
    n0, n1, n2 = a * a + d * d + g * g - 1.0, b * b + e * e + h * h - 1.0, c * c + f * f + i * i - 1.0
    d01, d02, d12 = a * b + d * e + g * h, a * c + d * f + g * i, b * c + e * f + h * i
    defect = n0 * n0 + n1 * n1 + n2 * n2 + 2.0 * (d01 * d01 + d02 * d02 + d12 * d12)
    return defect <= 1e-24 and a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g) > 0.0


def _key(values: Any) -> Any:
    """A hashable stand-in for a mask or weights; the values themselves where that fails."""
    try:
        arr = np.asarray(values)
    except Exception:  # ragged or odd input: validation names the problem
        return values
    return (*arr.ravel().tolist(), arr.shape) if arr.dtype.kind in "biuf" else values


#: Solvers by robot and option values: validating options and allocating scratch space
#: for each call would cost as much as a solve.
_SOLVERS: weakref.WeakKeyDictionary[Robot, dict[tuple[Any, ...], _Solver]] = weakref.WeakKeyDictionary()
_CACHE_SIZE = 16


def _cached_solver(robot: Robot, key: tuple[Any, ...]) -> _Solver:
    cache = _SOLVERS.setdefault(robot, {})
    try:
        return cache[key]
    except (KeyError, TypeError):
        pass
    values = dict(zip(_OPTION_NAMES, key))
    for name in ("mask", "weights"):
        if isinstance(values[name], tuple) and values[name] and isinstance(values[name][-1], tuple):
            values[name] = np.reshape(values[name][:-1], values[name][-1])
    opts = _options(robot, **values)
    solver = _Solver(robot, opts)
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    try:
        cache[key] = solver
    except TypeError:  # an unhashable option value that still validated: just don't cache
        pass
    return solver


def solve_ik_batch(
    robot: Robot,
    targets: Any,
    q0: Any = None,
    *,
    workers: int = 1,
    progress: bool = True,
    seed: int | None = None,
    **options: Any,
) -> IKBatchResult:
    """:func:`solve_ik` for N targets; the results are stacked arrays.

    Target ``i`` is solved exactly as ``solve_ik(robot, targets[i], q0[i], seed=seed + i,
    **options)`` (with ``seed=None`` meaning 0), so the batch equals the single solves.

    Args:
        robot: the arm.
        targets: (N, 4, 4) poses in the base frame, or a sequence of any pose form
            :func:`solve_ik` accepts.
        q0: None (neutral), one start (dof,) for all, or (N, dof) starts.
        workers: processes to spread the targets over (1: this process).
        progress: show a progress bar on stderr when it is a terminal and N ≥ 200.
        seed: base seed; target i uses ``seed + i``.
        **options: any keyword of :func:`solve_ik` (``frame``, tolerances, ``timeout``...).

    Returns:
        An :class:`IKBatchResult`.
    """
    Ts = _as_targets(targets)
    N = len(Ts)
    base_seed = _seed(seed)
    nworkers = _count(workers, "workers", minimum=1)
    if q0 is None:
        starts = np.broadcast_to(robot.neutral(), (N, robot.dof))
    else:
        arr = check_finite(as_array(q0, "q0"), "q0")
        if arr.shape == (robot.dof,):
            starts = np.broadcast_to(arr, (N, robot.dof))
        elif arr.shape == (N, robot.dof):
            starts = arr
        else:
            raise InputError(f"q0 must be None, shape ({robot.dof},) or ({N}, {robot.dof}), got shape {arr.shape}")
    unknown = set(options) - _SOLVE_OPTIONS
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for solve_ik_batch; expected keywords of solve_ik: {sorted(_SOLVE_OPTIONS)}"
        )
    opts = _options(robot, **{**_DEFAULTS, **options})
    show = bool(progress) and N >= PROGRESS_MIN and sys.stderr.isatty()
    if nworkers == 1 or N < 2:
        return _stack(_solve_chunk(robot, opts, Ts, starts, base_seed, show), robot.dof)
    return _solve_parallel(robot, opts, Ts, np.array(starts), base_seed, nworkers, show)


_DEFAULTS: dict[str, Any] = dict(
    frame=None,
    position_tolerance=1e-6,
    rotation_tolerance=1e-6,
    timeout=0.005,
    max_iterations=MAX_ITERATIONS,
    max_restarts=None,
    position_only=False,
    mask=None,
    weights=None,
    damping="error",
    nullspace=None,
    nullspace_gain=0.5,
)
_SOLVE_OPTIONS = frozenset(_DEFAULTS)
_OPTION_NAMES = tuple(_DEFAULTS)


def _as_targets(targets: Any) -> FloatArray:
    """(N, 4, 4) checked rigid transforms from an array or a sequence of poses."""
    if isinstance(targets, np.ndarray) and targets.ndim == 3:
        Ts = check_finite(as_array(targets, "targets"), "targets")
        if Ts.shape[1:] != (4, 4):
            raise PoseError(f"targets must have shape (N, 4, 4), got {Ts.shape}")
        R = Ts[:, :3, :3]
        defect = np.abs(np.einsum("nji,njk->nik", R, R) - np.eye(3)).max(axis=(1, 2)) if len(Ts) else np.zeros(0)
        bad = np.flatnonzero(
            (defect > _pose.ORTHONORMAL_TOLERANCE)
            | (np.abs(Ts[:, 3] - (0.0, 0.0, 0.0, 1.0)).max(axis=1) > _pose.ORTHONORMAL_TOLERANCE)
            | (np.linalg.det(R) < 0 if len(Ts) else np.zeros(0, dtype=bool))
        )
        if bad.size:
            _pose.as_matrix(Ts[bad[0]], f"targets[{bad[0]}]")  # raises the precise message
        out = np.array(Ts)
        out[:, 3] = (0.0, 0.0, 0.0, 1.0)
        # A rotation orthonormal only to the tolerance (float32 data, say) is repaired as
        # solve_ik repairs it, so that the batch still equals the single solves.
        for i in np.flatnonzero(defect > 1e-12):
            out[i] = _target(Ts[i], f"targets[{i}]")
        return out
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__len__"):
        raise PoseError(f"targets must be an (N, 4, 4) array or a sequence of poses, got {type(targets).__name__}")
    if len(targets) == 0:
        return np.zeros((0, 4, 4))
    return np.stack([_target(t, f"targets[{i}]") for i, t in enumerate(targets)])


def _solve_chunk(
    robot: Robot, opts: _Options, Ts: FloatArray, starts: FloatArray, base_seed: int, show: bool, offset: int = 0
) -> list[IKResult]:
    solver = _Solver(robot, opts)
    bar = _bar(len(Ts)) if show else None
    out = []
    for i in range(len(Ts)):
        # solve_ik_batch checked the starts' shape and values once for the whole array.
        out.append(solver.solve(Ts[i], starts[i], base_seed + offset + i))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _chunk_job(args: tuple[Robot, _Options, FloatArray, FloatArray, int, int]) -> list[IKResult]:
    robot, opts, Ts, starts, base_seed, offset = args
    return _solve_chunk(robot, opts, Ts, starts, base_seed, False, offset)


def _solve_parallel(
    robot: Robot, opts: _Options, Ts: FloatArray, starts: FloatArray, base_seed: int, workers: int, show: bool
) -> IKBatchResult:
    from concurrent.futures import ProcessPoolExecutor

    N = len(Ts)
    size = max(1, min(256, math.ceil(N / (4 * workers))))
    jobs = [(robot, opts, Ts[i : i + size], starts[i : i + size], base_seed, i) for i in range(0, N, size)]
    bar = _bar(N) if show else None
    results: list[IKResult] = []
    with ProcessPoolExecutor(max_workers=min(workers, os.cpu_count() or workers, len(jobs))) as pool:
        for chunk in pool.map(_chunk_job, jobs):
            results.extend(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return _stack(results, robot.dof)


def _bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="solve", file=sys.stderr, desc="IK", leave=False)


def _stack(results: list[IKResult], dof: int) -> IKBatchResult:
    n = len(results)
    return IKBatchResult(
        q=np.array([r.q for r in results]).reshape(n, dof),
        success=np.array([r.success for r in results], dtype=bool),
        iterations=np.array([r.iterations for r in results], dtype=int),
        restarts=np.array([r.restarts for r in results], dtype=int),
        position_error=np.array([r.position_error for r in results], dtype=float),
        rotation_error=np.array([r.rotation_error for r in results], dtype=float),
        time=np.array([r.time for r in results], dtype=float),
        messages=tuple(r.message for r in results),
    )
