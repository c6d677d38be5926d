"""Throughput of batch IK on the Panda with and without collision checks (issue 13).

Targets: poses of random Panda configurations that are collision-free (self-collision
plus a table plane at the base, z = 0), each with a random start; 1e-6 m / 1e-6 rad, no time budget but at most 20 restarts (so the
work, and the answers, do not depend on the machine's load: a busy machine only slows
each row). Every row solves the same targets with the
same seeds. Rows: one process, and two local processes (``executor=local_pool(2)``, the
pool started and warmed before timing), each plain and with ``collision=cm``. Columns:
the median wall time of ``--runs`` runs (interleaved), solves/s, the median solve time
(``IKBatchResult.time``, measured inside the workers), this process's CPU time per target
(one-process rows: less sensitive than the wall time to other jobs on the machine), the success rate, the targets rejected
for collision (every converged answer collided), and the successful answers that a coal
distance query (not the collision test the solver used) finds in collision: some without
the checks, none with them.

Run: .venv/bin/python benchmarks/batch_collision.py [--targets 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import robojac
from robojac.collision import CollisionModel, raw_distances
from robojac.scale import local_pool


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    robot = robojac.load("panda")
    cm = CollisionModel(robot, obstacles=[("table", "plane", (), (0.0, 0.0, 0.0))])
    rng = np.random.default_rng(args.seed)
    Ts, starts = [], []
    while len(Ts) < args.targets:
        q = robot.random_configuration(rng)
        if not cm.in_collision(q):
            Ts.append(robot.fk(q))
            starts.append(robot.random_configuration(rng))
    targets, q0 = np.array(Ts), np.array(starts)
    kw: dict[str, Any] = dict(seed=args.seed, progress=False, timeout=None, max_restarts=20)
    cases = [(w, ex, c) for w, ex in (("1 process", False), ("2 processes", True)) for c in (False, True)]
    walls: dict[int, list[float]] = {k: [] for k in range(len(cases))}
    cpus: dict[int, list[float]] = {k: [] for k in range(len(cases))}
    solves: dict[int, list[float]] = {k: [] for k in range(len(cases))}
    last: dict[int, robojac.IKBatchResult] = {}
    with local_pool(2) as pool:
        robojac.solve_ik_batch(robot, targets[:64], q0[:64], executor=pool, chunk_size=8, collision=cm, **kw)
        # Runs interleaved, case after case, so that a burst of load elsewhere hits every case alike.
        for _ in range(args.runs):
            for k, (_, on_pool, checked) in enumerate(cases):
                t, c = time.perf_counter(), time.process_time()
                res = robojac.solve_ik_batch(
                    robot, targets, q0, collision=cm if checked else None, executor=pool if on_pool else None, **kw
                )
                walls[k].append(time.perf_counter() - t)
                cpus[k].append(time.process_time() - c)
                solves[k].append(float(np.median(res.time)))
                last[k] = res
    rows = []
    for k, (where, on_pool, checked) in enumerate(cases):
        res = last[k]
        wall = float(np.median(walls[k]))
        bad = sum(raw_distances(cm, q).min() < 0 for q in res.q[res.success])
        rows.append(
            [
                where,
                "yes" if checked else "no",
                f"{wall:.3f}",
                f"{len(res) / wall:,.0f}",
                f"{1e6 * float(np.median(solves[k])):.0f}",
                "-" if on_pool else f"{1e6 * float(np.median(cpus[k])) / len(res):.0f}",
                f"{100 * res.success_rate:.2f}",
                res.collided if checked else "-",
                bad,
            ]
        )
    head = [
        "where",
        "collision",
        "median wall s",
        "solves/s",
        "median solve µs",
        "CPU µs/target",
        "% solved",
        "rejected",
        "answers in collision",
    ]
    print(
        f"panda, {args.targets} collision-free targets (self + table z = 0), timeout=None, max_restarts=20, median of {args.runs}:"
    )
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


if __name__ == "__main__":
    main()
