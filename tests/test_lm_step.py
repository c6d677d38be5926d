"""robojac.ik.kernel: the compiled IK iteration, against dense NumPy references.

Every branch the solver relies on: the damped step in both forms (m ≤ n and m > n), the
minimum-norm step when undamped and singular, Nakamura–Chiaverini damping, the projected
secondary goal, held joints, clamping and wrapping at the limits, and the near and stall
outcomes.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from robojac.dls import adaptive_damping
from robojac.ik import kernel as lm

WINDOW = 5


def consts(n: int, *, lo: float = -3.0, hi: float = 3.0, turns: np.ndarray | None = None, **kw: float) -> np.ndarray:
    options: dict[str, Any] = dict(
        mu_gain=0.0,
        mu_bias=1e-3,
        threshold=0.0,
        max_damping=0.0,
        held_stall=0.8,
        near=-1.0,
        stall=0.5,
        window=WINDOW,
        goal=False,
    )
    options.update(kw)
    return lm.constants(
        np.full(n, lo),
        np.full(n, hi),
        np.zeros(n) if turns is None else turns,
        **options,
    )


def problem(m: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random L (m, 6), J (6, n), r (m,) and q (n,) inside ±0.5."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, 6)), rng.normal(size=(6, n)), 0.1 * rng.normal(size=m), rng.uniform(-0.5, 0.5, n)


def dls(A: np.ndarray, r: np.ndarray, mu: float) -> np.ndarray:
    """argmin ‖A dq − r‖² + μ‖dq‖², in the normal-equations form."""
    n = A.shape[1]
    return np.linalg.solve(A.T @ A + mu * np.eye(n), A.T @ r)


def step(
    L: np.ndarray, J: np.ndarray, r: np.ndarray, q: np.ndarray, c: np.ndarray, state: np.ndarray | None = None
) -> tuple[int, np.ndarray, np.ndarray]:
    state = lm.fresh_state(len(q), WINDOW) if state is None else state
    qn = q.copy()
    outcome = lm.lm_step(L, J, r, qn, c, state)
    return outcome, qn, state


@pytest.mark.parametrize("m, n", [(6, 2), (6, 6), (6, 7), (3, 7), (5, 9)])
def test_the_step_is_damped_least_squares(m: int, n: int) -> None:
    L, J, r, q = problem(m, n)
    mu_gain, mu_bias = 0.2, 1e-3
    outcome, qn, state = step(L, J, r, q, consts(n, mu_gain=mu_gain, mu_bias=mu_bias))
    mu = mu_gain * r.dot(r) + mu_bias
    assert outcome == lm.STEPPED
    assert np.allclose(qn, q - dls(L @ J, r, mu), rtol=0, atol=1e-12)
    assert state[lm.S_K] == 1 and state[lm.S_R2] == pytest.approx(r.dot(r))
    assert state[lm.S_BEST] == pytest.approx(r.dot(r))
    assert np.array_equal(lm.best_q(state, n, WINDOW), q)


def test_cholesky_solve() -> None:
    rng = np.random.default_rng(1)
    B = rng.normal(size=(5, 5))
    H, b = B @ B.T + 0.1 * np.eye(5), rng.normal(size=5)
    x = b.copy()
    assert lm._cholesky_solve(H.copy(), x)
    assert np.allclose(x, np.linalg.solve(H, b), rtol=0, atol=1e-12)
    singular = np.outer(b, b)
    assert not lm._cholesky_solve(singular, b.copy())


def test_an_undamped_singular_step_is_the_minimum_norm_one() -> None:
    L, J, r, q = problem(6, 3)
    J[:, 2] = J[:, 1]  # two joints that move the frame alike: A Aᵀ and AᵀA are singular
    outcome, qn, _ = step(L, J, r, q, consts(3, mu_bias=0.0))
    assert outcome == lm.STEPPED
    assert np.allclose(qn, q - np.linalg.lstsq(L @ J, r, rcond=None)[0], rtol=0, atol=1e-10)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_nakamura_damping_follows_the_smallest_singular_value(factor: float) -> None:
    """μ = adaptive_damping(σmin)²: 0 above the threshold, λmax²(1 − (σmin/ε)²) below it."""
    L, J, r, q = problem(6, 6, seed=2)
    A = L @ J
    sigma = float(np.linalg.svd(A, compute_uv=False).min())
    threshold, max_damping = factor * sigma, 0.2
    mu = adaptive_damping(sigma, threshold, max_damping) ** 2
    assert (mu > 0) == (factor > 1)
    outcome, qn, _ = step(L, J, r, q, consts(6, threshold=threshold, max_damping=max_damping, mu_bias=0.0))
    assert outcome == lm.STEPPED
    assert np.allclose(qn, q - dls(A, r, mu), rtol=0, atol=1e-9)


def test_the_secondary_goal_moves_in_the_null_space_only() -> None:
    m, n = 6, 8
    L, J, r, q = problem(m, n, seed=3)
    c = consts(n, goal=True)
    state = lm.fresh_state(n, WINDOW)
    z = np.random.default_rng(4).normal(size=n) * 0.1
    state[lm.goal_slice(n, WINDOW)] = z
    _, qn, _ = step(L, J, r, q, c, state)
    A = L @ J
    projected = z - np.linalg.pinv(A) @ (A @ z)
    assert np.allclose(qn, q - dls(A, r, 1e-3) + projected, rtol=0, atol=1e-10)
    assert np.allclose(A @ projected, 0.0, atol=1e-10)


def test_a_joint_held_at_its_limit_stays_and_the_others_solve_without_it() -> None:
    L, J, r, q = problem(6, 4, seed=5)
    A = L @ J
    g = r @ A  # the gradient of ½‖r‖²: the descent −g pushes joint j up where g[j] < 0
    j = int(np.argmax(np.abs(g)))
    up = g[j] < 0
    q[j] = 3.0 if up else -3.0  # on the limit the descent pushes against
    state = lm.fresh_state(4, WINDOW)
    limited = slice(lm.S_HISTORY + WINDOW, lm.S_HISTORY + WINDOW + 4)
    state[limited][j] = 1.0 if up else -1.0
    outcome, qn, state = step(L, J, r, q, consts(4), state)
    Aj = A.copy()
    Aj[:, j] = 0.0
    assert outcome == lm.STEPPED
    assert qn[j] == q[j]
    assert np.allclose(qn, q - dls(Aj, r, 1e-3), rtol=0, atol=1e-12)
    assert state[limited][j] == (1.0 if up else -1.0)  # still resting on it

    # The same joint on the other limit: the descent pulls it inward, so it is released
    # and takes part in the step (which is then clamped as usual).
    q[j] = -q[j]
    state = lm.fresh_state(4, WINDOW)
    state[limited][j] = -1.0 if up else 1.0
    _, qn, state = step(L, J, r, q, consts(4), state)
    free = q - dls(A, r, 1e-3)
    assert np.allclose(qn, np.clip(free, -3.0, 3.0), rtol=0, atol=1e-12)
    assert state[limited][j] == (0.0 if abs(free[j]) <= 3.0 else np.sign(free[j]))


def test_joints_that_cross_a_limit_are_clamped_and_full_turn_joints_wrap() -> None:
    L, J, r, q = problem(6, 2, seed=6)
    free = q - dls(L @ J, 100.0 * r, 1e-3)  # a long step
    lo, hi = -0.3, 0.3
    assert ((free < lo) | (free > hi)).all(), free
    _, clamped, state = step(L, J, 100.0 * r, np.clip(q, lo, hi), consts(2, lo=lo, hi=hi))
    free = np.clip(q, lo, hi) - dls(L @ J, 100.0 * r, 1e-3)
    limited = state[lm.S_HISTORY + WINDOW : lm.S_HISTORY + WINDOW + 2]
    assert np.array_equal(clamped, np.clip(free, lo, hi))
    assert np.array_equal(limited, np.where(free > hi, 1.0, -1.0))

    # Joints whose range spans a full turn wrap by whole turns: the same pose, no limit hit.
    lo, hi = -math.pi, math.pi
    q = np.array([3.0, -3.0])
    _, wrapped, state = step(L, J, 100.0 * r, q, consts(2, lo=lo, hi=hi, turns=np.ones(2)))
    free = q - dls(L @ J, 100.0 * r, 1e-3)
    assert ((wrapped >= lo) & (wrapped <= hi)).all()
    assert np.allclose(np.remainder(wrapped - free + math.pi, 2 * math.pi) - math.pi, 0.0, atol=1e-12)
    assert not state[lm.S_HISTORY + WINDOW : lm.S_HISTORY + WINDOW + 2].any()


def test_near_returns_without_a_step_unless_forced() -> None:
    L, J, r, q = problem(6, 3, seed=7)
    c = consts(3, near=2.0 * r.dot(r))
    outcome, qn, state = step(L, J, r, q, c)
    assert outcome == lm.NEAR and np.array_equal(qn, q) and state[lm.S_K] == 0
    assert state[lm.S_BEST] == pytest.approx(r.dot(r))
    state[lm.S_FORCE] = 1.0
    outcome, qn, state = step(L, J, r, q, c, state)
    assert outcome == lm.STEPPED and not np.array_equal(qn, q) and state[lm.S_FORCE] == 0.0


def test_an_error_that_does_not_halve_in_window_iterations_stalls() -> None:
    L, J, r, q = problem(6, 3, seed=8)
    c = consts(3)
    state = lm.fresh_state(3, WINDOW)
    for k in range(WINDOW):  # the same residual every time: ‖r‖² never halves
        outcome, _, state = step(L, J, r, q, c, state)
        assert outcome == lm.STEPPED, k
    outcome, qn, state = step(L, J, r, q, c, state)
    assert outcome == lm.STALLED and np.array_equal(qn, q) and state[lm.S_K] == WINDOW
    # Halved against the value WINDOW iterations back: not stalled.
    outcome, _, _ = step(L, J, 0.7 * r, q, c, state)
    assert outcome == lm.STEPPED


def test_a_held_joint_with_an_error_that_barely_falls_stalls() -> None:
    L, J, r, q = problem(6, 4, seed=5)
    g = r @ (L @ J)
    j = int(np.argmax(np.abs(g)))
    q[j] = 3.0 if g[j] < 0 else -3.0
    state = lm.fresh_state(4, WINDOW)
    limited = slice(lm.S_HISTORY + WINDOW, lm.S_HISTORY + WINDOW + 4)
    step(L, J, 1.05 * r, q, consts(4), state)  # the previous iteration, ‖r‖² 10 % higher
    state[limited] = 0.0
    state[limited][j] = 1.0 if g[j] < 0 else -1.0
    outcome, qn, state = step(L, J, r, q, consts(4), state)
    assert outcome == lm.STALLED and np.array_equal(qn, q)
    assert state[limited][j] == (1.0 if g[j] < 0 else -1.0)  # the hold mark is undone
    # The same fall with the rule off (factor 1: an empty band) takes the step.
    state[lm.S_K] = 1
    outcome, _, _ = step(L, J, r, q, consts(4, held_stall=1.0), state)
    assert outcome == lm.STEPPED


_SECOND_PROCESS = """
import numpy as np
from robojac.ik import kernel as lm

