"""The viewer's scene commands: geometry, transforms and names, checked against robojac's
kinematics computed independently; the server it starts (loopback, ports, batching,
shutdown). The pixels in a real browser are checked in test_browser.py."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import umsgpack
from scipy.spatial.transform import Rotation

import robojac
from robojac.ellipsoid import Ellipsoid
from robojac.errors import FrameError, InputError, MeshWarning, PoseError, ViewerError
from robojac.viz import Viewer, scene
from robojac.viz import server as srv

DATA = Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------------------- helpers
def server_children() -> list[int]:
    """Live meshcat server processes started by this test process."""
    return srv.running()


@pytest.fixture(autouse=True)
def no_server_left_behind():
    yield
    deadline = time.monotonic() + 5
    while server_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server_children() == [], "a meshcat server outlived its test"


def transforms(viewer: Viewer, path: str) -> list[np.ndarray]:
    return [scene.matrix_of(c) for c in viewer.commands if c["type"] == "set_transform" and c["path"] == path]


def last(viewer: Viewer, path: str) -> np.ndarray:
    found = transforms(viewer, path)
    assert found, f"no transform sent for {path}"
    return found[-1]


def objects(viewer: Viewer, prefix: str = "") -> dict[str, dict]:
    return {
        c["path"]: c["object"] for c in viewer.commands if c["type"] == "set_object" and c["path"].startswith(prefix)
    }


def colors(viewer: Viewer) -> dict[str, list[float]]:
    out = {}
    for c in viewer.commands:
        if c["type"] == "set_property" and c["property"] == "color":
            out[c["path"]] = c["value"]
    return out


@pytest.fixture(scope="module")
def ur5():
    return robojac.load("ur5")


@pytest.fixture(scope="module")
def planar():
    return robojac.load("planar_2r")


@pytest.fixture
def view(panda):
    return Viewer(panda, server=False)


def no_visuals_urdf(tmp_path: Path) -> Path:
    text = (robojac.loading.urdf_dir() / "planar_2r.urdf").read_text()
    path = tmp_path / "bare_2r.urdf"
    path.write_text(re.sub(r"<visual>.*?</visual>", "", text, flags=re.S))
    return path


# ---------------------------------------------------------------------------- the robot
def test_every_urdf_visual_becomes_one_object_with_its_geometry(panda, view):
    objs = objects(view, view.root + "/robot/")
    per_link: dict[str, int] = {}
    for vis in panda.visuals:
        i = per_link.get(vis.link, 0)
        per_link[vis.link] = i + 1
        path = f"{view.root}/robot/{vis.link}/v{i}"
        obj = objs[path]
        geom, mat = obj["geometries"][0], obj["materials"][0]
        assert mat["color"] == scene.rgb_int(vis.rgba)
        if vis.kind == "box":
            assert geom["type"] == "BoxGeometry"
            assert [geom["width"], geom["height"], geom["depth"]] == pytest.approx(vis.size)
        else:
            assert vis.kind == "cylinder"
            assert geom["type"] == "CylinderGeometry"
            assert geom["radiusBottom"] == pytest.approx(vis.size[0])
            assert geom["height"] == pytest.approx(vis.size[1])
            # three.js cylinders run along y; the object's own matrix turns y onto z.
            M = np.asarray(obj["object"]["matrix"]).reshape(4, 4).T
            assert M[:3, :3] @ [0, 1, 0] == pytest.approx([0, 0, 1])
        assert last(view, path) == pytest.approx(vis.origin)
    assert len(objs) == len(panda.visuals)
    assert not view.skeleton


def test_show_poses_every_link_at_fk_in_one_send(panda, view):
    sends = []
    real = view._conn.send
    view._conn.send = lambda cmds: (sends.append(list(cmds)), real(cmds))[1]
    rng = np.random.default_rng(0)
    for _ in range(3):
        q = panda.random_configuration(rng)
        view.show(q)
        for link in {v.link for v in panda.visuals}:
            T = last(view, f"{view.root}/robot/{link}")
            assert T == pytest.approx(panda.fk(q, link), abs=1e-12)
    assert len(sends) == 3
    assert {c["type"] for c in sends[0]} == {"set_transform"}
    assert len(sends[0]) == len({v.link for v in panda.visuals})
    assert view.q == pytest.approx(q)


def test_a_visual_lands_where_the_link_pose_and_its_origin_put_it(panda, view):
    q = panda.random_configuration(3)
    view.show(q)
    vis = next(v for v in panda.visuals if v.link == "panda_link4")
    world = last(view, f"{view.root}/robot/panda_link4") @ last(view, f"{view.root}/robot/panda_link4/v0")
    assert world == pytest.approx(panda.fk(q, "panda_link4") @ vis.origin)


def test_base_below_the_urdf_root(panda):
    arm = robojac.load("panda", base="panda_link2")
    view = Viewer(arm, server=False)
    q = arm.random_configuration(4)
    view.show(q)
    for link in ("panda_link0", "panda_link2", "panda_link7"):
        assert last(view, f"{view.root}/robot/{link}") == pytest.approx(arm.fk(q, link), abs=1e-12)


def test_no_visuals_draws_a_skeleton_through_the_joints(tmp_path):
    arm = robojac.load(no_visuals_urdf(tmp_path))
    assert arm.visuals == ()
    view = Viewer(arm, server=False)
    assert view.skeleton
    q = np.array([0.7, -1.1])
    view.show(q)
    points = [arm.base, *arm.joint_names, arm.tip]
    for i in range(len(points) - 1):
        M = last(view, f"{view.root}/robot/skeleton/segment{i}")
        a, b = arm.fk(q, points[i])[:3, 3], arm.fk(q, points[i + 1])[:3, 3]
        assert (M @ [0, 0, 0, 1])[:3] == pytest.approx(a, abs=1e-12)
        assert (M @ [0, 0, 1, 1])[:3] == pytest.approx(b, abs=2e-6)  # zero-length segments keep 1 µm
    for name in arm.joint_names:
        assert last(view, f"{view.root}/robot/skeleton/{name}") == pytest.approx(arm.fk(q, name))
        # the axis marker lies along the joint axis (z for both joints of the 2R)
        A = last(view, f"{view.root}/robot/skeleton/{name}/axis")
        assert A[:3, 2] == pytest.approx([0, 0, 1])
        assert f"{view.root}/robot/skeleton/{name}/ball" in objects(view)


def test_meshes_are_drawn_and_a_missing_one_falls_back_with_a_warning():
    with pytest.warns(MeshWarning):
        arm = robojac.load(DATA / "clash_arm.urdf", tip="tool", package_dirs=[str(DATA)])
    with pytest.warns(MeshWarning, match="missing.dae"):
        view = Viewer(arm, server=False)
    mesh = objects(view)[f"{view.root}/robot/base_link/v0"]["geometries"][0]
    assert mesh["type"] == "_meshfile_geometry"
    assert mesh["format"] == "stl"
    assert mesh["data"].data == (DATA / "fake_pkg/meshes/box.stl").read_bytes()
    assert view.skeleton  # in place of the mesh that cannot be drawn
    assert f"{view.root}/robot/upper/v0" not in objects(view)
    q = arm.random_configuration(1)
    view.show(q)
    assert last(view, f"{view.root}/robot/fore") == pytest.approx(arm.fk(q, "fore"), abs=1e-12)


MESH_PKG = DATA / "mesh_pkg"
MESH_ARM = MESH_PKG / "urdf" / "mesh_arm.urdf"


def mesh_arm(urdf: Path = MESH_ARM) -> robojac.Robot:
    return robojac.load(urdf, package_dirs=[str(DATA)])


def test_each_mesh_kind_becomes_meshcats_mesh_file_object():
    arm = mesh_arm()
    view = Viewer(arm, server=False)
    assert not view.skeleton
    objs = objects(view)
    meshes = MESH_PKG / "meshes"

    def geometry(link: str) -> dict:
        return objs[f"{view.root}/robot/{link}/v0"]["geometries"][0]

    for link, fmt, file in (("stl_binary", "stl", "binary.stl"), ("stl_ascii", "stl", "ascii.stl")):
        g = geometry(link)
        assert (g["type"], g["format"]) == ("_meshfile_geometry", fmt)
        assert g["data"].data == (meshes / file).read_bytes()  # the page parses the file's own bytes
    assert geometry("obj")["data"] == (meshes / "part.obj").read_text()
    # the URDF's scale, on the visual's node
    assert last(view, f"{view.root}/robot/obj/v0")[:3, :3] == pytest.approx(np.diag([0.5, 0.5, 1.5]))
    # the Collada file keeps its own two colours (no URDF colour), and its millimetres become metres
    dae = objs[f"{view.root}/robot/dae/v0"]["object"]
    assert (dae["type"], dae["format"]) == ("_meshfile_object", "dae")
    assert dae["data"] == (meshes / "part.dae").read_text()
    assert last(view, f"{view.root}/robot/dae/v0")[:3, :3] == pytest.approx(0.001 * np.eye(3))
    assert all(not p.startswith(f"{view.root}/robot/dae/") for p, _ in view._visual_paths)  # not recoloured
    # colours: inline, and named by a material defined in another link's visual (as urdfdom reads it)
    rgb = {link: objs[f"{view.root}/robot/{link}/v0"]["materials"][0]["color"] for link in ("stl_binary", "stl_again")}
    assert rgb["stl_again"] == rgb["stl_binary"] == scene.rgb_int((0.95, 0.8, 0.1))
    assert objs[f"{view.root}/robot/base_link/v0"]["materials"][0]["color"] == scene.rgb_int((0.0, 0.6, 0.6))
    # colouring by singularity recolours the others and leaves the Collada file's own colours
    view.color_by_singularity()
    view.show(arm.random_configuration(3))


def test_an_obj_files_material_library_gives_its_colours():
    """painted.obj names painted.mtl (two materials, Kd green and magenta) and the URDF
    gives no colour: the page gets meshcat's OBJ file object with the library inlined, so
    its own OBJ + MTL loaders colour the parts; singularity colouring leaves it alone."""
    view = Viewer(mesh_arm(), server=False)
    obj = objects(view)[f"{view.root}/robot/painted/v0"]["object"]
    meshes = MESH_PKG / "meshes"
    assert (obj["type"], obj["format"]) == ("_meshfile_object", "obj")
    assert obj["data"] == (meshes / "painted.obj").read_text()
    assert obj["mtl_library"].strip() == (meshes / "painted.mtl").read_text().strip()
    assert all(not p.startswith(f"{view.root}/robot/painted/") for p, _ in view._visual_paths)


def test_an_obj_material_library_yields_to_a_urdf_colour_and_one_colour_is_a_plain_mesh(tmp_path):
    """A URDF colour wins over the library (as for Collada); a library of one colour gives
    an ordinary mesh of that colour; a missing library, the URDF's (default) colour."""
    meshes = MESH_PKG / "meshes"
    (tmp_path / "a.obj").write_text((meshes / "painted.obj").read_text())
    (tmp_path / "painted.mtl").write_text("newmtl body\nKd 0.1 0.75 0.2\nnewmtl cap\nKd 0.1 0.75 0.2\n")
    (tmp_path / "b.obj").write_text((meshes / "painted.obj").read_text().replace("painted.mtl", "missing.mtl"))
    urdf = tmp_path / "arm.urdf"
    urdf.write_text(
        '<robot name="r"><link name="base"/>'
        '<link name="a"><visual><geometry><mesh filename="a.obj"/></geometry></visual></link>'
        '<link name="b"><visual><geometry><mesh filename="b.obj"/></geometry></visual></link>'
        '<link name="c"><visual><geometry><mesh filename="a.obj"/></geometry>'
        '<material name="red"><color rgba="1 0 0 1"/></material></visual></link>'
        '<joint name="j" type="revolute"><parent link="base"/><child link="a"/><axis xyz="0 0 1"/>'
        '<limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        '<joint name="jb" type="fixed"><parent link="a"/><child link="b"/></joint>'
        '<joint name="jc" type="fixed"><parent link="b"/><child link="c"/></joint></robot>'
    )
    view = Viewer(robojac.load(urdf), server=False)
    objs = objects(view)
    colour = {link: objs[f"{view.root}/robot/{link}/v0"]["materials"][0]["color"] for link in "abc"}
    assert colour == {
        "a": scene.rgb_int((0.1, 0.75, 0.2)),
        "b": scene.rgb_int((0.8, 0.8, 0.8)),  # robojac's default visual colour
        "c": scene.rgb_int((1.0, 0.0, 0.0)),
    }


