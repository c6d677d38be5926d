"""Cartesian and joint-space references as functions of time.

Every trajectory answers ``sample(t)`` with a :class:`Reference` of the tool frame:

* ``pose`` (4, 4): the desired pose in the **base frame**;
* ``twist`` (6,) ``[v; ω]``, ``ref="local_world_aligned"``: ``v`` [m/s] is the velocity of
  the tool origin and ``ω`` [rad/s] the angular velocity, both in base axes, so that
  ``twist = J(q) q̇`` with the default Jacobian;
* ``acceleration`` (6,) ``[p̈; ω̇]`` [m/s², rad/s²] in base axes: the classical
  acceleration of the tool origin, which equals ``J q̈ + J̇ q̇`` for that same Jacobian.

Before ``t = 0`` a trajectory holds its first pose, after ``duration`` its last, both
at rest. Orientation is interpolated on the geodesic ``R(s) = R₀ exp(s ŵ)`` with
``w = log(R₀ᵀ R₁)``, so ``ω = R₀ w ṡ`` and ``ω̇ = R₀ w s̈`` (the axis ``R₀ w`` is fixed).
"""

from __future__ import annotations

import bisect
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pinocchio as pin

from ._validate import FloatArray, as_array, as_vector, check_finite, positive
from .errors import InputError
from .kinematics import Configuration
from .pose import as_matrix
from .robot import Robot

TIME_LAWS = ("quintic", "trapezoidal")
#: Shortest accepted duration, period, ramp or waypoint spacing [s]. A time law's
#: acceleration goes as 1/T², so a T of 1e-320 s gives inf; no controller runs faster than
#: ~1 µs anyway.
MIN_TIME = 1e-6


def _time_span(value: Any, name: str) -> float:
    """A finite time [s] of at least :data:`MIN_TIME`, or an InputError naming ``name``."""
    T = positive(value, name)
    if T < MIN_TIME:
        raise InputError(
            f"{name} must be at least {MIN_TIME:g} s (shorter ones make velocities and accelerations overflow), "
            f"got {T:g} s"
        )
    return T


class Reference(NamedTuple):
    """The tool's desired pose, twist and acceleration at one instant (see the module doc).

    A NamedTuple rather than a dataclass: one is made per control step.
    """

    pose: FloatArray
    twist: FloatArray
    acceleration: FloatArray


@dataclass(frozen=True)
class TimeLaw:
    """A path parameter ``s(t)`` rising from 0 to 1 over ``duration`` [s], at rest at both ends.

    * ``"quintic"``: ``s = 10x³ − 15x⁴ + 6x⁵`` with ``x = t/T``; zero velocity and
      acceleration at both ends, peak ``ṡ = 1.875/T``.
    * ``"trapezoidal"``: constant acceleration for ``accel_fraction·T``, cruise, then
      constant deceleration; peak ``ṡ = 1/(T − t_a)``, with acceleration steps.
    """

    duration: float
    kind: str = "quintic"
    accel_fraction: float = 0.25

    def __post_init__(self) -> None:
        object.__setattr__(self, "duration", _time_span(self.duration, "duration"))
        if not isinstance(self.kind, str) or self.kind not in TIME_LAWS:
            raise InputError(f"time law must be one of {', '.join(TIME_LAWS)}, got {self.kind!r}")
        f = positive(self.accel_fraction, "accel_fraction")
        if not (0.0 < f <= 0.5):
            raise InputError(
                f"accel_fraction must be in (0, 0.5] (fraction of the duration spent accelerating), got {f}"
            )
        if self.kind == "trapezoidal":
            _time_span(f * self.duration, "the acceleration time accel_fraction × duration")
        object.__setattr__(self, "accel_fraction", f)

    def __call__(self, t: float) -> tuple[float, float, float]:
        """``(s, ṡ [1/s], s̈ [1/s²])`` at time ``t`` [s], clamped to the ends outside ``[0, T]``."""
        T = self.duration
        if t <= 0.0:
            return 0.0, 0.0, 0.0
        if t >= T:
            return 1.0, 0.0, 0.0
        if self.kind == "quintic":
            x = t / T
            x2 = x * x
            return (
                x2 * x * (10.0 - 15.0 * x + 6.0 * x2),
                30.0 * x2 * (1.0 - 2.0 * x + x2) / T,
                60.0 * x * (1.0 - 3.0 * x + 2.0 * x2) / (T * T),
            )
        ta = self.accel_fraction * T
        vmax = 1.0 / (T - ta)
        a = vmax / ta
        if t < ta:
            return 0.5 * a * t * t, a * t, a
        if t <= T - ta:
            return 0.5 * a * ta * ta + vmax * (t - ta), vmax, 0.0
        r = T - t
        return 1.0 - 0.5 * a * r * r, a * r, -a


