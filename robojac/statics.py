"""Statics: joint torques from wrenches, gravity and payloads.

By virtual work, the arm exerts a wrench ``w = [f; n]`` [N, N·m] through a frame with
the joint torques ``τ = J(ref)ᵀ w`` [N·m or N], where ``J(ref)`` is the frame's Jacobian
and ``w`` is expressed in the same ``ref`` (see :mod:`robojac.wrench`). Power balances:
``τ·q̇ = w·(J q̇)`` for every joint velocity.

Sign convention, the same everywhere in robojac (docs/conventions.md): ``w`` is what the
arm exerts **on** its environment (the environment pushes back with ``−w``), so the motor
torques that hold the arm still are

    τ = g(q) + τ_payload + J(ref)ᵀ w     (:func:`static_torques`),

and in motion ``M(q) q̈ + C(q, q̇) q̇ + g(q) = τ − J(ref)ᵀ w``, which is how
:func:`robojac.simulate.simulate_dynamic` applies a :class:`~robojac.simulate.ContactWrench`.

Related modules: :mod:`robojac.wrench` (building and re-expressing wrenches),
:mod:`robojac.estimation` (w from measured τ), :mod:`robojac.capacity` (largest force,
payload check), :mod:`robojac.uncertainty` (pose covariance).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pinocchio as pin

from ._validate import FloatArray, _number, as_vector
from .errors import InputError, ModelError
from .kinematics import Configuration
from .robot import Robot, check_ref
from .wrench import as_wrench, force_at_point

#: Largest accepted gravitational acceleration [m/s²], about 1000 g: far beyond any real
#: use, and small enough that torques m·|g|·L of real arms stay far inside float64.
MAX_GRAVITY = 1e4
#: Largest accepted payload mass [kg] (1000 t; the heaviest industrial arms carry ~2 t).
MAX_PAYLOAD_MASS = 1e6
#: Largest accepted distance [m] of a payload's centre of mass from its frame.
MAX_PAYLOAD_OFFSET = 1e3


def as_gravity(gravity: Any, name: str = "gravity") -> FloatArray:
    """``gravity`` as a finite (3,) acceleration [m/s²] of norm at most :data:`MAX_GRAVITY`."""
    g = as_vector(gravity, 3, name)
    norm = math.hypot(*g.tolist())  # exact even where squaring would overflow
    if not norm <= MAX_GRAVITY:
        raise InputError(
            f"{name} must be an acceleration of at most {MAX_GRAVITY:g} m/s² (about 1000 g; Earth's is 9.81), "
            f"got |{name}| = {norm:.3g} m/s²"
        )
    return g


def finite_torques(tau: FloatArray, what: str) -> FloatArray:
    """``tau`` if every entry is finite, else an InputError saying ``what`` overflowed float64."""
    if not math.isfinite(sum(tau.tolist())) and not np.isfinite(tau).all():
        raise InputError(f"{what} overflow float64 (got {tau.tolist()}); the inputs are too large to be physical")
    return tau


def check_mass_matrix(robot: Robot, q: FloatArray, what: str) -> None:
    """A ModelError unless the joint-space inertia ``M(q)`` [kg·m², kg] is positive definite.

    A URDF link without ``<inertial>`` has no mass: when a joint moves no mass or inertia
    at all, ``M`` is singular, and whatever needs ``M⁻¹`` (forward dynamics, the task-space
    inertia ``Λ = (J M⁻¹ Jᵀ)⁻¹``) is undefined. ``what`` names the caller for the message.
    """
    config = Configuration(robot, q)
    M = np.array(pin.crba(robot.model, config.data, config.q_pinocchio))
    M = np.triu(M) + np.triu(M, 1).T  # Pinocchio fills the upper triangle
    diag = np.diag(M)
    scale = float(diag.max()) if diag.size else 0.0
    light = [n for n, m in zip(robot.joint_names, diag.tolist()) if not m > 1e-12 * scale]
    if not light and scale > 0.0:
        try:
            np.linalg.cholesky(M)
            return
        except np.linalg.LinAlgError:
            pass
    which = f"joint(s) {', '.join(repr(n) for n in light)} move no mass or inertia" if light else "it is singular"
    raise ModelError(
        f"{what} cannot work on '{robot.name}': it needs an invertible joint-space inertia M(q), but {which} at q = "
        f"{np.round(q, 4).tolist()}: links without <inertial> (mass and inertia) in the URDF? Give every moving "
        "link a mass and an inertia, or use a kinematic controller (resolved rate) instead"
    )


def gravity_torques(robot: Robot, q: Any, gravity: Any = None) -> FloatArray:
    """Joint torques (dof,) [N·m or N] that hold the arm still against gravity.

    ``g(q) = ∂U/∂q``, the gradient of the arm's potential energy, from Pinocchio's
    ``computeGeneralizedGravity`` on the URDF's inertial data. A motor must apply
    ``+g(q)`` to hold the arm at rest.

    Args:
        robot: the arm.
        q: joint values (dof,) [rad or m].
        gravity: gravitational acceleration (3,) [m/s²] in the base frame; default the
            model's, ``(0, 0, −9.81)`` for the bundled arms (base z up). The model is
            left unchanged.
    """
    config = Configuration(robot, q)
    g = gravity_vector(robot, gravity)
    # U(q) = −m gᵀ c(q), so ∂U/∂q = −m J_cᵀ g: linear in g, with no need to set the
    # model's gravity (the Robot is shared, and may be in use by other threads).
    mass, Jc = config.center_of_mass_jacobian()
    return finite_torques(np.asarray(-mass * (Jc.T @ g), dtype=np.float64), "gravity torques")


def gravity_vector(robot: Robot, gravity: Any = None) -> FloatArray:
    """Gravitational acceleration (3,) [m/s²] in the base frame: ``gravity``, or the model's."""
    if gravity is not None:
        return as_gravity(gravity)
    g = np.array(robot.model.gravity.linear, dtype=np.float64)
    return np.asarray(robot.base_in_world[:3, :3].T @ g, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Contact:
    """A wrench ``[f; n]`` [N, N·m] that the arm exerts through ``frame``, expressed in ``ref``."""

    wrench: FloatArray
    frame: str | None = None
    ref: str = "local_world_aligned"

    def __post_init__(self) -> None:
        object.__setattr__(self, "wrench", as_wrench(self.wrench, "Contact.wrench"))
        check_ref(self.ref)


@dataclass(frozen=True)
class Payload:
    """A rigid load carried by ``frame`` (default: the tip).

    ``mass`` [kg] in [0, :data:`MAX_PAYLOAD_MASS`]; ``com`` (x, y, z) [m] is its centre of
    mass in ``frame``'s coordinates, at most :data:`MAX_PAYLOAD_OFFSET` from the frame's
    origin (any 3-sequence is accepted and stored as a tuple of floats).
    """

    mass: float
    com: Any = (0.0, 0.0, 0.0)  # any 3-sequence in; a tuple of 3 floats after __post_init__
    frame: str | None = None

    def __post_init__(self) -> None:
        m = _number(self.mass, "payload mass", "a number of kilograms")
        if not (math.isfinite(m) and m >= 0):
            raise InputError(f"payload mass must be a finite number of kilograms >= 0, got {m!r}")
        if m > MAX_PAYLOAD_MASS:
            raise InputError(f"payload mass must be at most {MAX_PAYLOAD_MASS:g} kg, got {m:.3g} kg")
        object.__setattr__(self, "mass", m)
        c = as_vector(self.com, 3, "payload com")
        offset = math.hypot(*c.tolist())
        if not offset <= MAX_PAYLOAD_OFFSET:
            raise InputError(
                f"payload com must be at most {MAX_PAYLOAD_OFFSET:g} m from the frame's origin, got {offset:.3g} m"
            )
        object.__setattr__(self, "com", (float(c[0]), float(c[1]), float(c[2])))


def as_payload(payload: Payload | float | None) -> Payload | None:
    """A :class:`Payload` from a Payload, a bare mass [kg] (centre of mass at the tip) or None."""
    if payload is None or isinstance(payload, Payload):
        return payload
    return Payload(payload)


def _contacts(wrench: Any, frame: str | None, ref: str) -> list[Contact]:
    if isinstance(wrench, Contact):
        return [wrench]
    if isinstance(wrench, Mapping):
        if frame is not None:
            raise InputError("give either one wrench with a frame, or a dict {frame: wrench} and frame=None; not both")
        return [Contact(w, f, ref) for f, w in wrench.items()]
    if isinstance(wrench, (list, tuple)) and wrench and all(isinstance(c, Contact) for c in wrench):
        return list(wrench)
    return [Contact(as_wrench(wrench), frame, ref)]


def joint_torques(
    robot: Robot,
    q: Any,
    wrench: Any,
    frame: str | None = None,
    ref: str = "local_world_aligned",
) -> FloatArray:
    """Joint torques (dof,) [N·m or N] ``τ = J(ref)ᵀ w`` that make the arm exert ``wrench``.

    By virtual work, ``τ·q̇ = w·(J q̇)`` for every joint velocity, so these are the motor
    torques (beyond gravity) with which ``frame`` pushes on its environment with ``wrench``.
    The environment's wrench on the arm is ``−w``.

    Args:
        robot, q: the arm and its joint values.
        wrench: one wrench ``[fx, fy, fz, mx, my, mz]`` [N, N·m] on ``frame`` expressed in
            ``ref`` (see :mod:`robojac.wrench`); or a dict ``{frame name: wrench}`` (each in
            ``ref``); or a list of :class:`Contact` (each with its own frame and ref).
            The torques of several contacts add up.
        frame: the frame the single wrench acts on (default: the tip).
        ref: ``"local_world_aligned"`` (default), ``"local"`` or ``"world"``.
    """
    check_ref(ref)
    qv = robot.check_q(q)
    tau = np.zeros(robot.dof)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, with the reason
        for c in _contacts(wrench, frame, ref):
            tau += robot.jacobian(qv, c.frame, c.ref).T @ c.wrench
    return finite_torques(tau, "joint torques Jᵀ w")


def payload_torques(robot: Robot, q: Any, payload: Payload | float, gravity: Any = None) -> FloatArray:
    """Joint torques (dof,) [N·m] that hold ``payload`` up against gravity (its share of g(q)).

    The arm pushes on the load with ``−m g`` at its centre of mass, so
    ``τ = J(lwa)ᵀ [−m g; c × (−m g)]`` with ``c`` the centre of mass relative to the
    frame's origin, in base axes.
    """
    pl = as_payload(payload)
    if pl is None:
        raise InputError("payload must be a Payload or a mass [kg], got None")
    g = gravity_vector(robot, gravity)
    w = force_at_point(robot, q, -pl.mass * g, pl.com, frame=pl.frame)
    return joint_torques(robot, q, w, pl.frame)


def static_torques(
    robot: Robot,
    q: Any,
    *,
    wrench: Any = None,
    frame: str | None = None,
    ref: str = "local_world_aligned",
    payload: Payload | float | None = None,
    include_gravity: bool = True,
    gravity: Any = None,
) -> FloatArray:
    """Motor torques (dof,) [N·m or N] that hold the arm still: ``g(q) + τ_payload + J(ref)ᵀ w``.

    Args:
        wrench: what the arm exerts on its environment (as :func:`joint_torques` takes it),
            or None.
        payload: a :class:`Payload` or a mass [kg] at the tip's origin, or None.
        include_gravity: add the arm's own gravity torques ``g(q)``; a payload, when
            given, always counts (its weight is why it is given).
        gravity: (3,) [m/s²] in the base frame, for the arm and the payload (default the
            model's, ``(0, 0, −9.81)``).
    """
    qv = robot.check_q(q)
    pl = as_payload(payload)
    tau = gravity_torques(robot, qv, gravity) if include_gravity else np.zeros(robot.dof)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, with the reason
        if pl is not None:
            tau += payload_torques(robot, qv, pl, gravity)
        if wrench is not None:
            tau += joint_torques(robot, qv, wrench, frame, ref)
    return finite_torques(tau, "static torques")
