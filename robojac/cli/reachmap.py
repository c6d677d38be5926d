"""``robojac reachmap``: a reachability map of a robot, written to a resumable zarr store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import InputError
from .common import add_robot_options, emit_json, load_robot
from .format import reachability_text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "reachmap",
        help="reachability map: IK over a voxel grid × tool orientations, on local processes or a Dask cluster",
        description=(
            "Map where the tool reaches and in how many orientations, chunk by chunk into a zarr store; "
            "run the same command again on the same --out to resume an interrupted map. "
            "Exit status 1 when chunks failed twice (listed on stderr; run again to retry them)."
        ),
    )
    add_robot_options(p, q=False)
    p.add_argument("--resolution", type=float, default=0.05, help="voxel edge [m] (default 0.05)")
    p.add_argument("--orientations", type=int, default=32, help="tool orientations per voxel (default 32)")
    p.add_argument("--position-only", action="store_true", help="position only: one solve per voxel")
    p.add_argument(
        "--region",
        type=float,
        nargs=6,
        metavar=("X0", "Y0", "Z0", "X1", "Y1", "Z1"),
        help="box corners [m] in the base frame (default: the reach ball's bounding box)",
    )
    p.add_argument("--out", metavar="STORE", required=True, help="zarr folder to write (resumed when it exists)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://10.0.0.1:8786")
    where.add_argument("--workers", type=int, default=1, help="local processes (default 1)")
    p.add_argument(
        "--connect-timeout", type=float, default=10.0, help="seconds to wait for the --scheduler (default 10)"
    )
    p.add_argument("--seed", type=int, default=None, help="base seed (default 0)")
    p.add_argument("--max-restarts", type=int, default=4, help="IK restarts per solve (default 4)")
    p.add_argument("--force", action="store_true", help="allow more voxels than the cap")
    p.add_argument("--html", metavar="FILE", help="also write a standalone page of the map (coloured voxels)")
    p.set_defaults(handler=reachmap)


def reachmap(args: argparse.Namespace) -> int:
    from ..ik.options import IKOptions
    from ..reachability import reachability_map
    from ..scale.executor import connect

    robot = load_robot(args)
    if args.position_only and args.orientations != 32:
        raise InputError("--position-only and --orientations exclude each other")
    region = None if args.region is None else [args.region[:3], args.region[3:]]
    options = IKOptions(frame=args.frame, timeout=None, max_restarts=args.max_restarts)
    client = None if args.scheduler is None else connect(args.scheduler, args.connect_timeout)
    try:
        rmap = reachability_map(
            robot,
            region,
            args.resolution,
            None if args.position_only else args.orientations,
            executor=None if client is None else client.get_executor(),
            workers=args.workers,
            store=args.out,
            options=options,
            seed=args.seed,
            force=args.force,
        )
    finally:
        if client is not None:
            client.close()
    page = None
    if args.html:
        from ..viz import Viewer

        with Viewer(robot, server=False) as viewer:
            viewer.add_reachability(rmap)
            viewer.frame()
            page = viewer.save_html(args.html)
    if args.json:
        emit_json(
            {
                "robot": rmap.robot,
                "frame": rmap.frame,
                "store": rmap.path,
                "shape": list(rmap.shape),
                "resolution": rmap.resolution,
                "orientations": 0 if rmap.orientations is None else len(rmap.orientations),
                "voxels_reached": int((rmap.index > 0).sum()),
                "complete": rmap.complete,
                "failed": {str(k): v for k, v in rmap.failed.items()},
                "html": None if page is None else str(page),
            }
        )
    else:
        print(reachability_text(rmap))
        print(f"store: {rmap.path}" + ("" if page is None else f"; page: {page}"))
        for i, reason in sorted(rmap.failed.items()):
            print(f"chunk {i} failed twice: {reason} (run again to retry it)", file=sys.stderr)
    return 0 if rmap.complete else 1
