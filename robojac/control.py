"""Controllers: resolved-rate motion control and three torque controllers.

(Over 500 lines: the protocol and the four controllers share one set-up and one diagnostics type.)

Every controller follows a reference from :mod:`robojac.trajectory` with one frame (the
tip by default). Frames and units:

* poses in the base frame; twists ``[v; ω]`` with ``ref="local_world_aligned"`` (tool
  origin velocity [m/s], angular velocity [rad/s], base axes), as the Jacobian
  ``J = robot.jacobian(q)``;
* the pose error ``e = [p* − p; R log(Rᵀ R*)]`` [m; rad] in the same frame
  (see :mod:`robojac.taskspace`);
* per-axis gains are 6-vectors ordered ``[x, y, z, rx, ry, rz]``; a scalar applies to all.

Every controller is a :class:`Controller`: ``command(q, dq, t)`` returns what it
commands at state ``(q, dq)`` [rad, rad/s] and time ``t`` [s], and ``diagnostics()``
returns a :class:`Diagnostics` of that last command (pose, error, σ_min, manipulability,
...), which the simulators log. ``command`` trusts its inputs (finite float arrays of
``dof`` entries, as a simulator holds them) so the 1 kHz loop pays for no checks; the
checking entry points below are for calls by hand.

:class:`VelocityController`, ``dq = controller.step(q, t)`` [rad/s] (its ``command``
returns the same joint rates; ``dq`` is ignored); :func:`~robojac.simulate.simulate_kinematic`
runs it:

* :class:`ResolvedRateController`: ``dq = J⁺_λ (V* + K e) + (I − V Vᵀ) k₀ ∇H``.

:class:`TorqueController`, ``tau = controller.torque(q, dq, t)`` [N·m];
:func:`~robojac.simulate.simulate_dynamic` runs it:

* :class:`CartesianImpedanceController`: ``τ = Jᵀ (K e + D (V* − J q̇)) + g(q) − d_j q̇``;
* :class:`OperationalSpaceController`: ``τ = Jᵀ Λ (a* + K e + D (V* − J q̇) − J̇ q̇) + C q̇ + g``,
  ``Λ = (J M⁻¹ Jᵀ)⁻¹`` damped near singularities, plus null-space joint damping;
* :class:`JointPDController`: ``τ = K_p (q* − q) + K_d (q̇* − q̇) + g(q)``, the baseline;
* :class:`ZeroTorqueController`: ``τ = 0``, the arm left to itself.

A controller of your own needs no base class: anything with the protocol's attributes
and methods runs in the simulators. Hot paths call Pinocchio on private ``Data``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pinocchio as pin

from . import dls_kernel as _dls_kernel
from ._validate import FloatArray, as_array, as_vector, positive
from .dls import DAMPING_THRESHOLD, MAX_DAMPING
from .errors import InputError, ModelError
from .measures import TaskMeasures, jacobian_measures, manipulability_gradient
from .pose import as_matrix
from .reach import check_in_reach
from .robot import LWA, Robot
from .statics import check_mass_matrix
from .taskspace import (
    TaskSpace,
    critical_damping,
    gains,
    joint_inertia_diagonal,
    modal_damping,
    task_inertia,
)
from .trajectory import Hold, JointTrajectory, Trajectory

NULLSPACE_OBJECTIVES = ("mid", "manipulability")  # the names solve_ik uses too
TASKS = {"pose": slice(0, 6), "position": slice(0, 3)}
#: Rate [1/s] of the default joint damping ``2 M_ii × rate`` that settles a redundant arm's self-motion.
NULL_SPACE_RATE = 1.0
#: Default joint bandwidth [rad/s] of :class:`JointPDController`: ``kp = M_ii ω²`` (5 Hz).
JOINT_BANDWIDTH = 2.0 * math.pi * 5.0


#: The measures of a controller that has not commanded yet.
UNMEASURED = TaskMeasures(math.nan, math.nan, math.nan)


@dataclass(frozen=True, eq=False)
class Diagnostics:
    """What a controller saw and did at its last command; the simulators log the first four.

    Attributes:
        pose: (4, 4) pose of the controlled frame in the base frame at the commanded ``q``.
        error: (6,) pose error ``[p* − p; R log(Rᵀ R*)]`` [m; rad] at the tool origin in
            base axes; NaN when the controller has no target (:class:`ZeroTorqueController`).
        sigma_min, manipulability, condition_number: of the task Jacobian
            (``local_world_aligned``; its 3 position rows for a ``"position"`` task), see
            :func:`robojac.measures.jacobian_measures`. NaN before the first command.
        damping: the damping λ the command used: the damped least-squares λ of the
            resolved-rate solve [units of J], the task-inertia λ of the OSC [1/kg]; 0 when
            undamped or not applicable.
        wrench: (6,) the spring-damper wrench ``F = K e + D (V* − V)`` [N; N·m] the impedance
            controller commanded (tool origin, base axes); None for the others.
        scale: the factor (≤ 1) the velocity limits scaled the resolved-rate command by; 1 otherwise.
        locked: names of the joints the resolved-rate controller held at a position limit.
    """

    pose: FloatArray
    error: FloatArray
    sigma_min: float
    manipulability: float
    condition_number: float
    damping: float = 0.0
    wrench: FloatArray | None = None
    scale: float = 1.0
    locked: tuple[str, ...] = ()


@runtime_checkable
class Controller(Protocol):
    """What a simulator needs of a controller.

    Attributes:
        robot: the arm it was built for.
        frame: the controlled frame, whose pose and error :meth:`diagnostics` reports.
    """

    robot: Robot
    frame: str

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """The command (dof,) at joint positions ``q`` [rad or m], rates ``dq`` [rad/s or
        m/s] and time ``t`` [s]; inputs are trusted (finite, ``dof`` long, float64)."""
        ...

    def diagnostics(self) -> Diagnostics:
        """The :class:`Diagnostics` of the last :meth:`command`."""
        ...


@runtime_checkable
class VelocityController(Controller, Protocol):
    """A controller whose :meth:`command` is joint rates ``dq`` [rad/s or m/s], held for ``dt``.

    ``step(q, t)`` is the same command with ``q`` and ``t`` checked.
    """

    dt: float

    def step(self, q: Any, t: float) -> FloatArray: ...


@runtime_checkable
class TorqueController(Controller, Protocol):
    """A controller whose :meth:`command` is joint torques ``τ`` [N·m or N].

    ``torque(q, dq, t)`` is the same command with ``q``, ``dq`` and ``t`` checked.
    """

    def torque(self, q: Any, dq: Any, t: float) -> FloatArray: ...


def as_trajectory(robot: Robot, reference: Any, frame: str | None) -> Trajectory:
    """A Trajectory, or a pose to :class:`~robojac.trajectory.Hold`; checked to start and stay
    inside the arm's reach (:func:`robojac.reach.check_in_reach`)."""
    traj = reference if isinstance(reference, Trajectory) else Hold(as_matrix(reference, "target"))
    check_in_reach(robot, traj.path_points(), frame, type(traj).__name__.lower())
    return traj


