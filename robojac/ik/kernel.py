"""One Levenberg–Marquardt iteration of the IK solver, compiled with numba.

:func:`lm_step` is everything :mod:`robojac.ik.solver` does between Pinocchio's calls:
the residual's squared norm and the best point so far, the stall tests, the chain rule
``A = L J``, the active set of joints held at a limit, the damped step, the projected
secondary goal, and the clamp or wrap at the limits. Pinocchio still computes every
kinematic quantity (the pose, ``log6``, ``Jlog6``, the Jacobian); this module only does
the small dense algebra around them.

Why compiled: in NumPy and LAPACK the same algebra is about fifteen calls from Python
per iteration, each paying Python's and NumPy's dispatch on matrices of 6 × 7 or
smaller, which then outweighs the arithmetic; one compiled call removes most of it. The
function is compiled on first use and cached on disk (numba's ``cache=True``, in this
package's ``__pycache__`` or the user's cache folder, :func:`cache_dir`), so later
processes load it instead of compiling. ``docs/inverse-kinematics.md`` ("Speed") has
the timings.

Numba itself loads only when a solve needs the kernel: importing this module defines
plain Python functions, and the first access to :data:`lm_step` (a module attribute
resolved by ``__getattr__``) imports numba and compiles or loads them. When that has to
compile, one line says so on stderr (:data:`COMPILING`), since the process then sits
silent for about 10 s; :func:`warmup` does it up front (``robojac warmup``).

The solver's constants and the attempt's state travel as two flat arrays (layouts
below): every argument costs the call its type checks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _jit

#: ``lm_step``'s outcomes: ``‖r‖²`` is within ``near`` (no step taken; check the true
#: errors), the attempt has stalled (no step taken), or q took a step.
NEAR, STALLED, STEPPED = 0, 1, 2

# consts: [μ gain, μ bias, σ threshold, λ max, held-stall factor, near, stall factor,
#          stall window, 1.0 with a secondary goal, lower (n), upper (n), turns freely (n)]
C_MU_GAIN, C_MU_BIAS, C_THRESHOLD, C_MAX_DAMPING, C_HELD_STALL, C_NEAR, C_STALL, C_WINDOW, C_GOAL, C_LIMITS = range(10)
# state: [iterations, best ‖r‖², last ‖r‖², 1.0 to step even if near, the last `window`
#         values of ‖r‖² (a ring), limited (n), best q (n), goal (n)]
S_K, S_BEST, S_R2, S_FORCE, S_HISTORY = range(5)

_TURN = 2.0 * math.pi


#: The line printed on stderr before the kernel is compiled (once per process).
COMPILING = "robojac: compiling the IK kernel once, about 10 s; later runs load it from the cache"


def _load() -> bool:
    """Compile or load :func:`lm_step` on first use (thread-safe); True, with :data:`COMPILING`
    printed, when the disk cache lacks it (the first call will compile)."""
    # lm_step calls _cholesky_solve through this module's globals: compiled first.
    return _jit.load(globals(), ("_cholesky_solve",), ("_lm_step",), COMPILING)


def __getattr__(name: str) -> Any:
    if name == "lm_step":  # first use: later lookups find the compiled function in globals
        _load()
        return globals()["lm_step"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def cache_dir() -> str | None:
    """The folder where numba caches the compiled kernel, or None when it cannot cache.

    Numba picks it: this package's ``ik/__pycache__`` when writable, else a folder under
    the user's cache directory (or ``NUMBA_CACHE_DIR`` when set). Imports numba.
    """
    _load()
    cache = getattr(globals()["lm_step"], "_cache", None)
    return getattr(cache, "_cache_path", None)


def warmup() -> bool:
    """Compile the kernel now (or load it from numba's cache); True if it had to compile.

    Runs one step on a small problem of the solver's argument types, so that the first
    real solve of this process (and, through the disk cache, of later ones) starts at once.
    """
    missing = _load()
    step = globals()["lm_step"]
    n = 2
    consts = constants(
        np.full(n, -1.0), np.ones(n), np.zeros(n), mu_gain=0.0, mu_bias=1e-3, threshold=0.0,
        max_damping=0.0, held_stall=0.8, near=-1.0, stall=0.5, window=5, goal=False,
    )  # fmt: skip
    step(np.eye(6), np.ones((6, n)), np.full(6, 0.1), np.zeros(n), consts, fresh_state(n, 5))
    return missing


def constants(
    lower: np.ndarray,
    upper: np.ndarray,
    turns: np.ndarray,
    *,
    mu_gain: float,
    mu_bias: float,
    threshold: float,
    max_damping: float,
    held_stall: float,
    near: float,
    stall: float,
    window: int,
    goal: bool,
) -> np.ndarray:
    """The ``consts`` array of :func:`lm_step` (see its docstring for the meanings)."""
    head = [mu_gain, mu_bias, threshold, max_damping, held_stall, near, stall, float(window), float(goal)]
    return np.concatenate((head, lower, upper, np.asarray(turns, dtype=float)))


def fresh_state(n: int, window: int) -> np.ndarray:
    """The ``state`` array of :func:`lm_step` at the start of an attempt."""
    state = np.zeros(S_HISTORY + window + 3 * n)
    state[S_BEST] = math.inf
    return state


def best_q(state: np.ndarray, n: int, window: int) -> np.ndarray:
    """A copy of the best q of the attempt so far."""
    start = S_HISTORY + window + n
    return np.array(state[start : start + n])


def goal_slice(n: int, window: int) -> slice:
    """Where the secondary goal's joint motion goes in ``state``."""
    start = S_HISTORY + window + 2 * n
    return slice(start, start + n)


def _cholesky_solve(H: np.ndarray, b: np.ndarray) -> bool:
    """Solve ``H x = b`` in place for a symmetric positive definite H (b becomes x).

    H's lower triangle becomes its Cholesky factor. Returns False, leaving b unsolved,
    when H is not numerically positive definite.
    """
    p = H.shape[0]
    for j in range(p):
        s = H[j, j]
        for k in range(j):
            s -= H[j, k] * H[j, k]
        if not s > 0.0:
            return False
        d = math.sqrt(s)
        H[j, j] = d
        for i in range(j + 1, p):
            t = H[i, j]
            for k in range(j):
                t -= H[i, k] * H[j, k]
            H[i, j] = t / d
    for i in range(p):  # L y = b
        t = b[i]
        for k in range(i):
            t -= H[i, k] * b[k]
        b[i] = t / H[i, i]
    for i in range(p - 1, -1, -1):  # Lᵀ x = y
        t = b[i]
        for k in range(i + 1, p):
            t -= H[k, i] * b[k]
        b[i] = t / H[i, i]
    return True


def _lm_step(L: np.ndarray, J: np.ndarray, r: np.ndarray, q: np.ndarray, consts: np.ndarray, state: np.ndarray) -> int:
    """One damped least-squares step ``q ← q − Aᵀ(A Aᵀ + μ I)⁻¹ r`` with ``A = L J``, in place.

    Args:
        L: (m, 6) the residual's derivative with respect to the frame's twist:
            ``Jlog6`` for a full pose, the rows and weights of the kept axes for a masked one.
        J: (6, n) the frame's Jacobian, in the frame whose twist ``L`` takes: ``A = ∂r/∂q = L J``.
        r: (m,) the residual [m, rad]: where the frame is, seen from the target.
        q: (n,) joint values [rad or m] at which r, L and J were evaluated; they take the
            step in place, inside the limits.
        consts: the solver's constants (layout at the top of this module): the damping
            ``μ = gain·‖r‖² + bias``, or Nakamura–Chiaverini's when the threshold is
            positive; the stall rules; the limits.
        state: the attempt's state (layout at the top of this module), updated in place.
            Set its "force" entry to take a step even when ``‖r‖² ≤ near``.

    Returns:
        ``NEAR``: ``‖r‖² ≤ near``, no step (the caller checks the true errors);
        ``STALLED``: ``‖r‖²`` has not halved over the last ``window`` iterations, or a
        joint held at a limit blocks the descent, no step; ``STEPPED``.

    A joint resting on a limit is held (its column of A zeroed, so that its step is
    exactly 0) while the descent direction ``−Aᵀr`` points out of its range. An
    iteration that holds a joint and lowered ``‖r‖²`` by less than the held-stall factor
    has reached a minimum of the constrained problem, not a solution: it stalls. (A rise
    is a step that hit a limit, and the next steps recover from it.)
    """
    m, six, n = L.shape[0], L.shape[1], J.shape[1]
    window = int(consts[C_WINDOW])
    limited = S_HISTORY + window  # offsets in state
    best = limited + n

    r2 = 0.0
    for i in range(m):
        r2 += r[i] * r[i]
    state[S_R2] = r2
    if r2 < state[S_BEST]:
        state[S_BEST] = r2
        state[best : best + n] = q
    if r2 <= consts[C_NEAR] and state[S_FORCE] == 0.0:
        return NEAR
    state[S_FORCE] = 0.0
    k = int(state[S_K])
    if k >= window and r2 > consts[C_STALL] * state[S_HISTORY + k % window]:
        return STALLED
    prev = state[S_HISTORY + (k - 1) % window] if k > 0 else math.inf

    A = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            s = 0.0
            for c in range(six):
                s += L[i, c] * J[c, j]
            A[i, j] = s
    # Held joints are marked ±2 in `limited` for this iteration.
    any_held = False
    for j in range(n):
        side = state[limited + j]
        if side != 0.0:
            g = 0.0
            for i in range(m):
                g += r[i] * A[i, j]
            if side * g < 0.0:
                A[:, j] = 0.0
                state[limited + j] = 2.0 * side
                any_held = True
    if any_held and consts[C_HELD_STALL] * prev < r2 <= prev:
        for j in range(n):
            if abs(state[limited + j]) == 2.0:
                state[limited + j] *= 0.5
        return STALLED

    rows = m <= n  # solve the m × m system in A Aᵀ, else the n × n one in AᵀA
    B = A if rows else A.T  # H = B Bᵀ
    p, inner = B.shape
    H = np.empty((p, p))
    for i in range(p):
        for j in range(i + 1):
            s = 0.0
            for c in range(inner):
                s += B[i, c] * B[j, c]
            H[i, j] = s
            H[j, i] = s
    b = r.copy() if rows else np.zeros(n)  # the right-hand side: r, or Aᵀr
    if not rows:
        for i in range(n):
            for c in range(m):
                b[i] += B[i, c] * r[c]
    threshold = consts[C_THRESHOLD]
    if threshold > 0.0:
        # Nakamura–Chiaverini: μ = λ², λ = λmax √(1 − (σmin/ε)²) below the threshold ε
        # (robojac.dls.adaptive_damping), σmin² being the Gram matrix's smallest eigenvalue.
        s2 = max(np.linalg.eigvalsh(H)[0], 0.0)
        lam_max = consts[C_MAX_DAMPING]
        mu = lam_max * lam_max * (1.0 - s2 / (threshold * threshold)) if s2 < threshold * threshold else 0.0
    else:
        mu = consts[C_MU_GAIN] * r2 + consts[C_MU_BIAS]
    for i in range(p):
        H[i, i] += mu
    if not _cholesky_solve(H, b):  # singular and undamped (damping 0, Chan's at zero error)
        dq = np.linalg.lstsq(A, r.copy(), rcond=1e-10)[0]  # the minimum-norm step
    elif rows:
        dq = np.zeros(n)
        for i in range(m):
            for j in range(n):
                dq[j] += A[i, j] * b[i]
    else:
        dq = b
    if consts[C_GOAL] != 0.0:
        goal = limited + 2 * n
        z = state[goal : goal + n].copy()
        for j in range(n):
            if abs(state[limited + j]) == 2.0:
                z[j] = 0.0
        dq -= z - np.linalg.pinv(A, rcond=1e-8).dot(A.dot(z))

    lo, hi, turns = C_LIMITS, C_LIMITS + n, C_LIMITS + 2 * n
    for j in range(n):
        side = state[limited + j]
        if abs(side) == 2.0:  # held: its step is 0, and it stays on its limit
            state[limited + j] = 0.5 * side
            continue
        v = q[j] - dq[j]
        c = min(max(v, consts[lo + j]), consts[hi + j])
        if c == v:
            state[limited + j] = 0.0
        elif consts[turns + j] != 0.0:  # the same pose a whole number of turns on
            c = min(consts[lo + j] + (v - consts[lo + j]) % _TURN, consts[hi + j])  # min(): rounding at a 2π span
            state[limited + j] = 0.0
        else:
            state[limited + j] = 1.0 if v > c else -1.0
        q[j] = c
    state[S_HISTORY + k % window] = r2
    state[S_K] = k + 1
    return STEPPED
