"""The viewer in a real browser: headless Chromium (SwiftShader WebGL) renders (a) the
standalone page and (b) the live server page, and the screenshots' pixels are checked
against where robojac's kinematics put the arm.

Without Chromium these tests skip, unless REQUIRE_BROWSER=1 (CI sets it), where they
fail. With ROBOJAC_SCREENSHOT_DIR set, the screenshots that docs/viewer.md shows
(:data:`DOC_SHOTS`) are kept there, so docs/img/ is made this way:
``ROBOJAC_SCREENSHOT_DIR=docs/img pytest tests/test_browser.py``; with
ROBOJAC_SCREENSHOT_ALL=1 as well, every screenshot is kept.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import robojac
from robojac.viz import Viewer, scene
from robojac.viz import server as srv
from robojac.viz.browser import find_chromium, screenshot

pytestmark = pytest.mark.browser

W, H = 640, 480
KEEP = os.environ.get("ROBOJAC_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(
                "REQUIRE_BROWSER=1 but no Chromium was found (apt-get install chromium, or set ROBOJAC_CHROMIUM)"
            )
        pytest.skip("no Chromium on this machine (set REQUIRE_BROWSER=1 to make this a failure)")
    return exe


@pytest.fixture(autouse=True)
def no_server_left_behind():
    yield
    deadline = time.monotonic() + 5
    while srv.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.running() == [], "a meshcat server outlived its test"


#: The screenshots in docs/img/.
DOC_SHOTS = {
    "live_arm.png",
    "live_overlay.png",
    "viewer_ellipsoids.png",
    "viewer_planar.png",
    "viewer_singularity.png",
    "viewer_wrench.png",
    "viewer_meshes.png",
    "default_view_panda.png",
    "default_view_panda_from_link2.png",
    "demo_page.png",
}


def keep(png: Path, name: str) -> None:
    if KEEP and (name in DOC_SHOTS or os.environ.get("ROBOJAC_SCREENSHOT_ALL") == "1"):
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, Path(KEEP) / name)


def pixels(png: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(png) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def shot_static(viewer: Viewer, tmp_path: Path, name: str, chromium: str, size: tuple[int, int] = (W, H)) -> np.ndarray:
    page = viewer.save_html(tmp_path / f"{name}.html")
    png = screenshot(str(page), tmp_path / f"{name}.png", size=size, budget_ms=2500, chromium=chromium)
    keep(png, f"{name}.png")
    return pixels(png)


def project(viewer: Viewer, points: np.ndarray, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """Pixel (u, v) of base-frame points [m] through the page's camera, as framed by the viewer."""
    center, radius, direction = viewer.view
    eye = direction * scene.FRAME_MARGIN * radius / np.sin(np.radians(scene.CAMERA_FOV_DEG / 2))
    fwd = -eye / np.linalg.norm(eye)
    right = np.cross(fwd, viewer.up)
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    f = (size[1] / 2) / np.tan(np.radians(scene.CAMERA_FOV_DEG / 2))
    rel = np.atleast_2d(points) - center - eye  # the page draws the scene shifted by −center
    z = rel @ fwd
    return np.column_stack((size[0] / 2 + f * (rel @ right) / z, size[1] / 2 - f * (rel @ up) / z))


def changed(a: np.ndarray, b: np.ndarray, tol: int = 40) -> np.ndarray:
    return np.abs(a - b).sum(axis=2) > tol


def changed_near(mask: np.ndarray, uv: np.ndarray, r: int = 12) -> bool:
    u, v = (int(x + 0.5) for x in uv)
    return bool(mask[max(v - r, 0) : v + r, max(u - r, 0) : u + r].any())


def red(img: np.ndarray) -> np.ndarray:
    return (img[..., 0] > 150) & (img[..., 1] < 70) & (img[..., 2] < 70)


def orange(img: np.ndarray) -> np.ndarray:
    return (img[..., 0] > 150) & (img[..., 1] > 50) & (img[..., 1] < 0.8 * img[..., 0]) & (img[..., 2] < 60)


