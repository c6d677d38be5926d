"""``robojac demo`` (and ``make demo``): a tour of robojac on a bundled arm.

Each section is a function of the robot that returns text; :data:`SECTIONS` runs them in
order. The demo never waits for input when no terminal is attached.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

import numpy as np

from .cli.ik import demo_section as ik_section
from .cli.kinematics import TWIST_ROWS, info_text, pose_text
from .cli.simulate import demo_section as control_section
from .cli.singularity import demo_section as singularity_section
from .cli.statics import payload_section
from .robot import Robot, load
from .table import matrix


def demo_configurations(robot: Robot) -> dict[str, np.ndarray]:
    """A few named configurations inside the limits, the same on every run."""
    rng = np.random.default_rng(7)
    return {
        "neutral": robot.neutral(),
        "random A": robot.random_configuration(rng),
        "random B": robot.random_configuration(rng),
    }


def chain_section(robot: Robot) -> str:
    return info_text(robot)


def kinematics_section(robot: Robot) -> str:
    out = []
    cols = [f"q{i + 1}" for i in range(robot.dof)]
    for label, q in demo_configurations(robot).items():
        out.append(f"--- {label}: q = {np.array2string(q, precision=3, suppress_small=True)} [rad]")
        out.append(f"tool pose {robot.tip} in {robot.base}:")
        out.append(pose_text(robot.fk(q)))
        out.append("Jacobian (local_world_aligned), rows [v; ω]:")
        out.append(matrix(robot.jacobian(q), TWIST_ROWS, cols, 3))
    return "\n".join(out)


#: The demo's sections, in order: (title, function of the robot returning text).
SECTIONS: list[tuple[str, Callable[[Robot], str]]] = [
    ("Chain", chain_section),
    ("Forward kinematics and Jacobians", kinematics_section),
    ("Inverse kinematics", ik_section),
    ("Statics: torques for a payload", payload_section),
    ("Singularities", singularity_section),
    ("Control: resolved rate and impedance", control_section),
]


def run(robot_name: str = "panda", out: TextIO | None = None, interactive: bool | None = None) -> int:
    """Print every section for ``robot_name``; returns an exit status."""
    stream = out if out is not None else sys.stdout
    robot = load(robot_name)
    for title, section in SECTIONS:
        print(f"\n== {title} ==", file=stream)
        print(section(robot), file=stream)
    from .viz.demo import end_in_viewer  # meshcat loads only now

    return end_in_viewer(robot, demo_configurations(robot), stream, interactive)
