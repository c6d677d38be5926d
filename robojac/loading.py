"""Building a :class:`~robojac.robot.Robot`: :func:`load`, the bundled arms, and the checks on the way.

``load`` reads a URDF (robojac's own parser checks every number and name first, see
:mod:`robojac.urdf`), has Pinocchio build the model, resolves the base→tip chain,
locks the joints off it (mimic joints follow their leader) and maps frame names.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pinocchio as pin

from . import urdf as _urdf
from ._validate import FloatArray
from .errors import ChainError, FrameError, InputError, MeshWarning, UnknownRobotError, URDFError
from .robot import Robot, ThreadData

#: Bundled robots: name -> (file in urdf/, default tip link).
BUNDLED: dict[str, tuple[str, str]] = {
    "planar_2r": ("planar_2r.urdf", "tool"),
    "ur5": ("ur5.urdf", "tool0"),
    "panda": ("panda.urdf", "panda_hand_tcp"),
    "iiwa14": ("iiwa14.urdf", "iiwa_link_ee"),
}


def urdf_dir() -> Path:
    """The folder of bundled URDFs: inside the installed package, else the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "urdf", here.parent / "urdf"):
        if (candidate / "panda.urdf").is_file():
            return candidate
    raise UnknownRobotError(
        f"robojac's bundled URDFs are missing: looked in {here / 'urdf'} and {here.parent / 'urdf'}"
    )


def bundled_robots() -> tuple[str, ...]:
    """Names accepted by :func:`load` besides file paths."""
    return tuple(sorted(BUNDLED))


def _rebuild(source: str, kwargs: dict[str, Any]) -> Robot:
    with warnings.catch_warnings():  # the first load already warned about missing meshes
        warnings.simplefilter("ignore", MeshWarning)
        return _build(**kwargs)


#: The most movable joints a chain may have: Pinocchio's workspace (one
#: ``pinocchio.Data`` per thread) grows as n³ in them, ~70 MB at 100 and ~8 GB at 500.
MAX_CHAIN_JOINTS = 100


def load(
    source: str | os.PathLike[str],
    *,
    base: str | None = None,
    tip: str | None = None,
    package_dirs: tuple[str, ...] | list[str] | None = (),
    locked: dict[str, float] | None = None,
) -> Robot:
    """Load a robot: a bundled name (see :func:`bundled_robots`) or a path to a URDF file.

    Args:
        source: ``"panda"``, ``"ur5"``, ``"iiwa14"``, ``"planar_2r"``, or a URDF path
            (a regular file of at most 64 MiB; not URDF text, and not xacro).
        base: link the chain starts at (default: the URDF's root link).
        tip: link or frame the chain ends at (default: the bundled robot's tool frame,
            or for a file, a conventional tool frame (``tool0``, ``*_tcp``, ``*_ee*``)
            at the end of the chain, else the leaf below ``base`` behind the most
            movable joints: :meth:`robojac.urdf.URDFTree.choose_tip`;
            :attr:`Robot.tip_reason` says which).
        package_dirs: folders searched for ``package://`` mesh paths, before
            ``ROS_PACKAGE_PATH`` (``None``: none). Missing meshes give a
            :class:`~robojac.errors.MeshWarning`.
        locked: values [rad or m] at which to lock named joints. Joints off the
            base→tip chain are locked at these values or at zero (clipped into limits);
            naming a chain joint here removes it from the chain. A mimic joint follows
            its leader: ``multiplier * value + offset`` (see docs/conventions.md).

    The chain may hold at most :data:`MAX_CHAIN_JOINTS` movable joints.

    Raises:
        UnknownRobotError: a name that is neither bundled nor a file.
        URDFError: a file that is not a valid URDF (or is xacro).
        ChainError: a base or tip that is unknown or not on one chain.
        FrameError: a frame name that cannot be resolved.
        InputError: bad ``locked`` or ``package_dirs`` values.
    """
    src = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(src, str) or not src:
        raise UnknownRobotError(
            f"source must be a bundled robot name or a URDF path, got {_urdf.shorten(repr(source))}"
        )
    if src.lstrip().startswith("<"):
        raise URDFError(
            f"load() takes a file path or bundled name, not URDF text (got {_urdf.shorten(repr(src), 40)}); "
            "write the text to a file and pass its path"
        )
    default_tip = None
    if src in BUNDLED and not Path(src).is_file():
        fname, default_tip = BUNDLED[src]
        path = urdf_dir() / fname
        name = src
    else:
        path = Path(src)
        looks_like_path = path.suffix.lower() in (".urdf", ".xml", ".xacro") or os.sep in src or _exists(path)
        if not looks_like_path:
            raise UnknownRobotError(
                f"unknown robot {_urdf.shorten(repr(src))}{_urdf.close_matches(src, list(BUNDLED))}; "
                f"bundled robots: {', '.join(bundled_robots())}; or give the path of a URDF file"
            )
        name = ""
    text = _urdf.read_text(path)
    if locked is not None and not isinstance(locked, dict):
        raise InputError(f"locked must be a dict of joint name -> value, got {type(locked).__name__}")
    return _build(
        text=text,
        source=str(path),
        name=name,
        base=base,
        tip=tip if tip is not None else default_tip,
        package_dirs=_package_dirs(package_dirs),
        locked=dict(locked or {}),
        tip_reason="the bundled arm's tool frame" if tip is None and default_tip is not None else None,
    )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system, say: no such file
        return False


