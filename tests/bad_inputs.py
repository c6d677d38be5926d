"""The bad-input table: every hostile input robojac has been shown, and what it must answer.

One row per case, grouped by area. An :class:`Api` row is a call that must raise the
given :class:`~robojac.errors.RobojacError` subclass with a message containing
``phrase``; a :class:`Cli` row is a command line that must exit with status 2 and print
exactly one line on stderr containing ``phrase``. ``tests/test_bad_inputs.py`` runs every
row. The table only grows: a defect found is a new row here, next to its area's rows.

Calls take an :class:`Env`: a scratch folder, two loaded robots and small URDF writers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import robojac
from robojac.errors import (
    ChainError,
    FrameError,
    InputError,
    ModelError,
    PoseError,
    RobojacError,
    UnknownRobotError,
    URDFError,
    ViewerError,
)


@dataclass(frozen=True)
class Env:
    """What a row's call may use."""

    tmp: Path
    panda: robojac.Robot
    planar: robojac.Robot

    def write(self, name: str, text: str) -> str:
        """Write ``text`` to ``tmp/name`` and return its path."""
        path = self.tmp / name
        path.write_text(text)
        return str(path)


def arm(
    *,
    limit: str = '<limit lower="-2" upper="2" effort="10" velocity="1"/>',
    inertial: str = '<inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial>',
    origin: str = '<origin xyz="0 0 0.5"/>',
    extra: str = "",
    head: str = "",
) -> str:
    """A two-revolute-joint URDF whose second joint's limit, link inertial and origin can be swapped."""
    return f"""<?xml version="1.0"?>
<robot name="arm" {head}>
  <link name="base"/>
  <link name="l1">{inertial}</link>
  <link name="l2">{inertial}</link>
  <joint name="j1" type="revolute"><parent link="base"/><child link="l1"/><axis xyz="0 0 1"/>
    <limit lower="-2" upper="2" effort="10" velocity="1"/></joint>
  <joint name="j2" type="revolute"><parent link="l1"/><child link="l2"/>{origin}<axis xyz="0 1 0"/>
    {limit}</joint>
  {extra}
</robot>
"""


@dataclass(frozen=True)
class Api:
    id: str
    call: Callable[[Env], Any]
    error: type[RobojacError]
    phrase: str


@dataclass(frozen=True)
class Cli:
    id: str
    argv: Callable[[Env], list[str]]
    phrase: str
    #: run in a child process: for inputs that once hung or crashed the interpreter
    isolated: bool = False


# ---------------------------------------------------------------------------- loading and URDFs
_FINGER = (
    '<link name="finger"/><joint name="jf" type="prismatic"><parent link="l1"/><child link="finger"/>'
    '<axis xyz="1 0 0"/><limit lower="0" upper="0.1" effort="1" velocity="1"/><mimic joint="j1"/></joint>'
)


def _limit(attrs: str, more: str = "") -> str:
    return arm(limit=f'<limit lower="-2" upper="2" effort="10" velocity="1" {attrs}/>{more}')


def _mimic(attrs: str) -> str:
    return _limit("", f"<mimic {attrs}/>")


def _inertia(
    mass: str = "1", tensor: str = 'ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"', origin: str = ""
) -> str:
    return arm(inertial=f'<inertial>{origin}<mass value="{mass}"/><inertia {tensor}/></inertial>')


def _geometry(shape: str, tag: str = "visual") -> str:
    return arm(inertial=f"<{tag}><geometry>{shape}</geometry></{tag}>")


def _chain(n: int) -> str:
    """A URDF of ``n`` revolute joints in a row."""
    links = "".join(f'<link name="l{i}"/>' for i in range(n + 1))
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><parent link="l{i}"/><child link="l{i + 1}"/><origin xyz="0 0 0.01"/>'
        f'<axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        for i in range(n)
    )
    return f'<robot name="chain{n}">{links}{joints}</robot>'


def _star(n: int) -> str:
    """A URDF of ``n`` revolute joints all on the root link."""
    links = "".join(f'<link name="l{i}"/>' for i in range(n + 1))
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><parent link="l0"/><child link="l{i + 1}"/>'
        f'<limit lower="-1" upper="1" effort="1" velocity="1"/></joint>'
        for i in range(n)
    )
    return f'<robot name="star{n}">{links}{joints}</robot>'


def _fifo(e: Env) -> str:
    path = e.tmp / "pipe.urdf"
    os.mkfifo(path)
    return str(path)


def _sparse(e: Env, size: int) -> str:
    path = e.tmp / "huge.urdf"
    with open(path, "wb") as f:
        f.truncate(size)  # sparse: no disk space used
    return str(path)


def _load(name: str, text: str, **kwargs: Any) -> Callable[[Env], Any]:
    return lambda e: robojac.load(e.write(name, text), **kwargs)