def _time_law(time_law: str | TimeLaw, duration: float) -> TimeLaw:
    if isinstance(time_law, TimeLaw):
        if abs(time_law.duration - duration) > 1e-12:
            raise InputError(f"the time law lasts {time_law.duration} s but the segment lasts {duration} s")
        return time_law
    return TimeLaw(duration, time_law)


class Trajectory(ABC):
    """A reference for the tool frame; see the module doc for frames and units."""

    #: Time [s] after which the reference holds still (``inf`` for a trajectory that never ends).
    duration: float

    @abstractmethod
    def sample(self, t: float) -> Reference:
        """The reference at time ``t`` [s]."""

    @abstractmethod
    def path_points(self) -> FloatArray:
        """(n, 3) positions [m] whose reach implies the whole path's (used by workspace checks).

        A straight segment lies inside a ball when its ends do, so lines give their ends.
        The first row is the start.
        """

    def start_pose(self) -> FloatArray:
        """The pose (4, 4) at ``t = 0``."""
        return self.sample(0.0).pose


class Hold(Trajectory):
    """A fixed pose, held forever: the target of a regulation task."""

    def __init__(self, pose: Any) -> None:
        self.pose = as_matrix(pose, "pose")
        self.duration = 0.0
        self._ref = Reference(self.pose, np.zeros(6), np.zeros(6))

    def sample(self, t: float) -> Reference:
        return self._ref

    def path_points(self) -> FloatArray:
        return self.pose[None, :3, 3].copy()


class Line(Trajectory):
    """A straight line of the tool origin from ``start`` to ``end`` with a smooth time law.

    The orientation turns on the geodesic from the start rotation to the end rotation with
    the same ``s(t)``. ``time_law`` is ``"quintic"`` (default), ``"trapezoidal"`` or a
    :class:`TimeLaw` of the same ``duration``.
    """

    def __init__(self, start: Any, end: Any, duration: float, time_law: str | TimeLaw = "quintic") -> None:
        self.start = as_matrix(start, "start")
        self.end = as_matrix(end, "end")
        self.duration = _time_span(duration, "duration")
        self.law = _time_law(time_law, self.duration)
        self._p0 = self.start[:3, 3].copy()
        with np.errstate(over="ignore"):  # an overflow to inf is refused just below
            self._dp = self.end[:3, 3] - self._p0
        # |ṡ| ≤ 2/T and |s̈| ≤ max(5.8, 2/f)/T² for both time laws (f: the accel_fraction).
        T, f = self.duration, self.law.accel_fraction
        peak = float(np.abs(self._dp).max()) * (1.0 + 2.0 / T + max(6.0, 2.0 / f) / (T * T))
        if not math.isfinite(peak):
            raise InputError(
                f"the line from {self._p0.tolist()} to {self.end[:3, 3].tolist()} m in {self.duration:g} s is too "
                "long: its velocity or acceleration would overflow float64"
            )
        self._R0 = self.start[:3, :3].copy()
        self._w = np.array(pin.log3(self._R0.T @ self.end[:3, :3]))  # rotation vector, start axes [rad]
        self._axis = self._R0 @ self._w  # the same, in base axes

    def sample(self, t: float) -> Reference:
        s, sd, sdd = self.law(t)
        T = np.eye(4)
        T[:3, :3] = self._R0 @ pin.exp3(s * self._w)
        T[:3, 3] = self._p0 + s * self._dp
        twist = np.concatenate((sd * self._dp, sd * self._axis))
        acc = np.concatenate((sdd * self._dp, sdd * self._axis))
        return Reference(T, twist, acc)

    def path_points(self) -> FloatArray:
        return np.stack((self._p0, self.end[:3, 3]))


