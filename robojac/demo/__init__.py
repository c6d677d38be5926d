"""``robojac demo`` (and ``make demo``): a tour of robojac on a bundled arm.

Each section is a function of the robot that returns text, one module per topic;
:data:`SECTIONS` runs them in order, and the tour ends in the viewer
(:mod:`robojac.demo.viewer`). The demo never waits for input when no terminal is attached.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from ..loading import load
from ..robot import Robot
from .control import control_section
from .ik import ik_section
from .kinematics import chain_section, demo_configurations, kinematics_section
from .singularity import singularity_section
from .statics import payload_section

__all__ = ["SECTIONS", "demo_configurations", "run"]

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
    from .viewer import end_in_viewer  # meshcat loads only now

    return end_in_viewer(robot, stream, interactive)
