"""``CollisionModel``: a robot's ``<collision>`` geometry, its filtered self-collision pairs and obstacles.

The geometry is a Pinocchio ``GeometryModel`` whose shapes are coal objects (coal ships
in the ``pin`` wheel), attached to the frames of the robot's reduced chain model, so the
geometry of a locked gripper moves with the link it is locked to. Every length is in
metres; obstacle poses are given in the robot's **base frame**.
"""

from __future__ import annotations

import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import coal
import numpy as np
import pinocchio as pin

from .. import urdf as _urdf
from .._validate import FloatArray, as_array, check_finite, non_negative
from ..errors import FrameError, InputError, ModelError
from ..robot import Robot

#: Obstacle shapes and the sizes [m] each takes.
OBSTACLE_SIZES: dict[str, str] = {
    "box": "3 edge lengths (x, y, z)",
    "sphere": "1 radius",
    "cylinder": "2 numbers (radius, length along z)",
    "capsule": "2 numbers (radius, length of the axis along z)",
    "plane": "nothing (the half-space below the pose's x-y plane)",
    "mesh": "3 scale factors (x, y, z), with mesh= the file",
}
_N_SIZES = {"box": 3, "sphere": 1, "cylinder": 2, "capsule": 2, "plane": 0, "mesh": 3}


@dataclass(frozen=True)
class Obstacle:
    """A fixed obstacle: ``kind`` (see :data:`OBSTACLE_SIZES`), sizes [m], pose (4, 4) in the base frame."""

    name: str
    kind: str
    size: tuple[float, ...]
    pose: FloatArray = field(repr=False)
    mesh: str | None = None


@dataclass(frozen=True)
class _State:
    """One immutable snapshot of the geometry and its pairs; obstacle edits swap in a new one."""

    geom: pin.GeometryModel
    owners: tuple[str, ...]  # geometry index -> link or obstacle name
    pairs: tuple[tuple[int, int], ...]  # geometry index pairs checked, in the order of geom.collisionPairs
    obstacles: dict[str, Obstacle]
    version: int
    parents: tuple[int, ...]  # geometry index -> the joint whose body carries it (0: fixed)


class _Scratch(threading.local):
    """A thread's Pinocchio data and geometry data, rebuilt when the snapshot changes."""

    def __init__(self) -> None:
        self.version = -1
        self.data: Any = None
        self.gdata: Any = None
        self.state: Any = None


def _tight(req: Any) -> None:
    # coal's default GJK tolerance (1e-6) would put micrometre noise in distances and
    # witness points, which the distance Jacobian's finite-difference proofs (1e-6 relative) see.
    req.gjk_tolerance = 1e-10
    req.epa_max_iterations = 1000
    req.enable_signed_distance = True
    req.gjk_max_iterations = 1000
    req.gjk_initial_guess = coal.GJKInitialGuess.DefaultGuess


@dataclass(frozen=True)
class Shape:
    """One ``<collision>`` of a link as written: ``kind`` and ``size`` as :class:`robojac.urdf.Visual`'s,
    ``origin`` (4, 4) in the link frame, ``mesh`` the resolved file of a mesh."""

    link: str
    origin: FloatArray = field(repr=False)
    kind: str
    size: tuple[float, ...]
    mesh: str | None = None


