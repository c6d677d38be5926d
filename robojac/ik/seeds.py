"""Where the solver's attempts restart: seed tables, the restart schedule, the sampling box.

Each robot and frame gets a table of ``SEED_TABLE_SIZE`` configurations with the poses of
the frame, drawn once with a fixed seed. A solve that stalls restarts from the seeds whose
poses are nearest the target, from mid-range, then from random configurations over the
whole ranges (:class:`Restarts`). ``docs/inverse-kinematics.md`` ("Restarts and the time
budget") has the measurements behind each choice.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pinocchio as pin

from .._validate import FloatArray
from ..robot import Robot

#: Restart seeds: configurations drawn once per robot and frame from the middle half of
#: each joint range, with their frame poses (see :func:`seed_table`).
SEED_TABLE_SIZE = 256
#: Restarts 1, 3, 5, 7 start from the four seeds nearest the target; later ones are random.
NEAREST_SEEDS = 4
#: Rows of uniform draws behind the random restarts (see :meth:`Restarts.start`).
RANDOM_BANK = 4096

_TURN = 2 * math.pi


@dataclass(frozen=True)
class SeedTable:
    """Restart seeds for one robot and frame: configurations and their frame poses (read-only arrays)."""

    q: FloatArray  # (M, dof)
    features: FloatArray  # (M, 12): the top three rows [R | p] of each pose, flattened
    sq_norms: FloatArray  # (M,) ‖p‖² [m²]
    rotation_scale: float  # c [m²/rad²] of the pose distance
    uniform: FloatArray  # (RANDOM_BANK, dof) uniform draws in [0, 1) for the random restarts


#: Seed tables by robot and frame, shared by all threads: read-only once built.
_SEED_TABLES: weakref.WeakKeyDictionary[Robot, dict[int, SeedTable]] = weakref.WeakKeyDictionary()
_SEED_TABLES_LOCK = threading.Lock()


class Restarts:
    """The restart schedule of one solver: the start of each restart of a solve.

    Args:
        robot: the arm.
        frame_id: Pinocchio index of the frame placed.
        keep: (6,) bool, the constrained error axes ``[x, y, z, rx, ry, rz]``: the pose
            distance to the target counts position whenever a position axis is
            constrained, rotation when all three rotation axes are.
    """

    def __init__(self, robot: Robot, frame_id: int, keep: np.ndarray) -> None:
        self.table = seed_table(robot, frame_id)
        self.lo, self.hi = sampling_box(robot)
        self.mid = 0.5 * (self.lo + self.hi)
        self.span = self.hi - self.lo
        wp, wr = float(keep[:3].any()), float(keep[3:].all()) * self.table.rotation_scale
        self.weights = np.array([[-wr, -wr, -wr, -2.0 * wp]] * 3).ravel()
        self.offsets = wp * self.table.sq_norms

    def distances(self, T: FloatArray) -> FloatArray:
        """Distance of each seed's pose to the target (4, 4) in Pinocchio's world, up to a constant [m²].

        The distance is ``‖p − p*‖² + c (3 − tr(Rᵀ R*))`` [m²], where ``3 − tr(RᵀR*) =
        2(1 − cos θ) ≈ θ²`` for the angle θ between the rotations, and ``c`` [m²/rad²] is
        0.3 times the seeds' mean squared distance from their centroid: a turn counts like
        a move across a fraction of the workspace. Up to a constant it is ``‖p‖² − 2 p·p* −
        c R:R*``, one product of the seeds' stacked top rows ``[R | p]`` of their poses with
        the target's, weighted.
        """
        return np.asarray(self.table.features.dot(T[:3].ravel() * self.weights) + self.offsets)

    def start(self, restarts: int, distances: FloatArray, seed: int) -> FloatArray:
        """Start (dof,) of restart number ``restarts`` (1, 2, ...) [rad or m].

        Restarts 1, 3, 5 and 7 start near the ``NEAREST_SEEDS`` seed-table configurations
        whose poses are nearest the target (``distances``, from :meth:`distances`): a start
        whose pose is near the target's, and which is away from the limits, converges more
        often and in fewer iterations than the middle of the ranges or a random start.
        Restart 2 starts near the middle of the joint ranges. All other restarts are
        uniformly random over the whole ranges: targets that need many restarts are mostly
        ones whose solutions have a joint at or near a limit, which the middle-half seeds do
        not cover. "Near" is a random offset of up to 1 % of each range, so that every
        restart differs.

        The random numbers are row ``(9973·seed + restarts) mod RANDOM_BANK`` of the seed
        table's bank of uniform draws: a fixed ``seed`` repeats a solve, different seeds
        read different rows, and no generator is seeded per solve (that would cost as much
        as an iteration).
        """
        u = self.lo + self.span * self.table.uniform[(9973 * seed + restarts) % RANDOM_BANK]
        jitter = 0.02 * (u - self.mid)
        if restarts % 2 and restarts < 2 * NEAREST_SEEDS:
            i = restarts // 2
            # The nearest seed serves most solves; sorting all of them waits for restart 3.
            nearest = distances.argmin() if i == 0 else np.argsort(distances)[i]
            return np.asarray(self.table.q[nearest] + jitter)
        if restarts == 2:
            return np.asarray(self.mid + jitter)
        return np.asarray(u)


def sampling_box(robot: Robot) -> tuple[FloatArray, FloatArray]:
    """Where restart and seed configurations are drawn: (lower, upper) per joint [rad or m].

    The joint's range, except for continuous joints and revolute joints whose range spans
    a full turn or more: those take one turn, ``[c − π, c + π]`` about the angle ``c`` of
    their range nearest 0. One turn reaches every pose, and a joint with wide limits (±2π,
    or ±1e9 standing in for "unbounded") should not start attempts, and end them, many
    turns from zero.
    """
    lower, upper = np.array(robot.lower, dtype=float), np.array(robot.upper, dtype=float)
    turn = turns(robot)
    centre = np.clip(0.0, lower + math.pi, upper - math.pi)  # 0 for a continuous joint
    lo = np.where(turn, np.maximum(centre - math.pi, lower), lower)
    hi = np.where(turn, np.minimum(centre + math.pi, upper), upper)
    return lo, hi


def turns(robot: Robot) -> np.ndarray:
    """Which joints turn freely: continuous joints, and revolute joints whose range spans a full turn."""
    span = np.asarray(robot.upper, dtype=float) - np.asarray(robot.lower, dtype=float)
    return np.asarray((np.array(robot.joint_types) != "prismatic") & ~(span < _TURN))


def seed_table(robot: Robot, frame_id: int) -> SeedTable:
    """The restart seeds of ``robot`` for ``frame_id``, drawn once (fixed seed) and cached.

    ``SEED_TABLE_SIZE`` configurations uniform in the middle half of each joint range
    (which keeps them off the limits), and over the whole turn of :func:`sampling_box`
    for a joint that turns freely (it has no limit to keep off), with the poses of the
    frame in Pinocchio's world frame, which is where the solver compares poses.
    """
    with _SEED_TABLES_LOCK:  # one build per robot and frame, even when threads start together
        tables = _SEED_TABLES.setdefault(robot, {})
        if frame_id not in tables:
            tables[frame_id] = _build_seed_table(robot, frame_id)
        return tables[frame_id]


def _build_seed_table(robot: Robot, frame_id: int) -> SeedTable:
    lo, hi = sampling_box(robot)
    mid = 0.5 * (lo + hi)
    u = np.random.default_rng(20240607).uniform(lo, hi, size=(SEED_TABLE_SIZE, robot.dof))
    Q = mid + np.where(turns(robot), 1.0, 0.5) * (u - mid)
    model = robot.model
    data = model.createData()  # the robot's model is only read; its Data is not touched
    X = np.empty((SEED_TABLE_SIZE, 3, 4))
    for i, q in enumerate(Q):
        pin.forwardKinematics(model, data, robot.to_pinocchio(q))
        X[i] = pin.updateFramePlacement(model, data, frame_id).homogeneous[:3]
    P = X[:, :, 3]
    table = SeedTable(
        Q,
        X.reshape(SEED_TABLE_SIZE, 12),
        (P * P).sum(axis=1),
        0.3 * float(P.var(axis=0).sum()),
        np.random.default_rng(20240608).random((RANDOM_BANK, robot.dof)),
    )
    for arr in (table.q, table.features, table.sq_norms, table.uniform):
        arr.flags.writeable = False
    return table
