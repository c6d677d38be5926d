"""What every subcommand shares: the robot options, loading the robot, and JSON output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

import numpy as np


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
    from ..robot import load

    return load(args.robot, base=args.base, tip=args.tip, package_dirs=args.package_dir)


def q_of(robot: Any, args: argparse.Namespace) -> np.ndarray:
    return robot.neutral() if args.q is None else robot.check_q(args.q)


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