class Circle(Trajectory):
    """The tool origin on a circle, at constant orientation ``rotation`` (3, 3).

    ``p(θ) = center + radius (cos θ u + sin θ v)`` with ``v = n × u``, counter-clockwise
    about the unit ``normal`` n. θ starts at 0 (the point ``center + radius·u``) and turns
    at ``2π/period`` [rad/s], reached smoothly over ``ramp`` seconds (θ̇ follows
    ``3x² − 2x³`` of ``x = t/ramp``), so the reference starts at rest.
    ``duration`` defaults to ``inf`` (it keeps turning).
    """

    def __init__(
        self,
        center: Any,
        radius: float,
        rotation: Any,
        *,
        normal: Any = (0.0, 0.0, 1.0),
        u: Any = None,
        period: float = 2.0,
        ramp: float | None = None,
        duration: float = math.inf,
    ) -> None:
        self.center = as_vector(center, 3, "center")
        self.radius = positive(radius, "radius")
        self.rotation = as_matrix(_pose_of_rotation(rotation), "rotation")[:3, :3]
        n = as_vector(normal, 3, "normal")
        if np.linalg.norm(n) < 1e-9:
            raise InputError("normal must be a non-zero 3-vector (the axis of the circle's plane)")
        n = n / np.linalg.norm(n)
        self.normal = n
        if u is None:
            # The base x axis projected into the plane, or y when the plane is normal to x.
            seed = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        else:
            seed = as_vector(u, 3, "u")
        u_vec = seed - (seed @ n) * n
        if np.linalg.norm(u_vec) < 1e-9:
            raise InputError("u must not be parallel to the normal: it points from the centre to the start point")
        self.u = u_vec / np.linalg.norm(u_vec)
        self.v = np.cross(n, self.u)
        self.period = _time_span(period, "period")
        self.omega = 2.0 * math.pi / self.period
        ramp_arr = as_array(0.25 * self.period if ramp is None else ramp, "ramp")
        if ramp_arr.ndim != 0 or not (math.isfinite(float(ramp_arr)) and float(ramp_arr) >= 0.0):
            raise InputError(f"ramp must be one finite time >= 0 [s], got {ramp!r}")
        self.ramp = float(ramp_arr)
        if self.ramp != 0.0:  # 0 is no ramp; a tiny one makes θ̈ = 6ω/ramp overflow
            _time_span(self.ramp, "ramp")
        self.duration = float(duration) if duration == math.inf else _time_span(duration, "duration")
        # Peak |p − 0|, speed r ω and acceleration r (ω² + 1.5 ω/ramp) must be finite.
        w = self.omega
        peak = float(np.abs(self.center).max()) + self.radius * (
            1.0 + w + w * w + (1.5 * w / self.ramp if self.ramp else 0)
        )
        if not math.isfinite(peak):
            raise InputError(
                f"the circle of radius {self.radius:g} m about {self.center.tolist()} m is too large: its position, "
                "velocity or acceleration would overflow float64"
            )
        self._pose0 = np.eye(4)
        self._pose0[:3, :3] = self.rotation
        self._uvc = (self.u.tolist(), self.v.tolist(), self.center.tolist())

    @classmethod
    def starting_at(
        cls,
        pose: Any,
        radius: float,
        *,
        normal: Any = (0.0, 0.0, 1.0),
        u: Any = None,
        period: float = 2.0,
        ramp: float | None = None,
        duration: float = math.inf,
    ) -> Circle:
        """The circle that starts at ``pose``'s position, keeping its orientation.

        The centre lies ``radius`` from the start, opposite ``u`` (default: the base x
        axis projected into the plane normal to ``normal``).
        """
        T = as_matrix(pose, "pose")
        kw: dict[str, Any] = {"normal": normal, "u": u, "period": period, "ramp": ramp, "duration": duration}
        probe = cls(T[:3, 3], radius, T[:3, :3], **kw)  # its u does not depend on the centre
        return cls(T[:3, 3] - probe.radius * probe.u, radius, T[:3, :3], **kw)

    def _angle(self, t: float) -> tuple[float, float, float]:
        t = min(max(t, 0.0), self.duration)
        w, tr = self.omega, self.ramp
        if tr > 0.0 and t < tr:
            x = t / tr
            th = w * tr * (x**3 - 0.5 * x**4)
            thd = w * (3.0 * x * x - 2.0 * x**3)
            thdd = w * (6.0 * x - 6.0 * x * x) / tr
        else:
            th = w * (0.5 * tr + (t - tr))
            thd, thdd = w, 0.0
        if t >= self.duration:
            thd, thdd = 0.0, 0.0
        return th, thd, thdd

    def sample(self, t: float) -> Reference:
        th, thd, thdd = self._angle(t)
        r = self.radius
        rc, rs = r * math.cos(th), r * math.sin(th)
        # In (u, v) coordinates: position (rc, rs), velocity θ̇ (−rs, rc), acceleration (a, b).
        # Written out in Python floats: on 3-vectors NumPy's per-call cost is most of the
        # sampling time of a 1 kHz control step.
        vu, vv = -rs * thd, rc * thd
        a, b = -(thdd * rs + thd * thd * rc), thdd * rc - thd * thd * rs
        (ux, uy, uz), (vx, vy, vz), (cx, cy, cz) = self._uvc
        T = self._pose0.copy()
        T[:3, 3] = (cx + rc * ux + rs * vx, cy + rc * uy + rs * vy, cz + rc * uz + rs * vz)
        twist = np.array((vu * ux + vv * vx, vu * uy + vv * vy, vu * uz + vv * vz, 0.0, 0.0, 0.0))
        acc = np.array((a * ux + b * vx, a * uy + b * vy, a * uz + b * vz, 0.0, 0.0, 0.0))
        return Reference(T, twist, acc)

    def path_points(self) -> FloatArray:
        th = np.linspace(0.0, 2.0 * math.pi, 361)
        return self.center + self.radius * (np.cos(th)[:, None] * self.u + np.sin(th)[:, None] * self.v)