def _urdf_collisions(robot: Robot) -> tuple[str, list[tuple[str, FloatArray, Any, Shape]]]:
    """The robot's URDF text and its ``(link, origin, coal shape, Shape)`` for each ``<collision>``."""
    source, text, package_dirs = robot.source, robot.urdf_text, robot.package_dirs
    root = ET.fromstring(text)  # load() has parsed and checked this text already
    base_dir = Path(source).resolve().parent
    search = [*package_dirs, *[p for p in os.environ.get("ROS_PACKAGE_PATH", "").split(os.pathsep) if p]]
    out: list[tuple[str, FloatArray, Any, Shape]] = []
    for link_el in root.findall("link"):
        lname = link_el.get("name", "")
        # Pinocchio's (and HPP's) URDF capsule: a named <collision> cylinder listed in its
        # link's <collision_checking><capsule name=.../> (URDF itself has no capsule).
        capsules = {c.get("name") for c in link_el.findall("collision_checking/capsule")} - {None}
        for k, col in enumerate(link_el.findall("collision")):
            geom = col.find("geometry")
            if geom is None or not len(geom):
                continue
            shape_el = geom[0]
            what = f"link '{lname}' collision {k} <{shape_el.tag}>"
            checked = _urdf.check_shape(shape_el, f"{source}: {what}")
            if checked is None:
                raise ModelError(f"{source}: {what}: robojac's collision model takes box, cylinder, sphere and mesh")
            kind, size = checked
            if kind == "cylinder" and col.get("name") in capsules:
                kind = "capsule"  # radius, axis length: the length excludes the caps, as coal's
            origin = _urdf.origin_matrix(col.find("origin"), f"{source}: link '{lname}' collision")
            if kind == "mesh":
                uri = shape_el.get("filename", "")
                path = _urdf.resolve_mesh(uri, base_dir, search)
                if path is None:
                    raise ModelError(
                        f"{source}: {what}: mesh file {uri!r} not found; pass package_dirs=[...] to load() "
                        "or set ROS_PACKAGE_PATH"
                    )
                shape = _load_mesh(path, size, what)
            else:
                path = None
                shape = _primitive(kind, size, what)
            out.append((lname, origin, shape, Shape(lname, origin, kind, size, path)))
    return text, out


def _load_mesh(path: str, scale: tuple[float, ...], what: str) -> Any:
    try:
        mesh = coal.MeshLoader().load(path, np.array(scale, dtype=float))
    except Exception as exc:  # coal's loader (assimp) raises with C++ text
        raise ModelError(f"{what}: could not read mesh {path!r}: {exc}") from None
    if mesh.num_tris == 0:
        raise ModelError(f"{what}: mesh {path!r} has no triangles")
    # Convex hulls make distances smooth and signed, which the distance Jacobian needs;
    # meshes then collide as their hulls (docs/collision.md).
    mesh.buildConvexHull(True, "Qt")
    return mesh.convex


def _primitive(kind: str, size: tuple[float, ...], what: str) -> Any:
    # A capsule's axis may be 0 m long (a ball); every other size must be positive.
    if min(size[:1] if kind == "capsule" else size, default=1.0) <= 0:
        raise ModelError(f"{what}: sizes {size} must be > 0 m for a collision shape")
    if kind == "box":
        return coal.Box(*size)
    if kind == "sphere":
        return coal.Sphere(size[0])
    if kind == "cylinder":
        return coal.Cylinder(size[0], size[1])
    if kind == "capsule":
        return coal.Capsule(size[0], size[1])
    raise ModelError(f"{what}: unknown shape {kind!r}")  # pragma: no cover - kinds are checked before


def _se3(T: FloatArray) -> pin.SE3:
    return pin.SE3(np.array(T[:3, :3]), np.array(T[:3, 3]))


def _srdf_disabled(srdf: str | Path, links: list[str]) -> set[frozenset[str]]:
    """The ``<disable_collisions link1= link2=>`` pairs of an SRDF file, names checked."""
    path = Path(srdf)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read SRDF {str(srdf)!r}: {exc}") from None
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ModelError(f"SRDF {str(srdf)!r} is not well-formed XML: {exc}") from None
    if root.tag != "robot":
        raise ModelError(f"SRDF {str(srdf)!r}: root element is <{root.tag}>, expected <robot>")
    out: set[frozenset[str]] = set()
    for el in root.iter("disable_collisions"):
        pair = (el.get("link1"), el.get("link2"))
        for name in pair:
            if name is None:
                raise ModelError(f"SRDF {str(srdf)!r}: <disable_collisions> needs both link1 and link2")
            if name not in links:
                raise FrameError(
                    f"SRDF {str(srdf)!r}: <disable_collisions> names unknown link {name!r}"
                    f"{_urdf.close_matches(name, links)}"
                )
        out.add(frozenset(pair))  # type: ignore[arg-type]
    return out


