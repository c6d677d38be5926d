"""Collision queries on a :class:`~robojac.collision.model.CollisionModel`: collisions, distances, distance Jacobians.

Signed distance ``d`` [m] of a pair: the length of the shortest segment between the two
shapes when they are apart, minus the penetration depth when they overlap (coal's
GJK/EPA). Its witness points ``p1`` on the first shape and ``p2`` on the second, and the
unit normal ``n`` from the first to the second, are given in the robot's base frame.

The distance Jacobian is the row ``J_d`` (1×dof) with ``ḋ = J_d q̇``. Each witness point
moves with its body: ``ṗ_k = v_k + ω_k × p_k``, where ``(v_k, ω_k)`` is the spatial
velocity of the body that carries shape ``k`` (Pinocchio's ``WORLD`` joint Jacobian:
``v`` the velocity of the body point at the origin). Where the witness points are unique,
``n`` stays normal to both surfaces and the derivative of the segment's direction drops
out, so

    ``ḋ = n · (ṗ2 − ṗ1)``,  ``J_d = nᵀ (J_v2 − J_v1) + (p2 × n)ᵀ J_ω2 − (p1 × n)ᵀ J_ω1``.

A row is frame-independent (a scalar rate per joint rate, [m/rad] or [m/m]); the points
and normal only need to share a frame, here Pinocchio's world, before the result is
turned to the base frame. Obstacles are fixed, so their columns are zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pinocchio as pin

from .._validate import FloatArray

#: A robojac.collision.model.CollisionModel (model.py calls into this module, so no import back).
CollisionModel = Any

_WORLD = pin.ReferenceFrame.WORLD


@dataclass(frozen=True)
class PairDistance:
    """One checked pair at one ``q``: names, signed distance [m], witness points and normal in the base frame.

    ``jacobian`` (dof,) is ``∂d/∂q`` when asked for (see the module docstring), else None.
    """

    first: str
    second: str
    distance: float
    point1: FloatArray
    point2: FloatArray
    normal: FloatArray
    jacobian: FloatArray | None = None

    @property
    def names(self) -> tuple[str, str]:
        """The pair's two names: links, or a link and an obstacle."""
        return (self.first, self.second)

    def to_dict(self) -> dict[str, Any]:
        """The pair as plain Python values for JSON (points and Jacobian as lists)."""
        out: dict[str, Any] = {
            "pair": [self.first, self.second],
            "distance": self.distance,
            "point1": self.point1.tolist(),
            "point2": self.point2.tolist(),
        }
        if self.jacobian is not None:
            out["jacobian"] = self.jacobian.tolist()
        return out


@dataclass(frozen=True)
class Clearance:
    """Every pair's distance at one configuration, and the ``margin`` [m] they are judged by."""

    pairs: tuple[PairDistance, ...]
    margin: float

    @property
    def closest(self) -> PairDistance | None:
        """The pair with the smallest signed distance (None when nothing is checked)."""
        return min(self.pairs, key=lambda p: p.distance, default=None)

    @property
    def distance(self) -> float:
        """The smallest signed distance [m]; ``inf`` when no pair is checked."""
        c = self.closest
        return math.inf if c is None else c.distance

    @property
    def colliding(self) -> tuple[PairDistance, ...]:
        """The pairs closer than ``margin``, closest first."""
        return tuple(sorted((p for p in self.pairs if p.distance < self.margin), key=lambda p: p.distance))

    @property
    def in_collision(self) -> bool:
        """True when the closest pair is nearer than the margin [m]."""
        return self.distance < self.margin

    def to_dict(self) -> dict[str, Any]:
        """The clearance as plain Python values for JSON (``None`` where there is no pair)."""
        c = self.closest
        return {
            "clearance": self.distance if c is not None else None,
            "margin": self.margin,
            "in_collision": self.in_collision,
            "closest": c.to_dict() if c is not None else None,
            "collisions": [[p.first, p.second, p.distance] for p in self.colliding],
        }


def _compute(cm: CollisionModel, q: Any) -> tuple[Any, Any, Any, Any]:
    st, data, gdata = cm.scratch()
    qp = cm.robot.to_pinocchio(q)
    pin.computeDistances(cm.robot.model, data, st.geom, gdata, qp)
    return st, data, gdata, qp


def raw_distances(cm: CollisionModel, q: Any) -> FloatArray:
    """The signed distance [m] of every pair of ``cm.pairs`` at ``q``, as an array (the cheapest query)."""
    _, _, gdata, _ = _compute(cm, q)
    return np.fromiter((r.min_distance for r in gdata.distanceResults), float, len(gdata.distanceResults))


def in_collision(cm: CollisionModel, q: Any) -> bool:
    """True when some pair is closer than ``cm.margin`` at ``q`` (coal's collision test, with the margin as padding)."""
    st, data, gdata = cm.scratch()
    return bool(pin.computeCollisions(cm.robot.model, data, st.geom, gdata, cm.robot.to_pinocchio(q), True))


def collisions(cm: CollisionModel, q: Any, *, first: bool = False) -> list[tuple[str, str]]:
    """The pairs closer than ``cm.margin`` at ``q``, by link or obstacle name, in ``cm.pairs`` order.

    ``first``: stop at the first pair found (what a yes-or-no check that names one pair needs).
    """
    st, data, gdata = cm.scratch()
    if not pin.computeCollisions(cm.robot.model, data, st.geom, gdata, cm.robot.to_pinocchio(q), first):
        return []
    out = []
    for k, r in enumerate(gdata.collisionResults):
        if r.isCollision():
            i, j = st.pairs[k]
            out.append((st.owners[i], st.owners[j]))
            if first:
                break
    return out


