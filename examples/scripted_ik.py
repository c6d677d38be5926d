"""Scripted inverse kinematics: a handful of tool poses for the Panda, solved and checked.

Run: python examples/scripted_ik.py

Each target is a (position [m], quaternion xyzw) pair in the base frame. The script
solves them one after another, each from the previous solution (as a script driving a
robot through waypoints would), checks every answer with forward kinematics, and prints
a table. One target is out of reach on purpose: failing is a result, not an exception.
"""

import os
from pathlib import Path

import numpy as np

import robojac
from robojac.cli.format import table

robot = robojac.load("panda")
# Quaternions are (x, y, z, w) throughout robojac: [1, 0, 0, 0] is NOT the identity
# (that is [0, 0, 0, 1]) but a half turn about the base x axis, which points the tool's z axis down.
down = [1.0, 0.0, 0.0, 0.0]
targets = {
    "above table": ([0.45, 0.00, 0.30], down),
    "left": ([0.40, 0.30, 0.25], down),
    "right, low": ([0.40, -0.30, 0.10], down),
    # a half turn about the axis (0.924, 0, 0.383), 22.5° up from base x towards z: the tool's
    # z axis points down and forward, (0.707, 0, −0.707), i.e. "down" tilted 45° towards +x
    "tilted": ([0.50, 0.10, 0.40], [0.9238795, 0.0, 0.3826834, 0.0]),
    "too far": ([1.50, 0.00, 0.40], down),
}

rows = []
q = robot.neutral()
for label, target in targets.items():
    # A solve returns as soon as it converges; the budget only bounds the unreachable one.
    res = robojac.solve_ik(robot, target, q, seed=0, timeout=0.1)
    # Check the answer independently: forward kinematics of the returned q.
    pos_err, rot_err = robojac.pose.pose_error(robot.fk(res.q), target)
    assert robot.within_limits(res.q)
    if res.success:
        assert pos_err <= 1e-6 and rot_err <= 1e-6
        q = res.q  # the next solve starts here
    rows.append(
        [label, res.success, f"{pos_err:.1e}", f"{rot_err:.1e}", res.iterations, res.restarts, f"{res.time * 1e3:.2f}"]
    )

print(f"{robot.name}: solve_ik, tolerances 1e-6 m / 1e-6 rad, 100 ms budget per target")
print(table(["target", "solved", "pos err [m]", "rot err [rad]", "iterations", "restarts", "ms"], rows))
assert [r[1] for r in rows] == [True, True, True, True, False], "the four reachable targets solve, the far one not"

# A position-only target leaves the orientation free: useful for a suction cup.
res = robojac.solve_ik(robot, [0.3, 0.2, 0.5], position_only=True, timeout=0.1)  # a position alone is a target
print(f"position only: solved={res.success}, tool at {np.round(robot.fk(res.q)[:3, 3], 6)} m")

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
np.savetxt(out / "scripted_ik_q.csv", np.array([q]), delimiter=",", header=",".join(robot.joint_names))
