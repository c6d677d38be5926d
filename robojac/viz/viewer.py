"""``robojac.Viewer``: a robot and what robojac computes about it, in meshcat.

The scene, under ``/meshcat/<prefix>``::

    robot/<link>                 one node per drawn link, posed at fk(q, link) in the base frame
    robot/<link>/v<i>            the link's URDF visuals, at their origin in the link frame
    robot/skeleton/...           segments and joint markers (no visuals, or missing meshes)
    overlays/<name>/...          frames, targets, paths, ellipsoids, arrows, text

Poses are in the robot's base frame [m]. Overlays that belong to the robot (frame
triads, tool ellipsoids, wrenches at a frame, singularity colours) follow every
:meth:`Viewer.show` and are animated by :meth:`Viewer.play`.
"""

from __future__ import annotations

import itertools
import warnings
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, as_matrix, as_vector, check_finite, positive
from ..errors import InputError, MeshWarning, ViewerError
from ..kinematics import Configuration
from ..robot import Robot, check_ref
from . import scene
from .scene import Command
from .transport import Recorder, ZMQConnection

VELOCITY_RGBA = (0.15, 0.45, 1.0, 0.45)
FORCE_RGBA = (1.0, 0.55, 0.0, 0.45)
FORCE_ARROW_RGBA = (0.9, 0.1, 0.1, 1.0)
TORQUE_ARROW_RGBA = (0.6, 0.1, 0.9, 1.0)
TARGET_RGBA = (1.0, 0.2, 0.7, 0.6)
PATH_RGBA = (0.1, 0.1, 0.1, 1.0)
SKELETON_RGBA = (0.55, 0.57, 0.6, 1.0)
JOINT_RGBA = (0.95, 0.6, 0.1, 1.0)
MAX_ANIMATION_FRAMES = 2000

Poses = dict[str, FloatArray]


@dataclass
class _Overlay:
    """A named group of scene nodes; ``update`` (if any) re-poses them for a new q."""

    name: str
    path: str
    update: Callable[[FloatArray, Poses], list[tuple[str, FloatArray]]] | None = None
    colors: Callable[[FloatArray], list[tuple[str, tuple[float, float, float, float]]]] | None = None
    info: dict[str, Any] = field(default_factory=dict)


