"""Force capacity: max_force and payload checks by bisection, weighted ellipsoids."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import robojac
from robojac.capacity import capacity_report, check_payload, max_force
from robojac.ellipsoid import force_ellipsoid, velocity_ellipsoid
from robojac.statics import Payload, static_torques


def within(robot: robojac.Robot, tau: np.ndarray) -> bool:
    return bool(np.all(np.abs(tau) <= robot.effort_limits))


def bisect(ok: Callable[[float], bool], lo: float, hi: float, iters: int = 80) -> float:
    """The boundary of a predicate true at lo and false at hi."""
    assert ok(lo) and not ok(hi)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


@pytest.mark.parametrize("name", ["ur5", "panda", "iiwa14", "planar_2r"])
@pytest.mark.parametrize("include_gravity", [True, False])
def test_max_force_matches_bisection_on_effort_limits(
    robots: dict[str, robojac.Robot], name: str, include_gravity: bool
) -> None:
    robot = robots[name]
    rng = np.random.default_rng(30)
    checked = 0
    while checked < 4:
        q = robot.random_configuration(rng)
        d = rng.normal(size=3)
        if name == "planar_2r":
            d[2] = 0.0  # in its plane, so the arm feels it
        res = max_force(robot, q, d, include_gravity=include_gravity)
        if not res.feasible_at_rest:
            continue

        def ok(alpha: float, q: np.ndarray = q, d: np.ndarray = res.direction) -> bool:
            w = np.r_[alpha * d, 0, 0, 0]
            return within(robot, static_torques(robot, q, wrench=w, include_gravity=include_gravity))

        assert res.feasible
        expected = bisect(ok, 0.0, 1e6)
        assert res.force == pytest.approx(expected, rel=1e-9)
        np.testing.assert_allclose(res.direction, d / np.linalg.norm(d))
        # the reported joint is the one at its limit
        i = robot.joint_names.index(res.limiting_joint)
        assert abs(res.torques[i]) == pytest.approx(robot.effort_limits[i], rel=1e-9)
        assert within(robot, res.torques * (1 - 1e-12))
        checked += 1


def test_gravity_changes_the_budget(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = np.array([0.0, -0.3, 0.2, -1.5, -1.57, 0.0])  # arm stretched forward: the shoulder holds the weight
    down = max_force(robot, q, [0, 0, -1])
    up = max_force(robot, q, [0, 0, 1])
    free = max_force(robot, q, [0, 0, 1], include_gravity=False)
    assert up.force < free.force < down.force
    assert free.force == pytest.approx(max_force(robot, q, [0, 0, -1], include_gravity=False).force)
    # without the arm's weight a payload still counts
    loaded = max_force(robot, q, [0, 0, 1], include_gravity=False, payload=3.0)
    tau0 = static_torques(robot, q, include_gravity=False, payload=3.0)
    np.testing.assert_allclose(tau0, robojac.payload_torques(robot, q, 3.0))
    assert up.force < loaded.force < free.force


def test_force_along_a_lost_direction_is_carried_by_the_structure(robots: dict[str, robojac.Robot]) -> None:
    arm = robots["planar_2r"]
    res = max_force(arm, [0.3, 0.9], [0, 0, 1])
    assert math.isinf(res.force) and res.limiting_joint is None and res.feasible
    stretched = max_force(arm, [0.3, 0.0], [math.cos(0.3), math.sin(0.3), 0], include_gravity=False)
    assert math.isinf(stretched.force)


def test_overloaded_arm_is_infeasible(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = np.array([0.0, -0.3, 0.2, -1.5, -1.57, 0.0])
    res = max_force(robot, q, [0, 0, 1], payload=200.0)
    assert not res.feasible_at_rest and not res.feasible and res.force == 0.0
    # Pressing down on a support (the support pushing up) can carry the load: about 200 g N
    # cancels the payload, and the joints are back within limits over a range of forces.
    helped = max_force(robot, q, [0, 0, -1], payload=200.0)
    assert not helped.feasible_at_rest and helped.feasible
    assert helped.force > 200 * 9.81

    def ok(alpha: float) -> bool:
        return within(robot, static_torques(robot, q, wrench=[0, 0, -alpha, 0, 0, 0], payload=200.0))

    assert not ok(0.0) and ok(200 * 9.81)
    assert helped.force == pytest.approx(bisect(ok, 200 * 9.81, 1e6), rel=1e-9)


@pytest.mark.parametrize("name", ["ur5", "panda", "iiwa14"])
def test_payload_check_and_max_mass(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(31)
    for _ in range(3):
        q = robot.random_configuration(rng)
        com = np.array([0.0, 0.0, 0.08])
        light = check_payload(robot, q, Payload(0.5, com))
        if not within(robot, static_torques(robot, q)):
            continue

        # max_mass by bisection against the effort limits
        def ok(m: float, q: np.ndarray = q, com: np.ndarray = com) -> bool:
            return within(robot, static_torques(robot, q, payload=Payload(m, com)))

        expected = bisect(ok, 0.0, 1e5)
        assert light.max_mass == pytest.approx(expected, rel=1e-9)
        at_max = static_torques(robot, q, payload=Payload(light.max_mass, com))
        k = robot.joint_names.index(light.max_mass_joint)
        assert abs(at_max[k]) == pytest.approx(robot.effort_limits[k], rel=1e-9)
        heavy = check_payload(robot, q, Payload(light.max_mass * 1.01, com))
        fine = check_payload(robot, q, Payload(light.max_mass * 0.99, com))
        assert fine.ok and not heavy.ok
        assert heavy.margin < 0 < fine.margin
        assert heavy.limiting_joint in robot.joint_names
        i = robot.joint_names.index(heavy.limiting_joint)
        assert heavy.margin == pytest.approx(robot.effort_limits[i] - abs(heavy.torques[i]))
        assert heavy.margin_fraction == pytest.approx(heavy.margin / robot.effort_limits[i])
        np.testing.assert_allclose(heavy.margins, robot.effort_limits - np.abs(heavy.torques))
        assert np.argmin(heavy.margins / heavy.limits) == i


def test_payload_check_answers_the_five_kilogram_question(robots: dict[str, robojac.Robot]) -> None:
    panda = robots["panda"]
    q = panda.neutral()
    res = check_payload(panda, q, 5.0)
    assert res.ok == within(panda, static_torques(panda, q, payload=5.0))
    assert res.payload == Payload(5.0)


def test_weighted_ellipsoids(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    q = robot.random_configuration(32)
    Jv = robot.jacobian(q)[:3]
    F = force_ellipsoid(robot, q, weighted=True)
    V = velocity_ellipsoid(robot, q, weighted=True)
    assert F.units == "N" and V.units == "m/s"
    for k in range(3):
        # a force on the ellipsoid's surface needs weighted torque norm exactly 1 ...
        f = F.radii[k] * F.axes[:, k]
        assert np.linalg.norm(Jv.T @ f / robot.effort_limits) == pytest.approx(1.0)
        # ... so it is inside the exact box: max_force without gravity is at least the radius
        assert max_force(robot, q, F.axes[:, k], include_gravity=False).force >= F.radii[k] * (1 - 1e-9)
    # the velocity ellipsoid is the image of the velocity-limit-weighted ball
    M_inv = np.linalg.inv(V.matrix())
    rng = np.random.default_rng(0)
    for _ in range(100):
        u = rng.normal(size=robot.dof)
        u /= np.linalg.norm(u)
        assert np.linalg.norm(M_inv @ (Jv @ (robot.velocity_limits * u))) <= 1 + 1e-9
    # unweighted stays as before
    assert force_ellipsoid(robot, q).units == "N per N·m"


def test_capacity_report(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["iiwa14"]
    q = robot.random_configuration(33)
    rep = capacity_report(robot, q)
    assert len(rep.max_forces) == 6 and rep.frame == robot.tip
    np.testing.assert_allclose(rep.force_ellipsoid.center, robot.fk(q)[:3, 3])
    one = capacity_report(robot, q, [[0, 1, 0]], include_gravity=False)
    assert one.max_forces[0].force == max_force(robot, q, [0, 1, 0], include_gravity=False).force


def test_bad_input(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    q = robot.neutral()
    with pytest.raises(robojac.InputError, match="non-zero"):
        max_force(robot, q, [0, 0, 0])
    with pytest.raises(robojac.InputError, match="finite"):
        max_force(robot, q, [np.nan, 0, 1])
    with pytest.raises(robojac.InputError, match=r"shape \(3,\)"):
        max_force(robot, q, [1, 0])
    with pytest.raises(robojac.InputError, match=">= 0"):
        check_payload(robot, q, -5.0)
    with pytest.raises(robojac.InputError, match="None"):
        check_payload(robot, q, None)  # type: ignore[arg-type]


def test_missing_effort_limits_are_reported(tmp_path: Path) -> None:
    # A URDF that leaves effort at 0 (unknown) cannot answer capacity questions.
    urdf = tmp_path / "no_effort.urdf"
    inertial = (
        '<inertial><origin xyz="0.25 0 0"/><mass value="1"/>'
        '<inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>'
    )
    urdf.write_text(
        f'<robot name="no_effort"><link name="base"/><link name="a">{inertial}</link><link name="b">{inertial}</link>'
        '<joint name="j1" type="revolute"><parent link="base"/><child link="a"/><axis xyz="0 1 0"/>'
        '<limit lower="-1" upper="1" velocity="1" effort="10"/></joint>'
        '<joint name="j2" type="revolute"><parent link="a"/><child link="b"/><origin xyz="0.5 0 0"/>'
        '<axis xyz="0 1 0"/><limit lower="-1" upper="1" velocity="1" effort="0"/></joint></robot>'
    )
    robot = robojac.load(urdf)
    q = [0.0, 0.0]
    with pytest.raises(robojac.InputError, match="effort limits"):
        max_force(robot, q, [0, 0, 1])
    with pytest.raises(robojac.InputError, match="effort limits"):
        check_payload(robot, q, 1.0)
    with pytest.raises(robojac.InputError, match="effort limits"):
        force_ellipsoid(robot, q, weighted=True)
    assert velocity_ellipsoid(robot, q, weighted=True).units == "m/s"


def test_demo_section_shows_payload_torques(robots: dict[str, robojac.Robot]) -> None:
    from robojac.demo.kinematics import demo_start
    from robojac.demo.statics import DEMO_PAYLOAD, payload_section

    robot = robots["ur5"]
    text = payload_section(robot)
    tau = static_torques(robot, demo_start(robot), payload=DEMO_PAYLOAD)
    worst = int(np.argmax(np.abs(tau) / robot.effort_limits))
    assert text.startswith("2 kg, 5 cm beyond 'tool0'") and text.count("holds it:") == 1
    assert f"most loaded joint: {robot.joint_names[worst]}, {tau[worst]:+.1f} of" in text
