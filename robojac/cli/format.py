"""Text for people: every table and summary the CLI and the demo print.

The numeric modules return data (dataclasses with ``to_dict``) and never format text;
this module turns that data into the plain-text tables ``robojac`` prints. It imports
only numeric modules, so both the CLI handlers and :mod:`robojac.demo` can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..pose import to_position_quaternion

if TYPE_CHECKING:  # types only: printing a pose should not load the analysis modules
    from ..capacity import Capacity, PayloadCheck
    from ..ellipsoid import Ellipsoid
    from ..log import Log
    from ..robot import Robot
    from ..singularity import JacobianMeasures, PathScan, SingularityReport
    from ..statics import Payload

#: Row labels of a twist or a 6-row Jacobian ``[v; ω]``.
TWIST_ROWS = ["vx", "vy", "vz", "wx", "wy", "wz"]


# ---------------------------------------------------------------------------- numbers and tables
def fmt(x: Any, digits: int = 4) -> str:
    """A number as fixed-point text; inf and NaN spelled out."""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if not np.isfinite(v):
            return str(v)
        if abs(v) >= 1e6:
            return f"{v:.{digits - 1}e}"
        if abs(v) < 0.5 * 10 ** (-digits):
            v = 0.0  # no "-0.000" noise
        return f"{v:+.{digits}f}"
    return str(x)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 4) -> str:
    """Rows under a header, right-aligned numbers, one space of padding."""
    cells = [[fmt(c, digits) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def matrix(
    m: np.ndarray, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None, digits: int = 4
) -> str:
    """A 2-D array as a labelled table."""
    m = np.atleast_2d(m)
    rows = [[row_labels[i] if row_labels else str(i), *m[i]] for i in range(m.shape[0])]
    header = ["", *(col_labels or [str(j) for j in range(m.shape[1])])]
    return table(header, rows, digits)


def vector(a: Any, digits: int = 4) -> str:
    """A 1-D array as ``[+0.1000, -2.0000]``."""
    return "[" + ", ".join(fmt(float(x), digits) for x in a) + "]"


# ---------------------------------------------------------------------------- kinematics
def info_text(robot: Robot) -> str:
    """The chain: one row per joint with its limits, the locked joints and the frame names."""
    rows = [
        [name, kind, lo, hi, vel, eff]
        for name, kind, lo, hi, vel, eff in zip(
            robot.joint_names, robot.joint_types, robot.lower, robot.upper, robot.velocity_limits, robot.effort_limits
        )
    ]
    out = [
        f"{robot.name}: {robot.dof} joints, {robot.base} → {robot.tip}",
        f"tip: {robot.tip_reason} (--tip names another)",
        table(["joint", "type", "lower", "upper", "max vel", "max effort"], rows, 3),
    ]
    if robot.locked:
        out.append("locked: " + ", ".join(f"{k} = {v:g}" for k, v in robot.locked.items()))
    out.append(f"frames ({len(robot.frame_names)}): " + ", ".join(robot.frame_names))
    return "\n".join(out)


def pose_text(T: np.ndarray) -> str:
    """A 4×4 pose, then its position [m] and quaternion (x, y, z, w)."""
    p, quat = to_position_quaternion(T)
    return "\n".join(
        [
            matrix(T, ["", "", "", ""], ["", "", "", ""]).split("\n", 2)[2],
            f"position [m]: {np.array2string(p, precision=5, suppress_small=True)}",
            f"quaternion (x, y, z, w): {np.array2string(quat, precision=5, suppress_small=True)}",
        ]
    )


def fk_text(frame: str, base: str, q: np.ndarray, T: np.ndarray) -> str:
    """``robojac fk``: the pose of ``frame`` in ``base`` at ``q``."""
    return f"pose of '{frame}' in '{base}' at q = {np.array2string(q, precision=4)}\n" + pose_text(T)


def jacobian_text(frame: str, ref: str, q: np.ndarray, J: np.ndarray) -> str:
    """``robojac jacobian``: J with rows ``[v; ω]`` and one column per joint."""
    return (
        f"Jacobian of '{frame}' (ref={ref}) at q = {np.array2string(q, precision=4)}; rows [v; ω], units m/rad and rad/rad\n"
        + matrix(J, TWIST_ROWS, [f"q{i + 1}" for i in range(J.shape[1])])
    )


# ---------------------------------------------------------------------------- inverse kinematics
def ik_text(robot: Robot, res: Any) -> str:
    """``robojac ik --target``: the verdict, the joint values and the errors of one solve
    ("rotation free" when the rotation was not constrained, rather than an unmeasured 0)."""
    rotation = "rotation free" if res.rotation_free else f"rotation error {res.rotation_error:.3g} rad"
    return "\n".join(
        [
            ("solved" if res.success else "NOT solved") + f": {res.message}",
            table(["joint", "q [rad or m]"], list(zip(robot.joint_names, res.q)), 6),
            f"position error {res.position_error:.3g} m, {rotation}, {res.time * 1e3:.2f} ms",
        ]
    )


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage that never rounds a shortfall away: 4,999 of
    5,000 is "99.98 %", never "100.0 %" (more decimals as needed, then "<100 %")."""
    if whole <= 0:
        return "no targets"
    if part == whole:
        return "100 %"
    value = 100.0 * part / whole
    for digits in range(1, 7):
        text = f"{value:.{digits}f}"
        if float(text) < 100.0 and (part == 0 or float(text) > 0.0):
            return f"{text} %"
    return "<100 %" if part else ">0 %"