def _fixed_damping(value: Any) -> float:
    arr = as_array(value, "damping")
    if arr.ndim != 0 or not (math.isfinite(float(arr)) and float(arr) >= 0):
        raise InputError(f"damping must be None (adaptive), 0 (undamped) or one fixed λ >= 0, got {value!r}")
    return float(arr)


def _time(t: Any) -> float:
    """``t`` [s] as a finite float, or an InputError (a NaN time would sample a NaN reference)."""
    arr = as_array(t, "t")
    if arr.ndim != 0 or not math.isfinite(float(arr)):
        raise InputError(f"t must be one finite time [s], got {t!r}")
    return float(arr)


class ResolvedRateController:
    """Resolved-rate motion control with the singularity-robust damped inverse.

    ``dq = J⁺_λ (V* + K e) + (I − V Vᵀ) k₀ ∇H(q)``, where ``J⁺_λ = V diag(σ/(σ²+λ²)) Uᵀ``
    and ``I − V Vᵀ`` projects onto the exact null space of J, so the objective never moves
    the tool, even while λ > 0 (:func:`robojac.dls.damped_step_from_svd`). Then, in this order:

    1. **position limits**: a joint that would cross a limit within ``dt`` is locked
       (its Jacobian column removed) and the others re-solved, so the task is kept as
       far as the remaining joints allow;
    2. **velocity limits**: the whole ``dq`` is scaled by one factor so that
       ``|dq_i| ≤ velocity_limits_i``, which keeps the tool's direction of motion.

    Args:
        robot: the arm (base = URDF root).
        trajectory: a :class:`~robojac.trajectory.Trajectory`, or a pose to reach and hold.
        gain: ``K`` [1/s], scalar or 6 numbers (``[x, y, z, rx, ry, rz]``); ``K e`` is a
            twist, so a pose error decays like ``exp(−K t)`` away from singularities.
        frame: controlled frame (default: the tip).
        dt: control period [s], used to look ahead at position limits.
        damping: ``None`` for adaptive damping (``λ`` from σ_min with ``threshold`` and
            ``max_damping``, see :func:`robojac.dls.adaptive_damping`); a number for a
            fixed λ; ``0`` for the undamped pseudo-inverse.
        velocity_limits: ``"robot"`` (the URDF's), ``None`` (no limit), or ``dof`` numbers
            [rad/s]. Zero or infinite entries mean no limit.
        position_limits: lock joints at their URDF limits (default True).
        nullspace: ``None``, ``"mid"`` (joint centering, ``H = −½ Σ ((q_i − mid_i)/half_range_i)²``)
            or ``"manipulability"`` (Yoshikawa's ``w``, gradient from
            :func:`robojac.manipulability_gradient`).
        nullspace_gain: ``k₀`` [1/s].
        task: ``"pose"`` (6 rows) or ``"position"`` (3 rows; orientation left free).
        collision: a :class:`robojac.collision.CollisionModel` of ``robot``: the command
            becomes the solution of a small QP (proxsuite) that keeps every pair at least
            ``d_min`` [m] apart with velocity dampers on pairs closer than ``d_influence``
            [m] (approach rate at most ``xi`` [m/s] there, falling to 0 at ``d_min``), and
            holds the position and velocity limits as hard bounds (see
            :mod:`robojac.collision.qp`). None (default): the plain command, at its cost.

    Its :meth:`diagnostics` add the damping λ, the velocity-limit scale and the locked joints;
    with ``collision``, :attr:`clearance` [m] and :attr:`closest_pair` tell the last step's.
    """

    def __init__(
        self,
        robot: Robot,
        trajectory: Any,
        *,
        gain: Any = 5.0,
        frame: str | None = None,
        dt: float = 1e-3,
        damping: float | None = None,
        threshold: float = DAMPING_THRESHOLD,
        max_damping: float = MAX_DAMPING,
        velocity_limits: Any = "robot",
        position_limits: bool = True,
        nullspace: str | None = None,
        nullspace_gain: float = 1.0,
        task: str = "pose",
        collision: Any = None,
        d_min: float = 0.02,
        d_influence: float = 0.12,
        xi: float = 0.2,
    ) -> None:
        self.robot = robot
        self.task = TaskSpace(robot, frame)
        self.frame = self.task.frame
        self.trajectory = as_trajectory(robot, trajectory, frame)
        self.gain = gains(gain, 6, "gain", "1/s")
        self.dt = positive(dt, "dt")
        self.damping = None if damping is None else _fixed_damping(damping)
        self.threshold = positive(threshold, "threshold")
        self.max_damping = float(gains(max_damping, 1, "max_damping", "same units as J")[0])
        inv_vlim = self._velocity_limits(velocity_limits)  # 1/v_max, 0 where unlimited; None: no limits
        self.position_limits = bool(position_limits)
        self._qp = None
        if collision is not None:
            from .collision.qp import ClearanceQP, DamperSettings
            from .ik.single import check_collision_model

            check_collision_model(robot, collision)
            vmax = (
                None
                if inv_vlim is None
                else np.divide(1.0, inv_vlim, out=np.full(robot.dof, math.inf), where=inv_vlim > 0)
            )
            self._qp = ClearanceQP(
                collision,
                DamperSettings(d_min, d_influence, xi),
                velocity_limits=vmax,
                dt=self.dt if self.position_limits else None,
            )
        if not isinstance(task, str) or task not in TASKS:
            raise InputError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
        self._rows = TASKS[task]
        self._part = "full" if task == "pose" else "translational"
        self._gain = self.gain[self._rows]
        if nullspace is not None and nullspace not in NULLSPACE_OBJECTIVES:
            raise InputError(f"nullspace must be None or one of {', '.join(NULLSPACE_OBJECTIVES)}, got {nullspace!r}")
        self.nullspace = nullspace
        self.nullspace_gain = float(gains(nullspace_gain, 1, "nullspace_gain", "1/s")[0])
        self._manip_grad = None
        if nullspace == "manipulability":
            self._manip_grad = manipulability_gradient
        finite = np.isfinite(robot.lower) & np.isfinite(robot.upper)
        self._mid = np.where(finite, 0.5 * (robot.lower + robot.upper), 0.0)
        half = np.where(finite, 0.5 * (robot.upper - robot.lower), 1.0)
        self._center_w = np.where(finite, 1.0 / np.maximum(half, 1e-9) ** 2, 0.0)
        self._zero = np.zeros(robot.dof)
        # The kernel's limit checks: position limits within dt (0: none), velocity limits as 1/v_max.
        self._limits = np.stack((robot.lower, robot.upper, self._zero if inv_vlim is None else inv_vlim))
        self._dt_check = self.dt if self.position_limits else 0.0
        self._Js: tuple[FloatArray, FloatArray] | None = None  # the last task Jacobian and its σ
        self._damping_used = 0.0
        self._scale = 1.0
        self._locked: tuple[str, ...] = ()

    def _velocity_limits(self, value: Any) -> FloatArray | None:
        if value is None:
            return None
        v = self.robot.velocity_limits if isinstance(value, str) and value == "robot" else value
        lim = gains(v, self.robot.dof, "velocity_limits", "rad/s or m/s")
        with np.errstate(divide="ignore"):
            inv = np.where((lim > 0) & np.isfinite(lim), 1.0 / lim, 0.0)
        return inv if inv.any() else None

    def step(self, q: Any, t: float) -> FloatArray:
        """Joint rates ``dq`` (dof,) [rad/s or m/s] at configuration ``q`` and time ``t`` [s]."""
        return self.command(self.robot.check_q(q), self._zero, _time(t))

    def diagnostics(self) -> Diagnostics:
        """The last step's pose, error and task-Jacobian measures (from the step's own SVD),
        its damping λ, velocity-limit scale and locked joints."""
        task = self.task
        measures = UNMEASURED if self._Js is None else jacobian_measures(*self._Js)
        return Diagnostics(
            task.pose, task.error.copy(), *measures, damping=self._damping_used, scale=self._scale, locked=self._locked
        )

    def _null_gradient(self, q: FloatArray) -> FloatArray:
        if self._manip_grad is not None:
            return np.asarray(self._manip_grad(self.robot, q, self.frame, part=self._part), dtype=np.float64)
        return -(q - self._mid) * self._center_w

    def _solve(
        self, J: FloatArray, x: FloatArray, z: FloatArray | None, q: FloatArray
    ) -> tuple[FloatArray, FloatArray, float, bool, float]:
        """``(dq, singular values, λ, crosses, ratio)`` of the damped solve plus the projected
        objective ``z``, with whether ``dq`` takes a joint past a position limit within
        ``dt`` and ``max |dq_i| / v_max,i`` (one compiled call: :mod:`robojac.dls_kernel`)."""
        s, dq, info = np.empty(min(J.shape)), np.empty(J.shape[1]), np.empty(2)
        nullspace = z is not None
        damping = -1.0 if self.damping is None else self.damping  # < 0: the kernel's "adaptive"
        lam = _dls_kernel.damped_rates(
            J,
            x,
            z if nullspace else self._zero,
            nullspace,
            damping,
            self.threshold,
            self.max_damping,
            q,
            self._limits,
            self._dt_check,
            s,
            dq,
            info,
        )
        crosses, ratio = info.tolist()
        return dq, s, lam, crosses > 0.0, ratio

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Joint rates (dof,) [rad/s or m/s] at ``q`` and ``t`` [s], unchecked (``dq`` is not used)."""
        ref = self.trajectory.sample(t)
        task = self.task
        J = task.jacobian(task.to_pin(q))[self._rows]
        e = task.pose_error(ref.pose)
        x = ref.twist[self._rows] + self._gain * e[self._rows]
        z = None if self.nullspace is None else self.nullspace_gain * self._null_gradient(q)
        rates, s, lam, crosses, ratio = self._solve(J, x, z, q)
        self._Js, self._damping_used, self._locked = (J, s), lam, ()
        if self._qp is not None:
            return self._clear(q, J, rates, lam)
        if crosses:
            rates = self._respect_position_limits(q, rates, J, x, z)
            ratio = float((np.abs(rates) * self._limits[2]).max())
        self._scale = 1.0
        if ratio > 1.0:
            self._scale = (1.0 - 1e-12) / ratio  # the margin keeps rounding from landing a hair over the limit
            rates *= self._scale
        return rates

    def _clear(self, q: FloatArray, J: FloatArray, rates: FloatArray, lam: float) -> FloatArray:
        """The collision QP's command: task tracking near ``rates``, pairs kept apart, limits as bounds."""
        assert self._qp is not None
        self._scale = 1.0
        return self._qp.solve(q, J, rates, lam * lam)

    @property
    def clearance(self) -> float:
        """The smallest pair distance [m] at the last step (with ``collision``; else NaN)."""
        return math.nan if self._qp is None else self._qp.clearance

    @property
    def closest_pair(self) -> tuple[str, str] | None:
        """The closest pair at the last step (with ``collision``), by name."""
        return None if self._qp is None else self._qp.closest

    def _respect_position_limits(
        self, q: FloatArray, dq: FloatArray, J: FloatArray, x: FloatArray, z: FloatArray | None
    ) -> FloatArray:
        """``dq`` re-solved with the joints that would cross a limit within ``dt`` locked;
        their names go to the diagnostics."""
        lo, hi, dt = self.robot.lower, self.robot.upper, self.dt
        nxt = q + dq * dt
        bad = ((nxt > hi) & (dq > 0)) | ((nxt < lo) & (dq < 0))
        locked = np.zeros(self.robot.dof, dtype=bool)
        Jl = J.copy()
        zl = None if z is None else z.copy()
        for _ in range(self.robot.dof):
            locked |= bad
            Jl[:, locked] = 0.0
            if zl is not None:
                zl[locked] = 0.0
            dq = self._solve(Jl, x, zl, q)[0]
            dq[locked] = 0.0
            nxt = q + dq * dt
            bad = (((nxt > hi) & (dq > 0)) | ((nxt < lo) & (dq < 0))) & ~locked
            if not bad.any():
                break
        self._locked = tuple(name for name, held in zip(self.robot.joint_names, locked) if held)
        return dq


