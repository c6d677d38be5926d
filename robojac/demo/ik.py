"""Demo section: inverse kinematics for a few reachable targets and one out of reach."""

from __future__ import annotations

import numpy as np

from ..cli.format import table
from ..robot import Robot


def ik_section(robot: Robot) -> str:
    """Solve a few reachable targets and one out of reach; a table of the outcomes."""
    from ..ik import solve_ik  # numba loads only now

    rng = np.random.default_rng(3)
    targets = [("reachable", robot.fk(robot.random_configuration(rng))) for _ in range(4)]
    far = np.eye(4)
    far[:3, 3] = robot.fk(robot.neutral())[:3, 3] * 10.0  # ten times as far as the neutral tool
    targets.append(("out of reach", far))
    solve_ik(robot, robot.fk(robot.neutral()), robot.neutral())  # first call builds the solver: not timed below
    rows = []
    for label, T in targets:
        res = solve_ik(robot, T, robot.neutral(), seed=0)
        x, y, z = np.round(T[:3, 3], 3) + 0.0  # + 0.0: no "-0.000"
        rows.append(
            [
                label,
                f"({x:+.3f}, {y:+.3f}, {z:+.3f})",
                res.success,
                f"{res.position_error:.1e}",
                f"{res.rotation_error:.1e}",
                res.iterations,
                res.restarts,
                f"{res.time * 1e3:.3f}",
            ]
        )
    head = ["target", "position [m]", "solved", "pos err [m]", "rot err [rad]", "iterations", "restarts", "time [ms]"]
    return "\n".join(
        [
            "solve_ik from the neutral configuration; tolerances 1e-6 m and 1e-6 rad, budget 5 ms:",
            table(head, rows),
            "an unsolved target reports its best attempt, found within the budget",
        ]
    )
