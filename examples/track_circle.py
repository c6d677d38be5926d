"""Track a 10 cm circle with the Panda's tool by resolved-rate control, then plot the log.

The controller is ``dq = J⁺_λ (V* + K e)``: the circle's own twist V* (feedforward) plus a
gain K on the pose error e, through the damped inverse. The simulator holds the rates for
one step dt, during which the arm's own acceleration ``J̇ dq`` moves the tool; the path asks
for ``p̈* = J_v q̈ + J̇ dq``, so each step falls behind by ``½ dt² J_v q̈`` while the gain
takes back ``K dt`` of the error. The steady position error is therefore at most
``max ‖J_v q̈‖ dt / (2K)`` (to first order in dt): a few hundredths of a millimetre here.
(``‖p̈*‖ dt / (2K)``, the same with ``J̇ dq = 0``, is not a bound: this arm's ``J̇ dq``
works against the circle's centripetal acceleration, and the error is about 12 % larger.)

Run: python examples/track_circle.py    (writes track_circle.npz and .png)
"""

import math
import os
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("panda")
q0 = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])  # Franka's "ready" pose

# A circle in the y-z plane through the current tool position, one turn every 2 s.
circle = robojac.Circle.starting_at(robot.fk(q0), radius=0.1, normal=(1, 0, 0), period=2.0)
dt, gain = 1e-3, 10.0
controller = robojac.ResolvedRateController(robot, circle, gain=gain, dt=dt)
log = robojac.simulate_kinematic(robot, controller, q0, duration=4.0)

steady = log.t >= 1.0  # after the half-second ramp and the transient
accel = 0.1 * (2 * math.pi / 2.0) ** 2  # the circle's centripetal acceleration r ω² [m/s²]
qdd = np.diff(log.dq, axis=0) / dt  # the joints' accelerations, sample to sample
pull = max(np.linalg.norm(robot.jacobian(q)[:3] @ a) for q, a in zip(log.q[:-1][steady[:-1]], qdd[steady[:-1]]))
bound = pull * dt / (2 * gain)
print(f"{len(log)} samples, {dt * 1e3:g} ms apart, status {log.status}")
print(f"steady position error: max {1e3 * log.position_error[steady].max():.4f} mm")
print(f"bound max‖J_v q̈‖ dt / (2K) = {1e3 * bound:.4f} mm (‖p̈*‖ dt / (2K) = {1e3 * accel * dt / (2 * gain):.4f} mm)")
print(f"fastest joint: {np.abs(log.dq).max():.3f} rad/s (limits {robot.velocity_limits.min():g} rad/s and up)")
assert log.position_error[steady].max() <= bound

log.save(out / "track_circle.npz")
try:
    print("plot:", log.plot(out / "track_circle.png"))
except robojac.RobojacError as exc:  # matplotlib is an optional extra
    print(exc)