class _TorqueController:
    """What the torque controllers share: the task, the checking :meth:`torque` and the diagnostics.

    Subclasses define :meth:`command` and set ``_commanded`` once they have computed the
    task Jacobian.
    """

    def __init__(self, robot: Robot, frame: str | None) -> None:
        self.robot = robot
        self.task = TaskSpace(robot, frame)
        self.frame = self.task.frame
        self._commanded = False

    def torque(self, q: Any, dq: Any, t: float) -> FloatArray:
        """Joint torques (dof,) [N·m] at state ``(q, dq)`` and time ``t`` [s]."""
        return self.command(self.robot.check_q(q), self.robot.check_q(dq, "dq"), _time(t))

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Joint torques (dof,) [N·m] at ``(q, dq)`` and ``t`` [s], unchecked."""
        raise NotImplementedError

    def diagnostics(self) -> Diagnostics:
        """The last command's pose, error and task-Jacobian measures."""
        return self._diagnostics()

    def _diagnostics(self, **extra: Any) -> Diagnostics:
        task = self.task
        measures = jacobian_measures(task.J) if self._commanded else UNMEASURED
        return Diagnostics(task.pose, task.error.copy(), *measures, **extra)


class _TaskTorqueController(_TorqueController):
    """A torque controller that tracks a task-space reference and damps the null space."""

    def __init__(self, robot: Robot, reference: Any, frame: str | None, joint_damping: Any) -> None:
        super().__init__(robot, frame)
        self.trajectory = as_trajectory(robot, reference, frame)
        self.joint_damping: FloatArray | None = (
            None if joint_damping is None else gains(joint_damping, robot.dof, "joint_damping", "N·m·s/rad")
        )

    def _joint_damping(self, q: FloatArray) -> FloatArray:
        """``d_j`` [N·m·s/rad]: as given, or ``2 M_ii × NULL_SPACE_RATE`` at the first call's q (then kept)."""
        if self.joint_damping is None:
            self.joint_damping = NULL_SPACE_RATE * 2.0 * joint_inertia_diagonal(self.robot, q)
        return self.joint_damping

    def _task_inertia(self, qp: FloatArray, J: FloatArray, q: FloatArray, threshold: float, max_damping: float) -> Any:
        """:func:`~robojac.taskspace.task_inertia`, with a singular ``M(q)`` reported as a ModelError."""
        try:
            return task_inertia(self.task.model, self.task.data, qp, J, threshold, max_damping)
        except np.linalg.LinAlgError:
            check_mass_matrix(self.robot, q, type(self).__name__)  # names the joints that move no mass
            raise ModelError(
                f"{type(self).__name__} could not invert the joint-space inertia M(q) of '{self.robot.name}' at "
                f"q = {np.round(q, 4).tolist()}"
            ) from None


