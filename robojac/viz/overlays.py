"""Overlays that show what robojac computes: frames, targets, paths, manipulability
ellipsoids, arrows, wrenches, text and singularity colours. Each is a named group of
nodes under ``overlays/<name>``; those that belong to the robot follow q."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, as_matrix, as_vector, check_finite, positive
from ..errors import InputError
from ..robot import check_ref
from . import scene
from ._base import (
    _FLOAT32_MAX,
    FORCE_ARROW_RGBA,
    FORCE_RGBA,
    PATH_RGBA,
    TARGET_RGBA,
    TORQUE_ARROW_RGBA,
    VELOCITY_RGBA,
    Poses,
    ViewerBase,
    _finite_geometry,
    _flag,
    _Overlay,
)
from .scene import Command


class Overlays(ViewerBase):
    """The ``add_*`` methods and :meth:`color_by_singularity`."""

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
        """A wrench ``[f; τ]`` [N, N·m] the arm exerts through ``frame`` (default: the tip), as arrows.

        As everywhere in robojac (``docs/conventions.md``), the wrench is the one the arm
        exerts on its environment: the arm holding a payload of weight ``m g`` exerts ``+m g``
        upwards, and the arrow points up.

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

    def add_collision(
        self, collision: Any, *, name: str = "collision", geometry: bool = True, warn: float = 0.05
    ) -> str:
        """Draw a :class:`~robojac.collision.CollisionModel`: the links' collision shapes
        (``geometry``, translucent), its obstacles, colliding links in red and the closest
        pair's segment, red in collision, orange closer than ``warn`` [m], else green; follows q.
        :meth:`remove` it to hide it (see :mod:`robojac.viz.collision`)."""
        from .collision import collision_overlay

        _flag(geometry, "geometry")
        path = self._new_overlay(name, "collision")
        cmds, update, info = collision_overlay(self.robot, collision, path, geometry=geometry, warn=warn)
        self._add(_Overlay(name, path, update, info=info), cmds)
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
        up = self.up
        p = center + 0.75 * radius * up if position is None else as_vector(position, 3, "position")
        with np.errstate(over="ignore", invalid="ignore"):
            _finite_geometry(p + 0.5 * s * np.vstack([np.eye(3), -np.eye(3)]), "the text plane (position ± size/2)")
        path = self._new_overlay(name, "text")
        d = direction - (direction @ up) * up  # the camera's direction, level
        if np.linalg.norm(d) < 1e-9:  # looking straight down: any level direction will do
            d = np.cross(up, [1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.cross(up, [0.0, 1.0, 0.0])
        d = d / np.linalg.norm(d)
        T = np.eye(4)
        T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = np.cross(up, d), up, d, p
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
