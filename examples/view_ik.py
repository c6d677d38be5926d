"""Inverse kinematics in the browser: a target pose for the Panda's tool, the solution,
and the joint-space move from the start to it, with the tool's path.

The target is the magenta ball with a triad (x red, y green, z blue); at the end of the
motion the tool's triad sits on it, as ``solve_ik`` promises (errors printed below).

Writes view_ik.html (standalone). Run: python examples/view_ik.py
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
q0 = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])

# The target: 20 cm to the side and 10 cm down from the start, tool turned 45° about z.
target = robot.fk(q0)
target[:3, 3] += [0.0, 0.2, -0.1]
c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
target[:3, :3] = target[:3, :3] @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

result = robojac.solve_ik(robot, target, q0, seed=1)
print(
    f"success {result.success} in {result.iterations} iterations: "
    f"{result.position_error * 1e3:.2e} mm, {result.rotation_error:.1e} rad from the target"
)
assert result.success

viewer = robojac.Viewer(robot, server=False, q=q0)
viewer.add_target(target, scale=0.12)
viewer.add_frame(robot.tip, scale=0.12)
qs = np.linspace(q0, result.q, 60)
viewer.add_tool_path(qs)
viewer.frame(qs=qs)
viewer.play(qs, np.linspace(0.0, 2.0, len(qs)))
viewer.show(result.q)  # where the page rests before the animation starts
print(f"wrote {viewer.save_html(out / 'view_ik.html')}")
