"""The on-disk store of a reachability map: a zarr group, written chunk by chunk.

Layout (every array chunked like the map's work chunks, so each finished chunk is its
own files and Dask reads the arrays with ``dask.array.from_zarr(path, component=NAME)``):

* ``index`` (nx, ny, nz) float64: share of orientations solved per voxel, in [0, 1];
* ``manipulability`` (nx, ny, nz) float64: the best Yoshikawa manipulability among the
  solved configurations (NaN where none was solved);
* ``success`` (nx, ny, nz, n) bool and ``q`` (nx, ny, nz, n, dof) float64 [rad or m]:
  per voxel and orientation, whether IK succeeded and its configuration (NaN if not);
* ``status`` (chunks,) int8: 0 not computed, 1 written, 2 failed (the reason in the
  group's ``failed`` attribute); ``writes`` (chunks,) uint16: how often each chunk was
  written (1 in a store that no chunk was computed twice for).

A chunk's status is set after its data, so a run killed at any moment leaves every
chunk either marked written with its data complete, or unmarked and recomputed on resume.
The group's attributes hold the map's settings; a resume must match them.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..errors import InputError

#: Written into the store's attributes; a store of another format is refused.
FORMAT = "robojac-reachability/1"
PENDING, WRITTEN, FAILED = 0, 1, 2


def _zarr() -> Any:
    try:
        import zarr
    except ImportError as exc:
        raise InputError("writing a map to a store needs zarr: pip install 'robojac[distributed]'") from exc
    return zarr


class Store:
    """A map's zarr group, opened for writing (new, or resumed when the settings match)."""

    def __init__(self, path: str | os.PathLike[str], settings: dict[str, Any], chunk: int, nchunks: int) -> None:
        zarr = _zarr()
        self.path = os.fspath(path)
        exists = os.path.exists(os.path.join(self.path, "zarr.json"))
        if os.path.exists(self.path) and not exists and (not os.path.isdir(self.path) or os.listdir(self.path)):
            raise InputError(
                f"{self.path!r} exists and is not a reachability store; give a new path or an existing map's store"
            )
        try:
            self.group = zarr.open_group(self.path, mode="a")
        except Exception as exc:
            raise InputError(f"cannot open the store {self.path!r}: {exc}") from exc
        if exists and "format" in self.group.attrs:
            check_settings(self.path, dict(self.group.attrs), settings)
            return
        nx, ny, nz = settings["shape"]
        n, dof = settings["orientation_count"], settings["dof"]
        c = (chunk, chunk, chunk)
        g = self.group
        g.create_array("index", shape=(nx, ny, nz), chunks=c, dtype="f8", fill_value=np.nan, overwrite=True)
        g.create_array("manipulability", shape=(nx, ny, nz), chunks=c, dtype="f8", fill_value=np.nan, overwrite=True)
        g.create_array("success", shape=(nx, ny, nz, n), chunks=(*c, n), dtype=bool, fill_value=False, overwrite=True)
        g.create_array(
            "q", shape=(nx, ny, nz, n, dof), chunks=(*c, n, dof), dtype="f8", fill_value=np.nan, overwrite=True
        )
        g.create_array("status", shape=(nchunks,), chunks=(1,), dtype="i1", fill_value=PENDING, overwrite=True)
        g.create_array("writes", shape=(nchunks,), chunks=(1,), dtype="u2", fill_value=0, overwrite=True)
        # The settings go last, and their format tag after them: a store without the tag
        # was never started and is rebuilt, and a reader that sees the tag sees them all.
        g.attrs.update({k: v for k, v in settings.items() if k != "format"} | {"failed": {}})
        g.attrs["format"] = settings["format"]

    def status(self) -> np.ndarray:
        return np.asarray(self.group["status"][:])

    def write(self, i: int, block: tuple[slice, slice, slice], data: dict[str, np.ndarray]) -> None:
        g = self.group
        for name, value in data.items():
            g[name][block] = value
        g["writes"][i] = int(g["writes"][i]) + 1
        g["status"][i] = WRITTEN
        failed = dict(g.attrs.get("failed", {}))
        if str(i) in failed:
            del failed[str(i)]
            g.attrs["failed"] = failed

    def fail(self, i: int, reason: str) -> None:
        g = self.group
        g["status"][i] = FAILED
        g.attrs["failed"] = {**dict(g.attrs.get("failed", {})), str(i): reason}


def check_settings(path: str, found: dict[str, Any], wanted: dict[str, Any]) -> None:
    """Raise :class:`InputError` when the store at ``path`` was written with other settings."""
    if found.get("format") != FORMAT:
        raise InputError(
            f"{path!r} is not a robojac reachability store (format {found.get('format')!r}, expected {FORMAT!r})"
        )
    if found.get("robot_key") != wanted["robot_key"]:
        raise InputError(
            f"the store {path!r} was written for another robot ('{found.get('robot')}', URDF digest "
            f"{str(found.get('robot_key'))[:12]}), not for '{wanted['robot']}' ({wanted['robot_key'][:12]}); "
            "give a new --out path to map this robot"
        )
    for name, value in wanted.items():
        if found.get(name) != value:
            raise InputError(
                f"the store {path!r} was written with {name} = {_short(found.get(name))}, not {_short(value)}; "
                "resume with the same settings or give a new store path"
            )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def open_store(path: str | os.PathLike[str]) -> Any:
    """The zarr group of an existing map store, read-only."""
    zarr = _zarr()
    p = os.fspath(path)
    if not os.path.exists(os.path.join(p, "zarr.json")):
        raise InputError(f"no reachability store at {p!r} (expected a folder written by robojac.reachability_map)")
    group = zarr.open_group(p, mode="r")
    if group.attrs.get("format") != FORMAT:
        raise InputError(f"{p!r} is not a robojac reachability store (format {group.attrs.get('format')!r})")
    return group
