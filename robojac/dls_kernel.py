"""The resolved-rate controller's damped least-squares step, compiled with numba.

:func:`damped_rates` is :func:`robojac.dls.damped_step_from_svd` after a thin SVD, with
the damping λ of :func:`robojac.dls.adaptive_damping` (or a fixed one), in one compiled
call: ``dq = V diag(σ/(σ²+λ²)) Uᵀ x + (I − V Vᵀ) z``. The maths and its reasons are
there; this module only removes the six NumPy and LAPACK calls from Python that a
controller otherwise pays every period on a 6 × 7 matrix (``benchmarks/control.py``).
Compiled on first use and cached on disk (:mod:`robojac._jit`); ``robojac warmup``
compiles it with the other kernels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _jit

#: The line printed on stderr before the kernel is compiled (once per process).
COMPILING = "robojac: compiling the resolved-rate kernel once, about 3 s; later runs load it from the cache"


def _load() -> bool:
    """Compile or load the kernel on first use (thread-safe); True, with :data:`COMPILING`
    printed, when the disk cache lacks it."""
    return _jit.load(globals(), (), ("_damped_rates",), COMPILING)


def __getattr__(name: str) -> Any:
    if name == "damped_rates":  # first use: later lookups find it in globals
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def warmup() -> bool:
    """Compile the kernel now (or load it from numba's cache); True if it had to compile.

    Calls it with the argument types a controller passes (a Pinocchio Jacobian is
    column-major; a row slice of one is not contiguous).
    """
    missing = _load()
    J = np.asfortranarray(np.eye(6, 7))
    limits = np.stack((-np.ones(7), np.ones(7), np.zeros(7)))
    for task in (J, J[:3]):
        k = task.shape[0]
        globals()["damped_rates"](
            task,
            np.ones(k),
            np.zeros(7),
            False,
            -1.0,
            0.04,
            0.04,
            np.zeros(7),
            limits,
            1e-3,
            np.empty(k),
            np.empty(7),
            np.empty(2),
        )
    return missing


def _damped_rates(
    J: np.ndarray,
    x: np.ndarray,
    z: np.ndarray,
    nullspace: bool,
    damping: float,
    threshold: float,
    max_damping: float,
    q: np.ndarray,
    limits: np.ndarray,
    dt: float,
    s: np.ndarray,
    dq: np.ndarray,
    info: np.ndarray,
) -> float:
    """Fill ``dq`` (n,) with the damped step for ``J`` (k, n) and ``x`` (k,), ``s`` (min(k, n),)
    with J's singular values (descending); return the damping λ used.

    Then the limit checks the controller makes on that step, at configuration ``q`` (n,)
    with ``limits`` (3, n) rows ``q_min``, ``q_max`` and ``1/v_max`` (0: no limit):
    ``info[0]`` is 1.0 when some joint would cross a position limit within ``dt`` [s]
    (moving towards it; ``dt`` ≤ 0: no check), else 0.0; ``info[1]`` is
    ``max_i |dq_i| / v_max,i``, the factor by which ``dq`` exceeds the velocity limits.

    ``damping`` ≥ 0 is a fixed λ; < 0 asks for :func:`robojac.dls.adaptive_damping` of
    σ_min with ``threshold`` and ``max_damping``. With ``nullspace``, ``z`` (n,) is added
    after projection onto J's exact null space (when n > k). With λ = 0, directions of
    σ < 1e-12 are dropped rather than divided by (:func:`robojac.dls.damped_gains`).
    """
    U, sv, Vt = np.linalg.svd(J, full_matrices=False)
    k, n = sv.size, J.shape[1]
    smin = sv[k - 1]
    lam = damping
    if damping < 0.0:
        lam = 0.0 if smin >= threshold else max_damping * math.sqrt(1.0 - (smin / threshold) ** 2)
    y = U.T @ x
    for i in range(k):
        s[i] = sv[i]
        if lam > 0.0:
            y[i] *= sv[i] / (sv[i] * sv[i] + lam * lam)
        elif sv[i] > 1e-12:
            y[i] /= sv[i]
        else:
            y[i] = 0.0
    step = Vt.T @ y
    if nullspace and n > k:
        step += z - Vt.T @ (Vt @ z)
    dq[:] = step
    crosses, ratio = 0.0, 0.0
    for i in range(n):
        nxt = q[i] + dq[i] * dt
        if dt > 0.0 and ((nxt > limits[1, i] and dq[i] > 0.0) or (nxt < limits[0, i] and dq[i] < 0.0)):
            crosses = 1.0
        ratio = max(ratio, abs(dq[i]) * limits[2, i])
    info[0], info[1] = crosses, ratio
    return lam
