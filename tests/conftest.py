"""Shared fixtures and the finite-difference references the tests check against."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pinocchio as pin
import pytest

import robojac
from robojac.cli import main
from robojac.pose import inverse, log6

DATA = Path(__file__).resolve().parent / "data"
BUNDLED = robojac.bundled_robots()
REFS = ("local", "world", "local_world_aligned")


@pytest.fixture(scope="session")
def robots() -> dict[str, robojac.Robot]:
    return {name: robojac.load(name) for name in BUNDLED}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the ``robojac`` command in this process: ``code, out, err = cli("fk", "panda")``."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def panda(robots: dict[str, robojac.Robot]) -> robojac.Robot:
    """The bundled Panda, shared by every test: a Robot is immutable and safe across threads."""
    return robots["panda"]


@pytest.fixture(scope="session")
def clash_arm() -> robojac.Robot:
    with pytest.warns(robojac.MeshWarning):  # its missing.dae is missing on purpose
        return robojac.load(DATA / "clash_arm.urdf", tip="tool", package_dirs=[str(DATA)])


def fd_jacobian(robot: robojac.Robot, q: np.ndarray, frame: str | None, ref: str, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of ``robot.fk`` on SE(3), column by column.

    * local: log6(T⁻¹ T(q ± h eᵢ)) — the body twist;
    * world: log6(T(q ± h eᵢ) T⁻¹) — the spatial twist about the base origin;
    * local_world_aligned: the origin's displacement and log3(R(q ± h eᵢ) Rᵀ).
    """
    T = robot.fk(q, frame)
    Ti = inverse(T)
    J = np.zeros((6, robot.dof))
    for i in range(robot.dof):
        cols = []
        for sign in (1.0, -1.0):
            dq = np.zeros(robot.dof)
            dq[i] = sign * h
            Tq = robot.fk(q + dq, frame)
            if ref == "local":
                cols.append(log6(Ti @ Tq))
            elif ref == "world":
                cols.append(log6(Tq @ Ti))
            else:
                cols.append(np.concatenate([Tq[:3, 3] - T[:3, 3], pin.log3(Tq[:3, :3] @ T[:3, :3].T)]))
        J[:, i] = (cols[0] - cols[1]) / (2 * h)
    return J