def test_a_saved_page_holds_a_repeated_mesh_once(tmp_path):
    view = Viewer(mesh_arm(), server=False)
    stl = (MESH_PKG / "meshes" / "binary.stl").read_bytes()
    html = view.static_html()
    assert html.count(base64.b64encode(stl).decode()) == 1, "binary.stl, drawn on two links, is in the page once"
    view._conn.shared.clear()
    unshared = view.static_html()
    assert len(html) < len(unshared)
    assert len(html) < len(unshared) - len(base64.b64encode(stl)) + 200  # the second copy is gone


def binary_stl(path: Path, triangles: int, seed: int = 0) -> bytes:
    """A binary STL of ``triangles`` random triangles within 5 cm of the origin."""
    rng = np.random.default_rng(seed)
    rec = np.zeros(triangles, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["v"] = rng.uniform(-0.05, 0.05, (triangles, 3, 3))
    data = b"robojac test".ljust(80, b" ") + np.uint32(triangles).tobytes() + rec.tobytes()
    path.write_bytes(data)
    return data


def seven_links_one_mesh(tmp_path: Path, triangles: int = 400) -> tuple[robojac.Robot, bytes]:
    """An arm of 7 links that all draw the same STL file."""
    stl = binary_stl(tmp_path / "link.stl", triangles)
    links = "".join(
        f'<link name="l{i}"><visual><geometry><mesh filename="link.stl"/></geometry></visual></link>' for i in range(7)
    )
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><parent link="l{i - 1}"/><child link="l{i}"/><origin xyz="0 0 0.1"/>'
        f'<axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        for i in range(1, 7)
    )
    (tmp_path / "seven.urdf").write_text(f'<robot name="seven">{links}{joints}</robot>')
    return robojac.load(tmp_path / "seven.urdf"), stl


