"""The end of ``robojac demo``: the arm in the browser, one view per capability.

Without a terminal (CI, a pipe) it writes ``robojac-demo.html``, a standalone page of
:data:`VIEWS` side by side, each its own meshcat scene with its own camera, and returns
at once. Attached to a terminal, it writes the same page and also serves the looping
control view live until Ctrl-C.

Each view is a function ``build(viewer) -> caption`` that poses the arm and draws the
overlays of one capability, and nothing else, so no view crowds the wrist.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import numpy as np

from ..robot import Robot
from ..viz.gallery import GalleryView, gallery_html
from ..viz.serving import serve
from ..viz.viewer import Viewer
from .kinematics import demo_start

DEMO_HTML = "robojac-demo.html"

#: Colours of the demo's overlays that the default palette lacks.
CIRCLE_RGBA = (1.0, 0.85, 0.0, 1.0)
JOINT_TORQUE_RGBA = (0.6, 0.1, 0.9, 1.0)


def _reach(robot: Robot) -> float:
    """The arm's size [m]: the tool's distance from the base at the tour's configuration (at least 0.2 m)."""
    return max(float(np.linalg.norm(robot.fk(demo_start(robot))[:3, 3])), 0.2)


def _xyz(p: np.ndarray) -> str:
    x, y, z = np.round(p, 2) + 0.0  # + 0.0: no "-0.00"
    return f"({x:.2f}, {y:.2f}, {z:.2f}) m"


def kinematics_view(viewer: Viewer) -> str:
    """The base and tool frames at the tour's configuration."""
    robot = viewer.robot
    q = demo_start(robot)
    s = 0.25 * _reach(robot)
    viewer.show(q)
    viewer.add_frame(robot.base, scale=s)
    viewer.add_frame(robot.tip, scale=s)
    viewer.frame()
    return f"fk(q): '{robot.tip}' at {_xyz(robot.fk(q)[:3, 3])} in '{robot.base}'; axes x red, y green, z blue"


def ik_view(viewer: Viewer) -> str:
    """A target pose (pink ball and triad) and the arm at solve_ik's answer from the neutral pose."""
    from ..ik import solve_ik  # numba loads only now

    robot = viewer.robot
    T = robot.fk(robot.random_configuration(np.random.default_rng(3)))
    res = solve_ik(robot, T, robot.neutral(), seed=0)
    viewer.show(res.q)
    viewer.add_target(T, scale=0.25 * _reach(robot))
    viewer.frame()
    verdict = "solved" if res.success else "not solved"
    return (
        f"target at {_xyz(T[:3, 3])}: {verdict} from the neutral pose in {res.iterations} iterations, "
        f"position error {res.position_error:.1e} m"
    )


def manipulability_view(viewer: Viewer) -> str:
    """The velocity (blue) and force (orange) ellipsoids at the tool."""
    robot = viewer.robot
    viewer.show(demo_start(robot))
    viewer.add_ellipsoid("velocity")
    viewer.add_ellipsoid("force")
    viewer.frame()
    radii = viewer.overlay_info("velocity_ellipsoid")["ellipsoid"].radii
    return (
        f"velocity ellipsoid (blue, radii σᵢ, {radii.max():.2f} to {radii.min():.2f} m/s per rad/s) "
        "and force ellipsoid (orange, radii 1/σᵢ): easy motion is hard pushing"
    )


def singularity_view(viewer: Viewer) -> str:
    """The arm near a singularity, each link coloured by how much it takes part in the lost motion."""
    from .singularity import demo_pair

    robot = viewer.robot
    part, q_sing, _, _, _ = demo_pair(robot)
    viewer.show(q_sing)
    viewer.color_by_singularity(rows=part, per_link=True)
    viewer.frame()
    sigma = viewer.overlay_info("singularity")["sigma_min"]
    return (
        f"near a singularity, σ_min = {sigma:.1e} ({part} Jacobian): links coloured green (no part) to red "
        "(most part) in the motion the tool loses"
    )


def statics_view(viewer: Viewer) -> str:
    """The wrench the tool exerts to hold a 2 kg payload up (red, the arm's side of the weight, as
    every robojac wrench is what the arm exerts) and the joint torques that hold it (purple, along each axis)."""
    from ..statics import gravity_torques, payload_torques
    from .statics import DEMO_PAYLOAD

    robot = viewer.robot
    q = demo_start(robot)
    viewer.show(q)
    weight = DEMO_PAYLOAD.mass * 9.81
    tau = gravity_torques(robot, q) + payload_torques(robot, q, DEMO_PAYLOAD)
    # The arm's push on the payload acts at the tool, upwards; drawn ending there (from
    # below) so that the hand does not hide it.
    length = 0.2 * _reach(robot)
    tool = robot.fk(q)[:3, 3]
    viewer.add_arrow(tool - (0.0, 0.0, length), (0.0, 0.0, weight), name="payload", scale=length / weight)
    poses = robot.fk_all(q)
    J = robot.jacobian(q)
    scale = 0.25 * _reach(robot) / max(float(np.abs(tau).max()), 1e-9)
    for i, name in enumerate(robot.joint_names):
        prismatic = robot.joint_types[i] == "prismatic"
        axis = J[:3, i] if prismatic else J[3:, i]
        if abs(tau[i]) * scale < 1e-3 or np.linalg.norm(axis) < 1e-9:
            continue
        arrow = tau[i] * axis / np.linalg.norm(axis)
        # From just outside the link's casing, so that the arrow is not hidden inside it.
        start = poses[name][:3, 3] + 0.15 * _reach(robot) * arrow / abs(tau[i])
        viewer.add_arrow(start, arrow, name=f"torque_{i + 1}", scale=scale, color=JOINT_TORQUE_RGBA)
    # From the side the torque arrows point to, so that the links do not hide them.
    mean = np.mean([viewer.overlay_info(n)["vector"] for n in viewer.overlays if n.startswith("torque_")] or [0], 0)
    reach = robot.fk(q)[:3, 3]
    side = float(np.sign(np.cross(reach, np.asarray(mean, dtype=float) * np.ones(3))[2])) or 1.0
    viewer.frame(azimuth=45.0 * side)
    worst = int(np.argmax(np.abs(tau) / robot.effort_limits))
    return (
        f"the tool holds a {DEMO_PAYLOAD.mass:g} kg payload up with {weight:.1f} N (red); torques τ = g(q) + Jᵀw "
        f"(purple, right-hand rule); most loaded: {robot.joint_names[worst]}, {tau[worst]:+.1f} N·m"
    )


