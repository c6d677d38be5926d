"""Configuration: one pass of Pinocchio, read many ways; each read checked against robot.fk,
robot.jacobian or central finite differences."""

from __future__ import annotations

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.kinematics import Configuration

from conftest import REFS


@pytest.fixture(scope="module", params=["panda", "ur5", "planar_2r", "panda_offset_base"])
def robot(request, robots) -> robojac.Robot:
    if request.param == "panda_offset_base":
        return robojac.load("panda", base="panda_link2")
    return robots[request.param]


def test_poses_and_jacobians_match_the_robot(robot) -> None:
    rng = np.random.default_rng(3)
    for _ in range(3):
        q = robot.random_configuration(rng)
        config = Configuration(robot, q)
        poses = config.poses()
        for frame in (None, robot.joint_names[-1], *robot.frame_names[:3]):
            np.testing.assert_allclose(config.pose(frame), robot.fk(q, frame), atol=1e-14)
            for ref in REFS:
                np.testing.assert_allclose(config.jacobian(frame, ref), robot.jacobian(q, frame, ref), atol=1e-14)
        for name, T in poses.items():
            np.testing.assert_allclose(T, robot.fk(q, name), atol=1e-14)


def test_update_moves_every_read(robot) -> None:
    rng = np.random.default_rng(4)
    q1, q2 = robot.random_configuration(rng), robot.random_configuration(rng)
    config = Configuration(robot, q1)
    config.hessian()
    config.update(q2)
    np.testing.assert_array_equal(config.q, q2)
    np.testing.assert_allclose(config.pose(), robot.fk(q2), atol=1e-14)
    J, _ = config.hessian()
    np.testing.assert_allclose(J, robot.jacobian(q2, ref="local"), atol=1e-14)


def test_hessian_matches_finite_differences_of_the_body_jacobian(robot) -> None:
    q = robot.random_configuration(np.random.default_rng(5))
    _, dJ = Configuration(robot, q).hessian()
    h = 1e-6
    for k in range(robot.dof):
        e = np.zeros(robot.dof)
        e[k] = h
        fd = (robot.jacobian(q + e, ref="local") - robot.jacobian(q - e, ref="local")) / (2 * h)
        np.testing.assert_allclose(dJ[:, :, k], fd, atol=1e-7)


def test_joint_origins_and_axes_in_the_base_frame(robot) -> None:
    q = robot.random_configuration(np.random.default_rng(6))
    config = Configuration(robot, q)
    origins, axes = config.joint_origins(), config.joint_axes()
    J = robot.jacobian(q, ref="world")
    for i, joint in enumerate(robot.joint_names):
        np.testing.assert_allclose(origins[i], robot.fk(q, joint)[:3, 3], atol=1e-14)
        # A revolute joint's spatial twist is [−ω × o_base... ]: its ω part is the axis.
        np.testing.assert_allclose(axes[i], J[3:, i] if robot.joint_types[i] != "prismatic" else J[:3, i], atol=1e-14)
        assert abs(np.linalg.norm(axes[i]) - 1) < 1e-12


def test_center_of_mass_jacobian_gives_the_gravity_torque_of_virtual_work(robot) -> None:
    """J_c matches central differences of the centre of mass, and the gravity torque is
    ∂U/∂q for U(q) = −m gᵀ c(q), by central differences of U."""
    q = robot.random_configuration(np.random.default_rng(7))
    g = np.array([0.3, -1.0, -9.81])
    mass, Jc = Configuration(robot, q).center_of_mass_jacobian()
    tau = robojac.gravity_torques(robot, q, gravity=g)
    h = 1e-6
    for k in range(robot.dof):
        e = np.zeros(robot.dof)
        e[k] = h
        cp, cm = _com(robot, q + e), _com(robot, q - e)
        np.testing.assert_allclose(Jc[:, k], (cp - cm) / (2 * h), atol=1e-8)
        dU = (-mass * g @ cp + mass * g @ cm) / (2 * h)
        assert abs(tau[k] - dU) < 1e-6 * max(1.0, abs(dU))


def _com(robot: robojac.Robot, q: np.ndarray) -> np.ndarray:
    """The centre of mass [m] in the base frame, from Pinocchio's centerOfMass (not the Jacobian)."""
    data = robot.model.createData()
    c = pin.centerOfMass(robot.model, data, robot.to_pinocchio(q))
    W = robot.base_in_world
    return np.asarray((np.array(c) - W[:3, 3]) @ W[:3, :3])


def test_frame_motion_matches_finite_differences_along_a_path(robot) -> None:
    rng = np.random.default_rng(8)
    q0, dq, ddq = robot.random_configuration(rng), rng.normal(size=robot.dof), rng.normal(size=robot.dof)
    config = Configuration(robot, q0)
    twist, acc = config.frame_motion(dq, ddq)
    np.testing.assert_allclose(twist, robot.jacobian(q0) @ dq, atol=1e-12)
    h = 1e-5

    def origin_and_velocity(t: float) -> tuple[np.ndarray, np.ndarray]:
        q, v = q0 + dq * t + 0.5 * ddq * t * t, dq + ddq * t
        return robot.fk(q)[:3, 3], robot.jacobian(q) @ v

    (_, vp), (_, vm) = origin_and_velocity(h), origin_and_velocity(-h)
    np.testing.assert_allclose(acc, (vp - vm) / (2 * h), atol=1e-6)


def test_bad_input_is_refused() -> None:
    robot = robojac.load("planar_2r")
    with pytest.raises(robojac.InputError, match="shape"):
        Configuration(robot, [0.0])
    config = Configuration(robot, [0.0, 0.0])
    with pytest.raises(robojac.FrameError, match="tool"):
        config.pose("tol")
    with pytest.raises(robojac.FrameError, match="local"):
        config.jacobian(ref="body")


def test_reads_in_any_order_after_update_match_the_robot(robot) -> None:
    """Each pass runs only when a read needs it; whatever came first, every read is of the current q."""
    rng = np.random.default_rng(9)
    q1, q2 = robot.random_configuration(rng), robot.random_configuration(rng)
    dq, ddq = rng.normal(size=robot.dof), rng.normal(size=robot.dof)
    config = Configuration(robot, q1)
    config.frame_motion(dq, ddq)
    np.testing.assert_allclose(config.jacobian(), robot.jacobian(q1), atol=1e-14)
    config.update(q2)
    np.testing.assert_allclose(config.pose(), robot.fk(q2), atol=1e-14)
    np.testing.assert_allclose(config.jacobian(ref="local"), robot.jacobian(q2, ref="local"), atol=1e-14)
    config.update(q1)
    config.frame_motion(dq, ddq)
    np.testing.assert_allclose(config.pose(), robot.fk(q1), atol=1e-14)
    np.testing.assert_allclose(config.jacobian(), robot.jacobian(q1), atol=1e-14)
