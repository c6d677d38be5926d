"""``robojac singularity`` (a report at one configuration) and ``robojac scan`` (along a joint path)."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import InputError
from ..measures import PARTS
from ..singularity import DEFAULT_TYPE_TOLERANCE, SINGULAR_THRESHOLD, scan_path, singularity_report
from .common import add_robot_options, emit_json, load_robot, q_of
from .format import scan_text, singularity_text
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
        default=SINGULAR_THRESHOLD,
        help=f"σ below which a direction is lost [m/rad, rad/rad] (default {SINGULAR_THRESHOLD})",
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
        print(singularity_text(rep))
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
        print(scan_text(result))
    return 0
