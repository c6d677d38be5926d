"""Trajectories: every twist and acceleration against finite differences of the poses,
the time laws' end conditions, the reach ball against sampled configurations, bad input."""

from __future__ import annotations

import math

import numpy as np
import pinocchio as pin
import pytest
from scipy.spatial.transform import Rotation

import robojac
from robojac.control import ResolvedRateController
from robojac.reach import check_in_reach, reach
from robojac.trajectory import Circle, Hold, JointTrajectory, Line, TimeLaw, Trajectory, Waypoints

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


def _pose(p, rotvec) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = Rotation.from_rotvec(rotvec).as_matrix()
    T[:3, 3] = p
    return T


def _fd_check(traj: Trajectory, times, h: float = 1e-6, tol: float = 1e-6) -> None:
    """twist = d/dt pose and acceleration = d/dt twist, in base axes (local_world_aligned)."""
    for t in times:
        ref = traj.sample(t)
        a, b = traj.sample(t - h), traj.sample(t + h)
        v_fd = (b.pose[:3, 3] - a.pose[:3, 3]) / (2 * h)
        w_fd = pin.log3(b.pose[:3, :3] @ a.pose[:3, :3].T) / (2 * h)  # base axes
        np.testing.assert_allclose(ref.twist[:3], v_fd, atol=tol, err_msg=f"v at t={t}")
        np.testing.assert_allclose(ref.twist[3:], w_fd, atol=tol, err_msg=f"ω at t={t}")
        acc_fd = (b.twist - a.twist) / (2 * h)
        np.testing.assert_allclose(ref.acceleration, acc_fd, atol=1e3 * tol, err_msg=f"acc at t={t}")


@pytest.mark.parametrize("kind", ["quintic", "trapezoidal"])
def test_time_law_ends_at_rest_and_derivatives_match(kind: str) -> None:
    law = TimeLaw(2.0, kind)
    assert law(0.0) == (0.0, 0.0, 0.0)
    assert law(2.0) == (1.0, 0.0, 0.0)
    assert law(-1.0) == (0.0, 0.0, 0.0) and law(5.0) == (1.0, 0.0, 0.0)
    h = 1e-6
    for t in np.linspace(0.05, 1.95, 37):
        if kind == "trapezoidal" and min(abs(t - 0.5), abs(t - 1.5)) < 1e-3:
            continue  # the acceleration steps there
        s, sd, sdd = law(t)
        assert 0.0 <= s <= 1.0
        assert sd == pytest.approx((law(t + h)[0] - law(t - h)[0]) / (2 * h), abs=1e-7)
        assert sdd == pytest.approx((law(t + h)[1] - law(t - h)[1]) / (2 * h), abs=1e-5)
    if kind == "quintic":
        assert law(1.0)[1] == pytest.approx(1.875 / 2.0)
    else:
        assert law(1.0)[1] == pytest.approx(1.0 / 1.5)  # cruise 1/(T − t_a)


@pytest.mark.parametrize("law", ["quintic", "trapezoidal"])
def test_line_is_straight_and_its_derivatives_match(law: str) -> None:
    A = _pose([0.4, -0.1, 0.5], [0.1, 0.2, -0.3])
    B = _pose([0.3, 0.2, 0.3], [-0.4, 0.5, 0.6])
    line = Line(A, B, 1.5, law)
    np.testing.assert_allclose(line.sample(0.0).pose, A, atol=1e-12)
    np.testing.assert_allclose(line.sample(1.5).pose, B, atol=1e-12)
    np.testing.assert_allclose(line.sample(9.0).twist, 0.0)
    d = B[:3, 3] - A[:3, 3]
    for t in np.linspace(0, 1.5, 11):
        p = line.sample(t).pose[:3, 3] - A[:3, 3]
        assert np.linalg.norm(np.cross(p, d)) < 1e-12  # on the segment
    times = [0.1, 0.3, 0.7, 1.0, 1.4] if law == "quintic" else [0.1, 0.2, 0.7, 1.0, 1.3]
    _fd_check(line, times)