class CartesianImpedanceController(_TaskTorqueController):
    """Cartesian impedance: the tool behaves like a spring-damper to its reference.

    ``τ = Jᵀ (K e + D (V* − J q̇)) + g(q) − d_j ∘ q̇`` with ``J`` the ``local_world_aligned``
    Jacobian, so ``F = K e + D (V* − V)`` is a wrench ``[f; τ]`` [N; N·m] at the tool origin
    in base axes, the wrench the controller makes the tool exert. Pressing on its
    environment with a contact wrench ``w`` (same frame; what the arm exerts, robojac's one
    convention), the arm comes to rest where ``Jᵀ (K e − w) = 0``, i.e. ``K e = w`` and
    ``K (p* − p) = f`` for a full-rank ``J``: the spring's deflection reads the force the
    tool exerts. The joint damping ``d_j`` only damps the null space of a redundant arm;
    it does not change that equilibrium.

    Args:
        robot: the arm (base = URDF root).
        reference: a Trajectory or a pose to hold.
        stiffness: ``K``, 6 numbers [N/m ×3, N·m/rad ×3] or one.
        damping: ``D`` per axis [N·s/m ×3, N·m·s/rad ×3]. Default: the (6, 6) matrix of
            :func:`robojac.taskspace.modal_damping` that critically damps every mode of the
            task-space inertia ``Λ`` on the springs ``K``, at the configuration of the
            first call (then kept in :attr:`damping_matrix`).
        frame: controlled frame (default: the tip).
        gravity_compensation: add ``g(q)`` from the robot's model (its own ``gravity``).
        joint_damping: ``d_j`` [N·m·s/rad], one or ``dof`` numbers. Default
            ``2 M_ii × 1 s⁻¹`` at the first call: it settles a redundant arm's self-motion in
            about a second and scales with each joint's inertia, so a light wrist is not
            over-damped (an explicit integrator needs ``d_j dt / M_ii < 2``).

    The default damping reads ``Λ = (J M⁻¹ Jᵀ)⁻¹``, so it needs an invertible ``M``: an arm
    whose joints move no mass (a URDF without ``<inertial>``) is then a ModelError; give
    ``damping`` explicitly to control such a model.

    Stability of the sampled loop: every closed-loop mode needs ``ω dt ≲ 0.8`` with
    ``ω = √(K/Λ)`` for critical damping; the bundled URDFs have no rotor inertia, so the
    wrists are light (UR5 wrist 3: 1e-4 kg·m², ω ≈ 550 rad/s at 30 N·m/rad).

    Its :meth:`diagnostics` add the commanded wrench ``F``.
    """

    def __init__(
        self,
        robot: Robot,
        reference: Any,
        *,
        stiffness: Any = (600.0, 600.0, 600.0, 30.0, 30.0, 30.0),
        damping: Any = None,
        frame: str | None = None,
        gravity_compensation: bool = True,
        joint_damping: Any = None,
    ) -> None:
        super().__init__(robot, reference, frame, joint_damping)
        self.stiffness = gains(stiffness, 6, "stiffness", "N/m, N·m/rad")
        self.damping: FloatArray | None = None if damping is None else gains(damping, 6, "damping", "N·s/m, N·m·s/rad")
        self.damping_matrix: FloatArray | None = None if self.damping is None else np.diag(self.damping)
        self.gravity_compensation = bool(gravity_compensation)
        self._wrench = np.zeros(6)
        if self.damping_matrix is None:  # the default damping reads the task-space inertia Λ(M⁻¹)
            check_mass_matrix(robot, robot.neutral(), "CartesianImpedanceController's default damping")

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Joint torques (dof,) [N·m] at ``(q, dq)`` and ``t`` [s], unchecked."""
        ref = self.trajectory.sample(t)
        task = self.task
        qp = task.to_pin(q)
        J = task.jacobian(qp)
        e = task.pose_error(ref.pose)
        self._commanded = True
        if self.damping_matrix is None:
            Lam = self._task_inertia(qp, J, q, 1e-3, 1e-3)[0]
            self.damping_matrix = modal_damping(self.stiffness, Lam)
        F = self.stiffness * e + self.damping_matrix @ (ref.twist - J @ dq)
        self._wrench = F
        tau = J.T @ F - self._joint_damping(q) * dq
        if self.gravity_compensation:
            tau += pin.computeGeneralizedGravity(task.model, task.data, qp)
        return tau

    def diagnostics(self) -> Diagnostics:
        """The last command's pose, error, task-Jacobian measures and wrench ``F``."""
        return self._diagnostics(wrench=self._wrench.copy())


