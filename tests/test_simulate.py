"""Simulators: energy conservation, friction dissipation, contact wrenches against
−M⁻¹Jᵀw, the virtual wall, divergence reporting, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.control import (
    CartesianImpedanceController,
    Diagnostics,
    JointPDController,
    ResolvedRateController,
    ZeroTorqueController,
)
from robojac.simulate import ContactWrench, VirtualWall, simulate_dynamic, simulate_kinematic
from robojac.trajectory import Circle

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


@pytest.fixture(scope="module")
def panda() -> robojac.Robot:
    return robojac.load("panda")


def _energy(robot: robojac.Robot, log: robojac.Log, gravity: bool) -> np.ndarray:
    m = pin.Model(robot.model)
    if not gravity:
        m.gravity.linear = np.zeros(3)
    d = m.createData()
    kinetic = np.array([pin.computeKineticEnergy(m, d, q, v) for q, v in zip(log.q, log.dq)])
    potential = np.array([pin.computePotentialEnergy(m, d, q) for q in log.q])
    return kinetic + potential


def test_rk4_conserves_energy_over_10_s_without_gravity(panda: robojac.Robot) -> None:
    """No gravity, control or friction: kinetic energy is constant. Stated drift: RK4 at
    dt = 2 ms keeps |E(t) − E(0)| below 1e-6 E(0) over 10 s (measured ~1e-8)."""
    log = simulate_dynamic(
        panda, None, READY, dq0=np.full(7, 1.0), duration=10.0, dt=2e-3, integrator="rk4", gravity=[0.0, 0.0, 0.0]
    )
    assert log.status == "ok" and log.t[-1] == pytest.approx(10.0)
    E = _energy(panda, log, gravity=False)
    assert np.abs(E - E[0]).max() < 1e-6 * E[0]
    assert np.ptp(log.q[:, 0]) > 1.0  # the arm really moved


def test_rk4_conserves_energy_over_10_s_falling_under_gravity(panda: robojac.Robot) -> None:
    """Released at rest under gravity, E = T + V is constant. The arm falls freely (joint
    stops are not simulated) and whips its wrist past 100 rad/s. Stated drift: below 1e-5
    of the peak kinetic energy over 10 s with RK4 at dt = 1 ms (measured ~4e-6)."""
    log = simulate_dynamic(panda, None, READY, duration=10.0, dt=1e-3, integrator="rk4", max_joint_velocity=1e3)
    assert log.status == "ok"
    E = _energy(panda, log, gravity=True)
    m = panda.model
    d = m.createData()
    peak = max(pin.computeKineticEnergy(m, d, q, v) for q, v in zip(log.q[::10], log.dq[::10]))
    assert peak > 50.0
    assert np.abs(E - E[0]).max() < 1e-5 * peak


def test_semi_implicit_euler_energy_stays_bounded(panda: robojac.Robot) -> None:
    """Stated drift of the default integrator: within 15 % over 10 s at dt = 1 ms with
    every joint starting at 1 rad/s (symplectic-like: it oscillates, it does not blow up)."""
    log = simulate_dynamic(panda, None, READY, dq0=np.full(7, 1.0), duration=10.0, gravity=[0, 0, 0])
    E = _energy(panda, log, gravity=False)
    assert np.abs(E - E[0]).max() < 0.15 * E[0]


def test_viscous_friction_only_dissipates(panda: robojac.Robot) -> None:
    log = simulate_dynamic(
        panda,
        None,
        READY,
        dq0=np.full(7, 1.0),
        duration=1.0,
        dt=2e-3,
        integrator="rk4",
        gravity=[0, 0, 0],
        viscous_friction=0.5,
        coulomb_friction=0.2,
    )
    E = _energy(panda, log, gravity=False)
    assert np.diff(E).max() < 1e-9  # dE/dt = −b q̇² − c q̇ tanh(q̇/w) ≤ 0
    assert E[-1] < 0.5 * E[0]


@pytest.mark.parametrize("ref", ["local_world_aligned", "world", "local"])
def test_contact_wrench_enters_the_dynamics_as_minus_jacobian_transpose(panda: robojac.Robot, ref: str) -> None:
    """The arm exerts w, so it feels −w: from rest without gravity, one semi-implicit step
    gives dq₁ = −dt M⁻¹ J(ref)ᵀ w."""
    w = np.array([3.0, -2.0, 5.0, 0.3, 0.2, -0.4])
    frame = "panda_link5"
    log = simulate_dynamic(
        panda, None, READY, duration=1e-3, dt=1e-3, gravity=[0, 0, 0], contacts=[ContactWrench(w, frame, ref)]
    )
    M = pin.crba(panda.model, panda.model.createData(), READY)
    expected = -1e-3 * np.linalg.solve(M, panda.jacobian(READY, frame, ref).T @ w)
    np.testing.assert_allclose(log.dq[1], expected, rtol=1e-9, atol=1e-14)


def test_logged_contact_wrench_is_the_resultant_at_the_tool(panda: robojac.Robot) -> None:
    w = np.array([0.0, 0.0, -10.0, 0.0, 0.0, 0.0])
    log = simulate_dynamic(panda, None, READY, duration=0.002, contacts=[ContactWrench(w, "panda_link4")])
    T4, Tt = panda.fk(READY, "panda_link4"), panda.fk(READY)
    moment = np.cross(T4[:3, 3] - Tt[:3, 3], w[:3])  # the force at link 4, taken about the tool origin
    np.testing.assert_allclose(log.contact_wrench[0], np.concatenate([w[:3], moment]), atol=1e-12)


def test_virtual_wall_is_pressed_never_pulled() -> None:
    """The wall returns what the arm exerts on it: a force into the wall (+x here), never out."""
    wall = VirtualWall([0.5, 0, 0], [-1, 0, 0], stiffness=1000.0, damping=10.0)
    pose = np.eye(4)
    pose[0, 3] = 0.4  # in front of the wall (free side is −x)
    assert not wall(0.0, pose, np.zeros(6)).any()
    pose[0, 3] = 0.51  # 1 cm into the wall
    np.testing.assert_allclose(wall(0.0, pose, np.zeros(6)), [10.0, 0, 0, 0, 0, 0])
    moving_in = np.array([0.2, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(wall(0.0, pose, moving_in), [12.0, 0, 0, 0, 0, 0])
    moving_out_fast = np.array([-5.0, 0, 0, 0, 0, 0])
    assert not wall(0.0, pose, moving_out_fast).any()  # damping never turns into a pull


def test_impedance_against_a_wall_settles_where_the_springs_balance(panda: robojac.Robot) -> None:
    """The arm presses into the wall (its contact wrench points into it, −z) and the wall
    stops it: the tool never gets more than a few mm behind the plane, though its target is
    2 cm further. A sign turned round in VirtualWall or in the simulator pulls it in instead."""
    T0 = panda.fk(READY)
    target = T0.copy()
    target[2, 3] -= 0.03  # 3 cm below the start, behind a wall at the start height
    K = np.array([500.0, 500.0, 500.0, 30.0, 30.0, 30.0])
    wall = VirtualWall(T0[:3, 3] - [0, 0, 0.01], [0, 0, 1], stiffness=5000.0, damping=50.0)
    ctrl = CartesianImpedanceController(panda, target, stiffness=K)
    log = simulate_dynamic(panda, ctrl, READY, duration=2.0, contacts=[ContactWrench(wall, panda.tip)])
    fz = log.contact_wrench[-1, 2]
    # Springs in series: controller 500 N/m over 2 cm of overlap with a 5000 N/m wall; the tool presses down.
    assert fz == pytest.approx(-500 * 5000 / 5500 * 0.02, rel=1e-3)
    assert K[2] * log.pose_error[-1, 2] == pytest.approx(fz, rel=1e-3)  # K e = w at rest
    assert log.status == "ok" and np.abs(log.dq[-1]).max() < 1e-3
    f = log.contact_wrench[:, :3]
    assert (f[:, 2] <= 0).all() and (f[:, 2] < 0).sum() > len(log) // 2  # into the wall, for most of the run
    np.testing.assert_array_equal(f[:, :2], 0.0)  # along the normal only
    wall_z = T0[2, 3] - 0.01
    assert log.tool_pose[:, 2, 3].min() > wall_z - 0.003  # stopped at the wall (1.8 mm in at rest)
    assert log.tool_pose[-1, 2, 3] - target[2, 3] > 0.015  # far from the 2 cm-deeper target


def test_kinematic_simulation_integrates_the_rates_exactly(panda: robojac.Robot) -> None:
    circle = Circle.starting_at(panda.fk(READY), 0.05, normal=[1, 0, 0], period=1.0)
    ctrl = ResolvedRateController(panda, circle, dt=2e-3)
    log = simulate_kinematic(panda, ctrl, READY, duration=0.2)
    assert len(log) == 101 and log.t[-1] == pytest.approx(0.2)
    np.testing.assert_allclose(log.q[1:], log.q[:-1] + 2e-3 * log.dq[:-1], atol=1e-15)
    for k in (0, 50, 100):
        np.testing.assert_allclose(log.tool_pose[k], panda.fk(log.q[k]), atol=1e-12)
    assert np.isnan(log.tau).all()


def test_a_diverging_run_stops_and_says_where_and_why(panda: robojac.Robot) -> None:
    # kd·dt/M_77 ≈ 50 · 1e-3 / 6e-4 ≫ 2: explicit integration of this damping explodes.
    bad = JointPDController(panda, READY, kp=0.0, kd=50.0)
    with pytest.warns(robojac.RobojacWarning, match="diverged"):
        log = simulate_dynamic(panda, bad, READY, dq0=np.full(7, 0.1), duration=1.0)
    assert log.status == "diverged"
    assert "panda_joint7" in log.message and "max_joint_velocity" in log.message and "t = " in log.message
    assert len(log) < 1001
    assert np.isfinite(log.q).all()


def test_a_non_finite_torque_stops_the_run(panda: robojac.Robot) -> None:
    class NaNTorque(JointPDController):
        def command(self, q, dq, t):  # type: ignore[no-untyped-def]
            return np.full(7, np.nan) if t > 0.01 else super().command(q, dq, t)

    with pytest.warns(robojac.RobojacWarning):
        log = simulate_dynamic(panda, NaNTorque(panda, READY), READY, duration=0.1)
    assert log.status == "diverged" and "non-finite torque" in log.message
    assert log.t[-1] == pytest.approx(0.011)


def test_kinematic_divergence_by_rate(panda: robojac.Robot) -> None:
    ctrl = ResolvedRateController(panda, panda.fk(READY + 0.5), gain=50.0, velocity_limits=None)
    with pytest.warns(robojac.RobojacWarning):
        log = simulate_kinematic(panda, ctrl, READY, duration=1.0, max_joint_velocity=1.0)
    assert log.status == "diverged" and len(log) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration": 0.0},
        {"duration": -1.0},
        {"duration": 1.0, "dt": 0.0},
        {"duration": 1.0, "dt": -1e-3},
        {"duration": 1e-5, "dt": 1e-3},
        {"duration": float("nan")},
        {"duration": 1.0, "integrator": "euler"},
        {"duration": 1.0, "dq0": np.zeros(3)},
        {"duration": 1.0, "viscous_friction": -1.0},
        {"duration": 1.0, "coulomb_friction": np.ones(3)},
        {"duration": 1.0, "gravity": [0, -9.81]},
        {"duration": 1.0, "contacts": [ContactWrench(np.zeros(6), "nope")]},
        {"duration": 1.0, "contacts": [np.zeros(6)]},
        {"duration": 1.0, "contacts": ContactWrench(np.zeros(6), "panda_hand_tcp")},  # not in a list
        {"duration": 1.0, "max_joint_velocity": -1.0},
        {"duration": 1.0, "max_joint_velocity": float("nan")},
    ],
)
def test_bad_dynamic_input_raises(panda: robojac.Robot, kwargs) -> None:
    with pytest.raises(robojac.RobojacError):
        simulate_dynamic(panda, None, READY, **kwargs)


def test_contact_wrench_is_checked_at_construction() -> None:
    for bad in (np.zeros(5), [1.0, 2.0], [0, 0, 0, 0, 0, np.nan], "abc", np.zeros(6, dtype=complex)):
        with pytest.raises(robojac.InputError, match="ContactWrench wrench"):
            ContactWrench(bad, "panda_hand_tcp")
    with pytest.raises(robojac.FrameError, match="local_world_aligned"):
        ContactWrench(np.zeros(6), "panda_hand_tcp", "base")
    with pytest.raises(robojac.InputError, match="frame name"):
        ContactWrench(np.zeros(6), 3)  # type: ignore[arg-type]
    with pytest.raises(robojac.InputError, match=r"ContactWrench\(wrench, frame, ref\)"):  # ExternalWrench's order
        ContactWrench("panda_hand_tcp", np.zeros(6))  # type: ignore[arg-type]
    # valid: a list, a function, and the tip by default
    assert ContactWrench([0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).frame is None
    assert callable(ContactWrench(lambda t, pose, twist: np.zeros(6), "panda_link4").wrench)


def test_old_external_wrench_name_says_what_replaced_it() -> None:
    with pytest.raises(AttributeError, match=r"ContactWrench\(-w, frame\)"):
        robojac.ExternalWrench  # noqa: B018


def test_contact_wrench_on_the_tip_by_default(panda: robojac.Robot) -> None:
    w = [0.0, 0.0, 5.0, 0.0, 0.0, 0.0]
    tip = simulate_dynamic(panda, None, READY, duration=0.002, contacts=[ContactWrench(w)])
    named = simulate_dynamic(panda, None, READY, duration=0.002, contacts=[ContactWrench(w, panda.tip)])
    np.testing.assert_array_equal(tip.q, named.q)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration": 0.0},
        {"duration": -1.0},
        {"duration": float("inf")},
        {"duration": 1.0, "dt": 0.0},
        {"duration": 1.0, "dt": -1e-3},
        {"duration": 1e-5},
        {"duration": 1.0, "max_joint_velocity": 0.0},
        {"duration": 1.0, "max_joint_velocity": float("nan")},
        {"duration": 1.0, "max_joint_velocity": "fast"},
    ],
)
def test_bad_kinematic_input_raises(panda: robojac.Robot, kwargs) -> None:
    ctrl = ResolvedRateController(panda, panda.fk(READY))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an error, not a run that "diverges" at once
        with pytest.raises(robojac.InputError):
            simulate_kinematic(panda, ctrl, READY, **kwargs)


def test_bad_simulation_setup_raises(panda: robojac.Robot) -> None:
    rrmc = ResolvedRateController(panda, panda.fk(READY))
    imp = CartesianImpedanceController(panda, panda.fk(READY))
    with pytest.raises(robojac.InputError, match="torque controllers"):
        simulate_dynamic(panda, rrmc, READY, duration=0.1)
    with pytest.raises(robojac.InputError, match="velocity controllers"):
        simulate_kinematic(panda, imp, READY, duration=0.1)
    with pytest.raises(robojac.InputError, match="dt"):
        simulate_kinematic(panda, rrmc, READY, duration=0.1, dt=0.01)
    with pytest.raises(robojac.InputError, match="joint limits"):
        simulate_kinematic(panda, rrmc, np.zeros(7), duration=0.1)  # q4 = 0 is outside
    with pytest.raises(robojac.InputError, match="another robot"):
        simulate_dynamic(robojac.load("iiwa14"), imp, READY, duration=0.1)
    returns_junk = ContactWrench(lambda t, pose, twist: [1.0, 2.0], panda.tip)
    with pytest.raises(robojac.InputError, match="returned"):
        simulate_dynamic(panda, None, READY, duration=0.01, contacts=[returns_junk])
    with pytest.raises(robojac.InputError, match="velocity controllers"):
        simulate_kinematic(panda, "rrmc", READY, duration=0.1)


def test_no_controller_is_the_zero_torque_controller(panda: robojac.Robot) -> None:
    push = [ContactWrench([0.0, 0.0, 5.0, 0.0, 0.0, 0.0], panda.tip)]
    none = simulate_dynamic(panda, None, READY, duration=0.05, contacts=push)
    zero = simulate_dynamic(panda, ZeroTorqueController(panda), READY, duration=0.05, contacts=push)
    for name in ("q", "dq", "tau", "tool_pose", "pose_error", "sigma_min", "contact_wrench"):
        np.testing.assert_array_equal(getattr(none, name), getattr(zero, name))
    assert none.controller == "none" and zero.controller == "ZeroTorqueController"
    assert (none.tau == 0).all() and np.isnan(none.pose_error).all()


class _Damper:
    """A controller of one's own, with no robojac base class: τ = g(q) − b q̇."""

    def __init__(self, robot: robojac.Robot, b: float) -> None:
        self.robot, self.frame, self.b = robot, robot.tip, b
        self.q = robot.neutral()

    def command(self, q: np.ndarray, dq: np.ndarray, t: float) -> np.ndarray:
        self.q = q
        return robojac.gravity_torques(self.robot, q) - self.b * dq

    def torque(self, q: np.ndarray, dq: np.ndarray, t: float) -> np.ndarray:
        return self.command(self.robot.check_q(q), self.robot.check_q(dq, "dq"), t)

    def diagnostics(self) -> Diagnostics:
        return Diagnostics(self.robot.fk(self.q), np.zeros(6), 1.0, 2.0, 3.0)


