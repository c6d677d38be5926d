"""Time per frame update, ``viewer.show(q)``, for the Panda (goal of issue 7: ≥ 60 updates/s).

Rows, each the median of single ``show(q)`` calls over random configurations:

* live server, batched: robojac's meshcat server takes the whole pose (11 link
  transforms) in one zmq request;
* live server, one request per transform: how a stock meshcat server is driven;
* in memory (``server=False``): forward kinematics, packing and the scene mirror only;
* the same with the velocity and force ellipsoids and a wrench overlay following q;
* live server, batched, with a headless Chromium showing the page (when one is found),
  so the server also forwards every transform over the websocket.

The server runs on this machine (loopback). The numbers are the Python side's cost and
the round trip to the server, not the page's drawing (the page draws at its own rate).

Then the size of a saved page (``save_html``) for each bundled arm and for the test arm
with one mesh of each kind (tests/data/mesh_pkg), with and without sharing the mesh
that two of its links use; for a synthetic arm whose 7 links all draw one 1 MB binary
STL, with sharing and without (7 copies); and of ``robojac demo``'s page (7 views of the
Panda). ``--pages`` prints only these.

Run: .venv/bin/python benchmarks/viewer.py [--calls 500] [--pages]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

import robojac


def median_us(viewer: robojac.Viewer, qs: np.ndarray) -> float:
    times = []
    for q in qs:
        t0 = time.perf_counter_ns()
        viewer.show(q)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1e3


def watch(viewer: robojac.Viewer) -> subprocess.Popen[bytes] | None:
    """A headless Chromium on the live page for the next ~20 s, or None without one."""
    from robojac.viz.browser import HEADLESS_FLAGS, find_chromium

    exe = find_chromium()
    if exe is None or viewer.url is None:
        return None
    profile = tempfile.mkdtemp(prefix="robojac-bench-")
    args = [
        exe,
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        f"--screenshot={profile}/shot.png",
        "--timeout=20000",
        viewer.url,
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3.0)  # page load and websocket connection
    return proc


def page_sizes() -> None:
    """Bytes of a saved page: meshcat's viewer script (the same in every page) and the scene."""
    from robojac.viz.transport import viewer_js

    script = len(viewer_js().encode())
    print(f"saved pages (meshcat's viewer script alone: {script / 1e3:.0f} kB)")
    arms = {name: robojac.load(name) for name in ("panda", "ur5", "iiwa14", "planar_2r")}
    pkg = Path(__file__).resolve().parent.parent / "tests" / "data" / "mesh_pkg"
    arms["mesh_arm (tests/data)"] = robojac.load(pkg / "urdf" / "mesh_arm.urdf", package_dirs=[str(pkg.parent)])
    with tempfile.TemporaryDirectory(prefix="robojac-bench-") as tmp:
        arms["7 links, one 1 MB STL"] = seven_links_one_stl(Path(tmp), 1_000_000)
        for name, robot in arms.items():
            view = robojac.Viewer(robot, server=False)
            size = len(view.static_html().encode())
            line = f"  {name:30s} {size / 1e3:8.1f} kB, scene {(size - script) / 1e3:7.1f} kB"
            if view._conn.shared:
                view._conn.shared.clear()
                unshared = len(view.static_html().encode())
                line += f" ({(unshared - script) / 1e3:.1f} kB without sharing repeated meshes)"
            print(line)
    from robojac.demo.viewer import demo_page

    size = len(demo_page(robojac.load("panda")).encode())
    print(f"  {'robojac demo (panda, 7 views)':30s} {size / 1e3:8.1f} kB, scenes {(size - script) / 1e3:6.1f} kB")


def seven_links_one_stl(folder: Path, nbytes: int) -> robojac.Robot:
    """A 7-link arm whose links all draw one binary STL of about ``nbytes`` bytes."""
    triangles = max(1, (nbytes - 84) // 50)
    rng = np.random.default_rng(0)
    rec = np.zeros(triangles, dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["v"] = rng.uniform(-0.05, 0.05, (triangles, 3, 3))
    (folder / "link.stl").write_bytes(b"robojac bench".ljust(80, b" ") + np.uint32(triangles).tobytes() + rec.tobytes())
    links = "".join(
        f'<link name="l{i}"><visual><geometry><mesh filename="link.stl"/></geometry></visual></link>' for i in range(7)
    )
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><parent link="l{i - 1}"/><child link="l{i}"/><origin xyz="0 0 0.1"/>'
        f'<axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        for i in range(1, 7)
    )
    (folder / "seven.urdf").write_text(f'<robot name="seven">{links}{joints}</robot>')
    return robojac.load(folder / "seven.urdf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--pages", action="store_true", help="only the saved pages' sizes")
    args = parser.parse_args()
    page_sizes()
    if args.pages:
        return
    robot = robojac.load("panda")
    rng = np.random.default_rng(0)
    qs = np.array([robot.random_configuration(rng) for _ in range(args.calls)])
    rows = []
    with robojac.Viewer(robot) as live:
        median_us(live, qs[:20])  # warm up
        rows.append(("live server, batched (1 request)", median_us(live, qs)))
        live._conn.batched = False
        rows.append(("live server, 1 request per transform", median_us(live, qs)))
        live._conn.batched = True
        browser = watch(live)
        if browser is not None:
            try:
                rows.append(("live server, batched, Chromium attached", median_us(live, qs)))
            finally:
                browser.kill()
                browser.wait()
    memory = robojac.Viewer(robot, server=False)
    memory._conn.keep_log = False
    rows.append(("in memory (server=False)", median_us(memory, qs)))
    memory.add_ellipsoid("velocity")
    memory.add_ellipsoid("force")
    memory.add_wrench([0, 0, -30, 0, 0, 0])
    rows.append(("in memory + 2 ellipsoids + wrench", median_us(memory, qs)))
    print(f"viewer.show(q), Panda ({len(robot.visuals)} visuals on 11 links), median of {args.calls} calls")
    for label, us in rows:
        print(f"  {label:40s} {us:8.0f} µs  = {1e6 / us:7.0f} updates/s")


if __name__ == "__main__":
    main()
