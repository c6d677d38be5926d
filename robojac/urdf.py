"""Read and check a URDF before Pinocchio sees it.

(One job, long because every number and name a URDF can hold is checked here, each with its own message.)

Pinocchio's parser is fast but its errors are terse, and it cannot express robojac's
rules (one name for a link and a joint, mesh paths that may be missing). This module
parses the XML with the standard library, validates the tree, and returns a
:class:`URDFTree`: links, joints, parent map, visuals with resolved mesh paths, and the
XML text to hand to Pinocchio, with clashing joint names made unique.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import os
import re
import stat
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import FloatArray
from .errors import ChainError, MeshWarning, URDFError

MOVABLE = ("revolute", "continuous", "prismatic")
JOINT_TYPES = (*MOVABLE, "fixed", "floating", "planar")

#: The largest URDF file read [bytes]; real robots take a few MiB at most.
MAX_BYTES = 64 * 2**20
#: The most joints in a URDF: Pinocchio's parser takes time superlinear in them (about
#: a second for 5000, a minute for 20000).
MAX_JOINTS = 5000
#: The most joints between the root and any link: Pinocchio's URDF parser recurses once
#: per level and overflows the C stack (a crash, not an exception) a few thousand deep.
MAX_DEPTH = 1000
#: The largest coordinate of an origin and size of a shape [m]: anything bigger is a
#: typo or a unit slip, and near 1e308 poses overflow to inf.
MAX_COORD = 1e6
#: The largest joint limit [rad or m]. Files write ±1e9 or ±1e16 for "unbounded", which
#: is fine; beyond 1e100, squares and spans of the range overflow to inf.
MAX_LIMIT = 1e100


@dataclass(frozen=True)
class Mimic:
    """A ``<mimic>``: this joint's value is ``multiplier * value(joint) + offset``."""

    joint: str  # the URDF name of the joint followed
    multiplier: float
    offset: float  # rad or m


@dataclass(frozen=True)
class URDFJoint:
    """One ``<joint>`` as written in the file (SI units: rad or m)."""

    name: str
    type: str
    parent: str
    child: str
    origin: FloatArray  # (4, 4) child frame in parent frame at q = 0
    axis: FloatArray  # (3,) unit vector in the joint frame
    lower: float
    upper: float
    velocity: float
    effort: float
    mimic: Mimic | None = None  # only on movable joints; the followed joint is movable too


@dataclass(frozen=True)
class Visual:
    """One ``<visual>`` of a link, placed in that link's frame.

    ``kind`` is ``"box"`` (``size`` = x, y, z), ``"cylinder"`` (radius, length along z),
    ``"sphere"`` (radius,) or ``"mesh"`` (``size`` = scale x, y, z; ``mesh_path`` is
    the resolved file, or ``None`` when it could not be found). Lengths in metres.
    """

    link: str
    origin: FloatArray
    kind: str
    size: tuple[float, ...]
    rgba: tuple[float, float, float, float]
    mesh_path: str | None = None
    mesh_uri: str | None = None


