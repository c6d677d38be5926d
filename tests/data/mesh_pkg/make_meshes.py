"""Writes the test package ``mesh_pkg``: small meshes of each kind a ROS description
package carries, and ``urdf/mesh_arm.urdf``, an arm that draws one of them per link.

    python tests/data/mesh_pkg/make_meshes.py

The output is committed; rerun this after changing it. Every mesh is a box (12
triangles with face normals), so that the browser tests know where its pixels fall:

* ``meshes/binary.stl``   binary STL, 1 m units, 60 × 60 × 200 mm; used by two links
* ``meshes/ascii.stl``    ASCII STL, same box, named by a relative ``file://`` path
* ``meshes/part.obj``     OBJ, a 120 × 120 × 120 mm box drawn at ``scale="0.5 0.5 1.5"``
* ``meshes/part.dae``     Collada in millimetres (``<unit meter="0.001"/>``), a red box
  under a blue cap, with its own colours (two materials) and no URDF colour
* ``meshes/painted.obj``  OBJ with a material library (``mtllib painted.mtl``): a green
  box under a magenta cap (``usemtl``, ``Kd`` colours) and no URDF colour, on a link
  fixed beside the base
"""

from __future__ import annotations

import struct
from pathlib import Path

HERE = Path(__file__).parent

# The 6 faces of the unit cube [0, 1]³ as (outward normal, 4 corners counter-clockwise).
FACES = [
    ((1, 0, 0), [(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)]),
    ((-1, 0, 0), [(0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 0)]),
    ((0, 1, 0), [(0, 1, 0), (0, 1, 1), (1, 1, 1), (1, 1, 0)]),
    ((0, -1, 0), [(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1)]),
    ((0, 0, 1), [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)]),
    ((0, 0, -1), [(0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 0, 0)]),
]


def box(size, z0=0.0):
    """Triangles [(normal, (a, b, c))] of a box ``size`` (x, y, z), centred on the z axis,
    from z = z0 up."""
    sx, sy, sz = size

    def at(c):
        return (sx * (c[0] - 0.5), sy * (c[1] - 0.5), z0 + sz * c[2])

    out = []
    for n, (a, b, c, d) in FACES:
        out += [(n, (at(a), at(b), at(c))), (n, (at(a), at(c), at(d)))]
    return out


def write_binary_stl(path, tris):
    data = bytearray(b"robojac test mesh: binary STL".ljust(80, b" "))
    data += struct.pack("<I", len(tris))
    for n, verts in tris:
        data += struct.pack("<3f", *n)
        for v in verts:
            data += struct.pack("<3f", *v)
        data += b"\0\0"
    path.write_bytes(bytes(data))


def write_ascii_stl(path, tris):
    lines = ["solid box"]
    for n, verts in tris:
        lines += [f"  facet normal {n[0]} {n[1]} {n[2]}", "    outer loop"]
        lines += [f"      vertex {v[0]:.6g} {v[1]:.6g} {v[2]:.6g}" for v in verts]
        lines += ["    endloop", "  endfacet"]
    path.write_text("\n".join([*lines, "endsolid box", ""]))


def write_obj(path, tris):
    lines = ["# robojac test mesh: OBJ", "o box"]
    for _, verts in tris:
        lines += [f"v {v[0]:.6g} {v[1]:.6g} {v[2]:.6g}" for v in verts]
    for n, _ in tris:
        lines.append(f"vn {n[0]} {n[1]} {n[2]}")
    for i in range(len(tris)):
        a = 3 * i + 1
        lines.append(f"f {a}//{i + 1} {a + 1}//{i + 1} {a + 2}//{i + 1}")
    path.write_text("\n".join([*lines, ""]))


