"""Read and check a URDF before Pinocchio sees it.

Pinocchio's parser is fast but its errors are terse, and it cannot express robojac's
rules (one name for a link and a joint, mesh paths that may be missing). This module
parses the XML with the standard library, validates the tree, and returns a
:class:`URDFTree`: links, joints, parent map, visuals with resolved mesh paths, and the
XML text to hand to Pinocchio, with clashing joint names made unique.
"""

from __future__ import annotations

import difflib
import math
import os
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validate import FloatArray
from .errors import ChainError, MeshWarning, URDFError

MOVABLE = ("revolute", "continuous", "prismatic")
JOINT_TYPES = (*MOVABLE, "fixed", "floating", "planar")


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
        out, stack = [], list(children.get(link, []))
        while stack:
            c = stack.pop(0)
            out.append(c)
            stack.extend(children.get(c, []))
        return out

    def default_tip(self, base: str) -> str:
        """The leaf below ``base`` behind the most movable joints.

        Ties (two fingers of a gripper, two fixed tool frames) resolve to the deepest
        link that all tied leaves share, which is the wrist or the hand.
        """
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


def close_matches(name: str, options: list[str] | tuple[str, ...], n: int = 3) -> str:
    """A hint like `` (did you mean 'a', 'b'?)`` or an empty string."""
    hits = difflib.get_close_matches(name, list(options), n=n, cutoff=0.5)
    if not hits:
        lower = name.lower()
        hits = [o for o in options if lower in o.lower() or o.lower() in lower][:n]
    return f" (did you mean {', '.join(repr(h) for h in hits)}?)" if hits else ""


def read_text(path: Path) -> str:
    """The file's text, or a URDFError saying why it cannot be a URDF."""
    if not path.exists():
        raise URDFError(f"URDF file not found: {path}")
    if path.is_dir():
        raise URDFError(f"expected a URDF file, got the directory {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise URDFError(f"cannot read URDF file {path}: {exc.strerror}") from None
    if not raw.strip():
        raise URDFError(f"URDF file {path} is empty; expected XML with a <robot> element")
    if b"\x00" in raw[:4096]:
        raise URDFError(f"{path} is a binary file; expected URDF XML text")
    try:
        return raw.decode("utf-8-sig")  # -sig: editors on Windows prepend a byte-order mark
    except UnicodeDecodeError as exc:
        raise URDFError(f"{path} is not UTF-8 text (byte {exc.start}); expected URDF XML") from None


def _floats(text: str | None, n: int, what: str, default: tuple[float, ...]) -> tuple[float, ...]:
    if text is None:
        return default
    parts = text.split()
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise URDFError(f"{what} must be {n} numbers, got {text!r}") from None
    if len(vals) != n:
        raise URDFError(f"{what} must be {n} numbers, got {len(vals)} in {text!r}")
    if not all(math.isfinite(v) for v in vals):
        raise URDFError(f"{what} must be finite, got {text!r}")
    return vals


def _float(text: str | None, what: str, default: float) -> float:
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        raise URDFError(f"{what} must be a number, got {text!r}") from None


def origin_matrix(el: ET.Element | None, what: str) -> FloatArray:
    """The 4×4 transform of an ``<origin xyz rpy>`` element (identity when absent)."""
    xyz = _floats(el.get("xyz") if el is not None else None, 3, f"{what} origin xyz", (0.0, 0.0, 0.0))
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


def parse(text: str, source: str, package_dirs: tuple[str, ...] = ()) -> URDFTree:
    """Parse and check URDF ``text``; ``source`` names it in messages."""
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
    name = root_el.get("name") or Path(source).stem

    links: list[str] = []
    for el in root_el.findall("link"):
        lname = el.get("name")
        if not lname:
            raise URDFError(f"{source}: a <link> has no name attribute")
        if lname in links:
            raise URDFError(f"{source}: link '{lname}' is defined twice")
        links.append(lname)
        for inertial in el.findall("inertial"):
            mass_el = inertial.find("mass")
            mass = _float(mass_el.get("value") if mass_el is not None else None, f"link '{lname}' mass", 0.0)
            if not (mass >= 0 and math.isfinite(mass)):
                raise URDFError(f"{source}: link '{lname}' has mass {mass}; expected a finite mass >= 0 kg")
            origin_matrix(inertial.find("origin"), f"link '{lname}' inertial")
            inertia = inertial.find("inertia")
            if inertia is not None:
                for k in ("ixx", "ixy", "ixz", "iyy", "iyz", "izz"):
                    _float(inertia.get(k), f"link '{lname}' inertia {k}", 0.0)
    if not links:
        raise URDFError(f"{source}: the <robot> has no <link>; expected at least one link and one joint")

    joints: dict[str, URDFJoint] = {}
    parent_joint: dict[str, str] = {}
    for el in root_el.findall("joint"):
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
                    f"{close_matches(link, links)}; defined links: {', '.join(links[:12])}"
                )
        assert parent is not None and child is not None
        if child in parent_joint:
            raise URDFError(f"{source}: link '{child}' is the child of both '{parent_joint[child]}' and '{jname}'")
        what = f"{source}: joint '{jname}'"
        origin = origin_matrix(el.find("origin"), what)
        axis_el = el.find("axis")
        axis = np.array(
            _floats(axis_el.get("xyz") if axis_el is not None else None, 3, f"{what} axis", (1.0, 0.0, 0.0))
        )
        if jtype in MOVABLE:
            norm = float(np.linalg.norm(axis))
            if norm < 1e-9:
                raise URDFError(f"{what} has a zero axis; expected a non-zero direction")
            axis = axis / norm
        limit = el.find("limit")
        if jtype in ("revolute", "prismatic") and limit is None:
            raise URDFError(f"{what} is {jtype} but has no <limit lower upper effort velocity>, which URDF requires")
        get = limit.get if limit is not None else (lambda _k: None)
        lower = _float(get("lower"), f"{what} lower limit", 0.0)
        upper = _float(get("upper"), f"{what} upper limit", 0.0)
        velocity = _float(get("velocity"), f"{what} velocity limit", math.inf)
        effort = _float(get("effort"), f"{what} effort limit", math.inf)
        if jtype == "continuous":
            lower, upper = -math.inf, math.inf
        elif jtype in MOVABLE and not lower <= upper:
            raise URDFError(f"{what} has lower limit {lower} > upper limit {upper}")
        if velocity < 0 or effort < 0:
            raise URDFError(f"{what} has a negative velocity or effort limit; expected values >= 0")
        joints[jname] = URDFJoint(jname, jtype, parent, child, origin, axis, lower, upper, velocity, effort)
        parent_joint[child] = jname

    roots = [link for link in links if link not in parent_joint]
    if len(roots) != 1:
        raise URDFError(
            f"{source}: expected one root link, found {len(roots)}: {', '.join(roots[:8]) or 'none (a cycle)'}"
        )
    # A cycle would leave some link unreachable from the root.
    reachable = {roots[0]}
    frontier = [roots[0]]
    children: dict[str, list[str]] = {}
    for j in joints.values():
        children.setdefault(j.parent, []).append(j.child)
    while frontier:
        for c in children.get(frontier.pop(), []):
            if c not in reachable:
                reachable.add(c)
                frontier.append(c)
    if len(reachable) != len(links):
        raise URDFError(f"{source}: the joints form a cycle through {sorted(set(links) - reachable)[:6]}")

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
        root=roots[0],
        visuals=visuals,
        pinocchio_xml=ET.tostring(root_el, encoding="unicode"),
        pinocchio_joint_name=pin_name,
    )


