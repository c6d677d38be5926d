"""``robojac info``, ``robojac fk`` and ``robojac jacobian``."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..pose import to_position_quaternion
from ..robot import Robot
from ..table import matrix, table
from . import add_robot_options, emit_json, load_robot, q_of

TWIST_ROWS = ["vx", "vy", "vz", "wx", "wy", "wz"]


def register(sub: Any) -> None:
    p = sub.add_parser("info", help="chain, joints, limits and frames of a robot")
    add_robot_options(p, q=False, frame=False)
    p.set_defaults(handler=info)

    p = sub.add_parser("fk", help="pose of a frame in the base frame")
    add_robot_options(p)
    p.set_defaults(handler=fk)

    p = sub.add_parser("jacobian", help="6×dof geometric Jacobian, rows [v; ω]")
    add_robot_options(p)
    p.add_argument("--ref", default="local_world_aligned", help="local | world | local_world_aligned (default)")
    p.set_defaults(handler=jacobian)


def info_text(robot: Robot) -> str:
    rows = [
        [name, kind, lo, hi, vel, eff]
        for name, kind, lo, hi, vel, eff in zip(
            robot.joint_names, robot.joint_types, robot.lower, robot.upper, robot.velocity_limits, robot.effort_limits
        )
    ]
    out = [
        f"{robot.name}: {robot.dof} joints, {robot.base} → {robot.tip}",
        table(["joint", "type", "lower", "upper", "max vel", "max effort"], rows, 3),
    ]
    if robot.locked:
        out.append("locked: " + ", ".join(f"{k} = {v:g}" for k, v in robot.locked.items()))
    out.append(f"frames ({len(robot.frame_names)}): " + ", ".join(robot.frame_names))
    return "\n".join(out)


def info(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    if args.json:
        emit_json(
            {
                "name": robot.name,
                "dof": robot.dof,
                "base": robot.base,
                "tip": robot.tip,
                "joint_names": robot.joint_names,
                "joint_types": robot.joint_types,
                "lower": robot.lower,
                "upper": robot.upper,
                "velocity_limits": robot.velocity_limits,
                "effort_limits": robot.effort_limits,
                "locked": robot.locked,
                "frame_names": robot.frame_names,
            }
        )
    else:
        print(info_text(robot))
    return 0


def pose_text(T: np.ndarray) -> str:
    p, quat = to_position_quaternion(T)
    return "\n".join(
        [
            matrix(T, ["", "", "", ""], ["", "", "", ""]).split("\n", 2)[2],
            f"position [m]: {np.array2string(p, precision=5, suppress_small=True)}",
            f"quaternion (x, y, z, w): {np.array2string(quat, precision=5, suppress_small=True)}",
        ]
    )


def fk(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    q = q_of(robot, args)
    frame = args.frame or robot.tip
    T = robot.fk(q, frame)
    p, quat = to_position_quaternion(T)
    if args.json:
        emit_json(
            {
                "robot": robot.name,
                "frame": frame,
                "base": robot.base,
                "q": q,
                "pose": T,
                "position": p,
                "quaternion_xyzw": quat,
            }
        )
    else:
        print(f"pose of '{frame}' in '{robot.base}' at q = {np.array2string(q, precision=4)}")
        print(pose_text(T))
    return 0


def jacobian(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    q = q_of(robot, args)
    frame = args.frame or robot.tip
    J = robot.jacobian(q, frame, args.ref)
    if args.json:
        emit_json(
            {
                "robot": robot.name,
                "frame": frame,
                "ref": args.ref,
                "q": q,
                "jacobian": J,
                "rows": TWIST_ROWS,
                "columns": robot.joint_names,
            }
        )
    else:
        print(
            f"Jacobian of '{frame}' (ref={args.ref}) at q = {np.array2string(q, precision=4)}; rows [v; ω], units m/rad and rad/rad"
        )
        print(matrix(J, TWIST_ROWS, [f"q{i + 1}" for i in range(robot.dof)]))
    return 0
