"""Singularity report, manipulability gradient and path scan on the bundled UR5.

Run: python examples/singularity_report.py
Writes the scanned path to $ROBOJAC_EXAMPLE_OUT (default: the current folder) as
ur5_path.csv, which `robojac scan ur5 --path ur5_path.csv` reads back.
"""

import os
from pathlib import Path

import numpy as np

import robojac
from robojac.cli.format import scan_text, singularity_text

robot = robojac.load("ur5")

# 1. A wrist singularity: q5 = 0 lines up the axes of joints 4 and 6.
q = np.array([0.3, -1.0, 1.2, -0.5, 0.0, 0.2])
report = robojac.singularity_report(robot, q)
print(singularity_text(report))
assert report.is_singular and report.singularity_types == ("wrist",)
assert report.condition_number == np.inf  # exactly singular: no division by zero, just inf

# The lost direction is a twist the tool cannot have; read as a wrench [f; τ], it is one
# the joints cannot feel: Jᵀ u = 0.
J = robot.jacobian(q)
print("‖Jᵀ u_lost‖ =", np.linalg.norm(J.T @ report.lost_directions[0]))

# 2. Manipulability w is a scalar of q, so it has a gradient: one number per joint.
q_near = q.copy()
q_near[4] = 0.2
grad = robojac.manipulability_gradient(robot, q_near)
print("w =", robojac.manipulability(robot, q_near), " ∂w/∂q =", np.round(grad, 4))
print("the wrist joint (q5) has the steepest slope:", robot.joint_names[int(np.argmax(np.abs(grad)))])

# 3. Scan a straight joint path that crosses the singularity between two samples.
start, end = q.copy(), q.copy()
start[4], end[4] = -0.5, 0.4
path = np.linspace(start, end, 50)
scan = robojac.scan_path(robot, path)
print(scan_text(scan))
interval = scan.intervals[0]
print(f"σ_min is smallest at sample {interval.t_min:.4f}, q5 = {interval.q_min[4]:.2e} rad")
assert abs(interval.q_min[4]) < 1e-6

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
np.savetxt(out / "ur5_path.csv", path, delimiter=",", header=",".join(robot.joint_names), comments="")
print("wrote", out / "ur5_path.csv")