@dataclass(frozen=True)
class URDFTree:
    """The checked content of a URDF file."""

    name: str
    links: tuple[str, ...]
    joints: dict[str, URDFJoint]
    parent_joint: dict[str, str]  # child link -> joint name
    root: str
    visuals: tuple[Visual, ...]
    pinocchio_xml: str  # the text for Pinocchio, joints renamed where they clash
    pinocchio_joint_name: dict[str, str]  # URDF joint name -> name in the Pinocchio model

    def path_joints(self, base: str, tip: str) -> list[str]:
        """Joint names from ``base`` down to ``tip``, in chain order."""
        path: list[str] = []
        link = tip
        while link != base:
            joint = self.parent_joint.get(link)
            if joint is None:
                raise ChainError(
                    f"tip '{tip}' is not below base '{base}': walking up from the tip reaches the root "
                    f"'{self.root}' without meeting the base. Links below '{base}': "
                    f"{', '.join(self.descendants(base)[:12]) or 'none'}"
                )
            path.append(joint)
            link = self.joints[joint].parent
        return path[::-1]

    def descendants(self, link: str) -> list[str]:
        children: dict[str, list[str]] = {}
        for j in self.joints.values():
            children.setdefault(j.parent, []).append(j.child)
        out = list(children.get(link, []))
        for c in out:  # breadth first: the list grows behind the loop
            out.extend(children.get(c, []))
        return out

    def mimic_leader(self, joint: str) -> tuple[str, float, float]:
        """``(leader, multiplier, offset)`` with ``value(joint) = multiplier * value(leader) + offset``.

        The leader is the independent joint at the end of ``joint``'s chain of mimics
        (``joint`` itself when it mimics nothing); parse() has ruled out loops.
        """
        multiplier, offset = 1.0, 0.0
        mimic = self.joints[joint].mimic
        while mimic is not None:
            # value = m·(m2·x + o2) + o  =  (m·m2)·x + (m·o2 + o)
            offset += multiplier * mimic.offset
            multiplier *= mimic.multiplier
            joint = mimic.joint
            mimic = self.joints[joint].mimic
        return joint, multiplier, offset

    def default_tip(self, base: str) -> str:
        """The tip a chain from ``base`` gets when none is named (see :meth:`choose_tip`)."""
        return self.choose_tip(base)[0]

    def choose_tip(self, base: str) -> tuple[str, str]:
        """``(tip link, how it was chosen)`` when no tip is named.

        First the leaf below ``base`` behind the most movable joints; ties (two fingers of
        a gripper, two fixed tool frames) resolve to the deepest link that all tied leaves
        share, which is the wrist or the hand. Then, among the links fixed rigidly to that
        one's last moving link (the end of the chain), a conventional tool frame is
        preferred: ``tool0``, then ``*_tcp`` (or ``tcp``), then ``*_ee*`` (or ``ee_*``),
        the one furthest out on a tie.
        """
        end = self._end_of_chain(base)
        tools = [
            (rank, -self._depth(link), link)
            for link in self._rigid_group(base, end)
            if (rank := _tool_rank(link)) is not None
        ]
        if tools:
            link = min(tools)[2]
            if link != end:
                return link, f"the conventional tool frame '{link}' at the end of the chain (rather than '{end}')"
            return link, "the leaf behind the most movable joints, a conventional tool frame"
        if end in self.descendants(base) and end not in {j.parent for j in self.joints.values()}:
            return (
                end,
                "the leaf link behind the most movable joints (no tool0, *_tcp or *_ee* frame at the end of the chain)",
            )
        return (
            end,
            "the link shared by the leaves behind the most movable joints (no tool0, *_tcp or *_ee* frame at the end of the chain)",
        )

    def _depth(self, link: str) -> int:
        depth = 0
        while link in self.parent_joint:
            link = self.joints[self.parent_joint[link]].parent
            depth += 1
        return depth

    def _rigid_group(self, base: str, link: str) -> list[str]:
        """``link`` and every link fixed to the same moving body: up through fixed joints (not past
        ``base``) to that body, then down through fixed joints."""
        top = link
        while top != base and top in self.parent_joint and self.joints[self.parent_joint[top]].type == "fixed":
            top = self.joints[self.parent_joint[top]].parent
        group = [top]
        for current in group:  # breadth first: the list grows behind the loop
            group.extend(j.child for j in self.joints.values() if j.parent == current and j.type == "fixed")
        return group

    def _end_of_chain(self, base: str) -> str:
        below = self.descendants(base)
        children = {j.parent for j in self.joints.values()}
        leaves = [link for link in below if link not in children] or [base]

        def movable(link: str) -> int:
            return sum(self.joints[j].type in MOVABLE for j in self.path_joints(base, link))

        best = max(movable(leaf) for leaf in leaves)
        tied = [leaf for leaf in leaves if movable(leaf) == best]
        if len(tied) == 1:
            return tied[0]
        paths = [[base] + [self.joints[j].child for j in self.path_joints(base, leaf)] for leaf in tied]
        common = base
        for links in zip(*paths):
            if len(set(links)) != 1:
                break
            common = links[0]
        return common


