"""Can the UR5 carry 5 kg here? Torques, the limiting joint, and how much it could carry.

Run: python examples/statics_payload.py
"""

import numpy as np

import robojac

robot = robojac.load("ur5")
q = np.array([0.0, -0.6, 0.9, -1.9, -1.5708, 0.0])  # arm reaching forward, tool pointing down

# 5 kg whose centre of mass is 8 cm beyond the flange, along the tool's z axis.
payload = robojac.Payload(5.0, com=(0.0, 0.0, 0.08))
tau = robojac.static_torques(robot, q, payload=payload)  # arm weight + payload [N·m]
for name, t, lim in zip(robot.joint_names, tau, robot.effort_limits):
    print(f"{name:>20}: {t:+8.2f} N·m of {lim:5.0f} ({abs(t) / lim:4.0%})")

check = robojac.check_payload(robot, q, payload)
print(
    f"can it carry {payload.mass:g} kg here? {'yes' if check.ok else 'no'}; tightest joint {check.limiting_joint} "
    f"with {check.margin:.1f} N·m ({check.margin_fraction:.0%}) to spare"
)
print(f"heaviest payload here: {check.max_mass:.1f} kg, limited by {check.max_mass_joint}")

# The same answer by brute force: add mass until a joint goes over its limit.
heavier = robojac.static_torques(robot, q, payload=robojac.Payload(check.max_mass * 1.001, payload.com))
assert check.ok and np.any(np.abs(heavier) > robot.effort_limits)

# How hard can it press down on a table here, while holding the payload?
push = robojac.max_force(robot, q, [0, 0, -1], payload=payload)
print(f"it can press down with {push.force:.0f} N more before {push.limiting_joint} saturates")
