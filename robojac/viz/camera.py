"""Framing: where the camera stands and what it looks at."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, check_finite
from ..errors import InputError, ViewerError
from . import scene
from ._base import ViewerBase, _flag
from .scene import Command

#: The default view: degrees round from the arm's mean reach (about the vertical) and above the horizon.
VIEW_AZIMUTH_DEG = 45.0
VIEW_ELEVATION_DEG = 30.0
FLOOR_RGBA = (0.45, 0.47, 0.5, 1.0)


class Camera(ViewerBase):
    """Aims the page's camera at the robot and its overlays."""

    def frame(
        self, points: Any = None, *, qs: Any = None, overlays: bool = True, azimuth: float = VIEW_AZIMUTH_DEG
    ) -> None:
        """Aim the camera: at the robot at the current q (default), or over configurations
        ``qs`` (N, dof), plus any ``points`` (N, 3) [m, base frame], plus the overlays
        drawn now (with ``overlays``).

        The camera looks down at 30° from a three-quarter angle (``azimuth`` = 45° round
        from the arm's mean reach, counter-clockwise seen from above; −45° looks from the
        other side) at the centre of the box around all of these, from just far
        enough for the ball around them to fit the view. The floor grid lies through the
        base origin, level in the URDF root's axes; :attr:`view` keeps the result
        (centre [m, base frame], radius [m], unit direction towards the camera, base frame).
        """
        _flag(overlays, "overlays")
        az = check_finite(as_array(azimuth, "azimuth"), "azimuth")
        if az.shape != ():
            raise InputError(f"azimuth must be one number of degrees, got shape {az.shape}")
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
        # The page draws the base frame turned upright (the URDF root's z up, see
        # ``upright``), so the view is chosen in those axes: ``D`` are the points there.
        up_rot = self.upright[:3, :3]
        D = A @ up_rot.T
        # A three-quarter view from above the floor: 45° round from the arm's mean reach,
        # 30° above the horizon, so that the arm's bends show and the floor lies below it.
        reach = D[:, :2].mean(axis=0)
        azimuth = np.arctan2(reach[1], reach[0]) if np.linalg.norm(reach) > 0.05 else 0.0
        a, e = azimuth + np.radians(float(az)), np.radians(VIEW_ELEVATION_DEG)
        direction = np.array([np.cos(a) * np.cos(e), np.sin(a) * np.cos(e), np.sin(e)])
        center, radius = scene.bounding_ball(D, R)
        cmds = scene.camera_commands(center, radius, direction) + self._floor(center, radius)
        self.view = (up_rot.T @ center, radius, up_rot.T @ direction)
        self._conn.send(cmds)

    def _floor(self, center: FloatArray, radius: float) -> list[Command]:
        """The floor: a grid level in the page's axes through the base origin, under the
        framed view, in place of meshcat's (see :func:`scene.floor_grid`)."""
        reach = float(np.linalg.norm(center[:2])) + radius
        step = 0.1 if reach <= 1.5 else 0.25 if reach <= 4 else 1.0
        half = step * np.ceil(1.2 * reach / step)
        path = f"{self.root}/floor"
        level = np.eye(4)
        level[:3, :3] = self.upright[:3, :3].T  # undoes the root's turn: the floor is level on the page
        return [
            scene.set_property("/Grid", "visible", False),
            scene.set_object(path, scene.line_segments(scene.floor_grid(half, step), FLOOR_RGBA)),
            scene.set_transform(path, level),
        ]
