"""The collision model, its queries and the distance Jacobian (against central finite differences)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import coal
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import robojac
from robojac.collision import CollisionModel, distances, raw_distances
from robojac.errors import FrameError, InputError, ModelError


def _fd_check(cm: CollisionModel, q: np.ndarray, h: float = 1e-5) -> list[float]:
    """Relative errors |J − J_fd| / max(|J_fd|, 1e-2) of every separated pair's distance row at q."""
    c = distances(cm, q, jacobians=True)
    eye = np.eye(cm.robot.dof)
    fd = np.array([(raw_distances(cm, q + h * e) - raw_distances(cm, q - h * e)) / (2 * h) for e in eye]).T
    errs = []
    for k, p in enumerate(c.pairs):
        if p.distance > 1e-3:
            assert p.jacobian is not None
            errs.append(float(np.linalg.norm(p.jacobian - fd[k]) / max(np.linalg.norm(fd[k]), 1e-2)))
    return errs


@pytest.mark.parametrize("name", ["panda", "ur5", "iiwa14", "planar_2r"])
def test_distance_jacobian_matches_finite_differences(name: str) -> None:
    robot = robojac.load(name)
    cm = CollisionModel(robot)
    # The bundled arms collide as capsules (and the hand as boxes): coal's distances to
    # them are closed-form or GJK on polytope cores, so the rows are exact. With the old
    # cylinders, GJK stopped on the curved rims with witness points ~1e-6 m off, and the
    # median error was ~8e-6 with a third of the rows under 1e-6.
    assert {s.kind for s in cm.shapes} <= {"capsule", "box"}
    cm.add_obstacle("ball", "sphere", 0.1, (0.4, 0.2, 0.5))
    cm.add_obstacle("floor", "plane", (), (0, 0, -0.05))
    tilted = robojac.pose.from_rotation(Rotation.from_euler("xyz", [0.3, 0.2, 0.1]), (-0.3, 0.3, 0.4))
    if name == "planar_2r":  # tilted so that no face is parallel to the arm's plane: unique witness points
        tilted = robojac.pose.from_rotation(Rotation.from_euler("xyz", [0.5, 0.4, 0.1]), (-0.3, 0.4, 0.05))
    cm.add_obstacle("crate", "box", (0.2, 0.1, 0.3), tilted)
    cm.add_obstacle("post", "capsule", (0.05, 0.6), (0.2, -0.5, 0.3))
    rng = np.random.default_rng(1)
    errs: list[float] = []
    for _ in range(4):
        errs += _fd_check(cm, robot.random_configuration(rng))
    assert len(errs) > 20
    # 1e-6 relative where the witness points are unique; a row at a kink (a witness point
    # switching between a face and an edge, or a parallel pair) may miss, hence the share.
    assert float(np.median(errs)) < 1e-6
    assert np.mean(np.array(errs) < 1e-6) > 0.95


def test_urdf_capsules_are_read_as_pinocchio_reads_them(tmp_path: Path) -> None:
    import pinocchio as pin

    urdf = tmp_path / "caps.urdf"
    urdf.write_text("""<robot name="caps">
      <link name="a"><collision name="a_c"><geometry><cylinder radius="0.05" length="0.3"/></geometry></collision>
        <collision_checking><capsule name="a_c"/></collision_checking></link>
      <link name="b">
        <collision name="b_c"><origin xyz="0 0 0.2"/><geometry><cylinder radius="0.04" length="0.2"/></geometry></collision>
        <collision name="b_d"><origin xyz="0 0 0.4"/><geometry><cylinder radius="0.03" length="0.1"/></geometry></collision>
        <collision_checking><capsule name="b_c"/></collision_checking></link>
      <joint name="j" type="revolute"><parent link="a"/><child link="b"/><origin xyz="0 0 0.5"/><axis xyz="0 1 0"/>
        <limit lower="-1" upper="1" effort="1" velocity="1"/></joint></robot>""")
    cm = CollisionModel(robojac.load(urdf))
    assert [(s.kind, s.size) for s in cm.shapes] == [
        ("capsule", (0.05, 0.3)),
        ("capsule", (0.04, 0.2)),
        ("cylinder", (0.03, 0.1)),
    ]
    model = pin.buildModelFromUrdf(str(urdf))
    ref = pin.buildGeomFromUrdf(model, str(urdf), pin.GeometryType.COLLISION)
    kinds = [type(o.geometry).__name__ for o in ref.geometryObjects]
    assert kinds == ["Capsule", "Capsule", "Cylinder"]
    # coal's capsule length is its axis, without the caps: the same number in both readings
    assert ref.geometryObjects[1].geometry.halfLength == pytest.approx(0.1)
    assert ref.geometryObjects[1].geometry.radius == pytest.approx(0.04)
    assert cm.scratch()[0].geom.geometryObjects[1].geometry.halfLength == pytest.approx(0.1)


def _stl_icosphere(path: Path, radius: float) -> None:
    """An ASCII STL of a subdivided icosahedron: a convex mesh with unique witness points almost everywhere."""
    t = (1 + 5**0.5) / 2
    v = [
        (-1, t, 0),
        (1, t, 0),
        (-1, -t, 0),
        (1, -t, 0),
        (0, -1, t),
        (0, 1, t),
        (0, -1, -t),
        (0, 1, -t),
        (t, 0, -1),
        (t, 0, 1),
        (-t, 0, -1),
        (-t, 0, 1),
    ]
    f = [
        (0, 11, 5),
        (0, 5, 1),
        (0, 1, 7),
        (0, 7, 10),
        (0, 10, 11),
        (1, 5, 9),
        (5, 11, 4),
        (11, 10, 2),
        (10, 7, 6),
        (7, 1, 8),
        (3, 9, 4),
        (3, 4, 2),
        (3, 2, 6),
        (3, 6, 8),
        (3, 8, 9),
        (4, 9, 5),
        (2, 4, 11),
        (6, 2, 10),
        (8, 6, 7),
        (9, 8, 1),
    ]
    verts = [np.array(p, float) / np.linalg.norm(p) for p in v]
    tris = []
    for a, b, c in f:
        ab, bc, ca = [(verts[x] + verts[y]) / np.linalg.norm(verts[x] + verts[y]) for x, y in ((a, b), (b, c), (c, a))]
        tris += [(verts[a], ab, ca), (ab, verts[b], bc), (ca, bc, verts[c]), (ab, bc, ca)]
    lines = ["solid s"]
    for tri in tris:
        lines.append("facet normal 0 0 0\nouter loop")
        lines += [f"vertex {x * radius} {y * radius} {z * radius}" for x, y, z in tri]
        lines.append("endloop\nendfacet")
    path.write_text("\n".join([*lines, "endsolid s\n"]))