def test_circle_geometry_speed_and_derivatives() -> None:
    R = Rotation.from_rotvec([0.3, -0.2, 0.1]).as_matrix()
    c = Circle([0.4, 0.0, 0.4], 0.05, R, normal=[1.0, 1.0, 0.0], period=1.0, ramp=0.3)
    for t in np.linspace(0, 3, 31):
        ref = c.sample(t)
        r = ref.pose[:3, 3] - c.center
        assert np.linalg.norm(r) == pytest.approx(0.05)
        assert abs(r @ c.normal) < 1e-12
        np.testing.assert_allclose(ref.pose[:3, :3], R, atol=1e-12)
    np.testing.assert_allclose(c.sample(0.0).twist, 0.0, atol=1e-15)  # the ramp starts at rest
    assert np.linalg.norm(c.sample(2.0).twist[:3]) == pytest.approx(2 * math.pi * 0.05 / 1.0)
    _fd_check(c, [0.05, 0.15, 0.29, 0.31, 0.8, 2.2])


def test_circle_starting_at_a_pose_starts_there() -> None:
    T = _pose([0.3, 0.1, 0.5], [0.0, 0.3, 0.0])
    c = Circle.starting_at(T, 0.1, normal=[0, 0, 1], period=2.0)
    np.testing.assert_allclose(c.sample(0.0).pose, T, atol=1e-12)
    np.testing.assert_allclose(c.center, T[:3, 3] - [0.1, 0.0, 0.0], atol=1e-12)
    pts = c.path_points()
    np.testing.assert_allclose(np.linalg.norm(pts - c.center, axis=1), 0.1)


def test_finite_circle_stops() -> None:
    c = Circle([0, 0, 0.5], 0.1, np.eye(3), duration=1.0, ramp=0.0)
    np.testing.assert_allclose(c.sample(1.0).pose, c.sample(3.0).pose)
    np.testing.assert_allclose(c.sample(3.0).twist, 0.0)


def test_waypoints_pass_through_each_pose_at_its_time() -> None:
    poses = [
        _pose([0.4, 0.0, 0.4], [0, 0, 0]),
        _pose([0.4, 0.2, 0.4], [0, 0, 0.5]),
        _pose([0.3, 0.2, 0.6], [0.3, 0, 0.5]),
    ]
    wp = Waypoints(poses, [0.5, 1.5, 2.0])
    for T, t in zip(poses, [0.5, 1.5, 2.0]):
        np.testing.assert_allclose(wp.sample(t).pose, T, atol=1e-12)
        np.testing.assert_allclose(wp.sample(t).twist, 0.0, atol=1e-12)
    np.testing.assert_allclose(wp.sample(0.0).pose, poses[0])  # holds before the first time
    assert wp.duration == 2.0
    _fd_check(wp, [0.7, 1.0, 1.2, 1.7])


def test_joint_trajectory_twist_is_jacobian_times_rate(panda: robojac.Robot) -> None:
    qs = np.stack([READY, READY + 0.3, READY - 0.2])
    traj = JointTrajectory(panda, qs, [0.0, 1.0, 2.5])
    np.testing.assert_allclose(traj.joint(1.0)[0], qs[1])
    for t in [0.3, 0.8, 1.7]:
        q, dq, ddq = traj.joint(t)
        ref = traj.sample(t)
        np.testing.assert_allclose(ref.pose, panda.fk(q), atol=1e-12)
        np.testing.assert_allclose(ref.twist, panda.jacobian(q) @ dq, atol=1e-12)
        np.testing.assert_allclose(
            ref.acceleration, panda.jacobian(q) @ ddq + panda.jacobian_dot(q, dq) @ dq, atol=1e-10
        )
    _fd_check(traj, [0.3, 0.8, 1.7])


def test_hold_is_still() -> None:
    T = _pose([0.3, 0, 0.5], [0, 0, 0])
    ref = Hold(T).sample(12.0)
    np.testing.assert_allclose(ref.pose, T)
    assert not ref.twist.any() and not ref.acceleration.any()


@pytest.mark.parametrize("name", ["panda", "ur5", "iiwa14", "planar_2r"])
def test_reach_ball_holds_every_sampled_configuration(name: str) -> None:
    robot = robojac.load(name)
    center, radius = reach(robot)
    rng = np.random.default_rng(3)
    far = max(np.linalg.norm(robot.fk(robot.random_configuration(rng))[:3, 3] - center) for _ in range(2000))
    assert far <= radius + 1e-12
    assert far > 0.8 * radius  # and it is not a uselessly loose bound


