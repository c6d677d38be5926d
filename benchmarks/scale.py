"""Throughput of batch IK on the Panda: one process, two local processes, a 2-worker Dask LocalCluster.

The workload is a reachability map's: IK targets at random positions in the Panda's reach
ball, in random orientations, so that about two thirds cannot be solved and run all
their restarts (``timeout=None, max_restarts=4``, the map's options: repeatable
results). Every row solves the same targets with the same seeds; the script checks that
the answers are identical.

Rows:

* **1 process**: ``solve_ik_batch(workers=1)``;
* **2 local processes**: ``solve_ik_batch(executor=local_pool(2))``, the pool started and
  warmed before timing;
* **Dask, 2 workers**: ``solve_ik_batch(executor=client.get_executor())`` on a
  ``LocalCluster(n_workers=2, threads_per_worker=1)``, warmed likewise (Dask's default
  configuration);
* **Dask, 2 workers, lean settings**: the same with the settings :data:`LEAN` (Dask's
  profiler off, its housekeeping less often: docs/scale.md).

The rows run back to back, ``--repeat`` times in turn (pools and clusters stay up), and
each figure is the median over the repeats: on a shared machine, a burst of another job
then slows every row alike instead of one.

Columns: wall time, solves/s, speed-up over one process, and overheads per chunk, each as
a share of a chunk's compute:

* *executor overhead*: ``(workers × wall − Σ chunk times) / chunks``, where a chunk's time
  is measured inside the worker, from the call of robojac's chunk job to its return. It
  holds what the executor adds: shipping the chunk and its result, (un)pickling them,
  scheduling, and workers idling while the last chunks finish. This is the issue's
  "overhead per 1,000-target chunk" (goal ≤ 5 % for Dask).
* the same *by CPU*: ``(CPU seconds of every process of the row − Σ chunks' CPU seconds) /
  chunks``, the chunks' CPU measured by their worker thread, the processes' by the OS
  (this process, with a LocalCluster's scheduler and nannies, and the workers). Waiting
  costs no CPU, so this counts what the executor's machinery computes: pickling,
  messages, and the engine's housekeeping, which keeps running however long the run
  takes (on a busy machine, a longer run shows more of it). It does not depend on
  what else the machine runs, as the wall-clock figures do.
* *outside the solver*: ``(workers × wall − Σ solve times) / chunks``, the solve times
  measured by the solver itself: the executor overhead plus robojac's own per-target
  work around each solve (building each result and its message, stacking them), which
  one process pays too.

Goals (issue 14): 2 workers ≥ 1.7× one process; Dask's overhead ≤ 5 % per 1,000-target chunk.

Run: .venv/bin/python benchmarks/scale.py [--targets 32000] [--chunk 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

import robojac
from robojac.reach import reach
from robojac.scale import local_pool
from robojac.scale.executor import Parcel

OPTIONS = dict(timeout=None, max_restarts=4, progress=False, seed=0)
#: Dask settings for CPU-bound IK workers (docs/scale.md): the statistical profiler off,
#: and the event loops' housekeeping less often. A default LocalCluster of 2 workers spends
#: about 10 % of a core polling even when idle; this about 2 %.
LEAN = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


def targets(robot: robojac.Robot, n: int, rng: np.random.Generator) -> np.ndarray:
    center, radius = reach(robot)
    d = rng.normal(size=(n, 3))
    p = center + radius * (rng.random(n) ** (1 / 3))[:, None] * d / np.linalg.norm(d, axis=1, keepdims=True)
    T = np.tile(np.eye(4), (n, 1, 1))
    T[:, :3, :3] = Rotation.random(n, random_state=rng).as_matrix()
    T[:, :3, 3] = p
    return T


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """``fn(*args)`` in the worker, with the wall and CPU seconds it took there."""
    t, c = time.perf_counter(), time.thread_time()
    value = fn(*args)
    return value, time.perf_counter() - t, time.thread_time() - c


class Timed(concurrent.futures.Executor):
    """``inner``, with the time of each call measured inside its worker (``wall``, ``cpu``)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        out: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def settle(f: concurrent.futures.Future[Any]) -> None:
            if out.cancelled():
                return
            try:
                value, wall, cpu = f.result()
            except BaseException as exc:
                out.set_exception(exc)
                return
            self.wall.append(wall)
            self.cpu.append(cpu)
            out.set_result(value)

        self.inner.submit(_timed, fn, *args, **kwargs).add_done_callback(settle)
        return out


