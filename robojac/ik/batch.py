"""Many targets at once: :func:`solve_ik_batch`, in this process, in worker processes or on any executor."""

from __future__ import annotations

import hashlib
import math
import pickle
import sys
import threading
from concurrent.futures import Executor
from typing import Any

import numpy as np

from .. import pose as _pose
from .._validate import FloatArray, as_array, check_finite
from ..errors import ExecutionError, InputError, PoseError
from ..robot import Robot
from ..scale.executor import Parcel, progress_bar, run_chunks, run_local
from .options import (
    DEFAULT_OPTIONS,
    OPTION_NAMES,
    IKOptions,
    check_count,
    check_flag,
    check_robot,
    check_seed,
    check_target,
    given_options,
    position_target,
)
from .results import IKBatchResult, IKResult
from .single import check_collision_model
from .solver import Solver

#: Batches at least this long show a progress bar when stderr is a terminal.
PROGRESS_MIN = 200
#: The most targets in one chunk sent to a worker: big enough that shipping it costs
#: little next to solving it, small enough for a progress bar and a cheap retry.
CHUNK_MAX = 1000


def solve_ik_batch(
    robot: Robot,
    targets: Any,
    q0: Any = None,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
    seed: int | None = None,
    options: IKOptions | None = None,
    collision: Any = None,
    **keywords: Any,
) -> IKBatchResult:
    """:func:`~robojac.ik.solve_ik` for N targets; the results are stacked arrays.

    Target ``i`` is solved exactly as ``solve_ik(robot, targets[i], q0[i], seed=seed + i,
    **keywords)`` (with ``seed=None`` meaning 0), so the batch equals the single solves.

    Args:
        robot: the arm.
        targets: (N, 4, 4) poses in the base frame, or a sequence of any pose form
            :func:`solve_ik` accepts; when the rotation is free (``position_only=True``,
            or a ``mask`` that frees rx, ry, rz), also (N, 3) positions [m].
        q0: None (neutral), one start (dof,) for all, or (N, dof) starts.
        workers: processes to spread the targets over (1: this process), in a pool
            of :func:`robojac.scale.local_pool` made for this call (replaced, and its
            unfinished chunks rerun, when a worker dies).
        executor: instead of ``workers``, any ``concurrent.futures.Executor`` to run
            the chunks on: a :func:`~robojac.scale.local_pool`, Dask's
            ``Client.get_executor()``, Ray's or MPI's pool (see ``docs/scale.md``). The
            robot is shipped pickled once per chunk and rebuilt once per worker process; a
            chunk that raises is retried once, and raises
            :class:`~robojac.errors.ExecutionError` if it fails again.
        chunk_size: targets per chunk (default: N / (4 × workers), at most 1,000; with an
            ``executor``, N / 32 at most 1,000). Never changes the results.
        progress: show a progress bar on stderr when it is a terminal and N ≥ 200.
        seed: base seed; target i uses ``seed + i``.
        options: the options as an :class:`IKOptions` (default: from ``keywords``).
        collision: a :class:`robojac.collision.CollisionModel` of ``robot``: every target
            is solved as ``solve_ik(..., collision=collision)``, so only collision-free
            answers succeed, and :attr:`IKBatchResult.collision` names, per target, the
            pair its converged answers collided with when it failed. On an executor the
            model travels as its description (margin, pairs, obstacles; mesh files are
            read again from the same paths) and is rebuilt once per worker process on
            that worker's copy of the robot.
        **keywords: any option keyword of :func:`solve_ik` (``frame``, tolerances,
            ``timeout``...; see :class:`IKOptions`), unless ``options`` is given.

    Returns:
        An :class:`IKBatchResult`.
    """
    check_robot(robot)
    if collision is not None:
        check_collision_model(robot, collision)
    unknown = set(keywords) - set(OPTION_NAMES)
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for solve_ik_batch; expected keywords of solve_ik: {sorted(OPTION_NAMES)}"
        )
    values = tuple(keywords.get(name, getattr(DEFAULT_OPTIONS, name)) for name in OPTION_NAMES)
    opts = IKOptions(*values) if options is None else given_options(options, values)
    Ts = _as_targets(targets, opts.rotation_free)
    N = len(Ts)
    base_seed = check_seed(seed)
    nworkers = check_count(workers, "workers", 1)
    if q0 is None:
        starts = np.broadcast_to(robot.neutral(), (N, robot.dof))
    else:
        arr = check_finite(as_array(q0, "q0"), "q0")
        if arr.shape == (robot.dof,):
            starts = np.broadcast_to(arr, (N, robot.dof))
        elif arr.shape == (N, robot.dof):
            starts = arr
        else:
            raise InputError(f"q0 must be None, shape ({robot.dof},) or ({N}, {robot.dof}), got shape {arr.shape}")
    show = check_flag(progress, "progress") and N >= PROGRESS_MIN and sys.stderr.isatty()
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise InputError(
            f"executor must be a concurrent.futures.Executor (with a submit method), got {type(executor).__name__}"
        )
    if executor is not None and nworkers != 1:
        raise InputError(f"give workers={nworkers} or an executor, not both: the executor decides the parallelism")
    parts = 32 if executor is not None else 4 * nworkers
    size = (
        max(1, min(CHUNK_MAX, math.ceil(N / parts))) if chunk_size is None else check_count(chunk_size, "chunk_size", 1)
    )
    if executor is not None and N:
        return _solve_on(executor, robot, opts, Ts, np.array(starts), base_seed, size, show, collision)
    if nworkers == 1 or N < 2:
        return _stack(_solve_chunk(robot, opts, Ts, starts, base_seed, show, 0, collision), robot.dof)
    return _solve_on(
        min(nworkers, math.ceil(N / size)), robot, opts, Ts, np.array(starts), base_seed, size, show, collision
    )


