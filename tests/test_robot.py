"""Robot, load() and kinematics: every Jacobian against finite differences on SE(3)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pinocchio as pin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import robojac
from robojac.pose import adjoint

from conftest import BUNDLED, DATA, REFS, fd_jacobian


def configurations(robot: robojac.Robot, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Random configurations plus ones hugging the lower and upper limits."""
    qs = [robot.random_configuration(rng) for _ in range(n)]
    lo = np.where(np.isfinite(robot.lower), robot.lower + 1e-4, -3.0)
    hi = np.where(np.isfinite(robot.upper), robot.upper - 1e-4, 3.0)
    return [*qs, lo, hi]


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("ref", REFS)
def test_jacobian_matches_central_differences_on_se3(robots, name, ref):
    robot = robots[name]
    rng = np.random.default_rng(hash((name, ref)) % 2**32)
    for q in configurations(robot, rng, 4):
        J = robot.jacobian(q, ref=ref)
        assert J.shape == (6, robot.dof)
        np.testing.assert_allclose(J, fd_jacobian(robot, q, None, ref), atol=2e-8)


@pytest.mark.parametrize("ref", REFS)
def test_jacobian_of_every_frame_of_a_messy_urdf(clash_arm, ref):
    """Continuous joints, a prismatic joint, a world root and frames off the chain."""
    rng = np.random.default_rng(3)
    for frame in ("tool", "gripper", "camera", "finger_left", "wrist_slide", "upper"):
        for q in configurations(clash_arm, rng, 2):
            np.testing.assert_allclose(
                clash_arm.jacobian(q, frame, ref), fd_jacobian(clash_arm, q, frame, ref), atol=2e-8
            )


def test_base_other_than_root_expresses_everything_in_the_base(clash_arm):
    with pytest.warns(robojac.MeshWarning):
        sub = robojac.load(DATA / "clash_arm.urdf", base="upper", tip="tool", package_dirs=[str(DATA)])
    assert sub.joint_names == ("elbow", "wrist_roll", "wrist_slide")
    assert sub.locked["shoulder"] == 0.0
    rng = np.random.default_rng(5)
    for _ in range(3):
        q = sub.random_configuration(rng)
        full_q = np.concatenate([[0.0], q])
        expected = np.linalg.inv(clash_arm.fk(full_q, "upper")) @ clash_arm.fk(full_q, "tool")
        np.testing.assert_allclose(sub.fk(q), expected, atol=1e-12)
        for ref in REFS:
            np.testing.assert_allclose(sub.jacobian(q, ref=ref), fd_jacobian(sub, q, None, ref), atol=2e-8)
            dq = rng.normal(size=sub.dof)
            h = 1e-6
            fd = (sub.jacobian(q + h * dq, ref=ref) - sub.jacobian(q - h * dq, ref=ref)) / (2 * h)
            np.testing.assert_allclose(sub.jacobian_dot(q, dq, ref=ref), fd, atol=1e-7)


def test_planar_2r_jacobian_closed_form(robots):
    robot = robots["planar_2r"]
    l1, l2 = 0.5, 0.4
    for t1, t2 in [(0.0, 0.0), (0.3, -1.1), (2.0, 2.5), (-1.2, 0.7)]:
        s1, c1, s12, c12 = math.sin(t1), math.cos(t1), math.sin(t1 + t2), math.cos(t1 + t2)
        expected = np.array(
            [
                [-l1 * s1 - l2 * s12, -l2 * s12],
                [l1 * c1 + l2 * c12, l2 * c12],
                [0, 0],
                [0, 0],
                [0, 0],
                [1, 1],
            ]
        )
        np.testing.assert_allclose(robot.jacobian([t1, t2]), expected, atol=1e-12)
        np.testing.assert_allclose(robot.fk([t1, t2])[:2, 3], [l1 * c1 + l2 * c12, l1 * s1 + l2 * s12], atol=1e-12)


def ur5_dh_fk(q: np.ndarray) -> np.ndarray:
    """UR5 forward kinematics straight from Universal Robots' standard DH table."""
    d = [0.089159, 0, 0, 0.10915, 0.09465, 0.0823]
    a = [0, -0.425, -0.39225, 0, 0, 0]
    alpha = [math.pi / 2, 0, 0, math.pi / 2, -math.pi / 2, 0]
    T = np.eye(4)
    for i in range(6):
        ct, st_, ca, sa = math.cos(q[i]), math.sin(q[i]), math.cos(alpha[i]), math.sin(alpha[i])
        T = T @ np.array(
            [
                [ct, -st_ * ca, st_ * sa, a[i] * ct],
                [st_, ct * ca, -ct * sa, a[i] * st_],
                [0, sa, ca, d[i]],
                [0, 0, 0, 1],
            ]
        )
    return T