class OperationalSpaceController(_TaskTorqueController):
    """Operational-space control (Khatib) with the dynamically consistent inverse.

    ``τ = Jᵀ Λ (a* + K e + D (V* − J q̇) − J̇ q̇) + C(q, q̇) q̇ + g(q) + Nᵀ (−d_j q̇)`` where

    * ``Λ = (J M⁻¹ Jᵀ)⁻¹`` [kg, kg·m²] is the task-space inertia; near a singularity an
      eigenvalue μ of ``Λ⁻¹`` goes to 0, so ``Λ`` is taken as ``Σ μ/(μ² + λ²) wwᵀ`` with
      ``λ = adaptive_damping(μ_min, threshold, max_damping)`` (μ in 1/kg or 1/(kg·m²)): with
      the defaults (λ_max = threshold = ε) the mass along any direction is at most ``1/ε``
      and 0 along an exactly lost one, instead of exploding;
    * ``Nᵀ = I − Jᵀ Λ J M⁻¹`` projects the joint damping ``d_j`` into the dynamically
      consistent null space, so it does not disturb the task;
    * ``K`` [1/s²] and ``D`` [1/s] shape the error dynamics ``ë + D ė + K e = 0`` directly
      (unit-mass gains; exact for position, first order in the error for orientation);
      default ``D = 2√K`` (critically damped);
    * ``d_j`` [N·m·s/rad] defaults to ``2 M_ii × 1 s⁻¹`` at the first call's configuration.

    ``M`` must be invertible: an arm whose joints move no mass (a URDF without
    ``<inertial>``) is a ModelError, at construction or at the step that meets it.

    Its :meth:`diagnostics` add the task-inertia damping λ.
    """

    def __init__(
        self,
        robot: Robot,
        reference: Any,
        *,
        stiffness: Any = 400.0,
        damping: Any = None,
        frame: str | None = None,
        threshold: float = 1e-3,
        max_damping: float = 1e-3,
        joint_damping: Any = None,
    ) -> None:
        super().__init__(robot, reference, frame, joint_damping)
        self.stiffness = gains(stiffness, 6, "stiffness", "1/s²")
        self.damping = critical_damping(self.stiffness) if damping is None else gains(damping, 6, "damping", "1/s")
        self.threshold = positive(threshold, "threshold")
        self.max_damping = float(gains(max_damping, 1, "max_damping", "1/kg")[0])
        self._zero = np.zeros(robot.model.nv)
        self._damping_used = 0.0
        check_mass_matrix(robot, robot.neutral(), "OperationalSpaceController")  # Λ = (J M⁻¹ Jᵀ)⁻¹

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Joint torques (dof,) [N·m] at ``(q, dq)`` and ``t`` [s], unchecked."""
        ref = self.trajectory.sample(t)
        task = self.task
        m, d, fid = task.model, task.data, task.fid
        qp = task.to_pin(q)
        J = task.jacobian(qp)
        e = task.pose_error(ref.pose)
        self._commanded = True
        pin.forwardKinematics(m, d, qp, dq, self._zero)
        drift = pin.getFrameClassicalAcceleration(m, d, fid, LWA).vector  # J̇ q̇
        nle = pin.nonLinearEffects(m, d, qp, dq)
        Lam, MinvJt, lam = self._task_inertia(qp, J, q, self.threshold, self.max_damping)
        self._damping_used = lam
        acc = ref.acceleration + self.stiffness * e + self.damping * (ref.twist - J @ dq) - drift
        tau = J.T @ (Lam @ acc) + nle
        tau0 = -self._joint_damping(q) * dq
        tau += tau0 - J.T @ (Lam @ (MinvJt.T @ tau0))
        return tau

    def diagnostics(self) -> Diagnostics:
        """The last command's pose, error, task-Jacobian measures and damping λ [1/kg]."""
        return self._diagnostics(damping=self._damping_used)


