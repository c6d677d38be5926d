"""meshcat scene commands and three.js objects, as plain dicts.

Conventions of the page that this module hides:

* a ``set_transform`` matrix is sent column-major (three.js ``Matrix4.fromArray``), and
  the page splits it into position, rotation and (non-uniform) scale;
* three.js cylinders and cones run along their **y** axis; robojac's (like URDF's) run
  along **z**, so every cylinder object carries a fixed y→z rotation in its own matrix;
* a node's object lives at ``<path>/<object>``; ``set_property("color", rgba)`` on a node
  recolours every mesh below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import FloatArray
from ..errors import InputError, ViewerError

Command = dict[str, Any]
RGBA = tuple[float, float, float, float]

#: three.js y axis onto z: the rotation about x by +90°.
Y_TO_Z = np.array([[1.0, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])

CAMERA = "/Cameras/default/rotated/<object>"
SCENE_ROOTS = ("/meshcat", "/Grid", "/Axes")  # shifted together to put the robot at the orbit centre
CAMERA_FOV_DEG = 75.0  # meshcat's default camera
FRAME_MARGIN = 1.2  # the framed ball fills 1/1.2 of the view's height, leaving a margin round the arm


# ---------------------------------------------------------------------------- commands
def set_object(path: str, obj: dict[str, Any]) -> Command:
    return {"type": "set_object", "path": path, "object": obj}


def set_transform(path: str, matrix: FloatArray) -> Command:
    return {"type": "set_transform", "path": path, "matrix": np.asarray(matrix, dtype=float).T.ravel().tolist()}


def set_property(path: str, key: str, value: Any) -> Command:
    return {"type": "set_property", "path": path, "property": key, "value": value}


def delete(path: str) -> Command:
    return {"type": "delete", "path": path}


def matrix_of(cmd: Command) -> FloatArray:
    """The 4×4 matrix of a ``set_transform`` command (the inverse of :func:`set_transform`)."""
    return np.asarray(cmd["matrix"], dtype=float).reshape(4, 4).T


def clean_name(name: str) -> str:
    """A scene path element for a link or frame name, one-to-one.

    "/" would split the path, so it becomes "%2F", and "%" itself "%25" (percent-encoding,
    as in URLs): distinct names stay distinct ("a/b" → "a%2Fb", "a_b" → "a_b"), and names
    without either character, as most are, are unchanged. The empty name becomes "%",
    which no other name maps to (every other "%" is followed by two hex digits).
    """
    return str(name).replace("%", "%25").replace("/", "%2F") or "%"


# ---------------------------------------------------------------------------- three.js objects
def new_id(kind: str, counter: list[int] = [0]) -> str:  # noqa: B006 - a deliberate per-process counter
    # Deterministic ids keep saved pages reproducible; uniqueness within a page is all three.js needs.
    counter[0] += 1
    return f"robojac-{kind}-{counter[0]}"


def rgb_int(rgba: Sequence[float]) -> int:
    r, g, b = (min(max(float(c), 0.0), 1.0) for c in rgba[:3])
    return (round(r * 255) << 16) | (round(g * 255) << 8) | round(b * 255)


def material(rgba: Sequence[float], kind: str = "MeshPhongMaterial", **extra: Any) -> dict[str, Any]:
    a = float(rgba[3]) if len(rgba) > 3 else 1.0
    return {
        "uuid": new_id("material"),
        "type": kind,
        "color": rgb_int(rgba),
        "reflectivity": 0.5,
        "side": 2,
        "transparent": a < 1.0,
        "opacity": a,
        "linewidth": 1.0,
        "wireframe": False,
        "wireframeLinewidth": 1.0,
        "vertexColors": 0,
        **extra,
    }


def mesh_object(
    geometry: dict[str, Any],
    rgba: Sequence[float],
    matrix: FloatArray | None = None,
    kind: str = "Mesh",
    mat: dict[str, Any] | None = None,
    textures: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A three.js object (JSON format 4.5) holding one geometry and one material."""
    m = material(rgba) if mat is None else mat
    out: dict[str, Any] = {
        "metadata": {"version": 4.5, "type": "Object"},
        "geometries": [geometry],
        "materials": [m],
        "object": {
            "uuid": new_id("object"),
            "type": kind,
            "geometry": geometry["uuid"],
            "material": m["uuid"],
            "matrix": (np.eye(4) if matrix is None else np.asarray(matrix, dtype=float)).T.ravel().tolist(),
        },
    }
    if textures:
        out["textures"] = textures
    return out


def box(size: Sequence[float], rgba: Sequence[float]) -> dict[str, Any]:
    x, y, z = (float(s) for s in size)
    return mesh_object({"uuid": new_id("geometry"), "type": "BoxGeometry", "width": x, "height": y, "depth": z}, rgba)