def test_ur5_fk_matches_independent_dh_formula(robots):
    robot = robots["ur5"]
    rng = np.random.default_rng(11)
    for _ in range(20):
        q = robot.random_configuration(rng)
        np.testing.assert_allclose(robot.fk(q), ur5_dh_fk(q), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(BUNDLED), seed=st.integers(0, 2**32 - 1))
def test_refs_are_consistent(robots, name, seed):
    """world = Ad(T)·local, and local_world_aligned = blockdiag(R, R)·local."""
    robot = robots[name]
    q = robot.random_configuration(seed)
    T = robot.fk(q)
    local = robot.jacobian(q, ref="local")
    np.testing.assert_allclose(robot.jacobian(q, ref="world"), adjoint(T) @ local, atol=1e-12)
    R = T[:3, :3]
    np.testing.assert_allclose(robot.jacobian(q), np.vstack([R @ local[:3], R @ local[3:]]), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(BUNDLED),
    seed=st.integers(0, 2**32 - 1),
    ref=st.sampled_from(REFS),
    dq=arrays(np.float64, 7, elements=st.floats(-2, 2)),
)
def test_jacobian_dot_is_the_derivative_along_dq(robots, name, seed, ref, dq):
    robot = robots[name]
    q = robot.random_configuration(seed)
    v = dq[: robot.dof]
    h = 1e-6
    fd = (robot.jacobian(q + h * v, ref=ref) - robot.jacobian(q - h * v, ref=ref)) / (2 * h)
    np.testing.assert_allclose(robot.jacobian_dot(q, v, ref=ref), fd, atol=2e-7)


@pytest.mark.parametrize("name", BUNDLED)
def test_neutral_and_random_configurations_are_inside_limits(robots, name):
    robot = robots[name]
    assert robot.within_limits(robot.neutral())
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert robot.within_limits(robot.random_configuration(rng))
    np.testing.assert_array_equal(robot.random_configuration(42), robot.random_configuration(42))


def test_panda_neutral_is_mid_range_where_zero_is_outside(robots):
    panda = robots["panda"]
    q = panda.neutral()
    assert q[3] == pytest.approx((-3.0718 - 0.0698) / 2)
    assert q[5] == 0.0 and q[0] == 0.0
    assert panda.dof == 7 and panda.tip == "panda_hand_tcp"
    assert set(panda.locked) == {"panda_finger_joint1", "panda_finger_joint2"}
    q[:] = 9.0  # each call is a new array: the kept neutral is not the caller's to change
    assert panda.neutral()[3] == pytest.approx((-3.0718 - 0.0698) / 2)


def test_limits_velocity_and_effort_come_from_the_urdf(robots, clash_arm):
    ur5 = robots["ur5"]
    np.testing.assert_allclose(ur5.upper, 2 * math.pi)
    np.testing.assert_allclose(ur5.effort_limits, [150, 150, 150, 28, 28, 28])
    assert clash_arm.joint_types == ("continuous", "revolute", "continuous", "prismatic")
    assert np.isinf(clash_arm.lower[0]) and np.isinf(clash_arm.upper[2])
    assert clash_arm.velocity_limits.tolist() == [2, 2, 3, 0.5]
    with pytest.raises(ValueError):
        ur5.lower[0] = 0.0  # limits are read-only


def test_continuous_joints_are_one_angle(clash_arm):
    q = np.array([3.0, 0.4, -3.0, 0.05])
    qp = clash_arm.to_pinocchio(q)
    assert qp.shape == (clash_arm.model.nq,) == (6,)
    np.testing.assert_allclose(clash_arm.from_pinocchio(qp), q)
    turned = q + np.array([2 * math.pi, 0, -4 * math.pi, 0])
    np.testing.assert_allclose(clash_arm.fk(turned), clash_arm.fk(q), atol=1e-12)
    np.testing.assert_allclose(clash_arm.clip(turned), q, atol=1e-12)
    assert clash_arm.within_limits(turned)


