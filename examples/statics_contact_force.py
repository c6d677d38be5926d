"""Estimate the force the Panda's tool exerts on its environment from its joint torques.

The arm presses on a surface; its torque sensors read gravity plus Jᵀw plus noise. We
recover the wrench, check how well-conditioned that is, and see what the estimate reports
at a singularity. Then: how uncertain is the tool position, given encoder noise?

Run: python examples/statics_contact_force.py
"""

import numpy as np

import robojac

robot = robojac.load("panda")
rng = np.random.default_rng(0)
q = np.array([0.1, 0.3, -0.1, -2.0, 0.05, 2.3, 0.8])

# The tool pushes down on a table with 15 N and a little friction sideways (base axes).
true_wrench = np.array([2.0, -1.0, -15.0, 0.0, 0.0, 0.0])
tau_measured = robojac.static_torques(robot, q, wrench=true_wrench) + rng.normal(scale=0.05, size=robot.dof)

est = robojac.estimate_wrench(robot, q, tau_measured)
print("true force [N]:     ", true_wrench[:3])
print("estimated force [N]:", np.round(est.force, 2))
print(f"condition number {est.condition_number:.1f}, ill-conditioned: {est.ill_conditioned}")
print("the table pushes back on the tool with", np.round(-est.force, 2), "N")
assert np.allclose(est.force, true_wrench[:3], atol=1.0) and not est.ill_conditioned

# At a singularity some wrenches load no joint at all: the UR5 with its wrist straight
# (q5 = 0) cannot feel them, and the estimate says so instead of inventing a number.
ur5 = robojac.load("ur5")
q_wrist = np.array([0.3, -1.2, 1.5, -0.8, 0.0, 0.4])
est2 = robojac.estimate_wrench(ur5, q_wrist, robojac.static_torques(ur5, q_wrist) + rng.normal(scale=0.05, size=6))
print(f"UR5 wrist singularity: sigma_min {est2.sigma_min:.1e}, ill-conditioned: {est2.ill_conditioned}")
print("unobservable wrench directions (rows, [f; n]):\n", np.round(est2.unobservable, 3))
assert est2.ill_conditioned and len(est2.unobservable) == 1

# Encoders with 0.5 mrad noise each: how far does the tool wander?
cov = robojac.pose_covariance(robot, q, np.diag(np.full(robot.dof, 0.5e-3) ** 2))
print("tool position std dev [mm]:", np.round(cov.position_std * 1e3, 3))
e3 = cov.position_ellipsoid(3.0)
print("3-sigma position ellipsoid radii [mm]:", np.round(e3.radii * 1e3, 3))