class JointPDController(_TorqueController):
    """Joint-space PD with gravity compensation: ``τ = K_p (q* − q) + K_d (q̇* − q̇) + g(q)``.

    ``reference`` is a fixed ``q*`` (dof,) or a :class:`~robojac.trajectory.JointTrajectory`.
    ``kp`` [N·m/rad] and ``kd`` [N·m·s/rad] are one number or ``dof`` numbers. By default
    they are set per joint from the diagonal ``M_ii`` of the joint-space inertia at the
    first call's configuration (then kept): ``kp = M_ii ω²`` with ``ω = 2π·5 Hz`` and
    ``kd = 2√(kp M_ii)`` (critical). A light wrist needs far smaller gains than a shoulder:
    one PD loop sampled at ``dt`` is stable only for ``ω dt ≲ 0.8`` with ``ω = √(kp/M_ii)``.
    With ``kp = kd = 0`` this is pure gravity compensation. Default gains need every joint
    to move some mass: a ModelError otherwise (a URDF without ``<inertial>``).
    Its :meth:`diagnostics` give the tool's pose error to ``fk(q*)``.
    """

    def __init__(
        self,
        robot: Robot,
        reference: Any,
        *,
        kp: Any = None,
        kd: Any = None,
        frame: str | None = None,
        gravity_compensation: bool = True,
    ) -> None:
        super().__init__(robot, frame)
        if isinstance(reference, JointTrajectory):
            if reference.robot.name != robot.name or reference.qs.shape[1] != robot.dof:
                raise InputError(f"the joint trajectory was built for '{reference.robot.name}', not for '{robot.name}'")
            self.trajectory: JointTrajectory | None = reference
            self.q_ref = reference.qs[0]
        else:
            self.trajectory = None
            self.q_ref = as_vector(reference, robot.dof, "reference").copy()
            if not robot.within_limits(self.q_ref, 1e-9):
                raise InputError(
                    f"reference q* = {np.round(self.q_ref, 4).tolist()} is outside the joint limits of '{robot.name}'"
                )
        self.kp: FloatArray | None = None if kp is None else gains(kp, robot.dof, "kp", "N·m/rad")
        self.kd: FloatArray | None = None if kd is None else gains(kd, robot.dof, "kd", "N·m·s/rad")
        if self.kp is None or self.kd is None:  # default gains scale with M_ii, which must not be 0
            check_mass_matrix(robot, robot.neutral(), "JointPDController's default gains")
        self.gravity_compensation = bool(gravity_compensation)
        self._zero = np.zeros(robot.dof)
        self._ref_task = TaskSpace(robot, frame)
        self._q_now = self._q_ref_now = self.q_ref

    def diagnostics(self) -> Diagnostics:
        """Tool pose, its error to ``fk(q*)`` and the task-Jacobian measures at the last
        commanded state (before any command: at ``q*``)."""
        task, rt = self.task, self._ref_task
        task.jacobian(task.to_pin(self._q_now))
        rt.jacobian(rt.to_pin(self._q_ref_now))
        task.pose_error(rt.pose)
        return Diagnostics(task.pose, task.error.copy(), *jacobian_measures(task.J))

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Joint torques (dof,) [N·m] at ``(q, dq)`` and ``t`` [s], unchecked."""
        if self.trajectory is not None:
            qr, dqr, _ = self.trajectory.joint(t)
        else:
            qr, dqr = self.q_ref, self._zero
        self._q_now, self._q_ref_now = q, qr
        task = self.task
        if self.kp is None or self.kd is None:
            Mii = np.diag(pin.crba(task.model, task.data, task.to_pin(q)))
            if self.kp is None:
                self.kp = Mii * JOINT_BANDWIDTH**2
            if self.kd is None:
                self.kd = 2.0 * np.sqrt(self.kp * Mii)
        tau = self.kp * (qr - q) + self.kd * (dqr - dq)
        if self.gravity_compensation:
            tau += pin.computeGeneralizedGravity(task.model, task.data, task.to_pin(q))
        return tau


class ZeroTorqueController(_TorqueController):
    """No control: ``τ = 0``, so the arm moves under gravity, friction and contact wrenches alone.

    :func:`~robojac.simulate.simulate_dynamic` runs it for ``controller=None``. Its
    :meth:`diagnostics` report the pose of ``frame`` (default: the tip) and the measures of
    its Jacobian at the last commanded ``q``; the pose error is NaN, as there is no target.
    """

    def __init__(self, robot: Robot, *, frame: str | None = None) -> None:
        super().__init__(robot, frame)
        self._q = robot.neutral()

    def command(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        """Zero torques (dof,) [N·m]."""
        self._q = q
        return np.zeros(self.robot.dof)

    def diagnostics(self) -> Diagnostics:
        """The pose and Jacobian measures at the last commanded ``q``; the error is NaN."""
        task = self.task
        task.jacobian(task.to_pin(self._q))
        return Diagnostics(task.pose, np.full(6, np.nan), *jacobian_measures(task.J))