def test_locked_joints_move_their_frames():
    opened = robojac.load("panda", locked={"panda_finger_joint1": 0.03})
    closed = robojac.load("panda")
    q = closed.neutral()
    gap = opened.fk(q, "panda_leftfinger")[:3, 3] - closed.fk(q, "panda_leftfinger")[:3, 3]
    assert np.linalg.norm(gap) == pytest.approx(0.03, abs=1e-12)
    np.testing.assert_allclose(opened.fk(q), closed.fk(q), atol=1e-15)
    shorter = robojac.load("panda", locked={"panda_joint7": 0.5})
    assert shorter.dof == 6 and "panda_joint7" not in shorter.joint_names


def test_a_name_shared_by_a_link_and_a_joint_means_the_link(clash_arm):
    q = np.array([0.3, 0.4, 0.5, 0.02])
    # "fore" is the link after the elbow and also the fixed joint that carries the camera.
    assert not np.allclose(clash_arm.fk(q, "fore"), clash_arm.fk(q, "camera"))
    elbow_axis_origin = clash_arm.fk(q, "elbow")
    np.testing.assert_allclose(clash_arm.fk(q, "fore"), elbow_axis_origin, atol=1e-12)
    assert clash_arm.model.frames[clash_arm.frame_id("fore")].type == pin.FrameType.BODY
    # The gripper link and the fixed joint named "gripper" both resolve without error.
    assert clash_arm.fk(q, "gripper").shape == (4, 4)


def test_default_tip_of_a_file_is_the_hand_between_the_fingers():
    with pytest.warns(robojac.MeshWarning):
        robot = robojac.load(DATA / "clash_arm.urdf", package_dirs=[str(DATA)])
    assert robot.tip == "gripper"
    assert robot.base == "world"


def test_meshes_resolve_through_package_dirs_and_ros_package_path(monkeypatch):
    with pytest.warns(robojac.MeshWarning, match="missing.dae"):
        robot = robojac.load(DATA / "clash_arm.urdf", package_dirs=[str(DATA)])
    meshes = {v.link: v.mesh_path for v in robot.visuals if v.kind == "mesh"}
    assert meshes["base_link"] is not None and meshes["base_link"].endswith("fake_pkg/meshes/box.stl")
    assert meshes["upper"] is None
    monkeypatch.setenv("ROS_PACKAGE_PATH", str(DATA))
    with pytest.warns(robojac.MeshWarning):
        again = robojac.load(DATA / "clash_arm.urdf")
    assert {v.link: v.mesh_path for v in again.visuals if v.kind == "mesh"}["base_link"] == meshes["base_link"]


def test_robot_pickles_and_copies(robots):
    panda = robots["panda"]
    q = panda.random_configuration(1)
    for other in (pickle.loads(pickle.dumps(panda)), panda.copy()):
        assert other.model is not panda.model
        np.testing.assert_array_equal(other.jacobian(q), panda.jacobian(q))
        assert other.joint_names == panda.joint_names


def test_fk_all_matches_fk(robots):
    panda = robots["panda"]
    q = panda.random_configuration(2)
    poses = panda.fk_all(q)
    assert set(poses) == set(panda.frame_names)
    for name in ("panda_link3", "panda_hand_tcp", "panda_joint5", "panda_rightfinger"):
        np.testing.assert_allclose(poses[name], panda.fk(q, name), atol=1e-15)


def test_a_one_joint_arm_has_a_6x1_jacobian(tmp_path):
    path = tmp_path / "one.urdf"
    path.write_text(
        '<robot name="one"><link name="a"/><link name="b"/>'
        '<joint name="j" type="prismatic"><parent link="a"/><child link="b"/><axis xyz="0 1 0"/>'
        '<limit lower="0" upper="1" effort="1" velocity="1"/></joint></robot>'
    )
    robot = robojac.load(path)
    for ref in REFS:
        assert robot.jacobian([0.3], ref=ref).shape == (6, 1)
        assert robot.jacobian_dot([0.3], [1.0], ref=ref).shape == (6, 1)
    np.testing.assert_allclose(robot.jacobian([0.3])[:, 0], [0, 1, 0, 0, 0, 0])


def test_a_robot_cannot_be_changed_after_loading(robots):
    panda = robots["panda"]
    with pytest.raises(TypeError):
        panda.frame_ids["panda_link3"] = 0  # type: ignore[index]
    with pytest.raises(TypeError):
        panda.locked["panda_finger_joint1"] = 0.04  # type: ignore[index]
    with pytest.raises(AttributeError):
        panda.tip = "panda_link3"  # type: ignore[misc]


