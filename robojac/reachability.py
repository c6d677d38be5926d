"""Reachability maps: which positions, in which tool orientations, the arm can reach.

:func:`reachability_map` lays a voxel grid of edge ``resolution`` [m] over a box in the
robot's base frame (default: the bounding box of :func:`robojac.reach.reach`'s ball),
solves IK for the tool frame's origin at each voxel centre in each of ``n`` fixed
orientations, and records per voxel the *reachability index* (share of orientations
solved, in [0, 1]), the best Yoshikawa manipulability among the solutions and the
solved configurations. Voxel centres outside the reach ball are certainly unreachable
and are not solved.

The orientations are the super-Fibonacci spiral set on SO(3) (Alexa, "Super-Fibonacci
Spirals", CVPR 2022): unit quaternions

    s = i + ½,  r = √(s/n),  R = √(1 − s/n),  α = 2π s/√2,  β = 2π s/1.533751168755204…
    q_i = (x, y, z, w) = (r sin α, r cos α, R sin β, R cos β),   i = 0 … n−1,

which cover SO(3) near-uniformly for every n (no grid size to choose). They are the
orientations of the tool frame in the base frame.

Solve ``(v, k)`` (flat voxel index v in C order, orientation k) uses the seed
``seed + v·n + k`` and the start ``robot.neutral()``, so a voxel's result depends on
nothing else: not on chunking, workers, order or retries. With the default options
(``timeout=None``, ``max_restarts=4``) the map is therefore identical bit for bit
wherever it runs.

The work goes out in chunks of voxel blocks (about 1,000 solves each) to any
``concurrent.futures.Executor`` (see :mod:`robojac.scale`), and with ``store=`` each
chunk is written to a zarr store as it finishes (:mod:`robojac.scale.store`); the same
call on the same store resumes, computing only the chunks not yet written.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validate import FloatArray, as_array, check_finite
from .errors import InputError
from .ik.options import OPTION_NAMES, IKOptions, check_count, check_flag, check_robot, check_seed
from .reach import reach
from .robot import Robot
from .scale.executor import Parcel, dashboard_link, progress_bar, robot_key, run_chunks, run_local
from .scale.store import FAILED, FORMAT, WRITTEN, Store, open_store

#: Voxels a map may have without ``force=True`` (the CLI's ``--force``).
MAX_CELLS = 1_000_000
#: Solves per work chunk the default block edge aims at.
CHUNK_TARGETS = 1000
#: IK options of a map unless given: no wall-clock budget, so the map is repeatable.
MAP_OPTIONS = IKOptions(timeout=None, max_restarts=4)

_PSI = 1.533751168755204288118041


def orientation_set(n: int) -> FloatArray:
    """``n`` rotation matrices (n, 3, 3) spread near-uniformly over SO(3): the
    super-Fibonacci spiral (module docstring). ``orientation_set(1)`` is not the identity."""
    n = check_count(n, "orientations", 1)
    s = np.arange(n) + 0.5
    r, R = np.sqrt(s / n), np.sqrt(1.0 - s / n)
    a, b = 2 * np.pi * s / math.sqrt(2.0), 2 * np.pi * s / _PSI
    x, y, z, w = r * np.sin(a), r * np.cos(a), R * np.sin(b), R * np.cos(b)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=1,
    )


@dataclass(frozen=True, eq=False)
class ReachabilityMap:
    """A reachability map over a voxel grid in the robot's base frame.

    Attributes:
        robot: the robot's name; robot_key: SHA-256 of its URDF text, base and tip.
        frame: the mapped frame (the tool frame).
        resolution: voxel edge [m].
        origin: (3,) centre of voxel (0, 0, 0) [m], base frame; voxel (i, j, k) has its
            centre at ``origin + resolution·(i, j, k)``.
        shape: (nx, ny, nz) voxels.
        orientations: (n, 3, 3) tool orientations in the base frame, or None for a
            position-only map (then n = 1).
        options: the IK options; seed: the base seed.
        index: (nx, ny, nz) reachability index in [0, 1]: share of orientations solved.
        manipulability: (nx, ny, nz) best manipulability [unit of the Jacobian's
            determinant measure] among the solutions; NaN where none.
        success: (nx, ny, nz, n) bool; q: (nx, ny, nz, n, dof) solved configurations
            [rad or m], NaN where not solved.
        chunk: voxel edge of a work chunk (a block of chunk³ voxels).
        failed: chunk number → reason, for chunks that failed twice (their voxels read NaN).
        missing: chunk numbers never computed (a store of an interrupted run); empty when done.
        path: the store it was written to or read from, if any.
    """

    robot: str
    robot_key: str
    frame: str
    resolution: float
    origin: FloatArray
    shape: tuple[int, int, int]
    orientations: FloatArray | None
    options: IKOptions
    seed: int
    index: FloatArray
    manipulability: FloatArray
    success: np.ndarray
    q: FloatArray
    chunk: int
    failed: dict[int, str] = field(default_factory=dict)
    missing: tuple[int, ...] = ()
    path: str | None = None

    @property
    def complete(self) -> bool:
        """Every chunk computed, none failed."""
        return not self.failed and not self.missing

    @property
    def voxel_count(self) -> int:
        """Voxels in the grid, reached or not."""
        return int(np.prod(self.shape))

    def centers(self) -> FloatArray:
        """(nx, ny, nz, 3) voxel centres [m] in the base frame."""
        idx = np.indices(self.shape, dtype=float).transpose(1, 2, 3, 0)
        return np.asarray(self.origin + self.resolution * idx)

    def equals(self, other: ReachabilityMap) -> bool:
        """Same settings and the same arrays bit for bit (NaN equal to NaN)."""
        same = (
            self.robot_key == other.robot_key
            and self.frame == other.frame
            and self.resolution == other.resolution
            and self.shape == other.shape
            and self.options == other.options
            and self.seed == other.seed
            and np.array_equal(self.origin, other.origin)
        )
        if self.orientations is None or other.orientations is None:
            same = same and self.orientations is None and other.orientations is None
        else:
            same = same and np.array_equal(self.orientations, other.orientations)
        return (
            same
            and np.array_equal(self.index, other.index, equal_nan=True)
            and np.array_equal(self.manipulability, other.manipulability, equal_nan=True)
            and np.array_equal(self.success, other.success)
            and np.array_equal(self.q, other.q, equal_nan=True)
        )


def reachability_map(
    robot: Robot,
    region: Any = None,
    resolution: float = 0.05,
    orientations: Any = 32,
    *,
    executor: concurrent.futures.Executor | None = None,
    workers: int = 1,
    store: str | os.PathLike[str] | None = None,
    options: IKOptions | None = None,
    seed: int | None = None,
    chunk: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> ReachabilityMap:
    """Map where ``robot``'s tool reaches, and in how many orientations.

    Args:
        robot: the arm.
        region: ``(lower, upper)``, two (3,) corners [m] of a box in the base frame
            (default: the bounding box of the reach ball of the options' frame).
        resolution: voxel edge [m] (> 0).
        orientations: a count n (the super-Fibonacci set, module docstring), an (n, 3, 3)
            array of rotations (tool in base frame), or None for position only.
        executor: any ``concurrent.futures.Executor`` (a :func:`robojac.scale.local_pool`,
            Dask's ``Client.get_executor()``...); default: ``workers`` local processes.
        workers: local processes when no executor is given (1: this process), in a pool of
            robojac's own that is replaced, and its unfinished chunks rerun, when a worker dies.
        store: a zarr folder to write each chunk to as it finishes; when it exists with
            the same settings, only its missing or failed chunks are computed (resume).
        options: IK options (default :data:`MAP_OPTIONS`: no timeout, 4 restarts, so the
            map is repeatable). ``position_only`` is set by ``orientations=None``.
        seed: base seed (solve (v, k) uses ``seed + v·n + k``); None means 0.
        chunk: voxel edge of a work chunk (default: about 1,000 solves per chunk).
        force: allow more than :data:`MAX_CELLS` voxels.
        progress: a progress bar (rate, ETA) on stderr when it is a terminal; with Dask,
            the dashboard's address too.

    Returns:
        A :class:`ReachabilityMap`; chunks that failed twice are listed in ``failed``
        (their voxels read NaN), never dropped silently.

    Raises:
        InputError: a box of zero or negative size, a resolution ≤ 0 or giving more
            than :data:`MAX_CELLS` voxels without ``force``, bad orientations, a store
            written for another robot or with other settings.
    """
    check_robot(robot)
    opts = MAP_OPTIONS if options is None else options
    if not isinstance(opts, IKOptions):
        raise InputError(f"options must be a robojac.IKOptions, got {type(opts).__name__}")
    rotations = _rotations(orientations)
    position_only = rotations is None
    if position_only != opts.position_only:
        opts = dataclasses.replace(opts, position_only=position_only)
    frame = opts.frame or robot.tip
    robot.frame_id(frame)  # raises FrameError with close matches
    res = _positive(resolution, "resolution")
    center, radius = reach(robot, frame)
    lower, upper = _region(region, center, radius)
    nx, ny, nz = (max(1, math.ceil((upper[a] - lower[a]) / res - 1e-9)) for a in range(3))
    shape = (nx, ny, nz)
    cells = math.prod(shape)
    if cells > MAX_CELLS and not check_flag(force, "force"):
        raise InputError(
            f"resolution {res:g} m over a box of {np.round(upper - lower, 3).tolist()} m makes {cells:,} voxels, "
            f"more than the cap of {MAX_CELLS:,}; use a coarser resolution or a smaller region, or force=True (--force)"
        )
    nrot = 1 if rotations is None else len(rotations)
    c = max(1, round((CHUNK_TARGETS / nrot) ** (1 / 3))) if chunk is None else check_count(chunk, "chunk", 1)
    base_seed = check_seed(seed)
    show = check_flag(progress, "progress") and sys.stderr.isatty()
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise InputError(f"executor must be a concurrent.futures.Executor, got {type(executor).__name__}")
    nworkers = check_count(workers, "workers", 1)
    if executor is not None and nworkers != 1:
        raise InputError(f"give workers={nworkers} or an executor, not both: the executor decides the parallelism")

    origin = lower + 0.5 * res
    grid = tuple(math.ceil(s / c) for s in shape)
    nchunks = math.prod(grid)
    key = robot_key(robot)
    settings = json.loads(
        json.dumps(
            {
                "format": FORMAT,
                "robot": robot.name,
                "robot_key": key,
                "dof": robot.dof,
                "frame": frame,
                "resolution": res,
                "origin": origin.tolist(),
                "shape": list(shape),
                "orientation_count": nrot,
                "orientations": None if rotations is None else rotations.reshape(nrot, 9).tolist(),
                "options": {n: getattr(opts, n) for n in OPTION_NAMES},
                "seed": base_seed,
                "chunk": c,
            }
        )
    )
    out = _Arrays(shape, nrot, robot.dof)
    sink = None if store is None else Store(store, settings, c, nchunks)
    status = np.zeros(nchunks, dtype=np.int8) if sink is None else sink.status()
    if sink is not None:
        out.load(sink.group, status == WRITTEN, grid, c)
    failed: dict[int, str] = {}
    todo: list[int] = []
    parcel = Parcel(robot)
    geometry = (origin, res, shape, center, radius)
    for i in np.flatnonzero(status != WRITTEN).tolist():
        block = _block(i, grid, c, shape)
        if _any_in_ball(block, geometry):
            todo.append(i)
        else:  # nothing to solve: written at once, here
            data = _solve_block(parcel.robot(), opts, rotations, block, geometry, base_seed)
            out.put(block, data)
            if sink is not None:
                sink.write(i, block, data)
    jobs = [(parcel, opts, rotations, _block(i, grid, c, shape), geometry, base_seed) for i in todo]
    bar = None
    if show and jobs:
        link = dashboard_link(executor)
        if link:
            print(f"Dask dashboard: {link}", file=sys.stderr)
        bar = progress_bar(sum(_size(job[3]) for job in jobs) * nrot, "reachability")

    def done(j: int, data: dict[str, np.ndarray]) -> None:
        block = jobs[j][3]
        out.put(block, data)
        if sink is not None:
            sink.write(todo[j], block, data)
        if bar is not None:
            bar.update(_size(block) * nrot)

    def fail(j: int, reason: str) -> None:
        failed[todo[j]] = reason
        if sink is not None:
            sink.fail(todo[j], reason)

    try:
        if executor is not None:
            run_chunks(executor, _chunk_job, jobs, done, fail)
        elif nworkers > 1 and len(jobs) > 1:
            run_local(min(nworkers, len(jobs)), _chunk_job, jobs, done, fail)
        else:
            run_chunks(_InProcess(), _chunk_job, jobs, done, fail)
    finally:
        if bar is not None:
            bar.close()
    return ReachabilityMap(
        robot=robot.name,
        robot_key=key,
        frame=frame,
        resolution=res,
        origin=origin,
        shape=shape,
        orientations=rotations,
        options=opts,
        seed=base_seed,
        index=out.index,
        manipulability=out.manipulability,
        success=out.success,
        q=out.q,
        chunk=c,
        failed=failed,
        path=None if sink is None else sink.path,
    )


def open_reachability_map(path: str | os.PathLike[str]) -> ReachabilityMap:
    """The map in the store at ``path`` (finished or not: see ``missing`` and ``failed``)."""
    g = open_store(path)
    a = dict(g.attrs)
    rot = a["orientations"]
    opts = a["options"]
    status = np.asarray(g["status"][:])
    values: list[Any] = [tuple(v) if isinstance(v, list) else v for v in (opts[n] for n in OPTION_NAMES)]
    return ReachabilityMap(
        robot=a["robot"],
        robot_key=a["robot_key"],
        frame=a["frame"],
        resolution=float(a["resolution"]),
        origin=np.array(a["origin"], dtype=float),
        shape=(int(a["shape"][0]), int(a["shape"][1]), int(a["shape"][2])),
        orientations=None if rot is None else np.array(rot, dtype=float).reshape(-1, 3, 3),
        options=IKOptions(*values),
        seed=int(a["seed"]),
        index=np.asarray(g["index"][:]),
        manipulability=np.asarray(g["manipulability"][:]),
        success=np.asarray(g["success"][:]),
        q=np.asarray(g["q"][:]),
        chunk=int(a["chunk"]),
        failed={int(k): str(v) for k, v in dict(a.get("failed", {})).items()},
        missing=tuple(np.flatnonzero((status != WRITTEN) & (status != FAILED)).tolist()),
        path=os.fspath(path),
    )


# ---------------------------------------------------------------------------- internals
Geometry = tuple[FloatArray, float, tuple[int, ...], FloatArray, float]
Block = tuple[slice, slice, slice]


class _InProcess(concurrent.futures.Executor):
    """Runs each chunk at submit, in this process: the one-process path goes through the
    same retry and failure handling as the others."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut


class _Arrays:
    def __init__(self, shape: tuple[int, ...], n: int, dof: int) -> None:
        self.index = np.full(shape, np.nan)
        self.manipulability = np.full(shape, np.nan)
        self.success = np.zeros((*shape, n), dtype=bool)
        self.q = np.full((*shape, n, dof), np.nan)

    def put(self, block: Block, data: dict[str, np.ndarray]) -> None:
        for name, value in data.items():
            getattr(self, name)[block] = value

    def load(self, group: Any, written: np.ndarray, grid: tuple[int, ...], c: int) -> None:
        if not written.any():
            return
        for name in ("index", "manipulability", "success", "q"):
            whole = np.asarray(group[name][:])
            mask = np.zeros(self.index.shape, dtype=bool)
            for i in np.flatnonzero(written).tolist():
                mask[_block(i, grid, c, self.index.shape)] = True
            getattr(self, name)[mask] = whole[mask]


def _rotations(orientations: Any) -> FloatArray | None:
    if orientations is None:
        return None
    if isinstance(orientations, (int, np.integer)) and not isinstance(orientations, bool):
        return orientation_set(int(orientations))
    R = check_finite(as_array(orientations, "orientations"), "orientations")
    if R.ndim != 3 or R.shape[1:] != (3, 3) or len(R) == 0:
        raise InputError(
            f"orientations must be a count ≥ 1, an (n, 3, 3) array of rotations or None (position only), got shape {R.shape}"
        )
    defect = np.abs(np.einsum("nji,njk->nik", R, R) - np.eye(3)).max(axis=(1, 2))
    bad = np.flatnonzero((defect > 1e-6) | (np.linalg.det(R) < 0))
    if bad.size:
        raise InputError(f"orientations[{bad[0]}] is not a rotation matrix (orthonormal, determinant +1)")
    return np.array(R)


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a number > 0 [m], got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a finite number > 0 [m], got {v!r}")
    return v


def _region(region: Any, center: FloatArray, radius: float) -> tuple[FloatArray, FloatArray]:
    if region is None:
        if radius <= 0:
            raise InputError("the robot's tool cannot move (its reach ball has radius 0): give a region")
        return center - radius, center + radius
    box = check_finite(as_array(region, "region"), "region")
    if box.shape != (2, 3):
        raise InputError(f"region must be (lower, upper): two corners of 3 numbers [m], got shape {box.shape}")
    size = box[1] - box[0]
    if (size <= 0).any():
        axis = "xyz"[int(np.flatnonzero(size <= 0)[0])]
        raise InputError(
            f"region has zero or negative size along {axis} ({np.round(size, 6).tolist()} m): "
            "expected (lower, upper) with lower < upper on every axis"
        )
    return box[0].copy(), box[1].copy()


def _block(i: int, grid: tuple[int, ...], c: int, shape: tuple[int, ...]) -> Block:
    b = np.unravel_index(i, grid)
    return tuple(slice(int(b[a]) * c, min(shape[a], (int(b[a]) + 1) * c)) for a in range(3))  # type: ignore[return-value]


def _size(block: Block) -> int:
    return math.prod(s.stop - s.start for s in block)


def _block_centers(block: Block, geometry: Geometry) -> FloatArray:
    origin, res = geometry[0], geometry[1]
    idx = np.stack(np.meshgrid(*(np.arange(s.start, s.stop) for s in block), indexing="ij"), axis=-1)
    return np.asarray(origin + res * idx)


def _any_in_ball(block: Block, geometry: Geometry) -> bool:
    center, radius = geometry[3], geometry[4]
    return bool((np.linalg.norm(_block_centers(block, geometry) - center, axis=-1) <= radius).any())


def _chunk_job(
    attempt: int,
    parcel: Parcel,
    opts: IKOptions,
    rotations: FloatArray | None,
    block: Block,
    geometry: Geometry,
    base_seed: int,
) -> dict[str, np.ndarray]:
    """One chunk in a worker; ``attempt`` (0, or 1 on the retry) does not change the result."""
    return _solve_block(parcel.robot(), opts, rotations, block, geometry, base_seed)


def _solve_block(
    robot: Robot, opts: IKOptions, rotations: FloatArray | None, block: Block, geometry: Geometry, base_seed: int
) -> dict[str, np.ndarray]:
    from .ik.single import cached_solver
    from .measures import manipulability

    shape, center, radius = geometry[2], geometry[3], geometry[4]
    pts = _block_centers(block, geometry)
    bshape = pts.shape[:3]
    n = 1 if rotations is None else len(rotations)
    success = np.zeros((*bshape, n), dtype=bool)
    q = np.full((*bshape, n, robot.dof), np.nan)
    best = np.full(bshape, np.nan)
    inside = np.linalg.norm(pts - center, axis=-1) <= radius
    solver = cached_solver(robot, opts) if inside.any() else None
    q0 = robot.neutral()
    T = np.eye(4)
    for local in zip(*np.nonzero(inside)):
        v = int(np.ravel_multi_index(tuple(s.start + i for s, i in zip(block, local)), shape))
        T[:3, 3] = pts[local]
        for k in range(n):
            T[:3, :3] = np.eye(3) if rotations is None else rotations[k]
            assert solver is not None
            r = solver.solve(T.copy(), q0, base_seed + v * n + k)
            if r.success:
                success[(*local, k)] = True
                q[(*local, k)] = r.q
                m = manipulability(robot, r.q, opts.frame)
                if not m <= best[local]:  # NaN (none yet) or a better one
                    best[local] = m
    return {"index": success.mean(axis=-1), "manipulability": best, "success": success, "q": q}