class _ConstantRates:
    """A velocity controller of one's own: the same joint rates at every step."""

    def __init__(self, robot: robojac.Robot, rates: np.ndarray) -> None:
        self.robot, self.frame, self.dt, self.rates = robot, robot.tip, 1e-3, rates

    def command(self, q: np.ndarray, dq: np.ndarray, t: float) -> np.ndarray:
        return self.rates.copy()

    def step(self, q: np.ndarray, t: float) -> np.ndarray:
        return self.command(self.robot.check_q(q), np.zeros(self.robot.dof), t)

    def diagnostics(self) -> Diagnostics:
        return Diagnostics(np.eye(4), np.zeros(6), 1.0, 2.0, 3.0)


def test_a_controller_of_ones_own_runs_in_the_simulators(panda: robojac.Robot) -> None:
    log = simulate_dynamic(panda, _Damper(panda, 0.5), READY, dq0=np.full(7, 0.2), duration=0.2, dt=1e-4)
    assert log.status == "ok" and log.controller == "_Damper"
    kinetic = _energy(panda, log, gravity=False)  # no potential term: g(q) is compensated
    assert kinetic[-1] < 0.9 * kinetic[0]  # the damper slows the arm (undamped, it would keep its energy)
    np.testing.assert_allclose(log.tool_pose[-1], panda.fk(log.q[-1]), atol=1e-12)
    assert (log.sigma_min == 1.0).all() and (log.manipulability == 2.0).all()
    rates = np.linspace(-0.1, 0.1, 7)
    kin = simulate_kinematic(panda, _ConstantRates(panda, rates), READY, duration=0.1)
    np.testing.assert_allclose(kin.q[-1], READY + 0.1 * rates, atol=1e-12)
    with pytest.raises(robojac.InputError, match="torque controllers"):
        simulate_dynamic(panda, _ConstantRates(panda, rates), READY, duration=0.1)