def _as_targets(targets: Any, rotation_free: bool) -> FloatArray:
    """(N, 4, 4) checked rigid transforms from an array or a sequence of poses (or of
    positions, with the identity rotation, when ``rotation_free``)."""
    if rotation_free and isinstance(targets, np.ndarray) and targets.ndim == 2 and targets.shape[1:] == (3,):
        p = check_finite(as_array(targets, "targets"), "targets")
        out = np.broadcast_to(np.eye(4), (len(p), 4, 4)).copy()
        out[:, :3, 3] = p
        return out
    if isinstance(targets, np.ndarray) and targets.ndim == 3:
        Ts = check_finite(as_array(targets, "targets"), "targets")
        if Ts.shape[1:] != (4, 4):
            raise PoseError(f"targets must have shape (N, 4, 4), got {Ts.shape}")
        R = Ts[:, :3, :3]
        defect = np.abs(np.einsum("nji,njk->nik", R, R) - np.eye(3)).max(axis=(1, 2)) if len(Ts) else np.zeros(0)
        bad = np.flatnonzero(
            (defect > _pose.ORTHONORMAL_TOLERANCE)
            | (np.abs(Ts[:, 3] - (0.0, 0.0, 0.0, 1.0)).max(axis=1) > _pose.ORTHONORMAL_TOLERANCE)
            | (np.linalg.det(R) < 0 if len(Ts) else np.zeros(0, dtype=bool))
        )
        if bad.size:
            _pose.as_matrix(Ts[bad[0]], f"targets[{bad[0]}]")  # raises the precise message
        out = np.array(Ts)
        out[:, 3] = (0.0, 0.0, 0.0, 1.0)
        # A rotation orthonormal only to the tolerance (float32 data, say) is repaired as
        # solve_ik repairs it, so that the batch still equals the single solves.
        for i in np.flatnonzero(defect > 1e-12):
            out[i] = check_target(Ts[i], f"targets[{i}]")
        return out
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__len__"):
        raise PoseError(f"targets must be an (N, 4, 4) array or a sequence of poses, got {type(targets).__name__}")
    if len(targets) == 0:
        return np.zeros((0, 4, 4))
    return np.stack(
        [
            check_target(position_target(t, rotation_free, f"targets[{i}]"), f"targets[{i}]")
            for i, t in enumerate(targets)
        ]
    )


def _solve_chunk(
    robot: Robot,
    opts: IKOptions,
    Ts: FloatArray,
    starts: FloatArray,
    base_seed: int,
    show: bool,
    offset: int = 0,
    collision: Any = None,
) -> list[IKResult]:
    solver = Solver(robot, opts)
    bar = _bar(len(Ts)) if show else None
    out = []
    for i in range(len(Ts)):
        # solve_ik_batch checked the starts' shape and values once for the whole array.
        out.append(solver.solve(Ts[i], starts[i], base_seed + offset + i, None, collision))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


#: Collision models rebuilt in this (worker) process, by (robot key, description key);
#: a few only: each batch with other obstacles brings a new one.
_MODELS: dict[tuple[str, str], Any] = {}
_MODELS_LOCK = threading.Lock()
_MODELS_KEPT = 8


