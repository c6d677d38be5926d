"""Demo section: resolved-rate tracking of a circle, then an impedance hold pushed by 10 N."""

from __future__ import annotations

import time

import numpy as np

from ..control import CartesianImpedanceController, ResolvedRateController
from ..log import Log
from ..robot import Robot
from ..simulate import ContactWrench, simulate_dynamic, simulate_kinematic
from ..trajectory import Circle
from .kinematics import demo_start


def tracking_bound(robot: Robot, log: Log, gain: float, steady: np.ndarray) -> float:
    """The steady position error [m] of resolved-rate tracking with rates held for one step,
    to first order in the step: ``max ‖J_v q̈‖ · dt / (2K)`` over the ``steady`` samples.

    Why: holding ``dq`` for ``dt`` moves the tool with the acceleration ``J̇ dq`` that the
    arm makes by itself; the path asks for ``p̈* = J_v q̈ + J̇ dq``, so each step falls
    behind by ``½ dt² J_v q̈`` while the gain takes back ``K dt`` of the error. The error
    ``e`` then obeys ``e ← (1 − K dt) e + ½ dt² J_v q̈``, whose steady size is at most
    ``max ‖J_v q̈‖ dt / (2K)``. It equals ``‖p̈*‖ dt / (2K)`` only where ``J̇ dq = 0``;
    ``q̈`` is the log's finite difference of ``dq``.
    """
    dt = float(log.dt)
    qdd = np.diff(log.dq, axis=0) / dt
    pulls = [np.linalg.norm(robot.jacobian(q)[:3] @ a) for q, a, s in zip(log.q[:-1], qdd, steady[:-1]) if s]
    return float(max(pulls, default=0.0)) * dt / (2.0 * gain)


def control_section(robot: Robot) -> str:
    """Resolved-rate tracking of a 5 cm circle, then an impedance hold pushed by 10 N."""
    q0 = demo_start(robot)
    T0 = robot.fk(q0)
    planar = robot.dof < 6
    circle = Circle.starting_at(T0, 0.05, normal=(0, 0, 1) if planar else (1, 0, 0), period=2.0)
    gain = 10.0
    rrmc = ResolvedRateController(robot, circle, gain=gain, task="position" if planar else "pose")
    t0 = time.perf_counter()
    log = simulate_kinematic(robot, rrmc, q0, duration=2.0)
    wall = time.perf_counter() - t0
    steady = log.t >= 1.0
    out = [
        f"resolved-rate control (K = {gain:g}/s, dt = {1e3 * log.dt:g} ms) around a 5 cm circle in 2 s:",
        f"  steady error {1e3 * log.position_error[steady].max():.4f} mm, within max‖J_v q̈‖·dt/(2K) = "
        f"{1e3 * tracking_bound(robot, log, gain, steady):.4f} mm; "
        f"{1e6 * wall / (len(log) - 1):.0f} µs per simulated step",
    ]
    if not planar:
        K = np.array([500.0, 500.0, 500.0, 30.0, 30.0, 30.0])
        imp = CartesianImpedanceController(robot, T0, stiffness=K)
        # A hand lifts the tool by 10 N: the tool presses down on it (robojac's wrenches are what the arm exerts).
        push = ContactWrench([0.0, 0.0, -10.0, 0.0, 0.0, 0.0], robot.tip)
        dyn = simulate_dynamic(robot, imp, q0, duration=2.5, contacts=[push])
        out.append(
            f"Cartesian impedance (K = 500 N/m) pushed up by 10 N, {dyn.t[-1]:.1f} s of dynamics: "
            f"the tool settles {1e3 * -dyn.pose_error[-1, 2]:.2f} mm up, so the spring reads "
            f"{-K[2] * dyn.pose_error[-1, 2]:.2f} N"
        )
    return "\n".join(out)
