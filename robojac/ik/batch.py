"""Many targets at once: :func:`solve_ik_batch`, in this process or in worker processes."""

from __future__ import annotations

import ctypes
import math
import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np

from .. import pose as _pose
from .._validate import FloatArray, as_array, check_finite
from ..errors import InputError, PoseError
from ..robot import Robot
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
)
from .results import IKBatchResult, IKResult
from .solver import Solver

#: Batches at least this long show a progress bar when stderr is a terminal.
PROGRESS_MIN = 200
#: How often [s] a worker checks that its parent is alive, where prctl is not available.
PARENT_POLL = 0.5
#: Linux's prctl option that sends the calling process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def solve_ik_batch(
    robot: Robot,
    targets: Any,
    q0: Any = None,
    *,
    workers: int = 1,
    progress: bool = True,
    seed: int | None = None,
    options: IKOptions | None = None,
    **keywords: Any,
) -> IKBatchResult:
    """:func:`~robojac.ik.solve_ik` for N targets; the results are stacked arrays.

    Target ``i`` is solved exactly as ``solve_ik(robot, targets[i], q0[i], seed=seed + i,
    **keywords)`` (with ``seed=None`` meaning 0), so the batch equals the single solves.

    Args:
        robot: the arm.
        targets: (N, 4, 4) poses in the base frame, or a sequence of any pose form
            :func:`solve_ik` accepts.
        q0: None (neutral), one start (dof,) for all, or (N, dof) starts.
        workers: processes to spread the targets over (1: this process).
        progress: show a progress bar on stderr when it is a terminal and N ≥ 200.
        seed: base seed; target i uses ``seed + i``.
        options: the options as an :class:`IKOptions` (default: from ``keywords``).
        **keywords: any option keyword of :func:`solve_ik` (``frame``, tolerances,
            ``timeout``...; see :class:`IKOptions`), unless ``options`` is given.

    Returns:
        An :class:`IKBatchResult`.
    """
    check_robot(robot)
    unknown = set(keywords) - set(OPTION_NAMES)
    if unknown:
        raise InputError(
            f"unknown option(s) {sorted(unknown)} for solve_ik_batch; expected keywords of solve_ik: {sorted(OPTION_NAMES)}"
        )
    values = tuple(keywords.get(name, getattr(DEFAULT_OPTIONS, name)) for name in OPTION_NAMES)
    opts = IKOptions(*values) if options is None else given_options(options, values)
    Ts = _as_targets(targets)
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
    if nworkers == 1 or N < 2:
        return _stack(_solve_chunk(robot, opts, Ts, starts, base_seed, show), robot.dof)
    return _solve_parallel(robot, opts, Ts, np.array(starts), base_seed, nworkers, show)


def _as_targets(targets: Any) -> FloatArray:
    """(N, 4, 4) checked rigid transforms from an array or a sequence of poses."""
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
    return np.stack([check_target(t, f"targets[{i}]") for i, t in enumerate(targets)])


def _solve_chunk(
    robot: Robot, opts: IKOptions, Ts: FloatArray, starts: FloatArray, base_seed: int, show: bool, offset: int = 0
) -> list[IKResult]:
    solver = Solver(robot, opts)
    bar = _bar(len(Ts)) if show else None
    out = []
    for i in range(len(Ts)):
        # solve_ik_batch checked the starts' shape and values once for the whole array.
        out.append(solver.solve(Ts[i], starts[i], base_seed + offset + i))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _chunk_job(args: tuple[Robot, IKOptions, FloatArray, FloatArray, int, int]) -> list[IKResult]:
    robot, opts, Ts, starts, base_seed, offset = args
    return _solve_chunk(robot, opts, Ts, starts, base_seed, False, offset)


def _solve_parallel(
    robot: Robot, opts: IKOptions, Ts: FloatArray, starts: FloatArray, base_seed: int, workers: int, show: bool
) -> IKBatchResult:
    from concurrent.futures import ProcessPoolExecutor

    N = len(Ts)
    size = max(1, min(256, math.ceil(N / (4 * workers))))
    jobs = [(robot, opts, Ts[i : i + size], starts[i : i + size], base_seed, i) for i in range(0, N, size)]
    bar = _bar(N) if show else None
    results: list[IKResult] = []
    nprocs = min(workers, os.cpu_count() or workers, len(jobs))
    with ProcessPoolExecutor(max_workers=nprocs, initializer=_worker_start, initargs=(os.getpid(),)) as pool:
        for chunk in pool.map(_chunk_job, jobs):
            results.extend(chunk)
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return _stack(results, robot.dof)


def _worker_start(parent: int) -> None:
    """Set up a worker process of :func:`solve_ik_batch` so that it ends with its parent.

    A parent killed by SIGKILL or SIGTERM cannot shut its pool down, and its workers
    would go on solving for nobody. On Linux the kernel sends each worker SIGTERM when
    the parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere, and as a second line, a
    daemon thread exits the worker once its parent process id changes (an orphan is
    adopted by another process).
    """
    # A SIGTERM handler inherited from the parent (which may ignore the signal, or run
    # its own shutdown code) has no business in a worker.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the thread below still works
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="robojac-ik-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, unit="solve", file=sys.stderr, desc="IK", leave=False)


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
    )
