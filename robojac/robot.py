"""``Robot``, ``load()`` and the bundled arm models.

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
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pinocchio as pin

from . import urdf as _urdf
from ._validate import FloatArray, as_array, as_vector, check_finite, non_negative
from .errors import ChainError, FrameError, InputError, MeshWarning, UnknownRobotError, URDFError

#: Bundled robots: name -> (file in urdf/, default tip link).
BUNDLED: dict[str, tuple[str, str]] = {
    "planar_2r": ("planar_2r.urdf", "tool"),
    "ur5": ("ur5.urdf", "tool0"),
    "panda": ("panda.urdf", "panda_hand_tcp"),
    "iiwa14": ("iiwa14.urdf", "iiwa_link_ee"),
}

_F64 = np.dtype(np.float64)
_ndarray = np.ndarray
_DEFAULT_REF = "local_world_aligned"
_LWA = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
_isfinite = math.isfinite
_frame_jacobian = pin.computeFrameJacobian

REFS: dict[str, pin.ReferenceFrame] = {
    "local": pin.ReferenceFrame.LOCAL,
    "world": pin.ReferenceFrame.WORLD,
    "local_world_aligned": pin.ReferenceFrame.LOCAL_WORLD_ALIGNED,
}


_REF_OF = REFS.get


def urdf_dir() -> Path:
    """The folder of bundled URDFs: inside the installed package, else the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "urdf", here.parent / "urdf"):
        if (candidate / "panda.urdf").is_file():
            return candidate
    raise UnknownRobotError(
        f"robojac's bundled URDFs are missing: looked in {here / 'urdf'} and {here.parent / 'urdf'}"
    )


def bundled_robots() -> tuple[str, ...]:
    """Names accepted by :func:`load` besides file paths."""
    return tuple(sorted(BUNDLED))


def check_ref(ref: str) -> pin.ReferenceFrame:
    """The Pinocchio reference frame for a ``ref`` name, or a FrameError listing the valid ones."""
    try:
        return REFS[ref]
    except (KeyError, TypeError):
        raise FrameError(
            f"unknown ref {ref!r}; expected one of 'local', 'world', 'local_world_aligned'"
            f"{_urdf.close_matches(str(ref), list(REFS))}"
        ) from None


