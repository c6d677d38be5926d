"""Push the Panda's tool into a virtual wall under Cartesian impedance, and read the force.

The impedance controller makes the tool a spring K (plus damping) towards its target.
The target is set 3 cm behind a wall (a stiff one-sided spring of 5000 N/m), so the tool
stops on the wall and presses on it. At rest the two springs balance: the wrench the
tool exerts on the wall (what robojac's wrenches always are; the wall pushes back with the
opposite) equals the controller's spring ``K·(p* − p)``, so the deflection alone reads the
contact force, without a force sensor: f = 500 N/m × deflection.

Run: python examples/impedance_push.py    (writes impedance_push.npz and .png)
"""

import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
q0 = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
T0 = robot.fk(q0)

wall_height = T0[2, 3] - 0.01  # a horizontal wall 1 cm below the tool, free space above
wall = robojac.VirtualWall(point=[0.0, 0.0, wall_height], normal=[0, 0, 1], stiffness=5000.0, damping=50.0)
target = T0.copy()
target[2, 3] = wall_height - 0.03  # aim 3 cm into the wall

K = np.array([500.0, 500.0, 500.0, 30.0, 30.0, 30.0])  # N/m, N·m/rad
controller = robojac.CartesianImpedanceController(robot, target, stiffness=K)
contact = robojac.ContactWrench(wall, robot.tip)
log = robojac.simulate_dynamic(robot, controller, q0, duration=2.0, contacts=[contact])

f_wall = log.contact_wrench[-1, 2]  # z force the tool exerts on the wall [N]: downwards, into it
f_read = K[2] * log.pose_error[-1, 2]  # what the spring's deflection says [N]
expected = -0.03 * K[2] * 5000.0 / (K[2] + 5000.0)  # springs in series over 3 cm, pressing down
print(f"status {log.status}; tool rests {1e3 * (log.tool_pose[-1, 2, 3] - wall_height):+.2f} mm from the wall plane")
print(
    f"force on the wall {f_wall:.3f} N, read from the deflection {f_read:.3f} N, series-spring prediction {expected:.3f} N"
)
assert abs(f_wall - f_read) < 1e-2 and abs(f_wall - expected) < 1e-2

log.save(out / "impedance_push.npz")
try:
    print("plot:", log.plot(out / "impedance_push.png"))
except robojac.RobojacError as exc:
    print(exc)
