"""``Robot``: one serial chain of a URDF robot, as an immutable description (see :mod:`robojac.loading` for ``load()``).

A :class:`Robot` is a Pinocchio model reduced to one serial chain, from ``base`` to
``tip``, plus the names, limits and conversions that make it hard to misuse. Joints of
the URDF that are off that chain (grippers, other arms) are locked.

Everything is expressed in the **base frame**: ``fk`` gives the pose of a frame in the
base frame, and the ``"world"`` and ``"local_world_aligned"`` Jacobians use the base
frame's axes (and, for ``"world"``, its origin). When ``base`` is the URDF's root link,
that is exactly Pinocchio's world frame.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pinocchio as pin

from . import urdf as _urdf
from ._validate import FloatArray, as_array, as_vector, check_finite, non_negative
from .errors import FrameError, InputError

_F64 = np.dtype(np.float64)
_ndarray = np.ndarray
#: The ``ref`` every Jacobian, twist and wrench defaults to.
DEFAULT_REF = "local_world_aligned"
_isfinite = math.isfinite
_frame_jacobian = pin.computeFrameJacobian

#: Pinocchio's reference frame for each ``ref`` name (see docs/conventions.md).
REFS: dict[str, pin.ReferenceFrame] = {
    "local": pin.ReferenceFrame.LOCAL,
    "world": pin.ReferenceFrame.WORLD,
    "local_world_aligned": pin.ReferenceFrame.LOCAL_WORLD_ALIGNED,
}
#: The default ``ref``: the frame's origin, base-frame axes.
LWA = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
#: Names of a twist's or wrench's six components, in robojac's order ``[v; ω]`` or ``[f; τ]``.
TWIST_AXES = ("x", "y", "z", "rx", "ry", "rz")


_REF_OF = REFS.get


def check_ref(ref: str) -> pin.ReferenceFrame:
    """The Pinocchio reference frame for a ``ref`` name, or a FrameError listing the valid ones."""
    try:
        return REFS[ref]
    except (KeyError, TypeError):
        raise FrameError(
            f"unknown ref {ref!r}; expected one of 'local', 'world', 'local_world_aligned'"
            f"{_urdf.close_matches(str(ref), list(REFS))}"
        ) from None


class ThreadData(threading.local):
    """A Robot's scratch space: one ``pinocchio.Data`` per thread, made on a thread's first use.

    ``threading.local`` calls ``__init__`` again, with the same model, in each thread.
    """

    def __init__(self, model: pin.Model) -> None:
        self.data = model.createData()


@dataclass(frozen=True, eq=False)
class Robot:
    """A serial chain from ``base`` to ``tip`` of a URDF robot.

    Joint vectors ``q`` hold one value per chain joint, in ``joint_names`` order: an
    angle [rad] for revolute and continuous joints, a length [m] for prismatic ones.

    A Robot is an immutable description: the reduced Pinocchio model, names, limits and
    the conversions between robojac's ``q`` and Pinocchio's. It holds no kinematic state
    that threads could share: :meth:`fk` and :meth:`jacobian` compute on a
    ``pinocchio.Data`` private to the calling thread, so one Robot may serve any number
    of threads at once. :class:`robojac.kinematics.Configuration` computes many poses and
    Jacobians of one ``q`` in a single pass. A Robot pickles, so it can be sent to worker
    processes.
    """

    name: str
    model: pin.Model = field(repr=False)
    base: str
    tip: str
    joint_names: tuple[str, ...]
    lower: FloatArray = field(repr=False)
    upper: FloatArray = field(repr=False)
    velocity_limits: FloatArray = field(repr=False)
    effort_limits: FloatArray = field(repr=False)
    joint_types: tuple[str, ...] = field(repr=False)
    frame_ids: Mapping[str, int] = field(repr=False)  # read-only: frame name -> Pinocchio frame index
    visuals: tuple[_urdf.Visual, ...] = field(repr=False)
    locked: Mapping[str, float] = field(repr=False)  # read-only: joint off the chain -> its value
    source: str = field(repr=False)
    #: the URDF text the robot was built from, and the folders searched for its meshes
    urdf_text: str = field(repr=False)
    package_dirs: tuple[str, ...] = field(repr=False)
    #: (4, 4) pose of the base link in Pinocchio's world frame (the URDF's root link);
    #: the identity when ``base`` is the root. Read-only.
    base_in_world: FloatArray = field(repr=False)
    _per_thread: ThreadData = field(repr=False)
    _continuous: FloatArray = field(repr=False)  # indices into q of continuous joints
    _plain_q: FloatArray = field(repr=False)  # indices into q of the other joints
    _plain_q_pin: FloatArray = field(repr=False)  # their positions in Pinocchio's q
    _continuous_q_pin: FloatArray = field(repr=False)  # index of each (cos, sin) pair
    _tip_id: int = field(repr=False)
    _reload: tuple[Callable[..., Robot], tuple[Any, ...]] = field(repr=False)  # how to build it again
    #: How ``tip`` was chosen, in words: named by the caller, the bundled arm's tool frame,
    #: or the default rule of :meth:`robojac.urdf.URDFTree.choose_tip` (``robojac info`` prints it).
    tip_reason: str = field(default="named by the caller", repr=False, compare=False)

    # ------------------------------------------------------------------ sizes and names
    @property
    def dof(self) -> int:
        """Number of joints on the chain (the length of ``q``)."""
        return len(self.joint_names)

    @property
    def frame_names(self) -> tuple[str, ...]:
        """Every frame ``fk`` and ``jacobian`` accept: link names, then joint names."""
        return tuple(self.frame_ids)

    @cached_property
    def _no_continuous(self) -> bool:
        return not self._continuous.size

    @cached_property
    def base_is_root(self) -> bool:
        """True when ``base`` is the URDF's root link, so the base frame is Pinocchio's world."""
        return bool(np.array_equal(self.base_in_world, np.eye(4)))

    @cached_property
    def _plain_output(self) -> bool:
        # Pinocchio's Jacobian needs no reshaping (eigenpy flattens a 6×1 one) and no
        # change of frame (the base is Pinocchio's world).
        return self.dof > 1 and self.base_is_root

    @cached_property
    def _q_shape(self) -> tuple[int]:
        return (self.dof,)

    def __reduce__(self) -> tuple[Any, ...]:
        return self._reload

    def copy(self) -> Robot:
        """An independent Robot with its own Pinocchio model, built from the same URDF."""
        build, args = self._reload
        return build(*args)

    # ------------------------------------------------------------------ configurations
    def neutral(self) -> FloatArray:
        """Zero clipped into the limits; mid-range for a joint whose range excludes zero."""
        return self._neutral.copy()  # every solve_ik without q0 starts here: made once

    @cached_property
    def _neutral(self) -> FloatArray:
        q = np.zeros(self.dof)
        outside = (self.lower > 0) | (self.upper < 0)
        q[outside] = 0.5 * (self.lower[outside] + self.upper[outside])
        return q

    def random_configuration(self, rng: np.random.Generator | int | None = None) -> FloatArray:
        """A uniform random ``q`` inside the limits; continuous joints in [−π, π).

        ``rng`` is a ``numpy.random.Generator``, a non-negative int seed, or None (fresh
        entropy); anything ``numpy.random.default_rng`` takes (a SeedSequence, a bit generator,
        a sequence of non-negative ints) works too. Anything else is an InputError.
        """
        if isinstance(rng, np.random.Generator):
            gen = rng
        else:
            # A bool is an int to numpy, but True as a seed is a mistake, not a choice.
            if isinstance(rng, (bool, np.bool_)):
                raise InputError(
                    f"rng must be a numpy Generator, a non-negative int seed or None, got the bool {rng!r}"
                )
            try:
                gen = np.random.default_rng(rng)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"rng must be a numpy Generator, a non-negative int seed or None, "
                    f"got {type(rng).__name__} {rng!r:.60} ({exc})"
                ) from None
        lo = np.where(np.isfinite(self.lower), self.lower, -math.pi)
        hi = np.where(np.isfinite(self.upper), self.upper, math.pi)
        return gen.uniform(lo, hi)

    def within_limits(self, q: Any, tol: float = 0.0) -> bool:
        """True when every joint of ``q`` lies in ``[lower − tol, upper + tol]``.

        ``tol`` [rad or m] is a finite number >= 0; anything else is an InputError (a NaN
        tolerance would make every ``q`` "outside").
        """
        qv = self.check_q(q)
        if tol.__class__ is not float or not 0.0 <= tol < math.inf:  # the default 0.0 skips the full check
            tol = non_negative(tol, "tol")
        return bool(np.all(qv >= self.lower - tol) and np.all(qv <= self.upper + tol))

    def clip(self, q: Any) -> FloatArray:
        """``q`` clipped into the limits; continuous joints wrapped to (−π, π]."""
        qv = np.clip(self.check_q(q), self.lower, self.upper)
        c = self._continuous
        if c.size:
            qv[c] = np.arctan2(np.sin(qv[c]), np.cos(qv[c]))
        return qv

    def check_q(self, q: Any, name: str = "q") -> FloatArray:
        """``q`` as a finite float vector of length ``dof``, or an InputError saying what is wrong."""
        if isinstance(q, (int, float)) and self.dof != 1:
            raise InputError(
                f"{name} must be a vector of {self.dof} joint values for '{self.name}', got the scalar {q!r}"
            )
        try:
            return as_vector(q, self.dof, name)
        except InputError as exc:
            raise InputError(f"{exc} (joints of '{self.name}': {', '.join(self.joint_names)})") from None

    def to_pinocchio(self, q: Any) -> FloatArray:
        """Pinocchio's configuration (``model.nq``) for robojac's ``q`` (``dof``).

        A continuous joint's angle θ becomes Pinocchio's pair (cos θ, sin θ). Without
        continuous joints the two are the same, and a valid float64 ``q`` is returned as is.
        """
        return self._pin_q(q)

    def _pin_q(self, q: Any) -> FloatArray:
        """Pinocchio's q for a user's q, validating it (a valid float64 vector takes the fast path)."""
        # Fast path for a finite float64 vector of the right length: one type test and one
        # sum (NaN or inf makes it non-finite); anything else gets the full, explanatory check.
        if q.__class__ is _ndarray and q.dtype is _F64 and q.shape == self._q_shape and _isfinite(sum(q.tolist())):
            return q if self._no_continuous else self._to_pin(q)
        return self._to_pin(self.check_q(q))

    def _to_pin(self, q: FloatArray) -> FloatArray:
        if self._no_continuous:
            return q
        out = np.empty(self.model.nq)
        out[self._plain_q_pin] = q[self._plain_q]
        angles = q[self._continuous]
        out[self._continuous_q_pin] = np.cos(angles)
        out[self._continuous_q_pin + 1] = np.sin(angles)
        return out

    def from_pinocchio(self, q_pin: Any) -> FloatArray:
        """robojac's ``q`` for a Pinocchio configuration; continuous angles in (−π, π]."""
        qp = check_finite(as_array(q_pin, "q_pin"), "q_pin")
        if qp.shape != (self.model.nq,):
            raise InputError(f"q_pin must have shape ({self.model.nq},) (model.nq), got {qp.shape}")
        if not self._continuous.size:
            return qp.copy()
        out = np.empty(self.dof)
        out[self._plain_q] = qp[self._plain_q_pin]
        out[self._continuous] = np.arctan2(qp[self._continuous_q_pin + 1], qp[self._continuous_q_pin])
        return out

    # ------------------------------------------------------------------ frames
    def frame_id(self, frame: str | None = None) -> int:
        """Pinocchio frame index of a frame name (default: the tip).

        A name that is both a link and a joint means the link.
        """
        if frame is None:
            return self._tip_id
        try:
            return self.frame_ids[frame]
        except (KeyError, TypeError):
            raise FrameError(
                f"unknown frame {frame!r} on robot '{self.name}'{_urdf.close_matches(str(frame), self.frame_names)}; "
                f"the tip is '{self.tip}', and robot.frame_names lists all {len(self.frame_ids)} frames"
            ) from None

    # ------------------------------------------------------------------ kinematics
    def fk(self, q: Any, frame: str | None = None) -> FloatArray:
        """Pose (4, 4) of ``frame`` (default: the tip) in the base frame at configuration ``q``.

        Rotation in ``[:3, :3]``, position of the frame's origin in metres in ``[:3, 3]``.
        """
        fid = self._tip_id if frame is None else self.frame_id(frame)
        data = self._per_thread.data
        pin.forwardKinematics(self.model, data, self._pin_q(q))
        T = pin.updateFramePlacement(self.model, data, fid).homogeneous
        return T if self.base_is_root else self._world_to_base @ T

    def fk_all(self, q: Any) -> dict[str, FloatArray]:
        """Pose (4, 4) in the base frame of every frame in ``frame_names``, from one FK pass."""
        qp = self._to_pin(self.check_q(q))
        data = self._per_thread.data
        pin.framesForwardKinematics(self.model, data, qp)
        return {name: self.pose_in_base(data.oMf[fid].homogeneous) for name, fid in self.frame_ids.items()}

    def jacobian(self, q: Any, frame: str | None = None, ref: str = DEFAULT_REF) -> FloatArray:
        """Geometric Jacobian (6, dof) of ``frame`` (default: the tip), rows ``[v; ω]``.

        ``J @ dq`` is the twist of the frame for joint rates ``dq`` [rad/s or m/s],
        expressed according to ``ref``:

        * ``"local_world_aligned"``: ``v`` is the velocity of the frame's origin [m/s]
          and ``ω`` its angular velocity [rad/s], both in base-frame axes;
        * ``"local"``: the body twist, ``v`` and ``ω`` in the frame's own axes;
        * ``"world"``: the spatial twist, in base axes, with ``v`` the velocity of the
          body point that is at the base origin.

        ``J(ref).T @ w`` maps a wrench ``[f; τ]`` [N, N·m] expressed in the same ``ref``
        to joint torques [N·m or N].
        """
        if ref is DEFAULT_REF:  # the default argument itself: no lookup
            rf = LWA
        else:
            rf = _REF_OF(ref) if ref.__class__ is str else None
            if rf is None:
                rf = check_ref(ref)
        fid = self._tip_id if frame is None else self.frame_id(frame)
        # The fast path of _pin_q, inlined: this is the hottest call in the package, and
        # its whole overhead over Pinocchio is these checks (see benchmarks/jacobian_overhead.py).
        if (
            q.__class__ is _ndarray
            and q.dtype is _F64
            and q.shape == self._q_shape
            and _isfinite(sum(q.tolist()))
            and self._no_continuous
        ):
            J = _frame_jacobian(self.model, self._per_thread.data, q, fid, rf)
        else:
            J = _frame_jacobian(self.model, self._per_thread.data, self._pin_q(q), fid, rf)
        return J if self._plain_output else self.jacobian_in_base(J.reshape(6, self.dof), ref)

    def jacobian_dot(self, q: Any, dq: Any, frame: str | None = None, ref: str = "local_world_aligned") -> FloatArray:
        """Time derivative (6, dof) of :meth:`jacobian` along joint velocity ``dq``.

        ``d/dt J(q(t), ref)`` when ``q̇ = dq`` [rad/s or m/s], in the same ``ref`` and
        units per second. The frame's acceleration is ``J q̈ + J̇ q̇``: the spatial
        acceleration for ``"local"`` and ``"world"``; for ``"local_world_aligned"``,
        the classical acceleration of the frame's origin and the angular acceleration.
        """
        rf = check_ref(ref)
        fid = self.frame_id(frame)
        qp = self._to_pin(self.check_q(q))
        v = self.check_q(dq, "dq")
        data = self._per_thread.data
        pin.computeJointJacobiansTimeVariation(self.model, data, qp, v)
        pin.updateFramePlacement(self.model, data, fid)
        dJ = pin.getFrameJacobianTimeVariation(self.model, data, fid, rf).reshape(6, self.dof)
        return self.jacobian_in_base(dJ, ref)

    # ------------------------------------------------------------------ Pinocchio's world → base frame
    @cached_property
    def _world_to_base(self) -> FloatArray:
        T = np.eye(4)
        R, p = self.base_in_world[:3, :3], self.base_in_world[:3, 3]
        T[:3, :3], T[:3, 3] = R.T, -R.T @ p
        T.flags.writeable = False
        return T

    @cached_property
    def _world_to_base_action(self) -> FloatArray:
        Ti = self._world_to_base
        return np.array(pin.SE3(Ti[:3, :3], Ti[:3, 3]).action)

    def pose_in_base(self, pose_in_world: FloatArray) -> FloatArray:
        """A (4, 4) pose given in Pinocchio's world frame (the URDF root), re-expressed in the base frame.

        For a Pinocchio ``Data`` of :attr:`model`: ``robot.pose_in_base(data.oMf[i].homogeneous)``.
        """
        return pose_in_world if self.base_is_root else self._world_to_base @ pose_in_world

    def jacobian_in_base(self, jacobian_in_world: FloatArray, ref: str) -> FloatArray:
        """A (6, n) Jacobian or its time derivative from Pinocchio, re-expressed for the base frame.

        Pinocchio's ``"world"`` and ``"local_world_aligned"`` Jacobians use the axes (and,
        for ``"world"``, the origin) of its world frame; robojac's use the base frame's.
        ``"local"`` Jacobians are the same in both. The base is fixed in the world, so the
        change is constant in time and applies to J and J̇ alike.
        """
        if self.base_is_root or ref == "local":
            return jacobian_in_world
        if ref == "world":
            return self._world_to_base_action @ jacobian_in_world
        Rt = self._world_to_base[:3, :3]
        return np.vstack((Rt @ jacobian_in_world[:3], Rt @ jacobian_in_world[3:]))


__all__ = [
    "DEFAULT_REF",
    "LWA",
    "REFS",
    "TWIST_AXES",
    "Robot",
    "ThreadData",
    "check_ref",
]
