"""Animation on meshcat's timeline."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import FloatArray, as_array, check_finite, positive
from ..errors import InputError
from . import scene
from ._base import MAX_ANIMATION_FRAMES, ViewerBase, _flag


class Playback(ViewerBase):
    """:meth:`play`: a sequence of configurations as keyframes the page plays."""

    def play(self, trajectory: Any, times: Any = None, *, fps: float = 30.0, loop: bool = False) -> int:
        """Animate a sequence on meshcat's timeline (play, pause, scrub in the page's controls).

        ``trajectory`` is an (N, dof) array of configurations with ``times`` (N,) [s]
        (default: ``fps`` per second), or anything with ``.t`` (N,) and ``.q`` (N, dof),
        such as a control log. Overlays that follow q (ellipsoids, wrenches, frames,
        singularity colours) move along. Long sequences are thinned to at most 2000
        frames. Returns the number of frames sent.
        """
        t: FloatArray | None
        if times is None and hasattr(trajectory, "q") and hasattr(trajectory, "t"):
            Q, t = as_array(trajectory.q, "log.q"), as_array(trajectory.t, "log.t")
        else:
            Q = as_array(trajectory, "qs")
            t = None if times is None else as_array(times, "times")
        f = positive(fps, "fps")
        _flag(loop, "loop")
        if Q.ndim != 2 or Q.shape[1] != self.robot.dof or Q.shape[0] < 1:
            raise InputError(f"qs must have shape (N, {self.robot.dof}) with N ≥ 1, got shape {Q.shape}")
        check_finite(Q, "qs")
        if t is None:
            t = np.arange(Q.shape[0]) / f
        if t.shape != (Q.shape[0],):
            raise InputError(f"times must have shape ({Q.shape[0]},), one per configuration, got shape {t.shape}")
        check_finite(t, "times")
        if Q.shape[0] > 1 and not np.all(np.diff(t) > 0):  # (an overflow to inf is an increase)
            raise InputError("times must increase strictly")
        idx = np.arange(Q.shape[0])
        if idx.size > MAX_ANIMATION_FRAMES:
            idx = np.unique(np.linspace(0, idx.size - 1, MAX_ANIMATION_FRAMES).round().astype(int))
        with np.errstate(over="ignore", invalid="ignore"):
            frames = (t[idx] - t[idx[0]]) * f
        if not np.isfinite(frames).all():
            raise InputError(
                f"times × fps must be finite frame numbers; times span {float(t[-1]) - float(t[0]):.3g} s at fps {f:g}"
            )
        tracks: dict[str, dict[str, list[Any]]] = {}
        sing = self._singularity
        for k in idx:
            q = self.robot.check_q(Q[k])
            for p, T in self._pose_updates(q):
                pos, quat, s = scene.decompose(T)
                tr = tracks.setdefault(p, {"position": [], "quaternion": [], "scale": []})
                tr["position"].append(pos.tolist())
                tr["quaternion"].append(quat.tolist())
                tr["scale"].append(s.tolist())
            if sing is not None and sing.colors is not None:
                for p, c in sing.colors(q):
                    tracks.setdefault(p + "/<object>", {"material.color": []})["material.color"].append(list(c[:3]))
        animations = []
        jstype = {"position": "vector3", "quaternion": "quaternion", "scale": "vector3", "material.color": "color"}
        for p, props in tracks.items():
            clip_tracks = [
                {
                    "name": "." + prop,
                    "type": jstype[prop],
                    "keys": [{"time": float(fr), "value": val} for fr, val in zip(frames, values)],
                }
                for prop, values in props.items()
                if not (prop == "scale" and np.allclose(values, 1.0))
            ]
            animations.append({"path": p, "clip": {"fps": f, "name": "default", "tracks": clip_tracks}})
        options = {"play": True, "repetitions": 1_000_000 if loop else 1, "clampWhenFinished": True}
        self._conn.send([{"type": "set_animation", "path": "", "animations": animations, "options": options}])
        return int(idx.size)
