"""Inverse kinematics: round trips, limits, partial targets, batches, bad input, the CLI.

Solves that must be repeatable use ``timeout=None`` with a bound on ``max_restarts``, so
their outcome does not depend on the machine's speed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac import pose
from robojac.cli import main
from robojac.errors import FrameError, InputError, PoseError, RobojacError
from robojac.ik import IKBatchResult, IKOptions, IKResult, options, solve_ik, solve_ik_batch
from robojac.ik import solver as ik_solver
from robojac.ik.single import cached_solver, keywords_solver
from robojac.ik.solver import Solver

ARMS = ["planar_2r", "ur5", "panda", "iiwa14"]
REPEATABLE = dict(timeout=None, max_restarts=200)


@pytest.fixture(scope="module")
def robots() -> dict[str, robojac.Robot]:
    return {name: robojac.load(name) for name in ARMS}


def check_solution(robot: robojac.Robot, res: IKResult, T: np.ndarray, ptol: float = 1e-6, rtol: float = 1e-6) -> None:
    """The result's claims, checked independently with robot.fk."""
    assert res.q.shape == (robot.dof,) and np.isfinite(res.q).all()
    assert robot.within_limits(res.q)
    pe, re = pose.pose_error(robot.fk(res.q), T)
    assert res.success, res.message
    assert pe <= ptol and re <= rtol, (pe, re)
    assert res.position_error == pytest.approx(pe, abs=1e-12)
    assert res.rotation_error == pytest.approx(re, abs=1e-9)


