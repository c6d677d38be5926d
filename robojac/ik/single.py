"""One target: :func:`solve_ik`, with each thread's solvers kept by robot and options."""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..robot import Robot
from .options import (
    DEFAULT_OPTIONS,
    IKOptions,
    check_robot,
    check_seed,
    check_target,
    given_options,
    keywords_key,
    position_target,
)
from .results import IKResult
from .solver import Solver


class _Kept:
    """One thread's solvers for one robot: by their options, and by the solve_ik keyword
    values (with their types) that made those options."""

    __slots__ = ("by_keywords", "by_options")

    def __init__(self) -> None:
        self.by_options: dict[IKOptions, Solver] = {}
        self.by_keywords: dict[tuple[Any, ...], tuple[tuple[type, ...], Solver]] = {}


class _PerThread(threading.local):
    """Each thread's solvers, by robot.

    Checking options and allocating scratch space for each call would cost as much as a
    solve, so solvers are kept; and since a solve moves its solver's model to its target,
    threads must not share one (they got each other's answers).
    """

    def __init__(self) -> None:
        self.robots: weakref.WeakKeyDictionary[Robot, _Kept] = weakref.WeakKeyDictionary()
        # The robot of the last lookup and its solvers: most calls repeat it, and checking
        # it is cheaper than a lookup in the weak dictionary.
        self.last: tuple[weakref.ref[Robot], _Kept] | None = None


_SOLVERS = _PerThread()
_CACHE_SIZE = 16


def _kept(robot: Robot) -> _Kept:
    mine = _SOLVERS
    last = mine.last
    if last is not None and last[0]() is robot:
        return last[1]
    kept = mine.robots.get(robot)
    if kept is None:
        kept = mine.robots[robot] = _Kept()
    mine.last = (weakref.ref(robot), kept)
    return kept


def cached_solver(robot: Robot, opts: IKOptions) -> Solver:
    """This thread's solver for ``robot`` and checked ``opts``, built on first use."""
    kept = _kept(robot)
    solver = kept.by_options.get(opts)
    if solver is None:
        solver = Solver(robot, opts)
        if len(kept.by_options) >= _CACHE_SIZE:
            kept.by_options.clear()
            kept.by_keywords.clear()
        kept.by_options[opts] = solver
    return solver


def keywords_solver(robot: Robot, values: tuple[Any, ...]) -> Solver:
    """This thread's solver for ``robot`` and solve_ik's option keywords ``values``.

    The keywords are checked by building their IKOptions, unless the same values, of the
    same exact types, were checked before (:func:`~robojac.ik.options.keywords_key`):
    building one on every call would cost a noticeable share of a solve.
    """
    kept = _kept(robot)
    types = tuple(map(type, values))
    try:
        hit = kept.by_keywords.get(values)
    except TypeError:  # a list among them: a mask or weights
        hit = None
    if hit is not None and hit[0] == types:  # type objects compare by identity: fast
        return hit[1]
    key = keywords_key(values, types)
    if key is not None and key is not values:
        hit = kept.by_keywords.get(key)
        if hit is not None and hit[0] == types:
            return hit[1]
    solver = cached_solver(robot, IKOptions(*values))  # raises on a bad value: nothing is kept
    if key is not None:
        if len(kept.by_keywords) >= 4 * _CACHE_SIZE:
            kept.by_keywords.clear()
        kept.by_keywords[key] = (types, solver)
    return solver


_D = DEFAULT_OPTIONS


