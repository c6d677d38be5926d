"""``robojac.Viewer``: a robot and what robojac computes about it, in meshcat.

The scene, under ``/meshcat/<prefix>``::

    robot/<link>                 one node per drawn link, posed at fk(q, link) in the base frame
    robot/<link>/v<i>            the link's URDF visuals, at their origin in the link frame
    robot/skeleton/...           segments and joint markers (no visuals, or missing meshes)
    overlays/<name>/...          frames, targets, paths, ellipsoids, arrows, text

Poses are in the robot's base frame [m]. Overlays that belong to the robot (frame
triads, tool ellipsoids, wrenches at a frame, singularity colours) follow every
:meth:`Viewer.show` and are animated by :meth:`Viewer.play`.

The class is put together from parts, one job per module: :mod:`.drawing` (the robot's
visuals or skeleton, and its link poses), :mod:`.camera` (framing), :mod:`.overlays`
(the ``add_*`` methods), :mod:`.playback` (animations), on the shared state and overlay
registry of :mod:`._base`. A new overlay goes in its own module, as a mixin added here
or a function that a one-line method here calls.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ViewerError
from ..kinematics import Configuration
from ..robot import Robot
from . import notebook, scene
from ._base import _flag, _Overlay
from .camera import Camera
from .drawing import RobotDrawing
from .overlays import Overlays
from .playback import Playback
from .scene import Command
from .transport import Recorder, ZMQConnection


class Viewer(RobotDrawing, Camera, Overlays, Playback):
    """A meshcat viewer of one robot, in the browser.

    Args:
        robot: the :class:`~robojac.Robot` to draw.
        open: open the page in the default web browser.
        zmq_url: connect to a meshcat server that is already running (e.g.
            ``"tcp://127.0.0.1:6000"``) instead of starting one; it is left running on close.
        host: address the started server binds to. The default, 127.0.0.1, is reachable
            from this machine only; anything else must be asked for explicitly.
        port: web port of the started server; busy → :class:`~robojac.errors.ViewerError`.
            ``None``: the first free port from 7000 up (zmq: from 6000 up).
        server: ``False`` draws into memory only, with no process and no network, for
            :meth:`save_html` (examples, docs, CI).
        prefix: scene folder under ``/meshcat``, so several viewers can share a server.
        q: configuration to show first (default: ``robot.neutral()``).
        frame_camera: aim the camera at the robot (the page's default view makes an arm small).

    The viewer is a context manager; :meth:`close` stops the server it started, and so
    does the end of the Python process.
    """

    @property
    def server_ended(self) -> bool:
        """True when this viewer started its own meshcat server and that server has ended."""
        return self._server is not None and not self._server.alive()

    def __init__(
        self,
        robot: Robot,
        *,
        open: bool = False,
        zmq_url: str | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        server: bool = True,
        prefix: str = "robojac",
        q: Any = None,
        frame_camera: bool = True,
    ) -> None:
        if not isinstance(robot, Robot):
            raise InputError(f"Viewer needs a robojac.Robot (from robojac.load), got {type(robot).__name__}")
        if port is not None and (
            isinstance(port, bool) or not isinstance(port, (int, np.integer)) or not 0 < port < 65536
        ):
            raise InputError(f"port must be an integer in 1..65535 (or None for the first free one), got {port!r}")
        if zmq_url is not None and not isinstance(zmq_url, str):
            raise InputError(f"zmq_url must be a string such as 'tcp://127.0.0.1:6000', got {zmq_url!r}")
        if not isinstance(host, str) or not host:
            raise InputError(f"host must be an address string such as '127.0.0.1', got {host!r}")
        if not isinstance(prefix, str) or not prefix:
            raise InputError(f"prefix must be a non-empty string (a scene folder name), got {prefix!r}")
        for flag, value in (("open", open), ("server", server), ("frame_camera", frame_camera)):
            _flag(value, flag)
        self.robot = robot
        self._config = Configuration(robot, robot.neutral())  # the viewer's own Pinocchio Data
        self.root = "/meshcat/" + scene.clean_name(prefix)
        self._robot_path = self.root + "/robot"
        self._overlay_path = self.root + "/overlays"
        self._server = None
        self.url: str | None = None
        self._overlays: dict[str, _Overlay] = {}
        self._singularity: _Overlay | None = None
        self.q = robot.neutral() if q is None else robot.check_q(q)
        self.view = (np.zeros(3), 1.0, np.array([1.0, 0.75, 0.55]) / 1.4)
        self.upright = np.eye(4)
        self.upright[:3, :3] = robot.base_in_world[:3, :3]
        self._conn: Recorder
        if zmq_url is not None:
            conn = ZMQConnection(zmq_url)
            self.url = conn.web_url()
            conn.connect()  # meshcat's client does this too: the url request upsets a fresh server's socket
            self._conn = conn
        elif server:
            from . import server as srv

            self._server = srv.start(host=host, port=port)
            try:
                self._conn = ZMQConnection(self._server.zmq_url)
            except BaseException:
                self._server.stop()
                raise
            self.url = self._server.web_url
        else:
            self._conn = Recorder()
        try:
            self._build_robot()
            self.show(self.q)
            if frame_camera:
                self.frame()
        except BaseException:
            self.close()
            raise
        if open and self.url:
            webbrowser.open(self.url, new=2)

    # ------------------------------------------------------------------ lifetime
    def __enter__(self) -> Viewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect, and stop the server this viewer started (safe to call twice)."""
        self._conn.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def server_pid(self) -> int | None:
        """Process id of the server this viewer started, while it runs."""
        return self._server.pid if self._server is not None and self._server.alive() else None

    @property
    def commands(self) -> list[Command]:
        """Every scene command sent so far (kept for a viewer made with ``server=False``)."""
        return self._conn.log

    @property
    def recording(self) -> Recorder:
        """The scene as drawn so far (each node's latest commands), which pages are made from."""
        return self._conn

    def send(self, cmds: list[Command]) -> None:
        """Send raw meshcat commands (dicts as built by :mod:`robojac.viz.scene`)."""
        self._conn.send(cmds)

    def __repr__(self) -> str:
        where = self.url or "in memory"
        return f"<robojac.Viewer of '{self.robot.name}' at {where}, overlays: {', '.join(self._overlays) or 'none'}>"

    def show(self, q: Any) -> None:
        """Draw the robot (and the overlays that follow it) at ``q`` [rad or m].

        One FK pass and, with robojac's server, one request for the whole robot.
        """
        qv = self.robot.check_q(q)
        cmds = [scene.set_transform(p, T) for p, T in self._pose_updates(qv)]
        if self._singularity is not None and self._singularity.colors is not None:
            cmds += [scene.set_property(p, "color", list(c)) for p, c in self._singularity.colors(qv)]
        self._conn.send(cmds)
        self.q = qv

    # ------------------------------------------------------------------ export
    def static_html(self) -> str:
        """The scene as one standalone HTML page (meshcat's viewer inlined, no network)."""
        return self._conn.static_html(title=f"robojac: {self.robot.name}")

    def _repr_html_(self) -> str:
        """Jupyter shows the viewer inline: the live page in a frame (meshcat's iframe),
        or, for a viewer without a server, the whole scene as it is now."""
        return self.notebook_cell()

    def notebook_cell(self, height: int = notebook.HEIGHT) -> str:
        """The HTML of a frame ``height`` px high showing this viewer: the live server's
        page, or (``server=False``) the standalone page of the scene as it is now."""
        if self.url is not None:
            return notebook.iframe(url=self.url, height=height)
        return notebook.iframe(page=self.static_html(), height=height)

    def save_html(self, path: str | Path) -> Path:
        """Write :meth:`static_html` to ``path``; returns the path."""
        if not isinstance(path, (str, Path)) or not str(path):
            raise InputError(f"path must be a file name (str or Path), got {path!r}")
        out = Path(path)
        try:
            out.write_text(self.static_html(), encoding="utf-8")
        except OSError as exc:
            raise ViewerError(f"cannot write the page to {out}: {exc.strerror or exc}") from None
        return out
