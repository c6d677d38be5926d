"""A control log played back in the browser: the Panda's tool tracking a 10 cm circle by
resolved-rate control (robojac.simulate_kinematic), with the commanded circle, the path
the tool actually took, and the velocity ellipsoid riding along.

``viewer.play(log)`` takes the log's times and joint values (log.t, log.q) onto meshcat's
timeline; long logs are thinned to at most 2000 frames.

Writes view_control.html (standalone). Run: python examples/view_control.py
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
q0 = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
circle = robojac.Circle.starting_at(robot.fk(q0), radius=0.1, normal=(1, 0, 0), period=2.0)
controller = robojac.ResolvedRateController(robot, circle, gain=10.0, dt=2e-3)
log = robojac.simulate_kinematic(robot, controller, q0, duration=2.5)
print(f"{len(log)} samples, status {log.status}, max position error {1e3 * log.position_error.max():.3f} mm")

viewer = robojac.Viewer(robot, server=False, q=q0)
angles = np.linspace(0.0, 2 * np.pi, 100)
center = robot.fk(q0)[:3, 3] - [0.0, 0.1, 0.0]  # starting_at puts the start on the circle
viewer.add_path(center + 0.1 * np.column_stack((0 * angles, np.cos(angles), np.sin(angles))), name="circle")
viewer.add_path(log.tool_pose[:, :3, 3], name="tool_path", color=(0.9, 0.1, 0.1))
viewer.add_ellipsoid("velocity", scale=0.15)
viewer.frame(qs=log.q[:: max(1, len(log) // 50)])
frames = viewer.play(log, loop=True)
print(f"{frames} animation frames over {log.t[-1]:.2f} s")
print(f"wrote {viewer.save_html(out / 'view_control.html')}")