@dataclass(frozen=True, eq=False)
class Robot:
    """A serial chain from ``base`` to ``tip`` of a URDF robot.

    Joint vectors ``q`` hold one value per chain joint, in ``joint_names`` order: an
    angle [rad] for revolute and continuous joints, a length [m] for prismatic ones.

    A Robot is immutable, but it owns one ``pinocchio.Data`` as scratch space, so one
    Robot must not be used from several threads at once (use :meth:`copy` per thread).
    It pickles, so it can be sent to worker processes.
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
    data: pin.Data = field(repr=False)
    _base_in_world: FloatArray | None = field(repr=False)
    _continuous: FloatArray = field(repr=False)  # indices into q of continuous joints
    _plain_q: FloatArray = field(repr=False)  # indices into q of the other joints
    _plain_q_pin: FloatArray = field(repr=False)  # their positions in Pinocchio's q
    _continuous_q_pin: FloatArray = field(repr=False)  # index of each (cos, sin) pair
    _tip_id: int = field(repr=False)
    _reload: tuple[str, dict[str, Any]] = field(repr=False)

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
    def _plain_output(self) -> bool:
        # Pinocchio's Jacobian needs no reshaping (eigenpy flattens a 6×1 one) and no
        # change of frame (the base is Pinocchio's world).
        return self.dof > 1 and self._base_in_world is None

    @cached_property
    def _q_shape(self) -> tuple[int]:
        return (self.dof,)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, self._reload)

    def copy(self) -> Robot:
        """An independent Robot (own scratch data) on the same model."""
        return _rebuild(*self._reload)

    # ------------------------------------------------------------------ configurations
    def neutral(self) -> FloatArray:
        """Zero clipped into the limits; mid-range for a joint whose range excludes zero."""
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

        A continuous joint's angle θ becomes Pinocchio's pair (cos θ, sin θ).
        """
        qv = self.check_q(q)
        return self._to_pin(qv)

    def _pin_q(self, q: Any) -> FloatArray:
        """Pinocchio's q for a user's q, validating it; the common case costs ~0.3 µs."""
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
        pin.forwardKinematics(self.model, self.data, self._pin_q(q))
        T = pin.updateFramePlacement(self.model, self.data, fid).homogeneous
        return T if self._base_in_world is None else self._base_in_world_inv @ T

    def fk_all(self, q: Any) -> dict[str, FloatArray]:
        """Pose (4, 4) in the base frame of every frame in ``frame_names``, from one FK pass."""
        qp = self._to_pin(self.check_q(q))
        pin.framesForwardKinematics(self.model, self.data, qp)
        pre = np.eye(4) if self._base_in_world is None else self._base_in_world_inv
        return {name: pre @ self.data.oMf[fid].homogeneous for name, fid in self.frame_ids.items()}

    def jacobian(self, q: Any, frame: str | None = None, ref: str = _DEFAULT_REF) -> FloatArray:
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
        if ref is _DEFAULT_REF:  # the default argument itself: no lookup
            rf = _LWA
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
            J = _frame_jacobian(self.model, self.data, q, fid, rf)
        else:
            J = _frame_jacobian(self.model, self.data, self._pin_q(q), fid, rf)
        return J if self._plain_output else self._to_base(J.reshape(6, self.dof), ref)

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
        pin.computeJointJacobiansTimeVariation(self.model, self.data, qp, v)
        pin.updateFramePlacement(self.model, self.data, fid)
        dJ = pin.getFrameJacobianTimeVariation(self.model, self.data, fid, rf).reshape(6, self.dof)
        return dJ if self._base_in_world is None else self._to_base(dJ, ref)

    # ------------------------------------------------------------------ base ≠ root
    @cached_property
    def _base_in_world_inv(self) -> FloatArray:
        assert self._base_in_world is not None
        T = np.eye(4)
        R, p = self._base_in_world[:3, :3], self._base_in_world[:3, 3]
        T[:3, :3], T[:3, 3] = R.T, -R.T @ p
        return T

    @cached_property
    def _base_action_inv(self) -> FloatArray:
        Ti = self._base_in_world_inv
        return np.array(pin.SE3(Ti[:3, :3], Ti[:3, 3]).action)

    def _to_base(self, J: FloatArray, ref: str) -> FloatArray:
        if self._base_in_world is None:
            return J
        # The base is fixed in Pinocchio's world, so the change of frame is constant in
        # time and applies to J and J̇ alike.
        if ref == "local":
            return J
        if ref == "world":
            return self._base_action_inv @ J
        Rt = self._base_in_world_inv[:3, :3]
        return np.vstack((Rt @ J[:3], Rt @ J[3:]))


def _rebuild(source: str, kwargs: dict[str, Any]) -> Robot:
    with warnings.catch_warnings():  # the first load already warned about missing meshes
        warnings.simplefilter("ignore", MeshWarning)
        return _build(**kwargs)


