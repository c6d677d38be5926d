"""Force capacity at a configuration: how hard the tool can push, and how much it can carry.

Everything here is exact for the URDF's per-joint effort limits ``|τᵢ| ≤ τmaxᵢ`` (a box
in joint-torque space), with the torques of :func:`~robojac.statics.static_torques`:

    τ(α) = τ₀ + α a,   τ₀ = g(q) (+ payload) or 0,   a = Jvᵀ d  or  a = payload torque per kg.

Each joint allows α in an interval; their intersection is the answer, and the joint whose
bound is met first is the one that saturates. The force ellipsoid
(:func:`robojac.ellipsoid.force_ellipsoid` with ``weighted=True``) is the smooth 2-norm
picture of the same limits; it lies inside this box and ignores gravity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import FloatArray, as_vector
from .ellipsoid import Ellipsoid, force_ellipsoid, velocity_ellipsoid
from .errors import InputError
from .robot import Robot
from .statics import Payload, as_payload, payload_torques, static_torques

#: |aᵢ| below this [N·m per N or per kg] means joint i does not feel the load at all.
_NEGLIGIBLE = 1e-12


def unit_direction(direction: Any, name: str = "direction") -> FloatArray:
    """``direction`` (3,) normalised, or an InputError if it is zero or not finite."""
    d = as_vector(direction, 3, name)
    n = float(np.linalg.norm(d))
    if not n > 1e-12:
        raise InputError(f"{name} must be a non-zero 3-vector (x, y, z) in base axes, got {d.tolist()}")
    return d / n


def _check_limits(robot: Robot) -> FloatArray:
    lim = robot.effort_limits
    if not np.all(np.isfinite(lim) & (lim > 0)):
        raise InputError(
            f"'{robot.name}' needs finite positive effort limits on every joint for capacity figures; "
            f"its URDF gives {lim.tolist()}"
        )
    return lim


def _largest_step(tau0: FloatArray, a: FloatArray, limits: FloatArray) -> tuple[float, int | None, bool]:
    """Largest α ≥ 0 with ``|τ₀ + α a| ≤ limits``, and the joint that bounds it.

    Returns ``(α, joint, feasible)``; ``feasible`` is False when no α ≥ 0 satisfies every
    limit (α is then 0). Each joint allows an interval of α; the answer is the top of
    their intersection with [0, ∞).
    """
    lo, hi, joint = 0.0, math.inf, None
    scale = max(1.0, float(np.abs(a).max()))
    for i, (t0, ai, lim) in enumerate(zip(tau0, a, limits)):
        if abs(ai) <= _NEGLIGIBLE * scale:
            if abs(t0) > lim:  # this joint is over its limit whatever α is
                return 0.0, i, False
            continue
        j_lo, j_hi = sorted(((-lim - t0) / ai, (lim - t0) / ai))
        lo = max(lo, j_lo)
        if j_hi < hi:
            hi, joint = float(j_hi), i
    if hi < lo:
        return 0.0, joint, False
    return hi, joint, True


@dataclass(frozen=True)
class MaxForce:
    """The result of :func:`max_force`.

    Attributes:
        force: the largest magnitude [N] of a pure force along ``direction`` that the arm can
            exert at ``frame``'s origin within the effort limits (``inf`` when no joint feels
            it: the structure carries it, at a singularity). 0 when no force along
            ``direction`` brings every joint within its limit (``feasible`` False).
        direction: the unit direction (3,), base axes.
        limiting_joint: name of the joint that saturates first (None when ``force`` is inf).
        torques: motor torques (dof,) [N·m] at that force.
        include_gravity: whether the arm's own weight was part of the budget.
        feasible: whether some force ≥ 0 along ``direction`` keeps every joint within limits.
        feasible_at_rest: whether the arm can hold itself (and the payload) with no force;
            when it cannot, pushing along some directions can still help (``feasible``).
    """

    force: float
    direction: FloatArray
    frame: str
    limiting_joint: str | None
    torques: FloatArray
    include_gravity: bool
    feasible: bool
    feasible_at_rest: bool


def max_force(
    robot: Robot,
    q: Any,
    direction: Any,
    *,
    frame: str | None = None,
    include_gravity: bool = True,
    payload: Payload | float | None = None,
    gravity: Any = None,
) -> MaxForce:
    """The largest pure force along ``direction`` the arm can exert at ``frame``'s origin.

    The arm exerts ``w = [α d; 0]`` (base axes; no moment) with motor torques
    ``τ = τ₀ + α Jvᵀ d`` and ``|τᵢ| ≤ τmaxᵢ`` from the URDF, where ``τ₀`` holds the arm
    and ``payload`` up (:func:`~robojac.statics.static_torques`). With
    ``include_gravity=True`` (default) the arm's own weight is in ``τ₀``, so it eats into
    (or adds to) the budget, as on a real arm; with False it is left out, and without a
    payload ``τ₀ = 0``: the symmetric figure the force ellipsoid approximates. A payload,
    when given, always counts.

    Args:
        direction: (3,) in base axes, any non-zero length.
        frame: where the force is applied (default: the tip).
    """
    qv = robot.check_q(q)
    d = unit_direction(direction)
    limits = _check_limits(robot)
    tau0 = static_torques(robot, qv, payload=payload, include_gravity=include_gravity, gravity=gravity)
    a = robot.jacobian(qv, frame, "local_world_aligned")[:3].T @ d
    alpha, joint, feasible = _largest_step(tau0, a, limits)
    torques = tau0 + (a * alpha if math.isfinite(alpha) else 0.0)
    return MaxForce(
        force=alpha,
        direction=d,
        frame=frame or robot.tip,
        limiting_joint=None if joint is None else robot.joint_names[joint],
        torques=torques,
        include_gravity=include_gravity,
        feasible=feasible,
        feasible_at_rest=bool(np.all(np.abs(tau0) <= limits)),
    )


@dataclass(frozen=True)
class PayloadCheck:
    """The result of :func:`check_payload`: can the arm hold ``payload`` still at ``q``?

    Attributes:
        ok: True when every joint torque is within its effort limit.
        torques: motor torques (dof,) [N·m] holding the arm and the payload.
        limits: the effort limits (dof,) [N·m].
        margins: ``limits − |torques|`` (dof,) [N·m]; negative means over the limit.
        limiting_joint: the joint with the smallest margin relative to its limit.
        margin: that joint's margin [N·m] (negative when ``ok`` is False).
        margin_fraction: ``margin / limit`` of that joint (e.g. 0.2 = 20 % headroom).
        max_mass: the heaviest payload [kg] with the same centre of mass that the arm can
            hold here (``inf`` if its weight loads no joint; 0 if none can be held).
        max_mass_joint: the joint that reaches its limit at ``max_mass`` (None if inf).
    """

    ok: bool
    payload: Payload
    torques: FloatArray
    limits: FloatArray
    margins: FloatArray
    limiting_joint: str
    margin: float
    margin_fraction: float
    max_mass: float
    max_mass_joint: str | None


def check_payload(robot: Robot, q: Any, payload: Payload | float, *, gravity: Any = None) -> PayloadCheck:
    """Can the arm hold ``payload`` (a :class:`Payload`, or a mass [kg] at the tip) still at ``q``?

    Torques are the arm's own gravity plus the payload's (``static_torques``), against the
    URDF effort limits; ``max_mass`` solves the same linear bound for the mass.
    """
    qv = robot.check_q(q)
    pl = as_payload(payload)
    if pl is None:
        raise InputError("payload must be a Payload or a mass [kg], got None")
    limits = _check_limits(robot)
    arm = static_torques(robot, qv, gravity=gravity)
    per_kg = payload_torques(robot, qv, Payload(1.0, pl.com, pl.frame), gravity)
    torques = arm + pl.mass * per_kg
    margins = limits - np.abs(torques)
    worst = int(np.argmin(margins / limits))
    max_mass, mass_joint, _ = _largest_step(arm, per_kg, limits)
    return PayloadCheck(
        ok=bool(np.all(margins >= 0)),
        payload=pl,
        torques=torques,
        limits=limits.copy(),
        margins=margins,
        limiting_joint=robot.joint_names[worst],
        margin=float(margins[worst]),
        margin_fraction=float(margins[worst] / limits[worst]),
        max_mass=max_mass,
        max_mass_joint=None if mass_joint is None else robot.joint_names[mass_joint],
    )


@dataclass(frozen=True)
class Capacity:
    """Force and velocity capacity of ``frame`` at one configuration, for printing or drawing.

    ``force_ellipsoid`` [N] and ``velocity_ellipsoid`` [m/s] are weighted by the URDF
    effort and velocity limits, in the base frame, centred at the frame's origin.
    ``max_forces`` holds a :class:`MaxForce` per requested direction.
    """

    frame: str
    force_ellipsoid: Ellipsoid
    velocity_ellipsoid: Ellipsoid
    max_forces: tuple[MaxForce, ...]


#: The six base-axis directions :func:`capacity_report` reports when none is given.
DIRECTIONS = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


def capacity_report(
    robot: Robot,
    q: Any,
    directions: Any = None,
    *,
    frame: str | None = None,
    include_gravity: bool = True,
    payload: Payload | float | None = None,
) -> Capacity:
    """Weighted force and velocity ellipsoids plus :func:`max_force` along ``directions``.

    ``directions`` is an (n, 3) array in base axes, or None for ±x, ±y, ±z.
    """
    qv = robot.check_q(q)
    dirs = np.array(list(DIRECTIONS.values()), dtype=float) if directions is None else np.atleast_2d(directions)
    return Capacity(
        frame=frame or robot.tip,
        force_ellipsoid=force_ellipsoid(robot, qv, frame, weighted=True),
        velocity_ellipsoid=velocity_ellipsoid(robot, qv, frame, weighted=True),
        max_forces=tuple(
            max_force(robot, qv, d, frame=frame, include_gravity=include_gravity, payload=payload) for d in dirs
        ),
    )
