"""One Robot shared by four threads gives every thread the answers it would get alone.

Each thread hammers a shared Robot with fk, jacobian, jacobian_dot, fk_all, gravity and
singularity_report on its own configurations; every answer is compared with the one
computed beforehand on one thread. Before Robot held per-thread scratch data, such
sharing gave silently wrong poses (89 in 8,000 in the adversarial run).
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import robojac

THREADS = 4
ROUNDS = 150


def _answers(robot: robojac.Robot, q: np.ndarray, dq: np.ndarray) -> list[np.ndarray]:
    report = robojac.singularity_report(robot, q)
    return [
        robot.fk(q),
        robot.fk(q, robot.joint_names[1]),
        robot.jacobian(q),
        robot.jacobian(q, ref="local"),
        robot.jacobian_dot(q, dq),
        robot.fk_all(q)[robot.tip],
        robojac.gravity_torques(robot, q),
        report.singular_values,
        np.array([report.manipulability]),
    ]


@pytest.mark.parametrize("base", [None, "panda_link1"])
def test_a_shared_robot_answers_each_thread_as_if_alone(base: str | None) -> None:
    robot = robojac.load("panda", base=base)
    rng = np.random.default_rng(11)
    work = [[(robot.random_configuration(rng), rng.normal(size=robot.dof)) for _ in range(8)] for _ in range(THREADS)]
    expected = [[_answers(robot, q, dq) for q, dq in mine] for mine in work]
    wrong: list[str] = []
    start = threading.Barrier(THREADS)

    def run(t: int) -> None:
        start.wait()
        for r in range(ROUNDS):
            i = r % len(work[t])
            got = _answers(robot, *work[t][i])
            for k, (a, b) in enumerate(zip(got, expected[t][i])):
                if not np.array_equal(a, b):
                    wrong.append(f"thread {t} round {r} answer {k}: max diff {np.max(np.abs(a - b)):.3g}")

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads between any two bytecodes, as a loaded machine may
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert not wrong, f"{len(wrong)} wrong answers, e.g. {wrong[:3]}"


def test_gravity_with_another_vector_leaves_the_model_alone() -> None:
    robot = robojac.load("ur5")
    before = robot.model.gravity.linear.copy()
    q = robot.random_configuration(1)
    robojac.gravity_torques(robot, q, gravity=[0, 9.81, 0])
    np.testing.assert_array_equal(robot.model.gravity.linear, before)
