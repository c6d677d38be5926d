"""What the viewer's parts share: the overlay record, colours, checks of options, and
:class:`ViewerBase`, the state every part of :class:`~robojac.viz.viewer.Viewer` reads.

A new kind of overlay is a mixin (or a function) in its own module that builds its scene
nodes under ``self._new_overlay(name, kind)`` and registers them with ``self._add``; the
``update`` callback of its :class:`_Overlay` re-poses them for each q (``show`` and ``play``
call it), and ``info["extent"]`` (points, base frame [m]) lets ``frame`` keep it in view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import FloatArray
from ..errors import InputError
from ..kinematics import Configuration
from ..robot import Robot
from . import scene
from .scene import Command
from .transport import Recorder

VELOCITY_RGBA = (0.15, 0.45, 1.0, 0.45)
FORCE_RGBA = (1.0, 0.55, 0.0, 0.45)
FORCE_ARROW_RGBA = (0.9, 0.1, 0.1, 1.0)
TORQUE_ARROW_RGBA = (0.6, 0.1, 0.9, 1.0)
TARGET_RGBA = (1.0, 0.2, 0.7, 0.6)
PATH_RGBA = (0.1, 0.1, 0.1, 1.0)
SKELETON_RGBA = (0.55, 0.57, 0.6, 1.0)
JOINT_RGBA = (0.95, 0.6, 0.1, 1.0)
MAX_ANIMATION_FRAMES = 2000

Poses = dict[str, FloatArray]


@dataclass
class _Overlay:
    """A named group of scene nodes; ``update`` (if any) re-poses them for a new q."""

    name: str
    path: str
    update: Callable[[FloatArray, Poses], list[tuple[str, FloatArray]]] | None = None
    colors: Callable[[FloatArray], list[tuple[str, tuple[float, float, float, float]]]] | None = None
    info: dict[str, Any] = field(default_factory=dict)


class ViewerBase:
    """The state shared by the viewer's parts, and the registry of overlays."""

    robot: Robot
    q: FloatArray
    root: str
    _robot_path: str
    _overlay_path: str
    _conn: Recorder
    _config: Configuration
    _overlays: dict[str, _Overlay]
    _singularity: _Overlay | None
    #: The framed view: centre [m, base frame], radius [m], unit direction towards the camera.
    view: tuple[FloatArray, float, FloatArray]
    #: The rotation (4×4) that the page applies to the base frame to stand it upright: the
    #: base's orientation in the URDF root frame, whose z is up (the floor is its xy plane,
    #: moved to the base origin). The identity when the base is the root.
    upright: FloatArray

    @property
    def up(self) -> FloatArray:
        """The page's up direction (the URDF root's z) in base-frame axes, a unit vector."""
        return np.asarray(self.upright[2, :3], dtype=float)

    # The drawn robot: link nodes, and what singularity colouring recolours (path, URDF
    # colour) with the index of the joint that moves each.
    skeleton: bool
    _links: list[str]
    _link_paths: list[str]
    _visual_paths: list[tuple[str, tuple[float, float, float, float]]]
    _joint_of_visual: list[int | None]

    def _pose_updates(self, q: FloatArray) -> list[tuple[str, FloatArray]]:
        """Every node that follows q, with its pose at ``q`` (the robot drawing's, below)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ overlays
    @property
    def overlays(self) -> tuple[str, ...]:
        """Names of the overlays drawn now."""
        return tuple(self._overlays)

    def _new_overlay(self, name: str, kind: str) -> str:
        _check_name(name)
        if name in self._overlays:
            self.remove(name)
        return f"{self._overlay_path}/{name}"

    def _add(self, ov: _Overlay, cmds: list[Command]) -> None:
        self._overlays[ov.name] = ov
        if ov.update is not None:
            cmds += [scene.set_transform(p, T) for p, T in ov.update(self.q, self.robot.fk_all(self.q))]
        self._conn.send(cmds)

    def remove(self, name: str) -> None:
        """Remove the overlay called ``name`` (see :attr:`overlays`)."""
        if not isinstance(name, str) or name not in self._overlays:
            raise InputError(f"no overlay called {name!r}; the overlays are: {', '.join(self._overlays) or 'none'}")
        ov = self._overlays.pop(name)
        if ov is self._singularity:
            self._singularity = None
            self._conn.send([scene.set_property(p, "color", list(c)) for p, c in self._visual_paths])
        self._conn.send([scene.delete(ov.path)])

    def clear(self) -> None:
        """Remove every overlay."""
        for name in list(self._overlays):
            self.remove(name)

    def overlay_info(self, name: str) -> dict[str, Any]:
        """What an overlay shows now (e.g. ``sigma_min``, the ellipsoid, the scale)."""
        if not isinstance(name, str) or name not in self._overlays:
            raise InputError(f"no overlay called {name!r}; the overlays are: {', '.join(self._overlays) or 'none'}")
        return dict(self._overlays[name].info)


# ---------------------------------------------------------------------------- helpers
#: The largest 32-bit float: the page holds line points in Float32Arrays.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _flag(value: Any, name: str) -> bool:
    """A True/False option (not a number or a string that happens to be truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise InputError(f"an overlay name must be a non-empty string without '/', got {name!r}")
    return name


def _finite_geometry(points: FloatArray, what: str) -> None:
    """Refuse geometry that overflowed: finite inputs whose product is inf would put inf in the scene."""
    if not np.isfinite(points).all():
        raise InputError(
            f"{what} is too large to draw: it overflows to {points[~np.isfinite(points)][0]}; "
            "expected coordinates that are finite numbers of metres"
        )