class _CollisionParcel:
    """A :class:`~robojac.collision.CollisionModel` sent to workers as its description only.

    The robot travels once in its :class:`~robojac.scale.executor.Parcel`; a worker
    rebuilds the model on that copy of the robot once, and keeps it for later chunks
    (``key``: SHA-256 of the pickled description).
    """

    def __init__(self, model: Any) -> None:
        self.data = pickle.dumps(model.description())
        self.key = hashlib.sha256(self.data).hexdigest()
        self._model: Any = model

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.data, self.key, self._model = state["data"], state["key"], None

    def model(self, parcel: Parcel) -> Any:
        """The model: the original in the sending process, else this process's rebuilt copy."""
        if self._model is not None:
            return self._model
        from ..collision import CollisionModel

        key = (parcel.key, self.key)
        with _MODELS_LOCK:
            cm = _MODELS.get(key)
            if cm is None:
                if len(_MODELS) >= _MODELS_KEPT:
                    _MODELS.clear()
                cm = _MODELS[key] = CollisionModel.from_description(parcel.robot(), pickle.loads(self.data))
        self._model = cm
        return cm


def _chunk_job(
    attempt: int,
    parcel: Parcel,
    opts: IKOptions,
    Ts: FloatArray,
    starts: FloatArray,
    base_seed: int,
    offset: int,
    collision: _CollisionParcel | None = None,
) -> IKBatchResult:
    """One chunk in a worker, returned stacked (arrays pickle far faster than a list of
    results); ``attempt`` (0 first, 1 on the retry) does not change the result."""
    robot = parcel.robot()
    cm = None if collision is None else collision.model(parcel)
    return _stack(_solve_chunk(robot, opts, Ts, starts, base_seed, False, offset, cm), robot.dof)


def _solve_on(
    executor: Executor | int,
    robot: Robot,
    opts: IKOptions,
    Ts: FloatArray,
    starts: FloatArray,
    base_seed: int,
    size: int,
    show: bool,
    collision: Any = None,
) -> IKBatchResult:
    """Chunks of ``size`` targets on ``executor``, or on that many local processes of
    robojac's own (replaced if a worker dies), reassembled in order."""
    N = len(Ts)
    parcel = Parcel(robot)
    clear = None if collision is None else _CollisionParcel(collision)
    jobs = [(parcel, opts, Ts[i : i + size], starts[i : i + size], base_seed, i, clear) for i in range(0, N, size)]
    chunks: list[IKBatchResult | None] = [None] * len(jobs)
    failures: dict[int, str] = {}
    bar = progress_bar(N, "IK") if show else None

    def done(i: int, value: IKBatchResult) -> None:
        chunks[i] = value
        if bar is not None:
            bar.update(len(value))

    try:
        if isinstance(executor, int):
            run_local(executor, _chunk_job, jobs, done, failures.__setitem__)
        else:
            run_chunks(executor, _chunk_job, jobs, done, failures.__setitem__)
    finally:
        if bar is not None:
            bar.close()
    if failures:
        i = min(failures)
        raise ExecutionError(
            f"{len(failures)} of {len(jobs)} chunks of solve_ik_batch failed twice or were lost with a broken executor; the first, targets "
            f"{i * size} to {min(N, (i + 1) * size) - 1}: {failures[i]}"
        )
    parts = [c for c in chunks if c is not None]
    return IKBatchResult(
        q=np.concatenate([c.q for c in parts]),
        success=np.concatenate([c.success for c in parts]),
        iterations=np.concatenate([c.iterations for c in parts]),
        restarts=np.concatenate([c.restarts for c in parts]),
        position_error=np.concatenate([c.position_error for c in parts]),
        rotation_error=np.concatenate([c.rotation_error for c in parts]),
        time=np.concatenate([c.time for c in parts]),
        messages=tuple(m for c in parts for m in c.messages),
        rotation_free=opts.rotation_free,
        collision=tuple(p for c in parts for p in c.collision),
    )


def _bar(total: int) -> Any:
    return progress_bar(total, "IK")


def _stack(results: list[IKResult], dof: int) -> IKBatchResult:
    n = len(results)
    return IKBatchResult(
        q=np.array([r.q for r in results]).reshape(n, dof),
        success=np.array([r.success for r in results], dtype=bool),
        iterations=np.array([r.iterations for r in results], dtype=int),
        restarts=np.array([r.restarts for r in results], dtype=int),
        position_error=np.array([r.position_error for r in results], dtype=float),
        rotation_error=np.array([r.rotation_error for r in results], dtype=float),
        time=np.array([r.time for r in results], dtype=float),
        messages=tuple(r.message for r in results),
        rotation_free=bool(results) and results[0].rotation_free,
        collision=tuple(r.collision for r in results),
    )
