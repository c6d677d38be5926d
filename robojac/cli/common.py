"""What every subcommand shares: the robot options, loading the robot, and JSON output."""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import RobojacWarning


def add_robot_options(p: argparse.ArgumentParser, *, q: bool = True, frame: bool = True) -> None:
    """The options every robot subcommand shares."""
    p.add_argument("robot", help="bundled robot name (panda, ur5, iiwa14, planar_2r) or URDF path")
    p.add_argument("--base", help="base link (default: the URDF root)")
    p.add_argument("--tip", help="tip link (default: the robot's tool frame)")
    p.add_argument("--package-dir", action="append", default=[], help="folder for package:// meshes (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    if q:
        p.add_argument(
            "--q", type=float, nargs="+", help="joint values [rad or m], one per chain joint (default: neutral)"
        )
    if frame:
        p.add_argument("--frame", help="frame name (default: the tip)")


def load_robot(args: argparse.Namespace) -> Any:
    from ..loading import load

    return load(args.robot, base=args.base, tip=args.tip, package_dirs=args.package_dir)


def q_of(robot: Any, args: argparse.Namespace) -> np.ndarray:
    """``--q`` checked (default: neutral), with one warning when it lies far outside the limits."""
    if args.q is None:
        return robot.neutral()
    q = robot.check_q(args.q)
    warn_far_outside_limits(robot, q)
    return q


def warn_far_outside_limits(robot: Any, q: np.ndarray) -> None:
    """One RobojacWarning (printed as one stderr line by the CLI) when some joint of ``q`` is
    beyond a limit by more than its whole range or by more than a turn: a typing slip such as
    degrees for radians, which the kinematics would otherwise take silently."""
    lower, upper = np.asarray(robot.lower), np.asarray(robot.upper)
    slack = np.minimum(upper - lower, 2.0 * np.pi)
    far = np.flatnonzero((q < lower - slack) | (q > upper + slack))
    if far.size == 0:
        return
    i = int(far[0])
    unit = "m" if robot.joint_types[i] == "prismatic" else "rad"
    hint = "; were degrees typed as radians? robojac takes radians" if unit == "rad" else ""
    others = f" (and {far.size - 1} more)" if far.size > 1 else ""
    warnings.warn(
        f"q is far outside the joint limits: {robot.joint_names[i]} = {q[i]:g} {unit}, limits "
        f"[{lower[i]:g}, {upper[i]:g}]{others}{hint}",
        RobojacWarning,
        stacklevel=2,
    )


def to_jsonable(obj: Any) -> Any:
    """Arrays as nested lists, and non-finite numbers (inf, −inf, NaN) as None (JSON null),
    so the JSON is strict: a null number means unbounded or undefined, as the field's
    text output says (an infinite condition number, an unbounded payload)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if np.isfinite(v) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def emit_json(obj: Any) -> None:
    print(json.dumps(to_jsonable(obj), indent=2, allow_nan=False))