def _package_dirs(dirs: Any) -> tuple[str, ...]:
    """``package_dirs`` as a tuple of strings: ``None`` is none, one path is one folder."""
    if dirs is None:
        return ()
    if isinstance(dirs, (str, os.PathLike)):
        return (os.fspath(dirs),)
    try:
        items = list(dirs)
    except TypeError:
        raise InputError(f"package_dirs must be a list of folders, got {type(dirs).__name__}") from None
    for d in items:
        if not isinstance(d, (str, os.PathLike)):
            raise InputError(f"package_dirs must hold folder paths, got {_urdf.shorten(repr(d))}")
    return tuple(str(os.fspath(d)) for d in items)


def _build(
    text: str,
    source: str,
    name: str,
    base: str | None,
    tip: str | None,
    package_dirs: tuple[str, ...],
    locked: dict[str, float],
    tip_reason: str | None = None,
) -> Robot:
    tree = _urdf.parse(text, source, package_dirs)
    name = name or tree.name
    base, tip_link, path = _resolve_chain(tree, name, base, tip)
    if tip is None:
        tip_reason = "no tip named: " + tree.choose_tip(base)[1]
    tip_reason = tip_reason or "named by the caller"
    _check_locked(tree, locked)
    chain = _chain_joints(tree, name, base, tip_link, path, locked)
    values = _locked_values(tree, chain, locked)
    model, pin_to_urdf = _reduced_model(tree, chain, values, source)
    model.name = name

    joint_names = tuple(pin_to_urdf.get(model.names[i], model.names[i]) for i in range(1, model.njoints))
    if list(joint_names) != chain:  # Pinocchio orders joints depth-first; a chain is already in that order
        raise ChainError(f"internal: chain joints {chain} do not match the reduced model's joints {list(joint_names)}")
    frame_ids = _frame_ids(model, tree, pin_to_urdf, source)

    base_in_world = np.eye(4)
    if base != tree.root:
        data = model.createData()
        pin.framesForwardKinematics(model, data, pin.neutral(model))
        base_in_world = np.array(data.oMf[frame_ids[base]].homogeneous)
    base_in_world.flags.writeable = False

    cont = [i for i, j in enumerate(chain) if tree.joints[j].type == "continuous"]
    plain = [i for i in range(len(chain)) if i not in cont]
    idx_q = [model.joints[i + 1].idx_q for i in range(len(chain))]

    def frozen(values: list[float]) -> FloatArray:
        arr = np.array(values, dtype=float)
        arr.flags.writeable = False
        return arr

    reload_kwargs = dict(
        text=text,
        source=source,
        name=name,
        base=base,
        tip=tip,
        package_dirs=package_dirs,
        locked=locked,
        tip_reason=tip_reason,
    )
    return Robot(
        name=name,
        model=model,
        base=base,
        tip=tip_link,
        joint_names=joint_names,
        lower=frozen([tree.joints[j].lower for j in chain]),
        upper=frozen([tree.joints[j].upper for j in chain]),
        velocity_limits=frozen([tree.joints[j].velocity for j in chain]),
        effort_limits=frozen([tree.joints[j].effort for j in chain]),
        joint_types=tuple(tree.joints[j].type for j in chain),
        frame_ids=MappingProxyType(frame_ids),
        visuals=tree.visuals,
        locked=MappingProxyType(values),
        source=source,
        urdf_text=text,
        package_dirs=package_dirs,
        base_in_world=base_in_world,
        _per_thread=ThreadData(model),
        _continuous=np.array(cont, dtype=int),
        _plain_q=np.array(plain, dtype=int),
        _plain_q_pin=np.array([idx_q[i] for i in plain], dtype=int),
        _continuous_q_pin=np.array([idx_q[i] for i in cont], dtype=int),
        _tip_id=frame_ids[tip_link],
        _reload=(_rebuild, (source, reload_kwargs)),
        tip_reason=tip_reason,
    )