def link_points(robot, q) -> np.ndarray:
    return np.array([robot.fk(q, link)[:3, 3] for link in ("panda_link3", "panda_link5", "panda_hand")])


Q1 = np.array([0.0, -0.3, 0.0, -2.2, 0.0, 2.0, 0.8])
Q2 = np.array([1.2, 0.4, 0.3, -1.2, 0.5, 1.0, -0.5])


def test_static_page_draws_the_arm_where_fk_puts_it(panda, tmp_path, chromium):
    t0 = time.monotonic()
    view = Viewer(panda, server=False, q=Q1)
    view.frame(qs=[Q1, Q2])
    arm = shot_static(view, tmp_path, "static_arm", chromium)
    view.send([scene.set_property(view.root + "/robot", "visible", False)])
    empty = shot_static(view, tmp_path, "static_empty", chromium)
    view.send([scene.set_property(view.root + "/robot", "visible", True)])
    drawn = changed(arm, empty)
    assert drawn.mean() > 0.01, "the arm covers part of the picture"
    for uv in project(view, link_points(panda, Q1)):
        assert changed_near(drawn, uv), f"no arm drawn near {uv}, where fk projects a link"
    # another q: the picture changes where the arm was and where it now is
    view.show(Q2)
    moved = shot_static(view, tmp_path, "static_moved", chromium)
    diff = changed(arm, moved)
    for uv in project(view, link_points(panda, Q2)[1:]):
        assert changed_near(diff, uv)
    assert changed_near(diff, project(view, panda.fk(Q1)[:3, 3])[0])
    # an overlay adds pixels of its colour: an opaque orange force ellipsoid and a red force arrow
    before_orange, before_red = orange(moved).sum(), red(moved).sum()
    view.add_ellipsoid("force", color=(1.0, 0.5, 0.0, 1.0), scale=0.02)
    view.add_wrench([0.0, 0.0, -40.0, 0.0, 0.0, 0.0], force_scale=0.008)
    over = shot_static(view, tmp_path, "static_overlays", chromium)
    assert orange(over).sum() > before_orange + 300
    assert red(over).sum() > before_red + 100
    tip = panda.fk(Q2)[:3, 3]
    assert changed_near(orange(over) & ~orange(moved), project(view, tip)[0], r=40)
    assert changed_near(red(over) & ~red(moved), project(view, tip - [0, 0, 0.2])[0], r=25)
    print(f"static page: 4 screenshots in {time.monotonic() - t0:.1f} s")


def live_shot(view: Viewer, tmp_path: Path, name: str, chromium: str, ok, wait: float = 2.0) -> np.ndarray:
    """Screenshot of the live page; the scene arrives over a websocket in real time, so a
    picture that does not pass ``ok`` yet is retaken after a longer wait."""
    for attempt in range(3):
        png = screenshot(view.url, tmp_path / f"{name}.png", size=(W, H), wait=wait * 2**attempt, chromium=chromium)
        img = pixels(png)
        if ok(img):
            break
    keep(png, f"{name}.png")
    return img


def test_live_server_page_shows_show_and_overlays(panda, tmp_path, chromium):
    t0 = time.monotonic()
    with Viewer(panda, q=Q1) as view:
        view.frame(qs=[Q1, Q2])
        view.send([scene.set_property(view.root + "/robot", "visible", False)])
        empty = live_shot(view, tmp_path, "live_empty", chromium, lambda img: img.std() > 5)
        view.send([scene.set_property(view.root + "/robot", "visible", True)])
        arm = live_shot(view, tmp_path, "live_arm", chromium, lambda img: changed(img, empty).mean() > 0.01)
        drawn = changed(arm, empty)
        assert drawn.mean() > 0.01
        for uv in project(view, link_points(panda, Q1)):
            assert changed_near(drawn, uv), f"no arm drawn near {uv}, where fk projects a link"
        view.show(Q2)  # one batched request; the browser gets it on load from the server's scene
        moved = live_shot(view, tmp_path, "live_moved", chromium, lambda img: changed(img, arm).mean() > 0.005)
        diff = changed(arm, moved)
        for uv in project(view, link_points(panda, Q2)[1:]):
            assert changed_near(diff, uv)
        view.add_wrench([0.0, 0.0, -40.0, 0.0, 0.0, 0.0], force_scale=0.008)
        over = live_shot(view, tmp_path, "live_overlay", chromium, lambda img: red(img).sum() > red(moved).sum() + 100)
        assert red(over).sum() > red(moved).sum() + 100
        pid = view.server_pid
    assert pid not in srv.running()
    print(f"live page: 4 screenshots in {time.monotonic() - t0:.1f} s")