def _warm(parcel: Any, Ts: np.ndarray) -> int:
    """In a worker: import robojac, rebuild the robot from its parcel and load the compiled
    IK kernel, as the first chunk would; then hold the worker a moment so that the next
    warm-up call goes to another one."""
    import os

    from robojac.ik.batch import _chunk_job
    from robojac.ik.options import IKOptions

    robot = parcel.robot()
    starts = np.broadcast_to(robot.neutral(), (len(Ts), robot.dof))
    _chunk_job(0, parcel, IKOptions(timeout=None, max_restarts=4), Ts, starts, 0, 0)
    time.sleep(0.5)
    return os.getpid()


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by the processes ``pids``."""
    import psutil

    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


@dataclass
class Row:
    name: str
    workers: int
    wall: list[float] = field(default_factory=list)
    chunk_wall: list[float] = field(default_factory=list)  # Σ over chunks, per run
    chunk_cpu: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # every process of the row, per run
    solve: list[float] = field(default_factory=list)  # Σ solve times, per run


def measure(
    row: Row, robot: robojac.Robot, Ts: np.ndarray, chunk: int, ex: Timed | None, pids: list[int]
) -> robojac.IKBatchResult:
    kw: dict[str, Any] = {} if ex is None else {"executor": ex, "chunk_size": chunk}
    if ex is not None:
        ex.wall.clear()
        ex.cpu.clear()
    c = _cpu(pids)
    t = time.perf_counter()
    res = robojac.solve_ik_batch(robot, Ts, **kw, **OPTIONS)  # type: ignore[arg-type]
    row.wall.append(time.perf_counter() - t)
    row.cpu.append(_cpu(pids) - c)
    row.chunk_wall.append(sum(ex.wall) if ex is not None else math.nan)
    row.chunk_cpu.append(sum(ex.cpu) if ex is not None else math.nan)
    row.solve.append(float(res.time.sum()))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=32000)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import dask
    import distributed

    robot = robojac.load("panda")
    Ts = targets(robot, args.targets, np.random.default_rng(0))
    warm = Ts[:64]
    robojac.solve_ik_batch(robot, warm, **OPTIONS)  # type: ignore[arg-type]
    parcel = Parcel(robot)
    me = os.getpid()
    rows = [
        Row("1 process", 1),
        Row("2 local processes", 2),
        Row("Dask LocalCluster, 2 workers", 2),
        Row("Dask, 2 workers, lean settings", 2),
    ]
    results: list[robojac.IKBatchResult] = []
    with local_pool(2) as pool:
        # Every worker warmed before timing (a worker's first chunk imports robojac,
        # rebuilds the robot and loads the compiled kernel: once per worker, not per chunk).
        pool_pids = sorted({f.result() for f in [pool.submit(_warm, parcel, warm) for _ in range(2)]})
        assert len(pool_pids) == 2, "a local worker was not warmed"
        for _ in range(args.repeat):
            results.append(measure(rows[0], robot, Ts, args.chunk, None, [me]))
            results.append(measure(rows[1], robot, Ts, args.chunk, Timed(pool), [me, *pool_pids]))
            # One cluster at a time, started for its run: an idle cluster's heartbeats
            # would take CPU from the other rows. Its scheduler and nannies live in this
            # process, so their CPU counts in the row's.
            for row, settings in ((rows[2], {}), (rows[3], LEAN)):
                with (
                    dask.config.set(settings),
                    distributed.LocalCluster(
                        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
                    ) as cluster,
                    distributed.Client(cluster) as client,
                ):
                    pids = sorted(client.run(_warm, parcel, warm).values())
                    results.append(measure(row, robot, Ts, args.chunk, Timed(client.get_executor()), [me, *pids]))
    one = results[0]
    for res in results:
        same = np.array_equal(res.q, one.q) and np.array_equal(res.success, one.success)
        assert same, "results differ from one process"
    chunks = -(-args.targets // args.chunk)
    med = statistics.median
    print(
        f"Panda, {args.targets:,} targets ({one.success_rate:.0%} solved), chunks of {args.chunk:,}, "
        f"timeout=None, max_restarts=4; medians of {args.repeat} runs back to back\n"
    )
    print(
        "| executor | wall [s] | solves/s | speed-up | executor overhead per chunk (wall) "
        "| executor overhead per chunk (CPU) | outside the solver per chunk |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    base = med(rows[0].wall)
    for row in rows:
        wall = med(row.wall)
        outside = [(row.workers * w - s) / chunks for w, s in zip(row.wall, row.solve)]
        outside_share = [o / (s / chunks) for o, s in zip(outside, row.solve)]
        if row.workers == 1:
            by_wall = by_cpu = "—"
        else:
            over = [(row.workers * w - c) / chunks for w, c in zip(row.wall, row.chunk_wall)]
            share = [o / (c / chunks) for o, c in zip(over, row.chunk_wall)]
            cpu_over = [(t - c) / chunks for t, c in zip(row.cpu, row.chunk_cpu)]
            cpu_share = [o / (c / chunks) for o, c in zip(cpu_over, row.chunk_cpu)]
            by_wall = f"{med(over) * 1e3:.0f} ms = {med(share):.1%} ({min(share):.1%}–{max(share):.1%})"
            by_cpu = f"{med(cpu_over) * 1e3:.0f} ms = {med(cpu_share):.1%} ({min(cpu_share):.1%}–{max(cpu_share):.1%})"
        print(
            f"| {row.name} | {wall:.2f} | {args.targets / wall:,.0f} | {base / wall:.2f}× | {by_wall} | {by_cpu} | "
            f"{med(outside) * 1e3:.0f} ms = {med(outside_share):.1%} |"
        )
    print("\nAll rows gave identical q and success, target by target, in every run.")


if __name__ == "__main__":
    main()
