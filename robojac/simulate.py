"""Simulators: run a controller for ``duration`` seconds at a fixed step and return a :class:`~robojac.log.Log`.

* :func:`simulate_kinematic` integrates the joint rates of a velocity controller:
  ``q_{k+1} = q_k + dt · dq_k`` (exact for rates held over the step, which is what a
  joint-velocity interface does).
* :func:`simulate_dynamic` integrates the rigid-body dynamics

      M(q) q̈ + C(q, q̇) q̇ + g(q) = τ − b q̇ − c tanh(q̇ / s) − Σ J_fᵀ w_f

  with Pinocchio's articulated-body algorithm (ABA) for ``q̈``: joint torques ``τ`` from a
  torque controller, held constant over each step (zero-order hold, like a real
  controller); viscous friction ``b`` [N·m·s/rad] and smoothed Coulomb friction ``c``
  [N·m] of width ``s`` [rad/s]; contact wrenches ``w_f`` (:class:`ContactWrench`) that
  the arm exerts on its environment through frames ``f``, so the environment pushes back
  on the arm with ``−w_f`` (robojac's one wrench convention, as in
  :mod:`robojac.statics`: holding still against them takes ``τ = g(q) + Σ J_fᵀ w_f``).
  Integrators:

  - ``"semi_implicit_euler"`` (default): ``q̇ += dt q̈(q, q̇)``, then ``q += dt q̇``;
    first order, symplectic for separable systems, so energy wanders but does not drift
    away the way explicit Euler's does; one ABA per step.
  - ``"rk4"``: classical Runge–Kutta on ``(q, q̇)``, fourth order, four ABAs per step;
    friction and contact wrenches are re-evaluated at every stage, τ is held.

Both run the same loop over the samples ``t = k dt``: the controller's
``command(q, dq, t)`` (a :class:`~robojac.control.VelocityController` or a
:class:`~robojac.control.TorqueController`), the sample logged with the controller's
``diagnostics()``, then one step of the plant.

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
from .control import Controller, Diagnostics, TorqueController, VelocityController, ZeroTorqueController
from .errors import InputError, RobojacWarning
from .log import Log
from .robot import LWA, Robot, check_ref
from .statics import as_gravity, check_mass_matrix
from .taskspace import gains

INTEGRATORS = ("semi_implicit_euler", "rk4")
#: Most samples one run may log: ~400 bytes each for a 7-joint arm, so ~4 GB at the cap.
MAX_SAMPLES = 10_000_000


@dataclass(frozen=True)
class ContactWrench:
    """A wrench ``[f; n]`` [N; N·m] that the arm exerts on its environment through ``frame``
    during a dynamic simulation; the environment pushes back on the arm with ``−wrench``.

    This is robojac's one wrench convention (docs/conventions.md), the one
    :func:`~robojac.statics.static_torques` and :func:`~robojac.estimation.estimate_wrench`
    use: the motors hold the arm still against it with ``τ = g(q) + J(ref)ᵀ wrench``, and
    ``estimate_wrench`` on those torques gives ``wrench`` back. A hand lifting the tool by
    10 N is ``ContactWrench([0, 0, -10, 0, 0, 0])``: the tool presses down on the hand.

    ``wrench`` is a constant 6-vector, or a function ``wrench(t, pose, twist)`` of time [s],
    the frame's pose (4, 4) in the base frame and its twist ``[v; ω]``
    (``local_world_aligned``), returning a 6-vector (e.g. a :class:`VirtualWall`). It is
    expressed in ``ref`` (``"local_world_aligned"``: at the frame origin, base axes;
    ``"world"``: at the base origin, base axes; ``"local"``: at the frame origin, frame
    axes), like :class:`robojac.statics.Contact`, whose argument order it shares.

    ``frame`` is a frame name (None: the robot's tip); whether it exists is checked when a
    simulation meets the robot. A constant ``wrench`` must be 6 finite numbers and ``ref``
    a known name, checked here, at construction (an InputError or FrameError).
    """

    wrench: Any
    frame: str | None = None
    ref: str = "local_world_aligned"

    def __post_init__(self) -> None:
        if self.frame is not None and not isinstance(self.frame, str):
            raise InputError(
                f"ContactWrench frame must be a frame name (or None for the tip), got {type(self.frame).__name__} "
                f"{self.frame!r}; the arguments are ContactWrench(wrench, frame, ref)"
            )
        if not callable(self.wrench):
            try:
                as_vector(self.wrench, 6, "ContactWrench wrench")
            except InputError as exc:
                raise InputError(
                    f"{exc}; expected 6 finite numbers [f; n] [N; N·m] or a function wrench(t, pose, twist)"
                ) from None
        check_ref(self.ref)


class VirtualWall:
    """A one-sided spring-damper plane: a wrench function for :class:`ContactWrench`.

    The wall passes through ``point`` [m] with unit ``normal`` pointing into free space.
    When the frame's origin is behind the plane by ``depth = (point − p)·n > 0``, the arm
    presses on the wall with ``f = −max(0, k·depth − d·(v·n)) n`` [N] (``k`` [N/m], ``d``
    [N·s/m]), into the wall; the wall pushes the arm back out with ``−f``, never pulls it
    in. The result is the wrench the arm exerts (as :class:`ContactWrench` takes it),
    ``local_world_aligned`` (at the frame origin, base axes).
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
                out[:3] = -push * n  # the arm presses into the wall
        return out


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


def _check_controller(robot: Robot, controller: Any, protocol: type, sim: str) -> None:
    if not isinstance(controller, protocol):
        what, hint = (
            ("velocity", "whose command is joint rates, e.g. a ResolvedRateController")
            if protocol is VelocityController
            else ("torque", "whose command is joint torques (impedance, OSC, joint PD, zero torque)")
        )
        raise InputError(
            f"{sim} runs {what} controllers (robojac.control.{protocol.__name__}: {hint}); "
            f"got {type(controller).__name__}"
        )
    other = getattr(controller, "robot", None)
    if not isinstance(other, Robot) or other.model.nq != robot.model.nq or other.name != robot.name:
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
    rates = dq.tolist()
    # The common case in Python floats (a non-finite sum sends any doubt to the full check).
    if math.isfinite(sum(q.tolist()) + sum(rates)) and max(rates) <= vmax and -min(rates) <= vmax:
        return ""
    if not (np.isfinite(q).all() and np.isfinite(dq).all()):
        bad = np.flatnonzero(~(np.isfinite(q) & np.isfinite(dq)))
        return f"joint '{robot.joint_names[bad[0]]}' is no longer finite (q = {q[bad[0]]}, dq = {dq[bad[0]]})"
    i = int(np.argmax(np.abs(dq)))
    if abs(dq[i]) > vmax:
        return f"joint '{robot.joint_names[i]}' moves at {dq[i]:.4g} rad/s, beyond max_joint_velocity = {vmax:g}"
    return ""


def _record(log: Log, k: int, t: float, q: FloatArray, dq: FloatArray, tau: FloatArray | None, d: Diagnostics) -> None:
    log.t[k] = t
    log.q[k] = q
    log.dq[k] = dq
    if tau is not None:
        log.tau[k] = tau
    log.tool_pose[k] = d.pose
    log.pose_error[k] = d.error
    log.sigma_min[k] = d.sigma_min
    log.manipulability[k] = d.manipulability


def _stop(log: Log, keep: int, t: float, why: str) -> Log:
    """Mark ``log`` diverged at time ``t`` [s] and keep its first ``keep`` samples."""
    log.status = "diverged"
    log.message = f"diverged at t = {t:.6g} s: {why}"
    warnings.warn(f"simulation of '{log.robot}' {log.message}", RobojacWarning, stacklevel=4)
    return log.truncated(keep)


def _run(log: Log, controller: Controller, plant: _JointRates | _Dynamics, q: FloatArray, dq: FloatArray) -> Log:
    """The loop both simulators share, over the samples ``t = k h`` of ``log``.

    At each sample: ask the controller for its command, record the sample with the
    controller's diagnostics, stop if the plant refuses the command, else advance the
    plant by one step ``h``, stopping if its state diverges.
    """
    n, h = len(log) - 1, plant.h
    for k in range(n + 1):
        t = k * h
        u = controller.command(q, dq, t)
        dq, tau = plant.take(dq, u)
        _record(log, k, t, q, dq, tau, controller.diagnostics())
        why = plant.refuse(q, dq, u)
        if why:
            return _stop(log, k + 1, t, why)
        if k == n:
            plant.finish(k, t, q, dq, log)
            break
        q, dq, why = plant.advance(k, t, q, dq, u, log)
        if why:
            return _stop(log, k + 1, t + h, why)
    return log


class _JointRates:
    """A perfect joint-velocity interface: the command is the joint rate, held for one step ``h``."""

    def __init__(self, robot: Robot, h: float, vmax: float) -> None:
        self.robot, self.h, self.vmax = robot, h, vmax

    def take(self, dq: FloatArray, u: FloatArray) -> tuple[FloatArray, FloatArray | None]:
        """The joint rates now and the torque to log: the command itself, and none."""
        return u, None

    def refuse(self, q: FloatArray, dq: FloatArray, u: FloatArray) -> str:
        """Why the commanded rates cannot be run ('' when they can)."""
        return _divergence(self.robot, q, dq, self.vmax)

    def advance(
        self, k: int, t: float, q: FloatArray, dq: FloatArray, u: FloatArray, log: Log
    ) -> tuple[FloatArray, FloatArray, str]:
        """``q + h dq``, exact for rates held over the step; the rates were checked by :meth:`refuse`."""
        return q + self.h * dq, dq, ""

    def finish(self, k: int, t: float, q: FloatArray, dq: FloatArray, log: Log) -> None:
        """Nothing to add to the last sample: a velocity interface feels no contact wrench."""


def simulate_kinematic(
    robot: Robot,
    controller: VelocityController,
    q0: Any,
    *,
    duration: float,
    dt: float | None = None,
    max_joint_velocity: float = math.inf,
) -> Log:
    """Run a velocity controller on a perfect joint-velocity interface.

    Samples ``t = 0, dt, …, duration``; at each, the rates ``dq = controller.command(q, dq, t)``
    of a :class:`~robojac.control.VelocityController` are logged and then held for ``dt``
    [s] (default: the controller's own ``dt``). ``tau`` is NaN.
    A rate beyond ``max_joint_velocity`` [rad/s] (default: none) or a non-finite rate stops
    the run (see the module doc).
    """
    _check_controller(robot, controller, VelocityController, "simulate_kinematic")
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
    return _run(log, controller, _JointRates(robot, step_dt, vmax), q, np.zeros(robot.dof))


class _Dynamics:
    """The arm's forward dynamics with friction and contact wrenches, on its own model copy:
    the command is the joint torque, held over each step ``h`` of the integrator."""

    def __init__(
        self,
        robot: Robot,
        h: float,
        vmax: float,
        integrator: str,
        gravity: Any,
        viscous: FloatArray,
        coulomb: FloatArray,
        width: float,
        contacts: Sequence[ContactWrench],
        log_fid: int,
    ) -> None:
        self.robot, self.h, self.vmax = robot, h, vmax
        self.rk4 = integrator == "rk4"
        self.model = pin.Model(robot.model)
        if gravity is not None:
            self.model.gravity.linear = as_gravity(gravity)
        self.data = self.model.createData()
        self.viscous, self.coulomb, self.width = viscous, coulomb, width
        self.friction = bool(viscous.any() or coulomb.any())
        self.contacts = []
        try:
            items = None if isinstance(contacts, ContactWrench) else list(contacts)
        except TypeError:
            items = None
        if items is None:
            raise InputError(
                f"contacts must be a list of ContactWrench(wrench, frame, ref), got {type(contacts).__name__}"
            )
        for i, c in enumerate(items):
            if not isinstance(c, ContactWrench):
                raise InputError(f"contacts[{i}] must be a ContactWrench(wrench, frame, ref), got {type(c).__name__}")
            fid = robot.frame_id(c.frame)
            rf = check_ref(c.ref)
            fn = c.wrench if callable(c.wrench) else None
            const = np.zeros(6) if fn is not None else as_vector(c.wrench, 6, f"contacts[{i}].wrench").copy()
            self.contacts.append((fid, self.model.frames[fid].parentJoint, rf, fn, const, i))
        self._joints = sorted({c[1] for c in self.contacts})
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
        if not self.contacts:
            return np.asarray(pin.aba(m, d, qp, v, total), dtype=np.float64)
        return np.asarray(pin.aba(m, d, qp, v, total, self.forces(qp, v, t)), dtype=np.float64)

    def forces(self, qp: FloatArray, v: FloatArray, t: float) -> Any:
        """The environment's reactions ``−w_f`` to the contact wrenches at Pinocchio configuration
        ``qp``, rates ``v`` and time ``t``, as the joint forces ABA applies to the arm; the
        resultant of the ``w_f`` themselves at the log frame goes to :attr:`wrench_at_log_frame`."""
        m, d = self.model, self.data
        pin.forwardKinematics(m, d, qp, v)
        pin.updateFramePlacements(m, d)
        for joint in self._joints:
            self.fext[joint] = pin.Force.Zero()
        resultant = pin.Force.Zero()  # at the base origin, base axes
        for fid, joint, rf, fn, const, i in self.contacts:
            oMf = d.oMf[fid]
            if fn is None:
                w = const
            else:
                twist = pin.getFrameVelocity(m, d, fid, LWA).vector
                w = np.asarray(fn(t, oMf.homogeneous, twist), dtype=np.float64)
                if w.shape != (6,) or not np.isfinite(w).all():
                    raise InputError(
                        f"contacts[{i}].wrench returned {w!r} at t = {t}; expected 6 finite numbers [f; n]"
                    )
            if rf == LWA:
                fw = pin.Force(w[:3], w[3:] + np.cross(oMf.translation, w[:3]))
            elif rf == pin.ReferenceFrame.WORLD:
                fw = pin.Force(w)
            else:
                fw = oMf.act(pin.Force(w))
            resultant += fw
            self.fext[joint] -= d.oMi[joint].actInv(fw)  # ABA takes what acts on the arm: −w
        p = d.oMf[self.log_fid].translation
        out = self.wrench_at_log_frame
        out[:3] = resultant.linear
        out[3:] = resultant.angular - np.cross(p, resultant.linear)
        return self.fext

    def take(self, dq: FloatArray, u: FloatArray) -> tuple[FloatArray, FloatArray | None]:
        """The joint rates now and the torque to log: the state's rates, and the command."""
        return dq, u

    def refuse(self, q: FloatArray, dq: FloatArray, u: FloatArray) -> str:
        """Why the commanded torque cannot be applied ('' when it can)."""
        return "" if np.isfinite(u).all() else f"the controller returned a non-finite torque {u.tolist()}"

    def advance(
        self, k: int, t: float, q: FloatArray, v: FloatArray, tau: FloatArray, log: Log
    ) -> tuple[FloatArray, FloatArray, str]:
        """The state one step ``h`` later under the held torque ``tau``, and why it diverged
        ('' when it did not); logs sample ``k``'s contact wrench on the way."""
        h = self.h
        if self.rk4:
            a1 = self.accel(q, v, tau, t)
            if self.contacts:
                log.contact_wrench[k] = self.wrench_at_log_frame
            q2, v2 = q + 0.5 * h * v, v + 0.5 * h * a1
            a2 = self.accel(q2, v2, tau, t + 0.5 * h)
            q3, v3 = q + 0.5 * h * v2, v + 0.5 * h * a2
            a3 = self.accel(q3, v3, tau, t + 0.5 * h)
            q4, v4 = q + h * v3, v + h * a3
            a4 = self.accel(q4, v4, tau, t + h)
            q = q + (h / 6.0) * (v + 2.0 * v2 + 2.0 * v3 + v4)
            v = v + (h / 6.0) * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        else:
            a = self.accel(q, v, tau, t)
            if self.contacts:
                log.contact_wrench[k] = self.wrench_at_log_frame
            v = v + h * a
            q = q + h * v
        return q, v, _divergence(self.robot, q, v, self.vmax)

    def finish(self, k: int, t: float, q: FloatArray, v: FloatArray, log: Log) -> None:
        """Log the last sample's contact wrench, which no step computed."""
        if self.contacts:
            self.forces(self.robot.to_pinocchio(q), v, t)
            log.contact_wrench[k] = self.wrench_at_log_frame


def simulate_dynamic(
    robot: Robot,
    controller: TorqueController | None,
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
    contacts: Sequence[ContactWrench] = (),
    max_joint_velocity: float = 100.0,
) -> Log:
    """Run a torque controller (or none) on the arm's rigid-body dynamics.

    Args:
        robot: the arm (base = URDF root); its URDF inertias are used.
        controller: a :class:`~robojac.control.TorqueController`, or ``None`` for a
            :class:`~robojac.control.ZeroTorqueController` on the tip.
        q0, dq0: initial state [rad, rad/s] (``dq0`` default zero).
        duration, dt: run length and fixed step [s]; samples at ``t = 0, dt, …, duration``.
        integrator: ``"semi_implicit_euler"`` or ``"rk4"`` (see the module doc).
        gravity: (3,) [m/s²] in the base frame, of norm at most
            :data:`robojac.statics.MAX_GRAVITY`; default the model's ``(0, 0, −9.81)``.
            Controllers compensate with the robot model's own gravity, so a different
            value here is a model mismatch on purpose.
        viscous_friction, coulomb_friction: ``b`` [N·m·s/rad], ``c`` [N·m], one or ``dof``
            numbers; ``coulomb_width``: ``s`` [rad/s] of ``tanh(q̇/s)``.
        contacts: :class:`ContactWrench` items: the wrenches the arm exerts on its
            environment (the arm feels ``−w_f``).
        max_joint_velocity: rate [rad/s] beyond which the run is declared diverged.

    The log's ``contact_wrench`` is the resultant of the contact wrenches (what the arm
    exerts) moved to the controlled frame's origin (base axes) at each sample.

    Raises:
        InputError: a bad argument, or more than :data:`MAX_SAMPLES` samples.
        ModelError: the arm's inertia ``M(q0)`` is singular (links without mass).
    """
    if controller is None:
        ctrl: TorqueController = ZeroTorqueController(robot)
    else:
        _check_controller(robot, controller, TorqueController, "simulate_dynamic")
        ctrl = controller
    step_dt = positive(dt, "dt")
    n = _steps(duration, step_dt)
    if integrator not in INTEGRATORS:
        raise InputError(f"integrator must be one of {', '.join(INTEGRATORS)}, got {integrator!r}")
    vmax = _rate_limit(max_joint_velocity)
    q = _start(robot, q0)
    v = np.zeros(robot.dof) if dq0 is None else robot.check_q(dq0, "dq0").copy()
    check_mass_matrix(robot, q, "simulate_dynamic")  # forward dynamics solves M(q) q̈ = …
    plant = _Dynamics(
        robot,
        step_dt,
        vmax,
        integrator,
        gravity,
        gains(viscous_friction, robot.dof, "viscous_friction", "N·m·s/rad"),
        gains(coulomb_friction, robot.dof, "coulomb_friction", "N·m"),
        positive(coulomb_width, "coulomb_width"),
        contacts,
        robot.frame_id(ctrl.frame),
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
    return _run(log, ctrl, plant, q, v)
