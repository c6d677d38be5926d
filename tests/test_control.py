"""Controllers: convergence, circle tracking with a derived error bound, damped vs undamped
through a singularity, limits, null space, impedance equilibrium, OSC, gravity
compensation, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pinocchio as pin
import pytest
from scipy.spatial.transform import Rotation

import robojac
from robojac.control import (
    CartesianImpedanceController,
    Controller,
    JointPDController,
    OperationalSpaceController,
    ResolvedRateController,
    TorqueController,
    VelocityController,
    ZeroTorqueController,
)
from robojac.demo.control import tracking_bound
from robojac.simulate import ContactWrench, simulate_dynamic, simulate_kinematic
from robojac.statics import gravity_torques
from robojac.taskspace import TaskSpace
from robojac.trajectory import Circle, Hold, JointTrajectory, Line

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])  # Franka's "ready" pose


@pytest.fixture(scope="module")
def panda() -> robojac.Robot:
    return robojac.load("panda")


@pytest.fixture(scope="module")
def ur5() -> robojac.Robot:
    return robojac.load("ur5")


def test_pose_error_against_scipy(panda: robojac.Robot) -> None:
    task = TaskSpace(panda)
    rng = np.random.default_rng(0)
    for _ in range(5):
        q = panda.random_configuration(rng)
        target = panda.fk(panda.random_configuration(rng))
        task.jacobian(panda.to_pinocchio(q))
        e = task.pose_error(target)
        T = panda.fk(q)
        np.testing.assert_allclose(e[:3], target[:3, 3] - T[:3, 3], atol=1e-12)
        rotvec = Rotation.from_matrix(target[:3, :3] @ T[:3, :3].T).as_rotvec()  # base axes
        np.testing.assert_allclose(e[3:], rotvec, atol=1e-9)
        np.testing.assert_allclose(task.J, panda.jacobian(q), atol=1e-12)


def test_rrmc_converges_to_a_reachable_target(panda: robojac.Robot) -> None:
    q_goal = READY + np.array([0.3, 0.2, -0.2, 0.3, 0.2, -0.3, 0.4])
    target = panda.fk(q_goal)
    ctrl = ResolvedRateController(panda, target, gain=5.0)
    log = simulate_kinematic(panda, ctrl, READY, duration=3.0, dt=1e-3)
    assert log.status == "ok"
    assert log.position_error[0] > 0.05
    # K = 5/s: the error decays like exp(−5 t), ≈ 3e-7 of the start after 3 s.
    assert log.position_error[-1] < 1e-6
    assert log.rotation_error[-1] < 1e-6
    np.testing.assert_allclose(panda.fk(log.q[-1]), target, atol=1e-6)
    assert (np.abs(log.dq) <= panda.velocity_limits + 1e-12).all()


@pytest.mark.parametrize("gain", [5.0, 20.0])
def test_rrmc_tracks_a_circle_within_the_sampled_loop_bound(panda: robojac.Robot, gain: float) -> None:
    """Steady error bound, derived: with rates held over dt the tool moves with the arm's own
    acceleration J̇ dq, so the error obeys e_{k+1} = (1 − K dt) e_k + ½ J_v q̈ dt² and
    |e_ss| ≤ max ‖J_v q̈‖ dt / (2K) to first order in dt (robojac.demo.control.tracking_bound).
    ‖p̈*‖ dt / (2K) is not a bound (J̇ dq ≠ 0), though twice it is, here."""
    T0 = panda.fk(READY)
    circle = Circle.starting_at(T0, 0.1, normal=[1, 0, 0], period=2.0, ramp=0.5)
    dt = 1e-3
    ctrl = ResolvedRateController(panda, circle, gain=gain, dt=dt)
    log = simulate_kinematic(panda, ctrl, READY, duration=2.5)
    a_max = 0.1 * (2 * math.pi / 2.0) ** 2  # centripetal r ω² [m/s²]
    bound = a_max * dt / gain
    steady = log.t >= 1.0
    assert log.position_error[steady].max() <= tracking_bound(panda, log, gain, steady)
    assert log.position_error[steady].max() > 0.8 * tracking_bound(panda, log, gain, steady)  # tight, not vacuous
    assert log.position_error[steady].max() <= bound
    assert log.rotation_error[steady].max() <= bound / 0.1  # orientation held: ≤ bound/radius [rad]


def test_damped_control_stays_bounded_through_a_singularity_where_undamped_does_not(ur5: robojac.Robot) -> None:
    """A straight line whose poses take the UR5's wrist through q5 = 0 (wrist singularity).
    Velocity limits are off so the raw solutions are compared."""
    qa = np.array([0.0, -1.2, 1.5, -1.9, 0.25, 0.3])
    qb = qa.copy()
    qb[4] = -0.25
    line = Line(ur5.fk(qa), ur5.fk(qb), 2.0)
    limit = float(ur5.velocity_limits.min())  # 3.14 rad/s
    runs = {}
    for name, damping in [("damped", None), ("undamped", 0.0)]:
        ctrl = ResolvedRateController(ur5, line, gain=5.0, damping=damping, velocity_limits=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs[name] = simulate_kinematic(ur5, ctrl, qa, duration=2.5)
    damped, undamped = runs["damped"], runs["undamped"]
    assert damped.sigma_min.min() < 1e-3  # it really passes through the singularity
    assert np.linalg.norm(damped.dq, axis=1).max() <= limit
    assert np.linalg.norm(undamped.dq, axis=1).max() > 10 * limit
    assert damped.position_error.max() < 0.01  # and the damped one still follows the line


def test_velocity_limits_scale_the_whole_step(panda: robojac.Robot) -> None:
    far = panda.fk(READY + 0.8)
    limited = ResolvedRateController(panda, far, gain=50.0)
    free = ResolvedRateController(panda, far, gain=50.0, velocity_limits=None)
    dq_l, dq_f = limited.step(READY, 0.0), free.step(READY, 0.0)
    assert (np.abs(dq_f) > panda.velocity_limits).any()
    assert (np.abs(dq_l) <= panda.velocity_limits).all()
    assert np.isclose(np.abs(dq_l / panda.velocity_limits).max(), 1.0)
    scale = limited.diagnostics().scale
    np.testing.assert_allclose(dq_l, scale * dq_f, atol=1e-12)  # same direction
    assert scale < 1.0 and free.diagnostics().scale == 1.0


def test_position_limits_lock_the_joint_and_keep_the_task(panda: robojac.Robot) -> None:
    # The target needs the elbow (joint 4) stretched 0.18 rad past its upper limit.
    q0 = READY.copy()
    q0[1], q0[3] = 0.2, -0.25
    target = panda.fk(q0 + np.array([0.1, 0.2, 0.1, 0.25, 0.1, 0.1, 0.1]))
    ctrl = ResolvedRateController(panda, target, gain=5.0)
    log = simulate_kinematic(panda, ctrl, q0, duration=2.0)
    assert (log.q <= panda.upper).all() and (log.q >= panda.lower).all()
    assert log.q[:, 3].max() > panda.upper[3] - 0.01  # it goes right up to the limit
    assert log.position_error[-1] < 0.1 * log.position_error[0]  # the other joints keep the task going
    free = ResolvedRateController(panda, target, gain=5.0, position_limits=False)
    log_free = simulate_kinematic(panda, free, q0, duration=2.0)
    assert (log_free.q[:, 3] > panda.upper[3]).any()  # without locking it does cross


def test_null_space_motion_leaves_the_tool_twist_unchanged(panda: robojac.Robot) -> None:
    target = Hold(panda.fk(READY))
    plain = ResolvedRateController(panda, target, velocity_limits=None, position_limits=False)
    q = READY + np.array([0.2, -0.1, 0.3, 0.1, -0.2, 0.3, 0.1])
    J = panda.jacobian(q)
    for objective in ("mid", "manipulability"):
        ctrl = ResolvedRateController(
            panda, target, nullspace=objective, nullspace_gain=2.0, velocity_limits=None, position_limits=False
        )
        dq_n, dq_p = ctrl.step(q, 0.0), plain.step(q, 0.0)
        assert np.linalg.norm(dq_n - dq_p) > 1e-3  # it moves the arm...
        np.testing.assert_allclose(J @ (dq_n - dq_p), 0.0, atol=1e-10)  # ...not the tool


def test_null_space_objectives_improve_their_measure(panda: robojac.Robot) -> None:
    q0 = READY + np.array([-1.0, 0.0, 1.5, 0.3, 0.0, 0.0, 0.0])  # elbow swivelled off centre
    T = panda.fk(q0)
    mid = 0.5 * (panda.lower + panda.upper)
    half = 0.5 * (panda.upper - panda.lower)
    centering = ResolvedRateController(panda, T, nullspace="mid", nullspace_gain=5.0)
    log = simulate_kinematic(panda, centering, q0, duration=1.0)
    H = -0.5 * np.sum(((log.q - mid) / half) ** 2, axis=1)
    assert H[-1] > H[0] + 0.01
    assert np.diff(H).min() > -1e-12  # gradient ascent: never worse
    assert log.position_error.max() < 1e-5  # while holding the tool
    manip = ResolvedRateController(panda, T, nullspace="manipulability", nullspace_gain=5.0)
    log = simulate_kinematic(panda, manip, q0, duration=1.0)
    assert log.manipulability[-1] > 1.1 * log.manipulability[0]
    assert np.diff(log.manipulability).min() > -1e-12
    assert log.position_error.max() < 1e-5


def test_position_task_leaves_orientation_free() -> None:
    robot = robojac.load("planar_2r")
    q0 = np.array([0.3, 1.2])
    circle = Circle.starting_at(robot.fk(q0), 0.05, normal=[0, 0, 1], period=2.0)
    ctrl = ResolvedRateController(robot, circle, gain=10.0, task="position")
    log = simulate_kinematic(robot, ctrl, q0, duration=2.0)
    assert log.position_error[log.t > 0.5].max() < 1e-3
    assert log.rotation_error[-1] > 1e-3  # not tracked (a 2R cannot hold its yaw on a circle)


def test_impedance_equilibrium_reads_the_contact_force(panda: robojac.Robot) -> None:
    """At rest while the tool exerts a constant contact wrench w (local_world_aligned, at the
    tool): Jᵀ (K e − w) = 0, so K e = w for the full-rank 6×7 Jacobian."""
    K = np.array([800.0, 600.0, 1000.0, 40.0, 50.0, 30.0])
    ctrl = CartesianImpedanceController(panda, panda.fk(READY), stiffness=K)
    w = np.array([10.0, -5.0, 8.0, 0.4, -0.3, 0.2])
    log = simulate_dynamic(panda, ctrl, READY, duration=3.0, contacts=[ContactWrench(w, panda.tip)])
    assert log.status == "ok"
    assert np.abs(log.dq[-1]).max() < 1e-4  # settled
    e = log.pose_error[-1]
    np.testing.assert_allclose(K * e, w, atol=1e-3 * np.linalg.norm(w))
    np.testing.assert_allclose(log.contact_wrench[-1], w, atol=1e-12)
    # The deflection has the size the spring predicts: pressing +x with 10 N at 800 N/m puts
    # the tool 12.5 mm behind its target along x (e = p* − p > 0).
    assert e[0] == pytest.approx(w[0] / K[0], rel=1e-3)


def test_impedance_default_damping_is_critical_for_every_mode(panda: robojac.Robot) -> None:
    """Default D: with task inertia Λ, the closed loop Λ ẍ + D ẋ + K x = 0 is critically
    damped in every mode, i.e. Λ⁻¹D = 2 (Λ⁻¹K)^½: (Λ⁻¹D/2)² = Λ⁻¹K."""
    K = np.array([800.0, 600.0, 1000.0, 40.0, 50.0, 30.0])
    ctrl = CartesianImpedanceController(panda, panda.fk(READY), stiffness=K)
    ctrl.torque(READY, np.zeros(7), 0.0)
    D = ctrl.damping_matrix
    assert D is not None
    J = panda.jacobian(READY)
    M = pin.crba(panda.model, panda.model.createData(), READY)
    Lam_inv = J @ np.linalg.solve(M, J.T)
    half = Lam_inv @ D / 2.0
    np.testing.assert_allclose(
        half @ half, Lam_inv @ np.diag(K), rtol=1e-6, atol=1e-6 * np.abs(Lam_inv @ np.diag(K)).max()
    )
    np.testing.assert_allclose(D, D.T, atol=1e-9 * np.abs(D).max())
    np.testing.assert_allclose(ctrl.joint_damping, 2.0 * np.diag(M))  # 2 M_ii × 1/s


def test_impedance_torque_formula(panda: robojac.Robot) -> None:
    T = panda.fk(READY + 0.05)
    K, D = np.arange(1.0, 7.0) * 100, np.arange(1.0, 7.0)
    ctrl = CartesianImpedanceController(panda, T, stiffness=K, damping=D, joint_damping=0.0)
    q, dq = READY, np.linspace(-0.2, 0.2, 7)
    J = panda.jacobian(q)
    Tq = panda.fk(q)
    err = np.concatenate([T[:3, 3] - Tq[:3, 3], Rotation.from_matrix(T[:3, :3] @ Tq[:3, :3].T).as_rotvec()])
    expected = J.T @ (K * err - D * (J @ dq)) + gravity_torques(panda, q)
    np.testing.assert_allclose(ctrl.torque(q, dq, 0.0), expected, atol=1e-9)


def test_osc_tracks_a_circle_closely(panda: robojac.Robot) -> None:
    circle = Circle.starting_at(panda.fk(READY), 0.1, normal=[1, 0, 0], period=2.0, ramp=0.5)
    osc = OperationalSpaceController(panda, circle)
    log = simulate_dynamic(panda, osc, READY, duration=1.5)
    imp = simulate_dynamic(panda, CartesianImpedanceController(panda, circle), READY, duration=1.5)
    steady = log.t >= 0.75
    assert log.status == "ok"
    assert log.position_error[steady].max() < 5e-4
    # inverse dynamics in the loop beats a spring pulling the arm along
    assert log.position_error[steady].max() < 0.1 * imp.position_error[steady].max()


def test_osc_torque_produces_the_commanded_task_acceleration(panda: robojac.Robot) -> None:
    """Away from singularities Λ is the exact (J M⁻¹ Jᵀ)⁻¹, so the plant's own forward
    dynamics (ABA) under the OSC torque give J q̈ + J̇ q̇ = a* + K e + D (V* − J q̇), and the
    null-space joint damping adds no task acceleration. J̇ q̇ from jacobian_dot, q̈ from ABA."""
    circle = Circle.starting_at(panda.fk(READY), 0.1, normal=[1, 0, 0], period=2.0, ramp=0.5)
    K, D = np.array([400.0, 300.0, 500.0, 200.0, 250.0, 150.0]), np.array([40.0, 35.0, 45.0, 28.0, 30.0, 25.0])
    osc = OperationalSpaceController(panda, circle, stiffness=K, damping=D, joint_damping=3.0)
    rng = np.random.default_rng(7)
    for t in (0.3, 1.1):
        q = READY + rng.uniform(-0.05, 0.05, 7)
        dq = rng.uniform(-0.3, 0.3, 7)
        tau = osc.torque(q, dq, t)
        assert osc.diagnostics().damping == 0.0
        ddq = pin.aba(panda.model, panda.model.createData(), q, dq, tau)
        J = panda.jacobian(q)
        achieved = J @ ddq + panda.jacobian_dot(q, dq) @ dq
        ref = circle.sample(t)
        Tq = panda.fk(q)
        e = np.concatenate(
            [ref.pose[:3, 3] - Tq[:3, 3], Rotation.from_matrix(ref.pose[:3, :3] @ Tq[:3, :3].T).as_rotvec()]
        )
        commanded = ref.acceleration + K * e + D * (ref.twist - J @ dq)
        np.testing.assert_allclose(achieved, commanded, atol=1e-7 * np.abs(commanded).max())
        # the null-space damping really acts on the joints (it is not zero)...
        no_null = OperationalSpaceController(panda, circle, stiffness=K, damping=D, joint_damping=0.0)
        assert np.linalg.norm(tau - no_null.torque(q, dq, t)) > 1e-3


def test_osc_inertia_is_damped_at_a_singularity(ur5: robojac.Robot) -> None:
    q = np.array([0.0, -1.2, 1.5, -1.9, 0.0, 0.3])  # q5 = 0: wrist singular
    J = ur5.jacobian(q)
    M = pin.crba(ur5.model, ur5.model.createData(), q)
    mu, W = np.linalg.eigh(J @ np.linalg.solve(M, J.T))
    assert mu[0] < 1e-9  # Λ⁻¹ has lost a direction
    w = W[:, 0]
    T = ur5.fk(q)
    target = T.copy()  # a target 0.01 along the lost direction
    target[:3, 3] += 0.01 * w[:3]
    target[:3, :3] = pin.exp3(0.01 * w[3:]) @ T[:3, :3]
    dq = np.zeros(6)
    damped = OperationalSpaceController(ur5, target)
    undamped = OperationalSpaceController(ur5, target, max_damping=0.0)
    tau_d, tau_u = damped.torque(q, dq, 0.0), undamped.torque(q, dq, 0.0)
    assert damped.diagnostics().damping > 0 and undamped.diagnostics().damping == 0
    g = gravity_torques(ur5, q)
    # damped: the mass along the lost direction is at most 1/(2λ_max) = 500 kg
    assert np.linalg.norm(tau_d - g) < 500 * 400 * 0.01 * np.linalg.norm(J, 2)
    assert not np.isfinite(tau_u).all() or np.linalg.norm(tau_u - g) > 1e3 * np.linalg.norm(tau_d - g)


def test_gravity_compensation_holds_a_pose(panda: robojac.Robot) -> None:
    hold = JointPDController(panda, READY, kp=0.0, kd=0.0)  # τ = g(q) only
    np.testing.assert_allclose(hold.torque(READY, np.zeros(7), 0.0), gravity_torques(panda, READY), atol=1e-12)
    log = simulate_dynamic(panda, hold, READY, duration=1.0)
    assert np.abs(log.q - READY).max() < 1e-9
    assert np.abs(log.dq).max() < 1e-9
    fall = JointPDController(panda, READY, kp=0.0, kd=0.0, gravity_compensation=False)
    log = simulate_dynamic(panda, fall, READY, duration=0.3)
    assert np.abs(log.q[-1] - READY).max() > 0.05  # without it the arm sags


def test_joint_pd_tracks_a_joint_trajectory(panda: robojac.Robot) -> None:
    qs = np.stack([READY, READY + 0.2, READY])
    traj = JointTrajectory(panda, qs, [0.0, 1.0, 2.0])
    pd = JointPDController(panda, traj)  # kp = M_ii (2π·5 Hz)², kd critical
    log = simulate_dynamic(panda, pd, READY, duration=2.5)  # 0.5 s to settle after the last waypoint
    assert log.status == "ok"
    assert np.abs(log.q[-1] - READY).max() < 1e-3
    mid = np.searchsorted(log.t, 1.0)
    assert np.abs(log.q[mid] - qs[1]).max() < 0.02
    # its logged pose error is the tool's error to fk(q*)
    assert log.position_error[-1] == pytest.approx(
        np.linalg.norm(panda.fk(log.q[-1])[:3, 3] - panda.fk(READY)[:3, 3]), abs=1e-12
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda r, T: ResolvedRateController(r, T, gain=-1.0),
        lambda r, T: ResolvedRateController(r, T, gain=[1, 2, 3]),
        lambda r, T: ResolvedRateController(r, T, gain=np.ones((6, 1))),
        lambda r, T: ResolvedRateController(r, T, gain=float("nan")),
        lambda r, T: ResolvedRateController(r, T, dt=0.0),
        lambda r, T: ResolvedRateController(r, T, dt=-1e-3),
        lambda r, T: ResolvedRateController(r, T, damping=-0.1),
        lambda r, T: ResolvedRateController(r, T, damping="x"),
        lambda r, T: ResolvedRateController(r, T, damping=[0.1, 0.2]),
        lambda r, T: ResolvedRateController(r, T, task=["pose"]),
        lambda r, T: ResolvedRateController(r, T, velocity_limits=[1.0] * 3),
        lambda r, T: ResolvedRateController(r, T, nullspace="elbow_up"),
        lambda r, T: ResolvedRateController(r, T, nullspace_gain=-1.0),
        lambda r, T: ResolvedRateController(r, T, task="orientation"),
        lambda r, T: ResolvedRateController(r, T, frame="no_such_frame"),
        lambda r, T: ResolvedRateController(r, "not a pose"),
        lambda r, T: CartesianImpedanceController(r, T, stiffness=-5.0),
        lambda r, T: CartesianImpedanceController(r, T, stiffness=np.ones(7)),
        lambda r, T: CartesianImpedanceController(r, T, damping=[1, 2]),
        lambda r, T: CartesianImpedanceController(r, T, joint_damping=-1.0),
        lambda r, T: OperationalSpaceController(r, T, stiffness=[-1.0] * 6),
        lambda r, T: OperationalSpaceController(r, T, threshold=0.0),
        lambda r, T: JointPDController(r, READY, kp=-1.0),
        lambda r, T: JointPDController(r, READY, kd=np.ones(3)),
        lambda r, T: JointPDController(r, np.zeros(7)),  # q4 = 0 is outside the Panda's limits
        lambda r, T: JointPDController(
            r, JointTrajectory(robojac.load("iiwa14"), [np.zeros(7), np.ones(7) * 0.1], [0, 1])
        ),
    ],
)
def test_bad_controller_input_raises(panda: robojac.Robot, make) -> None:
    with pytest.raises(robojac.RobojacError):
        make(panda, panda.fk(READY))


def test_bad_step_input_raises(panda: robojac.Robot) -> None:
    ctrl = ResolvedRateController(panda, panda.fk(READY))
    with pytest.raises(robojac.InputError, match="shape"):
        ctrl.step(np.zeros(6), 0.0)
    with pytest.raises(robojac.InputError, match="finite"):
        ctrl.step(np.full(7, np.nan), 0.0)
    with pytest.raises(robojac.InputError, match="finite time"):
        ctrl.step(READY, float("nan"))
    imp = CartesianImpedanceController(panda, panda.fk(READY))
    with pytest.raises(robojac.InputError, match="dq"):
        imp.torque(READY, np.zeros(3), 0.0)
    with pytest.raises(robojac.InputError, match="numeric"):
        imp.torque(READY, np.zeros(7), "soon")


def test_base_below_the_root_is_refused_clearly() -> None:
    robot = robojac.load("panda", base="panda_link1")
    with pytest.raises(robojac.InputError, match="URDF root"):
        ResolvedRateController(robot, robot.fk(robot.neutral()))


@pytest.mark.parametrize("name", ["panda", "ur5", "iiwa14"])
def test_default_gains_are_stable_on_every_bundled_arm(name: str) -> None:
    """The bundled URDFs have no rotor inertia, so wrists are light (UR5 wrist 3: 1e-4 kg·m²);
    default damping scaled by the inertia keeps a 1 kHz explicit loop stable on each."""
    from robojac.cli.simulate import DEMO_START

    robot = robojac.load(name)
    q0 = np.array(DEMO_START[name])
    T0 = robot.fk(q0)
    circle = Circle.starting_at(T0, 0.05, normal=[1, 0, 0], period=2.0)
    push = ContactWrench([0.0, 0.0, 10.0, 0.0, 0.0, 0.0], robot.tip)  # the tool presses up with 10 N
    runs = [
        simulate_dynamic(robot, CartesianImpedanceController(robot, T0), q0, duration=1.0, contacts=[push]),
        simulate_dynamic(robot, OperationalSpaceController(robot, circle), q0, duration=1.0),
        simulate_dynamic(robot, JointPDController(robot, q0 + 0.05), q0, duration=1.0),
    ]
    for log in runs:
        assert log.status == "ok", log.message
    assert runs[0].pose_error[-1, 2] * 600.0 == pytest.approx(10.0, rel=0.05)  # K e = w, nearly settled
    assert runs[1].position_error[runs[1].t > 0.5].max() < 1e-3
    assert np.abs(runs[2].q[-1] - (q0 + 0.05)).max() < 1e-3


def test_impedance_with_explicit_damping_runs_on_a_massless_model(tmp_path) -> None:
    # Without <inertial> M(q) is singular: the default damping (which reads Λ) is refused,
    # but a given damping needs no inertia, so the controller computes its torques.
    arm = """<robot name="arm"><link name="base"/><link name="l1"/><link name="l2"/><link name="tool"/>
      <joint name="j1" type="revolute"><parent link="base"/><child link="l1"/><axis xyz="0 0 1"/>
        <limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
      <joint name="j2" type="revolute"><parent link="l1"/><child link="l2"/><origin xyz="0 0 0.5"/>
        <axis xyz="0 1 0"/><limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
      <joint name="tj" type="fixed"><parent link="l2"/><child link="tool"/><origin xyz="0 0 0.5"/></joint>
    </robot>"""
    path = tmp_path / "massless.urdf"
    path.write_text(arm)
    robot = robojac.load(str(path))
    q = np.array([0.3, 0.6])
    with pytest.raises(robojac.ModelError, match="move no mass"):
        CartesianImpedanceController(robot, robot.fk(q))
    ctrl = CartesianImpedanceController(robot, robot.fk(q + 0.05), damping=10.0, stiffness=100.0)
    tau = ctrl.torque(q, np.zeros(2), 0.0)
    assert np.isfinite(tau).all() and np.abs(tau).max() > 0
    with pytest.raises(robojac.ModelError, match="simulate_dynamic"):
        simulate_dynamic(robot, ctrl, q, duration=0.01)


def test_each_controller_meets_its_protocol(panda: robojac.Robot) -> None:
    T = panda.fk(READY)
    rrmc = ResolvedRateController(panda, T)
    torque = [
        CartesianImpedanceController(panda, T),
        OperationalSpaceController(panda, T),
        JointPDController(panda, READY),
        ZeroTorqueController(panda),
    ]
    assert isinstance(rrmc, VelocityController) and not isinstance(rrmc, TorqueController)
    for ctrl in torque:
        assert isinstance(ctrl, TorqueController) and not isinstance(ctrl, VelocityController)
    assert all(isinstance(c, Controller) for c in [rrmc, *torque])
    assert not isinstance(object(), Controller)


def test_diagnostics_describe_the_last_command(panda: robojac.Robot) -> None:
    target = panda.fk(READY + 0.1)
    rrmc = ResolvedRateController(panda, target, damping=0.01)
    before = rrmc.diagnostics()
    assert np.isnan(before.sigma_min) and np.isnan(before.manipulability)
    q = READY + 0.02
    rrmc.step(q, 0.0)
    d = rrmc.diagnostics()
    s = np.linalg.svd(panda.jacobian(q), compute_uv=False)
    np.testing.assert_allclose(d.pose, panda.fk(q), atol=1e-12)
    np.testing.assert_allclose(d.error[:3], target[:3, 3] - panda.fk(q)[:3, 3], atol=1e-12)
    assert d.sigma_min == pytest.approx(s[-1], rel=1e-10) and d.manipulability == pytest.approx(s.prod(), rel=1e-10)
    assert d.condition_number == pytest.approx(s[0] / s[-1], rel=1e-10) and d.damping == 0.01
    assert d.scale == 1.0 and d.locked == () and d.wrench is None
    rrmc.step(READY, 0.0)  # a later command leaves an earlier record alone
    np.testing.assert_allclose(d.error[:3], target[:3, 3] - panda.fk(q)[:3, 3], atol=1e-12)

    K, D = np.full(6, 200.0), np.full(6, 5.0)
    imp = CartesianImpedanceController(panda, target, stiffness=K, damping=D)
    dq = np.full(7, 0.1)
    imp.torque(q, dq, 0.0)
    di = imp.diagnostics()
    np.testing.assert_allclose(di.wrench, K * di.error - D * (panda.jacobian(q) @ dq), atol=1e-12)
    assert di.sigma_min == pytest.approx(s[-1], rel=1e-10)


def test_locked_joints_are_named(panda: robojac.Robot) -> None:
    q0 = READY.copy()
    q0[3] = panda.upper[3] - 1e-6  # the elbow at its limit, the target beyond it
    ctrl = ResolvedRateController(panda, panda.fk(q0 + np.array([0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0])), gain=5.0)
    dq = ctrl.step(q0, 0.0)
    assert ctrl.diagnostics().locked == ("panda_joint4",) and dq[3] == 0.0


def test_zero_torque_controller(panda: robojac.Robot) -> None:
    ctrl = ZeroTorqueController(panda, frame="panda_link7")
    q = READY + 0.1
    np.testing.assert_array_equal(ctrl.torque(q, np.ones(7), 0.5), np.zeros(7))
    d = ctrl.diagnostics()
    np.testing.assert_allclose(d.pose, panda.fk(q, "panda_link7"), atol=1e-12)
    assert np.isnan(d.error).all() and d.sigma_min > 0