MESH_ARM = """<robot name="mesh_arm">
  <link name="base"><collision><geometry><box size="0.2 0.2 0.1"/></geometry></collision></link>
  <link name="l1"><collision><origin xyz="0 0 0.2"/><geometry><mesh filename="{mesh}" scale="1 1 2"/></geometry></collision></link>
  <link name="l2"><collision><origin xyz="0.2 0 0"/><geometry><mesh filename="{mesh}" scale="1.5 1 1"/></geometry></collision></link>
  <link name="l3"><collision><origin xyz="0.15 0 0"/><geometry><sphere radius="0.05"/></geometry></collision></link>
  <joint name="j1" type="revolute"><parent link="base"/><child link="l1"/><origin xyz="0 0 0.05"/><axis xyz="0 0 1"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="l1"/><child link="l2"/><origin xyz="0 0 0.4"/><axis xyz="0 1 0"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <joint name="j3" type="revolute"><parent link="l2"/><child link="l3"/><origin xyz="0.4 0 0"/><axis xyz="0 1 0"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
</robot>"""


@pytest.fixture(scope="module")
def mesh_arm(tmp_path_factory: pytest.TempPathFactory) -> robojac.Robot:
    d = tmp_path_factory.mktemp("mesh_arm")
    _stl_icosphere(d / "ball.stl", 0.06)
    (d / "arm.urdf").write_text(MESH_ARM.format(mesh="ball.stl"))
    return robojac.load(d / "arm.urdf", tip="l3")


def test_distance_jacobian_on_mesh_geometry(mesh_arm: robojac.Robot) -> None:
    cm = CollisionModel(mesh_arm)
    cm.add_obstacle("ball", "sphere", 0.08, (0.3, 0.3, 0.5))
    cm.add_obstacle(
        "hull", "mesh", (2.0, 1.0, 1.0), (0.0, -0.4, 0.6), mesh=str(Path(mesh_arm.source).parent / "ball.stl")
    )
    rng = np.random.default_rng(3)
    errs: list[float] = []
    for _ in range(6):
        errs += _fd_check(cm, mesh_arm.random_configuration(rng))
    assert len(errs) > 10
    # Convex hulls are polytopes, on which GJK ends exactly: rows match to 1e-6 relative,
    # except a row whose witness point sits at a kink (a vertex-edge switch).
    assert float(np.median(errs)) < 1e-6
    assert np.mean(np.array(errs) < 1e-6) > 0.9


SPHERE_ARM = """<robot name="balls">
  <link name="base"><collision><geometry><sphere radius="0.08"/></geometry></collision></link>
  <link name="a"><collision><origin xyz="0 0 0.25"/><geometry><sphere radius="0.06"/></geometry></collision></link>
  <link name="b"><collision><origin xyz="0.2 0.05 0"/><geometry><sphere radius="0.05"/></geometry></collision>
                 <collision><origin xyz="0.35 0 0.02"/><geometry><box size="0.06 0.05 0.04"/></geometry></collision></link>
  <link name="c"><collision><origin xyz="0.1 0 0"/><geometry><sphere radius="0.04"/></geometry></collision></link>
  <joint name="j1" type="revolute"><parent link="base"/><child link="a"/><origin xyz="0 0 0.05"/><axis xyz="0 0 1"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="a"/><child link="b"/><origin xyz="0 0 0.4"/><axis xyz="0 1 0"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
  <joint name="j3" type="revolute"><parent link="b"/><child link="c"/><origin xyz="0.4 0 0"/><axis xyz="0.3 1 0.2"/>
    <limit lower="-3" upper="3" effort="1" velocity="1"/></joint>
</robot>"""


def test_distance_jacobian_exact_on_analytic_pairs(tmp_path: Path) -> None:
    (tmp_path / "balls.urdf").write_text(SPHERE_ARM)
    robot = robojac.load(tmp_path / "balls.urdf", tip="c")
    cm = CollisionModel(robot)
    cm.add_obstacle("ball", "sphere", 0.1, (0.3, 0.3, 0.5))
    cm.add_obstacle("floor", "plane", (), (0, 0, -0.2))
    rng = np.random.default_rng(5)
    errs: list[float] = []
    for _ in range(8):
        errs += _fd_check(cm, robot.random_configuration(rng), h=1e-6)
    assert len(errs) > 20
    assert max(errs) < 1e-6  # sphere-sphere, sphere-plane: coal's distances are closed-form


def test_distances_agree_with_an_independent_coal_query(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda, obstacles=[("pillar", "box", (0.1, 0.1, 1.0), (0.5, 0.0, 0.5))])
    q = np.array([0.3, -0.2, 0.1, -2.0, 0.2, 1.8, 0.5])
    c = distances(cm, q)
    pair = next(p for p in c.pairs if p.second == "pillar" and p.first == "panda_hand")
    # panda_hand's box, placed by fk, against the pillar, straight through coal
    T = panda.fk(q, "panda_hand") @ np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0.03], [0, 0, 0, 1.0]])
    req, res = coal.DistanceRequest(), coal.DistanceResult()
    coal.distance(
        coal.Box(0.04, 0.2, 0.06),
        coal.Transform3s(T[:3, :3], T[:3, 3]),
        coal.Box(0.1, 0.1, 1.0),
        coal.Transform3s(np.eye(3), np.array([0.5, 0, 0.5])),
        req,
        res,
    )
    assert pair.distance == pytest.approx(res.min_distance, abs=1e-6)
    assert np.linalg.norm(pair.point2 - pair.point1) == pytest.approx(abs(pair.distance), abs=1e-6)