def test_docs_screenshots(tmp_path, chromium):
    """The pictures of docs/viewer.md, each checked for what it is meant to show."""
    size = (800, 600)
    ur5 = robojac.load("ur5")
    q = np.array([0.3, -1.3, 1.6, -1.2, 1.1, 0.4])
    view = Viewer(ur5, server=False, q=q)
    view.add_frame(scale=0.15)
    view.add_ellipsoid("velocity")
    view.add_ellipsoid("force")
    view.frame()
    img = shot_static(view, tmp_path, "viewer_ellipsoids", chromium, size)
    assert ((img[..., 2] > 180) & (img[..., 0] < 120) & (img[..., 1] < 170)).sum() > 0  # blue ellipsoid
    assert orange(img).sum() > 100

    view.clear()
    view.color_by_singularity(threshold=0.1)
    q_wrist = q.copy()
    q_wrist[4] = 0.02  # near the wrist singularity
    view.show(q_wrist)
    view.frame()
    view.add_text(f"σ_min = {view.overlay_info('singularity')['sigma_min']:.3f}")
    img = shot_static(view, tmp_path, "viewer_singularity", chromium, size)
    assert red(img).sum() > 2000, "the arm turns red near the wrist singularity"

    panda = robojac.load("panda")
    view = Viewer(panda, server=False, q=Q1)
    view.add_frame(scale=0.15)
    view.add_wrench([15.0, 0.0, -40.0, 0.0, 4.0, 0.0], force_scale=0.006, torque_scale=0.05)
    view.frame()
    img = shot_static(view, tmp_path, "viewer_wrench", chromium, size)
    tip = panda.fk(Q1)[:3, 3]
    f_tip = tip + 0.006 * np.array([15.0, 0.0, -40.0])
    assert changed_near(red(img), project(view, 0.5 * (tip + f_tip), size)[0], r=20)  # the force arrow

    arm2 = robojac.load("planar_2r")
    view = Viewer(arm2, server=False, q=[0.4, 1.2])
    qs = np.linspace([0.4, 1.2], [1.6, 0.2], 30)
    view.add_tool_path(qs)
    target = arm2.fk([1.6, 0.2])
    view.add_target(target, scale=0.1)
    view.add_ellipsoid("velocity")
    view.frame(qs=qs)
    img = shot_static(view, tmp_path, "viewer_planar", chromium, size)
    assert changed_near(img[..., 0] > 200, project(view, target[:3, 3], size)[0], r=30)  # the pink target


# ---------------------------------------------------------------------------- the default view
def offset_root_urdf(tmp_path: Path) -> Path:
    """The bundled UR5 bolted to a table: the URDF's root is 0.8 m below and 0.3 m
    beside the arm's first link, turned 90° about z."""
    text = (Path(robojac.__file__).parent.parent / "urdf" / "ur5.urdf").read_text()
    root = text.split('<link name="', 1)[1].split('"', 1)[0]
    joint = (
        '<link name="table_world"/><joint name="table_mount" type="fixed"><parent link="table_world"/>'
        f'<child link="{root}"/><origin xyz="0.3 0 0.8" rpy="0 0 1.5708"/></joint>'
    )
    path = tmp_path / "ur5_on_table.urdf"
    path.write_text(text.replace("</robot>", joint + "</robot>"))
    return path