n = 7
L, J, r, q = np.eye(6), np.ones((6, n)), np.full(6, 0.1), np.zeros(n)
c = lm.constants(np.full(n, -3.0), np.full(n, 3.0), np.zeros(n), mu_gain=0.0, mu_bias=1e-3, threshold=0.0,
                 max_damping=0.0, held_stall=0.8, near=-1.0, stall=0.5, window=5, goal=False)
lm.lm_step(L, J, r, q, c, lm.fresh_state(n, 5))
print(sum(lm.lm_step.stats.cache_hits.values()), sum(lm.lm_step.stats.cache_misses.values()))
"""


def test_the_compiled_step_is_cached_on_disk() -> None:
    """A second process loads lm_step from numba's disk cache instead of compiling it again."""
    step(np.eye(6), np.ones((6, 7)), np.full(6, 0.1), np.zeros(7), consts(7))  # compiled or loaded here, and saved
    assert type(lm.lm_step._cache).__name__ == "FunctionCache"  # cache=True took effect
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS], capture_output=True, text=True, env=env, timeout=600, check=True
    )
    hits, misses = map(int, out.stdout.split())
    assert (hits, misses) == (1, 0), out.stdout


_IK_ONCE = """
import robojac
from robojac.ik import solve_ik
r = robojac.load("planar_2r")
solve_ik(r, r.fk(r.neutral()), position_only=True)
solve_ik(r, r.fk(r.neutral()), position_only=True)
"""


