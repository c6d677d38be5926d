"""Statics in the browser: a wrench at the Panda's tool as arrows, with the torques it
takes (τ = Jᵀ w) and the force ellipsoid that says in which direction the arm pushes
hardest.

The force arrow (red) and moment arrow (purple) start at the tool; the orange force
ellipsoid has radii 1/σᵢ [N per N·m] of the translational Jacobian. A label shows the
largest pure downward force the effort limits allow (robojac.max_force).

Writes view_statics.html (standalone). Run: python examples/view_statics.py
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
q = np.array([0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.8])
wrench = np.array([20.0, 0.0, -40.0, 0.0, 2.0, 0.0])  # [N, N·m], base axes at the tool origin

tau = robojac.joint_torques(robot, q, wrench)
print("torques for the wrench [N·m]:", np.round(tau, 2), "(effort limits:", robot.effort_limits, ")")
down = robojac.max_force(robot, q, [0.0, 0.0, -1.0], include_gravity=False)
print(f"largest pure downward force: {down.force:.1f} N, limited by {down.limiting_joint}")

viewer = robojac.Viewer(robot, server=False, q=q)
viewer.add_wrench(wrench, force_scale=0.006, torque_scale=0.05)  # 6 mm per N, 5 cm per N·m
viewer.add_ellipsoid("force", scale=0.03)
viewer.add_frame(robot.tip, scale=0.12)
viewer.frame()
viewer.add_text(f"max ↓ {down.force:.0f} N")  # short: the label's canvas shrinks long text
print(f"wrote {viewer.save_html(out / 'view_statics.html')}")