# ---------------------------------------------------------------------------- mimic joints and other loading rules
MIMIC_ARM = """<robot name="mimic_arm">
  <link name="base"/><link name="l1"/><link name="l2"/><link name="l3"/>
  <joint name="j1" type="revolute"><parent link="base"/><child link="l1"/><axis xyz="0 0 1"/>
    <limit lower="-2" upper="2" effort="1" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="l1"/><child link="l2"/><origin xyz="0 0 0.5"/><axis xyz="0 1 0"/>
    <limit lower="-2" upper="2" effort="1" velocity="1"/>{mimic}</joint>
  <joint name="j3" type="revolute"><parent link="l2"/><child link="l3"/><origin xyz="0.3 0 0.5"/><axis xyz="1 0 0"/>
    <limit lower="-2" upper="2" effort="1" velocity="1"/></joint>
</robot>"""


@pytest.fixture
def mimic_arm(tmp_path):
    """Paths of the arm with j2 = 2·j1 + 0.1 and of the same arm with j2 independent."""
    coupled, plain = tmp_path / "coupled.urdf", tmp_path / "plain.urdf"
    coupled.write_text(MIMIC_ARM.format(mimic='<mimic joint="j1" multiplier="2" offset="0.1"/>'))
    plain.write_text(MIMIC_ARM.format(mimic=""))
    return coupled, plain


def test_a_mimic_joint_driven_by_q_is_refused(mimic_arm):
    coupled, plain = mimic_arm
    assert robojac.load(plain).dof == 3  # the mimic used to be this: a third, free joint
    with pytest.raises(robojac.ChainError) as info:
        robojac.load(coupled)
    msg = str(info.value)
    assert "'j2'" in msg and "mimics 'j1'" in msg and "j2 = 2·j1 + 0.1" in msg
    assert "locked={'j1': value}" in msg and "tip='l1'" in msg


def test_a_mimic_joint_follows_its_locked_leader(mimic_arm):
    coupled, plain = mimic_arm
    robot = robojac.load(coupled, locked={"j1": 0.3})
    assert robot.joint_names == ("j3",)
    assert dict(robot.locked) == pytest.approx({"j1": 0.3, "j2": 2 * 0.3 + 0.1})
    reference = robojac.load(plain, locked={"j1": 0.3, "j2": 0.7})
    for q in ([0.0], [0.8], [-1.5]):
        np.testing.assert_allclose(robot.fk(q), reference.fk(q), atol=1e-15)
        for ref in REFS:
            np.testing.assert_allclose(
                robot.jacobian(q, ref=ref), fd_jacobian(robot, np.array(q), None, ref), atol=2e-8
            )


def test_a_mimic_joint_below_the_base_follows_the_leader_above_it(mimic_arm):
    """With base='l1', j1 is above the base and locked at 0, so j2 is locked at 0.1."""
    coupled, plain = mimic_arm
    robot = robojac.load(coupled, base="l1")
    assert robot.joint_names == ("j3",) and robot.locked["j2"] == pytest.approx(0.1)
    reference = robojac.load(plain, base="l1", locked={"j2": 0.1})
    np.testing.assert_allclose(robot.fk([0.4]), reference.fk([0.4]), atol=1e-15)
    with pytest.raises(robojac.InputError, match="lock 'j1' instead"):
        robojac.load(coupled, locked={"j2": 0.5})


def test_a_gripper_finger_mimic_off_the_chain(tmp_path):
    """clash_arm's right finger mimics the left one; both are off the chain to the tool."""
    text = (DATA / "clash_arm.urdf").read_text()
    path = tmp_path / "clash_arm.urdf"
    path.write_text(text.replace('multiplier="1" offset="0"', 'multiplier="0.5" offset="0.01"'))
    with pytest.warns(robojac.MeshWarning):
        closed = robojac.load(path, tip="tool")
        opened = robojac.load(path, tip="tool", locked={"finger_left_joint": 0.03})
    assert closed.locked["finger_right_joint"] == pytest.approx(0.01)
    assert opened.locked["finger_right_joint"] == pytest.approx(0.5 * 0.03 + 0.01)
    q = opened.neutral()

    def gap(robot):
        return np.linalg.norm(robot.fk(q, "finger_left")[:3, 3] - robot.fk(q, "finger_right")[:3, 3])

    # The fingers sit 0.04 m apart at zero and open along ±y of the gripper.
    assert gap(closed) == pytest.approx(0.04 + 0.01, abs=1e-12)
    assert gap(opened) == pytest.approx(0.04 + 0.03 + 0.025, abs=1e-12)
    # With the left finger on the chain, the right one would have to move with q.
    with (
        pytest.warns(robojac.MeshWarning),
        pytest.raises(robojac.ChainError, match="'finger_right_joint' off the chain"),
    ):
        robojac.load(path, tip="finger_left")


