"""The UR5 turning red as it moves into its wrist singularity (q5 → 0, joints 4 and 6
aligned), coloured by σ_min, the smallest singular value of its 6×6 Jacobian.

Whole-arm colouring: green when σ_min ≥ 0.1, through yellow, to red at σ_min = 0. The
per-link version (second page) keeps the links green whose joints do not take part in
the lost motion: here the links after joints 4 and 6 turn red, the shoulder stays green.
Colours follow the arm on meshcat's timeline.

Writes view_singularity.html and view_singularity_per_link.html (standalone).
Run: python examples/view_singularity.py
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("ur5")
start = np.array([0.3, -1.3, 1.6, -1.2, 1.1, 0.4])
wrist = start.copy()
wrist[4] = 0.0
qs = np.linspace(start, wrist, 50)

for per_link, name in ((False, "view_singularity.html"), (True, "view_singularity_per_link.html")):
    viewer = robojac.Viewer(robot, server=False, q=start)
    viewer.color_by_singularity(threshold=0.1, per_link=per_link)
    for label, q in (("start", start), ("wrist singular", wrist)):
        viewer.show(q)
        info = viewer.overlay_info("singularity")
        report = robojac.singularity_report(robot, q)
        print(
            f"{label:15s}: σ_min = {info['sigma_min']:.4f} (report: {report.sigma_min:.4f}), closeness {info['closeness']:.2f}"
        )
        if per_link and label == "wrist singular":
            print("  joint weights in the lost motion:", np.round(info["joint_weights"], 2))
    viewer.show(start)
    viewer.frame(qs=qs)
    viewer.add_text(f"q5: {start[4]:.2f} → 0 rad", name="label")
    viewer.play(qs, np.linspace(0.0, 3.0, len(qs)), loop=True)
    print(f"wrote {viewer.save_html(out / name)}")