LOADING: list[Api | Cli] = [
    Api("unknown robot name", lambda e: robojac.load("pandaa"), UnknownRobotError, "panda"),
    Api("missing URDF file", lambda e: robojac.load(str(e.tmp / "nope.urdf")), URDFError, "nope.urdf"),
    # mimic joints (issue 16): a mimic was a free joint, so q described another robot
    Api("mimic joint on the chain", _load("m.urdf", _mimic('joint="j1" multiplier="2"')), ChainError, "mimics 'j1'"),
    Api(
        "mimic joint off the chain following a chain joint",
        _load("m.urdf", arm(extra=_FINGER), tip="l2"),
        ChainError,
        "'jf' off the chain",
    ),
    Api(
        "mimic joint locked", _load("m.urdf", arm(extra=_FINGER), locked={"jf": 0.05}), InputError, "lock 'j1' instead"
    ),
    Api("mimic of an unknown joint", _load("m.urdf", _mimic('joint="jj1"')), URDFError, "did you mean 'j1'"),
    Api("mimic with no joint", _load("m.urdf", _mimic('multiplier="2"')), URDFError, "without joint="),
    Api("mimic of itself", _load("m.urdf", _mimic('joint="j2"')), URDFError, "loop"),
    Api(
        "mimic multiplier NaN",
        _load("m.urdf", _mimic('joint="j1" multiplier="nan"')),
        URDFError,
        "'j2' mimic multiplier",
    ),
    Api("mimic offset inf", _load("m.urdf", _mimic('joint="j1" offset="inf"')), URDFError, "'j2' mimic offset"),
    # files that are not regular files, or too big (issue 16): a FIFO hung, /dev/zero exhausted memory
    Cli("FIFO as the URDF", lambda e: ["info", _fifo(e)], "named pipe", isolated=True),
    Cli("/dev/zero as the URDF", lambda e: ["info", "/dev/zero"], "character device", isolated=True),
    Api("URDF over 64 MiB", lambda e: robojac.load(_sparse(e, 65 * 2**20)), URDFError, "at most 64 MiB"),
    # xacro (issue 16)
    Api(
        "xacro macro",
        _load("x.urdf", arm(head='xmlns:xacro="http://www.ros.org/wiki/xacro"', extra='<xacro:macro name="m"/>')),
        URDFError,
        "expand it with xacro first",
    ),
    Api(
        "xacro property",
        _load("x.urdf", arm(origin='<origin xyz="0 0 ${l}"/>')),
        URDFError,
        "expand it with xacro first",
    ),
    # inertials (issue 16): NaN was dropped by Pinocchio's parser (the link weighed nothing), negative accepted
    Api(
        "inertia NaN",
        _load("i.urdf", _inertia(tensor='ixx="nan" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"')),
        URDFError,
        "link 'l1' inertia ixx",
    ),
    Api(
        "inertia negative",
        _load("i.urdf", _inertia(tensor='ixx="-0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"')),
        URDFError,
        "not positive semi-definite",
    ),
    Api(
        "inertia breaking the triangle inequality",
        _load("i.urdf", _inertia(tensor='ixx="0.1" iyy="0.1" izz="0.3" ixy="0" ixz="0" iyz="0"')),
        URDFError,
        "triangle inequality",
    ),
    Api(
        "inertia missing ixy",
        _load("i.urdf", _inertia(tensor='ixx="0.1" iyy="0.1" izz="0.1" ixz="0" iyz="0"')),
        URDFError,
        "has no ixy",
    ),
    Api("mass inf", _load("i.urdf", _inertia(mass="inf")), URDFError, "link 'l1' mass"),
    Api("mass negative", _load("i.urdf", _inertia(mass="-2")), URDFError, "mass -2"),
    Api(
        "inertial without mass",
        _load(
            "i.urdf", arm(inertial='<inertial><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial>')
        ),
        URDFError,
        "without <mass",
    ),
    Api(
        "inertial origin NaN",
        _load("i.urdf", _inertia(origin='<origin xyz="0 nan 0"/>')),
        URDFError,
        "inertial origin xyz",
    ),
    Cli(
        "inertia NaN on the command line: no C++ lines on stderr",
        lambda e: ["info", e.write("i.urdf", _inertia(tensor='ixx="nan" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"'))],
        "inertia ixx",
    ),
    # limits and other joint numbers (issue 16): "does not contain a valid URDF model" named nothing
    Api(
        "revolute limit infinite",
        _load("l.urdf", arm(limit='<limit lower="-inf" upper="inf" effort="10" velocity="1"/>')),
        URDFError,
        "'j2' lower limit",
    ),
    Api(
        "velocity limit NaN",
        _load("l.urdf", arm(limit='<limit lower="-1" upper="1" effort="10" velocity="nan"/>')),
        URDFError,
        "'j2' velocity limit",
    ),
    Api(
        "effort limit NaN",
        _load("l.urdf", arm(limit='<limit lower="-1" upper="1" effort="nan" velocity="1"/>')),
        URDFError,
        "'j2' effort limit",
    ),
    Api(
        "limit without effort",
        _load("l.urdf", arm(limit='<limit lower="-1" upper="1" velocity="1"/>')),
        URDFError,
        "has no effort",
    ),
    Api(
        "limit of 1e308",
        _load("l.urdf", arm(limit='<limit lower="-1e308" upper="1e308" effort="10" velocity="1"/>')),
        URDFError,
        "limits within ±1e+100 rad",
    ),
    Api(
        "dynamics damping NaN",
        _load("l.urdf", _limit("", '<dynamics damping="nan"/>')),
        URDFError,
        "<dynamics> damping",
    ),
    Api(
        "safety controller without k_velocity",
        _load("l.urdf", _limit("", '<safety_controller k_position="1"/>')),
        URDFError,
        "k_velocity",
    ),
    Cli(
        "infinite limit on the command line: no C++ lines on stderr",
        lambda e: ["info", e.write("l.urdf", arm(limit='<limit lower="-inf" upper="inf" effort="10" velocity="1"/>'))],
        "lower limit",
    ),
    # geometry (issue 16)
    Api(
        "cylinder radius NaN",
        _load("g.urdf", _geometry('<cylinder radius="nan" length="1"/>')),
        URDFError,
        "visual cylinder radius",
    ),
    Api(
        "sphere radius negative", _load("g.urdf", _geometry('<sphere radius="-1"/>')), URDFError, "visual sphere radius"
    ),
    Api("box size negative", _load("g.urdf", _geometry('<box size="1 -1 1"/>')), URDFError, "visual box size"),
    Api(
        "mesh scale NaN",
        _load("g.urdf", _geometry('<mesh filename="a.stl" scale="nan 1 1"/>')),
        URDFError,
        "visual mesh scale",
    ),
    Api(
        "collision radius NaN",
        _load("g.urdf", _geometry('<sphere radius="nan"/>', "collision")),
        URDFError,
        "collision sphere radius",
    ),
    # absurd magnitudes (issue 16): an origin of 1e308 m gave inf in fk
    Api("joint origin 1e308", _load("o.urdf", arm(origin='<origin xyz="0 0 1e308"/>')), URDFError, "'j2' origin xyz"),
    # size (issue 16): a 2000-joint chain raised a bare MemoryError
    Cli(
        "2000-joint chain", lambda e: ["fk", e.write("c.urdf", _chain(2000))], "at most 1000 joints deep", isolated=True
    ),
    Cli("200-joint chain", lambda e: ["fk", e.write("c.urdf", _chain(200))], "at most 100", isolated=True),
    Api("6000 joints", _load("s.urdf", _star(6000)), URDFError, "at most 5000 joints"),
    # URDF text for a path (issue 16): the whole file was echoed in "not found"
    Api("URDF text instead of a path", lambda e: robojac.load(arm()), URDFError, "not URDF text"),
    # collision models (issue 13): each bad item is named
    Api(
        "collision on a URDF without <collision>",
        lambda e: _cm(robojac.load(e.write("b.urdf", arm()))),
        ModelError,
        "no <collision>",
    ),
    Api(
        "missing collision mesh",
        lambda e: _cm(robojac.load(e.write("m.urdf", _geometry('<mesh filename="gone.stl"/>', "collision")))),
        ModelError,
        "gone.stl",
    ),
    Api(
        "obstacle with a negative size",
        lambda e: _cm(e.panda).add_obstacle("crate", "box", (0.1, -0.2, 0.1)),
        InputError,
        "'crate'",
    ),
    Api(
        "obstacle with a NaN size",
        lambda e: _cm(e.panda).add_obstacle("ball", "sphere", float("nan")),
        InputError,
        "'ball'",
    ),
    Api("obstacle of an unknown kind", lambda e: _cm(e.panda).add_obstacle("c", "cube", (0.1,)), InputError, "box"),
    Api(
        "malformed SRDF",
        lambda e: _cm(e.panda, srdf=e.write("bad.srdf", "<robot><disable_collisions")),
        ModelError,
        "bad.srdf",
    ),
    Api(
        "SRDF pair naming an unknown link",
        lambda e: _cm(
            e.panda,
            srdf=e.write("u.srdf", '<robot><disable_collisions link1="panda_link1" link2="panda_lnk5"/></robot>'),
        ),
        FrameError,
        "panda_link5",
    ),
    Api("negative collision margin", lambda e: _cm(e.panda, margin=-0.01), InputError, "margin"),
]


