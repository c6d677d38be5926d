"""The Panda in the browser: link frames, the tool's path, and a joint-space motion on
meshcat's timeline (play, pause and scrub it in the page's "Animations" controls).

Writes view_kinematics.html, a standalone page (no server, no network): open it in a
browser. For a live viewer instead, use ``robojac.Viewer(robot)`` and open ``viewer.url``.

Run: python examples/view_kinematics.py
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
ready = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
reach = np.array([0.9, 0.3, 0.2, -1.4, 0.3, 1.9, 0.0])

viewer = robojac.Viewer(robot, server=False, q=ready)  # server=False: draw into memory, save a page
for link in ("panda_link2", "panda_link4", "panda_link6"):
    viewer.add_frame(link, scale=0.12)  # x red, y green, z blue; they follow the arm
viewer.add_frame(robot.tip, scale=0.15)

# A smooth joint-space move there and back, 3 s, and the path the tool takes.
s = 0.5 - 0.5 * np.cos(np.linspace(0.0, 2.0 * np.pi, 121))
qs = ready + s[:, None] * (reach - ready)
times = np.linspace(0.0, 3.0, qs.shape[0])
viewer.add_tool_path(qs)
viewer.frame(qs=qs)  # the camera takes in the whole motion
frames = viewer.play(qs, times, loop=True)

p0, p1 = robot.fk(ready)[:3, 3], robot.fk(reach)[:3, 3]
print(f"tool moves {np.linalg.norm(p1 - p0):.3f} m, from {np.round(p0, 3)} to {np.round(p1, 3)} m (base frame)")
print(f"{frames} animation frames over {times[-1]:g} s; overlays: {', '.join(viewer.overlays)}")
page = viewer.save_html(out / "view_kinematics.html")
print(f"wrote {page}")