def load(
    source: str | os.PathLike[str],
    *,
    base: str | None = None,
    tip: str | None = None,
    package_dirs: tuple[str, ...] | list[str] = (),
    locked: dict[str, float] | None = None,
) -> Robot:
    """Load a robot: a bundled name (see :func:`bundled_robots`) or a path to a URDF file.

    Args:
        source: ``"panda"``, ``"ur5"``, ``"iiwa14"``, ``"planar_2r"``, or a URDF path.
        base: link the chain starts at (default: the URDF's root link).
        tip: link or frame the chain ends at (default: the bundled robot's tool frame,
            or for a file, the leaf below ``base`` behind the most movable joints).
        package_dirs: folders searched for ``package://`` mesh paths, before
            ``ROS_PACKAGE_PATH``. Missing meshes give a :class:`~robojac.errors.MeshWarning`.
        locked: values [rad or m] at which to lock named joints. Joints off the
            base→tip chain are locked at these values or at zero (clipped into limits);
            naming a chain joint here removes it from the chain.

    Raises:
        UnknownRobotError, URDFError, ChainError, FrameError, InputError.
    """
    src = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(src, str) or not src:
        raise UnknownRobotError(f"source must be a bundled robot name or a URDF path, got {source!r}")
    default_tip = None
    if src in BUNDLED and not Path(src).is_file():
        fname, default_tip = BUNDLED[src]
        path = urdf_dir() / fname
        name = src
    else:
        path = Path(src)
        looks_like_path = path.suffix.lower() in (".urdf", ".xml") or os.sep in src or path.exists()
        if not looks_like_path:
            raise UnknownRobotError(
                f"unknown robot {src!r}{_urdf.close_matches(src, list(BUNDLED))}; "
                f"bundled robots: {', '.join(bundled_robots())}; or give the path of a URDF file"
            )
        name = ""
    text = _urdf.read_text(path)
    if locked is not None and not isinstance(locked, dict):
        raise InputError(f"locked must be a dict of joint name -> value, got {type(locked).__name__}")
    return _build(
        text=text,
        source=str(path),
        name=name,
        base=base,
        tip=tip if tip is not None else default_tip,
        package_dirs=tuple(str(d) for d in package_dirs),
        locked=dict(locked or {}),
    )


