"""``robojac singularity`` (a report at one configuration) and ``robojac scan`` (along a joint path)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import InputError
from ..singularity import DEFAULT_THRESHOLD, DEFAULT_TYPE_TOLERANCE, PARTS, scan_path, singularity_report
from . import add_robot_options, emit_json, load_robot, q_of
from .readers import read_numbers


def register(sub: Any) -> None:
    p = sub.add_parser(
        "singularity", help="how close a configuration is to a singularity: σ, manipulability, lost directions"
    )
    add_robot_options(p)
    _common(p)
    p.add_argument(
        "--type-tolerance",
        type=float,
        default=DEFAULT_TYPE_TOLERANCE,
        help=f"tolerance of the UR wrist/elbow/shoulder conditions (default {DEFAULT_TYPE_TOLERANCE})",
    )
    p.set_defaults(handler=singularity)

    p = sub.add_parser("scan", help="near-singular intervals along a joint path (.npy or .csv, one row per sample)")
    add_robot_options(p, q=False)
    p.add_argument("--path", required=True, help="joint path file: .npy (N, dof) array, or .csv with dof columns")
    _common(p)
    p.add_argument("--part", default="full", choices=list(PARTS), help="which rows of the Jacobian (default full)")
    p.set_defaults(handler=scan)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ref", default="local_world_aligned", help="local | world | local_world_aligned (default)")
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"σ below which a direction is lost [m/rad, rad/rad] (default {DEFAULT_THRESHOLD})",
    )


def singularity(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    q = q_of(robot, args)
    rep = singularity_report(
        robot, q, args.frame, threshold=args.threshold, ref=args.ref, type_tolerance=args.type_tolerance
    )
    if args.json:
        emit_json(rep.to_dict())
    else:
        print(rep.summary())
    return 0


def read_path(path: str, dof: int | None = None) -> np.ndarray:
    """A joint path from a ``.npy`` array or a ``.csv`` (comma-separated; one header line of names allowed).

    With ``dof``, the array must have shape (N, dof); the message then names the file.
    """
    cols = "dof" if dof is None else str(dof)
    expected = f"a real float array of shape (N, {cols}) in a .npy file, or a .csv of N rows of {cols} joint values"
    arr = read_numbers(path, what="path file", expected=expected).values
    if arr.size == 0:
        raise InputError(f"path file {path} holds no joint values; expected {expected}")
    if dof is not None and (arr.ndim != 2 or arr.shape[1] != dof or arr.shape[0] == 0):
        raise InputError(f"path file {path} holds an array of shape {arr.shape}; expected {expected}")
    return arr


def scan(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    qs = read_path(args.path, robot.dof)
    result = scan_path(robot, qs, args.frame, threshold=args.threshold, ref=args.ref, part=args.part)
    if args.json:
        emit_json(result.to_dict())
    else:
        print(result.summary())
    return 0


def walk_manipulability(
    robot: Any, q: np.ndarray, *, down: bool, part: str, steps: int, stop: float = 0.0
) -> tuple[np.ndarray, int]:
    """Follow ±∇w in steps of 0.05 rad (clipped into the limits); stop once σ_min < ``stop``."""
    from ..singularity import analyze_jacobian, manipulability_gradient

    sign = -1.0 if down else 1.0
    rows = PARTS[part]
    for i in range(steps):
        if analyze_jacobian(robot.jacobian(q)[rows]).sigma_min < stop:
            return q, i
        g = manipulability_gradient(robot, q, part=part)
        norm = float(np.linalg.norm(g))
        if norm == 0.0:
            return q, i
        q = robot.clip(q + sign * 0.05 * g / norm)
    return q, steps


def demo_pair(robot: Any) -> tuple[str, np.ndarray, int, np.ndarray, int]:
    """``(part, q_singular, steps_down, q_regular, steps_up)`` for the demo.

    ``part`` is the Jacobian the walk follows: ``"full"`` for arms with 6 or more joints,
    ``"translational"`` for the others (a planar arm's full 6×n Jacobian keeps its rank where
    its position block loses one). Walks down ∇w from near the neutral configuration until
    σ_min < 1e-3 (at most 300 steps), and up it for 20 steps.
    """
    part = "full" if robot.dof >= 6 else "translational"
    # Off the neutral configuration, which is itself singular for some arms (w and ∇w vanish there).
    q0 = robot.clip(robot.neutral() + 0.3 * np.where(np.arange(robot.dof) % 2 == 0, -1.0, 1.0))
    q_sing, n_down = walk_manipulability(robot, q0, down=True, part=part, steps=300, stop=1e-3)
    q_reg, n_up = walk_manipulability(robot, q0, down=False, part=part, steps=20)
    return part, q_sing, n_down, q_reg, n_up


def demo_section(robot: Any) -> str:
    """The demo's singularity section: a report at a singular and at a regular configuration.

    Both are found with the manipulability gradient (see :func:`demo_pair`). Each heading
    gives the verdict of the Jacobian the walk followed, so a planar arm's singular pose
    (regular as a 6×2 matrix, singular in position) reads as what it is.
    """
    from ..singularity import _verdict

    part, q_sing, n_down, q_reg, n_up = demo_pair(robot)
    rep_sing, rep_reg = singularity_report(robot, q_sing), singularity_report(robot, q_reg)

    def verdict(rep: Any) -> str:
        return f"{part} Jacobian: " + _verdict(rep if part == "full" else getattr(rep, part))

    block = rep_sing if part == "full" else getattr(rep_sing, part)
    found = "a singular configuration" if block.is_singular else "the lowest point the walk reached"
    out = [
        f"Both found by following the gradient ∇w of the {part} manipulability w (a {robot.dof}-vector: w is "
        f"a scalar of q) from near the neutral configuration, in steps of 0.05 rad.",
        "",
        f"--- {found} ({n_down} steps down ∇w); {verdict(rep_sing)}",
        rep_sing.summary(),
        "",
        f"--- a regular configuration ({n_up} steps up ∇w); {verdict(rep_reg)}",
        rep_reg.summary(),
    ]
    return "\n".join(out)
