"""What :func:`~robojac.ik.solve_ik` and :func:`~robojac.ik.solve_ik_batch` return."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._validate import FloatArray


@dataclass(frozen=True)
class IKResult:
    """The outcome of one :func:`solve_ik` call.

    Attributes:
        q: joint values (dof,) [rad or m], always finite and inside the limits, continuous
            joints wrapped to (−π, π]. On failure, the best configuration found.
        success: True when both errors are within their tolerances.
        iterations: damped least-squares iterations, summed over all attempts.
        restarts: random restarts after the first attempt (0 when the start converged).
        position_error: ``‖p(q) − p*‖`` [m] over the constrained axes (see ``mask``).
        rotation_error: angle [rad] of the residual rotation over the constrained axes
            (0 when none is constrained: see ``rotation_free``).
        message: what happened, in words; on failure, why and what to try.
        time: wall-clock seconds the solve took.
        collision: with ``collision=``, on failure, the pair (link or obstacle names) that
            the last converged answer collided with; None when no converged answer collided.
            The message also names the pair the returned ``q`` collides with, if any.
        rotation_free: True when no rotation axis was constrained (``position_only``, or a
            ``mask`` that frees rx, ry, rz): ``rotation_error`` was then not measured.
    """

    q: FloatArray
    success: bool
    iterations: int
    restarts: int
    position_error: float
    rotation_error: float
    message: str
    time: float = 0.0
    collision: tuple[str, str] | None = None
    rotation_free: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python values for JSON: ``q`` as a list of floats.

        Non-finite floats are written as None (JSON null, as the command line's ``--json``
        writes them), so ``json.dumps(d, allow_nan=False)`` gives strict JSON. A result's numbers are finite in practice:
        its errors are measured at its ``q``. ``rotation_error`` is None when the rotation
        was free (not measured).
        """
        return {
            "q": [_json_float(x) for x in self.q.tolist()],
            "success": bool(self.success),
            "iterations": int(self.iterations),
            "restarts": int(self.restarts),
            "position_error": _json_float(self.position_error),
            "rotation_error": None if self.rotation_free else _json_float(self.rotation_error),
            "rotation_free": bool(self.rotation_free),
            "message": str(self.message),
            "time": _json_float(self.time),
            "collision": list(self.collision) if self.collision is not None else None,
        }


def collision_failure(
    result: IKResult, rejected: int, last: tuple[str, str] | None, at_q: tuple[str, str] | None
) -> IKResult:
    """A failed ``result`` of ``solve_ik(collision=...)``, told in terms of collisions.

    ``rejected`` converged answers (within tolerance of the target) were in collision, the
    last one with the pair ``last``; ``at_q`` is the pair the returned ``q`` (the best
    attempt that did not converge) collides with, or None when it is clear. The message
    says so (first, when the target was reached and only the collision failed) and names
    the pairs; :attr:`IKResult.collision` is ``last``.
    """
    if last is None and at_q is None:
        return result
    away = f"{result.position_error:.3g} m" + ("" if result.rotation_free else f" and {result.rotation_error:.3g} rad")
    # no wall-clock time here: the same solve gives the same message (a batch on workers equals one process)
    spent = f"{result.iterations} iterations, {result.restarts} restarts"
    advice = "Move or remove what it collided with, lower the margin, or raise timeout to try more starts"
    if last is None:
        assert at_q is not None
        return replace(
            result,
            message=f"{result.message}; the best attempt, returned as q, is in collision: {at_q[0]} with {at_q[1]}",
        )
    lead = f"no collision-free solution: every converged answer collided ({rejected} rejected; the last: {last[0]} with {last[1]})"
    if at_q is None:
        tail = f"so q is the best of the other attempts, {away} away ({spent})"
    else:
        tail = f"and so does q, the best of the other attempts, {away} away ({spent}): {at_q[0]} with {at_q[1]}"
    return replace(result, collision=last, message=f"{lead}, {tail}. {advice}")


def _json_float(x: Any) -> float | None:
    """``x`` as a float, or None (JSON null) when not finite (strict JSON has no such numbers)."""
    v = float(x)
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class IKBatchResult:
    """Stacked results of :func:`solve_ik_batch`, one row per target.

    Attributes:
        q: (N, dof) joint values, each row as :attr:`IKResult.q`.
        success: (N,) bool.
        iterations, restarts: (N,) int.
        position_error: (N,) [m]; rotation_error: (N,) [rad].
        time: (N,) wall-clock seconds per solve.
        messages: N messages.
        rotation_free: as :attr:`IKResult.rotation_free` (one set of options for all targets).
        collision: N entries, each as :attr:`IKResult.collision`: with ``collision=``, the
            pair that target's last converged answer collided with when it failed, else None.
    """

    q: FloatArray
    success: np.ndarray
    iterations: np.ndarray
    restarts: np.ndarray
    position_error: FloatArray
    rotation_error: FloatArray
    time: FloatArray
    messages: tuple[str, ...]
    rotation_free: bool = False
    collision: tuple[tuple[str, str] | None, ...] = ()

    def __post_init__(self) -> None:
        if not self.collision:  # built without collision checks: no target collided
            object.__setattr__(self, "collision", (None,) * len(self.success))

    def __len__(self) -> int:
        return len(self.success)

    def __getitem__(self, i: int) -> IKResult:
        """The i-th solve as an :class:`IKResult`."""
        return IKResult(
            q=self.q[i].copy(),
            success=bool(self.success[i]),
            iterations=int(self.iterations[i]),
            restarts=int(self.restarts[i]),
            position_error=float(self.position_error[i]),
            rotation_error=float(self.rotation_error[i]),
            message=self.messages[i],
            time=float(self.time[i]),
            rotation_free=self.rotation_free,
            collision=self.collision[i],
        )

    @property
    def collided(self) -> int:
        """Targets that failed because their converged answers collided (``collision`` not None)."""
        return sum(c is not None for c in self.collision)

    @property
    def success_rate(self) -> float:
        """Fraction of targets solved, in [0, 1]."""
        return float(np.mean(self.success)) if len(self) else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The results as plain Python values for JSON: one list per field, N entries each
        (``q`` a list of N lists), and ``success_rate``.

        Non-finite floats are written as in :meth:`IKResult.to_dict`: None (JSON null);
        ``rotation_error`` is a list of None when the rotation was free.
        """
        return {
            "q": [[_json_float(x) for x in row] for row in self.q.tolist()],
            "success": [bool(b) for b in self.success.tolist()],
            "iterations": [int(k) for k in self.iterations.tolist()],
            "restarts": [int(k) for k in self.restarts.tolist()],
            "position_error": [_json_float(x) for x in self.position_error.tolist()],
            "rotation_error": [None if self.rotation_free else _json_float(x) for x in self.rotation_error.tolist()],
            "rotation_free": bool(self.rotation_free),
            "time": [_json_float(x) for x in self.time.tolist()],
            "messages": [str(m) for m in self.messages],
            "collision": [list(c) if c is not None else None for c in self.collision],
            "success_rate": self.success_rate,
        }