def _resolve_chain(tree: _urdf.URDFTree, name: str, base: str | None, tip: str | None) -> tuple[str, str, list[str]]:
    """``(base, tip link, joints from base to tip)``, defaults filled in and names checked."""
    links = list(tree.links)
    base = tree.root if base is None else base
    if base not in tree.links:
        raise ChainError(
            f"unknown base link {_urdf.shorten(repr(base))} in '{name}'{_urdf.close_matches(str(base), links)}; "
            f"the root link is '{tree.root}'"
        )
    tip_link = tree.default_tip(base) if tip is None else tip
    if tip_link not in tree.links:
        # A joint name is accepted as a tip: the chain then ends at the joint's child link.
        if tip_link in tree.joints:
            tip_link = tree.joints[tip_link].child
        else:
            raise ChainError(
                f"unknown tip {_urdf.shorten(repr(tip))} in '{name}'"
                f"{_urdf.close_matches(str(tip), links + list(tree.joints))}; "
                f"expected a link name such as '{tree.default_tip(base)}'"
            )
    return base, tip_link, tree.path_joints(base, tip_link)


def _mimic_formula(tree: _urdf.URDFTree, joint: str) -> str:
    leader, multiplier, offset = tree.mimic_leader(joint)
    return f"{joint} = {multiplier:g}·{leader} {'-' if offset < 0 else '+'} {abs(offset):g}"


def _check_locked(tree: _urdf.URDFTree, locked: dict[str, float]) -> None:
    """Every ``locked`` entry names a movable, independent joint and a value within its limits."""
    for jname, value in locked.items():
        if jname not in tree.joints:
            raise FrameError(
                f"locked names unknown joint {_urdf.shorten(repr(jname))}"
                f"{_urdf.close_matches(str(jname), list(tree.joints))}"
            )
        j = tree.joints[jname]
        if j.type not in _urdf.MOVABLE:
            raise InputError(
                f"locked joint {jname!r} is {j.type}; only revolute, continuous and prismatic joints can be locked"
            )
        if j.mimic is not None:
            raise InputError(
                f"locked joint {jname!r} is a mimic joint ({_mimic_formula(tree, jname)}); "
                f"lock {tree.mimic_leader(jname)[0]!r} instead, and it follows"
            )
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise InputError(f"locked[{jname!r}] must be a number, got {_urdf.shorten(repr(value))}") from None
        if not (math.isfinite(v) and j.lower - 1e-12 <= v <= j.upper + 1e-12):
            raise InputError(f"locked[{jname!r}] = {v} is outside the joint's limits [{j.lower}, {j.upper}]")


