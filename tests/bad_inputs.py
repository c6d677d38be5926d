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
    Api("complex q", lambda e: e.panda.fk(np.full(7, 0.1, dtype=complex)), InputError, "complex numbers"),
    Api("complex q in a list", lambda e: e.planar.fk([0.1, 0.2 + 1j]), InputError, "complex numbers"),
    Api("q of numeric strings", lambda e: e.panda.fk(np.array(["0.1"] * 7)), InputError, "strings"),
    Api("q of bools", lambda e: e.panda.fk([True, False] * 3 + [True]), InputError, "booleans"),
    Api("q of bool array", lambda e: e.planar.jacobian(np.ones(2, dtype=bool)), InputError, "booleans"),
    Api("q of object dtype", lambda e: e.panda.fk(np.zeros(7, dtype=object)), InputError, "Python objects"),
    Api("q with a None", lambda e: e.planar.fk([0.1, None]), InputError, "real numbers"),
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
IK: list[Api | Cli] = [
    Api("target with NaN", lambda e: robojac.solve_ik(e.planar, np.full((4, 4), np.nan)), InputError, "finite"),
]


# ---------------------------------------------------------------------------- analysis, control and simulation
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
    Api("external wrench of 2 numbers", lambda e: robojac.ExternalWrench(None, [1, 2]), InputError, "shape (6,)"),
    Api(
        "external wrench with NaN",
        lambda e: robojac.ExternalWrench("tool", [0, 0, np.nan, 0, 0, 0]),
        InputError,
        "finite",
    ),
    Api("external wrench of a string", lambda e: robojac.ExternalWrench("tool", "abc"), InputError, "6 finite numbers"),
    Api("external wrench frame not a name", lambda e: robojac.ExternalWrench(7, [0] * 6), InputError, "frame name"),
    Api("external wrench unknown ref", lambda e: robojac.ExternalWrench("tool", [0] * 6, "base"), FrameError, "local"),
    Api(
        "damped step of an overflowing Jacobian",
        lambda e: robojac.damped_step(np.full((6, 2), 1e308), np.ones(6)),
        InputError,
        "too large to analyse",
    ),
]


# ---------------------------------------------------------------------------- viewer
VIEWER: list[Api | Cli] = []


# ---------------------------------------------------------------------------- command line
CLI: list[Api | Cli] = [
    Cli("unknown subcommand", lambda e: ["frobnicate", "panda"], "invalid choice"),
    Cli("unknown frame", lambda e: ["fk", "panda", "--frame", "panda_link77"], "panda_link7"),
]


TABLE: list[Api | Cli] = LOADING + CONFIGURATIONS + IK + ANALYSIS + VIEWER + CLI