def write_painted_obj(path, parts):
    """``parts``: [(material name, triangles, rgb)]; writes the OBJ and its ``.mtl`` beside it."""
    mtl = path.with_suffix(".mtl")
    lines = ["# robojac test mesh: OBJ with materials", f"mtllib {mtl.name}", "o painted"]
    n = 0
    for name, tris, _ in parts:
        lines.append(f"usemtl {name}")
        for _, verts in tris:
            lines += [f"v {v[0]:.6g} {v[1]:.6g} {v[2]:.6g}" for v in verts]
            lines.append(f"f {n + 1} {n + 2} {n + 3}")
            n += 3
    path.write_text("\n".join([*lines, ""]))
    mtl.write_text(
        "".join(f"newmtl {name}\nKa 0 0 0\nKd {r} {g} {b}\nKs 0 0 0\nd 1\n\n" for name, _, (r, g, b) in parts)
    )


def collada_geometry(name, tris):
    pos = " ".join(f"{x:.6g}" for _, verts in tris for v in verts for x in v)
    nrm = " ".join(f"{x}" for n, _ in tris for x in n)
    p = " ".join(f"{3 * i + k} {i}" for i in range(len(tris)) for k in range(3))
    return f"""    <geometry id="{name}" name="{name}"><mesh>
      <source id="{name}-pos"><float_array id="{name}-pos-a" count="{9 * len(tris)}">{pos}</float_array>
        <technique_common><accessor source="#{name}-pos-a" count="{3 * len(tris)}" stride="3">
          <param name="X" type="float"/><param name="Y" type="float"/><param name="Z" type="float"/>
        </accessor></technique_common></source>
      <source id="{name}-nrm"><float_array id="{name}-nrm-a" count="{3 * len(tris)}">{nrm}</float_array>
        <technique_common><accessor source="#{name}-nrm-a" count="{len(tris)}" stride="3">
          <param name="X" type="float"/><param name="Y" type="float"/><param name="Z" type="float"/>
        </accessor></technique_common></source>
      <vertices id="{name}-v"><input semantic="POSITION" source="#{name}-pos"/></vertices>
      <triangles material="{name}-mat" count="{len(tris)}">
        <input semantic="VERTEX" source="#{name}-v" offset="0"/>
        <input semantic="NORMAL" source="#{name}-nrm" offset="1"/>
        <p>{p}</p>
      </triangles>
    </mesh></geometry>
"""


def write_dae(path, parts):
    """``parts``: [(name, triangles in mm, rgba)]."""
    effects = "".join(
        f'    <effect id="{n}-fx"><profile_COMMON><technique sid="common"><lambert>'
        f"<diffuse><color>{' '.join(str(c) for c in rgba)}</color></diffuse>"
        f"</lambert></technique></profile_COMMON></effect>\n"
        for n, _, rgba in parts
    )
    materials = "".join(
        f'    <material id="{n}-m" name="{n}"><instance_effect url="#{n}-fx"/></material>\n' for n, _, _ in parts
    )
    geometries = "".join(collada_geometry(n, t) for n, t, _ in parts)
    nodes = "".join(
        f'      <node id="{n}-node" name="{n}"><instance_geometry url="#{n}"><bind_material><technique_common>'
        f'<instance_material symbol="{n}-mat" target="#{n}-m"/></technique_common></bind_material>'
        f"</instance_geometry></node>\n"
        for n, _, _ in parts
    )
    path.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<COLLADA xmlns="http://www.collada.org/2005/11/COLLADASchema" version="1.4.1">
  <asset><unit name="millimeter" meter="0.001"/><up_axis>Z_UP</up_axis></asset>
  <library_effects>
{effects}  </library_effects>
  <library_materials>
{materials}  </library_materials>
  <library_geometries>
{geometries}  </library_geometries>
  <library_visual_scenes>
    <visual_scene id="scene" name="scene">
{nodes}    </visual_scene>
  </library_visual_scenes>
  <scene><instance_visual_scene url="#scene"/></scene>
