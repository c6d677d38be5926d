"""``robojac torque`` and ``robojac capacity``."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..capacity import PayloadCheck, capacity_report, check_payload
from ..ellipsoid import Ellipsoid
from ..robot import Robot, check_ref
from ..statics import Payload, gravity_torques, joint_torques, payload_torques
from ..table import fmt, table
from . import add_robot_options, emit_json, load_robot, q_of


def register(sub: Any) -> None:
    p = sub.add_parser("torque", help="joint torques that hold a wrench, a payload and the arm's weight")
    add_robot_options(p)
    p.add_argument(
        "--wrench",
        type=float,
        nargs=6,
        metavar=("FX", "FY", "FZ", "MX", "MY", "MZ"),
        help="wrench the tool exerts on its environment [N, N·m], expressed in --ref (default: none)",
    )
    p.add_argument("--ref", default="local_world_aligned", help="local | world | local_world_aligned (default)")
    _payload_options(p)
    p.set_defaults(handler=torque)

    p = sub.add_parser("capacity", help="force/velocity ellipsoids, largest force along directions, payload")
    add_robot_options(p)
    p.add_argument(
        "--direction", type=float, nargs=3, metavar=("X", "Y", "Z"), help="base-axis direction (default: ±x, ±y, ±z)"
    )
    _payload_options(p)
    p.set_defaults(handler=capacity)


def _payload_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--payload", type=float, metavar="KG", help="payload mass [kg] carried by the frame")
    p.add_argument(
        "--payload-com",
        type=float,
        nargs=3,
        default=(0.0, 0.0, 0.0),
        metavar=("X", "Y", "Z"),
        help="payload centre of mass [m] in the frame's coordinates (default: its origin)",
    )
    p.add_argument(
        "--no-gravity", action="store_true", help="leave out the arm's own weight (a --payload still counts)"
    )


def _payload(args: argparse.Namespace) -> Payload | None:
    return None if args.payload is None else Payload(args.payload, args.payload_com, args.frame)


def torque_parts(
    robot: Robot, q: np.ndarray, wrench: Any, frame: str | None, ref: str, payload: Payload | None, gravity: bool
) -> dict[str, np.ndarray]:
    """The torque contributions [N·m] by source, and their total."""
    zero = np.zeros(robot.dof)
    parts = {
        "gravity": gravity_torques(robot, q) if gravity else zero,
        "payload": payload_torques(robot, q, payload) if payload is not None else zero,
        "wrench": joint_torques(robot, q, wrench, frame, ref) if wrench is not None else zero,
    }
    parts["total"] = parts["gravity"] + parts["payload"] + parts["wrench"]
    return parts


def torque_table(
    robot: Robot, parts: dict[str, np.ndarray], sources: tuple[str, ...] = ("gravity", "payload", "wrench")
) -> str:
    """One row per joint: the torque of each source, the total, the limit and |total| / limit."""
    lim = robot.effort_limits
    load = np.abs(parts["total"]) / lim * 100
    cols = (*sources, "total")
    rows = [[name, *(parts[k][i] for k in cols), lim[i], f"{load[i]:.0f}%"] for i, name in enumerate(robot.joint_names)]
    return table(["joint", *cols, "limit", "load"], rows, 3)


def torque(args: argparse.Namespace) -> int:
    check_ref(args.ref)  # even without --wrench: the JSON echoes it
    robot = load_robot(args)
    q = q_of(robot, args)
    frame = args.frame or robot.tip
    payload = _payload(args)
    parts = torque_parts(robot, q, args.wrench, frame, args.ref, payload, not args.no_gravity)
    over = [n for n, t, lim in zip(robot.joint_names, parts["total"], robot.effort_limits) if abs(t) > lim]
    if args.json:
        emit_json(
            {
                "robot": robot.name,
                "frame": frame,
                "ref": args.ref,
                "q": q,
                "joint_names": robot.joint_names,
                "wrench": args.wrench,
                "payload": None if payload is None else {"mass": payload.mass, "com": payload.com},
                "include_gravity": not args.no_gravity,
                "torques": parts,
                "effort_limits": robot.effort_limits,
                "over_limit": over,
            }
        )
        return 0
    print(f"joint torques [N·m] holding '{frame}' at q = {np.array2string(q, precision=4)}")
    if args.wrench is not None:
        print(f"wrench exerted on the environment (ref={args.ref}): {np.array2string(np.array(args.wrench))}")
    if payload is not None:
        print(f"payload: {payload.mass:g} kg at {list(payload.com)} m in '{frame}'")
    print(torque_table(robot, parts))
    print("over the effort limit: " + (", ".join(over) if over else "none"))
    return 0


def _ellipsoid_text(E: Ellipsoid, title: str) -> str:
    rows = [[f"axis {k + 1}", *E.axes[:, k], E.radii[k]] for k in range(3)]
    return f"{title} [{E.units}], base axes:\n" + table(["", "x", "y", "z", "radius"], rows, 3)


def capacity(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    q = q_of(robot, args)
    frame = args.frame or robot.tip
    payload = _payload(args)
    gravity = not args.no_gravity
    rep = capacity_report(
        robot,
        q,
        None if args.direction is None else [args.direction],
        frame=frame,
        include_gravity=gravity,
        payload=payload,
    )
    held = check_payload(robot, q, payload if payload is not None else Payload(0.0, frame=frame))
    if args.json:
        emit_json(
            {
                "robot": robot.name,
                "frame": frame,
                "q": q,
                "include_gravity": gravity,
                "force_ellipsoid": _ellipsoid_json(rep.force_ellipsoid),
                "velocity_ellipsoid": _ellipsoid_json(rep.velocity_ellipsoid),
                "max_force": [
                    {
                        "direction": m.direction,
                        "force": m.force,
                        "limiting_joint": m.limiting_joint,
                        "feasible": m.feasible,
                        "torques": m.torques,
                    }
                    for m in rep.max_forces
                ],
                "payload": {
                    "mass": held.payload.mass,
                    "com": held.payload.com,
                    "ok": held.ok,
                    "limiting_joint": held.limiting_joint,
                    "margin": held.margin,
                    "margin_fraction": held.margin_fraction,
                    "max_mass": held.max_mass,
                    "max_mass_joint": held.max_mass_joint,
                },
            }
        )
        return 0
    print(f"capacity of '{frame}' at q = {np.array2string(q, precision=4)} (URDF effort and velocity limits)")
    print(_ellipsoid_text(rep.force_ellipsoid, "force ellipsoid, ‖τ/τmax‖₂ ≤ 1, no gravity"))
    print(_ellipsoid_text(rep.velocity_ellipsoid, "velocity ellipsoid, ‖q̇/q̇max‖₂ ≤ 1"))
    note = ("with the arm's weight" if gravity else "without the arm's weight") + (
        f" and a {payload.mass:g} kg payload" if payload else ""
    )
    rows = [[np.array2string(m.direction, precision=3), m.force, m.limiting_joint or "-"] for m in rep.max_forces]
    print(f"largest pure force the tool can exert ({note}):")
    print(table(["direction", "force [N]", "limiting joint"], rows, 1))
    if payload is not None:
        verdict = "yes" if held.ok else "NO"
        print(
            f"can it hold {payload.mass:g} kg here? {verdict}: {held.limiting_joint} has "
            f"{fmt(held.margin, 2)} N·m ({held.margin_fraction * 100:.0f}%) margin"
        )
    print(f"heaviest payload it can hold here: {_max_mass_text(held)}")
    return 0


def _max_mass_text(held: PayloadCheck) -> str:
    if held.max_mass_joint is None:
        return "unbounded (its weight loads no joint here)"
    return f"{held.max_mass:.2f} kg (limited by {held.max_mass_joint})"


def _ellipsoid_json(E: Ellipsoid) -> dict[str, Any]:
    return {"center": E.center, "axes": E.axes, "radii": E.radii, "units": E.units}


#: The payload the demo hangs on the tool [kg], 5 cm beyond the tool frame's origin.
DEMO_PAYLOAD = Payload(2.0, (0.0, 0.0, 0.05))


def payload_section(robot: Robot) -> str:
    """Demo section: the torques that hold a 2 kg payload, and the heaviest one, per configuration."""
    from ..demo import demo_configurations  # the demo imports this module

    out = [
        f"A {DEMO_PAYLOAD.mass:g} kg payload, centre of mass {list(DEMO_PAYLOAD.com)} m in '{robot.tip}'; "
        "torques [N·m] = g(q) + J(lwa)ᵀ[−m g; c × (−m g)]"
    ]
    for label, q in demo_configurations(robot).items():
        parts = torque_parts(robot, q, None, None, "local_world_aligned", DEMO_PAYLOAD, True)
        held = check_payload(robot, q, DEMO_PAYLOAD)
        out.append(f"--- {label}: q = {np.array2string(q, precision=3, suppress_small=True)} [rad]")
        out.append(torque_table(robot, parts, ("gravity", "payload")))
        out.append(
            f"holds it: {'yes' if held.ok else 'NO'} (tightest: {held.limiting_joint}, "
            f"{held.margin_fraction * 100:.0f}% margin); heaviest payload here: {_max_mass_text(held)}"
        )
    return "\n".join(out)
