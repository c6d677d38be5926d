"""``robojac collide``: clearance, the closest pair and any collisions at one configuration."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..errors import InputError
from .common import add_robot_options, emit_json, load_robot, q_of

#: Numbers after the kind in ``--obstacle KIND ...``: the position (x, y, z) [m] in the
#: base frame, then the sizes; a plane takes only its height.
_COUNTS = {"box": 6, "sphere": 4, "cylinder": 5, "capsule": 5, "plane": 1}
OBSTACLE_HELP = (
    "KIND NUMBERS [m], base frame: box x y z sx sy sz | sphere x y z r | cylinder x y z r length | "
    "capsule x y z r length | plane z (the half-space below height z); repeatable"
)


def register(sub: Any) -> None:
    p = sub.add_parser("collide", help="clearance, closest pair and collisions at a configuration")
    add_robot_options(p, frame=False)
    add_collision_options(p)
    p.set_defaults(handler=collide)


def add_collision_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--obstacle", nargs="+", action="append", default=[], metavar="ARG", help=OBSTACLE_HELP)
    p.add_argument("--margin", type=float, default=0.0, help="padding [m]: pairs closer than this collide (default 0)")
    p.add_argument("--srdf", default=None, help="SRDF file whose <disable_collisions> pairs are not checked")


def collision_model(robot: Any, args: argparse.Namespace) -> Any:
    """The CollisionModel the command line describes (robot geometry plus each --obstacle)."""
    from ..collision import CollisionModel

    cm = CollisionModel(robot, margin=args.margin, srdf=args.srdf)
    for k, spec in enumerate(args.obstacle):
        kind, *numbers = spec
        if kind not in _COUNTS:
            raise InputError(f"--obstacle kind {kind!r} is unknown; expected one of {', '.join(_COUNTS)}")
        if len(numbers) != _COUNTS[kind]:
            raise InputError(f"--obstacle {kind} takes {_COUNTS[kind]} numbers ({OBSTACLE_HELP}), got {len(numbers)}")
        try:
            vals = [float(v) for v in numbers]
        except ValueError:
            raise InputError(f"--obstacle {kind}: {' '.join(numbers)!r} are not all numbers") from None
        name = f"{kind}{k + 1}"
        if kind == "plane":
            cm.add_obstacle(name, "plane", (), (0.0, 0.0, vals[0]))
        else:
            cm.add_obstacle(name, kind, vals[3:], vals[:3])
    return cm


def collide(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    q = q_of(robot, args)
    cm = collision_model(robot, args)
    c = cm.distances(q)
    if args.json:
        emit_json({"robot": robot.name, "q": q, "pairs": len(c.pairs), **c.to_dict()})
        return 0
    closest = c.closest
    lines = [f"{robot.name}: {len(c.pairs)} pairs checked, margin {cm.margin:g} m"]
    if closest is None:
        lines.append("no pairs to check")
    else:
        lines.append(
            f"clearance {closest.distance * 1e3:.1f} mm between {closest.first} and {closest.second}"
            f" (at {_xyz(closest.point1)} and {_xyz(closest.point2)} in the base frame)"
        )
    hits = c.colliding
    lines.append(
        "collision-free"
        if not hits
        else f"IN COLLISION: {len(hits)} pair(s): "
        + ", ".join(f"{p.first}–{p.second} ({_mm(p.distance)})" for p in hits)
    )
    print("\n".join(lines))
    return 0


def _xyz(p: Any) -> str:
    return "(" + ", ".join(f"{v:.3f}" for v in p) + ")"


def _mm(d: float) -> str:
    return f"{d * 1e3:.1f} mm" if math.isfinite(d) else str(d)