class CollisionModel:
    """The collision geometry of a :class:`~robojac.robot.Robot`, with self-collision pairs and obstacles.

    Args:
        robot: the robot; its URDF's ``<collision>`` elements (boxes, cylinders, spheres,
            capsules written as Pinocchio reads them, meshes found through the
            ``package_dirs`` given to ``load``) make the geometry.
            A URDF without any is a :class:`~robojac.errors.ModelError`.
        margin: padding [m] >= 0: a pair collides when its distance is below ``margin``.
        self_collision: check link against link (default True).
        srdf: optional SRDF file whose ``<disable_collisions>`` pairs are not checked.
        obstacles: ``(name, kind, size, pose)`` tuples for :meth:`add_obstacle`.

    Self-collision pairs are every pair of links carrying geometry, minus: links that move
    together (the same joint of the chain), adjacent links (one's joint is the parent of
    the other's), pairs already within ``margin`` of each other at ``robot.neutral()``,
    and the SRDF's disabled pairs (:attr:`disabled` says which and why). Obstacles are
    checked against every link that moves with ``q``; links fixed to the base cannot
    change their distance to a fixed obstacle and are not paired with them.

    Queries (:mod:`robojac.collision.queries`, also methods here) run on data private to
    the calling thread; adding or removing an obstacle swaps in a new snapshot of the
    geometry, so a query running meanwhile sees the old or the new set, never half of it.

    A model pickles as its robot and its :meth:`description` (a few kB beyond the robot's
    URDF text): the copy, in another process say, reads its geometry again, takes the
    same pairs and obstacles, and answers every query bit for bit as the original.
    """

    def __init__(
        self,
        robot: Robot,
        *,
        margin: float = 0.0,
        self_collision: bool = True,
        srdf: str | Path | None = None,
        obstacles: Iterable[tuple[Any, ...]] = (),
    ) -> None:
        if not isinstance(robot, Robot):
            raise InputError(f"CollisionModel needs a robojac Robot, got {type(robot).__name__}")
        self._geometry(robot, non_negative(margin, "margin"))
        srdf_pairs = _srdf_disabled(srdf, self._links) if srdf is not None else set()
        self._filter_pairs(self_collision, srdf_pairs)
        self._ready({})
        for ob in obstacles:
            self.add_obstacle(*ob)

    def _geometry(self, robot: Robot, margin: float) -> None:
        """The robot's shapes as a GeometryModel on its reduced chain (no pairs yet)."""
        self.robot = robot
        self.margin = margin
        _, shapes = _urdf_collisions(robot)
        if not shapes:
            raise ModelError(
                f"robot '{robot.name}' ({robot.source}) has no <collision> elements, so robojac cannot check "
                "collisions; add <collision> geometry to its links (the bundled arms have it)"
            )
        model = robot.model
        geom = pin.GeometryModel()
        owners: list[str] = []
        joints: list[int] = []
        #: the link shapes as written in the URDF, in geometry order (what the viewer draws)
        self.shapes: tuple[Shape, ...] = tuple(sh for *_, sh in shapes)
        for k, (link, origin, shape, _) in enumerate(shapes):
            fid = robot.frame_ids[link]
            frame = model.frames[fid]
            placement = frame.placement * _se3(origin)
            obj = pin.GeometryObject(f"{link}#{k}", frame.parentJoint, fid, placement, shape)
            geom.addGeometryObject(obj)
            owners.append(link)
            joints.append(frame.parentJoint)
        self._n_robot = len(owners)
        self._joints = joints
        self._links = [n for n in robot.frame_ids if n in set(_link_names(robot))]
        self._base_geom = geom
        self._owners = tuple(owners)

    def _filter_pairs(self, self_collision: bool, srdf_pairs: set[frozenset[str]]) -> None:
        """The checked self pairs: candidates, then the neutral-contact filter on a scratch copy."""
        robot, model, geom = self.robot, self.robot.model, self._base_geom
        owners, joints = self._owners, self._joints
        self.disabled: dict[tuple[str, str], str] = {}
        candidates: list[tuple[int, int]] = []
        if self_collision:
            for i in range(len(owners)):
                for j in range(i + 1, len(owners)):
                    a, b = owners[i], owners[j]
                    key = (a, b)
                    ji, jj = joints[i], joints[j]
                    if a == b or ji == jj:
                        self.disabled.setdefault(key, "move together")
                    elif model.parents[ji] == jj or model.parents[jj] == ji:
                        self.disabled.setdefault(key, "adjacent")
                    elif frozenset(key) in srdf_pairs:
                        self.disabled.setdefault(key, "srdf")
                    else:
                        candidates.append((i, j))
        if candidates:
            probe = pin.GeometryModel(geom)
            for i, j in candidates:
                probe.addCollisionPair(pin.CollisionPair(i, j))
            pdata = pin.GeometryData(probe)
            for req in pdata.distanceRequests:
                _tight(req)
            pin.computeDistances(model, model.createData(), probe, pdata, robot.to_pinocchio(robot.neutral()))
            # A link pair is dropped whole when any of its shapes touch: its other shapes
            # would otherwise keep reporting the same permanent contact one shape away.
            touching = set()
            for (i, j), res in zip(candidates, pdata.distanceResults, strict=True):
                if res.min_distance <= self.margin:
                    touching.add((owners[i], owners[j]))
                    self.disabled.setdefault((owners[i], owners[j]), "in contact at neutral")
            candidates = [(i, j) for i, j in candidates if (owners[i], owners[j]) not in touching]
        self._self_pairs = tuple(candidates)

    def _ready(self, obstacles: dict[str, Obstacle]) -> None:
        """The lock, the per-thread scratch and the first snapshot, with ``obstacles``."""
        self._lock = threading.Lock()
        self._scratch = _Scratch()
        self._state = self._snapshot(obstacles, 0)

    # ------------------------------------------------------------------ pickling
    def description(self) -> dict[str, Any]:
        """What rebuilds this model on its robot (:meth:`from_description`): plain values only.

        The margin, the checked self pairs (geometry indices, in query order, so a rebuilt
        model needs no SRDF file and repeats no neutral-contact test), the filtered pairs
        with their reasons, and the obstacles in the order they were added. No Pinocchio
        or coal object: a few kB, however many threads have queried the model.
        """
        st = self._state
        return {
            "shapes": self._owners[: self._n_robot],
            "margin": self.margin,
            "self_pairs": self._self_pairs,
            "disabled": dict(self.disabled),
            "obstacles": tuple(st.obstacles.values()),
        }

    @classmethod
    def from_description(cls, robot: Robot, description: dict[str, Any]) -> CollisionModel:
        """The model :meth:`description` describes, rebuilt on ``robot`` (the same URDF, base and tip).

        The geometry is read again from the robot's URDF (meshes from the same files), the
        pairs are taken as described and the obstacles added in their order, so every
        query answers bit for bit as the original's. A robot whose geometry differs is a
        :class:`~robojac.errors.ModelError`.
        """
        if not isinstance(robot, Robot):
            raise InputError(f"CollisionModel needs a robojac Robot, got {type(robot).__name__}")
        keys = ("shapes", "margin", "self_pairs", "disabled", "obstacles")
        if not isinstance(description, dict) or any(k not in description for k in keys):
            raise InputError(
                f"from_description takes the dict of CollisionModel.description() (keys {', '.join(keys)}), "
                f"got {_urdf.shorten(repr(description))}"
            )
        cm = cls.__new__(cls)
        cm.__setstate__({**description, "robot": robot})
        return cm

    def __getstate__(self) -> dict[str, Any]:
        # The robot pickles as its URDF text; the lock and every thread's Data are made again.
        return {**self.description(), "robot": self.robot}

    def __setstate__(self, state: dict[str, Any]) -> None:
        robot = state["robot"]
        self._geometry(robot, float(state["margin"]))
        if self._owners != tuple(state["shapes"]):
            raise ModelError(
                f"robot '{robot.name}' has collision shapes on {', '.join(self.links)}; the described model "
                f"on {', '.join(dict.fromkeys(state['shapes']))}: rebuild it on the robot it was made for"
            )
        self.disabled = dict(state["disabled"])
        self._self_pairs = tuple((int(i), int(j)) for i, j in state["self_pairs"])
        obstacles = {}
        for ob in state["obstacles"]:
            pose = np.array(ob.pose, dtype=float)
            pose.flags.writeable = False  # as make_obstacle leaves it (unpickled arrays are writeable)
            obstacles[ob.name] = replace(ob, pose=pose)
        self._ready(obstacles)

    # ------------------------------------------------------------------ obstacles
    def _snapshot(self, obstacles: dict[str, Obstacle], version: int) -> _State:
        geom = pin.GeometryModel(self._base_geom)
        owners = list(self._owners)
        world = self.robot.base_in_world
        pairs = list(self._self_pairs)
        moving = [i for i in range(self._n_robot) if self._joints[i] != 0]
        for ob in obstacles.values():
            shape = _obstacle_shape(ob)
            placement = _se3(world @ ob.pose)
            idx = geom.addGeometryObject(pin.GeometryObject(f"obstacle:{ob.name}", 0, 0, placement, shape))
            owners.append(ob.name)
            pairs += [(i, idx) for i in moving]
        for i, j in pairs:
            geom.addCollisionPair(pin.CollisionPair(i, j))
        parents = (*self._joints, *[0] * len(obstacles))
        return _State(geom, tuple(owners), tuple(pairs), dict(obstacles), version, parents)

    @property
    def obstacles(self) -> dict[str, Obstacle]:
        """The obstacles by name (a copy)."""
        return dict(self._state.obstacles)

    @property
    def links(self) -> tuple[str, ...]:
        """Links that carry collision geometry."""
        return tuple(dict.fromkeys(self._owners))

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        """Every checked pair, by link or obstacle name, in query order."""
        st = self._state
        return tuple((st.owners[i], st.owners[j]) for i, j in st.pairs)

    def add_obstacle(
        self,
        name: str,
        kind: str,
        size: Any = (),
        pose: Any = None,
        *,
        mesh: str | None = None,
    ) -> Obstacle:
        """Add a fixed obstacle; ``pose`` is a (4, 4) pose or an (x, y, z) position [m] in the base frame.

        ``kind`` is one of :data:`OBSTACLE_SIZES`; a ``"plane"`` is the half-space below the
        pose's x-y plane (a table top or the ground). A name already taken is an InputError:
        :meth:`remove_obstacle` it first.
        """
        ob = make_obstacle(name, kind, size, pose, mesh=mesh)
        if name in self._owners:
            raise InputError(f"obstacle name {name!r} is a link of '{self.robot.name}'; choose another name")
        with self._lock:
            st = self._state
            if name in st.obstacles:
                raise InputError(f"an obstacle named {name!r} exists already; remove_obstacle({name!r}) first")
            obstacles = {**st.obstacles, name: ob}
            self._state = self._snapshot(obstacles, st.version + 1)
        return ob

    def remove_obstacle(self, name: str) -> None:
        """Remove the obstacle ``name``; an unknown name is a FrameError listing close matches."""
        with self._lock:
            st = self._state
            if name not in st.obstacles:
                raise FrameError(
                    f"no obstacle named {_urdf.shorten(repr(name))}{_urdf.close_matches(str(name), list(st.obstacles))}; "
                    f"obstacles: {', '.join(st.obstacles) or 'none'}"
                )
            obstacles = {k: v for k, v in st.obstacles.items() if k != name}
            self._state = self._snapshot(obstacles, st.version + 1)

    # ------------------------------------------------------------------ per-thread data
    def scratch(self) -> tuple[_State, Any, Any]:
        """``(state, pinocchio.Data, pinocchio.GeometryData)`` private to the calling thread,
        made again after obstacles change; the queries compute on them."""
        st = self._state
        s = self._scratch
        if s.version != st.version or s.data is None:
            s.data = self.robot.model.createData()
            s.gdata = pin.GeometryData(st.geom)
            for req in s.gdata.distanceRequests:
                _tight(req)
            # Collision checks (far cheaper than distances) count a pair closer than the margin.
            for creq in s.gdata.collisionRequests:
                creq.security_margin = self.margin
            s.version = st.version
            s.state = st
        return s.state, s.data, s.gdata

    # ------------------------------------------------------------------ queries (see queries.py)
    def distances(self, q: Any, *, jacobians: bool = False) -> Any:
        """Every pair's distance at ``q``: see :func:`robojac.collision.queries.distances`."""
        from .queries import distances

        return distances(self, q, jacobians=jacobians)

    def in_collision(self, q: Any) -> bool:
        """True when some pair is closer than ``margin`` at ``q``."""
        from .queries import in_collision

        return in_collision(self, q)

    def collisions(self, q: Any, *, first: bool = False) -> list[tuple[str, str]]:
        """The pairs closer than ``margin`` at ``q``, by name, in :attr:`pairs` order (``first``: stop at one)."""
        from .queries import collisions

        return collisions(self, q, first=first)

    def min_distance(self, q: Any) -> Any:
        """The closest pair at ``q`` with its distance Jacobian: see :func:`robojac.collision.queries.min_distance`."""
        from .queries import min_distance

        return min_distance(self, q)

    def __repr__(self) -> str:
        st = self._state
        return (
            f"CollisionModel({self.robot.name!r}, {self._n_robot} shapes on {len(self.links)} links, "
            f"{len(st.pairs)} pairs, {len(st.obstacles)} obstacles, margin={self.margin:g} m)"
        )


