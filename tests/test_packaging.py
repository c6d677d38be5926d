"""The wheel carries the bundled URDFs, so load("panda") works from an installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_urdfs_and_loads_them_outside_the_source_tree(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("robojac-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for robot in ("panda", "ur5", "iiwa14", "planar_2r"):
            assert f"robojac/urdf/{robot}.urdf" in names
        assert "robojac/__init__.pyi" in names  # the public names' one declaration
        site = tmp_path / "site"
        zf.extractall(site)
    # Import from the unpacked wheel, from a folder that has no urdf/ next to it.
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "import robojac; r = robojac.load('panda'); robojac.solve_ik; print(r.dof, robojac.loading.urdf_dir())"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    dof, where = proc.stdout.split()
    assert dof == "7" and Path(where).is_relative_to(site)