class Waypoints(Trajectory):
    """Through poses ``poses[i]`` at times ``times[i]`` [s], one :class:`Line` per segment.

    Each segment is a straight line of the tool origin with a geodesic turn of the
    orientation (SE(3) interpolation decoupled into R³ × SO(3)), timed by ``time_law``, so
    the tool comes to rest at every waypoint. ``times`` start at ≥ 0 and increase strictly.
    """

    def __init__(self, poses: Any, times: Any, time_law: str = "quintic") -> None:
        try:
            items = list(poses)
        except TypeError:
            raise InputError(f"poses must be a sequence of poses (4×4 arrays), got {type(poses).__name__}") from None
        mats = [as_matrix(p, f"poses[{i}]") for i, p in enumerate(items)]
        if len(mats) < 2:
            raise InputError(f"Waypoints needs at least 2 poses, got {len(mats)}")
        ts = check_finite(as_array(times, "times"), "times")
        if ts.shape != (len(mats),):
            raise InputError(f"times must have one entry per pose, shape ({len(mats)},), got {ts.shape}")
        if ts[0] < 0 or np.any(np.diff(ts) <= 0):
            raise InputError(f"times must start at >= 0 s and increase strictly, got {ts.tolist()}")
        if np.any(np.diff(ts) < MIN_TIME):
            raise InputError(f"times must be at least {MIN_TIME:g} s apart (one segment each), got {ts.tolist()}")
        self.poses = mats
        self.times = ts
        self.segments = [Line(mats[i], mats[i + 1], float(ts[i + 1] - ts[i]), time_law) for i in range(len(mats) - 1)]
        self.duration = float(ts[-1])
        self._starts = ts[:-1].tolist()

    def sample(self, t: float) -> Reference:
        i = max(bisect.bisect_right(self._starts, t) - 1, 0)
        return self.segments[i].sample(t - self._starts[i])

    def path_points(self) -> FloatArray:
        return np.array([T[:3, 3] for T in self.poses])