DEFAULT_VIEWS = {
    "panda": lambda tmp: robojac.load("panda"),
    "ur5": lambda tmp: robojac.load("ur5"),
    "iiwa14": lambda tmp: robojac.load("iiwa14"),
    "planar_2r": lambda tmp: robojac.load("planar_2r"),
    "panda_from_link2": lambda tmp: robojac.load("panda", base="panda_link2"),
    "ur5_on_table": lambda tmp: robojac.load(offset_root_urdf(tmp), base=robojac.load("ur5").base),
}


def green(img: np.ndarray) -> np.ndarray:
    return (img[..., 1] > 150) & (img[..., 0] < 90) & (img[..., 2] < 90)


def centroid(mask: np.ndarray) -> np.ndarray:
    v, u = np.nonzero(mask)
    return np.array([u.mean(), v.mean()])


@pytest.mark.parametrize("arm", sorted(DEFAULT_VIEWS))
def test_default_view_stands_the_arm_on_the_floor_in_frame(arm, tmp_path, chromium):
    """The default view, as the page draws it: up is up on the screen, the floor lies
    under the base, and the whole arm is in the picture with a margin.

    A red marker at the base origin and a green one 0.5 m above it (the URDF root's up),
    on their own: the green one must be drawn higher. The floor's pixels (the picture
    less the same without the floor) must lie mostly below the green marker and reach
    below the base. The arm's pixels (against the page without the arm) must stay 3 % of
    the picture's size from its edges."""
    robot = DEFAULT_VIEWS[arm](tmp_path)
    view = Viewer(robot, server=False)
    up = view.up
    robot_node, floor = view.root + "/robot", view.root + "/floor"
    hide = lambda path, hidden: view.send([scene.set_property(path, "visible", not hidden)])  # noqa: E731
    full = shot_static(view, tmp_path, f"default_view_{arm}", chromium)
    hide(robot_node, True)
    no_arm = shot_static(view, tmp_path, f"{arm}_no_arm", chromium)
    view.send(
        [
            scene.set_object(view.root + "/mark_base", scene.sphere(0.03, (1.0, 0.0, 0.0, 1.0))),
            scene.set_object(view.root + "/mark_up", scene.sphere(0.03, (0.0, 1.0, 0.0, 1.0))),
            scene.set_transform(view.root + "/mark_up", scene.translation(0.5 * up)),
        ]
    )
    marks = shot_static(view, tmp_path, f"{arm}_marks", chromium)
    hide(floor, True)
    no_floor = shot_static(view, tmp_path, f"{arm}_no_floor", chromium)

    base_uv, up_uv = centroid(red(marks)), centroid(green(marks))
    assert up_uv[1] < base_uv[1] - 20, (
        f"the marker 0.5 m above the base is drawn at {up_uv}, not above the base at {base_uv}"
    )
    grid = changed(marks, no_floor, tol=25)
    assert grid.mean() > 0.01, "the floor is drawn"
    v = np.nonzero(grid)[0]
    assert np.median(v) > up_uv[1], "the floor lies below the height of the arm, not across its shoulders"
    assert v.max() > base_uv[1] + 30, "the floor reaches the bottom of the picture, under the base"
    arm_px = changed(full, no_arm)
    assert arm_px.mean() > 0.005, "the arm is drawn"
    vv, uu = np.nonzero(arm_px)
    mu, mv = 0.03 * W, 0.03 * H
    assert uu.min() > mu and uu.max() < W - mu and vv.min() > mv and vv.max() < H - mv, (
        f"the arm's pixels span u {uu.min()}..{uu.max()}, v {vv.min()}..{vv.max()} in a {W}×{H} picture"
    )