def distances(cm: CollisionModel, q: Any, *, jacobians: bool = False, within: float = math.inf) -> Clearance:
    """Every pair's signed distance, witness points and normal at ``q``; with ``jacobians``, ``∂d/∂q``.

    ``within`` [m] keeps only pairs closer than it (the closest pair is kept regardless),
    which is what a controller's active set needs.
    """
    st, data, gdata, qp = _compute(cm, q)
    robot = cm.robot
    if jacobians:
        pin.computeJointJacobians(robot.model, data, qp)
    root = robot.base_is_root
    W = robot.base_in_world
    R = W[:3, :3].T  # Pinocchio's world → the base frame
    t = -R @ W[:3, 3]
    results = gdata.distanceResults
    ds = np.fromiter((r.min_distance for r in results), float, len(results))
    if not ds.size:
        return Clearance((), cm.margin)
    keep = np.flatnonzero(ds < within) if within > -math.inf else np.empty(0, dtype=int)
    kbest = int(np.argmin(ds))
    if kbest not in keep:
        keep = np.append(keep, kbest)
    out = []
    parents, model = st.parents, robot.model
    jac: dict[int, FloatArray] = {}
    for k in keep.tolist():
        r = results[k]
        i, j = st.pairs[k]
        p1 = np.array(r.getNearestPoint1())
        p2 = np.array(r.getNearestPoint2())
        n = np.array(r.normal)
        J = None
        if jacobians:
            J = _row(model, data, parents[j], p2, n, jac) - _row(model, data, parents[i], p1, n, jac)
        if not root:
            p1, p2, n = R @ p1 + t, R @ p2 + t, R @ n
        out.append(PairDistance(st.owners[i], st.owners[j], float(ds[k]), p1, p2, n, J))
    return Clearance(tuple(out), cm.margin)


def _row(
    model: pin.Model, data: Any, joint: int, p: FloatArray, n: FloatArray, cache: dict[int, FloatArray]
) -> FloatArray:
    """``nᵀ J_p``: the rate along ``n`` of the body point at ``p`` (world frame) on ``joint``'s body."""
    if joint == 0:
        return np.zeros(model.nv)
    Jw = cache.get(joint)
    if Jw is None:
        Jw = cache[joint] = pin.getJointJacobian(model, data, joint, _WORLD)
    # p × n written out: numpy's cross costs ~20 µs for one 3-vector.
    pn = np.array((p[1] * n[2] - p[2] * n[1], p[2] * n[0] - p[0] * n[2], p[0] * n[1] - p[1] * n[0]))
    return n @ Jw[:3] + pn @ Jw[3:]


def min_distance(cm: CollisionModel, q: Any) -> PairDistance | None:
    """The closest pair at ``q`` with its distance Jacobian (None when nothing is checked)."""
    return distances(cm, q, jacobians=True, within=-math.inf).closest


def active_rows(
    cm: CollisionModel, q: Any, within: float
) -> tuple[FloatArray, FloatArray, float, tuple[str, str] | None]:
    """The pairs closer than ``within`` [m] as arrays: ``(d (m,), J_d (m, dof), min d, closest pair)``.

    The same rows as ``distances(cm, q, jacobians=True, within=within)``, computed for all
    pairs at once (what a controller needs every period, without a record per pair).
    """
    st, data, gdata, qp = _compute(cm, q)
    results = gdata.distanceResults
    n = len(results)
    model = cm.robot.model
    if not n:
        return np.empty(0), np.empty((0, model.nv)), math.inf, None
    ds = np.fromiter((r.min_distance for r in results), float, n)
    kbest = int(np.argmin(ds))
    i0, j0 = st.pairs[kbest]
    closest = (st.owners[i0], st.owners[j0])
    keep = np.flatnonzero(ds < within).tolist()
    if not keep:
        return np.empty(0), np.empty((0, model.nv)), float(ds[kbest]), closest
    pin.computeJointJacobians(model, data, qp)
    parents = st.parents
    jac = {0: np.zeros((6, model.nv))}
    for k in keep:
        for g in st.pairs[k]:
            jid = parents[g]
            if jid not in jac:
                jac[jid] = pin.getJointJacobian(model, data, jid, _WORLD)
    P1 = np.array([results[k].getNearestPoint1() for k in keep])
    P2 = np.array([results[k].getNearestPoint2() for k in keep])
    N = np.array([results[k].normal for k in keep])
    JA = np.array([jac[parents[st.pairs[k][0]]] for k in keep])
    JB = np.array([jac[parents[st.pairs[k][1]]] for k in keep])
    rows = (
        np.einsum("mi,miv->mv", N, JB[:, :3] - JA[:, :3])
        + np.einsum("mi,miv->mv", _cross(P2, N), JB[:, 3:])
        - np.einsum("mi,miv->mv", _cross(P1, N), JA[:, 3:])
    )
    return ds[keep], rows, float(ds[kbest]), closest


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Row-wise ``a × b`` of (m, 3) arrays (numpy's cross costs ~70 µs at this size)."""
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out
