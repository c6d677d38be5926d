"""The robot itself in the scene: its URDF visuals (primitives and mesh files) on link
nodes, or a skeleton of segments and joint markers where there are none or they cannot
be drawn; and the link poses for a configuration."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from .._validate import FloatArray
from ..errors import MeshWarning
from ..robot import Robot
from . import scene
from ._base import JOINT_RGBA, SKELETON_RGBA, Poses, ViewerBase
from .meshes import MeshUnreadable, mesh
from .scene import Command


class RobotDrawing(ViewerBase):
    """Builds the robot's nodes and poses them."""

    _skeleton_points: list[str]
    _skeleton_radius: float

    def _build_robot(self) -> None:
        robot = self.robot
        # The root node turns the base frame upright (see ``upright``); all below is in the base frame.
        cmds: list[Command] = [scene.delete(self.root), scene.set_transform(self.root, self.upright)]
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
                obj, origin, own_colors = self._visual_object(vis)
            except MeshUnreadable as exc:
                unreadable.append(str(exc))
                continue
            i = counts.get(vis.link, 0)
            counts[vis.link] = i + 1
            link_path = f"{self._robot_path}/{scene.clean_name(vis.link)}"
            path = f"{link_path}/v{i}"
            cmds += [scene.set_object(path, obj), scene.set_transform(path, origin)]
            if vis.link not in links:
                links.append(vis.link)
            if not own_colors:  # a mesh in its own colours has several materials, which the page cannot recolour
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

    def _visual_object(self, vis: Any) -> tuple[dict[str, Any], FloatArray, bool]:
        """The object of a URDF visual, its node's pose in the link frame (with the mesh
        scale and the mesh file's own units), and whether it keeps the file's colours."""
        origin = np.asarray(vis.origin, dtype=float)
        size = np.asarray(vis.size, dtype=float)
        # The page would draw NaN geometry as nothing, or stall on it: such a visual is
        # undrawable, like a missing mesh, and the skeleton stands in for it.
        if not (np.isfinite(size).all() and (size >= 0).all()):
            raise MeshUnreadable(
                f"link '{vis.link}' has a {vis.kind} of size {size.tolist()}; expected finite sizes >= 0"
            )
        if not np.isfinite(origin).all():
            raise MeshUnreadable(f"link '{vis.link}' has a {vis.kind} whose origin is not finite")
        if not np.isfinite(np.asarray(vis.rgba, dtype=float)).all():
            raise MeshUnreadable(f"link '{vis.link}' has a colour {list(vis.rgba)} that is not finite")
        if vis.kind == "box":
            return scene.box(vis.size, vis.rgba), origin, False
        if vis.kind == "cylinder":
            return scene.cylinder(vis.size[0], vis.size[1], vis.rgba), origin, False
        if vis.kind == "sphere":
            return scene.sphere(vis.size[0], vis.rgba), origin, False
        if vis.kind == "mesh":
            m = mesh(vis.mesh_path, vis.mesh_uri, vis.rgba)
            self._conn.share(m.payload)  # a saved page holds each file once, however many links use it
            return m.object, origin @ np.diag([*vis.size, 1.0]) @ m.matrix, m.own_colors
        raise MeshUnreadable(f"link '{vis.link}' has a visual of unknown kind {vis.kind!r}")

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


def _moving_joint(robot: Robot, link: str) -> int | None:
    """Index in q of the last chain joint that moves ``link`` (None: fixed to the base)."""
    jid = robot.model.frames[robot.frame_id(link)].parentJoint
    return jid - 1 if jid > 0 else None
