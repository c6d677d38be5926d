"""Demo section: the torques that hold a payload, and the heaviest payload, per configuration."""

from __future__ import annotations

import numpy as np

from ..capacity import check_payload
from ..cli.format import max_mass_text, torque_table
from ..robot import Robot
from ..statics import Payload, gravity_torques, payload_torques
from .kinematics import demo_configurations

#: The payload the demo hangs on the tool [kg], 5 cm beyond the tool frame's origin.
DEMO_PAYLOAD = Payload(2.0, (0.0, 0.0, 0.05))


def payload_section(robot: Robot) -> str:
    """The torques [N·m] that hold :data:`DEMO_PAYLOAD`, and the heaviest payload, per configuration."""
    out = [
        f"A {DEMO_PAYLOAD.mass:g} kg payload, centre of mass {list(DEMO_PAYLOAD.com)} m in '{robot.tip}'; "
        "torques [N·m] = g(q) + J(lwa)ᵀ[−m g; c × (−m g)]"
    ]
    for label, q in demo_configurations(robot).items():
        parts = {"gravity": gravity_torques(robot, q), "payload": payload_torques(robot, q, DEMO_PAYLOAD)}
        parts["total"] = parts["gravity"] + parts["payload"]
        held = check_payload(robot, q, DEMO_PAYLOAD)
        out.append(f"--- {label}: q = {np.array2string(q, precision=3, suppress_small=True)} [rad]")
        out.append(torque_table(robot, parts, ("gravity", "payload")))
        out.append(
            f"holds it: {'yes' if held.ok else 'NO'} (tightest: {held.limiting_joint}, "
            f"{held.margin_fraction * 100:.0f}% margin); heaviest payload here: {max_mass_text(held)}"
        )
    return "\n".join(out)