def _cm(robot: robojac.Robot, **kwargs: Any) -> Any:
    from robojac.collision import CollisionModel

    return CollisionModel(robot, **kwargs)


# ---------------------------------------------------------------------------- configurations and options
CONFIGURATIONS: list[Api | Cli] = [
    Api("q with NaN", lambda e: e.panda.fk([np.nan] * 7), InputError, "finite"),
    Api("q of the wrong length", lambda e: e.panda.fk([0.0] * 6), InputError, "shape (7,)"),
    Api("complex q", lambda e: e.panda.fk(np.full(7, 0.1, dtype=complex)), InputError, "complex numbers"),
    Api("complex q in a list", lambda e: e.planar.fk([0.1, 0.2 + 1j]), InputError, "complex numbers"),
    Api("q of numeric strings", lambda e: e.panda.fk(np.array(["0.1"] * 7)), InputError, "strings"),
    Api("q of bools", lambda e: e.panda.fk([True, False] * 3 + [True]), InputError, "booleans"),
    Api("q of bool array", lambda e: e.planar.jacobian(np.ones(2, dtype=bool)), InputError, "booleans"),
    Api("q of object dtype", lambda e: e.panda.fk(np.zeros(7, dtype=object)), InputError, "Python objects"),
    Api("q with a None", lambda e: e.planar.fk([0.1, None]), InputError, "are None"),
    Api(
        "complex joint covariance",
        lambda e: robojac.pose_covariance(e.planar, [0.1, 0.2], np.eye(2, dtype=complex) * 1e-4),
        InputError,
        "complex numbers",
    ),
    Api("complex pose", lambda e: robojac.pose.as_matrix(np.eye(4, dtype=complex)), InputError, "complex numbers"),
    Api("complex numpy scalar tol", lambda e: e.planar.within_limits([0, 0], tol=np.complex128(1j)), InputError, "tol"),
    Api("string tol", lambda e: e.planar.within_limits([0.0, 0.0], tol="x"), InputError, "number >= 0"),
    Api("NaN tol", lambda e: e.planar.within_limits([0.0, 0.0], tol=float("nan")), InputError, "finite number >= 0"),
    Api("negative tol", lambda e: e.planar.within_limits([0.0, 0.0], tol=-0.1), InputError, ">= 0"),
    Api("string rng", lambda e: e.panda.random_configuration("abc"), InputError, "numpy Generator"),
    Api("float rng", lambda e: e.panda.random_configuration(1.5), InputError, "non-negative int seed"),
    Api("negative seed", lambda e: e.panda.random_configuration(-1), InputError, "non-negative int seed"),
    Api("bool rng", lambda e: e.panda.random_configuration(True), InputError, "bool"),
]


