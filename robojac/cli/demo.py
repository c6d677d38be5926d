"""``robojac demo``: the guided tour (also what ``make demo`` runs)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="a tour of robojac on a bundled arm")
    p.add_argument("robot", nargs="?", default="panda", help="bundled robot name or URDF path (default: panda)")
    p.set_defaults(handler=demo)


def demo(args: argparse.Namespace) -> int:
    from ..demo import run

    return run(args.robot)
