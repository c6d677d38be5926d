"""Wrench estimation from joint torques: round trips, unobservable directions, singularities."""

from __future__ import annotations

import numpy as np
import pytest

import robojac
from robojac.estimation import estimate_wrench
from robojac.statics import Payload, static_torques
from robojac.wrench import change_wrench_ref

REFS = ("local", "world", "local_world_aligned")


def regular_configuration(robot: robojac.Robot, rng: np.random.Generator, sigma_min: float = 0.1) -> np.ndarray:
    while True:
        q = robot.random_configuration(rng)
        if np.linalg.svd(robot.jacobian(q), compute_uv=False)[-1] > sigma_min:
            return q


@pytest.mark.parametrize("name", ["ur5", "panda", "iiwa14"])
@pytest.mark.parametrize("ref", REFS)
def test_round_trip_at_regular_configurations(robots: dict[str, robojac.Robot], name: str, ref: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(20)
    for _ in range(4):
        q = regular_configuration(robot, rng)
        w = rng.normal(size=6) * [20, 20, 20, 2, 2, 2]
        tau = static_torques(robot, q, wrench=w, ref=ref, payload=Payload(1.2, [0, 0, 0.05]))
        est = estimate_wrench(robot, q, tau, ref=ref, payload=Payload(1.2, [0, 0, 0.05]))
        np.testing.assert_allclose(est.wrench, w, atol=1e-8)
        np.testing.assert_allclose(est.force, w[:3], atol=1e-8)
        np.testing.assert_allclose(est.moment, w[3:], atol=1e-8)
        assert not est.ill_conditioned and est.damping == 0.0
        assert est.unobservable.shape == (0, 6)
        np.testing.assert_allclose(est.residual_torque, 0, atol=1e-8)
        assert est.condition_number == pytest.approx(est.singular_values[0] / est.sigma_min)


def test_torque_noise_maps_through_the_pseudo_inverse(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(21)
    q = regular_configuration(robot, rng)
    w = np.array([5.0, -3.0, 10.0, 0.2, 0.0, -0.1])
    noise = rng.normal(size=robot.dof) * 0.05
    est = estimate_wrench(robot, q, static_torques(robot, q, wrench=w) + noise)
    J = robot.jacobian(q)
    np.testing.assert_allclose(est.wrench, w + np.linalg.pinv(J.T) @ noise, atol=1e-9)
    # a redundant arm sees the part of the noise no wrench explains
    assert np.linalg.norm(est.residual_torque) > 0
    np.testing.assert_allclose(J @ est.residual_torque, 0, atol=1e-9)


def test_planar_arm_reports_what_it_cannot_see(robots: dict[str, robojac.Robot]) -> None:
    arm = robots["planar_2r"]
    q = np.array([0.4, 1.2])
    w = np.array([3.0, -2.0, 7.0, 1.0, -1.0, 0.5])
    est = estimate_wrench(arm, q, static_torques(arm, q, wrench=w))
    # fz, mx, my do no work on joints about z, and one combination of (fx, fy, mz) neither
    assert est.unobservable.shape == (4, 6)
    np.testing.assert_allclose(est.unobservable @ est.unobservable.T, np.eye(4), atol=1e-12)
    J = arm.jacobian(q)
    np.testing.assert_allclose(est.unobservable @ J, 0, atol=1e-12)
    # the estimate is the observable part of w: same torques, nothing along unobservable directions
    np.testing.assert_allclose(J.T @ est.wrench, J.T @ w, atol=1e-12)
    np.testing.assert_allclose(est.unobservable @ est.wrench, 0, atol=1e-12)
    np.testing.assert_allclose(est.wrench + est.unobservable.T @ (est.unobservable @ w), w, atol=1e-12)
    assert not est.ill_conditioned


def test_singular_configuration_is_flagged_not_garbage(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = np.array([0.3, -1.2, 1.5, -0.8, 0.0, 0.4])  # wrist singularity: q5 = 0
    rng = np.random.default_rng(22)
    tau = static_torques(robot, q) + rng.normal(size=6) * 0.1
    est = estimate_wrench(robot, q, tau)
    assert est.ill_conditioned
    assert est.sigma_min < 1e-9 and est.damping > 0
    assert est.unobservable.shape[0] >= 1 and est.weak.shape[0] >= est.unobservable.shape[0]
    assert np.all(np.isfinite(est.wrench))
    # damping bounds the answer: ‖ŵ‖ ≤ ‖r‖ / (2λ)
    assert np.linalg.norm(est.wrench) <= np.linalg.norm(tau - static_torques(robot, q)) / (2 * est.damping) + 1e-9
    # the unobservable direction carries no torque
    np.testing.assert_allclose(est.unobservable @ robot.jacobian(q), 0, atol=1e-9)
    # the undamped solution near there is what damping protects against
    q_near = q + np.r_[0, 0, 0, 0, 1e-4, 0]
    plain = estimate_wrench(robot, q_near, tau, damping=0.0)
    damped = estimate_wrench(robot, q_near, tau)
    assert damped.ill_conditioned and np.linalg.norm(damped.wrench) < np.linalg.norm(plain.wrench) / 10


def test_bad_input(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    with pytest.raises(robojac.InputError, match="tau"):
        estimate_wrench(robot, robot.neutral(), np.zeros(6))
    with pytest.raises(robojac.InputError, match="finite"):
        estimate_wrench(robot, robot.neutral(), np.full(7, np.nan))
    with pytest.raises(robojac.FrameError):
        estimate_wrench(robot, robot.neutral(), np.zeros(7), ref="spatial")
    with pytest.raises(robojac.InputError, match=">= 0"):
        estimate_wrench(robot, robot.neutral(), np.zeros(7), payload=-2.0)


def test_undamped_solve_near_a_singularity_stays_zero_along_unobservable_directions(
    robots: dict[str, robojac.Robot],
) -> None:
    # q5 = 1e-10: σ_min ≈ 5e-11, below RANK_TOLERANCE but above the 1e-12 that damped_solve drops.
    # A plain (damping=0) solve would put ~1e8 N along that direction; the estimate must not.
    robot = robots["ur5"]
    q = np.array([0.3, -1.2, 1.5, -0.8, 1e-10, 0.4])
    rng = np.random.default_rng(23)
    tau = static_torques(robot, q) + rng.normal(size=6) * 0.1
    r = tau - static_torques(robot, q)
    est = estimate_wrench(robot, q, tau, damping=0.0)
    assert est.ill_conditioned and est.damping == 0.0
    assert est.unobservable.shape == (1, 6) and est.sigma_min < 1e-8
    np.testing.assert_allclose(est.unobservable @ est.wrench, 0, atol=1e-9)
    # what is left is the least-squares solution over the observable directions
    expected = np.linalg.pinv(robot.jacobian(q).T, rcond=1e-8 / 2)  # drops σ < 1e-8 (σ_max ≈ 2)
    np.testing.assert_allclose(est.wrench, expected @ r, atol=1e-9)
    assert np.linalg.norm(est.wrench) < 1e3


def test_bad_tuning_is_rejected(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q, tau = robot.neutral(), np.zeros(6)
    for kwargs, match in (
        ({"damping": -0.1}, "damping"),
        ({"damping": float("nan")}, "damping"),
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": "big"}, "threshold"),
        ({"max_damping": -1.0}, "max_damping"),
    ):
        with pytest.raises(robojac.InputError, match=match):
            estimate_wrench(robot, q, tau, **kwargs)


# ---------------------------------------------------------------- one wrench convention
# Every wrench robojac takes or returns is the one the arm exerts on its environment
# (docs/conventions.md): the simulator's ContactWrench, statics and estimate_wrench must
# agree on its sign. Each test below fails if any one of them turns the sign round.

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
#: The tool, and a mid-chain link moved by joints 1–6 only (so every wrench on it is observable).
CONTACT_FRAMES = (None, "panda_link6")
CONTACT_WRENCHES = {
    "pure force": np.array([6.0, -4.0, 10.0, 0.0, 0.0, 0.0]),  # [N]
    "pure moment": np.array([0.0, 0.0, 0.0, 1.5, -0.8, 1.2]),  # [N·m]
}


class _HoldTorque:
    """A torque controller of one's own: the same joint torques τ₀ [N·m] at every step."""

    def __init__(self, robot: robojac.Robot, tau: np.ndarray) -> None:
        self.robot, self.frame, self.tau = robot, robot.tip, tau
        self.q = robot.neutral()

    def command(self, q: np.ndarray, dq: np.ndarray, t: float) -> np.ndarray:
        self.q = q
        return self.tau.copy()

    def torque(self, q: np.ndarray, dq: np.ndarray, t: float) -> np.ndarray:
        return self.command(self.robot.check_q(q), self.robot.check_q(dq, "dq"), t)

    def diagnostics(self) -> robojac.control.Diagnostics:
        return robojac.control.Diagnostics(self.robot.fk(self.q), np.zeros(6), 1.0, 1.0, 1.0)


def _held_against(robot: robojac.Robot, w: np.ndarray, frame: str | None, ref: str) -> robojac.Log:
    """Simulate the Panda at READY, pressing with the contact wrench ``w`` (what it exerts),
    under the constant torques ``g(q) + J(ref)ᵀ w`` that should hold it still."""
    from robojac.simulate import ContactWrench, simulate_dynamic

    tau0 = robojac.gravity_torques(robot, READY) + robot.jacobian(READY, frame, ref).T @ w
    contact = ContactWrench(w, frame, ref)
    return simulate_dynamic(robot, _HoldTorque(robot, tau0), READY, duration=0.1, integrator="rk4", contacts=[contact])


@pytest.mark.parametrize("frame", CONTACT_FRAMES)
@pytest.mark.parametrize("kind", CONTACT_WRENCHES)
@pytest.mark.parametrize("ref", REFS)
def test_a_simulated_contact_wrench_is_estimated_back_with_its_sign(
    robots: dict[str, robojac.Robot], frame: str | None, kind: str, ref: str
) -> None:
    """The torques ``g + Jᵀ w`` hold the simulated arm still against ``ContactWrench(w)``,
    and estimate_wrench reads those torques back as ``w``, not ``−w``.

    Were the simulator's sign turned round, the arm would feel ``2 Jᵀ w`` and move
    (centimetres in 0.1 s); were the estimate's, it would return ``−w``."""
    robot = robots["panda"]
    w = CONTACT_WRENCHES[kind]
    log = _held_against(robot, w, frame, ref)
    assert log.status == "ok"
    assert np.abs(log.q - READY).max() < 1e-9  # held still: the simulator agrees with statics
    est = estimate_wrench(robot, log.q[-1], log.tau[-1], frame=frame, ref=ref)
    assert not est.ill_conditioned and est.unobservable.shape == (0, 6)
    np.testing.assert_allclose(est.wrench, w, atol=1e-9 * np.linalg.norm(w))
    # the log records the same wrench the arm exerts, moved to the tool (base axes)
    expected = change_wrench_ref(robot, READY, w, frame, from_ref=ref, to_ref="local_world_aligned")
    if frame is not None:
        T_f, T_tool = robot.fk(READY, frame), robot.fk(READY)
        expected[3:] += np.cross(T_f[:3, 3] - T_tool[:3, 3], expected[:3])
    np.testing.assert_allclose(log.contact_wrench[-1], expected, atol=1e-9 * np.linalg.norm(w))


def _fd_twist(robot: robojac.Robot, q: np.ndarray, dq: np.ndarray, frame: str | None, ref: str) -> np.ndarray:
    """The frame's twist for joint velocity ``dq``, in ``ref``, by central differences of fk only."""
    from robojac.pose import inverse, log6

    h = 1e-6
    T = robot.fk(q, frame)
    Tp, Tm = robot.fk(q + h * dq, frame), robot.fk(q - h * dq, frame)
    if ref == "local":
        return (log6(inverse(T) @ Tp) - log6(inverse(T) @ Tm)) / (2 * h)
    if ref == "world":
        return (log6(Tp @ inverse(T)) - log6(Tm @ inverse(T))) / (2 * h)
    v = (Tp[:3, 3] - Tm[:3, 3]) / (2 * h)
    rot = log6(Tp @ inverse(T))[3:] - log6(Tm @ inverse(T))[3:]
    return np.r_[v, rot / (2 * h)]


@pytest.mark.parametrize("frame", CONTACT_FRAMES)
@pytest.mark.parametrize("ref", REFS)
def test_the_holding_torques_do_the_work_of_the_contact_wrench(
    robots: dict[str, robojac.Robot], frame: str | None, ref: str
) -> None:
    """Virtual work with the same ``w``: the motor torques that hold the simulated arm against
    ``ContactWrench(w)`` (beyond gravity) satisfy ``τ·δq = w·(J δq)``, the frame's twist
    measured from fk alone; the motors do the work the arm does on its environment."""
    robot = robots["panda"]
    rng = np.random.default_rng(15)
    w = CONTACT_WRENCHES["pure force"] + CONTACT_WRENCHES["pure moment"]
    log = _held_against(robot, w, frame, ref)
    assert np.abs(log.q - READY).max() < 1e-9
    tau = log.tau[-1] - robojac.gravity_torques(robot, log.q[-1])
    for _ in range(4):
        dq = rng.normal(size=robot.dof)
        work = w @ _fd_twist(robot, READY, dq, frame, ref)
        assert tau @ dq == pytest.approx(work, rel=1e-6, abs=1e-7)
        assert abs(work) > 0.1  # a real test: −w would give the opposite sign


@pytest.mark.slow
def test_an_impedance_controller_pressed_by_a_contact_reads_it_back(robots: dict[str, robojac.Robot]) -> None:
    """Closed loop: an impedance controller holds the Panda while its tool exerts a known w;
    once it has settled, estimate_wrench on the motor torques returns w, and so does the
    controller's own spring, ``K e = w``."""
    from robojac.control import CartesianImpedanceController
    from robojac.simulate import ContactWrench, simulate_dynamic

    robot = robots["panda"]
    w = np.array([3.0, -2.0, 10.0, 0.5, -0.3, 0.2])
    K = np.array([500.0, 500.0, 500.0, 30.0, 30.0, 30.0])
    hold = CartesianImpedanceController(robot, robot.fk(READY), stiffness=K)
    log = simulate_dynamic(robot, hold, READY, duration=3.0, contacts=[ContactWrench(w, robot.tip)])
    assert np.abs(log.dq[-1]).max() < 1e-3  # at rest (the self-motion still creeps), so the torques are static
    est = estimate_wrench(robot, log.q[-1], log.tau[-1])
    np.testing.assert_allclose(est.wrench, w, atol=1e-3 * np.linalg.norm(w))  # measured 1.5e-4 ‖w‖
    np.testing.assert_allclose(K * log.pose_error[-1], w, atol=2e-3 * np.linalg.norm(w))  # measured 9e-4 ‖w‖
