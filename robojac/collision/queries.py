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
import threading
from dataclasses import dataclass
from typing import Any

import coal
import numpy as np
import pinocchio as pin

from .._validate import FloatArray
from . import kernel as _kernel

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

    How it stays cheap (a controller calls it every period; each step is exact, not an
    approximation):

    * coal computes every pair in one Pinocchio call, which also returns the closest
      pair's index; Python reads one float per pair, through result objects held from
      the previous call (they are views on the same C++ results), and the witness points
      and normal only of the pairs kept.
    * The rows come from Pinocchio's stacked joint Jacobian ``data.J`` (6×nv, column
      ``v`` the world-frame motion ``[J_v; J_ω]`` of joint dof ``v``): the ``WORLD``
      Jacobian of the body on joint ``j`` is ``data.J`` with the columns of the joints
      that do not support ``j`` set to zero (a column mask ``M_j``; all zero for a fixed
      obstacle), so a side's row is ``(nᵀ J_v + (p × n)ᵀ J_ω) ∘ M_j`` and
      ``J_d = row_B − row_A``: one compiled loop over the active set
      (:func:`robojac.collision.kernel.damper_rows`).
    """
    d, rows, dmin, closest, _, _ = active_pairs(cm, q, within)
    return d, rows, dmin, closest


def active_pairs(cm: CollisionModel, q: Any, within: float) -> tuple[Any, ...]:
    """:func:`active_rows` plus the index in ``cm.pairs`` of each row's pair (m,) and the number of pairs."""
    st, data, gdata = cm.scratch()
    model = cm.robot.model
    fast = _fast_rows(model, st, gdata)
    results, masks = fast[1], fast[2]
    if not results:
        return np.empty(0), np.empty((0, model.nv)), math.inf, None, np.empty(0, dtype=np.int64), 0
    qp = cm.robot.to_pinocchio(q)
    kbest = pin.computeDistances(model, data, st.geom, gdata, qp)  # the closest pair's index
    ds = list(map(_MIN_DISTANCE, results))
    i0, j0 = st.pairs[kbest]
    closest = (st.owners[i0], st.owners[j0])
    keep = [k for k, d in enumerate(ds) if d < within]
    m = len(keep)
    if not m:
        return np.empty(0), np.empty((0, model.nv)), ds[kbest], closest, np.empty(0, dtype=np.int64), len(ds)
    pin.computeJointJacobians(model, data, qp)
    near = [results[k] for k in keep]
    # Apart, the normal is the witness segment's direction (the kernel makes it, to ~1e-14
    # of coal's): one read fewer per pair. Touching or overlapping, coal's.
    normals = [r.normal if ds[k] < _kernel.APART else _NO_NORMAL for k, r in zip(keep, near)]
    pts = np.concatenate([*map(_P1, near), *map(_P2, near), *normals]).reshape(3, m, 3)  # p1s, p2s, normals
    rows = np.empty((m, model.nv))
    keep_a = np.array(keep, dtype=np.int64)
    _kernel.damper_rows(pts, data.J, masks, fast[3], keep_a, rows)
    return np.array([ds[k] for k in keep]), rows, ds[kbest], closest, keep_a, len(ds)


# Unbound accessors, mapped over the held results, skip an attribute lookup per pair (the
# Panda's 74 distances: 10 µs instead of 13).
_MIN_DISTANCE = coal.DistanceResult.min_distance.fget
_P1 = coal.DistanceResult.getNearestPoint1
_P2 = coal.DistanceResult.getNearestPoint2
_NO_NORMAL = np.zeros(3)

#: Per thread: ``id(gdata) -> (gdata, held results, mask A, mask B)`` for :func:`active_rows`.
_FAST = threading.local()


def _fast_rows(model: pin.Model, st: Any, gdata: Any) -> tuple[Any, list[Any], FloatArray, FloatArray]:
    """The held distance results of ``gdata``, each pair's signed column masks (npairs, 2, nv)
    ``[−M_A, M_B]`` and their sum ``M_B − M_A`` (npairs, nv), made once per snapshot and thread.

    The entry keeps ``gdata`` alive, so the held results stay valid and an id is never reused.
    """
    cache = getattr(_FAST, "entries", None)
    if cache is None:
        cache = _FAST.entries = {}
    entry = cache.get(id(gdata))
    if entry is not None and entry[0] is gdata:
        return entry
    if len(cache) > 8:  # old snapshots of edited models, or many models: start again
        cache.clear()
    cols = np.zeros((model.njoints, model.nv))
    for j in range(1, model.njoints):
        for s in model.supports[j]:
            if s:
                cols[j, model.idx_vs[s] : model.idx_vs[s] + model.nvs[s]] = 1.0
    parents = np.array(st.parents, dtype=int)
    pairs = np.array(st.pairs, dtype=int).reshape(-1, 2)
    masks = np.stack((-cols[parents[pairs[:, 0]]], cols[parents[pairs[:, 1]]]), axis=1)
    entry = (gdata, list(gdata.distanceResults), masks, masks.sum(axis=1))
    cache[id(gdata)] = entry
    return entry
