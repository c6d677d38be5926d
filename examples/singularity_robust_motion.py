"""Resolved-rate motion through a singularity: plain pseudo-inverse against damped steps.

Run: python examples/singularity_robust_motion.py

The UR5's tool moves in a straight line at 5 cm/s, with fixed orientation, along a
line that passes through a wrist-singular pose (q5 = 0). The plain pseudo-inverse asks
for joint speeds that blow up like 1/σ_min there; the adaptive damped step of
robojac.dls.robust_step keeps them bounded, and tracks the line better for it. Then the
Panda, which is redundant, climbs its manipulability in the null space while its tool
holds still.
"""

import numpy as np

import robojac

robot = robojac.load("ur5")
q_sing = np.array([0.3, -1.0, 1.2, -0.5, 0.0, 0.2])
lost = robojac.singularity_report(robot, q_sing).lost_directions[0]
direction = lost[:3] / np.linalg.norm(lost[:3])  # a straight line that needs the lost twist
twist = np.r_[0.05 * direction, 0.0, 0.0, 0.0]  # [m/s, rad/s], base axes at the tool origin
dt, steps = 0.01, 400  # [s]

# Start 2 s before the singular pose, on the same branch (away from the singularity the
# pseudo-inverse is exact).
q_start = q_sing.copy()
q_start[4] = 1e-3
for _ in range(200):
    q_start = q_start - dt * np.linalg.pinv(robot.jacobian(q_start)) @ twist

results = {}
for name, solve in [
    ("pseudo-inverse", lambda q: np.linalg.pinv(robot.jacobian(q)) @ twist),
    ("robust_step", lambda q: robojac.dls.robust_step(robot, q, twist).dq),
]:
    q, peak, lowest = q_start.copy(), 0.0, np.inf
    p0 = robot.fk(q)[:3, 3]
    for _ in range(steps):
        dq = solve(q)
        peak = max(peak, float(np.linalg.norm(dq)))
        q = q + dt * dq
        lowest = min(lowest, robojac.singularity_report(robot, q).sigma_min)
    error = np.linalg.norm(robot.fk(q)[:3, 3] - (p0 + twist[:3] * dt * steps))
    results[name] = peak
    print(
        f"{name:>15}: peak ‖dq‖ = {peak:8.3f} rad/s, lowest σ_min = {lowest:.1e}, "
        f"q5 {q_start[4]:+.3f} -> {q[4]:+.3f} rad, off the line by {1000 * error:.2f} mm"
    )

bound = np.linalg.norm(twist) / robojac.dls.DAMPING_THRESHOLD
print(f"damped steps are bounded by ‖twist‖ / threshold = {bound:.3f} rad/s")
assert results["robust_step"] <= bound < results["pseudo-inverse"]

# A redundant arm: climb w in the null space, tool fixed.
panda = robojac.load("panda")
q = np.array([0.3, -0.3, 0.3, -2.2, 0.3, 1.9, 0.5])
T0 = panda.fk(q)
w0 = robojac.manipulability(panda, q)
for _ in range(50):
    q = q + 0.02 * robojac.dls.robust_step(panda, q, np.zeros(6), manipulability_gain=50.0).dq
drift = np.linalg.norm(panda.fk(q)[:3, 3] - T0[:3, 3])
print(f"panda: w {w0:.5f} -> {robojac.manipulability(panda, q):.5f}, tool moved {drift:.1e} m")