def test_pair_filtering_and_collisions(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda)
    names = set(cm.pairs)
    assert ("panda_link1", "panda_link2") not in names  # adjacent
    assert cm.disabled[("panda_link1", "panda_link2")] == "adjacent"
    assert not cm.in_collision(panda.neutral())  # contact pairs at neutral are dropped
    # Folding the elbow fully back puts the hand against the base and the upper arm.
    folded = np.array([0.0, 0.0, 0.0, -3.0, 0.0, 0.6, 0.0])
    hits = cm.collisions(folded)
    assert ("panda_link0", "panda_hand") in hits and ("panda_link2", "panda_hand") in hits
    assert cm.collisions(folded, first=True) == hits[:1]
    # Reaching down puts the hand through the floor.
    cm_ground = CollisionModel(panda, obstacles=[("floor", "plane", (), (0, 0, 0.0))])
    down = np.array([0.0, 1.5, 0.0, -0.5, 0.0, 1.5, 0.0])
    assert ("panda_hand", "floor") in cm_ground.collisions(down)
    assert cm_ground.distances(down).in_collision


def test_obstacles_add_and_remove(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda)
    n = len(cm.pairs)
    cm.add_obstacle("wall", "box", (0.05, 2.0, 2.0), (0.45, 0.0, 0.5))
    assert len(cm.pairs) > n and "wall" in cm.obstacles
    q = panda.neutral()
    assert cm.in_collision(q) == (distances(cm, q).distance < 0)
    cm.remove_obstacle("wall")
    assert len(cm.pairs) == n
    with pytest.raises(FrameError, match="wal"):
        cm.remove_obstacle("wal")


def test_margin_pads_every_pair(panda: robojac.Robot) -> None:
    q = panda.neutral()
    ball = [("ball", "sphere", 0.05, (0.6, 0.0, 0.5))]
    d = min(p.distance for p in CollisionModel(panda, obstacles=ball).distances(q).pairs if p.second == "ball")
    assert d > 0
    padded = CollisionModel(panda, margin=d + 0.01, obstacles=ball)
    assert ("ball" in {b for _, b in padded.collisions(q)}) and padded.in_collision(q)
    assert not CollisionModel(panda, margin=max(d - 0.01, 0.0), obstacles=ball).in_collision(q)


def test_srdf_disables_pairs(panda: robojac.Robot, tmp_path: Path) -> None:
    srdf = tmp_path / "p.srdf"
    srdf.write_text(
        '<robot name="panda"><disable_collisions link1="panda_link1" link2="panda_link5" reason="x"/></robot>'
    )
    cm = CollisionModel(panda, srdf=srdf)
    assert cm.disabled[("panda_link1", "panda_link5")] == "srdf"
    assert ("panda_link1", "panda_link5") not in cm.pairs


def test_no_collision_elements_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "bare.urdf"
    p.write_text("""<robot name="bare"><link name="a"/><link name="b"/>
      <joint name="j" type="revolute"><parent link="a"/><child link="b"/><axis xyz="0 0 1"/>
      <limit lower="-1" upper="1" effort="1" velocity="1"/></joint></robot>""")
    with pytest.raises(ModelError, match="no <collision>"):
        CollisionModel(robojac.load(p))


def test_queries_are_thread_safe(panda: robojac.Robot) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cm = CollisionModel(panda, obstacles=[("floor", "plane", (), (0, 0, 0.0))])
    qs = [panda.random_configuration(i) for i in range(40)]
    serial = [cm.distances(q).distance for q in qs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda q: cm.distances(q).distance, qs))
    # coal warm-starts GJK/EPA from a thread's previous query: equal to their tolerances
    # (EPA: 1e-6 m on penetration depths), not bitwise
    assert threaded == pytest.approx(serial, abs=1e-5)
    assert all(math.isfinite(d) for d in serial)


def test_ik_with_collision_returns_only_collision_free_answers(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda, obstacles=[("table", "plane", (), (0, 0, 0.0))])
    rng = np.random.default_rng(7)
    solved = tried = 0
    while tried < 40:
        q = panda.random_configuration(rng)
        if cm.in_collision(q):
            continue
        tried += 1
        res = robojac.solve_ik(panda, panda.fk(q), collision=cm, timeout=0.05)
        if res.success:
            solved += 1
            assert distances(cm, res.q).distance >= 0  # re-checked by the distance query, not the collision test
        else:
            assert "collided" in res.message or "timed out" in res.message
    assert solved >= 36


def test_ik_names_the_pair_when_every_answer_collides(panda: robojac.Robot) -> None:
    # A wall through the only reachable region of the target: every converged answer hits it.
    q = np.array([0.0, 0.3, 0.0, -1.8, 0.0, 2.0, 0.8])
    T = panda.fk(q)
    cm = CollisionModel(panda, obstacles=[("slab", "box", (0.4, 0.4, 0.02), T[:3, 3] + np.array([0, 0, 0.09]))])
    plain = robojac.solve_ik(panda, T)
    assert plain.success and plain.collision is None
    res = robojac.solve_ik(panda, T, collision=cm, timeout=0.05, max_restarts=5)
    assert not res.success
    assert res.collision is not None and "slab" in res.collision
    assert res.to_dict()["collision"] == list(res.collision)
    # The message leads with the collision, not with reach: the target was reached, in collision.
    first, second = res.collision
    assert res.message.startswith("no collision-free solution: every converged answer collided (")
    assert f"the last: {first} with {second}" in res.message and "rejected" in res.message
    assert "out of reach" not in res.message


