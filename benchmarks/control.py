"""Time per control step and per simulated step on the Panda, beside raw Pinocchio calls.

Everything runs in this process, on the same reduced model and configuration, interleaved
in rounds so that machine noise hits all rows alike:

* raw calls: Pinocchio's Jacobian, ABA, CRBA, generalized gravity, nonlinear effects, and
  the 6×7 SVD (LAPACK) that the damped inverse needs;
* one control step of each controller (``command``, which trusts its input, as the
  simulators call it, and the validating ``step``);
* one simulated step of each simulator (controller + integration + logging), from whole
  runs divided by their step count.

Each row is the median over rounds; a control-step or raw-call round is the median of
individual calls timed with ``perf_counter_ns``. Goals (issue 6): resolved-rate step
≤ 50 µs, dynamics step with impedance control ≤ 100 µs; issue 13: the resolved-rate step
with the collision QP (distances, distance Jacobians and a proxsuite solve) ≤ 150 µs with
10 active pairs.

Run: .venv/bin/python benchmarks/control.py [--rounds 7] [--calls 3000] [--sim-steps 2000]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable

import numpy as np
import pinocchio as pin
from scipy.linalg import lapack

import robojac
from robojac.control import (
    CartesianImpedanceController,
    JointPDController,
    OperationalSpaceController,
    ResolvedRateController,
)
from robojac.simulate import simulate_dynamic, simulate_kinematic
from robojac.trajectory import Circle

READY = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])
GOALS = {
    "ResolvedRateController.command": 50.0,
    "dynamic + impedance (semi-implicit Euler)": 100.0,
    "ResolvedRateController.command + collision QP": 150.0,  # any row of it: "... QP (10 pairs, ...)"
}


def per_call_median(fn: Callable[[], object], calls: int) -> float:
    """Median of ``calls`` individually timed calls [µs]."""
    clock = time.perf_counter_ns
    out = np.empty(calls)
    for i in range(calls):
        t0 = clock()
        fn()
        out[i] = clock() - t0
    return float(np.median(out)) * 1e-3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--sim-steps", type=int, default=2000)
    args = parser.parse_args()

    robot = robojac.load("panda")
    model, data = robot.model, robot.model.createData()
    fid = robot.frame_id()
    lwa = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
    q, v, tau = READY.copy(), np.full(7, 0.1), np.zeros(7)
    J = pin.computeFrameJacobian(model, data, q, fid, lwa).copy()
    T0 = robot.fk(READY)
    circle = Circle.starting_at(T0, 0.1, normal=(1, 0, 0), period=2.0)

    rrmc = ResolvedRateController(robot, circle, gain=10.0)
    # issue 13: the same controller keeping clear of a ball beside the hand: 10 pairs within
    # the influence distance at READY, so the velocity-damper QP has 10 rows. At t = 0.3 s
    # the nominal command meets every damper (the QP's answer is the nominal command, found
    # without calling the solver); from t = 1.6 s the reference, run ahead of the fixed q,
    # pulls the hand toward the ball and dampers bind: the exact active-set solve, seeded
    # with the last period's active rows, answers (ProxQP when it cannot verify a guess).
    from robojac.collision import CollisionModel

    ball = ("ball", "sphere", 0.08, (float(T0[0, 3]) + 0.12, 0.1, 0.5))
    rrmc_qp = ResolvedRateController(
        robot, circle, gain=10.0, collision=CollisionModel(robot, obstacles=[ball]), d_influence=0.17
    )
    qp_rows: dict[float, str] = {}
    for t_qp in (0.3, 1.6):
        rrmc_qp.command(q, v, t_qp)
        state = rrmc_qp._qp
        assert state is not None
        solves = "none binding" if state.status == "inactive" else "dampers bind"
        qp_rows[t_qp] = f"t = {t_qp:g} s: {state.active} pairs, {solves}"
    # Binding: successive 1 ms periods from t = 1.6 s (5 dampers and a velocity bound bind), so
    # that ProxQP's warm start sees neighbouring problems, as in a control loop, not one problem again.
    periods = itertools.cycle(1.6 + 1e-3 * np.arange(50))
    imp = CartesianImpedanceController(robot, circle)
    osc = OperationalSpaceController(robot, circle)
    pd = JointPDController(robot, READY + 0.05)
    for c in (imp, osc, pd):
        c.torque(q, v, 0.0)  # fixes the first-call defaults outside the timing

    raw: dict[str, Callable[[], object]] = {
        "pin.computeFrameJacobian": lambda: pin.computeFrameJacobian(model, data, q, fid, lwa),
        "pin.aba": lambda: pin.aba(model, data, q, v, tau),
        "pin.crba": lambda: pin.crba(model, data, q),
        "pin.computeGeneralizedGravity": lambda: pin.computeGeneralizedGravity(model, data, q),
        "pin.nonLinearEffects": lambda: pin.nonLinearEffects(model, data, q, v),
        "LAPACK dgesvd 6×7": lambda: lapack.dgesvd(J, full_matrices=0),
    }
    steps: dict[str, Callable[[], object]] = {
        "ResolvedRateController.command": lambda: rrmc.command(q, v, 0.3),
        "ResolvedRateController.step (validating)": lambda: rrmc.step(q, 0.3),
        f"ResolvedRateController.command + collision QP ({qp_rows[0.3]})": lambda: rrmc_qp.command(q, v, 0.3),
        f"ResolvedRateController.command + collision QP ({qp_rows[1.6]})": lambda: rrmc_qp.command(q, v, next(periods)),
        "CartesianImpedanceController.command": lambda: imp.command(q, v, 0.3),
        "OperationalSpaceController.command": lambda: osc.command(q, v, 0.3),
        "JointPDController.command": lambda: pd.command(q, v, 0.3),
    }
    n = args.sim_steps
    dur = n * 1e-3
    sims: dict[str, Callable[[], object]] = {
        "kinematic + resolved rate": lambda: simulate_kinematic(robot, rrmc, READY, duration=dur),
        "dynamic + impedance (semi-implicit Euler)": lambda: simulate_dynamic(robot, imp, READY, duration=dur),
        "dynamic + impedance (RK4)": lambda: simulate_dynamic(robot, imp, READY, duration=dur, integrator="rk4"),
        "dynamic + operational space": lambda: simulate_dynamic(robot, osc, READY, duration=dur),
        "dynamic + joint PD": lambda: simulate_dynamic(robot, pd, READY, duration=dur),
        "dynamic, no control (ABA + log only)": lambda: simulate_dynamic(
            robot, None, READY, duration=dur, max_joint_velocity=1e3
        ),
    }

    times: dict[str, list[float]] = {k: [] for k in [*raw, *steps, *sims]}
    for _ in range(args.rounds):
        for name, fn in {**raw, **steps}.items():
            times[name].append(per_call_median(fn, args.calls))
        for name, fn in sims.items():
            t0 = time.perf_counter()
            log = fn()
            times[name].append((time.perf_counter() - t0) / n * 1e6)
            assert log.status == "ok", (name, log.message)  # type: ignore[attr-defined]

    print(f"panda, median of {args.rounds} rounds; µs per call (simulated: per 1 ms step, logging included)")
    for title, group in (("raw Pinocchio / LAPACK", raw), ("one control step", steps), ("one simulated step", sims)):
        print(f"\n{title}")
        for name in group:
            med = statistics.median(times[name])
            goal = GOALS.get(name.split(" (")[0])
            verdict = "" if goal is None else f"   goal ≤ {goal:g} µs: {'met' if med <= goal else 'MISSED'}"
            print(f"  {name:44s} {med:8.2f}{verdict}")


if __name__ == "__main__":
    main()
