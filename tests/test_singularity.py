"""Singularity reports, the manipulability gradient, path scans, UR classification and robust steps.

Every measure is checked against an independent computation: closed forms of the planar
2R, √det(J Jᵀ), central finite differences of w(q), the UR5's DH determinant, and the
physics of a lost direction (a wrench that does no work on any joint).
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

import robojac
from robojac import dls
from robojac import measures as manip
from robojac import singularity as S
from robojac.cli import main
from robojac.cli.format import scan_text, singularity_text
from robojac.errors import FrameError, InputError, RobojacError
from robojac.singularity import ur

L1, L2 = 0.5, 0.4  # planar_2r link lengths [m]
# UR5 standard DH lengths [m] (urdf/generate.py)
A2, A3, D5 = -0.425, -0.39225, 0.09465
UR_Q = np.array([0.3, -1.0, 1.2, -0.5, 0.6, 0.2])  # a regular UR5 configuration
BUNDLED = robojac.bundled_robots()


@pytest.fixture(scope="module")
def ur5(robots: dict[str, robojac.Robot]) -> robojac.Robot:
    return robots["ur5"]


@pytest.fixture(scope="module")
def r2(robots: dict[str, robojac.Robot]) -> robojac.Robot:
    return robots["planar_2r"]


def jacobian_2r(t1: float, t2: float) -> np.ndarray:
    """Closed-form 6×2 Jacobian of the planar 2R tool, rows [v; ω], base axes."""
    s1, c1, s12, c12 = np.sin(t1), np.cos(t1), np.sin(t1 + t2), np.cos(t1 + t2)
    J = np.zeros((6, 2))
    J[0] = [-L1 * s1 - L2 * s12, -L2 * s12]
    J[1] = [L1 * c1 + L2 * c12, L2 * c12]
    J[5] = [1.0, 1.0]
    return J


def ur_det(q: np.ndarray) -> float:
    """det J of the UR5 (standard DH), the same in every ref."""
    s3, s5 = np.sin(q[2]), np.sin(q[4])
    return A2 * A3 * s3 * s5 * shoulder_term(q)


def shoulder_term(q: np.ndarray) -> float:
    return A2 * np.cos(q[1]) + A3 * np.cos(q[1] + q[2]) + D5 * np.sin(q[1] + q[2] + q[3])


def ur_shoulder_q() -> np.ndarray:
    """A UR5 configuration on the shoulder singularity, elbow and wrist well clear of theirs."""
    q = UR_Q.copy()
    q[1] = brentq(lambda q2: shoulder_term(np.r_[q[0], q2, q[2:]]), -2.5, -1.0, xtol=1e-15)
    return q


def fd_manipulability(robot: robojac.Robot, q: np.ndarray, part: str, h: float = 1e-6) -> np.ndarray:
    """Central differences of w(q) = σ₁⋯σₖ, computed by plain numpy from robot.jacobian."""
    rows = manip.PARTS[part]

    def w(x: np.ndarray) -> float:
        return float(np.prod(np.linalg.svd(robot.jacobian(x)[rows], compute_uv=False)))

    return np.array([(w(q + h * e) - w(q - h * e)) / (2 * h) for e in np.eye(robot.dof)])


# ---------------------------------------------------------------------------- planar 2R
def test_2r_stretched_translational_block_has_rank_1_and_loses_the_radial_direction(r2: robojac.Robot) -> None:
    for t1 in (0.0, 0.3, -2.0, 2.9):
        rep = S.singularity_report(r2, [t1, 0.0])
        tr = rep.translational
        assert tr is not None and tr.rank == 1 and tr.is_singular and tr.is_exactly_singular
        assert tr.condition_number == np.inf and tr.manipulability == 0.0
        radial = np.array([np.cos(t1), np.sin(t1), 0.0])  # along the arm
        assert tr.lost_directions.shape == (1, 3)
        assert abs(tr.lost_directions[0] @ radial) == pytest.approx(1.0, abs=1e-9)
        # The reachable direction is the tangent, with speed l1 + l2 per rad/s of joint 1.
        assert tr.singular_values[0] == pytest.approx(np.hypot(L1 + L2, L2), rel=1e-12)
        # The full 6×2 Jacobian is not singular there: ωz tells the two joints apart.
        assert not rep.is_singular and rep.rank == 2


def test_2r_folded_is_singular_too(r2: robojac.Robot) -> None:
    tr = S.singularity_report(r2, [0.4, np.pi]).translational
    assert tr is not None and tr.rank == 1
    assert abs(tr.lost_directions[0] @ [np.cos(0.4), np.sin(0.4), 0]) == pytest.approx(1.0, abs=1e-9)


def test_2r_matches_closed_form(r2: robojac.Robot) -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        t1, t2 = rng.uniform(-3, 3, 2)
        Jc = jacobian_2r(t1, t2)
        assert np.allclose(r2.jacobian([t1, t2]), Jc, atol=1e-12)
        rep = S.singularity_report(r2, [t1, t2])
        # planar 2R: w of the 2×2 position Jacobian is l1 l2 |sin θ2| (Yoshikawa's textbook case)
        assert rep.translational is not None
        assert rep.translational.manipulability == pytest.approx(L1 * L2 * abs(np.sin(t2)), abs=1e-12)
        # the tall 6×2 Jacobian: w = √det(JᵀJ)
        assert rep.manipulability == pytest.approx(np.sqrt(np.linalg.det(Jc.T @ Jc)), rel=1e-9)
        ref = S.analyze_jacobian(Jc)
        assert np.allclose(ref.singular_values, rep.singular_values, atol=1e-12)


def test_2r_scan_translational_through_stretch(r2: robojac.Robot) -> None:
    qs = np.column_stack([np.full(31, 0.2), np.linspace(-0.6, 0.5, 31)])  # θ2 crosses 0 between samples
    scan = S.scan_path(r2, qs, part="translational", threshold=0.02)
    assert len(scan.intervals) == 1
    iv = scan.intervals[0]
    assert iv.q_min[1] == pytest.approx(0.0, abs=1e-7)
    assert abs(iv.lost_direction @ [np.cos(0.2), np.sin(0.2), 0.0]) == pytest.approx(1.0, abs=1e-6)
    assert "joint2" in iv.joints
    # every sample below threshold is inside the interval, none outside
    below = np.flatnonzero(scan.sigma_min < 0.02)
    assert below.min() == iv.start and below.max() == iv.stop and iv.start <= iv.min_index <= iv.stop


# ---------------------------------------------------------------------------- measures on arrays
def test_manipulability_against_sqrt_det(robots: dict[str, robojac.Robot]) -> None:
    rng = np.random.default_rng(2)
    for name in ("ur5", "panda", "iiwa14"):
        robot = robots[name]
        for _ in range(10):
            q = robot.random_configuration(rng)
            J = robot.jacobian(q)
            rep = S.singularity_report(robot, q)
            assert rep.manipulability == pytest.approx(np.sqrt(np.linalg.det(J @ J.T)), rel=1e-9)
            assert manip.manipulability(robot, q) == pytest.approx(rep.manipulability, rel=1e-12)
            for part, block in (("translational", rep.translational), ("rotational", rep.rotational)):
                Jb = J[manip.PARTS[part]]
                assert block is not None
                assert block.manipulability == pytest.approx(np.sqrt(np.linalg.det(Jb @ Jb.T)), rel=1e-9)
            s = np.linalg.svd(J, compute_uv=False)
            assert np.allclose(rep.singular_values, s, rtol=1e-12, atol=1e-14)
            assert np.all(np.diff(rep.singular_values) <= 0)
            assert rep.sigma_min == pytest.approx(s[-1], rel=1e-12) and rep.sigma_max == pytest.approx(s[0], rel=1e-12)
            assert rep.condition_number == pytest.approx(s[0] / s[-1]) and rep.inverse_condition == pytest.approx(
                s[-1] / s[0]
            )
    # square: w = |det J|, for the UR5's DH closed form too
    for _ in range(10):
        q = robots["ur5"].random_configuration(rng)
        assert manip.manipulability(robots["ur5"], q) == pytest.approx(abs(ur_det(q)), rel=1e-9)


def test_directions_and_null_space_are_what_they_claim() -> None:
    rng = np.random.default_rng(3)
    for shape in ((6, 7), (6, 6), (3, 5), (6, 2), (4, 4)):
        m, n = shape
        k = min(m, n)
        Q1, _ = np.linalg.qr(rng.standard_normal((m, m)))
        Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
        sig = np.r_[np.linspace(3.0, 0.5, k - 1), 1e-4]  # one direction nearly lost
        J = Q1[:, :k] @ np.diag(sig) @ Q2[:, :k].T
        rep = S.analyze_jacobian(J, threshold=1e-2)
        assert np.allclose(rep.singular_values, sig, atol=1e-12)
        s = np.linalg.svd(J, compute_uv=False)
        assert rep.rank == int(np.sum(s[:k] >= 1e-2)) and rep.is_singular
        assert rep.lost_directions.shape == (k - rep.rank, m)
        assert rep.null_space.shape == (n - rep.rank, n)
        # rows orthonormal; J v = σ u pairwise; lost outputs and null inputs are nearly invisible
        assert np.allclose(rep.null_space @ rep.null_space.T, np.eye(n - rep.rank), atol=1e-12)
        assert np.allclose(J @ rep.input_directions.T, rep.output_directions.T * rep.singular_values, atol=1e-12)
        assert np.all(np.linalg.norm(J @ rep.null_space.T, axis=0) < 1e-2)
        assert np.all(np.linalg.norm(J.T @ rep.lost_directions.T, axis=0) < 1e-2)


def test_exactly_singular_reports_inf_without_warnings() -> None:
    J = np.zeros((6, 6))
    J[:, :5] = np.random.default_rng(4).standard_normal((6, 5))
    J[:, 5] = J[:, 4]  # two identical columns
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero, no invalid value
        with np.errstate(all="raise"):
            rep = S.analyze_jacobian(J)
            zero = S.analyze_jacobian(np.zeros((6, 3)))
    assert rep.sigma_min == 0.0 and rep.is_exactly_singular and rep.manipulability == 0.0
    assert rep.condition_number == np.inf and rep.inverse_condition == 0.0
    assert rep.rank == 5 and rep.null_space.shape == (1, 6)
    v = rep.null_space[0]
    assert np.allclose(abs(v[4:]), np.sqrt(0.5)) and v[4] == pytest.approx(-v[5])
    assert "exactly singular" in singularity_text(rep) and "inf" in singularity_text(rep)
    assert zero.rank == 0 and zero.condition_number == np.inf and zero.null_space.shape == (3, 3)
    assert "zero" in singularity_text(zero)
    zd = zero.to_dict()
    for block in (zd, zd["translational"], zd["rotational"]):  # every field defined, none NaN
        assert block["manipulability"] == 0.0 and block["inverse_condition"] == 0.0 and block["rank"] == 0
        assert block["condition_number"] is None and block["sigma_max"] == 0.0  # null: infinite
    assert not any(isinstance(v, float) and np.isnan(v) for v in zd.values())


def test_huge_but_representable_jacobian_is_analysed_exactly() -> None:
    A = np.random.default_rng(5).standard_normal((6, 7))
    base = S.analyze_jacobian(A)
    big = S.analyze_jacobian(A * 1e50)  # σ up to ~1e51, w ~ 1e300: still inside float64
    np.testing.assert_allclose(big.singular_values, base.singular_values * 1e50, rtol=1e-12)
    assert big.manipulability == pytest.approx(base.manipulability * 1e300, rel=1e-12)


def test_report_to_dict_is_strict_json(ur5: robojac.Robot) -> None:
    from robojac.cli import to_jsonable

    rep = S.singularity_report(ur5, ur5.neutral())
    d = json.loads(json.dumps(to_jsonable(rep.to_dict()), allow_nan=False))
    assert d["condition_number"] is None and rep.condition_number == math.inf and d["is_singular"] and d["rank"] == 5
    assert set(d["singularity_types"]) == {"wrist", "elbow"}
    assert len(d["translational"]["singular_values"]) == 3


# ---------------------------------------------------------------------------- invariants under ref
def test_invariants_under_ref(robots: dict[str, robojac.Robot]) -> None:
    rng = np.random.default_rng(5)
    for robot in robots.values():
        for _ in range(5):
            q = robot.random_configuration(rng)
            reps = {ref: S.singularity_report(robot, q, ref=ref) for ref in ("local", "world", "local_world_aligned")}
            rot = [r.rotational.singular_values for r in reps.values() if r.rotational is not None]
            assert len(rot) == 3 and all(np.allclose(x, rot[0], atol=1e-12) for x in rot)
            lwa, loc, wld = reps["local_world_aligned"], reps["local"], reps["world"]
            assert np.allclose(lwa.singular_values, loc.singular_values, atol=1e-12)
            assert lwa.translational is not None and loc.translational is not None
            assert np.allclose(lwa.translational.singular_values, loc.translational.singular_values, atol=1e-12)
            # the directions rotate with the frame: u(local) = blockdiag(Rᵀ, Rᵀ) u(lwa), up to sign
            R = robot.fk(q)[:3, :3]
            rotated = np.kron(np.eye(2), R.T) @ lwa.output_directions.T
            assert np.allclose(np.abs(np.sum(rotated * loc.output_directions.T, axis=0)), 1.0, atol=1e-8)
            if robot.dof >= 6:
                # a square or wide Jacobian: det(J Jᵀ) is the same in every ref (the change is unimodular)
                assert wld.manipulability == pytest.approx(lwa.manipulability, rel=1e-9)
        # world's linear rows are velocities of the point at the base origin: its σ differ
        q = robot.random_configuration(rng)
        s_w = S.singularity_report(robot, q, ref="world").singular_values
        s_l = S.singularity_report(robot, q).singular_values
        assert not np.allclose(s_w, s_l, atol=1e-6)


# ---------------------------------------------------------------------------- gradient
@pytest.mark.parametrize("name", BUNDLED)
def test_gradient_against_central_differences(robots: dict[str, robojac.Robot], name: str) -> None:
    robot = robots[name]
    rng = np.random.default_rng(6)
    qs = [robot.random_configuration(rng) for _ in range(4)]
    for q in qs:
        for part in manip.PARTS:
            g = manip.manipulability_gradient(robot, q, part=part)
            fd = fd_manipulability(robot, q, part)
            assert g.shape == (robot.dof,)
            scale = max(1.0, float(np.abs(fd).max()))
            assert np.allclose(g, fd, atol=2e-8 * scale), (part, g, fd)
    # Yoshikawa's form w · tr((J Jᵀ)⁻¹ ∂J/∂qₖ Jᵀ) agrees where J Jᵀ is invertible
    if robot.dof >= 6:
        q = qs[0]
        J, dJ = manip.frame_hessian(robot, q)
        w = np.sqrt(np.linalg.det(J @ J.T))
        M = np.linalg.inv(J @ J.T)
        yosh = np.array([w * np.trace(M @ dJ[:, :, k] @ J.T) for k in range(robot.dof)])
        assert np.allclose(manip.manipulability_gradient(robot, q), yosh, atol=1e-10)


def test_frame_hessian_against_finite_differences(robots: dict[str, robojac.Robot]) -> None:
    for name in ("ur5", "panda"):
        robot = robots[name]
        q = robot.random_configuration(7)
        J, dJ = manip.frame_hessian(robot, q)
        assert np.allclose(J, robot.jacobian(q, ref="local"), atol=1e-12)
        h = 1e-6
        for k in range(robot.dof):
            e = np.eye(robot.dof)[k] * h
            fd = (robot.jacobian(q + e, ref="local") - robot.jacobian(q - e, ref="local")) / (2 * h)
            assert np.allclose(dJ[:, :, k], fd, atol=1e-8)


def test_gradient_near_and_at_singularities(robots: dict[str, robojac.Robot], ur5: robojac.Robot) -> None:
    q = UR_Q.copy()
    q[4] = 1e-3  # near the wrist singularity: w ~ |q5|, slope along q5 ≈ w/q5
    g = manip.manipulability_gradient(ur5, q)
    assert np.allclose(g, fd_manipulability(ur5, q, "full", h=1e-7), atol=1e-7)
    assert g[4] == pytest.approx(abs(ur_det(q)) / np.tan(q[4]), rel=1e-5)
    # a double zero (elbow and wrist at once): w is of second order, the gradient is 0 and finite
    with np.errstate(all="raise"):
        assert np.allclose(manip.manipulability_gradient(ur5, ur5.neutral()), 0.0, atol=1e-12)
        g_iiwa = manip.manipulability_gradient(robots["iiwa14"], robots["iiwa14"].neutral())
    assert np.all(np.isfinite(g_iiwa))


def test_gradient_on_continuous_prismatic_and_moved_base() -> None:
    with pytest.warns(robojac.MeshWarning):
        arm = robojac.load(Path(__file__).parent / "data" / "clash_arm.urdf", tip="tool")
    ur_up = robojac.load("ur5", base="shoulder_link")
    for robot in (arm, ur_up):
        q = robot.random_configuration(8)
        for part in ("full", "translational"):
            g = manip.manipulability_gradient(robot, q, part=part)
            assert np.allclose(g, fd_manipulability(robot, q, part), atol=1e-8)


# ---------------------------------------------------------------------------- UR5 classification
def test_ur5_margins_are_the_dh_conditions(ur5: robojac.Robot) -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        q = ur5.random_configuration(rng)
        m = S.ur_singularity_margins(ur5, q)
        assert m is not None
        assert m["wrist"] == pytest.approx(abs(np.sin(q[4])), abs=1e-12)
        assert m["elbow"] == pytest.approx(abs(np.sin(q[2])), abs=1e-12)
        assert m["shoulder"] == pytest.approx(abs(shoulder_term(q)), abs=1e-12)


@pytest.mark.parametrize(
    ("kind", "joint", "value"),
    [("wrist", 4, 0.0), ("wrist", 4, np.pi), ("elbow", 2, 0.0), ("elbow", 2, -np.pi)],
)
def test_ur5_wrist_and_elbow_detected_and_named(ur5: robojac.Robot, kind: str, joint: int, value: float) -> None:
    q = UR_Q.copy()
    q[joint] = value
    rep = S.singularity_report(ur5, q)
    assert rep.singularity_types == (kind,)
    assert rep.is_singular and rep.rank == 5 and rep.sigma_min < 1e-12
    assert rep.null_space.shape == (1, 6)
    assert np.linalg.norm(ur5.jacobian(q) @ rep.null_space[0]) < 1e-12
    # the lost twist, read as a wrench [f; τ] at the tool, does no work on any joint
    assert np.linalg.norm(ur5.jacobian(q).T @ rep.lost_directions[0]) < 1e-12
    v = rep.null_space[0]
    if kind == "wrist":  # axes 4 and 6 line up: wrist_1 and wrist_3 turn against each other (with q5 = π, together)
        assert v[3] * v[5] * np.cos(q[4]) < 0 and {"wrist_1_joint", "wrist_3_joint"} <= set(_involved(ur5, v))
    else:  # links 2 and 3 in line: only the three parallel joints move, and their angles sum to zero
        assert np.allclose(v[[0, 4, 5]], 0.0, atol=1e-12) and v[1] + v[2] + v[3] == pytest.approx(0.0, abs=1e-12)
        assert {"shoulder_lift_joint", "wrist_1_joint"} <= set(_involved(ur5, v))
    # a little away from the condition the type is no longer named
    q[joint] = value + 0.05
    assert S.singularity_report(ur5, q).singularity_types == ()


def _involved(robot: robojac.Robot, v: np.ndarray) -> list[str]:
    return [n for n, x in zip(robot.joint_names, v) if abs(x) >= S.scan.JOINT_SHARE * np.abs(v).max()]


def test_ur5_shoulder_detected_named_and_its_lost_direction_is_physical(ur5: robojac.Robot) -> None:
    q = ur_shoulder_q()
    rep = S.singularity_report(ur5, q)
    assert rep.singularity_types == ("shoulder",)
    assert rep.type_margins is not None and rep.type_margins["shoulder"] < 1e-12
    assert rep.is_singular and rep.sigma_min < 1e-9
    # Lost: a force along axis 2 through the wrist point (where axes 5 and 6 meet). It lies
    # in the plane of axes 1 and 2, so it has no moment about axis 1; it is parallel to
    # axes 2–4; axes 5 and 6 pass through its point. As a wrench at the tool origin:
    a, p = S.joint_axes(ur5, q)
    wrist_point = ur._closest_point(p[4], a[4], p[5], a[5])
    tool = ur5.fk(q)[:3, 3]
    wrench = np.r_[a[1], np.cross(wrist_point - tool, a[1])]
    wrench /= np.linalg.norm(wrench)
    assert abs(rep.lost_directions[0] @ wrench) == pytest.approx(1.0, abs=1e-9)
    assert "shoulder_pan_joint" in _involved(ur5, rep.null_space[0])


def test_ur5_regular_and_multiple(ur5: robojac.Robot) -> None:
    rep = S.singularity_report(ur5, UR_Q)
    assert rep.singularity_types == () and not rep.is_singular and rep.type_margins is not None
    both = S.singularity_report(ur5, ur5.neutral())
    assert both.singularity_types == ("elbow", "wrist")
    assert S.classify_ur_singularity(ur5, ur5.neutral()) == ("elbow", "wrist")
    # tolerance: at q5 = 0.005 the wrist is named at 0.01 and not at 0.001
    q = UR_Q.copy()
    q[4] = 0.005
    assert S.classify_ur_singularity(ur5, q) == ("wrist",)
    assert S.classify_ur_singularity(ur5, q, tolerance=1e-3) == ()


def test_ur_classification_only_for_ur_geometry(robots: dict[str, robojac.Robot], ur5: robojac.Robot) -> None:
    for name in ("panda", "iiwa14", "planar_2r"):
        robot = robots[name]
        rep = S.singularity_report(robot, robot.neutral())
        assert rep.type_margins is None and rep.singularity_types == ()
    # a frame before the wrist: joints 5 and 6 do not move it, so the 6R conditions do not apply
    assert S.ur_singularity_margins(ur5, ur5.neutral(), "forearm_link") is None
    # a frame rigidly on the last link: the same conditions as the tool (det J does not depend on the point)
    assert S.ur_singularity_margins(ur5, UR_Q, "wrist_3_link") == pytest.approx(S.ur_singularity_margins(ur5, UR_Q))
    # the same arm hung from a different base link is no longer a 6R UR chain
    assert S.ur_singularity_margins(robojac.load("ur5", base="shoulder_link"), np.zeros(5)) is None


# The old ROS-Industrial ur_description layout: other frames, other zero rotations, axes
# along y, a shoulder offset along y, and a base placed off the world origin.
UR5_ROS = """<?xml version="1.0"?>
<robot name="ur5_ros">
  <link name="world"/>
  <link name="base_link"/>
  <link name="shoulder_link"/>
  <link name="upper_arm_link"/>
  <link name="forearm_link"/>
  <link name="wrist_1_link"/>
  <link name="wrist_2_link"/>
  <link name="wrist_3_link"/>
  <link name="ee_link"/>
  <joint name="world_joint" type="fixed"><parent link="world"/><child link="base_link"/><origin xyz="0.2 -0.1 0.8" rpy="0 0 0.7"/></joint>
  <joint name="shoulder_pan_joint" type="revolute"><parent link="base_link"/><child link="shoulder_link"/>
    <origin xyz="0 0 0.089159" rpy="0 0 0"/><axis xyz="0 0 1"/><limit lower="-6.28" upper="6.28" effort="150" velocity="3.15"/></joint>
  <joint name="shoulder_lift_joint" type="revolute"><parent link="shoulder_link"/><child link="upper_arm_link"/>
    <origin xyz="0.0 0.13585 0.0" rpy="0.0 1.570796325 0.0"/><axis xyz="0 1 0"/><limit lower="-6.28" upper="6.28" effort="150" velocity="3.15"/></joint>
  <joint name="elbow_joint" type="revolute"><parent link="upper_arm_link"/><child link="forearm_link"/>
    <origin xyz="0.0 -0.1197 0.425" rpy="0 0 0"/><axis xyz="0 1 0"/><limit lower="-3.14" upper="3.14" effort="150" velocity="3.15"/></joint>
  <joint name="wrist_1_joint" type="revolute"><parent link="forearm_link"/><child link="wrist_1_link"/>
    <origin xyz="0.0 0.0 0.39225" rpy="0.0 1.570796325 0.0"/><axis xyz="0 1 0"/><limit lower="-6.28" upper="6.28" effort="28" velocity="3.2"/></joint>
  <joint name="wrist_2_joint" type="revolute"><parent link="wrist_1_link"/><child link="wrist_2_link"/>
    <origin xyz="0.0 0.093 0.0" rpy="0 0 0"/><axis xyz="0 0 1"/><limit lower="-6.28" upper="6.28" effort="28" velocity="3.2"/></joint>
  <joint name="wrist_3_joint" type="revolute"><parent link="wrist_2_link"/><child link="wrist_3_link"/>
    <origin xyz="0.0 0.0 0.09465" rpy="0 0 0"/><axis xyz="0 1 0"/><limit lower="-6.28" upper="6.28" effort="28" velocity="3.2"/></joint>
  <joint name="ee_fixed_joint" type="fixed"><parent link="wrist_3_link"/><child link="ee_link"/>
    <origin xyz="0.0 0.0823 0.0" rpy="0.0 0.0 1.570796325"/></joint>