#: Conventional names of a tool frame, most preferred first (fnmatch patterns).
TOOL_FRAME_PATTERNS = (("tool0",), ("*_tcp", "tcp"), ("*_ee*", "ee_*", "ee"))


def _tool_rank(link: str) -> int | None:
    """The rank of ``link``'s name in :data:`TOOL_FRAME_PATTERNS`, or None if it is not a tool frame's name."""
    for rank, patterns in enumerate(TOOL_FRAME_PATTERNS):
        if any(fnmatch.fnmatchcase(link, p) for p in patterns):
            return rank
    return None


def close_matches(name: str, options: list[str] | tuple[str, ...], n: int = 3) -> str:
    """A hint like `` (did you mean 'a', 'b'?)`` or an empty string."""
    hits = difflib.get_close_matches(name, list(options), n=n, cutoff=0.5)
    if not hits:
        lower = name.lower()
        hits = [o for o in options if lower in o.lower() or o.lower() in lower][:n]
    return f" (did you mean {', '.join(repr(h) for h in hits)}?)" if hits else ""


def shorten(text: str, n: int = 80) -> str:
    """``text`` cut to about ``n`` characters, keeping its start and end (the informative
    parts of a path), so a message never echoes a whole file someone passed as a name."""
    return text if len(text) <= n else f"{text[: n // 2 - 2]}...{text[-(n // 2 - 2) :]}"


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_a_file(mode: int, shown: str) -> URDFError | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return URDFError(f"expected a URDF file, got the directory {shown}")
    kind = next((what for test, what in _FILE_KINDS if test(mode)), "not a regular file")
    return URDFError(f"{shown} is {kind}; expected a regular URDF file (write the URDF to a file first)")


