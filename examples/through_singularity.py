"""Drive the UR5's wrist straight through a singularity, with and without damping.

At q5 = 0 the UR5's first and last wrist axes line up and the 6×6 Jacobian loses rank.
The tool path below is a straight line whose orientation swings the wrist from
q5 = +0.25 to −0.25 rad, so it crosses that configuration. The plain pseudo-inverse asks
for joint rates of order ‖V‖/σ_min there; damped least squares (λ switched on when
σ_min < 0.04) keeps them bounded by ‖V‖/(2λ) and accepts a small, temporary error.
Velocity limits are switched off so the raw solutions show.

Run: python examples/through_singularity.py
"""

import os
import warnings
from pathlib import Path

import numpy as np

import robojac

out = Path(os.environ.get("ROBOJAC_EXAMPLE_OUT", "."))
robot = robojac.load("ur5")
qa = np.array([0.0, -1.2, 1.5, -1.9, 0.25, 0.3])
qb = qa.copy()
qb[4] = -0.25
line = robojac.Line(robot.fk(qa), robot.fk(qb), duration=2.0)
limit = robot.velocity_limits.min()

logs = {}
for name, damping in [("damped (adaptive λ)", None), ("undamped (pseudo-inverse)", 0.0)]:
    controller = robojac.ResolvedRateController(robot, line, gain=5.0, damping=damping, velocity_limits=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", robojac.RobojacWarning)
        logs[name] = robojac.simulate_kinematic(robot, controller, qa, duration=2.5)

print(f"joint velocity limit: {limit:.3g} rad/s")
print(f"{'controller':28s} {'min σ_min':>10s} {'max ‖dq‖ [rad/s]':>17s} {'max error [mm]':>15s}")
for name, log in logs.items():
    rate = np.linalg.norm(log.dq, axis=1).max()
    print(f"{name:28s} {log.sigma_min.min():10.2e} {rate:17.3f} {1e3 * log.position_error.max():15.3f}")
damped, undamped = logs.values()
assert np.linalg.norm(damped.dq, axis=1).max() <= limit < np.linalg.norm(undamped.dq, axis=1).max()
damped.save(out / "through_singularity_damped.npz")
undamped.save(out / "through_singularity_undamped.npz")