def test_locked_reports_the_values_used(tmp_path):
    """A joint whose range excludes zero is locked at the nearest limit, and says so."""
    path = tmp_path / "a.urdf"
    path.write_text(
        MIMIC_ARM.format(mimic="").replace(
            '<limit lower="-2" upper="2" effort="1" velocity="1"/></joint>\n</robot>',
            '<limit lower="0.5" upper="1" effort="1" velocity="1"/></joint>\n</robot>',
        )
    )
    robot = robojac.load(path, tip="l2")
    assert robot.locked["j3"] == 0.5


def test_package_dirs_may_be_none_or_one_folder():
    with pytest.warns(robojac.MeshWarning, match="2 mesh file"):
        robojac.load(DATA / "clash_arm.urdf", package_dirs=None)
    with pytest.warns(robojac.MeshWarning, match="1 mesh file"):
        robot = robojac.load(DATA / "clash_arm.urdf", package_dirs=str(DATA))
    assert {v.link: v.mesh_path for v in robot.visuals if v.kind == "mesh"}["base_link"] is not None
    with pytest.raises(robojac.InputError, match="package_dirs"):
        robojac.load("panda", package_dirs=[3])


def chain_urdf(n: int) -> str:
    links = "".join(f'<link name="l{i}"/>' for i in range(n + 1))
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><parent link="l{i}"/><child link="l{i + 1}"/><origin xyz="0 0 0.01"/>'
        f'<axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        for i in range(n)
    )
    return f'<robot name="chain">{links}{joints}</robot>'


def test_the_longest_chain_and_the_deepest_tree(tmp_path):
    path = tmp_path / "deep.urdf"
    path.write_text(chain_urdf(robojac.urdf.MAX_DEPTH))
    robot = robojac.load(path, base=f"l{robojac.urdf.MAX_DEPTH - robojac.loading.MAX_CHAIN_JOINTS}")
    assert robot.dof == robojac.loading.MAX_CHAIN_JOINTS
    np.testing.assert_allclose(robot.fk(robot.neutral())[:3, 3], [0, 0, 0.01 * robot.dof], atol=1e-12)
    with pytest.raises(robojac.ChainError, match="101 movable joints"):
        robojac.load(path, base=f"l{robojac.urdf.MAX_DEPTH - robojac.loading.MAX_CHAIN_JOINTS - 1}")
    path.write_text(chain_urdf(robojac.urdf.MAX_DEPTH + 1))
    with pytest.raises(robojac.URDFError, match="1001 joints below the root"):
        robojac.load(path, base="l990")


def test_urdf_text_is_not_echoed(tmp_path):
    text = MIMIC_ARM.format(mimic="")
    with pytest.raises(robojac.URDFError) as info:
        robojac.load(text)
    assert "write the text to a file" in str(info.value) and len(str(info.value)) < 200
    with pytest.raises(robojac.UnknownRobotError) as unknown:
        robojac.load("x" * 5000)
    assert len(str(unknown.value)) < 300


def test_random_configuration_takes_a_generator_a_seed_or_none(robots):
    robot = robots["panda"]
    a = robot.random_configuration(7)
    np.testing.assert_array_equal(a, robot.random_configuration(np.random.default_rng(7)))
    np.testing.assert_array_equal(a, robot.random_configuration(np.int64(7)))
    np.testing.assert_array_equal(a, robot.random_configuration(np.random.SeedSequence(7)))
    assert robot.within_limits(robot.random_configuration(None))


def test_within_limits_tolerance_widens_the_range(robots):
    robot = robots["planar_2r"]
    q = robot.upper + 0.01
    assert not robot.within_limits(q)
    assert robot.within_limits(q, tol=0.02)
    assert robot.within_limits(q, tol=np.float32(0.02))
    assert not robot.within_limits(q, tol=0)
