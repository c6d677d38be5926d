"""Write the bundled URDFs from published kinematic parameters.

Run ``python urdf/generate.py`` from the repository root to regenerate ``urdf/*.urdf``.
The parameter tables below are the only inputs; ``urdf/README.md`` cites where each
number comes from. Visuals are primitive cylinders: one along each joint axis and one
along each link segment, each with a ``<collision>`` twin (cylinders collide as capsules, see
``with_collisions``). Inertial data puts each link's published (or estimated) mass
at the middle of its segment, with the inertia of a solid cylinder of the visual's
size, which is plausible rather than identified.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PI = math.pi


@dataclass
class Joint:
    name: str
    kind: str  # revolute, continuous, prismatic, fixed
    xyz: tuple[float, float, float]
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)
    axis: tuple[float, float, float] = (0.0, 0.0, 1.0)
    lower: float = 0.0
    upper: float = 0.0
    velocity: float = 0.0
    effort: float = 0.0


@dataclass
class Link:
    name: str
    mass: float
    radius: float
    joint: Joint | None = None  # the joint whose child is this link
    color: str = "0.8 0.8 0.8 1"
    extra_visuals: list[str] = field(default_factory=list)


def rpy_matrix(rpy: tuple[float, float, float]) -> np.ndarray:
    r, p, y = rpy
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def matrix_rpy(r: np.ndarray) -> tuple[float, float, float]:
    pitch = math.asin(-max(-1.0, min(1.0, r[2, 0])))
    if abs(math.cos(pitch)) < 1e-9:
        return (math.atan2(-r[1, 2], r[1, 1]), pitch, 0.0)
    return (math.atan2(r[2, 1], r[2, 2]), pitch, math.atan2(r[1, 0], r[0, 0]))


def align_z(v: np.ndarray) -> tuple[float, float, float]:
    """rpy of a rotation that takes +z onto the direction v."""
    z = v / np.linalg.norm(v)
    helper = np.array([1.0, 0, 0]) if abs(z[0]) < 0.9 else np.array([0, 1.0, 0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return matrix_rpy(np.column_stack([x, y, z]))


def fmt(v: tuple[float, ...] | np.ndarray) -> str:
    return " ".join(repr(float(a)) if abs(a) > 1e-15 else "0" for a in v)


def cylinder(xyz: np.ndarray, rpy: tuple[float, float, float], radius: float, length: float, color: str) -> str:
    return (
        f'    <visual>\n      <origin xyz="{fmt(xyz)}" rpy="{fmt(rpy)}"/>\n'
        f'      <geometry><cylinder radius="{radius:.4g}" length="{length:.4g}"/></geometry>\n'
        f'      <material name=""><color rgba="{color}"/></material>\n    </visual>\n'
    )


_VISUAL = re.compile(
    r"    <visual>\n(      <origin [^\n]*\n)(      <geometry>[^\n]*\n)      <material[^\n]*\n    </visual>\n"
)


def with_collisions(text: str) -> str:
    """Give every ``<visual>`` a ``<collision>`` twin at the same origin; cylinders collide as capsules.

    robojac.collision builds the arms' collision models from these primitives, so the
    bundled arms check self-collision and obstacles. A visual cylinder of radius r and
    length L gets a capsule of the same radius and the same overall length: its axis is
    ``max(L − 2r, 0)`` long, so it is the cylinder with its rims rounded off and never pokes
    out of the visual (a link segment's rounded ends lie inside the joint housings). coal
    gives capsule–capsule, capsule–sphere and capsule–plane distances in closed form and
    capsule–box ones from GJK on a segment and a box, which ends exactly, so the distance
    Jacobians are exact (a cylinder's curved rim left GJK's witness points ~1e-6 m off).

    URDF has no capsule element; the capsule is written the way Pinocchio's URDF parser
    (and HPP before it) reads one: a named ``<collision>`` with a ``<cylinder>`` of the
    capsule's radius and axis length, and ``<collision_checking><capsule name="..."/>``
    in its link. Other URDF readers see a cylinder inside the visual.
    """
    text = re.sub(r"    <collision[ >].*?    </collision>\n", "", text, flags=re.S)
    text = re.sub(r"    <collision_checking>.*?    </collision_checking>\n", "", text, flags=re.S)
    return _LINK.sub(_link_collisions, text)


_LINK = re.compile(r'(  <link name="([^"]+)">\n)(.*?)(  </link>\n)', flags=re.S)
_CYLINDER = re.compile(r'<cylinder radius="([^"]+)" length="([^"]+)"/>')


def _link_collisions(m: re.Match[str]) -> str:
    link, body = m.group(2), m.group(3)
    capsules: list[str] = []
    count = itertools.count()

    def twin(v: re.Match[str]) -> str:
        name = f"{link}_collision_{next(count)}"
        geometry = v.group(2)
        cyl = _CYLINDER.search(geometry)
        if cyl is not None:
            radius, length = float(cyl.group(1)), float(cyl.group(2))
            axis = max(length - 2 * radius, 0.0)
            geometry = geometry.replace(cyl.group(0), f'<cylinder radius="{cyl.group(1)}" length="{axis:.4g}"/>')
            capsules.append(f'      <capsule name="{name}"/>\n')
        return v.group(0) + f'    <collision name="{name}">\n{v.group(1)}{geometry}    </collision>\n'

    body = _VISUAL.sub(twin, body)
    if capsules:
        body += f"    <collision_checking>\n{''.join(capsules)}    </collision_checking>\n"
    return m.group(1) + body + m.group(4)


def write_robot(name: str, links: list[Link], comment: str) -> None:
    out = [
        f'<?xml version="1.0"?>\n<!-- {comment} -->\n<!-- Generated by urdf/generate.py. -->\n<robot name="{name}">\n'
    ]
    for i, link in enumerate(links):
        nxt = links[i + 1].joint if i + 1 < len(links) else None
        seg = np.array(nxt.xyz) if nxt is not None else np.zeros(3)
        length = float(np.linalg.norm(seg))
        body = ""
        inertial_xyz = seg / 2
        inertial_rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)
        cyl_len = max(length, 2 * link.radius)
        if link.joint is not None and link.joint.kind != "fixed" and link.radius > 0:
            body += cylinder(
                np.zeros(3),
                align_z(np.array(link.joint.axis, float)),
                link.radius * 1.15,
                2.4 * link.radius,
                link.color,
            )
        if length > 1e-9 and link.radius > 0:
            inertial_rpy = align_z(seg)
            body += cylinder(seg / 2, inertial_rpy, link.radius, length, link.color)
        body += "".join(link.extra_visuals)
        if link.mass > 0:
            r = max(link.radius, 0.01)
            ixx = link.mass * (3 * r * r + cyl_len * cyl_len) / 12
            izz = link.mass * r * r / 2
            body += (
                f'    <inertial>\n      <origin xyz="{fmt(inertial_xyz)}" rpy="{fmt(inertial_rpy)}"/>\n'
                f'      <mass value="{link.mass:.6g}"/>\n'
                f'      <inertia ixx="{ixx:.6g}" ixy="0" ixz="0" iyy="{ixx:.6g}" iyz="0" izz="{izz:.6g}"/>\n    </inertial>\n'
            )
        out.append(f'  <link name="{link.name}">\n{body}  </link>\n')
    for parent, link in itertools.pairwise(links):
        j = link.joint
        assert j is not None
        out.append(_joint_xml(j, parent.name, link.name))
    out.append("</robot>\n")
    (HERE / f"{name}.urdf").write_text(with_collisions("".join(out)))


def _joint_xml(j: Joint, parent: str, child: str) -> str:
    s = f'  <joint name="{j.name}" type="{j.kind}">\n    <parent link="{parent}"/>\n    <child link="{child}"/>\n'
    s += f'    <origin xyz="{fmt(j.xyz)}" rpy="{fmt(j.rpy)}"/>\n'
    if j.kind != "fixed":
        s += f'    <axis xyz="{fmt(j.axis)}"/>\n'
        if j.kind == "continuous":
            s += f'    <limit velocity="{j.velocity:.6g}" effort="{j.effort:.6g}"/>\n'
        else:
            s += f'    <limit lower="{j.lower!r}" upper="{j.upper!r}" velocity="{j.velocity:.6g}" effort="{j.effort:.6g}"/>\n'
    return s + "  </joint>\n"


def standard_dh_origin(
    a: float, d: float, alpha: float
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Origin of joint i+1 in link i's frame for standard DH row i: Tz(d) Tx(a) Rx(alpha)."""
    return (a, 0.0, d), (alpha, 0.0, 0.0)


def modified_dh_origin(
    a: float, d: float, alpha: float
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Origin of joint i for Craig's modified DH row i: Rx(alpha) Tx(a) Tz(d)."""
    return (a, -d * math.sin(alpha), d * math.cos(alpha)), (alpha, 0.0, 0.0)


def planar_2r() -> None:
    l1, l2 = 0.5, 0.4
    grey, blue = "0.7 0.7 0.7 1", "0.2 0.4 0.8 1"
    links = [
        Link("base_link", 0.0, 0.05, color=grey),
        Link(
            "link1",
            1.0,
            0.03,
            Joint("joint1", "revolute", (0, 0, 0), lower=-PI, upper=PI, velocity=2.0, effort=20.0),
            blue,
        ),
        Link(
            "link2",
            0.8,
            0.025,
            Joint("joint2", "revolute", (l1, 0, 0), lower=-PI, upper=PI, velocity=2.0, effort=10.0),
            blue,
        ),
        Link("tool", 0.0, 0.0, Joint("tool_joint", "fixed", (l2, 0, 0))),
    ]
    write_robot("planar_2r", links, "Planar 2R arm: l1 = 0.5 m, l2 = 0.4 m, both joints about base z.")


def ur5() -> None:
    # Universal Robots' published DH parameters for the UR5 (standard DH).
    d = [0.089159, 0.0, 0.0, 0.10915, 0.09465, 0.0823]
    a = [0.0, -0.425, -0.39225, 0.0, 0.0, 0.0]
    alpha = [PI / 2, 0.0, 0.0, PI / 2, -PI / 2, 0.0]
    mass = [3.7, 8.393, 2.33, 1.219, 1.219, 0.1879]
    effort = [150.0, 150.0, 150.0, 28.0, 28.0, 28.0]
    names = ["shoulder_pan", "shoulder_lift", "elbow", "wrist_1", "wrist_2", "wrist_3"]
    link_names = ["shoulder_link", "upper_arm_link", "forearm_link", "wrist_1_link", "wrist_2_link", "wrist_3_link"]
    radius = [0.06, 0.054, 0.04, 0.035, 0.035, 0.032]
    links = [Link("base_link", 4.0, 0.075, color="0.3 0.3 0.3 1")]
    xyz, rpy = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
    for i in range(6):
        j = Joint(f"{names[i]}_joint", "revolute", xyz, rpy, lower=-2 * PI, upper=2 * PI, velocity=PI, effort=effort[i])
        links.append(Link(link_names[i], mass[i], radius[i], j, "0.55 0.65 0.75 1"))
        xyz, rpy = standard_dh_origin(a[i], d[i], alpha[i])
    links.append(Link("tool0", 0.0, 0.0, Joint("wrist_3-tool0_fixed_joint", "fixed", xyz, rpy)))
    write_robot("ur5", links, "UR5 from Universal Robots' published DH parameters; default tip tool0.")


def panda() -> None:
    # Franka's published modified-DH table; rows 1..7 are the joints, then the flange.
    a = [0.0, 0.0, 0.0, 0.0825, -0.0825, 0.0, 0.088, 0.0]
    d = [0.333, 0.0, 0.316, 0.0, 0.384, 0.0, 0.0, 0.107]
    alpha = [0.0, -PI / 2, PI / 2, PI / 2, -PI / 2, PI / 2, PI / 2, 0.0]
    lower = [-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973]
    upper = [2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973]
    velocity = [2.175, 2.175, 2.175, 2.175, 2.61, 2.61, 2.61]
    effort = [87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0]
    mass = [4.970684, 0.646926, 3.228604, 3.587895, 1.225946, 1.666555, 0.735522]
    radius = [0.06, 0.06, 0.055, 0.055, 0.05, 0.045, 0.04]
    white = "0.93 0.93 0.93 1"
    links = [Link("panda_link0", 2.0, 0.07, color=white)]
    for i in range(7):
        xyz, rpy = modified_dh_origin(a[i], d[i], alpha[i])
        j = Joint(
            f"panda_joint{i + 1}",
            "revolute",
            xyz,
            rpy,
            lower=lower[i],
            upper=upper[i],
            velocity=velocity[i],
            effort=effort[i],
        )
        links.append(Link(f"panda_link{i + 1}", mass[i], radius[i], j, white))
    xyz, rpy = modified_dh_origin(a[7], d[7], alpha[7])
    links.append(Link("panda_link8", 0.0, 0.0, Joint("panda_joint8", "fixed", xyz, rpy)))
    # Franka Hand: mounted at -45 deg about the flange z; TCP 0.1034 m from the flange.
    hand_box = (
        '    <visual>\n      <origin xyz="0 0 0.03" rpy="0 0 0"/>\n'
        '      <geometry><box size="0.04 0.2 0.06"/></geometry>\n'
        '      <material name=""><color rgba="0.93 0.93 0.93 1"/></material>\n    </visual>\n'
    )
    hand = Link(
        "panda_hand", 0.73, 0.0, Joint("panda_hand_joint", "fixed", (0, 0, 0), (0, 0, -PI / 4)), white, [hand_box]
    )
    links.append(hand)
    write_robot(
        "panda",
        links,
        "Franka Emika Panda from Franka's published modified-DH table and limits; default tip panda_hand_tcp.",
    )
    _append_panda_fingers()


def _append_panda_fingers() -> None:
    # Fingers and the TCP hang off the hand: two prismatic fingers (0 to 0.04 m each) that
    # are off the base-to-TCP chain, and so are locked when the arm is loaded.
    path = HERE / "panda.urdf"
    text = path.read_text().replace("</robot>\n", "")
    finger_vis = (
        '    <visual>\n      <origin xyz="0 0.01 0.025" rpy="0 0 0"/>\n'
        '      <geometry><box size="0.02 0.02 0.05"/></geometry>\n'
        '      <material name=""><color rgba="0.2 0.2 0.2 1"/></material>\n    </visual>\n'
    )
    inertial = (
        '    <inertial>\n      <origin xyz="0 0.01 0.025" rpy="0 0 0"/>\n      <mass value="0.015"/>\n'
        '      <inertia ixx="3.6e-06" ixy="0" ixz="0" iyy="3.6e-06" iyz="0" izz="1e-06"/>\n    </inertial>\n'
    )
    text += f'  <link name="panda_leftfinger">\n{finger_vis}{inertial}  </link>\n'
    text += f'  <link name="panda_rightfinger">\n{finger_vis}{inertial}  </link>\n'
    text += '  <link name="panda_hand_tcp"/>\n'
    for side, y, rpy in (("left", 1.0, "0 0 0"), ("right", -1.0, "0 0 3.14159265")):
        text += (
            f'  <joint name="panda_finger_joint{1 if side == "left" else 2}" type="prismatic">\n'
            f'    <parent link="panda_hand"/>\n    <child link="panda_{side}finger"/>\n'
            f'    <origin xyz="0 0 0.0584" rpy="{rpy}"/>\n    <axis xyz="0 1 0"/>\n'
            f'    <limit lower="0" upper="0.04" velocity="0.2" effort="100"/>\n  </joint>\n'
        )
        del y
    text += (
        '  <joint name="panda_hand_tcp_joint" type="fixed">\n    <parent link="panda_hand"/>\n'
        '    <child link="panda_hand_tcp"/>\n    <origin xyz="0 0 0.1034" rpy="0 0 0"/>\n  </joint>\n'
    )
    path.write_text(with_collisions(text + "</robot>\n"))


def iiwa14() -> None:
    # KUKA LBR iiwa 14 R820: standard DH with a = 0, from the datasheet's link lengths.
    d = [0.36, 0.0, 0.42, 0.0, 0.4, 0.0, 0.126]
    alpha = [-PI / 2, PI / 2, PI / 2, -PI / 2, -PI / 2, PI / 2, 0.0]
    deg = PI / 180
    limit = [170, 120, 170, 120, 170, 120, 175]
    velocity = [85, 85, 100, 75, 130, 135, 135]
    effort = [320.0, 320.0, 176.0, 176.0, 110.0, 40.0, 40.0]
    mass = [5.76, 6.35, 3.5, 3.5, 3.5, 1.8, 1.2]  # Drake's iiwa14 description (see urdf/README.md)
    radius = [0.07, 0.07, 0.065, 0.065, 0.06, 0.055, 0.04]
    orange = "1.0 0.45 0.0 1"
    links = [Link("iiwa_link_0", 5.0, 0.08, color="0.4 0.4 0.4 1")]
    xyz, rpy = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)
    for i in range(7):
        j = Joint(
            f"iiwa_joint_{i + 1}",
            "revolute",
            xyz,
            rpy,
            lower=-limit[i] * deg,
            upper=limit[i] * deg,
            velocity=velocity[i] * deg,
            effort=effort[i],
        )
        links.append(Link(f"iiwa_link_{i + 1}", mass[i], radius[i], j, orange if i % 2 else "0.4 0.4 0.4 1"))
        xyz, rpy = standard_dh_origin(0.0, d[i], alpha[i])
    links.append(Link("iiwa_link_ee", 0.0, 0.0, Joint("iiwa_joint_ee", "fixed", xyz, rpy)))
    write_robot("iiwa14", links, "KUKA LBR iiwa 14 R820 from KUKA's datasheet; default tip iiwa_link_ee.")


if __name__ == "__main__":
    planar_2r()
    ur5()
    panda()
    iiwa14()