def read_text(path: Path) -> str:
    """The file's text, or a URDFError saying why it cannot be a URDF.

    Only a regular file of at most :data:`MAX_BYTES` is read: a named pipe would block
    forever and a device such as ``/dev/zero`` would never end.
    """
    shown = shorten(str(path))
    try:
        st = path.stat()  # stat opens nothing, so a FIFO cannot block here
    except FileNotFoundError:
        raise URDFError(f"URDF file not found: {shown}") from None
    except OSError as exc:
        raise URDFError(f"cannot read URDF file {shown}: {exc.strerror}") from None
    if (err := _not_a_file(st.st_mode, shown)) is not None:
        raise err
    if st.st_size > MAX_BYTES:
        raise URDFError(f"{shown} is {st.st_size / 2**20:.0f} MiB; robojac reads URDF files of at most 64 MiB")
    try:
        # O_NONBLOCK, and fstat on what was opened, in case the path was swapped for a
        # FIFO or a device since the stat above.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if (err := _not_a_file(os.fstat(f.fileno()).st_mode, shown)) is not None:
                raise err
            raw = f.read(MAX_BYTES + 1)  # files in /proc report size 0 but have content
    except OSError as exc:
        raise URDFError(f"cannot read URDF file {shown}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise URDFError(f"{shown} is larger than 64 MiB; robojac reads URDF files of at most 64 MiB")
    if not raw.strip():
        raise URDFError(f"URDF file {shown} is empty; expected XML with a <robot> element")
    if b"\x00" in raw[:4096]:
        raise URDFError(f"{shown} is a binary file; expected URDF XML text")
    try:
        return raw.decode("utf-8-sig")  # -sig: editors on Windows prepend a byte-order mark
    except UnicodeDecodeError as exc:
        raise URDFError(f"{shown} is not UTF-8 text (byte {exc.start}); expected URDF XML") from None


def _floats(
    text: str | None, n: int, what: str, default: tuple[float, ...], limit: float = math.inf
) -> tuple[float, ...]:
    """``n`` finite numbers from a space-separated attribute, each within ±``limit`` [m]."""
    if text is None:
        return default
    parts = text.split()
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise URDFError(f"{what} must be {n} numbers, got {shorten(repr(text))}") from None
    if len(vals) != n:
        raise URDFError(f"{what} must be {n} numbers, got {len(vals)} in {shorten(repr(text))}")
    if not all(math.isfinite(v) for v in vals):
        raise URDFError(f"{what} must be finite, got {shorten(repr(text))}")
    if any(abs(v) > limit for v in vals):
        raise URDFError(f"{what} is {shorten(repr(text))}; expected coordinates within ±{limit:g} m")
    return vals


def _float(text: str | None, what: str, default: float, *, minimum: float = -math.inf) -> float:
    """A finite number from an attribute (``default`` when absent), at least ``minimum``."""
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise URDFError(f"{what} must be a number, got {shorten(repr(text))}") from None
    if not math.isfinite(value):
        raise URDFError(f"{what} must be a finite number, got {shorten(repr(text))}")
    if value < minimum:
        raise URDFError(f"{what} is {value:g}; expected a value >= {minimum:g}")
    return value


def origin_matrix(el: ET.Element | None, what: str) -> FloatArray:
    """The 4×4 transform of an ``<origin xyz rpy>`` element (identity when absent)."""
    xyz = _floats(el.get("xyz") if el is not None else None, 3, f"{what} origin xyz", (0.0, 0.0, 0.0), MAX_COORD)
    r, p, y = _floats(el.get("rpy") if el is not None else None, 3, f"{what} origin rpy", (0.0, 0.0, 0.0))
    cr, sr, cp, sp, cy, sy = math.cos(r), math.sin(r), math.cos(p), math.sin(p), math.cos(y), math.sin(y)
    T = np.eye(4)
    T[:3, :3] = [
        [cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr],
        [sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr],
        [-sp, cp * sr, cp * cr],
    ]
    T[:3, 3] = xyz
    return T


_XACRO = re.compile(r"<xacro:[\w.-]+|xmlns:xacro")


def _xacro_error(source: str, found: str) -> URDFError:
    return URDFError(
        f"{source} is xacro, not URDF (it contains {shorten(found, 40)!r}): expand it with xacro first, "
        f"e.g. `xacro {Path(source).name} > robot.urdf`, and load the result"
    )


def parse(text: str, source: str, package_dirs: tuple[str, ...] = ()) -> URDFTree:
    """Parse and check URDF ``text``; ``source`` names it in messages."""
    # Before the XML parser, which would stumble on the undeclared xacro: prefix first.
    if (found := _XACRO.search(text)) is not None:
        raise _xacro_error(source, found.group())
    try:
        root_el = ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        raise URDFError(
            f"{source} is not well-formed XML (line {line}, column {col}: {exc.msg if hasattr(exc, 'msg') else exc}); "
            "is the file truncated?"
        ) from None
    if root_el.tag != "robot":
        raise URDFError(f"{source} is not a URDF: its root element is <{root_el.tag}>, expected <robot>")
    for el in root_el.iter():
        for value in el.attrib.values():
            if "${" in value or "$(" in value:
                raise _xacro_error(source, value)
    name = root_el.get("name") or Path(source).stem

    links = _links(root_el, source)
    joints: dict[str, URDFJoint] = {}
    parent_joint: dict[str, str] = {}
    for el in root_el.findall("joint"):
        joint = _joint(el, links, joints, source)
        if joint.child in parent_joint:
            raise URDFError(
                f"{source}: link '{joint.child}' is the child of both '{parent_joint[joint.child]}' and '{joint.name}'"
            )
        joints[joint.name] = joint
        parent_joint[joint.child] = joint.name
    _check_mimics(joints, source)
    root = _check_tree(links, joints, parent_joint, source)

    # Pinocchio names frames after links and joints alike and then refuses to look up a
    # name that is both; the link wins, so the joint gets a name of its own.
    pin_name: dict[str, str] = {}
    taken = set(links) | set(joints)
    for el in root_el.findall("joint"):
        jname = el.get("name", "")
        new = jname
        if jname in links:
            new = f"{jname}__joint"
            while new in taken:
                new += "_"
            taken.add(new)
            el.set("name", new)
        pin_name[jname] = new
    for el in root_el.iter("mimic"):
        target = el.get("joint")
        if target in pin_name:
            el.set("joint", pin_name[target])

    base_dir = Path(source).resolve().parent if os.path.sep in source or Path(source).exists() else Path.cwd()
    visuals = _visuals(root_el, base_dir, package_dirs, source)
    return URDFTree(
        name=name,
        links=tuple(links),
        joints=joints,
        parent_joint=parent_joint,
        root=root,
        visuals=visuals,
        pinocchio_xml=ET.tostring(root_el, encoding="unicode"),
        pinocchio_joint_name=pin_name,
    )


def _links(root_el: ET.Element, source: str) -> dict[str, None]:
    """The link names in file order (a dict, for constant-time membership), inertials checked."""
    links: dict[str, None] = {}
    for el in root_el.findall("link"):
        lname = el.get("name")
        if not lname:
            raise URDFError(f"{source}: a <link> has no name attribute")
        if lname in links:
            raise URDFError(f"{source}: link '{lname}' is defined twice")
        links[lname] = None
        for inertial in el.findall("inertial"):
            _check_inertial(inertial, f"{source}: link '{lname}'")
    if not links:
        raise URDFError(f"{source}: the <robot> has no <link>; expected at least one link and one joint")
    return links


#: Relative slack [1] on the inertia checks, for tensors printed with a few digits.
_INERTIA_RTOL = 1e-3


def _check_inertial(el: ET.Element, what: str) -> None:
    """An ``<inertial>`` that Pinocchio will keep, describing a possible rigid body.

    Pinocchio's parser drops (with a line on stderr) an inertial it cannot read, so the
    link would silently weigh nothing; and it accepts a negative mass or an inertia no
    body has. The rotational inertia about the centre of mass [kg·m²] must be symmetric
    positive semi-definite, and its principal moments I1 <= I2 <= I3 must satisfy the
    triangle inequality I1 + I2 >= I3, up to a relative slack of 1e-3 of the trace (the
    rounding of tensors printed with three or four digits, as CAD exports often are).
    """
    origin_matrix(el.find("origin"), f"{what} inertial")
    mass_el = el.find("mass")
    if mass_el is None or mass_el.get("value") is None:
        raise URDFError(f"{what} has an <inertial> without <mass value=...>; URDF requires one")
    mass = _float(mass_el.get("value"), f"{what} mass", 0.0)
    if mass < 0:
        raise URDFError(f"{what} has mass {mass:g}; expected a finite mass >= 0 kg")
    inertia = el.find("inertia")
    if inertia is None:
        raise URDFError(f"{what} has an <inertial> without <inertia ixx ixy ixz iyy iyz izz>; URDF requires one")
    v: dict[str, float] = {}
    for k in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz"):
        if inertia.get(k) is None:
            raise URDFError(f"{what} <inertia> has no {k}; URDF requires ixx, ixy, ixz, iyy, iyz and izz")
        v[k] = _float(inertia.get(k), f"{what} inertia {k}", 0.0)
    tensor = np.array([[v["ixx"], v["ixy"], v["ixz"]], [v["ixy"], v["iyy"], v["iyz"]], [v["ixz"], v["iyz"], v["izz"]]])
    i1, i2, i3 = np.linalg.eigvalsh(tensor)  # ascending
    slack = _INERTIA_RTOL * (abs(i1) + abs(i2) + abs(i3))
    moments = f"principal moments {i1:.6g}, {i2:.6g}, {i3:.6g} kg·m²"
    if i1 < -slack:
        raise URDFError(
            f"{what} has an inertia tensor that is not positive semi-definite ({moments}); expected moments >= 0 "
            "(URDF's ixy, ixz, iyz are the tensor's own entries, -∫xy dm, not the products of inertia ∫xy dm)"
        )
    if i1 + i2 < i3 - slack:
        raise URDFError(
            f"{what} has an inertia no rigid body has: its {moments} break the triangle inequality "
            "(the largest must not exceed the sum of the other two)"
        )


def _joint(el: ET.Element, links: dict[str, None], joints: dict[str, URDFJoint], source: str) -> URDFJoint:
    """One ``<joint>``, every number in it checked; its mimic target is checked later."""
    jname = el.get("name")
    if not jname:
        raise URDFError(f"{source}: a <joint> has no name attribute")
    if jname in joints:
        raise URDFError(f"{source}: joint '{jname}' is defined twice")
    jtype = el.get("type", "")
    if jtype not in JOINT_TYPES:
        raise URDFError(f"{source}: joint '{jname}' has type {jtype!r}; expected one of {', '.join(JOINT_TYPES)}")
    parent_el, child_el = el.find("parent"), el.find("child")
    parent = parent_el.get("link") if parent_el is not None else None
    child = child_el.get("link") if child_el is not None else None
    for role, link in (("parent", parent), ("child", child)):
        if not link:
            raise URDFError(f"{source}: joint '{jname}' has no <{role} link=...>")
        if link not in links:
            raise URDFError(
                f"{source}: joint '{jname}' names {role} link '{link}', which is not defined"
                f"{close_matches(link, list(links))}; defined links: {', '.join(list(links)[:12])}"
            )
    assert parent is not None and child is not None
    what = f"{source}: joint '{jname}'"
    origin = origin_matrix(el.find("origin"), what)
    axis_el = el.find("axis")
    axis = np.array(_floats(axis_el.get("xyz") if axis_el is not None else None, 3, f"{what} axis", (1.0, 0.0, 0.0)))
    if jtype in MOVABLE:
        norm = float(np.linalg.norm(axis))
        if norm < 1e-9:
            raise URDFError(f"{what} has a zero axis; expected a non-zero direction")
        axis = axis / norm
    limit = el.find("limit")
    if jtype in ("revolute", "prismatic") and limit is None:
        raise URDFError(f"{what} is {jtype} but has no <limit lower upper effort velocity>, which URDF requires")
    lower = upper = 0.0
    velocity = effort = math.inf
    if limit is not None:
        for key in ("effort", "velocity"):
            if limit.get(key) is None:
                raise URDFError(f"{what} <limit> has no {key}; URDF requires effort [N·m or N] and velocity")
        unit = "m" if jtype == "prismatic" else "rad"
        lower = _float(limit.get("lower"), f"{what} lower limit", 0.0)
        upper = _float(limit.get("upper"), f"{what} upper limit", 0.0)
        if max(abs(lower), abs(upper)) > MAX_LIMIT:
            raise URDFError(
                f"{what} has limits [{lower:g}, {upper:g}] {unit}; expected limits within ±{MAX_LIMIT:g} {unit}"
                + (" (a continuous joint is a revolute one without limits)" if jtype == "revolute" else "")
            )
        velocity = _float(limit.get("velocity"), f"{what} velocity limit", 0.0, minimum=0.0)
        effort = _float(limit.get("effort"), f"{what} effort limit", 0.0, minimum=0.0)
    if jtype == "continuous":
        lower, upper = -math.inf, math.inf
    elif jtype in MOVABLE and not lower <= upper:
        raise URDFError(f"{what} has lower limit {lower} > upper limit {upper}")
    # Pinocchio's parser reads these too and rejects the whole file over a bad number.
    for tag, keys in _OTHER_NUMBERS.items():
        for sub in el.findall(tag):
            for key in keys:
                _float(sub.get(key), f"{what} <{tag}> {key}", 0.0)
    if any(sub.get("k_velocity") is None for sub in el.findall("safety_controller")):
        raise URDFError(f"{what} <safety_controller> has no k_velocity, which URDF requires")
    mimic = None
    mimic_el = el.find("mimic")
    if mimic_el is not None:
        target = mimic_el.get("joint")
        if not target:
            raise URDFError(f"{what} has a <mimic> without joint=...; expected the name of the joint it follows")
        multiplier = _float(mimic_el.get("multiplier"), f"{what} mimic multiplier", 1.0)
        offset = _float(mimic_el.get("offset"), f"{what} mimic offset", 0.0)
        if jtype in MOVABLE:  # URDF ignores <mimic> on other joints, and so does Pinocchio
            mimic = Mimic(target, multiplier, offset)
    return URDFJoint(jname, jtype, parent, child, origin, axis, lower, upper, velocity, effort, mimic)


_OTHER_NUMBERS = {
    "dynamics": ("damping", "friction"),
    "safety_controller": ("soft_lower_limit", "soft_upper_limit", "k_position", "k_velocity"),
    "calibration": ("rising", "falling"),
}


def _check_mimics(joints: dict[str, URDFJoint], source: str) -> None:
    """Every mimic follows a movable joint that exists, with no loop of mimics."""
    for jname, joint in joints.items():
        if joint.mimic is None:
            continue
        target = joint.mimic.joint
        what = f"{source}: joint '{jname}' mimics"
        if target not in joints:
            raise URDFError(
                f"{what} joint '{target}', which is not defined"
                f"{close_matches(target, list(joints))}; expected the name of a joint of this URDF"
            )
        if joints[target].type not in MOVABLE:
            raise URDFError(
                f"{what} '{target}', which is {joints[target].type}; expected a revolute, continuous or prismatic joint"
            )
        seen = [jname]
        followed = joints[target]
        while followed.mimic is not None and followed.name not in seen:
            seen.append(followed.name)
            followed = joints[followed.mimic.joint]
        if followed.name in seen:
            raise URDFError(
                f"{source}: the mimic joints {' → '.join([*seen, followed.name])} follow each other in a loop; "
                "expected each chain of mimics to end at an independent joint"
            )


def _check_tree(links: dict[str, None], joints: dict[str, URDFJoint], parent_joint: dict[str, str], source: str) -> str:
    """The root link of a tree of at most :data:`MAX_DEPTH` levels, or a URDFError."""
    if len(joints) > MAX_JOINTS:
        raise URDFError(
            f"{source} has {len(joints)} joints; robojac reads URDFs of at most {MAX_JOINTS} joints "
            "(Pinocchio's parser slows down sharply beyond that)"
        )
    roots = [link for link in links if link not in parent_joint]
    if len(roots) != 1:
        raise URDFError(
            f"{source}: expected one root link, found {len(roots)}: {', '.join(roots[:8]) or 'none (a cycle)'}"
        )
    # A cycle would leave some link unreachable from the root.
    children: dict[str, list[str]] = {}
    for j in joints.values():
        children.setdefault(j.parent, []).append(j.child)
    depth = {roots[0]: 0}
    frontier = [roots[0]]
    while frontier:
        link = frontier.pop()
        for c in children.get(link, []):
            if c not in depth:
                depth[c] = depth[link] + 1
                frontier.append(c)
    if len(depth) != len(links):
        raise URDFError(f"{source}: the joints form a cycle through {sorted(set(links) - set(depth))[:6]}")
    deepest = max(depth, key=depth.__getitem__)
    if depth[deepest] > MAX_DEPTH:
        raise URDFError(
            f"{source}: link '{deepest}' is {depth[deepest]} joints below the root; robojac reads trees at most "
            f"{MAX_DEPTH} joints deep (Pinocchio's URDF parser would overflow its stack)"
        )
    return roots[0]


def _materials(root_el: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """Named colours: a material defined with a colour anywhere (at the top or in a link's
    visual) can be named by any visual, as in urdfdom; a top-level definition wins."""
    out = {}
    inner = [m for link in root_el.findall("link") for vis in link.findall("visual") for m in vis.findall("material")]
    for m in [*reversed(inner), *root_el.findall("material")]:
        color = m.find("color")
        if m.get("name") and color is not None:
            try:
                out[m.get("name", "")] = _rgba(color.get("rgba"))
            except URDFError:
                continue
    return out


def _rgba(text: str | None) -> tuple[float, float, float, float]:
    r, g, b, a = _floats(text, 4, "material rgba", (0.8, 0.8, 0.8, 1.0))
    return (r, g, b, a)


def _visuals(root_el: ET.Element, base_dir: Path, package_dirs: tuple[str, ...], source: str) -> tuple[Visual, ...]:
    named = _materials(root_el)
    search = [*package_dirs, *[p for p in os.environ.get("ROS_PACKAGE_PATH", "").split(os.pathsep) if p]]
    out: list[Visual] = []
    missing: list[str] = []
    for link_el in root_el.findall("link"):
        lname = link_el.get("name", "")
        for vis in link_el.findall("visual"):
            geom = vis.find("geometry")
            shape = geom[0] if geom is not None and len(geom) else None
            if shape is None:
                continue
            rgba = (0.8, 0.8, 0.8, 1.0)
            mat = vis.find("material")
            if mat is not None:
                color = mat.find("color")
                try:
                    rgba = _rgba(color.get("rgba")) if color is not None else named.get(mat.get("name", ""), rgba)
                except URDFError:
                    pass
            origin = origin_matrix(vis.find("origin"), f"{source}: link '{lname}' visual")
            what = f"{source}: link '{lname}' visual {shape.tag}"
            checked = check_shape(shape, what)
            if checked is None:
                continue
            kind, size = checked
            if kind != "mesh":
                out.append(Visual(lname, origin, kind, size, rgba))
                continue
            uri = shape.get("filename", "")
            path = resolve_mesh(uri, base_dir, search)
            if path is None:
                missing.append(uri)
            out.append(Visual(lname, origin, "mesh", size, rgba, path, uri))
        # Collision shapes are not used, but Pinocchio's parser reads them: check them alike.
        for col in link_el.findall("collision"):
            geom = col.find("geometry")
            origin_matrix(col.find("origin"), f"{source}: link '{lname}' collision")
            for shape in geom if geom is not None else ():
                check_shape(shape, f"{source}: link '{lname}' collision {shape.tag}")
    if missing:
        warnings.warn(
            f"{len(missing)} mesh file(s) of {source} not found (e.g. {missing[0]!r}); kinematics are unaffected. "
            "Pass package_dirs=[...] or set ROS_PACKAGE_PATH to resolve package:// paths.",
            MeshWarning,
            stacklevel=5,  # _visuals < parse < _build < load < the caller
        )
    return tuple(out)


def check_shape(shape: ET.Element, what: str) -> tuple[str, tuple[float, ...]] | None:
    """The kind and sizes [m] of a ``<geometry>`` child (see :class:`Visual`), every number
    finite and every size in [0, MAX_COORD]; ``None`` for a shape robojac does not draw."""

    def size(key: str, default: float) -> float:
        value = _float(shape.get(key), f"{what} {key}", default, minimum=0.0)
        if value > MAX_COORD:
            raise URDFError(f"{what} {key} is {value:g}; expected at most {MAX_COORD:g} m")
        return value

    if shape.tag == "box":
        box = _floats(shape.get("size"), 3, f"{what} size", (0.1, 0.1, 0.1), MAX_COORD)
        if min(box) < 0:
            raise URDFError(f"{what} size is {shape.get('size')!r}; expected three lengths >= 0 m")
        return "box", box
    if shape.tag == "cylinder":
        return "cylinder", (size("radius", 0.05), size("length", 0.1))
    if shape.tag == "sphere":
        return "sphere", (size("radius", 0.05),)
    if shape.tag == "mesh":
        return "mesh", _floats(shape.get("scale"), 3, f"{what} scale", (1.0, 1.0, 1.0), MAX_COORD)
    return None


def resolve_mesh(uri: str, base_dir: Path, search: list[str]) -> str | None:
    """The local file a mesh URI names, or ``None``.

    ``package://pkg/rest`` is looked up as ``DIR/pkg/rest`` and, when ``DIR`` is the
    package itself, ``DIR/rest``, for each search directory; ``file://`` and plain
    paths are taken relative to the URDF's directory.
    """
    if not uri:
        return None
    candidates: list[Path] = []
    if uri.startswith("package://"):
        pkg, _, rest = uri[len("package://") :].partition("/")
        for d in search:
            candidates += [Path(d) / pkg / rest, Path(d) / rest] if Path(d).name == pkg else [Path(d) / pkg / rest]
    else:
        plain = uri[len("file://") :] if uri.startswith("file://") else uri
        candidates.append(Path(plain) if os.path.isabs(plain) else base_dir / plain)
    for c in candidates:
        try:
            if c.is_file():
                return str(c.resolve())
        except OSError:  # a name too long for the file system, say: not found
            continue
    return None