</robot>
"""


def test_ur_classification_on_a_ros_style_ur5(tmp_path: Path) -> None:
    path = tmp_path / "ur5_ros.urdf"
    path.write_text(UR5_ROS)
    robot = robojac.load(path, tip="ee_link")
    rng = np.random.default_rng(12)
    for _ in range(10):
        q = robot.random_configuration(rng)
        m = S.ur_singularity_margins(robot, q)
        assert m is not None
        assert m["wrist"] == pytest.approx(abs(np.sin(q[4])), abs=1e-12)
        assert m["elbow"] == pytest.approx(abs(np.sin(q[2])), abs=1e-12)
        # the factorisation is geometric, so it holds whatever the URDF's conventions
        product = abs(A2 * A3) * m["wrist"] * m["elbow"] * m["shoulder"]
        assert abs(np.linalg.det(robot.jacobian(q))) == pytest.approx(product, rel=1e-9)
    assert S.singularity_report(robot, np.zeros(6)).singularity_types == ("elbow", "wrist")
    # an elbow axis turned by 90° breaks the structure: no classification
    bent = tmp_path / "bent.urdf"
    bent.write_text(
        UR5_ROS.replace(
            '<origin xyz="0.0 -0.1197 0.425" rpy="0 0 0"/><axis xyz="0 1 0"/>',
            '<origin xyz="0.0 -0.1197 0.425" rpy="0 0 0"/><axis xyz="1 0 0"/>',
        )
    )
    other = robojac.load(bent, tip="ee_link")
    assert S.ur_singularity_margins(other, np.zeros(6)) is None
    assert S.singularity_report(other, np.zeros(6)).singularity_types == ()


# ---------------------------------------------------------------------------- scanning
def test_scan_straight_path_through_wrist_singularity(ur5: robojac.Robot) -> None:
    start, end = UR_Q.copy(), UR_Q.copy()
    start[4], end[4] = -0.4, 0.3
    end[0] += 0.2  # joint 1 moves too; the path is straight in joint space
    qs = np.linspace(start, end, 40)  # q5 = 0 falls between samples
    scan = S.scan_path(ur5, qs)
    assert len(scan.intervals) == 1 and not scan.is_clear
    iv = scan.intervals[0]
    t_true = 0.4 / 0.7 * 39  # where q5 crosses 0, in sample units
    assert iv.t_min == pytest.approx(t_true, abs=1e-6)
    assert iv.q_min[4] == pytest.approx(0.0, abs=1e-7)
    assert iv.min_index in (int(np.floor(t_true)), int(np.ceil(t_true)))
    assert iv.sigma_min < 1e-7 and iv.types == ("wrist",)
    assert {"wrist_1_joint", "wrist_3_joint"} <= set(iv.joints)
    assert np.linalg.norm(ur5.jacobian(iv.q_min) @ iv.null_vector) < 1e-7
    assert np.all(scan.sigma_min[iv.start : iv.stop + 1] < S.SINGULAR_THRESHOLD)
    assert scan.sigma_min[iv.start - 1] >= S.SINGULAR_THRESHOLD and scan.sigma_min[iv.stop + 1] >= S.SINGULAR_THRESHOLD
    assert scan.manipulability.shape == (40,)
    assert "wrist" in scan_text(scan)
    # without refinement the minimum is the lowest sample
    coarse = S.scan_path(ur5, qs, refine=False).intervals[0]
    assert coarse.t_min == coarse.min_index == iv.min_index


def test_scan_two_crossings_and_clear_path(ur5: robojac.Robot) -> None:
    q5 = np.concatenate([np.linspace(0.5, -0.5, 25), np.linspace(-0.5, 0.5, 25)[1:]])
    elbow_then_wrist = np.tile(UR_Q, (q5.size, 1))
    elbow_then_wrist[:, 4] = q5
    scan = S.scan_path(ur5, elbow_then_wrist)
    assert len(scan.intervals) == 2
    assert all(iv.types == ("wrist",) for iv in scan.intervals)
    clear = S.scan_path(ur5, np.tile(UR_Q, (5, 1)))
    assert clear.is_clear and "no near-singular interval" in scan_text(clear)
    single = S.scan_path(ur5, [ur5.neutral()])  # one sample, singular: an interval of one
    assert len(single.intervals) == 1 and single.intervals[0].start == single.intervals[0].stop == 0
    assert single.intervals[0].t_min == 0.0 and np.isfinite(single.intervals[0].sigma_min)
    one = S.scan_path(ur5, [UR_Q])  # one regular sample: a clear scan of one, all fields defined
    assert one.is_clear and one.sigma_min.shape == one.manipulability.shape == (1,)
    assert np.all(np.isfinite(one.sigma_min)) and np.all(np.isfinite(one.manipulability))
    assert "scan of 1 samples" in scan_text(one) and json.dumps(one.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------- robust motion
def test_damped_step_stays_bounded_where_pseudo_inverse_blows_up(ur5: robojac.Robot) -> None:
    bound = 1.0 / robojac.dls.DAMPING_THRESHOLD  # ‖dq‖ ≤ ‖x‖/ε with the default λ_max = ε
    q = UR_Q.copy()
    grew = []
    for q5 in (1e-1, 1e-2, 1e-3, 1e-5, 1e-8, 0.0):
        q[4] = q5
        rep = S.singularity_report(ur5, q)
        x = rep.output_directions[-1]  # the worst twist: along the direction being lost
        step = dls.robust_step(ur5, q, x)
        assert np.linalg.norm(step.dq) <= bound * (1 + 1e-9)
        assert step.sigma_min == pytest.approx(rep.sigma_min, abs=1e-12)
        if q5 > 0:
            plain = np.linalg.pinv(ur5.jacobian(q), rcond=0) @ x
            grew.append(np.linalg.norm(plain))
            assert np.linalg.norm(plain) == pytest.approx(1 / rep.sigma_min, rel=1e-6)
    assert grew[-1] > 1e7 and grew[-1] > 1e6 * np.linalg.norm(step.dq)
    # random twists too, and right at the elbow and shoulder singularities
    rng = np.random.default_rng(10)
    for qq in (ur5.neutral(), ur_shoulder_q()):
        for _ in range(5):
            x = rng.standard_normal(6)
            assert np.linalg.norm(dls.robust_step(ur5, qq, x).dq) <= bound * np.linalg.norm(x) * (1 + 1e-9)


def test_damped_step_gain_bound_on_hand_written_jacobians() -> None:
    """The bound in damped_step's docstring, on σ swept through the damping band of a diagonal J."""
    eps = 0.04
    x = np.array([0.0, 1.0])  # along the second direction, whose σ is swept
    for lam_max in (0.04, 0.02, 0.01, 0.06):
        sigmas = np.r_[np.linspace(0.0, 2 * eps, 4001), 1e-9, 1e-6]
        norms = np.array(
            [
                np.linalg.norm(dls.damped_step(np.diag([1.0, s]), x, threshold=eps, max_damping=lam_max).dq)
                for s in sigmas
            ]
        )
        # independent closed form: the gain σ/(σ² + λ²), λ² = λ_max² (1 − σ²/ε²) below ε
        lam2 = np.where(sigmas < eps, lam_max**2 * (1 - (sigmas / eps) ** 2), 0.0)
        expected = np.divide(sigmas, sigmas**2 + lam2, out=np.zeros_like(sigmas), where=sigmas**2 + lam2 > 0)
        assert np.allclose(norms, expected, rtol=1e-9, atol=1e-12)
        if lam_max < eps:
            bound = max(1 / eps, 1 / (2 * lam_max * np.sqrt(1 - lam_max**2 / eps**2)))
        else:
            bound = 1 / eps
        assert norms.max() <= bound * (1 + 1e-9)
        assert norms.max() >= 0.99 * bound  # the bound is reached, not just respected
    # max_damping = 0 is the plain pseudo-inverse: 1/σ, and an exact zero is dropped, not divided by
    plain = dls.damped_step(np.diag([1.0, 1e-6]), x, threshold=eps, max_damping=0.0)
    assert plain.damping == 0.0 and np.linalg.norm(plain.dq) == pytest.approx(1e6, rel=1e-9)
    assert np.all(dls.damped_step(np.diag([1.0, 0.0]), x, max_damping=0.0).dq == 0.0)