def _link_names(robot: Robot) -> list[str]:
    model = robot.model
    return [name for name, fid in robot.frame_ids.items() if model.frames[fid].type == pin.FrameType.BODY]


def make_obstacle(name: Any, kind: Any, size: Any = (), pose: Any = None, *, mesh: str | None = None) -> Obstacle:
    """An :class:`Obstacle`, every argument checked (sizes finite and > 0, a rigid pose)."""
    if not isinstance(name, str) or not name:
        raise InputError(f"an obstacle needs a non-empty name, got {_urdf.shorten(repr(name))}")
    if kind not in _N_SIZES:
        raise InputError(
            f"obstacle {name!r}: unknown kind {_urdf.shorten(repr(kind))}{_urdf.close_matches(str(kind), list(_N_SIZES))}; "
            f"expected one of {', '.join(_N_SIZES)}"
        )
    if kind == "mesh" and (size is None or (hasattr(size, "__len__") and len(size) == 0)):
        size = (1.0, 1.0, 1.0)
    if isinstance(size, (int, float)):
        size = (size,)
    sz = check_finite(as_array(size if size is not None else (), f"obstacle {name!r} size"), f"obstacle {name!r} size")
    if sz.shape != (_N_SIZES[kind],):
        raise InputError(f"obstacle {name!r} ({kind}) takes {OBSTACLE_SIZES[kind]}, got {sz.tolist()}")
    if np.any(sz <= 0):
        raise InputError(f"obstacle {name!r} ({kind}): sizes must be > 0 m, got {sz.tolist()}")
    T = np.eye(4)
    if pose is not None:
        p = check_finite(as_array(pose, f"obstacle {name!r} pose"), f"obstacle {name!r} pose")
        if p.shape == (3,):
            T[:3, 3] = p
        elif p.shape == (4, 4):
            from ..pose import as_matrix

            T = as_matrix(p, f"obstacle {name!r} pose")
        else:
            raise InputError(
                f"obstacle {name!r} pose must be a (4, 4) pose or an (x, y, z) position in the base frame, "
                f"got shape {p.shape}"
            )
    path = None
    if kind == "mesh":
        if mesh is None or not Path(mesh).is_file():
            raise ModelError(f"obstacle {name!r}: mesh file {mesh!r} not found")
        path = str(mesh)
    T = np.array(T, dtype=float)
    T.flags.writeable = False
    return Obstacle(name, kind, tuple(float(v) for v in sz), T, path)


def _obstacle_shape(ob: Obstacle) -> Any:
    what = f"obstacle {ob.name!r}"
    if ob.kind == "plane":
        # The half-space n·x <= 0 in the obstacle's frame, n its z axis.
        return coal.Halfspace(np.array([0.0, 0.0, 1.0]), 0.0)
    if ob.kind == "mesh":
        assert ob.mesh is not None
        return _load_mesh(ob.mesh, ob.size, what)
    return _primitive(ob.kind, ob.size, what)
