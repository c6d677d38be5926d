"""``robojac ik``: inverse kinematics for one target or a file of targets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..ik.options import DEFAULT_OPTIONS as _D
from .common import add_robot_options, emit_json, load_robot
from .format import ik_batch_text, ik_text
from .readers import read_numbers

_TARGETS = (
    "a real float array of shape (N, 7) (x y z qx qy qz qw), (N, 16) or (N, 4, 4) (4×4 poses) in a .npy file, "
    "or a .csv of N rows of 7 numbers (x,y,z,qx,qy,qz,qw) or 16 (a 4×4 row by row); with --position-only, "
    "also N rows of 3 numbers (x,y,z)"
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ik",
        help="joint values that reach a pose (damped least squares with restarts)",
        description="Solve inverse kinematics for one --target pose, or for every pose in a --targets file.",
    )
    add_robot_options(p, q=False)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--target",
        type=float,
        nargs="+",
        metavar="X Y Z [QX QY QZ QW]",
        help="position [m] and quaternion (x, y, z, w order; 0 0 0 1 is the identity), or the position alone "
        "with --position-only",
    )
    src.add_argument(
        "--targets",
        metavar="FILE",
        help=".npy of shape (N, 4, 4) or (N, 7), or .csv of N rows of 7 numbers x y z qx qy qz qw or 16 (a 4×4 row by row)",
    )
    p.add_argument("--out", metavar="FILE", help="with --targets: write results to .csv, .npz (all fields) or .npy (q)")
    p.add_argument("--q0", type=float, nargs="+", help="start joint values (default: neutral)")
    p.add_argument("--position-only", action="store_true", help="constrain the position only (rotation free)")
    p.add_argument(
        "--position-tolerance",
        type=float,
        default=_D.position_tolerance,
        help=f"[m] (default {_D.position_tolerance:g})",
    )
    p.add_argument(
        "--rotation-tolerance",
        type=float,
        default=_D.rotation_tolerance,
        help=f"[rad] (default {_D.rotation_tolerance:g})",
    )
    p.add_argument("--timeout", type=float, default=_D.timeout, help=f"budget per target [s] (default {_D.timeout:g})")
    p.add_argument("--seed", type=int, default=None, help="seed of the random restarts (target i uses seed + i)")
    p.add_argument("--workers", type=int, default=1, help="processes for --targets (default 1)")
    p.add_argument(
        "--html",
        metavar="FILE",
        help="with --target: also write a standalone page of the solution (the arm at q, the target, the move from q0)",
    )
    p.add_argument(
        "--avoid-collisions",
        action="store_true",
        help="accept only answers free of self-collision and of each --obstacle (with --target or --targets; "
        "a --targets run says how many targets failed because every answer collided)",
    )
    from .collide import add_collision_options

    add_collision_options(p)
    p.set_defaults(handler=ik)

    p = sub.add_parser(
        "warmup",
        help="compile the IK, resolved-rate and collision QP kernels now (about 20 s, once per install), "
        "so the first solve starts at once",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(handler=warmup)


def warmup(args: argparse.Namespace) -> int:
    import time

    from .. import dls_kernel
    from ..collision import kernel as collision_kernel
    from ..ik import kernel

    start = time.perf_counter()
    compiled = kernel.warmup()
    compiled = dls_kernel.warmup() or compiled
    compiled = collision_kernel.warmup() or compiled
    seconds = time.perf_counter() - start
    where = kernel.cache_dir()
    if args.json:
        emit_json({"compiled": compiled, "seconds": seconds, "cache_dir": where})
    else:
        done = "compiled" if compiled else "already compiled; loaded from the cache"
        print(f"kernels {done} in {seconds:.1f} s (cache: {where or 'none, compiled per process'})")
    return 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return dict(
        frame=args.frame,
        position_only=args.position_only,
        position_tolerance=args.position_tolerance,
        rotation_tolerance=args.rotation_tolerance,
        timeout=args.timeout,
        seed=args.seed,
    )


def ik(args: argparse.Namespace) -> int:
    robot = load_robot(args)
    if args.target is None:
        return _batch(robot, args)
    if args.out:
        raise InputError("--out goes with --targets FILE; for one --target the result is printed")
    if args.html is not None:
        _check_page(args.html)
    from ..ik import solve_ik

    t = np.array(args.target)
    if len(t) == 3 and not args.position_only:
        raise InputError(
            "--target with 3 numbers is a position; add --position-only, or give 7 numbers x y z qx qy qz qw"
        )
    if len(t) not in (3, 7):
        raise InputError(
            f"--target takes 7 numbers (x y z qx qy qz qw) or, with --position-only, 3 (x y z); got {len(t)}"
        )
    collision = None
    if args.avoid_collisions:
        from .collide import collision_model

        collision = collision_model(robot, args)
    elif args.obstacle:
        raise InputError("--obstacle goes with --avoid-collisions")
    res = solve_ik(robot, t if len(t) == 3 else (t[:3], t[3:]), args.q0, collision=collision, **_options(args))
    page = None if args.html is None else str(solution_page(robot, args, t, res))
    if args.json:
        emit_json(
            {
                "robot": robot.name,
                "frame": args.frame or robot.tip,
                "target": {"position": t[:3], "quaternion_xyzw": None if args.position_only else t[3:]},
                "joint_names": robot.joint_names,
                **res.to_dict(),
                "html": page,
            }
        )
    else:
        print(ik_text(robot, res))
        if page is not None:
            print(f"wrote {page} (open it in a browser: the arm at the solution, the target, and the move to it)")
    return 0 if res.success else 1


def _check_page(path: str) -> None:
    """Refuse an --html file that cannot be written before solving, not after."""
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"--html must name an .html file, got {p.name or path!r}")
    if not p.parent.is_dir():
        raise InputError(f"--html {path}: folder {p.parent} does not exist; expected a file in an existing folder")


def solution_page(robot: Any, args: argparse.Namespace, target: np.ndarray, res: Any) -> Path:
    """A standalone page: the arm at the solution, the target, and the tool's path from the start."""
    from ..viz import Viewer

    q0 = robot.neutral() if args.q0 is None else robot.clip(robot.check_q(args.q0, "q0"))
    frame = args.frame or robot.tip
    pose = np.eye(4)
    pose[:3, 3] = target[:3]
    if len(target) == 3:  # position only: show the target with the orientation the solution reached
        pose[:3, :3] = robot.fk(res.q, frame)[:3, :3]
    else:
        from ..pose import from_position_quaternion

        pose = from_position_quaternion(target[:3], target[3:], "--target")
    move = np.linspace(q0, res.q, 40)
    with Viewer(robot, server=False, q=res.q) as viewer:
        viewer.add_target(pose)
        viewer.add_frame(frame)
        viewer.add_tool_path(move, frame=frame)
        viewer.frame(qs=move)
        viewer.play(move, np.arange(len(move)) / 20.0)
        viewer.show(res.q)
        return viewer.save_html(args.html)


