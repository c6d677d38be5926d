"""Can the arm reach a trajectory at all? A sound outer bound on the workspace.

For a serial chain, the origins ``P_j`` of consecutive joints are a fixed distance apart
(``‖jointPlacement_j‖``; a prismatic joint adds its largest travel), so every point a
frame can reach lies in a ball around the first fixed point with radius the sum of those
distances. The centre moves down the chain while the next origin lies on the axes of all
revolute joints before it (the UR5's shoulder sits on the base axis), which tightens the
ball without ever excluding a reachable point.

A point outside this ball is certainly unreachable, so controllers refuse such
trajectories up front with a clear message instead of driving the arm into a stretched
singularity and a NaN. A point inside may still be unreachable (joint limits, inner
holes): that shows up as tracking error, not as an exception.
"""

from __future__ import annotations

import numpy as np

from ._validate import FloatArray
from .errors import InputError
from .kinematics import Configuration
from .robot import Robot


def reach(robot: Robot, frame: str | None = None) -> tuple[FloatArray, float]:
    """``(center (3,) [m] in the base frame, radius [m])`` of a ball holding every reachable
    position of ``frame``'s origin (default: the tip)."""
    m = robot.model
    config = Configuration(robot, robot.neutral())
    fid = robot.frame_id(frame)
    last = int(m.frames[fid].parentJoint)
    tip = config.pose(frame)[:3, 3]
    if last == 0:
        return tip, 0.0
    travel = [
        max(abs(lo), abs(hi)) if kind == "prismatic" else 0.0
        for kind, lo, hi in zip(robot.joint_types, robot.lower, robot.upper)
    ]
    # lengths[j - 1]: from joint j−1's origin (the fixed point B for j = 1) to joint j's origin.
    lengths = [float(np.linalg.norm(m.jointPlacements[j].translation)) + travel[j - 1] for j in range(1, last + 1)]
    lengths[0] = travel[0]
    lengths.append(float(np.linalg.norm(m.frames[fid].placement.translation)))
    origins = [*config.joint_origins()[:last], tip]
    axes = config.joint_axes()[:last]
    W = robot.base_in_world
    center = (np.array(m.jointPlacements[1].translation) - W[:3, 3]) @ W[:3, :3]  # the fixed point B, in the base frame
    used = 1  # lengths[:used] are behind the centre
    for k in range(1, last + 1):
        if robot.joint_types[k - 1] == "prismatic":
            break
        nxt = origins[k]
        on_axes = all(np.linalg.norm(np.cross(nxt - origins[j], axes[j])) < 1e-9 for j in range(k))
        if not on_axes:
            break
        center, used = nxt, k + 1
    return np.asarray(center, dtype=np.float64), float(sum(lengths[used:]))


def check_in_reach(robot: Robot, points: FloatArray, frame: str | None = None, what: str = "trajectory") -> None:
    """Raise :class:`~robojac.errors.InputError` if any of ``points`` (n, 3) [m] lies
    outside :func:`reach` of ``frame``; row 0 is taken to be the start."""
    center, radius = reach(robot, frame)
    dist = np.linalg.norm(np.atleast_2d(points) - center, axis=1)
    bad = np.flatnonzero(dist > radius + 1e-9)
    if bad.size:
        i = int(bad[0])
        where = "starts" if i == 0 else "passes"
        raise InputError(
            f"the {what} {where} outside the workspace of '{robot.name}': the point "
            f"{np.round(points[i], 4).tolist()} m is {dist[i]:.4f} m from {np.round(center, 4).tolist()} m, "
            f"but '{frame or robot.tip}' reaches at most {radius:.4f} m from there; move the path closer to the base"
        )