def test_ik_failure_in_collision_reports_the_returned_q_as_it_is(panda: robojac.Robot) -> None:
    # Every converged answer hits the slab, so q is some other attempt's best: its errors
    # are measured at it (they once were the last rejected answer's, ~1e-9 m, beside a q
    # 0.25 m away), and the message says whether it collides too, naming the pair.
    T = panda.fk(np.array(_SLAB_Q, dtype=float))
    cm = CollisionModel(panda, obstacles=[("slab", "box", (0.4, 0.4, 0.02), T[:3, 3] + np.array([0, 0, 0.09]))])
    for seed in range(6):
        res = robojac.solve_ik(panda, T, collision=cm, timeout=0.03, seed=seed)
        assert not res.success and res.collision is not None
        assert res.position_error == pytest.approx(np.linalg.norm(panda.fk(res.q)[:3, 3] - T[:3, 3]), abs=1e-12)
        at_q = cm.collisions(res.q, first=True)
        assert f"rejected; the last: {res.collision[0]} with {res.collision[1]})" in res.message
        if "and so does q" in res.message:
            assert at_q and res.message.endswith(f": {at_q[0][0]} with {at_q[0][1]}. {_ADVICE}")
        else:
            assert "so q is the best of the other attempts" in res.message and not at_q


def test_collision_failure_messages() -> None:
    from robojac.ik.results import IKResult, collision_failure

    base = IKResult(np.zeros(7), False, 40, 3, 0.25, 0.5, "no solution within tolerance: timed out", 0.05)
    assert collision_failure(base, 0, None, None) is base  # nothing collided: as without collision=
    only_q = collision_failure(base, 0, None, ("hand", "table"))
    assert only_q.collision is None  # no converged answer collided (what a batch counts)
    assert (
        only_q.message.startswith(base.message) and "returned as q, is in collision: hand with table" in only_q.message
    )
    both = collision_failure(base, 4, ("link4", "slab"), ("hand", "slab"))
    assert both.collision == ("link4", "slab") and "(4 rejected; the last: link4 with slab)" in both.message
    assert "and so does q" in both.message and "0.25 m and 0.5 rad away" in both.message
    clear = collision_failure(replace(base, rotation_free=True), 1, ("link4", "slab"), None)
    assert (
        clear.collision == ("link4", "slab") and "so q is the best of the other attempts, 0.25 m away" in clear.message
    )


def test_ik_failure_without_collisions_does_not_blame_them(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda, obstacles=[("table", "plane", (), (0, 0, 0.0))])
    far = np.eye(4)
    far[:3, 3] = (2.0, 0.0, 0.5)  # 2 m out: beyond the Panda's reach, nothing converges
    res = robojac.solve_ik(panda, far, collision=cm, timeout=0.02, max_restarts=2)
    assert not res.success and res.collision is None
    assert "collided" not in res.message and res.to_dict()["collision"] is None


_SLAB_Q = ("0.0", "0.3", "0.0", "-1.8", "0.0", "2.0", "0.8")
_ADVICE = "Move or remove what it collided with, lower the margin, or raise timeout to try more starts"


def test_cli_ik_says_which_pair_when_every_answer_collides(cli: Any, panda: robojac.Robot) -> None:
    import json

    T = panda.fk(np.array(_SLAB_Q, dtype=float))
    quat = Rotation.from_matrix(T[:3, :3]).as_quat()
    target = [f"{v:.9f}" for v in (*T[:3, 3], *quat)]
    slab = ["box", *(f"{v:.9f}" for v in T[:3, 3] + [0, 0, 0.09]), "0.4", "0.4", "0.02"]
    argv = ["ik", "panda", "--target", *target, "--avoid-collisions", "--obstacle", *slab, "--timeout", "0.05"]
    code, out, _ = cli(*argv)
    assert code == 1
    assert "NOT solved: no collision-free solution: every converged answer collided" in out and "box1" in out
    code, out, _ = cli(*argv, "--json")
    d = json.loads(out)
    assert code == 1 and not d["success"] and "box1" in d["collision"]
    assert f"the last: {d['collision'][0]} with {d['collision'][1]}" in d["message"]


def test_ik_collision_argument_is_checked(panda: robojac.Robot, robots: dict[str, robojac.Robot]) -> None:
    with pytest.raises(InputError, match="CollisionModel"):
        robojac.solve_ik(panda, panda.fk(panda.neutral()), collision="table")
    with pytest.raises(InputError, match="built for robot 'ur5'"):
        robojac.solve_ik(panda, panda.fk(panda.neutral()), collision=CollisionModel(robots["ur5"]))