class Viewer:
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
        #: The framed view: centre [m, base frame], radius [m], unit direction towards the camera.
        self.view: tuple[FloatArray, float, FloatArray] = (np.zeros(3), 1.0, np.array([1.0, 0.75, 0.55]) / 1.4)
        self._conn: Recorder
        if zmq_url is not None:
            conn = ZMQConnection(zmq_url)
            self.url = conn.web_url()
            conn._connect()  # meshcat's client does this too: the url request upsets a fresh server's socket
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

    def send(self, cmds: list[Command]) -> None:
        """Send raw meshcat commands (dicts as built by :mod:`robojac.viz.scene`)."""
        self._conn.send(cmds)

    def __repr__(self) -> str:
        where = self.url or "in memory"
        return f"<robojac.Viewer of '{self.robot.name}' at {where}, overlays: {', '.join(self._overlays) or 'none'}>"

    # ------------------------------------------------------------------ the robot
    def _build_robot(self) -> None:
        robot = self.robot
        cmds: list[Command] = [scene.delete(self.root)]
        links: list[str] = []
        # What singularity colouring recolours: (path, URDF colour, index of the joint that moves it).
        self._visual_paths: list[tuple[str, tuple[float, float, float, float]]] = []
        self._joint_of_visual: list[int | None] = []
        unreadable: list[str] = []
        counts: dict[str, int] = {}
        for vis in robot.visuals:
            if vis.link not in robot.frame_ids:
                continue
            try:
                obj, origin = self._visual_object(vis)
            except scene.MeshUnreadable as exc:
                unreadable.append(str(exc))
                continue
            i = counts.get(vis.link, 0)
            counts[vis.link] = i + 1
            link_path = f"{self._robot_path}/{scene.clean_name(vis.link)}"
            path = f"{link_path}/v{i}"
            cmds += [scene.set_object(path, obj), scene.set_transform(path, origin)]
            if vis.link not in links:
                links.append(vis.link)
            self._visual_paths.append((path, tuple(vis.rgba)))  # type: ignore[arg-type]
            self._joint_of_visual.append(_moving_joint(robot, vis.link))
        if unreadable:
            warnings.warn(
                f"{len(unreadable)} visual(s) of '{robot.name}' cannot be drawn, e.g. {unreadable[0]}; "
                "the viewer draws the robot's skeleton in their place",
                MeshWarning,
                stacklevel=4,
            )
        self.skeleton = not links or bool(unreadable)
        self._links = links
        self._link_paths = [f"{self._robot_path}/{scene.clean_name(n)}" for n in links]
        cmds += self._skeleton_objects() if self.skeleton else []
        self._conn.send(cmds)

    def _visual_object(self, vis: Any) -> tuple[dict[str, Any], FloatArray]:
        origin = np.asarray(vis.origin, dtype=float)
        size = np.asarray(vis.size, dtype=float)
        # The page would draw NaN geometry as nothing, or stall on it: such a visual is
        # undrawable, like a missing mesh, and the skeleton stands in for it.
        if not (np.isfinite(size).all() and (size >= 0).all()):
            raise scene.MeshUnreadable(
                f"link '{vis.link}' has a {vis.kind} of size {size.tolist()}; expected finite sizes >= 0"
            )
        if not np.isfinite(origin).all():
            raise scene.MeshUnreadable(f"link '{vis.link}' has a {vis.kind} whose origin is not finite")
        if not np.isfinite(np.asarray(vis.rgba, dtype=float)).all():
            raise scene.MeshUnreadable(f"link '{vis.link}' has a colour {list(vis.rgba)} that is not finite")
        if vis.kind == "box":
            return scene.box(vis.size, vis.rgba), origin
        if vis.kind == "cylinder":
            return scene.cylinder(vis.size[0], vis.size[1], vis.rgba), origin
        if vis.kind == "sphere":
            return scene.sphere(vis.size[0], vis.rgba), origin
        if vis.kind == "mesh":
            obj = scene.mesh_file(vis.mesh_path, vis.mesh_uri, vis.rgba)
            return obj, origin @ np.diag([*vis.size, 1.0])
        raise scene.MeshUnreadable(f"link '{vis.link}' has a visual of unknown kind {vis.kind!r}")

    def _skeleton_objects(self) -> list[Command]:
        robot = self.robot
        poses = robot.fk_all(robot.neutral())
        points = [robot.base, *robot.joint_names, robot.tip]
        self._skeleton_points = points
        reach = sum(float(np.linalg.norm(poses[b][:3, 3] - poses[a][:3, 3])) for a, b in itertools.pairwise(points))
        r = max(0.012, 0.025 * reach) * (0.6 if self._links else 1.0)
        self._skeleton_radius = r
        path = f"{self._robot_path}/skeleton"
        cmds: list[Command] = []
        for i in range(len(points) - 1):
            seg = f"{path}/segment{i}"
            cmds.append(scene.set_object(seg, scene.cylinder(r, 1.0, SKELETON_RGBA, base_at_origin=True)))
            self._visual_paths.append((seg, SKELETON_RGBA))
            self._joint_of_visual.append(i - 1 if i > 0 else None)  # segment i moves with the joint before it
        q0 = robot.neutral()
        for j, name in enumerate(robot.joint_names):
            node = f"{path}/{scene.clean_name(name)}"
            cmds.append(scene.set_object(f"{node}/ball", scene.sphere(1.6 * r, JOINT_RGBA)))
            # The joint axis in the joint's own frame: the local Jacobian's column j.
            col = robot.jacobian(q0, name, "local")[:, j]
            axis = col[3:] if robot.joint_types[j] != "prismatic" else col[:3]
            if np.linalg.norm(axis) > 1e-9:
                T = np.eye(4)
                T[:3, :3] = scene.rotation_z_to(axis)
                cmds.append(scene.set_object(f"{node}/axis", scene.cylinder(1.1 * r, 5 * r, JOINT_RGBA)))
                cmds.append(scene.set_transform(f"{node}/axis", T))
        return cmds

    def _poses(self, q: FloatArray) -> tuple[list[FloatArray], Poses | None]:
        """Poses of the drawn links (one FK pass), plus every frame's when overlays need them."""
        robot = self.robot
        if self.skeleton or any(o.update is not None for o in self._overlays.values()):
            poses = robot.fk_all(q)
            return [poses[n] for n in self._links], poses
        # The hot path of show(q): q is checked already, and only the drawn links are read.
        config = self._config
        config.update(q)
        return [config.pose(n) for n in self._links], None

    def _pose_updates(self, q: FloatArray) -> list[tuple[str, FloatArray]]:
        link_poses, poses = self._poses(q)
        out = list(zip(self._link_paths, link_poses))
        if self.skeleton:
            assert poses is not None
            path = f"{self._robot_path}/skeleton"
            pts = [poses[n][:3, 3] for n in self._skeleton_points]
            out += [
                (f"{path}/segment{i}", scene.segment_matrix(a, b)) for i, (a, b) in enumerate(itertools.pairwise(pts))
            ]
            out += [(f"{path}/{scene.clean_name(n)}", poses[n]) for n in self.robot.joint_names]
        for ov in self._overlays.values():
            if ov.update is not None:
                assert poses is not None
                out += ov.update(q, poses)
        return out

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

    def frame(self, points: Any = None, *, qs: Any = None, overlays: bool = True) -> None:
        """Aim the camera: at the robot at the current q (default), or over configurations
        ``qs`` (N, dof), plus any ``points`` (N, 3) [m, base frame], plus the overlays
        drawn now (with ``overlays``)."""
        _flag(overlays, "overlays")
        if qs is None:
            Q = [self.q]
        else:
            A = as_array(qs, "qs")
            n = self.robot.dof
            if not (A.shape == (n,) or (A.ndim == 2 and A.shape[0] >= 1 and A.shape[1] == n)):
                raise InputError(f"qs must have shape (N, {n}) or ({n},), got shape {A.shape}")
            Q = list(A.reshape(-1, n))
        pts: list[FloatArray] = []
        radii: list[float] = []
        for q in Q:
            poses = self.robot.fk_all(self.robot.check_q(q, "qs row"))
            pts += [T[:3, 3] for T in poses.values()]
            radii += [0.05] * len(poses)
            for vis in self.robot.visuals:
                if vis.link in poses:
                    pts.append((poses[vis.link] @ vis.origin)[:3, 3])
                    radii.append(scene.visual_extent(vis.kind, vis.size))
        if points is not None:
            P = check_finite(as_array(points, "points"), "points")
            if P.size == 0 or P.size % 3:
                raise InputError(f"points must have shape (N, 3), got shape {P.shape}")
            pts += list(P.reshape(-1, 3))
            radii += [0.0] * (P.size // 3)
        for ov in self._overlays.values() if overlays else ():
            extent = ov.info.get("extent")
            if extent is not None:
                pts += list(np.asarray(extent).reshape(-1, 3))
                radii += [0.0] * (np.asarray(extent).size // 3)
        # Points that are not finite (from a URDF geometry of NaN size, say) are left out,
        # and so are the sizes, so that the camera is never sent to a NaN position.
        A, R = np.array(pts), np.array(radii)
        keep = np.isfinite(A).all(axis=1)
        if not keep.any():
            raise ViewerError("cannot aim the camera: none of the points to frame is finite")
        A, R = A[keep], np.where(np.isfinite(R[keep]), R[keep], 0.0)
        # Look from the side of the arm's reach, a little ahead of it: the bends show in profile.
        base = self.robot.fk(self.q, self.robot.base)[:2, 3]
        reach = A[:, :2].mean(axis=0) - base
        if np.linalg.norm(reach) > 0.05:
            a = np.arctan2(reach[1], reach[0]) + np.radians(60.0)
            direction = np.array([np.cos(a), np.sin(a), 0.55])
        else:
            direction = np.array([1.0, 0.75, 0.55])
        center, radius = scene.bounding_ball(A, R)
        self.view = (center, radius, direction / np.linalg.norm(direction))
        self._conn.send(scene.camera_commands(center, radius, direction))

    # ------------------------------------------------------------------ overlays
    @property
    def overlays(self) -> tuple[str, ...]:
        """Names of the overlays drawn now."""
        return tuple(self._overlays)

    def _new_overlay(self, name: str, kind: str) -> str:
        _check_name(name)
        if name in self._overlays:
            self.remove(name)
        return f"{self._overlay_path}/{name}"

    def _add(self, ov: _Overlay, cmds: list[Command]) -> None:
        self._overlays[ov.name] = ov
        if ov.update is not None:
            cmds += [scene.set_transform(p, T) for p, T in ov.update(self.q, self.robot.fk_all(self.q))]
        self._conn.send(cmds)

    def remove(self, name: str) -> None:
        """Remove the overlay called ``name`` (see :attr:`overlays`)."""
        if not isinstance(name, str) or name not in self._overlays:
            raise InputError(f"no overlay called {name!r}; the overlays are: {', '.join(self._overlays) or 'none'}")
        ov = self._overlays.pop(name)
        if ov is self._singularity:
            self._singularity = None
            self._conn.send([scene.set_property(p, "color", list(c)) for p, c in self._visual_paths])
        self._conn.send([scene.delete(ov.path)])

    def clear(self) -> None:
        """Remove every overlay."""
        for name in list(self._overlays):
            self.remove(name)

    def add_frame(self, frame: str | None = None, *, name: str | None = None, scale: float = 0.1) -> str:
        """A triad (x red, y green, z blue, ``scale`` [m] long) on a robot frame; follows q."""
        fid_name = self.robot.tip if frame is None else frame
        self.robot.frame_id(fid_name)  # FrameError for an unknown frame
        name = name or f"frame_{scene.clean_name(fid_name)}"
        path = self._new_overlay(name, "frame")
        s = positive(scale, "scale")
        cmds = _triad(path, s)

        info: dict[str, Any] = {"frame": fid_name}

        def update(q: FloatArray, poses: Poses) -> list[tuple[str, FloatArray]]:
            T = poses[fid_name]
            info["extent"] = T[:3, 3] + np.vstack([np.zeros(3), s * T[:3, :3].T])
            return [(path, T)]

        self._add(_Overlay(name, path, update, info=info), cmds)
        return name

    def add_target(self, target: Any, *, name: str = "target", scale: float = 0.1) -> str:
        """A target pose (4×4, ``pinocchio.SE3`` or (position, quaternion xyzw)) in the base
        frame: a triad and a translucent ball at its origin."""
        from ..pose import as_matrix as pose_matrix

        T = pose_matrix(target, "target")
        s = positive(scale, "scale")
        path = self._new_overlay(name, "target")
        cmds = [
            *_triad(path, s),
            scene.set_object(f"{path}/ball", scene.sphere(0.25 * s, TARGET_RGBA)),
            scene.set_transform(path, T),
        ]
        extent = T[:3, 3] + np.vstack([np.zeros(3), s * T[:3, :3].T])
        self._add(_Overlay(name, path, info={"pose": T, "extent": extent}), cmds)
        return name

    def add_path(self, points: Any, *, name: str = "path", color: Any = PATH_RGBA) -> str:
        """A polyline through ``points`` (N, 3) [m] in the base frame."""
        P = as_array(points, "points")
        if P.ndim != 2 or P.shape[1] != 3 or P.shape[0] < 2:
            raise InputError(f"points must have shape (N, 3) with N ≥ 2, got shape {P.shape}")
        check_finite(P, "points")
        if np.abs(P).max() >= _FLOAT32_MAX:
            raise InputError(f"points must be below {_FLOAT32_MAX:.3g} m in size (the page draws 32-bit floats)")
        rgba = scene.check_rgba(color)
        path = self._new_overlay(name, "path")
        self._add(
            _Overlay(name, path, info={"points": P, "extent": P}), [scene.set_object(path, scene.polyline(P, rgba))]
        )
        return name

    def add_reachability(
        self, rmap: Any, *, name: str = "reachability", zmin: float | None = None, zmax: float | None = None
    ) -> str:
        """A :class:`~robojac.ReachabilityMap`'s reached voxels as points coloured by index
        (red 0 → green 1), those with centre height in [zmin, zmax] [m] only; see
        :mod:`robojac.viz.reachability`."""
        from .reachability import reachability_points

        obj, info = reachability_points(rmap, self.robot, zmin=zmin, zmax=zmax)
        path = self._new_overlay(name, "reachability")
        self._add(_Overlay(name, path, info=info), [scene.set_object(path, obj)])
        return name

    def add_tool_path(
        self, qs: Any, *, frame: str | None = None, name: str = "tool_path", color: Any = PATH_RGBA
    ) -> str:
        """The path of ``frame``'s origin (default: the tip) through configurations ``qs`` (N, dof)."""
        Q = as_array(qs, "qs")
        if Q.ndim != 2 or Q.shape[1] != self.robot.dof:
            raise InputError(f"qs must have shape (N, {self.robot.dof}), got shape {Q.shape}")
        points = np.array([self.robot.fk(q, frame)[:3, 3] for q in Q])
        return self.add_path(points, name=name, color=color)

    def add_ellipsoid(
        self,
        kind: Any = "velocity",
        *,
        frame: str | None = None,
        name: str | None = None,
        scale: float | None = None,
        max_radius: float = 1.0,
        weighted: bool = False,
        color: Any = None,
    ) -> str:
        """A manipulability ellipsoid at ``frame``'s origin (default: the tip).

        ``kind`` is ``"velocity"`` (radii σᵢ [m/s per rad/s]) or ``"force"`` (radii 1/σᵢ
        [N per N·m]), both from :mod:`robojac.ellipsoid` and following q; or an
        :class:`~robojac.ellipsoid.Ellipsoid` to draw as it is. Radii are drawn at
        ``scale`` metres per unit (default: the longest finite radius at the first
        drawing becomes 0.2 m, and stays that scale); infinite or huge radii (a force
        ellipsoid at a singularity) are capped at ``max_radius`` [m].
        """
        from ..ellipsoid import Ellipsoid, force_ellipsoid, velocity_ellipsoid

        cap = positive(max_radius, "max_radius")
        _flag(weighted, "weighted")
        if isinstance(kind, Ellipsoid):
            ell = _checked_ellipsoid(kind)
            rgba = (
                scene.check_rgba(color) if color is not None else (FORCE_RGBA if ell.kind == "force" else VELOCITY_RGBA)
            )
            name = name or f"{ell.kind}_ellipsoid"
            path = self._new_overlay(name, "ellipsoid")
            s = positive(scale, "scale") if scale is not None else _auto_scale(ell.radii)
            cmds = [scene.set_object(f"{path}/shape", scene.sphere(1.0, rgba, 32))]
            M = _ellipsoid_matrix(ell, s, cap)
            cmds.append(scene.set_transform(f"{path}/shape", M))
            self._add(_Overlay(name, path, info={"ellipsoid": ell, "scale": s, "extent": _box_corners(M)}), cmds)
            return name
        if not isinstance(kind, str) or kind not in ("velocity", "force"):
            raise InputError(f"kind must be 'velocity', 'force' or an Ellipsoid, got {kind!r}")
        if frame is not None:
            self.robot.frame_id(frame)
        fn = velocity_ellipsoid if kind == "velocity" else force_ellipsoid
        rgba = scene.check_rgba(color) if color is not None else (VELOCITY_RGBA if kind == "velocity" else FORCE_RGBA)
        name = name or f"{kind}_ellipsoid"
        path = self._new_overlay(name, "ellipsoid")
        first = fn(self.robot, self.q, frame, weighted=weighted)
        s = positive(scale, "scale") if scale is not None else _auto_scale(first.radii)
        info: dict[str, Any] = {"kind": kind, "frame": frame, "scale": s, "max_radius": cap}

        def update(q: FloatArray, poses: Poses) -> list[tuple[str, FloatArray]]:
            ell = fn(self.robot, q, frame, weighted=weighted)
            M = _ellipsoid_matrix(ell, s, cap)
            info["ellipsoid"], info["extent"] = ell, _box_corners(M)
            return [(f"{path}/shape", M)]

        cmds = [scene.set_object(f"{path}/shape", scene.sphere(1.0, rgba, 32))]
        self._add(_Overlay(name, path, update, info=info), cmds)
        return name

    def add_arrow(
        self, origin: Any, vector: Any, *, name: str = "arrow", scale: float = 1.0, color: Any = FORCE_ARROW_RGBA
    ) -> str:
        """An arrow from ``origin`` [m] along ``vector`` (any unit), ``scale`` metres per unit, base frame."""
        o = as_vector(origin, 3, "origin")
        v = as_vector(vector, 3, "vector")
        s = positive(scale, "scale")
        rgba = scene.check_rgba(color)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, in words
            _finite_geometry(np.vstack([o, o + s * v]), "the arrow (origin + scale·vector)")
        path = self._new_overlay(name, "arrow")
        cmds = _arrow_objects(path, rgba) + [scene.set_transform(p, T) for p, T in _arrow_poses(path, o, s * v)]
        info = {"origin": o, "vector": v, "scale": s, "extent": np.vstack([o, o + s * v])}
        self._add(_Overlay(name, path, info=info), cmds)
        return name

    def add_wrench(
        self,
        wrench: Any,
        *,
        frame: str | None = None,
        ref: str = "local_world_aligned",
        name: str = "wrench",
        force_scale: float | None = None,
        torque_scale: float | None = None,
    ) -> str:
        """A wrench ``[f; τ]`` [N, N·m] acting at ``frame`` (default: the tip), as arrows.

        ``ref`` says how the wrench is expressed, as for ``robot.jacobian`` and
        :mod:`robojac.wrench`: ``"local_world_aligned"`` base axes, moment about the
        frame's origin; ``"local"`` the frame's own axes; ``"world"`` base axes, moment
        about the base origin. The arrows show it re-expressed in base axes about the
        frame's origin: the force (red) and the moment (purple, right-hand rule) start
        at the frame's origin and follow q. Scales in m/N and m/(N·m); by default the
        longer arrow is 0.25 m.
        """
        from ..wrench import as_wrench, change_wrench_ref

        w = as_wrench(wrench)
        check_ref(ref)
        fname = self.robot.tip if frame is None else frame
        self.robot.frame_id(fname)
        fs = positive(force_scale, "force_scale") if force_scale is not None else None
        ts = positive(torque_scale, "torque_scale") if torque_scale is not None else None
        w0 = change_wrench_ref(self.robot, self.q, w, fname, from_ref=ref, to_ref="local_world_aligned")
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, in words
            auto = 0.25 / max(float(np.linalg.norm(w0[:3])), float(np.linalg.norm(w0[3:])), 1e-12)
            fs = auto if fs is None else fs
            ts = auto if ts is None else ts
            _finite_geometry(np.concatenate([fs * w0[:3], ts * w0[3:]]), "the wrench arrows (scale·wrench)")
        path = self._new_overlay(name, "wrench")
        cmds = _arrow_objects(f"{path}/force", FORCE_ARROW_RGBA) + _arrow_objects(f"{path}/torque", TORQUE_ARROW_RGBA)
        info: dict[str, Any] = {"frame": fname, "ref": ref, "wrench": w, "force_scale": fs, "torque_scale": ts}

        def update(q: FloatArray, poses: Poses) -> list[tuple[str, FloatArray]]:
            p = poses[fname][:3, 3]
            wa = (
                w
                if ref == "local_world_aligned"
                else change_wrench_ref(self.robot, q, w, fname, from_ref=ref, to_ref="local_world_aligned")
            )
            info["wrench_local_world_aligned"] = wa
            info["extent"] = np.vstack([p, p + fs * wa[:3], p + ts * wa[3:]])
            return _arrow_poses(f"{path}/force", p, fs * wa[:3]) + _arrow_poses(f"{path}/torque", p, ts * wa[3:])

        self._add(_Overlay(name, path, update, info=info), cmds)
        return name

    def add_text(self, text: str, *, name: str = "text", position: Any = None, size: float | None = None) -> str:
        """A text label, upright and facing the camera's first position, centred at
        ``position`` [m] (default: high in the framed view) on a square ``size`` [m] wide
        (default: a third of the view). meshcat has no screen-fixed HUD, so this is a
        plane in the scene; update it by adding it again under the same name. The page
        draws the text on a 256-pixel canvas and shrinks the font to fit one line, so
        about 16 characters stay legible."""
        if not isinstance(text, str):
            raise InputError(f"text must be a string, got {type(text).__name__} {text!r}")
        center, radius, direction = self.view
        s = positive(size, "size") if size is not None else 0.6 * radius
        p = center + np.array([0.0, 0.0, 0.75 * radius]) if position is None else as_vector(position, 3, "position")
        with np.errstate(over="ignore", invalid="ignore"):
            _finite_geometry(p + 0.5 * s * np.vstack([np.eye(3), -np.eye(3)]), "the text plane (position ± size/2)")
        path = self._new_overlay(name, "text")
        d = np.array([direction[0], direction[1], 0.0])
        d = d / np.linalg.norm(d) if np.linalg.norm(d) > 1e-9 else np.array([1.0, 0.0, 0.0])
        T = np.eye(4)
        T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = np.cross([0.0, 0.0, 1.0], d), [0.0, 0.0, 1.0], d, p
        cmds = [scene.set_object(path, scene.text_plane(text, s)), scene.set_transform(path, T)]
        corners = p + 0.5 * s * np.vstack([T[:3, 0], -T[:3, 0], T[:3, 1], -T[:3, 1]])
        self._add(_Overlay(name, path, info={"text": text, "position": p, "extent": corners}), cmds)
        return name

    def color_by_singularity(
        self,
        *,
        frame: str | None = None,
        threshold: float = 0.1,
        rows: str = "auto",
        per_link: bool = False,
        name: str = "singularity",
    ) -> str:
        """Colour the robot by its closeness to a singularity; follows q.

        σ_min is the smallest singular value of the ``local_world_aligned`` Jacobian of
        ``frame`` (default: the tip): all six rows (``rows="full"``, units mixed m/rad and
        rad/rad) or the translational three (``rows="translational"``, m/rad); ``"auto"``
        takes all six for arms of six joints or more and the translational rows for
        fewer (a planar 2R never controls all six). The closeness is
        ``c = clip(1 − σ_min / threshold, 0, 1)``: green at 0, through yellow, to red at 1.

        With ``per_link``, the links moved by joint k are coloured by ``c · |v_k| / max|v|``,
        where v is the right singular vector of σ_min, the joint motion that the frame
        barely follows: the joints that take part in the lost motion turn red, the others
        stay green. :meth:`remove` restores the URDF colours.
        """
        thr = positive(threshold, "threshold")
        _flag(per_link, "per_link")
        if not isinstance(rows, str) or rows not in ("auto", "full", "translational"):
            raise InputError(f"rows must be 'auto', 'full' or 'translational', got {rows!r}")
        if frame is not None:
            self.robot.frame_id(frame)
        path = self._new_overlay(name, "singularity")
        robot = self.robot
        nrows = 6 if rows == "full" or (rows == "auto" and robot.dof >= 6) else 3
        info: dict[str, Any] = {
            "threshold": thr,
            "per_link": per_link,
            "rows": "full" if nrows == 6 else "translational",
        }

        def colors(q: FloatArray) -> list[tuple[str, tuple[float, float, float, float]]]:
            J = robot.jacobian(q, frame)[:nrows]
            _, sv, Vt = np.linalg.svd(J)
            k = min(J.shape)
            sigma_min = float(sv[k - 1])
            c = min(max(1.0 - sigma_min / thr, 0.0), 1.0)
            info["sigma_min"], info["closeness"] = sigma_min, c
            if not per_link:
                return [(p, scene.closeness_rgba(c, rgba[3])) for p, rgba in self._visual_paths]
            v = np.abs(Vt[k - 1])  # the joint motion that σ_min barely moves the frame along
            v = v / max(float(v.max()), 1e-12)
            info["joint_weights"] = v
            return [
                (p, scene.closeness_rgba(c * (v[j] if j is not None else 0.0), rgba[3]))
                for (p, rgba), j in zip(self._visual_paths, self._joint_of_visual)
            ]

        ov = _Overlay(name, path, colors=colors, info=info)
        self._overlays[name] = ov
        self._singularity = ov
        self._conn.send([scene.set_property(p, "color", list(c)) for p, c in colors(self.q)])
        return name

    def overlay_info(self, name: str) -> dict[str, Any]:
        """What an overlay shows now (e.g. ``sigma_min``, the ellipsoid, the scale)."""
        if not isinstance(name, str) or name not in self._overlays:
            raise InputError(f"no overlay called {name!r}; the overlays are: {', '.join(self._overlays) or 'none'}")
        return dict(self._overlays[name].info)

    # ------------------------------------------------------------------ playback
    def play(self, trajectory: Any, times: Any = None, *, fps: float = 30.0, loop: bool = False) -> int:
        """Animate a sequence on meshcat's timeline (play, pause, scrub in the page's controls).

        ``trajectory`` is an (N, dof) array of configurations with ``times`` (N,) [s]
        (default: ``fps`` per second), or anything with ``.t`` (N,) and ``.q`` (N, dof),
        such as a control log. Overlays that follow q (ellipsoids, wrenches, frames,
        singularity colours) move along. Long sequences are thinned to at most 2000
        frames. Returns the number of frames sent.
        """
        t: FloatArray | None
        if times is None and hasattr(trajectory, "q") and hasattr(trajectory, "t"):
            Q, t = as_array(trajectory.q, "log.q"), as_array(trajectory.t, "log.t")
        else:
            Q = as_array(trajectory, "qs")
            t = None if times is None else as_array(times, "times")
        f = positive(fps, "fps")
        _flag(loop, "loop")
        if Q.ndim != 2 or Q.shape[1] != self.robot.dof or Q.shape[0] < 1:
            raise InputError(f"qs must have shape (N, {self.robot.dof}) with N ≥ 1, got shape {Q.shape}")
        check_finite(Q, "qs")
        if t is None:
            t = np.arange(Q.shape[0]) / f
        if t.shape != (Q.shape[0],):
            raise InputError(f"times must have shape ({Q.shape[0]},), one per configuration, got shape {t.shape}")
        check_finite(t, "times")
        if Q.shape[0] > 1 and not np.all(np.diff(t) > 0):  # (an overflow to inf is an increase)
            raise InputError("times must increase strictly")
        idx = np.arange(Q.shape[0])
        if idx.size > MAX_ANIMATION_FRAMES:
            idx = np.unique(np.linspace(0, idx.size - 1, MAX_ANIMATION_FRAMES).round().astype(int))
        with np.errstate(over="ignore", invalid="ignore"):
            frames = (t[idx] - t[idx[0]]) * f
        if not np.isfinite(frames).all():
            raise InputError(
                f"times × fps must be finite frame numbers; times span {float(t[-1]) - float(t[0]):.3g} s at fps {f:g}"
            )
        tracks: dict[str, dict[str, list[Any]]] = {}
        sing = self._singularity
        for k in idx:
            q = self.robot.check_q(Q[k])
            for p, T in self._pose_updates(q):
                pos, quat, s = scene.decompose(T)
                tr = tracks.setdefault(p, {"position": [], "quaternion": [], "scale": []})
                tr["position"].append(pos.tolist())
                tr["quaternion"].append(quat.tolist())
                tr["scale"].append(s.tolist())
            if sing is not None and sing.colors is not None:
                for p, c in sing.colors(q):
                    tracks.setdefault(p + "/<object>", {"material.color": []})["material.color"].append(list(c[:3]))
        animations = []
        jstype = {"position": "vector3", "quaternion": "quaternion", "scale": "vector3", "material.color": "color"}
        for p, props in tracks.items():
            clip_tracks = [
                {
                    "name": "." + prop,
                    "type": jstype[prop],
                    "keys": [{"time": float(fr), "value": val} for fr, val in zip(frames, values)],
                }
                for prop, values in props.items()
                if not (prop == "scale" and np.allclose(values, 1.0))
            ]
            animations.append({"path": p, "clip": {"fps": f, "name": "default", "tracks": clip_tracks}})
        options = {"play": True, "repetitions": 1_000_000 if loop else 1, "clampWhenFinished": True}
        self._conn.send([{"type": "set_animation", "path": "", "animations": animations, "options": options}])
        return int(idx.size)

    # ------------------------------------------------------------------ export
    def static_html(self) -> str:
        """The scene as one standalone HTML page (meshcat's viewer inlined, no network)."""
        return self._conn.static_html(title=f"robojac: {self.robot.name}")

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


# ---------------------------------------------------------------------------- helpers
#: The largest 32-bit float: the page holds line points in Float32Arrays.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _flag(value: Any, name: str) -> bool:
    """A True/False option (not a number or a string that happens to be truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"an overlay name must be a non-empty string without '/', got {name!r}")
    return name


def _finite_geometry(points: FloatArray, what: str) -> None:
    """Refuse geometry that overflowed: finite inputs whose product is inf would put inf in the scene."""
    if not np.isfinite(points).all():
        raise InputError(
            f"{what} is too large to draw: it overflows to {points[~np.isfinite(points)][0]}; "
            "expected coordinates that are finite numbers of metres"
        )


def _triad(path: str, s: float) -> list[Command]:
    r = 0.04 * s
    cmds: list[Command] = []
    for axis, rgba in zip("xyz", ((0.9, 0.1, 0.1, 1.0), (0.1, 0.75, 0.1, 1.0), (0.1, 0.2, 0.95, 1.0))):
        node = f"{path}/{axis}"
        cmds.append(scene.set_object(node, scene.cylinder(r, s, rgba, base_at_origin=True)))
        T = np.eye(4)
        if axis != "z":
            T[:3, :3] = scene.rotation_z_to(np.eye(3)["xyz".index(axis)])
        cmds.append(scene.set_transform(node, T))
    return cmds


def _arrow_objects(path: str, rgba: Sequence[float]) -> list[Command]:
    return [
        scene.set_object(f"{path}/shaft", scene.cylinder(0.008, 1.0, rgba, base_at_origin=True)),
        scene.set_object(f"{path}/head", scene.cylinder(0.022, 0.05, rgba, radius_top=0.0, base_at_origin=True)),
    ]


def _arrow_poses(path: str, origin: FloatArray, vector: FloatArray) -> list[tuple[str, FloatArray]]:
    """The arrow's node at ``origin`` with z along ``vector``; shaft and head sized to its length [m]."""
    length = float(np.linalg.norm(vector))
    T = np.eye(4)
    T[:3, 3] = origin
    if length > 1e-12:
        T[:3, :3] = scene.rotation_z_to(vector)
    head = min(0.05, 0.5 * length)
    shaft = np.diag([1.0, 1.0, max(length - head, 1e-6), 1.0])
    H = np.diag([max(head / 0.05, 1e-6)] * 3 + [1.0])
    H[2, 3] = length - head
    return [(path, T), (f"{path}/shaft", shaft), (f"{path}/head", H)]


def _box_corners(M: FloatArray) -> FloatArray:
    """The 8 corners (8, 3) of the box around the image of the unit sphere under ``M``."""
    signs = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)], dtype=float)
    return M[:3, 3] + signs @ M[:3, :3].T


