"""Manipulability ellipsoids: the image of the unit joint-rate ball, and its dual."""

from __future__ import annotations

import numpy as np

from robojac.ellipsoid import force_ellipsoid, velocity_ellipsoid


def test_velocity_ellipsoid_is_the_image_of_the_unit_ball(robots):
    panda = robots["panda"]
    q = panda.random_configuration(4)
    E = velocity_ellipsoid(panda, q)
    Jv = panda.jacobian(q)[:3]
    np.testing.assert_allclose(E.axes.T @ E.axes, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(E.center, panda.fk(q)[:3, 3])
    # Every unit joint-rate vector lands inside; the right singular vectors land on the surface.
    rng = np.random.default_rng(0)
    M_inv = np.linalg.inv(E.matrix())
    for _ in range(200):
        dq = rng.normal(size=panda.dof)
        dq /= np.linalg.norm(dq)
        assert np.linalg.norm(M_inv @ (Jv @ dq)) <= 1 + 1e-9
    _, _, Vt = np.linalg.svd(Jv)
    for k in range(3):
        assert abs(np.linalg.norm(M_inv @ (Jv @ Vt[k])) - 1) < 1e-9


def test_force_ellipsoid_is_dual_and_infinite_at_a_singularity(robots):
    arm = robots["planar_2r"]
    E = force_ellipsoid(arm, [0.3, 1.0])
    V = velocity_ellipsoid(arm, [0.3, 1.0])
    np.testing.assert_allclose(E.radii[:2], 1 / V.radii[:2])
    assert np.isinf(E.radii[2])  # a planar arm cannot push along z by moving its joints
    stretched = force_ellipsoid(arm, [0.3, 0.0])
    assert np.isinf(stretched.radii).sum() == 2
    # the finite axis is perpendicular to the stretched arm
    finite = stretched.axes[:, np.isfinite(stretched.radii)][:, 0]
    assert abs(finite @ np.array([np.cos(0.3), np.sin(0.3), 0])) < 1e-12
