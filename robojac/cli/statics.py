"""``robojac torque`` and ``robojac capacity``."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..capacity import capacity_report, check_payload
from ..ellipsoid import Ellipsoid
from ..robot import Robot, check_ref
from ..statics import Payload, gravity_torques, joint_torques, payload_torques
from .common import add_robot_options, emit_json, load_robot, q_of
from .format import capacity_text, torque_text


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
    print(torque_text(robot, q, frame, parts, args.wrench, args.ref, payload, over))
    return 0


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
    print(capacity_text(frame, q, rep, held, payload, gravity))
    return 0


def _ellipsoid_json(E: Ellipsoid) -> dict[str, Any]:
    return {"center": E.center, "axes": E.axes, "radii": E.radii, "units": E.units}