def sphere(radius: float, rgba: Sequence[float], segments: int = 24) -> dict[str, Any]:
    geom = {
        "uuid": new_id("geometry"),
        "type": "SphereGeometry",
        "radius": float(radius),
        "widthSegments": segments,
        "heightSegments": segments // 2 + 2,
    }
    return mesh_object(geom, rgba)


def cylinder(
    radius: float,
    length: float,
    rgba: Sequence[float],
    *,
    radius_top: float | None = None,
    base_at_origin: bool = False,
) -> dict[str, Any]:
    """A cylinder (or a cone, with ``radius_top``) along z: centred, or from z = 0 to ``length``."""
    geom = {
        "uuid": new_id("geometry"),
        "type": "CylinderGeometry",
        "radiusTop": float(radius if radius_top is None else radius_top),
        "radiusBottom": float(radius),
        "height": float(length),
        "radialSegments": 32,
    }
    matrix = Y_TO_Z.copy()
    if base_at_origin:
        matrix[2, 3] = 0.5 * float(length)
    return mesh_object(geom, rgba, matrix)


def polyline(points: FloatArray, rgba: Sequence[float]) -> dict[str, Any]:
    """A line through ``points`` (N, 3) [m]."""
    import umsgpack

    pts = np.ascontiguousarray(np.asarray(points, dtype=np.float32).reshape(-1, 3))
    data = umsgpack.Ext(0x17, pts.tobytes())  # 0x17: Float32Array, x y z of each point in turn
    geom = {
        "uuid": new_id("geometry"),
        "type": "BufferGeometry",
        "data": {
            "attributes": {"position": {"itemSize": 3, "type": "Float32Array", "array": data, "normalized": False}}
        },
    }
    return mesh_object(geom, rgba, kind="Line", mat=material(rgba, "LineBasicMaterial", linewidth=2.0))


def line_segments(points: FloatArray, rgba: Sequence[float]) -> dict[str, Any]:
    """Separate lines, one between each pair of ``points`` (2N, 3) [m]."""
    obj = polyline(points, rgba)
    obj["object"]["type"] = "LineSegments"
    obj["materials"][0]["linewidth"] = 1.0
    return obj


def floor_grid(half: float, step: float) -> FloatArray:
    """Points (2N, 3) [m] of a square grid in the xy plane, ``half`` [m] each side of the
    origin, lines ``step`` [m] apart, each line cut into pieces ``step`` long.

    The pieces are for software WebGL (SwiftShader, as in headless Chromium): it drops a
    whole line that crosses the camera's plane, and meshcat's 20 m grid lines all do when
    the camera is near the floor, so that only a far sliver of that grid is drawn.
    """
    n = max(1, math.ceil(half / step))
    ticks = np.arange(-n, n + 1) * step
    a, b = ticks[:-1], ticks[1:]
    segs = []
    for t in ticks:
        segs.append(
            np.stack(
                [np.column_stack([a, np.full_like(a, t), 0 * a]), np.column_stack([b, np.full_like(b, t), 0 * b])], 1
            )
        )
        segs.append(
            np.stack(
                [np.column_stack([np.full_like(a, t), a, 0 * a]), np.column_stack([np.full_like(b, t), b, 0 * b])], 1
            )
        )
    return np.concatenate(segs).reshape(-1, 3)


def text_plane(text: str, size: float) -> dict[str, Any]:
    """A square plane ``size`` [m] wide (normal +z) showing ``text`` in black.

    The page draws the text on a 256 px canvas, centred, shrinking the font until it fits.
    """
    texture = {
        "uuid": new_id("texture"),
        "type": "_text",
        "text": str(text),
        "font_size": 48,
        "font_face": "sans-serif",
    }
    geom = {"uuid": new_id("geometry"), "type": "PlaneGeometry", "width": size, "height": size}
    mat = material((1.0, 1.0, 1.0, 1.0), "MeshBasicMaterial", map=texture["uuid"], transparent=True)
    return mesh_object(geom, (1.0, 1.0, 1.0, 1.0), mat=mat, textures=[texture])


# ---------------------------------------------------------------------------- poses
def rotation_z_to(direction: FloatArray) -> FloatArray:
    """A rotation (3, 3) taking +z onto the unit vector ``direction``."""
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    z = np.array([0.0, 0.0, 1.0])
    c = float(z @ d)
    if c < -1.0 + 1e-12:
        return np.diag([1.0, -1.0, -1.0])
    v = np.cross(z, d)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def segment_matrix(a: FloatArray, b: FloatArray) -> FloatArray:
    """Pose and z-scale taking a unit cylinder from z = 0 to 1 onto the segment a → b [m]."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    length = float(np.linalg.norm(d))
    T = np.eye(4)
    T[:3, :3] = rotation_z_to(d) if length > 1e-12 else np.eye(3)
    T[:3, 2] *= max(length, 1e-6)
    T[:3, 3] = a
    return T


def translation(p: Any) -> FloatArray:
    T = np.eye(4)
    T[:3, 3] = p
    return T


def decompose(T: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(position, quaternion xyzw, scale) of ``T = [R·diag(s) | p]``, as three.js splits it."""
    from scipy.spatial.transform import Rotation

    M = np.asarray(T, dtype=float)
    s = np.linalg.norm(M[:3, :3], axis=0)
    R = M[:3, :3] / np.where(s > 0, s, 1.0)
    if np.linalg.det(R) < 0:
        s[0], R[:, 0] = -s[0], -R[:, 0]
    return M[:3, 3].copy(), Rotation.from_matrix(R).as_quat(), s


