"""The bad-input table: every hostile input robojac has been shown, and what it must answer.

One row per case, grouped by area. An :class:`Api` row is a call that must raise the
given :class:`~robojac.errors.RobojacError` subclass with a message containing
``phrase``; a :class:`Cli` row is a command line that must exit with status 2 and print
exactly one line on stderr containing ``phrase``. ``tests/test_bad_inputs.py`` runs every
row. The table only grows: a defect found is a new row here, next to its area's rows.

Calls take an :class:`Env`: a scratch folder, two loaded robots and small URDF writers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import robojac
from robojac.errors import FrameError, InputError, RobojacError, UnknownRobotError, URDFError


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
LOADING: list[Api | Cli] = [
    Api("unknown robot name", lambda e: robojac.load("pandaa"), UnknownRobotError, "panda"),
    Api("missing URDF file", lambda e: robojac.load(str(e.tmp / "nope.urdf")), URDFError, "nope.urdf"),
]


# ---------------------------------------------------------------------------- configurations and options
CONFIGURATIONS: list[Api | Cli] = [
    Api("q with NaN", lambda e: e.panda.fk([np.nan] * 7), InputError, "finite"),
    Api("q of the wrong length", lambda e: e.panda.fk([0.0] * 6), InputError, "shape (7,)"),
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
]


# ---------------------------------------------------------------------------- analysis, control and simulation
ANALYSIS: list[Api | Cli] = [
    Api("unknown ref", lambda e: e.panda.jacobian(e.panda.neutral(), ref="body"), FrameError, "local"),
]


# ---------------------------------------------------------------------------- viewer
VIEWER: list[Api | Cli] = []


# ---------------------------------------------------------------------------- command line
CLI: list[Api | Cli] = [
    Cli("unknown subcommand", lambda e: ["frobnicate", "panda"], "invalid choice"),
    Cli("unknown frame", lambda e: ["fk", "panda", "--frame", "panda_link77"], "panda_link7"),
]


TABLE: list[Api | Cli] = LOADING + CONFIGURATIONS + IK + ANALYSIS + VIEWER + CLI