def _build(
    text: str,
    source: str,
    name: str,
    base: str | None,
    tip: str | None,
    package_dirs: tuple[str, ...],
    locked: dict[str, float],
) -> Robot:
    tree = _urdf.parse(text, source, package_dirs)
    name = name or tree.name
    links = list(tree.links)
    base = tree.root if base is None else base
    if base not in tree.links:
        raise ChainError(
            f"unknown base link {base!r} in '{name}'{_urdf.close_matches(str(base), links)}; the root link is '{tree.root}'"
        )
    tip_link = tree.default_tip(base) if tip is None else tip
    if tip_link not in tree.links:
        # A joint name is accepted as a tip: the chain then ends at the joint's child link.
        if tip_link in tree.joints:
            tip_link = tree.joints[tip_link].child
        else:
            raise ChainError(
                f"unknown tip {tip!r} in '{name}'{_urdf.close_matches(str(tip), links + list(tree.joints))}; "
                f"expected a link name such as '{tree.default_tip(base)}'"
            )
    path = tree.path_joints(base, tip_link)

    for jname, value in locked.items():
        if jname not in tree.joints:
            raise FrameError(
                f"locked names unknown joint {jname!r}{_urdf.close_matches(str(jname), list(tree.joints))}"
            )
        j = tree.joints[jname]
        if j.type not in _urdf.MOVABLE:
            raise InputError(
                f"locked joint {jname!r} is {j.type}; only revolute, continuous and prismatic joints can be locked"
            )
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise InputError(f"locked[{jname!r}] must be a number, got {value!r}") from None
        if not (math.isfinite(v) and j.lower - 1e-12 <= v <= j.upper + 1e-12):
            raise InputError(f"locked[{jname!r}] = {v} is outside the joint's limits [{j.lower}, {j.upper}]")

    chain = [j for j in path if tree.joints[j].type in _urdf.MOVABLE and j not in locked]
    bad = [j for j in path if tree.joints[j].type in ("floating", "planar")]
    if bad:
        raise ChainError(
            f"joint {bad[0]!r} on the chain {base} → {tip_link} is {tree.joints[bad[0]].type}; expected revolute, continuous, prismatic or fixed "
            f"joints only: pass base='{tree.joints[bad[-1]].child}' (a link below it)"
        )
    if not chain:
        raise ChainError(
            f"the chain {base} → {tip_link} of '{name}' has no movable joint (its joints: "
            f"{', '.join(f'{j} ({tree.joints[j].type})' for j in path) or 'none'}); choose another base or tip"
        )

    try:
        full = pin.buildModelFromXML(tree.pinocchio_xml)
    except Exception as exc:  # Pinocchio's parser raises RuntimeError/ValueError with C++ text
        raise URDFError(f"Pinocchio could not build a model from {source}: {exc}") from None

    pin_to_urdf = {v: k for k, v in tree.pinocchio_joint_name.items()}
    q_ref = pin.neutral(full)
    lock_ids = []
    for jid in range(1, full.njoints):
        jname = pin_to_urdf.get(full.names[jid], full.names[jid])
        if jname in chain:
            continue
        lock_ids.append(jid)
        jnt = tree.joints.get(jname)
        value = float(locked.get(jname, 0.0))
        if jnt is not None and jname not in locked and jnt.type != "continuous":
            value = min(max(value, jnt.lower), jnt.upper)
        jm = full.joints[jid]
        if jm.nq == 1:
            q_ref[jm.idx_q] = value
        elif jm.nq == 2 and jm.nv == 1:
            q_ref[jm.idx_q : jm.idx_q + 2] = (math.cos(value), math.sin(value))
    try:
        model = pin.buildReducedModel(full, lock_ids, q_ref) if lock_ids else full
    except Exception as exc:
        raise URDFError(f"Pinocchio could not lock the off-chain joints of {source}: {exc}") from None
    model.name = name

    joint_names = tuple(pin_to_urdf.get(model.names[i], model.names[i]) for i in range(1, model.njoints))
    if list(joint_names) != chain:  # Pinocchio orders joints depth-first; a chain is already in that order
        raise ChainError(f"internal: chain joints {chain} do not match the reduced model's joints {list(joint_names)}")

    frame_ids: dict[str, int] = {}
    joint_frames: dict[str, int] = {}
    for fid, fr in enumerate(model.frames):
        if fr.name in tree.links and fr.type == pin.FrameType.BODY:
            frame_ids.setdefault(fr.name, fid)
        elif fr.type in (pin.FrameType.JOINT, pin.FrameType.FIXED_JOINT) and fr.name in pin_to_urdf:
            joint_frames.setdefault(pin_to_urdf[fr.name], fid)
    for jname, fid in joint_frames.items():
        frame_ids.setdefault(jname, fid)  # the link wins a clash: setdefault keeps it
    for link in tree.links:
        if link not in frame_ids:
            raise URDFError(f"internal: link {link!r} has no frame in Pinocchio's model of {source}")

    data = model.createData()
    base_in_world = None
    if base != tree.root:
        pin.framesForwardKinematics(model, data, pin.neutral(model))
        base_in_world = np.array(data.oMf[frame_ids[base]].homogeneous)

    cont = [i for i, j in enumerate(chain) if tree.joints[j].type == "continuous"]
    plain = [i for i in range(len(chain)) if i not in cont]
    idx_q = [model.joints[i + 1].idx_q for i in range(len(chain))]

    def frozen(values: list[float]) -> FloatArray:
        arr = np.array(values, dtype=float)
        arr.flags.writeable = False
        return arr

    reload_kwargs = dict(
        text=text, source=source, name=name, base=base, tip=tip, package_dirs=package_dirs, locked=locked
    )
    return Robot(
        name=name,
        model=model,
        base=base,
        tip=tip_link,
        joint_names=joint_names,
        lower=frozen([tree.joints[j].lower for j in chain]),
        upper=frozen([tree.joints[j].upper for j in chain]),
        velocity_limits=frozen([tree.joints[j].velocity for j in chain]),
        effort_limits=frozen([tree.joints[j].effort for j in chain]),
        joint_types=tuple(tree.joints[j].type for j in chain),
        frame_ids=MappingProxyType(frame_ids),
        visuals=tree.visuals,
        locked=MappingProxyType(
            {
                j: float(locked.get(j, 0.0))
                for j in tree.joints
                if tree.joints[j].type in _urdf.MOVABLE and j not in chain
            }
        ),
        source=source,
        data=data,
        _base_in_world=base_in_world,
        _continuous=np.array(cont, dtype=int),
        _plain_q=np.array(plain, dtype=int),
        _plain_q_pin=np.array([idx_q[i] for i in plain], dtype=int),
        _continuous_q_pin=np.array([idx_q[i] for i in cont], dtype=int),
        _tip_id=frame_ids[tip_link],
        _reload=(source, reload_kwargs),
    )