def control_view(viewer: Viewer) -> str:
    """Resolved-rate control around a circle: the circle (yellow) and the arm tracking it, looping."""
    from ..control import ResolvedRateController
    from ..simulate import simulate_kinematic
    from ..trajectory import Circle

    robot = viewer.robot
    q0 = demo_start(robot)
    planar = robot.dof < 6
    radius = 0.15 * _reach(robot)
    circle = Circle.starting_at(robot.fk(q0), radius, normal=(0, 0, 1) if planar else (1, 0, 0), period=2.0)
    ctrl = ResolvedRateController(robot, circle, gain=10.0, task="position" if planar else "pose")
    log = simulate_kinematic(robot, ctrl, q0, duration=2.0)
    every = max(1, len(log) // 100)  # 100 frames: smooth enough, and a small page
    qs, ts = log.q[::every], log.t[::every]
    viewer.add_path(circle.path_points(), name="circle", color=CIRCLE_RGBA)
    viewer.show(qs[0])
    viewer.frame(qs=qs)
    viewer.play(qs, ts, loop=True)
    return (
        f"resolved-rate control (K = 10/s) around a {100 * radius:.0f} cm circle in 2 s, looping; "
        f"largest error {1e3 * log.position_error.max():.2f} mm"
    )


def collision_view(viewer: Viewer) -> str:
    """The clearance between the arm and a ball below the tool: the closest pair's segment."""
    from ..collision import CollisionModel

    robot = viewer.robot
    q = demo_start(robot)
    r = 0.1 * _reach(robot)
    centre = robot.fk(q)[:3, 3] - [0.0, 0.0, 2.5 * r]
    cm = CollisionModel(robot, self_collision=False)
    cm.add_obstacle("ball", "sphere", (r,), centre)
    viewer.show(q)
    viewer.add_collision(cm, geometry=False)
    viewer.frame()
    closest = cm.min_distance(q)
    return f"clearance {1e3 * closest.distance:.0f} mm between '{closest.first}' and a ball (the segment: green when clear)"


#: The page's views, in order: (title, build).
VIEWS: list[tuple[str, Callable[[Viewer], str]]] = [
    ("Forward kinematics: frames", kinematics_view),
    ("Inverse kinematics: target and answer", ik_view),
    ("Manipulability ellipsoids", manipulability_view),
    ("Singularity", singularity_view),
    ("Statics: payload and joint torques", statics_view),
    ("Control: tracking a circle", control_view),
    ("Collision clearance", collision_view),
]


def demo_views(robot: Robot) -> list[GalleryView]:
    """One in-memory viewer per entry of :data:`VIEWS`; a view the arm cannot show (a
    capability it lacks the data for, e.g. collision shapes) is left out."""
    from ..errors import RobojacError

    out = []
    for title, build in VIEWS:
        viewer = Viewer(robot, server=False)
        try:
            caption = build(viewer)
        except RobojacError:
            continue
        out.append(GalleryView(title, caption, viewer))
    return out


def demo_page(robot: Robot, views: list[GalleryView] | None = None) -> str:
    """The demo's standalone page: every view of :func:`demo_views` (or ``views``), side by side."""
    views = demo_views(robot) if views is None else views
    intro = (
        f"{robot.name}: {robot.dof} joints, {robot.base} → {robot.tip}. One capability per view; "
        "drag to orbit, scroll to zoom; the control view loops (Open Controls → Animations)."
    )
    return gallery_html(views, title=f"robojac demo: {robot.name}", intro=intro)


def end_in_viewer(robot: Robot, out: TextIO, interactive: bool | None = None) -> int:
    """Write the demo page; on a terminal, also serve the control view live until Ctrl-C."""
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    print("\n== Viewer ==", file=out)
    page = Path.cwd() / DEMO_HTML
    page.write_text(demo_page(robot), encoding="utf-8")
    if not interactive:
        print(f"no terminal attached: wrote {page}, one view per capability (open it in a browser)", file=out)
        return 0
    with Viewer(robot) as viewer:
        control_view(viewer)
        print(f"open {viewer.url} in a browser (the control view loops; Ctrl-C to stop)", file=out, flush=True)
        print(f"every capability in its own view: {page}", file=out, flush=True)
        serve(viewer)
    return 0