def embedded_copies(html: str, data: bytes) -> int:
    """How many times ``data`` is in the page: in every base64 literal, decoded."""
    return sum(base64.b64decode(b).count(data) for b in re.findall(r"base64ToBytes\('([A-Za-z0-9+/=]*)'\)", html))


def test_a_mesh_that_seven_links_draw_is_in_the_page_once(tmp_path):
    """The page holds the file's bytes once, not once per link; without the sharing,
    seven times, and the page is larger by six copies (base64: 4/3 of the file each)."""
    arm, stl = seven_links_one_mesh(tmp_path)
    view = Viewer(arm, server=False)
    html = view.static_html()
    assert embedded_copies(html, stl) == 1
    assert len([p for p, _ in view._visual_paths if "/robot/" in p]) == 7  # drawn seven times
    view._conn.shared.clear()
    unshared = view.static_html()
    assert embedded_copies(unshared, stl) == 7
    assert len(unshared) - len(html) > 6 * 4 / 3 * len(stl) - 2000


def test_a_gallery_page_holds_a_mesh_once_over_all_its_views(tmp_path):
    """Two views of the same arm (as the demo page has seven): one copy of the file in all."""
    from robojac.viz.gallery import GalleryView, gallery_html

    arm, stl = seven_links_one_mesh(tmp_path)
    views = [GalleryView(f"view {i}", "", Viewer(arm, server=False)) for i in range(2)]
    html = gallery_html(views)
    assert embedded_copies(html, stl) == 1
    assert html.count('robojacView("view') == 2


