"""Demo section: a singularity report at a singular and at a regular configuration."""

from __future__ import annotations

import numpy as np

from ..cli.format import vector, verdict_text
from ..measures import PARTS, manipulability_gradient
from ..robot import Robot
from ..singularity import analyze_jacobian, singularity_report


def walk_manipulability(
    robot: Robot, q: np.ndarray, *, down: bool, part: str, steps: int, stop: float = 0.0
) -> tuple[np.ndarray, int]:
    """Follow ±∇w in steps of 0.05 rad (clipped into the limits); stop once σ_min < ``stop``.

    Returns the configuration reached and how many steps it took.
    """
    sign = -1.0 if down else 1.0
    rows = PARTS[part]
    for i in range(steps):
        if analyze_jacobian(robot.jacobian(q)[rows]).sigma_min < stop:
            return q, i
        g = manipulability_gradient(robot, q, part=part)
        norm = float(np.linalg.norm(g))
        if norm == 0.0:
            return q, i
        q = robot.clip(q + sign * 0.05 * g / norm)
    return q, steps


def demo_pair(robot: Robot) -> tuple[str, np.ndarray, int, np.ndarray, int]:
    """``(part, q_singular, steps_down, q_regular, steps_up)`` for the demo.

    ``part`` is the Jacobian the walk follows: ``"full"`` for arms with 6 or more joints,
    ``"translational"`` for the others (a planar arm's full 6×n Jacobian keeps its rank where
    its position block loses one). Walks down ∇w from near the neutral configuration until
    σ_min < 1e-3 (at most 300 steps), and up it for 20 steps.
    """
    part = "full" if robot.dof >= 6 else "translational"
    # Off the neutral configuration, which is itself singular for some arms (w and ∇w vanish there).
    q0 = robot.clip(robot.neutral() + 0.3 * np.where(np.arange(robot.dof) % 2 == 0, -1.0, 1.0))
    q_sing, n_down = walk_manipulability(robot, q0, down=True, part=part, steps=300, stop=1e-3)
    q_reg, n_up = walk_manipulability(robot, q0, down=False, part=part, steps=20)
    return part, q_sing, n_down, q_reg, n_up


def singularity_section(robot: Robot) -> str:
    """σ_min at a singular and at a regular configuration, and the direction the tool loses.

    Both are found with the manipulability gradient (see :func:`demo_pair`). Each line
    gives the verdict of the Jacobian the walk followed, so a planar arm's singular pose
    (regular as a 6×2 matrix, singular in position) reads as what it is.
    """
    part, q_sing, n_down, q_reg, n_up = demo_pair(robot)
    rows = PARTS[part]
    sing, reg = analyze_jacobian(robot.jacobian(q_sing)[rows]), analyze_jacobian(robot.jacobian(q_reg)[rows])
    found = "singular" if sing.is_singular else "lowest point reached"
    out = [
        f"walking the gradient of the manipulability w of the {part} Jacobian, 0.05 rad a step:",
        f"  down, {n_down} steps ({found}): {verdict_text(sing)}",
    ]
    if sing.lost_directions.size:
        rows_named = "[v]" if part == "translational" else "[v; ω]"
        out.append(f"    the tool cannot move along {vector(sing.lost_directions[0], 2)} ({rows_named}, base axes)")
    types = singularity_report(robot, q_sing)
    if types.type_margins is not None:
        held = ", ".join(types.singularity_types) or "none"
        out.append(f"    UR-type conditions that hold there: {held}")
    out += [
        f"  up, {n_up} steps: {verdict_text(reg)}",
        f"(the whole report: robojac singularity {robot.name} --q ...)",
    ]
    return "\n".join(out)