def test_damped_step_is_exact_away_from_singularities(robots: dict[str, robojac.Robot]) -> None:
    rng = np.random.default_rng(11)
    for name in ("ur5", "panda"):
        robot = robots[name]
        q = UR_Q if name == "ur5" else robot.neutral()
        x = rng.standard_normal(6)
        step = dls.robust_step(robot, q, x)
        assert step.damping == 0.0
        assert np.allclose(robot.jacobian(q) @ step.dq, x, atol=1e-10)
        assert np.allclose(step.dq, np.linalg.pinv(robot.jacobian(q)) @ x, atol=1e-9)
    # position-only task on the planar arm
    r2 = robots["planar_2r"]
    step = dls.robust_step(r2, [0.2, 1.0], [0.1, -0.2, 0.0], part="translational")
    assert np.allclose(r2.jacobian([0.2, 1.0])[:3] @ step.dq, [0.1, -0.2, 0.0], atol=1e-12)


def test_null_space_climb_keeps_the_task_and_raises_manipulability(robots: dict[str, robojac.Robot]) -> None:
    panda = robots["panda"]
    q = panda.clip(panda.neutral() + 0.3 * np.where(np.arange(7) % 2 == 0, -1.0, 1.0))  # not a critical point of w
    x = np.array([0.05, 0.0, -0.02, 0.0, 0.1, 0.0])
    plain = dls.robust_step(panda, q, x)
    climb = dls.robust_step(panda, q, x, manipulability_gain=5.0)
    J = panda.jacobian(q)
    assert np.allclose(J @ climb.dq, J @ plain.dq, atol=1e-12)  # the tool does the same
    assert not np.allclose(climb.dq, plain.dq)
    g = manip.manipulability_gradient(panda, q)
    assert (climb.dq - plain.dq) @ g > 0  # and the extra motion climbs w
    # holding the tool still, the climb alone raises w step after step, and the tool stays put
    ws, T0 = [manip.manipulability(panda, q)], panda.fk(q)
    for _ in range(20):
        q = q + 0.05 * dls.robust_step(panda, q, np.zeros(6), manipulability_gain=50.0).dq
        ws.append(manip.manipulability(panda, q))
    assert np.all(np.diff(ws) > 0)
    assert np.linalg.norm(panda.fk(q)[:3, 3] - T0[:3, 3]) < 1e-5
    # not redundant: no null space, no change
    ur5 = robots["ur5"]
    a = dls.robust_step(ur5, UR_Q, x).dq
    b = dls.robust_step(ur5, UR_Q, x, manipulability_gain=5.0).dq
    assert np.array_equal(a, b)