def ik_batch_text(robot: Robot, summary: dict[str, Any]) -> str:
    """``robojac ik --targets``: one line, how many targets were solved and how fast (and, with
    collision checks, how many failed because every converged answer collided)."""
    collided = summary.get("collided")
    return (
        f"{robot.name}: solved {summary['solved']} of {summary['targets']} targets "
        f"({percent(summary['solved'], summary['targets'])}), median {1e3 * summary['median_time']:.3f} ms per target"
        + (
            ""
            if collided is None
            else f"; {collided} rejected for collision (every converged answer collided; "
            f"{summary['collision_pairs']} pairs checked)"
        )
        + (f"; results in {summary['out']}" if summary["out"] else "")
    )


# ---------------------------------------------------------------------------- statics
def torque_table(
    robot: Robot, parts: dict[str, np.ndarray], sources: tuple[str, ...] = ("gravity", "payload", "wrench")
) -> str:
    """One row per joint: the torque [N·m] of each source, the total, the limit and |total| / limit."""
    lim = robot.effort_limits
    load = np.abs(parts["total"]) / lim * 100
    cols = (*sources, "total")
    rows = [[name, *(parts[k][i] for k in cols), lim[i], f"{load[i]:.0f}%"] for i, name in enumerate(robot.joint_names)]
    return table(["joint", *cols, "limit", "load"], rows, 3)


def torque_text(
    robot: Robot,
    q: np.ndarray,
    frame: str,
    parts: dict[str, np.ndarray],
    wrench: Any,
    ref: str,
    payload: Payload | None,
    over: list[str],
) -> str:
    """``robojac torque``: what is held, the torque table, and the joints over their limit."""
    out = [f"joint torques [N·m] holding '{frame}' at q = {np.array2string(q, precision=4)}"]
    if wrench is not None:
        out.append(f"wrench exerted on the environment (ref={ref}): {np.array2string(np.array(wrench))}")
    if payload is not None:
        out.append(f"payload: {payload.mass:g} kg at {list(payload.com)} m in '{frame}'")
    out.append(torque_table(robot, parts))
    out.append("over the effort limit: " + (", ".join(over) if over else "none"))
    return "\n".join(out)


def ellipsoid_text(E: Ellipsoid, title: str) -> str:
    """The three axes (base coordinates) and radii of an ellipsoid."""
    rows = [[f"axis {k + 1}", *E.axes[:, k], E.radii[k]] for k in range(3)]
    return f"{title} [{E.units}], base axes:\n" + table(["", "x", "y", "z", "radius"], rows, 3)


def max_mass_text(held: PayloadCheck) -> str:
    """The heaviest payload [kg] the arm holds, and the joint that limits it."""
    if held.max_mass_joint is None:
        return "unbounded (its weight loads no joint here)"
    return f"{held.max_mass:.2f} kg (limited by {held.max_mass_joint})"