# ---------------------------------------------------------------------------- real meshes
MESH_PKG = Path(__file__).resolve().parent / "data" / "mesh_pkg"
#: Each mesh link of the test arm, and the centre of its box in the link frame [m].
MESH_CENTRES = {
    "stl_binary": [0.0, 0.0, 0.1],
    "stl_ascii": [0.0, 0.0, 0.1],
    "obj": [0.0, 0.0, 0.09],
    "dae": [0.0, 0.0, 0.075],
    "stl_again": [0.0, 0.0, 0.05],
    "painted": [0.0, 0.0, 0.075],
}


def blue(img: np.ndarray) -> np.ndarray:
    return (img[..., 2] > 150) & (img[..., 0] < 90) & (img[..., 1] < 120)


def green_kd(img: np.ndarray) -> np.ndarray:
    return (img[..., 1] > 100) & (img[..., 1] > img[..., 0] + 60) & (img[..., 1] > img[..., 2] + 40)


def magenta(img: np.ndarray) -> np.ndarray:
    return (img[..., 0] > 120) & (img[..., 2] > 100) & (img[..., 1] < 0.5 * img[..., 0])


def test_each_mesh_kind_is_drawn(tmp_path, chromium):
    """Binary and ASCII STL, OBJ (scaled), Collada (millimetres, own colours), a repeated
    STL and an OBJ with a material library (own colours): each, hidden, takes away pixels where fk puts its box, and nowhere else
    far from it. The Collada part shows its own red and blue, the OBJ + MTL part its green
    and magenta (drawn grey if the library were ignored)."""
    size = (800, 600)
    arm = robojac.load(MESH_PKG / "urdf" / "mesh_arm.urdf", package_dirs=[str(MESH_PKG.parent)])
    view = Viewer(arm, server=False)
    full = shot_static(view, tmp_path, "viewer_meshes", chromium, size)
    q = view.q
    for link, centre in MESH_CENTRES.items():
        node = f"{view.root}/robot/{link}/v0"
        view.send([scene.set_property(node, "visible", False)])
        without = shot_static(view, tmp_path, f"meshes_without_{link}", chromium, size)
        view.send([scene.set_property(node, "visible", True)])
        drawn = changed(full, without)
        assert drawn.sum() > 150, f"the {link} mesh covers part of the picture"
        uv = project(view, (arm.fk(q, link) @ [*centre, 1.0])[:3], size)[0]
        assert changed_near(drawn, uv, r=25), f"the {link} mesh is not drawn near {uv}, where fk puts it"
        vv, uu = np.nonzero(drawn)
        assert np.abs(uu - uv[0]).max() < 150 and np.abs(vv - uv[1]).max() < 150, f"the {link} mesh is drawn far off"
        if link == "dae":
            assert (red(full) & drawn).sum() > 50 and (blue(full) & drawn).sum() > 20, "the Collada file's own colours"
        if link == "painted":  # the OBJ file's material library: a green box under a magenta cap
            assert (green_kd(full) & drawn).sum() > 100 and (magenta(full) & drawn).sum() > 50, "the .mtl's Kd colours"


# ---------------------------------------------------------------------------- the demo page
def saturated(img: np.ndarray) -> np.ndarray:
    return (img.max(axis=2) - img.min(axis=2)) > 80


#: The colour of each capability that only its own view may show, as the page draws it:
#: (view title, mask of the picture, applied to that view's overlay pixels or arm pixels).
DEMO_SIGNATURES = {
    "target ball (pink)": (
        "Inverse kinematics: target and answer",
        lambda i: (
            (i[..., 0] > 110) & (i[..., 1] < 70) & (i[..., 2] > 60) & (i[..., 2] < 170) & (i[..., 0] > i[..., 2] + 15)
        ),
        "overlay",
    ),
    "ellipsoid (orange)": (
        "Manipulability ellipsoids",
        lambda i: (
            (i[..., 0] > 130) & (i[..., 1] > 60) & (i[..., 1] < 130) & (i[..., 2] < 80) & (i[..., 0] > i[..., 1] + 40)
        ),
        "overlay",
    ),
    "joint torques (purple)": (
        "Statics: payload and joint torques",
        lambda i: (
            (i[..., 2] > 120) & (i[..., 0] > 70) & (i[..., 0] < 170) & (i[..., 1] < 50) & (i[..., 2] > i[..., 0] + 30)
        ),
        "overlay",
    ),
    # The control view's yellow circle is not here: its arm loops over the thin circle, so its
    # pixel count at the screenshot's moment varies (34 to 60 seen); the per-view checks
    # above (overlay drawn, in frame, where its points project) cover that view.
    "singularity colours": ("Singularity", saturated, "arm"),
}