def test_cli_collide_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from robojac.cli import main

    argv = ["collide", "panda", "--q", "0", "0", "0", "-1.5", "0", "1.5", "0.7", "--obstacle", "box", "0.5", "0", "0.5"]
    assert main([*argv, "0.1", "0.1", "1.0"]) == 0
    out = capsys.readouterr().out
    assert "IN COLLISION" in out and "box1" in out
    assert main([*argv, "0.1", "0.1", "1.0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["in_collision"] and "box1" in d["closest"]["pair"] and d["clearance"] < 0
    assert main(["collide", "panda", "--q", "0", "0", "0", "-1.5", "0", "1.5", "0.7"]) == 0
    assert "collision-free" in capsys.readouterr().out


def test_cli_ik_avoid_collisions(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from robojac.cli import main

    argv = ["ik", "panda", "--target", "0.4", "0", "0.1", "1", "0", "0", "0", "--timeout", "0.1", "--json"]
    assert main([*argv, "--avoid-collisions", "--obstacle", "plane", "0"]) == 0
    d = json.loads(capsys.readouterr().out)
    cm = CollisionModel(robojac.load("panda"), obstacles=[("floor", "plane", (), (0, 0, 0.0))])
    assert d["success"] and not cm.in_collision(np.array(d["q"]))


def _pillar_run(xi: float | None) -> tuple[np.ndarray, CollisionModel, robojac.Log]:
    from robojac.trajectory import Line

    panda = robojac.load("panda")
    q0 = np.array([-0.6, 0.3, 0.0, -2.0, 0.0, 2.3, 0.8])
    T0 = panda.fk(q0)
    T1 = T0.copy()
    T1[1, 3] = -T0[1, 3]  # a straight line through the pillar
    cm = CollisionModel(panda, obstacles=[("pillar", "cylinder", (0.05, 1.0), (T0[0, 3], 0.0, 0.5))])
    kw = {} if xi is None else {"collision": cm, "xi": xi}
    ctrl = robojac.ResolvedRateController(panda, Line(T0, T1, 3.0), dt=0.01, task="position", **kw)
    log = robojac.simulate_kinematic(panda, ctrl, q0, duration=4.0)
    return np.array([cm.distances(q).distance for q in log.q]), cm, log


def test_controller_keeps_clear_of_a_pillar_that_the_plain_command_hits() -> None:
    plain, _, _ = _pillar_run(None)
    assert plain.min() < 0  # without the QP the arm goes through the pillar: the test can fail
    kept, cm, log = _pillar_run(0.2)
    assert kept.min() >= 0.02 - 1e-3  # d_min − 1 mm at every logged sample
    assert cm.robot.within_limits(log.q[-1], tol=1e-9)


def test_clearance_qp_returns_the_nominal_command_when_nothing_is_near(panda: robojac.Robot) -> None:
    from robojac.collision.qp import ClearanceQP, DamperSettings

    cm = CollisionModel(panda, self_collision=False, obstacles=[("far", "sphere", 0.1, (3.0, 0.0, 0.0))])
    q = np.array([0.0, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7])
    J = panda.jacobian(q)
    x = np.array([0.1, 0, 0, 0, 0, 0])
    lam2 = 1e-3
    ref = np.linalg.solve(J.T @ J + lam2 * np.eye(7), J.T @ x)
    qp = ClearanceQP(cm, DamperSettings(), velocity_limits=np.full(7, 10.0))
    assert qp.solve(q, J, ref, lam2) is ref
    # an active bound: the QP still solves, the result respects the box
    tight = ClearanceQP(cm, DamperSettings(), velocity_limits=np.full(7, 0.01))
    out = tight.solve(q, J, ref, lam2)
    assert np.all(np.abs(out) <= 0.01 + 1e-7) and np.abs(out).max() == pytest.approx(0.01)


def test_clearance_qp_box_holds_the_position_limits_within_dt(panda: robojac.Robot) -> None:
    from robojac.collision.qp import ClearanceQP, DamperSettings

    cm = CollisionModel(panda, self_collision=False, obstacles=[("far", "sphere", 0.1, (3.0, 0.0, 0.0))])
    q = panda.neutral()
    q[3] = panda.upper[3] - 1e-4  # 0.1 mrad below joint 4's upper limit
    J = panda.jacobian(q)
    ref = np.zeros(7)
    ref[3] = 1.0  # 1 rad/s towards that limit
    dt = 1e-3
    out = ClearanceQP(cm, DamperSettings(), dt=dt).solve(q, J, ref, 1e-3)
    assert q[3] + out[3] * dt == pytest.approx(panda.upper[3], abs=1e-12)  # stops on the limit
    free = ClearanceQP(cm, DamperSettings()).solve(q, J, ref, 1e-3)  # without dt: no position rows
    assert free is ref
    with pytest.raises(InputError, match="velocity_limits"):
        ClearanceQP(cm, DamperSettings(), velocity_limits=np.full(7, -1.0))


def test_damper_settings_are_checked(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda)
    with pytest.raises(InputError, match="d_influence"):
        robojac.ResolvedRateController(panda, panda.fk(panda.neutral()), collision=cm, d_min=0.1, d_influence=0.05)


def test_clearance_qp_matches_the_nominal_command_when_no_damper_binds(panda: robojac.Robot) -> None:
    from robojac.collision.qp import ClearanceQP, DamperSettings

    # A pair inside the influence distance whose damper allows far more than the command asks.
    cm = CollisionModel(panda, self_collision=False, obstacles=[("near", "sphere", 0.05, (0.75, 0.0, 0.5))])
    q = np.array([0.0, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7])
    J = panda.jacobian(q)
    x = np.array([0.01, 0, 0, 0, 0, 0])
    lam2 = 1e-3
    ref = np.linalg.solve(J.T @ J + lam2 * np.eye(7), J.T @ x)
    qp = ClearanceQP(cm, DamperSettings(d_min=0.0, d_influence=1.0, xi=100.0), velocity_limits=np.full(7, 10.0))
    lo, hi = np.full(7, -10.0), np.full(7, 10.0)
    out = qp.solve(q, J, ref, lam2)
    # the nominal command meets every row: returned as it is, without calling ProxQP ...
    assert qp.active > 0 and qp.status == "inactive" and out is ref
    # ... and that is the QP's solution: ProxQP, given the same problem, agrees
    import proxsuite

    from robojac.collision import active_rows

    s = qp.settings
    d, C, _, _ = active_rows(cm, q, s.d_influence)
    H = J.T @ J + lam2 * np.eye(7)
    lower = -s.xi * (d - s.d_min) / (s.d_influence - s.d_min)
    direct = proxsuite.proxqp.dense.QP(7, 0, d.size, True)
    direct.settings.eps_abs = 1e-10
    direct.init(H, -H @ ref, None, None, C, lower, np.full(d.size, 1e20), lo, hi)
    direct.solve()
    np.testing.assert_allclose(direct.results.x, ref, atol=1e-7)


def test_clearance_qp_solves_when_a_damper_binds(panda: robojac.Robot) -> None:
    from robojac.collision.qp import ClearanceQP, DamperSettings

    # The hand 2 cm from a ball and a command straight at it: the damper allows no approach.
    q = np.array([0.0, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7])
    p = panda.fk(q)[:3, 3]
    cm = CollisionModel(
        panda, self_collision=False, obstacles=[("ball", "sphere", 0.05, p + np.array([0.0, 0.0, -0.15]))]
    )
    qp = ClearanceQP(cm, DamperSettings(d_min=0.05, d_influence=0.2, xi=0.1))
    J = panda.jacobian(q)
    x = np.array([0.0, 0, -0.3, 0, 0, 0])
    lam2 = 1e-3
    ref = np.linalg.solve(J.T @ J + lam2 * np.eye(7), J.T @ x)
    out = qp.solve(q, J, ref, lam2)
    assert qp.status == "PROXQP_SOLVED" and not np.allclose(out, ref, atol=1e-3)
    from robojac.collision import active_rows

    s = qp.settings
    d, C, _, _ = active_rows(cm, q, s.d_influence)
    lower = -s.xi * (d - s.d_min) / (s.d_influence - s.d_min)
    assert np.any(C @ ref < lower - 1e-3)  # the nominal command breaks a damper ...
    assert np.all(C @ out >= lower - 1e-7)  # ... the QP's does not
    again = qp.solve(q, J, ref, lam2)  # the reused solver (update, not init) agrees
    np.testing.assert_allclose(again, out, atol=1e-8)


def test_singularity_report_and_scan_path_carry_clearance(panda: robojac.Robot) -> None:
    cm = CollisionModel(panda, obstacles=[("floor", "plane", (), (0, 0, 0.0))])
    q = np.array([0.0, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7])
    rep = robojac.singularity_report(panda, q, collision=cm)
    assert rep.clearance == pytest.approx(cm.distances(q).distance)
    assert rep.closest_pair is not None and rep.to_dict()["clearance"] == rep.clearance
    assert robojac.singularity_report(panda, q).clearance is None
    path = np.linspace(q, [0.0, 1.5, 0.0, -0.5, 0.0, 1.5, 0.0], 5)
    scan = robojac.scan_path(panda, path, collision=cm)
    assert scan.clearance is not None and scan.clearance.shape == (5,)
    assert scan.clearance[0] > 0 > scan.clearance[-1]  # ends with the hand through the floor


def test_viewer_draws_collision_geometry_obstacles_and_the_closest_pair(panda: robojac.Robot) -> None:
    from robojac.viz import Viewer
    from robojac.viz.collision import SEGMENT_RGBA

    cm = CollisionModel(panda, obstacles=[("pillar", "box", (0.1, 0.1, 1.0), (0.5, 0.0, 0.5))])
    view = Viewer(panda, server=False)
    name = view.add_collision(cm, warn=0.05)
    paths = {c["path"] for c in view.commands if c["type"] == "set_object"}
    assert any(p.endswith("/obstacles/pillar") for p in paths)
    assert sum("/links/s" in p and not p.endswith("_hit") for p in paths) == len(cm.shapes)

    def shown(kind: str) -> bool:
        mats = [
            scene_matrix(c)
            for c in view.commands
            if c["type"] == "set_transform" and c["path"].endswith(f"/closest/{kind}")
        ]
        return abs(np.linalg.det(mats[-1][:3, :3])) > 1e-12

    from robojac.viz.scene import matrix_of as scene_matrix

    hitting = np.array([0.0, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7])  # the forearm through the pillar
    view.show(hitting)
    info = view.overlay_info(name)
    assert info["clearance"] < 0 and shown("collision") and not shown("clear")
    assert "panda_link5" in info["colliding_links"]
    view.show(panda.neutral() * 0 + np.array([2.5, 0.0, 0.0, -1.5, 0.0, 1.5, 0.7]))  # turned away
    info = view.overlay_info(name)
    assert info["clearance"] > 0.05 and shown("clear") and not info["colliding_links"]
    assert set(SEGMENT_RGBA) == {"collision", "near", "clear"}
    view.remove(name)
    view.add_collision(cm, geometry=False)
    assert not any(
        "/links/s" in c["path"] and not c["path"].endswith("_hit")
        for c in view.commands[-40:]
        if c["type"] == "set_object"
    )


def test_active_rows_are_the_distance_jacobians(panda: robojac.Robot) -> None:
    from robojac.collision import active_rows

    cm = CollisionModel(panda, obstacles=[("ball", "sphere", 0.08, (0.4, 0.15, 0.5))])
    q = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
    d, J, dmin, closest = active_rows(cm, q, 0.2)
    ref = distances(cm, q, jacobians=True, within=0.2)
    rows = [p for p in ref.pairs if p.distance < 0.2]
    assert d.size == len(rows) > 3
    # coal warm-starts GJK from the previous query: the two calls agree to its tolerance
    np.testing.assert_allclose(d, [p.distance for p in rows], atol=1e-9)
    np.testing.assert_allclose(J, np.array([p.jacobian for p in rows]), atol=1e-6)
    assert dmin == pytest.approx(ref.distance, abs=1e-9) and closest == ref.closest.names


# ---------------------------------------------------------------------------- pickling and batch IK
def test_collision_model_pickles_and_answers_bit_for_bit(panda: robojac.Robot, tmp_path: Path) -> None:
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    srdf = tmp_path / "p.srdf"
    srdf.write_text('<robot name="panda"><disable_collisions link1="panda_link1" link2="panda_link5"/></robot>')
    cm = CollisionModel(panda, margin=0.005, srdf=srdf, obstacles=[("table", "plane", (), (0, 0, 0.0))])
    cm.add_obstacle("gone", "sphere", 0.1, (0.5, 0.5, 0.5))
    cm.add_obstacle("pillar", "box", (0.1, 0.1, 1.0), (0.5, 0.0, 0.5))
    cm.remove_obstacle("gone")
    qs = [panda.random_configuration(i) for i in range(30)]
    with ThreadPoolExecutor(2) as pool:  # scratch Data in three threads: none of it travels
        list(pool.map(cm.in_collision, qs))
    blob = pickle.dumps(cm)
    srdf.unlink()  # the pairs travel resolved: the copy needs no SRDF file
    copy = pickle.loads(blob)
    assert len(blob) < len(pickle.dumps(panda)) + 4000
    assert copy is not cm and copy.robot.model == panda.model
    assert copy.pairs == cm.pairs and copy.disabled == cm.disabled and copy.margin == cm.margin
    assert copy.disabled[("panda_link1", "panda_link5")] == "srdf"
    assert list(copy.obstacles) == ["table", "pillar"]
    assert all(np.array_equal(copy.obstacles[k].pose, cm.obstacles[k].pose) for k in cm.obstacles)
    for q in qs:
        assert np.array_equal(raw_distances(copy, q), raw_distances(cm, q))
        assert copy.collisions(q) == cm.collisions(q)
    assert any(cm.collisions(q) for q in qs) and not all(cm.collisions(q) for q in qs)
    # The copy is a model of its own: its obstacles change without the original's.
    copy.add_obstacle("ball", "sphere", 0.05, (0.3, 0.0, 0.3))
    assert "ball" not in cm.obstacles and len(copy.pairs) > len(cm.pairs)


def test_a_mesh_model_pickles(mesh_arm: robojac.Robot) -> None:
    import pickle

    ball = str(Path(mesh_arm.source).parent / "ball.stl")
    cm = CollisionModel(mesh_arm)
    cm.add_obstacle("hull", "mesh", (2.0, 1.0, 1.0), (0.0, -0.4, 0.6), mesh=ball)
    copy = pickle.loads(pickle.dumps(cm))
    rng = np.random.default_rng(4)
    for q in [mesh_arm.random_configuration(rng) for _ in range(10)]:
        assert np.array_equal(raw_distances(copy, q), raw_distances(cm, q))


def test_a_description_rebuilds_only_on_its_robot(panda: robojac.Robot, robots: dict[str, robojac.Robot]) -> None:
    d = CollisionModel(panda).description()
    assert CollisionModel.from_description(panda, d).pairs == CollisionModel(panda).pairs
    with pytest.raises(ModelError, match="rebuild it on the robot it was made for"):
        CollisionModel.from_description(robots["ur5"], d)


def _independent_check(robot: robojac.Robot, cm: CollisionModel, table_z: float) -> Any:
    """``(in_collision(q), pose(q))`` from Pinocchio's own URDF parser and coal, not robojac's model.

    The full URDF model (fingers included, at their locked values) and its collision
    geometry; the pairs checked are cm's link pairs (the pair filtering is what is shared),
    plus the table's half-space against every link that moves.
    """
    import pinocchio as pin

    model, geom = pin.buildModelsFromUrdf(robot.source, geometry_types=pin.GeometryType.COLLISION)
    data = model.createData()
    table = pin.GeometryObject(
        "table", 0, 0, pin.SE3(np.eye(3), np.array([0, 0, table_z])), coal.Halfspace(np.array([0, 0, 1.0]), 0)
    )
    it = geom.addGeometryObject(table)
    link_of = [model.frames[o.parentFrame].name for o in geom.geometryObjects]
    wanted = set(cm.pairs)
    for i in range(it):
        for j in range(i + 1, it):
            if (link_of[i], link_of[j]) in wanted or (link_of[j], link_of[i]) in wanted:
                geom.addCollisionPair(pin.CollisionPair(i, j))
        if geom.geometryObjects[i].parentJoint != 0:
            geom.addCollisionPair(pin.CollisionPair(i, it))
    gdata = pin.GeometryData(geom)
    tip = model.getFrameId(robot.tip)
    values = {**dict(robot.locked)}

    def check(q: np.ndarray) -> tuple[bool, np.ndarray]:
        qf = pin.neutral(model)
        for name, v in [*zip(robot.joint_names, q), *values.items()]:
            qf[model.joints[model.getJointId(name)].idx_q] = v
        hit = pin.computeCollisions(model, data, geom, gdata, qf, False)
        pin.framesForwardKinematics(model, data, qf)
        return bool(hit), data.oMf[tip].homogeneous.copy()

    return check


@pytest.fixture(scope="module")
def table_batch(panda: robojac.Robot) -> Any:
    """30 targets from collision-free random Panda configurations (self + a table at z = 0.1 m),
    then 10 from configurations in collision with the tool above the table."""
    cm = CollisionModel(panda, obstacles=[("table", "plane", (), (0, 0, 0.1))])
    rng = np.random.default_rng(13)
    free: list[np.ndarray] = []
    hit: list[np.ndarray] = []
    while len(free) < 30 or len(hit) < 10:
        q = panda.random_configuration(rng)
        if not cm.in_collision(q):
            free += [panda.fk(q)] if len(free) < 30 else []
        elif len(hit) < 10 and panda.fk(q)[2, 3] > 0.15:
            hit.append(panda.fk(q))
    return cm, np.array(free + hit)


#: Options under which a solve depends on its seed alone, not on the clock.
_REPEATABLE = dict(seed=11, progress=False, timeout=None, max_restarts=50)


def test_batch_ik_with_collision_returns_only_collision_free_answers(panda: robojac.Robot, table_batch: Any) -> None:
    from robojac import solve_ik_batch

    cm, Ts = table_batch
    check = _independent_check(panda, cm, 0.1)
    plain = solve_ik_batch(panda, Ts, **_REPEATABLE)  # type: ignore[arg-type]
    res = solve_ik_batch(panda, Ts, collision=cm, **_REPEATABLE)  # type: ignore[arg-type]
    # Without the model some answers pass through the table or the arm: the check can fail.
    assert sum(check(q)[0] for q in plain.q[plain.success]) >= 5
    assert res.success[:30].mean() >= 29 / 30
    for i in np.flatnonzero(res.success):
        hit, T = check(res.q[i])
        assert not hit
        assert np.linalg.norm(T[:3, 3] - Ts[i][:3, 3]) < 1e-5
        assert np.linalg.norm(T[:3, :3] - Ts[i][:3, :3]) < 1e-5
    # A target failed for collision says so, with its pair, in the stacked result and its row.
    assert res.collided >= 1 and res.collided == sum(c is not None for c in res.to_dict()["collision"])
    for i in np.flatnonzero(~res.success):
        assert res.collision[i] is not None and "collided" in res.messages[i]
    # Target by target the batch is solve_ik with seed + i.
    for i in range(0, len(Ts), 6):
        one = robojac.solve_ik(panda, Ts[i], seed=11 + i, collision=cm, timeout=None, max_restarts=50)
        assert np.array_equal(one.q, res.q[i]) and one.collision == res.collision[i] == res[i].collision


def test_batch_ik_with_collision_on_processes_equals_one_process(panda: robojac.Robot, table_batch: Any) -> None:
    from robojac import solve_ik_batch
    from robojac.scale import local_pool

    cm, Ts = table_batch
    one = solve_ik_batch(panda, Ts, collision=cm, **_REPEATABLE)  # type: ignore[arg-type]
    two = solve_ik_batch(panda, Ts, collision=cm, workers=2, **_REPEATABLE)  # type: ignore[arg-type]
    with local_pool(2) as pool:
        pooled = solve_ik_batch(panda, Ts, collision=cm, executor=pool, chunk_size=7, **_REPEATABLE)  # type: ignore[arg-type]
    for other in (two, pooled):
        assert np.array_equal(one.q, other.q) and np.array_equal(one.success, other.success)
        assert one.messages == other.messages and one.collision == other.collision
    assert one.collided >= 1


@pytest.mark.slow
def test_batch_ik_with_collision_on_a_dask_cluster_equals_one_process(panda: robojac.Robot, table_batch: Any) -> None:
    """A real LocalCluster (one worker process under a nanny): the model crosses Dask's pickling."""
    distributed = pytest.importorskip("distributed")
    from robojac import solve_ik_batch

    cm, Ts = table_batch
    one = solve_ik_batch(panda, Ts, collision=cm, **_REPEATABLE)  # type: ignore[arg-type]
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = solve_ik_batch(panda, Ts, collision=cm, executor=client.get_executor(), chunk_size=8, **_REPEATABLE)  # type: ignore[arg-type]
    assert np.array_equal(one.q, on_dask.q) and np.array_equal(one.success, on_dask.success)
    assert one.messages == on_dask.messages and one.collision == on_dask.collision
    assert one.collided >= 1


def test_clearance_qp_active_set_solution_is_proxqps(panda: robojac.Robot) -> None:
    """The exact active-set solve that the QP tries first gives ProxQP's solution on random
    states near a ball, dampers and velocity bounds binding.

    Reference: a fresh ProxQP run to 1e-13, then polished on the rows its answer sits on
    (the full KKT system of those rows solved as one dense matrix): ProxQP alone is only
    determined to ~1e-9 in x (and to ~1e-7 along J's null space when λ = 0, w = 1e-6), a
    KKT solve to rounding. The polished reference must itself be optimal (multipliers ≥ 0,
    every row held), and the fast answer must match it to 1e-9 and raw ProxQP to 1e-6."""
    import proxsuite

    from robojac.collision import active_rows
    from robojac.collision.qp import ClearanceQP, DamperSettings

    rng = np.random.default_rng(13)
    q0 = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
    p = panda.fk(q0)[:3, 3]
    cm = CollisionModel(panda, obstacles=[("ball", "sphere", 0.08, p + np.array([0.12, 0.1, 0.0]))])
    s = DamperSettings(0.02, 0.17, 0.2)
    fast = {v: ClearanceQP(cm, s, velocity_limits=np.full(7, v)) for v in (0.2, 0.5, 1.0, 2.0)}
    exact = 0
    for _ in range(60):
        q = q0 + rng.normal(scale=0.05, size=7)
        J = panda.jacobian(q)
        x = rng.normal(scale=0.4, size=6)
        lam2 = float(rng.choice([0.0, 1e-4, 1e-2]))
        H = J.T @ J + max(lam2, 1e-6) * np.eye(7)
        nominal = np.linalg.solve(H, J.T @ x)
        v = float(rng.choice(list(fast)))
        vmax = np.full(7, v)
        out = fast[v].solve(q, J, nominal, lam2)
        if fast[v].status != "active set":
            continue
        exact += 1
        d, C, _, _ = active_rows(cm, q, s.d_influence)
        lo = -s.xi * (d - s.d_min) / (s.d_influence - s.d_min)
        ref = proxsuite.proxqp.dense.QP(7, 0, d.size, True)
        ref.settings.eps_abs = 1e-13
        ref.settings.max_iter = 100_000
        ref.init(H, -H @ nominal, None, None, C, lo, np.full(d.size, 1e20), -vmax, vmax)
        ref.solve()
        y = np.array(ref.results.x)
        G = np.vstack((C, np.eye(7), -np.eye(7)))
        b = np.concatenate((lo, -vmax, -vmax))
        on = np.flatnonzero(G @ y - b <= 1e-7)
        k = on.size
        kkt = np.block([[H, -G[on].T], [G[on], np.zeros((k, k))]])
        sol = np.linalg.solve(kkt, np.concatenate((H @ nominal, b[on])))
        polished, mu = sol[:7], sol[7:]
        assert (mu >= -1e-9).all() and (G @ polished - b).min() >= -1e-12  # the KKT conditions: optimal
        np.testing.assert_allclose(out, polished, rtol=0, atol=1e-9)
        np.testing.assert_allclose(out, y, rtol=0, atol=1e-6)
    assert exact >= 20  # the exact path was exercised, not only the fallback