def _materials(root_el: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for m in root_el.findall("material"):
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
            origin = origin_matrix(vis.find("origin"), f"link '{lname}' visual")
            what = f"{source}: link '{lname}' visual {shape.tag}"
            if shape.tag == "box":
                out.append(
                    Visual(lname, origin, "box", _floats(shape.get("size"), 3, f"{what} size", (0.1, 0.1, 0.1)), rgba)
                )
            elif shape.tag == "cylinder":
                size = (
                    _float(shape.get("radius"), f"{what} radius", 0.05),
                    _float(shape.get("length"), f"{what} length", 0.1),
                )
                out.append(Visual(lname, origin, "cylinder", size, rgba))
            elif shape.tag == "sphere":
                out.append(
                    Visual(lname, origin, "sphere", (_float(shape.get("radius"), f"{what} radius", 0.05),), rgba)
                )
            elif shape.tag == "mesh":
                uri = shape.get("filename", "")
                scale = _floats(shape.get("scale"), 3, f"{what} scale", (1.0, 1.0, 1.0))
                path = resolve_mesh(uri, base_dir, search)
                if path is None:
                    missing.append(uri)
                out.append(Visual(lname, origin, "mesh", scale, rgba, path, uri))
    if missing:
        warnings.warn(
            f"{len(missing)} mesh file(s) of {source} not found (e.g. {missing[0]!r}); kinematics are unaffected. "
            "Pass package_dirs=[...] or set ROS_PACKAGE_PATH to resolve package:// paths.",
            MeshWarning,
            stacklevel=5,  # _visuals < parse < _build < load < the caller
        )
    return tuple(out)


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
        if c.is_file():
            return str(c.resolve())
    return None
