"""Poses and Jacobians of the bundled Panda, checked against a finite difference.

Run: python examples/jacobian_basics.py
"""

import numpy as np

import robojac

robot = robojac.load("panda")
q = robot.neutral()
T = robot.fk(q)
J = robot.jacobian(q)  # rows [v; ω]: tool-origin velocity and angular velocity, base axes
print(f"{robot.name}: tool at {np.round(T[:3, 3], 4)} m")

# A small joint motion moves the tool origin by about J[:3] @ dq.
dq = np.full(robot.dof, 1e-6)
moved = robot.fk(q + dq)[:3, 3] - T[:3, 3]
print("predicted", J[:3] @ dq, "\nmeasured ", moved)
assert np.allclose(J[:3] @ dq, moved, atol=1e-11)

# The same Jacobian maps a wrench at the tool to joint torques: τ = Jᵀ w.
w = np.array([0.0, 0.0, -10.0, 0.0, 0.0, 0.0])  # 10 N downwards, in base axes
print("torques to press down with 10 N [N·m]:", np.round(J.T @ w, 3))
