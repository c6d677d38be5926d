"""Pose conversions and the rigid-transform checks."""

from __future__ import annotations

import numpy as np
import pinocchio as pin
import pytest
from scipy.spatial.transform import Rotation

import robojac
from robojac import pose


def random_pose(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return pose.from_rotation(Rotation.random(random_state=seed), rng.normal(size=3))


@pytest.mark.parametrize("seed", range(5))
def test_round_trips_between_every_representation(seed):
    T = random_pose(seed)
    p, quat = pose.to_position_quaternion(T)
    assert quat[3] >= 0 and abs(np.linalg.norm(quat) - 1) < 1e-12
    np.testing.assert_allclose(pose.from_position_quaternion(p, quat), T, atol=1e-12)
    np.testing.assert_allclose(pose.as_matrix(pose.as_se3(T)), T, atol=1e-15)
    np.testing.assert_allclose(pose.as_matrix((p, quat)), T, atol=1e-12)
    np.testing.assert_allclose(pose.from_rotation(pose.to_rotation(T), p), T, atol=1e-12)
    np.testing.assert_allclose(pose.exp6(pose.log6(T)), T, atol=1e-12)
    np.testing.assert_allclose(pose.inverse(T) @ T, np.eye(4), atol=1e-12)


def test_quaternion_order_is_xyzw():
    # 90° about z: (x, y, z, w) = (0, 0, sin 45°, cos 45°)
    T = pose.from_position_quaternion([0, 0, 0], [0, 0, np.sqrt(0.5), np.sqrt(0.5)])
    np.testing.assert_allclose(T[:3, :3], [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-15)


def test_pose_error_matches_the_definitions():
    for seed in range(5):
        A, B = random_pose(seed), random_pose(seed + 10)
        dp, dr = pose.pose_error(A, B)
        assert dp == pytest.approx(np.linalg.norm(A[:3, 3] - B[:3, 3]), abs=1e-14)
        assert dr == pytest.approx(np.linalg.norm(pin.log3(A[:3, :3].T @ B[:3, :3])), abs=1e-12)
    tiny = pose.from_rotation(Rotation.from_rotvec([1e-9, 0, 0]))
    assert pose.pose_error(np.eye(4), tiny)[1] == pytest.approx(1e-9, rel=1e-6)  # no acos cancellation


def test_adjoint_keeps_power_invariant():
    rng = np.random.default_rng(0)
    T = random_pose(3)
    twist_b, wrench_a = rng.normal(size=6), rng.normal(size=6)
    twist_a = pose.adjoint(T) @ twist_b
    wrench_b = pose.adjoint(T).T @ wrench_a
    assert wrench_a @ twist_a == pytest.approx(wrench_b @ twist_b, abs=1e-12)


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.diag([2.0, 1, 1, 1]), ("not orthonormal", "max |RᵀR − I| = 3")),
        (np.array([[1, 0.1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]]), ("not orthonormal",)),
        (np.diag([1.0, 1, -1, 1]), ("reflection", "det R = -1")),
        (np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1.0]]), ("last row", "[0, 0, 0, 1]")),
        (np.full((4, 4), np.nan), ("finite",)),
        (np.eye(3), ("(4, 4)", "shape (3, 3)")),
        ("pose", ("string",)),
        (([0, 0], [0, 0, 0, 1]), ("position", "3 entries")),
        (([0, 0, 0], [0, 0, 1]), ("quaternion", "4 entries")),
        (([0, 0, 0], [0, 0, 0, 0]), ("unit quaternion", "norm is 0")),
        (([0, 0, 0], [0.1, 0.2, 0.3, 2.0]), ("unit quaternion",)),
        (([0, np.nan, 0], [0, 0, 0, 1]), ("finite",)),
        (Rotation.identity(), ("position",)),
    ],
)
def test_non_rigid_poses_are_rejected_with_the_defect(bad, words):
    with pytest.raises(robojac.InputError) as info:
        pose.as_matrix(bad)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_nearly_orthonormal_input_is_projected_onto_so3():
    T = random_pose(1)
    T[:3, :3] *= 1 + 1e-8
    R = pose.as_matrix(T)[:3, :3]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-14)


def test_se3_poses_are_checked_like_arrays():
    bad = pin.SE3(np.diag([2.0, 1.0, 1.0]), np.zeros(3))
    with pytest.raises(robojac.PoseError, match="not orthonormal"):
        pose.as_matrix(bad)
    nan = pin.SE3(np.eye(3), np.array([np.nan, 0.0, 0.0]))
    with pytest.raises(robojac.InputError, match="finite"):
        pose.as_matrix(nan)


def test_a_pose_of_the_wrong_kind_names_the_accepted_forms():
    with pytest.raises(robojac.PoseError, match=r"\(position, quaternion_xyzw\) pair; got tuple"):
        pose.as_matrix(([0, 0, 0], [0, 0, 0, 1], "extra"))


def test_exp6_of_a_large_but_bounded_twist_is_a_rigid_transform() -> None:
    T = pose.exp6([1e3, -2e3, 5e2, 1e6, 2e6, -3e6])  # many turns: still exact to round-off
    assert np.isfinite(T).all()
    np.testing.assert_allclose(T[:3, :3].T @ T[:3, :3], np.eye(3), atol=1e-9)
    assert np.isfinite(pose.exp6([pose.MAX_TWIST, 0, 0, 0, 0, pose.MAX_TWIST])).all()
