"""Framing: where the camera stands and what it looks at."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, check_finite
from ..errors import InputError, ViewerError
from . import scene
from ._base import ViewerBase, _flag


class Camera(ViewerBase):
    """Aims the page's camera at the robot and its overlays."""

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