def _chain_joints(
    tree: _urdf.URDFTree, name: str, base: str, tip: str, path: list[str], locked: dict[str, float]
) -> list[str]:
    """The free joints of the chain, base first: movable, not locked, not mimics.

    robojac's ``q`` holds independent joints only, so a mimic joint whose leader moves
    with ``q`` (on the chain, or off it, where its frames would have to follow) is refused;
    a mimic of a locked joint is locked with it.
    """
    bad = [j for j in path if tree.joints[j].type in ("floating", "planar")]
    if bad:
        raise ChainError(
            f"joint {bad[0]!r} on the chain {base} → {tip} is {tree.joints[bad[0]].type}; expected revolute, "
            f"continuous, prismatic or fixed joints only: pass base='{tree.joints[bad[-1]].child}' (a link below it)"
        )
    chain = [
        j for j in path if tree.joints[j].type in _urdf.MOVABLE and j not in locked and tree.joints[j].mimic is None
    ]
    free = set(chain)
    on_path = set(path)
    for jname, joint in tree.joints.items():
        if joint.mimic is None:
            continue
        leader = tree.mimic_leader(jname)[0]
        if leader not in free:
            continue
        fix = f"lock '{leader}' (locked={{'{leader}': value}}), which fixes both"
        if jname in on_path:
            raise ChainError(
                f"joint '{jname}' on the chain {base} → {tip} mimics '{leader}' ({_mimic_formula(tree, jname)}), which "
                f"is on the chain too; robojac's q holds independent joints only, so it cannot model this "
                f"coupling: {fix}, or end the chain before '{jname}' (tip='{tree.joints[jname].parent}')"
            )
        raise ChainError(
            f"joint '{jname}' off the chain {base} → {tip} mimics chain joint '{leader}' "
            f"({_mimic_formula(tree, jname)}), so its links would have to move with q, which robojac cannot model: "
            f"{fix}, or choose a tip that leaves '{leader}' off the chain"
        )
    if not chain:
        raise ChainError(
            f"the chain {base} → {tip} of '{name}' has no movable joint (its joints: "
            f"{', '.join(f'{j} ({tree.joints[j].type})' for j in path) or 'none'}); choose another base or tip"
        )
    if len(chain) > MAX_CHAIN_JOINTS:
        raise ChainError(
            f"the chain {base} → {tip} of '{name}' has {len(chain)} movable joints; robojac handles at most "
            f"{MAX_CHAIN_JOINTS} (Pinocchio's workspace grows as the cube of the count): choose a shorter chain "
            "with base= and tip=, or lock joints with locked="
        )
    return chain


def _locked_values(tree: _urdf.URDFTree, chain: list[str], locked: dict[str, float]) -> dict[str, float]:
    """The value [rad or m] of every movable joint off the chain.

    ``locked[name]`` where given; else a mimic joint's ``multiplier * value(leader) +
    offset`` (not clipped: the coupling wins over the mimic joint's own limits); else
    zero clipped into the joint's limits.
    """
    free = set(chain)
    values: dict[str, float] = {}
    for jname, j in tree.joints.items():
        if j.type not in _urdf.MOVABLE or jname in free or j.mimic is not None:
            continue
        v = float(locked.get(jname, 0.0))
        if jname not in locked and j.type != "continuous":
            v = min(max(v, j.lower), j.upper)
        values[jname] = v
    for jname, j in tree.joints.items():
        if j.type in _urdf.MOVABLE and j.mimic is not None:
            leader, multiplier, offset = tree.mimic_leader(jname)
            values[jname] = multiplier * values[leader] + offset  # _chain_joints: the leader is not free
    return {j: values[j] for j in tree.joints if j in values}  # in file order


def _reduced_model(
    tree: _urdf.URDFTree, chain: list[str], values: dict[str, float], source: str
) -> tuple[pin.Model, dict[str, str]]:
    """Pinocchio's model of the chain, every other joint locked at ``values`` (floating and
    planar ones at their neutral pose), and the map from Pinocchio's joint names to URDF's."""
    full = _pinocchio_model(tree.pinocchio_xml, source)
    pin_to_urdf = {v: k for k, v in tree.pinocchio_joint_name.items()}
    free = set(chain)
    q_ref = pin.neutral(full)
    lock_ids = []
    for jid in range(1, full.njoints):
        jname = pin_to_urdf.get(full.names[jid], full.names[jid])
        if jname in free:
            continue
        lock_ids.append(jid)
        value = values.get(jname, 0.0)
        jm = full.joints[jid]
        if jm.nq == 1:
            q_ref[jm.idx_q] = value
        elif jm.nq == 2 and jm.nv == 1:
            q_ref[jm.idx_q : jm.idx_q + 2] = (math.cos(value), math.sin(value))
    try:
        model = pin.buildReducedModel(full, lock_ids, q_ref) if lock_ids else full
    except Exception as exc:
        raise URDFError(f"Pinocchio could not lock the off-chain joints of {source}: {exc}") from None
    return model, pin_to_urdf


