"""Damped least squares on hand-written Jacobians."""

from __future__ import annotations

import numpy as np
import pytest

from robojac import dls
from robojac.dls import adaptive_damping, damped_pinv, damped_solve


def planar_2r(t2: float, l1: float = 0.5, l2: float = 0.4) -> np.ndarray:
    """Translational Jacobian of a planar 2R arm at θ1 = 0."""
    return np.array([[-l2 * np.sin(t2), -l2 * np.sin(t2)], [l1 + l2 * np.cos(t2), l2 * np.cos(t2)]])


def test_undamped_far_from_singularity_equals_pseudo_inverse():
    J = planar_2r(1.0)
    x = np.array([0.1, -0.2])
    dq, lam, smin = damped_solve(J, x)
    assert lam == 0.0 and smin == pytest.approx(np.linalg.svd(J)[1][-1])
    np.testing.assert_allclose(dq, np.linalg.pinv(J) @ x, atol=1e-14)


def test_damping_bounds_joint_rates_where_the_pseudo_inverse_explodes():
    x = np.array([0.1, 0.0])  # along the lost direction when the arm is stretched
    for t2 in (1e-2, 1e-4, 1e-6, 0.0):
        J = planar_2r(t2)
        dq, lam, _ = damped_solve(J, x)
        assert lam > 0
        assert np.linalg.norm(dq) <= np.linalg.norm(x) / (2 * lam) + 1e-12  # the DLS bound
        assert np.linalg.norm(dq) < 10
    assert np.linalg.norm(np.linalg.pinv(planar_2r(1e-6)) @ x) > 1e4


def test_adaptive_damping_profile():
    assert adaptive_damping(0.05, 0.04, 0.1) == 0.0
    assert adaptive_damping(0.0, 0.04, 0.1) == 0.1
    assert adaptive_damping(0.02, 0.04, 0.1) == pytest.approx(0.1 * np.sqrt(0.75))


def test_damped_pinv_matches_the_svd_form():
    rng = np.random.default_rng(0)
    J = rng.normal(size=(6, 7))
    x = rng.normal(size=6)
    dq, _, _ = damped_solve(J, x, damping=0.3)
    np.testing.assert_allclose(damped_pinv(J, 0.3) @ x, dq, atol=1e-12)
    np.testing.assert_allclose(damped_pinv(J, 0.3), J.T @ np.linalg.inv(J @ J.T + 0.09 * np.eye(6)), atol=1e-12)


def test_validation_helpers_reject_strings_bools_and_huge_values_quietly():
    import warnings

    from robojac import InputError
    from robojac._validate import as_vector, positive

    for bad in ("1", True, np.True_, 0, -1.0, np.nan, np.inf):
        with pytest.raises(InputError):
            positive(bad, "timeout")
    assert positive(np.float32(0.5), "timeout") == 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way to the answer
        assert as_vector([1e308, 1e308], 2, "q").tolist() == [1e308, 1e308]
        with pytest.raises(InputError, match="finite"):
            as_vector([1e308, np.inf], 2, "q")


def test_null_space_objective_never_moves_the_task_even_when_damped() -> None:
    """The objective is projected with I − V Vᵀ: J times its contribution is 0 at any λ.
    The damped projector I − J⁺_λ J would leak J z·λ²/(σ²+λ²) into the task."""
    rng = np.random.default_rng(3)
    J = rng.standard_normal((6, 7))
    J[:, 0] *= 1e-3  # a near-singular direction, so λ > 0 matters
    x, z = rng.standard_normal(6), rng.standard_normal(7)
    U, s, Vt = np.linalg.svd(J, full_matrices=False)
    for lam in (0.0, 0.04, 0.5):
        with_z = dls.damped_step_from_svd(U, s, Vt, x, lam, z)
        without = dls.damped_step_from_svd(U, s, Vt, x, lam)
        np.testing.assert_allclose(J @ (with_z - without), 0.0, atol=1e-12)
        leaky = z - Vt.T @ ((s * dls.damped_gains(s, lam)) * (Vt @ z))
        if lam > 0:
            assert np.linalg.norm(J @ leaky) > 1e-6  # what the old damped projector did
    step = dls.damped_step(J, x, secondary=z)
    np.testing.assert_allclose(J @ (step.dq - dls.damped_step(J, x).dq), 0.0, atol=1e-12)


@pytest.mark.parametrize("rows", [6, 3])
def test_compiled_controller_step_is_the_python_damped_step(rows: int) -> None:
    """robojac.dls_kernel repeats damped_step_from_svd and adaptive_damping in numba (its disk
    cache tracks only its own file): the two must agree, near and far from singularity,
    with adaptive, fixed and zero damping, with and without a null-space objective, and
    its limit checks must be the plain definitions."""
    from robojac import dls_kernel

    rng = np.random.default_rng(7)
    n = 7
    for trial in range(40):
        J = rng.normal(size=(rows, n))
        if trial % 2:  # nearly singular: the last singular value ~1e-3, inside the damping zone
            U, s, Vt = np.linalg.svd(J, full_matrices=False)
            s[-1] = 1e-3
            J = (U * s) @ Vt
        J = np.asfortranarray(J)  # as Pinocchio returns it
        x, z, q = rng.normal(size=rows), rng.normal(size=n), rng.normal(size=n)
        limits = np.stack((q - rng.uniform(0, 2e-3, n), q + rng.uniform(0, 2e-3, n), rng.uniform(0, 2, n)))
        for damping in (-1.0, 0.02, 0.0):
            for nullspace in (False, True):
                s_out, dq, info = np.empty(rows), np.empty(n), np.empty(2)
                lam = dls_kernel.damped_rates(J, x, z, nullspace, damping, 0.04, 0.05, q, limits, 1e-3, s_out, dq, info)
                U, s, Vt = np.linalg.svd(J, full_matrices=False)
                want_lam = adaptive_damping(float(s[-1]), 0.04, 0.05) if damping < 0 else damping
                want = dls.damped_step_from_svd(U, s, Vt, x, want_lam, z if nullspace else None)
                assert lam == pytest.approx(want_lam, abs=1e-15)
                np.testing.assert_allclose(s_out, s, rtol=1e-12, atol=1e-15)
                np.testing.assert_allclose(dq, want, rtol=1e-9, atol=1e-12)
                nxt = q + dq * 1e-3
                crosses = bool((((nxt > limits[1]) & (dq > 0)) | ((nxt < limits[0]) & (dq < 0))).any())
                assert info[0] == float(crosses)
                assert info[1] == pytest.approx(float((np.abs(dq) * limits[2]).max()), rel=1e-15)