</COLLADA>
""")


URDF = """<?xml version="1.0"?>
<!-- Written by make_meshes.py: an arm with one mesh of each kind per link (see there). -->
<robot name="mesh_arm">
  <material name="teal"><color rgba="0.0 0.6 0.6 1"/></material>
  <link name="base_link">
    <visual><origin xyz="0 0 0.025"/><geometry><box size="0.3 0.3 0.05"/></geometry><material name="teal"/></visual>
  </link>
  <joint name="j1" type="revolute"><parent link="base_link"/><child link="stl_binary"/>
    <origin xyz="0 0 0.05"/><axis xyz="0 0 1"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <link name="stl_binary">
    <visual><geometry><mesh filename="package://mesh_pkg/meshes/binary.stl"/></geometry>
      <material name="yellow"><color rgba="0.95 0.8 0.1 1"/></material></visual>
  </link>
  <joint name="j2" type="revolute"><parent link="stl_binary"/><child link="stl_ascii"/>
    <origin xyz="0 0 0.2" rpy="0 1.5708 0"/><axis xyz="0 1 0"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <link name="stl_ascii">
    <visual><geometry><mesh filename="file://../meshes/ascii.stl"/></geometry>
      <material name="purple"><color rgba="0.5 0.2 0.8 1"/></material></visual>
  </link>
  <joint name="j3" type="revolute"><parent link="stl_ascii"/><child link="obj"/>
    <origin xyz="0 0 0.2"/><axis xyz="0 1 0"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <link name="obj">
    <visual><geometry><mesh filename="package://mesh_pkg/meshes/part.obj" scale="0.5 0.5 1.5"/></geometry>
      <material name="orange"><color rgba="1.0 0.5 0.0 1"/></material></visual>
  </link>
  <joint name="j4" type="revolute"><parent link="obj"/><child link="dae"/>
    <origin xyz="0 0 0.18" rpy="0 -1.5708 0"/><axis xyz="0 1 0"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <link name="dae">
    <visual><geometry><mesh filename="package://mesh_pkg/meshes/part.dae"/></geometry></visual>
  </link>
  <joint name="j5" type="revolute"><parent link="dae"/><child link="stl_again"/>
    <origin xyz="0 0 0.15"/><axis xyz="0 0 1"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <link name="stl_again">
    <visual><geometry><mesh filename="package://mesh_pkg/meshes/binary.stl" scale="1 1 0.5"/></geometry>
      <material name="yellow"/></visual>
  </link>
  <joint name="painted_mount" type="fixed"><parent link="base_link"/><child link="painted"/>
    <origin xyz="0 0.25 0"/></joint>
  <link name="painted">
    <visual><geometry><mesh filename="package://mesh_pkg/meshes/painted.obj"/></geometry></visual>
  </link>
  <joint name="tool_joint" type="fixed"><parent link="stl_again"/><child link="tool0"/><origin xyz="0 0 0.1"/></joint>
  <link name="tool0"/>
</robot>
"""


def main() -> None:
    (HERE / "meshes").mkdir(exist_ok=True)
    (HERE / "urdf").mkdir(exist_ok=True)
    write_binary_stl(HERE / "meshes" / "binary.stl", box((0.06, 0.06, 0.2)))
    write_ascii_stl(HERE / "meshes" / "ascii.stl", box((0.06, 0.06, 0.2)))
    write_obj(HERE / "meshes" / "part.obj", box((0.12, 0.12, 0.12)))
    write_dae(
        HERE / "meshes" / "part.dae",
        [("body", box((70, 70, 110)), (0.85, 0.1, 0.1, 1)), ("cap", box((70, 70, 40), 110), (0.1, 0.2, 0.9, 1))],
    )
    write_painted_obj(
        HERE / "meshes" / "painted.obj",
        [("body", box((0.1, 0.1, 0.1)), (0.1, 0.75, 0.2)), ("cap", box((0.1, 0.1, 0.05), 0.1), (0.85, 0.1, 0.75))],
    )
    (HERE / "urdf" / "mesh_arm.urdf").write_text(URDF)


if __name__ == "__main__":
    main()
