"""The collision QP's small dense algebra, compiled with numba: damper rows and the exact active-set solve.

:func:`damper_rows` turns the witness points and normals that coal returns into distance
Jacobian rows (:func:`robojac.collision.queries.active_rows`); :func:`clearance_qp` does
everything :class:`robojac.collision.qp.ClearanceQP` computes between coal and ProxQP:
the damper bounds, the test that the nominal command already meets every row, and the
exact active-set solve with its KKT check (the maths is in :mod:`robojac.collision.qp`).
Coal still computes every distance, Pinocchio every Jacobian, and ProxQP solves whatever
the active-set guesses cannot verify.

Why compiled: a controller calls this every period on matrices of at most 24 × 7, where
NumPy and LAPACK cost a dispatch of a few µs per call and the same algebra is some forty
calls; one compiled call removes them (``benchmarks/control.py``). Compiled on first use
and cached on disk like the IK kernel (:mod:`robojac._jit`); ``robojac warmup`` compiles
both.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _jit

#: :func:`clearance_qp`'s outcomes: the nominal command meets every row (it is the answer);
#: a verified active set gave the answer; neither (the caller runs ProxQP).
INACTIVE, ACTIVE_SET, UNRESOLVED = 0, 1, 2

#: The line printed on stderr before the kernel is compiled (once per process).
COMPILING = "robojac: compiling the collision QP kernel once, about 5 s; later runs load it from the cache"

#: Pairs at least this far apart [m] take their normal from the witness points (see :func:`damper_rows`).
APART = 1e-4

_ENTRIES = ("_damper_rows", "_clearance_qp")
_HELPERS = ("_factor", "_solve_factored")


def _load() -> bool:
    """Compile or load the kernel on first use (thread-safe); True, with :data:`COMPILING`
    printed, when the disk cache lacks it."""
    return _jit.load(globals(), _HELPERS, _ENTRIES, COMPILING)


def __getattr__(name: str) -> Any:
    if name in ("damper_rows", "clearance_qp"):  # first use: later lookups find them in globals
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def warmup() -> bool:
    """Compile the kernel now (or load it from numba's cache); True if it had to compile.

    Calls both functions with the argument types a controller passes.
    """
    missing = _load()
    n, m = 2, 1
    pts = np.zeros((3, m, 3))
    pts[2, :, 2] = 1.0
    masks = np.zeros((m, 2, n))
    C = np.empty((m, n))
    globals()["damper_rows"](
        pts, np.asfortranarray(np.ones((6, n))), masks, masks.sum(axis=1), np.zeros(m, np.int64), C
    )
    last = np.zeros(m + 2 * n, dtype=np.bool_)
    settings = np.array([0.02, 0.12, 0.2, 1e-3])
    J, ones = np.eye(6)[:, :n].copy(), np.ones(n)
    globals()["clearance_qp"](
        J,
        ones,
        1e-6,
        C,
        np.zeros(m),
        settings,
        ones,
        np.stack((-ones, ones, ones)),
        np.zeros(m, np.int64),
        last,
        True,
        np.empty(n),
        np.empty(m),
        np.empty((2, n)),
    )
    return missing


def _damper_rows(
    pts: np.ndarray, Jall: np.ndarray, masks: np.ndarray, msum: np.ndarray, keep: np.ndarray, out: np.ndarray
) -> None:
    """Fill ``out`` (m, nv) with the distance Jacobian rows of the pairs ``keep`` (m,).

    ``pts[:, i]`` holds pair ``keep[i]``'s witness points ``p1``, ``p2`` and unit normal ``n``
    (Pinocchio's world frame), where a pair at least :data:`APART` apart may leave ``n``
    zero: it is then ``(p2 − p1)/‖p2 − p1‖``, the direction coal's normal has for shapes
    apart (they agree to ~1e-14); ``Jall`` (6, nv) is Pinocchio's stacked joint Jacobian
    ``data.J`` (column ``v``: the world-frame motion ``[J_v; J_ω]`` of dof ``v``);
    ``masks[k]`` are pair ``k``'s signed column masks ``[−M_A, M_B]`` (the dofs that move
    each side's body) and ``msum[k] = M_B − M_A``. Then, per column ``v``:

        ``J_d[v] = (M_B − M_A)[v] nᵀ J_v[:, v] − M_A[v] (p1 × n)ᵀ J_ω[:, v] + M_B[v] (p2 × n)ᵀ J_ω[:, v]``.
    """
    m, nv = out.shape
    for i in range(m):
        k = keep[i]
        n0, n1, n2 = pts[2, i, 0], pts[2, i, 1], pts[2, i, 2]
        if n0 == 0.0 and n1 == 0.0 and n2 == 0.0:
            n0, n1, n2 = pts[1, i, 0] - pts[0, i, 0], pts[1, i, 1] - pts[0, i, 1], pts[1, i, 2] - pts[0, i, 2]
            norm = math.sqrt(n0 * n0 + n1 * n1 + n2 * n2)
            n0, n1, n2 = n0 / norm, n1 / norm, n2 / norm
        a0 = pts[0, i, 1] * n2 - pts[0, i, 2] * n1  # p1 × n
        a1 = pts[0, i, 2] * n0 - pts[0, i, 0] * n2
        a2 = pts[0, i, 0] * n1 - pts[0, i, 1] * n0
        b0 = pts[1, i, 1] * n2 - pts[1, i, 2] * n1  # p2 × n
        b1 = pts[1, i, 2] * n0 - pts[1, i, 0] * n2
        b2 = pts[1, i, 0] * n1 - pts[1, i, 1] * n0
        for v in range(nv):
            lin = n0 * Jall[0, v] + n1 * Jall[1, v] + n2 * Jall[2, v]
            ang1 = a0 * Jall[3, v] + a1 * Jall[4, v] + a2 * Jall[5, v]
            ang2 = b0 * Jall[3, v] + b1 * Jall[4, v] + b2 * Jall[5, v]
            out[i, v] = msum[k, v] * lin + masks[k, 0, v] * ang1 + masks[k, 1, v] * ang2


# _factor repeats the factorisation loop of robojac.ik.kernel._cholesky_solve on purpose:
# numba's disk cache is invalidated only by changes to the compiled function's own file,
# so a helper shared across kernel files could leave a stale compiled copy in a cache.
def _factor(A: np.ndarray) -> bool:
    """Cholesky in place: A's lower triangle becomes L with ``A = L Lᵀ``; False if A is not
    numerically positive definite."""
    p = A.shape[0]
    for j in range(p):
        s = A[j, j]
        for k in range(j):
            s -= A[j, k] * A[j, k]
        if not s > 0.0:
            return False
        d = math.sqrt(s)
        A[j, j] = d
        for i in range(j + 1, p):
            t = A[i, j]
            for k in range(j):
                t -= A[i, k] * A[j, k]
            A[i, j] = t / d
    return True


def _solve_factored(L: np.ndarray, B: np.ndarray) -> None:
    """``B ← (L Lᵀ)⁻¹ B`` in place, for each column of ``B`` (p, r), L from :func:`_factor`."""
    p, r = B.shape
    for c in range(r):
        for i in range(p):
            t = B[i, c]
            for k in range(i):
                t -= L[i, k] * B[k, c]
            B[i, c] = t / L[i, i]
        for i in range(p - 1, -1, -1):
            t = B[i, c]
            for k in range(i + 1, p):
                t -= L[k, i] * B[k, c]
            B[i, c] = t / L[i, i]


def _clearance_qp(
    J: np.ndarray,
    dq_ref: np.ndarray,
    w: float,
    C: np.ndarray,
    d: np.ndarray,
    settings: np.ndarray,
    q: np.ndarray,
    limits: np.ndarray,
    pairs: np.ndarray,
    last: np.ndarray,
    exact: bool,
    out: np.ndarray,
    lo: np.ndarray,
    box: np.ndarray,
) -> int:
    """The velocity-damper QP of :mod:`robojac.collision.qp` when it can be answered exactly.

    Args:
        J: (k, n) the task rows; ``H = JᵀJ + max(w, 1e-6) I``.
        dq_ref: (n,) the nominal command [rad/s or m/s].
        w: the damping weight (λ²).
        C: (m, n) the distance Jacobian rows of the pairs closer than ``d_i``; ``d`` (m,)
            their distances [m].
        settings: ``[d_s, d_i, ξ, Δt]`` [m, m, m/s, s].
        q: (n,) the configuration.
        limits: (3, n) rows ``q_min``, ``q_max``, ``v_max`` (±inf: none); the box on q̇ is
            ``max(−v_max, (q_min − q)/Δt) ≤ q̇ ≤ min(v_max, (q_max − q)/Δt)``, a lower bound
            above its upper counting as the upper, ±1e20 (ProxQP's "no bound") at most.
        pairs: (m,) each row's pair index in the collision model's query order.
        last: (npairs + 2n,) bool, the rows the last period's answer sat on, by key:
            pair ``k``, then each joint's lower bound, then its upper bound. Read as the
            first guess of the active set; rewritten with this period's.
        exact: try the active-set guesses (False: only the nominal-command test).
        out: (n,) receives the answer (with ``INACTIVE``: ``dq_ref``).
        lo: (m,) receives the damper bounds ``−ξ (d − d_s)/(d_i − d_s)`` [m/s].
        box: (2, n) receives the box's lower and upper bounds.

    Returns:
        ``INACTIVE``, ``ACTIVE_SET`` or ``UNRESOLVED`` (``out`` unset; the caller runs ProxQP
        and records its active rows in ``last``).
    """
    m, n = C.shape[0], dq_ref.size
    npairs = last.size - 2 * n
    rows = m + 2 * n
    d_s, d_i, xi, dt = settings[0], settings[1], settings[2], settings[3]
    G = np.zeros((rows, n))
    b = np.empty(rows)
    slack = np.empty(rows)
    for r in range(m):
        lo[r] = (d_s - d[r]) * xi / (d_i - d_s)
        s = 0.0
        for v in range(n):
            G[r, v] = C[r, v]
            s += C[r, v] * dq_ref[v]
        b[r] = lo[r]
        slack[r] = s - lo[r]
    lb, ub = box[0], box[1]
    for j in range(n):
        ub[j] = min(limits[2, j], (limits[1, j] - q[j]) / dt, 1e20)
        lb[j] = min(max(-limits[2, j], (limits[0, j] - q[j]) / dt, -1e20), ub[j])
        G[m + j, j] = 1.0
        G[m + n + j, j] = -1.0
        b[m + j] = lb[j]
        b[m + n + j] = -ub[j]
        slack[m + j] = dq_ref[j] - lb[j]
        slack[m + n + j] = ub[j] - dq_ref[j]
    # The cost is ½ (q̇ − q̇_ref)ᵀ H (q̇ − q̇_ref) with H ≻ 0: zero at q̇_ref and positive
    # elsewhere, so when q̇_ref meets every row it is the QP's unique solution.
    if slack.min() >= 0.0:
        last[:] = False
        out[:] = dq_ref
        return INACTIVE
    if not exact:
        return UNRESOLVED
    L = J.T @ J
    for j in range(n):
        L[j, j] += max(w, 1e-6)
    if not _factor(L):
        return UNRESOLVED
    tol = 1e-12
    tried = np.zeros((8, rows), dtype=np.bool_)
    ntried = 0
    for g in range(2):  # the last period's rows, then (only if they fail) the rows q̇_ref breaks
        act = np.zeros(rows, dtype=np.bool_)
        for r in range(rows):
            if g == 0:
                act[r] = last[pairs[r]] if r < m else last[npairs + r - m]
            else:
                act[r] = slack[r] < 0.0
        for _ in range(4):  # a failed guess is repaired: rows with μ < 0 out, the most broken row in
            k = int(act.sum())
            seen = False
            for t in range(ntried):
                if (tried[t] == act).all():
                    seen = True
            if k == 0 or k > n or seen or ntried == tried.shape[0]:
                break
            tried[ntried] = act
            ntried += 1
            idx = np.flatnonzero(act)
            GA = G[idx]
            HiG = GA.T.copy()  # H⁻¹ G_Aᵀ
            _solve_factored(L, HiG)
            S = GA @ HiG
            mu = (b[idx] - GA @ dq_ref).reshape(k, 1)
            if not _factor(S):  # dependent rows: not a guess this method verifies
                break
            _solve_factored(S, mu)
            x = dq_ref + HiG @ mu.ravel()
            viol = G @ x - b
            worst = int(viol.argmin())
            if mu.min() >= -tol and viol[worst] >= -tol * (1.0 + abs(b[worst])):
                last[:] = False
                for i in range(k):
                    last[pairs[idx[i]] if idx[i] < m else npairs + idx[i] - m] = True
                for j in range(n):  # a bound the solve put 1e-12 past by rounding is put back on it
                    out[j] = min(max(x[j], lb[j]), ub[j])
                return ACTIVE_SET
            for i in range(k):
                if mu[i, 0] < -tol:
                    act[idx[i]] = False
            if viol[worst] < 0.0:
                act[worst] = True
    return UNRESOLVED