def capacity_text(
    frame: str, q: np.ndarray, rep: Capacity, held: PayloadCheck, payload: Payload | None, gravity: bool
) -> str:
    """``robojac capacity``: ellipsoids, largest forces along directions, payload verdict."""
    out = [
        f"capacity of '{frame}' at q = {np.array2string(q, precision=4)} (URDF effort and velocity limits)",
        ellipsoid_text(rep.force_ellipsoid, "force ellipsoid, ‖τ/τmax‖₂ ≤ 1, no gravity"),
        ellipsoid_text(rep.velocity_ellipsoid, "velocity ellipsoid, ‖q̇/q̇max‖₂ ≤ 1"),
    ]
    note = ("with the arm's weight" if gravity else "without the arm's weight") + (
        f" and a {payload.mass:g} kg payload" if payload else ""
    )
    rows = [[np.array2string(m.direction, precision=3), m.force, m.limiting_joint or "-"] for m in rep.max_forces]
    out.append(f"largest pure force the tool can exert ({note}):")
    out.append(table(["direction", "force [N]", "limiting joint"], rows, 1))
    if payload is not None:
        verdict = "yes" if held.ok else "NO"
        out.append(
            f"can it hold {payload.mass:g} kg here? {verdict}: {held.limiting_joint} has "
            f"{fmt(held.margin, 2)} N·m ({held.margin_fraction * 100:.0f}%) margin"
        )
    out.append(f"heaviest payload it can hold here: {max_mass_text(held)}")
    return "\n".join(out)


# ---------------------------------------------------------------------------- singularities
def verdict_text(r: JacobianMeasures) -> str:
    """One phrase: regular, near-singular or exactly singular, with σ_min and the lost count."""
    k = min(r.shape)
    if r.is_exactly_singular:
        return (
            f"exactly singular: σ_min = 0, condition number inf, {k - r.rank} of {k} directions lost"
            if r.sigma_max > 0
            else "the Jacobian is zero: no joint moves this frame (condition number inf)"
        )
    if r.is_singular:
        return f"near-singular: σ_min = {r.sigma_min:.3g} < {r.threshold:g}, {k - r.rank} of {k} directions lost"
    return f"regular: σ_min = {r.sigma_min:.3g} ≥ {r.threshold:g}, all {k} directions available"


def singularity_text(rep: SingularityReport) -> str:
    """``robojac singularity``: the verdict, the measures, lost directions and null space."""
    where = []
    if rep.robot is not None:
        where.append(f"robot '{rep.robot}'")
    if rep.frame is not None:
        where.append(f"frame '{rep.frame}'")
    if rep.ref is not None:
        where.append(f"ref {rep.ref}")
    lines = [f"singularity report ({', '.join(where) or 'plain Jacobian'}), threshold σ < {rep.threshold:g}"]
    if rep.q is not None:
        lines.append(f"q = {vector(rep.q)} [rad or m]")
    lines.append("verdict: " + verdict_text(rep))
    for name, b in (("translational", rep.translational), ("rotational", rep.rotational)):
        if b is not None and b.is_singular:
            k = min(b.shape)
            lines.append(f"  the {name} block alone is singular: rank {b.rank} of {k}, σ_min = {b.sigma_min:.3g}")
    if rep.singularity_types:
        lines.append("classical singularity: " + ", ".join(rep.singularity_types))
    if rep.type_margins is not None:
        m = rep.type_margins
        lines.append(
            f"UR-type conditions (hold when ≤ {rep.type_tolerance:g}): wrist |sin q5| = {m['wrist']:.4g}, "
            f"elbow |sin q3| = {m['elbow']:.4g}, shoulder distance = {m['shoulder']:.4g} m"
        )
    blocks: list[tuple[str, JacobianMeasures]] = [("full", rep)]
    if rep.translational is not None and rep.rotational is not None:
        blocks += [("translational", rep.translational), ("rotational", rep.rotational)]
    for name, b in blocks:
        m_, n_ = b.shape
        lines.append(
            f"{name} {m_}×{n_}: σ = {vector(b.singular_values)}; rank {b.rank}/{min(m_, n_)}; "
            f"w = {b.manipulability:.4g}; cond = {b.condition_number:.4g}; "
            f"1/cond = {b.inverse_condition:.4g}" + ("  ← SINGULAR" if b.is_singular else "")
        )
    frame_words = {"local": "frame axes", "world": "base axes, at the base origin"}.get(str(rep.ref), "base axes")
    if rep.lost_directions.size:
        lines.append(f"lost directions of the full Jacobian ([v; ω], {frame_words}):")
        lines += [f"  {vector(u, 3)}" for u in rep.lost_directions]
    for name, b in blocks[1:]:
        if b.lost_directions.size:
            lines.append(
                f"lost {name} directions ({frame_words}): " + ", ".join(vector(u, 3) for u in b.lost_directions)
            )
    if rep.null_space.size:
        lines.append("null space (joint motions that barely move the frame), one per row:")
        lines += [f"  {vector(v, 3)}" for v in rep.null_space]
    return "\n".join(lines)