class JointTrajectory(Trajectory):
    """Joint waypoints ``qs`` (k, dof) at ``times`` (k,) [s], quintic in each segment.

    :meth:`joint` gives ``(q, q̇, q̈)``; :meth:`sample` gives the resulting tool reference:
    ``pose = fk(q)``, ``twist = J q̇`` and ``acceleration = J q̈ + J̇ q̇``
    (``local_world_aligned``), from Pinocchio on a private ``Data``.
    """

    def __init__(self, robot: Robot, qs: Any, times: Any, *, frame: str | None = None) -> None:
        if not robot.base_is_root:
            raise InputError("JointTrajectory needs a robot whose base is the URDF root (load it without base=)")
        arr = check_finite(as_array(qs, "qs"), "qs")
        if arr.ndim != 2 or arr.shape[1] != robot.dof or arr.shape[0] < 2:
            raise InputError(f"qs must have shape (k >= 2, {robot.dof}), one row per waypoint, got {arr.shape}")
        for i, q in enumerate(arr):
            if not robot.within_limits(q, 1e-9):
                raise InputError(f"qs[{i}] = {np.round(q, 4).tolist()} is outside the joint limits of '{robot.name}'")
        ts = check_finite(as_array(times, "times"), "times")
        if ts.shape != (arr.shape[0],) or ts[0] < 0 or np.any(np.diff(ts) < MIN_TIME):
            raise InputError(
                f"times must be shape ({arr.shape[0]},), start at >= 0 s and increase strictly, at least "
                f"{MIN_TIME:g} s apart, got {ts.tolist()}"
            )
        self.robot = robot
        self.qs = arr
        self.times = ts
        self.duration = float(ts[-1])
        self._starts = ts[:-1].tolist()
        self._laws = [TimeLaw(float(ts[i + 1] - ts[i])) for i in range(len(ts) - 1)]
        self._config = Configuration(robot, arr[0])
        robot.frame_id(frame)  # an unknown frame fails here, not at the first sample
        self._frame = frame

    def joint(self, t: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(q [rad], q̇ [rad/s], q̈ [rad/s²])`` at time ``t`` [s]."""
        i = max(bisect.bisect_right(self._starts, t) - 1, 0)
        s, sd, sdd = self._laws[i](t - self._starts[i])
        dq = self.qs[i + 1] - self.qs[i]
        return self.qs[i] + s * dq, sd * dq, sdd * dq

    def sample(self, t: float) -> Reference:
        q, dq, ddq = self.joint(t)
        config = self._config
        config.update(q)
        twist, acc = config.frame_motion(dq, ddq, self._frame)
        return Reference(config.pose(self._frame), twist, acc)

    def path_points(self) -> FloatArray:
        # Joint waypoints inside the limits are reachable by construction: only the start matters.
        return self.robot.fk(self.qs[0], self._frame)[None, :3, 3].copy()


def _pose_of_rotation(rotation: Any) -> FloatArray:
    R = check_finite(as_array(rotation, "rotation"), "rotation")
    if R.shape != (3, 3):
        raise InputError(f"rotation must be a (3, 3) rotation matrix, got shape {R.shape}")
    T = np.eye(4)
    T[:3, :3] = R
    return T
