"""Drawing a :class:`~robojac.collision.CollisionModel` in the viewer: shapes, obstacles, the closest pair.

:meth:`robojac.viz.Viewer.add_collision` uses :func:`collision_overlay`. Everything that
changes with ``q`` is a transform, so the overlay follows :meth:`~robojac.viz.Viewer.show`
like the others: the red copy of a colliding link's shape and the closest-pair segment in
the colour of its clearance are scaled to nothing when not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validate import FloatArray, non_negative
from ..errors import InputError
from . import meshes, scene

SHAPE_RGBA = (0.3, 0.6, 1.0, 0.35)  # collision geometry: translucent blue
OBSTACLE_RGBA = (0.55, 0.45, 0.35, 0.6)
HIT_RGBA = (1.0, 0.1, 0.1, 0.8)
#: closest-pair segment colours: in collision, closer than ``warn``, clear
SEGMENT_RGBA = {"collision": (1.0, 0.0, 0.0, 1.0), "near": (1.0, 0.6, 0.0, 1.0), "clear": (0.1, 0.8, 0.2, 1.0)}
_HIDDEN = np.diag([1e-9, 1e-9, 1e-9, 1.0])
PLANE_SIZE = 3.0  # [m]: the drawn square of a half-space


def _object(
    kind: str, size: tuple[float, ...], rgba: Any, mesh: str | None = None
) -> tuple[dict[str, Any], FloatArray]:
    """A meshcat object for a shape and the (4, 4) scale/offset to put before its pose."""
    T = np.eye(4)
    if kind == "box":
        return scene.box(size, rgba), T
    if kind == "sphere":
        return scene.sphere(size[0], rgba), T
    if kind == "cylinder":
        return scene.cylinder(size[0], size[1], rgba), T
    if kind == "capsule":  # drawn as its cylinder grown by the caps
        return scene.cylinder(size[0], size[1] + 2 * size[0], rgba), T
    if kind == "plane":
        T[2, 3] = -0.005
        return scene.box((PLANE_SIZE, PLANE_SIZE, 0.01), rgba), T
    if kind == "mesh":
        drawn = meshes.mesh(mesh, mesh, rgba)
        T[:3, :3] = np.diag(size)
        return drawn.object, T @ drawn.matrix
    raise InputError(f"cannot draw a collision shape of kind {kind!r}")  # pragma: no cover


def collision_overlay(
    robot: Any, collision: Any, path: str, *, geometry: bool = True, warn: float = 0.05
) -> tuple[list[Any], Callable[[FloatArray, Any], list[tuple[str, FloatArray]]], dict[str, Any]]:
    """Scene commands, the per-q update and the info dict of a collision overlay under ``path``.

    ``geometry``: draw the links' collision shapes (translucent); obstacles and the
    closest-pair segment are drawn always. ``warn`` [m]: the segment is orange below it.
    """
    from ..collision import CollisionModel

    if not isinstance(collision, CollisionModel):
        raise InputError(f"add_collision needs a robojac.collision.CollisionModel, got {type(collision).__name__}")
    if collision.robot.model != robot.model:
        raise InputError(f"the collision model is of robot '{collision.robot.name}', not the viewer's '{robot.name}'")
    warn = non_negative(warn, "warn")
    cmds: list[Any] = []
    shapes = []
    for k, sh in enumerate(collision.shapes):
        try:
            obj, pre = _object(sh.kind, sh.size, SHAPE_RGBA, sh.mesh)
            red, _ = _object(sh.kind, sh.size, HIT_RGBA, sh.mesh)
        except meshes.MeshUnreadable:
            continue
        p = f"{path}/links/s{k}"
        if geometry:
            cmds.append(scene.set_object(p, obj))
        cmds.append(scene.set_object(f"{p}_hit", red))
        shapes.append((p, sh.link, sh.origin @ pre))
    for ob in collision.obstacles.values():
        try:
            obj, pre = _object(ob.kind, ob.size, OBSTACLE_RGBA, ob.mesh)
        except meshes.MeshUnreadable:
            continue
        p = f"{path}/obstacles/{scene.clean_name(ob.name)}"
        cmds += [scene.set_object(p, obj), scene.set_transform(p, ob.pose @ pre)]
    for kind, rgba in SEGMENT_RGBA.items():
        cmds.append(scene.set_object(f"{path}/closest/{kind}", scene.cylinder(0.004, 1.0, rgba, base_at_origin=True)))
    info: dict[str, Any] = {"obstacles": tuple(collision.obstacles), "warn": warn}
    # What frame() keeps in view: the obstacles' origins (not a plane's, which is unbounded)
    # and the closest pair's witness points [m, base frame].
    anchors = [ob.pose[:3, 3] for ob in collision.obstacles.values() if ob.kind != "plane"]

    def update(q: FloatArray, poses: Any) -> list[tuple[str, FloatArray]]:
        hit = {name for pair in collision.collisions(q) for name in pair}
        out: list[tuple[str, FloatArray]] = []
        for p, link, local in shapes:
            T = poses[link] @ local
            if geometry:
                out.append((p, T))
            out.append((f"{p}_hit", T if link in hit else _HIDDEN))
        c = collision.distances(q).closest
        shown = None
        if c is not None:
            shown = "collision" if c.distance < collision.margin else "near" if c.distance < warn else "clear"
        for kind in SEGMENT_RGBA:
            seg = f"{path}/closest/{kind}"
            out.append((seg, scene.segment_matrix(c.point1, c.point2) if kind == shown and c is not None else _HIDDEN))
        witness = [] if c is None else [c.point1, c.point2]
        if anchors or witness:
            info["extent"] = np.vstack([*anchors, *witness])
        info["clearance"] = None if c is None else c.distance
        info["closest_pair"] = None if c is None else c.names
        info["colliding_links"] = tuple(sorted(hit))
        return out

    return cmds, update, info
