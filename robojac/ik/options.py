"""The options of the IK solver, and the checks of everything a caller passes in.

:class:`IKOptions` states each option's default once and checks each value once, when it
is built; the functions below check the rest of a call (robot, target, seed, counts).
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pinocchio as pin

from .. import pose as _pose
from .._validate import FloatArray, as_array, as_vector, check_finite, positive
from ..errors import FrameError, InputError, PoseError
from ..robot import TWIST_AXES, Robot

#: The longest ``timeout`` accepted [s]: an hour. Beyond it (1e300, say) a budget is a
#: mistake, and an unreachable target would be tried until the budget ran out.
TIMEOUT_LIMIT = 3600.0
#: The most iterations per attempt and restarts per solve accepted. With ``timeout=None``
#: they alone bound the work; attempts end long before (the solver's stall rules stop one
#: whose ‖e‖² has not halved in a few iterations).
ITERATIONS_LIMIT = 10_000
RESTARTS_LIMIT = 1_000_000
#: Axis names of masks and weights, in the order ``[x, y, z, rx, ry, rz]``.
DAMPING_CHOICES = ("error", "sugihara", "chan", "nakamura")
NULLSPACE_CHOICES = ("q0", "mid", "manipulability")


@dataclass(frozen=True)
class IKOptions:
    """How :func:`~robojac.ik.solve_ik` and :func:`~robojac.ik.solve_ik_batch` solve: every option, with its default.

    Built once, checked once: the constructor raises on a bad value and stores each value
    in one canonical form (numbers as ``float`` or ``int``, ``mask`` as 6 bools, ``weights``
    as 6 floats), so equal options are the same options, and an ``IKOptions`` is hashable.
    Whether ``frame`` exists on a robot, and is not fixed to its base, is checked when a
    solver is built for that robot.

    Attributes:
        frame: the frame to place (None: the robot's tip).
        position_tolerance: success bound on the position error [m].
        rotation_tolerance: success bound on the rotation error [rad].
        timeout: wall-clock budget [s] for the whole solve, restarts and input checks
            included, at most ``TIMEOUT_LIMIT`` (an hour); None for no time limit (then
            ``max_restarts`` must be given).
            The first call for a robot and set of options also builds the solver
            (outside the budget). With a budget the result can depend on the
            machine's speed; for repeatable results bound ``max_restarts`` and pass
            ``timeout=None``.
        max_iterations: iterations of one attempt before a restart, at most
            ``ITERATIONS_LIMIT`` (10,000).
        max_restarts: most random restarts (None: as many as the time allows), at most
            ``RESTARTS_LIMIT`` (1,000,000).
        position_only: constrain the position only (orientation free).
        mask: 6 booleans for the error components ``[x, y, z, rx, ry, rz]`` in the target
            frame's axes (position of the frame and rotation vector ``log3(R*ᵀ R)``, as
            seen from the target); False leaves that component free. ``[1, 1, 1, 1, 1, 0]``
            lets the frame spin freely about the target's z axis (a symmetric tool).
        weights: 6 positive weights for the same components: the cost is ``½ Σ wᵢ eᵢ²``.
        damping: the μ added to ``A Aᵀ`` in each step. ``"error"`` (the default):
            ``μ = 0.03·½‖e‖² + 1e-8``, large far from the target, nearly Gauss–Newton near it;
            ``"sugihara"``: ``μ = ½‖e‖² + 1e-3``; ``"chan"``: ``μ = ½‖e‖²``; ``"nakamura"``:
            ``μ = λ²`` with λ from the smallest singular value of A
            (:func:`robojac.dls.adaptive_damping`); or a number λ ≥ 0 for a fixed ``μ = λ²``
            (0: Gauss–Newton).
        nullspace: for a redundant arm, a secondary goal pursued in the task's null space:
            ``"q0"`` (stay near the start), ``"mid"`` (mid-range of the limits) or
            ``"manipulability"`` (climb the gradient of Yoshikawa's manipulability).
        nullspace_gain: fraction of the way toward that goal per iteration (or gradient
            step for ``"manipulability"``).

    Raises:
        InputError: a value of the wrong type or out of range.
        FrameError: a ``frame`` that is not a name.
    """

    frame: str | None = None
    position_tolerance: float = 1e-6
    rotation_tolerance: float = 1e-6
    timeout: float | None = 0.005
    max_iterations: int = 60
    max_restarts: int | None = None
    position_only: bool = False
    mask: Sequence[bool] | None = None
    weights: Sequence[float] | None = None
    damping: str | float = "error"
    nullspace: str | None = None
    nullspace_gain: float = 0.5

    #: hash(self), computed once: an IKOptions is a dictionary key on every solve_ik call.
    _hash: ClassVar[int]

    def __post_init__(self) -> None:
        for name, value in _checked(self).items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", hash(tuple(getattr(self, name) for name in OPTION_NAMES)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the values, not the stored hash: str hashes differ between processes.
        return (IKOptions, tuple(getattr(self, name) for name in OPTION_NAMES))

    @property
    def rotation_free(self) -> bool:
        """True when no rotation axis is constrained (``position_only``, or a ``mask`` that
        frees rx, ry, rz): a target may then be a position [x, y, z] [m]."""
        return self.position_only or (self.mask is not None and not any(self.mask[3:]))


def _checked(o: IKOptions) -> dict[str, Any]:
    """The options' values in canonical form, or the error that names the first bad one."""
    if o.frame is not None and not isinstance(o.frame, str):
        raise FrameError(f"frame must be a frame name (str) or None for the tip, got {_short(o.frame)}")
    timeout = None if o.timeout is None else positive(o.timeout, "timeout")
    if timeout is not None and timeout > TIMEOUT_LIMIT:
        raise InputError(
            f"timeout must be at most {TIMEOUT_LIMIT:g} s (an hour), got {timeout:g} s; an unreachable target is "
            "tried until the budget runs out"
        )
    restarts = None if o.max_restarts is None else check_count(o.max_restarts, "max_restarts", 0, RESTARTS_LIMIT)
    if timeout is None and restarts is None:
        raise InputError(
            "timeout=None needs a finite max_restarts, or an unreachable target would be tried forever; "
            "give a timeout [s] or max_restarts"
        )
    mask = None if o.mask is None else _mask(o.mask)
    position_only = check_flag(o.position_only, "position_only")
    kept = np.ones(6, dtype=bool) if mask is None else np.array(mask)
    if position_only:
        kept[3:] = False
    if not kept.any():
        raise InputError("mask leaves no axis constrained; expected at least one True among " + ", ".join(TWIST_AXES))
    weights = None
    if o.weights is not None:
        if _has_bools(o.weights):
            raise InputError(f"weights must be 6 positive numbers, not booleans, got {_short(o.weights)}")
        w = check_finite(as_array(o.weights, "weights"), "weights")
        if w.shape != (6,) or (w <= 0).any():
            raise InputError(
                f"weights must be 6 positive numbers for the axes {list(TWIST_AXES)} of the target frame, got {w.tolist()!r}"
            )
        weights = tuple(w.tolist())
    if o.nullspace is not None and not (isinstance(o.nullspace, str) and o.nullspace in NULLSPACE_CHOICES):
        raise InputError(f"nullspace must be None or one of {NULLSPACE_CHOICES}, got {_short(o.nullspace)}")
    return dict(
        frame=None if o.frame is None else str(o.frame),
        position_tolerance=positive(o.position_tolerance, "position_tolerance"),
        rotation_tolerance=positive(o.rotation_tolerance, "rotation_tolerance"),
        timeout=timeout,
        max_iterations=check_count(o.max_iterations, "max_iterations", 1, ITERATIONS_LIMIT),
        max_restarts=restarts,
        position_only=position_only,
        mask=mask,
        weights=weights,
        damping=_damping(o.damping),
        nullspace=None if o.nullspace is None else str(o.nullspace),
        nullspace_gain=positive(o.nullspace_gain, "nullspace_gain"),
    )


def _mask(mask: Any) -> tuple[bool, ...]:
    try:
        arr = np.asarray(mask)
    except (TypeError, ValueError):  # ragged: a list of arrays of different lengths, say
        arr = None
    if arr is None or arr.shape != (6,) or arr.dtype.kind not in "biu" or not set(arr.tolist()) <= {0, 1}:
        raise InputError(
            f"mask must be 6 booleans (or 0 and 1) for the axes {list(TWIST_AXES)} of the target frame, got {_short(mask)}"
        )
    return tuple(bool(b) for b in arr.tolist())


def check_flag(value: Any, name: str) -> bool:
    """True or False; not a string, a number or None, whose truth would be a guess."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise InputError(f"{name} must be True or False, got {_short(value)}")


def _has_bools(values: Any) -> bool:
    if isinstance(values, np.ndarray):
        return values.dtype.kind == "b"
    return isinstance(values, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in values)


def _damping(damping: Any) -> str | float:
    if isinstance(damping, str):
        if damping not in DAMPING_CHOICES:
            raise InputError(f"damping must be one of {DAMPING_CHOICES} or a number λ ≥ 0, got {_short(damping)}")
        return str(damping)
    if isinstance(damping, (bool, np.bool_)):
        raise InputError(f"damping must be one of {DAMPING_CHOICES} or a number λ ≥ 0, not a boolean, got {damping!r}")
    try:
        damp = float(damping)
    except (TypeError, ValueError):
        raise InputError(f"damping must be one of {DAMPING_CHOICES} or a number λ ≥ 0, got {_short(damping)}") from None
    if not (math.isfinite(damp) and damp >= 0):
        raise InputError(f"damping must be a finite number λ ≥ 0 [m or rad], got {damp!r}")
    return damp


_REPR = reprlib.Repr()
_REPR.maxother = 80


def _short(value: Any) -> str:
    """A repr of a bad value, cut short: it goes into a one-line message."""
    return _REPR.repr(value)


def check_robot(robot: Any) -> None:
    if not isinstance(robot, Robot):
        raise InputError(f"robot must be a robojac.Robot (from robojac.load), got {type(robot).__name__}")


def check_count(value: Any, name: str, minimum: int, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum] (not a bool, not a float that happens to be whole)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        bound = f"≥ {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
        raise InputError(f"{name} must be an integer {bound}, got {_short(value)}")
    if maximum is not None and value > maximum:
        raise InputError(
            f"{name} must be an integer from {minimum} to {maximum:,}, got {value!r}: more would not end in "
            "reasonable time on an unreachable target"
        )
    return int(value)


def check_seed(seed: Any) -> int:
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be None or an integer ≥ 0, got {_short(seed)}")
    return int(seed)


#: The options' names, in field order: the order of solve_ik's option keywords.
OPTION_NAMES = tuple(f.name for f in fields(IKOptions))
#: Every option at its default: the defaults of solve_ik's keywords.
DEFAULT_OPTIONS = IKOptions()
_PLAIN = frozenset((type(None), bool, int, float, str))
_PLAIN_OR_SEQUENCE = _PLAIN | {list, tuple}
#: Positions of the options that take a sequence, in OPTION_NAMES.
_SEQUENCES = (OPTION_NAMES.index("mask"), OPTION_NAMES.index("weights"))


def keywords_key(values: tuple[Any, ...], types: tuple[type, ...]) -> tuple[Any, ...] | None:
    """A hashable key for solve_ik's option keywords ``values`` (in OPTION_NAMES order),
    under which what they make can be kept; None when they must be checked on every call.

    Plain Python values (None, bool, int, float, str) are their own key; a mask or weights
    given as a list or tuple of plain values becomes a tuple of its values and their exact
    types. A kept result serves only keywords of the same exact ``types`` (the caller
    compares them): Python's equality ignores types (``60.0 == 60``, ``True == 1``), yet
    ``max_iterations=60.0`` and ``timeout=True`` are refused where ``60`` and ``1`` are
    accepted. Anything else (numpy scalars and arrays) gives None.
    """
    if _PLAIN.issuperset(types):
        return values
    if not _PLAIN_OR_SEQUENCE.issuperset(types):
        return None
    out = list(values)
    for i, (value, kind) in enumerate(zip(values, types)):
        if kind is list or kind is tuple:
            inner = tuple(map(type, value))
            if i not in _SEQUENCES or not _PLAIN.issuperset(inner):
                return None
            out[i] = ("sequence", tuple(value), inner)
    return tuple(out)


def given_options(options: Any, values: tuple[Any, ...]) -> IKOptions:
    """``options`` when it is an IKOptions and no option keyword was also given."""
    if not isinstance(options, IKOptions):
        raise InputError(f"options must be an IKOptions, got {type(options).__name__}")
    given = [
        name
        for name, value in zip(OPTION_NAMES, values)
        if not (
            value is getattr(DEFAULT_OPTIONS, name)
            or (type(value) in _PLAIN and value == getattr(DEFAULT_OPTIONS, name))
        )
    ]
    if given:
        raise InputError(
            f"options= and the keyword(s) {', '.join(given)} were both given; set them in the IKOptions instead"
        )
    return options


def position_target(target: Any, rotation_free: bool, name: str = "target") -> Any:
    """A position-only target ``[x, y, z]`` [m] as the pose with that position and the
    identity rotation (which the solver then ignores); any other target unchanged.

    Raises:
        PoseError: a 3-vector while the rotation is constrained (it says too little).
    """
    if isinstance(target, (pin.SE3, str, bytes)):
        return target
    try:
        shape = np.shape(target)
    except Exception:  # ragged or odd objects: the pose check words the error
        return target
    if shape != (3,):
        return target
    if not rotation_free:
        raise PoseError(
            f"{name} is a position (3 numbers) but the rotation is constrained; expected a 4×4 pose or a "
            "(position, quaternion_xyzw) pair, or position_only=True (or a mask that frees rx, ry, rz) for a position target"
        )
    T = np.eye(4)
    T[:3, 3] = as_vector(target, 3, name)
    return T


def check_target(target: Any, name: str = "target") -> FloatArray:
    """The target as a checked (4, 4) array.

    A float (4, 4) array that is rigid to rounding error passes a quick check; anything
    else goes through :func:`robojac.pose.as_matrix`, which raises the precise error or
    repairs a rotation that is orthonormal only to its tolerance.
    """
    if isinstance(target, pin.SE3):
        # pose.as_matrix takes an SE3 on trust, but one can hold NaN or a non-rotation.
        target = np.array(target.homogeneous)
    if type(target) is np.ndarray and target.shape == (4, 4) and target.dtype == np.float64 and _rigid(target):
        return target
    return _pose.as_matrix(target, name)


def _rigid(T: FloatArray) -> bool:
    """Whether T is finite, has the last row [0, 0, 0, 1] and a rotation block with
    ‖RᵀR − I‖² ≤ 1e-24 and det R > 0.

    In Python floats: on a 4 × 4, numpy's per-call overhead would dominate.
    """
    (a, b, c, x), (d, e, f, y), (g, h, i, z), last = T.tolist()
    if last != [0.0, 0.0, 0.0, 1.0] or not math.isfinite(a + b + c + d + e + f + g + h + i + x + y + z):
        return False
    # The entries of RᵀR − I: the columns' squared norms less 1, and their dot products.
    n0, n1, n2 = a * a + d * d + g * g - 1.0, b * b + e * e + h * h - 1.0, c * c + f * f + i * i - 1.0
    d01, d02, d12 = a * b + d * e + g * h, a * c + d * f + g * i, b * c + e * f + h * i
    defect = n0 * n0 + n1 * n1 + n2 * n2 + 2.0 * (d01 * d01 + d02 * d02 + d12 * d12)
    return defect <= 1e-24 and a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g) > 0.0
