"""Mesh files of URDF visuals as meshcat objects: STL (binary and ASCII), OBJ and
Collada (.dae), built with meshcat's own geometry types.

What the page does with them, and what this module adds:

* the page parses the file itself (three.js's STL, OBJ and Collada loaders), so the
  file's bytes travel as they are; this module only checks that they are one of those
  formats, so that a broken file becomes a :class:`MeshUnreadable` here (the viewer
  warns once and draws the skeleton) rather than an error in the page;
* meshcat merges a Collada scene's geometries but drops the scene's own transform,
  which holds the file's ``<unit meter=...>`` and ``<up_axis>``: :func:`mesh` returns
  them as a matrix for the visual's node, so a model in millimetres is drawn in metres;
* a Collada file with colours of its own, or an OBJ file whose ``mtllib`` material
  library (``Kd`` diffuse colours, ``d`` opacity, ``map_Kd`` textures) sits beside it,
  keeps them when the URDF gives the visual no colour; otherwise the URDF colour is used.
  Several colours make meshcat's ``_meshfile_object`` (the page's own Collada and
  OBJ + MTL loaders, with the library and its texture files inlined); one colour makes
  an ordinary mesh of that colour, which singularity colouring can recolour.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import FloatArray
from . import scene

#: The colour robojac's URDF reader gives a visual without one: then a mesh's own colours win.
DEFAULT_RGBA = (0.8, 0.8, 0.8, 1.0)


class MeshUnreadable(Exception):
    """A mesh file that the page could not draw: missing, unreadable or of an unknown format."""


@dataclass(frozen=True)
class Mesh:
    """A mesh file ready for the scene."""

    #: the meshcat object (a ``set_object`` payload)
    object: dict[str, Any]
    #: the file's own transform (unit scale, up axis), applied after the URDF's origin and scale
    matrix: FloatArray
    #: the file's bytes as they appear in the packed command (a page shares them between visuals)
    payload: bytes
    #: whether the mesh is drawn in its own colours (singularity colouring leaves it alone)
    own_colors: bool


def mesh(path: str | None, uri: str | None, rgba: Sequence[float]) -> Mesh:
    """The mesh at ``path`` (``uri`` as the URDF names it), coloured ``rgba`` unless it is
    a Collada file with colours of its own, or an OBJ file with a material library, and
    ``rgba`` is the default; or :class:`MeshUnreadable`."""
    import meshcat.geometry as mg
    import umsgpack

    if path is None:
        raise MeshUnreadable(f"{uri!r} was not found (pass package_dirs=... to robojac.load)")
    suffix = Path(path).suffix.lower()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise MeshUnreadable(f"{path} cannot be read: {exc.strerror or exc}") from None
    matrix = np.eye(4)
    own: list[tuple[float, ...]] = []
    library = ""  # an OBJ file's material library
    resources: dict[str, str] = {}  # ... and its textures, as data URLs by file name
    if suffix == ".stl":
        ascii_stl = raw[:5].lower() == b"solid" and b"facet" in raw[:1000]
        binary = len(raw) >= 84 and len(raw) == 84 + 50 * int.from_bytes(raw[80:84], "little")
        if not (ascii_stl or binary):
            raise MeshUnreadable(f"{path} is not a valid STL file")
        geometry = mg.StlMeshGeometry.from_stream(io.BytesIO(raw))
    elif suffix in (".obj", ".dae"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MeshUnreadable(f"{path} is not UTF-8 text, as .obj and .dae files must be") from None
        if suffix == ".obj":
            if not any(line.startswith("v ") for line in text.splitlines()):
                raise MeshUnreadable(f"{path} is not a valid OBJ file")
            library, own, resources = _obj_materials(Path(path), text)
        else:
            matrix, own = _collada(path, text)
        geometry = mg.MeshGeometry(text, suffix[1:])
    else:
        raise MeshUnreadable(
            f"{path}: the viewer reads .stl, .obj and .dae meshes, not {suffix or 'extensionless'} files"
        )
    geometry.uuid = scene.new_id("geometry")
    payload = raw
    # A texture is more than one colour: the page's own OBJ + MTL loader draws it.
    if (len(set(own)) > 1 or resources) and tuple(rgba) == DEFAULT_RGBA:
        # meshcat's object from a file: the page's loader makes the materials, one per part.
        file_object: dict[str, Any] = {
            "uuid": scene.new_id("object"),
            "type": "_meshfile_object",
            "format": suffix[1:],
            "data": geometry.contents,
            "resources": resources,
            "matrix": np.eye(4).ravel().tolist(),
        }
        if library:
            file_object["mtl_library"] = library
        obj = {"metadata": {"version": 4.5, "type": "Object"}, "geometries": [], "materials": [], "object": file_object}
        return Mesh(obj, matrix, payload, True)
    color = own[0] if own and tuple(rgba) == DEFAULT_RGBA else tuple(rgba)
    material = mg.MeshPhongMaterial(
        color=scene.rgb_int(color), opacity=float(color[3]), transparent=float(color[3]) < 1.0, side=2
    )
    material.uuid = scene.new_id("material")
    obj = mg.Mesh(geometry, material).lower()
    obj["object"]["uuid"] = scene.new_id("object")
    # meshcat 0.3's MeshGeometry still says "_meshfile", which the page renames with a warning.
    obj["geometries"][0]["type"] = "_meshfile_geometry"
    if isinstance(geometry.contents, umsgpack.Ext):
        payload = geometry.contents.data
    return Mesh(obj, matrix, payload, False)


def _obj_materials(path: Path, text: str) -> tuple[str, list[tuple[float, ...]], dict[str, str]]:
    """The material libraries that an OBJ file names (``mtllib``, beside it), joined; the
    diffuse colours (``Kd`` r g b, ``d`` opacity) of the materials it uses (``usemtl``);
    and the libraries' texture files as data URLs by name. Libraries that are missing
    give nothing: the mesh is then drawn in the URDF's colour."""
    names = [line.split(None, 1)[1].strip() for line in text.splitlines() if line.startswith("mtllib ")]
    used = {line.split(None, 1)[1].strip() for line in text.splitlines() if line.startswith("usemtl ")}
    libraries = []
    for name in names:
        try:
            libraries.append((path.parent / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    library = "\n".join(libraries)
    colors: dict[str, list[float]] = {}
    resources: dict[str, str] = {}
    current = None
    for line in library.splitlines():
        key, _, rest = line.strip().partition(" ")
        try:
            if key == "newmtl":
                current = rest.strip()
                colors[current] = [0.8, 0.8, 0.8, 1.0]  # three.js's MTL default
            elif key == "Kd" and current is not None:
                colors[current][:3] = [min(max(float(x), 0.0), 1.0) for x in rest.split()[:3]]
            elif key == "d" and current is not None:
                colors[current][3] = min(max(float(rest.split()[0]), 0.0), 1.0)
        except (ValueError, IndexError):
            continue
        if key.startswith("map_") and rest.strip():
            texture = rest.split()[-1]
            try:
                data = (path.parent / texture).read_bytes()
            except OSError:
                continue
            kind = mimetypes.guess_type(texture)[0] or "application/octet-stream"
            resources[texture] = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
    own = [tuple(c) for name, c in colors.items() if name in used and len(c) == 4 and all(np.isfinite(c))]
    return library, own, resources


def _collada(path: str, text: str) -> tuple[FloatArray, list[tuple[float, ...]]]:
    """The file's own transform (``<unit meter>`` scale, ``<up_axis>`` turn to z up) and the
    diffuse colours of its materials."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise MeshUnreadable(f"{path} is not a valid DAE file (XML: {exc})") from None
    if not root.tag.endswith("COLLADA"):
        raise MeshUnreadable(f"{path} is not a valid DAE file (no <COLLADA> root)")

    def find(el: ET.Element, name: str) -> list[ET.Element]:
        return [e for e in el.iter() if e.tag.rsplit("}", 1)[-1] == name]

    M = np.eye(4)
    units = find(root, "unit")
    try:
        meter = float(units[0].get("meter", "1")) if units else 1.0
    except ValueError:
        meter = 1.0
    if np.isfinite(meter) and meter > 0:
        M[:3, :3] *= meter
    axes = find(root, "up_axis")
    # Only a stated axis turns the mesh: files written for URDF without one are z up.
    up = (axes[0].text or "").strip().upper() if axes else "Z_UP"
    if up == "Y_UP":
        M = scene.Y_TO_Z @ M
    elif up == "X_UP":
        M = np.array([[0.0, 0, 1, 0], [0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 1]]) @ M
    colors: list[tuple[float, ...]] = []
    for diffuse in find(root, "diffuse"):
        for c in find(diffuse, "color"):
            try:
                vals = tuple(float(x) for x in (c.text or "").split())
            except ValueError:
                continue
            if len(vals) >= 3 and all(np.isfinite(vals)):
                rgba = (*vals[:3], vals[3] if len(vals) > 3 else 1.0)
                colors.append(tuple(min(max(x, 0.0), 1.0) for x in rgba))
    return M, colors
