"""Pose covariance J Σ_q Jᵀ against a Monte Carlo estimate through fk."""

from __future__ import annotations

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.pose import inverse, log6
from robojac.uncertainty import as_covariance, pose_covariance

N = 20_000


@pytest.fixture(scope="module")
def monte_carlo(robots: dict[str, robojac.Robot]) -> dict[str, object]:
    """20,000 joint samples around a Panda configuration, and the tool's pose errors in each ref."""
    robot = robots["panda"]
    rng = np.random.default_rng(40)
    q = robot.random_configuration(rng)
    A = rng.normal(size=(robot.dof, robot.dof))
    cov_q = (A @ A.T / robot.dof + np.eye(robot.dof)) * 1e-3**2  # correlated, about 1 mrad per joint
    samples = rng.multivariate_normal(q, cov_q, size=N)
    T0 = robot.fk(q)
    T0_inv = inverse(T0)
    errors: dict[str, list[np.ndarray]] = {"local": [], "world": [], "local_world_aligned": []}
    points: dict[str, list[np.ndarray]] = {"local": [], "world": [], "local_world_aligned": []}
    for qs in samples:
        T = robot.fk(qs)
        dp = T[:3, 3] - T0[:3, 3]  # the tool point's displacement, base axes
        points["local"].append(T0[:3, :3].T @ dp)
        points["world"].append(dp)
        points["local_world_aligned"].append(dp)
        errors["local"].append(log6(T0_inv @ T))
        errors["world"].append(log6(T @ T0_inv))
        errors["local_world_aligned"].append(np.r_[T[:3, 3] - T0[:3, 3], pin.log3(T[:3, :3] @ T0[:3, :3].T)])
    return {
        "q": q,
        "cov_q": cov_q,
        "errors": {k: np.array(v) for k, v in errors.items()},
        "points": {k: np.array(v) for k, v in points.items()},
    }


@pytest.mark.parametrize("ref", ["local", "world", "local_world_aligned"])
def test_covariance_matches_monte_carlo(robots: dict[str, robojac.Robot], monte_carlo: dict, ref: str) -> None:
    robot = robots["panda"]
    res = pose_covariance(robot, monte_carlo["q"], monte_carlo["cov_q"], ref=ref)
    X = monte_carlo["errors"][ref]
    sample = np.cov(X.T)
    S = res.covariance
    # the standard error of each sample covariance entry for a Gaussian: sqrt((SᵢᵢSⱼⱼ + Sᵢⱼ²)/N)
    stderr = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S**2) / N)
    assert np.all(np.abs(sample - S) < 5 * stderr + 1e-12), np.max(np.abs(sample - S) / stderr)
    # and the mean error is zero to first order
    assert np.all(np.abs(X.mean(axis=0)) < 5 * np.sqrt(np.diag(S) / N) + 1e-9)
    np.testing.assert_allclose(res.orientation_std, np.sqrt(np.diag(S)[3:]))
    # position_std and position_rms describe the tool point, in ref's axes, in every ref:
    # against the sampled spread of the tool point (the std of a std estimate is about σ/√(2N))
    P = monte_carlo["points"][ref]
    np.testing.assert_allclose(res.position_std, P.std(axis=0), rtol=5 / np.sqrt(2 * N))
    assert res.position_rms == pytest.approx(np.sqrt((P**2).sum(axis=1).mean()), rel=5 / np.sqrt(2 * N))
    if ref != "world":  # there the twist's linear rows move the body point at the base origin instead
        np.testing.assert_allclose(res.position_std, np.sqrt(np.diag(S)[:3]))
    assert res.frame == robot.tip and res.ref == ref


