"""Demo section: the torques that hold a payload at the tour's configuration, and the heaviest payload."""

from __future__ import annotations

import numpy as np

from ..capacity import check_payload
from ..cli.format import max_mass_text
from ..robot import Robot
from ..statics import Payload, gravity_torques, payload_torques
from .kinematics import demo_start

#: The payload the demo hangs on the tool [kg], 5 cm beyond the tool frame's origin.
DEMO_PAYLOAD = Payload(2.0, (0.0, 0.0, 0.05))


def payload_section(robot: Robot) -> str:
    """How hard :data:`DEMO_PAYLOAD` loads the joints at :func:`demo_start`, and the heaviest payload there."""
    q = demo_start(robot)
    total = gravity_torques(robot, q) + payload_torques(robot, q, DEMO_PAYLOAD)
    load = np.abs(total) / robot.effort_limits
    worst = int(np.argmax(load))
    held = check_payload(robot, q, DEMO_PAYLOAD)
    return "\n".join(
        [
            f"{DEMO_PAYLOAD.mass:g} kg, 5 cm beyond '{robot.tip}': τ = g(q) + Jᵀ(−m g) [N·m] "
            f"(robojac torque {robot.name} --payload {DEMO_PAYLOAD.mass:g} for every joint)",
            f"  most loaded joint: {robot.joint_names[worst]}, {total[worst]:+.1f} of ±{robot.effort_limits[worst]:g} "
            f"N·m ({100 * load[worst]:.0f} %); holds it: {'yes' if held.ok else 'NO'}",
            f"  heaviest payload at this configuration: {max_mass_text(held)}",
        ]
    )
