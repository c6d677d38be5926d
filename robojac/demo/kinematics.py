"""Demo sections: the chain, and forward kinematics and Jacobians at a few configurations."""

from __future__ import annotations

import numpy as np

from ..cli.format import TWIST_ROWS, info_text, matrix, pose_text
from ..robot import Robot


def demo_configurations(robot: Robot) -> dict[str, np.ndarray]:
    """A few named configurations inside the limits, the same on every run."""
    rng = np.random.default_rng(7)
    return {
        "neutral": robot.neutral(),
        "random A": robot.random_configuration(rng),
        "random B": robot.random_configuration(rng),
    }


def chain_section(robot: Robot) -> str:
    """The joints, their limits and the frames."""
    return info_text(robot)


def kinematics_section(robot: Robot) -> str:
    """The tool pose and the Jacobian (local_world_aligned) at each demo configuration."""
    out = []
    cols = [f"q{i + 1}" for i in range(robot.dof)]
    for label, q in demo_configurations(robot).items():
        out.append(f"--- {label}: q = {np.array2string(q, precision=3, suppress_small=True)} [rad]")
        out.append(f"tool pose {robot.tip} in {robot.base}:")
        out.append(pose_text(robot.fk(q)))
        out.append("Jacobian (local_world_aligned), rows [v; ω]:")
        out.append(matrix(robot.jacobian(q), TWIST_ROWS, cols, 3))
    return "\n".join(out)