def test_position_rms_is_the_tool_points_in_every_ref(robots: dict[str, robojac.Robot]) -> None:
    """The UR5 at q = (0.3, −1, 1.2, −0.5, 0.3, 0.2), 1 mrad per joint: 1.091 mm in every ref (world gave 1.294 mm,
    the spread of the body point at the base origin)."""
    robot = robots["ur5"]
    q = [0.3, -1.0, 1.2, -0.5, 0.3, 0.2]
    rms = {
        ref: pose_covariance(robot, q, np.eye(6) * 1e-6, ref=ref).position_rms
        for ref in ("local", "world", "local_world_aligned")
    }
    assert (
        rms["world"] == pytest.approx(rms["local"], rel=1e-12) == pytest.approx(rms["local_world_aligned"], rel=1e-12)
    )
    assert rms["world"] == pytest.approx(1.091e-3, abs=0.5e-6)


def test_ellipsoids_hold_the_expected_share_of_samples(robots: dict[str, robojac.Robot], monte_carlo: dict) -> None:
    robot = robots["panda"]
    res = pose_covariance(robot, monte_carlo["q"], monte_carlo["cov_q"], ref="world")
    dp = monte_carlo["errors"]["local_world_aligned"][:, :3]
    for sigma, share in ((1.0, 0.1987), (3.0, 0.9707)):  # P(χ²₃ ≤ σ²)
        E = res.position_ellipsoid(sigma)
        np.testing.assert_allclose(E.center, robot.fk(monte_carlo["q"])[:3, 3])
        inside = np.linalg.norm(np.linalg.solve(E.matrix(), dp.T), axis=0) <= 1
        assert inside.mean() == pytest.approx(share, abs=0.015)
    assert res.position_ellipsoid(3.0).radii == pytest.approx(3 * res.position_ellipsoid(1.0).radii)


def test_independent_encoders_on_the_planar_arm(robots: dict[str, robojac.Robot]) -> None:
    arm = robots["planar_2r"]
    s = 1e-3
    res = pose_covariance(arm, [0.0, 0.0], np.diag([s**2, s**2]))
    # stretched along x: y moves by (l1 + l2) δq1 + l2 δq2, the heading by δq1 + δq2
    assert res.position_std[1] == pytest.approx(s * np.hypot(0.9, 0.4))
    assert res.position_std[0] == pytest.approx(0, abs=1e-15)
    assert res.orientation_std[2] == pytest.approx(s * np.sqrt(2))
    assert res.covariance[1, 5] == pytest.approx(s**2 * (0.9 + 0.4))


def test_bad_covariance_is_rejected(robots: dict[str, robojac.Robot]) -> None:
    robot = robots["ur5"]
    q = robot.neutral()
    with pytest.raises(robojac.InputError, match=r"\(6, 6\).*np.diag"):
        pose_covariance(robot, q, np.full(6, 1e-6))
    with pytest.raises(robojac.InputError, match=r"\(6, 6\)"):
        pose_covariance(robot, q, np.eye(5))
    asym = np.eye(6)
    asym[0, 1] = 0.5
    with pytest.raises(robojac.InputError, match="symmetric"):
        pose_covariance(robot, q, asym)
    with pytest.raises(robojac.InputError, match="positive semi-definite"):
        pose_covariance(robot, q, np.diag([1.0, 1, 1, 1, 1, -0.1]))
    with pytest.raises(robojac.InputError, match="finite"):
        pose_covariance(robot, q, np.full((6, 6), np.nan))
    with pytest.raises(robojac.FrameError):
        pose_covariance(robot, q, np.eye(6), ref="body")
    res = pose_covariance(robot, q, np.zeros((6, 6)))  # a perfectly known arm is fine
    assert np.all(res.covariance == 0)
    with pytest.raises(robojac.InputError, match="sigma"):
        res.position_ellipsoid(0)
    with pytest.raises(robojac.InputError, match="sigma"):
        res.position_ellipsoid("three")  # type: ignore[arg-type]
    # semi-definite (a locked joint) is a covariance too
    as_covariance(np.diag([1e-6, 0, 1e-6, 0, 0, 0]), 6)
