"""The end of ``robojac demo``: the arm in the browser.

Attached to a terminal, it starts a viewer server, prints its URL and serves until
Ctrl-C. Without one (CI, a pipe) it writes ``robojac-demo.html``, a standalone page,
and returns at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from ..robot import Robot
from ..viz.serving import serve
from ..viz.viewer import Viewer

DEMO_HTML = "robojac-demo.html"


def demo_scene(viewer: Viewer, configurations: dict[str, np.ndarray]) -> None:
    """What the demo shows: ellipsoids, the tool frame, a wrench, singularity colours, and a
    looping tour through ``configurations`` with the tool's path."""
    robot = viewer.robot
    qs = list(configurations.values())
    path = np.vstack([np.linspace(a, b, 40) for a, b in zip(qs, [*qs[1:], qs[0]])])
    viewer.add_frame(robot.tip, scale=0.12)
    viewer.add_ellipsoid("velocity")
    viewer.add_ellipsoid("force")
    viewer.add_wrench([0.0, 0.0, -30.0, 0.0, 0.0, 0.0], name="payload_30N")
    viewer.color_by_singularity()
    viewer.add_tool_path(path)
    viewer.show(qs[0])
    viewer.frame(qs=path)
    viewer.play(path, np.arange(len(path)) / 40.0, loop=True)


def end_in_viewer(
    robot: Robot, configurations: dict[str, np.ndarray], out: TextIO, interactive: bool | None = None
) -> int:
    """Show the demo scene: served until Ctrl-C on a terminal, else saved as a page."""
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
    print("\n== Viewer ==", file=out)
    if not interactive:
        viewer = Viewer(robot, server=False)
        demo_scene(viewer, configurations)
        page = viewer.save_html(Path.cwd() / DEMO_HTML)
        print(f"no terminal attached: wrote {page} (open it in a browser; it needs no server)", file=out)
        return 0
    with Viewer(robot) as viewer:
        demo_scene(viewer, configurations)
        print(f"open {viewer.url} in a browser (the scene loops; Ctrl-C to stop)", file=out, flush=True)
        serve(viewer)
    return 0