# ---------------------------------------------------------------------------- bad input
def test_bad_input_raises_clear_errors(ur5: robojac.Robot) -> None:
    cases = [
        (lambda: S.singularity_report(ur5, [np.nan, 0, 0, 0, 0, 0]), "finite"),
        (lambda: S.singularity_report(ur5, np.zeros(5)), "shape (6,)"),
        (lambda: S.singularity_report(ur5, np.zeros((2, 6))), "shape (6,)"),
        (lambda: S.singularity_report(ur5, UR_Q, threshold=0.0), "threshold"),
        (lambda: S.singularity_report(ur5, UR_Q, threshold=-1), "threshold"),
        (lambda: S.singularity_report(ur5, UR_Q, threshold=float("nan")), "threshold"),
        (lambda: S.analyze_jacobian(np.zeros(6)), "2-D"),
        (lambda: S.analyze_jacobian(np.zeros((6, 0))), "non-empty"),
        (lambda: S.analyze_jacobian(np.full((6, 6), np.inf)), "finite"),
        (lambda: S.analyze_jacobian("J"), "numeric"),
        (lambda: S.scan_path(ur5, []), "empty"),
        (lambda: S.scan_path(ur5, np.zeros((0, 6))), "empty"),
        (lambda: S.scan_path(ur5, [np.zeros(6), np.zeros(5)]), "ragged"),
        (lambda: S.scan_path(ur5, [[0.0] * 6, [0.0] * 5 + [[0.0, 1.0]]]), "ragged"),
        (lambda: S.scan_path(ur5, np.zeros((4, 5))), "6 joint values"),
        (lambda: S.scan_path(ur5, np.zeros(6)), "shape (N, 6)"),
        (lambda: S.scan_path(ur5, [[np.nan] * 6]), "finite"),
        (lambda: S.scan_path(ur5, np.zeros((3, 6)), threshold=0), "threshold"),
        (lambda: S.scan_path(ur5, np.zeros((3, 6)), part="linear"), "part"),
        (lambda: manip.manipulability_gradient(ur5, UR_Q, part="both"), "part"),
        (lambda: dls.robust_step(ur5, UR_Q, np.zeros(5)), "twist"),
        (lambda: dls.robust_step(ur5, UR_Q, np.zeros(6), manipulability_gain=-1), "manipulability_gain"),
        (lambda: dls.robust_step(ur5, UR_Q, np.zeros(6), max_damping=-0.1), "max_damping"),
        (lambda: dls.damped_step(np.eye(6), np.zeros(6), threshold=0), "threshold"),
        (lambda: S.classify_ur_singularity(ur5, UR_Q, tolerance=0), "tolerance"),
    ]
    for call, words in cases:
        with pytest.raises(InputError, match=None) as info:
            call()
        assert words in str(info.value), (words, str(info.value))
    with pytest.raises(FrameError):
        S.singularity_report(ur5, UR_Q, "no_such_link")
    with pytest.raises(FrameError):
        S.scan_path(ur5, np.zeros((2, 6)), ref="body")
    with pytest.raises(RobojacError):
        manip.manipulability_gradient(ur5, [0, 0, 0, 0, 0, np.inf])