def solve_ik(
    robot: Robot,
    target: Any,
    q0: Any = None,
    *,
    frame: str | None = _D.frame,
    position_tolerance: float = _D.position_tolerance,
    rotation_tolerance: float = _D.rotation_tolerance,
    timeout: float | None = _D.timeout,
    seed: int | None = None,
    max_iterations: int = _D.max_iterations,
    max_restarts: int | None = _D.max_restarts,
    position_only: bool = _D.position_only,
    mask: Sequence[bool] | None = _D.mask,
    weights: Sequence[float] | None = _D.weights,
    damping: str | float = _D.damping,
    nullspace: str | None = _D.nullspace,
    nullspace_gain: float = _D.nullspace_gain,
    options: IKOptions | None = None,
    collision: Any = None,
) -> IKResult:
    """Joint values that put ``frame`` at ``target``: damped least squares with restarts.

    Args:
        robot: the arm.
        target: desired pose of ``frame`` in the base frame: a (4, 4) array, a
            ``pinocchio.SE3`` or a ``(position [m], quaternion_xyzw)`` pair; or, when the
            rotation is free (``position_only=True``, or a ``mask`` that frees rx, ry, rz),
            just the position ``[x, y, z]`` [m].
        q0: start (dof,) [rad or m]; default ``robot.neutral()``. Clipped into the limits.
        seed: seeds the random restart configurations (None means 0), so a call repeats.
        **options: ``frame``, ``position_tolerance``, ``rotation_tolerance``, ``timeout``,
            ``max_iterations``, ``max_restarts``, ``position_only``, ``mask``, ``weights``,
            ``damping``, ``nullspace``, ``nullspace_gain``: as described in
            :class:`IKOptions`, which also gives their defaults.
        options: all of these at once, as an :class:`IKOptions`; then the keywords above
            must be left at their defaults.
        collision: a :class:`robojac.collision.CollisionModel` of ``robot``: only answers
            with every pair at least its margin apart succeed; one in collision is rejected
            and the solver restarts within its budget (``IKResult.collision`` names the pair
            when every converged answer collided). None (default): no collision checks, no cost.

    Returns:
        An :class:`IKResult`. Failing to converge is a result (``success=False``, the best
        ``q`` found), not an exception.

    Raises:
        PoseError: a target that is not a rigid transform (scaled, sheared, reflected,
            wrong shape), or a malformed (position, quaternion) pair.
        InputError: a target with NaN or infinite entries, a ``q0`` of the wrong shape
            or not finite, a non-positive tolerance or timeout, or a bad option.
        FrameError: an unknown ``frame``.
    """
    values = (
        frame,
        position_tolerance,
        rotation_tolerance,
        timeout,
        max_iterations,
        max_restarts,
        position_only,
        mask,
        weights,
        damping,
        nullspace,
        nullspace_gain,
    )
    check_robot(robot)
    if options is None:
        solver = keywords_solver(robot, values)
    else:
        solver = cached_solver(robot, given_options(options, values))
    # The budget starts once the solver exists: its one-time set-up (the seed table and a
    # warm-up solve) would otherwise eat most of a first call's 5 ms, and fail targets that
    # later calls solve. It covers the input checks.
    t_start = time.perf_counter()
    T = check_target(
        target
        if type(target) is np.ndarray and target.shape == (4, 4)
        else position_target(target, solver.rotation_free)
    )
    if q0 is None:
        start = robot.neutral()
    elif type(q0) is np.ndarray and q0.shape == (robot.dof,) and q0.dtype == np.float64 and math.isfinite(q0.dot(q0)):
        start = q0  # already a clean vector: skip the general check
    else:
        start = robot.check_q(q0, "q0")
    if collision is not None:
        check_collision_model(robot, collision)
    return solver.solve(T, start, check_seed(seed), t_start, collision)


def check_collision_model(robot: Robot, collision: Any) -> None:
    """``collision`` is a CollisionModel built for ``robot``, or an InputError saying what it is."""
    from ..collision import CollisionModel

    if not isinstance(collision, CollisionModel):
        raise InputError(
            f"collision must be a robojac.collision.CollisionModel (or None), got {type(collision).__name__}"
        )
    if collision.robot is not robot and collision.robot.model != robot.model:
        raise InputError(
            f"collision was built for robot '{collision.robot.name}', not for this '{robot.name}'; "
            "build it with CollisionModel(robot)"
        )
