"""Manipulability ellipsoids of the UR5 along a motion into the elbow singularity.

The velocity ellipsoid (blue, radii σᵢ [m/s per rad/s]) flattens as the elbow
straightens: the tool cannot move along the arm. The force ellipsoid (orange, radii
1/σᵢ [N per N·m]) stretches along that same direction, where the arm pushes hardest
(kineto-static duality); its infinite radius at the singularity is drawn capped.
Both follow the arm on meshcat's timeline.

Writes view_ellipsoids.html (standalone). Run: python examples/view_ellipsoids.py
"""

import os
from pathlib import Path

import numpy as np

import robojac
from robojac.ellipsoid import force_ellipsoid, velocity_ellipsoid

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("ur5")
bent = np.array([0.0, -1.2, 1.8, -2.0, -1.57, 0.0])
straight = bent.copy()
straight[2] = 0.02  # elbow almost straight

viewer = robojac.Viewer(robot, server=False, q=bent)
viewer.add_ellipsoid("velocity", scale=0.25)  # 0.25 m drawn per m/s per rad/s
viewer.add_ellipsoid("force", scale=0.04, max_radius=0.6)  # 0.04 m per N per N·m, capped at 0.6 m
viewer.add_frame(robot.tip)

qs = np.linspace(bent, straight, 60)
viewer.frame(qs=qs)
viewer.play(qs, np.linspace(0.0, 3.0, 60), loop=True)

for label, q in (("bent", bent), ("straight", straight)):
    v, f = velocity_ellipsoid(robot, q), force_ellipsoid(robot, q)
    print(
        f"{label:8s}: velocity radii {np.round(v.radii, 3)} m/s per rad/s, force radii {np.round(f.radii, 2)} N per N·m"
    )
print(f"wrote {viewer.save_html(out / 'view_ellipsoids.html')}")
