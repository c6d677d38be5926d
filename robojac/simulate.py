"""Simulators: run a controller for ``duration`` seconds at a fixed step and return a :class:`~robojac.log.Log`.

* :func:`simulate_kinematic` integrates the joint rates of a velocity controller:
  ``q_{k+1} = q_k + dt · dq_k`` (exact for rates held over the step, which is what a
  joint-velocity interface does).
* :func:`simulate_dynamic` integrates the rigid-body dynamics

      M(q) q̈ + C(q, q̇) q̇ + g(q) = τ − b q̇ − c tanh(q̇ / w) + Σ J_fᵀ w_f

  with Pinocchio's articulated-body algorithm (ABA) for ``q̈``: joint torques ``τ`` from a
  torque controller, held constant over each step (zero-order hold, like a real
  controller); viscous friction ``b`` [N·m·s/rad] and smoothed Coulomb friction ``c``
  [N·m] of width ``w`` [rad/s]; external wrenches ``w_f`` on frames. Integrators:

  - ``"semi_implicit_euler"`` (default): ``q̇ += dt q̈(q, q̇)``, then ``q += dt q̇``;
    first order, symplectic for separable systems, so energy wanders but does not drift
    away the way explicit Euler's does; one ABA per step.
  - ``"rk4"``: classical Runge–Kutta on ``(q, q̇)``, fourth order, four ABAs per step;
    friction and external wrenches are re-evaluated at every stage, τ is held.

A run stops early when the state stops being finite or a joint rate exceeds
``max_joint_velocity``; the returned log then ends at the last sample, has
``status = "diverged"`` and a ``message`` saying when, which joint and why, and a
:class:`~robojac.errors.RobojacWarning` is issued.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pinocchio as pin

from ._validate import FloatArray, as_array, as_vector, positive
from .errors import InputError, RobojacWarning
from .log import Log
from .robot import Robot, check_ref
from .statics import as_gravity, check_mass_matrix
from .taskspace import TaskSpace, gains

LWA = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
INTEGRATORS = ("semi_implicit_euler", "rk4")
#: Most samples one run may log: ~400 bytes each for a 7-joint arm, so ~4 GB at the cap.
MAX_SAMPLES = 10_000_000


@dataclass(frozen=True)
class ExternalWrench:
    """A wrench ``[f; τ]`` [N; N·m] applied to ``frame`` during a dynamic simulation.

    ``wrench`` is a constant 6-vector, or a function ``wrench(t, pose, twist)`` of time [s],
    the frame's pose (4, 4) in the base frame and its twist ``[v; ω]``
    (``local_world_aligned``), returning a 6-vector. It is expressed in ``ref``
    (``"local_world_aligned"``: at the frame origin, base axes; ``"world"``: at the base
    origin, base axes; ``"local"``: at the frame origin, frame axes).

    ``frame`` is a frame name (None: the robot's tip); whether it exists is checked when a
    simulation meets the robot. A constant ``wrench`` must be 6 finite numbers and ``ref``
    a known name, checked here, at construction (an InputError or FrameError).
    """

    frame: str | None
    wrench: Any
    ref: str = "local_world_aligned"

    def __post_init__(self) -> None:
        if self.frame is not None and not isinstance(self.frame, str):
            raise InputError(
                f"ExternalWrench frame must be a frame name (or None for the tip), got {type(self.frame).__name__} "
                f"{self.frame!r}"
            )
        if not callable(self.wrench):
            try:
                as_vector(self.wrench, 6, "ExternalWrench wrench")
            except InputError as exc:
                raise InputError(
                    f"{exc}; expected 6 finite numbers [f; τ] [N; N·m] or a function wrench(t, pose, twist)"
                ) from None
        check_ref(self.ref)


class VirtualWall:
    """A one-sided spring-damper plane: a wrench function for :class:`ExternalWrench`.

    The wall passes through ``point`` [m] with unit ``normal`` pointing into free space.
    When the frame's origin is behind the plane by ``depth = (point − p)·n > 0``, it feels
    ``f = max(0, k·depth − d·(v·n)) n`` [N] (``k`` [N/m], ``d`` [N·s/m]): a push, never a
    pull. The result is ``local_world_aligned`` (at the frame origin, base axes).
    """

    def __init__(self, point: Any, normal: Any, stiffness: float = 2e4, damping: float = 100.0) -> None:
        self.point = as_vector(point, 3, "point")
        n = as_vector(normal, 3, "normal")
        norm = float(np.linalg.norm(n))
        if norm < 1e-9:
            raise InputError("normal must be a non-zero 3-vector pointing out of the wall")
        self.normal = n / norm
        self.stiffness = positive(stiffness, "stiffness")
        self.damping = float(gains(damping, 1, "damping", "N·s/m")[0])

    def __call__(self, t: float, pose: FloatArray, twist: FloatArray) -> FloatArray:
        out = np.zeros(6)
        n = self.normal
        depth = float((self.point - pose[:3, 3]) @ n)
        if depth > 0.0:
            push = self.stiffness * depth - self.damping * float(twist[:3] @ n)
            if push > 0.0:
                out[:3] = push * n
        return out


class _Passive:
    """No control: zero torque; still reports the tip's pose and Jacobian for the log."""

    kind = "torque"

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        self.task = TaskSpace(robot, None)
        self.frame = self.task.frame
        self._zero = np.zeros(robot.dof)
        self._q = robot.neutral()
        self.pose = self.task.pose
        self.error = np.full(6, np.nan)
        self.sigma_min = math.nan
        self.manipulability = math.nan

    def _torque(self, q: FloatArray, dq: FloatArray, t: float) -> FloatArray:
        self._q = q
        return self._zero

    def diagnose(self) -> None:
        J = self.task.jacobian(self.task.to_pin(self._q))
        self.pose = self.task.pose
        s = np.linalg.svd(J, compute_uv=False)
        self.sigma_min, self.manipulability = float(s[-1]), float(np.prod(s))


def _steps(duration: Any, dt: float) -> int:
    """Steps of ``dt`` [s] in ``duration`` [s], refusing a run whose log would pass :data:`MAX_SAMPLES`."""
    T = positive(duration, "duration")
    ratio = T / dt  # may be inf for a tiny dt: the comparison below refuses it too
    if not ratio < MAX_SAMPLES - 0.5:
        raise InputError(
            f"duration = {T:g} s at dt = {dt:g} s is {ratio:.3g} steps; a simulation logs at most "
            f"{MAX_SAMPLES:,} samples (the log's arrays are allocated up front): shorten duration or raise dt"
        )
    n = round(ratio)
    if n < 1:
        raise InputError(f"duration {T} s is shorter than one step dt = {dt} s")
    return n


def _check_controller(robot: Robot, controller: Any, kind: str, sim: str) -> None:
    got = getattr(controller, "kind", None)
    if got != kind:
        hint = "a ResolvedRateController" if kind == "velocity" else "a torque controller (impedance, OSC, joint PD)"
        raise InputError(f"{sim} runs {kind} controllers, {hint}; got {type(controller).__name__} (kind {got!r})")
    other = getattr(controller, "robot", None)
    if other is None or other.model.nq != robot.model.nq or other.name != robot.name:
        raise InputError(
            f"the controller was built for another robot ({getattr(other, 'name', None)!r}, not {robot.name!r})"
        )


def _start(robot: Robot, q0: Any, name: str = "q0") -> FloatArray:
    q = robot.check_q(q0, name).copy()
    if not robot.within_limits(q, 1e-9):
        raise InputError(
            f"{name} = {np.round(q, 4).tolist()} is outside the joint limits of '{robot.name}' "
            f"(lower {np.round(robot.lower, 4).tolist()}, upper {np.round(robot.upper, 4).tolist()})"
        )
    return q


def _rate_limit(value: Any) -> float:
    """``max_joint_velocity`` [rad/s]: a number > 0, ``inf`` for none."""
    arr = as_array(value, "max_joint_velocity")
    if arr.ndim != 0 or not float(arr) > 0.0:  # NaN fails too
        raise InputError(f"max_joint_velocity must be one rate > 0 [rad/s] (inf for no limit), got {value!r}")
    return float(arr)


def _divergence(robot: Robot, q: FloatArray, dq: FloatArray, vmax: float) -> str:
    """Why the state ``(q, dq)`` is unusable, or '' when it is fine."""
    if not (np.isfinite(q).all() and np.isfinite(dq).all()):
        bad = np.flatnonzero(~(np.isfinite(q) & np.isfinite(dq)))
        return f"joint '{robot.joint_names[bad[0]]}' is no longer finite (q = {q[bad[0]]}, dq = {dq[bad[0]]})"
    i = int(np.argmax(np.abs(dq)))
    if abs(dq[i]) > vmax:
        return f"joint '{robot.joint_names[i]}' moves at {dq[i]:.4g} rad/s, beyond max_joint_velocity = {vmax:g}"
    return ""


def _record(log: Log, k: int, t: float, q: FloatArray, dq: FloatArray, tau: FloatArray | None, ctrl: Any) -> None:
    ctrl.diagnose()
    log.t[k] = t
    log.q[k] = q
    log.dq[k] = dq
    if tau is not None:
        log.tau[k] = tau
    log.tool_pose[k] = ctrl.pose
    log.pose_error[k] = ctrl.error
    log.sigma_min[k] = ctrl.sigma_min
    log.manipulability[k] = ctrl.manipulability


def _stop(log: Log, keep: int, t: float, why: str) -> Log:
    """Mark ``log`` diverged at time ``t`` [s] and keep its first ``keep`` samples."""
    log.status = "diverged"
    log.message = f"diverged at t = {t:.6g} s: {why}"
    warnings.warn(f"simulation of '{log.robot}' {log.message}", RobojacWarning, stacklevel=3)
    return log.truncated(keep)


def simulate_kinematic(
    robot: Robot,
    controller: Any,
    q0: Any,
    *,
    duration: float,
    dt: float | None = None,
    max_joint_velocity: float = math.inf,
) -> Log:
    """Run a velocity controller on a perfect joint-velocity interface.

    Samples ``t = 0, dt, …, duration``; at each, ``dq = controller.step(q, t)`` is logged
    and then held for ``dt`` [s] (default: the controller's own ``dt``). ``tau`` is NaN.
    A rate beyond ``max_joint_velocity`` [rad/s] (default: none) or a non-finite rate stops
    the run (see the module doc).
    """
    _check_controller(robot, controller, "velocity", "simulate_kinematic")
    ctrl_dt = float(controller.dt)
    step_dt = ctrl_dt if dt is None else positive(dt, "dt")
    if abs(step_dt - ctrl_dt) > 1e-12 * ctrl_dt:
        raise InputError(f"dt = {step_dt} s differs from the controller's dt = {ctrl_dt} s; build it with dt={step_dt}")
    n = _steps(duration, step_dt)
    vmax = _rate_limit(max_joint_velocity)
    q = _start(robot, q0)
    log = Log.empty(
        n + 1,
        robot.dof,
        robot=robot.name,
        frame=controller.frame,
        joint_names=robot.joint_names,
        controller=type(controller).__name__,
        simulator="kinematic",
        dt=step_dt,
    )
    for k in range(n + 1):
        t = k * step_dt
        dq = controller._step(q, t)
        _record(log, k, t, q, dq, None, controller)
        why = _divergence(robot, q, dq, vmax)
        if why:
            return _stop(log, k + 1, t, why)
        q = q + step_dt * dq
    return log


class _Plant:
    """The arm's forward dynamics with friction and external wrenches, on its own model copy."""

    def __init__(
        self,
        robot: Robot,
        gravity: Any,
        viscous: FloatArray,
        coulomb: FloatArray,
        width: float,
        external: Sequence[ExternalWrench],
        log_fid: int,
    ) -> None:
        self.robot = robot
        self.model = pin.Model(robot.model)
        if gravity is not None:
            self.model.gravity.linear = as_gravity(gravity)
        self.data = self.model.createData()
        self.viscous, self.coulomb, self.width = viscous, coulomb, width
        self.friction = bool(viscous.any() or coulomb.any())
        self.external = []
        try:
            items = None if isinstance(external, ExternalWrench) else list(external)
        except TypeError:
            items = None
        if items is None:
            raise InputError(
                f"external must be a list of ExternalWrench(frame, wrench, ref), got {type(external).__name__}"
            )
        for i, ext in enumerate(items):
            if not isinstance(ext, ExternalWrench):
                raise InputError(
                    f"external[{i}] must be an ExternalWrench(frame, wrench, ref), got {type(ext).__name__}"
                )
            fid = robot.frame_id(ext.frame)
            rf = check_ref(ext.ref)
            fn = ext.wrench if callable(ext.wrench) else None
            const = np.zeros(6) if fn is not None else as_vector(ext.wrench, 6, f"external[{i}].wrench").copy()
            self.external.append((fid, self.model.frames[fid].parentJoint, rf, fn, const, i))
        self._joints = sorted({e[1] for e in self.external})
        self.fext = pin.StdVec_Force()
        for _ in range(self.model.njoints):
            self.fext.append(pin.Force.Zero())
        self.log_fid = log_fid
        self.wrench_at_log_frame = np.zeros(6)

    def accel(self, q: FloatArray, v: FloatArray, tau: FloatArray, t: float) -> FloatArray:
        m, d = self.model, self.data
        qp = self.robot.to_pinocchio(q)
        total = tau
        if self.friction:
            total = tau - self.viscous * v - self.coulomb * np.tanh(v / self.width)
        if not self.external:
            return np.asarray(pin.aba(m, d, qp, v, total), dtype=np.float64)
        return np.asarray(pin.aba(m, d, qp, v, total, self._forces(q, qp, v, t)), dtype=np.float64)

    def _forces(self, q: FloatArray, qp: FloatArray, v: FloatArray, t: float) -> Any:
        m, d = self.model, self.data
        pin.forwardKinematics(m, d, qp, v)
        pin.updateFramePlacements(m, d)
        for joint in self._joints:
            self.fext[joint] = pin.Force.Zero()
        resultant = pin.Force.Zero()  # at the base origin, base axes
        for fid, joint, rf, fn, const, i in self.external:
            oMf = d.oMf[fid]
            if fn is None:
                w = const
            else:
                twist = pin.getFrameVelocity(m, d, fid, LWA).vector
                w = np.asarray(fn(t, oMf.homogeneous, twist), dtype=np.float64)
                if w.shape != (6,) or not np.isfinite(w).all():
                    raise InputError(
                        f"external[{i}].wrench returned {w!r} at t = {t}; expected 6 finite numbers [f; τ]"
                    )
            if rf == LWA:
                fw = pin.Force(w[:3], w[3:] + np.cross(oMf.translation, w[:3]))
            elif rf == pin.ReferenceFrame.WORLD:
                fw = pin.Force(w)
            else:
                fw = oMf.act(pin.Force(w))
            resultant += fw
            self.fext[joint] += d.oMi[joint].actInv(fw)
        p = d.oMf[self.log_fid].translation
        out = self.wrench_at_log_frame
        out[:3] = resultant.linear
        out[3:] = resultant.angular - np.cross(p, resultant.linear)
        return self.fext


def simulate_dynamic(
    robot: Robot,
    controller: Any,
    q0: Any,
    *,
    duration: float,
    dt: float = 1e-3,
    dq0: Any = None,
    integrator: str = "semi_implicit_euler",
    gravity: Any = None,
    viscous_friction: Any = 0.0,
    coulomb_friction: Any = 0.0,
    coulomb_width: float = 0.01,
    external: Sequence[ExternalWrench] = (),
    max_joint_velocity: float = 100.0,
) -> Log:
    """Run a torque controller (or none) on the arm's rigid-body dynamics.

    Args:
        robot: the arm (base = URDF root); its URDF inertias are used.
        controller: a torque controller (``kind == "torque"``), or ``None`` for zero torque.
        q0, dq0: initial state [rad, rad/s] (``dq0`` default zero).
        duration, dt: run length and fixed step [s]; samples at ``t = 0, dt, …, duration``.
        integrator: ``"semi_implicit_euler"`` or ``"rk4"`` (see the module doc).
        gravity: (3,) [m/s²] in the base frame, of norm at most
            :data:`robojac.statics.MAX_GRAVITY`; default the model's ``(0, 0, −9.81)``.
            Controllers compensate with the robot model's own gravity, so a different
            value here is a model mismatch on purpose.
        viscous_friction, coulomb_friction: ``b`` [N·m·s/rad], ``c`` [N·m], one or ``dof``
            numbers; ``coulomb_width``: ``w`` [rad/s] of ``tanh(q̇/w)``.
        external: :class:`ExternalWrench` items.
        max_joint_velocity: rate [rad/s] beyond which the run is declared diverged.

    The log's ``external_wrench`` is the resultant of the external wrenches moved to the
    controlled frame's origin (base axes) at each sample.

    Raises:
        InputError: a bad argument, or more than :data:`MAX_SAMPLES` samples.
        ModelError: the arm's inertia ``M(q0)`` is singular (links without mass).
    """
    if controller is None:
        ctrl: Any = _Passive(robot)
    else:
        _check_controller(robot, controller, "torque", "simulate_dynamic")
        ctrl = controller
    step_dt = positive(dt, "dt")
    n = _steps(duration, step_dt)
    if integrator not in INTEGRATORS:
        raise InputError(f"integrator must be one of {', '.join(INTEGRATORS)}, got {integrator!r}")
    vmax = _rate_limit(max_joint_velocity)
    q = _start(robot, q0)
    v = np.zeros(robot.dof) if dq0 is None else robot.check_q(dq0, "dq0").copy()
    check_mass_matrix(robot, q, "simulate_dynamic")  # forward dynamics solves M(q) q̈ = …
    plant = _Plant(
        robot,
        gravity,
        gains(viscous_friction, robot.dof, "viscous_friction", "N·m·s/rad"),
        gains(coulomb_friction, robot.dof, "coulomb_friction", "N·m"),
        positive(coulomb_width, "coulomb_width"),
        external,
        ctrl.task.fid,
    )
    log = Log.empty(
        n + 1,
        robot.dof,
        robot=robot.name,
        frame=ctrl.frame,
        joint_names=robot.joint_names,
        controller="none" if controller is None else type(controller).__name__,
        simulator=f"dynamic ({integrator})",
        dt=step_dt,
    )
    rk4 = integrator == "rk4"
    h = step_dt
    for k in range(n + 1):
        t = k * h
        tau = ctrl._torque(q, v, t)
        _record(log, k, t, q, v, tau, ctrl)
        if not np.isfinite(tau).all():
            return _stop(log, k + 1, t, f"the controller returned a non-finite torque {tau.tolist()}")
        if k == n:
            if plant.external:
                plant._forces(q, robot.to_pinocchio(q), v, t)
                log.external_wrench[k] = plant.wrench_at_log_frame
            break
        if rk4:
            a1 = plant.accel(q, v, tau, t)
            if plant.external:
                log.external_wrench[k] = plant.wrench_at_log_frame
            q2, v2 = q + 0.5 * h * v, v + 0.5 * h * a1
            a2 = plant.accel(q2, v2, tau, t + 0.5 * h)
            q3, v3 = q + 0.5 * h * v2, v + 0.5 * h * a2
            a3 = plant.accel(q3, v3, tau, t + 0.5 * h)
            q4, v4 = q + h * v3, v + h * a3
            a4 = plant.accel(q4, v4, tau, t + h)
            q = q + (h / 6.0) * (v + 2.0 * v2 + 2.0 * v3 + v4)
            v = v + (h / 6.0) * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        else:
            a = plant.accel(q, v, tau, t)
            if plant.external:
                log.external_wrench[k] = plant.wrench_at_log_frame
            v = v + h * a
            q = q + h * v
        why = _divergence(robot, q, v, vmax)
        if why:
            return _stop(log, k + 1, t + h, why)
    return log