def _auto_scale(radii: FloatArray) -> float:
    finite = radii[np.isfinite(radii) & (radii > 0)]
    return 0.2 / float(finite.max()) if finite.size else 1.0


def _ellipsoid_matrix(ell: Any, scale: float, cap: float) -> FloatArray:
    """A unit sphere onto the ellipsoid: [U·diag(min(s·r, cap)) | centre], det U = +1."""
    U = np.array(ell.axes, dtype=float)
    if np.linalg.det(U) < 0:
        U[:, 2] = -U[:, 2]
    r = np.asarray(ell.radii, dtype=float) * scale
    r = np.where(np.isfinite(r), np.minimum(r, cap), cap)
    T = np.eye(4)
    T[:3, :3] = U @ np.diag(np.maximum(r, 1e-4))
    T[:3, 3] = ell.center
    return T


def _checked_ellipsoid(ell: Any) -> Any:
    as_vector(ell.center, 3, "ellipsoid center")
    as_matrix(ell.axes, (3, 3), "ellipsoid axes")
    r = as_array(ell.radii, "ellipsoid radii")
    if r.shape != (3,) or np.isnan(r).any() or (r < 0).any():
        raise InputError(f"ellipsoid radii must be 3 numbers ≥ 0 (inf allowed), got {r.tolist()}")
    return ell


def _moving_joint(robot: Robot, link: str) -> int | None:
    """Index in q of the last chain joint that moves ``link`` (None: fixed to the base)."""
    jid = robot.model.frames[robot.frame_id(link)].parentJoint
    return jid - 1 if jid > 0 else None
