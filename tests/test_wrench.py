"""Wrench construction and frame changes, checked against their definitions."""

from __future__ import annotations

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.pose import adjoint, exp6, inverse
from robojac.wrench import (
    as_wrench,
    change_wrench_ref,
    force_at_point,
    pure_moment,
    ref_pose,
    transform_twist,
    transform_wrench,
    wrench_at,
)

REFS = ("local", "world", "local_world_aligned")


def random_pose(rng: np.random.Generator) -> np.ndarray:
    return exp6(rng.normal(size=6))


def test_transform_wrench_keeps_power_when_twist_moves_too() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        T_AB = random_pose(rng)
        V_B, w_B = rng.normal(size=6), rng.normal(size=6)
        V_A = transform_twist(V_B, T_AB)
        w_A = transform_wrench(w_B, T_AB)
        assert float(w_A @ V_A) == pytest.approx(float(w_B @ V_B), abs=1e-11)
        # the definition: Ad(T_AB)ᵀ takes w_A back to w_B
        np.testing.assert_allclose(adjoint(T_AB).T @ w_A, w_B, atol=1e-12)
        # and the twist map is Pinocchio's, so the power check does not rest on our adjoint alone
        M = pin.SE3(T_AB[:3, :3], T_AB[:3, 3])
        np.testing.assert_allclose(V_A, M.act(pin.Motion(V_B)).vector, atol=1e-12)
        np.testing.assert_allclose(w_A, M.act(pin.Force(w_B)).vector, atol=1e-12)


def test_transform_wrench_matches_pinocchio_and_moves_the_moment() -> None:
    rng = np.random.default_rng(2)
    T = random_pose(rng)
    w = rng.normal(size=6)
    np.testing.assert_allclose(transform_wrench(w, T), pin.SE3(T[:3, :3], T[:3, 3]).act(pin.Force(w)).vector)
    # A pure force through B's origin has, in A, the moment p × f about A's origin.
    f = np.array([0.0, 0.0, -10.0])
    T_shift = np.eye(4)
    T_shift[:3, 3] = (0.5, 0.0, 0.0)
    np.testing.assert_allclose(transform_wrench(np.r_[f, 0, 0, 0], T_shift), [0, 0, -10, 0, 5, 0], atol=1e-15)


def test_wrench_at_is_force_at_a_point() -> None:
    np.testing.assert_allclose(wrench_at([1, 0, 0], [0, 2, 0], [0, 0, 0.5]), [1, 0, 0, 0, 0, -1.5])