def scan_text(scan: PathScan) -> str:
    """``robojac scan``: the range of σ_min along the path and a table of near-singular intervals."""
    head = (
        f"scan of {scan.sigma_min.size} samples ('{scan.robot}', frame '{scan.frame}', {scan.part} Jacobian, "
        f"ref {scan.ref}): σ_min from {scan.sigma_min.min():.4g} to {scan.sigma_min.max():.4g}; threshold {scan.threshold:g}"
    )
    if not scan.intervals:
        return head + "\nno near-singular interval"
    rows = [
        [
            f"{iv.start}–{iv.stop}",
            f"{iv.t_min:.3f}",
            iv.sigma_min,
            ", ".join(iv.joints),
            ", ".join(iv.types) or "-",
            "[" + " ".join(fmt(float(x), 2) for x in iv.lost_direction) + "]",
        ]
        for iv in scan.intervals
    ]
    return "\n".join(
        [
            head,
            f"{len(scan.intervals)} near-singular interval(s):",
            table(["samples", "min at", "σ_min", "joints involved", "type", "lost direction"], rows, 5),
        ]
    )


# ---------------------------------------------------------------------------- simulation
def simulation_text(log: Log, wall: float) -> str:
    """``robojac simulate``: the run's headline numbers (:meth:`Log.summary`) and its speed."""
    s = log.summary()
    steps = max(s["samples"] - 1, 1)
    lines = [
        f"{s['robot']}: {s['controller']} on the {s['simulator']} simulator, {s['samples']} samples "
        f"over {s['duration_s']:.3f} s ({1e6 * wall / steps:.1f} µs of wall time per step)",
        f"status: {s['status']}" + (f" — {s['message']}" if s["message"] else ""),
        f"position error: final {1e3 * s['final_position_error_m']:.4f} mm, max {1e3 * s['max_position_error_m']:.4f} mm",
        f"rotation error: final {np.degrees(s['final_rotation_error_rad']):.4f} deg, "
        f"max {np.degrees(s['max_rotation_error_rad']):.4f} deg",
        f"smallest σ_min: {s['min_sigma_min']:.4g}; fastest joint rate: {s['max_joint_rate']:.4g} rad/s",
    ]
    return "\n".join(lines)


def reachability_text(rmap: Any) -> str:
    """One paragraph on a :class:`~robojac.reachability.ReachabilityMap`: grid, pairs solved, reach, completeness."""
    nx, ny, nz = rmap.shape
    n = 1 if rmap.orientations is None else len(rmap.orientations)
    reached = int((rmap.index > 0).sum())
    state = "complete" if rmap.complete else f"{len(rmap.missing)} chunks missing, {len(rmap.failed)} failed"
    mean = float(rmap.index[rmap.index > 0].mean()) if reached else 0.0
    return (
        f"reachability map of '{rmap.robot}' ({rmap.frame}): {nx}×{ny}×{nz} voxels of {rmap.resolution:g} m × "
        f"{n} orientation(s) = {nx * ny * nz * n:,} (voxel, orientation) pairs; {reached:,} voxels reached, "
        f"mean index over them {mean:.3f}; {state}"
    )