# ---------------------------------------------------------------------------- inverse kinematics
_FAR = np.array([[1.0, 0, 0, 5.0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])  # out of every bundled arm's reach


def _twice(robot: robojac.Robot, valid: dict[str, Any], bad: dict[str, Any]) -> Any:
    """solve_ik with ``valid`` options (which caches a solver), then with ``bad`` ones."""
    T = robot.fk(robot.neutral())
    robojac.solve_ik(robot, T, **valid)
    return robojac.solve_ik(robot, T, **bad)


IK: list[Api | Cli] = [
    Api("target with NaN", lambda e: robojac.solve_ik(e.planar, np.full((4, 4), np.nan)), InputError, "finite"),
    # Options equal to valid ones were accepted once the valid ones had cached a solver.
    Api(
        "float max_iterations after a solve",
        lambda e: _twice(e.planar, dict(max_iterations=60), dict(max_iterations=60.0)),
        InputError,
        "max_iterations must be an integer",
    ),
    Api(
        "bool timeout after a solve",
        lambda e: _twice(e.planar, dict(timeout=1), dict(timeout=True)),
        InputError,
        "timeout must be a positive number",
    ),
    Api(
        "float mask after a solve",
        lambda e: _twice(e.planar, dict(mask=[1] * 6), dict(mask=[1.0] * 6)),
        InputError,
        "mask must be 6 booleans",
    ),
    # A huge budget or count on an unreachable target never returned.
    Api("huge timeout", lambda e: robojac.solve_ik(e.planar, _FAR, timeout=1e300), InputError, "at most 3600 s"),
    Cli(
        "huge timeout, unreachable target",
        lambda e: ["ik", "planar_2r", "--target", "5", "0", "0", "0", "0", "0", "1", "--timeout", "1e300"],
        "at most 3600 s",
        isolated=True,
    ),
    Api(
        "huge max_restarts without timeout",
        lambda e: robojac.solve_ik(e.planar, _FAR, timeout=None, max_restarts=10**30),
        InputError,
        "max_restarts must be an integer from 0 to 1,000,000",
    ),
    Api(
        "huge max_iterations",
        lambda e: robojac.solve_ik(e.planar, _FAR, max_iterations=10**12),
        InputError,
        "max_iterations must be an integer from 1 to 10,000",
    ),
    # Loose types: a TypeError from weakref, a bool taken as a number, a string as true, a ValueError from numpy.
    Api(
        "solve_ik on a string",
        lambda e: robojac.solve_ik("not a robot", np.eye(4)),  # type: ignore[arg-type]
        InputError,
        "robot must be a robojac.Robot (from robojac.load), got str",
    ),
    Api("damping=True", lambda e: robojac.solve_ik(e.planar, _FAR, damping=True), InputError, "not a boolean"),
    Api(
        "position_only as a string",
        lambda e: robojac.solve_ik(e.planar, _FAR, position_only="no"),  # type: ignore[arg-type]
        InputError,
        "position_only must be True or False",
    ),
    Api(
        "mask as a list of arrays",
        lambda e: robojac.solve_ik(e.planar, _FAR, mask=[np.ones(3), np.ones(2)]),  # type: ignore[arg-type]
        InputError,
        "mask must be 6 booleans",
    ),
    # A 3-vector target is a position: accepted when the rotation is free, refused with a pointer otherwise.
    Api(
        "3-vector target with the rotation constrained",
        lambda e: robojac.solve_ik(e.planar, [0.5, 0.2, 0.0]),
        PoseError,
        "rotation is constrained; expected a 4×4 pose",
    ),
    Cli(
        "ik --target with 3 numbers and no --position-only",
        lambda e: ["ik", "panda", "--target", "0.45", "0", "0.3"],
        "add --position-only",
    ),
    Cli("ik --target with 5 numbers", lambda e: ["ik", "panda", "--target", "0.45", "0", "0.3", "1", "0"], "got 5"),
    Cli(
        "ik --html not an .html file",
        lambda e: ["ik", "planar_2r", "--target", "0.5", "0.2", "0", "--position-only", "--html", str(e.tmp / "p.png")],
        "--html must name an .html file",
    ),
    Cli(
        "ik --html in a missing folder",
        lambda e: [
            "ik",
            "planar_2r",
            "--target",
            "0.5",
            "0.2",
            "0",
            "--position-only",
            "--html",
            str(e.tmp / "no/p.html"),
        ],
        "does not exist",
    ),
    # Reachability maps (issue 14): a box of no volume, a grid past the cap, a scheduler
    # that does not answer and a store of another robot each say so instead of failing later.
    Api(
        "reachability region of zero size",
        lambda e: robojac.reachability_map(e.planar, [[0, 0, 0], [1, 0, 1]], progress=False),
        InputError,
        "zero or negative size along y",
    ),
    Api(
        "reachability resolution past the voxel cap",
        lambda e: robojac.reachability_map(e.panda, resolution=0.001, progress=False),
        InputError,
        "more than the cap of 1,000,000",
    ),
    Api(
        "unreachable Dask scheduler",
        lambda e: _connect("tcp://127.0.0.1:1"),
        InputError,
        "cannot reach a Dask scheduler",
    ),
    Api("reachability store of another robot", lambda e: _other_store(e), InputError, "written for another robot"),
    # position targets need a free rotation (issue 15)
    Api(
        "batch of positions with the rotation constrained",
        lambda e: robojac.solve_ik_batch(robojac.load("panda"), np.zeros((2, 3)) + 0.3, progress=False),
        PoseError,
        "targets[0] is a position (3 numbers) but the rotation is constrained",
    ),
    Cli(
        "ik --targets file of positions without --position-only",
        lambda e: ["ik", "panda", "--targets", e.write("p.csv", "0.45,0,0.3\n0.4,0.1,0.3\n")],
        "holds positions (3 columns) but the rotation is constrained",
    ),
    # Batch IK with collision checks (issue 13): the model is checked as solve_ik checks it,
    # and a model's description rebuilds only on the robot it describes.
    Api(
        "solve_ik_batch collision not a CollisionModel",
        lambda e: robojac.solve_ik_batch(e.panda, np.array([_FAR]), collision="table", progress=False),
        InputError,
        "collision must be a robojac.collision.CollisionModel",
    ),
    Api(
        "solve_ik_batch collision model of another robot",
        lambda e: robojac.solve_ik_batch(e.panda, np.array([_FAR]), collision=_cm(robojac.load("ur5")), progress=False),
        InputError,
        "built for robot 'ur5'",
    ),
    Api(
        "collision description rebuilt on another robot",
        lambda e: robojac.collision.CollisionModel.from_description(robojac.load("ur5"), _cm(e.panda).description()),
        ModelError,
        "rebuild it on the robot it was made for",
    ),
    Api(
        "collision description that is not one",
        lambda e: robojac.collision.CollisionModel.from_description(e.panda, {"margin": 0.0}),
        InputError,
        "takes the dict of CollisionModel.description()",
    ),
]


def _connect(address: str) -> Any:
    from robojac.scale import connect

    return connect(address, timeout=1.0)


def _other_store(e: Env, argv: list[str] | None = None) -> Any:
    """A store of the planar arm, then the Panda mapped into it (through the CLI when argv is given)."""
    store = str(e.tmp / "planar.zarr")
    robojac.reachability_map(e.planar, resolution=0.5, orientations=None, store=store, progress=False)
    if argv is not None:
        return [*argv, "--out", store]
    return robojac.reachability_map(e.panda, resolution=0.5, orientations=None, store=store, progress=False)


# ---------------------------------------------------------------------------- analysis, control and simulation
#: A tool link 0.5 m beyond the arm's last joint, so a controlled tip has somewhere to go.
TOOL = (
    '<link name="tool"/><joint name="tj" type="fixed"><parent link="l2"/><child link="tool"/>'
    '<origin xyz="0 0 0.5"/></joint>'
)

ANALYSIS: list[Api | Cli] = [
    Api("unknown ref", lambda e: e.panda.jacobian(e.panda.neutral(), ref="body"), FrameError, "local"),
    Api(
        "Jacobian whose singular values overflow",
        lambda e: robojac.analyze_jacobian(np.full((6, 2), 1e308)),
        InputError,
        "too large to analyse",
    ),
    Api(
        "Jacobian whose manipulability overflows",
        lambda e: robojac.analyze_jacobian(np.eye(6) * 1e100),
        InputError,
        "manipulability",
    ),
    Api(
        "dynamic simulation of 1e12 s",
        lambda e: robojac.simulate_dynamic(e.planar, None, [0.1, 0.2], duration=1e12),
        InputError,
        "at most 10,000,000 samples",
    ),
    Api(
        "dynamic simulation with an overflowing step count",
        lambda e: robojac.simulate_dynamic(e.planar, None, [0.1, 0.2], duration=1e308, dt=1e-300),
        InputError,
        "shorten duration or raise dt",
    ),
    Api(
        "kinematic simulation of 1e12 s",
        lambda e: robojac.simulate_kinematic(
            e.planar,
            robojac.ResolvedRateController(e.planar, e.planar.fk([0.3, 0.6]), task="position"),
            [0.3, 0.6],
            duration=1e12,
        ),
        InputError,
        "at most 10,000,000 samples",
    ),
    Cli("simulate for 1e12 s", lambda e: ["simulate", "planar_2r", "--duration", "1e12"], "duration = 1e+12 s"),
    Api("contact wrench of 2 numbers", lambda e: robojac.ContactWrench([1, 2]), InputError, "shape (6,)"),
    Api(
        "contact wrench with NaN",
        lambda e: robojac.ContactWrench([0, 0, np.nan, 0, 0, 0], "tool"),
        InputError,
        "finite",
    ),
    Api("contact wrench of a string", lambda e: robojac.ContactWrench("abc", "tool"), InputError, "6 finite numbers"),
    Api("contact wrench frame not a name", lambda e: robojac.ContactWrench([0] * 6, 7), InputError, "frame name"),
    Api(
        "contact wrench in ExternalWrench's order",
        lambda e: robojac.ContactWrench("tool", [0] * 6),
        InputError,
        "ContactWrench(wrench, frame, ref)",
    ),
    Api("contact wrench unknown ref", lambda e: robojac.ContactWrench([0] * 6, "tool", "base"), FrameError, "local"),
    Api(
        "gravity of 1e308",
        lambda e: robojac.gravity_torques(e.planar, [0.1, 0.2], [0, 0, -1e308]),
        InputError,
        "at most",
    ),
    Api(
        "simulation gravity of 1e308",
        lambda e: robojac.simulate_dynamic(e.planar, None, [0.1, 0.2], duration=0.01, gravity=[1e308, 0, 0]),
        InputError,
        "gravity must be an acceleration of at most",
    ),
    Api(
        "payload check under gravity of 1e5",
        lambda e: robojac.check_payload(e.panda, e.panda.neutral(), 1.0, gravity=[0, 0, -1e5]),
        InputError,
        "gravity",
    ),
    Api("payload of 1e308 kg", lambda e: robojac.Payload(1e308), InputError, "payload mass must be at most"),
    Api("payload mass True", lambda e: robojac.Payload(True), InputError, "kilograms"),
    Api(
        "static torques that overflow",
        lambda e: robojac.static_torques(
            e.planar, [0.1, 0.2], wrench=[robojac.Contact([1.5e308, 0, 0, 0, 0, 1.5e308])] * 2
        ),
        InputError,
        "overflow float64",
    ),
    Api("payload com 1e300 m away", lambda e: robojac.Payload(1.0, (1e300, 0, 0)), InputError, "payload com"),
    Api(
        "wrench whose torques overflow",
        lambda e: robojac.joint_torques(e.planar, [0.1, 0.2], [robojac.Contact([1.5e308, 0, 0, 0, 0, 1.5e308])] * 2),
        InputError,
        "overflow",
    ),
    Api("exp6 of 1e308", lambda e: robojac.pose.exp6([0, 0, 0, 1e308, 0, 0]), InputError, "too large for exp6"),
    Api("exp6 of a huge velocity", lambda e: robojac.pose.exp6([1e300, 0, 0, 0, 0, 1e10]), InputError, "exp6"),
    Api(
        "log6 of a pose at float64's edge",
        lambda e: robojac.pose.log6(
            np.array([[-1, 0, 0, 1.7e308], [0, -1, 0, 1.7e308], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float)
        ),
        InputError,
        "overflows",
    ),
    Api(
        "circle period 1e-320", lambda e: robojac.Circle([0, 0, 0], 0.1, np.eye(3), period=1e-320), InputError, "period"
    ),
    Api("circle ramp 1e-320", lambda e: robojac.Circle([0, 0, 0], 0.1, np.eye(3), ramp=1e-320), InputError, "ramp"),
    Api("circle radius 1e308", lambda e: robojac.Circle([0, 0, 0], 1e308, np.eye(3)), InputError, "too large"),
    Api("line duration 1e-320", lambda e: robojac.Line(np.eye(4), np.eye(4), 1e-320), InputError, "at least 1e-06 s"),
    Api(
        "line whose length overflows",
        lambda e: robojac.Line(
            np.array([[1, 0, 0, -1e308], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float),
            np.array([[1, 0, 0, 1e308], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=float),
            1.0,
        ),
        InputError,
        "overflow",
    ),
    Api("time law 1e-320 s", lambda e: robojac.TimeLaw(1e-320), InputError, "duration"),
    Api("trapezoid accel time 1e-300 s", lambda e: robojac.TimeLaw(1.0, "trapezoidal", 1e-300), InputError, "accel"),
    Api("accel_fraction string", lambda e: robojac.TimeLaw(1.0, "trapezoidal", "x"), InputError, "accel_fraction"),
    Api("waypoints 1e-320 s apart", lambda e: robojac.Waypoints([np.eye(4)] * 2, [0, 1e-320]), InputError, "apart"),
    Api(
        "joint trajectory 1e-320 s apart",
        lambda e: robojac.JointTrajectory(e.planar, [[0.1, 0.2], [0.2, 0.3]], [0, 1e-320]),
        InputError,
        "apart",
    ),
    Api(
        "impedance on a massless arm",
        lambda e: robojac.CartesianImpedanceController(
            (r := robojac.load(e.write("massless.urdf", arm(inertial="", extra=TOOL)))), r.fk([0.3, 0.6])
        ),
        ModelError,
        "move no mass or inertia",
    ),
    Api(
        "OSC on a massless arm",
        lambda e: robojac.OperationalSpaceController(
            (r := robojac.load(e.write("massless.urdf", arm(inertial="", extra=TOOL)))), r.fk([0.3, 0.6])
        ),
        ModelError,
        "invertible joint-space inertia",
    ),
    Api(
        "joint PD default gains on a massless arm",
        lambda e: robojac.JointPDController(robojac.load(e.write("massless.urdf", arm(inertial=""))), [0.3, 0.6]),
        ModelError,
        "move no mass",
    ),
    Api(
        "dynamic simulation of a massless arm",
        lambda e: robojac.simulate_dynamic(
            robojac.load(e.write("massless.urdf", arm(inertial=""))), None, [0.3, 0.6], duration=0.01
        ),
        ModelError,
        "'j1', 'j2' move no mass",
    ),
    Cli(
        "simulate impedance on a massless arm",
        lambda e: [
            "simulate",
            e.write("massless.urdf", arm(inertial="", extra=TOOL)),
            "--controller",
            "impedance",
            "--trajectory",
            "hold",
        ],
        "move no mass or inertia",
    ),
    Cli(
        "simulate OSC on a massless arm",
        lambda e: [
            "simulate",
            e.write("massless.urdf", arm(inertial="", extra=TOOL)),
            "--controller",
            "osc",
            "--trajectory",
            "hold",
        ],
        "move no mass or inertia",
    ),
    Api(
        "damped step of an overflowing Jacobian",
        lambda e: robojac.dls.damped_step(np.full((6, 2), 1e308), np.ones(6)),
        InputError,
        "too large to analyse",
    ),
]


# ---------------------------------------------------------------------------- viewer
def _view(e: Env) -> Any:
    """An in-memory viewer of the planar arm (no server, no network)."""
    from robojac.viz import Viewer

    return Viewer(e.planar, server=False)


def _nan_camera(e: Env) -> Any:
    from robojac.viz import scene

    return scene.camera_commands(np.array([np.nan, 0.0, 0.0]), 1.0)


VIEWER: list[Api | Cli] = [
    Api("add_text(None)", lambda e: _view(e).add_text(None), InputError, "text must be a string, got NoneType"),
    Api(
        "add_text at an inf position", lambda e: _view(e).add_text("hi", position=[0, 0, np.inf]), InputError, "finite"
    ),
    Api("add_text of NaN size", lambda e: _view(e).add_text("hi", size=np.nan), InputError, "size must be a positive"),
    Api(
        "add_arrow whose scale overflows",
        lambda e: _view(e).add_arrow([0, 0, 0], [1e300, 0, 0], scale=1e10),
        InputError,
        "too large to draw",
    ),
    Api(
        "add_wrench whose scale overflows",
        lambda e: _view(e).add_wrench([1e300, 0, 0, 0, 0, 0], force_scale=1e10),
        InputError,
        "too large to draw",
    ),
    Api("add_path beyond 32-bit floats", lambda e: _view(e).add_path([[0, 0, 0], [1e39, 0, 0]]), InputError, "32-bit"),
    Api(
        "add_path colour with NaN",
        lambda e: _view(e).add_path([[0, 0, 0], [1, 0, 0]], color=(np.nan, 0, 0)),
        InputError,
        "color",
    ),
    Api("remove an unhashable name", lambda e: _view(e).remove(["x"]), InputError, "no overlay called ['x']"),
    Api("overlay_info of a dict", lambda e: _view(e).overlay_info({}), InputError, "no overlay called {}"),
    Api(
        "per_link as a string",
        lambda e: _view(e).color_by_singularity(per_link="no"),
        InputError,
        "per_link must be True or False",
    ),
    Api(
        "play with loop=NaN",
        lambda e: _view(e).play(np.zeros((2, 2)), loop=np.nan),
        InputError,
        "loop must be True or False",
    ),
    Api(
        "play whose frame numbers overflow",
        lambda e: _view(e).play(np.zeros((2, 2)), [0.0, 1e308], fps=1e10),
        InputError,
        "finite frame numbers",
    ),
    Api("save_html(None)", lambda e: _view(e).save_html(None), InputError, "path must be a file name"),
    Api(
        "Viewer prefix None",
        lambda e: robojac.Viewer(e.planar, server=False, prefix=None),
        InputError,
        "prefix must be",
    ),
    Api("camera at a NaN centre", _nan_camera, ViewerError, "cannot aim the camera"),
    Api("notebook cell 5 px high", lambda e: _view(e).notebook_cell(height=5), InputError, "height must be a whole"),
    Api("notebook cell of height 400.5", lambda e: _view(e).notebook_cell(height=400.5), InputError, "height"),
    Api("Page of a missing file", lambda e: _page(path=e.tmp / "none.html"), ViewerError, "cannot read the page"),
    Api("Page of no page", lambda e: _page(), InputError, "Page needs a saved page's path or its html"),
    Api("Page of html=3", lambda e: _page(html=3), InputError, "html must be a string"),
    Api("frame with a NaN azimuth", lambda e: _view(e).frame(azimuth=np.nan), InputError, "azimuth"),
    Api("frame with two azimuths", lambda e: _view(e).frame(azimuth=[0, 45]), InputError, "azimuth must be one number"),
]


def _page(**kw: Any) -> Any:
    from robojac.viz import Page

    return Page(**kw)


# ---------------------------------------------------------------------------- command line
def _npy(e: Env, name: str, arr: np.ndarray) -> str:
    """Save ``arr`` to ``tmp/name`` and return its path."""
    np.save(e.tmp / name, arr)
    return str(e.tmp / name)


def _folder(e: Env, name: str) -> str:
    (e.tmp / name).mkdir()
    return str(e.tmp / name)


#: a target the panda reaches, as a CSV row x,y,z,qx,qy,qz,qw
_ROW = "0.45,0,0.3,1,0,0,0\n"

CLI: list[Api | Cli] = [
    Cli("unknown subcommand", lambda e: ["frobnicate", "panda"], "invalid choice"),
    # collide and ik --avoid-collisions (issue 13)
    Cli(
        "collide with a non-positive obstacle size",
        lambda e: ["collide", "panda", "--obstacle", "box", "0.5", "0", "0.5", "0.1", "-0.1", "1"],
        "'box1'",
    ),
    Cli(
        "collide with too few obstacle numbers",
        lambda e: ["collide", "panda", "--obstacle", "sphere", "0.5", "0"],
        "takes 4 numbers",
    ),
    Cli("collide with an unknown obstacle kind", lambda e: ["collide", "panda", "--obstacle", "cube", "1"], "unknown"),
    Cli("collide on a URDF without <collision>", lambda e: ["collide", e.write("b.urdf", arm())], "no <collision>"),
    Cli(
        "ik --obstacle without --avoid-collisions",
        lambda e: ["ik", "panda", "--target", "0.4", "0", "0.4", "1", "0", "0", "0", "--obstacle", "plane", "0"],
        "--avoid-collisions",
    ),
    Cli("unknown frame", lambda e: ["fk", "panda", "--frame", "panda_link77"], "panda_link7"),
    # A first row with a typo was taken for a header and dropped: "solved 1 of 1 targets".
    Cli(
        "ik targets CSV, typo in the first row",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", "0.45,0,0.3,1,0,0,O\n" + _ROW)],
        "t.csv line 1, cell 7: 'O'",
    ),
    Cli(
        "ik targets CSV, typo in a later row",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", "x,y,z,qx,qy,qz,qw\n" + _ROW + "0.45,0,0.3,1,0,0,O\n")],
        "t.csv line 3, cell 7: 'O' is not a number",
    ),
    Cli(
        "ik targets CSV, a first row of names with a number-like typo",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", "x,y,1e,qx,qy,qz,qw\n" + _ROW)],
        "t.csv line 1, cell 3: '1e'",
    ),
    Cli(
        "ik targets CSV, header of 3 names over rows of 7",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", "x,y,z\n" + _ROW)],
        "names 3 columns",
    ),
    Cli(
        "scan path CSV, typo in the first row",
        lambda e: ["scan", "panda", "--path", e.write("p.csv", "0,0,0,-1,0,1,O\n0,0,0,-1,0,1,0\n")],
        "p.csv line 1, cell 7: 'O'",
    ),
    Cli(
        "scan path CSV, typo in a later row",
        lambda e: ["scan", "panda", "--path", e.write("p.csv", "0,0,0,-1,0,1,0\n0,0,0,-1,0,1,O\n")],
        "p.csv line 2, cell 7: 'O' is not a number",
    ),
    # A complex .npy printed a ComplexWarning (three lines) and dropped the imaginary part.
    Cli(
        "ik targets .npy of complex numbers",
        lambda e: ["ik", "panda", "--targets", _npy(e, "c.npy", np.zeros((2, 7), complex))],
        "c.npy holds an array of dtype complex128, not real numbers; expected a real float array of shape (N, 7)",
    ),
    Cli(
        "ik targets .npy of strings",
        lambda e: ["ik", "panda", "--targets", _npy(e, "s.npy", np.array([["a"] * 7]))],
        "s.npy holds an array of dtype <U1",
    ),
    Cli(
        "ik targets .npy that is a folder",
        lambda e: ["ik", "panda", "--targets", _folder(e, "d.npy")],
        "d.npy is not a file but a folder",
    ),
    Cli(
        "ik targets .npy that is not a .npy file",
        lambda e: ["ik", "panda", "--targets", e.write("x.npy", "hello")],
        "cannot read targets file",
    ),
    Cli(
        "scan path .npy of complex numbers",
        lambda e: ["scan", "panda", "--path", _npy(e, "c.npy", np.zeros((2, 7), complex))],
        "c.npy holds an array of dtype complex128, not real numbers; expected a real float array of shape (N, 7)",
    ),
    Cli(
        "scan path .npy of strings",
        lambda e: ["scan", "panda", "--path", _npy(e, "s.npy", np.array([["a"] * 7]))],
        "s.npy holds an array of dtype <U1",
    ),
    Cli(
        "scan path that is a folder",
        lambda e: ["scan", "panda", "--path", _folder(e, "d.npy")],
        "d.npy is not a file but a folder",
    ),
    Cli(
        "scan path .npy of the wrong width",
        lambda e: ["scan", "panda", "--path", _npy(e, "w.npy", np.zeros((3, 6)))],
        "w.npy holds an array of shape (3, 6); expected a real float array of shape (N, 7)",
    ),
    # 1e15 samples printed a MemoryError traceback. Until robojac/simulate.py caps the sample
    # count, this row passes through main()'s out-of-memory catch (one line naming the command,
    # hence "duration"); once the cap lands, through the simulator's InputError on the duration.
    Cli("simulate --duration 1e12", lambda e: ["simulate", "panda", "--duration", "1e12"], "duration"),
    # --for nan ended the serving at once, as if it had served its time.
    Cli("view --for nan", lambda e: ["view", "planar_2r", "--for", "nan"], "--for takes a number of seconds >= 0"),
    Cli(
        "view --target with NaN",
        lambda e: ["view", "planar_2r", "--html", str(e.tmp / "v.html"), "--target", "nan", "0", "0"],
        "finite",
    ),
    Cli(
        "reachmap region of zero size",
        lambda e: ["reachmap", "planar_2r", "--out", str(e.tmp / "z.zarr"), "--region", "0", "0", "0", "1", "0", "1"],
        "zero or negative size",
    ),
    Cli(
        "reachmap past the voxel cap",
        lambda e: ["reachmap", "panda", "--resolution", "0.001", "--out", str(e.tmp / "c.zarr")],
        "--force",
    ),
    Cli(
        "reachmap with an unreachable scheduler",
        lambda e: [
            "reachmap",
            "planar_2r",
            "--out",
            str(e.tmp / "s.zarr"),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--connect-timeout",
            "1",
        ],
        "cannot reach a Dask scheduler",
    ),
    Cli(
        "reachmap into another robot's store",
        lambda e: _other_store(e, ["reachmap", "panda", "--resolution", "0.5", "--position-only"]),
        "written for another robot",
    ),
    Cli(
        "ik --targets --obstacle without --avoid-collisions",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", _ROW), "--obstacle", "plane", "0"],
        "--obstacle goes with --avoid-collisions",
    ),
    Cli(
        "ik --targets --avoid-collisions with a bad obstacle",
        lambda e: ["ik", "panda", "--targets", e.write("t.csv", _ROW), "--avoid-collisions", "--obstacle", "box", "1"],
        "takes 6 numbers",
    ),
]


TABLE: list[Api | Cli] = LOADING + CONFIGURATIONS + IK + ANALYSIS + VIEWER + CLI
