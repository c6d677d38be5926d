"""Inverse kinematics on arms that are not bundled: does the solver generalise?

``solve_ik``'s defaults were studied on the four bundled arms. This script builds six
more from their published Denavit–Hartenberg parameters, writes them as URDFs to a
temporary folder and loads them as a user's files would be:

* **PUMA 560**: Corke's standard-DH table (a2 = 0.4318, a3 = 0.0203, d3 = 0.15005,
  d4 = 0.4318 m) and joint ranges; an offset shoulder and a spherical wrist.
* **Stanford arm**: Corke's table (d1 = 0.412, d2 = 0.154, d6 = 0.263 m), a prismatic
  third joint (0.3–0.9 m and ±170° on the others, ranges chosen here).
* **KUKA KR 6 R900**: the datasheet's link lengths (0.400, 0.025, 0.455, 0.035, 0.420,
  0.080 m) and axis ranges, some of them asymmetric (A2: −190°…45°).
* **ABB IRB 120**: the datasheet's link lengths (0.290, 0.270, 0.070, 0.302, 0.072 m)
  and ranges; axis 6 spans ±400°, more than a full turn.
* **Kinova Gen3**: the user guide's 7-joint DH table; joints 1, 3, 5, 7 continuous.
* **UR5 on a rail**: a 1.5 m prismatic rail under the UR5's published table (7 joints,
  metres and radians mixed in one step).

Each arm then runs exactly as the bundled ones do in ``benchmarks/ik.py``: N configurations
drawn uniformly within the limits give FK targets, separate random configurations are the
starts, robojac, TRAC-IK and ``ik_LM`` (ikpy with ``--ikpy-n``) take turns on them, and
every answer is checked with robojac's FK and the limits.

Run: ``python benchmarks/ik_arms.py [--n 1000] [--arms puma560,gen3]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import ik as ik_bench  # benchmarks/ik.py: the same race, peers and checks as for the bundled arms
import numpy as np
import pinocchio as pin

PI = math.pi
DEG = PI / 180
#: Standard DH rows: (kind, θ offset [rad], d [m], a [m], α [rad], lower, upper).
#: kind is "R" (revolute), "C" (continuous) or "P" (prismatic: d is the joint value).
Row = tuple[str, float, float, float, float, float, float]
ARMS: dict[str, list[Row]] = {
    "puma560": [
        ("R", 0.0, 0.0, 0.0, PI / 2, -160 * DEG, 160 * DEG),
        ("R", 0.0, 0.0, 0.4318, 0.0, -45 * DEG, 225 * DEG),
        ("R", 0.0, 0.15005, 0.0203, -PI / 2, -225 * DEG, 45 * DEG),
        ("R", 0.0, 0.4318, 0.0, PI / 2, -110 * DEG, 170 * DEG),
        ("R", 0.0, 0.0, 0.0, -PI / 2, -100 * DEG, 100 * DEG),
        ("R", 0.0, 0.0, 0.0, 0.0, -266 * DEG, 266 * DEG),
    ],
    "stanford": [
        ("R", 0.0, 0.412, 0.0, -PI / 2, -170 * DEG, 170 * DEG),
        ("R", 0.0, 0.154, 0.0, PI / 2, -170 * DEG, 170 * DEG),
        ("P", 0.0, 0.0, 0.0, 0.0, 0.3, 0.9),
        ("R", 0.0, 0.0, 0.0, -PI / 2, -170 * DEG, 170 * DEG),
        ("R", 0.0, 0.0, 0.0, PI / 2, -90 * DEG, 90 * DEG),
        ("R", 0.0, 0.263, 0.0, 0.0, -170 * DEG, 170 * DEG),
    ],
    "kr6_r900": [
        ("R", 0.0, 0.400, 0.025, -PI / 2, -170 * DEG, 170 * DEG),
        ("R", 0.0, 0.0, 0.455, 0.0, -190 * DEG, 45 * DEG),
        ("R", -PI / 2, 0.0, 0.035, -PI / 2, -120 * DEG, 156 * DEG),
        ("R", 0.0, 0.420, 0.0, PI / 2, -185 * DEG, 185 * DEG),
        ("R", 0.0, 0.0, 0.0, -PI / 2, -120 * DEG, 120 * DEG),
        ("R", 0.0, 0.080, 0.0, 0.0, -350 * DEG, 350 * DEG),
    ],
    "irb120": [
        ("R", 0.0, 0.290, 0.0, -PI / 2, -165 * DEG, 165 * DEG),
        ("R", -PI / 2, 0.0, 0.270, 0.0, -110 * DEG, 110 * DEG),
        ("R", 0.0, 0.0, 0.070, -PI / 2, -110 * DEG, 70 * DEG),
        ("R", 0.0, 0.302, 0.0, PI / 2, -160 * DEG, 160 * DEG),
        ("R", 0.0, 0.0, 0.0, -PI / 2, -120 * DEG, 120 * DEG),
        ("R", PI, 0.072, 0.0, 0.0, -400 * DEG, 400 * DEG),
    ],
    "gen3": [
        ("C", 0.0, -0.2848, 0.0, PI / 2, 0.0, 0.0),
        ("R", PI, -0.0118, 0.0, PI / 2, -128.9 * DEG, 128.9 * DEG),
        ("C", PI, -0.4208, 0.0, PI / 2, 0.0, 0.0),
        ("R", PI, -0.0128, 0.0, PI / 2, -147.8 * DEG, 147.8 * DEG),
        ("C", PI, -0.3143, 0.0, PI / 2, 0.0, 0.0),
        ("R", PI, 0.0, 0.0, PI / 2, -120.3 * DEG, 120.3 * DEG),
        ("C", PI, -0.1674, 0.0, PI, 0.0, 0.0),
    ],
    "ur5_rail": [
        ("P", 0.0, 0.0, 0.0, -PI / 2, 0.0, 1.5),
        ("R", 0.0, 0.089159, 0.0, PI / 2, -2 * PI, 2 * PI),
        ("R", 0.0, 0.0, -0.425, 0.0, -2 * PI, 2 * PI),
        ("R", 0.0, 0.0, -0.39225, 0.0, -2 * PI, 2 * PI),
        ("R", 0.0, 0.10915, 0.0, PI / 2, -2 * PI, 2 * PI),
        ("R", 0.0, 0.09465, 0.0, -PI / 2, -2 * PI, 2 * PI),
        ("R", 0.0, 0.0823, 0.0, 0.0, -2 * PI, 2 * PI),
    ],
}


def dh_urdf(name: str, rows: list[Row]) -> str:
    """A URDF chain base_link → link1 … linkN → tool for standard DH ``rows``.

    Joint i turns (or slides) about z of frame i−1; the fixed part of row i,
    ``Rz(offset) Tz(d) Tx(a) Rx(α)``, is the origin of joint i+1 (of the tool after the last row).
    """
    kinds = {"R": "revolute", "C": "continuous", "P": "prismatic"}
    inertial = (
        '<inertial><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>'
    )
    parts = [f'<robot name="{name}">', f'<link name="base_link">{inertial}</link>']
    origin = pin.SE3.Identity()
    parent = "base_link"
    for i, (kind, offset, d, a, alpha, lower, upper) in enumerate(rows, start=1):
        limit = (
            '<limit effort="50" velocity="2"/>'
            if kind == "C"
            else f'<limit lower="{lower!r}" upper="{upper!r}" effort="50" velocity="2"/>'
        )
        parts.append(f'<link name="link{i}">{inertial}</link>')
        parts.append(
            f'<joint name="joint{i}" type="{kinds[kind]}"><parent link="{parent}"/><child link="link{i}"/>'
            f'{_origin(origin)}<axis xyz="0 0 1"/>{limit}</joint>'
        )
        fixed_d = 0.0 if kind == "P" else d
        origin = pin.SE3(pin.utils.rotate("z", offset), np.zeros(3)) * pin.SE3(
            pin.utils.rotate("x", alpha), np.array([a, 0.0, fixed_d])
        )
        parent = f"link{i}"
    parts.append('<link name="tool"/>')
    parts.append(
        f'<joint name="tool_joint" type="fixed"><parent link="{parent}"/><child link="tool"/>{_origin(origin)}</joint>'
    )
    parts.append("</robot>")
    return "\n".join(parts)


def _origin(M: pin.SE3) -> str:
    xyz = " ".join(repr(float(v)) for v in M.translation)
    rpy = " ".join(repr(float(v)) for v in pin.rpy.matrixToRpy(M.rotation))
    return f'<origin xyz="{xyz}" rpy="{rpy}"/>'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="targets per arm (default 1000)")
    parser.add_argument("--ikpy-n", type=int, default=0, help="targets per arm for ikpy (default 0)")
    parser.add_argument("--arms", default=",".join(ARMS), help="comma-separated names from: " + ", ".join(ARMS))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    names = args.arms.split(",")
    unknown = [a for a in names if a not in ARMS]
    if unknown:
        print(f"unknown arm(s) {unknown}; expected some of {list(ARMS)}", file=sys.stderr)
        return 2
    print(
        f"IK on non-bundled arms: {args.n} FK-sampled targets each, random starts, seed {args.seed}; "
        f"tolerance {ik_bench.TOL:g} m / {ik_bench.TOL:g} rad, budget {ik_bench.TIMEOUT * 1e3:g} ms"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            path = Path(tmp) / f"{name}.urdf"
            path.write_text(dh_urdf(name, ARMS[name]))
            rows += ik_bench.bench_arm(name, args.n, min(args.ikpy_n, args.n), args.seed, source=str(path))
    ik_bench.print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