def test_a_mesh_that_cannot_be_read_warns_once_and_the_skeleton_stands_in(tmp_path):
    """Two visuals name a broken file: one MeshWarning for the viewer, no exception."""
    pkg = tmp_path / "mesh_pkg"
    (pkg / "urdf").mkdir(parents=True)
    (pkg / "meshes").mkdir()
    for f in (MESH_PKG / "meshes").iterdir():
        (pkg / "meshes" / f.name).write_bytes(f.read_bytes())
    (pkg / "meshes" / "binary.stl").write_bytes(b"\x00" * 90)  # neither ASCII nor a whole binary STL
    (pkg / "urdf" / "mesh_arm.urdf").write_text(MESH_ARM.read_text())
    arm = robojac.load(pkg / "urdf" / "mesh_arm.urdf", package_dirs=[str(tmp_path)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        view = Viewer(arm, server=False)
    mesh_warnings = [w for w in caught if issubclass(w.category, MeshWarning)]
    assert len(mesh_warnings) == 1, [str(w.message) for w in mesh_warnings]
    assert "2 visual(s)" in str(mesh_warnings[0].message) and "binary.stl" in str(mesh_warnings[0].message)
    assert view.skeleton
    assert f"{view.root}/robot/stl_binary/v0" not in objects(view)
    assert f"{view.root}/robot/dae/v0" in objects(view)  # the readable meshes are still drawn
    view.show(arm.random_configuration(2))


@pytest.mark.parametrize(
    "content, suffix, match",
    [(b"\x00\x01garbage", ".stl", "not a valid STL"), (b"solid-ish", ".ply", ".ply"), (b"\xff\xfe", ".obj", "UTF-8")],
)
def test_an_unreadable_mesh_is_a_warning_not_a_failure(tmp_path, content, suffix, match):
    (tmp_path / f"part{suffix}").write_bytes(content)
    urdf = (robojac.loading.urdf_dir() / "planar_2r.urdf").read_text()
    urdf = urdf.replace(
        '<geometry><cylinder radius="0.03" length="0.5"/></geometry>',
        f'<geometry><mesh filename="part{suffix}"/></geometry>',
    )
    path = tmp_path / "meshy.urdf"
    path.write_text(urdf)
    arm = robojac.load(path)
    with pytest.warns(MeshWarning, match=re.escape(match)):
        view = Viewer(arm, server=False)
    assert view.skeleton
    view.show([0.3, 0.4])


def test_bad_input_raises_robojac_errors(panda, view):
    with pytest.raises(InputError, match="shape"):
        view.show([0.0, 1.0])
    with pytest.raises(InputError, match="finite"):
        view.show([np.nan] * 7)
    with pytest.raises(InputError, match=r"robojac\.Robot"):
        Viewer("panda", server=False)  # type: ignore[arg-type]
    with pytest.raises(FrameError):
        view.add_frame("panda_link99")
    with pytest.raises(FrameError):
        view.add_ellipsoid("velocity", frame="nope")
    with pytest.raises(FrameError):
        view.add_wrench(np.ones(6), frame="nope")
    with pytest.raises(FrameError):
        view.add_wrench(np.ones(6), ref="body")
    with pytest.raises(InputError, match="finite"):
        view.add_arrow([0, 0, np.nan], [1, 0, 0])
    with pytest.raises(InputError, match="finite"):
        view.add_path([[0, 0, 0], [np.nan, 1, 1]])
    with pytest.raises(InputError, match="finite"):
        view.add_wrench([1, 2, np.nan, 0, 0, 0])
    with pytest.raises(InputError):
        view.add_target(np.full((4, 4), np.nan))
    with pytest.raises(PoseError):
        view.add_target(np.diag([2.0, 1, 1, 1]))
    bad = Ellipsoid(np.array([0, 0, np.nan]), np.eye(3), np.ones(3), "velocity", "m/s per rad/s")
    with pytest.raises(InputError, match="finite"):
        view.add_ellipsoid(bad)
    with pytest.raises(InputError, match="kind"):
        view.add_ellipsoid("acceleration")
    with pytest.raises(InputError, match="name"):
        view.add_arrow([0, 0, 0], [1, 0, 0], name="a/b")
    with pytest.raises(InputError, match="no overlay"):
        view.remove("nothing")
    with pytest.raises(InputError, match="color"):
        view.add_path([[0, 0, 0], [1, 1, 1]], color=(2, 0, 0))
    with pytest.raises(InputError, match=r"qs must have shape \(N, 7\)"):
        view.frame(qs=np.zeros(5))
    with pytest.raises(InputError, match="port must be an integer"):
        Viewer(panda, port="7000")
    with pytest.raises(InputError, match="zmq_url must be a string"):
        Viewer(panda, zmq_url=6000)  # type: ignore[arg-type]
    with pytest.raises(ViewerError, match=re.escape("expected an address such as 'tcp://127.0.0.1:6000'")):
        Viewer(panda, zmq_url="localhost:6000")
    assert view.overlays == ()


# ---------------------------------------------------------------------------- overlays
def test_frame_triad_follows_its_frame(panda, view):
    name = view.add_frame("panda_link5", scale=0.2)
    path = f"{view.root}/overlays/{name}"
    q = panda.random_configuration(5)
    view.show(q)
    assert last(view, path) == pytest.approx(panda.fk(q, "panda_link5"))
    for axis, col in zip("xyz", range(3)):
        T = last(view, f"{path}/{axis}")
        assert T[:3, 2] == pytest.approx(np.eye(3)[col])  # each cylinder (along its z) lies on its axis
        geom = objects(view)[f"{path}/{axis}"]["geometries"][0]
        assert geom["height"] == pytest.approx(0.2)


def test_target_marker_accepts_every_pose_form(panda, view):
    T = panda.fk(panda.random_configuration(6))
    view.add_target(T)
    assert last(view, f"{view.root}/overlays/target") == pytest.approx(T)
    p, quat = robojac.pose.to_position_quaternion(T)
    view.add_target((p, quat), name="again")
    assert last(view, f"{view.root}/overlays/again") == pytest.approx(T)
    assert view.overlays == ("target", "again")


def test_tool_path_goes_through_the_fk_positions(panda, view):
    qs = np.linspace(panda.neutral(), panda.random_configuration(7), 12)
    view.add_tool_path(qs)
    geom = objects(view)[f"{view.root}/overlays/tool_path"]["geometries"][0]
    arr = geom["data"]["attributes"]["position"]["array"]
    pts = np.frombuffer(arr.data, dtype=np.float32).reshape(-1, 3)
    assert pts == pytest.approx(np.array([panda.fk(q)[:3, 3] for q in qs]), abs=1e-6)


@pytest.mark.parametrize("kind", ["velocity", "force"])
def test_ellipsoid_shape_is_the_jacobians_and_follows_q(panda, view, kind):
    name = view.add_ellipsoid(kind)
    info = view.overlay_info(name)
    s = info["scale"]
    q = panda.random_configuration(8)
    view.show(q)
    M = last(view, f"{view.root}/overlays/{name}/shape")
    Jv = panda.jacobian(q)[:3]
    A = Jv @ Jv.T  # velocity ellipsoid {Jv dq : ‖dq‖ ≤ 1} = {x : xᵀ A⁻¹ x ≤ 1}
    expected = A if kind == "velocity" else np.linalg.inv(A)  # force: {f : fᵀ A f ≤ 1}
    assert M[:3, :3] @ M[:3, :3].T == pytest.approx(s**2 * expected, rel=1e-9, abs=1e-12)
    assert M[:3, 3] == pytest.approx(panda.fk(q)[:3, 3])
    assert np.linalg.det(M[:3, :3]) > 0  # a rotation times a positive scale, as three.js splits it


def test_force_ellipsoid_at_a_singularity_is_capped(planar):
    view = Viewer(planar, server=False)
    view.add_ellipsoid("force", scale=0.1, max_radius=0.5)
    view.show([0.3, 0.0])  # stretched out: the radial direction is lost
    M = last(view, f"{view.root}/overlays/force_ellipsoid/shape")
    radii = np.linalg.norm(M[:3, :3], axis=0)
    assert np.isfinite(M).all()
    assert radii.max() == pytest.approx(0.5)
    # the capped (infinite) axis is the radial one, along the stretched arm
    axis = M[:3, int(np.argmax(radii))] / radii.max()
    assert abs(axis @ [np.cos(0.3), np.sin(0.3), 0]) == pytest.approx(1.0)


def test_a_given_ellipsoid_is_drawn_as_it_is(view):
    U = Rotation.from_euler("xyz", [0.3, -0.2, 1.0]).as_matrix()
    ell = Ellipsoid(np.array([0.1, 0.2, 0.3]), U, np.array([0.3, 0.2, 0.1]), "velocity", "m/s per rad/s")
    view.add_ellipsoid(ell, scale=1.0, name="mine")
    M = last(view, f"{view.root}/overlays/mine/shape")
    assert M[:3, :3] @ M[:3, :3].T == pytest.approx(U @ np.diag([0.09, 0.04, 0.01]) @ U.T)
    assert M[:3, 3] == pytest.approx([0.1, 0.2, 0.3])


def arrow_vector(view: Viewer, path: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and tip [m] of an arrow from its commands (node pose, shaft scale, head offset)."""
    T = last(view, path)
    head = last(view, f"{path}/head")
    length = head[2, 3] + 0.05 * head[0, 0]
    return T[:3, 3], T[:3, 3] + length * T[:3, 2]


@pytest.mark.parametrize("ref", ["local_world_aligned", "local", "world"])
def test_wrench_arrows_show_force_and_moment_about_the_frame_origin(panda, view, ref):
    w = np.array([10.0, -20.0, 5.0, 1.0, 2.0, -0.5])
    view.add_wrench(w, ref=ref, force_scale=0.01, torque_scale=0.1)
    q = panda.random_configuration(9)
    view.show(q)
    T = panda.fk(q)
    R, p = T[:3, :3], T[:3, 3]
    # independent re-expression in base axes about the tool origin
    if ref == "local":
        f, n = R @ w[:3], R @ w[3:]
    elif ref == "world":
        f, n = w[:3], w[3:] - np.cross(p, w[:3])
    else:
        f, n = w[:3], w[3:]
    start, tip = arrow_vector(view, f"{view.root}/overlays/wrench/force")
    assert start == pytest.approx(p)
    assert tip - start == pytest.approx(0.01 * f, abs=1e-9)
    start, tip = arrow_vector(view, f"{view.root}/overlays/wrench/torque")
    assert tip - start == pytest.approx(0.1 * n, abs=1e-9)


def test_arrow_and_text_and_remove(view):
    view.add_arrow([0.1, 0, 0.2], [0, 3.0, 4.0], scale=0.1, name="push")
    start, tip = arrow_vector(view, f"{view.root}/overlays/push")
    assert start == pytest.approx([0.1, 0, 0.2])
    assert tip - start == pytest.approx([0, 0.3, 0.4])
    view.add_text("σ_min = 0.01", name="hud")
    tex = objects(view)[f"{view.root}/overlays/hud"]["textures"][0]
    assert tex["type"] == "_text" and tex["text"] == "σ_min = 0.01"
    view.add_arrow([0, 0, 0], [1, 0, 0], name="push")  # the same name replaces
    assert view.overlays == ("hud", "push")
    view.remove("push")
    assert view.commands[-1] == {"type": "delete", "path": f"{view.root}/overlays/push"}
    view.clear()
    assert view.overlays == ()


def test_singularity_colours_follow_sigma_min(ur5):
    view = Viewer(ur5, server=False)
    view.color_by_singularity(threshold=0.05)
    q_regular = np.array([0.3, -1.2, 1.4, -1.0, 1.2, 0.4])
    q_wrist = q_regular.copy()
    q_wrist[4] = 0.0  # UR wrist singularity: joints 4 and 6 aligned
    view.show(q_regular)
    info = view.overlay_info("singularity")
    assert info["sigma_min"] == pytest.approx(robojac.singularity_report(ur5, q_regular).sigma_min)
    assert info["closeness"] == 0.0
    green = colors(view)
    view.show(q_wrist)
    assert view.overlay_info("singularity")["closeness"] == pytest.approx(1.0)
    red = colors(view)
    for path in red:
        assert red[path][0] > 0.9 and red[path][1] < 0.2, "red at the singularity"
        assert green[path][1] > 0.8 and green[path][0] < 0.2, "green far from it"
    view.remove("singularity")
    restored = colors(view)
    for path, rgba in view._visual_paths:
        assert restored[path] == pytest.approx(list(rgba))


def test_per_link_colours_point_at_the_joints_of_the_lost_motion(ur5):
    view = Viewer(ur5, server=False)
    view.color_by_singularity(threshold=0.05, per_link=True)
    q = np.array([0.3, -1.2, 1.4, -1.0, 0.0, 0.4])
    view.show(q)
    w = view.overlay_info("singularity")["joint_weights"]
    # at the wrist singularity the lost motion is q4 against q6 (counter-rotation): q1..q3 stay out
    _, _, Vt = np.linalg.svd(ur5.jacobian(q))
    assert w == pytest.approx(np.abs(Vt[5]) / np.abs(Vt[5]).max(), abs=1e-9)
    assert w[3] > 0.5 and w[5] > 0.5 and w[1] < 0.1


def test_planar_arm_uses_the_translational_rows(planar):
    view = Viewer(planar, server=False)
    view.color_by_singularity()
    view.show([0.2, 0.0])
    assert view.overlay_info("singularity")["rows"] == "translational"
    assert view.overlay_info("singularity")["sigma_min"] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------- playback
def animation(view: Viewer) -> dict[str, dict[str, list]]:
    cmd = [c for c in view.commands if c["type"] == "set_animation"][-1]
    return {a["path"]: {t["name"]: t["keys"] for t in a["clip"]["tracks"]} for a in cmd["animations"]}


def test_play_animates_links_and_overlays_on_meshcats_timeline(panda, view):
    view.add_ellipsoid("velocity")
    qs = np.linspace(panda.neutral(), panda.random_configuration(10), 7)
    times = np.array([0.0, 0.1, 0.3, 0.35, 0.5, 0.8, 1.0])
    assert view.play(qs, times, fps=30) == 7
    anim = animation(view)
    link = anim[f"{view.root}/robot/panda_link6"]
    assert [k["time"] for k in link[".position"]] == pytest.approx(times * 30)
    for k, q in enumerate(qs):
        T = panda.fk(q, "panda_link6")
        assert link[".position"][k]["value"] == pytest.approx(T[:3, 3])
        quat = np.array(link[".quaternion"][k]["value"])  # three.js order (x, y, z, w)
        assert Rotation.from_quat(quat).as_matrix() == pytest.approx(T[:3, :3], abs=1e-9)
    shape = anim[f"{view.root}/overlays/velocity_ellipsoid/shape"]
    assert ".scale" in shape and len(shape[".scale"]) == 7
    s = view.overlay_info("velocity_ellipsoid")["scale"]
    sv = np.linalg.svd(panda.jacobian(qs[3])[:3], compute_uv=False)
    assert sorted(shape[".scale"][3]["value"]) == pytest.approx(sorted(np.maximum(s * sv, 1e-4)))


def test_play_takes_a_control_log_and_thins_long_ones(panda, view):
    n = 4500
    qs = np.linspace(panda.neutral(), panda.random_configuration(11), n)
    log = SimpleNamespace(t=np.arange(n) * 1e-3, q=qs)
    assert view.play(log) == 2000
    keys = animation(view)[f"{view.root}/robot/panda_hand"][".position"]
    assert keys[0]["time"] == 0.0 and keys[-1]["time"] == pytest.approx((n - 1) * 1e-3 * 30)


def test_play_colours_along_when_colouring_is_on(ur5):
    view = Viewer(ur5, server=False)
    view.color_by_singularity(threshold=0.05)
    q = np.array([0.3, -1.2, 1.4, -1.0, 1.2, 0.4])
    q2 = q.copy()
    q2[4] = 0.0
    view.play([q, q2], [0.0, 1.0])
    path = view._visual_paths[0][0] + "/<object>"
    keys = animation(view)[path][".material.color"]
    assert keys[0]["value"][1] > 0.8 and keys[1]["value"][0] > 0.9


def test_play_moves_the_wrench_arrows_along(panda, view):
    w = np.array([0.0, 5.0, -20.0, 0.0, 0.0, 0.0])
    view.add_wrench(w, ref="local", force_scale=0.01)
    qs = np.linspace(panda.neutral(), panda.random_configuration(15), 4)
    view.play(qs, [0.0, 0.5, 1.0, 1.5])
    force = animation(view)[f"{view.root}/overlays/wrench/force"]
    for k, q in enumerate(qs):
        T = panda.fk(q)
        assert force[".position"][k]["value"] == pytest.approx(T[:3, 3])  # starts at the tool
        z = Rotation.from_quat(force[".quaternion"][k]["value"]).as_matrix()[:, 2]
        f = T[:3, :3] @ w[:3]  # a "local" force turns with the tool
        assert z == pytest.approx(f / np.linalg.norm(f), abs=1e-9)


def test_play_rejects_bad_sequences(panda, view):
    qs = np.zeros((3, 7))
    with pytest.raises(InputError, match="increase"):
        view.play(qs, [0.0, 0.2, 0.1])
    with pytest.raises(InputError, match="times"):
        view.play(qs, [0.0, 0.2])
    with pytest.raises(InputError, match="shape"):
        view.play(np.zeros((3, 6)))
    with pytest.raises(InputError, match="finite"):
        view.play(np.full((3, 7), np.nan))


# ---------------------------------------------------------------------------- camera and page
def test_camera_frames_the_robot(panda, view):
    cam = [c for c in view.commands if c["type"] == "set_property" and c["path"] == scene.CAMERA][-1]["value"]
    eye = np.array([cam[0], -cam[2], cam[1]])  # camera node coordinates (x, z, −y) back to the world's
    shift = last(view, "/meshcat")[:3, 3]
    assert last(view, "/Grid") == pytest.approx(last(view, "/meshcat"))
    half_fov = np.radians(scene.CAMERA_FOV_DEG / 2)
    for T in panda.fk_all(panda.neutral()).values():
        p = T[:3, 3] + shift  # where the page draws it; the camera looks at the origin
        ang = np.arccos((p - eye) @ (-eye) / np.linalg.norm(p - eye) / np.linalg.norm(eye))
        assert ang < half_fov
    assert np.linalg.norm(eye) < 3.0  # closer than meshcat's default view


def test_static_html_is_standalone_and_holds_the_scene(panda, view, tmp_path):
    view.add_ellipsoid("force")
    out = view.save_html(tmp_path / "scene.html")
    html = out.read_text()
    assert html.count("<script") == 2 and "<script src" not in html  # meshcat's viewer inlined, then the scene
    scene_part = html.split("new MeshCat.Viewer", 1)[1]
    assert "fetch(" not in scene_part and "http" not in scene_part
    blobs = [umsgpack.unpackb(base64.b64decode(b)) for b in re.findall(r"base64ToBytes\('([A-Za-z0-9+/=]*)'\)", html)]
    paths = {b["path"] for b in blobs if b["type"] == "set_object"}
    assert f"{view.root}/robot/panda_link3/v0" in paths
    assert f"{view.root}/overlays/force_ellipsoid/shape" in paths
    with pytest.raises(ViewerError, match="cannot write"):
        view.save_html(tmp_path / "no" / "such" / "dir.html")


def test_robot_is_light_until_a_viewer_is_made():
    code = "import sys, robojac; robojac.load('panda'); print('meshcat' in sys.modules, 'zmq' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ---------------------------------------------------------------------------- the server
def listening_addresses(port: int) -> set[str]:
    addrs = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:
                addrs.add(addr)
    return addrs


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_server_binds_loopback_only_and_stops_on_close(panda):
    with Viewer(panda) as view:
        assert view.url.startswith("http://127.0.0.1:")
        web_port = int(view.url.split(":")[2].split("/")[0])
        zmq_port = int(view._server.zmq_url.rsplit(":", 1)[1])
        for port in (web_port, zmq_port):
            assert listening_addresses(port) == {"0100007F"}, f"port {port} must listen on 127.0.0.1 only"
        pid = view.server_pid
        assert pid in server_children()
        # a second viewer takes other ports; asking for a busy one is a clear error
        with Viewer(panda) as other:
            assert other.url != view.url
        with pytest.raises(ViewerError, match=f"web port {web_port} on 127.0.0.1 is not free"):
            Viewer(panda, port=web_port)
    assert view.server_pid is None
    assert pid not in server_children()
    with pytest.raises(ViewerError, match="closed"):
        view.show(panda.neutral())


def test_show_is_one_request_and_the_server_keeps_the_scene(panda):
    with Viewer(panda) as view:
        requests = []
        real = view._conn.request
        view._conn.request = lambda frames: (requests.append(frames), real(frames))[1]
        q = panda.random_configuration(12)
        view.show(q)
        assert len(requests) == 1 and requests[0][0] == srv.BATCH
        html = view._conn.server_html()
        packed = scene_pack(scene.set_transform(f"{view.root}/robot/panda_link7", panda.fk(q, "panda_link7")))
        assert base64.b64encode(packed).decode() in html


def scene_pack(cmd: dict) -> bytes:
    from robojac.viz.transport import pack

    return pack(cmd)


def test_connect_to_a_running_server_leaves_it_running(panda):
    with Viewer(panda) as owner:
        guest = Viewer(panda, zmq_url=owner._server.zmq_url, prefix="guest")
        assert guest.url == owner.url
        guest.show(panda.random_configuration(13))
        guest.close()
        assert owner.server_pid is not None
        owner.show(panda.neutral())


def test_server_exits_when_its_parent_dies(tmp_path):
    code = (
        "import os, robojac\n"
        "v = robojac.Viewer(robojac.load('planar_2r'))\n"
        "print(v.server_pid, flush=True)\n"
        "os._exit(0)\n"  # no atexit, no close(): the server must notice alone
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    pid = int(proc.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    pytest.fail("the meshcat server outlived its parent")


@pytest.mark.parametrize("keep", ["v = ", ""], ids=["kept", "dropped"])
def test_server_stops_at_interpreter_exit_without_close(keep):
    """atexit stops (and reaps) the server, also of a viewer dropped without close(): it
    is gone when the interpreter has ended, not half a second later by its watchdog."""
    code = (
        "import gc, robojac, robojac.viz.server as s\n"
        f"{keep}robojac.Viewer(robojac.load('planar_2r'))\n"
        "gc.collect()\n"
        "print(*s.running(), flush=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    (pid,) = map(int, proc.stdout.split())
    with pytest.raises(ProcessLookupError):  # a zombie would still answer
        os.kill(pid, 0)


def servers_of(parent: int) -> list[int]:
    """meshcat servers started by process ``parent``, also after it died (by their --parent-pid)."""
    out = []
    for entry in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"robojac.viz.server" in cmd and cmd[cmd.index(b"--parent-pid") + 1] == str(parent).encode():
            out.append(int(entry))
    return out


def test_bundled_robots_all_draw(robots):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for arm in robots.values():
            view = Viewer(arm, server=False)
            view.show(arm.random_configuration(0))
            assert not view.skeleton


# ---------------------------------------------------------------------------- CLI and demo
def robojac_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "robojac", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_cli_view_writes_a_page_with_the_asked_overlays(tmp_path):
    proc = robojac_cli(
        "view", "ur5", "--q", "0.3", "-1.3", "1.6", "-1.2", "0.02", "0.4", "--ellipsoids", "--singularity",
        "--target", "0.3", "0.2", "0.4", "--html", "ur5.html", "--json", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["overlays"] == [
        "frame_tool0",
        "target",
        "velocity_ellipsoid",
        "force_ellipsoid",
        "singularity",
        "sigma_min",
    ]
    html = (tmp_path / "ur5.html").read_text()
    assert "MeshCat.Viewer" in html and len(html) > 500_000


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads Linux's process table")
def test_cli_view_serves_then_stops(tmp_path):
    cli = subprocess.Popen(
        [sys.executable, "-m", "robojac", "view", "planar_2r", "--for", "0.5"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, err
    assert re.search(r"at http://127\.0\.0\.1:\d+/static/ \(serving for 0\.5 s\)", out)
    assert servers_of(cli.pid) == [], "the CLI's meshcat server outlived it"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "1", "2"], "--target takes 3 numbers"),
        (["--frame", "nope"], "unknown frame 'nope'"),
        (["--q", "0", "0"], "shape (7,)"),
        (["--html", "no/such/dir/x.html"], "cannot write the page"),
    ],
)
def test_cli_view_errors_are_one_line(tmp_path, args, message):
    proc = robojac_cli("view", "panda", "--html", "p.html", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def page_scenes(html: str) -> dict[str, list[dict]]:
    """The commands of each scene of a saved page, by the page variable they are handed to."""
    out: dict[str, list[dict]] = {}
    for var, b64 in re.findall(r"(\w+)\.handle_command_bytearray\(base64ToBytes\('([A-Za-z0-9+/=]*)'\)\)", html):
        out.setdefault(var, []).append(umsgpack.unpackb(base64.b64decode(b64)))
    return out


#: What each view of the demo page draws besides the arm: overlay names (a trailing * is a prefix).
DEMO_OVERLAYS = {
    "Forward kinematics: frames": {"frame_panda_link0", "frame_panda_hand_tcp"},
    "Inverse kinematics: target and answer": {"target"},
    "Manipulability ellipsoids": {"velocity_ellipsoid", "force_ellipsoid"},
    "Singularity": set(),  # the overlay is the arm's colours
    "Statics: payload and joint torques": {"payload", "torque_*"},
    "Control: tracking a circle": {"circle"},
    "Collision clearance": {"collision"},
}


def test_demo_without_a_terminal_ends_in_a_page_with_one_view_per_capability(tmp_path, monkeypatch, panda):
    """Each view of the page is its own scene: the whole arm, in its URDF colours (not one
    colour) but in the singularity view, and the overlays of its capability only."""
    from robojac.demo.viewer import VIEWS, end_in_viewer

    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert end_in_viewer(panda, out, interactive=False) == 0
    assert "robojac-demo.html" in out.getvalue()
    html = (tmp_path / "robojac-demo.html").read_text()
    from robojac.viz.transport import viewer_js

    assert html.count(viewer_js()[-2000:]) == 1, "meshcat's script is inlined once for all the views"
    titles = re.findall(r'<section class="view" id="section\d+"><div class="caption"><h2>([^<]*)</h2>', html)
    assert titles == [t for t, _ in VIEWS] == list(DEMO_OVERLAYS)
    scenes = page_scenes(html)
    assert sorted(scenes) == sorted(f"view{i}" for i in range(len(VIEWS)))
    urdf_colors = {scene.rgb_int(v.rgba) for v in panda.visuals}
    for i, title in enumerate(titles):
        cmds = scenes[f"view{i}"]
        drawn = {c["path"] for c in cmds if c["type"] == "set_object" and "/robot/" in c["path"]}
        assert len(drawn) == len(panda.visuals), f"{title}: the whole arm"
        overlays = {c["path"].split("/")[4] for c in cmds if c["type"] == "set_object" and "/overlays/" in c["path"]}
        if title == "Singularity":  # the overlay is the arm's colour
            colors = [c["value"] for c in cmds if c["type"] == "set_property" and c["property"] == "color"]
            assert len({tuple(c) for c in colors}) > 2, "links in different colours of closeness"
        else:
            colors = {
                c["object"]["materials"][0]["color"]
                for c in cmds
                if c["type"] == "set_object" and "/robot/" in c["path"]
            }
            assert colors == urdf_colors and len(colors) > 1, f"{title}: the arm in its URDF's colours"
            assert not any(c["type"] == "set_property" and c["property"] == "color" for c in cmds)
        want = DEMO_OVERLAYS[title]
        exact = {w for w in want if not w.endswith("*")}
        prefixes = tuple(w[:-1] for w in want if w.endswith("*"))
        assert exact <= overlays, f"{title}: lacks {exact - overlays}"
        assert all(o in exact or (prefixes and o.startswith(prefixes)) for o in overlays), (
            f"{title} draws another view's overlays: {overlays - exact}"
        )
    control = scenes[f"view{titles.index('Control: tracking a circle')}"]
    assert control[-1]["type"] == "set_animation" and control[-1]["options"]["repetitions"] > 1
    assert sum(c["type"] == "set_animation" for cmds in scenes.values() for c in cmds) == 1


def test_demo_run_ends_in_the_page(tmp_path, monkeypatch):
    import robojac.demo

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(robojac.demo, "SECTIONS", [])  # only the ending is under test here
    out = io.StringIO()
    assert robojac.demo.run("planar_2r", out=out, interactive=False) == 0
    assert "== Viewer ==" in out.getvalue() and "robojac-demo.html" in out.getvalue()
    assert "MeshCat.Viewer" in (tmp_path / "robojac-demo.html").read_text()


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_demo_on_a_terminal_serves_until_ctrl_c(tmp_path):
    import signal

    code = (
        "import sys, robojac\n"
        "from robojac.demo.viewer import end_in_viewer\n"
        "arm = robojac.load('planar_2r')\n"
        "sys.exit(end_in_viewer(arm, sys.stdout, interactive=True))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]  # a blank line, "== Viewer ==", the URL, the page
        url = re.search(r"open (http://127\.0\.0\.1:\d+/static/) in a browser", "".join(lines))
        assert url, lines
        assert "robojac-demo.html" in lines[3]
        time.sleep(1.0)
        assert proc.poll() is None, "it keeps serving"
        servers = servers_of(proc.pid)
        assert len(servers) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
    assert "MeshCat.Viewer" in (tmp_path / "robojac-demo.html").read_text()  # the page of every view, too
    assert servers_of(proc.pid) == []


def test_a_stock_meshcat_server_gets_one_command_per_request(panda):
    """A server without robojac's batch command (meshcat's own) answers it with an error;
    the viewer then sends each command on its own, and keeps working."""
    import threading

    import zmq

    ctx = zmq.Context.instance()
    rep = ctx.socket(zmq.REP)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    received: list[list[bytes]] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            if not rep.poll(50):
                continue
            frames = rep.recv_multipart()
            received.append(frames)
            if frames[0] == b"url":
                rep.send(b"http://127.0.0.1:1/static/")
            elif frames[0] == srv.BATCH:
                rep.send(b"error: unrecognized comand")
            else:
                rep.send(b"ok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        view = Viewer(panda, zmq_url=f"tcp://127.0.0.1:{port}")
        assert view.url == "http://127.0.0.1:1/static/"
        assert not view._conn.batched
        received.clear()
        view.show(panda.random_configuration(14))
        n_links = len({v.link for v in panda.visuals})
        assert [f[0] for f in received] == [b"set_transform"] * n_links
        view.close()
    finally:
        stop.set()
        thread.join()
        rep.close(linger=0)


# ---------------------------------------------------------------------------- names and non-finite geometry
SLASH_URDF = """<?xml version="1.0"?>
<robot name="slash">
  <link name="base"/>
  <link name="a/b"><visual><geometry><box size="0.1 0.2 0.3"/></geometry></visual></link>
  <link name="a_b"><visual><geometry><sphere radius="0.05"/></geometry></visual></link>
  <joint name="j1" type="revolute"><parent link="base"/><child link="a/b"/><axis xyz="0 0 1"/>
    <limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="a/b"/><child link="a_b"/><origin xyz="0 0 0.5"/><axis xyz="0 1 0"/>
    <limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
</robot>
"""


def test_scene_names_are_one_to_one():
    names = ["a/b", "a_b", "a%2Fb", "a%b", "%", "", "_", "a//b", "a%252Fb", "panda_link1"]
    cleaned = [scene.clean_name(n) for n in names]
    assert len(set(cleaned)) == len(names)
    assert all(c and "/" not in c for c in cleaned)
    assert scene.clean_name("panda_link1") == "panda_link1"  # ordinary names are unchanged


def test_links_a_slash_b_and_a_b_both_drawn_on_a_real_server(tmp_path):
    """'a/b' and 'a_b' once shared one scene path, so one link's visual replaced the other's."""
    path = tmp_path / "slash.urdf"
    path.write_text(SLASH_URDF)
    arm = robojac.load(path)
    q = np.array([0.4, -0.7])
    with Viewer(arm, q=q) as view:  # a real meshcat server on 127.0.0.1
        html = view._conn.server_html()
        geometry = {}
        for link in ("a/b", "a_b"):
            node_path = f"{view.root}/robot/{scene.clean_name(link)}"
            node = view._conn.tree.find([p for p in f"{node_path}/v0".split("/") if p])
            assert node.object is not None, link
            assert base64.b64encode(node.object).decode() in html, f"the server lacks {link}'s visual"
            geometry[link] = umsgpack.unpackb(node.object)["object"]["geometries"][0]["type"]
            pose = view._conn.tree.find([p for p in node_path.split("/") if p]).transform
            assert pose is not None and base64.b64encode(pose).decode() in html
            sent = np.asarray(umsgpack.unpackb(pose)["matrix"]).reshape(4, 4).T
            assert sent == pytest.approx(arm.fk(q, link), abs=1e-12)
    assert geometry == {"a/b": "BoxGeometry", "a_b": "SphereGeometry"}


def all_numbers(obj) -> list[float]:
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in all_numbers(v)]
    if isinstance(obj, (list, tuple)):
        return [x for v in obj for x in all_numbers(v)]
    return [obj] if isinstance(obj, float) else []


@pytest.mark.parametrize("size", [(np.nan, 0.2), (np.inf, 0.2), (-0.1, 0.2)], ids=["nan", "inf", "negative"])
def test_a_geometry_of_non_finite_size_never_reaches_the_page(tmp_path, size):
    """A <cylinder radius="nan"> once loaded, and the viewer sent a NaN camera position.

    The robot is built with the bad size directly, as a URDF may no longer load with it.
    """
    path = tmp_path / "slash.urdf"
    path.write_text(SLASH_URDF.replace('<sphere radius="0.05"/>', '<cylinder radius="0.05" length="0.2"/>'))
    good = robojac.load(path)
    vis = [v if v.link != "a_b" else dataclasses.replace(v, size=size) for v in good.visuals]
    arm = dataclasses.replace(good, visuals=tuple(vis))
    with pytest.warns(MeshWarning, match=re.escape("link 'a_b' has a cylinder of size")):
        view = Viewer(arm, server=False)
    view.frame()
    view.frame(qs=np.zeros((3, 2)), points=[[0, 0, 1]])
    view.add_text("label")
    numbers = all_numbers([c for c in view.commands if c["type"] != "set_object" or "geometries" in c["object"]])
    assert numbers and all(np.isfinite(numbers))
    cams = [c["value"] for c in view.commands if c["type"] == "set_property" and c["path"] == scene.CAMERA]
    assert len(cams) == 3 and np.isfinite(cams).all()
    assert view.skeleton and f"{view.root}/robot/a_b/v0" not in objects(view)
    assert f"{view.root}/robot/a%2Fb/v0" in objects(view)


def test_framing_ignores_non_finite_points_and_sizes():
    center, radius = scene.bounding_ball(np.array([[0, 0, 0], [1, 0, 0], [np.nan, 0, 0]]), np.array([0, np.nan, 5]))
    assert center == pytest.approx([0.5, 0, 0]) and radius == pytest.approx(0.5)
    with pytest.raises(ViewerError, match="none of the points"):
        scene.bounding_ball(np.array([[np.nan, 0, 0]]))
    for center, radius in (([0, 0, np.inf], 1.0), ([0, 0, 0], np.nan), ([0, 0, 0], np.inf)):
        with pytest.raises(ViewerError, match="cannot aim the camera"):
            scene.camera_commands(np.array(center, dtype=float), radius)


def test_public_methods_refuse_bad_numbers_and_flags(view):
    with pytest.raises(InputError, match="text must be a string"):
        view.add_text(None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="text must be a string"):
        view.add_text(12)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="size must be a positive"):
        view.add_text("x", size=-1.0)
    with pytest.raises(InputError, match="position must have shape"):
        view.add_text("x", position=[0, 0])
    with pytest.raises(InputError, match="scale must be a positive"):
        view.add_frame(scale=np.inf)
    with pytest.raises(InputError, match="scale must be a positive"):
        view.add_target(np.eye(4), scale=0.0)
    with pytest.raises(InputError, match="color"):
        view.add_arrow([0, 0, 0], [1, 0, 0], color=(0, 0, np.inf))
    with pytest.raises(InputError, match="max_radius"):
        view.add_ellipsoid("force", max_radius=np.nan)
    with pytest.raises(InputError, match="weighted must be True or False"):
        view.add_ellipsoid("force", weighted="yes")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="kind must be"):
        view.add_ellipsoid(["velocity"])
    with pytest.raises(InputError, match="threshold"):
        view.color_by_singularity(threshold=np.nan)
    with pytest.raises(InputError, match="overlays must be True or False"):
        view.frame(overlays=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="fps"):
        view.play(np.zeros((2, 7)), fps=np.inf)
    with pytest.raises(InputError, match="host must be"):
        Viewer(view.robot, host=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="server must be True or False"):
        Viewer(view.robot, server="no")  # type: ignore[arg-type]
    assert view.overlays == ()


# ---------------------------------------------------------------------------- notebooks
def test_a_viewer_shows_inline_in_jupyter(panda, tmp_path):
    from robojac.viz import Page

    view = Viewer(panda, server=False)
    cell = view._repr_html_()
    assert cell.count("<iframe") == 1 and 'srcdoc="' in cell
    srcdoc = html_unescape(cell.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert srcdoc == view.static_html()  # the whole scene, nothing fetched
    with Viewer(panda) as live:
        assert f'src="{live.url}"' in live._repr_html_()  # meshcat's own way: the server's page
    page = view.save_html(tmp_path / "p.html")
    assert html_unescape(Page(page)._repr_html_().split('srcdoc="', 1)[1].split('"', 1)[0]) == page.read_text()
    with pytest.raises(InputError, match="height"):
        view.notebook_cell(height=5)
    with pytest.raises(ViewerError, match="cannot read"):
        Page(tmp_path / "missing.html")


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_the_notebook_example_runs(tmp_path):
    """examples/viewer_notebook.ipynb, executed headless in a fresh kernel, as Jupyter would."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = Path(__file__).resolve().parent.parent / "examples" / "viewer_notebook.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    shown = [
        out["data"]["text/html"]
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "text/html" in out.get("data", {})
    ]
    assert len(shown) == 2, "the viewer and the saved page both show inline"
    assert all("<iframe srcdoc=" in h and "MeshCat.Viewer" in html_unescape(h) for h in shown)
    assert (tmp_path / "ur5_view.html").is_file()