def test_demo_page_shows_each_capability_in_its_own_view(panda, tmp_path, chromium):
    """`robojac demo`'s page, in one screenshot of its grid of views. In each view: the arm
    (the page less the same without the arms) is whole in its pane, with a margin; the
    view's overlay (the page less the same without the overlays) is drawn inside the pane,
    where that view's camera projects it; and each capability's own colour (the pink
    target, the orange ellipsoid, the purple torques, the coloured
    links of the singularity view) is drawn in its view and hardly anywhere else. A page
    with one crowded view fails all of this."""
    from robojac.demo.viewer import demo_page, demo_views
    from robojac.viz.gallery import cell, page_size

    views = demo_views(panda)
    size = page_size(len(views))
    titles = [v.title for v in views]

    def shot(name: str) -> np.ndarray:
        page = tmp_path / f"{name}.html"
        page.write_text(demo_page(panda, views), encoding="utf-8")
        png = screenshot(str(page), tmp_path / f"{name}.png", size=size, budget_ms=2500, chromium=chromium)
        keep(png, f"{name}.png")
        return pixels(png)

    def hide(node: str, hidden: bool) -> None:
        for v in views:
            v.viewer.send([scene.set_property(f"{v.viewer.root}/{node}", "visible", not hidden)])

    full = shot("demo_page")
    hide("robot", True)
    no_arm = shot("demo_no_arm")
    hide("robot", False)
    hide("overlays", True)
    no_overlays = shot("demo_no_overlays")
    arm_px, overlay_px = changed(full, no_arm), changed(full, no_overlays)
    counts: dict[str, list[int]] = {}
    for i, v in enumerate(views):
        left, top, w, h = cell(i)
        box = (slice(top, top + h), slice(left, left + w))
        arm, over = arm_px[box], overlay_px[box]
        assert arm.mean() > 0.01, f"{v.title}: the arm is drawn"
        vv, uu = np.nonzero(arm)
        assert uu.min() > 0.03 * w and uu.max() < 0.97 * w and vv.min() > 0.03 * h and vv.max() < 0.97 * h, (
            f"{v.title}: the arm spans u {uu.min()}..{uu.max()}, v {vv.min()}..{vv.max()} of its {w}×{h} view"
        )
        for name, (_, mask, where) in DEMO_SIGNATURES.items():
            on = mask(full[box]) & (over if where == "overlay" else arm & ~over)
            counts.setdefault(name, []).append(int(on.sum()))
        if v.title == "Singularity":
            continue  # its overlay is the arm's colours, counted above
        assert over.sum() > 40, f"{v.title}: its overlay is drawn"
        vv, uu = np.nonzero(over)
        assert uu.min() > 2 and uu.max() < w - 3 and vv.min() > 2 and vv.max() < h - 3, f"{v.title}: overlay in frame"
        extents = [v.viewer.overlay_info(n).get("extent") for n in v.viewer.overlays]
        points = np.vstack([np.reshape(e, (-1, 3)) for e in extents if e is not None])
        uv = project(v.viewer, points, (w, h))
        assert any(changed_near(over, p, r=15) for p in uv), f"{v.title}: the overlay is drawn where its points project"
    for name, (title, _, _) in DEMO_SIGNATURES.items():
        own = counts[name][titles.index(title)]
        others = max(c for j, c in enumerate(counts[name]) if j != titles.index(title))
        assert own > 60 and own > 3 * others, f"{name}: {own} px in '{title}', up to {others} in another view"
