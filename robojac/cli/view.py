"""``robojac view``: the robot in the browser (meshcat), or as a standalone HTML page."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from ..errors import InputError
from .common import add_robot_options, emit_json, load_robot, q_of


def register(sub: Any) -> None:
    p = sub.add_parser("view", help="show the robot in the browser (meshcat), or write a standalone HTML page")
    add_robot_options(p)
    p.add_argument(
        "--target",
        type=float,
        nargs="+",
        metavar="X",
        help="target marker: x y z [m], or x y z qx qy qz qw (quaternion xyzw); position only keeps the tool's orientation",
    )
    p.add_argument("--ellipsoids", action="store_true", help="velocity (blue) and force (orange) ellipsoids at --frame")
    p.add_argument("--singularity", action="store_true", help="colour the arm by closeness to a singularity")
    p.add_argument("--html", metavar="FILE", help="write a standalone page (no server, no network) and exit")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, help="web port (default: the first free one from 7000)")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.add_argument(
        "--for", dest="seconds", type=float, help="serve this many seconds, then exit (default: until Ctrl-C)"
    )
    p.set_defaults(handler=view)


def target_pose(robot: Any, q: np.ndarray, values: list[float], frame: str | None) -> np.ndarray:
    from ..pose import from_position_quaternion

    if len(values) == 3:
        T = robot.fk(q, frame)
        T[:3, 3] = values
        return T
    if len(values) == 7:
        return from_position_quaternion(values[:3], values[3:])
    raise InputError(f"--target takes 3 numbers (x y z) or 7 (x y z qx qy qz qw), got {len(values)}")


def view(args: argparse.Namespace) -> int:
    from ..viz import Viewer
    from ..viz.serving import serve

    if args.seconds is not None and not args.seconds >= 0:  # NaN too: it would end the serving at once
        raise InputError(f"--for takes a number of seconds >= 0, got {args.seconds}")
    robot = load_robot(args)
    q = q_of(robot, args)
    frame = args.frame
    if frame is not None:
        robot.frame_id(frame)
    target = None if args.target is None else target_pose(robot, q, args.target, frame)
    with Viewer(robot, server=args.html is None, host=args.host, port=args.port, q=q, open=args.open) as viewer:
        viewer.add_frame(frame or robot.tip)
        if target is not None:
            viewer.add_target(target)
        if args.ellipsoids:
            viewer.add_ellipsoid("velocity", frame=frame)
            viewer.add_ellipsoid("force", frame=frame)
        viewer.frame()  # the robot and everything drawn on it
        if args.singularity:
            viewer.color_by_singularity(frame=frame)
            viewer.add_text(f"σ_min = {viewer.overlay_info('singularity')['sigma_min']:.4g}", name="sigma_min")
        summary = {"robot": robot.name, "q": q, "frame": frame or robot.tip, "overlays": list(viewer.overlays)}
        if args.html is not None:
            page = viewer.save_html(args.html)
            if args.json:
                emit_json({**summary, "html": str(page)})
            else:
                print(f"wrote {page}: '{robot.name}' at q = {np.array2string(q, precision=4)} (open it in a browser)")
            return 0
        if args.json:
            emit_json({**summary, "url": viewer.url})
        else:
            until = f"for {args.seconds:g} s" if args.seconds is not None else "until Ctrl-C"
            print(f"viewer of '{robot.name}' at {viewer.url} (serving {until})", flush=True)
        sys.stdout.flush()
        serve(viewer, args.seconds)
    return 0
