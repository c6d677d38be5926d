"""Throughput of batch IK on the Panda: one process, two local processes, a 2-worker Dask LocalCluster.

The workload is a reachability map's: IK targets at random positions in the Panda's reach
ball, in random orientations, so that about half cannot be solved and run all their
restarts (``timeout=None, max_restarts=4``, the map's options: repeatable results). Every
row solves the same targets with the same seeds; the script checks that the answers are
identical.

Rows:

* **1 process**: ``solve_ik_batch(workers=1)``;
* **2 local processes**: ``solve_ik_batch(executor=local_pool(2))``, the pool started and
  warmed before timing;
* **Dask, 2 workers**: ``solve_ik_batch(executor=client.get_executor())`` on a
  ``LocalCluster(n_workers=2, threads_per_worker=1)``, warmed likewise.

Columns: wall time, solves/s, speed-up over one process, and the *overhead per chunk*:
``(workers × wall − Σ solve times) / chunks``, where the solve times are measured by the
solver inside the workers, so it holds everything that is not solving (shipping,
scheduling, pickling, waiting for the last chunk), as a share of a chunk's compute.
Goals (issue 14): 2 workers ≥ 1.7× one process; Dask's overhead ≤ 5 % per 1,000-target chunk.

Run: .venv/bin/python benchmarks/scale.py [--targets 16000] [--chunk 1000]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

import robojac
from robojac.reach import reach
from robojac.scale import local_pool

OPTIONS = dict(timeout=None, max_restarts=4, progress=False, seed=0)


def targets(robot: robojac.Robot, n: int, rng: np.random.Generator) -> np.ndarray:
    center, radius = reach(robot)
    d = rng.normal(size=(n, 3))
    p = center + radius * (rng.random(n) ** (1 / 3))[:, None] * d / np.linalg.norm(d, axis=1, keepdims=True)
    T = np.tile(np.eye(4), (n, 1, 1))
    T[:, :3, :3] = Rotation.random(n, random_state=rng).as_matrix()
    T[:, :3, 3] = p
    return T


def run(robot: robojac.Robot, Ts: np.ndarray, chunk: int, **kw: Any) -> tuple[float, robojac.IKBatchResult]:
    t = time.perf_counter()
    res = robojac.solve_ik_batch(robot, Ts, chunk_size=chunk, **kw, **OPTIONS)  # type: ignore[arg-type]
    return time.perf_counter() - t, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=16000)
    ap.add_argument("--chunk", type=int, default=1000)
    args = ap.parse_args()
    import distributed

    robot = robojac.load("panda")
    Ts = targets(robot, args.targets, np.random.default_rng(0))
    warm = Ts[:64]
    rows: list[tuple[str, int, float, robojac.IKBatchResult]] = []
    robojac.solve_ik_batch(robot, warm, **OPTIONS)  # type: ignore[arg-type]
    wall, one = run(robot, Ts, args.chunk)
    rows.append(("1 process", 1, wall, one))
    with local_pool(2) as pool:
        robojac.solve_ik_batch(robot, warm, executor=pool, chunk_size=32, **OPTIONS)  # type: ignore[arg-type]
        wall, res = run(robot, Ts, args.chunk, executor=pool)
        rows.append(("2 local processes", 2, wall, res))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ex = client.get_executor()
        robojac.solve_ik_batch(robot, warm, executor=ex, chunk_size=32, **OPTIONS)  # type: ignore[arg-type]
        wall, res = run(robot, Ts, args.chunk, executor=ex)
        rows.append(("Dask LocalCluster, 2 workers", 2, wall, res))
    chunks = -(-args.targets // args.chunk)
    print(
        f"Panda, {args.targets:,} targets ({one.success_rate:.0%} solved), chunks of {args.chunk:,}, "
        "timeout=None, max_restarts=4\n"
    )
    print("| executor | wall [s] | solves/s | speed-up | overhead per chunk |")
    print("|---|---:|---:|---:|---:|")
    base = rows[0][2]
    for name, workers, wall, res in rows:
        same = np.array_equal(res.q, one.q) and np.array_equal(res.success, one.success)
        assert same, f"{name}: results differ from one process"
        compute = float(res.time.sum())
        over = (workers * wall - compute) / chunks
        print(
            f"| {name} | {wall:.2f} | {args.targets / wall:,.0f} | {base / wall:.2f}× | "
            f"{over * 1e3:.0f} ms = {over / (compute / chunks):.1%} |"
        )
    print("\nAll rows gave identical q and success, target by target.")


if __name__ == "__main__":
    main()
