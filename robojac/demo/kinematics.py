"""Demo sections: the chain in one paragraph, and the tool pose and Jacobian at one configuration."""

from __future__ import annotations

import numpy as np

from ..cli.format import TWIST_ROWS, matrix, vector
from ..cli.simulate import DEMO_START
from ..pose import to_position_quaternion
from ..robot import Robot


def demo_configurations(robot: Robot) -> dict[str, np.ndarray]:
    """A few named configurations inside the limits, the same on every run."""
    rng = np.random.default_rng(7)
    return {
        "neutral": robot.neutral(),
        "random A": robot.random_configuration(rng),
        "random B": robot.random_configuration(rng),
    }


def demo_start(robot: Robot) -> np.ndarray:
    """The configuration the tour works at: a bent, regular pose (Franka's "ready" for the Panda)."""
    return robot.clip(np.asarray(DEMO_START.get(robot.name, robot.neutral()), dtype=float))


def chain_section(robot: Robot) -> str:
    """Which chain was loaded and how its tip was chosen (``robojac info`` has the full table)."""
    kinds = sorted(set(robot.joint_types))
    locked = f"; locked off the chain: {', '.join(robot.locked)}" if robot.locked else ""
    return "\n".join(
        [
            f"{robot.name}: {robot.dof} {' and '.join(kinds)} joints, {robot.base} → {robot.tip}{locked}",
            f"tip: {robot.tip_reason}",
            f"(limits, speeds, torques and frames: robojac info {robot.name})",
        ]
    )


def kinematics_section(robot: Robot) -> str:
    """The tool pose and the Jacobian (local_world_aligned) at :func:`demo_start`."""
    q = demo_start(robot)
    p, quat = to_position_quaternion(robot.fk(q))
    cols = [f"q{i + 1}" for i in range(robot.dof)]
    return "\n".join(
        [
            f"at q = {vector(q, 3)} [rad]:",
            f"  tool position {vector(p, 3)} m in {robot.base}, quaternion (x, y, z, w) {vector(quat, 3)}",
            "  Jacobian J(q), rows [v; ω] (m/s and rad/s per rad/s), base axes at the tool origin:",
            matrix(robot.jacobian(q), TWIST_ROWS, cols, 3),
        ]
    )