# ---------------------------------------------------------------------------- camera
def bounding_ball(points: FloatArray, radii: FloatArray | None = None) -> tuple[FloatArray, float]:
    """Centre (the middle of the bounding box) and radius [m] of a ball holding balls
    at ``points`` (N, 3) with ``radii`` (N,).

    Points that are not finite are left out, and radii that are not finite numbers ≥ 0
    count as 0 (a NaN-sized URDF geometry must not put the camera at NaN); with no
    finite point left, :class:`~robojac.errors.ViewerError`.
    """
    P = np.asarray(points, dtype=float).reshape(-1, 3)
    rad = np.zeros(len(P)) if radii is None else np.asarray(radii, dtype=float).reshape(-1)
    keep = np.isfinite(P).all(axis=1)
    if not keep.any():
        raise ViewerError("cannot aim the camera: none of the points to frame is finite")
    P = P[keep]
    rad = np.where(np.isfinite(rad[keep]) & (rad[keep] > 0), rad[keep], 0.0)
    center = 0.5 * ((P - rad[:, None]).min(axis=0) + (P + rad[:, None]).max(axis=0))
    return center, max(float((np.linalg.norm(P - center, axis=1) + rad).max()), 0.1)


def camera_commands(center: FloatArray, radius: float, direction: Any = (1.0, 0.75, 0.55)) -> list[Command]:
    """Frame a ball (``center`` [m], ``radius`` [m], in the page's axes): shift the scene
    so that the centre sits at the orbit centre (the page's camera always looks at its
    origin), and put the camera along ``direction`` just far enough for the ball to fit
    its view cone. meshcat's grid and axes move with the scene, so they stay at the
    origin of the drawn robot's frame."""
    distance = FRAME_MARGIN * radius / math.sin(math.radians(CAMERA_FOV_DEG / 2))
    d = np.asarray(direction, dtype=float)
    c = np.asarray(center, dtype=float)
    norm = float(np.linalg.norm(d))
    x, y, z = distance * d / norm if norm > 0 else (np.nan,) * 3
    # The page takes a non-finite camera position without complaint and shows nothing.
    if not (np.isfinite([x, y, z]).all() and np.isfinite(c).all() and c.shape == (3,)):
        raise ViewerError(
            f"cannot aim the camera at centre {c.tolist()} m, radius {radius} m, direction {d.tolist()}: "
            "expected finite numbers (is the scene too large, or a geometry size not finite?)"
        )
    shift = translation(-c)
    return [set_transform(root, shift) for root in SCENE_ROOTS] + [
        # The camera node is rotated so that its y is the world's z: (x, y, z) → (x, z, −y).
        set_property(CAMERA, "position", [float(x), float(z), float(-y)])
    ]


def visual_extent(kind: str, size: Sequence[float]) -> float:
    """Radius [m] of a ball around a URDF visual's origin that holds it (meshes: a guess)."""
    if kind == "box":
        r = 0.5 * float(np.linalg.norm(size))
    elif kind == "cylinder":
        r = math.hypot(size[0], 0.5 * size[1])
    elif kind == "sphere":
        r = float(size[0])
    else:
        return 0.1
    return r if math.isfinite(r) else 0.0  # a size that is not finite frames as a point


# ---------------------------------------------------------------------------- colours
def closeness_rgba(closeness: float, alpha: float = 1.0) -> RGBA:
    """Green (far from singular, 0) through yellow to red (singular, 1)."""
    c = min(max(float(closeness), 0.0), 1.0)
    return (min(1.0, 2 * c) * 0.9 + 0.1, min(1.0, 2 * (1 - c)) * 0.8 + 0.1, 0.15, alpha)


def check_rgba(color: Any, name: str = "color") -> RGBA:
    try:
        vals = [float(c) for c in color]
    except (TypeError, ValueError):
        raise InputError(f"{name} must be 3 or 4 numbers in [0, 1] (r, g, b[, a]), got {color!r}") from None
    if len(vals) == 3:
        vals.append(1.0)
    if len(vals) != 4 or not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in vals):
        raise InputError(f"{name} must be 3 or 4 numbers in [0, 1] (r, g, b[, a]), got {color!r}")
    return (vals[0], vals[1], vals[2], vals[3])