@pytest.mark.slow
def test_the_first_compile_says_so_once_on_stderr(tmp_path: Path) -> None:
    """A process that must compile the kernel prints lm.COMPILING once; one that loads it prints nothing.

    A fresh NUMBA_CACHE_DIR makes the first process compile (numba puts the cache there
    instead of the package's __pycache__), and the second then loads it from there.
    """
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root, "NUMBA_CACHE_DIR": str(tmp_path)}
    run = [sys.executable, "-c", _IK_ONCE]
    first = subprocess.run(run, capture_output=True, text=True, env=env, timeout=600, check=True)
    assert first.stderr.count(lm.COMPILING) == 1, first.stderr
    assert any(tmp_path.rglob("*.nbi")), "the kernel was not cached in NUMBA_CACHE_DIR"
    second = subprocess.run(run, capture_output=True, text=True, env=env, timeout=600, check=True)
    assert lm.COMPILING not in second.stderr, second.stderr


def test_importing_the_solver_does_not_load_numba() -> None:
    """numba (about 0.5 s) loads at the first solve, not when robojac.ik is imported."""
    code = (
        "import sys, robojac, robojac.ik, robojac.ik.solver\n"
        "print('numba' in sys.modules)\n"
        "r = robojac.load('planar_2r'); robojac.ik.solve_ik(r, r.fk(r.neutral()), position_only=True)\n"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600)
    assert out.stdout.split() == ["False", "True"]


def test_warmup_leaves_the_kernel_ready() -> None:
    """warmup() compiles or loads the kernel; afterwards lm_step is the compiled function with a signature."""
    lm.warmup()
    assert lm.lm_step.signatures
    assert lm.cache_dir() is None or Path(lm.cache_dir()).is_dir()
