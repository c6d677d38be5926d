"""Drawing a :class:`~robojac.ReachabilityMap`: its voxels as coloured points.

Each reached voxel (index > 0) is one square point at its centre, ``size`` [m] across
(default: half the map’s resolution), coloured by its reachability index ``r`` (share of
orientations solved): red at r → 0, yellow at ½, green at 1 (the colours of
:func:`robojac.viz.scene.closeness_rgba` at closeness ``1 − r``). Unreached voxels are not
drawn, so the cloud is the reachable workspace. ``zmin``/``zmax`` [m] keep only the voxels
whose centre height (base frame z) lies between them: a slice through the map.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .._validate import FloatArray
from ..errors import InputError
from . import scene

_COUNTER = itertools.count()


def reachability_points(
    rmap: Any, robot: Any, *, zmin: float | None = None, zmax: float | None = None, size: float | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The three.js ``Points`` object of ``rmap``'s reached voxels, and the overlay's info
    (``count``, ``extent`` (n, 3) [m], ``zmin``, ``zmax``)."""
    from ..reachability import ReachabilityMap

    if not isinstance(rmap, ReachabilityMap):
        raise InputError(f"add_reachability needs a robojac.ReachabilityMap, got {type(rmap).__name__}")
    from ..ik.options import check_robot
    from ..scale.executor import robot_key

    check_robot(robot)
    if rmap.robot_key != robot_key(robot):
        raise InputError(f"the map was computed for robot '{rmap.robot}', not for this viewer's '{robot.name}'")
    lo, hi = _bound(zmin, "zmin", -np.inf), _bound(zmax, "zmax", np.inf)
    if lo > hi:
        raise InputError(f"zmin ({lo:g} m) must not exceed zmax ({hi:g} m)")
    s = 0.5 * rmap.resolution if size is None else _bound(size, "size", np.nan)
    if not s > 0:
        raise InputError(f"size must be a number > 0 [m], got {size!r}")
    centers = rmap.centers()
    index = np.nan_to_num(rmap.index, nan=0.0)
    keep = (index > 0) & (centers[..., 2] >= lo) & (centers[..., 2] <= hi)
    pts: FloatArray = centers[keep]
    colors = np.array([scene.closeness_rgba(1.0 - r)[:3] for r in index[keep]]).reshape(-1, 3)
    return _points(pts, colors, s), {"count": len(pts), "extent": pts, "zmin": lo, "zmax": hi}


def _bound(value: Any, name: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or np.isnan(value):
        raise InputError(f"{name} must be a number [m] or None, got {value!r}")
    return float(value)


def _points(points: FloatArray, colors: FloatArray, size: float) -> dict[str, Any]:
    import umsgpack

    def f32(a: FloatArray) -> Any:
        # 0x17: a Float32Array, three numbers per point
        return umsgpack.Ext(0x17, np.ascontiguousarray(np.asarray(a, dtype=np.float32).reshape(-1, 3)).tobytes())

    geom = {
        "uuid": f"reachability-geometry-{next(_COUNTER)}",
        "type": "BufferGeometry",
        "data": {
            "attributes": {
                "position": {"itemSize": 3, "type": "Float32Array", "array": f32(points), "normalized": False},
                "color": {"itemSize": 3, "type": "Float32Array", "array": f32(colors), "normalized": False},
            }
        },
    }
    mat = scene.material((1.0, 1.0, 1.0, 1.0), "PointsMaterial", size=float(size), vertexColors=2)
    return scene.mesh_object(geom, (1.0, 1.0, 1.0, 1.0), kind="Points", mat=mat)
