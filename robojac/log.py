"""``Log``: what a simulation did, as arrays over time; saved to ``.npz`` or CSV, plotted to PNG.

Rows are samples at times ``t`` (N,) [s]. Per sample:

* ``q``, ``dq`` (N, dof) [rad, rad/s]; ``tau`` (N, dof) [N·m] the controller's torque
  (NaN in a kinematic simulation, which has no torques);
* ``tool_pose`` (N, 4, 4): the controlled frame's pose in the base frame;
* ``pose_error`` (N, 6) ``[p* − p; R log(Rᵀ R*)]`` [m; rad], base axes at the tool origin;
* ``sigma_min``, ``manipulability`` (N,): smallest singular value and product of the
  singular values of the task Jacobian (``local_world_aligned``);
* ``contact_wrench`` (N, 6) ``[f; n]`` [N; N·m]: the resultant of the contact wrenches the
  arm exerts on its environment (:class:`~robojac.simulate.ContactWrench`; the arm feels
  the opposite), moved to the controlled frame's origin, in base axes (zero when there are
  none).

Logs saved before robojac's wrench convention was unified stored the opposite wrench,
the one applied to the arm, under the name ``external_wrench`` (``.npz``) or the columns
``wrench:fx…tz`` (CSV); :meth:`Log.load` reads those with the sign turned round, so a
loaded log always holds what the arm exerts.

``status`` is ``"ok"`` or ``"diverged"``; ``message`` says where and why a run stopped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ._validate import FloatArray
from .errors import InputError, RobojacError
from .robot import TWIST_AXES

ARRAYS = ("t", "q", "dq", "tau", "tool_pose", "pose_error", "sigma_min", "manipulability", "contact_wrench")
#: The ``.npz`` name of the wrench older logs stored: the one applied to the arm (``−contact_wrench``).
LEGACY_WRENCH = "external_wrench"
META = ("robot", "frame", "joint_names", "controller", "simulator", "dt", "status", "message")


@dataclass
class Log:
    """A simulation's record; see the module doc for each array's shape, frame and units."""

    t: FloatArray
    q: FloatArray
    dq: FloatArray
    tau: FloatArray
    tool_pose: FloatArray
    pose_error: FloatArray
    sigma_min: FloatArray
    manipulability: FloatArray
    contact_wrench: FloatArray
    robot: str = ""
    frame: str = ""
    joint_names: tuple[str, ...] = field(default_factory=tuple)
    controller: str = ""
    simulator: str = ""
    dt: float = float("nan")
    status: str = "ok"
    message: str = ""

    @classmethod
    def empty(cls, n: int, dof: int, **meta: Any) -> Log:
        """A log of ``n`` samples of NaN, to be filled in place."""
        nan = np.full
        return cls(
            t=nan(n, np.nan),
            q=nan((n, dof), np.nan),
            dq=nan((n, dof), np.nan),
            tau=nan((n, dof), np.nan),
            tool_pose=nan((n, 4, 4), np.nan),
            pose_error=nan((n, 6), np.nan),
            sigma_min=nan(n, np.nan),
            manipulability=nan(n, np.nan),
            contact_wrench=np.zeros((n, 6)),
            **meta,
        )

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def truncated(self, n: int) -> Log:
        """The first ``n`` samples (a run that stopped early keeps only what happened)."""
        kw: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ARRAYS:
            kw[name] = kw[name][:n]
        return Log(**kw)

    # ------------------------------------------------------------------ derived series
    @property
    def position_error(self) -> FloatArray:
        """(N,) ``‖p* − p‖`` [m]."""
        return np.asarray(np.linalg.norm(self.pose_error[:, :3], axis=1), dtype=np.float64)

    @property
    def rotation_error(self) -> FloatArray:
        """(N,) rotation error angle [rad]."""
        return np.asarray(np.linalg.norm(self.pose_error[:, 3:], axis=1), dtype=np.float64)

    @property
    def dof(self) -> int:
        """Joints per sample: the width of ``q``."""
        return int(self.q.shape[1])

    def summary(self) -> dict[str, Any]:
        """Headline numbers: final and largest errors, smallest σ_min, fastest joint rate."""
        n = len(self)
        if n == 0:
            return {"samples": 0, "status": self.status, "message": self.message}
        return {
            "robot": self.robot,
            "controller": self.controller,
            "simulator": self.simulator,
            "samples": n,
            "duration_s": float(self.t[-1] - self.t[0]),
            "status": self.status,
            "message": self.message,
            "final_position_error_m": float(self.position_error[-1]),
            "max_position_error_m": _finite_extreme(self.position_error, np.max),
            "final_rotation_error_rad": float(self.rotation_error[-1]),
            "max_rotation_error_rad": _finite_extreme(self.rotation_error, np.max),
            "min_sigma_min": _finite_extreme(self.sigma_min, np.min),
            "max_joint_rate": _finite_extreme(np.abs(self.dq), np.max),
        }

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write to ``path``: ``.npz`` (exact, compressed) or ``.csv`` (17 significant digits,
        metadata in ``#`` comment lines). Returns the path."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".npz", ".csv"):
            raise InputError(f"a log saves to .npz or .csv, got the file name {p.name!r}")
        try:
            if suffix == ".npz":
                arrays = {name: getattr(self, name) for name in ARRAYS}
                np.savez_compressed(p, **arrays, meta=np.array(json.dumps(self._meta())))
            else:
                header = "\n".join(["robojac log " + json.dumps(self._meta()), ",".join(self.columns())])
                np.savetxt(p, self._table(), delimiter=",", fmt="%.17g", header=header, comments="# ")
        except OSError as exc:
            raise RobojacError(f"cannot write the robojac log {p}: {exc}") from None
        return p

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Log:
        """Read a log written by :meth:`save` (``.npz`` or ``.csv``)."""
        p = Path(path)
        suffix = p.suffix.lower()
        try:
            if suffix == ".npz":
                with np.load(p, allow_pickle=False) as z:
                    meta = json.loads(str(z["meta"]))
                    legacy = "contact_wrench" not in z.files and LEGACY_WRENCH in z.files
                    arrays: dict[str, Any] = {
                        name: np.array(z[name], dtype=np.float64)
                        for name in ARRAYS
                        if not (legacy and name == "contact_wrench")
                    }
                    if legacy:  # an older log: the wrench applied to the arm, the opposite of what it exerts
                        arrays["contact_wrench"] = -np.array(z[LEGACY_WRENCH], dtype=np.float64)
                return cls(**arrays, **_meta_kwargs(meta))
            if suffix == ".csv":
                return cls._from_csv(p)
        except (OSError, KeyError, ValueError) as exc:
            raise RobojacError(f"cannot read the robojac log {p}: {exc}") from None
        raise InputError(f"a log loads from .npz or .csv, got the file name {p.name!r}")

    def columns(self) -> list[str]:
        """CSV column names, in order."""
        names = self.joint_names or tuple(f"j{i + 1}" for i in range(self.dof))
        return [
            "t",
            *(f"q:{n}" for n in names),
            *(f"dq:{n}" for n in names),
            *(f"tau:{n}" for n in names),
            *(f"pose:{r}{c}" for r in range(3) for c in range(4)),
            *(f"error:{a}" for a in TWIST_AXES),
            "sigma_min",
            "manipulability",
            *(f"contact:{a}" for a in ("fx", "fy", "fz", "nx", "ny", "nz")),
        ]

    def _table(self) -> FloatArray:
        n = len(self)
        return np.hstack(
            [
                self.t[:, None],
                self.q,
                self.dq,
                self.tau,
                self.tool_pose[:, :3, :].reshape(n, 12),
                self.pose_error,
                self.sigma_min[:, None],
                self.manipulability[:, None],
                self.contact_wrench,
            ]
        )

    @classmethod
    def _from_csv(cls, p: Path) -> Log:
        with p.open(encoding="utf-8") as fh:
            first = fh.readline()
            legacy = "wrench:fx" in fh.readline()  # an older log's wrench is the one applied to the arm
        tag = "# robojac log "
        if not first.startswith(tag):
            raise ValueError("the first line is not a robojac log header")
        meta = json.loads(first[len(tag) :])
        table = np.loadtxt(p, delimiter=",", comments="#", ndmin=2)
        dof = len(meta["joint_names"])
        if table.shape[1] != 1 + 3 * dof + 12 + 6 + 2 + 6:
            raise ValueError(f"expected {1 + 3 * dof + 26} columns for {dof} joints, got {table.shape[1]}")
        n = table.shape[0]
        cols = np.split(table, np.cumsum([1, dof, dof, dof, 12, 6, 1, 1]), axis=1)
        pose = np.zeros((n, 4, 4))
        pose[:, :3, :] = cols[4].reshape(n, 3, 4)
        pose[:, 3, 3] = 1.0
        return cls(
            t=cols[0][:, 0].copy(),
            q=cols[1].copy(),
            dq=cols[2].copy(),
            tau=cols[3].copy(),
            tool_pose=pose,
            pose_error=cols[5].copy(),
            sigma_min=cols[6][:, 0].copy(),
            manipulability=cols[7][:, 0].copy(),
            contact_wrench=-cols[8] if legacy else cols[8].copy(),
            **_meta_kwargs(meta),
        )

    def _meta(self) -> dict[str, Any]:
        meta = {name: getattr(self, name) for name in META}
        meta["joint_names"] = list(self.joint_names)
        meta["dt"] = None if not np.isfinite(self.dt) else float(self.dt)
        return meta

    # ------------------------------------------------------------------ plot
    def plot(self, path: str | os.PathLike[str] = "robojac-log.png") -> Path:
        """Draw tracking error, joint rates, σ_min/manipulability (and torques, if any) over
        time into a PNG at ``path`` (default: ``robojac-log.png`` in the current folder);
        returns the path. Needs matplotlib (``pip install robojac[plot]``)."""
        try:
            # A bare Figure draws with Agg and leaves pyplot's global backend alone.
            from matplotlib.figure import Figure
        except ImportError:
            raise RobojacError("Log.plot needs matplotlib: pip install 'robojac[plot]'") from None
        has_tau = bool(np.isfinite(self.tau).any())
        rows = 4 if has_tau else 3
        fig = Figure(figsize=(8, 2.4 * rows), layout="constrained")
        axes = fig.subplots(rows, 1, sharex=True)
        t = self.t
        ax = axes[0]
        ax.plot(t, 1e3 * self.position_error, label="position [mm]")
        ax.plot(t, np.degrees(self.rotation_error), label="rotation [deg]")
        ax.set_ylabel("tracking error")
        ax.legend(loc="upper right", fontsize=8)
        ax.set_title(
            f"{self.robot} · {self.controller} · {self.simulator}" + ("" if self.status == "ok" else " · DIVERGED")
        )
        ax = axes[1]
        for i, name in enumerate(self.joint_names or range(self.dof)):
            ax.plot(t, self.dq[:, i], label=str(name), lw=1)
        ax.set_ylabel("joint rate [rad/s]")
        ax.legend(loc="upper right", fontsize=6, ncol=4)
        ax = axes[2]
        ax.plot(t, self.sigma_min, label="σ_min")
        ax.plot(t, self.manipulability, label="manipulability")
        ax.set_ylabel("Jacobian")
        ax.legend(loc="upper right", fontsize=8)
        if has_tau:
            ax = axes[3]
            for i in range(self.dof):
                ax.plot(t, self.tau[:, i], lw=1)
            ax.set_ylabel("torque [N·m]")
        axes[-1].set_xlabel("time [s]")
        out = Path(path)
        try:
            fig.savefig(out, dpi=100)
        except OSError as exc:
            raise RobojacError(f"cannot write the plot {out}: {exc}") from None
        return out


def _finite_extreme(x: FloatArray, fn: Any) -> float:
    """``fn`` over the finite entries of ``x``, NaN when there are none (a run without a target)."""
    finite = x[np.isfinite(x)]
    return float(fn(finite)) if finite.size else float("nan")


def _meta_kwargs(meta: dict[str, Any]) -> dict[str, Any]:
    kw = {name: meta[name] for name in META if name in meta}
    kw["joint_names"] = tuple(kw.get("joint_names", ()))
    kw["dt"] = float("nan") if kw.get("dt") is None else float(kw["dt"])
    return kw