# ---------------------------------------------------------------------------- CLI and demo
def test_cli_singularity_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["singularity", "ur5", "--q", "0.3", "-1", "1.2", "-0.5", "0", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "exactly singular" in out and "wrist" in out and "lost directions" in out
    assert main(["singularity", "panda", "--json", "--ref", "local"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["ref"] == "local" and len(d["singular_values"]) == 6 and d["type_margins"] is None
    assert main(["singularity", "ur5", "--threshold", "-1"]) == 2
    assert "threshold" in capsys.readouterr().err


def test_cli_scan_npy_and_csv(tmp_path: Path, ur5: robojac.Robot, capsys: pytest.CaptureFixture[str]) -> None:
    start, end = UR_Q.copy(), UR_Q.copy()
    start[4], end[4] = -0.3, 0.4
    qs = np.linspace(start, end, 30)
    np.save(tmp_path / "p.npy", qs)
    header = ",".join(ur5.joint_names)
    np.savetxt(tmp_path / "p.csv", qs, delimiter=",", header=header, comments="")
    assert main(["scan", "ur5", "--path", str(tmp_path / "p.npy"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["samples"] == 30 and len(d["intervals"]) == 1 and d["intervals"][0]["types"] == ["wrist"]
    assert main(["scan", "ur5", "--path", str(tmp_path / "p.csv")]) == 0
    out = capsys.readouterr().out
    assert "1 near-singular interval" in out and "wrist" in out
    (tmp_path / "ragged.csv").write_text("0,0,0,0,0,0\n0,0,0,0,0\n")
    (tmp_path / "empty.csv").write_text("# nothing\n")
    (tmp_path / "p.txt2").write_text("0")
    for bad, words in (
        ("ragged.csv", "ragged"),
        ("empty.csv", "no joint values"),
        ("p.txt2", ".npy or .csv"),
        ("missing.npy", "does not exist"),
        (".", "is not a file"),
    ):
        assert main(["scan", "ur5", "--path", str(tmp_path / bad)]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1
    np.save(tmp_path / "wide.npy", np.zeros((3, 7)))
    assert main(["scan", "ur5", "--path", str(tmp_path / "wide.npy")]) == 2
    assert "6 joint values" in capsys.readouterr().err


def test_demo_section_shows_singular_and_regular(robots: dict[str, robojac.Robot]) -> None:
    from robojac.demo import SECTIONS
    from robojac.demo.singularity import demo_pair

    section = dict(SECTIONS)["Singularities"]
    for name in ("ur5", "panda", "planar_2r"):
        robot = robots[name]
        part, q_sing, _, q_reg, _ = demo_pair(robot)
        # the two configurations really are singular and regular for the Jacobian the walk followed
        sing, reg = S.singularity_report(robot, q_sing), S.singularity_report(robot, q_reg)
        sing_m = sing if part == "full" else getattr(sing, part)
        reg_m = reg if part == "full" else getattr(reg, part)
        assert sing_m.is_singular and sing_m.sigma_min < 1e-3 and not reg_m.is_singular
        text = section(robot)
        down = next(line for line in text.splitlines() if line.startswith("  down,"))
        up = next(line for line in text.splitlines() if line.startswith("  up,"))
        assert f"{part} Jacobian" in text and "singular: σ_min" in down and "regular: σ_min" in up
        assert f"{sing_m.sigma_min:.3g}" in down and f"{reg_m.sigma_min:.3g}" in up
    assert demo_pair(robots["planar_2r"])[0] == "translational"
    ur_text = section(robots["ur5"])
    held = S.singularity_report(robots["ur5"], demo_pair(robots["ur5"])[1]).singularity_types
    assert held and f"UR-type conditions that hold there: {', '.join(held)}" in ur_text
