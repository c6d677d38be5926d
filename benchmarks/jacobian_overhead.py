"""Overhead of robot.jacobian(q) over a raw pinocchio.computeFrameJacobian call.

Both run in this process on the same reduced model, same frame, same configurations,
each written inline in a loop exactly as a user would write it (``robot.jacobian(q)``
against ``pin.computeFrameJacobian(model, data, q, frame_id, LOCAL_WORLD_ALIGNED)``),
interleaved in rounds so that machine noise hits both alike. Prints the median time per
call of each and their ratio (goal: ≤ 2.0× on the Panda).

Run: .venv/bin/python benchmarks/jacobian_overhead.py [--calls 20000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np
import pinocchio as pin

import robojac


def per_call(stmt: str, namespace: dict, qs: list, calls: int) -> float:
    """Seconds per execution of ``stmt``, written inline as a user would, over ``qs``."""
    timer = timeit.Timer(f"for q in qs:\n    {stmt}", globals={**namespace, "qs": qs})
    loops = max(1, calls // len(qs))
    return timer.timeit(loops) / (loops * len(qs))


def measure(name: str, calls: int, rounds: int) -> tuple[float, float, float, float]:
    robot = robojac.load(name)
    model, data = robot.model, robot.model.createData()
    rng = np.random.default_rng(0)
    qs = [robot.random_configuration(rng) for _ in range(64)]
    qs_pin = [robot.to_pinocchio(q) for q in qs]
    ns = {
        "pin": pin,
        "robot": robot,
        "model": model,
        "data": data,
        "fid": robot.frame_id(),
        "lwa": pin.ReferenceFrame.LOCAL_WORLD_ALIGNED,
    }
    raw_j = "pin.computeFrameJacobian(model, data, q, fid, lwa)"
    raw_fk = "pin.forwardKinematics(model, data, q); pin.updateFramePlacement(model, data, fid).homogeneous"
    np.testing.assert_allclose(
        robot.jacobian(qs[0]), pin.computeFrameJacobian(model, data, qs_pin[0], ns["fid"], ns["lwa"])
    )
    raw_t, our_t, fk_raw_t, fk_t = [], [], [], []
    for _ in range(rounds):  # interleaved, so that machine noise hits both sides alike
        raw_t.append(per_call(raw_j, ns, qs_pin, calls))
        our_t.append(per_call("robot.jacobian(q)", ns, qs, calls))
        fk_raw_t.append(per_call(raw_fk, ns, qs_pin, calls))
        fk_t.append(per_call("robot.fk(q)", ns, qs, calls))
    return statistics.median(raw_t), statistics.median(our_t), statistics.median(fk_raw_t), statistics.median(fk_t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--robots", nargs="+", default=list(robojac.bundled_robots()))
    args = parser.parse_args()
    print(f"median of {args.rounds} rounds × {args.calls} calls; times in µs per call")
    print(f"{'robot':>10} {'raw J':>8} {'robojac J':>10} {'ratio':>6}   {'raw fk':>7} {'robojac fk':>10} {'ratio':>6}")
    for name in args.robots:
        raw, ours, fk_raw, fk = measure(name, args.calls, args.rounds)
        print(
            f"{name:>10} {raw * 1e6:8.2f} {ours * 1e6:10.2f} {ours / raw:6.2f}   {fk_raw * 1e6:7.2f} {fk * 1e6:10.2f} {fk / fk_raw:6.2f}"
        )


if __name__ == "__main__":
    main()
