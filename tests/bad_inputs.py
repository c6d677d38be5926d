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
from robojac.errors import FrameError, InputError, ModelError, RobojacError, UnknownRobotError, URDFError


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
IK: list[Api | Cli] = [
    Api("target with NaN", lambda e: robojac.solve_ik(e.planar, np.full((4, 4), np.nan)), InputError, "finite"),
]


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