@pytest.mark.parametrize("name", ARMS)
def test_round_trip_random_configurations(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(42)
    for i in range(40):
        T = robot.fk(robot.random_configuration(rng))
        res = solve_ik(robot, T, robot.random_configuration(rng), seed=i, **REPEATABLE)
        check_solution(robot, res, T)
        assert res.iterations >= 0 and res.restarts >= 0


@pytest.mark.parametrize("form", ["matrix", "se3", "pair"])
def test_target_forms_agree(robots: dict[str, robojac.Robot], form: str) -> None:
    robot = robots["panda"]
    T = robot.fk(robot.random_configuration(1))
    target = {"matrix": T, "se3": pin.SE3(T[:3, :3], T[:3, 3]), "pair": pose.to_position_quaternion(T)}[form]
    res = solve_ik(robot, target, robot.neutral(), **REPEATABLE)
    check_solution(robot, res, T)
    same = solve_ik(robot, T, robot.neutral(), **REPEATABLE).q
    # The quaternion round trip rounds the target in its last bits.
    assert np.array_equal(res.q, same) if form != "pair" else np.allclose(res.q, same, atol=1e-6)


def test_tolerances_are_respected(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(5)
    for _ in range(10):
        T = robot.fk(robot.random_configuration(rng))
        q0 = robot.random_configuration(rng)
        res = solve_ik(robot, T, q0, position_tolerance=1e-9, rotation_tolerance=1e-9, **REPEATABLE)
        check_solution(robot, res, T, 1e-9, 1e-9)
        loose = solve_ik(robot, T, robot.neutral(), position_tolerance=1e-2, rotation_tolerance=1e-2, **REPEATABLE)
        assert loose.success and loose.position_error <= 1e-2 and loose.rotation_error <= 1e-2


def test_result_always_within_limits_even_when_failing(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    far = np.eye(4)
    far[:3, 3] = (2.0, 1.0, 0.5)  # beyond the Panda's reach (about 0.95 m)
    outside = robot.upper + 1.0  # a start outside the limits is clipped, not refused
    res = solve_ik(robot, far, outside, timeout=None, max_restarts=3)
    assert not res.success
    assert robot.within_limits(res.q) and np.isfinite(res.q).all()
    pe, re = pose.pose_error(robot.fk(res.q), far)
    assert res.position_error == pytest.approx(pe) and res.position_error > 0.5
    assert res.rotation_error == pytest.approx(re, abs=1e-9)
    assert "no solution" in res.message and "max_restarts=3" in res.message
    assert res.restarts == 3


def test_unreachable_returns_within_timeout(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    far = (np.array([5.0, 0.0, 0.0]), np.array([0.0, 0.0, 0.0, 1.0]))
    t0 = time.perf_counter()
    res = solve_ik(robot, far, timeout=0.02)
    wall = time.perf_counter() - t0
    assert not res.success
    assert "timed out" in res.message
    assert 0.02 <= res.time <= wall
    # Generous slack: one iteration past the deadline, and a loaded machine.
    assert wall < 0.02 + 1.0
    assert robot.within_limits(res.q) and math.isfinite(res.position_error) and res.position_error > 4.0


def test_the_budget_starts_after_the_one_time_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # A set-up slower than the whole budget (as on a loaded machine) must not fail the
    # first call for a target that any later call solves.
    build = Solver.__init__

    def slow_build(self: Solver, *args: object) -> None:
        build(self, *args)
        time.sleep(0.05)

    monkeypatch.setattr(Solver, "__init__", slow_build)
    robot = robojac.load("ur5")  # a new Robot: no cached solver
    q = robot.random_configuration(np.random.default_rng(4))
    t0 = time.perf_counter()
    res = solve_ik(robot, robot.fk(q), q + 0.01, timeout=0.01)
    assert time.perf_counter() - t0 >= 0.05
    assert res.success, res.message
    assert res.time < 0.05


def test_determinism_with_a_fixed_seed(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(9)
    for _ in range(8):
        T = robot.fk(robot.random_configuration(rng))
        q0 = robot.random_configuration(rng)
        a = solve_ik(robot, T, q0, seed=123, **REPEATABLE)
        b = solve_ik(robot, T, q0, seed=123, **REPEATABLE)
        assert np.array_equal(a.q, b.q) and a.iterations == b.iterations and a.restarts == b.restarts
    # Different seeds draw different restarts: a hard target solved twice lands differently.
    far = np.eye(4)
    far[:3, 3] = (2.0, 0.0, 0.5)
    x = solve_ik(robot, far, seed=1, timeout=None, max_restarts=4)
    y = solve_ik(robot, far, seed=2, timeout=None, max_restarts=4)
    assert not np.array_equal(x.q, y.q)


@pytest.mark.parametrize("name", ["panda", "ur5"])
def test_threads_sharing_a_robot_get_their_own_answers(name: str) -> None:
    """Four threads, one Robot, 25 targets each: every answer is the single-thread one.

    Before, the threads shared one cached solver, whose model each solve moves to its
    target: with frequent thread switches, solves converged to another thread's target
    and reported success 0.3–1.2 m off their own.
    """
    shared = robojac.load(name)
    reference = robojac.load(name)  # single-thread solves
    check = robojac.load(name)  # independent forward kinematics
    rng = np.random.default_rng(50)
    Ts = [check.fk(check.random_configuration(rng)) for _ in range(100)]
    kw = dict(timeout=None, max_restarts=50)
    expected = [solve_ik(reference, T, seed=i, **kw) for i, T in enumerate(Ts)]
    results: dict[int, IKResult] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(k: int) -> None:
        try:
            start.wait()
            for i in range(k, len(Ts), 4):
                results[i] = solve_ik(shared, Ts[i], seed=i, **kw)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: solves interleave
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert sorted(results) == list(range(len(Ts)))
    for i, T in enumerate(Ts):
        got, want = results[i], expected[i]
        assert np.array_equal(got.q, want.q), i
        assert (got.success, got.iterations, got.restarts) == (want.success, want.iterations, want.restarts)
        assert got.position_error == want.position_error and got.rotation_error == want.rotation_error
        if got.success:
            pe, re = pose.pose_error(check.fk(got.q), T)
            assert pe <= 1e-6 and re <= 1e-6, (i, pe, re)
    assert sum(r.success for r in results.values()) >= 95


@pytest.mark.parametrize("nullspace", [None, "manipulability"])
def test_solved_robots_are_released(tmp_path: Path, nullspace: str | None) -> None:
    """The solver caches hold robots weakly, and a solver does not hold its robot.

    Before, each cached solver referenced its robot, so the weak cache never let it go.
    """
    import gc
    import weakref

    for make in (lambda: robojac.load("panda"), lambda: continuous_ur5(tmp_path)):
        robot = make()
        T = robot.fk(robot.random_configuration(55))
        assert solve_ik(robot, T, nullspace=nullspace, timeout=None, max_restarts=20).success
        ref = weakref.ref(robot)
        del robot
        gc.collect()
        assert ref() is None


def test_a_solver_refuses_other_threads(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["planar_2r"]
    solver = Solver(robot, IKOptions())
    T = robot.fk(robot.random_configuration(1))
    assert solver.solve(T, robot.neutral(), 0).success
    raised: list[BaseException] = []

    def other() -> None:
        try:
            solver.solve(T, robot.neutral(), 0)
        except RuntimeError as exc:
            raised.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(raised) == 1 and "thread" in str(raised[0])


def test_manipulability_gradient_on_the_solver_data(robots: dict[str, robojac.Robot], tmp_path: Path) -> None:
    """The solver's own copy of the gradient equals robojac.singularity's, which writes robot.data."""
    for robot in (robots["panda"], continuous_ur5(tmp_path)):
        solver = Solver(robot, IKOptions(nullspace="manipulability"))
        rng = np.random.default_rng(51)
        for _ in range(5):
            q = robot.random_configuration(rng)
            want = robojac.manipulability_gradient(robot, q)
            assert np.array_equal(solver._manipulability_gradient(q), want)


def continuous_ur5(tmp_path: Path) -> robojac.Robot:
    text = Path(robojac.load("ur5").source).read_text()
    for joint in ("shoulder_pan_joint", "wrist_3_joint"):
        text = text.replace(f'<joint name="{joint}" type="revolute">', f'<joint name="{joint}" type="continuous">')
    path = tmp_path / "ur5_continuous.urdf"
    path.write_text(text)
    return robojac.load(path, tip="tool0")


def test_continuous_joints_are_wrapped(tmp_path: Path) -> None:
    robot = continuous_ur5(tmp_path)
    assert robot.joint_types[0] == "continuous" and robot.joint_types[5] == "continuous"
    rng = np.random.default_rng(3)
    for i in range(15):
        T = robot.fk(robot.random_configuration(rng))
        start = robot.random_configuration(rng) + np.array([4 * math.pi, 0, 0, 0, 0, -6 * math.pi])
        res = solve_ik(robot, T, start, seed=i, **REPEATABLE)
        check_solution(robot, res, T)
        assert -math.pi < res.q[0] <= math.pi and -math.pi < res.q[5] <= math.pi


@pytest.mark.parametrize("unaligned", [False, True])
def test_the_solver_model_takes_angles_for_continuous_joints(tmp_path: Path, unaligned: bool) -> None:
    """Its copy of the model has plain revolute joints (nq = dof) with the same kinematics."""
    robot = continuous_ur5(tmp_path)
    if unaligned:  # an axis off x, y and z: Pinocchio's unaligned joint types
        text = Path(robot.source).read_text().replace('<axis xyz="0 0 1.0"/>', '<axis xyz="0 0.6 0.8"/>')
        path = tmp_path / "ur5_unaligned.urdf"
        path.write_text(text)
        robot = robojac.load(path, tip="tool0")
    kinds = [robot.model.joints[j].shortname() for j in range(1, robot.model.njoints)]
    assert robot.model.nq == robot.dof + 2
    assert ("JointModelRevoluteUnboundedUnaligned" in kinds) == unaligned
    solver = Solver(robot, IKOptions())
    assert solver.model.nq == robot.dof and solver.to_pin(np.ones(6)).shape == (6,)
    solver.placements[solver.root] = solver.root_placement  # solve() moved it to its last target
    rng = np.random.default_rng(13)
    for _ in range(10):
        q = robot.random_configuration(rng) + rng.uniform(-10, 10, robot.dof) * (
            np.array(robot.joint_types) == "continuous"
        )
        pin.forwardKinematics(solver.model, solver.data, q)
        for name in ("tool0", "wrist_2_link", "upper_arm_link"):
            oMf = pin.updateFramePlacement(solver.model, solver.data, robot.frame_ids[name]).homogeneous
            np.testing.assert_allclose(oMf, robot.fk(q, frame=name), rtol=0, atol=1e-12)
    T = robot.fk(robot.random_configuration(rng))
    check_solution(robot, solve_ik(robot, T, seed=1, **REPEATABLE), T)


def test_full_turn_joints_may_jump_a_turn(robots: dict[str, robojac.Robot]) -> None:
    # The UR5's joints span ±2π: a solution across a limit is the same pose a turn away.
    robot = robots["ur5"]
    q = np.array([6.0, -1.0, 1.2, -6.0, 1.0, 6.1])
    T = robot.fk(q)
    res = solve_ik(robot, T, q + np.array([0.2, 0.1, -0.1, -0.2, 0.1, 0.15]), **REPEATABLE)
    check_solution(robot, res, T)


def test_wide_limits_do_not_send_restarts_turns_away(tmp_path: Path) -> None:
    """Limits of ±1e9 rad (a stand-in for "unbounded"): restarts draw one turn, so answers stay near zero.

    Before, restarts were drawn over the whole ±1e9 range and answers came back millions of
    radians from zero.
    """
    text = Path(robojac.load("ur5").source).read_text()
    text = text.replace('lower="-6.283185307179586" upper="6.283185307179586"', 'lower="-1e9" upper="1e9"')
    path = tmp_path / "ur5_wide.urdf"
    path.write_text(text)
    robot = robojac.load(path, tip="tool0")
    assert np.all(robot.upper == 1e9)
    rng = np.random.default_rng(12)
    restarts = 0
    for i in range(40):
        T = robot.fk(rng.uniform(-math.pi, math.pi, robot.dof))
        res = solve_ik(robot, T, seed=i, **REPEATABLE)
        check_solution(robot, res, T)
        restarts += res.restarts
        assert np.abs(res.q).max() < 4 * math.pi
    assert restarts > 0  # the restarts, not only the start at zero, were exercised


def test_position_only(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(11)
    for _ in range(10):
        p = robot.fk(robot.random_configuration(rng))[:3, 3]
        wild = pose.from_rotation(pose.Rotation.random(random_state=int(rng.integers(1 << 30))), p)
        res = solve_ik(robot, wild, robot.random_configuration(rng), position_only=True, **REPEATABLE)
        assert res.success, res.message
        assert np.linalg.norm(robot.fk(res.q)[:3, 3] - p) <= 1e-6
        assert res.rotation_error == 0.0 and robot.within_limits(res.q)
        # The same through a mask.
        masked = solve_ik(robot, wild, robot.neutral(), mask=[1, 1, 1, 0, 0, 0], **REPEATABLE)
        assert masked.success and np.linalg.norm(robot.fk(masked.q)[:3, 3] - p) <= 1e-6


def test_orientation_only_mask(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(25)
    for i in range(8):
        T = robot.fk(robot.random_configuration(rng))
        T[:3, 3] += rng.normal(0.0, 3.0, 3)  # a position out of reach: it must not matter
        res = solve_ik(robot, T, robot.random_configuration(rng), mask=[0, 0, 0, 1, 1, 1], seed=i, **REPEATABLE)
        assert res.success, res.message
        assert res.position_error == 0.0 and robot.within_limits(res.q)
        _, re = pose.pose_error(robot.fk(res.q), T)
        assert re <= 1e-6 and res.rotation_error == pytest.approx(re, abs=1e-9)


def test_mask_frees_the_spin_about_the_target_z_axis(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(12)
    spin = np.eye(4)
    spin[:3, :3] = pose.Rotation.from_rotvec([0, 0, 0.7]).as_matrix()
    for _ in range(8):
        T = robot.fk(robot.random_configuration(rng)) @ spin  # the spun pose may be out of reach; the axis is not
        res = solve_ik(robot, T, robot.random_configuration(rng), mask=[1, 1, 1, 1, 1, 0], **REPEATABLE)
        assert res.success, res.message
        F = robot.fk(res.q)
        assert np.linalg.norm(F[:3, 3] - T[:3, 3]) <= 1e-6
        # Same z axis; any spin about it.
        assert np.linalg.norm(F[:3, 2] - T[:3, 2]) <= 2e-6


def test_weights_still_converge(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(13)
    for w in ([1, 1, 1, 0.1, 0.1, 0.1], [5, 5, 5, 1, 1, 1]):
        T = robot.fk(robot.random_configuration(rng))
        res = solve_ik(robot, T, robot.random_configuration(rng), weights=w, **REPEATABLE)
        check_solution(robot, res, T)


@pytest.mark.parametrize("damping", ["error", "sugihara", "chan", "nakamura", 0.01, 0.0])
def test_every_damping_choice_converges(robots: dict[str, robojac.Robot], damping: str | float) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(14)
    for i in range(5):
        T = robot.fk(robot.random_configuration(rng))
        res = solve_ik(robot, T, robot.random_configuration(rng), damping=damping, seed=i, **REPEATABLE)
        check_solution(robot, res, T)


def test_nullspace_pull_toward_q0_keeps_a_redundant_arm_near_its_start(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(15)
    plain, pulled = [], []
    for _ in range(12):
        q = robot.random_configuration(rng)
        q0 = np.clip(q + rng.normal(0, 0.4, robot.dof), robot.lower, robot.upper)
        T = robot.fk(q)
        a = solve_ik(robot, T, q0, **REPEATABLE)
        b = solve_ik(robot, T, q0, nullspace="q0", **REPEATABLE)
        check_solution(robot, b, T)
        plain.append(np.linalg.norm(a.q - q0))
        pulled.append(np.linalg.norm(b.q - q0))
    assert np.mean(pulled) < np.mean(plain)


def test_nullspace_mid_range_moves_toward_the_middle(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(16)
    mid = 0.5 * (robot.lower + robot.upper)
    plain, pulled = [], []
    for _ in range(12):
        T = robot.fk(robot.random_configuration(rng))
        q0 = robot.random_configuration(rng)
        a = solve_ik(robot, T, q0, **REPEATABLE)
        b = solve_ik(robot, T, q0, nullspace="mid", nullspace_gain=0.3, **REPEATABLE)
        check_solution(robot, b, T)
        plain.append(np.linalg.norm(a.q - mid))
        pulled.append(np.linalg.norm(b.q - mid))
    assert np.mean(pulled) < np.mean(plain)


def test_nullspace_manipulability(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(17)
    plain, climbed = [], []
    for _ in range(8):
        T = robot.fk(robot.random_configuration(rng))
        q0 = robot.random_configuration(rng)
        a = solve_ik(robot, T, q0, **REPEATABLE)
        b = solve_ik(robot, T, q0, nullspace="manipulability", nullspace_gain=5.0, **REPEATABLE)
        check_solution(robot, b, T)
        plain.append(robojac.manipulability(robot, a.q))
        climbed.append(robojac.manipulability(robot, b.q))
    assert np.mean(climbed) > np.mean(plain)


def test_other_frame_and_offset_base() -> None:
    robot = robojac.load("panda", base="panda_link1")
    assert not robot.base_is_root
    rng = np.random.default_rng(18)
    for frame in (None, "panda_link7"):
        for _ in range(5):
            q = robot.random_configuration(rng)
            T = robot.fk(q, frame)
            res = solve_ik(robot, T, robot.random_configuration(rng), frame=frame, **REPEATABLE)
            assert res.success, res.message
            pe, re = pose.pose_error(robot.fk(res.q, frame), T)
            assert pe <= 1e-6 and re <= 1e-6


@pytest.mark.parametrize("name", ["panda", "planar_2r"])
@pytest.mark.parametrize("kind", ["full", "masked"])
def test_error_jacobian_matches_finite_differences(robots: dict[str, robojac.Robot], name: str, kind: str) -> None:
    """r(q + dq) ≈ r(q) + A dq: the log Jacobian the solver steps with is the true one."""
    robot = robots[name]
    rng = np.random.default_rng(19)
    weights = None if kind == "full" else [2.0, 1.0, 0.5, 1.5, 1.0, 3.0]
    opts = IKOptions(weights=weights)
    solver = Solver(robot, opts)
    T = robot.fk(robot.random_configuration(rng))
    Td = pin.SE3(T[:3, :3], T[:3, 3])
    q = robot.random_configuration(rng)
    r, A = linearise(solver, q, Td)
    np.testing.assert_allclose(r, residual(robot, solver, q, Td), rtol=0, atol=1e-12)
    h = 1e-6
    fd = np.empty_like(A)
    for i in range(robot.dof):
        dq = np.zeros(robot.dof)
        dq[i] = h
        fd[:, i] = (linearise(solver, q + dq, Td)[0] - linearise(solver, q - dq, Td)[0]) / (2 * h)
    assert np.allclose(A, fd, atol=1e-7), np.abs(A - fd).max()


def linearise(solver: Solver, q: np.ndarray, Td: pin.SE3) -> tuple[np.ndarray, np.ndarray]:
    """The solver's residual r and Jacobian A at q (the same calls its loop makes)."""
    model, data, fid = solver.model, solver.data, solver.frame_id
    solver.placements[solver.root] = Td.actInv(solver.root_placement)  # as solve() does
    pin.computeJointJacobians(model, data, solver.to_pin(q))
    dMi = pin.updateFramePlacement(model, data, fid)
    J = pin.getFrameJacobian(model, data, fid, pin.ReferenceFrame.LOCAL)
    if solver.full:
        return np.array(pin.log6(dMi).vector), pin.Jlog6(dMi) @ J
    r, L, _, _ = solver._linearise_masked(dMi)
    return np.array(r), L @ J


def residual(robot: robojac.Robot, solver: Solver, q: np.ndarray, Td: pin.SE3) -> np.ndarray:
    """The residual from robot.fk alone: log6(T*⁻¹ T), or the kept, weighted rows of
    [R*ᵀ(p − p*); log3(R*ᵀ R)]."""
    T = pin.SE3(robot.fk(q))
    if solver.full:
        return np.array(pin.log6(Td.actInv(T)).vector)
    Rd = Td.rotation
    r6 = np.concatenate((Rd.T @ (T.translation - Td.translation), pin.log3(Rd.T @ T.rotation)))
    assert solver.rows is not None and solver.row_scale is not None
    return r6[solver.rows] * solver.row_scale


def test_joint_limit_does_not_stall_the_solver(robots: dict[str, robojac.Robot]) -> None:
    """A start with joints pinned at limits, pushed outward by the first steps, still converges without restarts."""
    robot = robots["panda"]
    q = robot.neutral()
    q[3] = robot.upper[3] - 0.05  # joint 4 near its upper limit (−0.07 rad)
    T = robot.fk(q)
    start = q.copy()
    start[3] = robot.upper[3]
    start[5] = robot.lower[5]
    start[[0, 2]] = (0.3, -0.3)
    res = solve_ik(robot, T, start, timeout=None, max_restarts=0)
    check_solution(robot, res, T)


def test_active_set_solves_limit_bound_targets_in_one_attempt(robots: dict[str, robojac.Robot]) -> None:
    """Targets whose configurations have several joints on a limit, one attempt each (no restarts).

    Measured: 40 of these 80 solve; with the active set switched off (clamping alone)
    23 do. The bound sits between, so a solver that only clamps fails this test.
    """
    solved = 0
    for name in ("iiwa14", "panda"):
        robot = robots[name]
        rng = np.random.default_rng(31)
        span = robot.upper - robot.lower
        for _ in range(40):
            q = np.clip(rng.uniform(robot.lower - 0.3 * span, robot.upper + 0.3 * span), robot.lower, robot.upper)
            T = robot.fk(q)
            res = solve_ik(robot, T, robot.random_configuration(rng), timeout=None, max_restarts=0)
            assert robot.within_limits(res.q) and res.restarts == 0
            if res.success:
                check_solution(robot, res, T)
                solved += 1
    assert solved >= 34, solved


def test_an_attempt_blocked_by_a_limit_ends_early(
    robots: dict[str, robojac.Robot], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held joints and an error that barely falls end the attempt at once (HELD_STALL_FACTOR).

    One attempt each from random starts on 100 Panda targets. Measured: the failed
    attempts take 6.6 iterations on average, against 8.2 with the rule switched off,
    where only the halving-over-5-iterations rule ends them.
    """
    robot = robots["panda"]

    def failed_iterations() -> float:
        solver = Solver(robot, IKOptions(timeout=None, max_restarts=0))  # reads HELD_STALL_FACTOR
        rng = np.random.default_rng(40)
        its = []
        for _ in range(100):
            T = robot.fk(robot.random_configuration(rng))
            res = solver.solve(T, robot.random_configuration(rng), 0)
            if not res.success:
                its.append(res.iterations)
        return float(np.mean(its))

    with_rule = failed_iterations()
    monkeypatch.setattr(ik_solver, "HELD_STALL_FACTOR", 1.0)  # the band (1.0·prev, prev] is empty
    without = failed_iterations()
    assert with_rule < 0.9 * without, (with_rule, without)


def test_restart_schedule(robots: dict[str, robojac.Robot]) -> None:
    """Restarts 1, 3, 5, 7: the four seeds nearest the target; 2: mid-range; the rest: uniform over the ranges."""
    robot = robots["panda"]
    solver = Solver(robot, IKOptions())
    T = robot.fk(robot.random_configuration(np.random.default_rng(41)))
    distances = solver.restarts.distances(T)
    nearest = np.argsort(distances)[:4]
    span = robot.upper - robot.lower
    for k, i in zip((1, 3, 5, 7), nearest):
        assert np.all(
            np.abs(solver.restarts.start(k, distances, 0) - solver.restarts.table.q[i]) <= 0.01 * span + 1e-12
        )
    assert np.all(np.abs(solver.restarts.start(2, distances, 0) - solver.mid) <= 0.01 * span + 1e-12)
    later = np.array([solver.restarts.start(k, distances, 0) for k in [4, 6, *range(8, 400)]])
    assert np.all((later >= robot.lower) & (later <= robot.upper))
    # Uniform over the whole range: about half the values lie outside the middle half
    # (the seeds never do), and none of these starts sits next to a nearest seed.
    outside = np.abs(later - solver.mid) > span / 4
    assert 0.4 < outside.mean() < 0.6
    for i in nearest:
        assert np.all(np.abs(later - solver.restarts.table.q[i]).max(axis=1) > 0.01 * span.max())


# ---------------------------------------------------------------------------- batch
def test_batch_equals_single_solves(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    rng = np.random.default_rng(20)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(12)])
    starts = np.array([robot.random_configuration(rng) for _ in range(12)])
    batch = solve_ik_batch(robot, Ts, starts, seed=7, progress=False, **REPEATABLE)
    assert isinstance(batch, IKBatchResult) and len(batch) == 12
    assert batch.q.shape == (12, robot.dof) and batch.success.dtype == bool
    for i in range(12):
        single = solve_ik(robot, Ts[i], starts[i], seed=7 + i, **REPEATABLE)
        assert np.array_equal(batch.q[i], single.q)
        assert batch.success[i] == single.success and batch.iterations[i] == single.iterations
        assert batch[i].position_error == single.position_error
    assert batch.success_rate == 1.0


def test_batch_equals_single_solves_for_nearly_rigid_targets(robots: dict[str, robojac.Robot]) -> None:
    """Rotations orthonormal only to the tolerance (float32 data) are repaired the same way in both."""
    robot = robots["panda"]
    rng = np.random.default_rng(28)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(4)])
    Ts[:, :3, :3] *= 1 + 4e-7
    Ts[1] = Ts[1].astype(np.float32)
    batch = solve_ik_batch(robot, Ts, seed=5, progress=False, **REPEATABLE)
    for i in range(4):
        single = solve_ik(robot, Ts[i], seed=5 + i, **REPEATABLE)
        assert single.success and np.array_equal(batch.q[i], single.q)


def test_batch_over_processes_equals_one_process(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(21)
    targets = [pose.to_position_quaternion(robot.fk(robot.random_configuration(rng))) for _ in range(8)]
    one = solve_ik_batch(robot, targets, seed=3, progress=False, **REPEATABLE)
    two = solve_ik_batch(robot, targets, seed=3, workers=2, progress=False, **REPEATABLE)
    assert np.array_equal(one.q, two.q) and np.array_equal(one.success, two.success)
    assert one.messages == two.messages


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_progress_bar_on_a_terminal_only(
    robots: dict[str, robojac.Robot], monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    robot = robots["planar_2r"]
    rng = np.random.default_rng(26)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(200)])
    kw = dict(seed=1, workers=workers, **REPEATABLE)
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    shown = solve_ik_batch(robot, Ts, **kw)
    assert "/200" in term.getvalue() and "IK" in term.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    solve_ik_batch(robot, Ts, progress=False, **kw)
    solve_ik_batch(robot, Ts[:199], **kw)  # short batches: no bar
    assert quiet.getvalue() == ""
    pipe = io.StringIO()  # not a terminal: no bar
    monkeypatch.setattr(sys, "stderr", pipe)
    solve_ik_batch(robot, Ts, **kw)
    assert pipe.getvalue() == ""
    assert shown.success.all()


def test_batch_workers_use_processes(robots: dict[str, robojac.Robot], monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    used: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, max_workers: int | None = None, **kw: object) -> None:
            used.append(max_workers or 0)
            super().__init__(max_workers=max_workers, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    robot = robots["planar_2r"]
    Ts = np.array([robot.fk(robot.random_configuration(i)) for i in range(6)])
    solve_ik_batch(robot, Ts, progress=False, **REPEATABLE)
    assert used == []
    two = solve_ik_batch(robot, Ts, workers=2, progress=False, **REPEATABLE)
    assert used == [2] and two.success.all()


_ORPHAN_SCRIPT = """
import multiprocessing, os, sys, threading, time
import numpy as np
import robojac

robot = robojac.load("planar_2r")
far = np.tile(np.eye(4), (400, 1, 1))
far[:, 0, 3] = 5.0  # out of reach: every solve runs its whole budget, so the batch takes minutes
expected = min(2, os.cpu_count() or 2)

def report():
    while len(multiprocessing.active_children()) < expected:
        time.sleep(0.01)
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)

threading.Thread(target=report, daemon=True).start()
robojac.solve_ik_batch(robot, far, workers=2, timeout=0.5, progress=False)
"""


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not exited (a zombie waiting to be reaped has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_batch_workers_exit_with_their_parent(sig: int) -> None:
    """Kill a process in the middle of solve_ik_batch(workers=2): its workers go too.

    Before, they were orphaned and went on solving their chunks for nobody.
    """
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    workers: list[int] = []
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        assert ready, "the child never reported its workers"
        assert proc.stdout is not None
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert workers, proc.stderr.read() if proc.stderr else ""
        assert all(_running(pid) for pid in workers)
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10.0  # PR_SET_PDEATHSIG acts at once; the fallback polls every 0.5 s
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [pid for pid in workers if _running(pid)]
        assert not left, f"workers {left} outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def test_batch_shared_start_and_empty(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    T = robot.fk(robot.random_configuration(22))
    res = solve_ik_batch(robot, np.array([T, T]), robot.neutral(), progress=False, **REPEATABLE)
    assert np.array_equal(res.q[0], solve_ik(robot, T, robot.neutral(), seed=0, **REPEATABLE).q)
    empty = solve_ik_batch(robot, np.zeros((0, 4, 4)), progress=False)
    assert len(empty) == 0 and empty.q.shape == (0, robot.dof) and empty.success_rate == 0.0


def test_results_to_dict(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(54)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(3)])
    far = np.eye(4)
    far[0, 3] = 5.0
    batch = solve_ik_batch(robot, np.concatenate([Ts, [far]]), progress=False, timeout=None, max_restarts=3)
    d = batch.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back == d
    assert np.array_equal(np.array(d["q"]), batch.q) and d["success"] == [True, True, True, False]
    assert d["success_rate"] == 0.75 and d["messages"][3].startswith("no solution")
    assert set(d) == {f.name for f in dataclasses.fields(IKBatchResult)} | {"success_rate"}
    one = batch[3].to_dict()
    assert json.loads(json.dumps(one, allow_nan=False)) == one
    assert set(one) == {f.name for f in dataclasses.fields(IKResult)}
    assert one["q"] == d["q"][3] and one["position_error"] == d["position_error"][3] > 4.0
    assert type(one["iterations"]) is int and type(one["success"]) is bool and type(one["time"]) is float
    odd = dataclasses.replace(batch[3], position_error=math.inf, rotation_error=math.nan)
    assert (odd.to_dict()["position_error"], odd.to_dict()["rotation_error"]) == (None, None)


# ---------------------------------------------------------------------------- bad input
def test_bad_targets_raise(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    scaled = np.eye(4)
    scaled[:3, :3] *= 1.1
    nan = np.eye(4)
    nan[0, 3] = np.nan
    inf = np.eye(4)
    inf[0, 0] = np.inf
    for bad in (scaled, nan, inf, np.eye(3), "panda", None):
        with pytest.raises(InputError):  # PoseError for a non-rigid one; InputError names NaN entries
            solve_ik(robot, bad)
    with pytest.raises(PoseError, match="orthonormal"):
        solve_ik(robot, scaled)
    with pytest.raises(PoseError, match="unit quaternion"):
        solve_ik(robot, ([0.3, 0.0, 0.5], [0.0, 0.0, 0.0, 2.0]))
    with pytest.raises(PoseError, match="4 entries"):
        solve_ik(robot, ([0.3, 0.0, 0.5], [0.0, 0.0, 1.0]))
    with pytest.raises(PoseError, match="3 entries"):
        solve_ik(robot, ([0.3, 0.0], [0.0, 0.0, 0.0, 1.0]))
    with pytest.raises(InputError):
        solve_ik(robot, ([0.3, np.nan, 0.5], [0.0, 0.0, 0.0, 1.0]))
    with pytest.raises(PoseError, match=r"targets\[1\]"):
        solve_ik_batch(robot, np.array([np.eye(4), scaled]), progress=False)
    with pytest.raises(PoseError):
        solve_ik_batch(robot, np.zeros((3, 3, 3)), progress=False)
    with pytest.raises(InputError, match="finite"):
        solve_ik_batch(robot, np.array([np.eye(4), nan]), progress=False)


def test_se3_targets_are_checked(robots: dict[str, robojac.Robot]) -> None:
    """A pinocchio.SE3 can hold NaN or a non-rotation; it is refused like an array."""
    robot = robots["panda"]
    nan = pin.SE3(np.eye(3), np.array([np.nan, 0.0, 0.0]))
    skew = pin.SE3(1.1 * np.eye(3), np.zeros(3))
    with pytest.raises(InputError, match="finite"):
        solve_ik(robot, nan)
    with pytest.raises(PoseError, match="orthonormal"):
        solve_ik(robot, skew)
    with pytest.raises(PoseError, match=r"targets\[1\]"):
        solve_ik_batch(robot, [pin.SE3.Identity(), skew], progress=False)
    with pytest.raises(InputError, match=r"targets\[0\]"):
        solve_ik_batch(robot, [nan], progress=False)


def test_bad_options_raise(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    T = robot.fk(robot.neutral())
    cases = [
        dict(q0=np.zeros(6)),
        dict(q0=[0.0] * 6 + [np.nan]),
        dict(position_tolerance=0.0),
        dict(rotation_tolerance=-1e-6),
        dict(position_tolerance=float("nan")),
        dict(timeout=0.0),
        dict(timeout=-1.0),
        dict(timeout=None),  # no time limit needs max_restarts
        dict(max_iterations=0),
        dict(max_restarts=-1),
        dict(seed=-3),
        dict(mask=[1, 1, 1]),
        dict(mask=[0] * 6),
        dict(weights=[1, 1, 1, 1, 1, -1]),
        dict(damping="fast"),
        dict(damping=-0.1),
        dict(nullspace="elbow"),
        dict(nullspace_gain=0.0),
    ]
    for kw in cases:
        with pytest.raises(InputError):
            solve_ik(robot, T, **kw)  # type: ignore[arg-type]
    with pytest.raises(FrameError):
        solve_ik(robot, T, frame="no_such_frame")
    with pytest.raises(InputError, match=f"frame '{robot.base}' is fixed to the base.*the tip '{robot.tip}'"):
        solve_ik(robot, T, frame=robot.base)
    with pytest.raises(InputError):
        solve_ik_batch(robot, np.array([T]), np.zeros((2, robot.dof)), progress=False)
    with pytest.raises(InputError, match="q0 must be finite"):
        solve_ik_batch(robot, np.array([T, T]), [[0.0] * 7, [0.0] * 6 + [np.nan]], progress=False)
    for kw in (dict(position_tolerance=0.0), dict(timeout=-1.0)):
        with pytest.raises(InputError):
            solve_ik_batch(robot, np.array([T]), progress=False, **kw)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown option"):
        solve_ik_batch(robot, np.array([T]), tolerance=1e-3, progress=False)
    with pytest.raises(InputError):
        solve_ik_batch(robot, np.array([T]), workers=0, progress=False)


@pytest.mark.parametrize(
    "bad",
    [
        dict(timeout=1e300),
        dict(timeout=options.TIMEOUT_LIMIT * 1.001),
        dict(max_iterations=options.ITERATIONS_LIMIT + 1),
        dict(timeout=None, max_restarts=options.RESTARTS_LIMIT + 1),
        dict(timeout=None, max_restarts=10**30),
    ],
)
def test_work_bounds(robots: dict[str, robojac.Robot], bad: dict[str, object]) -> None:
    """A budget or count too large to end on an unreachable target is refused, naming the bound.

    Before, ``timeout=1e300`` on an unreachable target never returned.
    """
    robot = robots["planar_2r"]
    far = np.eye(4)
    far[:3, 3] = (5.0, 0.0, 0.0)  # the arm reaches 0.9 m
    with pytest.raises(InputError, match=r"at most 3600 s|to 10,000,|to 1,000,000,"):
        solve_ik(robot, far, **bad)  # type: ignore[arg-type]


def test_work_bounds_are_inclusive(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["planar_2r"]
    q = np.array([0.3, 0.6])
    T = robot.fk(q)
    for kw in (
        dict(timeout=options.TIMEOUT_LIMIT),
        dict(max_iterations=options.ITERATIONS_LIMIT),
        dict(timeout=None, max_restarts=options.RESTARTS_LIMIT),
    ):
        assert solve_ik(robot, T, q + 0.1, **kw).success  # type: ignore[arg-type]


def test_max_restarts_bounds_an_unreachable_solve(robots: dict[str, robojac.Robot]) -> None:
    """With no time limit, max_restarts and max_iterations alone end the solve."""
    robot = robots["ur5"]
    far = np.eye(4)
    far[:3, 3] = (5.0, 0.0, 0.0)
    for restarts, iterations in ((0, 3), (7, 60), (40, 10)):
        res = solve_ik(robot, far, timeout=None, max_restarts=restarts, max_iterations=iterations)
        assert not res.success and res.restarts == restarts
        assert res.iterations <= (restarts + 1) * iterations


def test_not_a_robot(robots: dict[str, robojac.Robot]) -> None:
    T = robots["panda"].fk(robots["panda"].neutral())
    for bad in ("not a robot", None, robots["panda"].model):
        with pytest.raises(InputError, match=r"robot must be a robojac.Robot \(from robojac.load\), got"):
            solve_ik(bad, T)  # type: ignore[arg-type]
        with pytest.raises(InputError, match=r"robot must be a robojac\.Robot"):
            solve_ik_batch(bad, np.array([T]), progress=False)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bad", "phrase"),
    [
        (dict(damping=True), "damping"),
        (dict(damping=np.bool_(False)), "damping"),
        (dict(position_only="no"), "position_only must be True or False"),
        (dict(position_only=1), "position_only must be True or False"),
        (dict(position_only=None), "position_only must be True or False"),
        (dict(weights=[True] * 6), "not booleans"),
        (dict(mask=[np.ones(3), np.ones(2)]), "mask must be 6 booleans"),
        (dict(mask=[np.ones(3), np.ones(3)]), "mask must be 6 booleans"),
        (dict(mask="111111"), "mask must be 6 booleans"),
        (dict(mask={"x": True}), "mask must be 6 booleans"),
        (dict(nullspace=["q0"]), "nullspace must be None or one of"),
        (dict(frame=3), "frame must be a frame name"),
    ],
)
def test_loose_types_are_refused(robots: dict[str, robojac.Robot], bad: dict[str, object], phrase: str) -> None:
    """Values whose truth or meaning would be a guess. Before, ``damping=True`` was μ = 1,
    ``position_only="no"`` meant True, and a ragged mask raised numpy's ValueError."""
    robot = robots["panda"]
    T = robot.fk(robot.neutral())
    with pytest.raises(RobojacError, match=phrase):
        solve_ik(robot, T, **bad)  # type: ignore[arg-type]
    with pytest.raises(RobojacError, match=phrase):
        solve_ik_batch(robot, np.array([T]), progress=False, **bad)


def test_strict_types_accept_numpy_values(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = robot.random_configuration(np.random.default_rng(53))
    T = robot.fk(q)
    kw = dict(timeout=None, max_restarts=np.int64(20))
    a = solve_ik(robot, T, q + 0.05, position_only=np.bool_(True), mask=np.ones(6, dtype=bool), **kw)
    b = solve_ik(robot, T, q + 0.05, position_only=True, mask=[1, 1, 1, 1, 1, 1], **kw)  # type: ignore[arg-type]
    assert a.success and np.array_equal(a.q, b.q)
    with pytest.raises(InputError, match="progress must be True or False"):
        solve_ik_batch(robot, np.array([T]), progress="no")  # type: ignore[arg-type]


def test_public_names() -> None:
    assert robojac.solve_ik is solve_ik and robojac.solve_ik_batch is solve_ik_batch
    assert robojac.IKResult is IKResult and robojac.IKBatchResult is IKBatchResult
    assert issubclass(PoseError, RobojacError)


def test_solver_cache_does_not_leak_options(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    a = cached_solver(robot, IKOptions())
    b = cached_solver(robot, IKOptions(position_only=True))
    assert a is not b and not a.opts.position_only and b.opts.position_only
    assert cached_solver(robot, IKOptions(max_iterations=60, mask=[1] * 6)) is cached_solver(
        robot, IKOptions(mask=(True,) * 6)
    )


@pytest.mark.parametrize(
    ("bad", "good"),
    [
        (dict(max_iterations=60.0), dict(max_iterations=60)),
        (dict(timeout=True), dict(timeout=1)),
        (dict(mask=[1.0] * 6), dict(mask=[1] * 6)),
        (dict(timeout=None, max_restarts=2.0), dict(timeout=None, max_restarts=2)),
    ],
    ids=["float max_iterations", "bool timeout", "float mask", "float max_restarts"],
)
def test_options_are_checked_before_the_solver_cache(bad: dict[str, object], good: dict[str, object]) -> None:
    """A value equal to a valid one (60.0 == 60, True == 1, 1.0 == 1) is refused after a solve as before it.

    Before, the solver cache was keyed by the option values, so once a solve had cached a
    solver for the valid value, the equal invalid one found it and skipped the checks.
    """
    robot = robojac.load("panda")  # no cached solver yet
    T = robot.fk(robot.neutral())
    with pytest.raises(InputError):
        solve_ik(robot, T, **bad)  # type: ignore[arg-type]
    assert solve_ik(robot, T, **good).success  # type: ignore[arg-type]
    with pytest.raises(InputError):
        solve_ik(robot, T, **bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        solve_ik_batch(robot, np.array([T]), progress=False, **bad)
    with pytest.raises(InputError):
        IKOptions(**bad)  # type: ignore[arg-type]


def test_keyword_forms_share_one_solver_and_stay_checked() -> None:
    """Keywords that make the same IKOptions find the same solver; equal values of a refused type never do."""
    robot = robojac.load("planar_2r")

    def values(**kw: object) -> tuple[object, ...]:
        return tuple(kw.get(name, getattr(options.DEFAULT_OPTIONS, name)) for name in options.OPTION_NAMES)

    masks = ([1, 1, 1, 0, 0, 0], (True, True, True, False, False, False), np.array([1, 1, 1, 0, 0, 0]))
    found = {id(keywords_solver(robot, values(mask=m, max_iterations=60))) for m in masks for _ in range(2)}
    found.add(id(cached_solver(robot, IKOptions(mask=masks[0]))))
    assert len(found) == 1
    for bad in (dict(mask=[1.0, 1, 1, 0, 0, 0]), dict(max_iterations=60.0), dict(position_only=0), dict(timeout=True)):
        for _ in range(2):
            with pytest.raises(InputError):
                keywords_solver(robot, values(**bad))
    assert keywords_solver(robot, values(timeout=1)) is keywords_solver(robot, values(timeout=1.0))


def test_ik_options_canonical_form_and_defaults() -> None:
    import inspect

    a = IKOptions(mask=[1, 1, 1, 1, 1, 0], weights=[1, 2, 3, 4, 5, 6], damping=0, max_iterations=np.int64(30))
    b = IKOptions(mask=(True,) * 5 + (False,), weights=np.arange(1.0, 7.0), damping=0.0, max_iterations=30)
    assert a == b and hash(a) == hash(b)
    assert a.mask == (True,) * 5 + (False,) and a.weights == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert type(a.damping) is float and type(a.max_iterations) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.timeout = 1.0  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(a))  # worker processes get their options this way
    assert copy == a and hash(copy) == hash(a)
    # solve_ik's keyword defaults are IKOptions' defaults.
    params = inspect.signature(solve_ik).parameters
    for f in dataclasses.fields(IKOptions):
        assert params[f.name].default == f.default, f.name


def test_options_argument(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(52)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(3)])
    opts = IKOptions(timeout=None, max_restarts=5, position_tolerance=1e-8)
    for i, T in enumerate(Ts):
        a = solve_ik(robot, T, seed=i, options=opts)
        b = solve_ik(robot, T, seed=i, timeout=None, max_restarts=5, position_tolerance=1e-8)
        assert np.array_equal(a.q, b.q) and a.iterations == b.iterations
    batch = solve_ik_batch(robot, Ts, options=opts, progress=False)
    assert np.array_equal(batch.q[2], solve_ik(robot, Ts[2], seed=2, options=opts).q)
    with pytest.raises(InputError, match="max_restarts"):
        solve_ik(robot, Ts[0], options=opts, max_restarts=3)
    with pytest.raises(InputError, match="frame"):
        solve_ik_batch(robot, Ts, options=opts, frame="tool0", progress=False)
    with pytest.raises(InputError, match="IKOptions"):
        solve_ik(robot, Ts[0], options={"timeout": 1.0})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- CLI
def test_cli_single_target(robots: dict[str, robojac.Robot], capsys: pytest.CaptureFixture[str]) -> None:
    robot = robots["panda"]
    p, quat = pose.to_position_quaternion(robot.fk(robot.random_configuration(23)))
    args = ["ik", "panda", "--target", *map(str, p), *map(str, quat), "--json", "--timeout", "2"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["success"] is True and len(out["q"]) == 7
    assert pose.pose_error(robot.fk(out["q"]), (p, quat))[0] <= 1e-6
    assert main(["ik", "panda", "--target", *map(str, p), "0", "0", "0", "1", "--position-only", "--timeout", "2"]) == 0
    text = capsys.readouterr().out
    assert "solved" in text and "panda_joint7" in text
    assert main(["ik", "panda", "--target", "3", "0", "0", "0", "0", "0", "1", "--timeout", "0.002"]) == 1
    assert "NOT solved" in capsys.readouterr().out
    # --q0 is the start: from a solution of the target, zero iterations.
    q = robot.random_configuration(27)
    p, quat = pose.to_position_quaternion(robot.fk(q))
    args = [
        "ik",
        "panda",
        "--target",
        *map(str, p.tolist()),
        *map(str, quat.tolist()),
        "--q0",
        *map(str, q.tolist()),
        "--json",
    ]
    assert main([*args, "--timeout", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["iterations"] == 0 and np.allclose(out["q"], q, atol=1e-12)


def test_cli_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ik", "panda", "--target", "0.3", "0", "0.5", "0", "0", "0", "2"]) == 2
    assert "unit quaternion" in capsys.readouterr().err
    assert main(["ik", "panda"]) == 2
    assert main(["ik", "panda", "--target", "0.3", "0", "0.5", "0", "0", "0", "1", "--q0", "1", "2"]) == 2
    assert "q0" in capsys.readouterr().err
    assert main(["ik", "panda", "--targets", str(tmp_path / "missing.npy")]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n")
    assert main(["ik", "panda", "--targets", str(bad)]) == 2
    assert "(N, 7)" in capsys.readouterr().err
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("0.3,0,0.5,0,0,0,1\n0.3,0,0.5,0,0,0\n")
    assert main(["ik", "panda", "--targets", str(ragged)]) == 2
    assert "rows of 7 numbers" in capsys.readouterr().err
    for name, write in (
        ("empty.csv", lambda f: f.write_text("")),
        ("empty.npy", lambda f: np.save(f, np.zeros((0, 7)))),
    ):
        write(tmp_path / name)
        assert main(["ik", "panda", "--targets", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert "no targets" in err and err.count("\n") == 1
    good = tmp_path / "one.csv"
    good.write_text("0.3,0,0.5,1,0,0,0\n")
    for out, why in (("out.txt", "must end in"), ("no_such_dir/out.csv", "does not exist")):
        assert main(["ik", "panda", "--targets", str(good), "--out", str(tmp_path / out)]) == 2
        assert why in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["npy7", "npy44", "csv7", "csv16"])
def test_cli_batch_files(
    robots: dict[str, robojac.Robot], tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    robot = robots["ur5"]
    rng = np.random.default_rng(24)
    Ts = np.array([robot.fk(robot.random_configuration(rng)) for _ in range(5)])
    rows7 = np.array([np.concatenate(pose.to_position_quaternion(T)) for T in Ts])
    src = tmp_path / ("targets.npy" if fmt.startswith("npy") else "targets.csv")
    if fmt == "npy7":
        np.save(src, rows7)
    elif fmt == "npy44":
        np.save(src, Ts)
    elif fmt == "csv7":
        src.write_text("x,y,z,qx,qy,qz,qw\n" + "\n".join(",".join(f"{v:.17g}" for v in r) for r in rows7) + "\n")
    else:
        np.savetxt(src, Ts.reshape(-1, 16), delimiter=",", fmt="%.17g")
    out_csv, out_npz = tmp_path / "out.csv", tmp_path / "out.npz"
    assert main(["ik", "ur5", "--targets", str(src), "--out", str(out_csv), "--seed", "1", "--timeout", "2"]) == 0
    assert "solved 5 of 5" in capsys.readouterr().out
    table = np.loadtxt(out_csv, delimiter=",", skiprows=1)
    assert table.shape == (5, 6 + robot.dof) and (table[:, 0] == 1).all()
    for T, q in zip(Ts, table[:, 6:]):
        assert pose.pose_error(robot.fk(q), T)[0] <= 1e-6
    assert main(["ik", "ur5", "--targets", str(src), "--out", str(out_npz), "--json", "--timeout", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["solved"] == 5 and len(summary["q"]) == 5
    with np.load(out_npz) as z:
        assert z["q"].shape == (5, robot.dof) and z["success"].all()


def test_demo_section(robots: dict[str, robojac.Robot]) -> None:
    from robojac.demo.ik import ik_section

    text = ik_section(robots["iiwa14"])
    assert "out of reach" in text and text.count("yes") >= 1 and "time [ms]" in text


def test_a_position_only_target_is_a_3_vector(robots: dict[str, robojac.Robot]) -> None:
    """With the rotation free, [x, y, z] is a whole target: the same solve as the pose with that position."""
    panda = robots["panda"]
    p = np.array([0.45, 0.0, 0.3])
    res = robojac.solve_ik(panda, p, position_only=True, seed=3)
    assert res.success and np.linalg.norm(panda.fk(res.q)[:3, 3] - p) < 1e-6
    T = np.eye(4)
    T[:3, 3] = p
    same = robojac.solve_ik(panda, T, position_only=True, seed=3)
    np.testing.assert_array_equal(res.q, same.q)
    masked = robojac.solve_ik(panda, list(p), mask=[1, 1, 1, 0, 0, 0], seed=3)
    assert masked.success


def test_results_say_when_the_rotation_was_free(robots: dict[str, robojac.Robot]) -> None:
    """A free rotation is said, not reported as a measured 0 rad: by position_only and by a mask alike."""
    panda = robots["panda"]
    p = np.array([0.45, 0.1, 0.3])
    for kw in (dict(position_only=True), dict(mask=[1, 1, 1, 0, 0, 0]), dict(mask=[1, 1, 1, 1, 0, 0])):
        target = panda.fk(panda.neutral()) if kw.get("mask") == [1, 1, 1, 1, 0, 0] else p
        res = robojac.solve_ik(panda, target, **kw, **REPEATABLE)
        free = kw.get("mask") != [1, 1, 1, 1, 0, 0]
        assert res.rotation_free is free
        assert (res.to_dict()["rotation_error"] is None) is free and res.to_dict()["rotation_free"] is free
    assert not robojac.solve_ik(panda, panda.fk(panda.neutral())).rotation_free


def test_batch_takes_positions_when_the_rotation_is_free(robots: dict[str, robojac.Robot]) -> None:
    """(N, 3) positions are a whole batch when the rotation is free: each solve equals the
    single solve of that 3-vector, checked against independent forward kinematics."""
    panda = robots["panda"]
    rng = np.random.default_rng(4)
    P = np.array([panda.fk(panda.random_configuration(rng))[:3, 3] for _ in range(12)])
    for kw in (dict(position_only=True, **REPEATABLE), dict(mask=[1, 1, 1, 0, 0, 0], **REPEATABLE)):
        batch = robojac.solve_ik_batch(panda, P, seed=7, progress=False, **kw)
        listed = robojac.solve_ik_batch(panda, list(P), seed=7, progress=False, **kw)
        assert batch.rotation_free and batch[0].rotation_free and batch.to_dict()["rotation_error"][0] is None
        np.testing.assert_array_equal(batch.q, listed.q)
        for i, p in enumerate(P):
            single = robojac.solve_ik(panda, p, seed=7 + i, **kw)
            np.testing.assert_array_equal(batch.q[i], single.q)
            if batch.success[i]:
                assert np.linalg.norm(robojac.load("panda").fk(batch.q[i])[:3, 3] - p) < 1e-6
        assert batch.success.all()
    with pytest.raises(robojac.PoseError, match="rotation is constrained"):
        robojac.solve_ik_batch(panda, list(P), progress=False)