def read_targets(path: str, position_only: bool = False) -> np.ndarray:
    """(N, 4, 4) poses, or with ``position_only`` (N, 3) positions, from a .npy or .csv file
    (see ``robojac ik --help``)."""
    from ..pose import from_position_quaternion

    tab = read_numbers(path, what="targets file", expected=_TARGETS)
    arr = tab.values
    if arr.size == 0:
        raise InputError(f"targets file {path} holds no targets; expected {_TARGETS}")
    if arr.ndim == 3 and arr.shape[1:] == (4, 4):
        return arr
    if arr.ndim == 2 and arr.shape[1] == 16:
        return arr.reshape(-1, 4, 4)
    if arr.ndim == 2 and arr.shape[1] == 7:
        return np.stack([from_position_quaternion(r[:3], r[3:], f"target {path} {w}") for r, w in zip(arr, tab.where)])
    if arr.ndim == 2 and arr.shape[1] == 3:
        if not position_only:
            raise InputError(
                f"targets file {path} holds positions (3 columns) but the rotation is constrained; add --position-only, "
                "or give 7 columns x,y,z,qx,qy,qz,qw"
            )
        return arr
    raise InputError(f"targets file {path} holds an array of shape {arr.shape}; expected {_TARGETS}")


def _check_out(path: str) -> None:
    """Refuse an --out file that cannot be written before any solving, not after."""
    p = Path(path)
    if p.suffix.lower() not in (".csv", ".npz", ".npy"):
        raise InputError(f"--out must end in .csv, .npz or .npy, got {p.name}")
    if not p.parent.is_dir():
        raise InputError(f"--out {path}: folder {p.parent} does not exist; expected a file in an existing folder")


def _batch(robot: Any, args: argparse.Namespace) -> int:
    from ..ik import solve_ik_batch

    if args.html is not None:
        raise InputError("--html goes with one --target; for --targets FILE write the solutions with --out")
    if args.out:
        _check_out(args.out)
    collision = None
    if args.avoid_collisions:
        from .collide import collision_model

        collision = collision_model(robot, args)
    elif args.obstacle:
        raise InputError("--obstacle goes with --avoid-collisions")
    targets = read_targets(args.targets, args.position_only)
    opts = _options(args)
    res = solve_ik_batch(robot, targets, args.q0, workers=args.workers, progress=True, collision=collision, **opts)
    n = len(res)
    if args.out:
        write_results(args.out, robot, res)
    summary = {
        "robot": robot.name,
        "targets": n,
        "solved": int(res.success.sum()),
        "success_rate": res.success_rate,
        "median_time": float(np.median(res.time)) if n else 0.0,
        "out": args.out,
        # with --avoid-collisions: the pairs checked, and the targets whose converged answers all collided
        "collision_pairs": None if collision is None else len(collision.pairs),
        "collided": None if collision is None else res.collided,
    }
    if args.json:
        fields = res.to_dict()
        keys = ("q", "success", "position_error", "rotation_error", *(("collision",) if collision else ()))
        emit_json({**summary, **{k: fields[k] for k in keys}})
    else:
        print(ik_batch_text(robot, summary))
    return 0 if n == summary["solved"] else 1


def write_results(path: str, robot: Any, res: Any) -> None:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        np.save(p, res.q)
    elif suffix == ".npz":
        np.savez(
            p,
            q=res.q,
            success=res.success,
            position_error=res.position_error,
            rotation_error=res.rotation_error,
            iterations=res.iterations,
            restarts=res.restarts,
            time=res.time,
            joint_names=np.array(robot.joint_names),
            # per target, the pair its converged answers collided with ("" and "": none)
            collision=np.array([c or ("", "") for c in res.collision], dtype=str).reshape(len(res), 2),
        )
    elif suffix == ".csv":
        header = ["success", "position_error", "rotation_error", "iterations", "restarts", "time", *robot.joint_names]
        cols = np.column_stack(
            [res.success, res.position_error, res.rotation_error, res.iterations, res.restarts, res.time, res.q]
        )
        np.savetxt(p, cols, delimiter=",", header=",".join(header), comments="", fmt="%.17g")
    else:
        raise InputError(f"--out must end in .csv, .npz or .npy, got {p.name}")
