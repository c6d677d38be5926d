"""``robojac info``, ``robojac fk`` and ``robojac jacobian``."""

from __future__ import annotations

import argparse
from typing import Any

from ..pose import to_position_quaternion
from .common import add_robot_options, emit_json, load_robot, q_of
from .format import TWIST_ROWS, fk_text, info_text, jacobian_text


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


def info(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    if args.json:
        emit_json(
            {
                "name": robot.name,
                "dof": robot.dof,
                "base": robot.base,
                "tip": robot.tip,
                "tip_chosen": robot.tip_reason,
                "joint_names": robot.joint_names,
                "joint_types": robot.joint_types,
                "lower": robot.lower,
                "upper": robot.upper,
                "velocity_limits": robot.velocity_limits,
                "effort_limits": robot.effort_limits,
                "locked": robot.locked,
                "frame_names": robot.frame_names,
                "ik_kernel_cache_dir": _kernel_cache_dir(),
            }
        )
    else:
        print(info_text(robot))
    return 0


def _kernel_cache_dir() -> str | None:
    """Where numba caches the compiled IK kernel (``robojac warmup`` fills it)."""
    from ..ik import kernel

    return kernel.cache_dir()


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
        print(fk_text(frame, robot.base, q, T))
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
        print(jacobian_text(frame, args.ref, q, J))
    return 0