def _pinocchio_model(xml: str, source: str) -> pin.Model:
    """Pinocchio's model of the whole URDF, its parser's stderr turned into the message.

    urdfdom, under Pinocchio, prints its reasons as "Error:" lines on the C stderr and
    then either raises a terse exception or drops the element it could not read.
    """
    captured: list[str] = []
    try:
        with _c_stderr_captured(captured):
            full = pin.buildModelFromXML(xml)
    except Exception as exc:  # Pinocchio's parser raises RuntimeError/ValueError with C++ text
        why = "; ".join(_urdfdom_errors(captured)) or str(exc)
        raise URDFError(f"Pinocchio could not build a model from {source}: {why}") from None
    dropped = [line for line in _urdfdom_errors(captured) if "inertial" in line.lower()]
    if dropped:  # a dropped inertial would silently take the link's mass out of gravity
        raise URDFError(f"Pinocchio's URDF parser could not read part of {source}: {'; '.join(dropped)}")
    return full


@contextlib.contextmanager
def _c_stderr_captured(out: list[str]) -> Iterator[None]:
    """Redirect file descriptor 2 to a scratch file for the block and append its text to ``out``.

    The redirection is process-wide: lines other threads write meanwhile are caught too,
    so whatever is not urdfdom's is written back afterwards.
    """
    try:
        sys.stderr.flush()
        scratch = tempfile.TemporaryFile()
    except (OSError, ValueError, AttributeError):  # no stderr or no scratch space: nothing to silence
        yield
        return
    with scratch:
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 (a daemon)
            yield
            return
        os.dup2(scratch.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            scratch.seek(0)
            text = scratch.read(1 << 20).decode("utf-8", "replace")
            out.append(text)
            foreign = [line for line in text.splitlines(keepends=True) if not _URDFDOM_LINE.match(line)]
            if foreign:
                os.write(2, "".join(foreign).encode())


_URDFDOM_LINE = re.compile(r"(Error|Warning|Info|Debug):|\s+at line \d+ in |\s*$")


def _urdfdom_errors(captured: list[str]) -> list[str]:
    """urdfdom's "Error:" lines, without the prefix, the C++ source locations and the
    generic closing line."""
    out = []
    for line in "".join(captured).splitlines():
        if line.startswith("Error:"):
            msg = " ".join(line[len("Error:") :].split())
            if msg and "not initialized correctly" not in msg and msg not in out:
                out.append(msg)
    return out


def _frame_ids(model: pin.Model, tree: _urdf.URDFTree, pin_to_urdf: dict[str, str], source: str) -> dict[str, int]:
    """Frame name -> Pinocchio frame index: every link, then every joint whose name no link has."""
    links = set(tree.links)
    frame_ids: dict[str, int] = {}
    joint_frames: dict[str, int] = {}
    for fid, fr in enumerate(model.frames):
        if fr.name in links and fr.type == pin.FrameType.BODY:
            frame_ids.setdefault(fr.name, fid)
        elif fr.type in (pin.FrameType.JOINT, pin.FrameType.FIXED_JOINT) and fr.name in pin_to_urdf:
            joint_frames.setdefault(pin_to_urdf[fr.name], fid)
    for jname, fid in joint_frames.items():
        frame_ids.setdefault(jname, fid)  # the link wins a clash: setdefault keeps it
    for link in tree.links:
        if link not in frame_ids:
            raise URDFError(f"internal: link {link!r} has no frame in Pinocchio's model of {source}")
    return frame_ids


__all__ = [
    "BUNDLED",
    "MAX_CHAIN_JOINTS",
    "bundled_robots",
    "load",
    "urdf_dir",
]
