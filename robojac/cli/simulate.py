"""``robojac simulate``: run a controller on a bundled arm or a URDF and save the log.

``rrmc`` runs on the kinematic simulator (joint rates integrated); ``impedance`` and
``osc`` run on the dynamic simulator (Pinocchio's ABA, gravity on, compensated by the
controller). The trajectory starts at the tool pose of ``--q``; without it, a bundled arm
starts at :data:`DEMO_START` (its neutral pose is stretched out and singular), any other
arm at its neutral pose.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..control import CartesianImpedanceController, OperationalSpaceController, ResolvedRateController
from ..errors import InputError
from ..log import Log
from ..simulate import INTEGRATORS, simulate_dynamic, simulate_kinematic
from ..trajectory import Circle, Line, Trajectory
from .common import add_robot_options, emit_json, load_robot, q_of
from .format import simulation_text

CONTROLLERS = ("rrmc", "impedance", "osc")
TRAJECTORIES = ("circle", "line", "hold")

#: Well-conditioned start configurations [rad] per bundled robot, for ``robojac simulate``
#: without ``--q`` and for the demo (a bundled arm's neutral pose is stretched out and singular).
DEMO_START = {
    "panda": [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785],
    "ur5": [0.0, -1.2, 1.5, -1.9, -1.571, 0.0],
    "iiwa14": [0.0, 0.5, 0.0, -1.2, 0.0, 0.8, 0.0],
    "planar_2r": [0.3, 1.2],
}


def register(sub: Any) -> None:
    p = sub.add_parser("simulate", help="run a controller along a trajectory; save the log (.npz/.csv), plot it")
    add_robot_options(p)
    p.add_argument("--controller", choices=CONTROLLERS, default="rrmc", help="rrmc (kinematic) | impedance | osc")
    p.add_argument("--trajectory", choices=TRAJECTORIES, default="circle", help="tool path from the start pose")
    p.add_argument("--duration", type=float, default=4.0, help="simulated time [s] (default 4)")
    p.add_argument("--dt", type=float, default=1e-3, help="fixed step [s] (default 0.001)")
    p.add_argument("--radius", type=float, default=0.05, help="circle radius [m] (default 0.05)")
    p.add_argument("--period", type=float, default=2.0, help="circle period [s] (default 2)")
    p.add_argument(
        "--normal", type=float, nargs=3, help="circle plane normal (default: x, or z for arms of < 6 joints)"
    )
    p.add_argument(
        "--delta", type=float, nargs=3, default=[0.0, 0.1, 0.0], help="line displacement [m] (default 0 0.1 0)"
    )
    p.add_argument("--motion-time", type=float, help="time [s] the line takes (default: 80%% of --duration)")
    p.add_argument("--gain", type=float, nargs="+", help="rrmc gain K [1/s], 1 or 6 numbers (default 5)")
    p.add_argument("--stiffness", type=float, nargs="+", help="impedance [N/m, N·m/rad] or osc [1/s²] K, 1 or 6")
    p.add_argument("--damping", type=float, help="rrmc: fixed DLS damping λ (default adaptive; 0 = undamped)")
    p.add_argument("--integrator", choices=INTEGRATORS, default="semi_implicit_euler", help="dynamic simulator")
    p.add_argument("--out", help="write the log here (.npz or .csv)")
    p.add_argument("--plot", help="draw the log into this PNG (needs matplotlib)")
    p.set_defaults(handler=simulate)


def _trajectory(args: argparse.Namespace, T0: np.ndarray, dof: int) -> Trajectory | np.ndarray:
    if args.trajectory == "circle":
        normal = args.normal if args.normal is not None else ((0.0, 0.0, 1.0) if dof < 6 else (1.0, 0.0, 0.0))
        return Circle.starting_at(T0, args.radius, normal=normal, period=args.period)
    if args.trajectory == "line":
        end = T0.copy()
        end[:3, 3] += np.asarray(args.delta, dtype=float)
        motion = args.motion_time if args.motion_time is not None else 0.8 * args.duration
        return Line(T0, end, motion)
    return T0


def _gains(values: list[float] | None, default: Any) -> Any:
    if values is None:
        return default
    if len(values) not in (1, 6):
        raise InputError(f"give 1 or 6 gains ([x, y, z, rx, ry, rz]), got {len(values)}")
    return values[0] if len(values) == 1 else np.array(values)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse an option the chosen controller would silently ignore."""
    if args.controller == "rrmc" and args.stiffness is not None:
        raise InputError("--stiffness applies to --controller impedance or osc; rrmc takes --gain")
    if args.controller != "rrmc":
        for flag, value in (("--gain", args.gain), ("--damping", args.damping)):
            if value is not None:
                raise InputError(f"{flag} applies to --controller rrmc only; {args.controller} takes --stiffness")


def run(args: argparse.Namespace) -> Log:
    _check_options(args)
    robot = load_robot(args)
    q0 = q_of(robot, args)
    start = DEMO_START.get(robot.name)
    if args.q is None and start is not None and len(start) == robot.dof:
        q0 = np.array(start)  # a bundled arm's neutral pose is stretched out and singular
    frame = args.frame
    ref = _trajectory(args, robot.fk(q0, frame), robot.dof)
    if args.controller == "rrmc":
        task = "pose" if robot.dof >= 6 else "position"
        ctrl: Any = ResolvedRateController(
            robot, ref, gain=_gains(args.gain, 5.0), frame=frame, dt=args.dt, damping=args.damping, task=task
        )
        return simulate_kinematic(robot, ctrl, q0, duration=args.duration)
    if args.controller == "impedance":
        stiff = _gains(args.stiffness, (600.0, 600.0, 600.0, 30.0, 30.0, 30.0))
        ctrl = CartesianImpedanceController(robot, ref, stiffness=stiff, frame=frame)
    else:
        ctrl = OperationalSpaceController(robot, ref, stiffness=_gains(args.stiffness, 400.0), frame=frame)
    return simulate_dynamic(robot, ctrl, q0, duration=args.duration, dt=args.dt, integrator=args.integrator)


def simulate(args: argparse.Namespace) -> int:
    if args.out and Path(args.out).suffix.lower() not in (".npz", ".csv"):
        raise InputError(f"--out must name a .npz or .csv file, got {args.out!r}")  # before a long run, not after
    t0 = time.perf_counter()
    log = run(args)
    wall = time.perf_counter() - t0
    if args.out:
        log.save(args.out)
    if args.plot:
        log.plot(args.plot)
    if args.json:
        emit_json({**log.summary(), "wall_time_s": wall, "out": args.out, "plot": args.plot})
    else:
        print(simulation_text(log, wall))
        for label, path in (("log", args.out), ("plot", args.plot)):
            if path:
                print(f"{label}: {path}")
    return 0 if log.status == "ok" else 1