@pytest.mark.parametrize("name", ["ur5", "panda", "planar_2r"])
def test_change_wrench_ref_gives_the_same_torques(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(3)
    for _ in range(5):
        q = robot.random_configuration(rng)
        w = rng.normal(size=6)
        qd = rng.normal(size=robot.dof)
        for a in REFS:
            for b in REFS:
                wb = change_wrench_ref(robot, q, w, from_ref=a, to_ref=b)
                # the same physical wrench: same torques, and the same power on any motion
                np.testing.assert_allclose(
                    robot.jacobian(q, None, b).T @ wb, robot.jacobian(q, None, a).T @ w, atol=1e-10
                )
                assert wb @ (robot.jacobian(q, None, b) @ qd) == pytest.approx(
                    w @ (robot.jacobian(q, None, a) @ qd), abs=1e-9
                )


def test_ref_pose_names_the_expression_frame(robots: dict[str, robojac.Robot]) -> None:
    panda = robots["panda"]
    q = panda.random_configuration(5)
    T = panda.fk(q)
    np.testing.assert_allclose(ref_pose(panda, q, None, "local"), T)
    np.testing.assert_allclose(ref_pose(panda, q, None, "world"), np.eye(4))
    lwa = ref_pose(panda, q, None, "local_world_aligned")
    np.testing.assert_allclose(lwa[:3, :3], np.eye(3))
    np.testing.assert_allclose(lwa[:3, 3], T[:3, 3])


def point_jacobian(robot: robojac.Robot, q: np.ndarray, frame: str | None, p_local: np.ndarray) -> np.ndarray:
    """(3, dof) Jacobian of a point fixed in ``frame``, by central differences of fk."""
    h = 1e-6
    cols = []
    for i in range(robot.dof):
        e = np.zeros(robot.dof)
        e[i] = h
        xp = (robot.fk(q + e, frame) @ np.r_[p_local, 1])[:3]
        xm = (robot.fk(q - e, frame) @ np.r_[p_local, 1])[:3]
        cols.append((xp - xm) / (2 * h))
    return np.array(cols).T


@pytest.mark.parametrize("ref", REFS)
def test_force_at_point_does_the_work_of_that_point(robots: dict[str, robojac.Robot], ref: str) -> None:
    robot = robots["iiwa14"]
    rng = np.random.default_rng(6)
    q = robot.random_configuration(rng)
    f, p = rng.normal(size=3) * 10, np.array([0.02, -0.03, 0.15])
    w = force_at_point(robot, q, f, p, ref=ref)
    # virtual work of f at the point: τ = J_pointᵀ f, with J_point from fk alone
    expected = point_jacobian(robot, q, None, p).T @ f
    np.testing.assert_allclose(robojac.joint_torques(robot, q, w, ref=ref), expected, atol=1e-6)


def test_force_at_point_in_other_frames(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["panda"]
    q = robot.random_configuration(7)
    T_tool, T_link = robot.fk(q), robot.fk(q, "panda_link7")
    f_link = np.array([1.0, 2.0, 3.0])
    p_base = np.array([0.3, 0.1, 0.6])
    w = force_at_point(robot, q, f_link, p_base, point_frame=robot.base, force_frame="panda_link7")
    f_base = T_link[:3, :3] @ f_link
    np.testing.assert_allclose(w, np.r_[f_base, np.cross(p_base - T_tool[:3, 3], f_base)], atol=1e-12)


@pytest.mark.parametrize("ref", REFS)
def test_pure_moment_is_a_couple(robots: dict[str, robojac.Robot], ref: str) -> None:
    robot = robots["ur5"]
    q = robot.random_configuration(8)
    n_tool = np.array([0.0, 0.0, 2.0])  # twisting about the tool's own z axis
    w = pure_moment(robot, q, n_tool, ref=ref, moment_frame=robot.tip)
    n_base = robot.fk(q)[:3, :3] @ n_tool
    expected = robot.jacobian(q)[3:].T @ n_base  # a couple does work on ω only
    np.testing.assert_allclose(robojac.joint_torques(robot, q, w, ref=ref), expected, atol=1e-12)


def test_bad_wrenches_are_rejected() -> None:
    with pytest.raises(robojac.InputError, match="6 entries"):
        as_wrench([1, 2, 3])
    with pytest.raises(robojac.InputError, match="finite"):
        as_wrench([1, 2, 3, 4, 5, np.nan])
    with pytest.raises(robojac.InputError, match="numeric"):
        as_wrench("fx")
    with pytest.raises(robojac.PoseError):
        transform_wrench(np.zeros(6), np.ones((4, 4)))


def test_bad_refs_are_rejected(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["planar_2r"]
    with pytest.raises(robojac.FrameError, match="unknown ref"):
        change_wrench_ref(robot, [0, 0], np.zeros(6), from_ref="body", to_ref="world")
    with pytest.raises(robojac.FrameError):
        force_at_point(robot, [0, 0], [1, 0, 0], frame="nope")


def test_inverse_round_trip() -> None:
    rng = np.random.default_rng(9)
    T, w = random_pose(rng), rng.normal(size=6)
    np.testing.assert_allclose(transform_wrench(transform_wrench(w, T), inverse(T)), w, atol=1e-12)