def test_planar_2r_reach_is_exact() -> None:
    robot = robojac.load("planar_2r")
    center, radius = reach(robot)
    np.testing.assert_allclose(center, 0.0, atol=1e-12)
    assert radius == pytest.approx(0.9)  # l1 + l2


def test_trajectory_outside_the_workspace_is_refused_with_a_clear_message(panda: robojac.Robot) -> None:
    far = _pose([2.0, 0.0, 0.5], [0, 0, 0])
    with pytest.raises(robojac.RobojacError, match="starts outside the workspace of 'panda'"):
        ResolvedRateController(panda, far)
    line = Line(panda.fk(READY), far, 1.0)
    with pytest.raises(robojac.InputError, match="passes outside the workspace"):
        ResolvedRateController(panda, line)
    with pytest.raises(robojac.InputError, match="outside the workspace"):
        check_in_reach(panda, np.array([[0.0, 0.0, 3.0]]))
    check_in_reach(panda, panda.fk(READY)[None, :3, 3])  # reachable: no error


@pytest.mark.parametrize(
    "make",
    [
        lambda: TimeLaw(0.0),
        lambda: TimeLaw(-1.0),
        lambda: TimeLaw(1.0, "cubic"),
        lambda: TimeLaw(1.0, "trapezoidal", accel_fraction=0.7),
        lambda: Line(np.eye(4), np.eye(4), 0.0),
        lambda: Line(np.eye(4), np.eye(4), float("nan")),
        lambda: Line(np.eye(4) * 2, np.eye(4), 1.0),
        lambda: Line(np.eye(3), np.eye(4), 1.0),
        lambda: Circle([0, 0, 0], -0.1, np.eye(3)),
        lambda: Circle([0, 0, 0], 0.1, np.eye(3), period=0.0),
        lambda: Circle([0, 0, 0], 0.1, np.eye(3), normal=[0, 0, 0]),
        lambda: Circle([0, 0, 0], 0.1, np.eye(3), normal=[0, 0, 1], u=[0, 0, 2]),
        lambda: Circle([0, 0], 0.1, np.eye(3)),
        lambda: Circle([0, 0, 0], 0.1, np.ones((3, 3))),
        lambda: Circle([0, 0, 0], 0.1, np.eye(3), ramp=-1.0),
        lambda: Circle([0, 0, 0], 0.1, np.eye(3), ramp="slow"),
        lambda: Waypoints(5, [0.0, 1.0]),
        lambda: Waypoints([np.eye(4)], [0.0]),
        lambda: Waypoints([np.eye(4), np.eye(4)], [1.0, 1.0]),
        lambda: Waypoints([np.eye(4), np.eye(4)], [0.0, 1.0, 2.0]),
        lambda: JointTrajectory(robojac.load("planar_2r"), [[0, 0], [0, 0, 0]], [0, 1]),
        lambda: JointTrajectory(robojac.load("panda"), np.zeros((2, 7)), [0, 1]),  # q4 = 0 is outside
    ],
)
def test_bad_trajectories_raise(make) -> None:
    with pytest.raises(robojac.RobojacError):
        make()


def test_shortest_accepted_times_give_finite_references() -> None:
    from robojac.trajectory import MIN_TIME

    c = Circle([0.0, 0.0, 0.0], 0.1, np.eye(3), period=MIN_TIME, ramp=MIN_TIME)
    for t in (0.0, 0.5 * MIN_TIME, 3.3 * MIN_TIME):
        ref = c.sample(t)
        assert all(np.isfinite(a).all() for a in ref)
    assert np.isfinite(Circle([0.0, 0.0, 0.0], 0.1, np.eye(3), ramp=0.0).sample(0.0).twist).all()  # no ramp
    A, B = np.eye(4), np.eye(4)
    B[:3, 3] = [0.1, 0.0, 0.0]
    for law in ("quintic", "trapezoidal"):
        line = Line(A, B, MIN_TIME / 0.25, law)  # trapezoid accelerates for exactly MIN_TIME
        ref = line.sample(0.3 * line.duration)
        assert all(np.isfinite(a).all() for a in ref)
    wp = Waypoints([A, B], [0.0, MIN_TIME])
    assert np.isfinite(wp.sample(0.5 * MIN_TIME).acceleration).all()
