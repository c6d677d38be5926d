"""Collision-aware kinematics: a robot's collision geometry, obstacles, distances and distance Jacobians.

See docs/collision.md. Build a :class:`CollisionModel` from a loaded robot and pass it as
``collision=`` to :func:`robojac.solve_ik` or :class:`robojac.control.ResolvedRateController`.
"""

from .model import OBSTACLE_SIZES, CollisionModel, Obstacle, make_obstacle
from .queries import (
    Clearance,
    PairDistance,
    active_rows,
    collisions,
    distances,
    in_collision,
    min_distance,
    raw_distances,
)

__all__ = [
    "OBSTACLE_SIZES",
    "Clearance",
    "CollisionModel",
    "Obstacle",
    "PairDistance",
    "active_rows",
    "collisions",
    "distances",
    "in_collision",
    "make_obstacle",
    "min_distance",
    "raw_distances",
]
